/* test_aws_query.c - the shared AWS query-protocol form encoding
 * (sw_aws_query_start / sw_aws_query_add) and the XML readers
 * (sw_aws_xml_text_in / sw_aws_xml_field) that SNS and EC2 both use. */
#include <stdlib.h>

#include "sw/aws.h"
#include "sw_test.h"

/* enc: the form "Action=A&Version=V&<name>=<value>" for a value of n
 * bytes, as a static string ("" on error). */
static const char *enc(const char *name, const char *value, size_t n)
{
    static char out[1024];
    sw_buf b = SW_BUF_INIT;
    sw_result rc = sw_aws_query_start(&b, "A", "V");
    if (!rc)
        rc = sw_aws_query_add(&b, name, sw_cursor_from_mem(value, n));
    snprintf(out, sizeof out, "%s", rc ? "" : b.ptr);
    sw_buf_free(&b);
    return out;
}

/* field: sw_aws_xml_field into a buffer of cap bytes; returns its result
 * and copies the text (or the error message) to a static string. */
static sw_result field(const char *xml, const char *parent, const char *name,
                       size_t cap, const char **text)
{
    static char out[512];
    char *dst = malloc(cap ? cap : 1);
    sw_aws_error err;
    memset(&err, 0, sizeof err);
    sw_result rc = sw_aws_xml_field(sw_cursor_from_cstr(xml), parent, name,
                                    dst, cap, "missing!", &err);
    snprintf(out, sizeof out, "%s", rc ? err.message : dst);
    free(dst);
    *text = out;
    return rc;
}

