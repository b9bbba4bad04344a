/* olist.c - the Olist files, validators and exact parsers (sw/olist.h). */
#include "sw/olist.h"

#include <stdio.h>
#include <string.h>

#define COLS(a) a, sizeof a / sizeof a[0]

static const sw_olist_column customers_cols[] = {
    {"customer_id", SW_OLIST_ID},
    {"customer_unique_id", SW_OLIST_ID},
    {"customer_zip_code_prefix", SW_OLIST_ZIP},
    {"customer_city", SW_OLIST_TEXT},
    {"customer_state", SW_OLIST_STATE},
};
static const sw_olist_column geolocation_cols[] = {
    {"geolocation_zip_code_prefix", SW_OLIST_ZIP},
    {"geolocation_lat", SW_OLIST_COORD},
    {"geolocation_lng", SW_OLIST_COORD},
    {"geolocation_city", SW_OLIST_TEXT},
    {"geolocation_state", SW_OLIST_STATE},
};
static const sw_olist_column items_cols[] = {
    {"order_id", SW_OLIST_ID},
    {"order_item_id", SW_OLIST_INT},
    {"product_id", SW_OLIST_ID},
    {"seller_id", SW_OLIST_ID},
    {"shipping_limit_date", SW_OLIST_TS},
    {"price", SW_OLIST_MONEY},
    {"freight_value", SW_OLIST_MONEY},
};
static const sw_olist_column payments_cols[] = {
    {"order_id", SW_OLIST_ID},
    {"payment_sequential", SW_OLIST_INT},
    {"payment_type", SW_OLIST_TEXT},
    {"payment_installments", SW_OLIST_INT},
    {"payment_value", SW_OLIST_MONEY},
};
static const sw_olist_column reviews_cols[] = {
    {"review_id", SW_OLIST_ID},
    {"order_id", SW_OLIST_ID},
    {"review_score", SW_OLIST_SCORE},
    {"review_comment_title", SW_OLIST_TEXT_OPT},
    {"review_comment_message", SW_OLIST_TEXT_OPT},
    {"review_creation_date", SW_OLIST_TS},
    {"review_answer_timestamp", SW_OLIST_TS},
};
static const sw_olist_column orders_cols[] = {
    {"order_id", SW_OLIST_ID},
    {"customer_id", SW_OLIST_ID},
    {"order_status", SW_OLIST_STATUS},
    {"order_purchase_timestamp", SW_OLIST_TS},
    {"order_approved_at", SW_OLIST_TS_OPT},
    {"order_delivered_carrier_date", SW_OLIST_TS_OPT},
    {"order_delivered_customer_date", SW_OLIST_TS_OPT},
    {"order_estimated_delivery_date", SW_OLIST_TS},
};
static const sw_olist_column products_cols[] = {
    {"product_id", SW_OLIST_ID},
    {"product_category_name", SW_OLIST_TEXT_OPT},
    {"product_name_lenght", SW_OLIST_INT_OPT},
    {"product_description_lenght", SW_OLIST_INT_OPT},
    {"product_photos_qty", SW_OLIST_INT_OPT},
    {"product_weight_g", SW_OLIST_INT_OPT},
    {"product_length_cm", SW_OLIST_INT_OPT},
    {"product_height_cm", SW_OLIST_INT_OPT},
    {"product_width_cm", SW_OLIST_INT_OPT},
};
static const sw_olist_column sellers_cols[] = {
    {"seller_id", SW_OLIST_ID},
    {"seller_zip_code_prefix", SW_OLIST_ZIP},
    {"seller_city", SW_OLIST_TEXT},
    {"seller_state", SW_OLIST_STATE},
};
static const sw_olist_column translation_cols[] = {
    {"product_category_name", SW_OLIST_NAME},
    {"product_category_name_english", SW_OLIST_NAME},
};

