/* test_etl_env.c - "{date}" in an ETL location (sw_etl_expand,
 * sw_etl_env_location) and the run date it is replaced by
 * (sw_run_date_pick: ETL_RUN_DATE, else WORKFLOW_RUN_ID's scheduled day,
 * else today UTC), the one rule etl-extract and etl-load share. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sw/etl.h"
#include "sw/runid.h"
#include "sw_test.h"

/* expand: sw_etl_expand into out (SW_OBJ_URI_MAX bytes), why reset. */
static sw_result expand(const char *tmpl, const char *date, char *out,
                        const char **why)
{
    *why = NULL;
    return sw_etl_expand(tmpl, date, out, SW_OBJ_URI_MAX, why);
}

/* the placeholder anywhere, any number of times; no placeholder: as is. */
static void test_expand(void)
{
    char out[SW_OBJ_URI_MAX];
    const char *why;
    const char *d = "2026-11-23";
    CHECK(expand("{date}/raw", d, out, &why) == SW_OK &&
              strcmp(out, "2026-11-23/raw") == 0,
          "placeholder at the start");
    CHECK(expand("s3://b/raw/dt={date}/x", d, out, &why) == SW_OK &&
              strcmp(out, "s3://b/raw/dt=2026-11-23/x") == 0,
          "placeholder in the middle");
    CHECK(expand("s3://b/raw/dt={date}", d, out, &why) == SW_OK &&
              strcmp(out, "s3://b/raw/dt=2026-11-23") == 0,
          "placeholder at the end");
    CHECK(expand("/d/{date}/f{date}", d, out, &why) == SW_OK &&
              strcmp(out, "/d/2026-11-23/f2026-11-23") == 0,
          "two placeholders, both replaced");
    CHECK(expand("s3://b/raw", NULL, out, &why) == SW_OK &&
              strcmp(out, "s3://b/raw") == 0,
          "no placeholder: unchanged, no date needed");
    CHECK(expand("/a}b", NULL, out, &why) == SW_OK &&
              strcmp(out, "/a}b") == 0,
          "a lone } is an ordinary byte");
}

/* anything but {date}, an open brace, no date, no room: refused. */
static void test_refused(void)
{
    char out[SW_OBJ_URI_MAX];
    const char *why;
    const char *d = "2026-11-23";
    CHECK(expand("/raw/{day}", d, out, &why) == SW_E_CONFIG && why &&
              strstr(why, "unknown placeholder") && !out[0],
          "unknown placeholder {day}: SW_E_CONFIG, nothing written");
    CHECK(expand("/raw/{DATE}", d, out, &why) == SW_E_CONFIG &&
              strstr(why, "unknown"),
          "placeholders are case-sensitive");
    CHECK(expand("/raw/{}", d, out, &why) == SW_E_CONFIG &&
              strstr(why, "unknown"),
          "empty placeholder {} is unknown");
    CHECK(expand("/raw/{date", d, out, &why) == SW_E_CONFIG &&
              strstr(why, "without its '}'"),
          "unclosed brace at the end");
    CHECK(expand("/raw/{da/te", d, out, &why) == SW_E_CONFIG &&
              strstr(why, "without its '}'"),
          "unclosed brace in the middle");
    CHECK(expand("/raw/{{date}}", d, out, &why) == SW_E_CONFIG &&
              strstr(why, "unknown"),
          "{{date}} is not an escape");
    CHECK(expand("/raw/dt={date}", NULL, out, &why) == SW_E_CONFIG &&
              strstr(why, "no run date"),
          "{date} with no run date: SW_E_CONFIG");
    char small[16];
    why = NULL;
    CHECK(sw_etl_expand("/x/{date}", d, small, 13, &why) ==
                  SW_E_OVERFLOW &&
              why && !small[0],
          "no room for the expansion: SW_E_OVERFLOW, out empty");
    why = NULL;
    CHECK(sw_etl_expand("/x/{date}", d, small, 14, &why) == SW_OK &&
              strcmp(small, "/x/2026-11-23") == 0,
          "exactly enough room (13 bytes + NUL)");
}

