/* sources.c - exchange URLs, answer parsing and exact decimal handling for
 * btc-price (see sources.h).
 *
 * Why a JSON scanner of its own instead of cJSON: cJSON turns every number
 * into a double, and coingecko quotes its price as a JSON number; storing
 * the exchange's exact text requires the token itself. The scanner below
 * validates the whole document (RFC 8259 grammar, nesting bounded) and then
 * walks a path to one value, returning the value's raw token. */
#include "sources.h"

#include <stdio.h>
#include <string.h>

enum {
    JSON_MAX_DEPTH = 64,
    DDB_MAX_DIGITS = 38, /* DynamoDB number precision */
    MAX_EXPONENT = 64    /* beyond this no price fits BTC_PRICE_LEN anyway */
};

/* ---- the exchanges ---------------------------------------------------- */

typedef struct source_def {
    const char *name;
    const char *origin;   /* default scheme://host */
    const char *path_pre; /* path and query up to the currency */
    const char *path_post; /* what follows the currency */
    int lower_currency;   /* the exchange wants "usd", not "USD" */
} source_def;

static const source_def SOURCES[BTC_SRC__COUNT] = {
    [BTC_SRC_COINBASE] = {"coinbase", "https://api.coinbase.com",
                          "/v2/prices/BTC-", "/spot", 0},
    [BTC_SRC_KRAKEN] = {"kraken", "https://api.kraken.com",
                        "/0/public/Ticker?pair=XBT", "", 0},
    [BTC_SRC_BITSTAMP] = {"bitstamp", "https://www.bitstamp.net",
                          "/api/v2/ticker/btc", "/", 1},
    [BTC_SRC_COINGECKO] = {"coingecko", "https://api.coingecko.com",
                           "/api/v3/simple/price?ids=bitcoin&vs_currencies=",
                           "", 1},
};

/* btc_source_name: the source's lowercase name, NULL when out of range. */
const char *btc_source_name(btc_source_id id)
{
    return (unsigned)id < BTC_SRC__COUNT ? SOURCES[id].name : NULL;
}

/* btc_source_lookup: the id of a source name, any ASCII case. Returns
 * SW_OK or SW_E_CONFIG. */
sw_result btc_source_lookup(sw_cursor name, btc_source_id *out)
{
    for (int i = 0; i < BTC_SRC__COUNT; i++) {
        if (sw_cursor_eq_ignore_case(name,
                                     sw_cursor_from_cstr(SOURCES[i].name))) {
            *out = (btc_source_id)i;
            return SW_OK;
        }
    }
    return SW_E_CONFIG;
}

/* btc_sources_parse_list: comma-separated names to ids (see header). */
sw_result btc_sources_parse_list(const char *list, btc_source_id *ids,
                                 size_t *n, char why[BTC_WHY_LEN])
{
    *n = 0;
    sw_cursor rest = sw_cursor_from_cstr(list);
    if (sw_cursor_trim(rest).len == 0) {
        snprintf(why, BTC_WHY_LEN, "PRICE_SOURCES is empty");
        return SW_E_CONFIG;
    }
    for (;;) {
        const char *comma = memchr(rest.ptr, ',', rest.len);
        size_t len = comma ? (size_t)(comma - rest.ptr) : rest.len;
        sw_cursor item = sw_cursor_trim(sw_cursor_from_mem(rest.ptr, len));
        btc_source_id id;
        if (item.len == 0) {
            snprintf(why, BTC_WHY_LEN, "PRICE_SOURCES has an empty item");
            return SW_E_CONFIG;
        }
        if (btc_source_lookup(item, &id) != SW_OK) {
            snprintf(why, BTC_WHY_LEN,
                     "PRICE_SOURCES: unknown source '%.*s' (known: coinbase, "
                     "kraken, bitstamp, coingecko)",
                     (int)(item.len > 32 ? 32 : item.len), item.ptr);
            return SW_E_CONFIG;
        }
        for (size_t i = 0; i < *n; i++) {
            if (ids[i] == id) {
                snprintf(why, BTC_WHY_LEN, "PRICE_SOURCES: '%s' is listed "
                         "twice", SOURCES[id].name);
                return SW_E_CONFIG;
            }
        }
        ids[(*n)++] = id; /* at most BTC_SRC__COUNT: repeats are refused */
        if (!comma)
            return SW_OK;
        rest.ptr = comma + 1;
        rest.len -= len + 1;
    }
}

