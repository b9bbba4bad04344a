/* sw/sigv4.h - AWS Signature Version 4 request signing (header form).
 *
 * The signer takes the request exactly as it will go on the wire (method, raw
 * path, raw query, headers, body) and produces the headers to add:
 * X-Amz-Date, Authorization, and optionally X-Amz-Content-Sha256 and
 * X-Amz-Security-Token. It never logs or copies secrets outside the caller's
 * memory and its own key cache, which it wipes on free.
 *
 * Derived signing keys are cached per (secret, date, region, service), so
 * signing many requests costs two SHA-256 passes and one HMAC each.
 * A signer (its cache and scratch space) is for one thread at a time.
 *
 * Headers never signed: Authorization and X-Amz-Date (replaced by the
 * signer's own), and, as botocore does, User-Agent, Expect,
 * Transfer-Encoding and X-Amzn-Trace-Id (proxies and HTTP libraries change
 * them). A caller's X-Amz-Security-Token / X-Amz-Content-Sha256 is ignored
 * when the signer adds its own (session token set / ADD_CONTENT_SHA256). */
#ifndef SW_SIGV4_H
#define SW_SIGV4_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "sw/buf.h"
#include "sw/error.h"

/* Behaviour switches, OR-ed into sw_sigv4_params.flags. */
enum {
    /* Do not normalize the path (remove dot segments, merge slashes).
     * S3 requires this. */
    SW_SIGV4_NO_NORMALIZE_PATH = 1u << 0,
    /* Encode the path once instead of twice. S3 requires this. */
    SW_SIGV4_NO_DOUBLE_ENCODE = 1u << 1,
    /* Sign the literal UNSIGNED-PAYLOAD instead of the body's hash. */
    SW_SIGV4_UNSIGNED_PAYLOAD = 1u << 2,
    /* Add (and sign) an x-amz-content-sha256 header, as S3 expects. */
    SW_SIGV4_ADD_CONTENT_SHA256 = 1u << 3,
    /* Do not sign X-Amz-Security-Token (add it after signing), for the few
     * services that want that. Default: the token is signed. */
    SW_SIGV4_TOKEN_UNSIGNED = 1u << 4
};

typedef struct sw_sigv4_header {
    sw_cursor name;  /* any case; lowercased for signing */
    sw_cursor value; /* as sent; trimmed and space-collapsed for signing */
} sw_sigv4_header;

typedef struct sw_sigv4_credentials {
    sw_cursor access_key_id;
    sw_cursor secret_access_key;
    sw_cursor session_token; /* empty when none */
} sw_sigv4_credentials;

typedef struct sw_sigv4_request {
    sw_cursor method; /* "GET", "POST", ... */
    sw_cursor path;   /* raw path as sent, e.g. "/a%20b/c"; empty means "/" */
    sw_cursor query;  /* raw query string without '?', may be empty */
    const sw_sigv4_header *headers; /* as sent; must include Host */
    size_t header_count;
    sw_cursor payload;      /* body bytes; hashed unless payload_hash is set */
    sw_cursor payload_hash; /* optional lowercase hex SHA-256 of the body */
} sw_sigv4_request;

typedef struct sw_sigv4_params {
    const sw_sigv4_credentials *creds;
    sw_cursor region;  /* e.g. "us-east-1" */
    sw_cursor service; /* signing name, e.g. "dynamodb", "s3" */
    time_t time;       /* signing time (UTC seconds) */
    unsigned flags;    /* SW_SIGV4_* */
} sw_sigv4_params;

/* What the signer produced. Every field is a complete header value to add to
 * the request; strings are NUL-terminated. */
typedef struct sw_sigv4_result {
    char amz_date[17];       /* X-Amz-Date: YYYYMMDDTHHMMSSZ */
    char content_sha256[65]; /* X-Amz-Content-Sha256, or "" if not added;
                                "UNSIGNED-PAYLOAD" fits too */
    sw_buf authorization;    /* Authorization */
    sw_buf canonical_request; /* kept for tests and debugging */
    sw_buf string_to_sign;    /* kept for tests and debugging */
} sw_sigv4_result;

typedef struct sw_sigv4_signer sw_sigv4_signer;

/* sw_sigv4_signer_new: a signer with an empty signing-key cache.
 * Returns SW_OK or SW_E_NOMEM. */
sw_result sw_sigv4_signer_new(sw_sigv4_signer **out);
/* sw_sigv4_signer_free: wipes the key cache and frees the signer. NULL ok. */
void sw_sigv4_signer_free(sw_sigv4_signer *s);

/* sw_sigv4_sign: signs one request. `out` must be zero-initialised (or reused
 * from an earlier call: its buffers are reset and reused). Returns SW_OK,
 * SW_E_INVALID (missing Host, bad credentials, malformed path escape),
 * SW_E_NOMEM. */
sw_result sw_sigv4_sign(sw_sigv4_signer *s, const sw_sigv4_params *params,
                        const sw_sigv4_request *req, sw_sigv4_result *out);

/* sw_sigv4_result_free: frees the buffers of a result. */
void sw_sigv4_result_free(sw_sigv4_result *r);

/* sw_sigv4_format_date: writes the X-Amz-Date form of t (17 bytes with NUL). */
void sw_sigv4_format_date(time_t t, char out[17]);
/* sw_sigv4_parse_date: parses YYYYMMDDTHHMMSSZ. Returns SW_OK or
 * SW_E_INVALID. */
sw_result sw_sigv4_parse_date(const char *s, time_t *out);

/* sw_uri_encode: appends the AWS URI encoding of `in` (unreserved bytes
 * A-Z a-z 0-9 - . _ ~ kept, everything else %XX uppercase); '/' is kept when
 * keep_slash is true. Returns SW_OK or SW_E_NOMEM. */
sw_result sw_uri_encode(sw_buf *out, sw_cursor in, int keep_slash);

#endif