const sw_olist_file sw_olist_files[SW_OLIST_NFILES] = {
    [SW_OLIST_CUSTOMERS] = {"olist_customers_dataset.csv",
                            COLS(customers_cols), 0},
    [SW_OLIST_GEOLOCATION] = {"olist_geolocation_dataset.csv",
                              COLS(geolocation_cols), -1},
    [SW_OLIST_ITEMS] = {"olist_order_items_dataset.csv", COLS(items_cols), -1},
    [SW_OLIST_PAYMENTS] = {"olist_order_payments_dataset.csv",
                           COLS(payments_cols), -1},
    [SW_OLIST_REVIEWS] = {"olist_order_reviews_dataset.csv",
                          COLS(reviews_cols), -1},
    [SW_OLIST_ORDERS] = {"olist_orders_dataset.csv", COLS(orders_cols), 0},
    [SW_OLIST_PRODUCTS] = {"olist_products_dataset.csv",
                           COLS(products_cols), 0},
    [SW_OLIST_SELLERS] = {"olist_sellers_dataset.csv", COLS(sellers_cols), 0},
    [SW_OLIST_TRANSLATION] = {"product_category_name_translation.csv",
                              COLS(translation_cols), 0},
};

static const char *const statuses[] = {
    "created", "approved", "invoiced", "processing", "shipped", "delivered",
    "canceled", "unavailable"};

