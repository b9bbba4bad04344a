/* sw_ec2.c - a command-line driver over sw/ec2.h for the integration tests
 * (tests/integration/test_ec2.py).
 *
 *   sw_ec2 run --image AMI --type T --token TOKEN [--profile ARN|NAME]
 *              [--user-data-file F] [--subnet S] [--sg ID]... [--tag K=V]...
 *   sw_ec2 terminate ID...
 *   sw_ec2 describe ID
 *
 * Credentials come from the standard chain, the endpoint from
 * AWS_ENDPOINT_URL(_EC2). Prints one JSON line on stdout:
 *   {"ok":true,"instanceId":..} / {"ok":true} / {"ok":true,"state":..}
 *   or {"ok":false,"code":..,"message":..,"result":..,"http_status":..,
 *       "retryable":B,"attempts":N}
 * and exits with sw_aws_exit_code (0, 2 final, 3 transient). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw/ec2.h"
#include "sw/exit.h"
#include "sw_helper.h"

#define MAX_LIST 64 /* more than EC2 allows, so the limits are tested */

/* fail: prints the failure line and returns the exit code. */
static int fail(sw_result rc, const sw_aws_error *err)
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

/* usage: prints usage to stderr; returns exit code 2. */
static int usage(void)
{
    fprintf(stderr,
            "usage: sw_ec2 run --image AMI --type T --token TOKEN "
            "[--profile P] [--user-data-file F] [--subnet S] [--sg ID]... "
            "[--tag K=V]...\n"
            "       sw_ec2 terminate ID...\n"
            "       sw_ec2 describe ID\n");
    return SW_EXIT_BAD_INPUT;
}

/* read_file: the whole file into b. Returns 0 on failure. */
static int read_file(const char *path, sw_buf *b)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char chunk[4096];
    size_t n;
    int ok = 1;
    while (ok && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        ok = sw_buf_append(b, chunk, n) == SW_OK;
    ok = ok && !ferror(f);
    fclose(f);
    return ok;
}

/* cmd_run: sw_ec2 run. Returns the exit code. */
static int cmd_run(sw_aws_client *c, int argc, char **argv)
{
    sw_ec2_run_request req = {0};
    const char *groups[MAX_LIST];
    sw_ec2_tag tags[MAX_LIST];
    size_t ng = 0, nt = 0;
    sw_buf ud = SW_BUF_INIT;
    for (int i = 0; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            return usage();
        if (!strcmp(a, "--image"))
            req.image_id = v;
        else if (!strcmp(a, "--type"))
            req.instance_type = v;
        else if (!strcmp(a, "--token"))
            req.client_token = v;
        else if (!strcmp(a, "--profile"))
            req.instance_profile = v;
        else if (!strcmp(a, "--subnet"))
            req.subnet_id = v;
        else if (!strcmp(a, "--sg") && ng < MAX_LIST)
            groups[ng++] = v;
        else if (!strcmp(a, "--tag") && nt < MAX_LIST && strchr(v, '=')) {
            /* argv is ours to cut: K=V becomes K\0V */
            char *eq = strchr(argv[i + 1], '=');
            *eq = '\0';
            tags[nt].key = argv[i + 1];
            tags[nt++].value = eq + 1;
        } else if (!strcmp(a, "--user-data-file")) {
            if (!read_file(v, &ud)) {
                fprintf(stderr, "sw_ec2: cannot read %s\n", v);
                sw_buf_free(&ud);
                return SW_EXIT_BAD_INPUT;
            }
        } else {
            sw_buf_free(&ud);
            return usage();
        }
    }
    req.security_group_ids = ng ? groups : NULL;
    req.security_group_count = ng;
    req.tags = nt ? tags : NULL;
    req.tag_count = nt;
    req.user_data = sw_cursor_from_buf(&ud);
    char id[SW_EC2_ID_MAX];
    sw_aws_error err;
    sw_result rc = sw_ec2_run_instance(c, &req, id, sizeof id, &err);
    sw_buf_free(&ud);
    if (rc)
        return fail(rc, &err);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddTrueToObject(o, "ok");
    cJSON_AddStringToObject(o, "instanceId", id);
    cJSON_AddNumberToObject(o, "attempts", err.attempts);
    sw_helper_print_line(o);
    return SW_EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    const char *cmd = argv[1];
    if (strcmp(cmd, "run") && strcmp(cmd, "terminate") &&
        strcmp(cmd, "describe"))
        return usage();
    if (sw_http_global_init())
        return SW_EXIT_INTERNAL;
    sw_creds_provider *creds = NULL;
    sw_aws_client *c = NULL;
    sw_aws_config cfg = {.service = sw_ec2_service};
    const char *why = NULL;
    sw_aws_error err = {0};
    int code;
    sw_result rc = sw_creds_provider_new(NULL, &creds);
    if (!rc)
        rc = sw_aws_client_new(&cfg, creds, &c, &why);
    if (rc) {
        snprintf(err.message, sizeof err.message, "%s",
                 why ? why : sw_result_str(rc));
        code = fail(rc, &err);
    } else if (!strcmp(cmd, "run")) {
        code = cmd_run(c, argc - 2, argv + 2);
    } else if (!strcmp(cmd, "terminate")) {
        rc = sw_ec2_terminate_instances(c, (const char *const *)argv + 2,
                                        (size_t)(argc - 2), &err);
        if (rc) {
            code = fail(rc, &err);
        } else {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddTrueToObject(o, "ok");
            sw_helper_print_line(o);
            code = SW_EXIT_OK;
        }
    } else {
        char state[32];
        rc = argc == 3 ? sw_ec2_describe_instance_state(c, argv[2], state,
                                                        sizeof state, &err)
                       : SW_E_INVALID;
        if (rc) {
            code = fail(rc, &err);
        } else {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddTrueToObject(o, "ok");
            cJSON_AddStringToObject(o, "state", state);
            sw_helper_print_line(o);
            code = SW_EXIT_OK;
        }
    }
    sw_aws_client_free(c);
    sw_creds_provider_free(creds);
    sw_http_global_cleanup();
    return code;
}
