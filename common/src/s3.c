/* s3.c - S3 GetObject (into memory or streamed), PutObject, multipart
 * uploads and s3:// URIs (see sw/s3.h).
 *
 * S3 is a
 * REST-XML service; its error bodies (<Error><Code>NoSuchKey</Code>...) are
 * parsed by sw_aws_parse_error like any other, so NoSuchKey, NoSuchBucket
 * and AccessDenied come back as final (not retryable) SW_E_AWS errors and
 * SlowDown / 5xx are retried by sw_aws_send. */
#include "sw/s3.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw/sigv4.h"

const sw_aws_service sw_s3_service = {
    "s3", "s3", "S3",
    SW_SIGV4_NO_NORMALIZE_PATH | SW_SIGV4_NO_DOUBLE_ENCODE |
        SW_SIGV4_ADD_CONTENT_SHA256};

/* is_alnum_lower: a-z or 0-9. */
static bool is_alnum_lower(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
}

/* looks_like_ipv4: four dot-separated runs of 1-3 digits. */
static bool looks_like_ipv4(const char *s)
{
    int parts = 0;
    while (*s) {
        size_t d = strspn(s, "0123456789");
        if (d < 1 || d > 3)
            return false;
        parts++;
        s += d;
        if (*s == '.')
            s++;
        else if (*s)
            return false;
    }
    return parts == 4;
}

/* sw_s3_check_bucket: S3's bucket naming rules (see sw/s3.h). */
bool sw_s3_check_bucket(const char *name)
{
    size_t n = strlen(name);
    if (n < 3 || n > SW_S3_BUCKET_MAX || !is_alnum_lower(name[0]) ||
        !is_alnum_lower(name[n - 1]) || strstr(name, "..") ||
        looks_like_ipv4(name))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum_lower(name[i]) && name[i] != '-' && name[i] != '.')
            return false;
    return true;
}

/* sw_s3_check_key: length and dot segments (see sw/s3.h). */
sw_result sw_s3_check_key(const char *key, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    size_t n = strlen(key);
    if (n == 0) {
        *why = "the object key is empty";
        return SW_E_INVALID;
    }
    if (n > SW_S3_KEY_MAX) {
        *why = "the object key is longer than 1024 bytes";
        return SW_E_INVALID;
    }
    for (const char *seg = key;;) {
        size_t len = strcspn(seg, "/");
        if ((len == 1 && seg[0] == '.') ||
            (len == 2 && seg[0] == '.' && seg[1] == '.')) {
            *why = "the object key has a \".\" or \"..\" segment, which HTTP "
                   "clients remove before sending";
            return SW_E_INVALID;
        }
        if (!seg[len])
            break;
        seg += len + 1;
    }
    return SW_OK;
}

/* sw_s3_parse_uri: s3://bucket/key, checked (see sw/s3.h). */
sw_result sw_s3_parse_uri(const char *uri, sw_s3_location *loc,
                          const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    memset(loc, 0, sizeof *loc);
    if (strncmp(uri, "s3://", 5) != 0) {
        *why = "not an s3://bucket/key URI";
        return SW_E_INVALID;
    }
    const char *b = uri + 5;
    const char *slash = strchr(b, '/');
    if (!slash) {
        *why = "no object key: want s3://bucket/key";
        return SW_E_INVALID;
    }
    size_t blen = (size_t)(slash - b);
    if (blen > SW_S3_BUCKET_MAX) {
        *why = "invalid bucket name (3 to 63 of a-z 0-9 . -)";
        return SW_E_INVALID;
    }
    memcpy(loc->bucket, b, blen);
    loc->bucket[blen] = '\0';
    if (!sw_s3_check_bucket(loc->bucket)) {
        *why = "invalid bucket name (3 to 63 of a-z 0-9 . -)";
        return SW_E_INVALID;
    }
    sw_result rc = sw_s3_check_key(slash + 1, why);
    if (rc)
        return rc;
    memcpy(loc->key, slash + 1, strlen(slash + 1) + 1);
    return SW_OK;
}

/* sw_s3_addressing_from_env: AWS_S3_ADDRESSING_STYLE, then
 * AWS_S3_FORCE_PATH_STYLE. Returns SW_OK or SW_E_CONFIG. */