/* sw_olist_column_index: see sw/olist.h. */
int sw_olist_column_index(const sw_olist_file *f, const char *name)
{
    for (size_t i = 0; i < f->ncols; i++)
        if (strcmp(f->cols[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* is_digit: true for ASCII 0-9. */
static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* all_digits: true when the n bytes at p are all ASCII digits (and n > 0). */
static bool all_digits(const char *p, size_t n)
{
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_digit(p[i]))
            return false;
    return true;
}

/* hex_table: 0-15 for each lowercase hex digit, 0xff for any other byte
 * (a table: ids are parsed several times per row, the hot path). */
static const uint8_t hex_table[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
    ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12,
    ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16};

/* sw_olist_parse_id: see sw/olist.h. */
sw_result sw_olist_parse_id(sw_cursor f, uint8_t out[16])
{
    if (f.len != 32)
        return SW_E_INVALID;
    const unsigned char *p = (const unsigned char *)f.ptr;
    unsigned bad = 0;
    for (size_t i = 0; i < 16; i++) {
        /* the table holds value + 1, so 0 marks a non-hex byte */
        unsigned hi = hex_table[p[2 * i]], lo = hex_table[p[2 * i + 1]];
        bad |= (hi == 0) | (lo == 0);
        out[i] = (uint8_t)((hi - 1) << 4 | ((lo - 1) & 15));
    }
    return bad ? SW_E_INVALID : SW_OK;
}

/* sw_olist_id_hex: see sw/olist.h. */
void sw_olist_id_hex(const uint8_t id[16], char out[33])
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < 16; i++) {
        out[2 * i] = digits[id[i] >> 4];
        out[2 * i + 1] = digits[id[i] & 15];
    }
    out[32] = '\0';
}

/* sw_olist_parse_money: see sw/olist.h. */
sw_result sw_olist_parse_money(sw_cursor f, int64_t *cents)
{
    size_t i = 0, sig = 0;
    int64_t units = 0;
    while (i < f.len && is_digit(f.ptr[i])) {
        if (units || f.ptr[i] != '0') { /* leading zeros do not count */
            if (++sig > 16)
                return SW_E_INVALID; /* cents would overflow int64 */
            units = units * 10 + (f.ptr[i] - '0');
        }
        i++;
    }
    if (i == 0)
        return SW_E_INVALID;
    int64_t frac = 0;
    if (i < f.len) {
        size_t nd = f.len - i - 1;
        if (f.ptr[i] != '.' || nd < 1 || nd > 2 ||
            !all_digits(f.ptr + i + 1, nd))
            return SW_E_INVALID;
        frac = (f.ptr[i + 1] - '0') * 10;
        if (nd == 2)
            frac += f.ptr[i + 2] - '0';
    }
    *cents = units * 100 + frac;
    return SW_OK;
}

/* sw_olist_parse_uint: see sw/olist.h. */
sw_result sw_olist_parse_uint(sw_cursor f, uint32_t *out)
{
    if (!all_digits(f.ptr, f.len))
        return SW_E_INVALID;
    uint64_t v = 0;
    for (size_t i = 0; i < f.len; i++) {
        v = v * 10 + (uint64_t)(f.ptr[i] - '0');
        if (v > UINT32_MAX)
            return SW_E_INVALID;
    }
    *out = (uint32_t)v;
    return SW_OK;
}

/* num: the value of n ASCII digits at p, or -1 when one is not a digit. */
static int32_t num(const char *p, size_t n)
{
    int32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(p[i]))
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* days_in_month: 28-31 for month m (1-12) of year y (Gregorian). */
static int32_t days_in_month(int32_t y, int32_t m)
{
    static const int8_t dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
                                31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

/* Howard Hinnant's days_from_civil. */
int32_t sw_olist_days_from_civil(int32_t y, int32_t m, int32_t d)
{
    y -= m <= 2;
    int32_t era = (y >= 0 ? y : y - 399) / 400;
    int32_t yoe = y - era * 400;
    int32_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Howard Hinnant's civil_from_days, formatted. */
void sw_olist_civil_from_days(int32_t days, char out[11])
{
    int32_t z = days + 719468;
    int32_t era = (z >= 0 ? z : z - 146096) / 146097;
    int32_t doe = z - era * 146097;
    int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int32_t mp = (5 * doy + 2) / 153;
    int32_t d = doy - (153 * mp + 2) / 5 + 1;
    int32_t m = mp < 10 ? mp + 3 : mp - 9;
    int32_t y = yoe + era * 400 + (m <= 2);
    int32_t parts[3] = {y, m, d};
    static const int8_t width[3] = {4, 2, 2};
    char *p = out;
    for (int k = 0; k < 3; k++) {
        int32_t v = parts[k];
        for (int i = width[k] - 1; i >= 0; i--) {
            p[i] = (char)('0' + v % 10);
            v /= 10;
        }
        p += width[k];
        if (k < 2)
            *p++ = '-';
    }
    *p = '\0';
}

/* sw_olist_parse_date: see sw/olist.h. */
sw_result sw_olist_parse_date(sw_cursor f, int32_t *days)
{
    if (f.len != 10 || f.ptr[4] != '-' || f.ptr[7] != '-')
        return SW_E_INVALID;
    int32_t y = num(f.ptr, 4), m = num(f.ptr + 5, 2), d = num(f.ptr + 8, 2);
    if (y < 0 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return SW_E_INVALID;
    if (days)
        *days = sw_olist_days_from_civil(y, m, d);
    return SW_OK;
}

/* sw_olist_parse_ts: see sw/olist.h. */
sw_result sw_olist_parse_ts(sw_cursor f, int32_t *days, int32_t *secs)
{
    if (f.len != 19 || f.ptr[10] != ' ' || f.ptr[13] != ':' ||
        f.ptr[16] != ':')
        return SW_E_INVALID;
    if (sw_olist_parse_date(sw_cursor_from_mem(f.ptr, 10), days))
        return SW_E_INVALID;
    int32_t h = num(f.ptr + 11, 2), mi = num(f.ptr + 14, 2),
            s = num(f.ptr + 17, 2);
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59)
        return SW_E_INVALID;
    if (secs)
        *secs = h * 3600 + mi * 60 + s;
    return SW_OK;
}

/* coord_valid: [-]digits[.digits]. */
static bool coord_valid(sw_cursor f)
{
    size_t i = f.len && f.ptr[0] == '-';
    size_t start = i;
    while (i < f.len && is_digit(f.ptr[i]))
        i++;
    if (i == start)
        return false;
    if (i == f.len)
        return true;
    return f.ptr[i] == '.' && all_digits(f.ptr + i + 1, f.len - i - 1);
}

/* text_valid: valid UTF-8; plain ASCII (most text) is checked 8 bytes at
 * a time before the full decoder runs. */
static bool text_valid(sw_cursor f)
{
    size_t i = 0;
    uint64_t high = 0;
    for (; i + 8 <= f.len; i += 8) {
        uint64_t w;
        memcpy(&w, f.ptr + i, 8);
        high |= w;
    }
    for (; i < f.len; i++)
        high |= (unsigned char)f.ptr[i];
    return !(high & 0x8080808080808080ULL) || sw_utf8_valid(f);
}

/* sw_olist_field_valid: see sw/olist.h. */
bool sw_olist_field_valid(sw_olist_type t, sw_cursor f)
{
    uint8_t id[16];
    int64_t cents;
    uint32_t u;
    switch (t) {
    case SW_OLIST_ID:
        return sw_olist_parse_id(f, id) == SW_OK;
    case SW_OLIST_STATUS:
        for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
            if (sw_cursor_eq_cstr(f, statuses[i]))
                return true;
        return false;
    case SW_OLIST_TS_OPT:
        if (!f.len)
            return true;
        /* fall through */
    case SW_OLIST_TS:
        return sw_olist_parse_ts(f, NULL, NULL) == SW_OK;
    case SW_OLIST_INT_OPT:
        if (!f.len)
            return true;
        /* fall through */
    case SW_OLIST_INT:
        return sw_olist_parse_uint(f, &u) == SW_OK;
    case SW_OLIST_SCORE:
        return f.len == 1 && f.ptr[0] >= '1' && f.ptr[0] <= '5';
    case SW_OLIST_MONEY:
        return sw_olist_parse_money(f, &cents) == SW_OK;
    case SW_OLIST_ZIP:
        return f.len <= 5 && all_digits(f.ptr, f.len);
    case SW_OLIST_STATE:
        return f.len == 2 && f.ptr[0] >= 'A' && f.ptr[0] <= 'Z' &&
               f.ptr[1] >= 'A' && f.ptr[1] <= 'Z';
    case SW_OLIST_COORD:
        return coord_valid(f);
    case SW_OLIST_TEXT: /* may be empty too: the oracles' reading */
    case SW_OLIST_TEXT_OPT:
        return text_valid(f);
    case SW_OLIST_NAME:
        return f.len > 0 && text_valid(f);
    }
    return false;
}

/* type_text: what a field of type t must be, for reject reasons. */
static const char *type_text(sw_olist_type t)
{
    switch (t) {
    case SW_OLIST_ID: return "not a 32-hex id";
    case SW_OLIST_STATUS: return "not an order status";
    case SW_OLIST_TS: return "not a YYYY-MM-DD HH:MM:SS timestamp";
    case SW_OLIST_TS_OPT: return "not a YYYY-MM-DD HH:MM:SS timestamp";
    case SW_OLIST_INT: return "not an unsigned 32-bit integer";
    case SW_OLIST_INT_OPT: return "not an unsigned 32-bit integer";
    case SW_OLIST_SCORE: return "not a score 1 to 5";
    case SW_OLIST_MONEY: return "not money (digits, optional . and 1-2 digits)";
    case SW_OLIST_ZIP: return "not a 1-5 digit zip prefix";
    case SW_OLIST_STATE: return "not a 2-letter state";
    case SW_OLIST_COORD: return "not a coordinate";
    case SW_OLIST_TEXT: return "invalid";
    case SW_OLIST_TEXT_OPT: return "invalid";
    case SW_OLIST_NAME: return "empty";
    }
    return "invalid";
}

/* sw_olist_check_header: see sw/olist.h. */
sw_result sw_olist_check_header(const sw_olist_file *f,
                                const sw_cursor *fields, size_t n,
                                char *why, size_t cap)
{
    for (size_t i = 0; i < f->ncols; i++) {
        if (i >= n) {
            snprintf(why, cap, "%s: header ends before column %zu "
                     "(%s)", f->name, i + 1, f->cols[i].name);
            return SW_E_INVALID;
        }
        if (!sw_cursor_eq_cstr(fields[i], f->cols[i].name)) {
            snprintf(why, cap, "%s: header column %zu is not %s", f->name,
                     i + 1, f->cols[i].name);
            return SW_E_INVALID;
        }
    }
    if (n > f->ncols) {
        snprintf(why, cap, "%s: header has %zu columns, expected %zu",
                 f->name, n, f->ncols);
        return SW_E_INVALID;
    }
    return SW_OK;
}

/* sw_olist_check_record: see sw/olist.h. */
sw_result sw_olist_check_record(const sw_olist_file *f,
                                const sw_cursor *fields, size_t n,
                                char *why, size_t cap)
{
    if (n != f->ncols) {
        snprintf(why, cap, "expected %zu fields, got %zu", f->ncols, n);
        return SW_E_INVALID;
    }
    for (size_t i = 0; i < n; i++) {
        /* Every type accepts only valid UTF-8 (the non-text ones only
         * ASCII), so the UTF-8 check is needed only to name the reason. */
        if (sw_olist_field_valid(f->cols[i].type, fields[i]))
            continue;
        snprintf(why, cap, "%s: %s", f->cols[i].name,
                 sw_utf8_valid(fields[i]) ? type_text(f->cols[i].type)
                                          : "invalid UTF-8");
        return SW_E_INVALID;
    }
    return SW_OK;
}

/* sw_olist_append_i64: see sw/olist.h. */
sw_result sw_olist_append_i64(sw_buf *out, int64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[--i] = '-';
    return sw_buf_append(out, tmp + i, sizeof tmp - i);
}