/* btc_currency_normalize: 2-5 ASCII letters, uppercased into out. Returns
 * SW_OK or SW_E_CONFIG. */
sw_result btc_currency_normalize(const char *in, char out[BTC_CURRENCY_LEN])
{
    size_t len = strlen(in);
    if (len < 2 || len > 5)
        return SW_E_CONFIG;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        if (c < 'A' || c > 'Z')
            return SW_E_CONFIG;
        out[i] = c;
    }
    out[len] = '\0';
    return SW_OK;
}

/* base_ok: true when base is an http:// or https:// URL without spaces or
 * control characters (it is pasted into a request line). */
static int base_ok(sw_cursor base)
{
    sw_cursor http = SW_CURSOR_LIT("http://"), https = SW_CURSOR_LIT("https://");
    int scheme = (base.len > http.len &&
                  sw_cursor_eq_ignore_case(sw_cursor_from_mem(base.ptr,
                                                              http.len),
                                           http)) ||
                 (base.len > https.len &&
                  sw_cursor_eq_ignore_case(sw_cursor_from_mem(base.ptr,
                                                              https.len),
                                           https));
    if (!scheme)
        return 0;
    for (size_t i = 0; i < base.len; i++)
        if ((unsigned char)base.ptr[i] <= ' ' || base.ptr[i] == 0x7f)
            return 0;
    return 1;
}

/* btc_source_url: the URL to GET for a source and currency (see header). */
sw_result btc_source_url(btc_source_id id, const char *currency,
                         const char *base, sw_buf *out)
{
    if ((unsigned)id >= BTC_SRC__COUNT)
        return SW_E_CONFIG;
    const source_def *s = &SOURCES[id];
    sw_cursor origin = sw_cursor_from_cstr(base ? base : s->origin);
    if (base) {
        if (!base_ok(origin))
            return SW_E_CONFIG;
        while (origin.len && origin.ptr[origin.len - 1] == '/')
            origin.len--;
    }
    char cur[BTC_CURRENCY_LEN];
    size_t i = 0;
    for (; currency[i] && i < sizeof cur - 1; i++) {
        char c = currency[i];
        cur[i] = s->lower_currency && c >= 'A' && c <= 'Z' ? (char)(c + 32)
                                                          : c;
    }
    cur[i] = '\0';
    sw_result rc = sw_buf_append_cursor(out, origin);
    if (rc == SW_OK)
        rc = sw_buf_appendf(out, "%s%s%s", s->path_pre, cur, s->path_post);
    return rc;
}

/* ---- a validating JSON scanner ---------------------------------------- */

/* js_ws: skips JSON whitespace. */
static const char *js_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* js_hex: true for an ASCII hex digit. */
static int js_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

/* js_digit: true for an ASCII decimal digit. */
static int js_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* js_string: p is at '"'. Returns the position after the closing quote, or
 * NULL for a bad escape, a raw control character or a missing quote. */
static const char *js_string(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            return p + 1;
        if (c < 0x20)
            return NULL;
        if (c != '\\')
            continue;
        if (++p >= end)
            return NULL;
        if (*p == 'u') {
            if (end - p < 5 || !js_hex(p[1]) || !js_hex(p[2]) ||
                !js_hex(p[3]) || !js_hex(p[4]))
                return NULL;
            p += 4;
        } else if (!strchr("\"\\/bfnrt", *p)) {
            return NULL;
        }
    }
    return NULL;
}

/* js_number: p is at '-' or a digit. Returns the position after an RFC 8259
 * number, or NULL when the text is not one. */
static const char *js_number(const char *p, const char *end)
{
    if (p < end && *p == '-')
        p++;
    if (p >= end || !js_digit(*p))
        return NULL;
    if (*p == '0')
        p++;
    else
        while (p < end && js_digit(*p))
            p++;
    if (p < end && *p == '.') {
        if (++p >= end || !js_digit(*p))
            return NULL;
        while (p < end && js_digit(*p))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || !js_digit(*p))
            return NULL;
        while (p < end && js_digit(*p))
            p++;
    }
    return p;
}

/* js_value: skips whitespace and one JSON value, nesting at most
 * JSON_MAX_DEPTH deep. Returns the position after the value (trailing
 * whitespace not skipped) or NULL if the text is not valid JSON. */
