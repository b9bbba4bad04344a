/* ec2.c - EC2 RunInstances / TerminateInstances / DescribeInstances over
 * the query protocol (see sw/ec2.h).
 *
 * Requests are form bodies (Action=...&Version=2016-11-15&Name.N=...),
 * each value in the AWS URI encoding (RFC 3986 unreserved kept) with a
 * space as '+', which is what botocore sends and what moto re-encodes to
 * check a signature (sw_aws_query_add). Answers are XML in EC2's own shape
 * (<RunInstancesResponse><instancesSet><item><instanceId>...), read with
 * sw_aws_xml_text_in for the few elements we need; errors go through
 * sw_aws_parse_error (<Response><Errors><Error><Code>...<RequestID>). */
#include "sw/ec2.h"

#include <stdio.h>
#include <string.h>


const sw_aws_service sw_ec2_service = {
    "ec2", /* signing name */
    "ec2", /* endpoint prefix */
    "EC2", /* AWS_ENDPOINT_URL_EC2 */
    0,
};

#define EC2_TEXT_MAX 256u   /* ami, type, subnet, group, profile name */
#define EC2_ARN_MAX 2048u
#define EC2_TAG_KEY_MAX 128u
#define EC2_TAG_VALUE_MAX 256u

/* ---- encoding ---------------------------------------------------------- */

/* sw_ec2_base64_encode: RFC 4648 base64 with padding (see sw/ec2.h). */
sw_result sw_ec2_base64_encode(sw_buf *out, sw_cursor in)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    sw_result rc = sw_buf_reserve(out, (in.len + 2) / 3 * 4);
    if (rc)
        return rc;
    const unsigned char *p = (const unsigned char *)in.ptr;
    size_t i = 0;
    char *o = out->ptr + out->len;
    for (; in.len - i >= 3; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        *o++ = tab[v >> 18];
        *o++ = tab[(v >> 12) & 63];
        *o++ = tab[(v >> 6) & 63];
        *o++ = tab[v & 63];
    }
    if (in.len - i == 1) {
        unsigned v = (unsigned)p[i] << 16;
        *o++ = tab[v >> 18];
        *o++ = tab[(v >> 12) & 63];
        *o++ = '=';
        *o++ = '=';
    } else if (in.len - i == 2) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
        *o++ = tab[v >> 18];
        *o++ = tab[(v >> 12) & 63];
        *o++ = tab[(v >> 6) & 63];
        *o++ = '=';
    }
    out->len = (size_t)(o - out->ptr);
    out->ptr[out->len] = '\0';
    return SW_OK;
}

/* add_param: sw_aws_query_add for a C string. */
static sw_result add_param(sw_buf *b, const char *name, const char *value)
{
    return sw_aws_query_add(b, name, sw_cursor_from_cstr(value));
}

/* ---- checks ------------------------------------------------------------ */

/* printable_word: 1..max printable ASCII characters without spaces.
 * Returns 1 when s is one. */
