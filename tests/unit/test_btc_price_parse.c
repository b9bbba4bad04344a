/* test_btc_price_parse.c - btc-price's pure functions: per-exchange URLs,
 * parsing each exchange's real answer format, exact decimal checks and
 * comparison, the median rule, and the time slot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "slot.h"
#include "sw/dynamodb.h"
#include "sources.h"
#include "sw_test.h"

/* url: the URL for a source/currency/base, or "ERR" on failure. */
static const char *url(btc_source_id id, const char *cur, const char *base)
{
    static char out[256];
    sw_buf b = SW_BUF_INIT;
    if (btc_source_url(id, cur, base, &b) != SW_OK)
        snprintf(out, sizeof out, "ERR");
    else
        snprintf(out, sizeof out, "%s", b.ptr);
    sw_buf_free(&b);
    return out;
}

/* parse: parses body for id in cur; returns the price or "ERR: why". */
static const char *parse(btc_source_id id, const char *cur, const char *body)
{
    static char out[BTC_WHY_LEN + 8];
    char price[BTC_PRICE_LEN], why[BTC_WHY_LEN];
    /* a heap copy so ASan sees any read past the end of the body */
    size_t n = strlen(body);
    char *copy = malloc(n ? n : 1);
    memcpy(copy, body, n);
    sw_result rc = btc_source_parse(id, cur, sw_cursor_from_mem(copy, n),
                                    NULL, price, why);
    free(copy);
    if (rc == SW_OK)
        snprintf(out, sizeof out, "%s", price);
    else
        snprintf(out, sizeof out, "ERR: %s", why);
    return out;
}

/* check: btc_price_check with max; the plain text or "ERR: why". */
static const char *check(const char *text, const char *max)
{
    static char out[BTC_WHY_LEN + 8];
    char price[BTC_PRICE_LEN], why[BTC_WHY_LEN];
    if (btc_price_check(sw_cursor_from_cstr(text), max, price, why) == SW_OK)
        snprintf(out, sizeof out, "%s", price);
    else
        snprintf(out, sizeof out, "ERR: %s", why);
    return out;
}

/* sw_ddb_number_ok: true when libsw's DynamoDB layer takes s as an N. */
static int sw_ddb_number_ok(const char *s)
{
    cJSON *n = sw_ddb_number(s);
    cJSON_Delete(n);
    return n != NULL;
}

/* starts: true when s begins with prefix. */
static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void test_urls(void)
{
    CHECK_EQ_STR(url(BTC_SRC_COINBASE, "USD", NULL),
                 "https://api.coinbase.com/v2/prices/BTC-USD/spot",
                 "coinbase URL");
    CHECK_EQ_STR(url(BTC_SRC_KRAKEN, "EUR", NULL),
                 "https://api.kraken.com/0/public/Ticker?pair=XBTEUR",
                 "kraken URL uses XBT<CUR>");
    CHECK_EQ_STR(url(BTC_SRC_BITSTAMP, "USD", NULL),
                 "https://www.bitstamp.net/api/v2/ticker/btcusd/",
                 "bitstamp URL lowercases the pair");
    CHECK_EQ_STR(url(BTC_SRC_COINGECKO, "GBP", NULL),
                 "https://api.coingecko.com/api/v3/simple/price?ids=bitcoin"
                 "&vs_currencies=gbp",
                 "coingecko URL lowercases vs_currencies");
    CHECK_EQ_STR(url(BTC_SRC_KRAKEN, "USD", "https://127.0.0.1:8443/"),
                 "https://127.0.0.1:8443/0/public/Ticker?pair=XBTUSD",
                 "override replaces the origin, trailing slash dropped");
    CHECK_EQ_STR(url(BTC_SRC_BITSTAMP, "USD", "http://proxy:1/prefix"),
                 "http://proxy:1/prefix/api/v2/ticker/btcusd/",
                 "override may carry a path prefix");
    CHECK_EQ_STR(url(BTC_SRC_COINBASE, "USD", "ftp://x"), "ERR",
                 "override must be http(s)");
    CHECK_EQ_STR(url(BTC_SRC_COINBASE, "USD", "https://a b"), "ERR",
                 "override with a space is refused");
    CHECK_EQ_STR(url(BTC_SRC_COINBASE, "USD", "https://"), "ERR",
                 "override without a host is refused");
}