static const char *js_value(const char *p, const char *end, int depth)
{
    p = js_ws(p, end);
    if (p >= end)
        return NULL;
    switch (*p) {
    case '{':
    case '[': {
        char close = *p == '{' ? '}' : ']';
        int object = *p == '{';
        if (depth >= JSON_MAX_DEPTH)
            return NULL;
        p = js_ws(p + 1, end);
        if (p < end && *p == close)
            return p + 1;
        for (;;) {
            if (object) {
                p = js_ws(p, end);
                if (p >= end || *p != '"' || !(p = js_string(p, end)))
                    return NULL;
                p = js_ws(p, end);
                if (p >= end || *p != ':')
                    return NULL;
                p++;
            }
            if (!(p = js_value(p, end, depth + 1)))
                return NULL;
            p = js_ws(p, end);
            if (p >= end)
                return NULL;
            if (*p == close)
                return p + 1;
            if (*p != ',')
                return NULL;
            p++;
        }
    }
    case '"':
        return js_string(p, end);
    case 't':
        return end - p >= 4 && memcmp(p, "true", 4) == 0 ? p + 4 : NULL;
    case 'f':
        return end - p >= 5 && memcmp(p, "false", 5) == 0 ? p + 5 : NULL;
    case 'n':
        return end - p >= 4 && memcmp(p, "null", 4) == 0 ? p + 4 : NULL;
    default:
        return js_number(p, end);
    }
}

/* js_validate: true when doc is exactly one JSON value and whitespace. */
static int js_validate(sw_cursor doc)
{
    const char *end = doc.ptr + doc.len;
    const char *p = js_value(doc.ptr, end, 0);
    return p && js_ws(p, end) == end;
}

/* js_token: the raw text of the value starting at (or after whitespace
 * from) p, in a document already validated. */
static sw_cursor js_token(const char *p, const char *end)
{
    p = js_ws(p, end);
    const char *e = js_value(p, end, 0);
    return e ? sw_cursor_from_mem(p, (size_t)(e - p)) : SW_CURSOR_NULL;
}

/* js_member: obj is a validated value's token. When it is an object,
 * returns the value of the first member named key (raw comparison: escaped
 * keys do not match) or, with key NULL, the value of its only member; also
 * counts members into *count when count is not NULL. Returns an empty
 * cursor when obj is not an object or has no such member. */
static sw_cursor js_member(sw_cursor obj, const char *key, size_t *count)
{
    sw_cursor found = SW_CURSOR_NULL;
    size_t members = 0;
    if (!obj.ptr || obj.len < 2 || obj.ptr[0] != '{')
        return SW_CURSOR_NULL;
    const char *p = obj.ptr, *end = obj.ptr + obj.len;
    p = js_ws(p + 1, end);
    while (p < end && *p == '"') {
        const char *kend = js_string(p, end);
        sw_cursor name = sw_cursor_from_mem(p + 1, (size_t)(kend - p - 2));
        p = js_ws(kend, end) + 1; /* past ':' */
        sw_cursor v = js_token(p, end);
        members++;
        if (!found.ptr && (!key || sw_cursor_eq_cstr(name, key)))
            found = v;
        p = js_ws(v.ptr + v.len, end);
        if (*p == ',')
            p = js_ws(p + 1, end);
    }
    if (count)
        *count = members;
    if (!key && members != 1)
        return SW_CURSOR_NULL;
    return found;
}

/* js_element: arr is a validated value's token. Returns element idx of an
 * array, or an empty cursor when arr is not an array or is too short. */
static sw_cursor js_element(sw_cursor arr, size_t idx)
{
    if (!arr.ptr || arr.len < 2 || arr.ptr[0] != '[')
        return SW_CURSOR_NULL;
    const char *p = arr.ptr, *end = arr.ptr + arr.len;
    p = js_ws(p + 1, end);
    for (size_t i = 0; p < end && *p != ']'; i++) {
        sw_cursor v = js_token(p, end);
        if (i == idx)
            return v;
        p = js_ws(v.ptr + v.len, end);
        if (*p == ',')
            p = js_ws(p + 1, end);
    }
    return SW_CURSOR_NULL;
}

/* js_plain_string: when tok is a JSON string without escapes, its content;
 * otherwise an empty cursor with ptr NULL. */
