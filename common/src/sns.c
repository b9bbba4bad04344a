/* sns.c - SNS Publish over the AWS query protocol (see sw/sns.h).
 *
 * The request is a form-encoded POST / (Action=Publish&Version=2010-03-31
 * ...), the answer XML (<PublishResponse><PublishResult><MessageId>...).
 * Errors come back as <ErrorResponse><Error><Code>, which sw_aws_parse_error
 * reads: AuthorizationError / NotFound / InvalidParameter are final,
 * Throttling and 5xx are retried by sw_aws_send. Inputs are checked first
 * so a message SNS would refuse never costs a signed round trip. */
#include "sw/sns.h"

#include <stdio.h>
#include <string.h>

#include "sw/sigv4.h"

const sw_aws_service sw_sns_service = {
    "sns", /* signing name */
    "sns", /* endpoint prefix */
    "SNS", /* AWS_ENDPOINT_URL_SNS */
    0,
};

#define SNS_MESSAGE_MAX (256u * 1024u) /* bytes, UTF-8 */
#define SNS_SUBJECT_MAX 100u
#define SNS_ARN_MAX 1024u

/* check_publish: SNS's limits on Publish's inputs. Returns NULL when they
 * hold, else a static line saying why not. */
static const char *check_publish(const char *topic_arn, const char *subject,
                                 const char *message)
{
    if (!topic_arn || strncmp(topic_arn, "arn:", 4) != 0 ||
        strlen(topic_arn) > SNS_ARN_MAX)
        return "the topic must be an ARN (arn:aws:sns:REGION:ACCOUNT:NAME)";
    for (const char *p = topic_arn; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
            return "the topic ARN has spaces or non-ASCII bytes";
    if (!message || !message[0])
        return "the message is empty";
    size_t n = strlen(message);
    if (n > SNS_MESSAGE_MAX)
        return "the message is longer than 256 KiB";
    if (memchr(message, '\0', n) ||
        !sw_utf8_valid(sw_cursor_from_mem(message, n)))
        return "the message is not valid UTF-8";
    if (subject) {
        size_t sl = strlen(subject);
        if (sl == 0 || sl > SNS_SUBJECT_MAX)
            return "the subject must be 1 to 100 characters";
        for (size_t i = 0; i < sl; i++)
            if ((unsigned char)subject[i] < ' ' ||
                (unsigned char)subject[i] > '~')
                return "the subject must be printable ASCII without line "
                       "breaks";
    }
    return NULL;
}

/* add_param: appends "&name=" and the form-encoded value: the AWS URI
 * encoding with a space as '+', as botocore (urlencode) sends it; moto
 * re-encodes the parsed form that way to check signatures. A "%20" in the
 * encoded text can only come from a space, since '%' itself becomes "%25".
 * Returns SW_OK or SW_E_NOMEM. */
static sw_result add_param(sw_buf *b, const char *name, const char *value)
{
    sw_result rc = sw_buf_appendf(b, "&%s=", name);
    size_t start = b->len;
    if (!rc)
        rc = sw_uri_encode(b, sw_cursor_from_cstr(value), 0);
    if (rc)
        return rc;
    size_t o = start;
    for (size_t i = start; i < b->len; o++) {
        if (b->len - i >= 3 && memcmp(b->ptr + i, "%20", 3) == 0) {
            b->ptr[o] = '+';
            i += 3;
        } else {
            b->ptr[o] = b->ptr[i++];
        }
    }
    b->len = o;
    b->ptr[o] = '\0';
    return SW_OK;
}

/* find_bytes: the first occurrence of needle (nl bytes) in hay (hl bytes),
 * or NULL. (memmem is a GNU extension, not in C11 or POSIX.) */
static const char *find_bytes(const char *hay, size_t hl, const char *needle,
                              size_t nl)
{
    for (size_t i = 0; nl <= hl && i <= hl - nl; i++)
        if (memcmp(hay + i, needle, nl) == 0)
            return hay + i;
    return NULL;
}

/* find_element: the text between <name> and </name> in body, or 0 when
 * absent. The answer is flat around MessageId, so a search is enough. */
static int find_element(sw_cursor body, const char *name, sw_cursor *out)
{
    char open[40], close[40];
    snprintf(open, sizeof open, "<%s>", name);
    snprintf(close, sizeof close, "</%s>", name);
    if (!body.ptr)
        return 0;
    const char *s = find_bytes(body.ptr, body.len, open, strlen(open));
    if (!s)
        return 0;
    s += strlen(open);
    size_t rest = body.len - (size_t)(s - body.ptr);
    const char *e = find_bytes(s, rest, close, strlen(close));
    if (!e)
        return 0;
    *out = sw_cursor_trim(sw_cursor_from_mem(s, (size_t)(e - s)));
    return 1;
}

/* sw_sns_publish: checks the inputs, sends Publish, reads the MessageId.
 * Returns as described in sw/sns.h (SW_E_OVERFLOW if the id does not fit
 * message_id). */
sw_result sw_sns_publish(sw_aws_client *c, const char *topic_arn,
                         const char *subject, const char *message,
                         char *message_id, size_t id_len, sw_aws_error *err)
{
    sw_aws_error scratch;
    if (!err)
        err = &scratch;
    memset(err, 0, sizeof(*err));
    if (message_id && id_len)
        message_id[0] = '\0';
    const char *why = check_publish(topic_arn, subject, message);
    if (why)
        return sw_aws_local_error(err, SW_E_INVALID, why);
    sw_buf body = SW_BUF_INIT, out = SW_BUF_INIT;
    sw_result rc = sw_buf_append_cstr(&body, "Action=Publish");
    if (!rc)
        rc = add_param(&body, "Version", "2010-03-31");
    if (!rc)
        rc = add_param(&body, "TopicArn", topic_arn);
    if (!rc)
        rc = add_param(&body, "Message", message);
    if (!rc && subject)
        rc = add_param(&body, "Subject", subject);
    if (rc) {
        sw_buf_free(&body);
        return sw_aws_local_error(err, rc, "out of memory");
    }
    sw_http_header h[] = {
        {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    sw_aws_request req = {.method = "POST",
                          .path = "/",
                          .headers = h,
                          .header_count = 1,
                          .body = sw_cursor_from_buf(&body)};
    rc = sw_aws_send(c, &req, &out, err);
    sw_buf_free(&body);
    if (rc == SW_OK) {
        sw_cursor id;
        if (!find_element(sw_cursor_from_buf(&out), "MessageId", &id) ||
            id.len == 0)
            rc = sw_aws_local_error(err, SW_E_PARSE, "Publish answered no MessageId");
        else if (message_id && id.len >= id_len)
            rc = sw_aws_local_error(err, SW_E_OVERFLOW,
                                    "the MessageId does not fit the "
                                    "caller's buffer");
        else if (message_id) {
            memcpy(message_id, id.ptr, id.len);
            message_id[id.len] = '\0';
        }
    }
    sw_buf_free(&out);
    return rc;
}
