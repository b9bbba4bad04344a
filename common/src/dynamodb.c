/* dynamodb.c - DynamoDB operations over the JSON 1.0 protocol, and
 * attribute-value marshalling (see sw/dynamodb.h).
 *
 * Requests are built as cJSON trees that borrow the caller's items by
 * reference (no deep copies), printed once, and sent with sw_aws_json_call,
 * which signs and retries. Numbers never pass through a double unless the
 * caller handed us a double: N values are strings end to end. */
#include "sw/dynamodb.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const sw_aws_service sw_ddb_service = {
    "dynamodb", /* signing name */
    "dynamodb", /* endpoint prefix */
    "DYNAMODB", /* AWS_ENDPOINT_URL_DYNAMODB */
    0,
};

#define DDB_TARGET_PREFIX "DynamoDB_20120810."
#define DDB_BATCH_MAX 25     /* BatchWriteItem's per-request limit */
#define DDB_NUM_MAX_DIGITS 38
#define DDB_NUM_MIN_EXP (-130)
#define DDB_NUM_MAX_EXP 125
#define DDB_DEFAULT_DEADLINE_MS 60000L

/* ---- numbers ---------------------------------------------------------- */

/* A DynamoDB number in canonical form: value = (neg ? -1 : 1) *
 * 0.d1d2...dn * 10^(exp + 1), i.e. d1.d2...dn * 10^exp. Zero has n == 0. */
typedef struct ddb_num {
    int neg;
    size_t ndigits;
    long exp;
    char digits[DDB_NUM_MAX_DIGITS];
} ddb_num;

/* num_parse: parses DynamoDB number syntax (optional sign, digits with an
 * optional fraction, optional exponent) into canonical form, enforcing the
 * 38-significant-digit limit and the 1E-130..<1E+126 magnitude range.
 * Returns SW_OK, SW_E_INVALID (syntax) or SW_E_OVERFLOW (digits or range). */
static sw_result num_parse(const char *s, size_t len, ddb_num *out)
{
    size_t i = 0, ndig = 0, intlen = 0;
    long first = -1, last = -1; /* positions of first/last nonzero digit */
    memset(out, 0, sizeof(*out));
    if (i < len && (s[i] == '-' || s[i] == '+'))
        out->neg = s[i++] == '-';
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, ndig++, intlen++)
        if (s[i] != '0') {
            if (first < 0)
                first = (long)ndig;
            last = (long)ndig;
        }
    if (i < len && s[i] == '.')
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, ndig++)
            if (s[i] != '0') {
                if (first < 0)
                    first = (long)ndig;
                last = (long)ndig;
            }
    if (ndig == 0)
        return SW_E_INVALID;
    long e = 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        int eneg = 0;
        size_t edig = 0;
        i++;
        if (i < len && (s[i] == '-' || s[i] == '+'))
            eneg = s[i++] == '-';
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, edig++)
            if (e < 100000) /* saturate: far out of range either way */
                e = e * 10 + (s[i] - '0');
        if (edig == 0)
            return SW_E_INVALID;
        if (eneg)
            e = -e;
    }
    if (i != len)
        return SW_E_INVALID;
    if (first < 0) { /* zero, whatever its sign or exponent */
        out->neg = 0;
        return SW_OK;
    }
    size_t sig = (size_t)(last - first + 1);
    if (sig > DDB_NUM_MAX_DIGITS)
        return SW_E_OVERFLOW;
    out->exp = (long)intlen - 1 - first + e;
    if (out->exp < DDB_NUM_MIN_EXP || out->exp > DDB_NUM_MAX_EXP)
        return SW_E_OVERFLOW;
    /* Copy the significant digits, skipping the decimal point. */
    size_t pos = 0;
    for (size_t j = 0; j < len && pos <= (size_t)last; j++) {
        if (s[j] < '0' || s[j] > '9')
            continue;
        if (pos >= (size_t)first)
            out->digits[out->ndigits++] = s[j];
        pos++;
    }
    return SW_OK;
}

/* num_equal: true when two canonical numbers have the same value. */
static int num_equal(const ddb_num *a, const ddb_num *b)
{
    return a->neg == b->neg && a->ndigits == b->ndigits && a->exp == b->exp &&
           memcmp(a->digits, b->digits, a->ndigits) == 0;
}

/* num_format: writes the shortest of %.15g/%.16g/%.17g that reads back as
 * exactly v. Returns SW_OK, or SW_E_INVALID for NaN and infinities. */
static sw_result num_format(double v, char out[32])
{
    if (!isfinite(v))
        return SW_E_INVALID;
    if (v == 0) { /* also -0: DynamoDB has no negative zero */
        memcpy(out, "0", 2);
        return SW_OK;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, 32, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            break;
    }
    return SW_OK;
}

/* sw_ddb_number: a new {"N": decimal} when decimal is a valid DynamoDB
 * number (text kept as given), else NULL. */
