/* etl-load - the last ETL stage: puts the six aggregates of a run
 * (R/agg/<aggregate>.csv, R = $ETL_WORK/$ETL_RUN_ID, AGGREGATES.md) into
 * DynamoDB and into a day-partitioned warehouse for Athena.
 *
 * Each aggregate file is streamed once (sw_obj_read + the CSV reader, so
 * memory stays small whatever its size): every row becomes one item with a
 * deterministic key (spec.h; a rerun overwrites the same items) sent with
 * BatchWriteItem, 100 rows per sw_ddb_batch_write call (4 requests of 25,
 * UnprocessedItems re-sent with backoff until ETL_WRITE_DEADLINE_SECONDS),
 * and one line of <warehouse>/<aggregate>/dt=<day>/part-00000.csv (daily
 * aggregates by their dt, rows being sorted by it; the others under
 * dt=$ETL_RUN_DATE). Every object is written atomically (sw/objstore.h).
 * At the end R/load.json holds the counts, also when items failed.
 *
 * A batch that still has items unwritten at its deadline, or whose request
 * failed after the retries with a transient error, is reported: its items'
 * keys are logged and listed in load.json, the items after it are not sent
 * (the table is in trouble; counted as not sent), the warehouse files are
 * still written, and the run ends with exit 4. A failure a retry cannot
 * change (no such table, access denied) ends the run at once (exit 2).
 *
 * Environment: ETL_RUN_ID (or WORKFLOW_RUN_ID, sw/runid.h), ETL_WORK,
 * ETL_TABLE, ETL_WAREHOUSE, ETL_RUN_DATE (YYYY-MM-DD; default: the day of
 * WORKFLOW_RUN_ID's scheduled time, else today UTC),
 * ETL_WRITE_DEADLINE_SECONDS (per batch of 100 items, default 60), the
 * usual AWS variables. See README.md.
 * Exit codes (sw/exit.h): 0 done; 2 bad configuration or aggregate file
 * (missing, wrong header, malformed row, not sorted by dt) or an AWS answer
 * a retry cannot change; 3 transient failure reading or writing S3; 4 items
 * not written to DynamoDB (reported); 1 internal. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "spec.h"
#include "sw/aws.h"
#include "sw/creds.h"
#include "sw/csv.h"
#include "sw/dynamodb.h"
#include "sw/etl.h"
#include "sw/exit.h"
#include "sw/http.h"
#include "sw/log.h"
#include "sw/objstore.h"
#include "sw/rfc3339.h"
#include "sw/s3.h"
#include "sw/worker.h"

enum {
    PENDING_MAX = 100,        /* rows per sw_ddb_batch_write call */
    FILE_FLUSH = 64 * 1024,   /* file bytes gathered before a write */
    FAILED_KEYS_MAX = 20,     /* failed keys logged and kept in load.json */
    MSG_LEN = 1400
};

/* The run: configuration, clients and the failure report. */
typedef struct loader {
    const char *work, *warehouse, *table;
    sw_etl_env env;             /* run id, R, the S3 client for reads */
    const char *run_id;         /* env.run_id */
    char run_date[SW_RUN_DATE_LEN + 1];
    long deadline_ms;
    /* Writes go through env.s3_out (borrowed): a partition file is
     * committed from inside the read's callback, while env.s3 is busy. */
    sw_aws_client *s3w, *ddb;
    sw_creds_provider *creds;   /* when env has none (nothing on S3) */
    int http_up;                /* we initialised libcurl ourselves */
    int ddb_broken;             /* a batch failed: later items not sent */
    char ddb_error[700];        /* what that failure was */
    cJSON *failed_keys;         /* ["pk sk", ...], the first few */
    uint64_t files;             /* files committed, all aggregates */
} loader;