static sw_cursor js_plain_string(sw_cursor tok)
{
    if (tok.len < 2 || tok.ptr[0] != '"' ||
        memchr(tok.ptr + 1, '\\', tok.len - 2))
        return SW_CURSOR_NULL;
    return sw_cursor_from_mem(tok.ptr + 1, tok.len - 2);
}

/* ---- exact decimals ----------------------------------------------------- */

/* split_decimal: the integer and fraction digits of a plain decimal (no
 * sign, no exponent), integer part without leading zeros. */
static void split_decimal(const char *s, sw_cursor *ip, sw_cursor *fp)
{
    const char *dot = strchr(s, '.');
    size_t ilen = dot ? (size_t)(dot - s) : strlen(s);
    while (ilen && *s == '0') {
        s++;
        ilen--;
    }
    *ip = sw_cursor_from_mem(s, ilen);
    *fp = dot ? sw_cursor_from_cstr(dot + 1) : SW_CURSOR_NULL;
}

/* btc_decimal_cmp: orders two plain non-negative decimals by value. */
int btc_decimal_cmp(const char *a, const char *b)
{
    sw_cursor ai, af, bi, bf;
    split_decimal(a, &ai, &af);
    split_decimal(b, &bi, &bf);
    if (ai.len != bi.len)
        return ai.len < bi.len ? -1 : 1;
    int c = ai.len ? memcmp(ai.ptr, bi.ptr, ai.len) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    size_t n = af.len > bf.len ? af.len : bf.len;
    for (size_t i = 0; i < n; i++) {
        char x = i < af.len ? af.ptr[i] : '0';
        char y = i < bf.len ? bf.ptr[i] : '0';
        if (x != y)
            return x < y ? -1 : 1;
    }
    return 0;
}

/* reason: writes a reason into why and returns SW_E_INVALID. */
static sw_result reason(char why[BTC_WHY_LEN], const char *msg)
{
    snprintf(why, BTC_WHY_LEN, "%s", msg);
    return SW_E_INVALID;
}

/* apply_exponent: writes digits (integer and fraction digits run together,
 * the point after int_len of them) times 10^exp as a plain decimal. Returns
 * SW_OK, or SW_E_INVALID when it does not fit out. */
static sw_result apply_exponent(sw_cursor digits, long point, char *out,
                                size_t cap)
{
    /* drop leading zeros: they move nothing */
    while (digits.len > 1 && digits.ptr[0] == '0') {
        digits.ptr++;
        digits.len--;
        point--;
    }
    sw_buf b = SW_BUF_INIT;
    sw_result rc = SW_OK;
    if (point <= 0) {
        rc = sw_buf_append_cstr(&b, "0.");
        for (long i = 0; rc == SW_OK && i < -point; i++)
            rc = sw_buf_append_byte(&b, '0');
        if (rc == SW_OK)
            rc = sw_buf_append_cursor(&b, digits);
    } else if ((size_t)point >= digits.len) {
        rc = sw_buf_append_cursor(&b, digits);
        for (size_t i = digits.len; rc == SW_OK && i < (size_t)point; i++)
            rc = sw_buf_append_byte(&b, '0');
    } else {
        rc = sw_buf_append(&b, digits.ptr, (size_t)point);
        if (rc == SW_OK)
            rc = sw_buf_append_byte(&b, '.');
        if (rc == SW_OK)
            rc = sw_buf_append(&b, digits.ptr + point, digits.len - (size_t)point);
    }
    if (rc == SW_OK && b.len < cap)
        memcpy(out, b.ptr, b.len + 1);
    else
        rc = SW_E_INVALID;
    sw_buf_free(&b);
    return rc;
}

