/* http_internal.h - pieces shared by http.c (one request at a time) and
 * http_multi.c (many at once), so both set up transfers, map libcurl's
 * results and fill sw_http_response the same way. Not a public header: only
 * common/src/ includes it. It avoids <curl/curl.h> so users of it need not
 * care which libcurl they build against: handles are passed as void *. */
#ifndef SW_HTTP_INTERNAL_H
#define SW_HTTP_INTERNAL_H

#include <stddef.h>

#include "sw/error.h"
#include "sw/http.h"

struct curl_slist;

/* One transfer's state: what the callbacks need while curl runs it. */
typedef struct sw_http__xfer {
    void *easy;                 /* CURL *, borrowed */
    struct curl_slist *headers; /* request headers, owned */
    sw_http_response *resp;     /* where the answer goes, borrowed */
    size_t max_body;            /* response body limit in bytes */
    int overflow;               /* the body went past max_body */
    int nomem;                  /* a buffer append failed */
    sw_http_body_fn on_body;    /* streaming sink for 2xx bodies, or NULL */
    void *on_body_ctx;
    sw_result body_rc;          /* what on_body returned when it stopped */
} sw_http__xfer;

/* sw_http__from_curl: maps a CURLcode to a libsw result: timeouts to
 * SW_E_TIMEOUT, certificate and handshake failures to SW_E_TLS, an unusable
 * CA file to SW_E_CONFIG, a malformed or unsupported URL to SW_E_INVALID,
 * out-of-memory to SW_E_NOMEM and every other transport failure to
 * SW_E_NETWORK. CURLE_OK gives SW_OK. */
sw_result sw_http__from_curl(int curlcode);

/* sw_http__ca_file: the CA bundle to verify servers with: opt->ca_file, else
 * $SSL_CERT_FILE, else /etc/ssl/certs/ca-certificates.crt. opt may be
 * NULL. Never NULL. */
const char *sw_http__ca_file(const sw_http_options *opt);

/* sw_http__use_ca: makes the easy handle verify https servers against the
 * CA bundle at path, parsed once per process and shared by every connection
 * (instead of CURLOPT_CAINFO, which libcurl would parse again for each).
 * Returns SW_OK, SW_E_CONFIG with err set (unreadable file, or no
 * certificate in it), or SW_E_NOMEM. Thread-safe. */
sw_result sw_http__use_ca(void *easy, const char *path, char *err,
                          size_t errlen);

/* sw_http__xfer_setup: configures the easy handle `easy` (fresh or reset
 * with curl_easy_reset) for one request: method, URL, headers, body,
 * timeouts (req->timeout_ms, else opt's, else the defaults), the shared
 * CA chain for https URLs (loaded on first use),
 * unix socket, http/https only, no redirects, and callbacks that fill resp
 * (whose buffers are reset). x must stay at the same address until
 * sw_http__xfer_cleanup. Returns SW_OK, SW_E_INVALID (no method or URL),
 * SW_E_CONFIG (an https URL and an unusable CA bundle: resp->error says
 * why), SW_E_NOMEM. On failure x is still safe to clean up. */
sw_result sw_http__xfer_setup(sw_http__xfer *x, void *easy,
                              const sw_http_options *opt,
                              const sw_http_request *req,
                              sw_http_response *resp);

/* sw_http__xfer_finish: after curl ran the transfer with result curlcode,
 * sets resp->status and resp->error and returns the request's result:
 * SW_OK for any HTTP status, SW_E_OVERFLOW when the body exceeded the
 * limit, SW_E_NOMEM, or sw_http__from_curl's mapping. */
sw_result sw_http__xfer_finish(sw_http__xfer *x, int curlcode);

/* sw_http__xfer_cleanup: frees what setup allocated (not the easy handle,
 * not the response). Safe on a zeroed or already cleaned-up x. */
void sw_http__xfer_cleanup(sw_http__xfer *x);

#endif
