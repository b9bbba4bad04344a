/* test_ec2.c - EC2 query requests as sent (form encoding byte for byte,
 * base64 of UserData against RFC 4648's vectors), the local checks (which
 * must fail before any request: the client points at a closed port, so a
 * sent request would come back SW_E_NETWORK, not SW_E_INVALID), EC2's
 * error shape through sw_aws_parse_error, and the endpoint. */
#include <stdlib.h>

#include "sw/ec2.h"
#include "sw/exit.h"
#include "sw_test.h"

/* b64: base64 of a C string into a static buffer. */
static const char *b64(const char *s)
{
    static char out[128];
    sw_buf b = SW_BUF_INIT;
    out[0] = '\0';
    if (!sw_ec2_base64_encode(&b, sw_cursor_from_cstr(s)) && b.ptr)
        snprintf(out, sizeof out, "%s", b.ptr);
    else if (!b.ptr)
        out[0] = '\0';
    sw_buf_free(&b);
    return out;
}

/* check_base64: RFC 4648 section 10 and a binary tail. */
static void check_base64(void)
{
    CHECK_EQ_STR(b64(""), "", "base64 of empty");
    CHECK_EQ_STR(b64("f"), "Zg==", "base64 f");
    CHECK_EQ_STR(b64("fo"), "Zm8=", "base64 fo");
    CHECK_EQ_STR(b64("foo"), "Zm9v", "base64 foo");
    CHECK_EQ_STR(b64("foob"), "Zm9vYg==", "base64 foob");
    CHECK_EQ_STR(b64("fooba"), "Zm9vYmE=", "base64 fooba");
    CHECK_EQ_STR(b64("foobar"), "Zm9vYmFy", "base64 foobar");
    CHECK_EQ_STR(b64("\xff\xfe\xfd"), "//79", "base64 high bytes use / and +");
}

/* base_request: a full, valid request the cases below vary. */
static sw_ec2_run_request base_request(void)
{
    static const char *const groups[] = {"sg-1", "sg-2"};
    static const sw_ec2_tag tags[] = {{"scratchwork:job", "job 1/a~b"},
                                      {"Name", ""}};
    sw_ec2_run_request r = {0};
    r.image_id = "ami-12c6146b";
    r.instance_type = "t3.micro";
    r.instance_profile = "arn:aws:iam::123456789012:instance-profile/agent";
    r.user_data = SW_CURSOR_LIT("#!/bin/sh\necho hi\n");
    r.subnet_id = "subnet-9";
    r.security_group_ids = groups;
    r.security_group_count = 2;
    r.tags = tags;
    r.tag_count = 2;
    r.client_token = "job-1.attempt-2";
    return r;
}