/* One aggregate file being loaded. */
typedef struct agg_run {
    loader *L;
    const el_spec *spec;
    char src[SW_OBJ_URI_MAX];   /* R/agg/<name>.csv */
    sw_obj_writer *w;           /* the open partition file, or NULL */
    char w_loc[SW_OBJ_URI_MAX];
    char dt[11];                /* its day ("" before the first) */
    sw_buf line;                /* file bytes not yet handed to w */
    cJSON *pending[PENDING_MAX];
    size_t npending;
    int header_seen;
    uint64_t rows, written, failed, unsent, files, bytes;
    int code;                   /* exit code that stopped the parse */
} agg_run;

/* fail_input: logs "<src> line N: <why>" and stops the parse with exit 2.
 * Returns SW_E_INVALID (for the callback to return). */
static sw_result fail_input(agg_run *a, uint64_t line, const char *why)
{
    sw_log_msgf(SW_LOG_ERROR, "%s line %llu: %s", a->src,
                (unsigned long long)line, why);
    a->code = SW_EXIT_BAD_INPUT;
    return SW_E_INVALID;
}

/* fail_aws: logs a failed read or write of loc (sw_etl_failure) and stops
 * the parse with its exit code. Returns SW_E_INVALID. */
static sw_result fail_aws(agg_run *a, const char *op, const char *loc,
                          sw_result rc, const sw_aws_error *err)
{
    char what[SW_OBJ_URI_MAX + 64];
    snprintf(what, sizeof what, "%s %s", op, loc);
    a->code = sw_etl_failure(what, rc, err);
    return SW_E_INVALID;
}

/* note_failed: adds item's key to the run's first failed keys. */
static void note_failed(loader *L, const cJSON *item)
{
    if (cJSON_GetArraySize(L->failed_keys) >= FAILED_KEYS_MAX)
        return;
    const char *pk = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(item, "pk"), "S"));
    const char *sk = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(item, "sk"), "S"));
    char key[2 * 1024 + 8];
    snprintf(key, sizeof key, "%s %s", pk ? pk : "?", sk ? sk : "?");
    cJSON_AddItemToArray(L->failed_keys, cJSON_CreateString(key));
}

/* flush_items: writes the pending items with sw_ddb_batch_write. Items a
 * transient failure left unwritten are counted failed and noted, and the
 * run stops sending (ddb_broken); while broken, items are only counted
 * unsent. Returns SW_OK, or SW_E_INVALID with a->code set for a failure a
 * retry cannot change. */
static sw_result flush_items(agg_run *a)
{
    loader *L = a->L;
    sw_result out = SW_OK;
    if (!a->npending)
        return SW_OK;
    if (L->ddb_broken) {
        a->unsent += a->npending;
    } else {
        sw_ddb_batch_result res;
        sw_aws_error err;
        memset(&err, 0, sizeof err);
        sw_result rc = sw_ddb_batch_write(L->ddb, L->table,
                                          (const cJSON *const *)a->pending,
                                          a->npending, L->deadline_ms, &res,
                                          &err);
        a->written += res.written;
        if (rc == SW_E_PARTIAL || (rc != SW_OK &&
                sw_aws_exit_code(rc, &err) == SW_EXIT_TRANSIENT)) {
            a->failed += res.failed_count;
            for (size_t i = 0; i < res.failed_count; i++)
                note_failed(L, a->pending[res.failed[i]]);
            L->ddb_broken = 1;
            snprintf(L->ddb_error, sizeof L->ddb_error, "%s%s%s",
                     err.code[0] ? err.code : sw_result_str(rc),
                     err.message[0] ? ": " : "", err.message);
            sw_log_msgf(SW_LOG_ERROR, "BatchWriteItem to %s: %zu of %zu "
                        "items of %s not written (%s); no more items are "
                        "sent", L->table, res.failed_count, a->npending,
                        a->spec->name, L->ddb_error);
        } else if (rc != SW_OK) {
            char what[300];
            snprintf(what, sizeof what, "BatchWriteItem to %s", L->table);
            a->code = sw_worker_aws_failure(what, rc, &err);
            out = SW_E_INVALID;
        }
        sw_ddb_batch_result_free(&res);
    }
    for (size_t i = 0; i < a->npending; i++)
        cJSON_Delete(a->pending[i]);
    a->npending = 0;
    return out;
}

