/* api.h - spot-agent's side of the jobs-api callback protocol
 * (workers/spot-agent/README.md): GET {API}/callback/{id} for the job's
 * spec and PUT {API}/callback/{id} for each state, every call with
 * "Authorization: Bearer <token>".
 *
 * A status is never lost while the instance lives: 5xx, 429, connection
 * refused and timeouts are retried with capped exponential backoff and
 * full jitter until acknowledged or the deadline passes. 401/403/404 (and
 * any other 4xx but 409/429) end at once: trying again cannot change them.
 * 409 means the API already holds a later state: acknowledged. */
#ifndef SA_API_H
#define SA_API_H

#include <cJSON.h>

#include "sw/buf.h"
#include "sw/error.h"

typedef struct sa_api sa_api;

typedef struct sa_api_config {
    const char *base_url;   /* "https://jobs.example.com" (no trailing /) */
    const char *job_id;
    const char *token;      /* secret: sent, never logged */
    long deadline_s;        /* per call: retry for this long */
    long base_delay_ms;     /* first backoff ceiling (SW_RETRY_BASE_MS) */
    long max_backoff_ms;    /* cap */
} sa_api_config;

/* What a call ended with, for the log and the exit code. */
typedef struct sa_api_result {
    long status;        /* last HTTP status, 0 if none came */
    int attempts;
    char error[256];    /* last transport error, or the refusal's body */
} sa_api_result;

/* sa_api_new: a client (copies what it needs from cfg). Returns SW_OK,
 * SW_E_CONFIG (base URL not http(s)://, empty id or token) or
 * SW_E_NOMEM. */
sw_result sa_api_new(const sa_api_config *cfg, sa_api **out);
/* sa_api_free: wipes the token and frees. NULL is fine. */
void sa_api_free(sa_api *a);

/* sa_api_get_spec: GET the job spec into *spec (a new cJSON object the
 * caller deletes). Returns SW_OK, SW_E_HTTP (refused: res->status says
 * how), SW_E_PARSE (not a JSON object), SW_E_DEADLINE (not answered in
 * time), SW_E_NOMEM. */
sw_result sa_api_get_spec(sa_api *a, cJSON **spec, sa_api_result *res);

/* sa_api_parse_spec: the GET answer's body as a JSON object (a new cJSON
 * the caller deletes; sa_check_spec then checks its fields). Returns
 * SW_OK, or SW_E_PARSE (*spec NULL) when it is not JSON or not an object
 * (also when cJSON ran out of memory: it does not tell the two apart). */
sw_result sa_api_parse_spec(sw_cursor body, cJSON **spec);

/* sa_api_put: PUT body until acknowledged (2xx, or 409). Returns SW_OK,
 * SW_E_HTTP (refused), SW_E_DEADLINE, SW_E_NOMEM. */
sw_result sa_api_put(sa_api *a, const cJSON *body, sa_api_result *res);

/* sa_api_put_once: PUT body exactly once, within timeout_ms (the
 * heartbeat: best effort, the next beat is the retry). Returns SW_OK for
 * a 2xx, SW_E_HTTP for any other status (409 included: the API no longer
 * runs this attempt; res->error has the answer), the transport failure
 * (SW_E_NETWORK, SW_E_TIMEOUT, ...), or SW_E_NOMEM. */
sw_result sa_api_put_once(sa_api *a, const cJSON *body, long timeout_ms,
                          sa_api_result *res);

/* sa_api_retryable_status: true for the statuses that are retried (5xx,
 * 429, 408). */
int sa_api_retryable_status(long status);

#endif
