/* sw_test.h - a tiny TAP test harness for the C unit tests.
 *
 * Each check prints "ok N - what" or "not ok N - what" (TAP), and
 * SW_TEST_DONE() prints the plan and returns the process exit code, so
 * tests/run can count results across C and Python tests alike. */
#ifndef SW_TEST_H
#define SW_TEST_H

#include <stdio.h>
#include <string.h>

static int sw_test_n, sw_test_failed;

/* sw_test_check: records one result; returns cond so callers can bail. */
static inline int sw_test_check(int cond, const char *file, int line,
                                const char *what)
{
    sw_test_n++;
    if (cond) {
        printf("ok %d - %s\n", sw_test_n, what);
    } else {
        sw_test_failed++;
        printf("not ok %d - %s\n# at %s:%d\n", sw_test_n, what, file, line);
    }
    fflush(stdout);
    return cond;
}

#define CHECK(cond, what) sw_test_check(!!(cond), __FILE__, __LINE__, (what))
#define CHECK_EQ_INT(a, b, what)                                             \
    do {                                                                     \
        long long sw_a_ = (long long)(a), sw_b_ = (long long)(b);            \
        if (!CHECK(sw_a_ == sw_b_, what))                                    \
            printf("#   got %lld, want %lld\n", sw_a_, sw_b_);               \
    } while (0)
#define CHECK_EQ_STR(a, b, what)                                             \
    do {                                                                     \
        const char *sw_a_ = (a), *sw_b_ = (b);                               \
        if (!CHECK(sw_a_ && sw_b_ && strcmp(sw_a_, sw_b_) == 0, what))       \
            printf("#   got  \"%s\"\n#   want \"%s\"\n",                     \
                   sw_a_ ? sw_a_ : "(null)", sw_b_ ? sw_b_ : "(null)");      \
    } while (0)
#define SW_TEST_DONE()                                                       \
    (printf("1..%d\n", sw_test_n), sw_test_failed ? 1 : 0)

#endif
