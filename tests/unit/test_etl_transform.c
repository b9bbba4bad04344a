/* test_etl_transform - etl-transform's aggregation core (transform.c) fed
 * records directly: nearest-rank percentiles and sums of delays against a
 * brute-force recomputation over random data, the half-up rounding of
 * avg_score_milli, days before 1970, sums left unsplit in int64, and
 * malformed stage records refused with their column. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw_test.h"
#include "transform.h"

#define C(s) sw_cursor_from_cstr(s)

/* feed: tf_feed of n C strings; returns its result. */
static sw_result feed(tf_state *s, sw_olist_file_id f, const char **v,
                      size_t n, char *why)
{
    sw_cursor c[16];
    for (size_t i = 0; i < n; i++)
        c[i] = C(v[i]);
    return tf_feed(s, f, c, n, why, 256);
}

/* id: a 32-hex id from a number and a one-letter kind. */
static void id(char out[33], char kind, unsigned n)
{
    snprintf(out, 33, "%c%031x", kind, n);
}

/* date_of: "YYYY-MM-DD 00:00:00" for days since 1970-01-01. */
static void date_of(char out[20], int32_t days)
{
    sw_olist_civil_from_days(days, out);
    memcpy(out + 10, " 00:00:00", 10);
}

/* int_cmp: qsort order of int. */
static int int_cmp(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* line_of: the line of text starting with prefix (copied to out), or 0. */
static int line_of(const sw_buf *b, const char *prefix, char *out,
                   size_t cap)
{
    const char *p = b->ptr;
    while (p && *p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (strncmp(p, prefix, strlen(prefix)) == 0 && n < cap) {
            memcpy(out, p, n);
            out[n] = '\0';
            return 1;
        }
        p = e ? e + 1 : NULL;
    }
    return 0;
}

static void test_delays(void)
{
    tf_state *s = NULL;
    char why[256];
    if (!CHECK(tf_new(&s) == SW_OK, "tf_new"))
        return;
    static const char *states[3] = {"SP", "RJ", "AC"};
    enum { N = 997 };
    static int delays[3][N];
    size_t nd[3] = {0, 0, 0};
    char cid[33], oid[33], est[20], del[20], buy[20];
    int ok = 1;
    for (unsigned i = 0; i < 3 && ok; i++) {
        id(cid, 'c', i);
        const char *v[5] = {cid, cid, "01000", "x", states[i]};
        ok = feed(s, SW_OLIST_CUSTOMERS, v, 5, why) == SW_OK;
    }
    srand(7);
    for (unsigned i = 0; i < N && ok; i++) {
        unsigned st = (unsigned)rand() % 3;
        int delay = rand() % 81 - 60;
        /* days around 1969/1970: negative day numbers too */
        int32_t e = -400 + rand() % 800;
        id(oid, 'a', i);
        id(cid, 'c', st);
        date_of(buy, e - 30);
        date_of(est, e);
        date_of(del, e + delay);
        int delivered = i % 10 != 0;
        const char *v[8] = {oid, cid, i % 7 ? "delivered" : "canceled", buy,
                            "", "", delivered ? del : "", est};
        ok = feed(s, SW_OLIST_ORDERS, v, 8, why) == SW_OK;
        if (delivered)
            delays[st][nd[st]++] = delay;
    }
    CHECK(ok, "997 orders fed");
    sw_buf out[TF_NAGG];
    uint64_t rows[TF_NAGG];
    for (int i = 0; i < TF_NAGG; i++)
        out[i] = (sw_buf)SW_BUF_INIT;
    CHECK(tf_finish(s, out, rows) == SW_OK, "tf_finish");
    CHECK_EQ_INT(rows[TF_DELIVERY_DELAY_STATE], 3, "3 states");
    for (int i = 0; i < 3; i++) {
        size_t n = nd[i];
        qsort(delays[i], n, sizeof(int), int_cmp);
        long long late = 0, sum = 0;
        for (size_t k = 0; k < n; k++) {
            late += delays[i][k] > 0;
            sum += delays[i][k];
        }
        /* nearest rank, the textbook way: the smallest value with at
         * least K% of the values at or below it */
        int pk[3];
        static const int ks[3] = {50, 90, 99};
        for (int k = 0; k < 3; k++) {
            size_t r = 1;
            while (r * 100 < (size_t)ks[k] * n)
                r++;
            pk[k] = delays[i][r - 1];
        }
        char want[200], got[200], prefix[4];
        snprintf(want, sizeof want, "%s,%zu,%lld,%lld,%d,%d,%d", states[i],
                 n, late, sum, pk[0], pk[1], pk[2]);
        snprintf(prefix, sizeof prefix, "%s,", states[i]);
        int found = line_of(&out[TF_DELIVERY_DELAY_STATE], prefix, got,
                            sizeof got);
        CHECK_EQ_STR(found ? got : "(none)", want, "a state's delays");
    }
    CHECK(strncmp(out[TF_DELIVERY_DELAY_STATE].ptr,
                  "customer_state,delivered_orders,late_orders,"
                  "sum_delay_days,p50_delay_days,p90_delay_days,"
                  "p99_delay_days\nAC,", 105) == 0,
          "header, then states in byte order");
    for (int i = 0; i < TF_NAGG; i++)
        sw_buf_free(&out[i]);
    tf_free(s);
}

static void test_reviews_rounding(void)
{
    tf_state *s = NULL;
    char why[256];
    if (!CHECK(tf_new(&s) == SW_OK, "tf_new"))
        return;
    char cid[33], oid[33], pid[33], sid[33], rid[33];
    id(cid, 'c', 1);
    id(pid, 'b', 1);
    id(sid, 'd', 1);
    const char *tr[2] = {"casa", "home"};
    const char *pr[9] = {pid, "casa", "", "", "", "", "", "", ""};
    const char *se[4] = {sid, "01000", "x", "SP"};
    const char *cu[5] = {cid, cid, "01000", "x", "SP"};
    int ok = feed(s, SW_OLIST_TRANSLATION, tr, 2, why) == SW_OK &&
             feed(s, SW_OLIST_PRODUCTS, pr, 9, why) == SW_OK &&
             feed(s, SW_OLIST_SELLERS, se, 4, why) == SW_OK &&
             feed(s, SW_OLIST_CUSTOMERS, cu, 5, why) == SW_OK;
    /* 2000 orders bought on 1969-12-31, two with an item in "home";
     * 2000 reviews on those two with scores summing to 6001: the average
     * 3.0005 must round half up to 3001 */
    for (unsigned i = 0; i < 2000 && ok; i++) {
        id(oid, 'a', i);
        const char *o[8] = {oid, cid, "delivered", "1969-12-31 23:59:59",
                            "", "", "", "1970-01-05 00:00:00"};
        const char *it[7] = {oid, "1", pid, sid, "1970-01-01 00:00:00",
                             "9999999999999999.99", "0"};
        ok = feed(s, SW_OLIST_ORDERS, o, 8, why) == SW_OK &&
             (i >= 2 || feed(s, SW_OLIST_ITEMS, it, 7, why) == SW_OK);
    }
    for (unsigned i = 0; i < 2000 && ok; i++) {
        id(oid, 'a', i < 2 ? i : 0);
        id(rid, 'e', i);
        const char *rv[7] = {rid, oid, i == 0 ? "4" : "3", "", "",
                             "1970-01-01 00:00:00", "1970-01-01 00:00:00"};
        ok = feed(s, SW_OLIST_REVIEWS, rv, 7, why) == SW_OK;
    }
    CHECK(ok, "orders, 2 items, 2000 reviews fed");
    sw_buf out[TF_NAGG];
    uint64_t rows[TF_NAGG];
    for (int i = 0; i < TF_NAGG; i++)
        out[i] = (sw_buf)SW_BUF_INIT;
    CHECK(tf_finish(s, out, rows) == SW_OK, "tf_finish");
    CHECK_EQ_STR(out[TF_CATEGORY_REVIEWS].ptr,
                 "category,reviews,score_sum,avg_score_milli\n"
                 "home,2000,6001,3001\n",
                 "avg 3.0005 rounds half up to 3001");
    CHECK_EQ_STR(out[TF_DAILY_STATE].ptr,
                 "dt,customer_state,orders,items,revenue_cents,"
                 "freight_cents\n"
                 "1969-12-31,SP,2,2,1999999999999999998,0\n",
                 "a day before 1970, 16-digit prices summed exactly");
    for (int i = 0; i < TF_NAGG; i++)
        sw_buf_free(&out[i]);
    tf_free(s);
}

static void test_overflow_and_bad(void)
{
    tf_state *s = NULL;
    char why[256];
    if (!CHECK(tf_new(&s) == SW_OK, "tf_new"))
        return;
    char cid[33], oid[33], pid[33], sid[33];
    id(cid, 'c', 1);
    id(pid, 'b', 1);
    id(sid, 'd', 1);
    id(oid, 'a', 1);
    const char *pr[9] = {pid, "", "", "", "", "", "", "", ""};
    const char *se[4] = {sid, "01000", "x", "SP"};
    const char *cu[5] = {cid, cid, "01000", "x", "SP"};
    const char *o[8] = {oid, cid, "delivered", "2018-01-01 00:00:00", "", "",
                        "", "2018-01-05 00:00:00"};
    int ok = feed(s, SW_OLIST_PRODUCTS, pr, 9, why) == SW_OK &&
             feed(s, SW_OLIST_SELLERS, se, 4, why) == SW_OK &&
             feed(s, SW_OLIST_CUSTOMERS, cu, 5, why) == SW_OK &&
             feed(s, SW_OLIST_ORDERS, o, 8, why) == SW_OK;
    const char *it[7] = {oid, "1", pid, sid, "2018-01-01 00:00:00",
                         "9999999999999999.99", "0"};
    for (int i = 0; i < 10 && ok; i++)
        ok = feed(s, SW_OLIST_ITEMS, it, 7, why) == SW_OK;
    CHECK(ok, "ten items of 10^16 units each fed");
    const char *bad[7] = {oid, "1", pid, sid, "2018-01-01 00:00:00", "1,5",
                          "0"};
    CHECK(feed(s, SW_OLIST_ITEMS, bad, 7, why) == SW_E_INVALID &&
              strcmp(why, "price: not money") == 0,
          "a malformed stage field: refused, its column named");
    CHECK(feed(s, SW_OLIST_ITEMS, bad, 6, why) == SW_E_INVALID &&
              strcmp(why, "expected 7 fields, got 6") == 0,
          "a short stage record: refused");
    const char *badid[7] = {"A", "1", pid, sid, "", "1", "1"};
    CHECK(feed(s, SW_OLIST_ITEMS, badid, 7, why) == SW_E_INVALID &&
              strncmp(why, "order_id:", 9) == 0, "a bad id: refused");
    sw_buf out[TF_NAGG];
    uint64_t rows[TF_NAGG];
    for (int i = 0; i < TF_NAGG; i++)
        out[i] = (sw_buf)SW_BUF_INIT;
    CHECK(tf_finish(s, out, rows) == SW_E_OVERFLOW,
          "a revenue sum past int64: SW_E_OVERFLOW, not a wrapped number");
    for (int i = 0; i < TF_NAGG; i++)
        sw_buf_free(&out[i]);
    tf_free(s);
}

int main(void)
{
    test_delays();
    test_reviews_rounding();
    test_overflow_and_bad();
    return SW_TEST_DONE();
}
