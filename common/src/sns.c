/* sns.c - SNS Publish over the AWS query protocol (see sw/sns.h).
 *
 * The request is a form-encoded POST / (Action=Publish&Version=2010-03-31
 * ..., sw_aws_query_*), the answer XML
 * (<PublishResponse><PublishResult><MessageId>..., sw_aws_xml_text).
 * Errors come back as <ErrorResponse><Error><Code>, which sw_aws_parse_error
 * reads: AuthorizationError / NotFound / InvalidParameter are final,
 * Throttling and 5xx are retried by sw_aws_send. Inputs are checked first
 * so a message SNS would refuse never costs a signed round trip. */
#include "sw/sns.h"

#include <stdio.h>
#include <string.h>

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

/* add_param: sw_aws_query_add for a C string. */
static sw_result add_param(sw_buf *b, const char *name, const char *value)
{
    return sw_aws_query_add(b, name, sw_cursor_from_cstr(value));
}

/* sw_sns_publish: checks the inputs, sends Publish, reads the MessageId.
 * Returns as described in sw/sns.h (SW_E_OVERFLOW if the id does not fit
 * message_id). */
sw_result sw_sns_publish(sw_aws_client *c, const char *topic_arn,
                         const char *subject, const char *message,
                         char *message_id, size_t id_len, sw_aws_error *err)
{
    sw_aws_error scratch;
    err = sw_aws_error_begin(err, &scratch);
    if (message_id && id_len)
        message_id[0] = '\0';
    const char *why = check_publish(topic_arn, subject, message);
    if (why)
        return sw_aws_local_error(err, SW_E_INVALID, why);
    sw_buf body = SW_BUF_INIT, out = SW_BUF_INIT;
    sw_result rc = sw_aws_query_start(&body, "Publish", "2010-03-31");
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
    rc = sw_aws_query_call(c, &body, &out, err);
    sw_buf_free(&body);
    if (rc == SW_OK)
        rc = sw_aws_xml_field(sw_cursor_from_buf(&out), NULL, "MessageId",
                              message_id, id_len,
                              "Publish answered no MessageId", err);
    sw_buf_free(&out);
    return rc;
}
