/* sw/rfc3339.h - RFC 3339 (the ISO 8601 profile AWS and JSON APIs use)
 * UTC timestamps: one strict parser and one formatter, shared by the
 * credentials chain (an endpoint's Expiration) and workers that read or
 * write times (jobs-api's scheduled_for).
 *
 * Grammar accepted (RFC 3339 section 5.6, fixed field widths):
 *   YYYY-MM-DDTHH:MM:SS[.F](Z|+HH:MM|-HH:MM)
 * with 1 to 9 fraction digits (nanoseconds; more would mean nothing to a
 * time_t and make the input unbounded) and 'T'/'Z' in either case (the
 * RFC's note to section 5.6). Nothing may follow. Day 31 in a 30-day
 * month or Feb 29th of a common year is out of range, never normalised
 * into the next month. Second 60 (a leap second) is accepted, as RFC 3339
 * allows, and counts as second 0 of the next minute; callers that want
 * 00-59 only check fields.second. The calendar arithmetic is sw/civil.h's
 * (no timegm/gmtime: the libc and TZ play no part). */
#ifndef SW_RFC3339_H
#define SW_RFC3339_H

#include <time.h>

#include "sw/buf.h"
#include "sw/error.h"

#define SW_RFC3339_LEN 20u    /* "YYYY-MM-DDTHH:MM:SSZ" without its NUL */
#define SW_RFC3339_MS_LEN 24u /* "YYYY-MM-DDTHH:MM:SS.mmmZ" without NUL */

/* A parsed timestamp's fields as written, before the offset is applied. */
typedef struct sw_rfc3339_fields {
    int year, month, day;     /* 0000-9999, 1-12, 1-28..31 */
    int hour, minute, second; /* 0-23, 0-59, 0-60 */
    long nanos;               /* the fraction, 0 when none */
    long offset_s;            /* east of UTC: +02:00 is 7200, Z is 0 */
} sw_rfc3339_fields;

/* sw_rfc3339_parse: s (the whole cursor) as above into *out, seconds
 * since the epoch in UTC (the fraction dropped), and into *fields when
 * fields is not NULL. Returns SW_OK, SW_E_PARSE (not that shape: a wrong
 * width, separator, missing or bad offset, trailing bytes) or
 * SW_E_OVERFLOW (the shape, but a date or time field out of range).
 * *out is written only on SW_OK. */
sw_result sw_rfc3339_parse(sw_cursor s, time_t *out,
                           sw_rfc3339_fields *fields);

/* sw_rfc3339_format: t as "YYYY-MM-DDTHH:MM:SSZ" (UTC, whole seconds)
 * into out (SW_RFC3339_LEN + 1 bytes). Returns SW_OK, or SW_E_OVERFLOW
 * (out set to "") when t's year is outside 0000-9999. */
sw_result sw_rfc3339_format(time_t t, char out[SW_RFC3339_LEN + 1]);

/* sw_rfc3339_format_ms: t plus millis (0-999) as
 * "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC; the log line's time) into out
 * (SW_RFC3339_MS_LEN + 1 bytes). Returns SW_OK, SW_E_INVALID (millis out
 * of range) or SW_E_OVERFLOW (year outside 0000-9999); out is "" on
 * error. */
sw_result sw_rfc3339_format_ms(time_t t, long millis,
                               char out[SW_RFC3339_MS_LEN + 1]);

#endif