/* drain_line: hands the gathered file bytes to the open writer. Returns
 * SW_OK or SW_E_INVALID with a->code set. */
static sw_result drain_line(agg_run *a)
{
    if (!a->line.len)
        return SW_OK;
    sw_aws_error err;
    memset(&err, 0, sizeof err);
    sw_result rc = sw_obj_writer_write(a->w, sw_cursor_from_buf(&a->line),
                                       &err);
    sw_buf_reset(&a->line);
    return rc ? fail_aws(a, "write", a->w_loc, rc, &err) : SW_OK;
}

/* close_part: commits the open partition file (if any). Returns SW_OK or
 * SW_E_INVALID with a->code set. */
static sw_result close_part(agg_run *a)
{
    if (!a->w)
        return SW_OK;
    sw_result rc = drain_line(a);
    if (rc) {
        sw_obj_writer_abort(a->w);
        a->w = NULL;
        return rc;
    }
    sw_aws_error err;
    memset(&err, 0, sizeof err);
    uint64_t bytes = sw_obj_writer_bytes(a->w);
    rc = sw_obj_writer_commit(a->w, &err);
    a->w = NULL;
    if (rc)
        return fail_aws(a, "commit", a->w_loc, rc, &err);
    a->files++;
    a->bytes += bytes;
    return SW_OK;
}

/* open_part: commits the open file and starts
 * <warehouse>/<aggregate>/dt=<dt>/part-00000.csv with its header line.
 * Returns SW_OK or SW_E_INVALID with a->code set. */
static sw_result open_part(agg_run *a, const char *dt)
{
    sw_result rc = close_part(a);
    if (rc)
        return rc;
    char rel[128];
    snprintf(rel, sizeof rel, "%s/dt=%s/part-00000.csv", a->spec->name, dt);
    snprintf(a->dt, sizeof a->dt, "%s", dt);
    if (sw_obj_join(a->w_loc, sizeof a->w_loc, a->L->warehouse, rel)) {
        a->code = SW_EXIT_BAD_INPUT;
        sw_log_msgf(SW_LOG_ERROR, "configuration: ETL_WAREHOUSE is too long");
        return SW_E_INVALID;
    }
    sw_aws_error err;
    memset(&err, 0, sizeof err);
    sw_obj_writer_options opt = {.content_type = "text/csv"};
    rc = sw_obj_writer_open(a->L->s3w, a->w_loc, &opt, &a->w, &err);
    if (rc)
        return fail_aws(a, "open", a->w_loc, rc, &err);
    if (el_row_file(a->spec, NULL, 1, &a->line)) {
        a->code = SW_EXIT_INTERNAL;
        return SW_E_INVALID;
    }
    return SW_OK;
}

/* on_record: one record of the aggregate file: the header is checked;
 * a row becomes a pending item and a line of its day's file. Returns
 * SW_OK, or SW_E_INVALID with a->code set to stop the parse. */
static sw_result on_record(void *ctx, const sw_csv_record *rec)
{
    agg_run *a = ctx;
    char why[EL_WHY_LEN];
    if (rec->flaw)
        return fail_input(a, rec->line, sw_csv_flaw_text(rec->flaw));
    if (rec->number == 1) {
        a->header_seen = 1;
        if (el_check_header(a->spec, rec->fields, rec->nfields, why))
            return fail_input(a, rec->line, why);
        return SW_OK;
    }
    cJSON *item = NULL;
    sw_result rc = el_row_item(a->spec, rec->fields, rec->nfields,
                               a->L->run_id, a->L->run_date, &item, why);
    if (rc == SW_E_NOMEM) {
        a->code = SW_EXIT_INTERNAL;
        sw_log_msgf(SW_LOG_ERROR, "out of memory");
        return rc;
    }
    if (rc)
        return fail_input(a, rec->line, why);
    a->pending[a->npending++] = item;
    a->rows++;
    if (a->spec->daily && !sw_cursor_eq_cstr(rec->fields[0], a->dt)) {
        /* A day seen before would overwrite its committed partition. */
        if (a->dt[0] && memcmp(rec->fields[0].ptr, a->dt, 10) < 0)
            return fail_input(a, rec->line, "rows are not sorted by dt");
        char dt[11];
        memcpy(dt, rec->fields[0].ptr, 10);
        dt[10] = '\0';
        if ((rc = open_part(a, dt)))
            return rc;
    }
    if (el_row_file(a->spec, rec->fields, 0, &a->line)) {
        a->code = SW_EXIT_INTERNAL;
        return SW_E_NOMEM;
    }
    if (a->line.len >= FILE_FLUSH && (rc = drain_line(a)))
        return rc;
    if (a->npending == PENDING_MAX)
        return flush_items(a);
    return SW_OK;
}

