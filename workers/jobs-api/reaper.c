/* reaper.c - jobs whose instance died without a callback (see reaper.h). */
#include "reaper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw/ec2.h"
#include "sw/log.h"
#include "sw/rfc3339.h"

/* Pages of the status listing: one DescribeInstances each. A pass reads at
 * most PAGES_MAX pages per status (10 000 jobs) and says so if there were
 * more; the rest waits for the next pass. */
enum { PAGE = 100, PAGES_MAX = 100 };

typedef enum { SEEN_NOT, SEEN_GONE, SEEN_DONE } seen_kind;

/* A job seen with a gone instance, since `since`. */
typedef struct suspect {
    char id[JOBS_ID_LEN + 1];
    int attempt;
    char instance_id[JOBS_INSTANCE_MAX];
    time_t since;
    seen_kind seen; /* this pass: not looked at, still gone, settled */
} suspect;

struct jobs_reaper {
    const jobs_app *app;
    long grace_s;
    long hb_timeout_s; /* 0: heartbeats are not checked */
    jobs_describe_fn describe;
    void *describe_ctx;
    suspect *s;
    size_t n, cap;
};

/* jobs_reaper_new: allocates the reaper (no suspect yet). */
sw_result jobs_reaper_new(const jobs_app *app, long grace_s,
                          jobs_describe_fn describe, void *ctx,
                          jobs_reaper **out)
{
    jobs_reaper *r = calloc(1, sizeof *r);
    if (!r)
        return SW_E_NOMEM;
    r->app = app;
    r->grace_s = grace_s < 0 ? 0 : grace_s;
    r->describe = describe;
    r->describe_ctx = ctx;
    *out = r;
    return SW_OK;
}

/* jobs_reaper_free: the suspects, then the reaper. */
void jobs_reaper_free(jobs_reaper *r)
{
    if (!r)
        return;
    free(r->s);
    free(r);
}

/* jobs_reaper_set_heartbeat_timeout: negative counts as 0 (off). */
void jobs_reaper_set_heartbeat_timeout(jobs_reaper *r, long timeout_s)
{
    r->hb_timeout_s = timeout_s < 0 ? 0 : timeout_s;
}

/* jobs_heartbeat_stale: parses last_heartbeat (RFC 3339, as
 * jobs_stamp_now writes it) and compares its age with the timeout. */
bool jobs_heartbeat_stale(const jobs_job *j, time_t now, long timeout_s,
                          long *age_s)
{
    if (j->status != JOBS_RUNNING || timeout_s <= 0 || !j->last_heartbeat[0])
        return false;
    time_t t;
    if (sw_rfc3339_parse(sw_cursor_from_cstr(j->last_heartbeat), &t, NULL))
        return false;
    if (now - t <= (time_t)timeout_s)
        return false;
    *age_s = (long)(now - t);
    return true;
}

/* jobs_reaper_suspects: the suspect count. */
size_t jobs_reaper_suspects(const jobs_reaper *r)
{
    return r ? r->n : 0;
}

/* find_suspect: the suspect for job id, or NULL. */
static suspect *find_suspect(jobs_reaper *r, const char *id)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->s[i].id, id) == 0)
            return &r->s[i];
    return NULL;
}

/* note_gone: the suspect for j (made, or restarted when the job has moved
 * to another attempt or instance since), marked seen gone. NULL on
 * ENOMEM. */
static suspect *note_gone(jobs_reaper *r, const jobs_job *j, time_t now)
{
    suspect *s = find_suspect(r, j->id);
    if (!s) {
        if (r->n == r->cap) {
            size_t cap = r->cap ? 2 * r->cap : 16;
            suspect *grown = realloc(r->s, cap * sizeof *grown);
            if (!grown)
                return NULL;
            r->s = grown;
            r->cap = cap;
        }
        s = &r->s[r->n++];
        memset(s, 0, sizeof *s);
        snprintf(s->id, sizeof s->id, "%s", j->id);
        s->attempt = -1;
    }
    if (s->attempt != j->attempt || strcmp(s->instance_id, j->instance_id)) {
        s->attempt = j->attempt;
        snprintf(s->instance_id, sizeof s->instance_id, "%s", j->instance_id);
        s->since = now;
    }
    s->seen = SEEN_GONE;
    return s;
}

/* requeue: j back to SCHEDULED with attempt + 1, or FAILED with reason,
 * conditional on what was read (status, attempt, heartbeat). last_event
 * is the interruption's, so the agent's own "schedule" for this attempt,
 * should it land after all, is a harmless repeat. The recorded instance
 * is terminated unless `terminate` is false (EC2 does not know it).
 * Returns true when this write won. */
