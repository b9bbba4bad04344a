/* sw_ddb.c - a command-line driver over sw/dynamodb.h for the integration
 * tests (tests/integration/test_dynamodb.py).
 *
 *   sw_ddb put TABLE ITEM_JSON [--condition EXPR] [--names JSON] [--values JSON]
 *   sw_ddb get TABLE KEY_JSON
 *   sw_ddb update TABLE KEY_JSON --update EXPR [--condition EXPR]
 *                                [--names JSON] [--values JSON]
 *   sw_ddb delete TABLE KEY_JSON [--condition EXPR] [--names ..] [--values ..]
 *   sw_ddb query TABLE --key-condition EXPR --values JSON [--names JSON]
 *                [--filter EXPR] [--index NAME] [--limit N] [--max-items N]
 *                [--desc]
 *   sw_ddb batch-write TABLE FILE [--deadline-ms N]
 * Common: --plain (items, keys and values are plain JSON, marshalled with
 * sw_ddb_marshal_item; results are printed unmarshalled).
 *
 * Credentials come from the standard chain, the endpoint from
 * AWS_ENDPOINT_URL(_DYNAMODB). Prints one JSON line on stdout:
 *   {"ok":true,...}  or
 *   {"ok":false,"code":..,"message":..,"result":..,"http_status":..,
 *    "attempts":N[,"failed":[indexes],"written":N,"requests":N]}
 * and exits 0, 2 (bad input, or a service error that retrying cannot fix:
 * validation, authentication, authorization, condition), 3 (transient) or
 * 4 (batch partially written). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw/dynamodb.h"
#include "sw/exit.h"
#include "sw_helper.h"

typedef struct opts {
    const char *cmd, *table, *arg;
    const char *condition, *update, *key_condition, *filter, *index;
    const char *names, *values;
    int limit, max_items, desc, plain;
    long deadline_ms;
} opts;

/* fail: prints the failure line (err may be NULL) and returns the exit
 * code. res (may be NULL) adds the batch fields. */
static int fail(sw_result rc, const sw_aws_error *err, const char *why,
                const sw_ddb_batch_result *res)
{
    cJSON *o = cJSON_CreateObject();
    const char *code = err && err->code[0] ? err->code : sw_result_str(rc);
    const char *msg = why ? why : err && err->message[0] ? err->message : "";
    cJSON_AddFalseToObject(o, "ok");
    cJSON_AddStringToObject(o, "code", code);
    cJSON_AddStringToObject(o, "message", msg);
    cJSON_AddStringToObject(o, "result", sw_result_str(rc));
    cJSON_AddNumberToObject(o, "http_status", err ? (double)err->http_status : 0);
    cJSON_AddNumberToObject(o, "attempts", err ? err->attempts : 0);
    if (res) {
        cJSON *f = cJSON_AddArrayToObject(o, "failed");
        for (size_t i = 0; i < res->failed_count; i++)
            cJSON_AddItemToArray(f, cJSON_CreateNumber((double)res->failed[i]));
        cJSON_AddNumberToObject(o, "written", (double)res->written);
        cJSON_AddNumberToObject(o, "requests", res->requests);
    }
    sw_helper_print_line(o);
    return rc == SW_OK ? SW_EXIT_INTERNAL : sw_aws_exit_code(rc, err);
}

/* usage: prints the usage failure line; returns exit code 2. */
static int usage(const char *why)
{
    fprintf(stderr,
            "usage: sw_ddb put|get|update|delete|query|batch-write TABLE "
            "[ARG] [options] (see tests/helpers/sw_ddb.c)\n");
    return fail(SW_E_INVALID, NULL, why, NULL);
}