static void test_lists(void)
{
    btc_source_id ids[BTC_SRC__COUNT];
    size_t n = 0;
    char why[BTC_WHY_LEN];
    CHECK(btc_sources_parse_list("coinbase,kraken,bitstamp,coingecko", ids,
                                 &n, why) == SW_OK &&
              n == 4 && ids[0] == BTC_SRC_COINBASE &&
              ids[3] == BTC_SRC_COINGECKO,
          "all four sources, in order");
    CHECK(btc_sources_parse_list(" Kraken , BITSTAMP", ids, &n, why) ==
                  SW_OK &&
              n == 2 && ids[0] == BTC_SRC_KRAKEN && ids[1] == BTC_SRC_BITSTAMP,
          "spaces and case are ignored");
    CHECK(btc_sources_parse_list("coinbase,binance", ids, &n, why) ==
                  SW_E_CONFIG &&
              strstr(why, "unknown source 'binance'"),
          "unknown source named");
    CHECK(btc_sources_parse_list("kraken,kraken", ids, &n, why) ==
                  SW_E_CONFIG && strstr(why, "twice"),
          "repeated source refused");
    CHECK(btc_sources_parse_list("kraken,,coinbase", ids, &n, why) ==
              SW_E_CONFIG,
          "empty item refused");
    CHECK(btc_sources_parse_list("  ", ids, &n, why) == SW_E_CONFIG,
          "empty list refused");
    char cur[BTC_CURRENCY_LEN];
    CHECK(btc_currency_normalize("eur", cur) == SW_OK &&
              strcmp(cur, "EUR") == 0,
          "currency uppercased");
    CHECK(btc_currency_normalize("US1", cur) == SW_E_CONFIG,
          "currency with a digit refused");
    CHECK(btc_currency_normalize("U", cur) == SW_E_CONFIG &&
              btc_currency_normalize("USDTXX", cur) == SW_E_CONFIG,
          "currency length 2-5");
}

static void test_coinbase(void)
{
    CHECK_EQ_STR(parse(BTC_SRC_COINBASE, "USD",
                       "{\"data\":{\"amount\":\"43210.12\",\"base\":\"BTC\","
                       "\"currency\":\"USD\"}}"),
                 "43210.12", "coinbase: data.amount");
    CHECK_EQ_STR(parse(BTC_SRC_COINBASE, "USD",
                       " {\n \"data\" : { \"base\":\"BTC\", \"amount\" : "
                       "\"43210.120\" } } \n"),
                 "43210.120", "coinbase: whitespace, trailing zero kept");
    CHECK(starts(parse(BTC_SRC_COINBASE, "USD",
                       "{\"data\":{\"amount\":\"43210.12\",\"base\":\"BTC\","
                       "\"currency\":\"EUR\"}}"),
                 "ERR: quote is in another currency"),
          "coinbase: currency mismatch dropped");
    CHECK(starts(parse(BTC_SRC_COINBASE, "USD",
                       "{\"data\":{\"amount\":\"43210.12\",\"base\":\"ETH\"}}"),
                 "ERR: quote is not for BTC"),
          "coinbase: base mismatch dropped");
    CHECK(starts(parse(BTC_SRC_COINBASE, "USD",
                       "{\"errors\":[{\"id\":\"not_found\"}]}"),
                 "ERR: no data object"),
          "coinbase: error answer");
    CHECK(starts(parse(BTC_SRC_COINBASE, "USD",
                       "{\"data\":{\"amount\":\"NaN\"}}"),
                 "ERR: data.amount: not a number"),
          "coinbase: NaN dropped");
}

