/* instances.c - DescribeInstances for a batch of ids (see instances.h). */
#include "instances.h"

#include <stdio.h>
#include <string.h>

#include "sw/ec2.h"

/* jobs_instances_body: Action, Version, one instance-id filter. */
sw_result jobs_instances_body(const char *const *ids, size_t n, sw_buf *out)
{
    if (n == 0 || n > JOBS_DESCRIBE_MAX)
        return SW_E_INVALID;
    for (size_t i = 0; i < n; i++)
        if (!sw_ec2_instance_id_valid(ids[i]))
            return SW_E_INVALID;
    sw_result rc = sw_aws_query_start(out, "DescribeInstances",
                                      SW_EC2_API_VERSION);
    if (!rc)
        rc = sw_aws_query_add(out, "Filter.1.Name",
                              sw_cursor_from_cstr("instance-id"));
    for (size_t i = 0; !rc && i < n; i++) {
        char name[48];
        snprintf(name, sizeof name, "Filter.1.Value.%zu", i + 1);
        rc = sw_aws_query_add(out, name, sw_cursor_from_cstr(ids[i]));
    }
    return rc;
}

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
                              size_t n, jobs_instance_state *out)
{
    char id[SW_EC2_ID_MAX], st[JOBS_STATE_MAX];
    if (!sw_aws_xml_text(item, "instanceId", id, sizeof id) ||
        !sw_aws_xml_text_in(item, "instanceState", "name", st, sizeof st) ||
        !st[0])
        return SW_E_PARSE;
    for (size_t i = 0; i < n; i++)
        if (strcmp(ids[i], id) == 0)
            memcpy(out[i].state, st, sizeof st);
    return SW_OK;
}

/* jobs_instances_parse: in each <instancesSet>, every top-level <item> is
 * one instance; nested <item>s (groups, tags, block devices) are counted
 * so that each instance is read from its own slice whatever the order of
 * its elements. */
sw_result jobs_instances_parse(sw_cursor xml, const char *const *ids,
                               size_t n, jobs_instance_state *out)
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

/* jobs_instances_describe: body, call, parse. */
sw_result jobs_instances_describe(sw_aws_client *c, const char *const *ids,
                                  size_t n, jobs_instance_state *out,
                                  sw_aws_error *err)
{
    sw_aws_error scratch;
    err = sw_aws_error_begin(err, &scratch);
    sw_buf body = SW_BUF_INIT, resp = SW_BUF_INIT;
    sw_result rc = jobs_instances_body(ids, n, &body);
    if (rc) {
        sw_buf_free(&body);
        return sw_aws_local_error(err, rc, rc == SW_E_INVALID
                                  ? "DescribeInstances: 1 to 100 instance "
                                    "ids (i-...) per call"
                                  : "out of memory");
    }
    rc = sw_aws_query_call(c, &body, &resp, err);
    sw_buf_free(&body);
    if (rc == SW_OK) {
        rc = jobs_instances_parse(sw_cursor_from_buf(&resp), ids, n, out);
        if (rc)
            sw_aws_local_error(err, rc, "DescribeInstances: an instance "
                               "without a state in the answer");
    }
    sw_buf_free(&resp);
    return rc;
}

/* jobs_instance_gone: the states that mean no job runs there any more. */
bool jobs_instance_gone(const char *state)
{
    static const char *const gone[] = {"", "shutting-down", "terminated",
                                       "stopping", "stopped"};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
        if (strcmp(state, gone[i]) == 0)
            return true;
    return false;
}