/* stream: reads and parses the whole file. Returns the exit code. */
static int stream(agg_run *a)
{
    sw_aws_error err;
    sw_etl_csv_stats st;
    sw_result rc = sw_etl_read_csv(a->L->env.s3, a->src, NULL, on_record, a,
                                   &st, &err);
    if (a->code)
        return a->code;
    if (rc == SW_E_INVALID && st.open_quote) {
        fail_input(a, st.open_quote, "quote opened here is never closed");
        return a->code;
    }
    if (rc == SW_E_IO) { /* a local file missing or unreadable */
        sw_log_msgf(SW_LOG_ERROR, "read %s failed (exit 2): %s", a->src,
                    err.message[0] ? err.message : sw_result_str(rc));
        return SW_EXIT_BAD_INPUT;
    }
    if (rc) {
        fail_aws(a, "read", a->src, rc, &err);
        return a->code;
    }
    if (!a->header_seen) {
        sw_log_msgf(SW_LOG_ERROR, "%s: empty file (no header)", a->src);
        return SW_EXIT_BAD_INPUT;
    }
    if (flush_items(a) || close_part(a))
        return a->code;
    return 0;
}

/* load_one: loads one aggregate and adds its counts to stats. Returns the
 * exit code (0, or a failure that ends the run). */
static int load_one(loader *L, const el_spec *spec, cJSON *stats)
{
    agg_run a;
    memset(&a, 0, sizeof a);
    a.L = L;
    a.spec = spec;
    char rel[96];
    snprintf(rel, sizeof rel, "agg/%s.csv", spec->name);
    if (sw_etl_path(&L->env, rel, a.src)) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: ETL_WORK is too long");
        return SW_EXIT_BAD_INPUT;
    }
    int code = 0;
    /* Non-daily aggregates have one partition, made even when empty so
     * Athena sees the run date. */
    if (!spec->daily && open_part(&a, L->run_date))
        code = a.code;
    if (!code)
        code = stream(&a);
    sw_obj_writer_abort(a.w); /* only left open on failure */
    for (size_t i = 0; i < a.npending; i++)
        cJSON_Delete(a.pending[i]);
    sw_buf_free(&a.line);
    if (code)
        return code;
    L->files += a.files;
    cJSON *s = cJSON_AddObjectToObject(stats, spec->name);
    cJSON_AddNumberToObject(s, "rows", (double)a.rows);
    cJSON_AddNumberToObject(s, "items_written", (double)a.written);
    cJSON_AddNumberToObject(s, "items_failed", (double)a.failed);
    cJSON_AddNumberToObject(s, "items_not_sent", (double)a.unsent);
    cJSON_AddNumberToObject(s, "files", (double)a.files);
    cJSON_AddNumberToObject(s, "bytes", (double)a.bytes);
    return 0;
}

/* write_report: R/load.json. Returns the exit code. */
static int write_report(loader *L, const cJSON *report)
{
    char loc[SW_OBJ_URI_MAX];
    if (sw_etl_path(&L->env, "load.json", loc)) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: ETL_WORK is too long");
        return SW_EXIT_BAD_INPUT;
    }
    sw_aws_error err;
    memset(&err, 0, sizeof err);
    sw_result rc = sw_etl_put_json(L->s3w, loc, report, &err);
    if (!rc)
        return 0;
    char what[SW_OBJ_URI_MAX + 16];
    snprintf(what, sizeof what, "write %s", loc);
    return sw_etl_failure(what, rc, &err);
}

