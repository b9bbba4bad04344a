/* workflow - runs a schedule (a graph of AWS Batch jobs, schedule.h) and
 * records every step in a DynamoDB history table; what the Step Functions
 * version did with two lambdas, two tables and a state machine.
 *
 *   workflow run <scheduleId>   start the run for SCHEDULED_TIME (else now,
 *                               floored to the minute), or resume it
 *   workflow restart <runId>    resubmit the steps that did not succeed and
 *                               the steps depending on them; poll to the end
 *   workflow check FILE...      parse and check schedule files (no AWS)
 *
 * One run = one item in HISTORY_TABLE (key scheduleId, startDateTime = the
 * scheduled time; runId "<scheduleId>/<startDateTime>"), created with a
 * conditional put, so a duplicated trigger finds the run and resumes it
 * instead of starting another. Every step is submitted in topological order
 * with its dependencies' job ids in dependsOn (Batch enforces the order and
 * the retries), and its job id is recorded at once with an UpdateItem
 * conditional on none being recorded; a step with a recorded id is only
 * polled, never submitted again. Then DescribeJobs (100 ids a call) with
 * backoff until every step is SUCCEEDED or FAILED.
 *
 * Environment:
 *   HISTORY_TABLE      required (run, restart)
 *   SCHEDULE_FILE      the schedule JSON, or else
 *   SCHEDULES_TABLE    a table keyed scheduleId holding the graph (a JSON
 *                      string in "graph"), or else
 *   SCHEDULES_DIR      <dir>/<scheduleId>.json (default /schedules)
 *   SCHEDULED_TIME     YYYY-MM-DDTHH:MM:SSZ (EventBridge's event time)
 *   POLL_SECONDS       first poll interval (default 10), doubling up to
 *   POLL_MAX_SECONDS   (default 60); fractions allowed
 *   NOTIFY_TOPIC_ARN   optional: an SNS summary at the end of a run
 * Output: one JSON summary line on stdout at the end; JSON logs on stderr.
 * Exit codes (sw/exit.h): 0 run succeeded; 4 run failed; 2 bad schedule,
 * configuration or an AWS answer a retry cannot change; 3 transient AWS
 * trouble; 1 internal. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "schedule.h"
#include "sw/aws.h"
#include "sw/batch.h"
#include "sw/creds.h"
#include "sw/dynamodb.h"
#include "sw/exit.h"
#include "sw/http.h"
#include "sw/log.h"
#include "sw/rfc3339.h"
#include "sw/worker.h"
#include "sw/sns.h"

enum { MSG_LEN = 1024, JOB_ID_LEN = 64, REASON_LEN = 256, MISSES_MAX = 3 };

/* What the run knows about one step (mirrors steps.<name> in the item). */
typedef struct step_state {
    char job_id[JOB_ID_LEN];    /* "" until submitted */
    char status[16];            /* Batch's status, "" before the first poll */
    int attempts;
    int has_exit;
    long exit_code;
    char reason[REASON_LEN];
    double started_at, stopped_at; /* ms since the epoch, 0: unknown */
    int misses;                 /* polls in a row that did not find the job */
} step_state;

typedef struct run {
    wf_schedule sch;
    step_state *st;
    const char *table;
    char schedule_id[WF_ID_MAX + 1];
    char start[32];             /* startDateTime */
    char run_id[WF_ID_MAX + 40];
    sw_aws_client *ddb, *batch;
    sw_creds_provider *creds;
    long poll_ms, poll_max_ms;
    int submitted;              /* SubmitJob calls this process made */
    int http_up;                /* sw_http_global_init succeeded */
} run;

/* seconds_ms: a POLL_* variable (seconds, fractions allowed, 0 < s <= 3600)
 * in ms, dflt when unset; -1 when malformed. */
static long seconds_ms(const char *name, long dflt)
{
    const char *s = sw_env(name);
    if (!s)
        return dflt;
    char *end;
    double v = strtod(s, &end);
    if (*end || !isfinite(v) || v <= 0 || v > 3600)
        return -1;
    long ms = (long)(v * 1000);
    return ms < 1 ? 1 : ms;
}

/* read_file: up to WF_SCHEDULE_MAX + 1 bytes of path into out. Returns 0,
 * or 2 after logging. */
static int read_file(const char *path, sw_buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        sw_log_msgf(SW_LOG_ERROR, "%s: cannot open", path);
        return SW_EXIT_BAD_INPUT;
    }
    char chunk[8192];
    size_t n;
    int bad = 0;
    while (!bad && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        bad = sw_buf_append(out, chunk, n) != SW_OK;
        if (out->len > WF_SCHEDULE_MAX)
            break;
    }
    bad = bad || ferror(f);
    fclose(f);
    if (bad) {
        sw_log_msgf(SW_LOG_ERROR, "%s: cannot read", path);
        return SW_EXIT_BAD_INPUT;
    }
    return 0;
}

/* parse_graph: parses json into r->sch (source names it); logs the one-line
 * rejection. Returns 0 or 2. */
static int parse_graph(run *r, sw_cursor json, const char *source)
{
    char why[WF_WHY_LEN];
    sw_result rc = wf_schedule_parse(json, source, &r->sch, why);
    if (rc == SW_OK) {
        r->st = calloc(r->sch.count, sizeof *r->st);
        if (r->st)
            return 0;
        snprintf(why, sizeof why, "out of memory");
    }
    sw_log_msgf(SW_LOG_ERROR, "%s", why);
    return rc == SW_E_NOMEM || rc == SW_OK ? SW_EXIT_INTERNAL
                                           : SW_EXIT_BAD_INPUT;
}

/* key_of: the history item's key. */
static cJSON *key_of(const run *r)
{
    cJSON *k = cJSON_CreateObject();
    if (k) {
        cJSON_AddItemToObject(k, "scheduleId", sw_ddb_string(r->schedule_id));
        cJSON_AddItemToObject(k, "startDateTime", sw_ddb_string(r->start));
    }
    return k;
}