static bool requeue(jobs_reaper *r, const jobs_job *j, const char *reason,
                    bool terminate)
{
    char event[JOBS_EVENT_MAX];
    snprintf(event, sizeof event, "schedule:%d", j->attempt);
    jobs_job next;
    sw_aws_error err;
    memset(&err, 0, sizeof err);
    sw_result rc = jobs_next_retry(r->app, j, reason, event, &next);
    if (rc == SW_OK) {
        jobs_job cur = *j; /* shallow: only read, env shared */
        if (!terminate)
            cur.instance_id[0] = '\0'; /* nothing left to terminate */
        rc = jobs_commit(r->app, &cur, &next, "reaper", &err);
    }
    jobs_job_free(&next);
    if (rc == SW_E_CONDITION)
        sw_log_msgf(SW_LOG_INFO, "job %s: changed meanwhile (a callback or "
                    "a heartbeat landed): not reaped", j->id);
    else if (rc)
        sw_log_msgf(SW_LOG_ERROR, "job %s: could not reap: %s", j->id,
                    err.code[0] ? err.code : sw_result_str(rc));
    return rc == SW_OK;
}

/* reap_fields: the fields every reap log line has. NULL on ENOMEM. */
static cJSON *reap_fields(const jobs_job *j)
{
    cJSON *f = cJSON_CreateObject();
    if (f) {
        cJSON_AddStringToObject(f, "event", "reap");
        cJSON_AddStringToObject(f, "job_id", j->id);
        cJSON_AddStringToObject(f, "status", jobs_status_name(j->status));
        cJSON_AddNumberToObject(f, "attempt", j->attempt);
        cJSON_AddStringToObject(f, "instance_id", j->instance_id);
    }
    return f;
}

/* reap: j, whose instance has been `state` ("" for unknown) for `gone_s`
 * seconds, treated as interrupted (requeue). An instance EC2 does not
 * know is not terminated. Returns true when this write won. */
static bool reap(jobs_reaper *r, const jobs_job *j, const char *state,
                 long gone_s)
{
    const char *what = state[0] ? state : "unknown to EC2";
    char reason[160];
    snprintf(reason, sizeof reason, "instance %.63s %.15s for %lds without a "
             "callback", j->instance_id, what, gone_s);
    cJSON *f = reap_fields(j);
    if (f) {
        cJSON_AddStringToObject(f, "instance_state", what);
        cJSON_AddNumberToObject(f, "gone_s", (double)gone_s);
    }
    char msg[160];
    snprintf(msg, sizeof msg, "job %s: its instance is gone without a "
             "callback: treated as an interruption", j->id);
    sw_log(SW_LOG_WARN, msg, f);
    cJSON_Delete(f);
    return requeue(r, j, reason, state[0] != '\0');
}

/* reap_silent: j, RUNNING without a heartbeat for age_s seconds (its agent
 * hung or died, the instance may well still run), treated as interrupted
 * and its instance terminated. Returns true when this write won. */
static bool reap_silent(jobs_reaper *r, const jobs_job *j, long age_s)
{
    char reason[160];
    snprintf(reason, sizeof reason, "no heartbeat for %lds (last %s)", age_s,
             j->last_heartbeat);
    cJSON *f = reap_fields(j);
    if (f) {
        cJSON_AddStringToObject(f, "last_heartbeat", j->last_heartbeat);
        cJSON_AddNumberToObject(f, "silent_s", (double)age_s);
    }
    char msg[160];
    snprintf(msg, sizeof msg, "job %s: no heartbeat for %lds: treated as an "
             "interruption", j->id, age_s);
    sw_log(SW_LOG_WARN, msg, f);
    cJSON_Delete(f);
    return requeue(r, j, reason, true);
}

/* check_page: reaps the page's RUNNING jobs whose heartbeat is stale,
 * then looks up the other jobs' instances and settles each: alive
 * (forgotten), gone (suspect, or reaped after the grace). Returns the
 * number reaped, or -1 when the lookup failed (those reaped for their
 * heartbeat then wait for nothing: they are stored). */
