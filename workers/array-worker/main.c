/* array-worker - one child of an AWS Batch array job: takes its share of the
 * job's items (index i of N takes items i, i+N, ...), hashes and greets
 * each, prints the result as one JSON line and stores it in DynamoDB,
 * exactly once per (job, index).
 *
 * The write is conditional on the key not existing, so an attempt that AWS
 * Batch retries after an earlier one wrote (or a run whose answer was lost)
 * never writes twice: ConditionalCheckFailed means "already written" and
 * ends with 0.
 *
 * Environment (the contract with deploy/runner.py, see deploy/README.md):
 *   JOB_INPUT                 the input JSON, or
 *   JOB_INPUT_URI             s3://bucket/key holding it (exactly one of both)
 *   AWS_BATCH_JOB_ARRAY_INDEX this child's index (absent: a single job,
 *                             index 0 of 1)
 *   AWS_BATCH_JOB_ID          "<parent>:<index>" (absent: "local")
 *   AWS_BATCH_JOB_ATTEMPT     default 1
 *   ARRAY_SIZE                N when the input has no "array_size"
 *   RESULTS_TABLE             optional: where the result is stored
 * Output: the result line on stdout (only after the write, so a failed run
 * prints none); one JSON log line and one EMF line (ItemsProcessed) on
 * stderr, since stdout is the result channel.
 * Exit codes (sw/exit.h): 0 done or already written; 2 bad input or
 * configuration, or an AWS answer that a retry cannot change; 3 transient
 * AWS failure; 1 internal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "input.h"
#include "sw/aws.h"
#include "sw/creds.h"
#include "sw/dynamodb.h"
#include "sw/exit.h"
#include "sw/http.h"
#include "sw/log.h"
#include "sw/worker.h"
#include "sw/s3.h"

enum { MSG_LEN = 1024 };

/* fetch_input: JOB_INPUT_URI's object into out. Returns the exit code. */
static int fetch_input(const sw_s3_location *loc, const char *uri,
                       sw_creds_provider *creds, sw_buf *out)
{
    sw_aws_client *s3 = NULL;
    int code = sw_worker_client(&sw_s3_service, creds, &s3);
    if (code)
        return code;
    sw_aws_error err;
    sw_result rc = sw_s3_get_object(s3, loc->bucket, loc->key, out,
                                    AW_INPUT_MAX, &err);
    sw_aws_client_free(s3);
    if (rc == SW_OK)
        return 0;
    char what[SW_S3_KEY_MAX + 128];
    snprintf(what, sizeof what, "JOB_INPUT_URI %s: GetObject", uri);
    return sw_worker_aws_failure(what, rc, &err);
}

/* write_result: the conditional PutItem of result (plus written_at) into
 * table. Returns SW_OK, SW_E_CONDITION (already written) or the failure. */
static sw_result write_result(sw_aws_client *ddb, const char *table,
                              const cJSON *result, const char *written_at,
                              sw_aws_error *err)
{
    cJSON *plain = cJSON_Duplicate(result, 1);
    if (plain)
        cJSON_DeleteItemFromObjectCaseSensitive(plain, "note");
    cJSON *item = plain ? sw_ddb_marshal_item(plain) : NULL;
    cJSON *names = cJSON_CreateObject();
    sw_result rc = SW_E_NOMEM;
    if (item && names && cJSON_AddStringToObject(names, "#j", "job_id") &&
        cJSON_AddItemToObject(item, "written_at", sw_ddb_string(written_at))) {
        sw_ddb_expr expr = {.condition = "attribute_not_exists(#j)",
                            .names = names};
        rc = sw_ddb_put_item(ddb, table, item, &expr, err);
    }
    cJSON_Delete(names);
    cJSON_Delete(item);
    cJSON_Delete(plain);
    return rc;
}

/* emit_metrics: the EMF line (ItemsProcessed), on stderr. */
static void emit_metrics(double count)
{
    sw_emf_metric m = {"ItemsProcessed", "Count", count};
    cJSON *dims = cJSON_CreateObject();
    if (dims && cJSON_AddStringToObject(dims, "Worker", "array-worker"))
        (void)sw_emf_write(stderr, "scratchwork", dims, &m, 1);
    cJSON_Delete(dims);
}

/* print_result: the result line on stdout. Returns 0 or SW_EXIT_INTERNAL. */
static int print_result(const cJSON *result)
{
    char *line = cJSON_PrintUnformatted(result);
    if (!line)
        return SW_EXIT_INTERNAL;
    int bad = printf("%s\n", line) < 0 || fflush(stdout) != 0;
    free(line);
    return bad ? SW_EXIT_INTERNAL : 0;
}

/* run: after the environment was checked: fetch (if from S3), parse,
 * compute, write, print, log. Returns the exit code; logs one line (plus
 * the EMF line on success). */