/* run: every aggregate, then the report and the summary line. Returns the
 * exit code. */
static int run(loader *L)
{
    size_t n;
    const el_spec *specs = el_specs(&n);
    cJSON *report = cJSON_CreateObject(), *stats = NULL;
    L->failed_keys = cJSON_CreateArray();
    if (!report || !L->failed_keys ||
        !cJSON_AddStringToObject(report, "run_id", L->run_id) ||
        !cJSON_AddStringToObject(report, "run_date", L->run_date) ||
        !cJSON_AddStringToObject(report, "table", L->table) ||
        !cJSON_AddStringToObject(report, "warehouse", L->warehouse) ||
        !(stats = cJSON_AddObjectToObject(report, "aggregates"))) {
        cJSON_Delete(report);
        cJSON_Delete(L->failed_keys);
        sw_log_msgf(SW_LOG_ERROR, "out of memory");
        return SW_EXIT_INTERNAL;
    }
    int code = 0;
    for (size_t i = 0; i < n && !code; i++)
        code = load_one(L, &specs[i], stats);
    double rows = 0, written = 0, failed = 0, unsent = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, stats) {
        rows += cJSON_GetNumberValue(cJSON_GetObjectItem(s, "rows"));
        written += cJSON_GetNumberValue(cJSON_GetObjectItem(s, "items_written"));
        failed += cJSON_GetNumberValue(cJSON_GetObjectItem(s, "items_failed"));
        unsent += cJSON_GetNumberValue(cJSON_GetObjectItem(s, "items_not_sent"));
    }
    if (!code) {
        cJSON_AddNumberToObject(report, "rows", rows);
        cJSON_AddNumberToObject(report, "items_written", written);
        cJSON_AddNumberToObject(report, "items_failed", failed);
        cJSON_AddNumberToObject(report, "items_not_sent", unsent);
        cJSON_AddNumberToObject(report, "files_written", (double)L->files);
        cJSON_AddStringToObject(report, "status",
                                L->ddb_broken ? "partial" : "ok");
        if (L->ddb_broken) {
            cJSON_AddStringToObject(report, "error", L->ddb_error);
            cJSON_AddItemToObject(report, "failed_keys",
                                  cJSON_Duplicate(L->failed_keys, 1));
        }
        code = write_report(L, report);
    }
    if (!code) {
        char msg[MSG_LEN];
        cJSON *f = cJSON_Duplicate(report, 1);
        if (L->ddb_broken) {
            char *keys = cJSON_PrintUnformatted(L->failed_keys);
            snprintf(msg, sizeof msg, "run %s: %.0f of %.0f items NOT "
                     "written to %s (%.0f failed, %.0f not sent; %s); first "
                     "failed keys: %s; %llu files written",
                     L->run_id, failed + unsent, rows, L->table, failed,
                     unsent, L->ddb_error, keys ? keys : "?",
                     (unsigned long long)L->files);
            free(keys);
            sw_log(SW_LOG_ERROR, msg, f);
            code = SW_EXIT_PARTIAL;
        } else {
            snprintf(msg, sizeof msg, "run %s loaded: %.0f items written to "
                     "%s, %llu files under %s", L->run_id, written, L->table,
                     (unsigned long long)L->files, L->warehouse);
            sw_log(SW_LOG_INFO, msg, f);
        }
        cJSON_Delete(f);
    }
    cJSON_Delete(report);
    cJSON_Delete(L->failed_keys);
    return code;
}

/* location_ok: for an s3:// location, true when "<loc>/x" parses as an S3
 * URI (*why says why not); local paths are taken as they are. */
static int location_ok(const char *loc, const char **why)
{
    if (!sw_obj_is_s3(loc))
        return 1;
    char probe[SW_OBJ_URI_MAX];
    static sw_s3_location parsed;
    if (sw_obj_join(probe, sizeof probe, loc, "x")) {
        *why = "too long";
        return 0;
    }
    return sw_s3_parse_uri(probe, &parsed, why) == SW_OK;
}

