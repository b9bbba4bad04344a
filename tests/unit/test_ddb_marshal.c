/* test_ddb_marshal.c - attribute-value marshalling and DynamoDB number
 * handling (sw/dynamodb.h), no network. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sw/dynamodb.h"
#include "sw_test.h"

/* n_text: the N text of a marshalled number, or NULL. */
static const char *n_text(const cJSON *av)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(av, "N");
    return cJSON_IsString(n) ? n->valuestring : NULL;
}

/* print: the unformatted JSON of o in a static buffer ("(null)" for NULL). */
static const char *print(const cJSON *o)
{
    static char out[4096];
    char *s = o ? cJSON_PrintUnformatted(o) : NULL;
    snprintf(out, sizeof(out), "%s", s ? s : "(null)");
    cJSON_free(s);
    return out;
}

static void test_number_syntax(void)
{
    static const char *const good[] = {
        "0", "-1", "+3", "1.50", "12345678901234567890.123456789", ".5", "5.",
        "1e125", "1E+125", "9.9999999999999999999999999999999999999E+125",
        "1E-130", "-1e-130", "0e999999999", "0.000",
        /* 42 digits but one significant: 1e41 */
        "100000000000000000000000000000000000000000",
        /* leading zeros are not significant */
        "0000000000000000000000000000000000000000000000001",
        /* exactly 38 significant digits */
        "12345678901234567890123456789012345678",
    };
    static const char *const bad[] = {
        "", "-", "+", ".", "abc", "1e", "1e+", "1.2.3", " 1", "1 ", "1e126",
        "10e125", "1E-131", "0.1e-130", "NaN", "Infinity", "0x10", "1,5",
        "--1", "1e1.5",
        /* 39 significant digits */
        "123456789012345678901234567890123456789",
        "1.23456789012345678901234567890123456789",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        cJSON *n = sw_ddb_number(good[i]);
        char what[160];
        snprintf(what, sizeof(what), "number '%s' accepted, text kept",
                 good[i]);
        CHECK_EQ_STR(n_text(n), good[i], what);
        cJSON_Delete(n);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cJSON *n = sw_ddb_number(bad[i]);
        char what[160];
        snprintf(what, sizeof(what), "number '%s' rejected", bad[i]);
        CHECK(n == NULL, what);
        cJSON_Delete(n);
    }
    CHECK(sw_ddb_number(NULL) == NULL, "number NULL rejected");
}

/* marshal_num: the N text marshal gives a double, in a static buffer. */
static const char *marshal_num(double v)
{
    static char out[64];
    cJSON *plain = cJSON_CreateNumber(v), *av = sw_ddb_marshal(plain);
    snprintf(out, sizeof(out), "%s", n_text(av) ? n_text(av) : "(null)");
    cJSON_Delete(plain);
    cJSON_Delete(av);
    return out;
}

static void test_marshal_numbers(void)
{
    CHECK_EQ_STR(marshal_num(0.1), "0.1", "0.1 -> shortest text");
    CHECK_EQ_STR(marshal_num(1.5), "1.5", "1.5");
    CHECK_EQ_STR(marshal_num(3), "3", "3 is an integer text");
    CHECK_EQ_STR(marshal_num(-42), "-42", "negative integer");
    CHECK_EQ_STR(marshal_num(0.1 + 0.2), "0.30000000000000004",
                 "0.1+0.2 needs 17 digits to round-trip");
    CHECK_EQ_STR(marshal_num(1e20), "1e+20", "1e20 keeps exponent form");
    CHECK_EQ_STR(marshal_num(-0.0), "0", "negative zero becomes 0");
    CHECK_EQ_STR(marshal_num(9007199254740993.0), "9007199254740992",
                 "2^53+1 as a double is 2^53");
    CHECK_EQ_STR(marshal_num(1e300), "(null)", "1e300 out of DynamoDB range");
    CHECK_EQ_STR(marshal_num(1e-200), "(null)",
                 "1e-200 out of DynamoDB range");
    CHECK_EQ_STR(marshal_num(INFINITY), "(null)", "infinity rejected");
    CHECK_EQ_STR(marshal_num(NAN), "(null)", "NaN rejected");

    /* Property: for many doubles the text reads back as the same double and
     * never has more than 17 significant digits. */
    uint64_t s = 0x123456789abcdefULL;
    int bad_roundtrip = 0, too_long = 0;
    for (int i = 0; i < 20000; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        double mant = (double)(s >> 11) / 9007199254740992.0;
        int ex = (int)(s % 200) - 100;
        double v = (s & 1 ? -1 : 1) * mant;
        for (int k = 0; k < ex; k++) /* no libm: the host link has no -lm */
            v *= 10;
        for (int k = 0; k > ex; k--)
            v /= 10;
        const char *t = marshal_num(v);
        if (strcmp(t, "(null)") == 0 || strtod(t, NULL) != v)
            bad_roundtrip++;
        size_t digits = 0;
        int seen = 0; /* leading zeros ("0.001") are not significant */
        for (const char *p = t; *p && *p != 'e'; p++)
            if (*p >= '1' && *p <= '9')
                seen = 1, digits++;
            else if (*p == '0' && seen)
                digits++;
        if (digits > 17)
            too_long++;
    }
    CHECK_EQ_INT(bad_roundtrip, 0, "20000 random doubles round-trip exactly");
    CHECK_EQ_INT(too_long, 0, "and use at most 17 significant digits");
}

