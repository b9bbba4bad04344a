/* sw/aws.h - calling AWS services: endpoint resolution, signing, standard
 * retries, and error parsing.
 *
 * A client is bound to one service in one region. sw_aws_send signs each
 * attempt afresh (new X-Amz-Date), retries what the standard retry mode
 * retries (throttling, 5xx, transport failures, timeouts) and never a 4xx
 * validation error, and turns error bodies (JSON or XML) into sw_aws_error.
 *
 * Endpoint resolution, as the SDKs do it:
 *   AWS_ENDPOINT_URL_<SERVICE_ID> (e.g. AWS_ENDPOINT_URL_DYNAMODB), then
 *   AWS_ENDPOINT_URL, then https://<prefix>.<region>.amazonaws.com
 *   (".amazonaws.com.cn" for cn- regions).
 * Region: AWS_REGION, then AWS_DEFAULT_REGION. */
#ifndef SW_AWS_H
#define SW_AWS_H

#include <stdbool.h>
#include <stddef.h>

#include "sw/buf.h"
#include "sw/creds.h"
#include "sw/error.h"
#include "sw/http.h"
#include "sw/retry.h"

typedef struct sw_aws_error {
    long http_status;     /* 0 when no response was received */
    char code[96];        /* e.g. "ConditionalCheckFailedException" */
    char message[512];    /* service's message or transport error text */
    char request_id[96];  /* x-amzn-RequestId when present */
    bool retryable;       /* what the standard retry mode would say */
    bool throttling;      /* a throttling error code or HTTP 429 */
    int attempts;         /* attempts made */
} sw_aws_error;

typedef struct sw_aws_service {
    const char *signing_name; /* "dynamodb", "s3", "batch" */
    const char *endpoint_prefix; /* host prefix, usually = signing_name */
    const char *service_id;   /* for AWS_ENDPOINT_URL_<ID>: "DYNAMODB" */
    unsigned sigv4_flags;     /* SW_SIGV4_*, e.g. S3's no-normalize */
} sw_aws_service;

typedef struct sw_aws_config {
    sw_aws_service service;
    const char *region;       /* NULL: AWS_REGION / AWS_DEFAULT_REGION */
    const char *endpoint;     /* NULL: resolved as above */
    const sw_retry_policy *retry; /* NULL: sw_retry_policy_from_env */
    const sw_http_options *http;  /* NULL: defaults */
} sw_aws_config;

typedef struct sw_aws_request {
    const char *method;  /* "POST" */
    const char *path;    /* raw path as sent, "/" if NULL */
    const char *query;   /* raw query without '?', may be NULL */
    const sw_http_header *headers; /* extra headers (Content-Type, ...) */
    size_t header_count;
    sw_cursor body;
    /* Optional: prepended to the endpoint's host for this request only, e.g.
     * "bucket." for S3's virtual-hosted style (https://bucket.s3...). NULL
     * or "" keeps the endpoint's host. Letters, digits, '-' and '.' only. */
    const char *host_prefix;
} sw_aws_request;

typedef struct sw_aws_client sw_aws_client;

/* sw_aws_client_new: a client for cfg->service. The credentials provider is
 * borrowed and must outlive the client. Returns SW_OK, SW_E_CONFIG (no
 * region, malformed endpoint or retry variable; *why set to a static line),
 * SW_E_NOMEM. */
sw_result sw_aws_client_new(const sw_aws_config *cfg, sw_creds_provider *creds,
                            sw_aws_client **out, const char **why);
/* sw_aws_client_free: frees the client. NULL is fine. */
void sw_aws_client_free(sw_aws_client *c);

/* sw_aws_client_endpoint: the resolved endpoint URL, e.g.
 * "https://dynamodb.us-east-1.amazonaws.com". */
const char *sw_aws_client_endpoint(const sw_aws_client *c);
/* sw_aws_client_region: the resolved region. */
const char *sw_aws_client_region(const sw_aws_client *c);

/* sw_aws_send: signs and sends req with standard retries. On a 2xx answer
 * returns SW_OK with the body in *resp_body. On an AWS error answer returns
 * SW_E_AWS with *err filled; on transport failure after all attempts
 * SW_E_NETWORK/SW_E_TIMEOUT/SW_E_TLS with err->message set. err may be NULL
 * only if the caller does not care why. */
sw_result sw_aws_send(sw_aws_client *c, const sw_aws_request *req,
                      sw_buf *resp_body, sw_aws_error *err);

/* Optional extras for sw_aws_send_ex: a streamed 2xx body and the ETag. */
typedef struct sw_aws_send_opts {
    /* When set, a 2xx body goes to on_body chunk by chunk as it arrives
     * (never held whole; resp_body stays empty); see sw_http_request. */
    sw_result (*on_body)(void *ctx, sw_cursor chunk);
    void *on_body_ctx;
    /* With on_body: after an attempt broke having delivered N > 0 bytes,
     * the retry asks for "Range: bytes=N-" with "If-Match: <ETag>" (when
     * the first answer had one), so on_body never sees a byte twice nor
     * bytes of another version (that is a 412 PreconditionFailed). A 200
     * answer to it (a server ignoring Range) has its first N bytes
     * skipped. Without it, a broken streamed transfer is not retried. */
    bool resume_with_range;
    /* NULL, or receives the 2xx answer's ETag header, quotes kept
     * (S3 UploadPart). */
    sw_buf *etag;
} sw_aws_send_opts;

