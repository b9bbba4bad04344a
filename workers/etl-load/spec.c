/* spec.c - the six aggregates' columns and their DynamoDB items (spec.h). */
#include "spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw/csv.h"
#include "sw/dynamodb.h"
#include "sw/olist.h"

/* Bits for el_spec.number. */
#define N(i) (1u << (i))

static const el_spec SPECS[] = {
    {"daily_state",
     {"dt", "customer_state", "orders", "items", "revenue_cents",
      "freight_cents"}, 6, 1, 1, 0, N(2) | N(3) | N(4) | N(5)},
    {"daily_category",
     {"dt", "category", "orders", "items", "revenue_cents", "freight_cents"},
     6, 1, 1, 0, N(2) | N(3) | N(4) | N(5)},
    {"payment_mix", {"payment_type", "payments", "orders", "value_cents"}, 4,
     0, -1, 0, N(1) | N(2) | N(3)},
    {"delivery_delay_state",
     {"customer_state", "delivered_orders", "late_orders", "sum_delay_days",
      "p50_delay_days", "p90_delay_days", "p99_delay_days"}, 7, 0, -1, 0,
     N(1) | N(2) | N(3) | N(4) | N(5) | N(6)},
    {"seller_ranking",
     {"rank", "seller_id", "seller_state", "orders", "items",
      "revenue_cents"}, 6, 0, -1, 0, N(0) | N(3) | N(4) | N(5)},
    {"category_reviews",
     {"category", "reviews", "score_sum", "avg_score_milli"}, 4, 0, -1, 0,
     N(1) | N(2) | N(3)},
};

/* el_specs: see spec.h. */
const el_spec *el_specs(size_t *n)
{
    *n = sizeof SPECS / sizeof SPECS[0];
    return SPECS;
}

/* el_date_valid: YYYY-MM-DD with a real month and day (leap years
 * included), by the same parser extract uses. Returns 1 or 0. */
int el_date_valid(sw_cursor c)
{
    return sw_olist_parse_date(c, NULL) == SW_OK;
}

/* integer_ok: true for an optional '-' and 1 to 38 digits (DynamoDB's
 * precision), no leading zero except "0" itself. */
static int integer_ok(sw_cursor c)
{
    size_t i = c.len && c.ptr[0] == '-' ? 1 : 0, nd = c.len - i;
    if (nd < 1 || nd > 38 || (nd > 1 && c.ptr[i] == '0'))
        return 0;
    for (; i < c.len; i++)
        if (c.ptr[i] < '0' || c.ptr[i] > '9')
            return 0;
    return !(c.len == 2 && c.ptr[0] == '-' && c.ptr[1] == '0');
}

/* text_ok: true for non-empty valid UTF-8 without control bytes (a key
 * part or a label; the contract says they need no quoting). */
static int text_ok(sw_cursor c)
{
    if (c.len == 0 || !sw_utf8_valid(c))
        return 0;
    for (size_t i = 0; i < c.len; i++)
        if ((unsigned char)c.ptr[i] < 0x20 || c.ptr[i] == 0x7f)
            return 0;
    return 1;
}

/* el_check_header: see spec.h. */
sw_result el_check_header(const el_spec *spec, const sw_cursor *fields,
                          size_t n, char why[EL_WHY_LEN])
{
    for (size_t i = 0; i < spec->ncols; i++) {
        if (i >= n) {
            snprintf(why, EL_WHY_LEN, "header has %zu columns, expected %zu "
                     "(missing \"%s\")", n, spec->ncols, spec->columns[i]);
            return SW_E_INVALID;
        }
        if (!sw_cursor_eq_cstr(fields[i], spec->columns[i])) {
            snprintf(why, EL_WHY_LEN, "header column %zu is \"%.*s\", "
                     "expected \"%s\"", i + 1,
                     (int)(fields[i].len > 64 ? 64 : fields[i].len),
                     fields[i].ptr, spec->columns[i]);
            return SW_E_INVALID;
        }
    }
    if (n != spec->ncols) {
        snprintf(why, EL_WHY_LEN, "header has %zu columns, expected %zu", n,
                 spec->ncols);
        return SW_E_INVALID;
    }
    return SW_OK;
}

/* add_string: item[name] = {"S": c}. Returns 1, or 0 when out of memory. */
static int add_string(cJSON *item, const char *name, sw_cursor c)
{
    char *s = sw_strdup_cursor(c);
    cJSON *v = s ? sw_ddb_string(s) : NULL;
    free(s);
    return v && cJSON_AddItemToObject(item, name, v);
}