static void test_kraken(void)
{
    const char *real =
        "{\"error\":[],\"result\":{\"XXBTZUSD\":{\"a\":[\"43210.20000\","
        "\"1\",\"1.000\"],\"b\":[\"43210.10000\",\"2\",\"2.000\"],"
        "\"c\":[\"43210.10000\",\"0.00120000\"],\"v\":[\"1.1\",\"2.2\"],"
        "\"p\":[\"1\",\"2\"],\"t\":[5,6],\"l\":[\"1\",\"2\"],"
        "\"h\":[\"1\",\"2\"],\"o\":\"43000.00000\"}}}";
    CHECK_EQ_STR(parse(BTC_SRC_KRAKEN, "USD", real), "43210.10000",
                 "kraken: last trade c[0], exact text");
    CHECK_EQ_STR(parse(BTC_SRC_KRAKEN, "CHF",
                       "{\"error\":[],\"result\":{\"XBTCHF\":{\"c\":"
                       "[\"38000.1\",\"1\"]}}}"),
                 "38000.1", "kraken: XBT<CUR> key for newer pairs");
    CHECK_EQ_STR(parse(BTC_SRC_KRAKEN, "USD",
                       "{\"error\":[],\"result\":{\"XBTUSD.M\":{\"c\":"
                       "[\"43000\",\"1\"]}}}"),
                 "43000", "kraken: a single unknown pair key is accepted");
    CHECK(starts(parse(BTC_SRC_KRAKEN, "USD",
                       "{\"error\":[\"EQuery:Unknown asset pair\"]}"),
                 "ERR: exchange error: EQuery:Unknown asset pair"),
          "kraken: non-empty error array fails with its text");
    CHECK(starts(parse(BTC_SRC_KRAKEN, "USD",
                       "{\"error\":[\"EGeneral:Too many requests\"],"
                       "\"result\":{\"XXBTZUSD\":{\"c\":[\"1\",\"1\"]}}}"),
                 "ERR: exchange error"),
          "kraken: error wins over a result");
    CHECK(starts(parse(BTC_SRC_KRAKEN, "USD",
                       "{\"error\":[],\"result\":{\"XXBTZUSD\":{\"c\":[]}}}"),
                 "ERR: no c[0]"),
          "kraken: empty c array");
    CHECK(starts(parse(BTC_SRC_KRAKEN, "USD",
                       "{\"error\":[],\"result\":{\"A\":{},\"B\":{}}}"),
                 "ERR: no XBT pair"),
          "kraken: two unknown pairs are ambiguous");
}

static void test_bitstamp_coingecko(void)
{
    CHECK_EQ_STR(parse(BTC_SRC_BITSTAMP, "USD",
                       "{\"timestamp\":\"1700000000\",\"open\":\"43000\","
                       "\"high\":\"44000\",\"low\":\"42000\",\"last\":\"43210\","
                       "\"volume\":\"1234.5\",\"vwap\":\"43100\",\"bid\":"
                       "\"43209\",\"ask\":\"43211\",\"side\":\"0\","
                       "\"open_24\":\"43001\",\"percent_change_24\":\"0.49\"}"),
                 "43210", "bitstamp: last");
    CHECK(starts(parse(BTC_SRC_BITSTAMP, "USD", "{\"last\":null}"),
                 "ERR: last: not a number"),
          "bitstamp: null last dropped");
    CHECK_EQ_STR(parse(BTC_SRC_COINGECKO, "USD",
                       "{\"bitcoin\":{\"usd\":43210.12}}"),
                 "43210.12", "coingecko: JSON number kept verbatim");
    CHECK_EQ_STR(parse(BTC_SRC_COINGECKO, "USD",
                       "{\"bitcoin\":{\"usd\":43210.10000000000001}}"),
                 "43210.10000000000001",
                 "coingecko: more digits than a double holds, kept exactly");
    CHECK_EQ_STR(parse(BTC_SRC_COINGECKO, "EUR",
                       "{\"bitcoin\":{\"usd\":1,\"eur\":4.0012e4}}"),
                 "40012", "coingecko: exponent applied exactly, right key");
    CHECK(starts(parse(BTC_SRC_COINGECKO, "USD", "{\"bitcoin\":{}}"),
                 "ERR: no bitcoin.usd"),
          "coingecko: missing currency");
}

