/* bench_sigv4.c - signing throughput: signs a DynamoDB PutItem-shaped
 * request (5 headers, ~200-byte JSON body) in a loop with a warm key cache
 * and prints signs per second, once per SHA-256 backend, without and with
 * a Fargate-sized (~900-byte) session token.
 *
 * Output, one line per measurement (read by bench_sigv4_botocore.py):
 *   authz <token|notoken> <Authorization value of the first signature>
 *   rate <backend> <token|notoken> <best signs/s> <median signs/s>
 * Usage: bench_sigv4 [SECONDS-PER-MEASUREMENT]   (default 0.75) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sw/sha256.h"
#include "sw/sigv4.h"

/* The request; tests/bench/bench_sigv4_botocore.py builds the same one. */
#define BODY                                                                 \
    "{\"TableName\":\"btc-prices\",\"Item\":{\"pk\":{\"S\":\"BTC#USD\"},"    \
    "\"sk\":{\"S\":\"2026-11-23T13:00:00Z\"},\"price\":{\"N\":"              \
    "\"98765.4321\"},\"source\":{\"S\":\"coinbase\"},\"ttl\":{\"N\":"        \
    "\"1795000000\"},\"v\":{\"N\":\"1\"}},\"ConditionExpression\":"          \
    "\"attribute_not_exists(pk)\"}"

/* now_s: CPU seconds used by this thread. CPU time, not wall time: the
 * figure is per core, and other processes on a busy machine would
 * otherwise leak into it (bench_sigv4_botocore.py uses the same clock). */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* cmp_double: qsort order for doubles. */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* measure: signs for about `secs` CPU seconds in slices of 2048 signatures;
 * stores the best and the median slice rate (signs/s). The best slice is
 * the figure least disturbed by other work on a shared machine. Returns 0,
 * or -1 if a signature fails. Prints the first Authorization when
 * print_authz. */
static int measure(sw_sigv4_signer *s, const sw_sigv4_params *p,
                   const sw_sigv4_request *r, double secs, const char *label,
                   int print_authz, double *best, double *median)
{
    static double rates[4096];
    sw_sigv4_result out = {0};
    if (sw_sigv4_sign(s, p, r, &out) != SW_OK)
        return -1;
    if (print_authz)
        printf("authz %s %s\n", label, out.authorization.ptr);
    for (int i = 0; i < 20000; i++) /* warm caches and branch predictors */
        sw_sigv4_sign(s, p, r, &out);
    size_t n = 0;
    double start = now_s(), t0 = start, t1;
    do {
        for (int i = 0; i < 2048; i++)
            if (sw_sigv4_sign(s, p, r, &out) != SW_OK)
                return -1;
        t1 = now_s();
        rates[n++] = 2048 / (t1 - t0);
        t0 = t1;
    } while (t1 - start < secs && n < sizeof rates / sizeof rates[0]);
    sw_sigv4_result_free(&out);
    qsort(rates, n, sizeof rates[0], cmp_double);
    *best = rates[n - 1];
    *median = rates[n / 2];
    return 0;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 0.75;
    char clen[16];
    snprintf(clen, sizeof clen, "%zu", sizeof BODY - 1);
    sw_sigv4_header h[] = {
        {SW_CURSOR_LIT("Host"), SW_CURSOR_LIT("dynamodb.us-east-1.amazonaws.com")},
        {SW_CURSOR_LIT("Content-Type"), SW_CURSOR_LIT("application/x-amz-json-1.0")},
        {SW_CURSOR_LIT("X-Amz-Target"), SW_CURSOR_LIT("DynamoDB_20120810.PutItem")},
        {SW_CURSOR_LIT("Content-Length"), sw_cursor_from_cstr(clen)},
        {SW_CURSOR_LIT("Accept-Encoding"), SW_CURSOR_LIT("identity")},
    };
    sw_sigv4_request req = {SW_CURSOR_LIT("POST"), SW_CURSOR_LIT("/"),
                            SW_CURSOR_NULL, h, 5, SW_CURSOR_LIT(BODY),
                            SW_CURSOR_NULL};
    /* A session token the size Fargate task roles hand out. */
    static char token[901];
    for (size_t i = 0; i < sizeof token - 1; i++)
        token[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[i * 7 % 64];
    sw_sigv4_credentials notok = {SW_CURSOR_LIT("AKIDEXAMPLE"),
                                  SW_CURSOR_LIT("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                                  SW_CURSOR_NULL};
    sw_sigv4_credentials tok = notok;
    tok.session_token = sw_cursor_from_cstr(token);
    sw_sigv4_params p = {&notok, SW_CURSOR_LIT("us-east-1"),
                         SW_CURSOR_LIT("dynamodb"), 1795000000, 0};
    printf("body %zu\n", sizeof BODY - 1);
    sw_sigv4_signer *s;
    if (sw_sigv4_signer_new(&s))
        return 1;
    for (int portable = 0; portable < 2; portable++) {
        sw_sha256_force_portable(portable);
        for (int t = 0; t < 2; t++) {
            p.creds = t ? &tok : &notok;
            const char *label = t ? "token" : "notoken";
            double best, median;
            if (measure(s, &p, &req, secs, label, !portable, &best,
                        &median)) {
                fprintf(stderr, "bench_sigv4: signing failed\n");
                return 1;
            }
            printf("rate %s %s %.0f %.0f\n", sw_sha256_backend(), label,
                   best, median);
            fflush(stdout);
        }
        if (!portable && strcmp(sw_sha256_backend(), "portable") == 0)
            break; /* no SHA-NI here: the second round would repeat it */
    }
    sw_sigv4_signer_free(s);
    return 0;
}