/* check_run_body: the exact body, then the variants. */
static void check_run_body(void)
{
    sw_ec2_run_request r = base_request();
    sw_buf b = SW_BUF_INIT;
    const char *why = "unset";
    CHECK(!sw_ec2_run_instances_body(&r, &b, &why), "full request encodes");
    CHECK_EQ_STR(
        b.ptr,
        "Action=RunInstances&Version=2016-11-15&ImageId=ami-12c6146b"
        "&InstanceType=t3.micro&MinCount=1&MaxCount=1"
        "&ClientToken=job-1.attempt-2"
        "&IamInstanceProfile.Arn=arn%3Aaws%3Aiam%3A%3A123456789012%3A"
        "instance-profile%2Fagent"
        "&InstanceMarketOptions.MarketType=spot"
        "&InstanceMarketOptions.SpotOptions.SpotInstanceType=one-time"
        "&InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior="
        "terminate"
        "&InstanceInitiatedShutdownBehavior=terminate"
        "&MetadataOptions.HttpTokens=required"
        "&MetadataOptions.HttpEndpoint=enabled"
        "&MetadataOptions.HttpPutResponseHopLimit=1"
        "&SubnetId=subnet-9&SecurityGroupId.1=sg-1&SecurityGroupId.2=sg-2"
        "&TagSpecification.1.ResourceType=instance"
        "&TagSpecification.1.Tag.1.Key=scratchwork%3Ajob"
        "&TagSpecification.1.Tag.1.Value=job+1%2Fa~b"
        "&TagSpecification.1.Tag.2.Key=Name"
        "&TagSpecification.1.Tag.2.Value="
        "&UserData=IyEvYmluL3NoCmVjaG8gaGkK",
        "RunInstances body, byte for byte");

    /* A name instead of an ARN, nothing optional. */
    sw_buf_reset(&b);
    r.instance_profile = "agent-profile";
    r.subnet_id = NULL;
    r.security_group_count = 0;
    r.tag_count = 0;
    r.user_data = SW_CURSOR_NULL;
    CHECK(!sw_ec2_run_instances_body(&r, &b, &why), "minimal request");
    CHECK(strstr(b.ptr, "&IamInstanceProfile.Name=agent-profile&") != NULL,
          "a profile name goes as IamInstanceProfile.Name");
    CHECK(!strstr(b.ptr, "SubnetId") && !strstr(b.ptr, "SecurityGroupId") &&
              !strstr(b.ptr, "TagSpecification") && !strstr(b.ptr, "UserData"),
          "absent options are not sent");

    /* UTF-8 and '+' in a tag value: %XX uppercase, '+' escaped. */
    sw_buf_reset(&b);
    sw_ec2_tag t = {"k", "caf\xc3\xa9 1+1"};
    r.tags = &t;
    r.tag_count = 1;
    CHECK(!sw_ec2_run_instances_body(&r, &b, &why), "UTF-8 tag encodes");
    CHECK(strstr(b.ptr, "Tag.1.Value=caf%C3%A9+1%2B1") != NULL,
          "UTF-8 as %XX, space as +, + as %2B");

    /* User data at the limit passes, one byte over fails. */
    char *big = malloc(SW_EC2_USER_DATA_MAX + 1);
    memset(big, 'x', SW_EC2_USER_DATA_MAX + 1);
    r.tag_count = 0;
    r.user_data = sw_cursor_from_mem(big, SW_EC2_USER_DATA_MAX);
    sw_buf_reset(&b);
    CHECK(!sw_ec2_run_instances_body(&r, &b, &why), "16 KiB user data ok");
    r.user_data = sw_cursor_from_mem(big, SW_EC2_USER_DATA_MAX + 1);
    sw_buf_reset(&b);
    CHECK_EQ_INT(sw_ec2_run_instances_body(&r, &b, &why), SW_E_INVALID,
                 "16 KiB + 1 of user data refused");
    CHECK_EQ_STR(why, "user data is longer than 16 KiB", "and says why");
    free(big);
    sw_buf_free(&b);
}

/* run_invalid: the result of encoding r (expected SW_E_INVALID). */
static sw_result run_invalid(const sw_ec2_run_request *r)
{
    sw_buf b = SW_BUF_INIT;
    sw_result rc = sw_ec2_run_instances_body(r, &b, NULL);
    sw_buf_free(&b);
    return rc;
}

/* check_run_invalid: each local rule refuses. */
static void check_run_invalid(void)
{
    sw_ec2_run_request r = base_request();
    r.image_id = "img-1";
    CHECK_EQ_INT(run_invalid(&r), SW_E_INVALID, "image id must be ami-");
    r = base_request();
    r.instance_type = "t3 micro";
    CHECK_EQ_INT(run_invalid(&r), SW_E_INVALID, "no space in the type");
    r = base_request();
    r.client_token = NULL;
    CHECK_EQ_INT(run_invalid(&r), SW_E_INVALID, "client token required");
    r.client_token = "0123456789012345678901234567890123456789012345678901234"
                     "567890123456789"; /* 70 */
    CHECK_EQ_INT(run_invalid(&r), SW_E_INVALID, "client token <= 64");
    r = base_request();
    sw_ec2_tag aws = {"aws:cloudformation", "x"};
    r.tags = &aws;
    r.tag_count = 1;
    CHECK_EQ_INT(run_invalid(&r), SW_E_INVALID, "aws: tag keys refused");
    sw_ec2_tag dup[] = {{"a", "1"}, {"a", "2"}};
    r.tags = dup;
    r.tag_count = 2;
    CHECK_EQ_INT(run_invalid(&r), SW_E_INVALID, "duplicate tag key refused");
    sw_ec2_tag bad[] = {{"a", "\xc3"}};
    r.tags = bad;
    r.tag_count = 1;
    CHECK_EQ_INT(run_invalid(&r), SW_E_INVALID, "non-UTF-8 tag refused");
    r = base_request();
    r.security_group_count = 17;
    CHECK_EQ_INT(run_invalid(&r), SW_E_INVALID, "at most 16 groups");
}

