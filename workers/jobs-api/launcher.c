/* launcher.c - the launch loop (see launcher.h). */
#include "launcher.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw/ec2.h"
#include "reaper.h"
#include "sw/log.h"
#include "userdata.h"
#include "userdata_tmpl.h"

/* The thread's stack: more than musl's 128 KiB default (see server.c). */
enum { DUE_BATCH = 25, INSTANCE_RECORD_TRIES = 3, STACK_BYTES = 512 * 1024 };

struct jobs_launcher {
    const jobs_app *app;
    const jobs_launch_config *cfg;
    jobs_pool *ec2;
    jobs_reaper *reaper;
    time_t next_reap;         /* when the reaper runs next */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
};

/* log_job: one log line about job `id` with optional fields. */
static void log_job(sw_log_level lvl, const char *id, const char *what,
                    const char *k1, const char *v1, const char *k2,
                    const char *v2)
{
    cJSON *f = cJSON_CreateObject();
    if (f) {
        cJSON_AddStringToObject(f, "job_id", id);
        if (k1 && v1)
            cJSON_AddStringToObject(f, k1, v1);
        if (k2 && v2)
            cJSON_AddStringToObject(f, k2, v2);
    }
    char msg[200];
    snprintf(msg, sizeof msg, "job %s: %s", id, what);
    sw_log(lvl, msg, f);
    cJSON_Delete(f);
}

/* jobs_terminate: one TerminateInstances call (sw_aws_send retries what is
 * transient). */
void jobs_terminate(void *ctx, const char *job_id, const char *instance_id)
{
    jobs_pool *pool = ctx;
    jobs_pool_entry *e = jobs_pool_get(pool);
    sw_aws_error err;
    memset(&err, 0, sizeof err);
    const char *ids[] = {instance_id};
    sw_result rc = e ? sw_ec2_terminate_instances(e->client, ids, 1, &err)
                     : SW_E_NOMEM;
    jobs_pool_put(pool, e);
    if (rc == SW_OK)
        log_job(SW_LOG_INFO, job_id, "instance terminated", "instance_id",
                instance_id, NULL, NULL);
    else
        log_job(SW_LOG_ERROR, job_id, "TerminateInstances failed: the "
                "instance may still run", "instance_id", instance_id,
                "error", err.code[0] ? err.code : sw_result_str(rc));
}

/* jobs_describe_instances: one DescribeInstances with a pooled client. */
sw_result jobs_describe_instances(void *ctx, const char *const *ids,
                                  size_t n, sw_ec2_instance_state *out,
                                  sw_aws_error *err)
{
    jobs_pool *pool = ctx;
    jobs_pool_entry *e = jobs_pool_get(pool);
    sw_result rc = e ? sw_ec2_describe_instances(e->client, ids, n,
                                                SW_EC2_LOOKUP_FILTER, out, err)
                     : sw_aws_local_error(err, SW_E_NOMEM, "out of memory");
    jobs_pool_put(pool, e);
    return rc;
}

/* record_instance: stores the instance id on the job if it is still on
 * this attempt and LAUNCHING or RUNNING; otherwise (or if that keeps
 * failing) the job no longer wants the instance: it is terminated. */
static void record_instance(jobs_launcher *l, const jobs_job *claimed,
                            const char *instance_id)
{
    const jobs_app *app = l->app;
    for (int i = 0; i < INSTANCE_RECORD_TRIES; i++) {
        jobs_job cur;
        bool found = false;
        sw_aws_error err;
        memset(&err, 0, sizeof err);
        jobs_job_init(&cur);
        sw_result rc = app->store.ops->get(app->store.ctx, claimed->id, &cur,
                                           &found, &err);
        if (rc == SW_OK && found && cur.attempt == claimed->attempt &&
            (cur.status == JOBS_LAUNCHING || cur.status == JOBS_RUNNING)) {
            jobs_job next;
            rc = jobs_job_copy(&next, &cur);
            if (rc == SW_OK) {
                snprintf(next.instance_id, sizeof next.instance_id, "%s",
                         instance_id);
                jobs_stamp_now(next.updated_at);
                /* RUNNING: a heartbeat landing meanwhile must not be
                 * overwritten with the older value read (re-read). */
                rc = app->store.ops->update(
                    app->store.ctx, &next, cur.status, cur.attempt,
                    cur.status == JOBS_RUNNING ? cur.last_heartbeat : NULL,
                    &err);
            }
            jobs_job_free(&next);
            jobs_job_free(&cur);
            if (rc == SW_OK) {
                log_job(SW_LOG_INFO, claimed->id, "instance launched",
                        "instance_id", instance_id, NULL, NULL);
                return;
            }
            continue; /* changed meanwhile (or the store failed): again */
        }
        jobs_job_free(&cur);
        if (rc == SW_OK) { /* the job moved on without this instance */
            log_job(SW_LOG_WARN, claimed->id, "the job no longer wants its "
                    "new instance", "instance_id", instance_id, NULL, NULL);
            jobs_terminate(l->ec2, claimed->id, instance_id);
            return;
        }
    }
    /* The store kept failing: the job may well be running on it, so it is
     * left alone (its agent powers it off when the job ends). */
    log_job(SW_LOG_ERROR, claimed->id, "could not record the instance id",
            "instance_id", instance_id, NULL, NULL);
}

