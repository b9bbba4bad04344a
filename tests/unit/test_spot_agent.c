/* test_spot_agent.c - spot-agent's pure parts: the Docker log stream
 * demultiplexer, image reference splitting, pull-stream errors, the failed
 * callback's message (4 KiB of valid UTF-8, the end of the logs kept), the
 * job spec checks, and which callback statuses are retried. */
#include <stdlib.h>

#include "agent.h"
#include "api.h"
#include "docker.h"
#include "heartbeat.h"
#include "sw/retry.h"
#include "sw_test.h"

/* frame: appends one multiplexed frame (stream, payload) to b. */
static void frame(sw_buf *b, int stream, const char *payload)
{
    size_t n = strlen(payload);
    unsigned char h[8] = {(unsigned char)stream, 0, 0, 0,
                          (unsigned char)(n >> 24), (unsigned char)(n >> 16),
                          (unsigned char)(n >> 8), (unsigned char)n};
    sw_buf_append(b, h, 8);
    sw_buf_append(b, payload, n);
}

/* check_demux: frames joined, TTY streams as is, a cut frame kept. */
static void check_demux(void)
{
    sw_buf raw = SW_BUF_INIT, out = SW_BUF_INIT;
    frame(&raw, 1, "line 1\n");
    frame(&raw, 2, "oops\n");
    frame(&raw, 1, "");
    frame(&raw, 1, "line 2\n");
    CHECK(!sa_docker_demux(sw_cursor_from_buf(&raw), &out),
          "demux of 4 frames");
    CHECK_EQ_STR(out.ptr, "line 1\noops\nline 2\n",
                 "stdout and stderr payloads in order, headers gone");
    sw_buf_reset(&out);
    /* a frame whose length runs past the end: what came is kept */
    sw_buf_reset(&raw);
    frame(&raw, 1, "abc\n");
    raw.len -= 2;
    CHECK(!sa_docker_demux(sw_cursor_from_buf(&raw), &out) &&
              out.len == 2 && !memcmp(out.ptr, "ab", 2),
          "a truncated last frame keeps its bytes");
    sw_buf_reset(&out);
    CHECK(!sa_docker_demux(SW_CURSOR_LIT("plain tty output\n"), &out),
          "a TTY stream");
    CHECK_EQ_STR(out.ptr, "plain tty output\n", "copied as is");
    sw_buf_reset(&out);
    /* a 300-byte payload: the length uses more than one byte */
    char big[301];
    memset(big, 'x', 300);
    big[300] = '\0';
    sw_buf_reset(&raw);
    frame(&raw, 1, big);
    CHECK(!sa_docker_demux(sw_cursor_from_buf(&raw), &out) && out.len == 300,
          "a 300-byte frame (big-endian length)");
    sw_buf_free(&raw);
    sw_buf_free(&out);
}

/* split: sa_docker_split_image into "repo|tag", or "ERR". */
static const char *split(const char *image)
{
    static char s[256];
    sw_buf r = SW_BUF_INIT, t = SW_BUF_INIT;
    if (sa_docker_split_image(image, &r, &t))
        snprintf(s, sizeof s, "ERR");
    else
        snprintf(s, sizeof s, "%s|%s", r.ptr, t.ptr);
    sw_buf_free(&r);
    sw_buf_free(&t);
    return s;
}

/* check_split: tags, registry ports and digests. */
static void check_split(void)
{
    CHECK_EQ_STR(split("busybox"), "busybox|latest", "no tag: latest");
    CHECK_EQ_STR(split("alpine:3.20"), "alpine|3.20", "name:tag");
    CHECK_EQ_STR(split("127.0.0.1:5000/test/job"), "127.0.0.1:5000/test/job|latest",
                 "a registry port is not a tag");
    CHECK_EQ_STR(split("127.0.0.1:5000/test/job:1"), "127.0.0.1:5000/test/job|1",
                 "registry port and tag");
    CHECK_EQ_STR(split("repo/x@sha256:abcd"), "repo/x|sha256:abcd",
                 "a digest goes as the tag");
    CHECK_EQ_STR(split(""), "ERR", "empty refused");
    CHECK_EQ_STR(split("a b"), "ERR", "space refused");
    CHECK_EQ_STR(split("repo:"), "ERR", "empty tag refused");
}

