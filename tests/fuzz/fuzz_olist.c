/* fuzz_olist - libFuzzer target for the Olist validators and parsers
 * (sw/olist.h) behind etl-extract and etl-transform.
 *
 * The input's first byte picks one of the 9 files; the rest is parsed as
 * CSV (sw/csv.h) and every record checked as extract does. Properties
 * checked beyond "no crash, no sanitizer report":
 * - a record sw_olist_check_record accepts has the file's field count and
 *   every field passes its column's validator; a refused one has a reason;
 * - an accepted id parses to 16 bytes whose hex is the field;
 * - an accepted ts parses to a day whose civil date is the field's first
 *   10 bytes, and seconds below 86400;
 * - accepted money parses to cents >= 0 whose text, with the field's
 *   leading zeros and trailing fraction digits normalised, is the field;
 * - an accepted int fits 32 bits. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw/csv.h"
#include "sw/olist.h"

/* check: aborts (a libFuzzer crash) when cond is false. */
static void check(int cond)
{
    if (!cond)
        abort();
}

/* check_money: the cents of an accepted money field match its text. */
static void check_money(sw_cursor f)
{
    int64_t cents = -1;
    check(sw_olist_parse_money(f, &cents) == SW_OK && cents >= 0);
    size_t dot = 0;
    while (dot < f.len && f.ptr[dot] != '.')
        dot++;
    int64_t units = 0, frac = 0;
    for (size_t i = 0; i < dot; i++)
        units = units * 10 + (f.ptr[i] - '0');
    if (dot < f.len) {
        frac = (f.ptr[dot + 1] - '0') * 10;
        if (dot + 2 < f.len)
            frac += f.ptr[dot + 2] - '0';
    }
    check(cents == units * 100 + frac);
}

/* check_field: the properties of one accepted field of type t. */
static void check_field(sw_olist_type t, sw_cursor f)
{
    check(sw_olist_field_valid(t, f));
    if (t == SW_OLIST_ID) {
        uint8_t id[16];
        char hex[33];
        check(sw_olist_parse_id(f, id) == SW_OK);
        sw_olist_id_hex(id, hex);
        check(f.len == 32 && memcmp(hex, f.ptr, 32) == 0);
    } else if ((t == SW_OLIST_TS || t == SW_OLIST_TS_OPT) && f.len) {
        int32_t days = 0, secs = -1;
        char d[11];
        check(sw_olist_parse_ts(f, &days, &secs) == SW_OK);
        sw_olist_civil_from_days(days, d);
        check(memcmp(d, f.ptr, 10) == 0 && secs >= 0 && secs < 86400);
    } else if (t == SW_OLIST_MONEY) {
        check_money(f);
    } else if ((t == SW_OLIST_INT || t == SW_OLIST_INT_OPT) && f.len) {
        uint32_t u;
        check(sw_olist_parse_uint(f, &u) == SW_OK);
    }
}

/* on_record: checks one record as extract does, then the properties. */
static sw_result on_record(void *ctx, const sw_csv_record *rec)
{
    const sw_olist_file *f = ctx;
    char why[256];
    why[0] = '\0';
    if (rec->number == 1)
        (void)sw_olist_check_header(f, rec->fields, rec->nfields, why,
                                    sizeof why);
    if (sw_olist_check_record(f, rec->fields, rec->nfields, why,
                              sizeof why) != SW_OK) {
        check(why[0] != '\0' && !strchr(why, '\n'));
        return SW_OK;
    }
    check(rec->nfields == f->ncols);
    for (size_t i = 0; i < rec->nfields; i++)
        check_field(f->cols[i].type, rec->fields[i]);
    return SW_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    const sw_olist_file *f = &sw_olist_files[data[0] % SW_OLIST_NFILES];
    sw_csv_parser *p = NULL;
    if (sw_csv_new(NULL, on_record, (void *)f, &p) != SW_OK)
        return 0;
    /* two chunks, so fields split across feeds are exercised too */
    size_t half = (size - 1) / 2;
    (void)sw_csv_feed(p, sw_cursor_from_mem(data + 1, half));
    (void)sw_csv_feed(p, sw_cursor_from_mem(data + 1 + half,
                                            size - 1 - half));
    (void)sw_csv_finish(p);
    sw_csv_free(p);
    return 0;
}