/* retry_later: back to SCHEDULED with backoff (or FAILED), after a launch
 * that failed or never completed. */
static void retry_later(jobs_launcher *l, const jobs_job *cur,
                        const char *reason)
{
    jobs_job next;
    sw_aws_error err;
    memset(&err, 0, sizeof err);
    char event[JOBS_EVENT_MAX];
    snprintf(event, sizeof event, "launch:%d", cur->attempt);
    sw_result rc = jobs_next_retry(l->app, cur, reason, event, &next);
    if (rc == SW_OK)
        rc = jobs_commit(l->app, cur, &next, "launcher", &err);
    if (rc && rc != SW_E_CONDITION)
        log_job(SW_LOG_ERROR, cur->id, "could not reschedule", "error",
                sw_result_str(rc), NULL, NULL);
    jobs_job_free(&next);
}

/* launch: RunInstances for a claimed job with this attempt's token. */
static bool launch(jobs_launcher *l, const jobs_job *claimed,
                   const char *token)
{
    const jobs_launch_config *c = l->cfg;
    sw_buf ud = SW_BUF_INIT;
    jobs_userdata_vars v = {claimed->id, claimed->attempt, c->api_url, token,
                            c->agent_image};
    sw_result rc = jobs_userdata_render(jobs_userdata_template, &v, &ud);
    char client_token[SW_EC2_CLIENT_TOKEN_MAX + 1], attempt[16], name[64];
    snprintf(client_token, sizeof client_token, "%s-%d", claimed->id,
             claimed->attempt);
    snprintf(attempt, sizeof attempt, "%d", claimed->attempt);
    snprintf(name, sizeof name, "jobs-api/%s", claimed->id);
    sw_ec2_tag tags[] = {{"scratchwork:job-id", claimed->id},
                         {"scratchwork:attempt", attempt},
                         {"Name", name}};
    sw_ec2_run_request req = {.image_id = c->ami,
                              .instance_type = c->instance_type,
                              .instance_profile = c->profile,
                              .user_data = sw_cursor_from_buf(&ud),
                              .subnet_id = c->subnet,
                              .security_group_ids = c->security_groups,
                              .security_group_count = c->security_group_count,
                              .tags = tags,
                              .tag_count = 3,
                              .client_token = client_token};
    char instance[SW_EC2_ID_MAX] = "";
    sw_aws_error err;
    memset(&err, 0, sizeof err);
    jobs_pool_entry *e = rc == SW_OK ? jobs_pool_get(l->ec2) : NULL;
    if (rc == SW_OK)
        rc = e ? sw_ec2_run_instance(e->client, &req, instance,
                                     sizeof instance, &err)
               : SW_E_NOMEM;
    jobs_pool_put(l->ec2, e);
    sw_buf_wipe_free(&ud); /* it holds the token */
    if (rc == SW_OK) {
        record_instance(l, claimed, instance);
        return true;
    }
    char reason[300];
    snprintf(reason, sizeof reason, "RunInstances failed: %s%s%.160s",
             err.code[0] ? err.code : sw_result_str(rc),
             err.message[0] ? ": " : "", err.message);
    log_job(SW_LOG_WARN, claimed->id, "launch failed", "error", reason, NULL,
            NULL);
    retry_later(l, claimed, reason);
    return false;
}

/* claim_and_launch: SCHEDULED -> LAUNCHING with a fresh token; only the
 * process whose conditional write wins goes on to launch. */
static bool claim_and_launch(jobs_launcher *l, const jobs_job *due)
{
    jobs_job next;
    char token[JOBS_TOKEN_HEX + 1];
    if (jobs_job_copy(&next, due))
        return false;
    if (jobs_new_token(token, next.token_hash)) {
        jobs_job_free(&next);
        return false;
    }
    next.status = JOBS_LAUNCHING;
    next.instance_id[0] = '\0';
    next.last_event[0] = '\0';
    jobs_stamp_now(next.updated_at);
    sw_aws_error err;
    memset(&err, 0, sizeof err);
    sw_result rc = jobs_commit(l->app, due, &next, "launcher", &err);
    bool launched = false;
    if (rc == SW_OK)
        launched = launch(l, &next, token);
    else if (rc != SW_E_CONDITION) /* CONDITION: another launcher has it */
        log_job(SW_LOG_ERROR, due->id, "claim failed", "error",
                err.code[0] ? err.code : sw_result_str(rc), NULL, NULL);
    sw_secure_zero(token, sizeof token);
    jobs_job_free(&next);
    return launched;
}

