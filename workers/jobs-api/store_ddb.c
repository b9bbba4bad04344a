/* store_ddb.c - the job store on DynamoDB (see store.h).
 *
 * Table JOBS_TABLE: partition key id (S); GSI "status-scheduled_for"
 * (status S, scheduled_for S, projection ALL) for the launcher's "due
 * SCHEDULED jobs" query and GET /list?status=. Attributes: docker_image,
 * scheduled_for, created_at, updated_at (S), attempt (N), token_hash (S,
 * the callback token's SHA-256), env_vars (M of S), and when set
 * instance_id, error_message, last_event, last_heartbeat (S). */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "sw/dynamodb.h"

typedef struct ddb_store {
    char table[256];
    jobs_pool *pool;
} ddb_store;

/* add_s: item[name] = {"S": v}. Returns false on ENOMEM. */
static bool add_s(cJSON *item, const char *name, const char *v)
{
    cJSON *a = sw_ddb_string(v);
    if (a && cJSON_AddItemToObject(item, name, a))
        return true;
    cJSON_Delete(a);
    return false;
}

/* add_n: item[name] = {"N": "<v>"}. */
static bool add_n(cJSON *item, const char *name, int v)
{
    char num[16];
    snprintf(num, sizeof num, "%d", v);
    cJSON *a = sw_ddb_number(num);
    if (a && cJSON_AddItemToObject(item, name, a))
        return true;
    cJSON_Delete(a);
    return false;
}

/* to_item: the whole job as a DynamoDB item. NULL on ENOMEM. */
static cJSON *to_item(const jobs_job *j)
{
    cJSON *item = cJSON_CreateObject();
    cJSON *env = j->env ? sw_ddb_marshal(j->env) : NULL;
    bool ok = item && env && add_s(item, "id", j->id) &&
              add_s(item, "status", jobs_status_name(j->status)) &&
              add_s(item, "docker_image", j->docker_image) &&
              add_s(item, "scheduled_for", j->scheduled_for) &&
              add_s(item, "created_at", j->created_at) &&
              add_s(item, "updated_at", j->updated_at) &&
              add_n(item, "attempt", j->attempt) &&
              add_s(item, "token_hash", j->token_hash) &&
              cJSON_AddItemToObject(item, "env_vars", env);
    if (ok)
        env = NULL;
    if (ok && j->instance_id[0])
        ok = add_s(item, "instance_id", j->instance_id);
    if (ok && j->error_message[0])
        ok = add_s(item, "error_message", j->error_message);
    if (ok && j->last_event[0])
        ok = add_s(item, "last_event", j->last_event);
    if (ok && j->last_heartbeat[0])
        ok = add_s(item, "last_heartbeat", j->last_heartbeat);
    cJSON_Delete(env);
    if (!ok) {
        cJSON_Delete(item);
        return NULL;
    }
    return item;
}

/* get_s: copies the string member `name` of plain into dst (cap bytes).
 * Returns false when missing (and required) or too long. */
static bool get_s(const cJSON *plain, const char *name, char *dst, size_t cap,
                  bool required)
{
    const char *v = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(plain, name));
    if (!v) {
        dst[0] = '\0';
        return !required;
    }
    if (strlen(v) >= cap)
        return false;
    memcpy(dst, v, strlen(v) + 1);
    return true;
}

/* from_item: a stored item back into a job. SW_OK, SW_E_PARSE (an item
 * this service did not write) or SW_E_NOMEM. */
