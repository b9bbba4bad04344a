/* s3.c - S3 GetObject and s3:// URIs (see sw/s3.h).
 *
 * Only what the workers need: reading a small object into memory. S3 is a
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
    memset(err, 0, sizeof *err);
    sw_buf_reset(out);
    sw_s3_addressing style;
    const char *why = NULL;
    sw_result rc = sw_s3_addressing_from_env(&style, &why);
    if (rc) {
        snprintf(err->message, sizeof err->message, "%s", why);
        return rc;
    }
    if (!sw_s3_check_bucket(bucket)) {
        snprintf(err->message, sizeof err->message,
                 "invalid bucket name (3 to 63 of a-z 0-9 . -)");
        return SW_E_INVALID;
    }
    if (sw_s3_check_key(key, &why)) {
        snprintf(err->message, sizeof err->message, "%s", why);
        return SW_E_INVALID;
    }
    sw_s3_target t = {.path = SW_BUF_INIT};
    rc = sw_s3_object_target(sw_aws_client_endpoint(c), bucket, key, style,
                             &t);
    if (!rc) {
        sw_aws_request req = {.method = "GET",
                              .path = t.path.ptr,
                              .host_prefix = t.host_prefix};
        rc = sw_aws_send(c, &req, out, err);
    }
    sw_buf_free(&t.path);
    if (rc == SW_OK && out->len > max_bytes) {
        snprintf(err->message, sizeof err->message,
                 "object is %zu bytes, more than the %zu allowed", out->len,
                 max_bytes);
        sw_buf_reset(out);
        rc = SW_E_OVERFLOW;
    }
    return rc;
}