sw_result sw_s3_addressing_from_env(sw_s3_addressing *out, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    *out = SW_S3_ADDRESSING_AUTO;
    const char *s = getenv("AWS_S3_ADDRESSING_STYLE");
    if (s && *s) {
        if (strcmp(s, "path") == 0)
            *out = SW_S3_ADDRESSING_PATH;
        else if (strcmp(s, "virtual") == 0)
            *out = SW_S3_ADDRESSING_VIRTUAL;
        else if (strcmp(s, "auto") != 0) {
            *why = "AWS_S3_ADDRESSING_STYLE must be path, virtual or auto";
            return SW_E_CONFIG;
        }
        return SW_OK;
    }
    s = getenv("AWS_S3_FORCE_PATH_STYLE");
    if (s && *s) {
        if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
            *out = SW_S3_ADDRESSING_PATH;
        else if (strcmp(s, "false") != 0 && strcmp(s, "0") != 0) {
            *why = "AWS_S3_FORCE_PATH_STYLE must be true or false";
            return SW_E_CONFIG;
        }
    }
    return SW_OK;
}

/* is_aws_endpoint: true when the origin's host is an amazonaws.com name,
 * where every bucket has its own DNS name. */
static bool is_aws_endpoint(const char *endpoint)
{
    const char *h = strstr(endpoint, "://");
    h = h ? h + 3 : endpoint;
    size_t n = strcspn(h, ":/");
    static const char *const suffixes[] = {".amazonaws.com",
                                           ".amazonaws.com.cn"};
    for (size_t i = 0; i < 2; i++) {
        size_t sl = strlen(suffixes[i]);
        if (n > sl && memcmp(h + n - sl, suffixes[i], sl) == 0)
            return true;
    }
    return false;
}

/* sw_s3_object_target: picks the style and builds prefix and path.
 * Returns SW_OK, SW_E_INVALID, SW_E_NOMEM. */
sw_result sw_s3_object_target(const char *endpoint, const char *bucket,
                              const char *key, sw_s3_addressing style,
                              sw_s3_target *out)
{
    sw_buf_reset(&out->path);
    out->host_prefix[0] = '\0';
    if (!sw_s3_check_bucket(bucket) || sw_s3_check_key(key, NULL))
        return SW_E_INVALID;
    bool virt = style == SW_S3_ADDRESSING_VIRTUAL ||
                (style == SW_S3_ADDRESSING_AUTO && is_aws_endpoint(endpoint));
    if (strchr(bucket, '.'))
        virt = false;
    sw_result rc;
    if (virt) {
        snprintf(out->host_prefix, sizeof out->host_prefix, "%s.", bucket);
        rc = sw_buf_append_byte(&out->path, '/');
    } else {
        rc = sw_buf_appendf(&out->path, "/%s/", bucket);
    }
    if (!rc)
        rc = sw_uri_encode(&out->path, sw_cursor_from_cstr(key), 1);
    return rc;
}

/* object_target: checks the addressing variable, bucket and key and builds
 * the request target, with err->message set on failure. t must be
 * zero-initialised; the caller frees t->path. Returns SW_OK, SW_E_CONFIG,
 * SW_E_INVALID, SW_E_NOMEM. */
static sw_result object_target(sw_aws_client *c, const char *bucket,
                               const char *key, sw_s3_target *t,
                               sw_aws_error *err)
{
    sw_s3_addressing style;
    const char *why = NULL;
    sw_result rc = sw_s3_addressing_from_env(&style, &why);
    if (rc)
        return sw_aws_local_error(err, rc, why);
    if (!sw_s3_check_bucket(bucket))
        return sw_aws_local_error(err, SW_E_INVALID,
                                  "invalid bucket name (3 to 63 of a-z 0-9 . "
                                  "-)");
    if (sw_s3_check_key(key, &why))
        return sw_aws_local_error(err, SW_E_INVALID, why);
    rc = sw_s3_object_target(sw_aws_client_endpoint(c), bucket, key, style, t);
    if (rc)
        return sw_aws_local_error(err, rc, sw_result_str(rc));
    return SW_OK;
}

/* object_call: one request on bucket/key with sw_aws_send_ex's retries.
 * query may be NULL; headers/nh are extra headers; opts may be NULL.
 * Returns SW_OK or as object_target / sw_aws_send_ex. */
static sw_result object_call(sw_aws_client *c, const char *method,
                             const char *bucket, const char *key,
                             const char *query, const sw_http_header *headers,
                             size_t nh, sw_cursor body,
                             const sw_aws_send_opts *opts, sw_buf *resp,
                             sw_aws_error *err)
{
    sw_aws_error scratch;
    err = sw_aws_error_begin(err, &scratch);
    sw_buf_reset(resp);
    sw_s3_target t = {.path = SW_BUF_INIT};
    sw_result rc = object_target(c, bucket, key, &t, err);
    if (!rc) {
        sw_aws_request req = {.method = method,
                              .path = t.path.ptr,
                              .query = query,
                              .headers = headers,
                              .header_count = nh,
                              .body = body,
                              .host_prefix = t.host_prefix};
        rc = sw_aws_send_ex(c, &req, opts, resp, err);
    }
    sw_buf_free(&t.path);
    return rc;
}

