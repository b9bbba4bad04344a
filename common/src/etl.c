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

/* sw_etl_expand: see sw/etl.h. Returns SW_OK, SW_E_CONFIG or
 * SW_E_OVERFLOW. */
sw_result sw_etl_expand(const char *tmpl, const char *date, char *out,
                        size_t cap, const char **why)
{
    static const char ph[] = "{date}";
    size_t o = 0;
    sw_result rc = SW_OK;
    for (const char *p = tmpl; *p && rc == SW_OK;) {
        const char *piece = p;
        size_t n = 1;
        if (*p == '{') {
            const char *close = strchr(p, '}');
            if (!close) {
                *why = "has a '{' without its '}' (the only placeholder is "
                       "{date})";
                rc = SW_E_CONFIG;
                break;
            }
            if ((size_t)(close + 1 - p) != sizeof ph - 1 ||
                memcmp(p, ph, sizeof ph - 1) != 0) {
                *why = "has an unknown placeholder (the only one is {date})";
                rc = SW_E_CONFIG;
                break;
            }
            if (!date) {
                *why = "has {date} but no run date is known";
                rc = SW_E_CONFIG;
                break;
            }
            piece = date;
            n = strlen(date);
            p = close + 1;
        } else {
            p++;
        }
        if (cap == 0 || n >= cap - o) {
            *why = "is too long";
            rc = SW_E_OVERFLOW;
            break;
        }
        memcpy(out + o, piece, n);
        o += n;
    }
    /* a half-expanded location is never handed on */
    if (cap)
        out[rc == SW_OK ? o : 0] = '\0';
    return rc;
}

/* sw_etl_env_location: see sw/etl.h. Returns 0 or 2. */
int sw_etl_env_location(const char *name, char out[SW_OBJ_URI_MAX])
{
    out[0] = '\0';
    const char *v = sw_env(name);
    if (!v) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: %s (a directory or "
                    "s3://bucket/prefix) is required", name);
        return SW_EXIT_BAD_INPUT;
    }
    char date[SW_RUN_DATE_LEN + 1];
    const char *why = NULL;
    if (strstr(v, "{date}") &&
        sw_run_date_from_env("ETL_RUN_DATE", date, &why) != SW_OK) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: %s has {date} but "
                    "ETL_RUN_DATE %s", name, why);
        return SW_EXIT_BAD_INPUT;
    }
    if (sw_etl_expand(v, strstr(v, "{date}") ? date : NULL, out,
                      SW_OBJ_URI_MAX, &why) != SW_OK) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: %s %s", name, why);
        return SW_EXIT_BAD_INPUT;
    }
    return 0;
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
