/* test_batch.c - Batch's and SNS's error shapes through sw_aws_parse_error
 * and sw_aws_exit_code, the service descriptions' endpoints, and the
 * local checks of sw_batch_* / sw_sns_publish (which must fail before any
 * request: the client points at a closed port with one attempt, so a sent
 * request would come back SW_E_NETWORK, not SW_E_INVALID). */
#include <stdlib.h>

#include "sw/batch.h"
#include "sw/exit.h"
#include "sw/sns.h"
#include "sw_test.h"

/* parse: runs sw_aws_parse_error on a literal body. */
static sw_aws_error parse(long status, const char *body)
{
    sw_aws_error e;
    memset(&e, 0xAB, sizeof e);
    e.attempts = 1;
    sw_aws_parse_error(status, sw_cursor_from_cstr("application/json"),
                       sw_cursor_from_cstr(body), &e);
    return e;
}

/* submit_rc: sw_batch_submit_job's result for req; *attempts set. */
static sw_result submit_rc(sw_aws_client *c, const sw_batch_submit *req,
                           int *attempts)
{
    char id[64];
    sw_aws_error err;
    sw_result rc = sw_batch_submit_job(c, req, id, sizeof id, &err);
    *attempts = err.attempts;
    return rc;
}

/* check_errors: Batch (REST-JSON) and SNS (query XML) error answers. */
static void check_errors(void)
{
    sw_aws_error e = parse(400, "{\"__type\":\"ClientException\","
                                "\"message\":\"Job queue q does not exist\"}");
    CHECK_EQ_STR(e.code, "ClientException", "Batch ClientException code");
    CHECK(!e.retryable && !e.throttling, "ClientException is final");
    CHECK_EQ_INT(sw_aws_exit_code(SW_E_AWS, &e), SW_EXIT_BAD_INPUT,
                 "ClientException: exit 2");
    e = parse(500, "{\"__type\":\"ServerException\",\"message\":\"oops\"}");
    CHECK(e.retryable, "ServerException 500 is retryable");
    CHECK_EQ_INT(sw_aws_exit_code(SW_E_AWS, &e), SW_EXIT_TRANSIENT,
                 "ServerException: exit 3");
    /* The code only in x-amzn-ErrorType: the message is kept, the status
     * decides (sw_aws_parse_error does not see headers). */
    e = parse(400, "{\"message\":\"Job definition d does not exist\"}");
    CHECK_EQ_STR(e.message, "Job definition d does not exist",
                 "a bare Batch message is kept");
    CHECK(!e.retryable, "a bare 400 is final");
    e = parse(429, "{\"message\":\"Too Many Requests.\"}");
    CHECK(e.throttling && e.retryable, "Batch's 429 is throttling");
    e = parse(403, "<ErrorResponse><Error><Type>Sender</Type><Code>"
                   "AuthorizationError</Code><Message>not authorized"
                   "</Message></Error><RequestId>r-1</RequestId>"
                   "</ErrorResponse>");
    CHECK_EQ_STR(e.code, "AuthorizationError", "SNS error code");
    CHECK_EQ_STR(e.request_id, "r-1", "SNS request id");
    CHECK_EQ_INT(sw_aws_exit_code(SW_E_AWS, &e), SW_EXIT_BAD_INPUT,
                 "SNS AuthorizationError: exit 2");
    e = parse(400, "<ErrorResponse><Error><Code>Throttling</Code><Message>"
                   "Rate exceeded</Message></Error></ErrorResponse>");
    CHECK(e.throttling, "SNS Throttling is throttling");
}

/* check_endpoints: the regional hosts the service descriptions give. */
static void check_endpoints(void)
{
    sw_buf b = SW_BUF_INIT;
    unsetenv("AWS_ENDPOINT_URL");
    CHECK(!sw_aws_resolve_endpoint(&sw_batch_service, "eu-west-1", &b) &&
              !strcmp(b.ptr, "https://batch.eu-west-1.amazonaws.com"),
          "Batch's regional endpoint");
    sw_buf_reset(&b);
    CHECK(!sw_aws_resolve_endpoint(&sw_sns_service, "eu-west-1", &b) &&
              !strcmp(b.ptr, "https://sns.eu-west-1.amazonaws.com"),
          "SNS's regional endpoint");
    sw_buf_reset(&b);
    setenv("AWS_ENDPOINT_URL_BATCH", "http://127.0.0.1:4566", 1);
    CHECK(!sw_aws_resolve_endpoint(&sw_batch_service, "eu-west-1", &b) &&
              !strcmp(b.ptr, "http://127.0.0.1:4566"),
          "AWS_ENDPOINT_URL_BATCH");
    unsetenv("AWS_ENDPOINT_URL_BATCH");
    sw_buf_free(&b);
}

