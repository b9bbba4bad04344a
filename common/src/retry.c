/* retry.c - the AWS SDKs' "standard" retry mode (see sw/retry.h).
 *
 * Semantics follow botocore's retries/standard.py and quota.py (the classic
 * standard mode that the other SDKs share): a retry is allowed when the
 * attempt budget is not spent, the caller says the error is retryable, and
 * the quota bucket can pay for it (5 tokens, 10 for a timeout). A success
 * refunds what its last retry cost, or 1 token when there was no retry,
 * never above the initial capacity. The delay is full jitter:
 * rand[0,1) * min(base * 2^(attempt-1), max_backoff). */
#include "sw/retry.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <time.h>

enum {
    QUOTA_INITIAL = 500,
    QUOTA_RETRY_COST = 5,
    QUOTA_TIMEOUT_COST = 10,
    QUOTA_NO_RETRY_REFUND = 1,
    DEFAULT_MAX_ATTEMPTS = 3,
    MAX_ATTEMPTS_LIMIT = 100
};

/* parse_long_env: reads a decimal env variable in [lo, hi]. Returns 0 when
 * unset (out untouched), 1 when parsed, -1 when malformed or out of range. */
static int parse_long_env(const char *name, long lo, long hi, long *out)
{
    const char *s = getenv(name);
    if (!s || !*s)
        return 0;
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 1;
}

/* sw_retry_policy_from_env: SDK defaults plus AWS_MAX_ATTEMPTS and the
 * test-only SW_RETRY_BASE_MS. Returns SW_OK or SW_E_CONFIG with *msg. */
sw_result sw_retry_policy_from_env(sw_retry_policy *out, const char **msg)
{
    sw_retry_policy p = {DEFAULT_MAX_ATTEMPTS, 1000, 20000};
    long v = 0;
    int r = parse_long_env("AWS_MAX_ATTEMPTS", 1, MAX_ATTEMPTS_LIMIT, &v);
    if (r < 0) {
        if (msg)
            *msg = "AWS_MAX_ATTEMPTS must be an integer from 1 to 100";
        return SW_E_CONFIG;
    }
    if (r > 0)
        p.max_attempts = (int)v;
    r = parse_long_env("SW_RETRY_BASE_MS", 0, 60000, &v);
    if (r < 0) {
        if (msg)
            *msg = "SW_RETRY_BASE_MS must be an integer from 0 to 60000";
        return SW_E_CONFIG;
    }
    if (r > 0)
        p.base_delay_ms = v;
    *out = p;
    return SW_OK;
}

/* sw_retry_state_init: copies the policy, fills the quota and seeds the
 * PRNG (a zero seed is replaced so xorshift does not stick at 0). */
void sw_retry_state_init(sw_retry_state *st, const sw_retry_policy *p,
                         uint64_t seed)
{
    st->policy = *p;
    if (st->policy.max_attempts < 1)
        st->policy.max_attempts = 1;
    st->quota = QUOTA_INITIAL;
    st->rng = seed ? seed : 0x9E3779B97F4A7C15ull;
}

/* next_unit: a uniform double in [0, 1) from a xorshift64* generator. Jitter
 * only needs to decorrelate clients, not to be unpredictable. */
static double next_unit(sw_retry_state *st)
{
    uint64_t x = st->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    st->rng = x;
    uint64_t r = x * 0x2545F4914F6CDD1Dull;
    return (double)(r >> 11) * (1.0 / 9007199254740992.0); /* 2^53 */
}

/* backoff_ceiling_ms: min(base * 2^(attempt-1), max), without overflow. */
static long backoff_ceiling_ms(const sw_retry_policy *p, int attempt)
{
    long ceiling = p->base_delay_ms;
    for (int i = 1; i < attempt && ceiling < p->max_backoff_ms; i++)
        ceiling = ceiling > LONG_MAX / 2 ? LONG_MAX : ceiling * 2;
    return ceiling < p->max_backoff_ms ? ceiling : p->max_backoff_ms;
}

/* sw_retry_should_retry: 1 with *delay_ms set when attempt `attempt` may be
 * followed by another; 0 when not retryable, out of attempts or quota. */
int sw_retry_should_retry(sw_retry_state *st, int attempt,
                          enum sw_retry_kind kind, long *delay_ms)
{
    if (kind == SW_RETRY_NO || attempt >= st->policy.max_attempts)
        return 0;
    int cost = kind == SW_RETRY_TIMEOUT ? QUOTA_TIMEOUT_COST
                                        : QUOTA_RETRY_COST;
    if (cost > st->quota)
        return 0;
    st->quota -= cost;
    long delay = sw_retry_backoff_ms(st, attempt);
    if (delay_ms)
        *delay_ms = delay;
    return 1;
}

/* sw_retry_backoff_ms: full jitter under the exponential ceiling. */
long sw_retry_backoff_ms(sw_retry_state *st, int attempt)
{
    long ceiling = backoff_ceiling_ms(&st->policy, attempt < 1 ? 1 : attempt);
    return (long)(next_unit(st) * (double)ceiling);
}

/* sw_retry_on_success: refunds the last retry's cost (or 1 token for a
 * first-try success), capped at the initial capacity. */
void sw_retry_on_success(sw_retry_state *st, int was_retry,
                         enum sw_retry_kind last_kind)
{
    int refund = QUOTA_NO_RETRY_REFUND;
    if (was_retry)
        refund = last_kind == SW_RETRY_TIMEOUT ? QUOTA_TIMEOUT_COST
                                               : QUOTA_RETRY_COST;
    st->quota += refund;
    if (st->quota > QUOTA_INITIAL)
        st->quota = QUOTA_INITIAL;
}

/* sw_sleep_ms: nanosleep for ms milliseconds, resuming after signals. */
void sw_sleep_ms(long ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}
