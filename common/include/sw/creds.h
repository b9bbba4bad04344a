/* sw/creds.h - AWS credentials provider chain, in the SDKs' order:
 *   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 *      AWS_SESSION_TOKEN
 *   2. shared credentials file: AWS_SHARED_CREDENTIALS_FILE (default
 *      ~/.aws/credentials), profile AWS_PROFILE (default "default")
 *   3. ECS/Fargate container endpoint: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
 *      (on http://169.254.170.2) or AWS_CONTAINER_CREDENTIALS_FULL_URI with
 *      AWS_CONTAINER_AUTHORIZATION_TOKEN or _TOKEN_FILE
 *   4. EC2 IMDSv2: PUT /latest/api/token (1 s timeout, so a hop limit of 1
 *      inside a container fails fast), then the instance role's credentials.
 *      AWS_EC2_METADATA_DISABLED=true skips it;
 *      AWS_EC2_METADATA_SERVICE_ENDPOINT overrides the address.
 * Temporary credentials are refreshed 5 minutes before Expiration.
 * Secrets are never logged and are wiped when replaced or freed. */
#ifndef SW_CREDS_H
#define SW_CREDS_H

#include <time.h>

#include "sw/error.h"
#include "sw/http.h"

typedef struct sw_creds {
    char *access_key_id;
    char *secret_access_key;
    char *session_token;    /* NULL when none */
    time_t expiration;      /* 0: does not expire */
    const char *source;     /* static: "env", "profile", "ecs", "imds" */
} sw_creds;

typedef struct sw_creds_options {
    /* Overrides for tests; NULL means the standard address. */
    const char *ecs_host;      /* default "http://169.254.170.2" */
    const char *imds_endpoint; /* default $AWS_EC2_METADATA_SERVICE_ENDPOINT
                                  or "http://169.254.169.254" */
    long imds_timeout_ms;      /* default 1000 */
    long refresh_margin_s;     /* default 300 */
} sw_creds_options;

typedef struct sw_creds_provider sw_creds_provider;

/* sw_creds_provider_new: a chain provider (opt may be NULL). Resolves
 * nothing yet. Returns SW_OK or SW_E_NOMEM. */
sw_result sw_creds_provider_new(const sw_creds_options *opt,
                                sw_creds_provider **out);
/* sw_creds_provider_free: wipes cached secrets and frees. NULL is fine. */
void sw_creds_provider_free(sw_creds_provider *p);

/* sw_creds_get: current credentials, resolving or refreshing as needed. The
 * pointer stays valid until the next sw_creds_get or free. Returns SW_OK,
 * SW_E_CREDS (nothing in the chain had credentials; *why, if not NULL, gets
 * a static one-line reason), SW_E_NETWORK/SW_E_TIMEOUT from an endpoint,
 * SW_E_PARSE on a malformed answer, SW_E_NOMEM. */
sw_result sw_creds_get(sw_creds_provider *p, const sw_creds **out,
                       const char **why);

/* sw_creds_invalidate: drops cached credentials so the next get refetches
 * (after an ExpiredToken error). */
void sw_creds_invalidate(sw_creds_provider *p);

#endif