/* sw_s3_get_object: one GET with sw_aws_send's retries; the body limit is
 * checked after the transfer (inputs are small; the client's max_body
 * bounds memory during it). Returns as described in sw/s3.h. */
sw_result sw_s3_get_object(sw_aws_client *c, const char *bucket,
                           const char *key, sw_buf *out, size_t max_bytes,
                           sw_aws_error *err)
{
    sw_aws_error scratch;
    if (!err)
        err = &scratch;
    sw_result rc = object_call(c, "GET", bucket, key, NULL, NULL, 0,
                               SW_CURSOR_NULL, NULL, out, err);
    if (rc == SW_OK && out->len > max_bytes) {
        snprintf(err->message, sizeof err->message,
                 "object is %zu bytes, more than the %zu allowed", out->len,
                 max_bytes);
        sw_buf_reset(out);
        rc = SW_E_OVERFLOW;
    }
    return rc;
}

/* sw_s3_get_object_stream: GET with the body streamed to sink and broken
 * transfers resumed by Range (see sw/s3.h). */
sw_result sw_s3_get_object_stream(sw_aws_client *c, const char *bucket,
                                  const char *key, sw_s3_sink_fn sink,
                                  void *ctx, sw_aws_error *err)
{
    sw_aws_send_opts o = {.on_body = sink,
                          .on_body_ctx = ctx,
                          .resume_with_range = true};
    sw_buf none = SW_BUF_INIT;
    sw_result rc = object_call(c, "GET", bucket, key, NULL, NULL, 0,
                               SW_CURSOR_NULL, &o, &none, err);
    sw_buf_free(&none);
    return rc;
}

/* sw_s3_put_object: one PUT of the whole body (see sw/s3.h). The signer
 * adds x-amz-content-sha256 with the payload's hash (sw_s3_service). */
sw_result sw_s3_put_object(sw_aws_client *c, const char *bucket,
                           const char *key, sw_cursor body,
                           const char *content_type, sw_aws_error *err)
{
    /* Never without a type: libcurl would label the body a form. */
    sw_http_header h[] = {
        {"Content-Type",
         content_type ? content_type : "application/octet-stream"}};
    sw_buf resp = SW_BUF_INIT;
    sw_result rc = object_call(c, "PUT", bucket, key, NULL, h, 1, body, NULL,
                               &resp, err);
    sw_buf_free(&resp);
    return rc;
}

/* encode_upload_id: appends "uploadId=<id URI-encoded>" to q. Returns
 * SW_OK, SW_E_INVALID (empty id), SW_E_NOMEM. */
static sw_result encode_upload_id(sw_buf *q, const char *upload_id)
{
    if (!upload_id || !*upload_id)
        return SW_E_INVALID;
    sw_result rc = sw_buf_append_cstr(q, "uploadId=");
    if (!rc)
        rc = sw_uri_encode(q, sw_cursor_from_cstr(upload_id), 0);
    return rc;
}

/* sw_s3_create_multipart: POST key?uploads, UploadId from the answer. */
sw_result sw_s3_create_multipart(sw_aws_client *c, const char *bucket,
                                 const char *key, const char *content_type,
                                 sw_buf *upload_id, sw_aws_error *err)
{
    sw_http_header h[] = {{"Content-Type", content_type}};
    sw_buf resp = SW_BUF_INIT;
    sw_buf_reset(upload_id);
    sw_result rc = object_call(c, "POST", bucket, key, "uploads", h,
                               content_type ? 1 : 0, SW_CURSOR_NULL, NULL,
                               &resp, err);
    if (!rc) {
        char id[1024];
        if (!sw_aws_xml_text(sw_cursor_from_buf(&resp), "UploadId", id,
                             sizeof id) ||
            !id[0])
            rc = sw_aws_local_error(err, SW_E_PARSE,
                                    "CreateMultipartUpload answered without "
                                    "an UploadId");
        else
            rc = sw_buf_append_cstr(upload_id, id);
    }
    sw_buf_free(&resp);
    return rc;
}

/* sw_s3_upload_part: PUT key?partNumber=N&uploadId=..., ETag from the
 * answer's header. */