static int printable_word(const char *s, size_t max)
{
    if (!s || !s[0])
        return 0;
    size_t n = strlen(s);
    if (n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
            return 0;
    return 1;
}

/* sw_ec2_instance_id_valid: "i-" and 8..32 lowercase hex digits. */
int sw_ec2_instance_id_valid(const char *id)
{
    if (!id || strncmp(id, "i-", 2) != 0)
        return 0;
    size_t n = strlen(id + 2);
    if (n < 8 || n > 32)
        return 0;
    for (const char *p = id + 2; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    return 1;
}

/* check_tag: EC2's tag rules. Returns NULL or a static line. */
static const char *check_tag(const sw_ec2_tag *t)
{
    if (!t->key || !t->key[0] || strlen(t->key) > EC2_TAG_KEY_MAX)
        return "a tag key must be 1 to 128 characters";
    if (strncmp(t->key, "aws:", 4) == 0)
        return "a tag key may not start with aws: (reserved by AWS)";
    if (!sw_utf8_valid(sw_cursor_from_cstr(t->key)))
        return "a tag key is not valid UTF-8";
    const char *v = t->value ? t->value : "";
    if (strlen(v) > EC2_TAG_VALUE_MAX)
        return "a tag value must be at most 256 characters";
    if (!sw_utf8_valid(sw_cursor_from_cstr(v)))
        return "a tag value is not valid UTF-8";
    return NULL;
}

/* check_run: every RunInstances limit known locally. Returns NULL when req
 * is valid, else a static line saying why not. */
static const char *check_run(const sw_ec2_run_request *req)
{
    if (!printable_word(req->image_id, EC2_TEXT_MAX) ||
        strncmp(req->image_id, "ami-", 4) != 0)
        return "the image id must be ami-... (printable, no spaces)";
    if (!printable_word(req->instance_type, EC2_TEXT_MAX))
        return "the instance type is empty, too long or not printable";
    if (req->instance_profile) {
        size_t max = strncmp(req->instance_profile, "arn:", 4) == 0
                         ? EC2_ARN_MAX
                         : EC2_TEXT_MAX;
        if (!printable_word(req->instance_profile, max))
            return "the instance profile is empty, too long or not "
                   "printable";
    }
    if (req->user_data.len > SW_EC2_USER_DATA_MAX)
        return "user data is longer than 16 KiB";
    if (req->user_data.len && !req->user_data.ptr)
        return "user data has a length but no bytes";
    if (req->subnet_id && !printable_word(req->subnet_id, EC2_TEXT_MAX))
        return "the subnet id is empty, too long or not printable";
    if (req->security_group_count > SW_EC2_SECURITY_GROUPS_MAX)
        return "at most 16 security groups";
    if (req->security_group_count && !req->security_group_ids)
        return "security_group_ids is NULL but its count is not 0";
    for (size_t i = 0; i < req->security_group_count; i++)
        if (!printable_word(req->security_group_ids[i], EC2_TEXT_MAX))
            return "a security group id is empty, too long or not printable";
    if (req->tag_count > SW_EC2_TAGS_MAX)
        return "at most 50 tags";
    if (req->tag_count && !req->tags)
        return "tags is NULL but tag_count is not 0";
    for (size_t i = 0; i < req->tag_count; i++) {
        const char *why = check_tag(&req->tags[i]);
        if (why)
            return why;
        for (size_t k = 0; k < i; k++)
            if (strcmp(req->tags[k].key, req->tags[i].key) == 0)
                return "a tag key is given twice";
    }
    if (!printable_word(req->client_token, SW_EC2_CLIENT_TOKEN_MAX))
        return "the client token must be 1 to 64 printable ASCII characters";
    return NULL;
}

/* ---- request bodies ---------------------------------------------------- */

/* sw_ec2_run_instances_body: see sw/ec2.h. Parameters go in a fixed order
 * so the body is reproducible (tests compare it byte for byte). */
sw_result sw_ec2_run_instances_body(const sw_ec2_run_request *req,
                                    sw_buf *out, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    if ((*why = check_run(req)) != NULL)
        return SW_E_INVALID;
    char name[64];
    sw_buf b64 = SW_BUF_INIT;
    sw_result rc = sw_aws_query_start(out, "RunInstances",
                                      SW_EC2_API_VERSION);
    if (!rc)
        rc = add_param(out, "ImageId", req->image_id);
    if (!rc)
        rc = add_param(out, "InstanceType", req->instance_type);
    if (!rc)
        rc = add_param(out, "MinCount", "1");
    if (!rc)
        rc = add_param(out, "MaxCount", "1");
    if (!rc)
        rc = add_param(out, "ClientToken", req->client_token);
    if (!rc && req->instance_profile)
        rc = add_param(out,
                       strncmp(req->instance_profile, "arn:", 4) == 0
                           ? "IamInstanceProfile.Arn"
                           : "IamInstanceProfile.Name",
                       req->instance_profile);
    if (!rc)
        rc = add_param(out, "InstanceMarketOptions.MarketType", "spot");
    if (!rc)
        rc = add_param(out,
                       "InstanceMarketOptions.SpotOptions.SpotInstanceType",
                       "one-time");
    if (!rc)
        rc = add_param(out, "InstanceMarketOptions.SpotOptions."
                            "InstanceInterruptionBehavior",
                       "terminate");
    if (!rc)
        rc = add_param(out, "InstanceInitiatedShutdownBehavior", "terminate");
    if (!rc)
        rc = add_param(out, "MetadataOptions.HttpTokens", "required");
    if (!rc)
        rc = add_param(out, "MetadataOptions.HttpEndpoint", "enabled");
    if (!rc)
        rc = add_param(out, "MetadataOptions.HttpPutResponseHopLimit", "1");
    if (!rc && req->subnet_id)
        rc = add_param(out, "SubnetId", req->subnet_id);
    for (size_t i = 0; !rc && i < req->security_group_count; i++) {
        snprintf(name, sizeof name, "SecurityGroupId.%zu", i + 1);
        rc = add_param(out, name, req->security_group_ids[i]);
    }
    if (!rc && req->tag_count)
        rc = add_param(out, "TagSpecification.1.ResourceType", "instance");
    for (size_t i = 0; !rc && i < req->tag_count; i++) {
        snprintf(name, sizeof name, "TagSpecification.1.Tag.%zu.Key", i + 1);
        rc = add_param(out, name, req->tags[i].key);
        snprintf(name, sizeof name, "TagSpecification.1.Tag.%zu.Value",
                 i + 1);
        if (!rc)
            rc = add_param(out, name,
                           req->tags[i].value ? req->tags[i].value : "");
    }
    if (!rc && req->user_data.len) {
        rc = sw_ec2_base64_encode(&b64, req->user_data);
        if (!rc)
            rc = sw_aws_query_add(out, "UserData",
                                  sw_cursor_from_buf(&b64));
    }
    sw_buf_free(&b64);
    if (rc)
        *why = "out of memory";
    return rc;
}

/* ids_body: an `action` body for n instance ids (1 to max, each
 * sw_ec2_instance_id_valid) into out: InstanceId.N, or with filter set,
 * one filter of that name and the ids as its values. Returns SW_OK,
 * SW_E_INVALID (*why: count_why, or the bad id line) or SW_E_NOMEM. */
static sw_result ids_body(const char *action, const char *filter,
                          const char *const *ids, size_t n, size_t max,
                          const char *count_why, sw_buf *out,
                          const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    *why = NULL;
    if (n == 0 || n > max || !ids) {
        *why = count_why;
        return SW_E_INVALID;
    }
    for (size_t i = 0; i < n; i++)
        if (!sw_ec2_instance_id_valid(ids[i])) {
            *why = "an instance id is not i- and 8 to 32 hex digits";
            return SW_E_INVALID;
        }
    char name[48];
    sw_result rc = sw_aws_query_start(out, action, SW_EC2_API_VERSION);
    if (!rc && filter)
        rc = add_param(out, "Filter.1.Name", filter);
    for (size_t i = 0; !rc && i < n; i++) {
        if (filter)
            snprintf(name, sizeof name, "Filter.1.Value.%zu", i + 1);
        else
            snprintf(name, sizeof name, "InstanceId.%zu", i + 1);
        rc = add_param(out, name, ids[i]);
    }
    if (rc)
        *why = "out of memory";
    return rc;
}

/* sw_ec2_terminate_body: see sw/ec2.h. */
sw_result sw_ec2_terminate_body(const char *const *ids, size_t n, sw_buf *out,
                                const char **why)
{
    return ids_body("TerminateInstances", NULL, ids, n, SW_EC2_TERMINATE_MAX,
                    "TerminateInstances takes 1 to 1000 instance ids", out,
                    why);
}

/* sw_ec2_describe_body: see sw/ec2.h. */
sw_result sw_ec2_describe_body(const char *const *ids, size_t n,
                               sw_ec2_lookup how, sw_buf *out,
                               const char **why)
{
    return ids_body("DescribeInstances",
                    how == SW_EC2_LOOKUP_FILTER ? "instance-id" : NULL, ids,
                    n, SW_EC2_DESCRIBE_MAX,
                    "DescribeInstances takes 1 to 100 instance ids", out, why);
}

/* ---- answers ----------------------------------------------------------- */

/* find: the offset of needle in c from `from` up to `to`, or `to`. */
static size_t find(sw_cursor c, size_t from, size_t to, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = from; i + k <= to; i++)
        if (memcmp(c.ptr + i, needle, k) == 0)
            return i;
    return to;
}

/* one_instance: the id and state of one instance's <item> slice into the
 * out[] entry of its id (ids not asked for are ignored). SW_E_PARSE when
 * the slice has no id or no state. */
static sw_result one_instance(sw_cursor item, const char *const *ids,
                              size_t n, sw_ec2_instance_state *out)
{
    char id[SW_EC2_ID_MAX], st[SW_EC2_STATE_MAX];
    if (!sw_aws_xml_text(item, "instanceId", id, sizeof id) ||
        !sw_aws_xml_text_in(item, "instanceState", "name", st, sizeof st) ||
        !st[0])
        return SW_E_PARSE;
    for (size_t i = 0; i < n; i++)
        if (strcmp(ids[i], id) == 0)
            memcpy(out[i].state, st, sizeof st);
    return SW_OK;
}

/* sw_ec2_describe_parse: in each <instancesSet>, every top-level <item> is
 * one instance; nested <item>s (groups, tags, block devices) are counted
 * so that each instance is read from its own slice whatever the order of
 * its elements. */
sw_result sw_ec2_describe_parse(sw_cursor xml, const char *const *ids,
                                size_t n, sw_ec2_instance_state *out)
{
    static const char set_open[] = "<instancesSet>",
                      set_close[] = "</instancesSet>";
    for (size_t i = 0; i < n; i++)
        out[i].state[0] = '\0';
    size_t at = find(xml, 0, xml.len, set_open);
    while (at < xml.len) {
        size_t end = find(xml, at, xml.len, set_close);
        if (end == xml.len)
            return SW_E_PARSE;
        size_t p = at + sizeof set_open - 1, item = 0;
        int depth = 0;
        while (p < end) {
            size_t o = find(xml, p, end, "<item>");
            size_t c = find(xml, p, end, "</item>");
            if (o == end && c == end)
                break;
            if (o < c) {
                if (depth++ == 0)
                    item = o;
                p = o + 6;
            } else {
                if (depth == 0)
                    return SW_E_PARSE;
                p = c + 7;
                if (--depth == 0) {
                    sw_cursor one = {xml.ptr + item, p - item};
                    if (one_instance(one, ids, n, out))
                        return SW_E_PARSE;
                }
            }
        }
        if (depth != 0)
            return SW_E_PARSE;
        at = find(xml, end, xml.len, set_open);
    }
    return SW_OK;
}

/* ---- calls ------------------------------------------------------------- */

/* sw_ec2_run_instance: checks, sends RunInstances, reads the instance id.
 * Returns as described in sw/ec2.h. */
sw_result sw_ec2_run_instance(sw_aws_client *c, const sw_ec2_run_request *req,
                              char *instance_id, size_t id_len,
                              sw_aws_error *err)
{
    sw_aws_error scratch;
    err = sw_aws_error_begin(err, &scratch);
    if (instance_id && id_len)
        instance_id[0] = '\0';
    sw_buf body = SW_BUF_INIT, out = SW_BUF_INIT;
    const char *why;
    sw_result rc = sw_ec2_run_instances_body(req, &body, &why);
    if (rc) {
        sw_buf_free(&body);
        return sw_aws_local_error(err, rc, why);
    }
    rc = sw_aws_query_call(c, &body, &out, err);
    sw_buf_free(&body);
    if (rc == SW_OK)
        rc = sw_aws_xml_field(sw_cursor_from_buf(&out), "instancesSet",
                              "instanceId", instance_id, id_len,
                              "RunInstances answered no instanceId", err);
    sw_buf_free(&out);
    return rc;
}

/* sw_ec2_terminate_instances: checks and sends TerminateInstances. */
sw_result sw_ec2_terminate_instances(sw_aws_client *c, const char *const *ids,
                                     size_t n, sw_aws_error *err)
{
    sw_aws_error scratch;
    err = sw_aws_error_begin(err, &scratch);
    sw_buf body = SW_BUF_INIT, out = SW_BUF_INIT;
    const char *why;
    sw_result rc = sw_ec2_terminate_body(ids, n, &body, &why);
    if (rc) {
        sw_buf_free(&body);
        return sw_aws_local_error(err, rc, why);
    }
    rc = sw_aws_query_call(c, &body, &out, err);
    sw_buf_free(&body);
    sw_buf_free(&out);
    return rc;
}

/* sw_ec2_describe_instances: body, call, parse (see sw/ec2.h). */
sw_result sw_ec2_describe_instances(sw_aws_client *c, const char *const *ids,
                                    size_t n, sw_ec2_lookup how,
                                    sw_ec2_instance_state *out,
                                    sw_aws_error *err)
{
    sw_aws_error scratch;
    err = sw_aws_error_begin(err, &scratch);
    sw_buf body = SW_BUF_INIT, resp = SW_BUF_INIT;
    const char *why;
    sw_result rc = sw_ec2_describe_body(ids, n, how, &body, &why);
    if (rc) {
        sw_buf_free(&body);
        return sw_aws_local_error(err, rc, why);
    }
    rc = sw_aws_query_call(c, &body, &resp, err);
    sw_buf_free(&body);
    if (rc == SW_OK) {
        rc = sw_ec2_describe_parse(sw_cursor_from_buf(&resp), ids, n, out);
        if (rc)
            sw_aws_local_error(err, rc, "DescribeInstances: an instance "
                               "without a state in the answer");
    }
    sw_buf_free(&resp);
    return rc;
}