/* check_pull_error: errors found in a progress stream, or not. */
static void check_pull_error(void)
{
    sw_buf m = SW_BUF_INIT;
    CHECK(!sa_docker_pull_error(
              SW_CURSOR_LIT("{\"status\":\"Pulling fs layer\",\"id\":\"1\"}\n"
                            "{\"status\":\"Download complete\"}\n"),
              &m),
          "a clean stream has no error");
    CHECK(sa_docker_pull_error(
              SW_CURSOR_LIT("{\"status\":\"Pulling\"}\n"
                            "{\"errorDetail\":{\"message\":\"manifest "
                            "unknown\"},\"error\":\"short\"}\n"),
              &m),
          "an error line is found");
    CHECK_EQ_STR(m.ptr, "manifest unknown", "errorDetail.message preferred");
    CHECK(sa_docker_pull_error(SW_CURSOR_LIT("{\"error\":\"denied\"}"), &m),
          "a bare error without newline");
    CHECK_EQ_STR(m.ptr, "denied", "error text");
    /* found by fuzz_spot_agent: an empty error text gave an empty message */
    CHECK(sa_docker_pull_error(SW_CURSOR_LIT("{\"error\":\"\"}\n"), &m),
          "an empty error is still an error");
    CHECK_EQ_STR(m.ptr, "pull failed", "an empty error text: 'pull failed'");
    sw_buf_free(&m);
}

/* check_parsers: the answers parsed out of the I/O paths (also fuzzed by
 * tests/fuzz/fuzz_spot_agent.c): spec, inspect, IMDS notice. */
static void check_parsers(void)
{
    cJSON *spec = NULL;
    CHECK(sa_api_parse_spec(SW_CURSOR_LIT("{\"id\":\"j\"}"), &spec) ==
                  SW_OK && cJSON_IsObject(spec),
          "spec: an object parses");
    cJSON_Delete(spec);
    CHECK(sa_api_parse_spec(SW_CURSOR_LIT("[1]"), &spec) == SW_E_PARSE &&
              !spec,
          "spec: an array is refused, *spec NULL");
    CHECK(sa_api_parse_spec(sw_cursor_from_mem(NULL, 0), &spec) ==
                  SW_E_PARSE && !spec,
          "spec: an empty body is refused");

    sa_container_state st;
    CHECK(sa_docker_parse_state(
              SW_CURSOR_LIT("{\"State\":{\"Status\":\"exited\",\"Running\""
                            ":false,\"OOMKilled\":true,\"ExitCode\":137}}"),
              &st) == SW_OK &&
              !st.running && st.oom_killed && st.exit_code == 137 &&
              strcmp(st.status, "exited") == 0,
          "inspect: exited, OOM, 137");
    CHECK(sa_docker_parse_state(
              SW_CURSOR_LIT("{\"State\":{\"Status\":\"created\","
                            "\"ExitCode\":1e300}}"),
              &st) == SW_OK && st.running && st.exit_code == 2147483647,
          "inspect: created counts as running; a huge ExitCode saturates");
    CHECK(sa_docker_parse_state(SW_CURSOR_LIT("{\"State\":{\"Status\":1}}"),
                                &st) == SW_E_PARSE,
          "inspect: no string Status is a parse error");

    sa_notice n;
    CHECK(sa_parse_notice(SW_CURSOR_LIT("{\"action\":\"terminate\",\"time"
                                        "\":\"2026-11-23T17:02:00Z\"}"),
                          &n) == 1 &&
              strcmp(n.action, "terminate") == 0 &&
              strcmp(n.time, "2026-11-23T17:02:00Z") == 0,
          "notice: action and time read");
    CHECK(sa_parse_notice(SW_CURSOR_LIT("{\"action\":\"a\\nb\",\"time\":"
                                        "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                                        "xxxxxxxxxxxxx\"}"),
                          &n) == 1 &&
              strcmp(n.action, "?") == 0 && strcmp(n.time, "?") == 0,
          "notice: a control byte or an overlong field becomes ?");
    CHECK(sa_parse_notice(SW_CURSOR_LIT("not json"), &n) == 0 &&
              strcmp(n.action, "?") == 0,
          "notice: not JSON gives 0 and ?");
}

