/* test_jobs_routes.c - jobs_handle end to end over the memory store (the
 * DynamoDB store is exercised by tests/integration/test_jobs_api.py):
 * lifecycle, idempotent repeats, 409s, retries up to FAILED, which
 * instances get terminated, pagination, the conditional update, and the
 * unauthenticated health check. */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "routes.h"
#include "store.h"
#include "sw/log.h"
#include "sw_test.h"

#define KEY "unit-test-api-key-123"

static char terminated[8][JOBS_INSTANCE_MAX];
static int n_terminated;

/* fake_terminate: records which instances the app asked to terminate. */
static void fake_terminate(void *ctx, const char *job_id, const char *iid)
{
    (void)ctx, (void)job_id;
    if (n_terminated < 8)
        snprintf(terminated[n_terminated++], JOBS_INSTANCE_MAX, "%s", iid);
}

/* fixed_now: 2026-11-23T18:30:00Z. */
static time_t fixed_now(void)
{
    return 1795458600;
}

/* call: one request; returns the status and the parsed body in *out. */
static int call(const jobs_app *app, const char *method, const char *path,
                const char *auth_token, const char *body, cJSON **out)
{
    char auth[128];
    snprintf(auth, sizeof auth, "Bearer %s", auth_token ? auth_token : "");
    jobs_request req = {.method = method,
                        .path = path,
                        .authorization = auth_token ? auth : NULL,
                        .content_type = "application/json; charset=utf-8",
                        .body = sw_cursor_from_cstr(body)};
    jobs_response r = {0};
    jobs_handle(app, &req, &r);
    if (out)
        *out = cJSON_Parse(r.body.ptr ? r.body.ptr : "");
    sw_buf_free(&r.body);
    return r.status;
}

/* str: a string member or "". */
static const char *str(const cJSON *o, const char *name)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, name));
    return s ? s : "";
}

/* claim: what the launcher does to a SCHEDULED job: LAUNCHING with a new
 * token (returned) and an instance id. */
static void claim(const jobs_app *app, const char *id, const char *iid,
                  char tok[JOBS_TOKEN_HEX + 1])
{
    jobs_job cur, next;
    bool found;
    app->store.ops->get(app->store.ctx, id, &cur, &found, NULL);
    jobs_job_copy(&next, &cur);
    jobs_new_token(tok, next.token_hash);
    next.status = JOBS_LAUNCHING;
    next.last_event[0] = '\0';
    snprintf(next.instance_id, sizeof next.instance_id, "%s", iid);
    CHECK(jobs_commit(app, &cur, &next, "test", NULL) == SW_OK, "claimed");
    CHECK(jobs_commit(app, &cur, &next, "test", NULL) == SW_E_CONDITION,
          "a second claim of the same state loses");
    jobs_job_free(&cur);
    jobs_job_free(&next);
}

