/* reaper.h - finds jobs whose instance died without any callback (Spot
 * reclaimed before the agent could call back, the agent crashed, the
 * instance was terminated by hand) and treats them exactly like an
 * interruption: SCHEDULED with attempt + 1 and backoff, or FAILED after
 * JOBS_MAX_ATTEMPTS, through the same conditional write (status +
 * attempt) as a callback, so a late callback and the reaper cannot both
 * win.
 *
 * A pass (the launcher runs one every JOBS_REAP_INTERVAL seconds) pages
 * through the RUNNING jobs, then the LAUNCHING jobs that have an instance
 * recorded, on the status GSI, and asks EC2 for their instances' states
 * (one DescribeInstances per page of 100). An instance shutting-down,
 * terminated, stopping, stopped or unknown to EC2 becomes a suspect; a
 * suspect still gone JOBS_REAP_GRACE seconds after it was first seen so
 * (same job, attempt and instance) is reaped. The grace lets a callback
 * already on its way (the agent retries for minutes) land first, and
 * covers EC2's eventual consistency right after a launch. Suspects live
 * in this process's memory: a restart only delays a reap by one grace.
 *
 * The heartbeat covers what EC2 cannot see: an agent that hung or died on
 * an instance that keeps running. A RUNNING job whose last_heartbeat (set
 * by its running callback and each heartbeat) is more than the heartbeat
 * timeout old is reaped the same way, and its instance terminated; the
 * write is conditional on the heartbeat value read too, so a heartbeat
 * landing between the listing and the write wins. A RUNNING job with no
 * last_heartbeat at all (stored before heartbeats existed) is left to the
 * instance check. */
#ifndef JOBS_REAPER_H
#define JOBS_REAPER_H

#include <stdbool.h>
#include <time.h>

#include "app.h"
#include "sw/ec2.h"
#include "sw/error.h"

/* The instance lookup: states of n ids (n <= SW_EC2_DESCRIBE_MAX) into out
 * ("" for an id EC2 does not know). Returns SW_OK or a failure (err
 * filled), after which nothing is decided for these jobs. */
typedef sw_result (*jobs_describe_fn)(void *ctx, const char *const *ids,
                                      size_t n, sw_ec2_instance_state *out,
                                      sw_aws_error *err);

typedef struct jobs_reaper jobs_reaper;

/* jobs_reaper_new: a reaper over app's store, reaping after grace_s
 * seconds (>= 0), looking instances up through describe(ctx, ...). app
 * is borrowed. Returns SW_OK or SW_E_NOMEM. */
sw_result jobs_reaper_new(const jobs_app *app, long grace_s,
                          jobs_describe_fn describe, void *ctx,
                          jobs_reaper **out);

/* jobs_reaper_set_heartbeat_timeout: RUNNING jobs whose heartbeat is more
 * than timeout_s seconds old are reaped (0, the default: never). */
void jobs_reaper_set_heartbeat_timeout(jobs_reaper *r, long timeout_s);

/* jobs_heartbeat_stale: the reaper's decision for one job: true when j is
 * RUNNING, timeout_s > 0 and j's last_heartbeat is more than timeout_s
 * seconds before now; *age_s gets its age then. false for any other
 * status, no heartbeat recorded, or one that does not parse. */
bool jobs_heartbeat_stale(const jobs_job *j, time_t now, long timeout_s,
                          long *age_s);

/* jobs_reaper_free: frees the reaper and its suspects. NULL is fine. */
void jobs_reaper_free(jobs_reaper *r);

/* jobs_reaper_pass: one pass at time `now` (see above): stale heartbeats
 * first (no EC2 call needed), then the instances. Failures (store, EC2)
 * are logged and leave the jobs concerned to the next pass, their
 * suspects' clocks kept. Returns the number of jobs moved on (SCHEDULED
 * or FAILED). */
int jobs_reaper_pass(jobs_reaper *r, time_t now);

/* jobs_instance_gone: true for a state in which the instance no longer
 * runs a job: "" (unknown to EC2), shutting-down, terminated, stopping,
 * stopped. pending and running (and anything unexpected) are alive. */
bool jobs_instance_gone(const char *state);

/* jobs_reaper_suspects: how many jobs are waiting out their grace (for
 * tests). */
size_t jobs_reaper_suspects(const jobs_reaper *r);

#endif