static void test_marshal_types(void)
{
    cJSON *plain = cJSON_Parse(
        "{\"s\":\"h\\u00e9llo \\u2713\",\"n\":2.5,\"t\":true,\"f\":false,"
        "\"z\":null,\"m\":{\"a\":[1,\"x\",{\"deep\":[]}]},\"e\":{}}");
    cJSON *item = sw_ddb_marshal_item(plain);
    CHECK_EQ_STR(print(item),
                 "{\"s\":{\"S\":\"h\xc3\xa9llo \xe2\x9c\x93\"},"
                 "\"n\":{\"N\":\"2.5\"},\"t\":{\"BOOL\":true},"
                 "\"f\":{\"BOOL\":false},\"z\":{\"NULL\":true},"
                 "\"m\":{\"M\":{\"a\":{\"L\":[{\"N\":\"1\"},{\"S\":\"x\"},"
                 "{\"M\":{\"deep\":{\"L\":[]}}}]}}},\"e\":{\"M\":{}}}",
                 "marshal_item: every JSON type, UTF-8 kept");
    cJSON *back = sw_ddb_unmarshal_item(item);
    CHECK(back && cJSON_Compare(back, plain, 1),
          "unmarshal_item(marshal_item(x)) == x");
    cJSON_Delete(back);
    cJSON_Delete(item);

    cJSON *arr = cJSON_Parse("[1,2]");
    CHECK(sw_ddb_marshal_item(arr) == NULL, "marshal_item rejects an array");
    CHECK(sw_ddb_marshal_item(NULL) == NULL, "marshal_item rejects NULL");
    cJSON *l = sw_ddb_marshal(arr);
    CHECK_EQ_STR(print(l), "{\"L\":[{\"N\":\"1\"},{\"N\":\"2\"}]}",
                 "marshal: array -> L");
    cJSON_Delete(l);
    cJSON_Delete(arr);

    cJSON *raw = cJSON_CreateRaw("1");
    CHECK(sw_ddb_marshal(raw) == NULL, "marshal rejects a raw node");
    cJSON_Delete(raw);
    cJSON *huge = cJSON_Parse("{\"a\":{\"b\":[1e300]}}");
    CHECK(sw_ddb_marshal_item(huge) == NULL,
          "marshal_item fails when a nested number is out of range");
    cJSON_Delete(huge);
    cJSON_Delete(plain);

    cJSON *s = sw_ddb_string("x");
    CHECK_EQ_STR(print(s), "{\"S\":\"x\"}", "sw_ddb_string");
    cJSON_Delete(s);
    CHECK(sw_ddb_string(NULL) == NULL, "sw_ddb_string(NULL) is NULL");
}

/* unmarshal_text: unmarshals the attribute value in json and prints it. */
static const char *unmarshal_text(const char *json)
{
    cJSON *av = cJSON_Parse(json), *v = sw_ddb_unmarshal(av);
    const char *out = print(v);
    cJSON_Delete(v);
    cJSON_Delete(av);
    return out;
}

/* unmarshal_is: true when json unmarshals to a number exactly equal to v. */
static int unmarshal_is(const char *json, double v)
{
    cJSON *av = cJSON_Parse(json), *n = sw_ddb_unmarshal(av);
    int ok = cJSON_IsNumber(n) && n->valuedouble == v;
    cJSON_Delete(n);
    cJSON_Delete(av);
    return ok;
}

