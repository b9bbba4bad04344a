/* test_jobs_validate.c - jobs-api's pure checks: image references, env var
 * names, times, JSON bodies, callback bodies, transitions, backoff, API
 * keys and tokens, and the user-data template. */
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "job.h"
#include "sw_test.h"
#include "userdata.h"
#include "validate.h"

/* image_cases: the reference grammar, both ways. */
static void image_cases(void)
{
    static const char *good[] = {
        "alpine", "alpine:3.20", "library/alpine", "ghcr.io/acme/etl:1.2",
        "localhost:5000/x/y", "localhost/x", "registry.example.com:443/a/b_c",
        "a__b/c-d/e.f", "a---b", "Host/x", "x:_tag",
        "alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "alpine:3@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "x@sha512+v2:0123456789ABCDEF0123456789abcdef01",
    };
    static const char *bad[] = {
        "", "Alpine", "alpine:", "alpine:-x", "alpine:a b", "-alpine",
        "alpine-", "a..b", "a___b", "a/", "/a", "a//b", "x.io:99999999/a",
        "x.io:/a", "-x.io/a", "alpine@sha256:abc", "alpine@md5:",
        "alpine@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
        "alpine@1x:0123456789abcdef0123456789abcdef", "a b", "a\n",
    };
    const char *why = NULL;
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        char what[200];
        snprintf(what, sizeof what, "image ok: %s", good[i]);
        CHECK(jobs_image_ref_valid(good[i], &why), what);
    }
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char what[200];
        snprintf(what, sizeof what, "image rejected: \"%s\"", bad[i]);
        why = NULL;
        CHECK(!jobs_image_ref_valid(bad[i], &why) && why, what);
    }
    char name[300];
    memset(name, 'a', 255);
    name[255] = '\0';
    CHECK(jobs_image_ref_valid(name, &why), "a 255-character name is fine");
    strcat(name, ":tag");
    CHECK(jobs_image_ref_valid(name, &why), "... with a tag too");
    memset(name, 'a', 256);
    name[256] = '\0';
    CHECK(!jobs_image_ref_valid(name, &why), "256 characters are not");
}

/* env_and_time_cases: names, ISO times, HH:MM. */
static void env_and_time_cases(void)
{
    CHECK(jobs_env_name_valid("_A1") && jobs_env_name_valid("path"),
          "env names _A1, path");
    CHECK(!jobs_env_name_valid("1A") && !jobs_env_name_valid("A-B") &&
              !jobs_env_name_valid("") && !jobs_env_name_valid("A B"),
          "env names 1A, A-B, empty, 'A B' rejected");
    const char *why = NULL;
    time_t t = 0, now = 1795458600; /* 2026-11-23T18:30:00Z */
    char buf[JOBS_TIME_LEN + 1];
    CHECK(jobs_time_parse("2026-11-23T18:30:00Z", now, &t, &why) == SW_OK &&
              t == now, "ISO Z");
    CHECK(jobs_time_parse("2026-11-23T20:30:00+02:00", now, &t, &why) ==
                  SW_OK && t == now, "ISO +02:00");
    CHECK(jobs_time_parse("2026-11-23T13:00:00.123-05:30", now, &t, &why) ==
                  SW_OK && t == now, "ISO fraction and -05:30");
    jobs_time_parse("18:31", now, &t, &why);
    jobs_time_format(t, buf);
    CHECK_EQ_STR(buf, "2026-11-23T18:31:00Z", "HH:MM later today");
    jobs_time_parse("18:30", now, &t, &why);
    jobs_time_format(t, buf);
    CHECK_EQ_STR(buf, "2026-11-24T18:30:00Z", "HH:MM = now: tomorrow");
    jobs_time_parse("00:00", now, &t, &why);
    jobs_time_format(t, buf);
    CHECK_EQ_STR(buf, "2026-11-24T00:00:00Z", "00:00: the next midnight");
    CHECK(jobs_time_parse("2028-02-29T00:00:00Z", now, &t, &why) == SW_OK,
          "Feb 29th of a leap year");
    static const char *bad[] = {
        "2027-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-23T24:00:00Z",
        "2026-11-23 18:30:00Z", "2026-11-23T18:30:00", "2026-11-23T18:30:00+2",
        "1999-12-31T23:59:59Z", "2026-11-23T18:30:00.Z", "8:30", "18:60",
        "2026-11-23T18:30:00Zjunk", "", "2016-12-31T23:59:60Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char what[100];
        snprintf(what, sizeof what, "time rejected: \"%s\"", bad[i]);
        why = NULL;
        CHECK(jobs_time_parse(bad[i], now, &t, &why) == SW_E_INVALID && why,
              what);
    }
}

