/* sources.h - the exchanges btc-price asks, as pure functions: which URL to
 * GET for a quote currency, how to read a price out of each exchange's
 * answer, and the decimal arithmetic (validation, comparison, median) that
 * keeps prices as the exact text an exchange quoted. No I/O here, so all of
 * it is unit-tested and fuzzed (tests/unit/test_btc_price_parse.c,
 * tests/fuzz/fuzz_btc_price_parse.c). */
#ifndef BTC_SOURCES_H
#define BTC_SOURCES_H

#include <stddef.h>

#include "sw/buf.h"
#include "sw/error.h"

/* Longest price text kept, NUL included. DynamoDB numbers have at most 38
 * significant digits; 64 leaves room for leading "0." zeros. */
#define BTC_PRICE_LEN 64
/* Room for a one-line reason a source was dropped. */
#define BTC_WHY_LEN 160
/* Quote currency codes are 2 to 5 ASCII letters (USD, EUR, USDT). */
#define BTC_CURRENCY_LEN 8
/* Default upper bound on a believable price, in any quote currency: 1e10
 * stays above BTC in the weakest currencies exchanges list (VND, IDR)
 * while catching garbage like 1e30. */
#define BTC_DEFAULT_PRICE_MAX "10000000000"

typedef enum btc_source_id {
    BTC_SRC_COINBASE = 0,
    BTC_SRC_KRAKEN,
    BTC_SRC_BITSTAMP,
    BTC_SRC_COINGECKO,
    BTC_SRC__COUNT
} btc_source_id;

/* btc_source_name: the lowercase name ("coinbase"), NULL if out of range. */
const char *btc_source_name(btc_source_id id);

/* btc_source_lookup: finds a source by name (ASCII case-insensitive).
 * Returns SW_OK or SW_E_CONFIG for an unknown name. */
sw_result btc_source_lookup(sw_cursor name, btc_source_id *out);

/* btc_sources_parse_list: parses a comma-separated list such as
 * "coinbase, kraken" into ids (room for BTC_SRC__COUNT) and *n. Spaces
 * around names are ignored. Returns SW_OK, or SW_E_CONFIG for an empty
 * list, an empty item, an unknown or a repeated name, with why set. */
sw_result btc_sources_parse_list(const char *list, btc_source_id *ids,
                                 size_t *n, char why[BTC_WHY_LEN]);

/* btc_currency_normalize: checks a quote currency code (2-5 ASCII letters)
 * and writes it uppercased to out. Returns SW_OK or SW_E_CONFIG. */
sw_result btc_currency_normalize(const char *in, char out[BTC_CURRENCY_LEN]);

/* btc_source_url: appends the URL to GET for id and currency (uppercase, as
 * btc_currency_normalize left it). base, when not NULL, replaces the
 * exchange's origin (scheme://host[:port][/prefix], a trailing '/' ignored;
 * the exchange's own path and query are appended): PRICE_URL_<SOURCE>.
 * Returns SW_OK, SW_E_CONFIG (base not http(s)://, or with spaces or
 * control characters), SW_E_NOMEM. */
sw_result btc_source_url(btc_source_id id, const char *currency,
                         const char *base, sw_buf *out);

/* btc_source_parse: reads the BTC price in currency out of an exchange's
 * 200 answer body. coinbase: data.amount (and data.base/currency must match
 * when present); kraken: result.<pair>.c[0], a non-empty "error" array
 * failing; bitstamp: last; coingecko: bitcoin.<currency lowercased>, a JSON
 * number whose exact token text is kept. The price must pass
 * btc_price_check against max (NULL: BTC_DEFAULT_PRICE_MAX). Returns SW_OK
 * with price set, or SW_E_PARSE with a one-line reason in why. */
sw_result btc_source_parse(btc_source_id id, const char *currency,
                           sw_cursor body, const char *max,
                           char price[BTC_PRICE_LEN], char why[BTC_WHY_LEN]);

/* btc_price_check: validates a price's text (JSON number syntax: optional
 * '-', no leading zeros, optional fraction and exponent) and writes it to
 * out as a plain decimal: unchanged when it has no exponent, else with the
 * exponent applied exactly ("4.321012e4" -> "43210.12"). Rejects
 * non-numbers (NaN, Infinity, ""), values <= 0, values above max (NULL: no
 * bound), more than 38 significant digits, or text that would not fit.
 * Returns SW_OK or SW_E_INVALID with why set. */
sw_result btc_price_check(sw_cursor text, const char *max,
                          char out[BTC_PRICE_LEN], char why[BTC_WHY_LEN]);

/* btc_decimal_cmp: compares two plain non-negative decimals as
 * btc_price_check writes them ("43210.1" vs "43210.10000" are equal).
 * Returns <0, 0 or >0. */
int btc_decimal_cmp(const char *a, const char *b);

/* btc_median: the median of n (>= 1) plain decimals, by value. With an even
 * count it is the LOWER of the two middle values, so the result is always
 * a price some source actually quoted, character for character (no
 * averaging, no rounding). Returns the index into prices. */
size_t btc_median(const char *const *prices, size_t n);

#endif
