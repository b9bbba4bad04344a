/* rfc3339.c - strict RFC 3339 timestamps (see sw/rfc3339.h).
 *
 * Hand-rolled rather than sscanf: "%2d" skips blanks and takes a sign, so
 * " 1" or "+1" would pass as a two-digit field; here every field is
 * exactly its width of ASCII digits. */
#include "sw/rfc3339.h"

#include <stdbool.h>
#include <stdio.h>

/* digits: the value of the n decimal digits at p, or -1 if one is not. */
static int digits(const char *p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* days_in: the days of month m (1-12) of year y (proleptic Gregorian). */
static int days_in(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

/* parse_suffix: the optional fraction and the offset in p[0..n) into f.
 * Returns SW_OK or SW_E_PARSE (the offset's ranges are part of its shape:
 * there is no meaningful "+24:00"). */
static sw_result parse_suffix(const char *p, size_t n, sw_rfc3339_fields *f)
{
    size_t i = 0;
    f->nanos = 0;
    if (n > 0 && p[0] == '.') {
        size_t k = 0;
        for (i = 1; i < n && p[i] >= '0' && p[i] <= '9'; i++, k++)
            if (k < 9)
                f->nanos = f->nanos * 10 + (p[i] - '0');
        if (k == 0 || k > 9)
            return SW_E_PARSE;
        for (; k < 9; k++)
            f->nanos *= 10;
    }
    p += i;
    n -= i;
    if (n == 1 && (p[0] == 'Z' || p[0] == 'z')) {
        f->offset_s = 0;
        return SW_OK;
    }
    if (n != 6 || (p[0] != '+' && p[0] != '-') || p[3] != ':')
        return SW_E_PARSE;
    int oh = digits(p + 1, 2), om = digits(p + 4, 2);
    if (oh < 0 || om < 0 || oh > 23 || om > 59)
        return SW_E_PARSE;
    f->offset_s = (oh * 3600L + om * 60L) * (p[0] == '-' ? -1 : 1);
    return SW_OK;
}

/* sw_rfc3339_parse: shape first (every width and separator), then the
 * ranges, then timegm on the fields minus the offset. */
sw_result sw_rfc3339_parse(sw_cursor s, time_t *out,
                           sw_rfc3339_fields *fields)
{
    sw_rfc3339_fields f;
    const char *p = s.ptr;
    if (!p || s.len < SW_RFC3339_LEN || p[4] != '-' || p[7] != '-' ||
        (p[10] != 'T' && p[10] != 't') || p[13] != ':' || p[16] != ':')
        return SW_E_PARSE;
    f.year = digits(p, 4);
    f.month = digits(p + 5, 2);
    f.day = digits(p + 8, 2);
    f.hour = digits(p + 11, 2);
    f.minute = digits(p + 14, 2);
    f.second = digits(p + 17, 2);
    if (f.year < 0 || f.month < 0 || f.day < 0 || f.hour < 0 ||
        f.minute < 0 || f.second < 0)
        return SW_E_PARSE;
    sw_result rc = parse_suffix(p + 19, s.len - 19, &f);
    if (rc)
        return rc;
    if (f.month < 1 || f.month > 12 || f.day < 1 ||
        f.day > days_in(f.year, f.month) || f.hour > 23 || f.minute > 59 ||
        f.second > 60)
        return SW_E_OVERFLOW;
    struct tm tm = {0};
    tm.tm_year = f.year - 1900;
    tm.tm_mon = f.month - 1;
    tm.tm_mday = f.day;
    tm.tm_hour = f.hour;
    tm.tm_min = f.minute;
    tm.tm_sec = f.second; /* 60 becomes the next minute's 0 in timegm */
    *out = timegm(&tm) - f.offset_s;
    if (fields)
        *fields = f;
    return SW_OK;
}

/* sw_rfc3339_format: gmtime_r, then the fields by hand so a year that
 * does not fit is an error rather than a truncated string. */
sw_result sw_rfc3339_format(time_t t, char out[SW_RFC3339_LEN + 1])
{
    struct tm tm;
    out[0] = '\0';
    if (!gmtime_r(&t, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
        return SW_E_OVERFLOW;
    snprintf(out, SW_RFC3339_LEN + 1, "%04d-%02d-%02dT%02d:%02d:%02dZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
    return SW_OK;
}