/* json_cases: depth, duplicates, trailing data, UTF-8, bodies. */
static void json_cases(void)
{
    const char *why = NULL;
    cJSON *v = jobs_json_parse(SW_CURSOR_LIT("{\"a\":[[[[[[[1]]]]]]]}"), &why);
    CHECK(v != NULL, "depth 8 parses");
    cJSON_Delete(v);
    v = jobs_json_parse(SW_CURSOR_LIT("{\"a\":[[[[[[[[1]]]]]]]]}"), &why);
    CHECK(!v && strstr(why, "deeper than 8"), "depth 9 refused");
    v = jobs_json_parse(SW_CURSOR_LIT("{\"a\":\"[[[[[[[[[[\"}"), &why);
    CHECK(v != NULL, "brackets inside strings do not count");
    cJSON_Delete(v);
    v = jobs_json_parse(SW_CURSOR_LIT("{\"a\":1,\"a\":2}"), &why);
    CHECK(!v && strstr(why, "more than once"), "duplicate member refused");
    v = jobs_json_parse(SW_CURSOR_LIT("{\"o\":{\"b\":1,\"b\":1}}"), &why);
    CHECK(!v, "nested duplicate refused");
    v = jobs_json_parse(SW_CURSOR_LIT("{} {}"), &why);
    CHECK(!v && strstr(why, "more than one"), "trailing value refused");
    v = jobs_json_parse(SW_CURSOR_LIT("{\"a\":\"\xff\"}"), &why);
    CHECK(!v && strstr(why, "UTF-8"), "invalid UTF-8 refused");
    v = jobs_json_parse(SW_CURSOR_LIT("{} \n"), &why);
    CHECK(v != NULL, "trailing whitespace is fine");
    cJSON_Delete(v);

    char msg[320];
    jobs_schedule_req s;
    cJSON *b = cJSON_Parse("{\"docker_image\":\"alpine\",\"scheduled_for\":"
                           "\"2026-11-23T20:30:00+02:00\",\"env_vars\":"
                           "{\"A\":\"1\"}}");
    CHECK(jobs_schedule_parse(b, 0, &s, msg, sizeof msg) == SW_OK &&
              strcmp(s.scheduled_for, "2026-11-23T18:30:00Z") == 0 &&
              cJSON_GetArraySize(s.env) == 1,
          "a schedule body: normalised time, env kept");
    cJSON_Delete(s.env);
    cJSON_Delete(b);
    b = cJSON_Parse("{\"docker_image\":\"alpine\",\"scheduled_for\":\"10:00\","
                    "\"env_vars\":null}");
    CHECK(jobs_schedule_parse(b, 0, &s, msg, sizeof msg) == SW_OK &&
              cJSON_IsObject(s.env) && cJSON_GetArraySize(s.env) == 0,
          "env_vars null: an empty object");
    cJSON_Delete(s.env);
    cJSON_Delete(b);
    b = cJSON_Parse("{\"docker_image\":7,\"scheduled_for\":\"10:00\"}");
    CHECK(jobs_schedule_parse(b, 0, &s, msg, sizeof msg) == SW_E_INVALID &&
              strcmp(msg, "docker_image must be a string") == 0,
          "docker_image not a string");
    cJSON_Delete(s.env);
    cJSON_Delete(b);

    jobs_callback_req cb;
    b = cJSON_Parse("{}");
    CHECK(jobs_callback_parse(b, &cb, msg, sizeof msg) == SW_OK &&
              cb.kind == JOBS_CB_DONE && cb.attempt == -1, "{} is done");
    cJSON_Delete(b);
    b = cJSON_Parse("{\"failed\":\"\",\"error_message\":\"exit 3\","
                    "\"attempt\":2}");
    CHECK(jobs_callback_parse(b, &cb, msg, sizeof msg) == SW_OK &&
              cb.kind == JOBS_CB_FAILED && cb.attempt == 2 &&
              strcmp(cb.error_message, "exit 3") == 0, "failed with message");
    cJSON_Delete(b);
    b = cJSON_Parse("{\"heartbeat\":\"\",\"attempt\":4}");
    CHECK(jobs_callback_parse(b, &cb, msg, sizeof msg) == SW_OK &&
              cb.kind == JOBS_CB_HEARTBEAT && cb.attempt == 4 &&
              strcmp(jobs_cb_kind_name(cb.kind), "heartbeat") == 0,
          "heartbeat with attempt");
    cJSON_Delete(b);
    b = cJSON_Parse("{\"heartbeat\":\"\"}");
    CHECK(jobs_callback_parse(b, &cb, msg, sizeof msg) == SW_OK &&
              cb.kind == JOBS_CB_HEARTBEAT && cb.attempt == -1,
          "heartbeat without attempt (the current one)");
    cJSON_Delete(b);
    static const char *badcb[] = {
        "{\"schedule\":1}", "{\"running\":\"\",\"schedule\":\"\"}",
        "{\"error_message\":\"x\"}", "{\"attempt\":1.5}", "{\"attempt\":\"1\"}",
        "{\"done\":\"\"}", "{\"heartbeat\":0}", "{\"heartbeat\":null}",
        "{\"heartbeat\":\"\",\"running\":\"\"}",
        "{\"heartbeat\":\"\",\"error_message\":\"x\"}",
        "{\"heartbeat\":\"\",\"attempt\":-1}",
    };
    for (size_t i = 0; i < sizeof badcb / sizeof *badcb; i++) {
        b = cJSON_Parse(badcb[i]);
        char what[100];
        snprintf(what, sizeof what, "callback body rejected: %s", badcb[i]);
        CHECK(jobs_callback_parse(b, &cb, msg, sizeof msg) == SW_E_INVALID,
              what);
        cJSON_Delete(b);
    }
    /* error_message is cut at a character boundary. */
    char big[JOBS_ERROR_MAX + 40] = "{\"failed\":\"\",\"error_message\":\"";
    size_t n = strlen(big);
    memset(big + n, 'x', JOBS_ERROR_MAX - 1);
    n += JOBS_ERROR_MAX - 1;
    memcpy(big + n, "\xc3\xa9\"}", 5);
    b = cJSON_Parse(big);
    CHECK(jobs_callback_parse(b, &cb, msg, sizeof msg) == SW_OK &&
              strlen(cb.error_message) == JOBS_ERROR_MAX - 1,
          "a long error_message is cut before a split character");
    cJSON_Delete(b);
}

