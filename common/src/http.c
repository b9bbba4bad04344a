/* http.c - HTTP(S) over one reusable libcurl easy handle (see sw/http.h).
 *
 * The easy handle is reset (curl_easy_reset keeps live connections, the DNS
 * and TLS session caches) and fully reconfigured on every send, so one
 * request's options never leak into the next while keep-alive still works.
 * The per-transfer plumbing (options, callbacks, CURLcode mapping) is shared
 * with http_multi.c through http_internal.h. */
#include "sw/http.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "http_internal.h"

struct sw_http_client {
    CURL *easy;
    sw_http_options opt; /* ca_file and unix_socket point at owned copies */
};

/* sw_http_global_init: curl_global_init once. Returns SW_OK or NOMEM. */
sw_result sw_http_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? SW_OK
                                                             : SW_E_NOMEM;
}

/* sw_http_global_cleanup: curl_global_cleanup. */
void sw_http_global_cleanup(void)
{
    curl_global_cleanup();
}

/* sw_http_client_new: copies the options and creates the easy handle.
 * Returns SW_OK, SW_E_NOMEM or SW_E_CONFIG (negative timeouts). */
sw_result sw_http_client_new(const sw_http_options *opt, sw_http_client **out)
{
    static const sw_http_options defaults = {0};
    if (!opt)
        opt = &defaults;
    if (opt->connect_timeout_ms < 0 || opt->timeout_ms < 0)
        return SW_E_CONFIG;
    sw_http_client *c = calloc(1, sizeof *c);
    if (!c)
        return SW_E_NOMEM;
    c->opt = *opt;
    c->opt.ca_file = NULL;
    c->opt.unix_socket = NULL;
    int fail = 0;
    if (opt->ca_file && !(c->opt.ca_file = strdup(opt->ca_file)))
        fail = 1;
    if (opt->unix_socket && !(c->opt.unix_socket = strdup(opt->unix_socket)))
        fail = 1;
    c->easy = curl_easy_init();
    if (fail || !c->easy) {
        sw_http_client_free(c);
        return SW_E_NOMEM;
    }
    *out = c;
    return SW_OK;
}

/* sw_http_client_free: closes the kept-alive connections and frees. */
void sw_http_client_free(sw_http_client *c)
{
    if (!c)
        return;
    if (c->easy)
        curl_easy_cleanup(c->easy);
    free((char *)c->opt.ca_file);
    free((char *)c->opt.unix_socket);
    free(c);
}

/* sw_http_send: one request on the client's reused handle. Returns SW_OK
 * for any HTTP status; SW_E_NETWORK/TIMEOUT/TLS/OVERFLOW/... otherwise,
 * with resp->error set. */
sw_result sw_http_send(sw_http_client *c, const sw_http_request *req,
                       sw_http_response *resp)
{
    sw_http__xfer x;
    curl_easy_reset(c->easy);
    sw_result rc = sw_http__xfer_setup(&x, c->easy, &c->opt, req, resp);
    if (rc == SW_OK)
        rc = sw_http__xfer_finish(&x, curl_easy_perform(c->easy));
    sw_http__xfer_cleanup(&x);
    /* The error buffer and callbacks point into this call's frame. */
    curl_easy_setopt(c->easy, CURLOPT_ERRORBUFFER, NULL);
    return rc;
}

/* sw_http_response_free: frees the response buffers. */
void sw_http_response_free(sw_http_response *resp)
{
    sw_buf_free(&resp->body);
    sw_buf_free(&resp->content_type);
    sw_buf_free(&resp->request_id);
    sw_buf_free(&resp->etag);
}
