/* docker.c - Docker Engine API client for spot-agent (see docker.h).
 *
 * Plain HTTP/1.1 through sw/http.h; over a unix socket the URL's host is
 * a placeholder ("localhost") and CURLOPT_UNIX_SOCKET_PATH does the
 * connecting. The pull answer is a stream of JSON progress objects that
 * is read whole (a few KiB even for big images) and then searched for an
 * "error": the engine answers 200 before it knows whether the pull will
 * work, so the status alone says nothing. */
#include "docker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw/http.h"
#include "sw/sigv4.h"

#define API "/v1.41"
#define DEFAULT_HOST "unix:///var/run/docker.sock"
#define PULL_TIMEOUT_MS (30L * 60 * 1000) /* a big image on a slow link */
#define CALL_TIMEOUT_MS (60L * 1000)

struct sa_docker {
    sw_http_client *http;
    char *base; /* "http://localhost" (unix) or "http://host:port" */
};

/* sa_docker_new: parses DOCKER_HOST's two forms and makes the client. */
sw_result sa_docker_new(const char *docker_host, sa_docker **out,
                        const char **why)
{
    *out = NULL;
    const char *h = docker_host && *docker_host ? docker_host : DEFAULT_HOST;
    sw_http_options o = {0};
    o.connect_timeout_ms = 5000;
    o.timeout_ms = CALL_TIMEOUT_MS;
    sw_buf base = SW_BUF_INIT;
    sw_result rc;
    if (strncmp(h, "unix://", 7) == 0 && h[7] == '/') {
        o.unix_socket = h + 7;
        rc = sw_buf_append_cstr(&base, "http://localhost");
    } else if (strncmp(h, "tcp://", 6) == 0 && h[6]) {
        for (const char *p = h + 6; *p; p++)
            if (*p == '/' || (unsigned char)*p <= ' ' || *p == '@') {
                *why = "DOCKER_HOST tcp:// must be tcp://host:port";
                return SW_E_CONFIG;
            }
        rc = sw_buf_appendf(&base, "http://%s", h + 6);
    } else {
        *why = "DOCKER_HOST must be unix:///path or tcp://host:port";
        return SW_E_CONFIG;
    }
    sa_docker *d = calloc(1, sizeof *d);
    if (rc || !d) {
        free(d);
        sw_buf_free(&base);
        *why = "out of memory";
        return SW_E_NOMEM;
    }
    d->base = sw_buf_detach(&base);
    if (!d->base || sw_http_client_new(&o, &d->http)) {
        sa_docker_free(d);
        *why = "out of memory";
        return SW_E_NOMEM;
    }
    *out = d;
    return SW_OK;
}

/* sa_docker_free: see docker.h. */
void sa_docker_free(sa_docker *d)
{
    if (!d)
        return;
    sw_http_client_free(d->http);
    free(d->base);
    free(d);
}

/* engine_message: the engine's {"message": ...} error text, or the HTTP
 * status, into msg (reset first). */
static void engine_message(const sw_http_response *r, sw_buf *msg)
{
    if (!msg)
        return;
    sw_buf_reset(msg);
    cJSON *j = cJSON_ParseWithLength(r->body.ptr ? r->body.ptr : "",
                                     r->body.len);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
    if (cJSON_IsString(m) && m->valuestring[0])
        (void)sw_buf_appendf(msg, "HTTP %ld: %s", r->status, m->valuestring);
    else
        (void)sw_buf_appendf(msg, "HTTP %ld from the container engine",
                             r->status);
    cJSON_Delete(j);
}

/* call: one request to path (after /v1.41) with an optional JSON body.
 * Returns SW_OK with resp filled (any status), or a transport error with
 * errmsg (may be NULL) set to curl's text. */
static sw_result call(sa_docker *d, const char *method, const char *path,
                      const char *json, long timeout_ms,
                      sw_http_response *resp, sw_buf *errmsg)
{
    sw_buf url = SW_BUF_INIT;
    sw_result rc = sw_buf_appendf(&url, "%s" API "%s", d->base, path);
    if (rc)
        return rc;
    sw_http_header h = {"Content-Type", "application/json"};
    sw_http_request req = {.method = method,
                           .url = url.ptr,
                           .headers = json ? &h : NULL,
                           .header_count = json ? 1 : 0,
                           .body = sw_cursor_from_cstr(json),
                           .timeout_ms = timeout_ms};
    rc = sw_http_send(d->http, &req, resp);
    sw_buf_free(&url);
    if (rc && errmsg) {
        sw_buf_reset(errmsg);
        (void)sw_buf_appendf(errmsg, "container engine: %s: %s",
                             sw_result_str(rc), resp->error);
    }
    return rc;
}