/* model_cases: transitions, backoff, ids, tokens, keys, user-data. */
static void model_cases(void)
{
    CHECK(jobs_transition_legal(JOBS_SCHEDULED, JOBS_LAUNCHING) &&
              jobs_transition_legal(JOBS_LAUNCHING, JOBS_RUNNING) &&
              jobs_transition_legal(JOBS_RUNNING, JOBS_DONE) &&
              jobs_transition_legal(JOBS_RUNNING, JOBS_SCHEDULED) &&
              jobs_transition_legal(JOBS_LAUNCHING, JOBS_SCHEDULED),
          "the legal path and interruptions");
    int legal = 0;
    for (int a = 0; a < JOBS_STATUS_COUNT; a++)
        for (int b = 0; b < JOBS_STATUS_COUNT; b++)
            legal += jobs_transition_legal((jobs_status)a, (jobs_status)b);
    CHECK_EQ_INT(legal, 7, "exactly 7 legal transitions");
    CHECK(!jobs_transition_legal(JOBS_DONE, JOBS_SCHEDULED) &&
              !jobs_transition_legal(JOBS_SCHEDULED, JOBS_RUNNING) &&
              !jobs_transition_legal(JOBS_LAUNCHING, JOBS_DONE),
          "DONE is final; no skipping LAUNCHING; no DONE before RUNNING");
    CHECK_EQ_INT(jobs_backoff_seconds(1, 30, 900), 30, "backoff 1: 30 s");
    CHECK_EQ_INT(jobs_backoff_seconds(3, 30, 900), 120, "backoff 3: 120 s");
    CHECK_EQ_INT(jobs_backoff_seconds(60, 30, 900), 900, "backoff capped");

    char id[JOBS_ID_LEN + 1], id2[JOBS_ID_LEN + 1];
    CHECK(jobs_new_id(id) == SW_OK && jobs_new_id(id2) == SW_OK &&
              jobs_id_valid(id) && strcmp(id, id2) != 0 && id[14] == '4',
          "random UUIDv4 ids");
    CHECK(!jobs_id_valid("../../etc") && !jobs_id_valid(NULL),
          "junk is not an id");
    char tok[JOBS_TOKEN_HEX + 1], hash[JOBS_TOKEN_HEX + 1];
    CHECK(jobs_new_token(tok, hash) == SW_OK && jobs_token_wellformed(tok) &&
              jobs_token_ok(tok, hash) && strcmp(tok, hash) != 0,
          "a token verifies against its hash, which differs from it");
    tok[0] = tok[0] == 'a' ? 'b' : 'a';
    CHECK(!jobs_token_ok(tok, hash), "a changed token does not");

    jobs_auth a;
    char why[200];
    /* sha256("0123456789abcdef-key2") */
    char h2[JOBS_TOKEN_HEX + 1];
    jobs_hash_hex("0123456789abcdef-key2", 21, h2);
    CHECK(jobs_auth_load(&a, " 0123456789abcdef-key1 ,", h2, why,
                         sizeof why) == SW_OK && a.count == 2,
          "a plain key and a hash");
    CHECK(jobs_auth_key_ok(&a, "0123456789abcdef-key1") &&
              jobs_auth_key_ok(&a, "0123456789abcdef-key2") &&
              !jobs_auth_key_ok(&a, "0123456789abcdef-key3"),
          "both keys accepted, others not");
    CHECK(jobs_auth_load(&a, "short", NULL, why, sizeof why) == SW_E_CONFIG &&
              strstr(why, "entry 1") && !strstr(why, "short"),
          "a short key is refused without echoing it");
    CHECK(jobs_auth_load(&a, NULL, "abc", why, sizeof why) == SW_E_CONFIG,
          "a malformed hash is refused");
    CHECK(jobs_auth_load(&a, "", "", why, sizeof why) == SW_E_CONFIG,
          "no key at all is refused");
    CHECK(jobs_bearer("bearer  abc") && strcmp(jobs_bearer("Bearer abc"),
                                               "abc") == 0,
          "Bearer, case-insensitive scheme");
    CHECK(!jobs_bearer("Basic abc") && !jobs_bearer("Bearer ") &&
              !jobs_bearer("Bearer a b") && !jobs_bearer(NULL),
          "other schemes and malformed values");

    sw_buf out = SW_BUF_INIT;
    jobs_userdata_vars v = {"j1", 2, "https://x.example/api", "tok",
                            "reg.io/agent@sha256:00"};
    CHECK(jobs_userdata_render("a=@JOB_ID@ n=@ATTEMPT@ u=@API_URL@ "
                               "t=@TOKEN@ i=@AGENT_IMAGE@ [@+-]",
                               &v, &out) == SW_OK &&
              strcmp(out.ptr, "a=j1 n=2 u=https://x.example/api t=tok "
                              "i=reg.io/agent@sha256:00 [@+-]") == 0,
          "user-data placeholders replaced, lone @ kept");
    sw_buf_reset(&out);
    CHECK(jobs_userdata_render("@NOPE@", &v, &out) == SW_E_INVALID,
          "an unknown placeholder is an error");
    v.api_url = "https://x/'; rm -rf /";
    CHECK(jobs_userdata_render("@API_URL@", &v, &out) == SW_E_INVALID,
          "a value needing shell quoting is refused");
    sw_buf_free(&out);
    char path[1024];
    const char *root = getenv("SW_ROOT"); /* tests/run sets it */
    snprintf(path, sizeof path, "%s/workers/jobs-api/userdata.sh.in",
             root ? root : ".");
    FILE *f = fopen(path, "r");
    char tmpl[8192] = "";
    size_t n = f ? fread(tmpl, 1, sizeof tmpl - 1, f) : 0;
    tmpl[n] = '\0';
    if (f)
        fclose(f);
    v.api_url = "https://jobs.example.com";
    v.token = "0123abcd";
    CHECK(n > 0 && jobs_userdata_render(tmpl, &v, &out) == SW_OK &&
              strstr(out.ptr, "SPOT_AGENT_TOKEN='0123abcd'") &&
              strstr(out.ptr, "SPOT_AGENT_API_URL='https://jobs.example.com'"),
          "the shipped template renders");
    sw_buf_free(&out);
}

int main(void)
{
    image_cases();
    env_and_time_cases();
    json_cases();
    model_cases();
    return SW_TEST_DONE();
}
