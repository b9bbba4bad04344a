/* lifecycle.c - status changes: retries with backoff, the conditional
 * commit, its log line and the instance clean-up (see app.h). */
#include "app.h"

#include <stdio.h>
#include <string.h>

#include "sw/log.h"

/* jobs_app_now: the injectable clock. */
time_t jobs_app_now(const jobs_app *app)
{
    return app->now ? app->now() : time(NULL);
}

/* jobs_next_retry: see app.h. */
sw_result jobs_next_retry(const jobs_app *app, const jobs_job *cur,
                          const char *reason, const char *event,
                          jobs_job *next)
{
    if (jobs_job_copy(next, cur))
        return SW_E_NOMEM;
    int attempt = cur->attempt + 1;
    next->instance_id[0] = '\0';
    next->last_heartbeat[0] = '\0'; /* the next attempt's agent has none */
    snprintf(next->last_event, sizeof next->last_event, "%s", event);
    jobs_stamp_now(next->updated_at);
    if (attempt >= app->max_attempts) {
        next->status = JOBS_FAILED;
        snprintf(next->error_message, sizeof next->error_message,
                 "%s; gave up after %d attempts", reason, attempt);
        return SW_OK;
    }
    next->status = JOBS_SCHEDULED;
    next->attempt = attempt;
    next->error_message[0] = '\0';
    time_t at = jobs_app_now(app) +
                jobs_backoff_seconds(attempt, app->backoff_base,
                                     app->backoff_cap);
    jobs_time_format(at, next->scheduled_for);
    return SW_OK;
}

/* jobs_commit: update, log, terminate. */
sw_result jobs_commit(const jobs_app *app, const jobs_job *cur,
                      const jobs_job *next, const char *by, sw_aws_error *err)
{
    jobs_store s = app->store;
    /* A RUNNING job's change also depends on the heartbeat read: the
     * reaper's "no heartbeat for too long" must lose to a heartbeat that
     * lands meanwhile (a callback that loses this way re-reads). */
    const char *beat = cur->status == JOBS_RUNNING ? cur->last_heartbeat
                                                   : NULL;
    sw_result rc = s.ops->update(s.ctx, next, cur->status, cur->attempt, beat,
                                 err);
    if (rc)
        return rc;
    cJSON *f = cJSON_CreateObject();
    if (f) {
        cJSON_AddStringToObject(f, "event", "transition");
        cJSON_AddStringToObject(f, "job_id", cur->id);
        cJSON_AddStringToObject(f, "from", jobs_status_name(cur->status));
        cJSON_AddStringToObject(f, "to", jobs_status_name(next->status));
        cJSON_AddNumberToObject(f, "attempt", next->attempt);
        cJSON_AddStringToObject(f, "by", by);
        if (next->instance_id[0])
            cJSON_AddStringToObject(f, "instance_id", next->instance_id);
        if (next->status == JOBS_SCHEDULED && cur->status != JOBS_SCHEDULED)
            cJSON_AddStringToObject(f, "scheduled_for", next->scheduled_for);
    }
    char msg[160];
    snprintf(msg, sizeof msg, "job %s: %s -> %s", cur->id,
             jobs_status_name(cur->status), jobs_status_name(next->status));
    sw_log(SW_LOG_INFO, msg, f);
    cJSON_Delete(f);
    bool leaves = next->status == JOBS_SCHEDULED ||
                  next->status == JOBS_DONE || next->status == JOBS_FAILED;
    if (leaves && cur->instance_id[0] && app->terminate)
        app->terminate(app->terminate_ctx, cur->id, cur->instance_id);
    return SW_OK;
}
