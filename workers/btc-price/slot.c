/* slot.c - SCHEDULED_TIME parsing and slot flooring for btc-price (see
 * slot.h). Parsing and formatting are libsw's sw/rfc3339.h (which does its
 * own calendar arithmetic, so the slot does not depend on the libc or on
 * TZ); this file adds btc-price's narrower range. */
#include "slot.h"

#include "sw/rfc3339.h"

/* btc_parse_iso8601: sw_rfc3339_parse, then btc-price's limits (see
 * header). */
sw_result btc_parse_iso8601(const char *s, time_t *out)
{
    sw_rfc3339_fields f;
    time_t t;
    if (!s || sw_rfc3339_parse(sw_cursor_from_cstr(s), &t, &f) != SW_OK)
        return SW_E_CONFIG;
    /* a leap second would name the next minute's slot twice; before 1970
     * no slot can exist */
    if (f.year < 1970 || f.second > 59 || t < 0)
        return SW_E_CONFIG;
    *out = t;
    return SW_OK;
}

/* btc_format_iso8601: sw_rfc3339_format ("" past year 9999). */
void btc_format_iso8601(time_t t, char out[BTC_TIME_LEN])
{
    (void)sw_rfc3339_format(t, out);
}

/* btc_slot_floor: t floored to the slot grid (see header). */
time_t btc_slot_floor(time_t t, long slot_seconds)
{
    if (slot_seconds <= 0)
        return t;
    return t - (time_t)((long long)t % slot_seconds);
}
