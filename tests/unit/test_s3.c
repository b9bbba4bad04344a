/* test_s3.c - s3:// URI parsing, bucket and key checks, the addressing
 * choice (environment set in-process) and the host prefix / path that
 * sw_s3_object_target builds for virtual-hosted and path-style requests,
 * including AWS endpoints that no local server can serve. */
#include <stdlib.h>

#include "sw/s3.h"
#include "sw_test.h"

/* target: sw_s3_object_target into static strings "prefix|path". */
static const char *target(const char *endpoint, const char *bucket,
                          const char *key, sw_s3_addressing style,
                          sw_result *rc)
{
    static char out[4096];
    sw_s3_target t = {.path = SW_BUF_INIT};
    *rc = sw_s3_object_target(endpoint, bucket, key, style, &t);
    snprintf(out, sizeof out, "%s|%s", t.host_prefix,
             t.path.ptr ? t.path.ptr : "");
    sw_buf_free(&t.path);
    return out;
}

/* test_parse_uri: good URIs split literally; bad ones say why. */
static void test_parse_uri(void)
{
    sw_s3_location loc;
    const char *why = NULL;
    CHECK_EQ_INT(sw_s3_parse_uri("s3://my-bucket/in/a b+c%20ü.json", &loc,
                                 &why), SW_OK, "nested key with odd bytes");
    CHECK_EQ_STR(loc.bucket, "my-bucket", "bucket");
    CHECK_EQ_STR(loc.key, "in/a b+c%20ü.json", "key kept literally");
    CHECK_EQ_INT(sw_s3_parse_uri("s3://a.b.c/k/", &loc, NULL), SW_OK,
                 "dotted bucket, key ending in /");
    CHECK_EQ_STR(loc.key, "k/", "trailing slash kept");
    static const struct {
        const char *uri, *why_part;
    } bad[] = {
        {"https://b/k", "not an s3://"},
        {"s3:/bucket/k", "not an s3://"},
        {"s3://bucket", "no object key"},
        {"s3://bucket/", "empty"},
        {"s3://ab/k", "invalid bucket"},
        {"s3://Bucket/k", "invalid bucket"},
        {"s3://-bucket/k", "invalid bucket"},
        {"s3://bucket-/k", "invalid bucket"},
        {"s3://a..b/k", "invalid bucket"},
        {"s3://192.168.1.1/k", "invalid bucket"},
        {"s3://bu_cket/k", "invalid bucket"},
        {"s3://bucket/a/../b", "segment"},
        {"s3://bucket/./b", "segment"},
        {"s3://bucket/a/.", "segment"},
        {"s3:///k", "invalid bucket"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why = NULL;
        sw_result rc = sw_s3_parse_uri(bad[i].uri, &loc, &why);
        CHECK(rc == SW_E_INVALID && why && strstr(why, bad[i].why_part),
              bad[i].uri);
    }
    char longb[80] = "s3://";
    memset(longb + 5, 'a', 64);
    strcpy(longb + 69, "/k");
    CHECK_EQ_INT(sw_s3_parse_uri(longb, &loc, NULL), SW_E_INVALID,
                 "64-byte bucket name refused");
    longb[68] = '/';
    longb[69] = '\0';
    CHECK_EQ_INT(sw_s3_parse_uri(longb, &loc, NULL), SW_E_INVALID,
                 "63-byte bucket but empty key refused");
    static char uri[1100];
    memcpy(uri, "s3://bkt/", 9);
    memset(uri + 9, 'k', 1024);
    uri[9 + 1024] = '\0';
    CHECK_EQ_INT(sw_s3_parse_uri(uri, &loc, NULL), SW_OK, "1024-byte key");
    CHECK_EQ_INT((int)strlen(loc.key), 1024, "whole key copied");
    uri[9 + 1024] = 'k';
    uri[9 + 1025] = '\0';
    CHECK_EQ_INT(sw_s3_parse_uri(uri, &loc, &why), SW_E_INVALID,
                 "1025-byte key refused");
    CHECK(sw_s3_check_bucket("abc") && sw_s3_check_bucket("a.b-c.1"),
          "valid bucket names");
    CHECK(!sw_s3_check_bucket("1.2.3.4") && sw_s3_check_bucket("1.2.3.4a"),
          "IPv4-shaped names only are refused");
}

/* test_targets: virtual-hosted on AWS, path-style elsewhere or when asked,
 * and the key encoded once with '/' kept. */
static void test_targets(void)
{
    sw_result rc;
    const char *aws = "https://s3.us-east-1.amazonaws.com";
    CHECK_EQ_STR(target(aws, "my-bucket", "in/a b+c%ü~.json",
                        SW_S3_ADDRESSING_AUTO, &rc),
                 "my-bucket.|/in/a%20b%2Bc%25%C3%BC~.json",
                 "AWS endpoint: virtual-hosted, key encoded once");
    CHECK_EQ_INT(rc, SW_OK, "virtual-hosted target built");
    CHECK_EQ_STR(target("https://s3.cn-north-1.amazonaws.com.cn", "b-1",
                        "k", SW_S3_ADDRESSING_AUTO, &rc),
                 "b-1.|/k", "China endpoint: virtual-hosted");
    CHECK_EQ_STR(target(aws, "my.bucket", "k", SW_S3_ADDRESSING_AUTO, &rc),
                 "|/my.bucket/k", "dotted bucket: path-style on AWS");
    CHECK_EQ_STR(target(aws, "my.bucket", "k", SW_S3_ADDRESSING_VIRTUAL,
                        &rc),
                 "|/my.bucket/k", "dotted bucket: path-style even if asked");
    CHECK_EQ_STR(target(aws, "bkt", "a//b/", SW_S3_ADDRESSING_PATH, &rc),
                 "|/bkt/a//b/", "forced path-style; empty segments kept");
    CHECK_EQ_STR(target("http://127.0.0.1:5000", "bkt", "x y",
                        SW_S3_ADDRESSING_AUTO, &rc),
                 "|/bkt/x%20y", "custom endpoint: path-style");
    CHECK_EQ_STR(target("http://amazonaws.com.evil:80", "bkt", "k",
                        SW_S3_ADDRESSING_AUTO, &rc),
                 "|/bkt/k", "look-alike host: path-style");
    CHECK_EQ_STR(target("http://localhost:9000", "bkt", "k",
                        SW_S3_ADDRESSING_VIRTUAL, &rc),
                 "bkt.|/k", "custom endpoint, virtual forced");
    target(aws, "Bad_Bucket", "k", SW_S3_ADDRESSING_AUTO, &rc);
    CHECK_EQ_INT(rc, SW_E_INVALID, "bad bucket refused");
    target(aws, "bkt", "a/../b", SW_S3_ADDRESSING_AUTO, &rc);
    CHECK_EQ_INT(rc, SW_E_INVALID, "dot segment refused");
}

/* test_env: AWS_S3_ADDRESSING_STYLE wins over AWS_S3_FORCE_PATH_STYLE. */
static void test_env(void)
{
    sw_s3_addressing a;
    const char *why = NULL;
    unsetenv("AWS_S3_ADDRESSING_STYLE");
    unsetenv("AWS_S3_FORCE_PATH_STYLE");
    CHECK(sw_s3_addressing_from_env(&a, &why) == SW_OK &&
              a == SW_S3_ADDRESSING_AUTO, "default auto");
    setenv("AWS_S3_FORCE_PATH_STYLE", "true", 1);
    CHECK(sw_s3_addressing_from_env(&a, &why) == SW_OK &&
              a == SW_S3_ADDRESSING_PATH, "force path style");
    setenv("AWS_S3_ADDRESSING_STYLE", "virtual", 1);
    CHECK(sw_s3_addressing_from_env(&a, &why) == SW_OK &&
              a == SW_S3_ADDRESSING_VIRTUAL, "addressing style wins");
    setenv("AWS_S3_ADDRESSING_STYLE", "vhost", 1);
    CHECK(sw_s3_addressing_from_env(&a, &why) == SW_E_CONFIG && why &&
              strstr(why, "AWS_S3_ADDRESSING_STYLE"), "unknown style");
    unsetenv("AWS_S3_ADDRESSING_STYLE");
    setenv("AWS_S3_FORCE_PATH_STYLE", "yes", 1);
    CHECK(sw_s3_addressing_from_env(&a, &why) == SW_E_CONFIG,
          "bad force-path value");
    unsetenv("AWS_S3_FORCE_PATH_STYLE");
}

int main(void)
{
    test_parse_uri();
    test_targets();
    test_env();
    CHECK_EQ_STR(sw_s3_service.signing_name, "s3", "signing name");
    CHECK_EQ_STR(sw_s3_service.service_id, "S3", "service id");
    return SW_TEST_DONE();
}