/* retry_stale: LAUNCHING jobs not updated for launch_timeout_s. */
static void retry_stale(jobs_launcher *l, time_t now)
{
    jobs_job_list list = {0};
    sw_aws_error err;
    memset(&err, 0, sizeof err);
    char until[JOBS_TIME_LEN + 1], cutoff[JOBS_TIME_LEN + 1];
    jobs_time_format(now, until);
    jobs_time_format(now - l->cfg->launch_timeout_s, cutoff);
    if (l->app->store.ops->due(l->app->store.ctx, JOBS_LAUNCHING, until,
                               DUE_BATCH, &list, &err))
        return;
    for (size_t i = 0; i < list.count; i++)
        /* updated_at has milliseconds; comparing its first 19 characters
         * with the cutoff's is comparing the times. */
        if (strncmp(list.items[i].updated_at, cutoff, 19) < 0)
            retry_later(l, &list.items[i], "no callback before "
                        "JOBS_LAUNCH_TIMEOUT");
    jobs_job_list_free(&list);
}

/* jobs_launcher_tick: due jobs first, then stale claims. */
int jobs_launcher_tick(jobs_launcher *l)
{
    time_t now = jobs_app_now(l->app);
    char until[JOBS_TIME_LEN + 1];
    jobs_time_format(now, until);
    jobs_job_list list = {0};
    sw_aws_error err;
    memset(&err, 0, sizeof err);
    int launched = 0;
    sw_result rc = l->app->store.ops->due(l->app->store.ctx, JOBS_SCHEDULED,
                                          until, DUE_BATCH, &list, &err);
    if (rc) {
        sw_log_msgf(SW_LOG_ERROR, "launcher: query for due jobs failed: %s",
                    err.code[0] ? err.code : sw_result_str(rc));
        return 0;
    }
    for (size_t i = 0; i < list.count; i++) {
        pthread_mutex_lock(&l->lock);
        bool stop = l->stop;
        pthread_mutex_unlock(&l->lock);
        if (stop)
            break;
        launched += claim_and_launch(l, &list.items[i]);
    }
    jobs_job_list_free(&list);
    retry_stale(l, now);
    if (l->reaper && now >= l->next_reap) {
        jobs_reaper_pass(l->reaper, now);
        l->next_reap = now + l->cfg->reap_interval_s;
    }
    return launched;
}

/* run: tick, then sleep on the condition variable until the next tick or
 * a stop request. */
static void *run(void *arg)
{
    jobs_launcher *l = arg;
    for (;;) {
        jobs_launcher_tick(l);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += l->cfg->interval_s;
        pthread_mutex_lock(&l->lock);
        while (!l->stop &&
               pthread_cond_timedwait(&l->wake, &l->lock, &until) == 0)
            ;
        bool stop = l->stop;
        pthread_mutex_unlock(&l->lock);
        if (stop)
            return NULL;
    }
}

/* jobs_launcher_start: allocates and starts the thread. */
sw_result jobs_launcher_start(const jobs_app *app,
                              const jobs_launch_config *cfg, jobs_pool *ec2,
                              jobs_launcher **out)
{
    jobs_launcher *l = calloc(1, sizeof *l);
    if (!l)
        return SW_E_NOMEM;
    l->app = app;
    l->cfg = cfg;
    l->ec2 = ec2;
    if (jobs_reaper_new(app, cfg->reap_grace_s, jobs_describe_instances, ec2,
                        &l->reaper)) {
        free(l);
        return SW_E_NOMEM;
    }
    jobs_reaper_set_heartbeat_timeout(l->reaper, cfg->heartbeat_timeout_s);
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->wake, NULL);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, STACK_BYTES);
    int err = pthread_create(&l->thread, &attr, run, l);
    pthread_attr_destroy(&attr);
    if (err != 0) {
        pthread_cond_destroy(&l->wake);
        pthread_mutex_destroy(&l->lock);
        jobs_reaper_free(l->reaper);
        free(l);
        return SW_E_NOMEM;
    }
    *out = l;
    return SW_OK;
}

/* jobs_launcher_stop: sets stop, wakes and joins the thread. */
void jobs_launcher_stop(jobs_launcher *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->lock);
    l->stop = true;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->lock);
    pthread_join(l->thread, NULL);
    pthread_cond_destroy(&l->wake);
    pthread_mutex_destroy(&l->lock);
    jobs_reaper_free(l->reaper);
    free(l);
}
