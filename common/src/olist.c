/* olist.c - the Olist files, validators and exact parsers (sw/olist.h). */
#include "sw/olist.h"

#include <stdio.h>
#include <string.h>

#include "sw/civil.h"

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

#define STATUS(s) {s, sizeof s - 1}
static const struct {
    const char *name;
    size_t len;
} statuses[] = {STATUS("created"),  STATUS("approved"), STATUS("invoiced"),
                STATUS("processing"), STATUS("shipped"), STATUS("delivered"),
                STATUS("canceled"), STATUS("unavailable")};

/* sw_olist_column_index: see sw/olist.h. */
int sw_olist_column_index(const sw_olist_file *f, const char *name)
{
    for (size_t i = 0; i < f->ncols; i++)
        if (strcmp(f->cols[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* The small helpers of the validators are inlined even at -Os (the
 * release build), which otherwise leaves them as calls on the hot path. */
#if defined(__GNUC__)
#define OL_INLINE static inline __attribute__((always_inline))
#else
#define OL_INLINE static inline
#endif

/* is_digit: true for ASCII 0-9. */
OL_INLINE bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Word-at-a-time helpers: the validators run on every field of every row
 * (the extract's hot path), so fixed-width fields are checked 8 bytes at a
 * time. REP(c) is byte c in every byte of a word, HIGH the bytes' top
 * bits. For a word with no top bit set, w + REP(0x80 - c) sets the top bit
 * of exactly the bytes >= c, with no carry between bytes. */
#define REP(c) (0x0101010101010101ULL * (uint8_t)(c))
#define HIGH REP(0x80)
#define BYTE_AT(k) ((uint64_t)0xff << (8 * (k)))

/* load64: the 8 bytes at p as a word whose byte k (k = 0 the lowest) is
 * p[k], on any host byte order (the id decoder and the separator masks
 * depend on it). */
OL_INLINE uint64_t load64(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

/* ge_bits: the top bit of each byte of w (no top bit set) that is >= c. */
OL_INLINE uint64_t ge_bits(uint64_t w, unsigned char c)
{
    return (w + REP(0x80 - c)) & HIGH;
}

/* digits_word: true when all 8 bytes of w are ASCII digits. */
OL_INLINE bool digits_word(uint64_t w)
{
    if (w & HIGH)
        return false;
    return (ge_bits(w, '0') & ~ge_bits(w, '9' + 1)) == HIGH;
}

/* digits_except: true when the 8 bytes at p are ASCII digits, except the
 * bytes selected by seps (BYTE_AT masks: separators the caller checks). */
OL_INLINE bool digits_except(const char *p, uint64_t seps)
{
    uint64_t w = load64(p);
    return digits_word((w & ~seps) | (REP('0') & seps));
}

/* all_digits: true when the n bytes at p are all ASCII digits (and n > 0). */
OL_INLINE bool all_digits(const char *p, size_t n)
{
    if (!n)
        return false;
    if (n < 8) {
        for (size_t i = 0; i < n; i++)
            if (!is_digit(p[i]))
                return false;
        return true;
    }
    /* whole words, the last one overlapping the one before */
    for (size_t i = 0; i + 8 < n; i += 8)
        if (!digits_word(load64(p + i)))
            return false;
    return digits_word(load64(p + n - 8));
}

/* hex_word_bad: nonzero unless all 8 bytes of w are lowercase hex digits. */
OL_INLINE uint64_t hex_word_bad(uint64_t w)
{
    if (w & HIGH)
        return HIGH;
    uint64_t ok = (ge_bits(w, '0') & ~ge_bits(w, '9' + 1)) |
                  (ge_bits(w, 'a') & ~ge_bits(w, 'f' + 1));
    return ok ^ HIGH;
}

/* id_valid: true for exactly 32 lowercase hex digits. */
OL_INLINE bool id_valid(sw_cursor f)
{
    if (f.len != 32)
        return false;
    uint64_t bad = 0;
    for (size_t k = 0; k < 32; k += 8)
        bad |= hex_word_bad(load64(f.ptr + k));
    return !bad;
}

/* sw_olist_parse_id: see sw/olist.h. Eight hex digits at a time: a digit's
 * value is its low nibble, plus 9 for a letter (bit 6 set). */
sw_result sw_olist_parse_id(sw_cursor f, uint8_t out[16])
{
    if (f.len != 32)
        return SW_E_INVALID;
    uint64_t bad = 0;
    for (size_t k = 0; k < 4; k++) {
        uint64_t w = load64(f.ptr + 8 * k);
        bad |= hex_word_bad(w);
        uint64_t v = (w & REP(0x0f)) + ((w >> 6) & REP(0x01)) * 9;
        uint64_t t = (v << 4) | (v >> 8); /* byte 2j: digit 2j, 2j+1 */
        out[4 * k] = (uint8_t)t;
        out[4 * k + 1] = (uint8_t)(t >> 16);
        out[4 * k + 2] = (uint8_t)(t >> 32);
        out[4 * k + 3] = (uint8_t)(t >> 48);
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
    if (!f.len)
        return SW_E_INVALID;
    uint64_t v = 0;
    for (size_t i = 0; i < f.len; i++) { /* one pass: digits and range */
        unsigned d = (unsigned char)f.ptr[i] - (unsigned)'0';
        if (d > 9)
            return SW_E_INVALID;
        v = v * 10 + d;
        if (v > UINT32_MAX)
            return SW_E_INVALID;
    }
    *out = (uint32_t)v;
    return SW_OK;
}

/* dig: the value of the ASCII digit at p (the caller checked it). */
OL_INLINE int32_t dig(const char *p)
{
    return p[0] - '0';
}

/* sw_olist_days_from_civil: see sw/olist.h (sw/civil.h's algorithm). */
int32_t sw_olist_days_from_civil(int32_t y, int32_t m, int32_t d)
{
    return (int32_t)sw_days_from_civil(y, (unsigned)m, (unsigned)d);
}

/* sw_olist_civil_from_days: see sw/olist.h; the date written as
 * YYYY-MM-DD. */
void sw_olist_civil_from_days(int32_t days, char out[11])
{
    long long yl;
    unsigned mu, du;
    sw_civil_from_days(days, &yl, &mu, &du);
    int32_t parts[3] = {(int32_t)yl, (int32_t)mu, (int32_t)du};
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
/* date_at: the "YYYY-MM-DD" in the 10 bytes at p (the year's 8 bytes
 * checked as one word) to days since 1970-01-01 (days may be NULL).
 * Returns SW_OK or SW_E_INVALID. */
OL_INLINE sw_result date_at(const char *p, int32_t *days)
{
    if (p[4] != '-' || p[7] != '-' ||
        !digits_except(p, BYTE_AT(4) | BYTE_AT(7)) || !is_digit(p[8]) ||
        !is_digit(p[9]))
        return SW_E_INVALID;
    int32_t y = dig(p) * 1000 + dig(p + 1) * 100 + dig(p + 2) * 10 +
                dig(p + 3);
    int32_t m = dig(p + 5) * 10 + dig(p + 6), d = dig(p + 8) * 10 + dig(p + 9);
    if (m < 1 || m > 12 || d < 1 || d > (int32_t)sw_days_in_month(y, (unsigned)m))
        return SW_E_INVALID;
    if (days)
        *days = sw_olist_days_from_civil(y, m, d);
    return SW_OK;
}

/* sw_olist_parse_date: see sw/olist.h. */
sw_result sw_olist_parse_date(sw_cursor f, int32_t *days)
{
    if (f.len != 10)
        return SW_E_INVALID;
    return date_at(f.ptr, days);
}

/* ts_check: sw_olist_parse_ts, inlined into the validator. */
OL_INLINE sw_result ts_check(sw_cursor f, int32_t *days, int32_t *secs)
{
    if (f.len != 19 || f.ptr[10] != ' ' || f.ptr[13] != ':' ||
        f.ptr[16] != ':')
        return SW_E_INVALID;
    if (date_at(f.ptr, days))
        return SW_E_INVALID;
    /* "HH:MM:SS" is the last 8 bytes: one word with two separators */
    const char *t = f.ptr + 11;
    if (!digits_except(t, BYTE_AT(2) | BYTE_AT(5)))
        return SW_E_INVALID;
    int32_t h = dig(t) * 10 + dig(t + 1), mi = dig(t + 3) * 10 + dig(t + 4),
            s = dig(t + 6) * 10 + dig(t + 7);
    if (h > 23 || mi > 59 || s > 59)
        return SW_E_INVALID;
    if (secs)
        *secs = h * 3600 + mi * 60 + s;
    return SW_OK;
}

/* sw_olist_parse_ts: see sw/olist.h. */
sw_result sw_olist_parse_ts(sw_cursor f, int32_t *days, int32_t *secs)
{
    return ts_check(f, days, secs);
}

/* coord_valid: [-]digits[.digits]. */
OL_INLINE bool coord_valid(sw_cursor f)
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

/* has_zero: the top bit set in some byte (not necessarily exactly
 * the zero ones) when w has a zero byte, none otherwise. */
OL_INLINE uint64_t has_zero(uint64_t w)
{
    return (w - REP(0x01)) & ~w & HIGH;
}

/* has_less: as has_zero, for a byte below c (c <= 0x80). */
OL_INLINE uint64_t has_less(uint64_t w, unsigned char c)
{
    return (w - REP(c)) & ~w & HIGH;
}

/* text_class: per byte, 1 for a byte text_check counts as special (a
 * control byte, a quote, a comma), 2 for a byte >= 0x80. */
#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
static const uint8_t text_class[256] = {
    R16(1), R16(1),                                 /* 0x00-0x1f */
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x20-0x2f: " , */
    R16(0), R16(0), R16(0), R16(0), R16(0),         /* 0x30-0x7f */
    R16(2), R16(2), R16(2), R16(2), R16(2), R16(2), R16(2), R16(2)};

/* text_check: true when f is valid UTF-8. *plain is cleared when the
 * field might need CSV quoting (sw_csv_append_field): a comma, a quote, a
 * control byte (CR and LF among them), a space at either end or a leading
 * BOM. Plain ASCII (most text) is checked 8 bytes at a time and only text
 * with a byte >= 0x80 goes through the full decoder. */
OL_INLINE bool text_check(sw_cursor f, bool *plain)
{
    uint64_t high = 0, special = 0;
    if (f.len >= 8) {
        /* whole words, the last one overlapping the one before */
        for (size_t i = 0;; i += 8) {
            if (i + 8 > f.len)
                i = f.len - 8;
            uint64_t w = load64(f.ptr + i);
            high |= w;
            special |= has_less(w, 0x20) | has_zero(w ^ REP('"')) |
                       has_zero(w ^ REP(','));
            if (i + 8 == f.len)
                break;
        }
    } else {
        for (size_t i = 0; i < f.len; i++)
            special |= text_class[(unsigned char)f.ptr[i]];
        high = special & 2 ? HIGH : 0;
        special &= 1;
    }
    if (special || (f.len && (f.ptr[0] == ' ' || f.ptr[f.len - 1] == ' ')))
        *plain = false;
    if (!(high & HIGH))
        return true;
    if (f.len >= 3 && memcmp(f.ptr, "\xEF\xBB\xBF", 3) == 0)
        *plain = false;
    return sw_utf8_valid(f);
}

/* status_valid: true for one of the 8 order statuses. */
static bool status_valid(sw_cursor f)
{
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        if (f.len == statuses[i].len &&
            memcmp(f.ptr, statuses[i].name, f.len) == 0)
            return true;
    return false;
}

/* field_check: sw_olist_field_valid, clearing *plain for a text field
 * that might need CSV quoting (see text_check). */
OL_INLINE bool field_check(sw_olist_type t, sw_cursor f, bool *plain)
{
    int64_t cents;
    uint32_t u;
    switch (t) {
    case SW_OLIST_ID:
        return id_valid(f);
    case SW_OLIST_STATUS:
        return status_valid(f);
    case SW_OLIST_TS_OPT:
        if (!f.len)
            return true;
        /* fall through */
    case SW_OLIST_TS:
        return ts_check(f, NULL, NULL) == SW_OK;
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
    case SW_OLIST_NAME:
        if (!f.len)
            return false;
        /* fall through */
    case SW_OLIST_TEXT: /* may be empty too: the oracles' reading */
    case SW_OLIST_TEXT_OPT:
        return text_check(f, plain);
    }
    return false;
}

/* sw_olist_field_valid: see sw/olist.h. */
bool sw_olist_field_valid(sw_olist_type t, sw_cursor f)
{
    bool plain = true;
    return field_check(t, f, &plain);
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
    bool plain;
    return sw_olist_check_record_csv(f, fields, n, &plain, why, cap);
}

/* sw_olist_check_record_csv: see sw/olist.h. */
sw_result sw_olist_check_record_csv(const sw_olist_file *f,
                                    const sw_cursor *fields, size_t n,
                                    bool *plain, char *why, size_t cap)
{
    *plain = true;
    if (n != f->ncols) {
        snprintf(why, cap, "expected %zu fields, got %zu", f->ncols, n);
        return SW_E_INVALID;
    }
    for (size_t i = 0; i < n; i++) {
        /* Every type accepts only valid UTF-8 (the non-text ones only
         * ASCII), so the UTF-8 check is needed only to name the reason.
         * The non-text types hold no byte CSV must quote. */
        if (field_check(f->cols[i].type, fields[i], plain))
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
