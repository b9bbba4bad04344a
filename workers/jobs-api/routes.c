/* routes.c - the API's handlers (see routes.h). Each handler checks, in
 * order: method, credentials, content type, body, then talks to the store.
 * Messages are static or built from validated values: never a key, a
 * token or a header echoed back. */
#include "routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sw/log.h"
#include "validate.h"

enum { WHY_LEN = 320, CB_RETRIES = 4 };

/* reply_json: status + the printed value (v is deleted). Out of memory
 * becomes a static 500. */
static void reply_json(jobs_response *r, int status, cJSON *v)
{
    char *txt = v ? cJSON_PrintUnformatted(v) : NULL;
    cJSON_Delete(v);
    sw_buf_reset(&r->body);
    if (!txt || sw_buf_append_cstr(&r->body, txt)) {
        sw_buf_reset(&r->body);
        (void)sw_buf_append_cstr(&r->body, "{\"error\":\"out of memory\"}");
        status = 500;
    }
    free(txt);
    r->status = status;
}

/* reply_error: {"error": msg}. */
static void reply_error(jobs_response *r, int status, const char *msg)
{
    cJSON *o = cJSON_CreateObject();
    if (o && !cJSON_AddStringToObject(o, "error", msg)) {
        cJSON_Delete(o);
        o = NULL;
    }
    reply_json(r, status, o);
}

/* reply_store_error: a failed store call: 503 for what may pass (network,
 * throttling, 5xx), 500 otherwise; the details go to the log only. */
static void reply_store_error(jobs_response *r, const char *what,
                              sw_result rc, const sw_aws_error *err)
{
    cJSON *f = cJSON_CreateObject();
    if (f) {
        cJSON_AddStringToObject(f, "result", sw_result_str(rc));
        if (err && err->code[0])
            cJSON_AddStringToObject(f, "aws_code", err->code);
        if (err && err->message[0])
            cJSON_AddStringToObject(f, "detail", err->message);
    }
    char msg[128];
    snprintf(msg, sizeof msg, "store: %s failed", what);
    sw_log(SW_LOG_ERROR, msg, f);
    cJSON_Delete(f);
    bool transient = sw_result_is_transient(rc) ||
                     (rc == SW_E_AWS && err && err->retryable);
    if (transient)
        reply_error(r, 503, "the job store is unavailable, try again");
    else
        reply_error(r, 500, "the job store failed");
}

/* is_json_type: "application/json", parameters (charset) allowed. */
static bool is_json_type(const char *ct)
{
    if (!ct)
        return false;
    size_t n = strlen("application/json");
    if (strncasecmp(ct, "application/json", n) != 0)
        return false;
    return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

/* read_body: the checks every JSON body gets: size (413), type (415),
 * parse (400). Returns the object or NULL with the reply made. */
static cJSON *read_body(const jobs_request *req, jobs_response *r)
{
    if (req->body_too_large || req->body.len > JOBS_BODY_MAX) {
        reply_error(r, 413, "the body is larger than 65536 bytes");
        return NULL;
    }
    if (!is_json_type(req->content_type)) {
        reply_error(r, 415, "Content-Type must be application/json");
        return NULL;
    }
    const char *why = NULL;
    cJSON *v = jobs_json_parse(req->body, &why);
    if (!v)
        reply_error(r, 400, why);
    return v;
}

/* check_api_key: 401 unless the request carries one of the API keys. */
static bool check_api_key(const jobs_app *app, const jobs_request *req,
                          jobs_response *r)
{
    const char *cred = jobs_bearer(req->authorization);
    if (!cred) {
        reply_error(r, 401, "missing or malformed Authorization: Bearer "
                    "header");
        return false;
    }
    if (!jobs_auth_key_ok(app->auth, cred)) {
        reply_error(r, 401, "invalid API key");
        return false;
    }
    return true;
}

/* handle_schedule: POST /schedule. */
static void handle_schedule(const jobs_app *app, const jobs_request *req,
                            jobs_response *r)
{
    if (!check_api_key(app, req, r))
        return;
    cJSON *body = read_body(req, r);
    if (!body)
        return;
    jobs_schedule_req s;
    char why[WHY_LEN];
    sw_result rc = jobs_schedule_parse(body, jobs_app_now(app), &s, why,
                                       sizeof why);
    cJSON_Delete(body);
    if (rc) {
        cJSON_Delete(s.env);
        if (rc == SW_E_NOMEM)
            reply_error(r, 500, "out of memory");
        else
            reply_error(r, 400, why);
        return;
    }
    jobs_job j;
    jobs_job_init(&j);
    j.env = s.env;
    char token[JOBS_TOKEN_HEX + 1];
    if (jobs_new_id(j.id) || jobs_new_token(token, j.token_hash)) {
        jobs_job_free(&j);
        reply_error(r, 500, "no randomness available");
        return;
    }
    j.status = JOBS_SCHEDULED;
    memcpy(j.docker_image, s.docker_image, sizeof j.docker_image);
    memcpy(j.scheduled_for, s.scheduled_for, sizeof j.scheduled_for);
    jobs_stamp_now(j.created_at);
    memcpy(j.updated_at, j.created_at, sizeof j.updated_at);
    sw_aws_error err;
    memset(&err, 0, sizeof err);
    rc = app->store.ops->create(app->store.ctx, &j, &err);
    if (rc) {
        sw_secure_zero(token, sizeof token);
        jobs_job_free(&j);
        reply_store_error(r, "create", rc, &err);
        return;
    }
    cJSON *f = cJSON_CreateObject();
    if (f) {
        cJSON_AddStringToObject(f, "event", "transition");
        cJSON_AddStringToObject(f, "job_id", j.id);
        cJSON_AddStringToObject(f, "to", "SCHEDULED");
        cJSON_AddNumberToObject(f, "attempt", 0);
        cJSON_AddStringToObject(f, "scheduled_for", j.scheduled_for);
        cJSON_AddStringToObject(f, "by", "schedule");
    }
    char msg[80];
    snprintf(msg, sizeof msg, "job %s: scheduled", j.id);
    sw_log(SW_LOG_INFO, msg, f);
    cJSON_Delete(f);
    cJSON *v = jobs_job_view(&j);
    if (v && !cJSON_AddStringToObject(v, "callback_token", token)) {
        cJSON_Delete(v);
        v = NULL;
    }
    sw_secure_zero(token, sizeof token);
    jobs_job_free(&j);
    reply_json(r, 201, v);
}

/* parse_limit: 1-100, default 50. */
static bool parse_limit(const char *s, int *out)
{
    if (!s) {
        *out = 50;
        return true;
    }
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < 1 || v > JOBS_LIST_MAX || s[0] == '+' ||
        s[0] == ' ')
        return false;
    *out = (int)v;
    return true;
}

