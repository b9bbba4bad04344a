/* api.c - the jobs-api callback client (see api.h).
 *
 * The retry loop is bounded by time, not attempts: the API being down
 * for a deploy should cost a few retries, not the job's result. Delays
 * are sw_retry_backoff_ms's full jitter (uniform below a doubling ceiling
 * capped at max_backoff_ms), so a fleet of agents whose API just came
 * back does not hit it in lock step. Each retry is one warn line. */
#include "api.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sw/buf.h"
#include "sw/http.h"
#include "sw/log.h"
#include "sw/retry.h"
#include "sw/sigv4.h"

#define CALL_TIMEOUT_MS 30000L
#define SPEC_MAX (1024u * 1024u)

struct sa_api {
    sw_http_client *http;
    char *url;     /* {base}/callback/{id, URI-encoded} */
    char *auth;    /* "Bearer <token>": wiped on free */
    long deadline_ms;
    sw_retry_state retry;
};

/* now_ms: the monotonic clock in milliseconds. */
static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* sa_api_new: checks the configuration, builds the URL and header. */
sw_result sa_api_new(const sa_api_config *cfg, sa_api **out)
{
    *out = NULL;
    const char *b = cfg->base_url;
    if (!b || (strncmp(b, "http://", 7) && strncmp(b, "https://", 8)) ||
        !cfg->job_id || !cfg->job_id[0] || !cfg->token || !cfg->token[0])
        return SW_E_CONFIG;
    for (const char *p = cfg->token; *p; p++)
        if ((unsigned char)*p < ' ' || (unsigned char)*p >= 0x7f)
            return SW_E_CONFIG; /* would break the header */
    sa_api *a = calloc(1, sizeof *a);
    if (!a)
        return SW_E_NOMEM;
    size_t bl = strlen(b);
    while (bl && b[bl - 1] == '/')
        bl--;
    sw_buf url = SW_BUF_INIT, auth = SW_BUF_INIT;
    sw_result rc = sw_buf_append(&url, b, bl);
    if (!rc)
        rc = sw_buf_append_cstr(&url, "/callback/");
    if (!rc)
        rc = sw_uri_encode(&url, sw_cursor_from_cstr(cfg->job_id), 0);
    if (!rc)
        rc = sw_buf_appendf(&auth, "Bearer %s", cfg->token);
    sw_http_options o = {0};
    o.connect_timeout_ms = 5000;
    o.timeout_ms = CALL_TIMEOUT_MS;
    o.max_body = SPEC_MAX;
    if (!rc)
        rc = sw_http_client_new(&o, &a->http);
    if (rc) {
        sw_buf_free(&url);
        sw_buf_wipe_free(&auth);
        sa_api_free(a);
        return rc == SW_E_CONFIG ? SW_E_CONFIG : SW_E_NOMEM;
    }
    a->url = sw_buf_detach(&url);
    a->auth = sw_buf_detach(&auth);
    a->deadline_ms = cfg->deadline_s * 1000;
    sw_retry_policy pol = {1000000, cfg->base_delay_ms > 0 ? cfg->base_delay_ms
                                                          : 1000,
                           cfg->max_backoff_ms > 0 ? cfg->max_backoff_ms
                                                   : 20000};
    sw_retry_state_init(&a->retry, &pol, (uint64_t)now_ms() ^ (uint64_t)(uintptr_t)a);
    if (!a->url || !a->auth) {
        sa_api_free(a);
        return SW_E_NOMEM;
    }
    *out = a;
    return SW_OK;
}

/* sa_api_free: wipes the bearer header, frees. */
void sa_api_free(sa_api *a)
{
    if (!a)
        return;
    if (a->auth)
        sw_secure_zero(a->auth, strlen(a->auth));
    free(a->auth);
    free(a->url);
    sw_http_client_free(a->http);
    free(a);
}

/* sa_api_retryable_status: 5xx, 429 and 408 may clear up. */
int sa_api_retryable_status(long status)
{
    return status >= 500 || status == 429 || status == 408;
}

/* log_retry: one warn line for a failed attempt (never the token). */
static void log_retry(const char *method, int attempt, long status,
                      const char *error, long delay_ms)
{
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "method", method);
    cJSON_AddNumberToObject(f, "attempt", attempt);
    cJSON_AddNumberToObject(f, "http_status", (double)status);
    if (error && error[0])
        cJSON_AddStringToObject(f, "error", error);
    cJSON_AddNumberToObject(f, "retry_in_ms", (double)delay_ms);
    sw_log(SW_LOG_WARN, "jobs-api call not acknowledged, retrying", f);
    cJSON_Delete(f);
}

/* send_once: one request of method (with body, may be NULL) within
 * timeout_ms; res->status and res->error record how it went. Returns
 * sw_http_send's result (SW_OK: some HTTP status came). */
