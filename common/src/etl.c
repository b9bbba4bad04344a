/* etl.c - the ETL stages' shared environment and I/O (sw/etl.h). */
#include "sw/etl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw/exit.h"
#include "sw/http.h"
#include "sw/log.h"
#include "sw/s3.h"
#include "sw/worker.h"

/* sw_etl_env_open: see sw/etl.h. */
int sw_etl_env_open(sw_etl_env *e, const char *const *extra, size_t n)
{
    memset(e, 0, sizeof *e);
    const char *why = NULL;
    if (sw_run_id_from_env("ETL_RUN_ID", e->run_id, &why) != SW_OK) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: ETL_RUN_ID %s", why);
        return SW_EXIT_BAD_INPUT;
    }
    const char *work = sw_env("ETL_WORK");
    if (!work) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: ETL_WORK (a directory or "
                    "s3://bucket/prefix) is required");
        return SW_EXIT_BAD_INPUT;
    }
    if (sw_obj_join(e->run_root, sizeof e->run_root, work, e->run_id)) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: ETL_WORK is too long");
        return SW_EXIT_BAD_INPUT;
    }
    bool s3 = sw_obj_is_s3(work);
    for (size_t i = 0; i < n; i++)
        s3 = s3 || (extra[i] && sw_obj_is_s3(extra[i]));
    if (!s3)
        return 0;
    if (sw_http_global_init() != SW_OK) {
        sw_log_msgf(SW_LOG_ERROR, "cannot initialise libcurl");
        return SW_EXIT_INTERNAL;
    }
    e->http_up = true;
    sw_result rc = sw_creds_provider_new(NULL, &e->creds);
    if (rc) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: %s", sw_result_str(rc));
        return sw_exit_code_for(rc);
    }
    int code = sw_worker_client(&sw_s3_service, e->creds, &e->s3);
    if (!code)
        code = sw_worker_client(&sw_s3_service, e->creds, &e->s3_out);
    return code;
}

/* sw_etl_env_close: see sw/etl.h. */
void sw_etl_env_close(sw_etl_env *e)
{
    sw_aws_client_free(e->s3);
    sw_aws_client_free(e->s3_out);
    sw_creds_provider_free(e->creds);
    if (e->http_up)
        sw_http_global_cleanup();
    memset(e, 0, sizeof *e);
}

/* sw_etl_path: see sw/etl.h. */
sw_result sw_etl_path(const sw_etl_env *e, const char *sub,
                      char out[SW_OBJ_URI_MAX])
{
    return sw_obj_join(out, SW_OBJ_URI_MAX, e->run_root, sub);
}

/* feed_sink: an sw_obj_read sink handing each chunk to the parser. Returns
 * sw_csv_feed's result. */
static sw_result feed_sink(void *ctx, sw_cursor chunk)
{
    return sw_csv_feed(ctx, chunk);
}

/* sw_etl_read_csv: see sw/etl.h. */
sw_result sw_etl_read_csv(sw_aws_client *s3, const char *loc,
                          const sw_csv_options *opt, sw_csv_record_fn fn,
                          void *ctx, sw_etl_csv_stats *st, sw_aws_error *err)
{
    memset(st, 0, sizeof *st);
    if (err)
        memset(err, 0, sizeof *err);
    sw_csv_parser *p = NULL;
    sw_result rc = sw_csv_new(opt, fn, ctx, &p);
    if (rc)
        return rc;
    rc = sw_obj_read(s3, loc, feed_sink, p, err);
    if (rc == SW_OK) {
        rc = sw_csv_finish(p);
        if (rc == SW_E_INVALID)
            st->open_quote = sw_csv_error_line(p);
    }
    st->bytes = sw_csv_bytes(p);
    st->bom = sw_csv_bom_seen(p);
    sw_csv_free(p);
    return rc;
}

/* sw_etl_put: see sw/etl.h. */
sw_result sw_etl_put(sw_aws_client *s3, const char *loc, sw_cursor data,
                     const char *content_type, sw_aws_error *err)
{
    sw_obj_writer *w = NULL;
    sw_obj_writer_options o = {.content_type = content_type};
    sw_result rc = sw_obj_writer_open(s3, loc, &o, &w, err);
    if (rc)
        return rc;
    rc = sw_obj_writer_write(w, data, err);
    if (rc) {
        sw_obj_writer_abort(w);
        return rc;
    }
    return sw_obj_writer_commit(w, err);
}

/* sw_etl_put_json: see sw/etl.h. */
sw_result sw_etl_put_json(sw_aws_client *s3, const char *loc,
                          const cJSON *doc, sw_aws_error *err)
{
    char *text = cJSON_Print(doc);
    if (!text)
        return SW_E_NOMEM;
    sw_buf b = SW_BUF_INIT;
    sw_result rc = sw_buf_append_cstr(&b, text);
    if (!rc)
        rc = sw_buf_append_byte(&b, '\n');
    free(text);
    if (!rc)
        rc = sw_etl_put(s3, loc, sw_cursor_from_buf(&b), "application/json",
                        err);
    sw_buf_free(&b);
    return rc;
}

/* sw_etl_failure: see sw/etl.h. */
int sw_etl_failure(const char *what, sw_result rc, const sw_aws_error *err)
{
    if (err && rc == SW_E_AWS)
        return sw_worker_aws_failure(what, rc, err);
    int code = err ? sw_aws_exit_code(rc, err) : sw_exit_code_for(rc);
    sw_log_msgf(SW_LOG_ERROR, "%s failed (exit %d): %s", what, code,
                err && err->message[0] ? err->message : sw_result_str(rc));
    return code;
}