static sw_result from_item(const cJSON *item, jobs_job *j)
{
    jobs_job_init(j);
    cJSON *plain = sw_ddb_unmarshal_item(item);
    if (!plain)
        return SW_E_PARSE;
    char status[16];
    const cJSON *att = cJSON_GetObjectItemCaseSensitive(plain, "attempt");
    cJSON *env = cJSON_GetObjectItemCaseSensitive(plain, "env_vars");
    bool ok = get_s(plain, "id", j->id, sizeof j->id, true) &&
              get_s(plain, "status", status, sizeof status, true) &&
              jobs_status_parse(status, &j->status) &&
              get_s(plain, "docker_image", j->docker_image,
                    sizeof j->docker_image, true) &&
              get_s(plain, "scheduled_for", j->scheduled_for,
                    sizeof j->scheduled_for, true) &&
              get_s(plain, "created_at", j->created_at, sizeof j->created_at,
                    true) &&
              get_s(plain, "updated_at", j->updated_at, sizeof j->updated_at,
                    true) &&
              get_s(plain, "token_hash", j->token_hash, sizeof j->token_hash,
                    true) &&
              get_s(plain, "instance_id", j->instance_id,
                    sizeof j->instance_id, false) &&
              get_s(plain, "error_message", j->error_message,
                    sizeof j->error_message, false) &&
              get_s(plain, "last_event", j->last_event, sizeof j->last_event,
                    false) &&
              get_s(plain, "last_heartbeat", j->last_heartbeat,
                    sizeof j->last_heartbeat, false) &&
              cJSON_IsNumber(att) && cJSON_IsObject(env);
    if (ok) {
        j->attempt = att->valueint;
        j->env = cJSON_DetachItemViaPointer(plain, env);
    }
    cJSON_Delete(plain);
    return ok ? SW_OK : SW_E_PARSE;
}

/* key_of: {"id": {"S": id}}. */
static cJSON *key_of(const char *id)
{
    cJSON *k = cJSON_CreateObject();
    if (k && !add_s(k, "id", id)) {
        cJSON_Delete(k);
        return NULL;
    }
    return k;
}

/* pooled_update: one UpdateItem of key with x on a pooled client.
 * Returns sw_ddb_update_item's result, or SW_E_NOMEM without a client. */
static sw_result pooled_update(ddb_store *s, const cJSON *key,
                               const sw_ddb_expr *x, sw_aws_error *err)
{
    jobs_pool_entry *e = jobs_pool_get(s->pool);
    if (!e)
        return SW_E_NOMEM;
    sw_result rc = sw_ddb_update_item(e->client, s->table, key, x, NULL, err);
    jobs_pool_put(s->pool, e);
    return rc;
}

/* ddb_create: PutItem if attribute_not_exists(id). */
static sw_result ddb_create(void *ctx, const jobs_job *job, sw_aws_error *err)
{
    ddb_store *s = ctx;
    cJSON *item = to_item(job);
    jobs_pool_entry *e = item ? jobs_pool_get(s->pool) : NULL;
    sw_result rc = SW_E_NOMEM;
    if (e) {
        sw_ddb_expr x = {.condition = "attribute_not_exists(id)"};
        rc = sw_ddb_put_item(e->client, s->table, item, &x, err);
    }
    jobs_pool_put(s->pool, e);
    cJSON_Delete(item);
    return rc;
}

/* ddb_get: consistent GetItem. */
static sw_result ddb_get(void *ctx, const char *id, jobs_job *out,
                         bool *found, sw_aws_error *err)
{
    ddb_store *s = ctx;
    cJSON *key = key_of(id), *item = NULL;
    jobs_pool_entry *e = key ? jobs_pool_get(s->pool) : NULL;
    sw_result rc = SW_E_NOMEM;
    *found = false;
    if (e)
        rc = sw_ddb_get_item(e->client, s->table, key, &item, err);
    jobs_pool_put(s->pool, e);
    if (rc == SW_OK && item) {
        rc = from_item(item, out);
        *found = rc == SW_OK;
    }
    cJSON_Delete(item);
    cJSON_Delete(key);
    return rc;
}

/* ddb_update: one UpdateItem setting every mutable attribute (removing the
 * optional ones that are empty), on condition status = from AND attempt =
 * from_attempt (AND last_heartbeat = from_beat, or absent for "", when
 * from_beat is given). */