/* sw_aws_send_ex: sw_aws_send with opts (NULL: exactly sw_aws_send). A
 * failure of on_body ends the call at once (not retried) with its result;
 * err->message says the consumer stopped the transfer. */
sw_result sw_aws_send_ex(sw_aws_client *c, const sw_aws_request *req,
                         const sw_aws_send_opts *opts, sw_buf *resp_body,
                         sw_aws_error *err);

/* sw_aws_xml_text: the text of the first <name>...</name> element of an
 * XML answer (no nested elements), the five XML entities decoded, into
 * dst (cap bytes, NUL-terminated). Returns true when found and it fitted
 * whole (false: dst holds a truncated or empty string). */
bool sw_aws_xml_text(sw_cursor body, const char *name, char *dst,
                     size_t cap);

/* sw_aws_xml_text_in: sw_aws_xml_text for the first <name> element after
 * the first <parent> opening tag (parent NULL: from the start), for
 * answers that repeat a name in several places (EC2's <name> is both an
 * instance state's and a tag's). Same returns as sw_aws_xml_text. */
bool sw_aws_xml_text_in(sw_cursor body, const char *parent, const char *name,
                        char *dst, size_t cap);

/* sw_aws_xml_field: a value a 2xx answer must hold: the first <name>
 * after <parent> (NULL: anywhere), spaces and tabs trimmed, entities
 * decoded, into dst (cap bytes; dst NULL: only checks that it is there).
 * Returns SW_OK;
 * SW_E_PARSE with err's message `missing` when absent or empty;
 * SW_E_OVERFLOW (err filled) when it does not fit dst. err may be NULL. */
sw_result sw_aws_xml_field(sw_cursor body, const char *parent,
                           const char *name, char *dst, size_t cap,
                           const char *missing, sw_aws_error *err);

/* The AWS query protocol (SNS, EC2, SQS, STS, IAM ...): a form body
 * "Action=X&Version=Y&Name.1=v..." POSTed to "/", as botocore sends it:
 * each value in the AWS URI encoding (RFC 3986 unreserved characters
 * kept, every other byte %XX) except a space, which is '+'. Servers
 * (moto among them) re-encode the parsed form that way to check the
 * signature, so the rule must be exactly this. */

/* sw_aws_query_start: appends "Action=<action>&Version=<version>" to form
 * (an empty buffer: the body starts with it). Returns SW_OK or
 * SW_E_NOMEM. */
sw_result sw_aws_query_start(sw_buf *form, const char *action,
                             const char *version);

/* sw_aws_query_add: appends "&<name>=<value>" to form, the value encoded
 * as above (name is used as is: callers pass literal parameter names such
 * as "InstanceId.1"). Returns SW_OK or SW_E_NOMEM. */
sw_result sw_aws_query_add(sw_buf *form, const char *name, sw_cursor value);

/* sw_aws_query_call: POSTs form to "/" with the form content type. Same
 * results as sw_aws_send (the answer is XML: read it with
 * sw_aws_xml_text). */
sw_result sw_aws_query_call(sw_aws_client *c, const sw_buf *form,
                            sw_buf *resp_body, sw_aws_error *err);

/* sw_aws_json_call: the AWS JSON 1.0/1.1 protocol: POST / with
 * X-Amz-Target: <target> and Content-Type application/x-amz-json-<version>.
 * Same results as sw_aws_send. */
sw_result sw_aws_json_call(sw_aws_client *c, const char *json_version,
                           const char *target, sw_cursor body,
                           sw_buf *resp_body, sw_aws_error *err);

/* sw_aws_parse_error: fills err from an error answer: JSON (__type / code,
 * message / Message) or XML (<Code>, <Message>, also inside
 * <ErrorResponse><Error>), falling back to the HTTP status. Sets retryable
 * and throttling by the standard retry mode's rules. Never fails. */
void sw_aws_parse_error(long http_status, sw_cursor content_type,
                        sw_cursor body, sw_aws_error *err);

/* sw_aws_error_begin: the error record a call fills: err, or the
 * caller's scratch when err is NULL (the caller does not care why), cleared
 * either way. Calls taking an optional sw_aws_error *err start with
 * `err = sw_aws_error_begin(err, &scratch);`. Never NULL. */
sw_aws_error *sw_aws_error_begin(sw_aws_error *err, sw_aws_error *scratch);

/* sw_aws_local_error: records a failure found before or instead of a call
 * (bad input, out of memory, an unparsable answer) in err (may be NULL):
 * the message is `why`, everything else cleared but the attempts made so
 * far. Returns rc, so callers can `return sw_aws_local_error(...)`. */
sw_result sw_aws_local_error(sw_aws_error *err, sw_result rc,
                             const char *why);

/* sw_aws_exit_code: the exit code (sw/exit.h) a worker ends with when a
 * call failed with rc/err: 3 when trying again may work (throttling, 5xx,
 * expired credentials, transport trouble), 2 when an AWS answer says it
 * will not (access denied, bad signature, validation, missing resource,
 * a failed condition); other results as sw_exit_code_for. */
int sw_aws_exit_code(sw_result rc, const sw_aws_error *err);

/* sw_aws_resolve_region: the region from AWS_REGION / AWS_DEFAULT_REGION
 * (NULL if unset). */
const char *sw_aws_resolve_region(void);

/* sw_aws_resolve_endpoint: appends the endpoint URL for a service to out as
 * described above. Returns SW_OK, SW_E_CONFIG, SW_E_NOMEM. */
sw_result sw_aws_resolve_endpoint(const sw_aws_service *svc, const char *region,
                                  sw_buf *out);

#endif
