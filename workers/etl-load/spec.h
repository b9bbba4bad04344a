/* spec.h - etl-load's knowledge of the six aggregates (AGGREGATES.md): their
 * columns, which are numbers, how a row becomes a DynamoDB item with a
 * deterministic key, and which day partition it belongs to. Pure functions
 * (no I/O), unit-tested in tests/unit/test_etl_load_spec.c. */
#ifndef EL_SPEC_H
#define EL_SPEC_H

#include <stddef.h>

#include <cJSON.h>

#include "sw/buf.h"
#include "sw/error.h"

enum {
    EL_COLS_MAX = 8,
    EL_WHY_LEN = 256,
    EL_KEY_MAX = 1024, /* DynamoDB's sort key limit (bytes); pk: 2048 */
    EL_RANK_DIGITS = 8 /* seller_ranking's sk: rank zero-padded */
};

typedef struct el_spec {
    const char *name;                 /* "daily_state": file and pk prefix */
    const char *columns[EL_COLS_MAX]; /* the header, in order */
    size_t ncols;
    int daily;       /* 1: column 0 is dt, the row's partition and sk */
    int pk_col;      /* daily: the column after "name#" in pk; else -1
                        (pk is "name#<run date>") */
    int sk_col;      /* non-daily: the column that is sk */
    unsigned number; /* bit i set: column i is an integer (N) */
} el_spec;

/* el_specs: the six aggregates in load order; *n gets the count. */
const el_spec *el_specs(size_t *n);

/* el_date_valid: true when c is YYYY-MM-DD, a real calendar date. */
int el_date_valid(sw_cursor c);

/* el_check_header: checks a header record against spec. Returns SW_OK or
 * SW_E_INVALID with why ("column 3 is \"x\", expected \"items\""). */
sw_result el_check_header(const el_spec *spec, const sw_cursor *fields,
                          size_t n, char why[EL_WHY_LEN]);

/* el_row_item: checks a data row (field count, integers, dates, non-empty
 * valid UTF-8 keys without control bytes) and builds its item (attribute
 * values): pk, sk, aggregate, run_id, dt, and every column by its name (S,
 * or N for integers). For a non-daily aggregate dt is run_date. Returns
 * SW_OK with *item_out (caller deletes), SW_E_INVALID with why, or
 * SW_E_NOMEM. */
sw_result el_row_item(const el_spec *spec, const sw_cursor *fields, size_t n,
                      const char *run_id, const char *run_date,
                      cJSON **item_out, char why[EL_WHY_LEN]);

/* el_row_file: appends the row as a warehouse line (LF-terminated CSV): a
 * daily aggregate without its dt column (the partition holds it), others
 * as is. header != 0 appends the header line instead (fields unused).
 * Returns SW_OK or SW_E_NOMEM. */
sw_result el_row_file(const el_spec *spec, const sw_cursor *fields, int header,
                      sw_buf *out);

#endif