/* btc_price_check: validates and normalises a price's text (see header). */
sw_result btc_price_check(sw_cursor text, const char *max,
                          char out[BTC_PRICE_LEN], char why[BTC_WHY_LEN])
{
    if (!text.ptr || text.len == 0)
        return reason(why, "not a number");
    const char *p = text.ptr, *end = text.ptr + text.len;
    if (js_number(p, end) != end)
        return reason(why, "not a number");
    int negative = *p == '-';
    if (negative)
        p++;
    /* collect the significant digits and where the point goes */
    char digits[BTC_PRICE_LEN];
    size_t nd = 0;
    long point = 0, first = -1, last = -1; /* first/last nonzero digit */
    int in_frac = 0;
    for (; p < end && *p != 'e' && *p != 'E'; p++) {
        if (*p == '.') {
            in_frac = 1;
            continue;
        }
        if (nd >= sizeof digits - 1)
            return reason(why, "too many digits");
        if (*p != '0') {
            if (first < 0)
                first = (long)nd;
            last = (long)nd;
        }
        digits[nd++] = *p;
        if (!in_frac)
            point++;
    }
    if (first < 0 || negative)
        return reason(why, "not a positive number");
    /* as DynamoDB counts precision: first to last nonzero digit */
    if (last - first + 1 > DDB_MAX_DIGITS)
        return reason(why, "more than 38 significant digits");
    if (p < end) { /* exponent */
        p++;
        int eneg = *p == '-';
        if (*p == '+' || *p == '-')
            p++;
        long e = 0;
        for (; p < end; p++) {
            if (e > MAX_EXPONENT)
                return reason(why, "absurd exponent");
            e = e * 10 + (*p - '0');
        }
        if (e > MAX_EXPONENT)
            return reason(why, "absurd exponent");
        point += eneg ? -e : e;
        if (apply_exponent(sw_cursor_from_mem(digits, nd), point, out,
                           BTC_PRICE_LEN) != SW_OK)
            return reason(why, "does not fit as a plain decimal");
    } else {
        if (text.len >= BTC_PRICE_LEN)
            return reason(why, "too many digits");
        memcpy(out, text.ptr, text.len);
        out[text.len] = '\0';
    }
    if (max && btc_decimal_cmp(out, max) > 0) {
        snprintf(why, BTC_WHY_LEN, "absurd price %.24s (above %.24s)", out,
                 max);
        return SW_E_INVALID;
    }
    return SW_OK;
}

/* btc_median: index of the median, the lower middle for an even count
 * (see header). An insertion sort of indexes: n is at most a handful. */
