/* btc-price - fetches the BTC spot price from several exchanges at once,
 * stores the median in DynamoDB for the current time slot, exactly once.
 *
 * One run = one slot = at most one item. The item's key is (pair, slot
 * time) and the write is conditional on the key not existing, so an attempt
 * that AWS Batch retries, or a run whose answer was lost, never writes
 * twice: a ConditionalCheckFailed means "already done" and ends with 0.
 *
 * Environment (see README):
 *   TABLE_NAME        required
 *   PRICE_SOURCES     coinbase,kraken,bitstamp,coingecko (default: all)
 *   PRICE_CURRENCY    quote currency, default USD
 *   PRICE_URL_<SRC>   replaces a source's origin (tests, proxies)
 *   PRICE_QUORUM      sources that must answer, default 2
 *   PRICE_TIMEOUT_MS  per-source timeout, default 3000
 *   PRICE_MAX         largest believable price, default 1e10
 *   SCHEDULED_TIME    the slot (ISO-8601), else now floored to SLOT_SECONDS
 *   SLOT_SECONDS      default 120
 * Output: one JSON log line on stderr, one EMF metrics line on stdout.
 * Exit codes (sw/exit.h): 0 written or already written, 2 configuration, a
 * non-retryable write error, or a quorum failure caused only by local
 * setup (unusable CA file), 3 quorum not met or a transient write error,
 * 1 internal. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "slot.h"
#include "sources.h"
#include "sw/aws.h"
#include "sw/creds.h"
#include "sw/dynamodb.h"
#include "sw/exit.h"
#include "sw/http.h"
#include "sw/http_multi.h"
#include "sw/log.h"

#define USER_AGENT "scratchwork-btc-price/1"

enum {
    DEFAULT_QUORUM = 2,
    DEFAULT_TIMEOUT_MS = 3000,
    DEFAULT_SLOT_SECONDS = 120,
    MAX_TIMEOUT_MS = 60000,
    MAX_SLOT_SECONDS = 86400,
    MAX_BODY = 1 << 20, /* a ticker is a few hundred bytes */
    MSG_LEN = 1024
};

typedef struct config {
    const char *table;
    char currency[BTC_CURRENCY_LEN];
    char pair[BTC_CURRENCY_LEN + 4];     /* "BTC-USD" */
    btc_source_id ids[BTC_SRC__COUNT];
    size_t n;
    sw_buf urls[BTC_SRC__COUNT];
    long quorum;
    long timeout_ms;
    long slot_seconds;
    char slot[BTC_TIME_LEN];             /* the item's sort key */
    char max[BTC_PRICE_LEN];
} config;

/* One source's outcome. */
typedef struct quote {
    int ok;
    sw_result transport; /* the request's result (SW_OK: an answer came) */
    char price[BTC_PRICE_LEN];
    char why[BTC_WHY_LEN];
} quote;

/* now_ms: a monotonic clock in milliseconds, for durations. */
static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* env_long: reads integer variable name in [lo, hi] into *out, keeping the
 * default when unset or empty. Returns SW_OK or SW_E_CONFIG with why. */
static sw_result env_long(const char *name, long lo, long hi, long *out,
                          char *why, size_t whylen)
{
    const char *s = getenv(name);
    if (!s || !*s)
        return SW_OK;
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        snprintf(why, whylen, "%s must be an integer from %ld to %ld", name,
                 lo, hi);
        return SW_E_CONFIG;
    }
    *out = v;
    return SW_OK;
}

/* config_load: reads and checks the whole environment before any network
 * traffic, so a bad deployment fails fast with exit 2. Returns SW_OK,
 * SW_E_CONFIG with why set, or SW_E_NOMEM. */