static void test_unmarshal(void)
{
    CHECK_EQ_STR(unmarshal_text("{\"N\":\"42\"}"), "42", "N 42 -> number");
    CHECK_EQ_STR(unmarshal_text("{\"N\":\"1.50\"}"), "1.5",
                 "N 1.50 -> number 1.5 (same value)");
    CHECK_EQ_STR(unmarshal_text("{\"N\":\"1e2\"}"), "100", "N 1e2 -> 100");
    /* cJSON prints with a tolerance (0.30000000000000004 as "0.3"), so
     * these compare the double itself. */
    CHECK(unmarshal_is("{\"N\":\"0.30000000000000004\"}", 0.1 + 0.2),
          "N with 17 digits that round-trips -> that exact double");
    CHECK_EQ_STR(unmarshal_text("{\"N\":\"12345678901234567890.123456789\"}"),
                 "\"12345678901234567890.123456789\"",
                 "N beyond a double -> exact string");
    CHECK_EQ_STR(unmarshal_text("{\"N\":\"9007199254740993\"}"),
                 "\"9007199254740993\"", "N 2^53+1 -> string");
    CHECK(unmarshal_is("{\"N\":\"9007199254740992\"}", 9007199254740992.0),
          "N 2^53 -> number");
    CHECK_EQ_STR(unmarshal_text("{\"N\":\"0.1000000000000000055511\"}"),
                 "\"0.1000000000000000055511\"",
                 "N close to but not 0.1 -> string");
    CHECK_EQ_STR(unmarshal_text("{\"S\":\"\"}"), "\"\"", "empty S");
    CHECK_EQ_STR(unmarshal_text("{\"B\":\"AAEC\"}"), "\"AAEC\"",
                 "B stays base64 text");
    CHECK_EQ_STR(unmarshal_text("{\"BOOL\":false}"), "false", "BOOL");
    CHECK_EQ_STR(unmarshal_text("{\"NULL\":true}"), "null", "NULL");
    CHECK_EQ_STR(unmarshal_text("{\"SS\":[\"a\",\"b\"]}"), "[\"a\",\"b\"]",
                 "SS -> array of strings");
    CHECK_EQ_STR(unmarshal_text("{\"NS\":[\"1\",\"2.5\","
                                "\"12345678901234567890.1\"]}"),
                 "[1,2.5,\"12345678901234567890.1\"]",
                 "NS -> numbers, exact strings where needed");
    CHECK_EQ_STR(unmarshal_text("{\"BS\":[\"AA==\"]}"), "[\"AA==\"]", "BS");
    CHECK_EQ_STR(unmarshal_text("{\"M\":{\"x\":{\"L\":[{\"N\":\"1\"},"
                                "{\"M\":{}}]}}}"),
                 "{\"x\":[1,{}]}", "nested M/L");

    static const char *const bad[] = {
        "\"S\"", "[]", "{}", "{\"S\":1}", "{\"X\":\"a\"}", "{\"s\":\"a\"}",
        "{\"S\":\"a\",\"N\":\"1\"}", "{\"N\":\"abc\"}", "{\"N\":1}",
        "{\"N\":\"1e200\"}", "{\"BOOL\":\"true\"}", "{\"NULL\":false}",
        "{\"M\":[]}", "{\"L\":{}}", "{\"SS\":[1]}", "{\"SS\":\"a\"}",
        "{\"NS\":[\"x\"]}", "{\"M\":{\"a\":{\"Q\":\"1\"}}}",
        "{\"L\":[{\"S\":\"ok\"},{\"N\":\"bad\"}]}", "{\"B\":null}",
        /* partly built members must be freed (found by the fuzzer) */
        "{\"L\":[{\"S\":\"x\"},{\"NS\":[\"1\",\"x\"]}]}",
        "{\"M\":{\"a\":{\"L\":[{\"S\":\"a\"},{\"Q\":1}]}}}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char what[160];
        snprintf(what, sizeof(what), "unmarshal rejects %s", bad[i]);
        CHECK_EQ_STR(unmarshal_text(bad[i]), "(null)", what);
    }
    CHECK(sw_ddb_unmarshal(NULL) == NULL, "unmarshal NULL");

    cJSON *notmap = cJSON_Parse("[{\"S\":\"a\"}]");
    CHECK(sw_ddb_unmarshal_item(notmap) == NULL,
          "unmarshal_item rejects a non-object");
    cJSON_Delete(notmap);
    cJSON *badmember = cJSON_Parse("{\"a\":{\"S\":\"x\"},\"b\":{\"Z\":1}}");
    CHECK(sw_ddb_unmarshal_item(badmember) == NULL,
          "unmarshal_item rejects an item with one bad member");
    cJSON_Delete(badmember);
}