int main(void)
{
    check_errors();
    check_endpoints();

    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    sw_http_global_init();
    sw_creds_provider *cp = NULL;
    sw_creds_provider_new(NULL, &cp);
    sw_retry_policy once = {1, 10, 10};
    /* Port 1 on loopback: nothing listens, so a sent request fails fast. */
    sw_aws_config cfg = {.service = sw_batch_service,
                         .region = "us-east-1",
                         .endpoint = "http://127.0.0.1:1",
                         .retry = &once};
    sw_aws_client *c = NULL;
    const char *why = NULL;
    CHECK(!sw_aws_client_new(&cfg, cp, &c, &why), "Batch client");
    cfg.service = sw_sns_service;
    sw_aws_client *sc = NULL;
    CHECK(!sw_aws_client_new(&cfg, cp, &sc, &why), "SNS client");

    int att = -1;
    sw_batch_submit ok = {.job_name = "a", .job_queue = "q",
                          .job_definition = "d"};
    CHECK_EQ_INT(submit_rc(c, &ok, &att), SW_E_NETWORK,
                 "control: a valid submit is sent (closed port)");
    CHECK_EQ_INT(att, 1, "control: one attempt made");

    sw_batch_dependency deps[21];
    for (size_t i = 0; i < 21; i++)
        deps[i] = (sw_batch_dependency){"11111111-2222", NULL};
    sw_batch_submit r = ok;
    r.depends_on = deps;
    r.depends_on_count = 21;
    CHECK_EQ_INT(submit_rc(c, &r, &att), SW_E_INVALID, "21 dependencies");
    CHECK_EQ_INT(att, 0, "refused with no attempt");
    r.depends_on_count = 0;
    r.array_size = 1;
    CHECK_EQ_INT(submit_rc(c, &r, &att), SW_E_INVALID, "array size 1");
    r.array_size = 2;
    deps[0].type = "N_TO_M";
    r.depends_on_count = 1;
    CHECK_EQ_INT(submit_rc(c, &r, &att), SW_E_INVALID, "type N_TO_M");
    deps[0].type = "SEQUENTIAL";
    deps[0].job_id = NULL;
    CHECK_EQ_INT(submit_rc(c, &r, &att), SW_E_NETWORK,
                 "SEQUENTIAL without an id on an array job is sent");
    r.array_size = 0;
    CHECK_EQ_INT(submit_rc(c, &r, &att), SW_E_INVALID,
                 "SEQUENTIAL on a non-array job");
    r = ok;
    r.timeout_seconds = -60;
    CHECK_EQ_INT(submit_rc(c, &r, &att), SW_E_INVALID, "negative timeout");
    r = ok;
    cJSON *tags = cJSON_Parse("{\"a\":[\"b\"]}");
    r.tags = tags;
    CHECK_EQ_INT(submit_rc(c, &r, &att), SW_E_INVALID, "tags not strings");
    cJSON_Delete(tags);
    r = ok;
    r.job_name = "\xc3\xa9t\xc3\xa9";
    CHECK_EQ_INT(submit_rc(c, &r, &att), SW_E_INVALID, "non-ASCII name");
    char small[4];
    sw_aws_error err;
    CHECK_EQ_INT(sw_batch_submit_job(c, NULL, small, sizeof small, &err),
                 SW_E_INVALID, "no request");

    cJSON *jobs = (cJSON *)1;
    CHECK_EQ_INT(sw_batch_describe_jobs(c, NULL, 0, &jobs, &err), SW_OK,
                 "describe of no ids: OK without a call");
    CHECK(cJSON_IsArray(jobs) && cJSON_GetArraySize(jobs) == 0,
          "describe of no ids: an empty array");
    cJSON_Delete(jobs);
    const char *ids[] = {"a", NULL};
    CHECK_EQ_INT(sw_batch_describe_jobs(c, ids, 2, &jobs, &err), SW_E_INVALID,
                 "describe with a NULL id");
    CHECK(jobs == NULL, "no array on failure");
    CHECK_EQ_INT(sw_batch_describe_jobs(c, ids, 1, &jobs, &err), SW_E_NETWORK,
                 "control: describe of one id is sent");
    CHECK_EQ_INT(sw_batch_terminate_job(c, "a", NULL, &err), SW_E_INVALID,
                 "terminate without a reason");

    const char *arn = "arn:aws:sns:us-east-1:123456789012:t";
    CHECK_EQ_INT(sw_sns_publish(sc, arn, NULL, "m", NULL, 0, &err),
                 SW_E_NETWORK, "control: a valid publish is sent");
    CHECK_EQ_INT(sw_sns_publish(sc, arn, "tab\there", "m", NULL, 0, &err),
                 SW_E_INVALID, "subject with a tab");
    CHECK_EQ_INT(sw_sns_publish(sc, arn, "\xc3\xa9", "m", NULL, 0, &err),
                 SW_E_INVALID, "non-ASCII subject");
    CHECK_EQ_INT(sw_sns_publish(sc, arn, NULL, "\xed\xa0\x80", NULL, 0, &err),
                 SW_E_INVALID, "a UTF-8 surrogate in the message");
    CHECK_EQ_INT(sw_sns_publish(sc, arn, NULL, "\xc0\xaf", NULL, 0, &err),
                 SW_E_INVALID, "an overlong UTF-8 encoding");
    CHECK_EQ_INT(sw_sns_publish(sc, arn, NULL, "\xf0\x9f\x98", NULL, 0, &err),
                 SW_E_INVALID, "a truncated UTF-8 sequence");
    CHECK_EQ_INT(sw_sns_publish(sc, arn, NULL, "\xf0\x9f\x98\x80 ok", NULL, 0,
                                &err),
                 SW_E_NETWORK, "control: 4-byte UTF-8 is sent");
    CHECK_EQ_INT(sw_sns_publish(sc, NULL, NULL, "m", NULL, 0, &err),
                 SW_E_INVALID, "no topic");

    sw_aws_client_free(c);
    sw_aws_client_free(sc);
    sw_creds_provider_free(cp);
    sw_http_global_cleanup();
    return SW_TEST_DONE();
}
