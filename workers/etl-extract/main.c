/* etl-extract - the first ETL stage: the 9 raw Olist CSVs validated row by
 * row into R/stage/ (accepted rows) and R/rejects/ (line, reason, record),
 * with per-file counts in R/extract.json (R = $ETL_WORK/$ETL_RUN_ID).
 * The contract: workers/etl-transform/AGGREGATES.md.
 *
 * Environment: ETL_RUN_ID (or WORKFLOW_RUN_ID), ETL_INPUT and ETL_WORK
 * (each a directory or s3://bucket/prefix; ETL_INPUT may hold "{date}",
 * the run date: ETL_RUN_DATE, else WORKFLOW_RUN_ID's scheduled day, else
 * today UTC, sw_run_date_from_env); AWS_* as every worker.
 * Output: one JSON log line per file with its counts and a summary line, on
 * stderr. Exit codes (sw/exit.h): 0 done (rejects are not failures); 2 bad
 * configuration, a missing file, a wrong header, a quote left open; 3
 * transient S3 trouble; 1 internal. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "extract.h"
#include "sw/etl.h"
#include "sw/exit.h"
#include "sw/log.h"
#include "sw/worker.h"

/* now_ms: a monotonic clock in milliseconds. */
static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* stats_json: one file's counts as the object extract.json holds. */
static cJSON *stats_json(const ex_stats *st)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "rows", (double)st->rows);
    cJSON_AddNumberToObject(o, "accepted", (double)st->accepted);
    cJSON_AddNumberToObject(o, "rejected", (double)st->rejected);
    cJSON_AddNumberToObject(o, "bytes", (double)st->bytes);
    cJSON_AddBoolToObject(o, "bom", st->bom);
    return o;
}

/* log_file: the file's log line, its counts as fields. */
static void log_file(const char *name, const ex_stats *st, double ms)
{
    cJSON *f = stats_json(st);
    cJSON_AddStringToObject(f, "file", name);
    cJSON_AddNumberToObject(f, "ms", (double)(long long)ms);
    char msg[300];
    snprintf(msg, sizeof msg, "%s: %llu rows, %llu accepted, %llu rejected",
             name, (unsigned long long)st->rows,
             (unsigned long long)st->accepted,
             (unsigned long long)st->rejected);
    sw_log(SW_LOG_INFO, msg, f);
    cJSON_Delete(f);
}

/* run: every file in turn, then extract.json and the summary line.
 * Returns the exit code. */
static int run(const sw_etl_env *env, const char *input)
{
    double t0 = now_ms();
    cJSON *doc = cJSON_CreateObject(), *files = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "run_id", env->run_id);
    cJSON_AddItemToObject(doc, "files", files);
    ex_stats total;
    memset(&total, 0, sizeof total);
    int code = 0;
    for (int i = 0; i < SW_OLIST_NFILES && !code; i++) {
        const sw_olist_file *f = &sw_olist_files[i];
        char in[SW_OBJ_URI_MAX], stage[SW_OBJ_URI_MAX], rej[SW_OBJ_URI_MAX];
        char sub[256];
        snprintf(sub, sizeof sub, "stage/%s", f->name);
        int bad = sw_obj_join(in, sizeof in, input, f->name) ||
                  sw_etl_path(env, sub, stage);
        snprintf(sub, sizeof sub, "rejects/%s", f->name);
        if (bad || sw_etl_path(env, sub, rej)) {
            sw_log_msgf(SW_LOG_ERROR, "configuration: ETL_INPUT or ETL_WORK "
                        "is too long");
            code = SW_EXIT_BAD_INPUT;
            break;
        }
        double t = now_ms();
        ex_stats st;
        code = ex_file_run(env->s3, env->s3_out, f, in, stage, rej, &st);
        if (code)
            break;
        log_file(f->name, &st, now_ms() - t);
        cJSON_AddItemToObject(files, f->name, stats_json(&st));
        total.rows += st.rows;
        total.accepted += st.accepted;
        total.rejected += st.rejected;
        total.bytes += st.bytes;
    }
    char loc[SW_OBJ_URI_MAX];
    if (!code && sw_etl_path(env, "extract.json", loc))
        code = SW_EXIT_BAD_INPUT;
    if (!code) {
        sw_aws_error err;
        sw_result rc = sw_etl_put_json(env->s3, loc, doc, &err);
        if (rc)
            code = sw_etl_failure("write extract.json", rc, &err);
    }
    if (!code) {
        cJSON *f = stats_json(&total);
        cJSON_DeleteItemFromObject(f, "bom");
        cJSON_AddStringToObject(f, "run_id", env->run_id);
        cJSON_AddNumberToObject(f, "files", SW_OLIST_NFILES);
        cJSON_AddNumberToObject(f, "ms", (double)(long long)(now_ms() - t0));
        char msg[300];
        snprintf(msg, sizeof msg, "extract %s: 9 files, %llu rows, %llu "
                 "accepted, %llu rejected", env->run_id,
                 (unsigned long long)total.rows,
                 (unsigned long long)total.accepted,
                 (unsigned long long)total.rejected);
        sw_log(SW_LOG_INFO, msg, f);
        cJSON_Delete(f);
    }
    cJSON_Delete(doc);
    return code;
}

/* main: checks the environment (exit 2 before any I/O), then runs. */
int main(void)
{
    sw_log_init("etl-extract", SW_LOG_INFO, NULL);
    /* "{date}" in ETL_INPUT is the run date (ETL_RUN_DATE, else
     * WORKFLOW_RUN_ID's day, else today UTC: etl-load's rule) */
    static char loc[SW_OBJ_URI_MAX];
    int code = sw_etl_env_location("ETL_INPUT", loc);
    if (code)
        return code;
    const char *input = loc;
    sw_etl_env env;
    code = sw_etl_env_open(&env, &input, 1);
    if (!code)
        code = run(&env, input);
    sw_etl_env_close(&env);
    return code;
}