/* load_schedule: the schedule for r->schedule_id from SCHEDULE_FILE,
 * SCHEDULES_TABLE or SCHEDULES_DIR. Returns the exit code (0: loaded). */
static int load_schedule(run *r)
{
    const char *file = sw_env("SCHEDULE_FILE"), *tab = sw_env("SCHEDULES_TABLE");
    sw_buf text = SW_BUF_INIT;
    char path[4096], source[4200];
    int code = 0;
    if (file || !tab) {
        if (!file) {
            const char *dir = sw_env("SCHEDULES_DIR");
            snprintf(path, sizeof path, "%s/%s.json", dir ? dir : "/schedules",
                     r->schedule_id);
            file = path;
        }
        snprintf(source, sizeof source, "%s", file);
        code = read_file(file, &text);
    } else {
        snprintf(source, sizeof source, "%s[%s].graph", tab, r->schedule_id);
        cJSON *key = cJSON_CreateObject(), *item = NULL;
        cJSON_AddItemToObject(key, "scheduleId", sw_ddb_string(r->schedule_id));
        sw_aws_error err;
        memset(&err, 0, sizeof err);
        sw_result rc = sw_ddb_get_item(r->ddb, tab, key, &item, &err);
        cJSON_Delete(key);
        const char *g = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(item, "graph"), "S"));
        if (rc != SW_OK) {
            code = sw_worker_aws_failure("GetItem on SCHEDULES_TABLE", rc, &err);
        } else if (!g) {
            sw_log_msgf(SW_LOG_ERROR, "%s: no such schedule (an item with a "
                        "string \"graph\")", source);
            code = SW_EXIT_BAD_INPUT;
        } else if (sw_buf_append(&text, g, strlen(g)) != SW_OK) {
            code = SW_EXIT_INTERNAL;
        }
        cJSON_Delete(item);
    }
    if (!code)
        code = parse_graph(r, sw_cursor_from_buf(&text), source);
    sw_buf_free(&text);
    if (!code && strcmp(r->sch.schedule_id, r->schedule_id) != 0) {
        sw_log_msgf(SW_LOG_ERROR, "%s: scheduleId \"%s\" is not \"%s\"",
                    source, r->sch.schedule_id, r->schedule_id);
        code = SW_EXIT_BAD_INPUT;
    }
    return code;
}

/* terminal: 1 for Batch's end states. */
static int terminal(const char *status)
{
    return strcmp(status, "SUCCEEDED") == 0 || strcmp(status, "FAILED") == 0;
}

/* step_from_record: fills st from a plain steps.<name> map of the item. */
static void step_from_record(step_state *st, const cJSON *m)
{
    memset(st, 0, sizeof *st);
    const char *s;
    if ((s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "jobId"))))
        snprintf(st->job_id, sizeof st->job_id, "%s", s);
    if ((s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "status"))))
        snprintf(st->status, sizeof st->status, "%s", s);
    if ((s = cJSON_GetStringValue(
             cJSON_GetObjectItemCaseSensitive(m, "statusReason"))))
        snprintf(st->reason, sizeof st->reason, "%s", s);
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(m, "attempts");
    st->attempts = cJSON_IsNumber(n) ? (int)n->valuedouble : 0;
    n = cJSON_GetObjectItemCaseSensitive(m, "exitCode");
    if (cJSON_IsNumber(n)) {
        st->has_exit = 1;
        st->exit_code = (long)n->valuedouble;
    }
    n = cJSON_GetObjectItemCaseSensitive(m, "startedAt");
    st->started_at = cJSON_IsNumber(n) ? n->valuedouble : 0;
    n = cJSON_GetObjectItemCaseSensitive(m, "stoppedAt");
    st->stopped_at = cJSON_IsNumber(n) ? n->valuedouble : 0;
}

/* steps_from_item: every step's state from the item's "steps" map (plain
 * JSON). */
static void steps_from_item(run *r, const cJSON *plain)
{
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(plain, "steps");
    for (size_t i = 0; i < r->sch.count; i++)
        step_from_record(&r->st[i], cJSON_GetObjectItemCaseSensitive(
                                        steps, r->sch.steps[i].name));
}

/* get_run: the run's item as plain JSON (*out NULL if none). Returns the
 * exit code. */
static int get_run(run *r, cJSON **out)
{
    *out = NULL;
    cJSON *key = key_of(r), *item = NULL;
    sw_aws_error err;
    memset(&err, 0, sizeof err);
    sw_result rc = sw_ddb_get_item(r->ddb, r->table, key, &item, &err);
    cJSON_Delete(key);
    if (rc != SW_OK)
        return sw_worker_aws_failure("GetItem on HISTORY_TABLE", rc, &err);
    if (item) {
        *out = sw_ddb_unmarshal_item(item);
        cJSON_Delete(item);
        if (!*out)
            return SW_EXIT_INTERNAL;
    }
    return 0;
}

/* adopt_item: takes the graph and step states from an existing run item
 * (the recorded graph wins over today's file, so a resume or a restart
 * runs what was started). Returns the exit code. */
static int adopt_item(run *r, const cJSON *plain)
{
    const char *g = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(plain, "graph"));
    if (!g) {
        sw_log_msgf(SW_LOG_ERROR, "run %s: the history item has no graph",
                    r->run_id);
        return SW_EXIT_BAD_INPUT;
    }
    wf_schedule_free(&r->sch);
    free(r->st);
    r->st = NULL;
    char source[sizeof r->run_id + 32];
    snprintf(source, sizeof source, "run %s: recorded graph", r->run_id);
    int code = parse_graph(r, sw_cursor_from_cstr(g), source);
    if (!code)
        steps_from_item(r, plain);
    return code;
}

/* names_add: adds "#<prefix>" -> value to an ExpressionAttributeNames
 * object; returns it (NULL on ENOMEM). */
