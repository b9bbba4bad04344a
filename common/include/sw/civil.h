/* sw/civil.h - proleptic Gregorian calendar arithmetic: a date to days
 * since 1970-01-01 and back (Howard Hinnant's algorithms,
 * http://howardhinnant.github.io/date_algorithms.html), and the length of
 * a month. The one copy libsw and the workers use (SigV4 dates, RFC 3339
 * timestamps, Olist dates, btc-price slots), so none of them depends on
 * timegm/gmtime, the libc or TZ.
 *
 * static inline: sw_sigv4_sign formats a date on every signature (over a
 * million a second), and these are a few multiplies each. Pure integer
 * functions: nothing can fail, so they return values, not sw_result. Valid
 * for every year a long long day count can hold (negative years included:
 * divisions floor). */
#ifndef SW_CIVIL_H
#define SW_CIVIL_H

/* sw_is_leap_year: 1 if y is a Gregorian leap year, else 0. */
static inline int sw_is_leap_year(long long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* sw_days_in_month: the days of month m (1-12) of year y: 28 to 31. */
static inline int sw_days_in_month(long long y, unsigned m)
{
    static const unsigned char d[12] = {31, 28, 31, 30, 31, 30,
                                        31, 31, 30, 31, 30, 31};
    return m == 2 && sw_is_leap_year(y) ? 29 : d[m - 1];
}

/* sw_days_from_civil: days since 1970-01-01 of year y, month m (1-12),
 * day d (1-31; not checked against the month): 1970-01-01 is 0,
 * 1969-12-31 is -1. */
static inline long long sw_days_from_civil(long long y, unsigned m,
                                           unsigned d)
{
    y -= m <= 2; /* the year runs March to February: Feb 29 comes last */
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);                    /* 0-399 */
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1; /* 0-365 */
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* 0-146096 */
    return era * 146097 + (long long)doe - 719468;
}

/* sw_civil_from_days: the inverse of sw_days_from_civil: the date of day
 * z since 1970-01-01 into *y, *m (1-12), *d (1-31). */
static inline void sw_civil_from_days(long long z, long long *y, unsigned *m,
                                      unsigned *d)
{
    z += 719468; /* days since 0000-03-01 */
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);                /* 0-146096 */
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);      /* 0-365 */
    unsigned mp = (5 * doy + 2) / 153;                           /* 0-11 */
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (long long)yoe + era * 400 + (*m <= 2);
}

#endif
