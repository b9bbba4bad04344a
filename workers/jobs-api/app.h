/* app.h - what the handlers and the launcher share: the store, the keys,
 * the retry policy, and the lifecycle steps every status change goes
 * through (conditional write, one log line, terminate the instance that
 * the job no longer needs). */
#ifndef JOBS_APP_H
#define JOBS_APP_H

#include <stdbool.h>
#include <time.h>

#include "auth.h"
#include "job.h"
#include "store.h"

typedef struct jobs_app {
    jobs_store store;
    const jobs_auth *auth;
    int max_attempts;        /* JOBS_MAX_ATTEMPTS, default 3 */
    long backoff_base;       /* JOBS_BACKOFF_SECONDS, default 30 */
    long backoff_cap;        /* JOBS_BACKOFF_MAX_SECONDS, default 900 */
    /* Terminates an instance a job no longer needs; NULL: nothing to do
     * (tests, fuzzer). Failures are the callee's to log: the status
     * change has already been stored. */
    void (*terminate)(void *ctx, const char *job_id, const char *instance_id);
    void *terminate_ctx;
    /* The clock; NULL: time(NULL). */
    time_t (*now)(void);
} jobs_app;

/* jobs_app_now: app->now() or time(NULL). */
time_t jobs_app_now(const jobs_app *app);

/* jobs_next_retry: next := cur moved back to SCHEDULED for attempt+1 at
 * now + backoff, or to FAILED ("reason; gave up after N attempts") when
 * attempt+1 reaches max_attempts. The instance id and last_heartbeat are
 * cleared and last_event set to `event`. Returns SW_OK or SW_E_NOMEM. */
sw_result jobs_next_retry(const jobs_app *app, const jobs_job *cur,
                          const char *reason, const char *event,
                          jobs_job *next);

/* jobs_commit: stores next if the job still has cur's status and attempt
 * (and, for a RUNNING job, cur's last_heartbeat; SW_E_CONDITION
 * otherwise), logs the transition (job id, from, to,
 * attempt, by) and, when next no longer runs on cur's instance
 * (SCHEDULED, DONE, FAILED), terminates it through app->terminate. */
sw_result jobs_commit(const jobs_app *app, const jobs_job *cur,
                      const jobs_job *next, const char *by, sw_aws_error *err);

#endif