sw_result sw_s3_upload_part(sw_aws_client *c, const char *bucket,
                            const char *key, const char *upload_id,
                            int part_number, sw_cursor body, sw_buf *etag,
                            sw_aws_error *err)
{
    sw_buf_reset(etag);
    if (part_number < 1 || part_number > 10000)
        return sw_aws_local_error(err, SW_E_INVALID,
                                  "part number must be 1 to 10000");
    sw_buf q = SW_BUF_INIT, resp = SW_BUF_INIT;
    sw_result rc = sw_buf_appendf(&q, "partNumber=%d&", part_number);
    if (!rc)
        rc = encode_upload_id(&q, upload_id);
    if (rc) {
        rc = sw_aws_local_error(err, rc, "bad upload id");
    } else {
        /* An explicit type, or libcurl labels the body as a form and
         * some servers (moto's werkzeug) parse it away as one. */
        sw_http_header h[] = {{"Content-Type", "application/octet-stream"}};
        sw_aws_send_opts o = {.etag = etag};
        rc = object_call(c, "PUT", bucket, key, q.ptr, h, 1, body, &o, &resp,
                         err);
        if (!rc && !etag->len)
            rc = sw_aws_local_error(err, SW_E_PARSE,
                                    "UploadPart answered without an ETag");
    }
    sw_buf_free(&q);
    sw_buf_free(&resp);
    return rc;
}

/* xml_escaped: appends s with the XML special characters escaped. Returns
 * SW_OK or SW_E_NOMEM. */
static sw_result xml_escaped(sw_buf *b, const char *s)
{
    sw_result rc = SW_OK;
    for (; !rc && *s; s++) {
        switch (*s) {
        case '<': rc = sw_buf_append_cstr(b, "&lt;"); break;
        case '>': rc = sw_buf_append_cstr(b, "&gt;"); break;
        case '&': rc = sw_buf_append_cstr(b, "&amp;"); break;
        case '"': rc = sw_buf_append_cstr(b, "&quot;"); break;
        default: rc = sw_buf_append_byte(b, *s);
        }
    }
    return rc;
}

/* sw_s3_complete_multipart: POST key?uploadId=... with the parts list. S3
 * may answer 200 and put an <Error> in the body (the request ran long), so
 * a 200 body is checked too. */
sw_result sw_s3_complete_multipart(sw_aws_client *c, const char *bucket,
                                   const char *key, const char *upload_id,
                                   const sw_s3_part *parts, size_t nparts,
                                   sw_aws_error *err)
{
    if (!nparts)
        return sw_aws_local_error(err, SW_E_INVALID,
                                  "a multipart upload needs a part");
    sw_buf q = SW_BUF_INIT, body = SW_BUF_INIT, resp = SW_BUF_INIT;
    sw_result rc = encode_upload_id(&q, upload_id);
    if (!rc)
        rc = sw_buf_append_cstr(&body, "<CompleteMultipartUpload xmlns="
                                       "\"http://s3.amazonaws.com/doc/"
                                       "2006-03-01/\">");
    for (size_t i = 0; !rc && i < nparts; i++) {
        rc = sw_buf_appendf(&body, "<Part><PartNumber>%d</PartNumber><ETag>",
                            parts[i].number);
        if (!rc)
            rc = xml_escaped(&body, parts[i].etag);
        if (!rc)
            rc = sw_buf_append_cstr(&body, "</ETag></Part>");
    }
    if (!rc)
        rc = sw_buf_append_cstr(&body, "</CompleteMultipartUpload>");
    if (rc) {
        rc = sw_aws_local_error(err, rc, "could not build the parts list");
    } else {
        sw_http_header h[] = {{"Content-Type", "application/xml"}};
        rc = object_call(c, "POST", bucket, key, q.ptr, h, 1,
                         sw_cursor_from_buf(&body), NULL, &resp, err);
        char code[96];
        if (!rc && sw_aws_xml_text(sw_cursor_from_buf(&resp), "Code", code,
                                   sizeof code) &&
            strstr(resp.ptr, "<Error>")) {
            int attempts = err ? err->attempts : 0;
            if (err) {
                sw_aws_parse_error(500, SW_CURSOR_NULL,
                                   sw_cursor_from_buf(&resp), err);
                err->attempts = attempts;
            }
            rc = SW_E_AWS;
        }
    }
    sw_buf_free(&q);
    sw_buf_free(&body);
    sw_buf_free(&resp);
    return rc;
}

/* sw_s3_abort_multipart: DELETE key?uploadId=...; NoSuchUpload is done. */
sw_result sw_s3_abort_multipart(sw_aws_client *c, const char *bucket,
                                const char *key, const char *upload_id,
                                sw_aws_error *err)
{
    sw_aws_error scratch;
    if (!err)
        err = &scratch;
    sw_buf q = SW_BUF_INIT, resp = SW_BUF_INIT;
    sw_result rc = encode_upload_id(&q, upload_id);
    if (rc)
        rc = sw_aws_local_error(err, rc, "bad upload id");
    else
        rc = object_call(c, "DELETE", bucket, key, q.ptr, NULL, 0,
                         SW_CURSOR_NULL, NULL, &resp, err);
    if (rc == SW_E_AWS && strcmp(err->code, "NoSuchUpload") == 0)
        rc = SW_OK;
    sw_buf_free(&q);
    sw_buf_free(&resp);
    return rc;
}