/* id_path: "/containers/<id><suffix>" into p. Container ids are hex, but
 * an engine may hand back a name, so the id is URI-encoded. */
static sw_result id_path(sw_buf *p, const char *id, const char *suffix)
{
    sw_result rc = sw_buf_append_cstr(p, "/containers/");
    if (!rc)
        rc = sw_uri_encode(p, sw_cursor_from_cstr(id), 0);
    if (!rc)
        rc = sw_buf_append_cstr(p, suffix);
    return rc;
}

/* ---- pure helpers ------------------------------------------------------ */

/* sa_docker_split_image: see docker.h. */
sw_result sa_docker_split_image(const char *image, sw_buf *repo, sw_buf *tag)
{
    if (!image || !image[0])
        return SW_E_INVALID;
    for (const char *p = image; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
            return SW_E_INVALID;
    size_t n = strlen(image);
    const char *at = strchr(image, '@');
    const char *slash = strrchr(image, '/');
    const char *colon = strrchr(slash ? slash : image, ':');
    size_t rlen = n;
    const char *t = "latest";
    if (at) {
        rlen = (size_t)(at - image);
        t = at + 1;
    } else if (colon) {
        rlen = (size_t)(colon - image);
        t = colon + 1;
    }
    if (rlen == 0 || !t[0])
        return SW_E_INVALID;
    sw_result rc = sw_buf_append(repo, image, rlen);
    if (!rc)
        rc = sw_buf_append_cstr(tag, t);
    return rc;
}

/* sa_docker_pull_error: scans the progress lines for an "error". */
int sa_docker_pull_error(sw_cursor stream, sw_buf *msg)
{
    size_t i = 0;
    while (i < stream.len) {
        const char *nl = memchr(stream.ptr + i, '\n', stream.len - i);
        size_t end = nl ? (size_t)(nl - stream.ptr) : stream.len;
        cJSON *j = cJSON_ParseWithLength(stream.ptr + i, end - i);
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
        const cJSON *det = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(j, "errorDetail"), "message");
        /* an empty text (or one cut short by a NUL) says nothing: the
         * message then is "pull failed", never "" */
        const char *text = cJSON_IsString(det) && det->valuestring[0]
                               ? det->valuestring
                           : cJSON_IsString(e) && e->valuestring[0]
                               ? e->valuestring
                               : NULL;
        if (text || (e && !cJSON_IsNull(e))) {
            sw_buf_reset(msg);
            (void)sw_buf_append_cstr(msg, text ? text : "pull failed");
            cJSON_Delete(j);
            return 1;
        }
        cJSON_Delete(j);
        i = end + 1;
    }
    return 0;
}

/* sa_docker_parse_state: see docker.h. */
sw_result sa_docker_parse_state(sw_cursor body, sa_container_state *st)
{
    memset(st, 0, sizeof *st);
    cJSON *j = cJSON_ParseWithLength(body.ptr ? body.ptr : "", body.len);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "State");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(s, "Status");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(s, "ExitCode");
    sw_result rc = SW_OK;
    if (!cJSON_IsString(status) || !cJSON_IsNumber(code)) {
        rc = SW_E_PARSE;
    } else {
        snprintf(st->status, sizeof st->status, "%s", status->valuestring);
        /* cJSON saturates valueint to INT_MIN..INT_MAX: no overflow */
        st->exit_code = code->valueint;
        st->running =
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "Running")) ||
            !strcmp(st->status, "running") ||
            !strcmp(st->status, "restarting") ||
            !strcmp(st->status, "paused") || !strcmp(st->status, "created");
        st->oom_killed =
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "OOMKilled"));
    }
    cJSON_Delete(j);
    return rc;
}