static cJSON *names_add(cJSON *names, const char *alias, const char *value)
{
    return names && cJSON_AddStringToObject(names, alias, value) ? names
                                                                 : NULL;
}

/* now_text: the current time, RFC 3339 with ms. */
static void now_text(char out[25])
{
    sw_time_rfc3339(out);
}

/* create_run: the conditional put of a new run item. Returns SW_OK,
 * SW_E_CONDITION (the run exists) or the failure (logged, *code set). */
static sw_result create_run(run *r, int *code)
{
    char now[25];
    now_text(now);
    char *graph = cJSON_PrintUnformatted(r->sch.doc);
    cJSON *plain = cJSON_CreateObject(), *steps = cJSON_CreateObject();
    cJSON_AddStringToObject(plain, "scheduleId", r->schedule_id);
    cJSON_AddStringToObject(plain, "startDateTime", r->start);
    cJSON_AddStringToObject(plain, "runId", r->run_id);
    cJSON_AddStringToObject(plain, "status", "RUNNING");
    cJSON_AddStringToObject(plain, "createdAt", now);
    cJSON_AddStringToObject(plain, "updatedAt", now);
    cJSON_AddStringToObject(plain, "graph", graph ? graph : "");
    for (size_t i = 0; i < r->sch.count; i++)
        cJSON_AddItemToObject(steps, r->sch.steps[i].name,
                              cJSON_CreateObject());
    cJSON_AddItemToObject(plain, "steps", steps);
    free(graph);
    cJSON *item = sw_ddb_marshal_item(plain);
    cJSON *names = names_add(cJSON_CreateObject(), "#k", "scheduleId");
    sw_aws_error err;
    memset(&err, 0, sizeof err);
    sw_result rc = SW_E_NOMEM;
    if (item && names) {
        sw_ddb_expr expr = {.condition = "attribute_not_exists(#k)",
                            .names = names};
        rc = sw_ddb_put_item(r->ddb, r->table, item, &expr, &err);
    }
    cJSON_Delete(names);
    cJSON_Delete(item);
    cJSON_Delete(plain);
    if (rc != SW_OK && rc != SW_E_CONDITION)
        *code = rc == SW_E_NOMEM ? SW_EXIT_INTERNAL
                                 : sw_worker_aws_failure("PutItem of the run", rc, &err);
    return rc;
}

/* update: UpdateItem on the run item with expr; *code set on failure other
 * than SW_E_CONDITION. */
static sw_result update(run *r, const sw_ddb_expr *expr, const char *what,
                        int *code)
{
    cJSON *key = key_of(r);
    sw_aws_error err;
    memset(&err, 0, sizeof err);
    sw_result rc = key ? sw_ddb_update_item(r->ddb, r->table, key, expr, NULL,
                                            &err)
                       : SW_E_NOMEM;
    cJSON_Delete(key);
    if (rc != SW_OK && rc != SW_E_CONDITION)
        *code = rc == SW_E_NOMEM ? SW_EXIT_INTERNAL
                                 : sw_worker_aws_failure(what, rc, &err);
    return rc;
}

/* record_job_id: steps.<name>.jobId = job_id, only if none is recorded.
 * Returns SW_OK, SW_E_CONDITION (one was) or the failure. */
static sw_result record_job_id(run *r, size_t i, const char *job_id,
                               int *code)
{
    char now[25];
    now_text(now);
    cJSON *names = cJSON_CreateObject(), *values = cJSON_CreateObject();
    names_add(names, "#s", "steps");
    names_add(names, "#n", r->sch.steps[i].name);
    cJSON_AddItemToObject(values, ":j", sw_ddb_string(job_id));
    cJSON_AddItemToObject(values, ":t", sw_ddb_string(now));
    sw_ddb_expr expr = {
        .update = "SET #s.#n.jobId = :j, #s.#n.submittedAt = :t, "
                  "updatedAt = :t",
        .condition = "attribute_not_exists(#s.#n.jobId)",
        .names = names, .values = values};
    sw_result rc = update(r, &expr, "UpdateItem recording a job id", code);
    cJSON_Delete(names);
    cJSON_Delete(values);
    return rc;
}

/* overrides_with_run_id: a copy of a step's containerOverrides (NULL: a new
 * object) whose environment also holds WORKFLOW_RUN_ID = run_id, so every
 * step of one run can name its outputs after the same id (the ETL stages
 * do); a step that sets WORKFLOW_RUN_ID itself keeps its own value. Returns
 * the new object (the caller deletes it) or NULL when out of memory. */
