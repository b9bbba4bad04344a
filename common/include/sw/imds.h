/* sw/imds.h - EC2 instance metadata over IMDSv2: a session token
 * (PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds), then
 * GETs with X-aws-ec2-metadata-token. The token is kept and refreshed
 * before its TTL runs out, and fetched again once after a 401 (IMDS
 * restarted, or the clock was off), so a long-lived poller (spot-agent)
 * never fails for an old token.
 *
 * Endpoint: the option, else AWS_EC2_METADATA_SERVICE_ENDPOINT, else
 * http://169.254.169.254 (as the SDKs). Nothing here logs: the token is a
 * secret of sorts (it lets its holder read the role's credentials).
 * The one IMDS client in libsw: spot-agent's poller and the credential
 * chain's IMDS source (creds.c) both use it. */
#ifndef SW_IMDS_H
#define SW_IMDS_H

#include <stddef.h>

#include "sw/buf.h"
#include "sw/error.h"

typedef struct sw_imds_options {
    const char *endpoint; /* NULL: env or the default, as above */
    long timeout_ms;      /* per request; 0: 2000 */
    long token_ttl_s;     /* 1..21600; 0: 21600 */
    long connect_timeout_ms; /* 0: timeout_ms */
    size_t max_body;      /* answer size limit; 0: 1 MiB */
} sw_imds_options;

typedef struct sw_imds sw_imds;

/* sw_imds_new: a client (opt may be NULL). Contacts nothing yet. Returns
 * SW_OK, SW_E_CONFIG (malformed endpoint or TTL) or SW_E_NOMEM. */
sw_result sw_imds_new(const sw_imds_options *opt, sw_imds **out);
/* sw_imds_free: wipes the token and frees. NULL is fine. */
void sw_imds_free(sw_imds *m);

/* sw_imds_token: makes sure a token is held that is not about to expire,
 * fetching one (PUT /latest/api/token) when needed. The PUT is IMDS's
 * reachability probe: a caller that must tell "no IMDS here" (a container
 * behind a hop limit of 1, or not on EC2) from "IMDS broke mid-way" calls
 * this first. Returns SW_OK, SW_E_NETWORK / SW_E_TIMEOUT / SW_E_TLS (no
 * answer), SW_E_HTTP (refused, or an empty or oversized token),
 * SW_E_NOMEM. */
sw_result sw_imds_token(sw_imds *m);

/* sw_imds_get: GET path ("/latest/meta-data/instance-id") with a valid
 * token, fetched or refreshed first when needed. On SW_OK *status is the
 * answer's HTTP status: 200 with the body in out (reset first), 404 when
 * the path does not exist (e.g. no Spot interruption notice), anything
 * else as it came. Returns SW_OK, SW_E_NETWORK / SW_E_TIMEOUT (IMDS did
 * not answer), SW_E_HTTP (the token PUT was refused: IMDS disabled, or a
 * hop limit in the way), SW_E_INVALID (path not starting with '/'),
 * SW_E_NOMEM. */
sw_result sw_imds_get(sw_imds *m, const char *path, sw_buf *out,
                      long *status);

/* sw_imds_token_fetches: how many tokens this client has fetched (for
 * tests and logs: a poller should fetch about once per TTL). */
unsigned long sw_imds_token_fetches(const sw_imds *m);

#endif
