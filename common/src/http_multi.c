/* http_multi.c - concurrent HTTP(S) requests over libcurl's multi interface
 * (see sw/http_multi.h), and the transfer plumbing shared with http.c (see
 * http_internal.h): easy-handle setup, response callbacks and the CURLcode
 * to sw_result mapping live here once. */
#include "sw/http_multi.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "http_internal.h"

enum {
    DEFAULT_CONNECT_TIMEOUT_MS = 3000,
    DEFAULT_TIMEOUT_MS = 30000,
    POLL_MS = 1000 /* wake-up bound; curl_multi_poll returns earlier on I/O */
};
#define DEFAULT_MAX_BODY ((size_t)64 << 20)
#define DEFAULT_CA_FILE "/etc/ssl/certs/ca-certificates.crt"

/* curl writes its error text straight into resp->error. */
_Static_assert(sizeof(((sw_http_response *)0)->error) >= CURL_ERROR_SIZE,
               "sw_http_response.error must hold CURL_ERROR_SIZE bytes");

/* sw_http__from_curl: libcurl's result as a libsw result (see header). */
sw_result sw_http__from_curl(int curlcode)
{
    switch ((CURLcode)curlcode) {
    case CURLE_OK:
        return SW_OK;
    case CURLE_OPERATION_TIMEDOUT:
        return SW_E_TIMEOUT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
        return SW_E_TLS;
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
        /* a local setup problem: retrying will not fix it */
        return SW_E_CONFIG;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return SW_E_INVALID;
    case CURLE_OUT_OF_MEMORY:
        return SW_E_NOMEM;
    case CURLE_FILESIZE_EXCEEDED:
        return SW_E_OVERFLOW;
    default:
        return SW_E_NETWORK;
    }
}

/* sw_http__ca_file: the CA bundle path to use (see header). */
const char *sw_http__ca_file(const sw_http_options *opt)
{
    if (opt && opt->ca_file && *opt->ca_file)
        return opt->ca_file;
    const char *env = getenv("SSL_CERT_FILE");
    if (env && *env)
        return env;
    return DEFAULT_CA_FILE;
}

/* on_body: curl's write callback: appends to the response body, refusing
 * (which aborts the transfer) once it would pass the limit. Returns the
 * bytes taken. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    sw_http__xfer *x = ud;
    size_t n = size * nmemb;
    if (x->on_body) {
        long status = 0;
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
        if (status >= 200 && status < 300) {
            x->body_rc = x->on_body(x->on_body_ctx, status,
                                    sw_cursor_from_mem(data, n));
            return x->body_rc == SW_OK ? n : 0;
        }
    }
    if (n > x->max_body - x->resp->body.len) {
        x->overflow = 1;
        return 0;
    }
    if (sw_buf_append(&x->resp->body, data, n) != SW_OK) {
        x->nomem = 1;
        return 0;
    }
    return n;
}

/* set_header_value: replaces dst with the trimmed header value. Returns
 * SW_OK or SW_E_NOMEM. */
static sw_result set_header_value(sw_buf *dst, sw_cursor value)
{
    sw_buf_reset(dst);
    return sw_buf_append_cursor(dst, sw_cursor_trim(value));
}