static cJSON *overrides_with_run_id(const cJSON *overrides, const char *run_id)
{
    cJSON *o = overrides ? cJSON_Duplicate(overrides, 1) : cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON *env = cJSON_GetObjectItemCaseSensitive(o, "environment");
    if (!cJSON_IsArray(env)) {
        cJSON_DeleteItemFromObjectCaseSensitive(o, "environment");
        env = cJSON_AddArrayToObject(o, "environment");
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, env) {
        const char *name = cJSON_GetStringValue(
            cJSON_GetObjectItemCaseSensitive(e, "name"));
        if (name && strcmp(name, "WORKFLOW_RUN_ID") == 0)
            return o;
    }
    cJSON *var = cJSON_CreateObject();
    if (!env || !var ||
        !cJSON_AddStringToObject(var, "name", "WORKFLOW_RUN_ID") ||
        !cJSON_AddStringToObject(var, "value", run_id) ||
        !cJSON_AddItemToArray(env, var)) {
        cJSON_Delete(var);
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* submit_step: SubmitJob for step i with its unfinished dependencies' job
 * ids (a SUCCEEDED dependency is satisfied and dropped), then records the
 * id. Returns the exit code (0: submitted and recorded, or another process
 * had recorded one first: then ours is terminated and theirs adopted). */
static int submit_step(run *r, size_t i)
{
    const wf_step *s = &r->sch.steps[i];
    sw_batch_dependency deps[WF_DEPS_MAX];
    size_t nd = 0;
    int n_to_n = s->dependency_type && strcmp(s->dependency_type, "N_TO_N") == 0;
    for (size_t e = 0; e < s->dep_count; e++) {
        const step_state *d = &r->st[s->deps[e]];
        if (strcmp(d->status, "SUCCEEDED") == 0)
            continue;
        deps[nd].job_id = d->job_id;
        deps[nd++].type = n_to_n ? "N_TO_N" : NULL;
    }
    if (s->dependency_type && strcmp(s->dependency_type, "SEQUENTIAL") == 0) {
        deps[nd].job_id = NULL;
        deps[nd++].type = "SEQUENTIAL";
    }
    cJSON *overrides = overrides_with_run_id(s->container_overrides,
                                             r->run_id);
    if (!overrides) {
        sw_log_msgf(SW_LOG_ERROR, "out of memory building step %s", s->name);
        return SW_EXIT_INTERNAL;
    }
    sw_batch_submit req = {
        .job_name = s->name, .job_queue = s->job_queue,
        .job_definition = s->job_definition, .depends_on = deps,
        .depends_on_count = nd, .array_size = s->array_size,
        .container_overrides = overrides,
        .parameters = s->parameters, .retry_strategy = s->retry_strategy,
        .timeout_seconds = s->timeout};
    char job_id[JOB_ID_LEN];
    sw_aws_error err;
    memset(&err, 0, sizeof err);
    r->submitted++;
    sw_result rc = sw_batch_submit_job(r->batch, &req, job_id, sizeof job_id,
                                       &err);
    cJSON_Delete(overrides);
    if (rc != SW_OK) {
        char what[WF_NAME_MAX + 64];
        snprintf(what, sizeof what, "SubmitJob of step \"%s\"", s->name);
        return sw_worker_aws_failure(what, rc, &err);
    }
    int code = 0;
    rc = record_job_id(r, i, job_id, &code);
    if (rc == SW_OK) {
        snprintf(r->st[i].job_id, sizeof r->st[i].job_id, "%s", job_id);
        snprintf(r->st[i].status, sizeof r->st[i].status, "SUBMITTED");
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "run_id", r->run_id);
        cJSON_AddStringToObject(f, "step", s->name);
        cJSON_AddStringToObject(f, "job_id", job_id);
        cJSON_AddNumberToObject(f, "depends_on", (double)nd);
        char msg[MSG_LEN];
        snprintf(msg, sizeof msg, "submitted step %s as job %s", s->name,
                 job_id);
        sw_log(SW_LOG_INFO, msg, f);
        cJSON_Delete(f);
        return 0;
    }
    if (rc != SW_E_CONDITION)
        return code;
    /* Another process recorded this step first: ours is a duplicate. */
    char reason[MSG_LEN];
    snprintf(reason, sizeof reason, "duplicate: run %s step %s was already "
             "submitted by another process", r->run_id, s->name);
    (void)sw_batch_terminate_job(r->batch, job_id, reason, &err);
    sw_log_msgf(SW_LOG_WARN, "%s; terminated our job %s", reason, job_id);
    cJSON *plain = NULL;
    if ((code = get_run(r, &plain)))
        return code;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(plain, "steps"), s->name);
    step_from_record(&r->st[i], m);
    cJSON_Delete(plain);
    return 0;
}

/* submit_all: submits, in topological order, every step without a job id.
 * Returns the exit code. */
static int submit_all(run *r)
{
    for (size_t k = 0; k < r->sch.count; k++) {
        size_t i = r->sch.order[k];
        if (r->st[i].job_id[0])
            continue;
        int code = submit_step(r, i);
        if (code)
            return code;
    }
    return 0;
}

/* num_value: a DynamoDB N for v (an integer-valued double). */
static cJSON *num_value(double v)
{
    char t[40];
    snprintf(t, sizeof t, "%.0f", v);
    return sw_ddb_number(t);
}

/* record_state: writes step i's polled state, conditional on the recorded
 * job id still being ours (a restart elsewhere replaces it). Returns the
 * exit code (2 when superseded). */
static int record_state(run *r, size_t i)
{
    const step_state *st = &r->st[i];
    char now[25], upd[600];
    now_text(now);
    cJSON *names = cJSON_CreateObject(), *values = cJSON_CreateObject();
    names_add(names, "#s", "steps");
    names_add(names, "#n", r->sch.steps[i].name);
    names_add(names, "#st", "status");
    cJSON_AddItemToObject(values, ":j", sw_ddb_string(st->job_id));
    cJSON_AddItemToObject(values, ":st", sw_ddb_string(st->status));
    cJSON_AddItemToObject(values, ":a", num_value(st->attempts));
    cJSON_AddItemToObject(values, ":t", sw_ddb_string(now));
    size_t n = (size_t)snprintf(upd, sizeof upd, "SET #s.#n.#st = :st, "
                                "#s.#n.attempts = :a, updatedAt = :t");
    if (st->reason[0]) {
        cJSON_AddItemToObject(values, ":r", sw_ddb_string(st->reason));
        n += (size_t)snprintf(upd + n, sizeof upd - n,
                              ", #s.#n.statusReason = :r");
    }
    if (st->has_exit) {
        cJSON_AddItemToObject(values, ":x", num_value((double)st->exit_code));
        n += (size_t)snprintf(upd + n, sizeof upd - n, ", #s.#n.exitCode = :x");
    }
    if (st->started_at > 0) {
        cJSON_AddItemToObject(values, ":b", num_value(st->started_at));
        n += (size_t)snprintf(upd + n, sizeof upd - n,
                              ", #s.#n.startedAt = :b");
    }
    if (st->stopped_at > 0) {
        cJSON_AddItemToObject(values, ":e", num_value(st->stopped_at));
        snprintf(upd + n, sizeof upd - n, ", #s.#n.stoppedAt = :e");
    }
    sw_ddb_expr expr = {.update = upd, .condition = "#s.#n.jobId = :j",
                        .names = names, .values = values};
    int code = 0;
    sw_result rc = update(r, &expr, "UpdateItem recording a step", &code);
    cJSON_Delete(names);
    cJSON_Delete(values);
    if (rc == SW_E_CONDITION) {
        sw_log_msgf(SW_LOG_ERROR, "run %s step %s: job %s is no longer the "
                    "recorded one (restarted elsewhere); leaving the run to "
                    "that process", r->run_id, r->sch.steps[i].name,
                    st->job_id);
        return SW_EXIT_BAD_INPUT;
    }
    return code;
}