int main(void)
{
    /* Encoding: what botocore sends (urlencode of the AWS URI encoding):
     * unreserved kept, space '+', '+' and '%' and '/' escaped, UTF-8 as
     * uppercase %XX, control and NUL bytes escaped. */
    static const struct {
        const char *name, *value;
        size_t len;
        const char *want, *what;
    } cases[] = {
        {"Message", "Az09-_.~", 8, "Action=A&Version=V&Message=Az09-_.~",
         "unreserved characters kept as they are"},
        {"Message", "a b+c%20d", 9, "Action=A&Version=V&Message=a+b%2Bc%2520d",
         "space is '+', a literal '+' and '%20' are escaped"},
        {"Message", "x/y=z&w", 7, "Action=A&Version=V&Message=x%2Fy%3Dz%26w",
         "'/', '=' and '&' escaped"},
        {"Subject", "caf\xc3\xa9\n\t", 7,
         "Action=A&Version=V&Subject=caf%C3%A9%0A%09",
         "UTF-8 and control bytes as uppercase %XX"},
        {"M", "a\0b", 3, "Action=A&Version=V&M=a%00b",
         "a NUL byte inside the cursor is encoded, not a terminator"},
        {"Empty", "", 0, "Action=A&Version=V&Empty=",
         "an empty value gives name="},
        {"M", "  ", 2, "Action=A&Version=V&M=++", "two spaces, two '+'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK_EQ_STR(enc(cases[i].name, cases[i].value, cases[i].len),
                     cases[i].want, cases[i].what);

    /* The same body byte for byte as the one sw_sns_publish has always
     * sent (its signature in test_batch's moto run depends on it). */
    sw_buf b = SW_BUF_INIT;
    CHECK(sw_aws_query_start(&b, "Publish", "2010-03-31") == SW_OK &&
              sw_aws_query_add(&b, "TopicArn", sw_cursor_from_cstr(
                                   "arn:aws:sns:us-east-1:1:t")) == SW_OK,
          "query built");
    CHECK_EQ_STR(b.ptr,
                 "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns"
                 "%3Aus-east-1%3A1%3At",
                 "Publish body: ':' escaped as %3A");
    sw_buf_free(&b);

    /* XML: the first element after a parent, entities decoded. */
    const char *run =
        "<RunInstancesResponse><reservationId>r-1</reservationId>"
        "<ownerId>1</ownerId><groupSet/><instancesSet><item>"
        "<instanceId>i-0123456789abcdef0</instanceId>"
        "<instanceState><code>0</code><name>pending</name></instanceState>"
        "<tagSet><item><key>k</key><value>a&amp;b</value></item></tagSet>"
        "</item></instancesSet></RunInstancesResponse>";
    char t[64];
    CHECK(sw_aws_xml_text_in(sw_cursor_from_cstr(run), "instancesSet",
                             "instanceId", t, sizeof t) &&
              strcmp(t, "i-0123456789abcdef0") == 0,
          "xml_text_in: instanceId inside instancesSet");
    CHECK(sw_aws_xml_text_in(sw_cursor_from_cstr(run), "tagSet", "value", t,
                             sizeof t) && strcmp(t, "a&b") == 0,
          "xml_text_in: &amp; decoded");
    CHECK(!sw_aws_xml_text_in(sw_cursor_from_cstr(run), "nope", "name", t,
                              sizeof t) && t[0] == '\0',
          "xml_text_in: absent parent gives false and an empty string");
    CHECK(sw_aws_xml_text_in(sw_cursor_from_cstr(run), NULL, "reservationId",
                             t, sizeof t) && strcmp(t, "r-1") == 0,
          "xml_text_in: NULL parent searches from the start");
    CHECK(!sw_aws_xml_text_in(sw_cursor_from_cstr(run), NULL, "instanceId",
                              t, 5) && strcmp(t, "i-01") == 0,
          "xml_text_in: too small a buffer gives false and a truncation");

    const char *txt;
    CHECK_EQ_INT(field(run, "instanceState", "name", 16, &txt), SW_OK,
                 "field: instance state read");
    CHECK_EQ_STR(txt, "pending", "field: <name> under instanceState, not "
                                 "an earlier element");
    CHECK_EQ_INT(field(run, "instancesSet", "instanceId", 19, &txt),
                 SW_E_OVERFLOW, "field: 19 bytes for a 19-char id overflow");
    CHECK_EQ_INT(field(run, "instancesSet", "instanceId", 20, &txt), SW_OK,
                 "field: 20 bytes fit a 19-char id and its NUL");
    CHECK_EQ_INT(field(run, "instancesSet", "missing", 20, &txt), SW_E_PARSE,
                 "field: absent element is a parse error");
    CHECK_EQ_STR(txt, "missing!", "field: err carries the caller's line");
    CHECK_EQ_INT(field("<a><MessageId>  </MessageId></a>", NULL, "MessageId",
                       40, &txt),
                 SW_E_PARSE, "field: a blank element counts as missing");
    CHECK_EQ_INT(field("<a><MessageId> m-1\t</MessageId></a>", NULL,
                       "MessageId", 40, &txt),
                 SW_OK, "field: padded value read");
    CHECK_EQ_STR(txt, "m-1", "field: surrounding spaces and tabs trimmed");
    CHECK_EQ_INT(field("<a><MessageId>x<b/></MessageId></a>", NULL,
                       "MessageId", 40, &txt),
                 SW_E_PARSE, "field: nested element is not a text value");
    CHECK_EQ_INT(field("<a><MessageId>unterminated", NULL, "MessageId", 40,
                       &txt),
                 SW_E_PARSE, "field: unterminated element is missing");
    CHECK_EQ_INT(sw_aws_xml_field(sw_cursor_from_cstr(run), NULL,
                                  "reservationId", NULL, 0, "m", NULL),
                 SW_OK, "field: dst NULL only checks presence");
    CHECK_EQ_INT(sw_aws_xml_field(sw_cursor_from_mem(NULL, 0), NULL, "x",
                                  NULL, 0, "m", NULL),
                 SW_E_PARSE, "field: an empty answer is missing, no crash");
    return SW_TEST_DONE();
}