/* check_message: the failed callback's text. */
static void check_message(void)
{
    sw_buf m = SW_BUF_INIT;
    CHECK(!sa_failure_message(3, 0, SW_CURSOR_LIT("a\nb\n"), &m), "message");
    CHECK_EQ_STR(m.ptr, "exit code 3; last log lines:\na\nb",
                 "exit code, then the lines (trailing newline dropped)");
    CHECK(!sa_failure_message(137, 1, SW_CURSOR_NULL, &m), "no logs");
    CHECK_EQ_STR(m.ptr, "exit code 137 (out of memory)", "OOM said, no logs");
    /* 10000 bytes of logs ending in a marker: the end is kept, 4 KiB max */
    sw_buf logs = SW_BUF_INIT;
    for (int i = 0; i < 1000; i++)
        sw_buf_append_cstr(&logs, "0123456789");
    sw_buf_append_cstr(&logs, "THE END");
    CHECK(!sa_failure_message(1, 0, sw_cursor_from_buf(&logs), &m), "long");
    CHECK(m.len <= SA_MESSAGE_MAX && m.len > SA_MESSAGE_MAX - 8,
          "a long message fills 4 KiB at most");
    CHECK(m.len >= 7 && !memcmp(m.ptr + m.len - 7, "THE END", 7),
          "the end of the logs is kept");
    CHECK(!strncmp(m.ptr, "exit code 1; last log lines:\n", 29),
          "the prefix is kept");
    /* multi-byte characters across the cut, and invalid bytes */
    sw_buf_reset(&logs);
    for (int i = 0; i < 3000; i++)
        sw_buf_append_cstr(&logs, "\xc3\xa9"); /* é */
    sw_buf_append_cstr(&logs, "\xff end");
    CHECK(!sa_failure_message(2, 0, sw_cursor_from_buf(&logs), &m), "utf8");
    CHECK(sw_utf8_valid(sw_cursor_from_buf(&m)), "the message is valid UTF-8");
    CHECK(m.len <= SA_MESSAGE_MAX, "and within 4 KiB");
    CHECK(m.len >= 5 && !memcmp(m.ptr + m.len - 5, "? end", 5),
          "an invalid byte becomes '?'");
    sw_buf_free(&logs);
    sw_buf_reset(&m);
    CHECK(!sa_utf8_clean(SW_CURSOR_LIT("ab\xe2\x82\xac"), 4, &m) &&
              !strcmp(m.ptr, "ab"),
          "a character that does not fit whole is left out");
    sw_buf_free(&m);
}

/* spec_why: sa_check_spec on JSON text; *attempt set. */
static const char *spec_why(const char *json, int *attempt)
{
    cJSON *j = cJSON_Parse(json);
    const char *why = sa_check_spec(j, "job-1", attempt);
    cJSON_Delete(j);
    return why;
}

/* check_spec: valid and invalid job specs. */
static void check_spec(void)
{
    int a;
    CHECK(spec_why("{\"id\":\"job-1\",\"docker_image\":\"x:1\","
                   "\"env_vars\":{\"A\":\"1\",\"B\":\"\"},\"attempt\":2}",
                   &a) == NULL && a == 2,
          "a valid spec");
    CHECK(spec_why("{\"id\":\"job-1\",\"docker_image\":\"x\",\"attempt\":0}",
                   &a) == NULL && a == 0,
          "env_vars is optional, attempt 0 is fine");
    CHECK(spec_why("{\"id\":\"job-2\",\"docker_image\":\"x\",\"attempt\":1}",
                   &a) != NULL && a == 1,
          "another job's spec refused (attempt still read)");
    CHECK(spec_why("{\"id\":\"job-1\",\"docker_image\":\"x\"}", &a) != NULL &&
              a == -1,
          "no attempt refused");
    CHECK(spec_why("{\"id\":\"job-1\",\"docker_image\":\"x\",\"attempt\":1.5}",
                   &a) != NULL,
          "a fractional attempt refused");
    CHECK(spec_why("{\"id\":\"job-1\",\"docker_image\":\"\",\"attempt\":1}",
                   &a) != NULL,
          "an empty image refused");
    CHECK(spec_why("{\"id\":\"job-1\",\"docker_image\":\"x\",\"attempt\":1,"
                   "\"env_vars\":{\"A\":1}}",
                   &a) != NULL,
          "a non-string env value refused");
    CHECK(spec_why("{\"id\":\"job-1\",\"docker_image\":\"x\",\"attempt\":1,"
                   "\"env_vars\":{\"A=B\":\"1\"}}",
                   &a) != NULL,
          "'=' in an env name refused");
    CHECK(spec_why("{\"id\":\"job-1\",\"docker_image\":\"x\",\"attempt\":1,"
                   "\"env_vars\":[\"A=1\"]}",
                   &a) != NULL,
          "env_vars as an array refused");
}