/* sa_docker_demux: see docker.h. */
sw_result sa_docker_demux(sw_cursor raw, sw_buf *out)
{
    const unsigned char *p = (const unsigned char *)raw.ptr;
    if (raw.len < 8 || p[0] > 2 || p[1] || p[2] || p[3])
        return sw_buf_append_cursor(out, raw);
    size_t i = 0;
    while (raw.len - i >= 8) {
        const unsigned char *h = p + i;
        if (h[0] > 2 || h[1] || h[2] || h[3])
            return sw_buf_append(out, raw.ptr + i, raw.len - i);
        size_t len = (size_t)h[4] << 24 | (size_t)h[5] << 16 |
                     (size_t)h[6] << 8 | h[7];
        i += 8;
        if (len > raw.len - i)
            len = raw.len - i;
        sw_result rc = sw_buf_append(out, raw.ptr + i, len);
        if (rc)
            return rc;
        i += len;
    }
    return SW_OK;
}

/* ---- calls ------------------------------------------------------------- */

/* sa_docker_pull: see docker.h. */
sw_result sa_docker_pull(sa_docker *d, const char *image, sw_buf *errmsg)
{
    sw_buf repo = SW_BUF_INIT, tag = SW_BUF_INIT, path = SW_BUF_INIT;
    sw_http_response resp = {0};
    sw_result rc = sa_docker_split_image(image, &repo, &tag);
    if (rc == SW_E_INVALID) {
        sw_buf_reset(errmsg);
        (void)sw_buf_append_cstr(errmsg, "the image name is empty or has "
                                         "spaces or control characters");
        goto out;
    }
    if (!rc)
        rc = sw_buf_append_cstr(&path, "/images/create?fromImage=");
    if (!rc)
        rc = sw_uri_encode(&path, sw_cursor_from_buf(&repo), 0);
    if (!rc)
        rc = sw_buf_append_cstr(&path, "&tag=");
    if (!rc)
        rc = sw_uri_encode(&path, sw_cursor_from_buf(&tag), 0);
    if (!rc)
        rc = call(d, "POST", path.ptr, NULL, PULL_TIMEOUT_MS, &resp, errmsg);
    if (rc)
        goto out;
    if (resp.status != 200) {
        engine_message(&resp, errmsg);
        rc = SW_E_HTTP;
    } else if (sa_docker_pull_error(sw_cursor_from_buf(&resp.body), errmsg)) {
        rc = SW_E_HTTP;
    }
out:
    sw_http_response_free(&resp);
    sw_buf_free(&repo);
    sw_buf_free(&tag);
    sw_buf_free(&path);
    return rc;
}

/* create_body: the JSON of POST /containers/create. NULL on ENOMEM or a
 * non-string env value (checked by the caller before). */
static char *create_body(const char *image, const cJSON *env_vars,
                         const char *job_id, int attempt)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *env = cJSON_AddArrayToObject(o, "Env");
    cJSON *labels = cJSON_AddObjectToObject(o, "Labels");
    cJSON *hc = cJSON_AddObjectToObject(o, "HostConfig");
    char num[24];
    snprintf(num, sizeof num, "%d", attempt);
    int ok = o && env && labels && hc &&
             cJSON_AddStringToObject(o, "Image", image) &&
             cJSON_AddStringToObject(labels, "scratchwork.job_id", job_id) &&
             cJSON_AddStringToObject(labels, "scratchwork.attempt", num) &&
             cJSON_AddFalseToObject(hc, "AutoRemove");
    for (const cJSON *m = env_vars ? env_vars->child : NULL; ok && m;
         m = m->next) {
        sw_buf kv = SW_BUF_INIT;
        ok = cJSON_IsString(m) &&
             !sw_buf_appendf(&kv, "%s=%s", m->string, m->valuestring);
        cJSON *s = ok ? cJSON_CreateString(kv.ptr) : NULL;
        ok = s && cJSON_AddItemToArray(env, s);
        sw_buf_free(&kv);
    }
    char *text = ok ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    return text;
}