/* the three sources of the run date, in order. */
static void test_run_date(void)
{
    char out[SW_RUN_DATE_LEN + 1];
    const char *why = NULL;
    const char *wf = "etl-daily/2026-11-20T05:00:00Z";
    time_t now = 1795737600 - 3600; /* 2026-11-26T23:00:00Z */
    CHECK(sw_run_date_pick("2026-11-23", wf, now, out, &why) == SW_OK &&
              strcmp(out, "2026-11-23") == 0,
          "ETL_RUN_DATE wins over WORKFLOW_RUN_ID and today");
    CHECK(sw_run_date_pick("", wf, now, out, &why) == SW_OK &&
              strcmp(out, "2026-11-20") == 0,
          "else WORKFLOW_RUN_ID's scheduled day");
    CHECK(sw_run_date_pick(NULL, NULL, now, out, &why) == SW_OK &&
              strcmp(out, "2026-11-26") == 0,
          "else today in UTC");
    CHECK(sw_run_date_pick(NULL, "by-hand-run", now, out, &why) == SW_OK &&
              strcmp(out, "2026-11-26") == 0,
          "a WORKFLOW_RUN_ID without a scheduled time: today");
    CHECK(sw_run_date_pick(NULL, "s/2026-02-30T05:00:00Z", now, out, &why) ==
                  SW_OK &&
              strcmp(out, "2026-11-26") == 0,
          "a WORKFLOW_RUN_ID with an impossible day: today");
    const char *bad[] = {"2026-11-31", "2026-1-23", "20261123",
                         "2026-11-23T00", "2025-02-29", "yesterday"};
    int refused = 0;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        why = NULL;
        refused += sw_run_date_pick(bad[i], wf, now, out, &why) ==
                       SW_E_CONFIG &&
                   why && strstr(why, "YYYY-MM-DD") && !out[0];
    }
    CHECK_EQ_INT(refused, 6, "a malformed ETL_RUN_DATE is refused, not "
                 "replaced by another source");
    CHECK(sw_run_date_pick("2024-02-29", NULL, now, out, &why) == SW_OK,
          "a leap day is a date");
}

/* sw_etl_env_location reads the variable and the run date's sources. */
static void test_env_location(void)
{
    char out[SW_OBJ_URI_MAX];
    unsetenv("ETL_RUN_DATE");
    unsetenv("WORKFLOW_RUN_ID");
    unsetenv("SW_TEST_LOC");
    CHECK_EQ_INT(sw_etl_env_location("SW_TEST_LOC", out), 2, "unset: 2");
    setenv("SW_TEST_LOC", "s3://b/raw/dt={date}", 1);
    setenv("ETL_RUN_DATE", "2026-11-23", 1);
    setenv("WORKFLOW_RUN_ID", "etl-daily/2026-11-20T05:00:00Z", 1);
    CHECK(sw_etl_env_location("SW_TEST_LOC", out) == 0 &&
              strcmp(out, "s3://b/raw/dt=2026-11-23") == 0,
          "env: ETL_RUN_DATE");
    unsetenv("ETL_RUN_DATE");
    CHECK(sw_etl_env_location("SW_TEST_LOC", out) == 0 &&
              strcmp(out, "s3://b/raw/dt=2026-11-20") == 0,
          "env: WORKFLOW_RUN_ID's day");
    unsetenv("WORKFLOW_RUN_ID");
    char today[SW_RUN_DATE_LEN + 1], want[64];
    const char *why = NULL;
    (void)sw_run_date_pick(NULL, NULL, time(NULL), today, &why);
    snprintf(want, sizeof want, "s3://b/raw/dt=%s", today);
    CHECK(sw_etl_env_location("SW_TEST_LOC", out) == 0 &&
              strcmp(out, want) == 0,
          "env: today UTC");
    setenv("ETL_RUN_DATE", "2026-13-01", 1);
    CHECK_EQ_INT(sw_etl_env_location("SW_TEST_LOC", out), 2,
                 "env: {date} with a malformed ETL_RUN_DATE: 2");
    setenv("SW_TEST_LOC", "s3://b/raw", 1);
    CHECK(sw_etl_env_location("SW_TEST_LOC", out) == 0 &&
              strcmp(out, "s3://b/raw") == 0,
          "env: no {date}, so the malformed ETL_RUN_DATE does not matter");
    setenv("SW_TEST_LOC", "s3://b/raw/{run}", 1);
    CHECK_EQ_INT(sw_etl_env_location("SW_TEST_LOC", out), 2,
                 "env: unknown placeholder: 2");
    unsetenv("ETL_RUN_DATE");
}

int main(void)
{
    test_expand();
    test_refused();
    test_run_date();
    test_env_location();
    return SW_TEST_DONE();
}
