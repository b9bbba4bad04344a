/* sw_s3_get - fetches one object with sw_s3_get_object, with the standard
 * credential chain and region/endpoint resolution, as a worker would.
 *
 * usage: sw_s3_get s3://bucket/key [max_bytes]     (default max 1 MiB)
 * success: the object's bytes on stdout, exit 0.
 * failure: one JSON line on stdout {"ok":false,"result":"...","code":"...",
 *          "http_status":N,"message":"...","retryable":B,"attempts":N} and
 *          exit sw_aws_exit_code (2 final, 3 transient). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "sw/aws.h"
#include "sw/exit.h"
#include "sw/s3.h"
#include "sw_helper.h"

/* fail_line: prints the failure line. */
static void fail_line(sw_result rc, const sw_aws_error *err)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", 0);
    cJSON_AddStringToObject(o, "result", sw_result_str(rc));
    cJSON_AddStringToObject(o, "code", err->code);
    cJSON_AddNumberToObject(o, "http_status", (double)err->http_status);
    cJSON_AddStringToObject(o, "message", err->message);
    cJSON_AddBoolToObject(o, "retryable", err->retryable);
    cJSON_AddNumberToObject(o, "attempts", err->attempts);
    sw_helper_print_line(o);
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: sw_s3_get s3://bucket/key [max_bytes]\n");
        return SW_EXIT_BAD_INPUT;
    }
    size_t max = argc == 3 ? (size_t)strtoull(argv[2], NULL, 10) : 1 << 20;
    sw_s3_location loc;
    const char *why = NULL;
    sw_aws_error err = {0};
    sw_result rc = sw_s3_parse_uri(argv[1], &loc, &why);
    if (rc) {
        snprintf(err.message, sizeof err.message, "%s", why);
        fail_line(rc, &err);
        return sw_exit_code_for(rc);
    }
    if (sw_http_global_init())
        return SW_EXIT_INTERNAL;
    sw_creds_provider *creds = NULL;
    sw_aws_client *c = NULL;
    sw_aws_config cfg = {.service = sw_s3_service};
    sw_buf out = SW_BUF_INIT;
    rc = sw_creds_provider_new(NULL, &creds);
    if (!rc)
        rc = sw_aws_client_new(&cfg, creds, &c, &why);
    if (rc) {
        snprintf(err.message, sizeof err.message, "%s",
                 why ? why : sw_result_str(rc));
    } else {
        rc = sw_s3_get_object(c, loc.bucket, loc.key, &out, max, &err);
    }
    int code = sw_aws_exit_code(rc, &err);
    if (rc)
        fail_line(rc, &err);
    else if (out.len)
        fwrite(out.ptr, 1, out.len, stdout);
    sw_buf_free(&out);
    sw_aws_client_free(c);
    sw_creds_provider_free(creds);
    sw_http_global_cleanup();
    return code;
}