/* check_terminate_body: ids in order, limits. */
static void check_terminate_body(void)
{
    const char *ids[] = {"i-0123456789abcdef0", "i-12345678"};
    sw_buf b = SW_BUF_INIT;
    const char *why = NULL;
    CHECK(!sw_ec2_terminate_body(ids, 2, &b, &why), "terminate encodes");
    CHECK_EQ_STR(b.ptr,
                 "Action=TerminateInstances&Version=2016-11-15"
                 "&InstanceId.1=i-0123456789abcdef0&InstanceId.2=i-12345678",
                 "TerminateInstances body");
    sw_buf_reset(&b);
    CHECK_EQ_INT(sw_ec2_terminate_body(ids, 0, &b, &why), SW_E_INVALID,
                 "no ids refused");
    const char *bad[] = {"i-0123456789abcdef0", "i-XYZ12345678"};
    CHECK_EQ_INT(sw_ec2_terminate_body(bad, 2, &b, &why), SW_E_INVALID,
                 "a malformed id refused");
    sw_buf_free(&b);
    CHECK(sw_ec2_instance_id_valid("i-0123456789abcdef0"), "17-digit id");
    CHECK(!sw_ec2_instance_id_valid("i-1234567"), "7 digits too short");
    CHECK(!sw_ec2_instance_id_valid("i-0123456789ABCDEF"), "uppercase no");
    CHECK(!sw_ec2_instance_id_valid("ami-12345678"), "not an instance");
}

/* check_describe: the DescribeInstances bodies (filter and ids) and the
 * answer parser (moved from jobs-api's reaper test with the code). */
