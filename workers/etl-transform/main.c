/* etl-transform - the second ETL stage: the stage files of a run (written
 * by etl-extract) reduced to the six aggregates of AGGREGATES.md in
 * R/agg/<name>.csv, with row and orphan counts in R/transform.json
 * (R = $ETL_WORK/$ETL_RUN_ID).
 *
 * Environment: ETL_RUN_ID (or WORKFLOW_RUN_ID), ETL_WORK (a directory or
 * s3://bucket/prefix); AWS_* as every worker.
 * Output: one JSON log line per stage file read and per aggregate written,
 * and a summary line with the orphans, on stderr. Exit codes (sw/exit.h):
 * 0 done; 2 bad configuration, a missing or malformed stage file; 3
 * transient S3 trouble; 1 internal. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "sw/etl.h"
#include "sw/exit.h"
#include "sw/log.h"
#include "transform.h"

/* now_ms: a monotonic clock in milliseconds. */
static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

typedef struct tf_read {
    tf_state *s;
    const sw_olist_file *f;
    sw_olist_file_id id;
    uint64_t rows;
    char why[400];
} tf_read;

/* on_record: the CSV reader's callback for one stage file: the header
 * checked, each record fed. Returns SW_OK or SW_E_INVALID (why set). */
static sw_result on_record(void *ctx, const sw_csv_record *rec)
{
    tf_read *r = ctx;
    char why[256];
    sw_result rc;
    if (rec->flaw) {
        snprintf(why, sizeof why, "%s", sw_csv_flaw_text(rec->flaw));
        rc = SW_E_INVALID;
    } else if (rec->number == 1) {
        rc = sw_olist_check_header(r->f, rec->fields, rec->nfields, why,
                                   sizeof why);
    } else {
        r->rows++;
        rc = tf_feed(r->s, r->id, rec->fields, rec->nfields, why, sizeof why);
    }
    if (rc == SW_E_INVALID)
        snprintf(r->why, sizeof r->why, "stage/%s line %llu: %s", r->f->name,
                 (unsigned long long)rec->line, why);
    return rc;
}

/* read_stage: feeds one stage file, logging its line. Returns 0 or the
 * exit code (logged). */
static int read_stage(const sw_etl_env *env, tf_state *s, sw_olist_file_id id)
{
    tf_read r = {.s = s, .f = &sw_olist_files[id], .id = id};
    char sub[256], loc[SW_OBJ_URI_MAX];
    snprintf(sub, sizeof sub, "stage/%s", r.f->name);
    if (sw_etl_path(env, sub, loc)) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: ETL_WORK is too long");
        return SW_EXIT_BAD_INPUT;
    }
    double t = now_ms();
    sw_etl_csv_stats cs;
    sw_aws_error err;
    sw_result rc = sw_etl_read_csv(env->s3, loc, NULL, on_record, &r, &cs,
                                   &err);
    if (rc == SW_E_INVALID && r.why[0]) {
        sw_log_msgf(SW_LOG_ERROR, "%s (exit 2)", r.why);
        return SW_EXIT_BAD_INPUT;
    }
    if (rc == SW_E_INVALID && cs.open_quote) {
        sw_log_msgf(SW_LOG_ERROR, "stage/%s: unterminated quote opened at "
                    "line %llu (exit 2)", r.f->name,
                    (unsigned long long)cs.open_quote);
        return SW_EXIT_BAD_INPUT;
    }
    if (rc == SW_E_IO) {
        sw_log_msgf(SW_LOG_ERROR, "stage/%s: missing or unreadable (exit 2; "
                    "run etl-extract first): %s", r.f->name, err.message);
        return SW_EXIT_BAD_INPUT;
    }
    if (rc) {
        char what[SW_OBJ_URI_MAX + 16];
        snprintf(what, sizeof what, "read %s", loc);
        return sw_etl_failure(what, rc, &err);
    }
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "file", r.f->name);
    cJSON_AddNumberToObject(f, "rows", (double)r.rows);
    cJSON_AddNumberToObject(f, "bytes", (double)cs.bytes);
    cJSON_AddNumberToObject(f, "ms", (double)(long long)(now_ms() - t));
    char msg[300];
    snprintf(msg, sizeof msg, "stage/%s: %llu rows read", r.f->name,
             (unsigned long long)r.rows);
    sw_log(SW_LOG_INFO, msg, f);
    cJSON_Delete(f);
    return 0;
}