static sw_result config_load(config *c, char *why, size_t whylen)
{
    char reason[BTC_WHY_LEN];
    c->table = getenv("TABLE_NAME");
    if (!c->table || !*c->table) {
        snprintf(why, whylen, "TABLE_NAME is required");
        return SW_E_CONFIG;
    }
    const char *cur = getenv("PRICE_CURRENCY");
    if (btc_currency_normalize(cur && *cur ? cur : "USD", c->currency)) {
        snprintf(why, whylen, "PRICE_CURRENCY must be 2 to 5 letters");
        return SW_E_CONFIG;
    }
    snprintf(c->pair, sizeof c->pair, "BTC-%s", c->currency);
    const char *list = getenv("PRICE_SOURCES");
    if (btc_sources_parse_list(list ? list : "coinbase,kraken,bitstamp,"
                                             "coingecko",
                               c->ids, &c->n, reason) != SW_OK) {
        snprintf(why, whylen, "%s", reason);
        return SW_E_CONFIG;
    }
    c->quorum = DEFAULT_QUORUM < (long)c->n ? DEFAULT_QUORUM : (long)c->n;
    c->timeout_ms = DEFAULT_TIMEOUT_MS;
    c->slot_seconds = DEFAULT_SLOT_SECONDS;
    if (env_long("PRICE_QUORUM", 1, (long)c->n, &c->quorum, why, whylen) ||
        env_long("PRICE_TIMEOUT_MS", 1, MAX_TIMEOUT_MS, &c->timeout_ms, why,
                 whylen) ||
        env_long("SLOT_SECONDS", 1, MAX_SLOT_SECONDS, &c->slot_seconds, why,
                 whylen))
        return SW_E_CONFIG;
    const char *max = getenv("PRICE_MAX");
    if (btc_price_check(sw_cursor_from_cstr(max && *max
                                                ? max
                                                : BTC_DEFAULT_PRICE_MAX),
                        NULL, c->max, reason) != SW_OK) {
        snprintf(why, whylen, "PRICE_MAX: %s", reason);
        return SW_E_CONFIG;
    }
    for (size_t i = 0; i < c->n; i++) {
        const char *name = btc_source_name(c->ids[i]);
        char var[32] = "PRICE_URL_";
        size_t k = strlen(var);
        for (size_t j = 0; name[j] && k < sizeof var - 1; j++)
            var[k++] = (char)(name[j] - 32); /* names are lowercase a-z */
        var[k] = '\0';
        const char *base = getenv(var);
        sw_result rc = btc_source_url(c->ids[i], c->currency,
                                      base && *base ? base : NULL,
                                      &c->urls[i]);
        if (rc == SW_E_CONFIG)
            snprintf(why, whylen, "%s must be an http:// or https:// URL",
                     var);
        if (rc)
            return rc;
    }
    time_t slot;
    const char *sched = getenv("SCHEDULED_TIME");
    if (sched && *sched) {
        if (btc_parse_iso8601(sched, &slot) != SW_OK) {
            snprintf(why, whylen, "SCHEDULED_TIME must be an ISO-8601 time "
                     "with a zone, e.g. 2024-01-01T12:00:00Z");
            return SW_E_CONFIG;
        }
    } else {
        slot = btc_slot_floor(time(NULL), c->slot_seconds);
    }
    btc_format_iso8601(slot, c->slot);
    return SW_OK;
}

/* config_free: frees the URL buffers. */
static void config_free(config *c)
{
    for (size_t i = 0; i < BTC_SRC__COUNT; i++)
        sw_buf_free(&c->urls[i]);
}

/* fetch_all: asks every configured source at once and fills q[i] with its
 * price or the reason it was dropped. Returns SW_OK or SW_E_NOMEM. */
