/* test_rfc3339.c - the shared RFC 3339 parser and formatter (sw/rfc3339.h)
 * for both of its callers: the credentials chain's Expiration (Z, as AWS
 * sends it, with or without a fraction) and jobs-api's scheduled_for
 * (offsets, fractions, leap years, and a clear error class for bad
 * input); the log lines' millisecond form; and the calendar arithmetic
 * under all of them (sw/civil.h), against known dates, against the host
 * libc's gmtime_r/timegm for every day of years 0000-9999, and against
 * itself (day after day) far outside that range. */
#include <stdio.h>
#include <string.h>

#include "sw/civil.h"
#include "sw/rfc3339.h"
#include "sw_test.h"

/* parse: sw_rfc3339_parse on a C string. */
static sw_result parse(const char *s, time_t *t, sw_rfc3339_fields *f)
{
    return sw_rfc3339_parse(sw_cursor_from_cstr(s), t, f);
}

/* good inputs: the instant and the fields as written. */
static void test_good(void)
{
    const time_t now = 1795458600; /* 2026-11-23T18:30:00Z */
    time_t t = 0;
    sw_rfc3339_fields f;
    CHECK(parse("2026-11-23T18:30:00Z", &t, &f) == SW_OK && t == now,
          "Z (what STS, ECS and IMDS send)");
    CHECK(f.year == 2026 && f.month == 11 && f.day == 23 && f.hour == 18 &&
              f.minute == 30 && f.second == 0 && f.nanos == 0 &&
              f.offset_s == 0,
          "fields as written");
    CHECK(parse("2026-11-23T20:30:00+02:00", &t, &f) == SW_OK && t == now &&
              f.offset_s == 7200 && f.hour == 20,
          "+02:00: fields as written, instant in UTC");
    CHECK(parse("2026-11-23T13:00:00.123-05:30", &t, &f) == SW_OK &&
              t == now && f.nanos == 123000000L && f.offset_s == -19800,
          "fraction and -05:30");
    CHECK(parse("2026-11-23T18:30:00.999999999Z", &t, &f) == SW_OK &&
              t == now && f.nanos == 999999999L,
          "nine fraction digits: dropped from the instant");
    CHECK(parse("2026-11-23t18:30:00z", &t, NULL) == SW_OK && t == now,
          "lowercase t and z (RFC 3339 5.6 note); fields may be NULL");
    CHECK(parse("2028-02-29T00:00:00Z", &t, NULL) == SW_OK &&
              t == 1835395200, "Feb 29th of a leap year");
    CHECK(parse("2000-02-29T12:00:00Z", &t, NULL) == SW_OK,
          "Feb 29th of 2000 (divisible by 400)");
    CHECK(parse("1970-01-01T00:00:00Z", &t, NULL) == SW_OK && t == 0,
          "the epoch");
    CHECK(parse("2016-12-31T23:59:60Z", &t, &f) == SW_OK &&
              t == 1483228800 && f.second == 60,
          "leap second: the next minute's 0, fields.second 60");
    CHECK(parse("2026-11-24T00:30:00+23:59", &t, NULL) == SW_OK &&
              t == now - (17 * 3600 + 59 * 60),
          "largest offset +23:59: 2026-11-23T00:31:00Z");
    /* a cursor is read to its length only, not to a NUL */
    static const char buf[] = "2026-11-23T18:30:00Zjunk";
    CHECK(sw_rfc3339_parse((sw_cursor){buf, 20}, &t, NULL) == SW_OK &&
              t == now, "the cursor's length bounds the input");
}

/* bad inputs: SW_E_PARSE for a wrong shape, SW_E_OVERFLOW for a field out
 * of range; *out untouched either way. */
static void test_bad(void)
{
    static const char *shape[] = {
        "", "2026-11-23", "2026-11-23 18:30:00Z", "2026-11-23T18:30:00",
        "2026-11-23T18:30:00+2", "2026-11-23T18:30:00+02", "2026-11-23T18:30:00+0200",
        "2026-11-23T18:30:00.Z", "2026-11-23T18:30:00.1234567890Z",
        "2026-11-23T18:30:00Zjunk", "2026-11-23T18:30:00Z ",
        "2026-1-23T18:30:00Z", " 2026-11-23T18:30:00Z",
        "2026-11-23T18:30: 0Z", "2026-+1-23T18:30:00Z", "+026-11-23T18:30:00Z",
        "2026-11-23T18:30:00+24:00", "2026-11-23T18:30:00-02:60",
        "2026/11/23T18:30:00Z", "2026-11-23T18.30.00Z", "2026-11-23T18:30:00UTC",
    };
    for (size_t i = 0; i < sizeof shape / sizeof *shape; i++) {
        char what[96];
        time_t t = 42;
        snprintf(what, sizeof what, "shape rejected: \"%s\"", shape[i]);
        CHECK(parse(shape[i], &t, NULL) == SW_E_PARSE && t == 42, what);
    }
    static const char *range[] = {
        "2027-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-13-01T00:00:00Z",
        "2026-00-01T00:00:00Z", "2026-11-00T00:00:00Z", "2026-11-31T00:00:00Z",
        "2026-02-31T00:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T18:60:00Z",
        "2026-11-23T18:30:61Z",
    };
    for (size_t i = 0; i < sizeof range / sizeof *range; i++) {
        char what[96];
        time_t t = 42;
        snprintf(what, sizeof what, "out of range: \"%s\"", range[i]);
        CHECK(parse(range[i], &t, NULL) == SW_E_OVERFLOW && t == 42, what);
    }
    CHECK(sw_rfc3339_parse(SW_CURSOR_NULL, &(time_t){0}, NULL) == SW_E_PARSE,
          "a NULL cursor is a parse error");
}