/* handle_list: GET /list?status=&limit=&next=. */
static void handle_list(const jobs_app *app, const jobs_request *req,
                        jobs_response *r)
{
    if (!check_api_key(app, req, r))
        return;
    jobs_status st;
    int limit;
    if (req->q_status && !jobs_status_parse(req->q_status, &st)) {
        reply_error(r, 400, "status must be one of SCHEDULED, LAUNCHING, "
                    "RUNNING, DONE, FAILED");
        return;
    }
    if (!parse_limit(req->q_limit, &limit)) {
        reply_error(r, 400, "limit must be an integer from 1 to 100");
        return;
    }
    jobs_job_list l = {0};
    sw_buf next = SW_BUF_INIT;
    sw_aws_error err;
    memset(&err, 0, sizeof err);
    sw_result rc = app->store.ops->list(app->store.ctx,
                                        req->q_status ? &st : NULL, limit,
                                        req->q_next, &l, &next, &err);
    if (rc == SW_E_INVALID) {
        reply_error(r, 400, "next is not a page token of this listing");
    } else if (rc) {
        reply_store_error(r, "list", rc, &err);
    } else {
        cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "jobs");
        bool ok = o && arr;
        for (size_t i = 0; ok && i < l.count; i++) {
            cJSON *v = jobs_job_view(&l.items[i]);
            ok = v && cJSON_AddItemToArray(arr, v);
            if (!ok)
                cJSON_Delete(v);
        }
        if (ok && next.len)
            ok = cJSON_AddStringToObject(o, "next", next.ptr) != NULL;
        if (!ok) {
            cJSON_Delete(o);
            o = NULL;
        }
        reply_json(r, 200, o);
    }
    jobs_job_list_free(&l);
    sw_buf_free(&next);
}

/* load_job: the job `id` into *j; a reply (404 / store error) and false
 * when there is none. */
static bool load_job(const jobs_app *app, const char *id, jobs_job *j,
                     jobs_response *r)
{
    bool found = false;
    sw_aws_error err;
    memset(&err, 0, sizeof err);
    jobs_job_init(j);
    if (!jobs_id_valid(id)) {
        reply_error(r, 404, "no such job");
        return false;
    }
    sw_result rc = app->store.ops->get(app->store.ctx, id, j, &found, &err);
    if (rc) {
        reply_store_error(r, "get", rc, &err);
        return false;
    }
    if (!found) {
        reply_error(r, 404, "no such job");
        return false;
    }
    return true;
}

/* handle_status: GET /status/:id. */
static void handle_status(const jobs_app *app, const jobs_request *req,
                          const char *id, jobs_response *r)
{
    if (!check_api_key(app, req, r))
        return;
    jobs_job j;
    if (!load_job(app, id, &j, r))
        return;
    reply_json(r, 200, jobs_job_view(&j));
    jobs_job_free(&j);
}