static sw_result fetch_all(const config *c, quote *q)
{
    static const sw_http_header headers[] = {
        {"Accept", "application/json"},
        {"User-Agent", USER_AGENT},
    };
    sw_http_request reqs[BTC_SRC__COUNT];
    sw_http_response resps[BTC_SRC__COUNT];
    sw_result results[BTC_SRC__COUNT];
    memset(resps, 0, sizeof resps);
    for (size_t i = 0; i < c->n; i++) {
        reqs[i] = (sw_http_request){
            .method = "GET",
            .url = c->urls[i].ptr,
            .headers = headers,
            .header_count = sizeof headers / sizeof headers[0],
            .timeout_ms = c->timeout_ms,
        };
    }
    sw_http_options opt = {
        .connect_timeout_ms = c->timeout_ms,
        .timeout_ms = c->timeout_ms,
        .max_body = MAX_BODY,
    };
    sw_result rc = sw_http_send_all(&opt, reqs, resps, results, c->n);
    for (size_t i = 0; rc == SW_OK && i < c->n; i++) {
        quote *qi = &q[i];
        qi->transport = results[i];
        if (results[i] != SW_OK) {
            snprintf(qi->why, sizeof qi->why, "%s: %.120s",
                     sw_result_str(results[i]), resps[i].error);
        } else if (resps[i].status != 200) {
            snprintf(qi->why, sizeof qi->why, "HTTP %ld", resps[i].status);
        } else {
            qi->ok = btc_source_parse(c->ids[i], c->currency,
                                      sw_cursor_from_buf(&resps[i].body),
                                      c->max, qi->price, qi->why) == SW_OK;
        }
    }
    for (size_t i = 0; i < c->n; i++)
        sw_http_response_free(&resps[i]);
    return rc;
}

/* build_item: the DynamoDB item for the slot: pair, timestamp, price (N,
 * the median's exact text), sources (M of source -> N), fetched_at.
 * Returns the item or NULL on ENOMEM. */
static cJSON *build_item(const config *c, const quote *q, const char *price,
                         const char *fetched_at)
{
    cJSON *item = cJSON_CreateObject();
    cJSON *map = cJSON_CreateObject();
    cJSON *sources = cJSON_CreateObject();
    if (!item || !map || !sources ||
        !cJSON_AddItemToObject(sources, "M", map)) {
        cJSON_Delete(item);
        cJSON_Delete(map);
        cJSON_Delete(sources);
        return NULL;
    }
    int ok = cJSON_AddItemToObject(item, "sources", sources);
    if (!ok)
        cJSON_Delete(sources);
    for (size_t i = 0; ok && i < c->n; i++)
        if (q[i].ok)
            ok = cJSON_AddItemToObject(map, btc_source_name(c->ids[i]),
                                       sw_ddb_number(q[i].price));
    ok = ok && cJSON_AddItemToObject(item, "pair", sw_ddb_string(c->pair)) &&
         cJSON_AddItemToObject(item, "timestamp", sw_ddb_string(c->slot)) &&
         cJSON_AddItemToObject(item, "price", sw_ddb_number(price)) &&
         cJSON_AddItemToObject(item, "fetched_at",
                               sw_ddb_string(fetched_at));
    if (!ok) {
        cJSON_Delete(item);
        return NULL;
    }
    return item;
}

/* put_price: writes the item unless the slot already has one. Returns
 * sw_ddb_put_item's result (SW_E_CONDITION: already written). */
static sw_result put_price(sw_aws_client *client, const config *c,
                           const cJSON *item, sw_aws_error *err)
{
    cJSON *names = cJSON_CreateObject();
    if (!names || !cJSON_AddStringToObject(names, "#pair", "pair") ||
        !cJSON_AddStringToObject(names, "#ts", "timestamp")) {
        cJSON_Delete(names);
        return SW_E_NOMEM;
    }
    sw_ddb_expr expr = {
        .condition = "attribute_not_exists(#pair) AND "
                     "attribute_not_exists(#ts)",
        .names = names,
    };
    sw_result rc = sw_ddb_put_item(client, c->table, item, &expr, err);
    cJSON_Delete(names);
    return rc;
}

/* list_reasons: appends "name: reason; ..." for the dropped sources. */
static void list_reasons(char *msg, size_t cap, const config *c,
                         const quote *q)
{
    size_t len = strlen(msg);
    const char *sep = "";
    for (size_t i = 0; i < c->n && len < cap; i++) {
        if (q[i].ok)
            continue;
        int w = snprintf(msg + len, cap - len, "%s%s: %s", sep,
                         btc_source_name(c->ids[i]), q[i].why);
        if (w < 0)
            break;
        len += (size_t)w;
        sep = "; ";
    }
}

