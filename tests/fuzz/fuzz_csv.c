/* fuzz_csv - libFuzzer target for the streaming CSV reader and the writer
 * (common/src/csv.c).
 *
 * The first 4 bytes choose the options (delimiter, max_fields,
 * max_record_bytes) and a split point; the rest is the CSV. Properties
 * checked on every input, beyond "no crash, no sanitizer report":
 * - the input gives the same records (every field's bytes, line, number,
 *   flaw), the same finish result and error line whole, cut in two at the
 *   chosen point, and fed byte by byte (the last is the byte-at-a-time
 *   path, the first mostly the zero-copy one: they must agree);
 * - records are numbered 1, 2, ...; lines never go back; no record has
 *   more than max_fields fields or more than max_record_bytes field bytes;
 * - the accepted records (no flaw), written again with
 *   sw_csv_append_record and read back, give the same fields. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sw/buf.h"
#include "sw/csv.h"

/* check: aborts (a libFuzzer crash) when cond is false. */
static void check(int cond)
{
    if (!cond)
        abort();
}

typedef struct sink {
    sw_buf all;      /* every record: line, number, flaw, fields */
    sw_buf accepted; /* accepted records' fields only (for the round trip) */
    sw_buf rewritten; /* accepted records written again as CSV */
    char delim;
    size_t max_fields, max_record;
    uint64_t last_line, records, accepted_n;
} sink;

/* put_u64: appends a number's 8 bytes. */
static void put_u64(sw_buf *b, uint64_t v)
{
    check(sw_buf_append(b, &v, sizeof v) == SW_OK);
}

/* put_fields: appends a record's fields, each length-prefixed. */
static void put_fields(sw_buf *b, const sw_csv_record *rec)
{
    put_u64(b, rec->nfields);
    for (size_t i = 0; i < rec->nfields; i++) {
        put_u64(b, rec->fields[i].len);
        check(sw_buf_append(b, rec->fields[i].ptr, rec->fields[i].len) == SW_OK);
    }
}

/* on_record: checks a record's invariants and records it. */
static sw_result on_record(void *ctx, const sw_csv_record *rec)
{
    sink *s = ctx;
    check(rec->number == ++s->records);
    check(rec->line >= s->last_line && rec->line >= 1);
    s->last_line = rec->line;
    check(rec->flaw <= SW_CSV_TOO_MANY);
    check(rec->nfields <= s->max_fields);
    check(rec->nfields >= 1 || rec->flaw != SW_CSV_OK);
    size_t bytes = 0;
    for (size_t i = 0; i < rec->nfields; i++) {
        check(rec->fields[i].ptr != NULL || rec->fields[i].len == 0);
        bytes += rec->fields[i].len;
    }
    check(bytes <= s->max_record);
    put_u64(&s->all, rec->line);
    put_u64(&s->all, (uint64_t)rec->flaw);
    put_fields(&s->all, rec);
    if (rec->flaw == SW_CSV_OK) {
        put_fields(&s->accepted, rec);
        s->accepted_n++;
        check(sw_csv_append_record(&s->rewritten, rec->fields, rec->nfields,
                                   s->delim) == SW_OK);
    }
    return SW_OK;
}

typedef struct result {
    sink s;
    sw_result finish;
    uint64_t error_line, bytes;
    bool bom;
} result;

/* run: parses data in chunks of `step` bytes (0: cut once at `cut`). */
static void run(const sw_csv_options *opt, const uint8_t *data, size_t size,
                size_t step, size_t cut, result *r)
{
    memset(r, 0, sizeof *r);
    r->s.delim = opt->delimiter;
    r->s.max_fields = opt->max_fields ? opt->max_fields : 256;
    r->s.max_record = opt->max_record_bytes ? opt->max_record_bytes : 1 << 20;
    sw_csv_parser *p = NULL;
    check(sw_csv_new(opt, on_record, &r->s, &p) == SW_OK);
    const char *d = (const char *)data;
    if (step) {
        for (size_t i = 0; i < size; i += step) {
            size_t n = size - i < step ? size - i : step;
            /* a private copy, so a cursor into an old chunk is caught */
            char *chunk = malloc(n);
            check(chunk != NULL);
            memcpy(chunk, d + i, n);
            check(sw_csv_feed(p, sw_cursor_from_mem(chunk, n)) == SW_OK);
            free(chunk);
        }
    } else {
        check(sw_csv_feed(p, sw_cursor_from_mem(d, cut)) == SW_OK);
        check(sw_csv_feed(p, sw_cursor_from_mem(d + cut, size - cut)) == SW_OK);
    }
    r->finish = sw_csv_finish(p);
    check(r->finish == SW_OK || r->finish == SW_E_INVALID);
    r->error_line = sw_csv_error_line(p);
    check((r->finish == SW_OK) == (r->error_line == 0));
    r->bytes = sw_csv_bytes(p);
    check(r->bytes == size);
    r->bom = sw_csv_bom_seen(p);
    sw_csv_free(p);
}

/* same: two runs agree on everything observable. */
static void same(const result *a, const result *b)
{
    check(a->finish == b->finish && a->error_line == b->error_line &&
          a->bom == b->bom && a->s.records == b->s.records);
    check(a->s.all.len == b->s.all.len &&
          (a->s.all.len == 0 || memcmp(a->s.all.ptr, b->s.all.ptr, a->s.all.len) == 0));
}

/* result_free: frees a run's buffers. */
static void result_free(result *r)
{
    sw_buf_free(&r->s.all);
    sw_buf_free(&r->s.accepted);
    sw_buf_free(&r->s.rewritten);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    static const char delims[] = {',', ';', '\t', '|', ' ', 'a', '\0', '\xff'};
    sw_csv_options opt = {delims[data[0] & 7],
                          data[0] & 8 ? (size_t)(data[1] % 8) + 1 : 0,
                          data[0] & 16 ? (size_t)(data[2] % 32) + 1 : 0};
    if (opt.delimiter == '\0')
        opt.delimiter = ','; /* 0 means ','; keep the writer's view equal */
    size_t cut = data[3];
    data += 4;
    size -= 4;
    if (cut > size)
        cut = size;

    result whole, split, bytewise;
    run(&opt, data, size, size ? size : 1, 0, &whole);
    run(&opt, data, size, 0, cut, &split);
    run(&opt, data, size, 1, 0, &bytewise);
    same(&whole, &split);
    same(&whole, &bytewise);

    /* round trip: the accepted records, written and read back */
    sw_csv_options ropt = {opt.delimiter, opt.max_fields, 0};
    result again;
    run(&ropt, (const uint8_t *)whole.s.rewritten.ptr, whole.s.rewritten.len,
        whole.s.rewritten.len ? whole.s.rewritten.len : 1, 0, &again);
    check(again.finish == SW_OK);
    check(again.s.accepted.len == whole.s.accepted.len &&
          (again.s.accepted.len == 0 ||
           memcmp(again.s.accepted.ptr, whole.s.accepted.ptr,
                  again.s.accepted.len) == 0));
    check(again.s.records == whole.s.accepted_n &&
          again.s.accepted_n == whole.s.accepted_n);

    result_free(&whole);
    result_free(&split);
    result_free(&bytewise);
    result_free(&again);
    return 0;
}
