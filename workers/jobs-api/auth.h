/* auth.h - jobs-api's two credentials: API keys (Authorization: Bearer
 * KEY, for /schedule, /list and /status) and per-job callback tokens
 * (Bearer TOKEN, for that job's /callback only). Only SHA-256 digests are
 * kept in memory and in the table; every comparison is constant time. */
#ifndef JOBS_AUTH_H
#define JOBS_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "job.h"
#include "sw/error.h"

#define JOBS_KEYS_MAX 64
#define JOBS_KEY_MIN 16   /* shortest accepted API key (characters) */
#define JOBS_KEY_MAX 256

typedef struct jobs_auth {
    size_t count;
    char hashes[JOBS_KEYS_MAX][JOBS_TOKEN_HEX + 1]; /* hex SHA-256 */
} jobs_auth;

/* jobs_auth_load: the keys from `keys` (comma-separated plain keys, 16-256
 * printable characters, hashed here) and `hashes` (comma-separated hex
 * SHA-256 digests); either may be NULL. Returns SW_OK, or SW_E_CONFIG with
 * why (cap bytes) saying which entry is bad (never echoing a key) or that
 * there is none at all. */
sw_result jobs_auth_load(jobs_auth *a, const char *keys, const char *hashes,
                         char *why, size_t cap);

/* jobs_bearer: the credential of an Authorization header value
 * ("Bearer X", scheme case-insensitive), or NULL when the header is absent
 * or not of that form. Borrowed from header. */
const char *jobs_bearer(const char *header);

/* jobs_auth_key_ok: true when cred hashes to one of the keys (every
 * stored hash is compared, whatever matches). */
bool jobs_auth_key_ok(const jobs_auth *a, const char *cred);

/* jobs_token_wellformed: 64 lower-case hex digits. */
bool jobs_token_wellformed(const char *cred);

/* jobs_token_ok: true when cred's SHA-256 equals token_hash (hex). */
bool jobs_token_ok(const char *cred, const char *token_hash);

#endif