/* log_fields: the run's structured fields for its one log line. */
static cJSON *log_fields(const config *c, const quote *q, size_t ok,
                         long long fetch_ms)
{
    cJSON *f = cJSON_CreateObject();
    cJSON *prices = cJSON_AddObjectToObject(f, "sources");
    cJSON *failed = cJSON_AddObjectToObject(f, "failed");
    cJSON_AddStringToObject(f, "pair", c->pair);
    cJSON_AddStringToObject(f, "slot", c->slot);
    cJSON_AddNumberToObject(f, "sources_ok", (double)ok);
    cJSON_AddNumberToObject(f, "quorum", (double)c->quorum);
    cJSON_AddNumberToObject(f, "fetch_ms", (double)fetch_ms);
    for (size_t i = 0; i < c->n; i++) {
        const char *name = btc_source_name(c->ids[i]);
        if (q[i].ok)
            cJSON_AddStringToObject(prices, name, q[i].price);
        else
            cJSON_AddStringToObject(failed, name, q[i].why);
    }
    return f; /* a partial object on ENOMEM still logs what it has */
}

/* emit_metrics: the EMF line: Price (when known), SourcesOk, LatencyMs (the
 * concurrent fetch's duration), dimension Pair. */
static void emit_metrics(const config *c, const char *price, size_t ok,
                         long long fetch_ms)
{
    sw_emf_metric m[3];
    size_t n = 0;
    if (price)
        m[n++] = (sw_emf_metric){"Price", "None", strtod(price, NULL)};
    m[n++] = (sw_emf_metric){"SourcesOk", "Count", (double)ok};
    m[n++] = (sw_emf_metric){"LatencyMs", "Milliseconds", (double)fetch_ms};
    cJSON *dims = cJSON_CreateObject();
    if (dims && cJSON_AddStringToObject(dims, "Pair", c->pair))
        (void)sw_emf_write(stdout, "scratchwork", dims, m, n);
    cJSON_Delete(dims);
    fflush(stdout);
}

/* run: one slot's work after the configuration was read. Returns the exit
 * code; logs exactly one line. */
