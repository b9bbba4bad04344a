/* sw/http.h - HTTP(S) over libcurl: one reusable connection per client.
 *
 * A client wraps one libcurl easy handle so connections are kept alive
 * between requests. sw_http_send makes exactly one attempt; retry policy
 * lives in sw/retry.h and is applied by the callers that know what is
 * retryable (sw/aws.h). Transport failures are mapped to SW_E_NETWORK,
 * SW_E_TIMEOUT or SW_E_TLS; any HTTP status is SW_OK with resp->status set. */
#ifndef SW_HTTP_H
#define SW_HTTP_H

#include <stddef.h>

#include "sw/buf.h"
#include "sw/error.h"

typedef struct sw_http_header {
    const char *name;  /* e.g. "Content-Type" */
    const char *value; /* sent as is */
} sw_http_header;

typedef struct sw_http_options {
    long connect_timeout_ms; /* 0: 3000 */
    long timeout_ms;         /* whole transfer, 0: 30000 */
    const char *ca_file;     /* NULL: $SSL_CERT_FILE, else
                                /etc/ssl/certs/ca-certificates.crt */
    const char *unix_socket; /* NULL: TCP; else connect to this socket path */
    size_t max_body;         /* response body limit, 0: 64 MiB */
} sw_http_options;

/* sw_http_body_fn: receives the next chunk of a streamed response body as
 * it arrives, with the answer's HTTP status. Return SW_OK to go on; any
 * other result aborts the transfer and is what sw_http_send returns. */
typedef sw_result (*sw_http_body_fn)(void *ctx, long status, sw_cursor chunk);

typedef struct sw_http_request {
    const char *method; /* "GET", "PUT", "POST", "DELETE", "HEAD" */
    const char *url;    /* absolute http:// or https:// URL */
    const sw_http_header *headers;
    size_t header_count;
    sw_cursor body;     /* may be empty */
    long timeout_ms;    /* 0: the client's default */
    /* Optional streaming: when set, the body of a 2xx answer goes to
     * on_body chunk by chunk instead of into resp->body (any other answer
     * is still buffered, for error parsing). A streamed body has no size
     * limit (max_body) and no whole-transfer timeout: the transfer fails
     * with SW_E_TIMEOUT only when it stalls (under 1 byte/s) for the
     * timeout, so a large object is not cut off for being large. */
    sw_http_body_fn on_body;
    void *on_body_ctx;
} sw_http_request;

typedef struct sw_http_response {
    long status;          /* HTTP status, 0 if none was received */
    sw_buf body;          /* response body */
    sw_buf content_type;  /* Content-Type header value, "" if absent */
    sw_buf request_id;    /* x-amzn-RequestId / x-amz-request-id, or "" */
    char error[256];      /* transport error text when send failed */
    sw_buf etag;          /* ETag header value (quotes kept), or "" */
} sw_http_response;

typedef struct sw_http_client sw_http_client;

/* sw_http_global_init: initialises libcurl once per process (call from main
 * before threads). Returns SW_OK or SW_E_NOMEM. */
sw_result sw_http_global_init(void);
/* sw_http_global_cleanup: the counterpart of sw_http_global_init. */
void sw_http_global_cleanup(void);

/* sw_http_client_new: a client with the given options (NULL: defaults).
 * Returns SW_OK, SW_E_NOMEM or SW_E_CONFIG. */
sw_result sw_http_client_new(const sw_http_options *opt, sw_http_client **out);
/* sw_http_client_free: closes connections and frees. NULL is fine. */
void sw_http_client_free(sw_http_client *c);

/* sw_http_send: performs one request. resp must be zero-initialised or
 * reused (its buffers are reset). Returns SW_OK when any HTTP status was
 * received; SW_E_NETWORK, SW_E_TIMEOUT, SW_E_TLS with resp->error set
 * otherwise; SW_E_OVERFLOW if the body exceeded max_body; the result of
 * req->on_body when it stopped the transfer. */
sw_result sw_http_send(sw_http_client *c, const sw_http_request *req,
                       sw_http_response *resp);
/* sw_http_response_free: frees a response's buffers. */
void sw_http_response_free(sw_http_response *resp);

#endif