/* check_retryable: which statuses the callback loop retries. */
static void check_retryable(void)
{
    CHECK(sa_api_retryable_status(500) && sa_api_retryable_status(503) &&
              sa_api_retryable_status(429) && sa_api_retryable_status(408),
          "5xx, 429, 408 retried");
    CHECK(!sa_api_retryable_status(401) && !sa_api_retryable_status(403) &&
              !sa_api_retryable_status(404) && !sa_api_retryable_status(409) &&
              !sa_api_retryable_status(200) && !sa_api_retryable_status(400),
          "2xx, 400, 401, 403, 404, 409 not retried");
}

/* check_heartbeat: the heartbeat's body (what jobs-api's
 * jobs_callback_parse accepts) and how a beat's answer is classified
 * (for the once-per-change log lines). The thread itself runs against a
 * fixture API in tests/integration/test_spot_agent.py. */
static void check_heartbeat(void)
{
    cJSON *b = sa_heartbeat_body(3);
    char *txt = b ? cJSON_PrintUnformatted(b) : NULL;
    CHECK(txt && strcmp(txt, "{\"heartbeat\":\"\",\"attempt\":3}") == 0,
          "heartbeat body: {\"heartbeat\":\"\",\"attempt\":3}");
    cJSON_free(txt);
    cJSON_Delete(b);
    CHECK(sa_beat_classify(SW_OK, 200) == SA_BEAT_ACKED &&
              sa_beat_classify(SW_OK, 204) == SA_BEAT_ACKED,
          "beat: 2xx acknowledged");
    CHECK(sa_beat_classify(SW_E_HTTP, 409) == SA_BEAT_REFUSED &&
              sa_beat_classify(SW_E_HTTP, 401) == SA_BEAT_REFUSED &&
              sa_beat_classify(SW_E_HTTP, 404) == SA_BEAT_REFUSED,
          "beat: 409, 401, 404 refused");
    CHECK(sa_beat_classify(SW_E_HTTP, 503) == SA_BEAT_FAILED &&
              sa_beat_classify(SW_E_HTTP, 429) == SA_BEAT_FAILED &&
              sa_beat_classify(SW_E_NETWORK, 0) == SA_BEAT_FAILED &&
              sa_beat_classify(SW_E_TIMEOUT, 0) == SA_BEAT_FAILED,
          "beat: 5xx, 429, no connection, timeout failed (may pass)");
    sa_heartbeat *h = NULL;
    sa_api_config bad = {.base_url = "ftp://x", .job_id = "j", .token = "t"};
    CHECK(sa_heartbeat_start(&bad, 0, 1, &h) == SW_E_CONFIG && h == NULL,
          "heartbeat start: a bad API URL is a configuration error");
    sa_heartbeat_stop(NULL);
    sa_heartbeat_free(NULL);
    sa_heartbeat_tick(NULL);
    sa_heartbeat_watch(NULL, 1);

    /* The liveness gate, with the thread beating every second at a closed
     * port (each beat fails fast; only whether it was sent counts). */
    sa_api_config cfg = {.base_url = "http://127.0.0.1:1", .job_id = "j",
                         .token = "t"};
    int beats = -1, withheld = -1;
    if (sa_heartbeat_start(&cfg, 0, 1, &h) == SW_OK) {
        sa_heartbeat_watch(h, 1); /* and no tick: the watch loop is stuck */
        sw_sleep_ms(4500);
        sa_heartbeat_counts(h, &beats, &withheld);
        /* The first beat (1 s after the start) may still go: the watch was
         * fresh then. None after the loop has been quiet for over 1 s. */
        CHECK(beats <= 1 && withheld >= 2,
              "no beat while the watch loop does not tick (withheld)");
        int beats_before = beats;
        for (int i = 0; i < 25; i++) { /* the loop is back: 2.5 s */
            sa_heartbeat_tick(h);
            sw_sleep_ms(100);
        }
        int withheld_before = withheld;
        sa_heartbeat_counts(h, &beats, &withheld);
        CHECK(beats >= beats_before + 2 && withheld == withheld_before,
              "beats resume once the watch loop ticks again");
        sa_heartbeat_free(h);
    } else {
        CHECK(0, "heartbeat thread starts");
    }
}

int main(void)
{
    check_heartbeat();
    check_demux();
    check_split();
    check_pull_error();
    check_message();
    check_spec();
    check_retryable();
    check_parsers();
    return SW_TEST_DONE();
}
