/* sw_helper.h - what the test helper programs in tests/helpers/ share:
 * their answers are one JSON object per line on stdout, which the Python
 * tests parse, and most of them make AWS calls through one client set up
 * as a worker would (libcurl, the standard credential chain, region and
 * endpoint from the environment). */
#ifndef SW_HELPER_H
#define SW_HELPER_H

#include <stdio.h>

#include <cJSON.h>

#include "sw/aws.h"
#include "sw/creds.h"
#include "sw/exit.h"
#include "sw/http.h"

/* sw_helper_print_line: prints o as one line ("{}" if printing ran out of
 * memory), flushes so the reading test sees it at once, and deletes o. */
static inline void sw_helper_print_line(cJSON *o)
{
    char *s = cJSON_PrintUnformatted(o);
    puts(s ? s : "{}");
    fflush(stdout);
    cJSON_free(s);
    cJSON_Delete(o);
}

/* sw_helper_ok_new: a new success answer, {"ok":true}, for the caller to
 * add its fields to. */
static inline cJSON *sw_helper_ok_new(void)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddTrueToObject(o, "ok");
    return o;
}

/* sw_helper_ok_print: prints and deletes o (sw_helper_print_line);
 * returns SW_EXIT_OK, the success exit code. */
static inline int sw_helper_ok_print(cJSON *o)
{
    sw_helper_print_line(o);
    return SW_EXIT_OK;
}

/* A helper's AWS client and what it rests on. */
typedef struct sw_helper_aws {
    sw_creds_provider *creds;
    sw_aws_client *client;
    int http_ready; /* sw_http_global_init succeeded: cleanup is due */
} sw_helper_aws;

/* sw_helper_aws_open: sw_http_global_init, the standard credential chain
 * and a client for cfg. On failure err (cleared first) holds the reason
 * in message: the client's static line, or the result's name. Returns
 * SW_OK or the failing step's result; sw_helper_aws_close is due either
 * way. */
static inline sw_result sw_helper_aws_open(sw_helper_aws *h,
                                           const sw_aws_config *cfg,
                                           sw_aws_error *err)
{
    const char *why = NULL;
    *h = (sw_helper_aws){0};
    *err = (sw_aws_error){0};
    sw_result rc = sw_http_global_init();
    h->http_ready = rc == SW_OK;
    if (!rc)
        rc = sw_creds_provider_new(NULL, &h->creds);
    if (!rc)
        rc = sw_aws_client_new(cfg, h->creds, &h->client, &why);
    if (rc)
        sw_aws_local_error(err, rc, why ? why : sw_result_str(rc));
    return rc;
}

/* sw_helper_aws_close: frees what sw_helper_aws_open made (any part may
 * be missing) and leaves h empty. */
static inline void sw_helper_aws_close(sw_helper_aws *h)
{
    sw_aws_client_free(h->client);
    sw_creds_provider_free(h->creds);
    if (h->http_ready)
        sw_http_global_cleanup();
    *h = (sw_helper_aws){0};
}

/* sw_helper_aws_fail: prints the failure line {"ok":false,"code",
 * "message","result","http_status","retryable","attempts"} ("code" is
 * the AWS error code, or the result's name when there is none) and
 * returns sw_aws_exit_code(rc, err): 2 final, 3 transient. */
static inline int sw_helper_aws_fail(sw_result rc, const sw_aws_error *err)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddFalseToObject(o, "ok");
    cJSON_AddStringToObject(o, "code",
                            err->code[0] ? err->code : sw_result_str(rc));
    cJSON_AddStringToObject(o, "message", err->message);
    cJSON_AddStringToObject(o, "result", sw_result_str(rc));
    cJSON_AddNumberToObject(o, "http_status", (double)err->http_status);
    cJSON_AddBoolToObject(o, "retryable", err->retryable);
    cJSON_AddNumberToObject(o, "attempts", err->attempts);
    sw_helper_print_line(o);
    return sw_aws_exit_code(rc, err);
}

#endif
