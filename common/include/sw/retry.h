/* sw/retry.h - the AWS SDKs' "standard" retry mode.
 *
 * Bounded attempts (AWS_MAX_ATTEMPTS, default 3), exponential backoff with
 * full jitter capped at 20 s, and a retry-quota token bucket (500 tokens,
 * 5 per retry, 10 per timeout retry, refunded on success) so a failing
 * dependency is not hammered. What is retryable is decided by the caller
 * (sw/aws.h classifies errors); this module decides whether and when. */
#ifndef SW_RETRY_H
#define SW_RETRY_H

#include <stdint.h>

#include "sw/error.h"

typedef struct sw_retry_policy {
    int max_attempts;    /* total attempts, >= 1 */
    long base_delay_ms;  /* first backoff ceiling, default 1000 (SDK: 1 s) */
    long max_backoff_ms; /* cap, default 20000 */
} sw_retry_policy;

typedef struct sw_retry_state {
    sw_retry_policy policy;
    int quota;           /* retry tokens left */
    uint64_t rng;        /* jitter PRNG state */
} sw_retry_state;

enum sw_retry_kind {
    SW_RETRY_NO = 0,        /* not retryable */
    SW_RETRY_TRANSIENT,     /* 5xx, reset, throttling */
    SW_RETRY_TIMEOUT        /* a timeout: costs more quota */
};

/* sw_retry_policy_from_env: defaults, with AWS_MAX_ATTEMPTS and
 * SW_RETRY_BASE_MS (tests) applied. Returns SW_E_CONFIG with *msg set to a
 * static explanation if a variable is malformed. */
sw_result sw_retry_policy_from_env(sw_retry_policy *out, const char **msg);

/* sw_retry_state_init: a fresh state (full quota) for one client. */
void sw_retry_state_init(sw_retry_state *st, const sw_retry_policy *p,
                         uint64_t seed);

/* sw_retry_should_retry: after failed attempt number `attempt` (1-based),
 * returns 1 and sets *delay_ms if another attempt may be made, 0 otherwise
 * (attempts exhausted, not retryable, or quota empty). */
int sw_retry_should_retry(sw_retry_state *st, int attempt,
                          enum sw_retry_kind kind, long *delay_ms);

/* sw_retry_backoff_ms: a full-jitter delay for retry number `attempt`
 * (1-based): uniform in [0, min(base * 2^(attempt-1), max_backoff)).
 * Advances the jitter PRNG; spends no quota and checks no budget, so loops
 * with their own stop rule (a deadline) can share the backoff shape. */
long sw_retry_backoff_ms(sw_retry_state *st, int attempt);

/* sw_retry_on_success: refunds quota after a successful attempt. */
void sw_retry_on_success(sw_retry_state *st, int was_retry,
                         enum sw_retry_kind last_kind);

/* sw_sleep_ms: sleeps, restarting on EINTR. */
void sw_sleep_ms(long ms);

#endif