/* parse_opts: fills o from argv. Returns 0 or 2 (after printing). */
static int parse_opts(int argc, char **argv, opts *o)
{
    int pos = 0;
    memset(o, 0, sizeof(*o));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **sval = NULL;
        long *lval = NULL;
        long tmp = 0;
        if (!strcmp(a, "--plain")) {
            o->plain = 1;
            continue;
        }
        if (!strcmp(a, "--desc")) {
            o->desc = 1;
            continue;
        }
        if (!strcmp(a, "--condition"))
            sval = &o->condition;
        else if (!strcmp(a, "--update"))
            sval = &o->update;
        else if (!strcmp(a, "--key-condition"))
            sval = &o->key_condition;
        else if (!strcmp(a, "--filter"))
            sval = &o->filter;
        else if (!strcmp(a, "--index"))
            sval = &o->index;
        else if (!strcmp(a, "--names"))
            sval = &o->names;
        else if (!strcmp(a, "--values"))
            sval = &o->values;
        else if (!strcmp(a, "--limit") || !strcmp(a, "--max-items") ||
                 !strcmp(a, "--deadline-ms"))
            lval = &tmp;
        else if (a[0] == '-' && a[1] == '-')
            return usage("unknown option");
        if (sval || lval) {
            char *end;
            if (++i >= argc)
                return usage("option needs a value");
            if (sval) {
                *sval = argv[i];
                continue;
            }
            tmp = strtol(argv[i], &end, 10);
            if (*end || end == argv[i] || tmp < 0 || tmp > 1000000000L)
                return usage("bad number");
            if (!strcmp(a, "--limit"))
                o->limit = (int)tmp;
            else if (!strcmp(a, "--max-items"))
                o->max_items = (int)tmp;
            else
                o->deadline_ms = tmp;
            continue;
        }
        if (pos == 0)
            o->cmd = a;
        else if (pos == 1)
            o->table = a;
        else if (pos == 2)
            o->arg = a;
        else
            return usage("too many arguments");
        pos++;
    }
    if (!o->cmd || !o->table)
        return usage("missing command or table");
    return 0;
}

/* parse_json: parses text as an item-like object (marshalled with --plain).
 * Returns the new object or NULL. */
static cJSON *parse_json(const char *text, int plain, int marshal)
{
    cJSON *j = text ? cJSON_Parse(text) : NULL, *m;
    if (!j || !plain || !marshal)
        return j;
    m = sw_ddb_marshal_item(j);
    cJSON_Delete(j);
    return m;
}

/* result_item: v as printed in results: unmarshalled with --plain. Takes
 * ownership of v; returns a node to add (cJSON null for NULL). */
static cJSON *result_item(cJSON *v, int plain)
{
    cJSON *u;
    if (!v)
        return cJSON_CreateNull();
    if (!plain)
        return v;
    u = cJSON_IsArray(v) ? cJSON_CreateArray() : sw_ddb_unmarshal_item(v);
    if (cJSON_IsArray(v)) {
        const cJSON *it;
        cJSON_ArrayForEach(it, v)
            cJSON_AddItemToArray(u, sw_ddb_unmarshal_item(it));
    }
    cJSON_Delete(v);
    return u ? u : cJSON_CreateNull();
}

/* read_file: the whole file as a NUL-terminated string, or NULL. */
static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *s = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (s = malloc((size_t)n + 1))) {
        if (fread(s, 1, (size_t)n, f) != (size_t)n) {
            free(s);
            s = NULL;
        } else {
            s[n] = '\0';
        }
    }
    fclose(f);
    return s;
}

/* batch_write: the batch-write command. Returns the exit code. */
static int batch_write(sw_aws_client *c, const opts *o)
{
    char *text = o->arg ? read_file(o->arg) : NULL;
    cJSON *arr = text ? cJSON_Parse(text) : NULL, *owned = NULL;
    const cJSON **items = NULL;
    sw_ddb_batch_result res;
    sw_aws_error err;
    sw_result rc;
    int code, n = cJSON_GetArraySize(arr);
    free(text);
    if (!cJSON_IsArray(arr)) {
        cJSON_Delete(arr);
        return usage("FILE must hold a JSON array of items");
    }
    items = calloc((size_t)n + 1, sizeof(*items));
    owned = cJSON_CreateArray(); /* keeps marshalled copies alive */
    int i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr) {
        if (o->plain) {
            cJSON *m = sw_ddb_marshal_item(it);
            if (!m) /* not an object: sw_ddb_batch_write rejects it */
                m = cJSON_CreateNull();
            cJSON_AddItemToArray(owned, m);
            items[i++] = m;
        } else {
            items[i++] = it;
        }
    }
    rc = sw_ddb_batch_write(c, o->table, items, (size_t)n, o->deadline_ms,
                            &res, &err);
    if (rc == SW_OK) {
        cJSON *out = cJSON_CreateObject();
        cJSON_AddTrueToObject(out, "ok");
        cJSON_AddNumberToObject(out, "written", (double)res.written);
        cJSON_AddNumberToObject(out, "requests", res.requests);
        cJSON_AddItemToObject(out, "failed", cJSON_CreateArray());
        sw_helper_print_line(out);
        code = 0;
    } else {
        code = fail(rc, &err, NULL, &res);
    }
    sw_ddb_batch_result_free(&res);
    free(items);
    cJSON_Delete(owned);
    cJSON_Delete(arr);
    return code;
}

