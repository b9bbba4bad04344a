/* test_rfc3339.c - the shared RFC 3339 parser and formatter (sw/rfc3339.h)
 * for both of its callers: the credentials chain's Expiration (Z, as AWS
 * sends it, with or without a fraction) and jobs-api's scheduled_for
 * (offsets, fractions, leap years, and a clear error class for bad
 * input). */
#include <stdio.h>
#include <string.h>

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

int main(void)
{
    test_good();
    test_bad();
    test_format();
    return SW_TEST_DONE();
}