/* sa_docker_create: see docker.h. */
sw_result sa_docker_create(sa_docker *d, const char *image,
                           const cJSON *env_vars, const char *job_id,
                           int attempt, char *id, size_t id_len,
                           sw_buf *errmsg)
{
    id[0] = '\0';
    char *body = create_body(image, env_vars, job_id, attempt);
    if (!body)
        return SW_E_NOMEM;
    sw_http_response resp = {0};
    sw_result rc = call(d, "POST", "/containers/create", body,
                        CALL_TIMEOUT_MS, &resp, errmsg);
    cJSON_free(body);
    if (!rc && resp.status != 201 && resp.status != 200) {
        engine_message(&resp, errmsg);
        rc = SW_E_HTTP;
    } else if (!rc) {
        cJSON *j = cJSON_ParseWithLength(resp.body.ptr ? resp.body.ptr : "",
                                         resp.body.len);
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "Id");
        if (!cJSON_IsString(v) || !v->valuestring[0] ||
            strlen(v->valuestring) >= id_len) {
            rc = SW_E_PARSE;
            sw_buf_reset(errmsg);
            (void)sw_buf_append_cstr(errmsg, "the container engine answered "
                                             "create without an Id");
        } else {
            strcpy(id, v->valuestring);
        }
        cJSON_Delete(j);
    }
    sw_http_response_free(&resp);
    return rc;
}

/* simple_call: a body-less call on a container path that succeeds on any
 * of the listed statuses (0-terminated). Returns SW_OK, SW_E_HTTP (errmsg
 * set when not NULL) or a transport error. */
static sw_result simple_call(sa_docker *d, const char *method, const char *id,
                             const char *suffix, long timeout_ms,
                             const long *ok_status, sw_buf *errmsg)
{
    sw_buf path = SW_BUF_INIT;
    sw_http_response resp = {0};
    sw_result rc = id_path(&path, id, suffix);
    if (!rc)
        rc = call(d, method, path.ptr, NULL, timeout_ms, &resp, errmsg);
    if (!rc) {
        rc = SW_E_HTTP;
        for (const long *s = ok_status; *s; s++)
            if (resp.status == *s)
                rc = SW_OK;
        if (rc)
            engine_message(&resp, errmsg);
    }
    sw_http_response_free(&resp);
    sw_buf_free(&path);
    return rc;
}

/* sa_docker_start: see docker.h. */
sw_result sa_docker_start(sa_docker *d, const char *id, sw_buf *errmsg)
{
    static const long ok[] = {204, 304, 200, 0};
    return simple_call(d, "POST", id, "/start", CALL_TIMEOUT_MS, ok, errmsg);
}

/* sa_docker_stop: see docker.h; the HTTP timeout outlasts the engine's. */
sw_result sa_docker_stop(sa_docker *d, const char *id, int timeout_s)
{
    static const long ok[] = {204, 304, 200, 0};
    char suffix[40];
    snprintf(suffix, sizeof suffix, "/stop?t=%d", timeout_s);
    return simple_call(d, "POST", id, suffix,
                       (timeout_s + 30) * 1000L, ok, NULL);
}

/* sa_docker_remove: see docker.h. */
sw_result sa_docker_remove(sa_docker *d, const char *id)
{
    static const long ok[] = {204, 200, 404, 0};
    return simple_call(d, "DELETE", id, "?force=1", CALL_TIMEOUT_MS, ok,
                       NULL);
}

/* sa_docker_inspect: see docker.h. */
sw_result sa_docker_inspect(sa_docker *d, const char *id,
                            sa_container_state *st)
{
    memset(st, 0, sizeof *st);
    sw_buf path = SW_BUF_INIT;
    sw_http_response resp = {0};
    sw_result rc = id_path(&path, id, "/json");
    if (!rc)
        rc = call(d, "GET", path.ptr, NULL, CALL_TIMEOUT_MS, &resp, NULL);
    if (!rc && resp.status != 200)
        rc = SW_E_HTTP;
    if (!rc)
        rc = sa_docker_parse_state(sw_cursor_from_buf(&resp.body), st);
    sw_http_response_free(&resp);
    sw_buf_free(&path);
    return rc;
}

/* sa_docker_logs_tail: see docker.h. */
sw_result sa_docker_logs_tail(sa_docker *d, const char *id, int lines,
                              sw_buf *out)
{
    char suffix[64];
    snprintf(suffix, sizeof suffix, "/logs?stdout=1&stderr=1&tail=%d", lines);
    sw_buf path = SW_BUF_INIT;
    sw_http_response resp = {0};
    sw_result rc = id_path(&path, id, suffix);
    if (!rc)
        rc = call(d, "GET", path.ptr, NULL, CALL_TIMEOUT_MS, &resp, NULL);
    if (!rc && resp.status != 200)
        rc = SW_E_HTTP;
    if (!rc)
        rc = sa_docker_demux(sw_cursor_from_buf(&resp.body), out);
    sw_http_response_free(&resp);
    sw_buf_free(&path);
    return rc;
}