/* run: executes the single-item and query commands. Returns the exit
 * code. */
static int run(sw_aws_client *c, const opts *o)
{
    sw_aws_error err;
    sw_result rc;
    cJSON *obj = NULL, *names = NULL, *values = NULL, *out = NULL;
    cJSON *result = NULL;
    const char *result_name = NULL;
    int code;
    memset(&err, 0, sizeof(err));
    if (o->names && !(names = cJSON_Parse(o->names)))
        return usage("--names is not JSON");
    if (o->values && !(values = parse_json(o->values, o->plain, 1))) {
        cJSON_Delete(names);
        return usage("--values is not valid JSON");
    }
    sw_ddb_expr e = {.condition = o->condition, .update = o->update,
                     .key_condition = o->key_condition, .filter = o->filter,
                     .names = names, .values = values};
    if (strcmp(o->cmd, "query") != 0 &&
        !(obj = parse_json(o->arg, o->plain, 1))) {
        cJSON_Delete(names);
        cJSON_Delete(values);
        return usage("item or key is not valid JSON");
    }
    if (!strcmp(o->cmd, "put")) {
        rc = sw_ddb_put_item(c, o->table, obj, &e, &err);
    } else if (!strcmp(o->cmd, "get")) {
        rc = sw_ddb_get_item(c, o->table, obj, &result, &err);
        result_name = "item";
    } else if (!strcmp(o->cmd, "update")) {
        rc = sw_ddb_update_item(c, o->table, obj, &e, &result, &err);
        result_name = "attributes";
    } else if (!strcmp(o->cmd, "delete")) {
        rc = sw_ddb_delete_item(c, o->table, obj, &e, &err);
    } else if (!strcmp(o->cmd, "query")) {
        sw_ddb_query_opts q = {.index = o->index, .expr = e,
                               .limit = o->limit, .descending = o->desc,
                               .max_items = o->max_items};
        rc = sw_ddb_query(c, o->table, &q, &result, &err);
        result_name = "items";
    } else {
        cJSON_Delete(obj);
        cJSON_Delete(names);
        cJSON_Delete(values);
        return usage("unknown command");
    }
    if (rc == SW_OK) {
        out = cJSON_CreateObject();
        cJSON_AddTrueToObject(out, "ok");
        if (result_name && !strcmp(result_name, "items"))
            cJSON_AddNumberToObject(out, "count", cJSON_GetArraySize(result));
        if (result_name)
            cJSON_AddItemToObject(out, result_name,
                                  result_item(result, o->plain));
        cJSON_AddNumberToObject(out, "attempts", err.attempts);
        sw_helper_print_line(out);
        code = 0;
    } else {
        cJSON_Delete(result);
        code = fail(rc, &err, NULL, NULL);
    }
    cJSON_Delete(obj);
    cJSON_Delete(names);
    cJSON_Delete(values);
    return code;
}

int main(int argc, char **argv)
{
    opts o;
    sw_aws_config cfg = {.service = sw_ddb_service};
    sw_helper_aws h;
    sw_aws_error err;
    sw_result rc;
    int code;
    if ((code = parse_opts(argc, argv, &o)))
        return code;
    if ((rc = sw_helper_aws_open(&h, &cfg, &err)) != SW_OK)
        code = fail(rc, &err, NULL, NULL);
    else if (!strcmp(o.cmd, "batch-write"))
        code = batch_write(h.client, &o);
    else
        code = run(h.client, &o);
    sw_helper_aws_close(&h);
    return code;
}