/* on_header: curl's header callback, called once per header line of every
 * response in the transfer (a 100 Continue comes before the real one, so a
 * status line starts afresh). Keeps Content-Type and the AWS request id.
 * Returns the bytes taken; fewer aborts the transfer. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    sw_http__xfer *x = ud;
    size_t n = size * nmemb;
    sw_cursor line = {data, n};
    while (line.len && (line.ptr[line.len - 1] == '\n' ||
                        line.ptr[line.len - 1] == '\r'))
        line.len--;
    if (line.len >= 5 && memcmp(line.ptr, "HTTP/", 5) == 0) {
        sw_buf_reset(&x->resp->content_type);
        sw_buf_reset(&x->resp->request_id);
        sw_buf_reset(&x->resp->etag);
        return n;
    }
    const char *colon = memchr(line.ptr, ':', line.len);
    if (!colon)
        return n;
    sw_cursor name = {line.ptr, (size_t)(colon - line.ptr)};
    sw_cursor value = {colon + 1, line.len - name.len - 1};
    sw_buf *dst = NULL;
    if (sw_cursor_eq_ignore_case(name, SW_CURSOR_LIT("Content-Type")))
        dst = &x->resp->content_type;
    else if (sw_cursor_eq_ignore_case(name, SW_CURSOR_LIT("x-amzn-RequestId")) ||
             sw_cursor_eq_ignore_case(name, SW_CURSOR_LIT("x-amz-request-id")))
        dst = &x->resp->request_id;
    else if (sw_cursor_eq_ignore_case(name, SW_CURSOR_LIT("ETag")))
        dst = &x->resp->etag;
    if (dst && set_header_value(dst, value) != SW_OK) {
        x->nomem = 1;
        return 0;
    }
    return n;
}

/* add_header: appends "name: value" to the request's header list. An empty
 * value is sent as "name;" (curl's way to send an empty header; "name:"
 * would remove it). Returns SW_OK or SW_E_NOMEM. */
static sw_result add_header(sw_http__xfer *x, const char *name,
                            const char *value)
{
    sw_buf line = SW_BUF_INIT;
    sw_result rc = *value ? sw_buf_appendf(&line, "%s: %s", name, value)
                          : sw_buf_appendf(&line, "%s;", name);
    if (rc != SW_OK)
        return rc;
    struct curl_slist *l = curl_slist_append(x->headers, line.ptr);
    sw_buf_free(&line);
    if (!l)
        return SW_E_NOMEM;
    x->headers = l;
    return SW_OK;
}

/* setopt_ok: folds curl_easy_setopt results: only out-of-memory matters
 * here (every option used is supported by the pinned libcurl). */
static sw_result setopt_ok(CURLcode cc)
{
    return cc == CURLE_OUT_OF_MEMORY ? SW_E_NOMEM : SW_OK;
}

/* sw_http__xfer_setup: prepares one transfer on an easy handle (see
 * header). */
