/* fuzz_spot_agent - libFuzzer target for spot-agent's parsers of untrusted
 * input (workers/spot-agent): the job spec JSON from jobs-api
 * (sa_api_parse_spec + sa_check_spec), the container engine's multiplexed
 * log stream (sa_docker_demux) and pull progress stream
 * (sa_docker_pull_error), its inspect answer (sa_docker_parse_state), the
 * image reference from the spec (sa_docker_split_image), IMDS's
 * instance-action JSON (sa_parse_notice), and the failed-job message built
 * from the logs (sa_failure_message / sa_utf8_clean).
 *
 * Every input goes through every parser. Properties checked beyond "no
 * crash, no sanitizer report":
 * - an accepted spec has id == the job id, a 1..1024 byte docker_image,
 *   attempt >= 0, env_vars absent/null or an object of strings;
 * - demux never grows its input, and passes through a stream that does
 *   not start with a frame header unchanged;
 * - a reported pull error has a non-empty message;
 * - the notice's fields are "?" or 1..cap-1 printable ASCII bytes;
 * - a split image gives a non-empty repo (a prefix of the input) and a
 *   non-empty tag;
 * - the failure message is at most SA_MESSAGE_MAX bytes of valid UTF-8,
 *   and sa_utf8_clean(s, max) at most max bytes of valid UTF-8. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "api.h"
#include "docker.h"

/* check: aborts (a libFuzzer crash) when cond is false. */
static void check(int cond)
{
    if (!cond)
        abort();
}

/* printable_or_unknown: s is "?" or 1..cap-1 printable ASCII bytes. */
static int printable_or_unknown(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    if (n == 0 || n >= cap)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < ' ' || s[i] > '~')
            return 0;
    return 1;
}

/* fuzz_spec: the job spec path: parse, then the field checks. */
static void fuzz_spec(sw_cursor in)
{
    cJSON *spec = NULL;
    sw_result rc = sa_api_parse_spec(in, &spec);
    check((rc == SW_OK) == (spec != NULL) && (rc == SW_OK || rc == SW_E_PARSE));
    if (!spec)
        return;
    check(cJSON_IsObject(spec));
    int attempt = -2;
    const char *why = sa_check_spec(spec, "job-1", &attempt);
    check(attempt >= -1);
    if (why) {
        check(why[0] && !strchr(why, '\n'));
    } else {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(spec, "id");
        const cJSON *img = cJSON_GetObjectItemCaseSensitive(spec,
                                                            "docker_image");
        const cJSON *env = cJSON_GetObjectItemCaseSensitive(spec, "env_vars");
        check(attempt >= 0);
        check(cJSON_IsString(id) && strcmp(id->valuestring, "job-1") == 0);
        check(cJSON_IsString(img) && img->valuestring[0] &&
              strlen(img->valuestring) <= 1024);
        check(!env || cJSON_IsNull(env) || cJSON_IsObject(env));
        for (const cJSON *m = env ? env->child : NULL; m; m = m->next)
            check(cJSON_IsString(m) && m->string && m->string[0] &&
                  !strchr(m->string, '='));
        /* the image as the agent would pull it */
        sw_buf repo = SW_BUF_INIT, tag = SW_BUF_INIT;
        if (sa_docker_split_image(img->valuestring, &repo, &tag) == SW_OK)
            check(repo.len && tag.len && repo.len < strlen(img->valuestring) + 1);
        sw_buf_free(&repo);
        sw_buf_free(&tag);
    }
    cJSON_Delete(spec);
}

/* fuzz_streams: the engine's log and pull streams, and its inspect
 * answer. */
static void fuzz_streams(sw_cursor in)
{
    sw_buf out = SW_BUF_INIT;
    check(sa_docker_demux(in, &out) == SW_OK);
    check(out.len <= in.len);
    const unsigned char *p = (const unsigned char *)in.ptr;
    if (in.len < 8 || p[0] > 2 || p[1] || p[2] || p[3])
        check(out.len == in.len &&
              (in.len == 0 || memcmp(out.ptr, in.ptr, in.len) == 0));

    /* the failed-job message is built from the demuxed logs */
    sw_buf msg = SW_BUF_INIT;
    int code = in.len ? (int)(int8_t)p[0] : 0;
    check(sa_failure_message(code, in.len > 1 && (p[1] & 1),
                             sw_cursor_from_buf(&out), &msg) == SW_OK);
    check(msg.len <= SA_MESSAGE_MAX &&
          sw_utf8_valid(sw_cursor_from_buf(&msg)));

    sw_buf clean = SW_BUF_INIT;
    size_t max = in.len ? p[in.len - 1] : 0;
    check(sa_utf8_clean(in, max, &clean) == SW_OK);
    check(clean.len <= max && sw_utf8_valid(sw_cursor_from_buf(&clean)));

    sw_buf err = SW_BUF_INIT;
    if (sa_docker_pull_error(in, &err))
        check(err.len > 0);

    sa_container_state st;
    if (sa_docker_parse_state(in, &st) == SW_OK)
        check(memchr(st.status, '\0', sizeof st.status) != NULL);

    sw_buf_free(&out);
    sw_buf_free(&msg);
    sw_buf_free(&clean);
    sw_buf_free(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sw_cursor in = sw_cursor_from_mem((const char *)data, size);
    fuzz_spec(in);
    fuzz_streams(in);

    sa_notice n;
    memset(&n, 0x5a, sizeof n); /* garbage in: must be fully overwritten */
    sa_parse_notice(in, &n);
    check(strcmp(n.action, "?") == 0 ||
          printable_or_unknown(n.action, sizeof n.action));
    check(strcmp(n.time, "?") == 0 ||
          printable_or_unknown(n.time, sizeof n.time));

    /* the image reference alone, as a C string */
    char *img = malloc(size + 1);
    if (img) {
        memcpy(img, data, size);
        img[size] = '\0';
        sw_buf repo = SW_BUF_INIT, tag = SW_BUF_INIT;
        sw_result rc = sa_docker_split_image(img, &repo, &tag);
        check(rc == SW_OK || rc == SW_E_INVALID);
        if (rc == SW_OK)
            check(repo.len && tag.len && repo.len <= size &&
                  memcmp(repo.ptr, img, repo.len) == 0);
        sw_buf_free(&repo);
        sw_buf_free(&tag);
        free(img);
    }
    return 0;
}