static int run(const config *c, sw_aws_client *client)
{
    quote q[BTC_SRC__COUNT];
    memset(q, 0, sizeof q);
    long long t0 = now_ms();
    if (fetch_all(c, q) != SW_OK) {
        sw_log_msgf(SW_LOG_ERROR, "out of memory fetching prices");
        return SW_EXIT_INTERNAL;
    }
    long long fetch_ms = now_ms() - t0;
    char fetched_at[25];
    sw_time_rfc3339(fetched_at);

    const char *ok_prices[BTC_SRC__COUNT];
    size_t ok = 0;
    for (size_t i = 0; i < c->n; i++)
        if (q[i].ok)
            ok_prices[ok++] = q[i].price;

    char msg[MSG_LEN];
    cJSON *fields = log_fields(c, q, ok, fetch_ms);
    int code;
    if ((long)ok < c->quorum) {
        /* When every failure is local (unusable CA file, malformed URL),
         * a retry cannot help: exit 2 instead of 3. */
        int local = 1;
        for (size_t i = 0; i < c->n; i++)
            if (!q[i].ok && q[i].transport != SW_E_CONFIG &&
                q[i].transport != SW_E_INVALID)
                local = 0;
        code = local ? SW_EXIT_BAD_INPUT : SW_EXIT_TRANSIENT;
        snprintf(msg, sizeof msg, "quorum not met (exit %d): %zu of %zu "
                 "sources answered, need %ld; failed: ", code, ok, c->n,
                 c->quorum);
        list_reasons(msg, sizeof msg, c, q);
        cJSON_AddStringToObject(fields, "outcome", "quorum_not_met");
        emit_metrics(c, NULL, ok, fetch_ms);
        sw_log(SW_LOG_ERROR, msg, fields);
        cJSON_Delete(fields);
        return code;
    }

    const char *price = ok_prices[btc_median(ok_prices, ok)];
    cJSON_AddStringToObject(fields, "price", price);
    cJSON_AddStringToObject(fields, "fetched_at", fetched_at);
    emit_metrics(c, price, ok, fetch_ms);

    sw_aws_error err;
    memset(&err, 0, sizeof err);
    cJSON *item = build_item(c, q, price, fetched_at);
    sw_result rc = item ? put_price(client, c, item, &err) : SW_E_NOMEM;
    cJSON_Delete(item);
    sw_log_level level = ok < c->n ? SW_LOG_WARN : SW_LOG_INFO;
    if (rc == SW_OK) {
        snprintf(msg, sizeof msg, "stored %s %s for %s from %zu of %zu "
                 "sources", c->pair, price, c->slot, ok, c->n);
        cJSON_AddStringToObject(fields, "outcome", "written");
        code = SW_EXIT_OK;
    } else if (rc == SW_E_CONDITION) {
        snprintf(msg, sizeof msg, "already written: %s for %s exists "
                 "(an earlier attempt stored it), nothing to do",
                 c->pair, c->slot);
        cJSON_AddStringToObject(fields, "outcome", "already_written");
        code = SW_EXIT_OK;
    } else {
        code = sw_aws_exit_code(rc, &err);
        snprintf(msg, sizeof msg, "write to %s failed (%s, exit %d): %s%s%s",
                 c->table,
                 code == SW_EXIT_TRANSIENT ? "transient" : "not retryable",
                 code, err.code[0] ? err.code : sw_result_str(rc),
                 err.message[0] ? ": " : "", err.message);
        cJSON_AddStringToObject(fields, "outcome", "write_failed");
        if (err.request_id[0])
            cJSON_AddStringToObject(fields, "request_id", err.request_id);
        cJSON_AddNumberToObject(fields, "attempts", err.attempts);
        level = SW_LOG_ERROR;
    }
    if (ok < c->n && code == SW_EXIT_OK) {
        size_t len = strlen(msg);
        snprintf(msg + len, sizeof msg - len, "; dropped ");
        list_reasons(msg, sizeof msg, c, q);
    }
    sw_log(level, msg, fields);
    cJSON_Delete(fields);
    return code;
}

/* main: reads the configuration, sets up the DynamoDB client (so AWS
 * configuration errors also fail before any fetch), then runs the slot. */
int main(void)
{
    sw_log_init("btc-price", SW_LOG_INFO, NULL);
    static config c;
    char why[MSG_LEN];
    sw_result rc = config_load(&c, why, sizeof why);
    if (rc != SW_OK) {
        if (rc == SW_E_CONFIG)
            sw_log_msgf(SW_LOG_ERROR, "configuration: %s", why);
        else
            sw_log_msgf(SW_LOG_ERROR, "configuration: %s", sw_result_str(rc));
        config_free(&c);
        return sw_exit_code_for(rc);
    }
    if (sw_http_global_init() != SW_OK) {
        sw_log_msgf(SW_LOG_ERROR, "cannot initialise libcurl");
        config_free(&c);
        return SW_EXIT_INTERNAL;
    }
    int code = SW_EXIT_INTERNAL;
    sw_creds_provider *creds = NULL;
    sw_aws_client *client = NULL;
    const char *cwhy = NULL;
    sw_aws_config acfg = {.service = sw_ddb_service};
    rc = sw_creds_provider_new(NULL, &creds);
    if (rc == SW_OK)
        rc = sw_aws_client_new(&acfg, creds, &client, &cwhy);
    if (rc == SW_OK) {
        code = run(&c, client);
    } else {
        sw_log_msgf(SW_LOG_ERROR, "configuration: %s",
                    cwhy ? cwhy : sw_result_str(rc));
        code = sw_exit_code_for(rc);
    }
    sw_aws_client_free(client);
    sw_creds_provider_free(creds);
    sw_http_global_cleanup();
    config_free(&c);
    return code;
}