sw_result sw_http__xfer_setup(sw_http__xfer *x, void *easy,
                              const sw_http_options *opt,
                              const sw_http_request *req,
                              sw_http_response *resp)
{
    memset(x, 0, sizeof *x);
    x->easy = easy;
    x->resp = resp;
    resp->status = 0;
    resp->error[0] = '\0';
    sw_buf_reset(&resp->body);
    sw_buf_reset(&resp->content_type);
    sw_buf_reset(&resp->request_id);
    sw_buf_reset(&resp->etag);
    x->on_body = req->on_body;
    x->on_body_ctx = req->on_body_ctx;
    if (!req->method || !*req->method || !req->url || !*req->url) {
        snprintf(resp->error, sizeof resp->error, "request without %s",
                 req->url && *req->url ? "method" : "URL");
        return SW_E_INVALID;
    }

    long connect_ms = opt && opt->connect_timeout_ms > 0
                          ? opt->connect_timeout_ms
                          : DEFAULT_CONNECT_TIMEOUT_MS;
    long timeout_ms = req->timeout_ms > 0 ? req->timeout_ms
                      : opt && opt->timeout_ms > 0 ? opt->timeout_ms
                                                   : DEFAULT_TIMEOUT_MS;
    x->max_body = opt && opt->max_body ? opt->max_body : DEFAULT_MAX_BODY;

    CURL *h = easy;
    sw_result rc = SW_OK;
    /* The easy handle stores its own copies of string options. */
    rc |= setopt_ok(curl_easy_setopt(h, CURLOPT_URL, req->url));
    rc |= setopt_ok(curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https"));
    rc |= setopt_ok(curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L));
    rc |= setopt_ok(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));
    rc |= setopt_ok(curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                                     connect_ms < timeout_ms ? connect_ms
                                                             : timeout_ms));
    if (req->on_body) {
        /* A streamed body may be any size: bound stalls, not duration. */
        long stall_s = timeout_ms / 1000 > 0 ? timeout_ms / 1000 : 1;
        rc |= setopt_ok(curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L));
        rc |= setopt_ok(curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, stall_s));
    } else {
        rc |= setopt_ok(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms));
    }
    /* Servers are verified against the process-wide parsed bundle, not a
     * CAINFO path libcurl would parse again for every connection. */
    if (strncasecmp(req->url, "https://", 8) == 0) {
        sw_result ca_rc = sw_http__use_ca(h, sw_http__ca_file(opt),
                                          resp->error, sizeof resp->error);
        if (ca_rc != SW_OK)
            return ca_rc;
    }
    rc |= setopt_ok(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, resp->error));
    if (!req->on_body) /* else only the buffered error bodies are bounded */
        rc |= setopt_ok(curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
                                         (curl_off_t)(x->max_body > INT64_MAX
                                                          ? INT64_MAX
                                                          : x->max_body)));
    rc |= setopt_ok(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body));
    rc |= setopt_ok(curl_easy_setopt(h, CURLOPT_WRITEDATA, x));
    rc |= setopt_ok(curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header));
    rc |= setopt_ok(curl_easy_setopt(h, CURLOPT_HEADERDATA, x));
    if (opt && opt->unix_socket && *opt->unix_socket)
        rc |= setopt_ok(curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH,
                                         opt->unix_socket));

    const char *m = req->method;
    if (strcmp(m, "HEAD") == 0) {
        rc |= setopt_ok(curl_easy_setopt(h, CURLOPT_NOBODY, 1L));
    } else if (strcmp(m, "GET") == 0 && req->body.len == 0) {
        rc |= setopt_ok(curl_easy_setopt(h, CURLOPT_HTTPGET, 1L));
    } else {
        if (strcmp(m, "POST") != 0)
            rc |= setopt_ok(curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m));
        if (strcmp(m, "POST") == 0 || req->body.len) {
            /* the body is borrowed: the caller keeps it alive until the
             * request is done, as sw_http_request says */
            rc |= setopt_ok(curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                                             (curl_off_t)req->body.len));
            rc |= setopt_ok(curl_easy_setopt(
                h, CURLOPT_POSTFIELDS, req->body.len ? req->body.ptr : ""));
        }
    }
    if (rc != SW_OK)
        return SW_E_NOMEM;

    for (size_t i = 0; i < req->header_count; i++) {
        rc = add_header(x, req->headers[i].name, req->headers[i].value);
        if (rc != SW_OK)
            return rc;
    }
    /* No "Expect: 100-continue" round trip for large bodies. */
    struct curl_slist *l = curl_slist_append(x->headers, "Expect:");
    if (!l)
        return SW_E_NOMEM;
    x->headers = l;
    return setopt_ok(curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->headers));
}

/* sw_http__xfer_finish: the transfer's outcome as a libsw result (see
 * header). */
sw_result sw_http__xfer_finish(sw_http__xfer *x, int curlcode)
{
    sw_http_response *resp = x->resp;
    long status = 0;
    if (curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status) ==
        CURLE_OK)
        resp->status = status;
    if (curlcode == CURLE_OK) {
        resp->error[0] = '\0';
        return SW_OK;
    }
    if (x->body_rc != SW_OK) {
        snprintf(resp->error, sizeof resp->error,
                 "the body's consumer stopped the transfer: %s",
                 sw_result_str(x->body_rc));
        return x->body_rc;
    }
    if (x->nomem) {
        snprintf(resp->error, sizeof resp->error, "out of memory");
        return SW_E_NOMEM;
    }
    if (x->overflow || curlcode == CURLE_FILESIZE_EXCEEDED) {
        snprintf(resp->error, sizeof resp->error,
                 "response body larger than %zu bytes", x->max_body);
        return SW_E_OVERFLOW;
    }
    if (!resp->error[0])
        snprintf(resp->error, sizeof resp->error, "%s",
                 curl_easy_strerror((CURLcode)curlcode));
    return sw_http__from_curl(curlcode);
}

