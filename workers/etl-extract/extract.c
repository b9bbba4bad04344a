/* extract.c - one raw Olist file validated into stage and rejects
 * (extract.h). Rows are handled one at a time as the CSV reader produces
 * them; the only state that grows with the file is the set of keys seen
 * (16 bytes per id in an open-addressing table). */
#include "extract.h"

#include <stdio.h>
#include <string.h>

#include "sw/csv.h"
#include "sw/etl.h"
#include "sw/exit.h"
#include "sw/hashmap.h"
#include "sw/log.h"
#include "sw/objstore.h"

/* Output is handed to the writers in pieces of about this size. */
#define EX_FLUSH_BYTES (1u << 20)

typedef struct ex_ctx {
    const sw_olist_file *f;
    sw_obj_writer *stage, *rej;
    sw_buf out, rbuf, scratch;
    sw_idmap ids;      /* keys seen (id-keyed files) */
    sw_strmap names;   /* keys seen (the translation's category names) */
    ex_stats st;
    bool header_seen;
    char fatal[512];   /* why the file is refused (bad header) */
    sw_result wrc;     /* a failed write */
    sw_aws_error werr;
    const char *wloc;
} ex_ctx;

/* flush: hands buf to w when it holds at least min bytes. Returns SW_OK or
 * the write's failure (recorded in the context). */
static sw_result flush(ex_ctx *c, sw_obj_writer *w, sw_buf *buf, size_t min,
                       const char *loc)
{
    if (buf->len < min || !buf->len)
        return SW_OK;
    sw_result rc = sw_obj_writer_write(w, sw_cursor_from_buf(buf), &c->werr);
    sw_buf_reset(buf);
    if (rc) {
        c->wrc = rc;
        c->wloc = loc;
    }
    return rc;
}

/* on_header: checks the header record and writes both headers. Returns
 * SW_OK, or SW_E_INVALID with c->fatal set. */
static sw_result on_header(ex_ctx *c, const sw_csv_record *rec)
{
    c->header_seen = true;
    if (rec->flaw) {
        snprintf(c->fatal, sizeof c->fatal, "%s: malformed header (%s)",
                 c->f->name, sw_csv_flaw_text(rec->flaw));
        return SW_E_INVALID;
    }
    if (sw_olist_check_header(c->f, rec->fields, rec->nfields, c->fatal,
                              sizeof c->fatal))
        return SW_E_INVALID;
    sw_result rc = SW_OK;
    for (size_t i = 0; i < c->f->ncols && !rc; i++) {
        if (i)
            rc = sw_buf_append_byte(&c->out, ',');
        if (!rc)
            rc = sw_buf_append_cstr(&c->out, c->f->cols[i].name);
    }
    if (!rc)
        rc = sw_buf_append_byte(&c->out, '\n');
    if (!rc)
        rc = sw_buf_append_cstr(&c->rbuf, "line,reason,record\n");
    return rc;
}

/* is_duplicate: checks the record's key against the keys accepted so far
 * and remembers it. Returns SW_OK with *dup set, or SW_E_NOMEM. */
static sw_result is_duplicate(ex_ctx *c, const sw_csv_record *rec, bool *dup)
{
    *dup = false;
    if (c->f->key < 0)
        return SW_OK;
    sw_cursor k = rec->fields[c->f->key];
    if (c->f->cols[c->f->key].type == SW_OLIST_ID) {
        uint8_t id[16];
        if (sw_olist_parse_id(k, id)) /* validated already */
            return SW_E_INVALID;
        return sw_idmap_put(&c->ids, id, 0, dup, NULL);
    }
    uint32_t idx;
    bool added = false;
    sw_result rc = sw_strmap_intern(&c->names, k, &idx, &added);
    *dup = !added;
    return rc;
}

/* reject: appends "line,reason,record" for rec to the rejects buffer; the
 * record is its fields re-encoded as CSV, as one field. Returns SW_OK or
 * SW_E_NOMEM. */
static sw_result reject(ex_ctx *c, const sw_csv_record *rec,
                        const char *reason)
{
    c->st.rejected++;
    sw_buf_reset(&c->scratch);
    sw_result rc = sw_csv_append_record(&c->scratch, rec->fields,
                                        rec->nfields, ',');
    if (!rc && c->scratch.len) /* drop the record's LF */
        c->scratch.len--;
    if (!rc)
        rc = sw_buf_appendf(&c->rbuf, "%llu,",
                            (unsigned long long)rec->line);
    if (!rc)
        rc = sw_csv_append_field(&c->rbuf, sw_cursor_from_cstr(reason), ',');
    if (!rc)
        rc = sw_buf_append_byte(&c->rbuf, ',');
    if (!rc)
        rc = sw_csv_append_field(&c->rbuf, sw_cursor_from_buf(&c->scratch),
                                 ',');
    if (!rc)
        rc = sw_buf_append_byte(&c->rbuf, '\n');
    return rc;
}