static void check_describe(void)
{
    const char *ids[] = {"i-0aaaaaaaaaaaaaaaa", "i-0bbbbbbbbbbbbbbbb",
                         "i-0cccccccccccccccc"};
    sw_buf b = SW_BUF_INIT;
    CHECK(sw_ec2_describe_body(ids, 2, SW_EC2_LOOKUP_FILTER, &b, NULL) ==
                  SW_OK &&
              strcmp(b.ptr, "Action=DescribeInstances&Version=2016-11-15"
                            "&Filter.1.Name=instance-id"
                            "&Filter.1.Value.1=i-0aaaaaaaaaaaaaaaa"
                            "&Filter.1.Value.2=i-0bbbbbbbbbbbbbbbb") == 0,
          "DescribeInstances body: one instance-id filter, N values");
    sw_buf_free(&b);
    CHECK(sw_ec2_describe_body(ids, 2, SW_EC2_LOOKUP_IDS, &b, NULL) ==
                  SW_OK &&
              strcmp(b.ptr, "Action=DescribeInstances&Version=2016-11-15"
                            "&InstanceId.1=i-0aaaaaaaaaaaaaaaa"
                            "&InstanceId.2=i-0bbbbbbbbbbbbbbbb") == 0,
          "DescribeInstances body by ids: InstanceId.N");
    sw_buf_free(&b);
    const char *why = NULL;
    const char *bad[] = {"i-0aaaaaaaaaaaaaaaa", "sg-12345678"};
    CHECK(sw_ec2_describe_body(bad, 2, SW_EC2_LOOKUP_IDS, &b, &why) ==
                  SW_E_INVALID && why && b.len == 0,
          "a non-instance id -> SW_E_INVALID, why set, nothing written");
    sw_buf_free(&b);
    CHECK(sw_ec2_describe_body(ids, 0, SW_EC2_LOOKUP_FILTER, &b, NULL) ==
              SW_E_INVALID, "no id -> INVALID");
    const char *many[101];
    for (int i = 0; i < 101; i++)
        many[i] = ids[0];
    CHECK(sw_ec2_describe_body(many, 100, SW_EC2_LOOKUP_FILTER, &b, NULL) ==
              SW_OK, "100 ids (SW_EC2_DESCRIBE_MAX) -> OK");
    sw_buf_free(&b);
    CHECK(sw_ec2_describe_body(many, 101, SW_EC2_LOOKUP_FILTER, &b, NULL) ==
              SW_E_INVALID, "101 ids -> INVALID");
    sw_buf_free(&b);

    /* Two reservations; groups, tags and block devices as nested items;
     * the second instance lists its state before its id. */
    static const char xml[] =
        "<DescribeInstancesResponse><reservationSet>"
        "<item><reservationId>r-1</reservationId><instancesSet>"
        "<item><instanceId>i-0aaaaaaaaaaaaaaaa</instanceId>"
        "<instanceState><code>48</code><name>terminated</name>"
        "</instanceState><groupSet><item><groupId>sg-1</groupId>"
        "<groupName>default</groupName></item></groupSet>"
        "<tagSet><item><key>Name</key><value>x</value></item></tagSet>"
        "</item>"
        "<item><instanceState><code>16</code><name>running</name>"
        "</instanceState><tagSet><item><key>k</key><value>v</value></item>"
        "</tagSet><instanceId>i-0bbbbbbbbbbbbbbbb</instanceId></item>"
        "</instancesSet></item>"
        "<item><reservationId>r-2</reservationId><instancesSet>"
        "<item><instanceId>i-0dddddddddddddddd</instanceId><instanceState>"
        "<code>16</code><name>running</name></instanceState></item>"
        "</instancesSet></item>"
        "</reservationSet></DescribeInstancesResponse>";
    sw_ec2_instance_state st[3];
    CHECK(sw_ec2_describe_parse(SW_CURSOR_LIT(xml), ids, 3, st) == SW_OK,
          "a DescribeInstances answer parses");
    CHECK_EQ_STR(st[0].state, "terminated", "first instance: terminated");
    CHECK_EQ_STR(st[1].state, "running",
                 "second instance (state before id): running, not the "
                 "next instance's");
    CHECK_EQ_STR(st[2].state, "", "an id not in the answer: \"\" (unknown)");
    static const char empty[] =
        "<DescribeInstancesResponse><reservationSet/>"
        "</DescribeInstancesResponse>";
    CHECK(sw_ec2_describe_parse(SW_CURSOR_LIT(empty), ids, 3, st) == SW_OK &&
              !st[0].state[0] && !st[2].state[0],
          "no reservation: every id unknown");
    static const char nostate[] =
        "<instancesSet><item><instanceId>i-0aaaaaaaaaaaaaaaa</instanceId>"
        "</item></instancesSet>";
    CHECK(sw_ec2_describe_parse(SW_CURSOR_LIT(nostate), ids, 3, st) ==
              SW_E_PARSE,
          "an instance without a state -> SW_E_PARSE (never \"unknown\")");
    static const char unbalanced[] =
        "<instancesSet><item><instanceId>i-0aaaaaaaaaaaaaaaa</instanceId>"
        "<instanceState><name>running</name></instanceState>"
        "</instancesSet>";
    CHECK(sw_ec2_describe_parse(SW_CURSOR_LIT(unbalanced), ids, 3, st) ==
              SW_E_PARSE,
          "an unclosed item -> SW_E_PARSE");
}

