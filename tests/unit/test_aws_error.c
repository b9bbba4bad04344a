/* test_aws_error.c - sw_aws_parse_error on real-shaped error bodies, the
 * standard mode's retryable/throttling classification, and endpoint and
 * region resolution (environment set in-process). */
#include <stdlib.h>

#include "sw/aws.h"
#include "sw_test.h"

/* parse: runs sw_aws_parse_error on a literal body. */
static sw_aws_error parse(long status, const char *ctype, const char *body)
{
    sw_aws_error e;
    memset(&e, 0xAB, sizeof e); /* garbage in: must be fully overwritten */
    e.attempts = 2;
    sw_aws_parse_error(status, sw_cursor_from_cstr(ctype),
                       sw_cursor_from_cstr(body), &e);
    return e;
}

/* resolve: sw_aws_resolve_endpoint into a static string ("" on error). */
static const char *resolve(const sw_aws_service *svc, const char *region,
                           sw_result *rc)
{
    static char out[256];
    sw_buf b = SW_BUF_INIT;
    *rc = sw_aws_resolve_endpoint(svc, region, &b);
    snprintf(out, sizeof out, "%s", *rc ? "" : b.ptr);
    sw_buf_free(&b);
    return out;
}

int main(void)
{
    /* DynamoDB JSON with the namespace prefix. */
    sw_aws_error e = parse(
        400, "application/x-amz-json-1.0",
        "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
        "ConditionalCheckFailedException\",\"message\":\"The conditional "
        "request failed\"}");
    CHECK_EQ_STR(e.code, "ConditionalCheckFailedException",
                 "DynamoDB __type: namespace stripped");
    CHECK_EQ_STR(e.message, "The conditional request failed",
                 "DynamoDB message");
    CHECK(!e.retryable && !e.throttling, "conditional check: not retryable");
    CHECK_EQ_INT(e.http_status, 400, "status kept");
    CHECK_EQ_INT(e.attempts, 2, "attempts preserved");
    CHECK_EQ_STR(e.request_id, "", "request id cleared");

    e = parse(400, "application/x-amz-json-1.0",
              "{\"__type\":\"ProvisionedThroughputExceededException\","
              "\"Message\":\"Rate exceeded\"}");
    CHECK_EQ_STR(e.code, "ProvisionedThroughputExceededException",
                 "__type without namespace");
    CHECK_EQ_STR(e.message, "Rate exceeded", "Message (capital M)");
    CHECK(e.retryable && e.throttling, "throughput exceeded: throttling");

    e = parse(400, "application/x-amz-json-1.1",
              "{\"__type\":\"com.amazon.coral.validate#ValidationException\","
              "\"message\":\"1 validation error detected\"}");
    CHECK(strcmp(e.code, "ValidationException") == 0 && !e.retryable,
          "ValidationException: not retryable");

    e = parse(400, "application/json",
              "{\"code\":\"ThrottlingException:http://internal.amazon.com/"
              "coral/\",\"message\":\"slow down\"}");
    CHECK_EQ_STR(e.code, "ThrottlingException", "'code' key, ':' suffix cut");
    CHECK(e.retryable && e.throttling, "ThrottlingException: throttling");

    e = parse(400, "application/x-amz-json-1.0",
              "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
              "TransactionInProgressException\"}");
    CHECK(e.throttling && e.retryable && e.message[0] == '\0',
          "TransactionInProgressException: throttling, empty message");

    /* moto's query-protocol XML (IAM auth failures look like this). */
    e = parse(403, "text/xml",
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse>\n"
              "  <Errors>\n    <Error>\n      <Code>SignatureDoesNotMatch"
              "</Code>\n      <Message>The request signature "
              "we calculated does not match &amp; so on</Message>\n"
              "    </Error>\n  </Errors>\n  <RequestId>7a62c49f-347e-4fc4-"
              "9331-6e8eEXAMPLE</RequestId>\n</ErrorResponse>");
    CHECK_EQ_STR(e.code, "SignatureDoesNotMatch", "XML ErrorResponse code");
    CHECK_EQ_STR(e.message,
                 "The request signature we calculated does not match & so on",
                 "XML Message, entities decoded");
    CHECK_EQ_STR(e.request_id, "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE",
                 "XML RequestId");
    CHECK(!e.retryable && !e.throttling, "403 signature: not retryable");

    e = parse(400, "text/xml",
              "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/"
              "2010-05-08/\"><Error><Type>Sender</Type><Code>Throttling</Code>"
              "<Message>Rate exceeded</Message></Error><RequestId>r-1"
              "</RequestId></ErrorResponse>");
    CHECK(strcmp(e.code, "Throttling") == 0 &&
              strcmp(e.message, "Rate exceeded") == 0 && e.throttling,
          "IAM-style XML Throttling");

    /* S3-style bare <Error>. */
    e = parse(503, "application/xml",
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown"
              "</Code><Message>Please reduce your request rate.</Message>"
              "<RequestId>4442587FB7D0A2F9</RequestId><HostId>abc</HostId>"
              "</Error>");
    CHECK(strcmp(e.code, "SlowDown") == 0 &&
              strcmp(e.message, "Please reduce your request rate.") == 0 &&
              strcmp(e.request_id, "4442587FB7D0A2F9") == 0,
          "S3 <Error> SlowDown parsed");
    CHECK(e.throttling && e.retryable, "SlowDown: throttling");

    e = parse(404, "application/xml",
              "<Error><Code>NoSuchKey</Code><Message>The specified key does "
              "not exist.</Message><Key>a&lt;b</Key></Error>");
    CHECK(strcmp(e.code, "NoSuchKey") == 0 && !e.retryable,
          "S3 NoSuchKey: not retryable");

    /* Transient codes and statuses. */
    e = parse(400, "application/xml",
              "<Error><Code>RequestTimeout</Code></Error>");
    CHECK(e.retryable && !e.throttling, "RequestTimeout: transient");
    e = parse(500, "application/x-amz-json-1.0",
              "{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
              "InternalServerError\",\"message\":\"Internal server error\"}");
    CHECK(e.retryable && !e.throttling, "500 InternalServerError: transient");
    e = parse(400, "application/xml", "<Error><Code>InternalError</Code>"
                                      "</Error>");
    CHECK(e.retryable, "InternalError code: transient");
    e = parse(429, "", "");
    CHECK(e.throttling && e.retryable, "bare 429: throttling");

    /* No AWS error in the body. */
    e = parse(503, "", "");
    CHECK_EQ_STR(e.code, "HTTP 503", "empty body: code falls back to status");
    CHECK(e.retryable && strstr(e.message, "503"), "empty 503: retryable");
    e = parse(502, "text/html",
              "<html><head><title>502 Bad Gateway</title></head><body>"
              "<center><h1>502 Bad Gateway</h1></center></body></html>");
    CHECK_EQ_STR(e.code, "HTTP 502", "HTML body: status fallback");
    CHECK(e.retryable, "HTML 502: retryable");
    e = parse(403, "text/html", "<html><body>Forbidden</body></html>");
    CHECK(strcmp(e.code, "HTTP 403") == 0 && !e.retryable,
          "HTML 403: not retryable");
    e = parse(400, "application/json", "{not json");
    CHECK_EQ_STR(e.code, "HTTP 400", "truncated JSON: status fallback");
    e = parse(400, "application/json", "{\"message\":\"no code here\"}");
    CHECK(strcmp(e.code, "HTTP 400") == 0 &&
              strcmp(e.message, "no code here") == 0,
          "JSON without a code keeps the message");

    /* A long message is truncated, not overflowed. */
    char big[2048];
    snprintf(big, sizeof big, "{\"__type\":\"X\",\"message\":\"%01500d\"}", 7);
    e = parse(400, "application/json", big);
    CHECK(strlen(e.message) == sizeof e.message - 1, "long message truncated");

    /* ---- region ---- */
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
    CHECK(sw_aws_resolve_region() == NULL, "no region variables: NULL");
    setenv("AWS_DEFAULT_REGION", "eu-west-1", 1);
    CHECK_EQ_STR(sw_aws_resolve_region(), "eu-west-1", "AWS_DEFAULT_REGION");
    setenv("AWS_REGION", "us-west-2", 1);
    CHECK_EQ_STR(sw_aws_resolve_region(), "us-west-2",
                 "AWS_REGION wins over AWS_DEFAULT_REGION");

    /* ---- endpoint ---- */
    sw_aws_service ddb = {"dynamodb", "dynamodb", "DynamoDB", 0};
    sw_aws_service batch = {"batch", "batch", "Batch", 0};
    sw_aws_service logs = {"logs", "logs", "CloudWatch Logs", 0};
    sw_result rc;
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_DYNAMODB");
    unsetenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS");
    CHECK_EQ_STR(resolve(&ddb, "us-east-1", &rc),
                 "https://dynamodb.us-east-1.amazonaws.com",
                 "default regional endpoint");
    CHECK_EQ_STR(resolve(&ddb, "cn-north-1", &rc),
                 "https://dynamodb.cn-north-1.amazonaws.com.cn",
                 "cn- region: amazonaws.com.cn");
    resolve(&ddb, NULL, &rc);
    CHECK_EQ_INT(rc, SW_E_CONFIG, "no region and no endpoint: SW_E_CONFIG");
    resolve(&ddb, "us-east-1/../x", &rc);
    CHECK_EQ_INT(rc, SW_E_CONFIG, "a region with odd characters: config");
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566", 1);
    CHECK_EQ_STR(resolve(&ddb, "us-east-1", &rc), "http://127.0.0.1:4566",
                 "AWS_ENDPOINT_URL overrides the default");
    setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://localhost:8000/ddb", 1);
    CHECK_EQ_STR(resolve(&ddb, "us-east-1", &rc), "http://localhost:8000/ddb",
                 "AWS_ENDPOINT_URL_DYNAMODB wins over AWS_ENDPOINT_URL");
    CHECK_EQ_STR(resolve(&batch, "us-east-1", &rc), "http://127.0.0.1:4566",
                 "another service still uses AWS_ENDPOINT_URL");
    setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "https://logs.example:8443", 1);
    CHECK_EQ_STR(resolve(&logs, "us-east-1", &rc), "https://logs.example:8443",
                 "service id with a space maps to an underscore");
    const char *bad[] = {"ftp://x", "http://", "http://h:0", "http://h:70000",
                         "http://h:12ab", "http://h?x=1", "http://a b",
                         "127.0.0.1:4566", "http://[zz]/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("AWS_ENDPOINT_URL_DYNAMODB", bad[i], 1);
        resolve(&ddb, "us-east-1", &rc);
        char what[96];
        snprintf(what, sizeof what, "malformed endpoint \"%s\": SW_E_CONFIG",
                 bad[i]);
        CHECK_EQ_INT(rc, SW_E_CONFIG, what);
    }
    setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://[::1]:8000", 1);
    CHECK_EQ_STR(resolve(&ddb, "us-east-1", &rc), "http://[::1]:8000",
                 "bracketed IPv6 endpoint accepted");

    /* The client derives Host and keeps only the origin. */
    sw_creds_provider *cp = NULL;
    sw_creds_provider_new(NULL, &cp);
    sw_aws_client *c = NULL;
    const char *why = NULL;
    unsetenv("AWS_ENDPOINT_URL_DYNAMODB");
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566/", 1);
    sw_aws_config cfg = {ddb, NULL, NULL, NULL, NULL};
    rc = sw_aws_client_new(&cfg, cp, &c, &why);
    CHECK(rc == SW_OK && c, "client from AWS_ENDPOINT_URL");
    if (c) {
        CHECK_EQ_STR(sw_aws_client_endpoint(c), "http://127.0.0.1:4566",
                     "trailing slash dropped");
        CHECK_EQ_STR(sw_aws_client_region(c), "us-west-2", "region resolved");
        sw_aws_client_free(c);
        c = NULL;
    }
    setenv("AWS_ENDPOINT_URL", "gopher://x", 1);
    rc = sw_aws_client_new(&cfg, cp, &c, &why);
    CHECK(rc == SW_E_CONFIG && why && strstr(why, "endpoint"),
          "client with a malformed endpoint: SW_E_CONFIG with a reason");
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
    rc = sw_aws_client_new(&cfg, cp, &c, &why);
    CHECK(rc == SW_E_CONFIG && why && strstr(why, "AWS_REGION"),
          "client without a region: SW_E_CONFIG naming AWS_REGION");
    setenv("AWS_REGION", "us-east-1", 1);
    setenv("AWS_MAX_ATTEMPTS", "zero", 1);
    rc = sw_aws_client_new(&cfg, cp, &c, &why);
    CHECK(rc == SW_E_CONFIG && why && strstr(why, "AWS_MAX_ATTEMPTS"),
          "client with a bad AWS_MAX_ATTEMPTS: SW_E_CONFIG");
    unsetenv("AWS_MAX_ATTEMPTS");
    sw_creds_provider_free(cp);
    return SW_TEST_DONE();
}
