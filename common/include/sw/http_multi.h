/* sw/http_multi.h - several HTTP(S) requests at once, over libcurl's multi
 * interface, in one thread.
 *
 * For fan-out reads where the slowest answer bounds the run (e.g. asking
 * several exchanges for a price): every request gets its own easy handle and
 * its own timeout, all run concurrently, and each gets its own result,
 * mapped exactly like sw_http_send maps transport failures (SW_E_NETWORK,
 * SW_E_TIMEOUT, SW_E_TLS; any HTTP status is SW_OK with resp->status set).
 * One attempt per request: retrying is the caller's business.
 * sw_http_global_init must have been called. */
#ifndef SW_HTTP_MULTI_H
#define SW_HTTP_MULTI_H

#include <stddef.h>

#include "sw/error.h"
#include "sw/http.h"

/* sw_http_send_all: performs the n requests concurrently. opt (NULL:
 * defaults) applies to all; reqs[i].timeout_ms, when set, overrides
 * opt->timeout_ms for that request. resps[i] must be zero-initialised or
 * reused (buffers are reset) and is freed with sw_http_response_free.
 * results[i] receives request i's result (SW_OK, SW_E_NETWORK, SW_E_TIMEOUT,
 * SW_E_TLS, SW_E_OVERFLOW, SW_E_INVALID for a malformed URL, SW_E_CONFIG for
 * an unusable CA file, SW_E_NOMEM) with resps[i].error set on failure.
 * Returns SW_OK when every request ran to its own result (look at
 * results[]), or SW_E_NOMEM / SW_E_NETWORK if the batch itself could not be
 * run (then every results[i] is that code too). */
sw_result sw_http_send_all(const sw_http_options *opt,
                           const sw_http_request *reqs,
                           sw_http_response *resps, sw_result *results,
                           size_t n);

#endif