/* apply_job: takes one DescribeJobs detail into st; returns 1 if anything
 * recorded changed. */
static int apply_job(step_state *st, const cJSON *job)
{
    step_state old = *st;
    const char *s = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(job, "status"));
    if (s)
        snprintf(st->status, sizeof st->status, "%s", s);
    s = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(job, "statusReason"));
    if (s)
        snprintf(st->reason, sizeof st->reason, "%s", s);
    const cJSON *att = cJSON_GetObjectItemCaseSensitive(job, "attempts");
    st->attempts = cJSON_GetArraySize(att);
    /* The job's exit code, else its last attempt's. */
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(job, "container"), "exitCode");
    if (!cJSON_IsNumber(x) && st->attempts > 0)
        x = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(
                cJSON_GetArrayItem(att, st->attempts - 1), "container"),
            "exitCode");
    if (cJSON_IsNumber(x)) {
        st->has_exit = 1;
        st->exit_code = (long)x->valuedouble;
    }
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(job, "startedAt");
    if (cJSON_IsNumber(t))
        st->started_at = t->valuedouble;
    t = cJSON_GetObjectItemCaseSensitive(job, "stoppedAt");
    if (cJSON_IsNumber(t))
        st->stopped_at = t->valuedouble;
    st->misses = 0;
    return strcmp(old.status, st->status) != 0 ||
           strcmp(old.reason, st->reason) != 0 ||
           old.attempts != st->attempts || old.has_exit != st->has_exit ||
           old.exit_code != st->exit_code ||
           old.started_at != st->started_at ||
           old.stopped_at != st->stopped_at;
}

/* poll_once: one DescribeJobs round over every unfinished step; records
 * what changed. *open gets the number still unfinished. Returns the exit
 * code. */
static int poll_once(run *r, size_t *open)
{
    size_t n = r->sch.count, k = 0;
    const char **ids = calloc(n ? n : 1, sizeof *ids);
    size_t *idx = calloc(n ? n : 1, sizeof *idx);
    int code = 0;
    if (!ids || !idx) {
        free(ids);
        free(idx);
        return SW_EXIT_INTERNAL;
    }
    for (size_t i = 0; i < n; i++)
        if (r->st[i].job_id[0] && !terminal(r->st[i].status)) {
            idx[k] = i;
            ids[k++] = r->st[i].job_id;
        }
    cJSON *jobs = NULL;
    sw_aws_error err;
    memset(&err, 0, sizeof err);
    sw_result rc = k ? sw_batch_describe_jobs(r->batch, ids, k, &jobs, &err)
                     : SW_OK;
    if (rc != SW_OK)
        code = sw_worker_aws_failure("DescribeJobs", rc, &err);
    for (size_t q = 0; !code && q < k; q++) {
        step_state *st = &r->st[idx[q]];
        const cJSON *job = NULL;
        for (const cJSON *j = jobs ? jobs->child : NULL; j && !job;
             j = j->next) {
            const char *id = cJSON_GetStringValue(
                cJSON_GetObjectItemCaseSensitive(j, "jobId"));
            if (id && strcmp(id, st->job_id) == 0)
                job = j;
        }
        int changed;
        if (job) {
            changed = apply_job(st, job);
        } else if (++st->misses >= MISSES_MAX) {
            /* Batch keeps finished jobs for about 7 days; a job it never
             * heard of or has forgotten cannot finish any more. */
            snprintf(st->status, sizeof st->status, "FAILED");
            snprintf(st->reason, sizeof st->reason, "DescribeJobs does not "
                     "know job %s", st->job_id);
            changed = 1;
        } else {
            changed = 0;
        }
        if (changed) {
            code = record_state(r, idx[q]);
            if (!code && terminal(st->status))
                sw_log_msgf(st->status[0] == 'F' ? SW_LOG_WARN : SW_LOG_INFO,
                            "step %s: %s%s%s", r->sch.steps[idx[q]].name,
                            st->status, st->reason[0] ? ": " : "",
                            st->reason);
        }
    }
    cJSON_Delete(jobs);
    free(ids);
    free(idx);
    *open = 0;
    for (size_t i = 0; i < n; i++)
        *open += !terminal(r->st[i].status);
    return code;
}

/* poll: DescribeJobs until every step is finished, sleeping poll_ms,
 * doubling up to poll_max_ms. Returns the exit code of a failure, else 0. */
static int poll(run *r)
{
    long delay = r->poll_ms;
    for (;;) {
        size_t open = 0;
        int code = poll_once(r, &open);
        if (code || !open)
            return code;
        sw_sleep_ms(delay);
        delay = delay * 2 > r->poll_max_ms ? r->poll_max_ms : delay * 2;
    }
}

/* run_status: FAILED if any step failed, RUNNING while any is unfinished,
 * else SUCCEEDED. */
static const char *run_status(const run *r)
{
    int open = 0;
    for (size_t i = 0; i < r->sch.count; i++) {
        if (strcmp(r->st[i].status, "FAILED") == 0)
            return "FAILED";
        open |= !terminal(r->st[i].status);
    }
    return open ? "RUNNING" : "SUCCEEDED";
}

