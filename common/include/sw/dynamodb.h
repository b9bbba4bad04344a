/* sw/dynamodb.h - the DynamoDB operations the workers need, over the JSON 1.0
 * protocol (sw/aws.h), and attribute-value marshalling from cJSON.
 *
 * Items and keys are passed in DynamoDB's attribute-value JSON
 * ({"pk": {"S": "a"}, "n": {"N": "1.50"}}); sw_ddb_marshal converts plain
 * JSON into it. Numbers keep their decimal text: use sw_ddb_number to build an
 * N from a string without going through a double. */
#ifndef SW_DYNAMODB_H
#define SW_DYNAMODB_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#include "sw/aws.h"
#include "sw/error.h"

/* The service description for sw_aws_client_new. */
extern const sw_aws_service sw_ddb_service;

/* Optional parts of a write or read. Expression maps are attribute-value JSON
 * objects ({"#p": "price"}, {":v": {"N": "1"}}); NULL when unused. */
typedef struct sw_ddb_expr {
    const char *condition;          /* ConditionExpression */
    const char *update;             /* UpdateExpression (UpdateItem) */
    const char *key_condition;      /* KeyConditionExpression (Query) */
    const char *filter;             /* FilterExpression (Query) */
    const char *projection;         /* ProjectionExpression */
    const cJSON *names;             /* ExpressionAttributeNames */
    const cJSON *values;            /* ExpressionAttributeValues */
} sw_ddb_expr;

/* sw_ddb_table_name_valid: DynamoDB's table name rule: 3 to 255 of
 * A-Z a-z 0-9 _ . - (checked before any call, for a one-line config error). */
bool sw_ddb_table_name_valid(const char *name);

/* sw_ddb_put_item: PutItem. Returns SW_OK, SW_E_CONDITION when the condition
 * was false (err->code ConditionalCheckFailedException), or sw_aws_send's
 * results. */
sw_result sw_ddb_put_item(sw_aws_client *c, const char *table,
                          const cJSON *item, const sw_ddb_expr *expr,
                          sw_aws_error *err);

/* sw_ddb_get_item: GetItem (consistent read). *item_out is the Item object
 * (caller deletes it) or NULL when there is no such item. */
sw_result sw_ddb_get_item(sw_aws_client *c, const char *table,
                          const cJSON *key, cJSON **item_out,
                          sw_aws_error *err);

/* sw_ddb_update_item: UpdateItem with expr->update; *attrs_out (optional)
 * gets ALL_NEW attributes. SW_E_CONDITION as for put. */
sw_result sw_ddb_update_item(sw_aws_client *c, const char *table,
                             const cJSON *key, const sw_ddb_expr *expr,
                             cJSON **attrs_out, sw_aws_error *err);

/* sw_ddb_delete_item: DeleteItem. SW_E_CONDITION as for put. */
sw_result sw_ddb_delete_item(sw_aws_client *c, const char *table,
                             const cJSON *key, const sw_ddb_expr *expr,
                             sw_aws_error *err);

typedef struct sw_ddb_query {
    const char *index;        /* IndexName, or NULL */
    sw_ddb_expr expr;         /* key_condition required */
    int limit;                /* page size, 0: service default */
    int descending;           /* 0: ascending (default), 1: descending */
    int max_items;            /* stop after this many, 0: all pages */
} sw_ddb_query_opts; /* not "sw_ddb_query": that is the function's name */

/* sw_ddb_query: Query, following LastEvaluatedKey across pages. *items_out is
 * a cJSON array of items (caller deletes it). */
sw_result sw_ddb_query(sw_aws_client *c, const char *table,
                       const sw_ddb_query_opts *q, cJSON **items_out,
                       sw_aws_error *err);

typedef struct sw_ddb_batch_result {
    size_t written;        /* items confirmed written */
    size_t failed_count;   /* items not written by the deadline */
    size_t *failed;        /* indexes (into the caller's array) of those */
    int requests;          /* BatchWriteItem calls made */
} sw_ddb_batch_result;

/* sw_ddb_batch_write: puts n items (attribute-value JSON objects) with
 * BatchWriteItem, 25 per request, re-sending UnprocessedItems with backoff
 * until all are written or deadline_ms passes (a budget in ms from the
 * call; <= 0 means 60 s). Returns SW_OK when all were
 * written, SW_E_PARTIAL with res->failed listing exactly the items that were
 * not, or an error for a request that failed outright (its items are listed
 * as failed too). Free res with sw_ddb_batch_result_free. */
sw_result sw_ddb_batch_write(sw_aws_client *c, const char *table,
                             const cJSON *const *items, size_t n,
                             long deadline_ms, sw_ddb_batch_result *res,
                             sw_aws_error *err);
void sw_ddb_batch_result_free(sw_ddb_batch_result *res);

/* sw_ddb_marshal: converts plain JSON to an attribute value: string -> S,
 * number -> N (shortest exact text), true/false -> BOOL, null -> NULL,
 * object -> M, array -> L. Returns a new cJSON or NULL on ENOMEM/invalid. */
cJSON *sw_ddb_marshal(const cJSON *plain);
/* sw_ddb_marshal_item: converts a plain JSON object to an item (a map of
 * attribute values, without the outer "M"). */
cJSON *sw_ddb_marshal_item(const cJSON *plain_object);
/* sw_ddb_unmarshal: the reverse of sw_ddb_marshal (N becomes a cJSON number
 * if it round-trips exactly, else a string). NULL on malformed input. */
cJSON *sw_ddb_unmarshal(const cJSON *attr_value);
/* sw_ddb_unmarshal_item: an item (map of attribute values) to plain JSON. */
cJSON *sw_ddb_unmarshal_item(const cJSON *item);

/* sw_ddb_string: a new {"S": s}. */
cJSON *sw_ddb_string(const char *s);
/* sw_ddb_number: a new {"N": decimal} if decimal is a valid DynamoDB number
 * (optional sign, digits, optional fraction and exponent, <= 38 significant
 * digits), else NULL. */
cJSON *sw_ddb_number(const char *decimal);

#endif