static sw_result send_once(sa_api *a, const char *method, const char *body,
                           long timeout_ms, sw_http_response *resp,
                           sa_api_result *res)
{
    sw_http_header h[] = {{"Authorization", a->auth},
                          {"Content-Type", "application/json"},
                          {"Accept", "application/json"}};
    sw_http_request req = {.method = method,
                           .url = a->url,
                           .headers = h,
                           .header_count = body ? 3 : 1,
                           .body = sw_cursor_from_cstr(body),
                           .timeout_ms = timeout_ms};
    sw_result rc = sw_http_send(a->http, &req, resp);
    res->status = rc ? 0 : resp->status;
    if (rc)
        snprintf(res->error, sizeof res->error, "%s: %.200s",
                 sw_result_str(rc), resp->error);
    else
        res->error[0] = '\0';
    return rc;
}

/* send_until_done: sends method (with body, may be NULL) until an answer
 * that is not retryable or the deadline. On SW_OK resp holds that answer
 * (any status but a retryable one). Returns SW_OK, SW_E_DEADLINE,
 * SW_E_NOMEM. */
static sw_result send_until_done(sa_api *a, const char *method,
                                 const char *body, sw_http_response *resp,
                                 sa_api_result *res)
{
    long long start = now_ms();
    memset(res, 0, sizeof *res);
    for (int attempt = 1;; attempt++) {
        long long left = a->deadline_ms - (now_ms() - start);
        sw_result rc = send_once(
            a, method, body,
            left < CALL_TIMEOUT_MS && left > 1000 ? (long)left
                                                  : CALL_TIMEOUT_MS,
            resp, res);
        res->attempts = attempt;
        if (rc == SW_E_NOMEM)
            return rc;
        if (!rc && !sa_api_retryable_status(resp->status))
            return SW_OK;
        long delay = sw_retry_backoff_ms(&a->retry, attempt);
        left = a->deadline_ms - (now_ms() - start);
        if (left <= 0)
            return SW_E_DEADLINE;
        if (delay > left)
            delay = (long)left;
        log_retry(method, attempt, res->status, res->error, delay);
        sw_sleep_ms(delay);
    }
}

/* refusal: records a refused answer's body (bounded) in res->error. */
static void refusal(const sw_http_response *resp, sa_api_result *res)
{
    int n = resp->body.len > 200 ? 200 : (int)resp->body.len;
    snprintf(res->error, sizeof res->error, "HTTP %ld: %.*s", resp->status,
             n, resp->body.ptr ? resp->body.ptr : "");
}

/* sa_api_parse_spec: see api.h. */
sw_result sa_api_parse_spec(sw_cursor body, cJSON **spec)
{
    *spec = cJSON_ParseWithLength(body.ptr ? body.ptr : "", body.len);
    if (cJSON_IsObject(*spec))
        return SW_OK;
    cJSON_Delete(*spec);
    *spec = NULL;
    return SW_E_PARSE;
}

/* sa_api_get_spec: see api.h. */
sw_result sa_api_get_spec(sa_api *a, cJSON **spec, sa_api_result *res)
{
    *spec = NULL;
    sw_http_response resp = {0};
    sw_result rc = send_until_done(a, "GET", NULL, &resp, res);
    if (!rc && (resp.status < 200 || resp.status > 299)) {
        refusal(&resp, res);
        rc = SW_E_HTTP;
    } else if (!rc) {
        rc = sa_api_parse_spec(sw_cursor_from_buf(&resp.body), spec);
        if (rc == SW_E_PARSE)
            snprintf(res->error, sizeof res->error,
                     "the job spec is not a JSON object");
    }
    /* the spec's env may hold the job's secrets: wiped */
    sw_buf_wipe_free(&resp.body);
    sw_http_response_free(&resp);
    return rc;
}

/* sa_api_put: see api.h. */
sw_result sa_api_put(sa_api *a, const cJSON *body, sa_api_result *res)
{
    char *text = cJSON_PrintUnformatted(body);
    if (!text)
        return SW_E_NOMEM;
    sw_http_response resp = {0};
    sw_result rc = send_until_done(a, "PUT", text, &resp, res);
    cJSON_free(text);
    if (!rc && !(resp.status >= 200 && resp.status <= 299) &&
        resp.status != 409) {
        refusal(&resp, res);
        rc = SW_E_HTTP;
    }
    sw_http_response_free(&resp);
    return rc;
}

/* sa_api_put_once: see api.h. */
sw_result sa_api_put_once(sa_api *a, const cJSON *body, long timeout_ms,
                          sa_api_result *res)
{
    memset(res, 0, sizeof *res);
    char *text = cJSON_PrintUnformatted(body);
    if (!text)
        return SW_E_NOMEM;
    sw_http_response resp = {0};
    sw_result rc = send_once(a, "PUT", text, timeout_ms, &resp, res);
    cJSON_free(text);
    res->attempts = 1;
    if (!rc && !(resp.status >= 200 && resp.status <= 299)) {
        refusal(&resp, res);
        rc = SW_E_HTTP;
    }
    sw_http_response_free(&resp);
    return rc;
}