/* sw_http__xfer_cleanup: frees the header list (see header). */
void sw_http__xfer_cleanup(sw_http__xfer *x)
{
    curl_slist_free_all(x->headers);
    x->headers = NULL;
}

/* fail_all: sets every result to rc and every error text to why. */
static void fail_all(sw_http_response *resps, sw_result *results, size_t n,
                     sw_result rc, const char *why)
{
    for (size_t i = 0; i < n; i++) {
        results[i] = rc;
        snprintf(resps[i].error, sizeof resps[i].error, "%s", why);
    }
}

/* run_multi: drives the added transfers until all are done, recording each
 * one's result as curl reports it. Returns SW_OK, or SW_E_NOMEM /
 * SW_E_NETWORK when the multi handle itself fails. */
static sw_result run_multi(CURLM *m, sw_http__xfer *xs, sw_result *results,
                           size_t n)
{
    int running = 1;
    while (running) {
        CURLMcode mc = curl_multi_perform(m, &running);
        if (mc != CURLM_OK)
            return mc == CURLM_OUT_OF_MEMORY ? SW_E_NOMEM : SW_E_NETWORK;
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            for (size_t i = 0; i < n; i++)
                if (xs[i].easy == msg->easy_handle)
                    results[i] = sw_http__xfer_finish(&xs[i],
                                                      msg->data.result);
        }
        if (!running)
            break;
        mc = curl_multi_poll(m, NULL, 0, POLL_MS, NULL);
        if (mc != CURLM_OK)
            return mc == CURLM_OUT_OF_MEMORY ? SW_E_NOMEM : SW_E_NETWORK;
    }
    return SW_OK;
}

/* sw_http_send_all: runs n requests concurrently (see sw/http_multi.h). */
sw_result sw_http_send_all(const sw_http_options *opt,
                           const sw_http_request *reqs,
                           sw_http_response *resps, sw_result *results,
                           size_t n)
{
    if (n == 0)
        return SW_OK;
    sw_http__xfer *xs = calloc(n, sizeof *xs);
    CURLM *m = curl_multi_init();
    if (!xs || !m) {
        free(xs);
        if (m)
            curl_multi_cleanup(m);
        fail_all(resps, results, n, SW_E_NOMEM, "out of memory");
        return SW_E_NOMEM;
    }
    sw_result rc = SW_OK;
    for (size_t i = 0; i < n; i++) {
        /* until curl reports it done, a request has not succeeded */
        results[i] = SW_E_NETWORK;
        CURL *h = curl_easy_init();
        if (!h) {
            results[i] = SW_E_NOMEM;
            snprintf(resps[i].error, sizeof resps[i].error, "out of memory");
            continue;
        }
        xs[i].easy = h;
        sw_result r = sw_http__xfer_setup(&xs[i], h, opt, &reqs[i], &resps[i]);
        if (r == SW_OK && curl_multi_add_handle(m, h) != CURLM_OK)
            r = SW_E_NOMEM;
        if (r != SW_OK) {
            results[i] = r;
            sw_http__xfer_cleanup(&xs[i]);
            curl_easy_cleanup(h);
            xs[i].easy = NULL;
        }
    }
    rc = run_multi(m, xs, results, n);
    for (size_t i = 0; i < n; i++) {
        if (!xs[i].easy)
            continue;
        curl_multi_remove_handle(m, xs[i].easy);
        curl_easy_cleanup(xs[i].easy);
        sw_http__xfer_cleanup(&xs[i]);
    }
    curl_multi_cleanup(m);
    free(xs);
    if (rc != SW_OK)
        fail_all(resps, results, n, rc, "curl multi interface failed");
    return rc;
}
