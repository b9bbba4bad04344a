/* slot.c - ISO-8601 times and slot flooring for btc-price (see slot.h).
 * Calendar arithmetic is done here rather than with timegm() so the result
 * does not depend on the libc or on TZ. */
#include "slot.h"

#include <stdio.h>
#include <string.h>

/* days_from_civil: days since 1970-01-01 of a proleptic Gregorian date
 * (H. Hinnant's algorithm). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

/* digits: reads exactly n decimal digits at *p into *out, advancing *p.
 * Returns 1, or 0 when a non-digit is in the way. */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return 0;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return 1;
}

/* expect: consumes the character c at *p. Returns 1, or 0 if not there. */
static int expect(const char **p, char c)
{
    if (**p != c)
        return 0;
    (*p)++;
    return 1;
}

/* days_in_month: 28-31 for month m (1-12) of year y. */
static int days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dim[m - 1];
}

/* btc_parse_iso8601: parses a zoned date-time to UTC seconds (see
 * header). */
sw_result btc_parse_iso8601(const char *s, time_t *out)
{
    int y, mo, d, h, mi, sec;
    const char *p = s;
    if (!s || !digits(&p, 4, &y) || !expect(&p, '-') || !digits(&p, 2, &mo) ||
        !expect(&p, '-') || !digits(&p, 2, &d) || !expect(&p, 'T') ||
        !digits(&p, 2, &h) || !expect(&p, ':') || !digits(&p, 2, &mi) ||
        !expect(&p, ':') || !digits(&p, 2, &sec))
        return SW_E_CONFIG;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
        h > 23 || mi > 59 || sec > 59)
        return SW_E_CONFIG;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return SW_E_CONFIG;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    long offset = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if (!digits(&p, 2, &oh) || !expect(&p, ':') || !digits(&p, 2, &om) ||
            oh > 23 || om > 59)
            return SW_E_CONFIG;
        offset = sign * (oh * 3600L + om * 60L);
    } else {
        return SW_E_CONFIG;
    }
    if (*p)
        return SW_E_CONFIG;
    long long t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400LL +
                  h * 3600LL + mi * 60LL + sec - offset;
    if (t < 0)
        return SW_E_CONFIG;
    *out = (time_t)t;
    return SW_OK;
}

/* btc_format_iso8601: t as "YYYY-MM-DDTHH:MM:SSZ". */
void btc_format_iso8601(time_t t, char out[BTC_TIME_LEN])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    if (strftime(out, BTC_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        out[0] = '\0'; /* only for years past 9999 */
}

/* btc_slot_floor: t floored to the slot grid (see header). */
time_t btc_slot_floor(time_t t, long slot_seconds)
{
    if (slot_seconds <= 0)
        return t;
    return t - (time_t)((long long)t % slot_seconds);
}