/* test_requests_reject_bad_input: the operations refuse malformed items and
 * keys before sending anything (the client is never touched, so NULL is
 * fine: a send would crash the test). */
static void test_requests_reject_bad_input(void)
{
    sw_aws_error err;
    cJSON *bad = cJSON_Parse("{\"pk\":{\"Q\":\"a\"}}");
    cJSON *arr = cJSON_Parse("[]");
    cJSON *good = cJSON_Parse("{\"pk\":{\"S\":\"a\"}}");
    cJSON *out = (cJSON *)1;
    CHECK_EQ_INT(sw_ddb_put_item(NULL, "t", bad, NULL, &err), SW_E_INVALID,
                 "put_item rejects an unknown type tag");
    CHECK(err.message[0] != '\0', "and says why");
    CHECK_EQ_INT(sw_ddb_put_item(NULL, "t", arr, NULL, &err), SW_E_INVALID,
                 "put_item rejects a non-object item");
    CHECK_EQ_INT(sw_ddb_put_item(NULL, "", good, NULL, &err), SW_E_INVALID,
                 "put_item rejects an empty table name");
    sw_ddb_expr e = {.update = "SET a = :a"};
    CHECK_EQ_INT(sw_ddb_put_item(NULL, "t", good, &e, &err), SW_E_INVALID,
                 "put_item rejects an update expression");
    sw_ddb_expr ev = {.condition = "a = :a", .values = bad};
    CHECK_EQ_INT(sw_ddb_put_item(NULL, "t", good, &ev, &err), SW_E_INVALID,
                 "put_item rejects malformed expression values");
    CHECK_EQ_INT(sw_ddb_get_item(NULL, "t", bad, &out, &err), SW_E_INVALID,
                 "get_item rejects a malformed key");
    CHECK(out == NULL, "and clears *item_out");
    CHECK_EQ_INT(sw_ddb_update_item(NULL, "t", good, NULL, NULL, &err),
                 SW_E_INVALID, "update_item needs an update expression");
    CHECK_EQ_INT(sw_ddb_delete_item(NULL, "t", arr, NULL, NULL), SW_E_INVALID,
                 "delete_item rejects a non-object key (err NULL ok)");
    sw_ddb_query_opts q = {.limit = 3};
    CHECK_EQ_INT(sw_ddb_query(NULL, "t", &q, &out, &err), SW_E_INVALID,
                 "query needs a key condition");

    const cJSON *items[3] = {good, bad, good};
    sw_ddb_batch_result res;
    CHECK_EQ_INT(sw_ddb_batch_write(NULL, "t", items, 3, 1000, &res, &err),
                 SW_E_INVALID, "batch_write rejects a malformed item");
    CHECK(res.failed_count == 3 && res.failed && res.failed[0] == 0 &&
              res.failed[2] == 2 && res.written == 0 && res.requests == 0,
          "and reports every item failed, none sent");
    sw_ddb_batch_result_free(&res);
    CHECK(res.failed == NULL && res.failed_count == 0, "result freed");
    CHECK_EQ_INT(sw_ddb_batch_write(NULL, "t", items, 0, 1000, &res, &err),
                 SW_OK, "batch_write of nothing is ok");
    sw_ddb_batch_result_free(&res);
    cJSON_Delete(bad);
    cJSON_Delete(arr);
    cJSON_Delete(good);
}

int main(void)
{
    CHECK(strcmp(sw_ddb_service.signing_name, "dynamodb") == 0 &&
              strcmp(sw_ddb_service.endpoint_prefix, "dynamodb") == 0 &&
              strcmp(sw_ddb_service.service_id, "DYNAMODB") == 0,
          "service description");
    test_number_syntax();
    test_marshal_numbers();
    test_marshal_types();
    test_unmarshal();
    test_requests_reject_bad_input();
    return SW_TEST_DONE();
}