static sw_result ddb_update(void *ctx, const jobs_job *next, jobs_status from,
                            int from_attempt, const char *from_beat,
                            sw_aws_error *err)
{
    ddb_store *s = ctx;
    struct {
        const char *name, *alias, *value;
    } opt[] = {{"instance_id", "#ii", next->instance_id},
               {"error_message", "#em", next->error_message},
               {"last_event", "#le", next->last_event},
               {"last_heartbeat", "#lh", next->last_heartbeat}};
    enum { OPT_N = sizeof opt / sizeof opt[0] };
    sw_buf set = SW_BUF_INIT, rem = SW_BUF_INIT, upd = SW_BUF_INIT;
    cJSON *names = cJSON_CreateObject(), *vals = cJSON_CreateObject();
    cJSON *key = key_of(next->id);
    bool ok = names && vals && key &&
              cJSON_AddStringToObject(names, "#st", "status") &&
              cJSON_AddStringToObject(names, "#at", "attempt") &&
              cJSON_AddStringToObject(names, "#sf", "scheduled_for") &&
              cJSON_AddStringToObject(names, "#ua", "updated_at") &&
              cJSON_AddStringToObject(names, "#th", "token_hash") &&
              add_s(vals, ":st", jobs_status_name(next->status)) &&
              add_n(vals, ":at", next->attempt) &&
              add_s(vals, ":sf", next->scheduled_for) &&
              add_s(vals, ":ua", next->updated_at) &&
              add_s(vals, ":th", next->token_hash) &&
              add_s(vals, ":from", jobs_status_name(from)) &&
              add_n(vals, ":fa", from_attempt) &&
              sw_buf_append_cstr(&set, "SET #st = :st, #at = :at, #sf = :sf, "
                                 "#ua = :ua, #th = :th") == SW_OK;
    for (size_t i = 0; ok && i < OPT_N; i++) {
        ok = cJSON_AddStringToObject(names, opt[i].alias, opt[i].name) != NULL;
        if (ok && opt[i].value[0]) {
            char v[8];
            snprintf(v, sizeof v, ":%s", opt[i].alias + 1);
            ok = add_s(vals, v, opt[i].value) &&
                 sw_buf_appendf(&set, ", %s = %s", opt[i].alias, v) == SW_OK;
        } else if (ok) {
            ok = sw_buf_appendf(&rem, "%s%s", rem.len ? ", " : " REMOVE ",
                                opt[i].alias) == SW_OK;
        }
    }
    ok = ok && sw_buf_append_cursor(&upd, sw_cursor_from_buf(&set)) == SW_OK &&
         sw_buf_append_cursor(&upd, sw_cursor_from_buf(&rem)) == SW_OK;
    const char *cond = "#st = :from AND #at = :fa";
    if (from_beat && from_beat[0]) {
        cond = "#st = :from AND #at = :fa AND #lh = :fb";
        ok = ok && add_s(vals, ":fb", from_beat);
    } else if (from_beat) {
        cond = "#st = :from AND #at = :fa AND attribute_not_exists(#lh)";
    }
    sw_ddb_expr x = {.condition = cond,
                     .update = upd.ptr,
                     .names = names,
                     .values = vals};
    sw_result rc = ok ? pooled_update(s, key, &x, err) : SW_E_NOMEM;
    cJSON_Delete(names);
    cJSON_Delete(vals);
    cJSON_Delete(key);
    sw_buf_free(&set);
    sw_buf_free(&rem);
    sw_buf_free(&upd);
    return rc;
}

/* ddb_beat: UpdateItem SET last_heartbeat on condition status = RUNNING
 * AND attempt = attempt (which also fails for a missing item: no
 * heartbeat creates a job). */
static sw_result ddb_beat(void *ctx, const char *id, int attempt,
                          const char *stamp, sw_aws_error *err)
{
    ddb_store *s = ctx;
    cJSON *names = cJSON_CreateObject(), *vals = cJSON_CreateObject();
    cJSON *key = key_of(id);
    bool ok = names && vals && key &&
              cJSON_AddStringToObject(names, "#st", "status") &&
              cJSON_AddStringToObject(names, "#at", "attempt") &&
              cJSON_AddStringToObject(names, "#lh", "last_heartbeat") &&
              add_s(vals, ":run", jobs_status_name(JOBS_RUNNING)) &&
              add_n(vals, ":at", attempt) && add_s(vals, ":lh", stamp);
    sw_ddb_expr x = {.condition = "#st = :run AND #at = :at",
                     .update = "SET #lh = :lh",
                     .names = names,
                     .values = vals};
    sw_result rc = ok ? pooled_update(s, key, &x, err) : SW_E_NOMEM;
    cJSON_Delete(names);
    cJSON_Delete(vals);
    cJSON_Delete(key);
    return rc;
}