static int run(const char *input, const sw_s3_location *loc, const char *uri,
               const char *table, sw_creds_provider *creds)
{
    sw_buf fetched = SW_BUF_INIT;
    int code = 0;
    if (uri)
        code = fetch_input(loc, uri, creds, &fetched);
    if (code) {
        sw_buf_free(&fetched);
        return code;
    }
    sw_cursor json = uri ? sw_cursor_from_buf(&fetched)
                         : sw_cursor_from_cstr(input);
    aw_input in;
    aw_job job;
    char why[AW_WHY_LEN];
    sw_result rc = aw_input_parse(json, uri ? "JOB_INPUT_URI" : "JOB_INPUT",
                                  &in, why);
    sw_buf_free(&fetched);
    if (rc == SW_OK)
        rc = aw_job_from_env(sw_env, in.array_size, &job, why);
    if (rc) {
        sw_log_msgf(SW_LOG_ERROR, "%s", why);
        aw_input_free(&in);
        return SW_EXIT_BAD_INPUT;
    }
    cJSON *result = aw_result_build(&in, &job);
    aw_input_free(&in);
    if (!result) {
        sw_log_msgf(SW_LOG_ERROR, "out of memory building the result");
        return SW_EXIT_INTERNAL;
    }
    double count = cJSON_GetNumberValue(
        cJSON_GetObjectItemCaseSensitive(result, "count"));
    char written_at[25];
    sw_time_rfc3339(written_at);
    const char *outcome = "printed";
    if (table) {
        sw_aws_client *ddb = NULL;
        sw_aws_error err;
        memset(&err, 0, sizeof err);
        code = sw_worker_client(&sw_ddb_service, creds, &ddb);
        rc = code ? SW_OK : write_result(ddb, table, result, written_at, &err);
        sw_aws_client_free(ddb);
        if (!code && rc == SW_OK) {
            outcome = "written";
        } else if (!code && rc == SW_E_CONDITION) {
            outcome = "already_written";
        } else if (!code) {
            char what[300];
            snprintf(what, sizeof what, "write to %s", table);
            code = sw_worker_aws_failure(what, rc, &err);
        }
    }
    if (!code)
        code = print_result(result);
    if (!code) {
        emit_metrics(count);
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "job_id", job.job_id);
        cJSON_AddNumberToObject(f, "index", (double)job.index);
        cJSON_AddNumberToObject(f, "array_size", (double)job.array_size);
        cJSON_AddNumberToObject(f, "attempt", (double)job.attempt);
        cJSON_AddNumberToObject(f, "count", count);
        cJSON_AddStringToObject(f, "input", uri ? uri : "JOB_INPUT");
        cJSON_AddStringToObject(f, "outcome", outcome);
        if (table)
            cJSON_AddStringToObject(f, "table", table);
        char msg[MSG_LEN];
        snprintf(msg, sizeof msg, "%s%s index %ld of %ld: %.0f item%s%s%s",
                 strcmp(outcome, "already_written") == 0
                     ? "already written: " : "",
                 job.job_id, job.index, job.array_size, count,
                 count == 1 ? "" : "s",
                 strcmp(outcome, "written") == 0 ? ", written to " : "",
                 strcmp(outcome, "written") == 0 ? table : "");
        sw_log(SW_LOG_INFO, msg, f);
        cJSON_Delete(f);
    }
    cJSON_Delete(result);
    return code;
}

/* main: checks the environment before any network traffic (exit 2 on a
 * misconfiguration), then runs. */
int main(void)
{
    sw_log_init("array-worker", SW_LOG_INFO, NULL);
    const char *input = sw_env("JOB_INPUT"), *uri = sw_env("JOB_INPUT_URI");
    const char *table = sw_env("RESULTS_TABLE");
    if (input && uri) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: set JOB_INPUT or "
                    "JOB_INPUT_URI, not both");
        return SW_EXIT_BAD_INPUT;
    }
    if (!input && !uri) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: JOB_INPUT (the input JSON) "
                    "or JOB_INPUT_URI (s3://bucket/key) is required");
        return SW_EXIT_BAD_INPUT;
    }
    static sw_s3_location loc;
    const char *why = NULL;
    if (uri && sw_s3_parse_uri(uri, &loc, &why)) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: JOB_INPUT_URI: %s", why);
        return SW_EXIT_BAD_INPUT;
    }
    if (table && !sw_ddb_table_name_valid(table)) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: RESULTS_TABLE is not a "
                    "table name (3 to 255 of A-Z a-z 0-9 _ . -)");
        return SW_EXIT_BAD_INPUT;
    }
    if (!uri && !table)
        return run(input, NULL, NULL, NULL, NULL); /* no AWS at all */
    if (sw_http_global_init() != SW_OK) {
        sw_log_msgf(SW_LOG_ERROR, "cannot initialise libcurl");
        return SW_EXIT_INTERNAL;
    }
    sw_creds_provider *creds = NULL;
    int code;
    sw_result rc = sw_creds_provider_new(NULL, &creds);
    if (rc == SW_OK) {
        code = run(input, &loc, uri, table, creds);
    } else {
        sw_log_msgf(SW_LOG_ERROR, "configuration: %s", sw_result_str(rc));
        code = sw_exit_code_for(rc);
    }
    sw_creds_provider_free(creds);
    sw_http_global_cleanup();
    return code;
}