/* the formatter, and that what it writes parses back to the same time. */
static void test_format(void)
{
    char out[SW_RFC3339_LEN + 1];
    CHECK(sw_rfc3339_format(1795458600, out) == SW_OK &&
              strcmp(out, "2026-11-23T18:30:00Z") == 0, "format");
    CHECK(sw_rfc3339_format(0, out) == SW_OK &&
              strcmp(out, "1970-01-01T00:00:00Z") == 0, "format the epoch");
    CHECK(sw_rfc3339_format(253402300799, out) == SW_OK &&
              strcmp(out, "9999-12-31T23:59:59Z") == 0, "the last second");
    memset(out, 'x', sizeof out);
    CHECK(sw_rfc3339_format(253402300800, out) == SW_E_OVERFLOW &&
              out[0] == '\0', "year 10000 does not fit: OVERFLOW, out \"\"");
    static const time_t samples[] = {1, 951782400, 1709164799, 1795458600,
                                     4107542400};
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        time_t back = 0;
        char what[64];
        snprintf(what, sizeof what, "round trip of %lld",
                 (long long)samples[i]);
        CHECK(sw_rfc3339_format(samples[i], out) == SW_OK &&
                  parse(out, &back, NULL) == SW_OK && back == samples[i],
              what);
    }
}

/* days: sw_days_from_civil on ints, for short checks. */
static long long days(long long y, unsigned m, unsigned d)
{
    return sw_days_from_civil(y, m, d);
}

/* civil_is: 1 if day z is y-m-d by sw_civil_from_days. */
static int civil_is(long long z, long long y, unsigned m, unsigned d)
{
    long long yy;
    unsigned mm, dd;
    sw_civil_from_days(z, &yy, &mm, &dd);
    return yy == y && mm == m && dd == d;
}

/* known dates, both directions, and the month lengths. */
static void test_civil_known(void)
{
    CHECK_EQ_INT(days(1970, 1, 1), 0, "1970-01-01 is day 0");
    CHECK_EQ_INT(days(1969, 12, 31), -1, "1969-12-31 is day -1");
    CHECK_EQ_INT(days(2000, 3, 1), 11017, "2000-03-01");
    CHECK_EQ_INT(days(2024, 2, 29), 19782, "2024-02-29 (leap day)");
    CHECK_EQ_INT(days(2026, 11, 23), 20780, "2026-11-23 (1795458600 / 86400)");
    CHECK_EQ_INT(days(0, 3, 1), -719468, "0000-03-01: the algorithm's day 0");
    CHECK_EQ_INT(days(0, 1, 1), -719528, "0000-01-01");
    CHECK_EQ_INT(days(9999, 12, 31), 2932896, "9999-12-31");
    CHECK_EQ_INT(days(-1, 12, 31), -719529, "year -1 (1 BC) ends the day before");
    CHECK(civil_is(0, 1970, 1, 1) && civil_is(-1, 1969, 12, 31) &&
              civil_is(19782, 2024, 2, 29) && civil_is(19783, 2024, 3, 1) &&
              civil_is(-719528, 0, 1, 1) && civil_is(-719529, -1, 12, 31) &&
              civil_is(2932896, 9999, 12, 31) && civil_is(2932897, 10000, 1, 1),
          "civil_from_days: the same dates back, negative years included");
    CHECK(sw_days_in_month(2024, 2) == 29 && sw_days_in_month(2023, 2) == 28 &&
              sw_days_in_month(1900, 2) == 28 &&
              sw_days_in_month(2000, 2) == 29 && sw_days_in_month(0, 2) == 29 &&
              sw_days_in_month(-4, 2) == 29 && sw_days_in_month(-100, 2) == 28 &&
              sw_days_in_month(2026, 4) == 30 &&
              sw_days_in_month(2026, 12) == 31 && sw_days_in_month(2026, 1) == 31,
          "month lengths: leap years by 4, 100, 400, negative years too");
}

