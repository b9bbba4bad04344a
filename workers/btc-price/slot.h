/* slot.h - the time slot a btc-price run writes: SCHEDULED_TIME parsing and
 * flooring "now" to SLOT_SECONDS, so every attempt of one scheduled run
 * (Batch retries, a re-run after a lost answer) names the same item. Pure
 * functions, unit-tested in tests/unit/test_btc_price_parse.c. */
#ifndef BTC_SLOT_H
#define BTC_SLOT_H

#include <time.h>

#include "sw/error.h"

/* "YYYY-MM-DDTHH:MM:SSZ" and its NUL. */
#define BTC_TIME_LEN 21 /* SW_RFC3339_LEN + 1 */

/* btc_parse_iso8601: parses an RFC 3339 date-time with an explicit zone
 * (sw_rfc3339_parse): YYYY-MM-DDTHH:MM:SS, optional 1-9 fraction digits
 * (dropped: slots are whole seconds), then Z or +HH:MM / -HH:MM, as
 * EventBridge passes it. Years 1970-9999, seconds 00-59 (no leap second),
 * not before the epoch once the offset is applied. Returns SW_OK with *out
 * in UTC seconds, or SW_E_CONFIG for anything else (no zone, Feb 30,
 * 24:00, trailing text). */
sw_result btc_parse_iso8601(const char *s, time_t *out);

/* btc_format_iso8601: writes t as "YYYY-MM-DDTHH:MM:SSZ" (UTC), or ""
 * past year 9999 (sw_rfc3339_format). */
void btc_format_iso8601(time_t t, char out[BTC_TIME_LEN]);

/* btc_slot_floor: t rounded down to a multiple of slot_seconds (> 0) since
 * the Unix epoch: 13:45:31 with 120 gives 13:44:00. */
time_t btc_slot_floor(time_t t, long slot_seconds);

#endif