/* append_accepted: the record as a stage row. Fields of the non-text
 * types were validated to hold no byte CSV must quote, so they are copied
 * as they are (one reserve per record, the hot path); text fields go
 * through the CSV writer. Returns SW_OK or SW_E_NOMEM. */
static sw_result append_accepted(ex_ctx *c, const sw_csv_record *rec)
{
    size_t need = rec->nfields;
    for (size_t i = 0; i < rec->nfields; i++)
        need += rec->fields[i].len;
    sw_buf *b = &c->out;
    sw_result rc = sw_buf_reserve(b, need);
    for (size_t i = 0; i < rec->nfields && !rc; i++) {
        sw_cursor f = rec->fields[i];
        sw_olist_type t = c->f->cols[i].type;
        if (t == SW_OLIST_TEXT || t == SW_OLIST_TEXT_OPT ||
            t == SW_OLIST_NAME) {
            rc = sw_csv_append_field(b, f, ',');
            if (!rc)
                rc = sw_buf_append_byte(b, i + 1 < rec->nfields ? ',' : '\n');
            continue;
        }
        /* room is there unless a quoted text field took it */
        if (b->cap - b->len < f.len + 2 && (rc = sw_buf_reserve(b, f.len + 1)))
            break;
        if (f.len)
            memcpy(b->ptr + b->len, f.ptr, f.len);
        b->len += f.len;
        b->ptr[b->len++] = i + 1 < rec->nfields ? ',' : '\n';
        b->ptr[b->len] = '\0';
    }
    return rc;
}

/* raw_span: the length of the record's bytes as they lie in memory when
 * its fields follow one another each with a single comma after it (an
 * unquoted record parsed in place, the common case), or 0. Those bytes
 * are then exactly the fields joined by commas. */
static size_t raw_span(const sw_csv_record *rec)
{
    const sw_cursor *f = rec->fields;
    size_t n = rec->nfields;
    for (size_t i = 0; i + 1 < n; i++)
        if (f[i + 1].ptr != f[i].ptr + f[i].len + 1 ||
            f[i].ptr[f[i].len] != ',')
            return 0;
    return (size_t)(f[n - 1].ptr - f[0].ptr) + f[n - 1].len;
}

/* append_plain: the record as a stage row when no field needs quoting
 * (plain): its bytes copied as one block when they lie joined by commas,
 * else field by field. Returns SW_OK or SW_E_NOMEM. */
static sw_result append_plain(ex_ctx *c, const sw_csv_record *rec)
{
    size_t span = rec->nfields > 1 ? raw_span(rec) : 0;
    if (!span)
        return append_accepted(c, rec);
    sw_buf *b = &c->out;
    if (b->cap - b->len < span + 2) {
        sw_result rc = sw_buf_reserve(b, span + 1);
        if (rc)
            return rc;
    }
    memcpy(b->ptr + b->len, rec->fields[0].ptr, span);
    b->len += span;
    b->ptr[b->len++] = '\n';
    b->ptr[b->len] = '\0';
    return SW_OK;
}

/* on_record: the CSV reader's callback: the header, then each record
 * accepted or rejected. Returns SW_OK, SW_E_INVALID (file refused), or a
 * memory or write failure. */
static sw_result on_record(void *ctx, const sw_csv_record *rec)
{
    ex_ctx *c = ctx;
    if (!c->header_seen)
        return on_header(c, rec);
    c->st.rows++;
    char why[256];
    bool plain = false;
    sw_result rc = SW_OK;
    if (rec->flaw) {
        rc = reject(c, rec, sw_csv_flaw_text(rec->flaw));
    } else if (sw_olist_check_record_csv(c->f, rec->fields, rec->nfields,
                                         &plain, why, sizeof why)) {
        rc = reject(c, rec, why);
    } else {
        bool dup = false;
        rc = is_duplicate(c, rec, &dup);
        if (!rc && dup) {
            snprintf(why, sizeof why, "duplicate %s",
                     c->f->cols[c->f->key].name);
            rc = reject(c, rec, why);
        } else if (!rc) {
            c->st.accepted++;
            rc = plain ? append_plain(c, rec) : append_accepted(c, rec);
        }
    }
    /* the sizes tested here first: flush is a call, once per record */
    if (!rc && c->out.len >= EX_FLUSH_BYTES)
        rc = flush(c, c->stage, &c->out, EX_FLUSH_BYTES, "stage");
    if (!rc && c->rbuf.len >= EX_FLUSH_BYTES)
        rc = flush(c, c->rej, &c->rbuf, EX_FLUSH_BYTES, "rejects");
    return rc;
}