cJSON *sw_ddb_number(const char *decimal)
{
    ddb_num n;
    if (!decimal || num_parse(decimal, strlen(decimal), &n) != SW_OK)
        return NULL;
    cJSON *o = cJSON_CreateObject();
    if (o && !cJSON_AddStringToObject(o, "N", decimal)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* sw_ddb_string: a new {"S": s}, or NULL (s NULL or ENOMEM). */
cJSON *sw_ddb_string(const char *s)
{
    if (!s)
        return NULL;
    cJSON *o = cJSON_CreateObject();
    if (o && !cJSON_AddStringToObject(o, "S", s)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* ---- marshalling ------------------------------------------------------ */

/* tagged: a new {tag: v}; takes ownership of v (deleted on failure).
 * Returns NULL on ENOMEM or when v is NULL. */
static cJSON *tagged(const char *tag, cJSON *v)
{
    cJSON *o = v ? cJSON_CreateObject() : NULL;
    if (!o || !cJSON_AddItemToObject(o, tag, v)) {
        cJSON_Delete(o);
        cJSON_Delete(v);
        return NULL;
    }
    return o;
}

/* marshal_map: a new object with every member of plain marshalled (the
 * inside of an M, or an item). NULL on ENOMEM/invalid. */
static cJSON *marshal_map(const cJSON *plain)
{
    cJSON *m = cJSON_CreateObject();
    const cJSON *ch;
    if (!m)
        return NULL;
    cJSON_ArrayForEach(ch, plain) {
        cJSON *v = sw_ddb_marshal(ch);
        if (!v || !ch->string || !cJSON_AddItemToObject(m, ch->string, v)) {
            cJSON_Delete(v);
            cJSON_Delete(m);
            return NULL;
        }
    }
    return m;
}

/* sw_ddb_marshal: plain JSON value -> attribute value. Returns a new cJSON
 * or NULL on ENOMEM, a number out of DynamoDB's range, or a raw node. */
cJSON *sw_ddb_marshal(const cJSON *plain)
{
    char num[32];
    if (!plain)
        return NULL;
    switch (plain->type & 0xFF) {
    case cJSON_String:
        return plain->valuestring ? sw_ddb_string(plain->valuestring) : NULL;
    case cJSON_Number:
        /* sw_ddb_number rejects what is outside DynamoDB's range. */
        if (num_format(plain->valuedouble, num) != SW_OK)
            return NULL;
        return sw_ddb_number(num);
    case cJSON_True:
    case cJSON_False:
        return tagged("BOOL", cJSON_CreateBool(cJSON_IsTrue(plain)));
    case cJSON_NULL:
        return tagged("NULL", cJSON_CreateTrue());
    case cJSON_Object:
        return tagged("M", marshal_map(plain));
    case cJSON_Array: {
        cJSON *l = cJSON_CreateArray();
        const cJSON *ch;
        if (!l)
            return NULL;
        cJSON_ArrayForEach(ch, plain) {
            cJSON *v = sw_ddb_marshal(ch);
            if (!v || !cJSON_AddItemToArray(l, v)) {
                cJSON_Delete(v);
                cJSON_Delete(l);
                return NULL;
            }
        }
        return tagged("L", l);
    }
    default:
        return NULL;
    }
}

/* sw_ddb_marshal_item: plain object -> item (map of attribute values).
 * NULL when plain_object is not an object, or as for sw_ddb_marshal. */
cJSON *sw_ddb_marshal_item(const cJSON *plain_object)
{
    if (!cJSON_IsObject(plain_object))
        return NULL;
    return marshal_map(plain_object);
}

/* unmarshal_number: an N's text as a cJSON number when the double reads
 * back as the same decimal value, else as a string; NULL if the text is not
 * a valid DynamoDB number. With out NULL, only validates (returns a
 * non-NULL sentinel on success). */
static cJSON *unmarshal_number(const char *text, cJSON **out)
{
    static cJSON valid_sentinel;
    ddb_num n, back;
    char buf[32];
    if (num_parse(text, strlen(text), &n) != SW_OK)
        return NULL;
    if (!out)
        return &valid_sentinel;
    if (n.ndigits <= 17) {
        double v = strtod(text, NULL);
        if (num_format(v, buf) == SW_OK &&
            num_parse(buf, strlen(buf), &back) == SW_OK &&
            num_equal(&n, &back))
            return *out = cJSON_CreateNumber(v);
    }
    return *out = cJSON_CreateString(text);
}

static int av_convert(const cJSON *av, cJSON **out);

/* av_set: converts a set (SS, NS, BS) to an array; checks member types.
 * Returns 1 on success, 0 on malformed input or ENOMEM. */
static int av_set(const cJSON *v, char kind, cJSON **out)
{
    const cJSON *ch;
    if (!cJSON_IsArray(v))
        return 0;
    if (out && !(*out = cJSON_CreateArray()))
        return 0;
    cJSON_ArrayForEach(ch, v) {
        cJSON *e = NULL;
        if (!cJSON_IsString(ch))
            return 0;
        if (kind == 'N') {
            if (!unmarshal_number(ch->valuestring, out ? &e : NULL))
                return 0;
        } else if (out && !(e = cJSON_CreateString(ch->valuestring))) {
            return 0;
        }
        if (out && !cJSON_AddItemToArray(*out, e)) {
            cJSON_Delete(e);
            return 0;
        }
    }
    return 1;
}

/* av_map: converts (or with out NULL, validates) a map of attribute values.
 * Returns 1 on success, 0 on malformed input or ENOMEM. */
static int av_map(const cJSON *m, cJSON **out)
{
    const cJSON *ch;
    if (!cJSON_IsObject(m))
        return 0;
    if (out && !(*out = cJSON_CreateObject()))
        return 0;
    cJSON_ArrayForEach(ch, m) {
        cJSON *e = NULL;
        if (!ch->string || !av_convert(ch, out ? &e : NULL)) {
            cJSON_Delete(e); /* a partly built member */
            return 0;
        }
        if (out && !cJSON_AddItemToObject(*out, ch->string, e)) {
            cJSON_Delete(e);
            return 0;
        }
    }
    return 1;
}

/* av_convert: one attribute value ({tag: value}) to plain JSON in *out, or,
 * with out NULL, just validates it. The one walker serves both so that what
 * the requests accept and what unmarshal accepts cannot drift apart.
 * Returns 1 on success, 0 on malformed input or ENOMEM (a partial *out is
 * left for the caller to delete). */
static int av_convert(const cJSON *av, cJSON **out)
{
    const cJSON *v;
    const char *tag;
    if (!cJSON_IsObject(av) || !(v = av->child) || v->next || !v->string)
        return 0;
    tag = v->string;
    if (!strcmp(tag, "S") || !strcmp(tag, "B")) {
        if (!cJSON_IsString(v))
            return 0;
        return !out || (*out = cJSON_CreateString(v->valuestring)) != NULL;
    }
    if (!strcmp(tag, "N"))
        return cJSON_IsString(v) &&
               unmarshal_number(v->valuestring, out) != NULL;
    if (!strcmp(tag, "BOOL")) {
        if (!cJSON_IsBool(v))
            return 0;
        return !out || (*out = cJSON_CreateBool(cJSON_IsTrue(v))) != NULL;
    }
    if (!strcmp(tag, "NULL")) {
        if (!cJSON_IsTrue(v))
            return 0;
        return !out || (*out = cJSON_CreateNull()) != NULL;
    }
    if (!strcmp(tag, "M"))
        return av_map(v, out);
    if (!strcmp(tag, "L")) {
        const cJSON *ch;
        if (!cJSON_IsArray(v))
            return 0;
        if (out && !(*out = cJSON_CreateArray()))
            return 0;
        cJSON_ArrayForEach(ch, v) {
            cJSON *e = NULL;
            if (!av_convert(ch, out ? &e : NULL)) {
                cJSON_Delete(e); /* a partly built member */
                return 0;
            }
            if (out && !cJSON_AddItemToArray(*out, e)) {
                cJSON_Delete(e);
                return 0;
            }
        }
        return 1;
    }
    if (!strcmp(tag, "SS") || !strcmp(tag, "BS"))
        return av_set(v, 'S', out);
    if (!strcmp(tag, "NS"))
        return av_set(v, 'N', out);
    return 0; /* unknown type tag */
}

/* sw_ddb_unmarshal: attribute value -> plain JSON (sets become arrays, B
 * stays base64 text). NULL on malformed input or ENOMEM. */
cJSON *sw_ddb_unmarshal(const cJSON *attr_value)
{
    cJSON *out = NULL;
    if (!av_convert(attr_value, &out)) {
        cJSON_Delete(out);
        return NULL;
    }
    return out;
}

/* sw_ddb_unmarshal_item: item -> plain JSON object. NULL on malformed
 * input or ENOMEM. */
cJSON *sw_ddb_unmarshal_item(const cJSON *item)
{
    cJSON *out = NULL;
    if (!av_map(item, &out)) {
        cJSON_Delete(out);
        return NULL;
    }
    return out;
}

/* ---- requests --------------------------------------------------------- */

/* code_is: true when an AWS error code names `want`, with or without the
 * "namespace#" prefix some services put in __type. */
static int code_is(const char *code, const char *want)
{
    const char *hash = strrchr(code, '#');
    return !strcmp(hash ? hash + 1 : code, want);
}

/* ddb_call: sends req as operation `op` and, if resp is not NULL, parses
 * the answer into *resp (an object). Maps ConditionalCheckFailedException
 * to SW_E_CONDITION. Returns SW_OK, SW_E_CONDITION, SW_E_PARSE, SW_E_NOMEM
 * or sw_aws_json_call's results. */
static sw_result ddb_call(sw_aws_client *c, const char *op, const cJSON *req,
                          cJSON **resp, sw_aws_error *err)
{
    char target[64];
    sw_buf body = SW_BUF_INIT;
    sw_result rc;
    char *json = cJSON_PrintUnformatted(req);
    if (resp)
        *resp = NULL;
    if (!json)
        return sw_aws_local_error(err, SW_E_NOMEM, "out of memory");
    snprintf(target, sizeof(target), DDB_TARGET_PREFIX "%s", op);
    memset(err, 0, sizeof(*err));
    rc = sw_aws_json_call(c, "1.0", target, sw_cursor_from_cstr(json), &body,
                          err);
    cJSON_free(json);
    if (rc == SW_E_AWS && code_is(err->code, "ConditionalCheckFailedException"))
        rc = SW_E_CONDITION;
    if (rc == SW_OK && resp) {
        *resp = cJSON_ParseWithLength(body.ptr ? body.ptr : "", body.len);
        if (!cJSON_IsObject(*resp)) {
            cJSON_Delete(*resp);
            *resp = NULL;
            rc = sw_aws_local_error(err, SW_E_PARSE,
                                    "DynamoDB answer is not a JSON object");
        }
    }
    sw_buf_free(&body);
    return rc;
}

enum {
    EX_COND = 1u << 0,
    EX_UPDATE = 1u << 1,
    EX_KEYCOND = 1u << 2,
    EX_FILTER = 1u << 3,
    EX_PROJ = 1u << 4
};

/* add_ref: adds a borrowed (not copied, not freed) member. Returns 0 on
 * ENOMEM. The cast is safe: cJSON never writes through a reference. */
static int add_ref(cJSON *obj, const char *name, const cJSON *v)
{
    return cJSON_AddItemReferenceToObject(obj, name, (cJSON *)(uintptr_t)v);
}

/* add_expr: adds the members of e that `allowed` permits. Returns SW_OK,
 * SW_E_INVALID (a set member the operation does not take, or malformed
 * names/values), SW_E_NOMEM. */
static sw_result add_expr(cJSON *req, const sw_ddb_expr *e, unsigned allowed)
{
    static const struct {
        unsigned bit;
        size_t off;
        const char *name;
    } strs[] = {
        {EX_COND, offsetof(sw_ddb_expr, condition), "ConditionExpression"},
        {EX_UPDATE, offsetof(sw_ddb_expr, update), "UpdateExpression"},
        {EX_KEYCOND, offsetof(sw_ddb_expr, key_condition),
         "KeyConditionExpression"},
        {EX_FILTER, offsetof(sw_ddb_expr, filter), "FilterExpression"},
        {EX_PROJ, offsetof(sw_ddb_expr, projection), "ProjectionExpression"},
    };
    const cJSON *ch;
    if (!e)
        return SW_OK;
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
        const char *s = *(const char *const *)((const char *)e + strs[i].off);
        if (!s)
            continue;
        if (!(allowed & strs[i].bit))
            return SW_E_INVALID;
        if (!cJSON_AddStringToObject(req, strs[i].name, s))
            return SW_E_NOMEM;
    }
    if (e->names) {
        if (!cJSON_IsObject(e->names))
            return SW_E_INVALID;
        cJSON_ArrayForEach(ch, e->names)
            if (!cJSON_IsString(ch))
                return SW_E_INVALID;
        if (!add_ref(req, "ExpressionAttributeNames", e->names))
            return SW_E_NOMEM;
    }
    if (e->values) {
        if (!av_map(e->values, NULL))
            return SW_E_INVALID;
        if (!add_ref(req, "ExpressionAttributeValues", e->values))
            return SW_E_NOMEM;
    }
    return SW_OK;
}

/* new_request: {"TableName": table, name: obj (borrowed, validated as a map
 * of attribute values)} plus the allowed expression members. Returns SW_OK
 * with *out set, SW_E_INVALID or SW_E_NOMEM (err filled). */
static sw_result new_request(const char *table, const char *name,
                             const cJSON *obj, const sw_ddb_expr *e,
                             unsigned allowed, cJSON **out,
                             sw_aws_error *err)
{
    sw_result rc;
    cJSON *req;
    *out = NULL;
    if (!table || !*table)
        return sw_aws_local_error(err, SW_E_INVALID, "no table name");
    if (name && !av_map(obj, NULL))
        return sw_aws_local_error(err, SW_E_INVALID,
                                  "item or key is not a map of "
                                  "attribute values");
    if (!(req = cJSON_CreateObject()) ||
        !cJSON_AddStringToObject(req, "TableName", table) ||
        (name && !add_ref(req, name, obj))) {
        cJSON_Delete(req);
        return sw_aws_local_error(err, SW_E_NOMEM, "out of memory");
    }
    if ((rc = add_expr(req, e, allowed)) != SW_OK) {
        cJSON_Delete(req);
        return sw_aws_local_error(err, rc,
                                  rc == SW_E_NOMEM
                                      ? "out of memory"
                                      : "expression member not valid here");
    }
    *out = req;
    return SW_OK;
}

/* sw_ddb_table_name_valid: 3 to 255 of A-Z a-z 0-9 _ . - . */
bool sw_ddb_table_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    return n >= 3 && n <= 255 &&
           strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                        "0123456789_.-") == n;
}

/* conditional_write: PutItem or DeleteItem: a request of the table, one
 * object (the Item or the Key) and an optional condition, whose answer is not
 * kept. Returns SW_OK, SW_E_CONDITION, SW_E_INVALID or sw_aws_send's
 * results. */
static sw_result conditional_write(sw_aws_client *c, const char *op,
                                   const char *table, const char *name,
                                   const cJSON *obj, const sw_ddb_expr *expr,
                                   sw_aws_error *err)
{
    sw_aws_error local;
    cJSON *req;
    sw_result rc;
    err = sw_aws_error_begin(err, &local);
    if ((rc = new_request(table, name, obj, expr, EX_COND, &req, err)))
        return rc;
    rc = ddb_call(c, op, req, NULL, err);
    cJSON_Delete(req);
    return rc;
}

/* sw_ddb_put_item: PutItem with an optional condition. Returns SW_OK,
 * SW_E_CONDITION, SW_E_INVALID, or sw_aws_send's results. */
sw_result sw_ddb_put_item(sw_aws_client *c, const char *table,
                          const cJSON *item, const sw_ddb_expr *expr,
                          sw_aws_error *err)
{
    return conditional_write(c, "PutItem", table, "Item", item, expr, err);
}

/* sw_ddb_get_item: consistent GetItem; *item_out is the item or NULL when
 * there is none. Returns SW_OK, SW_E_INVALID, SW_E_PARSE or sw_aws_send's
 * results. */
sw_result sw_ddb_get_item(sw_aws_client *c, const char *table,
                          const cJSON *key, cJSON **item_out,
                          sw_aws_error *err)
{
    sw_aws_error local;
    cJSON *req, *resp = NULL, *item;
    sw_result rc;
    err = sw_aws_error_begin(err, &local);
    if (!item_out)
        return sw_aws_local_error(err, SW_E_INVALID, "no item_out");
    *item_out = NULL;
    if ((rc = new_request(table, "Key", key, NULL, 0, &req, err)))
        return rc;
    if (!cJSON_AddTrueToObject(req, "ConsistentRead")) {
        cJSON_Delete(req);
        return sw_aws_local_error(err, SW_E_NOMEM, "out of memory");
    }
    rc = ddb_call(c, "GetItem", req, &resp, err);
    cJSON_Delete(req);
    if (rc)
        return rc;
    item = cJSON_DetachItemFromObjectCaseSensitive(resp, "Item");
    cJSON_Delete(resp);
    if (item && !av_map(item, NULL)) {
        cJSON_Delete(item);
        return sw_aws_local_error(err, SW_E_PARSE, "GetItem answered a bad Item");
    }
    *item_out = item;
    return SW_OK;
}

/* sw_ddb_update_item: UpdateItem; with attrs_out, asks for ALL_NEW and
 * returns them. Returns SW_OK, SW_E_CONDITION, SW_E_INVALID (no update
 * expression), SW_E_PARSE or sw_aws_send's results. */
sw_result sw_ddb_update_item(sw_aws_client *c, const char *table,
                             const cJSON *key, const sw_ddb_expr *expr,
                             cJSON **attrs_out, sw_aws_error *err)
{
    sw_aws_error local;
    cJSON *req, *resp = NULL;
    sw_result rc;
    err = sw_aws_error_begin(err, &local);
    if (attrs_out)
        *attrs_out = NULL;
    if (!expr || !expr->update)
        return sw_aws_local_error(err, SW_E_INVALID, "no update expression");
    if ((rc = new_request(table, "Key", key, expr, EX_COND | EX_UPDATE, &req,
                          err)))
        return rc;
    if (attrs_out && !cJSON_AddStringToObject(req, "ReturnValues", "ALL_NEW")) {
        cJSON_Delete(req);
        return sw_aws_local_error(err, SW_E_NOMEM, "out of memory");
    }
    rc = ddb_call(c, "UpdateItem", req, attrs_out ? &resp : NULL, err);
    cJSON_Delete(req);
    if (rc || !attrs_out)
        return rc;
    *attrs_out = cJSON_DetachItemFromObjectCaseSensitive(resp, "Attributes");
    cJSON_Delete(resp);
    if (*attrs_out && !av_map(*attrs_out, NULL)) {
        cJSON_Delete(*attrs_out);
        *attrs_out = NULL;
        return sw_aws_local_error(err, SW_E_PARSE,
                                  "UpdateItem answered bad Attributes");
    }
    return SW_OK;
}

/* sw_ddb_delete_item: DeleteItem with an optional condition. Returns SW_OK,
 * SW_E_CONDITION, SW_E_INVALID or sw_aws_send's results. */
sw_result sw_ddb_delete_item(sw_aws_client *c, const char *table,
                             const cJSON *key, const sw_ddb_expr *expr,
                             sw_aws_error *err)
{
    return conditional_write(c, "DeleteItem", table, "Key", key, expr, err);
}

/* sw_ddb_query: Query, page after page (LastEvaluatedKey becomes the next
 * ExclusiveStartKey) until the last page or max_items. Returns SW_OK with
 * *items_out an array, SW_E_INVALID, SW_E_PARSE (a malformed page, or a
 * service that hands back the key it was given, which would loop forever)
 * or sw_aws_send's results. */
sw_result sw_ddb_query(sw_aws_client *c, const char *table,
                       const sw_ddb_query_opts *q, cJSON **items_out,
                       sw_aws_error *err)
{
    sw_aws_error local;
    cJSON *req = NULL, *resp = NULL, *all = NULL, *start = NULL;
    sw_result rc;
    err = sw_aws_error_begin(err, &local);
    if (!items_out)
        return sw_aws_local_error(err, SW_E_INVALID, "no items_out");
    *items_out = NULL;
    if (!q || !q->expr.key_condition || q->limit < 0 || q->max_items < 0)
        return sw_aws_local_error(err, SW_E_INVALID, "query needs a key condition");
    if ((rc = new_request(table, NULL, NULL, &q->expr,
                          EX_KEYCOND | EX_FILTER | EX_PROJ, &req, err)))
        return rc;
    if (!(all = cJSON_CreateArray()) ||
        (q->index && !cJSON_AddStringToObject(req, "IndexName", q->index)) ||
        (q->descending &&
         !cJSON_AddFalseToObject(req, "ScanIndexForward"))) {
        rc = sw_aws_local_error(err, SW_E_NOMEM, "out of memory");
        goto out;
    }
    for (;;) {
        int have = cJSON_GetArraySize(all), limit = q->limit;
        cJSON *items, *it, *next;
        /* Without a filter every evaluated item is returned, so a smaller
         * page saves reading items we would drop. */
        if (q->max_items && !q->expr.filter &&
            (limit == 0 || q->max_items - have < limit))
            limit = q->max_items - have;
        cJSON_DeleteItemFromObjectCaseSensitive(req, "Limit");
        cJSON_DeleteItemFromObjectCaseSensitive(req, "ExclusiveStartKey");
        if ((limit && !cJSON_AddNumberToObject(req, "Limit", limit)) ||
            (start && !add_ref(req, "ExclusiveStartKey", start))) {
            rc = sw_aws_local_error(err, SW_E_NOMEM, "out of memory");
            goto out;
        }
        if ((rc = ddb_call(c, "Query", req, &resp, err)))
            goto out;
        items = cJSON_GetObjectItemCaseSensitive(resp, "Items");
        if (items && !cJSON_IsArray(items)) {
            rc = sw_aws_local_error(err, SW_E_PARSE, "Query answered bad Items");
            goto out;
        }
        while (items && (it = items->child) &&
               (!q->max_items || cJSON_GetArraySize(all) < q->max_items)) {
            cJSON_DetachItemViaPointer(items, it);
            cJSON_AddItemToArray(all, it); /* cannot fail for arrays */
            if (!av_map(it, NULL)) {
                rc = sw_aws_local_error(err, SW_E_PARSE, "Query answered a bad item");
                goto out;
            }
        }
        next = cJSON_DetachItemFromObjectCaseSensitive(resp,
                                                       "LastEvaluatedKey");
        cJSON_Delete(resp);
        resp = NULL;
        if (next && start && cJSON_Compare(next, start, 1)) {
            cJSON_Delete(next);
            rc = sw_aws_local_error(err, SW_E_PARSE,
                                    "Query returned the same LastEvaluatedKey");
            goto out;
        }
        cJSON_Delete(start);
        start = next;
        if (!start || (q->max_items && cJSON_GetArraySize(all) >= q->max_items))
            break;
    }
    *items_out = all;
    all = NULL;
out:
    cJSON_Delete(start);
    cJSON_Delete(resp);
    cJSON_Delete(req);
    cJSON_Delete(all);
    return rc;
}

/* ---- BatchWriteItem --------------------------------------------------- */

/* now_ms: a monotonic clock in milliseconds. */
static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The batch writer's state. Pending items wait in a ring of indexes into the
 * caller's array; each index is in exactly one place at a time: the ring,
 * the request in flight, done[] (confirmed written) or the failed list. */
typedef struct batch {
    const cJSON *const *items;
    size_t n;
    size_t *ring; /* capacity n */
    size_t head, count;
    unsigned char *done;
    sw_retry_state backoff; /* the standard mode's jitter shape */
    int round; /* consecutive answers that left work undone */
} batch;

/* ring_push: appends index i at the back of the pending ring. */
static void ring_push(batch *b, size_t i)
{
    b->ring[(b->head + b->count) % b->n] = i;
    b->count++;
}

/* take_chunk: moves up to 25 pending indexes into chunk[], in order,
 * leaving an item in the ring when an identical item is already in the
 * chunk (DynamoDB rejects a request that puts the same key twice, and
 * matching UnprocessedItems back would be ambiguous). At most 4 chunks' worth
 * of the ring is looked at, so all-identical input stays linear. Returns
 * the number taken (>= 1 when the ring is not empty). */
static size_t take_chunk(batch *b, size_t chunk[DDB_BATCH_MAX])
{
    size_t taken = 0, kept = 0, looked = 0;
    size_t keep[4 * DDB_BATCH_MAX];
    while (b->count && taken < DDB_BATCH_MAX && looked < 4 * DDB_BATCH_MAX) {
        size_t idx = b->ring[b->head];
        int dup = 0;
        b->head = (b->head + 1) % b->n;
        b->count--;
        looked++;
        for (size_t j = 0; j < taken && !dup; j++)
            dup = cJSON_Compare(b->items[chunk[j]], b->items[idx], 1);
        if (dup)
            keep[kept++] = idx;
        else
            chunk[taken++] = idx;
    }
    /* Put the skipped ones back at the front, in their order. */
    while (kept--) {
        b->head = (b->head + b->n - 1) % b->n;
        b->ring[b->head] = keep[kept];
        b->count++;
    }
    return taken;
}

/* match_unprocessed: marks in `back` the chunk members that resp lists in
 * UnprocessedItems, matching each listed item to the first not yet matched
 * chunk item with equal JSON (member order does not matter). Returns 1 if
 * every listed item matched one we sent, 0 if the answer is inconsistent
 * (then the caller must not treat anything in the chunk as written). */
static int match_unprocessed(const batch *b, const char *table,
                             const cJSON *resp, const size_t *chunk,
                             size_t taken, unsigned char *back)
{
    const cJSON *un = cJSON_GetObjectItemCaseSensitive(resp,
                                                       "UnprocessedItems");
    const cJSON *tbl, *req;
    memset(back, 0, taken);
    if (!un || cJSON_IsNull(un))
        return 1;
    if (!cJSON_IsObject(un))
        return 0;
    cJSON_ArrayForEach(tbl, un) {
        if (!tbl->string || strcmp(tbl->string, table) || !cJSON_IsArray(tbl))
            return 0;
        cJSON_ArrayForEach(req, tbl) {
            const cJSON *put = cJSON_GetObjectItemCaseSensitive(req,
                                                                "PutRequest");
            const cJSON *item = cJSON_GetObjectItemCaseSensitive(put, "Item");
            size_t j;
            if (!item)
                return 0;
            for (j = 0; j < taken; j++)
                if (!back[j] && cJSON_Compare(item, b->items[chunk[j]], 1))
                    break;
            if (j == taken)
                return 0;
            back[j] = 1;
        }
    }
    return 1;
}

/* batch_request: builds {"RequestItems":{table:[{"PutRequest":{"Item":
 * item}}...]}} over the chunk, borrowing the items. NULL on ENOMEM. */
static cJSON *batch_request(const batch *b, const char *table,
                            const size_t *chunk, size_t taken)
{
    cJSON *req = cJSON_CreateObject();
    cJSON *ri = cJSON_AddObjectToObject(req, "RequestItems");
    cJSON *list = cJSON_AddArrayToObject(ri, table);
    if (!list) {
        cJSON_Delete(req);
        return NULL;
    }
    for (size_t j = 0; j < taken; j++) {
        cJSON *w = cJSON_CreateObject();
        cJSON *put = cJSON_AddObjectToObject(w, "PutRequest");
        if (!put || !add_ref(put, "Item", b->items[chunk[j]]) ||
            !cJSON_AddItemToArray(list, w)) {
            cJSON_Delete(w);
            cJSON_Delete(req);
            return NULL;
        }
    }
    return req;
}

/* sw_ddb_batch_write: see sw/dynamodb.h. deadline_ms is a budget from the
 * call; <= 0 means DDB_DEFAULT_DEADLINE_MS. A request that is throttled even
 * after sw_aws_send's retries wrote nothing, so its items go back in line
 * like UnprocessedItems; any other outright failure ends the batch with its
 * error and every item not yet confirmed is reported failed. Returns
 * SW_OK, SW_E_PARTIAL, SW_E_INVALID (nothing sent), SW_E_NOMEM, or the
 * failed request's result. */
sw_result sw_ddb_batch_write(sw_aws_client *c, const char *table,
                             const cJSON *const *items, size_t n,
                             long deadline_ms, sw_ddb_batch_result *res,
                             sw_aws_error *err)
{
    sw_aws_error local;
    sw_retry_policy pol;
    const char *why;
    batch b;
    sw_result rc = SW_OK;
    size_t chunk[DDB_BATCH_MAX];
    unsigned char back[DDB_BATCH_MAX];
    long long deadline;
    err = sw_aws_error_begin(err, &local);
    if (!res)
        return sw_aws_local_error(err, SW_E_INVALID, "no result");
    memset(res, 0, sizeof(*res));
    memset(&b, 0, sizeof(b));
    if (n == 0)
        return SW_OK;
    if (!(res->failed = calloc(n, sizeof(size_t))) ||
        !(b.ring = calloc(n, sizeof(size_t))) || !(b.done = calloc(n, 1))) {
        rc = sw_aws_local_error(err, SW_E_NOMEM, "out of memory");
        goto fail_all;
    }
    if (!table || !*table || !items) {
        rc = sw_aws_local_error(err, SW_E_INVALID, "no table name or items");
        goto fail_all;
    }
    for (size_t i = 0; i < n; i++)
        if (!av_map(items[i], NULL)) {
            rc = sw_aws_local_error(err, SW_E_INVALID,
                                    "an item is not a map of attribute values");
            goto fail_all;
        }
    if (sw_retry_policy_from_env(&pol, &why) != SW_OK) {
        rc = sw_aws_local_error(err, SW_E_CONFIG, why);
        goto fail_all;
    }
    b.items = items;
    b.n = n;
    if (pol.base_delay_ms < 1)
        pol.base_delay_ms = 1;
    sw_retry_state_init(&b.backoff, &pol,
                        ((uint64_t)now_ms() << 20) ^ (uint64_t)getpid() ^
                            (uint64_t)(uintptr_t)&b);
    for (size_t i = 0; i < n; i++)
        ring_push(&b, i);
    deadline = now_ms() + (deadline_ms > 0 ? deadline_ms
                                           : DDB_DEFAULT_DEADLINE_MS);

    while (b.count && now_ms() < deadline) {
        size_t taken = take_chunk(&b, chunk), left = 0;
        cJSON *req = batch_request(&b, table, chunk, taken), *resp = NULL;
        if (!req) {
            for (size_t j = 0; j < taken; j++)
                ring_push(&b, chunk[j]);
            rc = sw_aws_local_error(err, SW_E_NOMEM, "out of memory");
            break;
        }
        res->requests++;
        rc = ddb_call(c, "BatchWriteItem", req, &resp, err);
        cJSON_Delete(req);
        if (rc == SW_OK && !match_unprocessed(&b, table, resp, chunk, taken,
                                              back))
            memset(back, 1, taken); /* inconsistent: nothing confirmed */
        else if (rc == SW_E_AWS && err->throttling)
            memset(back, 1, taken); /* throttled: nothing was written */
        cJSON_Delete(resp);
        if (rc && !(rc == SW_E_AWS && err->throttling)) {
            for (size_t j = 0; j < taken; j++)
                ring_push(&b, chunk[j]);
            break; /* failed outright: stop, report every item left */
        }
        rc = SW_OK;
        size_t before = res->written;
        for (size_t j = 0; j < taken; j++) {
            if (back[j]) {
                ring_push(&b, chunk[j]);
                left++;
            } else {
                b.done[chunk[j]] = 1;
                res->written++;
            }
        }
        if (!left) {
            b.round = 0;
            continue;
        }
        /* Work came back: the table is busy. Wait before the next request;
         * back off harder only while nothing gets through. Near the
         * deadline, wait at most half the time left so the last items
         * still get their tries. */
        long delay = sw_retry_backoff_ms(&b.backoff, b.round + 1);
        long long left_ms = deadline - now_ms();
        if (res->written == before)
            b.round++;
        if (left_ms <= 1)
            break;
        if (delay > left_ms / 2)
            delay = (long)(left_ms / 2);
        sw_sleep_ms(delay);
    }
    for (size_t i = 0; i < n; i++)
        if (!b.done[i])
            res->failed[res->failed_count++] = i;
    if (rc == SW_OK && res->failed_count) {
        rc = SW_E_PARTIAL;
        if (!err->code[0] && !err->message[0])
            sw_aws_local_error(err, rc, "deadline passed with items unprocessed");
    }
    goto out;

fail_all:
    if (res->failed)
        for (size_t i = 0; i < n; i++)
            res->failed[res->failed_count++] = i;
out:
    free(b.ring);
    free(b.done);
    if (!res->failed_count) {
        free(res->failed);
        res->failed = NULL;
    }
    return rc;
}

/* sw_ddb_batch_result_free: frees res->failed and empties res. */
void sw_ddb_batch_result_free(sw_ddb_batch_result *res)
{
    if (!res)
        return;
    free(res->failed);
    memset(res, 0, sizeof(*res));
}
