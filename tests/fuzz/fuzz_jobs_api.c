/* fuzz_jobs_api.c - libFuzzer target for jobs-api's request handler
 * (route + headers + body -> response, over the memory store, no network)
 * and its validators (image references, times, page tokens).
 *
 * Input: byte 0 picks the method and route (and whether the job's token,
 * an API key or junk is sent), byte 1 the content type; the rest is the
 * body, also fed as a string to every validator. Invariants checked: the
 * status is one of the API's, and the body is always a JSON object
 * (with "error" for 4xx/5xx). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "routes.h"
#include "store.h"
#include "sw/log.h"
#include "validate.h"

#define KEY "fuzz-api-key-0123456789"

static jobs_app app;
static jobs_auth auth;
static char job_id[JOBS_ID_LEN + 1], job_token[JOBS_TOKEN_HEX + 1];

/* fixed_now: a constant clock (reproducible runs). */
static time_t fixed_now(void)
{
    return 1795458600;
}

/* setup: the app with one scheduled job whose token we know. */
static void setup(void)
{
    char why[128];
    sw_log_init("fuzz", (sw_log_level)(SW_LOG_ERROR + 1), NULL); /* silent */
    jobs_auth_load(&auth, KEY, NULL, why, sizeof why);
    app.auth = &auth;
    app.max_attempts = 3;
    app.backoff_base = 30;
    app.backoff_cap = 900;
    app.now = fixed_now;
    if (jobs_store_mem_new(&app.store))
        abort();
    jobs_request req = {.method = "POST", .path = "/schedule",
                        .authorization = "Bearer " KEY,
                        .content_type = "application/json",
                        .body = SW_CURSOR_LIT("{\"docker_image\":\"a\","
                                              "\"scheduled_for\":\"10:00\"}")};
    jobs_response r = {0};
    jobs_handle(&app, &req, &r);
    cJSON *j = cJSON_Parse(r.body.ptr);
    snprintf(job_id, sizeof job_id, "%s",
             cJSON_GetStringValue(cJSON_GetObjectItem(j, "id")));
    snprintf(job_token, sizeof job_token, "%s",
             cJSON_GetStringValue(cJSON_GetObjectItem(j, "callback_token")));
    cJSON_Delete(j);
    sw_buf_free(&r.body);
    if (r.status != 201)
        abort();
}

/* validators: every validator on the text; their answers must be stable. */
static void validators(const char *s)
{
    const char *why = NULL;
    bool a = jobs_image_ref_valid(s, &why);
    if (a != jobs_image_ref_valid(s, &why))
        abort();
    time_t t;
    if (jobs_time_parse(s, fixed_now(), &t, &why) == SW_OK) {
        char out[JOBS_TIME_LEN + 1];
        jobs_time_format(t, out); /* must not overflow */
    }
    (void)jobs_env_name_valid(s);
    cJSON_Delete(jobs_next_decode(s));
    (void)jobs_bearer(s);
    (void)jobs_id_valid(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput: one request and the validators. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    static unsigned runs;
    if (ready && ++runs % 2000 == 0) { /* keep the store small and fast */
        jobs_store_mem_free(&app.store);
        ready = 0;
    }
    if (!ready) {
        setup();
        ready = 1;
    }
    if (size < 2 || size > JOBS_BODY_MAX + 2)
        return 0;
    static const char *const methods[] = {"POST", "GET", "PUT", "DELETE"};
    uint8_t sel = data[0];
    char path[128];
    const char *auth_hdr;
    char bearer[128];
    switch ((sel >> 2) & 3) {
    case 0: snprintf(path, sizeof path, "/schedule"); break;
    case 1: snprintf(path, sizeof path, "/list"); break;
    case 2: snprintf(path, sizeof path, "/status/%s", job_id); break;
    default: snprintf(path, sizeof path, "/callback/%s", job_id); break;
    }
    switch ((sel >> 4) & 3) {
    case 0: auth_hdr = "Bearer " KEY; break;
    case 1:
        snprintf(bearer, sizeof bearer, "Bearer %s", job_token);
        auth_hdr = bearer;
        break;
    case 2: auth_hdr = NULL; break;
    default: auth_hdr = "Bearer junk"; break;
    }
    char *body = malloc(size - 1);
    if (!body)
        return 0;
    memcpy(body, data + 2, size - 2);
    body[size - 2] = '\0';
    jobs_request req = {
        .method = methods[sel & 3],
        .path = path,
        .authorization = auth_hdr,
        .content_type = (data[1] & 1) ? "application/json" : "text/plain",
        .q_status = (data[1] & 2) ? body : NULL,
        .q_limit = (data[1] & 4) ? body : NULL,
        .q_next = (data[1] & 8) ? body : NULL,
        .body = sw_cursor_from_mem(body, size - 2),
        .body_too_large = (data[1] & 0xF0) == 0xF0,
    };
    jobs_response r = {0};
    jobs_handle(&app, &req, &r);
    cJSON *out = cJSON_Parse(r.body.ptr ? r.body.ptr : "");
    bool known = r.status == 200 || r.status == 201 || r.status == 400 ||
                 r.status == 401 || r.status == 403 || r.status == 404 ||
                 r.status == 405 || r.status == 409 || r.status == 413 ||
                 r.status == 415 || r.status == 500 || r.status == 503;
    if (!known || !cJSON_IsObject(out) ||
        (r.status >= 400 && !cJSON_IsString(cJSON_GetObjectItem(out, "error"))))
        abort();
    cJSON_Delete(out);
    sw_buf_free(&r.body);
    validators(body);
    free(body);
    return 0;
}