static void test_garbage(void)
{
    static const char *const bad[] = {
        "", "{", "}", "{\"last\":\"1\"", "{\"last\":\"1\"}x", "<html>502</html>",
        "{\"last\":\"1\",}", "{\"last\" \"1\"}", "{'last':'1'}",
        "{\"last\":01}", "{\"last\":\"1\x01\"}", "{\"last\":\"\\x\"}",
        "[1,2", "nul", "{\"last\":1.}", "{\"last\":-}", "{\"last\":.5}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char what[96];
        snprintf(what, sizeof what, "garbage #%zu refused as malformed", i);
        CHECK(starts(parse(BTC_SRC_BITSTAMP, "USD", bad[i]),
                     "ERR: malformed JSON"),
              what);
    }
    char deep[202] = "{";
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    deep[200] = '\0'; /* balanced, just 100 deep */
    CHECK(starts(parse(BTC_SRC_BITSTAMP, "USD", deep), "ERR: malformed"),
          "nesting beyond 64 refused");
    CHECK(starts(parse(BTC_SRC_BITSTAMP, "USD", "[\"last\",\"1\"]"),
                 "ERR: answer is not a JSON object"),
          "top-level array refused");
    CHECK(starts(parse(BTC_SRC_BITSTAMP, "USD", "{\"last\":\"4\\u0033\"}"),
                 "ERR: last: not a number"),
          "escaped digits are not taken as a price");
    CHECK(starts(parse(BTC_SRC_BITSTAMP, "USD", "{\"last\":\"-5\"}"),
                 "ERR: last: not a positive number"),
          "negative price dropped");
    CHECK(starts(parse(BTC_SRC_BITSTAMP, "USD", "{\"last\":\"0.000\"}"),
                 "ERR: last: not a positive number"),
          "zero price dropped");
    CHECK(starts(parse(BTC_SRC_BITSTAMP, "USD", "{\"last\":1e30}"),
                 "ERR: last: absurd price"),
          "absurdly large price dropped");
    CHECK(starts(parse(BTC_SRC_BITSTAMP, "USD", "{\"last\":\"Infinity\"}"),
                 "ERR: last: not a number"),
          "Infinity dropped");
    CHECK(starts(parse(BTC_SRC_BITSTAMP, "USD", "{\"last\":true}"),
                 "ERR: last: not a number"),
          "boolean dropped");
}

static void test_decimals(void)
{
    CHECK_EQ_STR(check("43210.12", NULL), "43210.12", "plain decimal kept");
    CHECK_EQ_STR(check("0.5", NULL), "0.5", "leading 0. allowed");
    CHECK(starts(check("0123", NULL), "ERR: not a number"),
          "leading zeros refused");
    CHECK(starts(check("1.", NULL), "ERR"), "dangling point refused");
    CHECK(starts(check(" 1", NULL), "ERR"), "space refused");
    CHECK(starts(check("+1", NULL), "ERR"), "plus sign refused");
    CHECK_EQ_STR(check("4.321012e4", NULL), "43210.12", "exponent, fraction");
    CHECK_EQ_STR(check("43210E+0", NULL), "43210", "zero exponent");
    CHECK_EQ_STR(check("5e-3", NULL), "0.005", "negative exponent");
    CHECK_EQ_STR(check("0.00043e8", NULL), "43000", "leading zeros shifted");
    CHECK(starts(check("1e999999999999", NULL), "ERR: absurd exponent"),
          "huge exponent refused without overflow");
    CHECK(starts(check("1e63", NULL), "ERR: does not fit"),
          "1e63 does not fit a plain decimal");
    CHECK(starts(check("1234567890123456789012345678901234567.89", NULL),
                 "ERR: more than 38 significant digits"),
          "39 significant digits refused");
    CHECK_EQ_STR(check("22930101e33", NULL),
                 "22930101000000000000000000000000000000000",
                 "trailing integer zeros are not significant (as DynamoDB)");
    CHECK(check("22930101e33", NULL) && sw_ddb_number_ok(
              "22930101000000000000000000000000000000000") &&
              sw_ddb_number_ok("0.000000000000000000001") &&
              sw_ddb_number_ok("43210.10000"),
          "prices btc_price_check accepts are DynamoDB numbers");
    CHECK_EQ_STR(check("0.000000000000000000001", NULL),
                 "0.000000000000000000001",
                 "leading fraction zeros are not significant");
    CHECK_EQ_STR(check("10000000000", "10000000000"), "10000000000",
                 "max itself is allowed");
    CHECK(starts(check("10000000000.01", "10000000000"), "ERR: absurd"),
          "just above max refused");

    CHECK(btc_decimal_cmp("43210.1", "43210.10000") == 0,
          "trailing zeros compare equal");
    CHECK(btc_decimal_cmp("9.99", "10") < 0, "shorter integer part is less");
    CHECK(btc_decimal_cmp("100", "99.999") > 0, "longer integer part wins");
    CHECK(btc_decimal_cmp("0.5", "0.49") > 0, "fractions compared digitwise");
    CHECK(btc_decimal_cmp("43210.12", "43210.121") < 0, "extra digit");
}

