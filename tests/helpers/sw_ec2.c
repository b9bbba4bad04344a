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
        return sw_helper_aws_fail(rc, &err);
    cJSON *o = sw_helper_ok_new();
    cJSON_AddStringToObject(o, "instanceId", id);
    cJSON_AddNumberToObject(o, "attempts", err.attempts);
    return sw_helper_ok_print(o);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    const char *cmd = argv[1];
    if (strcmp(cmd, "run") && strcmp(cmd, "terminate") &&
        strcmp(cmd, "describe"))
        return usage();
    sw_aws_config cfg = {.service = sw_ec2_service};
    sw_helper_aws h;
    sw_aws_error err;
    int code;
    sw_result rc = sw_helper_aws_open(&h, &cfg, &err);
    sw_aws_client *c = h.client;
    if (rc) {
        code = sw_helper_aws_fail(rc, &err);
    } else if (!strcmp(cmd, "run")) {
        code = cmd_run(c, argc - 2, argv + 2);
    } else if (!strcmp(cmd, "terminate")) {
        rc = sw_ec2_terminate_instances(c, (const char *const *)argv + 2,
                                        (size_t)(argc - 2), &err);
        code = rc ? sw_helper_aws_fail(rc, &err)
                  : sw_helper_ok_print(sw_helper_ok_new());
    } else {
        /* by id, so an unknown id is EC2's InvalidInstanceID.NotFound */
        sw_ec2_instance_state st[1];
        rc = argc == 3 ? sw_ec2_describe_instances(
                             c, (const char *const *)argv + 2, 1,
                             SW_EC2_LOOKUP_IDS, st, &err)
                       : SW_E_INVALID;
        if (rc) {
            code = sw_helper_aws_fail(rc, &err);
        } else {
            cJSON *o = sw_helper_ok_new();
            cJSON_AddStringToObject(o, "state", st[0].state);
            code = sw_helper_ok_print(o);
        }
    }
    sw_helper_aws_close(&h);
    return code;
}
