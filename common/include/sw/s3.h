/* sw/s3.h - the S3 operations the workers need: GetObject of a small object
 * into memory or streamed, PutObject, the multipart upload calls, and
 * s3://bucket/key URIs.
 *
 * Addressing, as the SDKs do it:
 *   virtual-hosted  https://bucket.s3.<region>.amazonaws.com/key
 *   path-style      <endpoint>/bucket/key
 * Path-style is used for a custom endpoint (AWS_ENDPOINT_URL_S3 /
 * AWS_ENDPOINT_URL: emulators and S3-compatible stores rarely have
 * per-bucket DNS), for bucket names with dots (the wildcard certificate
 * does not cover them) and when AWS_S3_FORCE_PATH_STYLE=true.
 * AWS_S3_ADDRESSING_STYLE=path|virtual|auto (botocore's addressing_style)
 * forces a style; virtual is still refused for a bucket with dots.
 *
 * Keys are sent URI-encoded once with '/' kept, and signed as sent (no path
 * normalization). A key with "." or ".." segments is refused: HTTP clients
 * squash them before sending. */
#ifndef SW_S3_H
#define SW_S3_H

#include <stdbool.h>
#include <stddef.h>

#include "sw/aws.h"
#include "sw/buf.h"
#include "sw/error.h"

#define SW_S3_BUCKET_MAX 63
#define SW_S3_KEY_MAX 1024

/* The service description for sw_aws_client_new. */
extern const sw_aws_service sw_s3_service;

typedef enum sw_s3_addressing {
    SW_S3_ADDRESSING_AUTO = 0, /* virtual on AWS endpoints, else path */
    SW_S3_ADDRESSING_PATH,
    SW_S3_ADDRESSING_VIRTUAL
} sw_s3_addressing;

typedef struct sw_s3_location {
    char bucket[SW_S3_BUCKET_MAX + 1];
    char key[SW_S3_KEY_MAX + 1];
} sw_s3_location;

/* Where one object's request goes, relative to the client's endpoint. */
typedef struct sw_s3_target {
    char host_prefix[SW_S3_BUCKET_MAX + 2]; /* "bucket." or "" (path-style) */
    sw_buf path; /* "/bucket/key" or "/key", key URI-encoded, '/' kept */
} sw_s3_target;

/* sw_s3_parse_uri: splits "s3://bucket/key" into loc. The key is taken
 * literally (no %-decoding, as the AWS CLI does). Returns SW_OK, or
 * SW_E_INVALID with *why set to a static line (not s3://, bad bucket name,
 * empty or too long key). why may be NULL. */
sw_result sw_s3_parse_uri(const char *uri, sw_s3_location *loc,
                          const char **why);

/* sw_s3_check_bucket: true when name is a valid bucket name: 3 to 63 of
 * a-z 0-9 . -, starting and ending with a letter or digit, no "..", not
 * shaped like an IPv4 address. */
bool sw_s3_check_bucket(const char *name);

/* sw_s3_check_key: SW_OK for a key S3 can be asked for here: 1 to 1024
 * bytes, no "." or ".." segment. Else SW_E_INVALID with *why (may be
 * NULL) set to a static line. */
sw_result sw_s3_check_key(const char *key, const char **why);

/* sw_s3_addressing_from_env: AWS_S3_ADDRESSING_STYLE (path, virtual,
 * auto), then AWS_S3_FORCE_PATH_STYLE (true/1 -> path), else auto.
 * Returns SW_OK or SW_E_CONFIG with *why set for an unknown value. */
sw_result sw_s3_addressing_from_env(sw_s3_addressing *out, const char **why);

/* sw_s3_object_target: the host prefix and path for bucket/key on a client
 * whose endpoint (origin, scheme://host[:port]) is `endpoint`. Auto picks
 * virtual-hosted only for an amazonaws.com endpoint; a bucket with dots is
 * always path-style. out must be zero-initialised or reused; free its path
 * with sw_buf_free. Returns SW_OK, SW_E_INVALID (bad bucket or key),
 * SW_E_NOMEM. */
sw_result sw_s3_object_target(const char *endpoint, const char *bucket,
                              const char *key, sw_s3_addressing style,
                              sw_s3_target *out);