/* check_errors: EC2's <Response><Errors><Error> shape. */
static void check_errors(void)
{
    sw_aws_error e;
    memset(&e, 0, sizeof e);
    sw_aws_parse_error(
        400, SW_CURSOR_LIT("text/xml"),
        SW_CURSOR_LIT("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>"
                      "<Errors><Error><Code>InvalidInstanceID.NotFound</Code>"
                      "<Message>The instance ID 'i-1' does not exist</Message>"
                      "</Error></Errors><RequestID>r-9</RequestID></Response>"),
        &e);
    CHECK_EQ_STR(e.code, "InvalidInstanceID.NotFound", "EC2 error code");
    CHECK_EQ_STR(e.request_id, "r-9", "EC2 RequestID");
    CHECK(!e.retryable, "NotFound is final");
    CHECK_EQ_INT(sw_aws_exit_code(SW_E_AWS, &e), SW_EXIT_BAD_INPUT,
                 "NotFound: exit 2");
    memset(&e, 0, sizeof e);
    sw_aws_parse_error(503, SW_CURSOR_LIT("text/xml"),
                       SW_CURSOR_LIT("<Response><Errors><Error><Code>"
                                     "RequestLimitExceeded</Code><Message>"
                                     "Request limit exceeded.</Message>"
                                     "</Error></Errors></Response>"),
                       &e);
    CHECK(e.throttling && e.retryable, "RequestLimitExceeded is throttling");
}

/* check_local: calls refused before any request (closed port). */
static void check_local(void)
{
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
    sw_buf ep = SW_BUF_INIT;
    unsetenv("AWS_ENDPOINT_URL");
    CHECK(!sw_aws_resolve_endpoint(&sw_ec2_service, "eu-west-1", &ep) &&
              !strcmp(ep.ptr, "https://ec2.eu-west-1.amazonaws.com"),
          "EC2's regional endpoint");
    sw_buf_free(&ep);
    sw_creds_provider *cp = NULL;
    sw_aws_client *c = NULL;
    sw_retry_policy pol = {0};
    pol.max_attempts = 1;
    sw_aws_config cfg = {.service = sw_ec2_service,
                         .region = "us-east-1",
                         .endpoint = "http://127.0.0.1:9",
                         .retry = &pol};
    if (!CHECK(!sw_creds_provider_new(NULL, &cp) &&
                   !sw_aws_client_new(&cfg, cp, &c, NULL),
               "client on a closed port"))
        return;
    sw_ec2_run_request r = base_request();
    r.client_token = "";
    char id[SW_EC2_ID_MAX];
    sw_aws_error err;
    CHECK_EQ_INT(sw_ec2_run_instance(c, &r, id, sizeof id, &err), SW_E_INVALID,
                 "run: empty token refused locally");
    CHECK_EQ_INT(err.attempts, 0, "no attempt made");
    CHECK(strstr(err.message, "client token") != NULL, "message says why");
    const char *ids[] = {"i-zz"};
    CHECK_EQ_INT(sw_ec2_terminate_instances(c, ids, 1, &err), SW_E_INVALID,
                 "terminate: bad id refused locally");
    sw_ec2_instance_state st[1];
    const char *bad_ids[] = {"x"};
    CHECK_EQ_INT(sw_ec2_describe_instances(c, bad_ids, 1, SW_EC2_LOOKUP_IDS,
                                           st, &err),
                 SW_E_INVALID, "describe: bad id refused locally");
    CHECK_EQ_INT(err.attempts, 0, "describe: no attempt made");
    /* A valid request does go out: the closed port proves it. */
    r = base_request();
    CHECK_EQ_INT(sw_ec2_run_instance(c, &r, id, sizeof id, &err),
                 SW_E_NETWORK, "a valid request is sent");
    sw_aws_client_free(c);
    sw_creds_provider_free(cp);
}

int main(void)
{
    check_base64();
    check_run_body();
    check_run_invalid();
    check_terminate_body();
    check_describe();
    check_errors();
    check_local();
    return SW_TEST_DONE();
}