/* el_row_item: see spec.h. */
sw_result el_row_item(const el_spec *spec, const sw_cursor *fields, size_t n,
                      const char *run_id, const char *run_date,
                      cJSON **item_out, char why[EL_WHY_LEN])
{
    *item_out = NULL;
    if (n != spec->ncols) {
        snprintf(why, EL_WHY_LEN, "%zu fields, expected %zu", n, spec->ncols);
        return SW_E_INVALID;
    }
    for (size_t i = 0; i < n; i++) {
        int bad = (spec->number & N(i)) ? !integer_ok(fields[i])
                                        : !text_ok(fields[i]);
        if (!bad && spec->daily && i == 0)
            bad = !el_date_valid(fields[0]);
        if (bad) {
            snprintf(why, EL_WHY_LEN, "column %s: \"%.*s\" is not %s",
                     spec->columns[i],
                     (int)(fields[i].len > 64 ? 64 : fields[i].len),
                     fields[i].ptr,
                     (spec->number & N(i)) ? "an integer"
                     : (spec->daily && i == 0) ? "a date YYYY-MM-DD"
                     : "non-empty text without control characters");
            return SW_E_INVALID;
        }
    }
    /* The key: daily rows by their label and day, the rest by the run
     * date and their key column (seller_ranking's rank zero-padded so the
     * sort key orders like the number). */
    sw_buf pk = SW_BUF_INIT, sk = SW_BUF_INIT;
    sw_result rc = sw_buf_appendf(&pk, "%s#", spec->name);
    if (spec->daily) {
        if (!rc)
            rc = sw_buf_append_cursor(&pk, fields[spec->pk_col]);
        if (!rc)
            rc = sw_buf_append_cursor(&sk, fields[0]);
    } else {
        if (!rc)
            rc = sw_buf_append_cstr(&pk, run_date);
        sw_cursor k = fields[spec->sk_col];
        if (!rc && (spec->number & N(spec->sk_col))) {
            if (k.ptr[0] == '-' || k.len > EL_RANK_DIGITS) {
                snprintf(why, EL_WHY_LEN, "column %s: \"%.*s\" is not 0 to "
                         "%d digits", spec->columns[spec->sk_col], (int)k.len,
                         k.ptr, EL_RANK_DIGITS);
                rc = SW_E_INVALID;
            }
            for (size_t i = k.len; !rc && i < EL_RANK_DIGITS; i++)
                rc = sw_buf_append_byte(&sk, '0');
        }
        if (!rc)
            rc = sw_buf_append_cursor(&sk, k);
    }
    if (!rc && (pk.len > 2 * EL_KEY_MAX || sk.len > EL_KEY_MAX)) {
        snprintf(why, EL_WHY_LEN, "key longer than DynamoDB allows "
                 "(pk %zu, sk %zu bytes)", pk.len, sk.len);
        rc = SW_E_INVALID;
    }
    cJSON *item = rc ? NULL : cJSON_CreateObject();
    if (!rc && !item)
        rc = SW_E_NOMEM;
    if (!rc && !(add_string(item, "pk", sw_cursor_from_buf(&pk)) &&
                 add_string(item, "sk", sw_cursor_from_buf(&sk)) &&
                 add_string(item, "aggregate", sw_cursor_from_cstr(spec->name)) &&
                 add_string(item, "run_id", sw_cursor_from_cstr(run_id)) &&
                 (spec->daily ||
                  add_string(item, "dt", sw_cursor_from_cstr(run_date)))))
        rc = SW_E_NOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        if (!(spec->number & N(i))) {
            if (!add_string(item, spec->columns[i], fields[i]))
                rc = SW_E_NOMEM;
            continue;
        }
        char num[48];
        snprintf(num, sizeof num, "%.*s", (int)fields[i].len, fields[i].ptr);
        cJSON *v = sw_ddb_number(num);
        if (!v || !cJSON_AddItemToObject(item, spec->columns[i], v)) {
            cJSON_Delete(v);
            rc = SW_E_NOMEM;
        }
    }
    sw_buf_free(&pk);
    sw_buf_free(&sk);
    if (rc && rc != SW_E_INVALID)
        snprintf(why, EL_WHY_LEN, "out of memory");
    if (rc) {
        cJSON_Delete(item);
        return rc;
    }
    *item_out = item;
    return SW_OK;
}

/* el_row_file: see spec.h. */
sw_result el_row_file(const el_spec *spec, const sw_cursor *fields, int header,
                      sw_buf *out)
{
    sw_cursor cols[EL_COLS_MAX];
    size_t first = spec->daily ? 1 : 0, n = 0;
    for (size_t i = first; i < spec->ncols; i++)
        cols[n++] = header ? sw_cursor_from_cstr(spec->columns[i])
                           : fields[i];
    return sw_csv_append_record(out, cols, n, ',');
}