/* check_token: the job's own callback token, or 401 (missing / not a
 * credential of ours) or 403 (an API key, or another job's token). */
static bool check_token(const jobs_app *app, const jobs_request *req,
                        const jobs_job *j, jobs_response *r)
{
    const char *cred = jobs_bearer(req->authorization);
    if (!cred) {
        reply_error(r, 401, "missing or malformed Authorization: Bearer "
                    "header");
        return false;
    }
    if (jobs_token_wellformed(cred) && jobs_token_ok(cred, j->token_hash))
        return true;
    if (jobs_auth_key_ok(app->auth, cred)) {
        reply_error(r, 403, "API keys cannot use /callback: use the job's "
                    "callback token");
        return false;
    }
    if (jobs_token_wellformed(cred)) {
        reply_error(r, 403, "this callback token is not valid for this job "
                    "(or this attempt)");
        return false;
    }
    reply_error(r, 401, "invalid credential");
    return false;
}

/* target_of: the status a callback asks for (schedule: SCHEDULED; the
 * retry step may turn it into FAILED). */
static jobs_status target_of(jobs_cb_kind k)
{
    switch (k) {
    case JOBS_CB_DONE: return JOBS_DONE;
    case JOBS_CB_FAILED: return JOBS_FAILED;
    case JOBS_CB_RUNNING: return JOBS_RUNNING;
    default: return JOBS_SCHEDULED;
    }
}

/* apply_callback: one try at the change cb asks of job j. Returns the HTTP
 * status it decided (200, 409, 500...), -1 when a concurrent change made
 * the conditional write fail (re-read and try again). */
static int apply_callback(const jobs_app *app, const jobs_job *j,
                          const jobs_callback_req *cb, jobs_response *r)
{
    int attempt = cb->attempt < 0 ? j->attempt : cb->attempt;
    char event[JOBS_EVENT_MAX];
    snprintf(event, sizeof event, "%s:%d", jobs_cb_kind_name(cb->kind),
             attempt);
    char why[WHY_LEN];
    /* A repeat gets the same answer: the same kind for the same attempt,
     * or (no attempt given, as the original agents send) the same kind as
     * the last callback applied (a launch claim clears last_event, so
     * this never spans attempts). */
    size_t kn = strlen(jobs_cb_kind_name(cb->kind));
    bool repeat = strcmp(j->last_event, event) == 0 ||
                  (cb->attempt < 0 &&
                   strncmp(j->last_event, event, kn + 1) == 0);
    if (repeat) {
        reply_json(r, 200, jobs_job_view(j));
        return 200;
    }
    if (attempt != j->attempt) {
        snprintf(why, sizeof why, "callback for attempt %d, but the job is "
                 "at attempt %d", attempt, j->attempt);
        reply_error(r, 409, why);
        return 409;
    }
    jobs_status to = target_of(cb->kind);
    if (!jobs_transition_legal(j->status, to)) {
        snprintf(why, sizeof why, "the job is %s: it cannot become %s",
                 jobs_status_name(j->status), jobs_status_name(to));
        reply_error(r, 409, why);
        return 409;
    }
    jobs_job next;
    sw_result rc;
    if (cb->kind == JOBS_CB_SCHEDULE) {
        rc = jobs_next_retry(app, j, "interrupted", event, &next);
    } else {
        rc = jobs_job_copy(&next, j);
        if (rc == SW_OK) {
            next.status = to;
            snprintf(next.last_event, sizeof next.last_event, "%s", event);
            jobs_stamp_now(next.updated_at);
            if (cb->kind == JOBS_CB_FAILED)
                snprintf(next.error_message, sizeof next.error_message, "%s",
                         cb->error_message[0] ? cb->error_message
                                              : "failed (no message)");
            if (cb->kind == JOBS_CB_RUNNING) /* the first sign of life */
                memcpy(next.last_heartbeat, next.updated_at,
                       sizeof next.last_heartbeat);
        }
    }
    if (rc) {
        jobs_job_free(&next);
        reply_error(r, 500, "out of memory");
        return 500;
    }
    sw_aws_error err;
    memset(&err, 0, sizeof err);
    rc = jobs_commit(app, j, &next, "callback", &err);
    if (rc == SW_E_CONDITION) {
        jobs_job_free(&next);
        return -1;
    }
    if (rc)
        reply_store_error(r, "update", rc, &err);
    else
        reply_json(r, 200, jobs_job_view(&next));
    jobs_job_free(&next);
    return rc ? 500 : 200;
}