/* configure: reads and checks the load's own variables into L (no
 * network; the run id and ETL_WORK are sw_etl_env_open's). Returns 0 or
 * the exit code (2) after logging one line. */
static int configure(loader *L)
{
    const char *why = NULL;
    static const char *const req[] = {"ETL_WORK", "ETL_TABLE",
                                      "ETL_WAREHOUSE"};
    for (size_t i = 0; i < 3; i++)
        if (!sw_env(req[i])) {
            sw_log_msgf(SW_LOG_ERROR, "configuration: %s is required",
                        req[i]);
            return SW_EXIT_BAD_INPUT;
        }
    L->work = sw_env("ETL_WORK");
    L->table = sw_env("ETL_TABLE");
    L->warehouse = sw_env("ETL_WAREHOUSE");
    if (!sw_ddb_table_name_valid(L->table)) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: ETL_TABLE is not a table "
                    "name (3 to 255 of A-Z a-z 0-9 _ . -)");
        return SW_EXIT_BAD_INPUT;
    }
    if (!location_ok(L->work, &why) || !location_ok(L->warehouse, &why)) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: %s: %s",
                    location_ok(L->work, &why) ? "ETL_WAREHOUSE" : "ETL_WORK",
                    why);
        return SW_EXIT_BAD_INPUT;
    }
    /* the one rule etl-extract's "{date}" follows too (sw/runid.h) */
    if (sw_run_date_from_env("ETL_RUN_DATE", L->run_date, &why) != SW_OK) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: ETL_RUN_DATE %s", why);
        return SW_EXIT_BAD_INPUT;
    }
    const char *dl = sw_env("ETL_WRITE_DEADLINE_SECONDS");
    L->deadline_ms = 60000;
    if (dl) {
        char *end = NULL;
        long v = strtol(dl, &end, 10);
        if (*end || v < 1 || v > 3600) {
            sw_log_msgf(SW_LOG_ERROR, "configuration: "
                        "ETL_WRITE_DEADLINE_SECONDS must be 1..3600");
            return SW_EXIT_BAD_INPUT;
        }
        L->deadline_ms = v * 1000;
    }
    return 0;
}

/* clients: the DynamoDB client and, when a location is on S3, a second S3
 * client for the writes (env holds the one for reads); libcurl and the
 * credentials too when sw_etl_env_open did not need them. Returns 0 or the
 * exit code. */
static int clients(loader *L)
{
    if (!L->env.http_up) {
        if (sw_http_global_init() != SW_OK) {
            sw_log_msgf(SW_LOG_ERROR, "cannot initialise libcurl");
            return SW_EXIT_INTERNAL;
        }
        L->http_up = 1;
    }
    sw_creds_provider *creds = L->env.creds;
    if (!creds) {
        sw_result rc = sw_creds_provider_new(NULL, &L->creds);
        if (rc != SW_OK) {
            sw_log_msgf(SW_LOG_ERROR, "configuration: %s", sw_result_str(rc));
            return sw_exit_code_for(rc);
        }
        creds = L->creds;
    }
    int code = sw_worker_client(&sw_ddb_service, creds, &L->ddb);
    L->s3w = L->env.s3_out; /* writes while a read streams on env.s3 */
    return code;
}

/* main: checks the environment before any network traffic (exit 2), makes
 * the clients, runs. */
int main(void)
{
    sw_log_init("etl-load", SW_LOG_INFO, NULL);
    static loader L;
    int code = configure(&L);
    if (code)
        return code;
    const char *const extra[] = {L.warehouse};
    code = sw_etl_env_open(&L.env, extra, 1);
    L.run_id = L.env.run_id;
    if (!code)
        code = clients(&L);
    if (!code)
        code = run(&L);
    sw_aws_client_free(L.ddb);
    sw_creds_provider_free(L.creds);
    sw_etl_env_close(&L.env);
    if (L.http_up)
        sw_http_global_cleanup();
    return code;
}