/* summary: one paragraph: the run, its status and each step's outcome. */
static char *summary(const run *r, const char *status)
{
    sw_buf b = SW_BUF_INIT;
    char line[MSG_LEN];
    int n = snprintf(line, sizeof line, "Workflow run %s %s (%zu steps):",
                     r->run_id, status, r->sch.count);
    sw_result rc = sw_buf_append(&b, line, (size_t)n);
    for (size_t k = 0; rc == SW_OK && k < r->sch.count; k++) {
        size_t i = r->sch.order[k];
        const step_state *st = &r->st[i];
        n = snprintf(line, sizeof line, "%s %s %s (job %s, %d attempt%s%s%s)",
                     k ? ";" : "", r->sch.steps[i].name,
                     st->status[0] ? st->status : "NOT SUBMITTED",
                     st->job_id[0] ? st->job_id : "-", st->attempts,
                     st->attempts == 1 ? "" : "s",
                     st->reason[0] && strcmp(st->status, "FAILED") == 0
                         ? ": " : "",
                     strcmp(st->status, "FAILED") == 0 ? st->reason : "");
        if (n > 0)
            rc = sw_buf_append(&b, line, strlen(line));
    }
    if (rc == SW_OK)
        rc = sw_buf_append_cstr(&b, ".");
    if (rc != SW_OK) {
        sw_buf_free(&b);
        return NULL;
    }
    return sw_buf_detach(&b);
}

/* notify: publishes the summary to NOTIFY_TOPIC_ARN if set. A failure is
 * logged and does not change the run's exit code: the history holds it. */
static void notify(run *r, const char *status)
{
    const char *topic = sw_env("NOTIFY_TOPIC_ARN");
    if (!topic)
        return;
    sw_aws_client *sns = NULL;
    if (sw_worker_client(&sw_sns_service, r->creds, &sns))
        return;
    char *text = summary(r, status), subject[100];
    snprintf(subject, sizeof subject, "workflow %s %s", r->schedule_id,
             status);
    sw_aws_error err;
    memset(&err, 0, sizeof err);
    sw_result rc = text ? sw_sns_publish(sns, topic, subject, text, NULL, 0,
                                         &err)
                        : SW_E_NOMEM;
    if (rc == SW_OK)
        sw_log_msgf(SW_LOG_INFO, "run %s: summary published to %s",
                    r->run_id, topic);
    else
        (void)sw_worker_aws_failure("Publish of the run summary", rc, &err);
    free(text);
    sw_aws_client_free(sns);
}

/* finish: records the run's end, prints the summary line, notifies.
 * Returns 0 (succeeded) or 4 (failed), or a recording failure's code. */
static int finish(run *r)
{
    const char *status = run_status(r);
    char now[25];
    now_text(now);
    cJSON *names = names_add(cJSON_CreateObject(), "#st", "status");
    cJSON *values = cJSON_CreateObject();
    cJSON_AddItemToObject(values, ":s", sw_ddb_string(status));
    cJSON_AddItemToObject(values, ":t", sw_ddb_string(now));
    sw_ddb_expr expr = {.update = "SET #st = :s, finishedAt = :t, "
                                  "updatedAt = :t",
                        .names = names, .values = values};
    int code = 0;
    (void)update(r, &expr, "UpdateItem recording the run's end", &code);
    cJSON_Delete(names);
    cJSON_Delete(values);
    if (code)
        return code;
    cJSON *out = cJSON_CreateObject(), *steps = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "runId", r->run_id);
    cJSON_AddStringToObject(out, "status", status);
    cJSON_AddNumberToObject(out, "submitted", r->submitted);
    for (size_t k = 0; k < r->sch.count; k++) {
        size_t i = r->sch.order[k];
        cJSON_AddStringToObject(steps, r->sch.steps[i].name, r->st[i].status);
    }
    cJSON_AddItemToObject(out, "steps", steps);
    char *line = cJSON_PrintUnformatted(out);
    if (line)
        printf("%s\n", line);
    fflush(stdout);
    free(line);
    cJSON_Delete(out);
    char *text = summary(r, status);
    sw_log_msgf(strcmp(status, "SUCCEEDED") == 0 ? SW_LOG_INFO : SW_LOG_WARN,
                "%s", text ? text : status);
    free(text);
    notify(r, status);
    return strcmp(status, "SUCCEEDED") == 0 ? SW_EXIT_OK : SW_EXIT_PARTIAL;
}

/* drive: submits what has no job id yet, polls to the end, finishes. */
static int drive(run *r)
{
    int code = submit_all(r);
    if (!code)
        code = poll(r);
    return code ? code : finish(r);
}

/* finished_code: the exit code of a run already recorded as finished. */
static int finished_code(const run *r, const char *status)
{
    sw_log_msgf(SW_LOG_INFO, "run %s already finished: %s (restart it with "
                "`workflow restart %s`)", r->run_id, status, r->run_id);
    return strcmp(status, "SUCCEEDED") == 0 ? SW_EXIT_OK : SW_EXIT_PARTIAL;
}

/* cmd_run: `workflow run <scheduleId>`. */
static int cmd_run(run *r)
{
    int code = load_schedule(r);
    if (code)
        return code;
    sw_result rc = create_run(r, &code);
    if (rc == SW_OK) {
        sw_log_msgf(SW_LOG_INFO, "run %s started: %zu steps", r->run_id,
                    r->sch.count);
        return drive(r);
    }
    if (rc != SW_E_CONDITION)
        return code;
    /* A duplicated trigger, or this container restarted: the run exists. */
    cJSON *plain = NULL;
    if ((code = get_run(r, &plain)))
        return code;
    const char *status = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(plain, "status"));
    if (!status) {
        code = SW_EXIT_INTERNAL;
    } else if (terminal(status)) {
        code = finished_code(r, status);
    } else if (!(code = adopt_item(r, plain))) {
        size_t have = 0;
        for (size_t i = 0; i < r->sch.count; i++)
            have += r->st[i].job_id[0] != 0;
        sw_log_msgf(SW_LOG_INFO, "run %s exists: resuming (%zu of %zu steps "
                    "submitted)", r->run_id, have, r->sch.count);
        code = drive(r);
    }
    cJSON_Delete(plain);
    return code;
}

