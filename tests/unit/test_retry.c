/* test_retry.c - the standard retry mode: attempt bounds, full-jitter
 * backoff (bounded, spread out, growing), the retry quota, and the
 * AWS_MAX_ATTEMPTS / SW_RETRY_BASE_MS parsing. */
#include <stdlib.h>
#include <time.h>

#include "sw/retry.h"
#include "sw_test.h"

/* elapsed_ms: wall-clock milliseconds between two timespecs. */
static long elapsed_ms(struct timespec a, struct timespec b)
{
    return (b.tv_sec - a.tv_sec) * 1000L + (b.tv_nsec - a.tv_nsec) / 1000000L;
}

int main(void)
{
    sw_retry_policy pol = {3, 1000, 20000};
    sw_retry_state st;
    long d = -1;

    /* Attempts: with 3 allowed, failures 1 and 2 may retry, 3 may not. */
    sw_retry_state_init(&st, &pol, 42);
    CHECK(sw_retry_should_retry(&st, 1, SW_RETRY_TRANSIENT, &d),
          "attempt 1 of 3 may retry");
    CHECK(sw_retry_should_retry(&st, 2, SW_RETRY_TRANSIENT, &d),
          "attempt 2 of 3 may retry");
    CHECK(!sw_retry_should_retry(&st, 3, SW_RETRY_TRANSIENT, &d),
          "attempt 3 of 3 may not retry");
    CHECK(!sw_retry_should_retry(&st, 1, SW_RETRY_NO, &d),
          "a non-retryable error is never retried");
    CHECK_EQ_INT(st.quota, 490, "two transient retries cost 5 tokens each");

    /* Full jitter: delay in [0, min(base*2^(n-1), cap)); over many draws the
     * mean is near half the ceiling and the values are spread. */
    pol.max_attempts = 100;
    long ceilings[] = {1000, 2000, 4000, 8000, 16000, 20000, 20000};
    for (int attempt = 1; attempt <= 7; attempt++) {
        sw_retry_state_init(&st, &pol, 12345);
        long lo = 1L << 30, hi = -1;
        double sum = 0;
        int ok = 1, draws = 2000;
        for (int i = 0; i < draws; i++) {
            st.quota = 500;
            if (!sw_retry_should_retry(&st, attempt, SW_RETRY_TRANSIENT, &d))
                ok = 0;
            if (d < lo)
                lo = d;
            if (d > hi)
                hi = d;
            sum += (double)d;
        }
        long ceil = ceilings[attempt - 1];
        double mean = sum / draws;
        char what[128];
        snprintf(what, sizeof what,
                 "attempt %d: delays in [0,%ld), mean ~%ld, spread", attempt,
                 ceil, ceil / 2);
        if (!CHECK(ok && lo >= 0 && hi < ceil && lo < ceil / 20 &&
                       hi > ceil - ceil / 20 && mean > ceil * 0.45 &&
                       mean < ceil * 0.55,
                   what))
            printf("#   lo %ld hi %ld mean %.1f\n", lo, hi, mean);
    }

    /* Different seeds give different sequences (clients decorrelate). */
    sw_retry_state a, b;
    sw_retry_state_init(&a, &pol, 1);
    sw_retry_state_init(&b, &pol, 2);
    int same = 0;
    for (int i = 0; i < 20; i++) {
        long da, db;
        sw_retry_should_retry(&a, 5, SW_RETRY_TRANSIENT, &da);
        sw_retry_should_retry(&b, 5, SW_RETRY_TRANSIENT, &db);
        same += da == db;
    }
    CHECK(same < 3, "different seeds give different jitter");

    /* Quota: 500 tokens, 5 per retry, 10 per timeout retry; exhaustion
     * stops retries; a success after a retry refunds its cost, a first-try
     * success refunds 1; never above 500. */
    sw_retry_state_init(&st, &pol, 7);
    int granted = 0;
    while (sw_retry_should_retry(&st, 1, SW_RETRY_TRANSIENT, &d))
        granted++;
    CHECK_EQ_INT(granted, 100, "quota pays for exactly 100 transient retries");
    CHECK_EQ_INT(st.quota, 0, "quota is empty");
    CHECK(!sw_retry_should_retry(&st, 1, SW_RETRY_TIMEOUT, &d),
          "an empty quota stops retries");
    sw_retry_on_success(&st, 1, SW_RETRY_TRANSIENT);
    CHECK_EQ_INT(st.quota, 5, "success after a retry refunds 5");
    CHECK(sw_retry_should_retry(&st, 1, SW_RETRY_TRANSIENT, &d),
          "the refund pays for one more retry");
    CHECK(!sw_retry_should_retry(&st, 1, SW_RETRY_TRANSIENT, &d),
          "and only one");
    sw_retry_on_success(&st, 0, SW_RETRY_NO);
    CHECK_EQ_INT(st.quota, 1, "a first-try success refunds 1");
    sw_retry_state_init(&st, &pol, 7);
    granted = 0;
    while (sw_retry_should_retry(&st, 1, SW_RETRY_TIMEOUT, &d))
        granted++;
    CHECK_EQ_INT(granted, 50, "timeout retries cost 10: 50 of them");
    sw_retry_on_success(&st, 1, SW_RETRY_TIMEOUT);
    CHECK_EQ_INT(st.quota, 10, "success after a timeout retry refunds 10");
    sw_retry_state_init(&st, &pol, 7);
    sw_retry_on_success(&st, 1, SW_RETRY_TIMEOUT);
    CHECK_EQ_INT(st.quota, 500, "refunds never exceed the initial 500");

    /* Policy from the environment. */
    const char *msg = NULL;
    sw_retry_policy p;
    unsetenv("AWS_MAX_ATTEMPTS");
    unsetenv("SW_RETRY_BASE_MS");
    CHECK(sw_retry_policy_from_env(&p, &msg) == SW_OK && p.max_attempts == 3 &&
              p.base_delay_ms == 1000 && p.max_backoff_ms == 20000,
          "defaults: 3 attempts, 1 s base, 20 s cap");
    setenv("AWS_MAX_ATTEMPTS", "5", 1);
    setenv("SW_RETRY_BASE_MS", "20", 1);
    CHECK(sw_retry_policy_from_env(&p, &msg) == SW_OK && p.max_attempts == 5 &&
              p.base_delay_ms == 20,
          "AWS_MAX_ATTEMPTS=5 and SW_RETRY_BASE_MS=20 are applied");
    const char *bad[] = {"0", "-1", "abc", "3x", "101", " ", "99999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("AWS_MAX_ATTEMPTS", bad[i], 1);
        msg = NULL;
        char what[96];
        snprintf(what, sizeof what, "AWS_MAX_ATTEMPTS=\"%s\" is SW_E_CONFIG",
                 bad[i]);
        CHECK(sw_retry_policy_from_env(&p, &msg) == SW_E_CONFIG && msg &&
                  strstr(msg, "AWS_MAX_ATTEMPTS"),
              what);
    }
    setenv("AWS_MAX_ATTEMPTS", "2", 1);
    setenv("SW_RETRY_BASE_MS", "soon", 1);
    CHECK(sw_retry_policy_from_env(&p, &msg) == SW_E_CONFIG && msg &&
              strstr(msg, "SW_RETRY_BASE_MS"),
          "a malformed SW_RETRY_BASE_MS is SW_E_CONFIG");
    unsetenv("AWS_MAX_ATTEMPTS");
    unsetenv("SW_RETRY_BASE_MS");

    /* The cap holds even for huge attempt numbers (no overflow). */
    pol.max_attempts = 1000;
    sw_retry_state_init(&st, &pol, 9);
    long maxd = 0;
    for (int i = 0; i < 200; i++) {
        st.quota = 500;
        sw_retry_should_retry(&st, 900, SW_RETRY_TRANSIENT, &d);
        if (d > maxd)
            maxd = d;
    }
    CHECK(maxd < 20000 && maxd > 15000, "attempt 900 is capped at 20 s");

    /* sw_sleep_ms sleeps about that long. */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sw_sleep_ms(120);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = elapsed_ms(t0, t1);
    CHECK(ms >= 119 && ms < 600, "sw_sleep_ms(120) sleeps ~120 ms");
    return SW_TEST_DONE();
}