/* orphans_json: the orphan counts as an object. */
static cJSON *orphans_json(const tf_orphans *o)
{
    cJSON *j = cJSON_CreateObject();
    const struct {
        const char *name;
        uint64_t v;
    } kinds[] = {
        {"orders_without_customer", o->orders_without_customer},
        {"items_without_order", o->items_without_order},
        {"items_of_orphan_orders", o->items_of_orphan_orders},
        {"items_without_product", o->items_without_product},
        {"items_without_seller", o->items_without_seller},
        {"payments_without_order", o->payments_without_order},
        {"payments_of_orphan_orders", o->payments_of_orphan_orders},
        {"reviews_without_order", o->reviews_without_order},
        {"reviews_of_orphan_orders", o->reviews_of_orphan_orders},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        cJSON_AddNumberToObject(j, kinds[i].name, (double)kinds[i].v);
    return j;
}

/* write_aggs: the six files, a log line each, then transform.json and the
 * summary line. Returns 0 or the exit code (logged). */
static int write_aggs(const sw_etl_env *env, tf_state *s, double t0)
{
    sw_buf out[TF_NAGG];
    uint64_t rows[TF_NAGG];
    for (int i = 0; i < TF_NAGG; i++)
        out[i] = (sw_buf)SW_BUF_INIT;
    int code = 0;
    sw_result rc = tf_finish(s, out, rows);
    if (rc == SW_E_OVERFLOW) {
        sw_log_msgf(SW_LOG_ERROR, "a sum of cents leaves int64 (exit 2)");
        code = SW_EXIT_BAD_INPUT;
    } else if (rc) {
        sw_log_msgf(SW_LOG_ERROR, "aggregates: %s", sw_result_str(rc));
        code = SW_EXIT_INTERNAL;
    }
    cJSON *doc = cJSON_CreateObject(), *counts = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "run_id", env->run_id);
    cJSON_AddItemToObject(doc, "rows", counts);
    for (int i = 0; i < TF_NAGG && !code; i++) {
        char sub[64], loc[SW_OBJ_URI_MAX];
        snprintf(sub, sizeof sub, "agg/%s.csv", tf_agg_names[i]);
        sw_aws_error err;
        if (sw_etl_path(env, sub, loc)) {
            code = SW_EXIT_BAD_INPUT;
            break;
        }
        rc = sw_etl_put(env->s3, loc, sw_cursor_from_buf(&out[i]), "text/csv",
                        &err);
        if (rc) {
            code = sw_etl_failure(loc, rc, &err);
            break;
        }
        cJSON_AddNumberToObject(counts, tf_agg_names[i], (double)rows[i]);
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "aggregate", tf_agg_names[i]);
        cJSON_AddNumberToObject(f, "rows", (double)rows[i]);
        cJSON_AddNumberToObject(f, "bytes", (double)out[i].len);
        char msg[200];
        snprintf(msg, sizeof msg, "agg/%s.csv: %llu rows", tf_agg_names[i],
                 (unsigned long long)rows[i]);
        sw_log(SW_LOG_INFO, msg, f);
        cJSON_Delete(f);
    }
    tf_orphans o;
    tf_orphan_counts(s, &o);
    cJSON_AddItemToObject(doc, "orphans", orphans_json(&o));
    char loc[SW_OBJ_URI_MAX];
    if (!code && sw_etl_path(env, "transform.json", loc))
        code = SW_EXIT_BAD_INPUT;
    if (!code) {
        sw_aws_error err;
        rc = sw_etl_put_json(env->s3, loc, doc, &err);
        if (rc)
            code = sw_etl_failure("write transform.json", rc, &err);
    }
    if (!code) {
        cJSON *f = orphans_json(&o);
        cJSON_AddStringToObject(f, "run_id", env->run_id);
        cJSON_AddNumberToObject(f, "ms", (double)(long long)(now_ms() - t0));
        char msg[200];
        snprintf(msg, sizeof msg, "transform %s: 6 aggregates written",
                 env->run_id);
        sw_log(SW_LOG_INFO, msg, f);
        cJSON_Delete(f);
    }
    cJSON_Delete(doc);
    for (int i = 0; i < TF_NAGG; i++)
        sw_buf_free(&out[i]);
    return code;
}

/* main: checks the environment (exit 2 before any I/O), reads the stage
 * files in the order the aggregates need them, writes the results. */
int main(void)
{
    sw_log_init("etl-transform", SW_LOG_INFO, NULL);
    double t0 = now_ms();
    sw_etl_env env;
    int code = sw_etl_env_open(&env, NULL, 0);
    tf_state *s = NULL;
    if (!code && tf_new(&s)) {
        sw_log_msgf(SW_LOG_ERROR, "out of memory");
        code = SW_EXIT_INTERNAL;
    }
    for (size_t i = 0; i < 8 && !code; i++)
        code = read_stage(&env, s, tf_feed_order[i]);
    if (!code)
        code = write_aggs(&env, s, t0);
    tf_free(s);
    sw_etl_env_close(&env);
    return code;
}