/* restart_set: marks in redo[] the steps that did not succeed and every
 * step depending on one of them (in topological order, one pass). */
static size_t restart_set(const run *r, char *redo)
{
    size_t n = 0;
    for (size_t k = 0; k < r->sch.count; k++) {
        size_t i = r->sch.order[k];
        const wf_step *s = &r->sch.steps[i];
        redo[i] = strcmp(r->st[i].status, "SUCCEEDED") != 0;
        for (size_t e = 0; e < s->dep_count && !redo[i]; e++)
            redo[i] = redo[s->deps[e]];
        n += redo[i] != 0;
    }
    return n;
}

/* reset_step: steps.<name> becomes {history: old history + [the old
 * attempt]}, conditional on the old job id still being recorded. */
static int reset_step(run *r, size_t i, const cJSON *old)
{
    cJSON *hist = cJSON_Duplicate(
        cJSON_GetObjectItemCaseSensitive(old, "history"), 1);
    if (!cJSON_IsArray(hist)) {
        cJSON_Delete(hist);
        hist = cJSON_CreateArray();
    }
    cJSON *prev = cJSON_Duplicate(old, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(prev, "history");
    if (prev && prev->child)
        cJSON_AddItemToArray(hist, prev);
    else
        cJSON_Delete(prev);
    cJSON *fresh = cJSON_CreateObject();
    cJSON_AddItemToObject(fresh, "history", hist);
    cJSON *names = cJSON_CreateObject(), *values = cJSON_CreateObject();
    names_add(names, "#s", "steps");
    names_add(names, "#n", r->sch.steps[i].name);
    cJSON_AddItemToObject(values, ":f", sw_ddb_marshal(fresh));
    const char *cond = "attribute_not_exists(#s.#n.jobId)";
    if (r->st[i].job_id[0]) {
        cJSON_AddItemToObject(values, ":j", sw_ddb_string(r->st[i].job_id));
        cond = "#s.#n.jobId = :j";
    }
    sw_ddb_expr expr = {.update = "SET #s.#n = :f", .condition = cond,
                        .names = names, .values = values};
    int code = 0;
    sw_result rc = update(r, &expr, "UpdateItem resetting a step", &code);
    cJSON_Delete(names);
    cJSON_Delete(values);
    cJSON_Delete(fresh);
    if (rc == SW_E_CONDITION) {
        sw_log_msgf(SW_LOG_ERROR, "run %s step %s changed under this restart "
                    "(another restart?)", r->run_id, r->sch.steps[i].name);
        return SW_EXIT_BAD_INPUT;
    }
    if (!code)
        memset(&r->st[i], 0, sizeof r->st[i]);
    return code;
}

/* cmd_restart: `workflow restart <runId>`. */
static int cmd_restart(run *r)
{
    cJSON *plain = NULL;
    int code = get_run(r, &plain);
    if (code)
        return code;
    if (!plain) {
        sw_log_msgf(SW_LOG_ERROR, "restart: no run %s in %s", r->run_id,
                    r->table);
        return SW_EXIT_BAD_INPUT;
    }
    const char *status = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(plain, "status"));
    if (!status || (code = adopt_item(r, plain))) {
        cJSON_Delete(plain);
        return code ? code : SW_EXIT_INTERNAL;
    }
    if (!terminal(status)) {
        /* Its runner died: going on is all a restart can do. */
        sw_log_msgf(SW_LOG_INFO, "restart: run %s is %s: resuming it",
                    r->run_id, status);
        cJSON_Delete(plain);
        return drive(r);
    }
    char *redo = calloc(r->sch.count, 1);
    size_t n = redo ? restart_set(r, redo) : 0;
    if (!redo) {
        code = SW_EXIT_INTERNAL;
    } else if (!n) {
        sw_log_msgf(SW_LOG_INFO, "restart: every step of run %s succeeded; "
                    "nothing to do", r->run_id);
        code = finish(r);
    } else {
        const cJSON *steps = cJSON_GetObjectItemCaseSensitive(plain, "steps");
        for (size_t i = 0; !code && i < r->sch.count; i++)
            if (redo[i])
                code = reset_step(r, i, cJSON_GetObjectItemCaseSensitive(
                                            steps, r->sch.steps[i].name));
        if (!code) {
            char now[25];
            now_text(now);
            cJSON *names = names_add(cJSON_CreateObject(), "#st", "status");
            cJSON *values = cJSON_CreateObject();
            cJSON_AddItemToObject(values, ":s", sw_ddb_string("RUNNING"));
            cJSON_AddItemToObject(values, ":t", sw_ddb_string(now));
            cJSON_AddItemToObject(values, ":one", sw_ddb_number("1"));
            cJSON_AddItemToObject(values, ":zero", sw_ddb_number("0"));
            sw_ddb_expr expr = {
                .update = "SET #st = :s, updatedAt = :t, restartedAt = :t, "
                          "restarts = if_not_exists(restarts, :zero) + :one "
                          "REMOVE finishedAt",
                .names = names, .values = values};
            (void)update(r, &expr, "UpdateItem restarting the run", &code);
            cJSON_Delete(names);
            cJSON_Delete(values);
        }
        if (!code) {
            sw_log_msgf(SW_LOG_INFO, "restart: run %s: resubmitting %zu of "
                        "%zu steps", r->run_id, n, r->sch.count);
            code = drive(r);
        }
    }
    free(redo);
    cJSON_Delete(plain);
    return code;
}

