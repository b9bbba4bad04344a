/* sw_aws_call - makes one AWS JSON-protocol call (sw_aws_json_call) with the
 * standard credential chain, region/endpoint resolution and retries, and
 * prints one JSON line:
 *   success: {"ok":true,"attempts":N,"http_status":200,"request_id":"...",
 *             "body":<the response JSON, or a string if not JSON>}
 *   failure: {"ok":false,"result":"AWS service error","http_status":400,
 *             "code":"ValidationException","message":"...",
 *             "request_id":"...","retryable":false,"throttling":false,
 *             "attempts":1}
 * Exit code: sw_aws_exit_code(result, error): 0 ok; 2 config/bad input or
 * an AWS error that retrying cannot fix (bad signature, access denied,
 * validation); 3 network, timeouts, throttling and 5xx.
 *
 * usage: sw_aws_call [--service dynamodb] [--service-id DYNAMODB]
 *                    [--json-version 1.0] [--target T] [--body JSON |
 *                    --body-file PATH] [--repeat N]
 *   defaults: service dynamodb, target DynamoDB_20120810.ListTables,
 *   body {}. --repeat N makes N calls on one client (one line each).
 * Everything else comes from the environment as in a worker: AWS_REGION,
 * AWS_ENDPOINT_URL[_<ID>], AWS_MAX_ATTEMPTS, SW_RETRY_BASE_MS, the
 * credential variables (sw/creds.h).
 * example: sw_aws_call --target DynamoDB_20120810.DescribeTable \
 *              --body '{"TableName":"t"}' */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "sw/aws.h"
#include "sw/exit.h"
#include "sw_helper.h"

/* read_all: reads a file into out. Returns SW_OK or SW_E_IO. */
static sw_result read_all(const char *path, sw_buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return SW_E_IO;
    char chunk[4096];
    size_t n;
    sw_result rc = SW_OK;
    while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = sw_buf_append(out, chunk, n);
    fclose(f);
    return rc;
}

int main(int argc, char **argv)
{
    const char *service = "dynamodb", *service_id = NULL;
    const char *version = "1.0", *target = "DynamoDB_20120810.ListTables";
    const char *body = "{}", *body_file = NULL;
    int repeat = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "usage: see the top of sw_aws_call.c\n");
            return SW_EXIT_BAD_INPUT;
        }
        i++;
        if (!strcmp(a, "--service"))
            service = v;
        else if (!strcmp(a, "--service-id"))
            service_id = v;
        else if (!strcmp(a, "--json-version"))
            version = v;
        else if (!strcmp(a, "--target"))
            target = v;
        else if (!strcmp(a, "--body"))
            body = v;
        else if (!strcmp(a, "--body-file"))
            body_file = v;
        else if (!strcmp(a, "--repeat"))
            repeat = atoi(v);
        else {
            fprintf(stderr, "unknown option %s\n", a);
            return SW_EXIT_BAD_INPUT;
        }
    }
    char sid[64];
    if (!service_id) {
        size_t k = 0;
        for (; service[k] && k < sizeof sid - 1; k++)
            sid[k] = (char)(service[k] >= 'a' && service[k] <= 'z'
                                ? service[k] - 32
                                : service[k]);
        sid[k] = '\0';
        service_id = sid;
    }
    sw_buf in = SW_BUF_INIT;
    if (body_file && read_all(body_file, &in)) {
        fprintf(stderr, "cannot read %s\n", body_file);
        return SW_EXIT_BAD_INPUT;
    }
    if (!body_file && sw_buf_append_cstr(&in, body))
        return SW_EXIT_INTERNAL;
    sw_aws_config cfg = {{service, service, service_id, 0}, NULL, NULL, NULL,
                         NULL};
    sw_helper_aws h;
    sw_aws_error last_err;
    sw_result rc = sw_helper_aws_open(&h, &cfg, &last_err);
    sw_aws_client *c = h.client;
    if (rc) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddBoolToObject(o, "ok", 0);
        cJSON_AddStringToObject(o, "result", sw_result_str(rc));
        cJSON_AddStringToObject(o, "message", last_err.message);
        sw_helper_print_line(o);
    }
    for (int i = 0; !rc && i < repeat; i++) {
        sw_buf out = SW_BUF_INIT;
        sw_aws_error err;
        sw_result r = sw_aws_json_call(c, version, target,
                                       sw_cursor_from_buf(&in), &out, &err);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddBoolToObject(o, "ok", r == SW_OK);
        if (r)
            cJSON_AddStringToObject(o, "result", sw_result_str(r));
        cJSON_AddNumberToObject(o, "http_status", (double)err.http_status);
        cJSON_AddNumberToObject(o, "attempts", err.attempts);
        cJSON_AddStringToObject(o, "request_id", err.request_id);
        if (r == SW_OK) {
            cJSON *j = cJSON_ParseWithLength(out.ptr ? out.ptr : "", out.len);
            if (j)
                cJSON_AddItemToObject(o, "body", j);
            else
                cJSON_AddStringToObject(o, "body", out.ptr ? out.ptr : "");
        } else {
            cJSON_AddStringToObject(o, "code", err.code);
            cJSON_AddStringToObject(o, "message", err.message);
            cJSON_AddBoolToObject(o, "retryable", err.retryable);
            cJSON_AddBoolToObject(o, "throttling", err.throttling);
        }
        sw_helper_print_line(o);
        sw_buf_free(&out);
        if (r && i == repeat - 1) {
            rc = r;
            last_err = err;
        }
    }
    sw_helper_aws_close(&h);
    sw_buf_free(&in);
    return sw_aws_exit_code(rc, &last_err);
}
