/* sw/etl.h - what the ETL stages (etl-extract, etl-transform, etl-load) do
 * the same way: read their common environment (ETL_RUN_ID, ETL_WORK), make
 * the S3 clients (one to read, one to write) when a location is s3://, stream a CSV object through the
 * CSV reader, write a small object atomically, and turn a failure into one
 * log line and the contract's exit code.
 * The contract: workers/etl-transform/AGGREGATES.md. */
#ifndef SW_ETL_H
#define SW_ETL_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>

#include "sw/aws.h"
#include "sw/creds.h"
#include "sw/csv.h"
#include "sw/error.h"
#include "sw/objstore.h"
#include "sw/runid.h"

typedef struct sw_etl_env {
    char run_id[SW_RUN_ID_MAX + 1];
    char run_root[SW_OBJ_URI_MAX]; /* R = $ETL_WORK/$ETL_RUN_ID */
    sw_creds_provider *creds;      /* NULL unless something is on S3 */
    sw_aws_client *s3;             /* NULL unless something is on S3 */
    /* A second S3 client for writes: an sw_aws_client is one connection
     * and cannot start a request (an upload part) from inside the body
     * callback of a read it is streaming, which is what a stage writing
     * while it reads does. Read with s3, write with s3_out. */
    sw_aws_client *s3_out;
    bool http_up;
} sw_etl_env;

/* sw_etl_env_open: reads ETL_RUN_ID (or WORKFLOW_RUN_ID) and ETL_WORK; the
 * n locations in extra (values of other variables, e.g. ETL_INPUT, may
 * include NULL = unset) only decide whether an S3 client is needed. Logs a
 * configuration problem as one line. Returns 0 or the exit code; *e is
 * always safe to sw_etl_env_close. */
int sw_etl_env_open(sw_etl_env *e, const char *const *extra, size_t n);

/* sw_etl_env_close: frees the clients and libcurl's globals. */
void sw_etl_env_close(sw_etl_env *e);

/* sw_etl_expand: tmpl (a location from the environment) with every
 * "{date}" replaced by date (YYYY-MM-DD; NULL = no run date known) into
 * out (cap bytes), so a daily run reads that day's files
 * (".../raw/dt={date}"). Any other "{...}" and a '{' never closed are
 * refused, not copied: a typo must not silently read a literal prefix.
 * A lone '}' is an ordinary byte. Returns SW_OK; SW_E_CONFIG with *why set
 * to a static reason that reads after the variable's name (an unknown
 * placeholder, an unclosed '{', "{date}" with date NULL); or SW_E_OVERFLOW
 * (out too small; *why "is too long"). */
sw_result sw_etl_expand(const char *tmpl, const char *date, char *out,
                        size_t cap, const char **why);

/* sw_etl_env_location: $name (a directory or s3://bucket/prefix) with
 * "{date}" replaced by the run date (sw_run_date_from_env("ETL_RUN_DATE"),
 * the rule etl-load partitions by) into out. The run date is needed, and
 * so checked, only when the value holds "{date}". Logs a problem as one
 * line. Returns 0 or the exit code (2: unset, a bad placeholder, no run
 * date, too long). */
int sw_etl_env_location(const char *name, char out[SW_OBJ_URI_MAX]);

/* sw_etl_path: out = "<R>/<sub>" (sub may hold '/'). Returns SW_OK or
 * SW_E_OVERFLOW. */
sw_result sw_etl_path(const sw_etl_env *e, const char *sub,
                      char out[SW_OBJ_URI_MAX]);

/* What one streamed CSV read saw. */
typedef struct sw_etl_csv_stats {
    uint64_t bytes;      /* input bytes */
    bool bom;            /* began with a UTF-8 BOM */
    uint64_t open_quote; /* line of a quote still open at the end, or 0 */
} sw_etl_csv_stats;

/* sw_etl_read_csv: streams the object at loc through a CSV parser (opt
 * may be NULL) calling fn(ctx, record) per record. Returns SW_OK; the
 * callback's result; SW_E_INVALID with st->open_quote set for a quote still
 * open at the end; or sw_obj_read's failure (err filled). */
sw_result sw_etl_read_csv(sw_aws_client *s3, const char *loc,
                          const sw_csv_options *opt, sw_csv_record_fn fn,
                          void *ctx, sw_etl_csv_stats *st, sw_aws_error *err);

/* sw_etl_put: writes data as the whole object at loc, atomically. Returns
 * SW_OK or the writer's failure (err filled). */
sw_result sw_etl_put(sw_aws_client *s3, const char *loc, sw_cursor data,
                     const char *content_type, sw_aws_error *err);

/* sw_etl_put_json: sw_etl_put of doc printed (formatted, LF-terminated).
 * Returns SW_OK, SW_E_NOMEM or the write's failure. */
sw_result sw_etl_put_json(sw_aws_client *s3, const char *loc,
                          const cJSON *doc, sw_aws_error *err);

/* sw_etl_failure: logs "<what> failed (...)": an AWS answer through
 * sw_worker_aws_failure, anything else with err->message. Returns the exit
 * code (sw_aws_exit_code). */
int sw_etl_failure(const char *what, sw_result rc, const sw_aws_error *err);

#endif
