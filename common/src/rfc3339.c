/* rfc3339.c - strict RFC 3339 timestamps (see sw/rfc3339.h).
 *
 * Calendar arithmetic is sw/civil.h's, not timegm/gmtime_r: the same
 * answer whatever the libc or TZ. Hand-rolled rather than sscanf: "%2d" skips blanks and takes a sign, so
 * " 1" or "+1" would pass as a two-digit field; here every field is
 * exactly its width of ASCII digits. */
#include "sw/rfc3339.h"

#include "sw/civil.h"

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
 * ranges, then sw_days_from_civil on the fields minus the offset. */
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
        f.day > sw_days_in_month(f.year, (unsigned)f.month) || f.hour > 23 ||
        f.minute > 59 || f.second > 60)
        return SW_E_OVERFLOW;
    /* second 60 simply counts on: the next minute's 0, as timegm has it */
    long long t = sw_days_from_civil(f.year, (unsigned)f.month,
                                     (unsigned)f.day) * 86400LL +
                  f.hour * 3600LL + f.minute * 60LL + f.second - f.offset_s;
    if ((long long)(time_t)t != t) /* only where time_t is 32 bits */
        return SW_E_OVERFLOW;
    *out = (time_t)t;
    if (fields)
        *fields = f;
    return SW_OK;
}

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the four-digit years. */
#define MIN_T (-62167219200LL)
#define MAX_T 253402300799LL

/* put_digits: v as exactly n decimal digits at p (no NUL). */
static void put_digits(char *p, unsigned long long v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* put_time: t's "YYYY-MM-DDTHH:MM:SS" (19 bytes, no NUL) at out, by
 * sw_civil_from_days so neither the libc nor TZ plays a part. Returns
 * SW_OK, or SW_E_OVERFLOW when t's year is outside 0000-9999. */
static sw_result put_time(time_t t, char *out)
{
    long long tt = (long long)t;
    if (tt < MIN_T || tt > MAX_T)
        return SW_E_OVERFLOW;
    long long days = tt / 86400, secs = tt % 86400, y;
    if (secs < 0) { /* C division truncates: floor it for times before 1970 */
        secs += 86400;
        days--;
    }
    unsigned m, d;
    sw_civil_from_days(days, &y, &m, &d);
    put_digits(out, (unsigned long long)y, 4);
    out[4] = '-';
    put_digits(out + 5, m, 2);
    out[7] = '-';
    put_digits(out + 8, d, 2);
    out[10] = 'T';
    put_digits(out + 11, (unsigned long long)(secs / 3600), 2);
    out[13] = ':';
    put_digits(out + 14, (unsigned long long)(secs / 60 % 60), 2);
    out[16] = ':';
    put_digits(out + 17, (unsigned long long)(secs % 60), 2);
    return SW_OK;
}

/* sw_rfc3339_format: put_time, then the zone. */
sw_result sw_rfc3339_format(time_t t, char out[SW_RFC3339_LEN + 1])
{
    out[0] = '\0'; /* put_time writes nothing when it fails */
    if (put_time(t, out) != SW_OK)
        return SW_E_OVERFLOW;
    out[19] = 'Z';
    out[20] = '\0';
    return SW_OK;
}

/* sw_rfc3339_format_ms: put_time, then ".mmm" and the zone. */
sw_result sw_rfc3339_format_ms(time_t t, long millis,
                               char out[SW_RFC3339_MS_LEN + 1])
{
    out[0] = '\0';
    if (millis < 0 || millis > 999)
        return SW_E_INVALID;
    if (put_time(t, out) != SW_OK)
        return SW_E_OVERFLOW;
    out[19] = '.';
    put_digits(out + 20, (unsigned long long)millis, 3);
    out[23] = 'Z';
    out[24] = '\0';
    return SW_OK;
}