/* start_key_ok: a page token's key: only id / status / scheduled_for, each
 * {"S": string}; with a status query its status must be that one. */
static bool start_key_ok(const cJSON *key, const jobs_status *status)
{
    const cJSON *m;
    int n = 0;
    cJSON_ArrayForEach(m, key) {
        const cJSON *sv = cJSON_GetObjectItemCaseSensitive(m, "S");
        if (!cJSON_IsObject(m) || cJSON_GetArraySize(m) != 1 ||
            !cJSON_IsString(sv))
            return false;
        if (strcmp(m->string, "id") == 0) {
            if (!jobs_id_valid(sv->valuestring))
                return false;
        } else if (strcmp(m->string, "status") == 0) {
            jobs_status st;
            if (!status || !jobs_status_parse(sv->valuestring, &st) ||
                st != *status)
                return false;
        } else if (strcmp(m->string, "scheduled_for") != 0 || !status) {
            return false;
        }
        n++;
    }
    return n == (status ? 3 : 1) &&
           cJSON_GetObjectItemCaseSensitive(key, "id");
}

/* ddb_list: one Query page on the GSI (with a status) or one Scan page,
 * with the page token as ExclusiveStartKey and LastEvaluatedKey as the
 * next token. Called directly (not sw_ddb_query) because the page
 * boundary is the API's. */
static sw_result ddb_list(void *ctx, const jobs_status *status, int limit,
                          const char *next_in, jobs_job_list *out,
                          sw_buf *next_out, sw_aws_error *err)
{
    ddb_store *s = ctx;
    cJSON *start = NULL;
    if (next_in && *next_in) {
        start = jobs_next_decode(next_in);
        if (!start || !start_key_ok(start, status)) {
            cJSON_Delete(start);
            return SW_E_INVALID;
        }
    }
    cJSON *req = cJSON_CreateObject();
    bool ok = req && cJSON_AddStringToObject(req, "TableName", s->table) &&
              cJSON_AddNumberToObject(req, "Limit", limit);
    if (ok && start)
        ok = cJSON_AddItemToObject(req, "ExclusiveStartKey", start);
    if (ok)
        start = NULL;
    if (ok && status) {
        cJSON *names = cJSON_AddObjectToObject(req,
                                               "ExpressionAttributeNames");
        cJSON *vals = cJSON_AddObjectToObject(req,
                                              "ExpressionAttributeValues");
        ok = names && vals &&
             cJSON_AddStringToObject(req, "IndexName", JOBS_STATUS_INDEX) &&
             cJSON_AddStringToObject(req, "KeyConditionExpression",
                                     "#st = :st") &&
             cJSON_AddStringToObject(names, "#st", "status") &&
             add_s(vals, ":st", jobs_status_name(*status));
    }
    char *json = ok ? cJSON_PrintUnformatted(req) : NULL;
    cJSON_Delete(req);
    cJSON_Delete(start);
    if (!json)
        return SW_E_NOMEM;
    sw_buf body = SW_BUF_INIT;
    jobs_pool_entry *e = jobs_pool_get(s->pool);
    sw_result rc = SW_E_NOMEM;
    if (e)
        rc = sw_aws_json_call(e->client, "1.0",
                              status ? "DynamoDB_20120810.Query"
                                     : "DynamoDB_20120810.Scan",
                              sw_cursor_from_cstr(json), &body, err);
    jobs_pool_put(s->pool, e);
    free(json);
    cJSON *resp = rc ? NULL
                     : cJSON_ParseWithLength(body.ptr ? body.ptr : "",
                                             body.len);
    sw_buf_free(&body);
    if (rc)
        return rc;
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(resp, "Items");
    const cJSON *last = cJSON_GetObjectItemCaseSensitive(resp,
                                                         "LastEvaluatedKey");
    if (!cJSON_IsArray(items)) {
        cJSON_Delete(resp);
        return sw_aws_local_error(err, SW_E_PARSE, "no Items in the answer");
    }
    int n = cJSON_GetArraySize(items);
    out->items = calloc(n ? (size_t)n : 1, sizeof *out->items);
    out->count = 0;
    const cJSON *it;
    rc = out->items ? SW_OK : SW_E_NOMEM;
    cJSON_ArrayForEach(it, items) {
        if (rc)
            break;
        rc = from_item(it, &out->items[out->count]);
        if (rc == SW_OK)
            out->count++;
        else
            jobs_job_free(&out->items[out->count]);
    }
    if (rc == SW_OK && cJSON_IsObject(last))
        rc = jobs_next_encode(last, next_out);
    cJSON_Delete(resp);
    if (rc)
        jobs_job_list_free(out);
    return rc;
}