/* cmd_check: `workflow check FILE...`: parses each; prints the order. */
static int cmd_check(int argc, char **argv)
{
    int code = 0;
    for (int a = 0; a < argc; a++) {
        run r;
        memset(&r, 0, sizeof r);
        sw_buf text = SW_BUF_INIT;
        int c = read_file(argv[a], &text);
        if (!c)
            c = parse_graph(&r, sw_cursor_from_buf(&text), argv[a]);
        sw_buf_free(&text);
        if (!c) {
            printf("%s: ok: %s, %zu steps:", argv[a], r.sch.schedule_id,
                   r.sch.count);
            for (size_t k = 0; k < r.sch.count; k++)
                printf(" %s", r.sch.steps[r.sch.order[k]].name);
            printf("\n");
        }
        if (c > code)
            code = c;
        wf_schedule_free(&r.sch);
        free(r.st);
    }
    return code;
}

/* usage: the one-line usage error. */
static int usage(void)
{
    sw_log_msgf(SW_LOG_ERROR, "usage: workflow run <scheduleId> | workflow "
                "restart <scheduleId>/<startDateTime> | workflow check "
                "FILE...");
    return SW_EXIT_BAD_INPUT;
}

/* setup: checks the command line and environment (exit 2 before any
 * network traffic), then makes the clients. Returns the exit code. */
static int setup(run *r, const char *cmd, const char *arg)
{
    if (!(r->table = sw_env("HISTORY_TABLE")) || !sw_ddb_table_name_valid(r->table)) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: HISTORY_TABLE (a table name"
                    ") is required");
        return SW_EXIT_BAD_INPUT;
    }
    const char *tab = sw_env("SCHEDULES_TABLE");
    if (tab && !sw_ddb_table_name_valid(tab)) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: SCHEDULES_TABLE is not a "
                    "table name");
        return SW_EXIT_BAD_INPUT;
    }
    r->poll_ms = seconds_ms("POLL_SECONDS", 10000);
    r->poll_max_ms = seconds_ms("POLL_MAX_SECONDS", 60000);
    if (r->poll_ms < 0 || r->poll_max_ms < 0) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: POLL_SECONDS and "
                    "POLL_MAX_SECONDS are seconds in (0, 3600]");
        return SW_EXIT_BAD_INPUT;
    }
    if (r->poll_max_ms < r->poll_ms)
        r->poll_max_ms = r->poll_ms;
    if (strcmp(cmd, "run") == 0) {
        if (!wf_id_ok(arg, WF_ID_MAX)) {
            sw_log_msgf(SW_LOG_ERROR, "run: the scheduleId must be 1-64 of "
                        "A-Z a-z 0-9 _ -");
            return SW_EXIT_BAD_INPUT;
        }
        snprintf(r->schedule_id, sizeof r->schedule_id, "%s", arg);
        const char *t = sw_env("SCHEDULED_TIME");
        if (t && !wf_time_ok(t)) {
            sw_log_msgf(SW_LOG_ERROR, "configuration: SCHEDULED_TIME must be "
                        "YYYY-MM-DDTHH:MM:SSZ");
            return SW_EXIT_BAD_INPUT;
        }
        if (t) {
            snprintf(r->start, sizeof r->start, "%s", t);
        } else {
            time_t now = time(NULL);
            /* to the minute, as EventBridge's own times are */
            (void)sw_rfc3339_format(now - now % 60, r->start);
        }
    } else {
        const char *slash = strchr(arg, '/');
        size_t idlen = slash ? (size_t)(slash - arg) : 0;
        if (!slash || idlen > WF_ID_MAX || !wf_time_ok(slash + 1)) {
            sw_log_msgf(SW_LOG_ERROR, "restart: the run id must be "
                        "<scheduleId>/YYYY-MM-DDTHH:MM:SSZ");
            return SW_EXIT_BAD_INPUT;
        }
        memcpy(r->schedule_id, arg, idlen);
        r->schedule_id[idlen] = '\0';
        if (!wf_id_ok(r->schedule_id, WF_ID_MAX)) {
            sw_log_msgf(SW_LOG_ERROR, "restart: the run id must be "
                        "<scheduleId>/YYYY-MM-DDTHH:MM:SSZ");
            return SW_EXIT_BAD_INPUT;
        }
        snprintf(r->start, sizeof r->start, "%s", slash + 1);
    }
    snprintf(r->run_id, sizeof r->run_id, "%s/%s", r->schedule_id, r->start);
    if (sw_http_global_init() != SW_OK) {
        sw_log_msgf(SW_LOG_ERROR, "cannot initialise libcurl");
        return SW_EXIT_INTERNAL;
    }
    r->http_up = 1;
    sw_result rc = sw_creds_provider_new(NULL, &r->creds);
    if (rc != SW_OK) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: %s", sw_result_str(rc));
        return sw_exit_code_for(rc);
    }
    int code = sw_worker_client(&sw_ddb_service, r->creds, &r->ddb);
    return code ? code : sw_worker_client(&sw_batch_service, r->creds, &r->batch);
}

/* main: dispatches the command; every path returns an sw/exit.h code. */
int main(int argc, char **argv)
{
    sw_log_init("workflow", SW_LOG_INFO, NULL);
    if (argc >= 3 && strcmp(argv[1], "check") == 0)
        return cmd_check(argc - 2, argv + 2);
    if (argc != 3 || (strcmp(argv[1], "run") != 0 &&
                      strcmp(argv[1], "restart") != 0))
        return usage();
    static run r;
    int code = setup(&r, argv[1], argv[2]);
    if (!code)
        code = strcmp(argv[1], "run") == 0 ? cmd_run(&r) : cmd_restart(&r);
    wf_schedule_free(&r.sch);
    free(r.st);
    sw_aws_client_free(r.batch);
    sw_aws_client_free(r.ddb);
    sw_creds_provider_free(r.creds);
    if (r.http_up)
        sw_http_global_cleanup();
    return code;
}
