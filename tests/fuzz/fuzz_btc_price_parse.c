/* fuzz_btc_price_parse.c - libFuzzer target for btc-price's pure functions
 * (workers/btc-price/sources.c and slot.c): the validating JSON scanner and
 * per-exchange parsers, exact decimal checks, the median and ISO-8601
 * parsing.
 *
 * Input: byte 0 picks the exchange and quote currency, the rest is the
 * answer body; the same bytes are also tried as a price text, as a list of
 * prices (one per line) and as a time. Properties (abort on violation):
 *   - a parsed price is a plain positive decimal within the bound, and
 *     btc_price_check gives it back unchanged;
 *   - btc_price_check is idempotent, and keeps exponent-free text as is;
 *   - the median has at most half the values strictly on either side;
 *   - a parsed time formats and parses back to the same instant. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "slot.h"
#include "sources.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check: aborts (the fuzzer reports it) when a property fails. */
static void check(int cond)
{
    if (!cond)
        abort();
}

/* plain_decimal: true for digits with at most one '.', no sign/exponent. */
static int plain_decimal(const char *s)
{
    int dots = 0, digits = 0;
    for (; *s; s++) {
        if (*s == '.')
            dots++;
        else if (*s >= '0' && *s <= '9')
            digits++;
        else
            return 0;
    }
    return dots <= 1 && digits > 0;
}

/* fuzz_body: one exchange's parser on the body. */
static void fuzz_body(uint8_t sel, const uint8_t *body, size_t n)
{
    static const char *const currencies[] = {"USD", "EUR", "GBP", "USDT"};
    static const char *const maxes[] = {NULL, "10000000000", "50000.5", "1"};
    btc_source_id id = (btc_source_id)(sel % BTC_SRC__COUNT);
    const char *cur = currencies[(sel >> 2) % 4];
    const char *max = maxes[(sel >> 4) % 4];
    char price[BTC_PRICE_LEN], why[BTC_WHY_LEN];
    /* exact-size heap copy: ASan catches any read past the body */
    char *copy = malloc(n ? n : 1);
    if (!copy)
        return;
    memcpy(copy, body, n);
    sw_result rc = btc_source_parse(id, cur, sw_cursor_from_mem(copy, n),
                                    max, price, why);
    free(copy);
    if (rc != SW_OK) {
        check(rc == SW_E_PARSE && why[0] != '\0');
        return;
    }
    check(plain_decimal(price));
    check(btc_decimal_cmp(price, max ? max : BTC_DEFAULT_PRICE_MAX) <= 0);
    char again[BTC_PRICE_LEN];
    check(btc_price_check(sw_cursor_from_cstr(price), max, again, why) ==
          SW_OK);
    check(strcmp(again, price) == 0);
}

/* fuzz_price_text: btc_price_check's properties on the raw bytes. */
static void fuzz_price_text(const uint8_t *data, size_t n)
{
    char out[BTC_PRICE_LEN], again[BTC_PRICE_LEN], why[BTC_WHY_LEN];
    sw_cursor text = sw_cursor_from_mem(data, n);
    if (btc_price_check(text, NULL, out, why) != SW_OK)
        return;
    check(plain_decimal(out));
    check(btc_price_check(sw_cursor_from_cstr(out), NULL, again, why) ==
          SW_OK);
    check(strcmp(out, again) == 0);
    if (!memchr(data, 'e', n) && !memchr(data, 'E', n))
        check(strlen(out) == n && memcmp(out, data, n) == 0);
}

/* fuzz_median: the median of the lines that are valid prices. */
static void fuzz_median(const uint8_t *data, size_t n)
{
    enum { MAX = 8 };
    char prices[MAX][BTC_PRICE_LEN], why[BTC_WHY_LEN];
    const char *ptrs[MAX];
    size_t k = 0;
    const uint8_t *p = data, *end = data + n;
    while (p < end && k < MAX) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (btc_price_check(sw_cursor_from_mem(p, len), NULL, prices[k],
                            why) == SW_OK) {
            ptrs[k] = prices[k];
            k++;
        }
        p += len + 1;
    }
    if (k == 0)
        return;
    size_t m = btc_median(ptrs, k);
    check(m < k);
    size_t below = 0, above = 0;
    for (size_t i = 0; i < k; i++) {
        int c = btc_decimal_cmp(ptrs[i], ptrs[m]);
        below += c < 0;
        above += c > 0;
        check(c == -btc_decimal_cmp(ptrs[m], ptrs[i]));
    }
    check(below <= (k - 1) / 2 && above <= k / 2);
}

/* fuzz_time: ISO-8601 round trip. */
static void fuzz_time(const uint8_t *data, size_t n)
{
    char s[64], out[BTC_TIME_LEN];
    if (n >= sizeof s)
        return;
    memcpy(s, data, n);
    s[n] = '\0';
    time_t t, back;
    if (btc_parse_iso8601(s, &t) != SW_OK)
        return;
    btc_format_iso8601(t, out);
    if (out[0] == '\0')
        return; /* an offset pushed it past year 9999 */
    check(btc_parse_iso8601(out, &back) == SW_OK && back == t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    fuzz_body(data[0], data + 1, size - 1);
    fuzz_price_text(data, size);
    fuzz_median(data, size);
    fuzz_time(data, size);
    return 0;
}