/* ddb_due: sw_ddb_query on the GSI: status = :st AND scheduled_for <= :u. */
static sw_result ddb_due(void *ctx, jobs_status status, const char *until,
                         int limit, jobs_job_list *out, sw_aws_error *err)
{
    ddb_store *s = ctx;
    cJSON *names = cJSON_CreateObject(), *vals = cJSON_CreateObject();
    cJSON *items = NULL;
    bool ok = names && vals &&
              cJSON_AddStringToObject(names, "#st", "status") &&
              cJSON_AddStringToObject(names, "#sf", "scheduled_for") &&
              add_s(vals, ":st", jobs_status_name(status)) &&
              add_s(vals, ":u", until);
    sw_result rc = SW_E_NOMEM;
    jobs_pool_entry *e = ok ? jobs_pool_get(s->pool) : NULL;
    if (e) {
        sw_ddb_query_opts q = {.index = JOBS_STATUS_INDEX,
                               .expr = {.key_condition =
                                            "#st = :st AND #sf <= :u",
                                        .names = names,
                                        .values = vals},
                               .limit = limit,
                               .max_items = limit};
        rc = sw_ddb_query(e->client, s->table, &q, &items, err);
    }
    jobs_pool_put(s->pool, e);
    cJSON_Delete(names);
    cJSON_Delete(vals);
    if (rc == SW_OK) {
        int n = cJSON_GetArraySize(items);
        out->items = calloc(n ? (size_t)n : 1, sizeof *out->items);
        out->count = 0;
        const cJSON *it;
        rc = out->items ? SW_OK : SW_E_NOMEM;
        cJSON_ArrayForEach(it, items) {
            if (rc || out->count == (size_t)limit)
                break;
            /* An item this service cannot read is skipped, not fatal: one
             * bad row must not stop every launch. */
            if (from_item(it, &out->items[out->count]) == SW_OK)
                out->count++;
            else
                jobs_job_free(&out->items[out->count]);
        }
    }
    cJSON_Delete(items);
    return rc;
}

static const jobs_store_ops ddb_ops = {ddb_create, ddb_get, ddb_update,
                                       ddb_beat,   ddb_list, ddb_due};

/* jobs_store_ddb_new: checks the table name, makes the client pool. */
sw_result jobs_store_ddb_new(const char *table, jobs_store *out,
                             const char **why)
{
    if (!table || !sw_ddb_table_name_valid(table)) {
        *why = "JOBS_TABLE is not a table name (3 to 255 of A-Z a-z 0-9 "
               "_ . -)";
        return SW_E_CONFIG;
    }
    ddb_store *s = calloc(1, sizeof *s);
    if (!s)
        return SW_E_NOMEM;
    snprintf(s->table, sizeof s->table, "%s", table);
    sw_result rc = jobs_pool_new(&sw_ddb_service, &s->pool, why);
    if (rc) {
        free(s);
        return rc;
    }
    out->ops = &ddb_ops;
    out->ctx = s;
    return SW_OK;
}

/* jobs_store_ddb_free: the pool, then the store. */
void jobs_store_ddb_free(jobs_store *st)
{
    ddb_store *s = st ? st->ctx : NULL;
    if (!s)
        return;
    jobs_pool_free(s->pool);
    free(s);
    st->ctx = NULL;
}
