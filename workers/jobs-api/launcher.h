/* launcher.h - the thread that turns due SCHEDULED jobs into one-time Spot
 * instances, and the EC2 clean-up every status change may need.
 *
 * Every JOBS_LAUNCH_INTERVAL seconds it
 *   1. claims each due SCHEDULED job with a conditional write SCHEDULED ->
 *      LAUNCHING (same attempt): of several jobs-api processes sharing the
 *      table exactly one wins each job; the claim also rotates the job's
 *      callback token (a new one per attempt);
 *   2. calls RunInstances with ClientToken "<id>-<attempt>" (a retried
 *      call cannot start a second instance), tag scratchwork:job-id, and
 *      the user-data that starts spot-agent with this attempt's token;
 *   3. records the instance id; if the job moved on meanwhile, terminates
 *      the instance instead;
 *   4. a failed RunInstances puts the job back to SCHEDULED with backoff
 *      (attempt + 1), or FAILED after JOBS_MAX_ATTEMPTS;
 *   5. a job LAUNCHING for longer than JOBS_LAUNCH_TIMEOUT (a launcher that
 *      died between claim and launch, an instance that never called back)
 *      is retried the same way, its instance terminated;
 *   6. every JOBS_REAP_INTERVAL seconds, the reaper (reaper.h): jobs
 *      RUNNING (or LAUNCHING with an instance) whose instance has been
 *      gone for JOBS_REAP_GRACE seconds without a callback are retried
 *      the same way. */
#ifndef JOBS_LAUNCHER_H
#define JOBS_LAUNCHER_H

#include "app.h"
#include "pool.h"
#include "sw/ec2.h"
#include "sw/error.h"

typedef struct jobs_launch_config {
    long interval_s;          /* JOBS_LAUNCH_INTERVAL, default 15 */
    long launch_timeout_s;    /* JOBS_LAUNCH_TIMEOUT, default 600 */
    const char *ami;          /* JOBS_AMI_ID */
    const char *instance_type;/* JOBS_INSTANCE_TYPE, default t3.micro */
    const char *profile;      /* JOBS_INSTANCE_PROFILE (name or ARN) */
    const char *subnet;       /* JOBS_SUBNET_ID */
    const char *const *security_groups; /* JOBS_SECURITY_GROUP_IDS */
    size_t security_group_count;
    const char *api_url;      /* JOBS_CALLBACK_URL: what agents call */
    const char *agent_image;  /* JOBS_AGENT_IMAGE: the spot-agent image */
    long reap_interval_s;     /* JOBS_REAP_INTERVAL, default 60 */
    long reap_grace_s;        /* JOBS_REAP_GRACE, default 120 */
    long heartbeat_timeout_s; /* JOBS_HEARTBEAT_TIMEOUT, default 300, 0 off */
} jobs_launch_config;

typedef struct jobs_launcher jobs_launcher;

/* jobs_terminate: app->terminate for the service: TerminateInstances
 * through the EC2 pool (ctx); logs the outcome (a failure as an error with
 * the job and instance ids: the job's change is already stored). */
void jobs_terminate(void *ctx, const char *job_id, const char *instance_id);

/* jobs_launcher_start: starts the thread. app and cfg are borrowed and
 * must outlive jobs_launcher_stop. Returns SW_OK or SW_E_NOMEM. */
sw_result jobs_launcher_start(const jobs_app *app,
                              const jobs_launch_config *cfg, jobs_pool *ec2,
                              jobs_launcher **out);

/* jobs_launcher_stop: asks the thread to stop after the job in hand, waits
 * for it and frees it. NULL is fine. */
void jobs_launcher_stop(jobs_launcher *l);

/* jobs_describe_instances: a jobs_describe_fn for the reaper:
 * sw_ec2_describe_instances (instance-id filter) through the EC2 pool
 * (ctx). */
sw_result jobs_describe_instances(void *ctx, const char *const *ids,
                                  size_t n, sw_ec2_instance_state *out,
                                  sw_aws_error *err);

/* jobs_launcher_tick: one pass (claims, launches, stale claims, and the
 * reaper when its interval has passed); exposed
 * so a test can drive it. Returns the number of instances launched. */
int jobs_launcher_tick(jobs_launcher *l);

#endif
