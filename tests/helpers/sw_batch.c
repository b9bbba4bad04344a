/* sw_batch.c - a command-line driver over sw/batch.h and sw/sns.h for the
 * integration tests (tests/integration/test_batch.py).
 *
 *   sw_batch submit --name N --queue Q --definition D
 *                   [--depends ID[:TYPE]]... [--depends :SEQUENTIAL]
 *                   [--array-size N] [--overrides JSON] [--parameters JSON]
 *                   [--retry JSON] [--tags JSON] [--timeout S]
 *   sw_batch describe ID...         (ids also one per line on stdin with -)
 *   sw_batch terminate ID REASON
 *   sw_batch sns-publish TOPIC_ARN MESSAGE [SUBJECT]   (MESSAGE "-": stdin,
 *                                           for messages over ARG_MAX)
 *
 * Credentials come from the standard chain, the endpoint from
 * AWS_ENDPOINT_URL(_BATCH / _SNS). Prints one JSON line on stdout:
 *   {"ok":true,"jobId":..} / {"ok":true,"jobs":[..]} / {"ok":true}
 *   / {"ok":true,"messageId":..}
 *   or {"ok":false,"code":..,"message":..,"result":..,"http_status":..,
 *       "retryable":B,"attempts":N}
 * and exits with sw_aws_exit_code (0, 2 final, 3 transient). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw/batch.h"
#include "sw/exit.h"
#include "sw/sns.h"
#include "sw_helper.h"

#define MAX_DEPS 64     /* more than Batch allows, so the limit is tested */
#define MAX_IDS 100000

/* usage: prints usage to stderr; returns exit code 2. */
static int usage(void)
{
    fprintf(stderr,
            "usage: sw_batch submit --name N --queue Q --definition D "
            "[--depends ID[:TYPE]]... [--array-size N] [--overrides JSON] "
            "[--parameters JSON] [--retry JSON] [--tags JSON] [--timeout S]\n"
            "       sw_batch describe ID... | -\n"
            "       sw_batch terminate ID REASON\n"
            "       sw_batch sns-publish TOPIC_ARN MESSAGE [SUBJECT]\n");
    return SW_EXIT_BAD_INPUT;
}

/* parse_json_arg: parses an option's JSON value into *out (kept for the
 * caller to delete). Returns 0 on a parse error. */
static int parse_json_arg(const char *s, cJSON **out)
{
    cJSON_Delete(*out);
    *out = cJSON_Parse(s);
    return *out != NULL;
}

/* cmd_submit: sw_batch submit. Returns the exit code. */
static int cmd_submit(sw_aws_client *c, int argc, char **argv)
{
    sw_batch_submit req = {0};
    sw_batch_dependency deps[MAX_DEPS];
    char *dep_copies[MAX_DEPS] = {0};
    cJSON *overrides = NULL, *params = NULL, *retry = NULL, *tags = NULL;
    size_t ndeps = 0;
    int code = -1;
    for (int i = 0; i < argc && code < 0; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            code = usage();
            break;
        }
        i++;
        if (!strcmp(a, "--name"))
            req.job_name = v;
        else if (!strcmp(a, "--queue"))
            req.job_queue = v;
        else if (!strcmp(a, "--definition"))
            req.job_definition = v;
        else if (!strcmp(a, "--array-size"))
            req.array_size = atoi(v);
        else if (!strcmp(a, "--timeout"))
            req.timeout_seconds = atol(v);
        else if (!strcmp(a, "--overrides") && parse_json_arg(v, &overrides))
            req.container_overrides = overrides;
        else if (!strcmp(a, "--parameters") && parse_json_arg(v, &params))
            req.parameters = params;
        else if (!strcmp(a, "--retry") && parse_json_arg(v, &retry))
            req.retry_strategy = retry;
        else if (!strcmp(a, "--tags") && parse_json_arg(v, &tags))
            req.tags = tags;
        else if (!strcmp(a, "--depends") && ndeps < MAX_DEPS) {
            /* ID, ID:TYPE or :TYPE; array child ids ("uuid:3") keep their
             * index when the part after the last ':' is not a type. */
            char *s = strdup(v);
            dep_copies[ndeps] = s;
            char *colon = s ? strrchr(s, ':') : NULL;
            deps[ndeps].job_id = s;
            deps[ndeps].type = NULL;
            if (colon && (!strcmp(colon + 1, "N_TO_N") ||
                          !strcmp(colon + 1, "SEQUENTIAL") ||
                          !strcmp(colon + 1, "BOGUS"))) {
                *colon = '\0';
                deps[ndeps].type = colon + 1;
                if (!s[0])
                    deps[ndeps].job_id = NULL;
            }
            ndeps++;
        } else
            code = usage();
    }
    if (code < 0) {
        req.depends_on = ndeps ? deps : NULL;
        req.depends_on_count = ndeps;
        char id[64];
        sw_aws_error err;
        sw_result rc = sw_batch_submit_job(c, &req, id, sizeof id, &err);
        if (rc) {
            code = sw_helper_aws_fail(rc, &err);
        } else {
            cJSON *o = sw_helper_ok_new();
            cJSON_AddStringToObject(o, "jobId", id);
            cJSON_AddNumberToObject(o, "attempts", err.attempts);
            code = sw_helper_ok_print(o);
        }
    }
    for (size_t i = 0; i < ndeps; i++)
        free(dep_copies[i]);
    cJSON_Delete(overrides);
    cJSON_Delete(params);
    cJSON_Delete(retry);
    cJSON_Delete(tags);
    return code;
}