/* every day of 0000-9999 against the host libc (an independent
 * implementation): the date of each day at noon by gmtime_r, and timegm of
 * that date back to the day; then day after day far outside that range,
 * where no libc is needed: each next day is the next date. */
static void test_civil_sweep(void)
{
    long bad_libc = 0, bad_step = 0;
    for (long long z = days(0, 1, 1); z <= days(9999, 12, 31); z++) {
        time_t noon = (time_t)(z * 86400 + 43200);
        struct tm tm;
        long long y;
        unsigned m, d;
        sw_civil_from_days(z, &y, &m, &d);
        if (!gmtime_r(&noon, &tm) || tm.tm_year + 1900LL != y ||
            tm.tm_mon + 1 != (int)m || tm.tm_mday != (int)d ||
            timegm(&tm) != noon || days(y, m, d) != z)
            bad_libc++;
    }
    CHECK_EQ_INT(bad_libc, 0, "every day of 0000-9999 agrees with the libc");
    long long y0;
    unsigned m0, d0;
    sw_civil_from_days(-20000000, &y0, &m0, &d0);
    for (long long z = -20000000; z < 20000000; z += 1) {
        long long y;
        unsigned m, d;
        sw_civil_from_days(z + 1, &y, &m, &d);
        int next = d == d0 + 1 && m == m0 && y == y0 && (int)d <= sw_days_in_month(y, m);
        int next_month = d == 1 && (int)d0 == sw_days_in_month(y0, m0) &&
                         ((m == m0 + 1 && y == y0) ||
                          (m0 == 12 && m == 1 && y == y0 + 1));
        if ((!next && !next_month) || days(y, m, d) != z + 1)
            bad_step++;
        y0 = y, m0 = m, d0 = d;
    }
    CHECK_EQ_INT(bad_step, 0,
                 "days -20M..20M (years -52k..56k): each the next date, "
                 "and back");
}

/* the millisecond form (log lines), times before 1970 and year 0000. */
static void test_format_more(void)
{
    char ms[SW_RFC3339_MS_LEN + 1], out[SW_RFC3339_LEN + 1];
    CHECK(sw_rfc3339_format_ms(1795458600, 7, ms) == SW_OK &&
              strcmp(ms, "2026-11-23T18:30:00.007Z") == 0,
          "format_ms: three digits, zero-padded");
    CHECK(sw_rfc3339_format_ms(1795458600, 999, ms) == SW_OK &&
              strcmp(ms, "2026-11-23T18:30:00.999Z") == 0,
          "format_ms: 999");
    memset(ms, 'x', sizeof ms);
    CHECK(sw_rfc3339_format_ms(1795458600, 1000, ms) == SW_E_INVALID &&
              ms[0] == '\0', "format_ms: 1000 ms is INVALID, out \"\"");
    CHECK(sw_rfc3339_format_ms(1795458600, -1, ms) == SW_E_INVALID,
          "format_ms: negative ms is INVALID");
    memset(ms, 'x', sizeof ms);
    CHECK(sw_rfc3339_format_ms(253402300800, 0, ms) == SW_E_OVERFLOW &&
              ms[0] == '\0', "format_ms: year 10000 is OVERFLOW, out \"\"");
    CHECK(sw_rfc3339_format(-1, out) == SW_OK &&
              strcmp(out, "1969-12-31T23:59:59Z") == 0,
          "one second before the epoch (floored, not truncated)");
    CHECK(sw_rfc3339_format(-62167219200, out) == SW_OK &&
              strcmp(out, "0000-01-01T00:00:00Z") == 0, "the first second");
    memset(out, 'x', sizeof out);
    CHECK(sw_rfc3339_format(-62167219201, out) == SW_E_OVERFLOW &&
              out[0] == '\0', "year -1 does not fit: OVERFLOW, out \"\"");
    time_t t = 0;
    CHECK(parse("0000-01-01T00:00:00Z", &t, NULL) == SW_OK &&
              t == -62167219200, "parse year 0000");
    CHECK(parse("1969-12-31T23:59:59Z", &t, NULL) == SW_OK && t == -1,
          "parse before the epoch");
    CHECK(parse("9999-12-31T23:59:59-23:59", &t, NULL) == SW_OK &&
              t == 253402300799 + 23 * 3600 + 59 * 60,
          "an offset may carry the instant past 9999");
}

int main(void)
{
    test_good();
    test_bad();
    test_format();
    test_civil_known();
    test_civil_sweep();
    test_format_more();
    return SW_TEST_DONE();
}