size_t btc_median(const char *const *prices, size_t n)
{
    size_t order[BTC_SRC__COUNT * 4];
    size_t m = n < sizeof order / sizeof order[0] ? n
                                                  : sizeof order / sizeof order[0];
    for (size_t i = 0; i < m; i++) {
        size_t j = i;
        while (j > 0 && btc_decimal_cmp(prices[order[j - 1]], prices[i]) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    return m ? order[(m - 1) / 2] : 0;
}

/* ---- reading each exchange's answer ------------------------------------ */

/* fail: writes "what" into why and returns SW_E_PARSE. */
static sw_result fail(char why[BTC_WHY_LEN], const char *what)
{
    snprintf(why, BTC_WHY_LEN, "%s", what);
    return SW_E_PARSE;
}

/* price_from_token: a price given as a JSON string ("43210.12") or a JSON
 * number (43210.12), checked by btc_price_check. Returns SW_OK or
 * SW_E_PARSE with why set. */
static sw_result price_from_token(sw_cursor tok, const char *field,
                                  const char *max, char price[BTC_PRICE_LEN],
                                  char why[BTC_WHY_LEN])
{
    char inner[BTC_WHY_LEN];
    if (!tok.ptr) {
        snprintf(why, BTC_WHY_LEN, "no %s in the answer", field);
        return SW_E_PARSE;
    }
    sw_cursor text = tok.ptr[0] == '"' ? js_plain_string(tok) : tok;
    if (btc_price_check(text, max, price, inner) != SW_OK) {
        snprintf(why, BTC_WHY_LEN, "%s: %.120s", field, inner);
        return SW_E_PARSE;
    }
    return SW_OK;
}

/* parse_coinbase: {"data":{"amount":"43210.12","base":"BTC",
 * "currency":"USD"}}. base and currency, when present, must match. */
static sw_result parse_coinbase(sw_cursor doc, const char *currency,
                                const char *max, char *price, char *why)
{
    sw_cursor data = js_member(doc, "data", NULL);
    if (!data.ptr)
        return fail(why, "no data object in the answer");
    sw_cursor base = js_plain_string(js_member(data, "base", NULL));
    if (base.ptr && !sw_cursor_eq_cstr(base, "BTC"))
        return fail(why, "quote is not for BTC");
    sw_cursor cur = js_plain_string(js_member(data, "currency", NULL));
    if (cur.ptr && !sw_cursor_eq_cstr(cur, currency))
        return fail(why, "quote is in another currency");
    return price_from_token(js_member(data, "amount", NULL), "data.amount",
                            max, price, why);
}

/* parse_kraken: {"error":[],"result":{"XXBTZUSD":{"c":["43210.1","0.1"],
 * ...}}}: the last trade price c[0]. The pair's key is XXBTZ<CUR> or
 * XBT<CUR> depending on the pair's age; any single pair is accepted. */
static sw_result parse_kraken(sw_cursor doc, const char *currency,
                              const char *max, char *price, char *why)
{
    sw_cursor errors = js_member(doc, "error", NULL);
    if (errors.ptr && errors.ptr[0] != '[')
        return fail(why, "error is not an array");
    sw_cursor first = errors.ptr ? js_element(errors, 0) : SW_CURSOR_NULL;
    if (first.ptr) {
        sw_cursor msg = js_plain_string(first);
        snprintf(why, BTC_WHY_LEN, "exchange error: %.*s",
                 msg.ptr ? (int)(msg.len > 100 ? 100 : msg.len) : 9,
                 msg.ptr ? msg.ptr : "(unknown)");
        return SW_E_PARSE;
    }
    sw_cursor result = js_member(doc, "result", NULL);
    if (!result.ptr || result.ptr[0] != '{')
        return fail(why, "no result object in the answer");
    char key[BTC_CURRENCY_LEN + 8];
    snprintf(key, sizeof key, "XXBTZ%s", currency);
    sw_cursor pair = js_member(result, key, NULL);
    if (!pair.ptr) {
        snprintf(key, sizeof key, "XBT%s", currency);
        pair = js_member(result, key, NULL);
    }
    if (!pair.ptr)
        pair = js_member(result, NULL, NULL);
    if (!pair.ptr)
        return fail(why, "no XBT pair in result");
    sw_cursor last = js_member(pair, "c", NULL);
    if (!last.ptr || last.ptr[0] != '[')
        return fail(why, "no last trade (c) in the answer");
    return price_from_token(js_element(last, 0), "c[0]", max, price, why);
}

/* parse_bitstamp: {"last":"43210", ...}. */
static sw_result parse_bitstamp(sw_cursor doc, const char *max, char *price,
                                char *why)
{
    return price_from_token(js_member(doc, "last", NULL), "last", max, price,
                            why);
}

/* parse_coingecko: {"bitcoin":{"usd":43210.12}}: the currency's key is
 * lowercase and the price a JSON number whose token is kept verbatim. */
static sw_result parse_coingecko(sw_cursor doc, const char *currency,
                                 const char *max, char *price, char *why)
{
    sw_cursor btc = js_member(doc, "bitcoin", NULL);
    if (!btc.ptr)
        return fail(why, "no bitcoin object in the answer");
    char key[BTC_CURRENCY_LEN];
    size_t i = 0;
    for (; currency[i] && i < sizeof key - 1; i++)
        key[i] = currency[i] >= 'A' && currency[i] <= 'Z'
                     ? (char)(currency[i] + 32)
                     : currency[i];
    key[i] = '\0';
    char field[BTC_CURRENCY_LEN + 8];
    snprintf(field, sizeof field, "bitcoin.%s", key);
    return price_from_token(js_member(btc, key, NULL), field, max, price, why);
}

/* btc_source_parse: the price in an exchange's answer (see header). */
sw_result btc_source_parse(btc_source_id id, const char *currency,
                           sw_cursor body, const char *max,
                           char price[BTC_PRICE_LEN], char why[BTC_WHY_LEN])
{
    if (!max)
        max = BTC_DEFAULT_PRICE_MAX;
    if (!body.ptr || !js_validate(body))
        return fail(why, "malformed JSON");
    sw_cursor doc = js_token(body.ptr, body.ptr + body.len);
    if (doc.ptr[0] != '{')
        return fail(why, "answer is not a JSON object");
    switch (id) {
    case BTC_SRC_COINBASE:
        return parse_coinbase(doc, currency, max, price, why);
    case BTC_SRC_KRAKEN:
        return parse_kraken(doc, currency, max, price, why);
    case BTC_SRC_BITSTAMP:
        return parse_bitstamp(doc, max, price, why);
    case BTC_SRC_COINGECKO:
        return parse_coingecko(doc, currency, max, price, why);
    default:
        return fail(why, "unknown source");
    }
}