/* apply_heartbeat: one try at recording a heartbeat of job j: only for a
 * RUNNING job at the heartbeat's attempt (409 otherwise), and only
 * last_heartbeat is written (no status change, no log line: the request
 * line says it). Repeats are harmless: each moves the time on. Returns
 * the HTTP status decided, -1 when the job changed since it was read. */
static int apply_heartbeat(const jobs_app *app, jobs_job *j,
                           const jobs_callback_req *cb, jobs_response *r)
{
    int attempt = cb->attempt < 0 ? j->attempt : cb->attempt;
    if (j->status != JOBS_RUNNING || attempt != j->attempt) {
        char why[WHY_LEN];
        snprintf(why, sizeof why, "heartbeat for attempt %d, but the job is "
                 "%s at attempt %d", attempt, jobs_status_name(j->status),
                 j->attempt);
        reply_error(r, 409, why);
        return 409;
    }
    char stamp[JOBS_STAMP_LEN + 1];
    jobs_stamp_now(stamp);
    sw_aws_error err;
    memset(&err, 0, sizeof err);
    sw_result rc = app->store.ops->beat(app->store.ctx, j->id, attempt, stamp,
                                        &err);
    if (rc == SW_E_CONDITION)
        return -1;
    if (rc) {
        reply_store_error(r, "heartbeat", rc, &err);
        return 500;
    }
    memcpy(j->last_heartbeat, stamp, sizeof j->last_heartbeat);
    reply_json(r, 200, jobs_job_view(j));
    return 200;
}

/* handle_callback: GET / PUT /callback/:id. */
static void handle_callback(const jobs_app *app, const jobs_request *req,
                            const char *id, bool put, jobs_response *r)
{
    jobs_job j;
    if (!load_job(app, id, &j, r))
        return;
    if (!check_token(app, req, &j, r)) {
        jobs_job_free(&j);
        return;
    }
    if (!put) {
        reply_json(r, 200, jobs_job_spec(&j));
        jobs_job_free(&j);
        return;
    }
    cJSON *body = read_body(req, r);
    jobs_callback_req cb;
    char why[WHY_LEN];
    if (body && jobs_callback_parse(body, &cb, why, sizeof why)) {
        reply_error(r, 400, why);
        cJSON_Delete(body);
        body = NULL;
    } else if (body) {
        cJSON_Delete(body);
        int tries = 0;
        while ((cb.kind == JOBS_CB_HEARTBEAT
                    ? apply_heartbeat(app, &j, &cb, r)
                    : apply_callback(app, &j, &cb, r)) < 0) {
            jobs_job_free(&j);
            if (++tries == CB_RETRIES) {
                reply_error(r, 409, "the job kept changing; try again");
                return;
            }
            if (!load_job(app, id, &j, r))
                return;
        }
    }
    jobs_job_free(&j);
}

/* method_not_allowed: 405 with the Allow header. */
static void method_not_allowed(jobs_response *r, const char *allow)
{
    reply_error(r, 405, "method not allowed");
    r->allow = allow;
}

/* jobs_handle: routes by path, then by method. */
void jobs_handle(const jobs_app *app, const jobs_request *req,
                 jobs_response *resp)
{
    const char *m = req->method ? req->method : "", *p = req->path;
    bool get = strcmp(m, "GET") == 0, post = strcmp(m, "POST") == 0;
    bool put = strcmp(m, "PUT") == 0;
    resp->status = 500;
    resp->allow = NULL;
    if (!p) {
        reply_error(resp, 404, "no such endpoint");
    } else if (strcmp(p, "/healthz") == 0) {
        /* The load balancer's health check: no credential, no AWS call,
         * so it says the process answers, not that DynamoDB does (a
         * DynamoDB outage must not make every task "unhealthy" and be
         * replaced in a loop). */
        if (get) {
            reply_json(resp, 200, cJSON_CreateRaw("{\"status\":\"ok\"}"));
        } else {
            method_not_allowed(resp, "GET");
        }
    } else if (strcmp(p, "/schedule") == 0) {
        if (post)
            handle_schedule(app, req, resp);
        else
            method_not_allowed(resp, "POST");
    } else if (strcmp(p, "/list") == 0) {
        if (get)
            handle_list(app, req, resp);
        else
            method_not_allowed(resp, "GET");
    } else if (strncmp(p, "/status/", 8) == 0 && !strchr(p + 8, '/')) {
        if (get)
            handle_status(app, req, p + 8, resp);
        else
            method_not_allowed(resp, "GET");
    } else if (strncmp(p, "/callback/", 10) == 0 && !strchr(p + 10, '/')) {
        if (get || put)
            handle_callback(app, req, p + 10, put, resp);
        else
            method_not_allowed(resp, "GET, PUT");
    } else {
        reply_error(resp, 404, "no such endpoint");
    }
}