/* sw_s3_get_object: GET bucket/key into *out (reset first), with standard
 * retries (sw_aws_send). The addressing style comes from the environment
 * (sw_s3_addressing_from_env). Returns SW_OK; SW_E_OVERFLOW when the object
 * is larger than max_bytes (or the client's max_body); SW_E_INVALID for a
 * bad bucket or key and SW_E_CONFIG for a bad addressing variable (err->
 * message says which); SW_E_AWS with err filled (NoSuchKey, NoSuchBucket,
 * AccessDenied, ... : not retryable); or sw_aws_send's transport errors. */
sw_result sw_s3_get_object(sw_aws_client *c, const char *bucket,
                           const char *key, sw_buf *out, size_t max_bytes,
                           sw_aws_error *err);

/* sw_s3_sink_fn: receives the next chunk of a streamed object. Return SW_OK
 * to go on; anything else stops the transfer and is returned. */
typedef sw_result (*sw_s3_sink_fn)(void *ctx, sw_cursor chunk);

/* sw_s3_get_object_stream: GET bucket/key, the body handed to sink as it
 * arrives (never held whole). A transfer that breaks is retried (standard
 * retry mode) with "Range: bytes=N-" from the first byte not yet delivered
 * and If-Match on the first answer's ETag, so sink sees every byte once and
 * all of one version (a change in between is SW_E_AWS PreconditionFailed).
 * Returns as sw_s3_get_object (no size limit), or the sink's result. */
sw_result sw_s3_get_object_stream(sw_aws_client *c, const char *bucket,
                                  const char *key, sw_s3_sink_fn sink,
                                  void *ctx, sw_aws_error *err);

/* sw_s3_put_object: PUT body as bucket/key in one request, signed with the
 * payload's SHA-256 (x-amz-content-sha256). content_type NULL:
 * application/octet-stream. Returns SW_OK, SW_E_INVALID/CONFIG as
 * sw_s3_get_object, SW_E_AWS with err filled, or transport errors. */
sw_result sw_s3_put_object(sw_aws_client *c, const char *bucket,
                           const char *key, sw_cursor body,
                           const char *content_type, sw_aws_error *err);

/* sw_s3_create_multipart: CreateMultipartUpload (POST key?uploads); the
 * upload id goes to *upload_id (reset first). Returns as sw_s3_put_object,
 * or SW_E_PARSE when the answer has no UploadId. */
sw_result sw_s3_create_multipart(sw_aws_client *c, const char *bucket,
                                 const char *key, const char *content_type,
                                 sw_buf *upload_id, sw_aws_error *err);

/* sw_s3_upload_part: UploadPart number part_number (1..10000) of body; the
 * part's ETag (quotes kept, as CompleteMultipartUpload wants it) goes to
 * *etag (reset first). Returns as sw_s3_put_object, SW_E_INVALID for a bad
 * part number, SW_E_PARSE when the answer has no ETag. */
sw_result sw_s3_upload_part(sw_aws_client *c, const char *bucket,
                            const char *key, const char *upload_id,
                            int part_number, sw_cursor body, sw_buf *etag,
                            sw_aws_error *err);

/* One uploaded part, for sw_s3_complete_multipart. */
typedef struct sw_s3_part {
    int number;       /* 1..10000, ascending */
    const char *etag; /* as sw_s3_upload_part returned it */
} sw_s3_part;

/* sw_s3_complete_multipart: CompleteMultipartUpload with the parts list
 * (XML body). An error S3 reports inside a 200 answer (it may, after
 * starting to answer) is SW_E_AWS with err filled like any other. Returns
 * as sw_s3_put_object; SW_E_INVALID when there is no part. */
sw_result sw_s3_complete_multipart(sw_aws_client *c, const char *bucket,
                                   const char *key, const char *upload_id,
                                   const sw_s3_part *parts, size_t nparts,
                                   sw_aws_error *err);

/* sw_s3_abort_multipart: AbortMultipartUpload (DELETE key?uploadId=...):
 * the parts are deleted. NoSuchUpload (already gone) counts as done.
 * Returns as sw_s3_put_object. */
sw_result sw_s3_abort_multipart(sw_aws_client *c, const char *bucket,
                                const char *key, const char *upload_id,
                                sw_aws_error *err);

#endif