/* read_ids: ids one per line from stdin into a new array (*n set). Returns
 * NULL on ENOMEM. */
static char **read_ids(size_t *n)
{
    char **ids = calloc(MAX_IDS, sizeof *ids);
    char line[512];
    *n = 0;
    while (ids && *n < MAX_IDS && fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0])
            ids[(*n)++] = strdup(line);
    }
    return ids;
}

/* cmd_describe: sw_batch describe. Returns the exit code. */
static int cmd_describe(sw_aws_client *c, int argc, char **argv)
{
    char **owned = NULL;
    size_t n = (size_t)argc;
    const char *const *ids = (const char *const *)argv;
    if (argc == 1 && !strcmp(argv[0], "-")) {
        owned = read_ids(&n);
        if (!owned)
            return SW_EXIT_INTERNAL;
        ids = (const char *const *)owned;
    }
    cJSON *jobs = NULL;
    sw_aws_error err;
    sw_result rc = sw_batch_describe_jobs(c, ids, n, &jobs, &err);
    int code;
    if (rc) {
        code = sw_helper_aws_fail(rc, &err);
    } else {
        cJSON *o = sw_helper_ok_new();
        cJSON_AddItemToObject(o, "jobs", jobs);
        code = sw_helper_ok_print(o);
    }
    for (size_t i = 0; owned && i < n; i++)
        free(owned[i]);
    free(owned);
    return code;
}

/* cmd_terminate: sw_batch terminate. Returns the exit code. */
static int cmd_terminate(sw_aws_client *c, int argc, char **argv)
{
    if (argc != 2)
        return usage();
    sw_aws_error err;
    sw_result rc = sw_batch_terminate_job(c, argv[0], argv[1], &err);
    if (rc)
        return sw_helper_aws_fail(rc, &err);
    return sw_helper_ok_print(sw_helper_ok_new());
}

/* cmd_publish: sw_batch sns-publish. Returns the exit code. */
static int cmd_publish(sw_aws_client *c, int argc, char **argv)
{
    if (argc != 2 && argc != 3)
        return usage();
    char id[128];
    sw_aws_error err;
    sw_buf in = SW_BUF_INIT;
    const char *msg = argv[1];
    if (!strcmp(msg, "-")) {
        char chunk[65536];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
            if (sw_buf_append(&in, chunk, n))
                return SW_EXIT_INTERNAL;
        msg = in.ptr ? in.ptr : "";
    }
    sw_result rc = sw_sns_publish(c, argv[0], argc == 3 ? argv[2] : NULL,
                                  msg, id, sizeof id, &err);
    sw_buf_free(&in);
    if (rc)
        return sw_helper_aws_fail(rc, &err);
    cJSON *o = sw_helper_ok_new();
    cJSON_AddStringToObject(o, "messageId", id);
    return sw_helper_ok_print(o);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    const char *cmd = argv[1];
    int sns = !strcmp(cmd, "sns-publish");
    if (!sns && strcmp(cmd, "submit") && strcmp(cmd, "describe") &&
        strcmp(cmd, "terminate"))
        return usage();
    sw_aws_config cfg = {.service = sns ? sw_sns_service : sw_batch_service};
    sw_helper_aws h;
    sw_aws_error err;
    int code;
    sw_result rc = sw_helper_aws_open(&h, &cfg, &err);
    sw_aws_client *c = h.client;
    if (rc) {
        code = sw_helper_aws_fail(rc, &err);
    } else if (sns) {
        code = cmd_publish(c, argc - 2, argv + 2);
    } else if (!strcmp(cmd, "submit")) {
        code = cmd_submit(c, argc - 2, argv + 2);
    } else if (!strcmp(cmd, "describe")) {
        code = cmd_describe(c, argc - 2, argv + 2);
    } else {
        code = cmd_terminate(c, argc - 2, argv + 2);
    }
    sw_helper_aws_close(&h);
    return code;
}