static int check_page(jobs_reaper *r, const jobs_job_list *l, time_t now)
{
    const char *ids[PAGE];
    const jobs_job *jobs[PAGE];
    sw_ec2_instance_state states[PAGE];
    size_t n = 0;
    int reaped = 0;
    for (size_t i = 0; i < l->count && n < PAGE; i++) {
        const jobs_job *j = &l->items[i];
        long age_s;
        if (jobs_heartbeat_stale(j, now, r->hb_timeout_s, &age_s)) {
            /* Settled here, whether this write wins or a heartbeat did. */
            suspect *s = find_suspect(r, j->id);
            if (s)
                s->seen = SEEN_DONE;
            reaped += reap_silent(r, j, age_s);
            continue;
        }
        /* No instance yet (claimed, RunInstances in flight): the launch
         * timeout covers those. */
        if (!j->instance_id[0] || !sw_ec2_instance_id_valid(j->instance_id))
            continue;
        ids[n] = j->instance_id;
        jobs[n++] = j;
    }
    if (n == 0)
        return reaped;
    sw_aws_error err;
    memset(&err, 0, sizeof err);
    sw_result rc = r->describe(r->describe_ctx, ids, n, states, &err);
    if (rc) {
        sw_log_msgf(SW_LOG_ERROR, "reaper: DescribeInstances failed: %s%s%s",
                    err.code[0] ? err.code : sw_result_str(rc),
                    err.message[0] ? ": " : "", err.message);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const jobs_job *j = jobs[i];
        suspect *s = find_suspect(r, j->id);
        if (!jobs_instance_gone(states[i].state)) {
            if (s)
                s->seen = SEEN_DONE; /* alive again (or a new instance) */
            continue;
        }
        s = note_gone(r, j, now);
        if (!s) {
            sw_log_msgf(SW_LOG_ERROR, "reaper: out of memory");
            return -1;
        }
        long gone_s = (long)(now - s->since);
        if (gone_s < r->grace_s)
            continue;
        s->seen = SEEN_DONE; /* reaped, or changed meanwhile: settled */
        reaped += reap(r, j, states[i].state, gone_s);
    }
    return reaped;
}

/* scan: every page of jobs with status st. Returns the number reaped;
 * *complete false when a page could not be read or checked. */
static int scan(jobs_reaper *r, jobs_status st, time_t now, bool *complete)
{
    jobs_store s = r->app->store;
    sw_buf next = SW_BUF_INIT;
    int reaped = 0;
    for (int page = 0;; page++) {
        if (page == PAGES_MAX) {
            sw_log_msgf(SW_LOG_WARN, "reaper: more than %d %s jobs: the "
                        "rest waits for the next pass", PAGE * PAGES_MAX,
                        jobs_status_name(st));
            *complete = false;
            break;
        }
        jobs_job_list l = {0};
        sw_buf nx = SW_BUF_INIT;
        sw_aws_error err;
        memset(&err, 0, sizeof err);
        sw_result rc = s.ops->list(s.ctx, &st, PAGE,
                                   next.ptr ? next.ptr : "", &l, &nx, &err);
        if (rc) {
            sw_log_msgf(SW_LOG_ERROR, "reaper: listing %s jobs failed: %s",
                        jobs_status_name(st),
                        err.code[0] ? err.code : sw_result_str(rc));
            sw_buf_free(&nx);
            *complete = false;
            break;
        }
        int k = check_page(r, &l, now);
        jobs_job_list_free(&l);
        if (k < 0)
            *complete = false;
        else
            reaped += k;
        sw_buf_free(&next);
        next = nx;
        if (!next.len)
            break;
    }
    sw_buf_free(&next);
    return reaped;
}

/* jobs_reaper_pass: RUNNING, then LAUNCHING; then drops the suspects that
 * were settled, and, after a complete pass, those no longer listed (their
 * job moved on). */
int jobs_reaper_pass(jobs_reaper *r, time_t now)
{
    for (size_t i = 0; i < r->n; i++)
        r->s[i].seen = SEEN_NOT;
    bool complete = true;
    int reaped = scan(r, JOBS_RUNNING, now, &complete) +
                 scan(r, JOBS_LAUNCHING, now, &complete);
    size_t kept = 0;
    for (size_t i = 0; i < r->n; i++) {
        bool keep = r->s[i].seen == SEEN_GONE ||
                    (r->s[i].seen == SEEN_NOT && !complete);
        if (keep)
            r->s[kept++] = r->s[i];
    }
    r->n = kept;
    return reaped;
}

/* jobs_instance_gone: the states that mean no job runs there any more. */
bool jobs_instance_gone(const char *state)
{
    static const char *const gone[] = {"", "shutting-down", "terminated",
                                       "stopping", "stopped"};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
        if (strcmp(state, gone[i]) == 0)
            return true;
    return false;
}