/* finish: writes what is buffered and commits both objects. Returns SW_OK
 * or the failure (recorded in the context). */
static sw_result finish(ex_ctx *c, const char *stage, const char *rejects)
{
    sw_result rc = flush(c, c->stage, &c->out, 0, stage);
    if (!rc)
        rc = flush(c, c->rej, &c->rbuf, 0, rejects);
    if (rc)
        return rc;
    rc = sw_obj_writer_commit(c->stage, &c->werr);
    c->stage = NULL;
    if (rc) {
        c->wrc = rc;
        c->wloc = stage;
        return rc;
    }
    rc = sw_obj_writer_commit(c->rej, &c->werr);
    c->rej = NULL;
    if (rc) {
        c->wrc = rc;
        c->wloc = rejects;
    }
    return rc;
}

/* outcome: the exit code for a run that ended with rc (0 for SW_OK), the
 * refusal or failure logged as one line. */
static int outcome(ex_ctx *c, sw_result rc, const char *in,
                   const sw_etl_csv_stats *cs, const sw_aws_error *rerr)
{
    char what[SW_OBJ_URI_MAX + 64];
    if (rc == SW_OK && !c->header_seen) {
        sw_log_msgf(SW_LOG_ERROR, "%s: empty file, no header (exit 2)",
                    c->f->name);
        return SW_EXIT_BAD_INPUT;
    }
    if (rc == SW_OK)
        return 0;
    if (c->fatal[0]) {
        sw_log_msgf(SW_LOG_ERROR, "%s (exit 2)", c->fatal);
        return SW_EXIT_BAD_INPUT;
    }
    if (c->wrc) {
        snprintf(what, sizeof what, "%s: write %s", c->f->name,
                 c->wloc ? c->wloc : "output");
        return sw_etl_failure(what, c->wrc, &c->werr);
    }
    if (rc == SW_E_INVALID && cs->open_quote) {
        sw_log_msgf(SW_LOG_ERROR, "%s: unterminated quote opened at line "
                    "%llu (exit 2)", c->f->name,
                    (unsigned long long)cs->open_quote);
        return SW_EXIT_BAD_INPUT;
    }
    if (rc == SW_E_IO) { /* a local file missing or unreadable */
        sw_log_msgf(SW_LOG_ERROR, "%s: missing or unreadable (exit 2): %s",
                    c->f->name, rerr->message);
        return SW_EXIT_BAD_INPUT;
    }
    snprintf(what, sizeof what, "%s: read %s", c->f->name, in);
    return sw_etl_failure(what, rc, rerr);
}

/* ex_file_run: see extract.h. */
int ex_file_run(sw_aws_client *s3, sw_aws_client *s3_out,
                const sw_olist_file *f, const char *in, const char *stage,
                const char *rejects, ex_stats *st)
{
    ex_ctx c;
    memset(&c, 0, sizeof c);
    c.f = f;
    memset(st, 0, sizeof *st);
    sw_aws_error rerr;
    memset(&rerr, 0, sizeof rerr);
    sw_etl_csv_stats cs;
    memset(&cs, 0, sizeof cs);
    sw_result rc = f->key >= 0 && f->cols[f->key].type == SW_OLIST_ID
                       ? sw_idmap_init(&c.ids, 1024) : SW_OK;
    if (!rc) {
        rc = sw_obj_writer_open(s3_out, stage, NULL, &c.stage, &c.werr);
        if (rc) {
            c.wrc = rc;
            c.wloc = stage;
        }
    }
    if (!rc) {
        rc = sw_obj_writer_open(s3_out, rejects, NULL, &c.rej, &c.werr);
        if (rc) {
            c.wrc = rc;
            c.wloc = rejects;
        }
    }
    if (!rc)
        rc = sw_etl_read_csv(s3, in, NULL, on_record, &c, &cs, &rerr);
    if (!rc && c.header_seen)
        rc = finish(&c, stage, rejects);
    sw_obj_writer_abort(c.stage);
    sw_obj_writer_abort(c.rej);
    c.st.bytes = cs.bytes;
    c.st.bom = cs.bom;
    *st = c.st;
    int code = outcome(&c, rc, in, &cs, &rerr);
    sw_buf_free(&c.out);
    sw_buf_free(&c.rbuf);
    sw_buf_free(&c.scratch);
    sw_idmap_free(&c.ids);
    sw_strmap_free(&c.names);
    return code;
}