static void test_median(void)
{
    const char *odd[] = {"43210.3", "43100", "43300.00"};
    CHECK_EQ_INT(btc_median(odd, 3), 0, "odd count: the middle value");
    const char *even[] = {"43300", "43100.5", "43210.10000", "43250"};
    CHECK_EQ_STR(even[btc_median(even, 4)], "43210.10000",
                 "even count: the lower middle, its exact text");
    const char *two[] = {"2", "1"};
    CHECK_EQ_STR(two[btc_median(two, 2)], "1", "two: the lower one");
    const char *one[] = {"7.5"};
    CHECK_EQ_INT(btc_median(one, 1), 0, "one value");
    const char *lex[] = {"9", "10", "100"};
    CHECK_EQ_STR(lex[btc_median(lex, 3)], "10",
                 "by value, not by text (9 < 10 < 100)");
}

static void test_slot(void)
{
    time_t t = 0;
    char s[BTC_TIME_LEN];
    CHECK(btc_parse_iso8601("2024-01-01T12:00:00Z", &t) == SW_OK &&
              t == 1704110400,
          "Z time");
    CHECK(btc_parse_iso8601("2024-02-29T23:59:59.999Z", &t) == SW_OK &&
              t == 1709251199,
          "leap day, fraction dropped");
    CHECK(btc_parse_iso8601("2024-01-01T14:30:00+02:30", &t) == SW_OK &&
              t == 1704110400,
          "positive offset");
    CHECK(btc_parse_iso8601("2024-01-01T07:00:00-05:00", &t) == SW_OK &&
              t == 1704110400,
          "negative offset");
    static const char *const bad[] = {
        "2024-01-01T12:00:00",  "2024-01-01 12:00:00Z", "2023-02-29T00:00:00Z",
        "2024-13-01T00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01T12:00:00Zx",
        "24-01-01T12:00:00Z",   "1969-12-31T23:59:59Z", "2024-01-01T12:00:00.Z",
        "",                      "now",                  "2024-04-31T00:00:00Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char what[96];
        snprintf(what, sizeof what, "bad time '%s' refused", bad[i]);
        CHECK(btc_parse_iso8601(bad[i], &t) == SW_E_CONFIG, what);
    }
    btc_format_iso8601(1704110400, s);
    CHECK_EQ_STR(s, "2024-01-01T12:00:00Z", "format");
    CHECK_EQ_INT(btc_slot_floor(1704110400 + 119, 120), 1704110400,
                 "floored to the 2-minute slot");
    CHECK_EQ_INT(btc_slot_floor(1704110400 + 120, 120), 1704110520,
                 "next slot starts exactly on the boundary");
}

int main(void)
{
    test_urls();
    test_lists();
    test_coinbase();
    test_kraken();
    test_bitstamp_coingecko();
    test_garbage();
    test_decimals();
    test_median();
    test_slot();
    return SW_TEST_DONE();
}