int main(void)
{
    sw_log_init("test", SW_LOG_ERROR, NULL);
    jobs_auth auth;
    char why[200];
    jobs_auth_load(&auth, KEY, NULL, why, sizeof why);
    jobs_app app = {.auth = &auth, .max_attempts = 2, .backoff_base = 30,
                    .backoff_cap = 900, .terminate = fake_terminate,
                    .now = fixed_now};
    jobs_store_mem_new(&app.store);

    cJSON *j = NULL;
    int st = call(&app, "POST", "/schedule", KEY,
                  "{\"docker_image\":\"alpine\",\"scheduled_for\":\"19:00\","
                  "\"env_vars\":{\"A\":\"secret\"}}", &j);
    CHECK_EQ_INT(st, 201, "schedule -> 201");
    CHECK_EQ_STR(str(j, "scheduled_for"), "2026-11-23T19:00:00Z",
                 "HH:MM against the app's clock");
    char id[JOBS_ID_LEN + 1], path[64], tok0[JOBS_TOKEN_HEX + 1];
    snprintf(id, sizeof id, "%s", str(j, "id"));
    snprintf(tok0, sizeof tok0, "%s", str(j, "callback_token"));
    cJSON_Delete(j);
    snprintf(path, sizeof path, "/callback/%s", id);

    CHECK_EQ_INT(call(&app, "PUT", path, tok0, "{\"running\":\"\"}", NULL),
                 409, "SCHEDULED -> RUNNING refused");
    char tok[JOBS_TOKEN_HEX + 1];
    claim(&app, id, "i-0aaaaaaaaaaaaaaaa", tok);
    CHECK_EQ_INT(call(&app, "GET", path, tok0, "", NULL), 403,
                 "the token from /schedule is void after the claim");
    st = call(&app, "GET", path, tok, "", &j);
    CHECK(st == 200 && strcmp(str(cJSON_GetObjectItem(j, "env_vars"), "A"),
                              "secret") == 0,
          "the spec has the env values");
    cJSON_Delete(j);
    CHECK_EQ_INT(call(&app, "PUT", path, tok, "{\"running\":\"\"}", NULL),
                 200, "running -> 200");
    CHECK_EQ_INT(call(&app, "PUT", path, tok, "{\"running\":\"\",\"attempt\":0}",
                      NULL), 200, "running again -> 200 (idempotent)");
    CHECK_EQ_INT(n_terminated, 0, "nothing terminated yet");
    char status_path[64];
    snprintf(status_path, sizeof status_path, "/status/%s", id);
    call(&app, "GET", status_path, KEY, "", &j);
    char hb0[JOBS_STAMP_LEN + 1], ua0[JOBS_STAMP_LEN + 1];
    snprintf(hb0, sizeof hb0, "%s", str(j, "last_heartbeat"));
    snprintf(ua0, sizeof ua0, "%s", str(j, "updated_at"));
    cJSON_Delete(j);
    CHECK(strlen(hb0) == JOBS_STAMP_LEN && strcmp(hb0, ua0) == 0,
          "running records last_heartbeat (its time), shown by /status");
    st = call(&app, "PUT", path, tok, "{\"heartbeat\":\"\",\"attempt\":0}",
              &j);
    CHECK(st == 200 && strcmp(str(j, "status"), "RUNNING") == 0 &&
              strcmp(str(j, "last_heartbeat"), hb0) >= 0 &&
              strcmp(str(j, "updated_at"), ua0) == 0,
          "heartbeat -> 200: RUNNING, last_heartbeat moved on, updated_at "
          "kept");
    cJSON_Delete(j);
    CHECK_EQ_INT(call(&app, "PUT", path, tok, "{\"heartbeat\":\"\"}", NULL),
                 200, "heartbeat again, no attempt -> 200 (idempotent)");
    st = call(&app, "PUT", path, tok, "{\"heartbeat\":\"\",\"attempt\":3}",
              &j);
    CHECK(st == 409 && strstr(str(j, "error"), "attempt 3") &&
              strstr(str(j, "error"), "RUNNING at attempt 0"),
          "heartbeat of another attempt -> 409 saying why");
    cJSON_Delete(j);
    CHECK_EQ_INT(n_terminated, 0, "heartbeats terminate nothing");
    st = call(&app, "PUT", path, tok, "{\"schedule\":\"\"}", &j);
    CHECK(st == 200 && strcmp(str(j, "status"), "SCHEDULED") == 0 &&
              cJSON_GetObjectItem(j, "attempt")->valueint == 1 &&
              strcmp(str(j, "scheduled_for"), "2026-11-23T18:30:30Z") == 0 &&
              !cJSON_GetObjectItem(j, "instance_id") &&
              !cJSON_GetObjectItem(j, "last_heartbeat"),
          "interrupted: SCHEDULED, attempt 1, now + 30 s, no instance, no "
          "heartbeat");
    cJSON_Delete(j);
    CHECK(n_terminated == 1 &&
              strcmp(terminated[0], "i-0aaaaaaaaaaaaaaaa") == 0,
          "the interrupted instance is terminated");
    CHECK_EQ_INT(call(&app, "PUT", path, tok, "{\"schedule\":\"\"}", NULL), 200,
                 "the same interruption again -> 200");
    CHECK_EQ_INT(n_terminated, 1, "... and nothing terminated twice");
    CHECK_EQ_INT(call(&app, "PUT", path, tok,
                      "{\"running\":\"\",\"attempt\":0}", NULL),
                 409, "a callback for attempt 0 on attempt 1 -> 409");
    CHECK_EQ_INT(call(&app, "PUT", path, tok,
                      "{\"heartbeat\":\"\",\"attempt\":1}", NULL),
                 409, "a heartbeat of a SCHEDULED job -> 409");

    claim(&app, id, "i-0bbbbbbbbbbbbbbbb", tok);
    st = call(&app, "PUT", path, tok, "{\"schedule\":\"\",\"attempt\":1}", &j);
    CHECK(st == 200 && strcmp(str(j, "status"), "FAILED") == 0 &&
              strstr(str(j, "error_message"), "gave up after 2 attempts"),
          "interrupted on the last attempt -> FAILED");
    cJSON_Delete(j);
    CHECK(n_terminated == 2 &&
              strcmp(terminated[1], "i-0bbbbbbbbbbbbbbbb") == 0,
          "... and its instance terminated");
    CHECK_EQ_INT(call(&app, "PUT", path, tok, "{}", NULL), 409,
                 "FAILED -> DONE refused");

    /* A second job to DONE, with a failed message on another. */
    st = call(&app, "POST", "/schedule", KEY,
              "{\"docker_image\":\"alpine\",\"scheduled_for\":\"19:00\"}", &j);
    snprintf(id, sizeof id, "%s", str(j, "id"));
    cJSON_Delete(j);
    snprintf(path, sizeof path, "/callback/%s", id);
    claim(&app, id, "i-0cccccccccccccccc", tok);
    CHECK_EQ_INT(call(&app, "PUT", path, tok, "{}", NULL), 409,
                 "LAUNCHING -> DONE refused");
    st = call(&app, "PUT", path, tok,
              "{\"failed\":\"\",\"error_message\":\"image pull failed\"}", &j);
    CHECK(st == 200 && strcmp(str(j, "status"), "FAILED") == 0 &&
              strcmp(str(j, "error_message"), "image pull failed") == 0,
          "LAUNCHING -> FAILED with the agent's message");
    cJSON_Delete(j);
    CHECK_EQ_INT(n_terminated, 3, "its instance terminated");

    /* Pagination over 7 more jobs. */
    for (int i = 0; i < 7; i++) {
        char body[128];
        snprintf(body, sizeof body, "{\"docker_image\":\"a\",\"scheduled_for\":"
                 "\"2030-01-0%dT00:00:00Z\"}", i + 1);
        call(&app, "POST", "/schedule", KEY, body, NULL);
    }
    char q[4096] = "";
    int pages = 0, seen = 0;
    for (;;) {
        jobs_request req = {.method = "GET", .path = "/list",
                            .authorization = "Bearer " KEY,
                            .q_status = "SCHEDULED", .q_limit = "3",
                            .q_next = q[0] ? q : NULL};
        jobs_response r = {0};
        jobs_handle(&app, &req, &r);
        cJSON *page = cJSON_Parse(r.body.ptr);
        sw_buf_free(&r.body);
        if (r.status != 200)
            break;
        pages++;
        seen += cJSON_GetArraySize(cJSON_GetObjectItem(page, "jobs"));
        snprintf(q, sizeof q, "%s", str(page, "next"));
        cJSON_Delete(page);
        if (!q[0] || pages > 10)
            break;
    }
    CHECK(seen == 7 && pages == 3, "7 SCHEDULED jobs in pages of 3: 3 pages");

    st = call(&app, "GET", "/healthz", NULL, "", &j);
    CHECK(st == 200 && strcmp(str(j, "status"), "ok") == 0 &&
              cJSON_GetArraySize(j) == 1,
          "GET /healthz without a credential -> 200 {\"status\":\"ok\"}");
    cJSON_Delete(j);
    CHECK_EQ_INT(call(&app, "PUT", "/healthz", NULL, "", NULL), 405,
                 "PUT /healthz -> 405");
    CHECK_EQ_INT(call(&app, "GET", "/list", NULL, "", NULL), 401,
                 "GET /list without a credential stays 401");
    CHECK_EQ_INT(call(&app, "GET", "/status/x", KEY, "", NULL), 404,
                 "a malformed id -> 404");
    CHECK_EQ_INT(call(&app, "GET", "/status/a/b", KEY, "", NULL), 404,
                 "a nested path -> 404");
    jobs_request req = {.method = "POST", .path = "/schedule",
                        .authorization = "Bearer " KEY,
                        .content_type = "application/json",
                        .body = SW_CURSOR_LIT("{}"), .body_too_large = true};
    jobs_response r = {0};
    jobs_handle(&app, &req, &r);
    CHECK_EQ_INT(r.status, 413, "a body cut off by the server -> 413");
    sw_buf_free(&r.body);
    req.body_too_large = false;
    req.content_type = "application/jsonx";
    jobs_handle(&app, &req, &r);
    CHECK_EQ_INT(r.status, 415, "application/jsonx -> 415");
    sw_buf_free(&r.body);

    jobs_store_mem_free(&app.store);
    return SW_TEST_DONE();
}
