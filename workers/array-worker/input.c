/* input.c - the array-worker's input parser, Batch environment and result
 * object (see input.h). Every rejection names the source and the place,
 * because the message is all a user sees of a failed array child. */
#include "input.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sw/sha256.h"

/* escaped_nul_at: the offset of a "\u0000" escape in json (cJSON would cut
 * the string there), or -1. Backslash pairs are skipped so "\\u0000" (a
 * literal backslash) does not count. */
static long escaped_nul_at(sw_cursor json)
{
    for (size_t i = 0; i + 1 < json.len; i++) {
        if (json.ptr[i] != '\\')
            continue;
        if (json.ptr[i + 1] == 'u' && json.len - i >= 6 &&
            memcmp(json.ptr + i + 2, "0000", 4) == 0)
            return (long)i;
        i++; /* the escaped character */
    }
    return -1;
}

/* check_string: a member that must be a UTF-8 string of at most max bytes.
 * Returns SW_OK or SW_E_INVALID with why naming `name`. */
static sw_result check_string(const cJSON *v, const char *what,
                              const char *name, size_t max, char *why)
{
    if (!cJSON_IsString(v) || !v->valuestring) {
        snprintf(why, AW_WHY_LEN, "%s: %s is not a string", what, name);
        return SW_E_INVALID;
    }
    size_t n = strlen(v->valuestring);
    if (n > max) {
        snprintf(why, AW_WHY_LEN, "%s: %s is %zu bytes, more than %zu",
                 what, name, n, max);
        return SW_E_INVALID;
    }
    if (!sw_utf8_valid(sw_cursor_from_mem(v->valuestring, n))) {
        snprintf(why, AW_WHY_LEN, "%s: %s is not valid UTF-8", what, name);
        return SW_E_INVALID;
    }
    return SW_OK;
}

/* check_members: the top level is an object whose known members appear at
 * most once. Returns SW_OK or SW_E_INVALID. */
static sw_result check_members(const cJSON *doc, const char *what, char *why)
{
    static const char *const known[] = {"message", "items", "array_size"};
    if (!cJSON_IsObject(doc)) {
        snprintf(why, AW_WHY_LEN, "%s: the input is not a JSON object", what);
        return SW_E_INVALID;
    }
    for (size_t k = 0; k < 3; k++) {
        int seen = 0;
        for (const cJSON *m = doc->child; m; m = m->next)
            seen += m->string && strcmp(m->string, known[k]) == 0;
        if (seen > 1) {
            snprintf(why, AW_WHY_LEN, "%s: \"%s\" appears %d times", what,
                     known[k], seen);
            return SW_E_INVALID;
        }
    }
    return SW_OK;
}

/* aw_input_parse: strict parse (see input.h). */
sw_result aw_input_parse(sw_cursor json, const char *what, aw_input *out,
                         char why[AW_WHY_LEN])
{
    memset(out, 0, sizeof *out);
    if (json.len > AW_INPUT_MAX) {
        snprintf(why, AW_WHY_LEN, "%s: %zu bytes, more than %d", what,
                 json.len, AW_INPUT_MAX);
        return SW_E_INVALID;
    }
    const char *nul = json.len ? memchr(json.ptr, '\0', json.len) : NULL;
    if (nul) {
        snprintf(why, AW_WHY_LEN, "%s: NUL byte at byte %zu", what,
                 (size_t)(nul - json.ptr));
        return SW_E_INVALID;
    }
    long at = escaped_nul_at(json);
    if (at >= 0) {
        snprintf(why, AW_WHY_LEN, "%s: \\u0000 at byte %ld (strings may not "
                 "hold NUL)", what, at);
        return SW_E_INVALID;
    }
    const char *end = NULL;
    cJSON *doc = json.len ? cJSON_ParseWithLengthOpts(json.ptr, json.len,
                                                      &end, 0)
                          : NULL;
    if (!doc) {
        size_t pos = end && end >= json.ptr ? (size_t)(end - json.ptr) : 0;
        /* cJSON reports an error past the end at the last byte. */
        if (pos + 1 >= json.len)
            snprintf(why, AW_WHY_LEN, "%s: malformed JSON at byte %zu, the "
                     "end (is it cut short?)", what, pos);
        else
            snprintf(why, AW_WHY_LEN, "%s: malformed JSON at byte %zu", what,
                     pos);
        return SW_E_INVALID; /* cJSON also fails this way on ENOMEM */
    }
    size_t pos = (size_t)(end - json.ptr);
    while (pos < json.len && strchr(" \t\r\n", json.ptr[pos]))
        pos++;
    if (pos < json.len) {
        snprintf(why, AW_WHY_LEN, "%s: malformed JSON: unexpected text after "
                 "the value at byte %zu", what, pos);
        cJSON_Delete(doc);
        return SW_E_INVALID;
    }
    out->doc = doc;
    sw_result rc = check_members(doc, what, why);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(doc, "items");
    if (!rc && !items) {
        snprintf(why, AW_WHY_LEN, "%s: \"items\" is missing", what);
        rc = SW_E_INVALID;
    } else if (!rc && !cJSON_IsArray(items)) {
        snprintf(why, AW_WHY_LEN, "%s: \"items\" is not an array", what);
        rc = SW_E_INVALID;
    }
    int n = 0;
    for (const cJSON *it = rc ? NULL : items->child; it; it = it->next, n++) {
        char name[32];
        snprintf(name, sizeof name, "items[%d]", n);
        rc = check_string(it, what, name, AW_ITEM_MAX, why);
        if (rc)
            break;
    }
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(doc, "message");
    if (!rc && msg)
        rc = check_string(msg, what, "\"message\"", AW_MESSAGE_MAX, why);
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(doc, "array_size");
    if (!rc && size) {
        double d = cJSON_IsNumber(size) ? size->valuedouble : 0;
        if (!cJSON_IsNumber(size) || d != (double)(long)d || d < 1 ||
            d > AW_ARRAY_MAX) {
            snprintf(why, AW_WHY_LEN, "%s: \"array_size\" must be an integer "
                     "from 1 to %d", what, AW_ARRAY_MAX);
            rc = SW_E_INVALID;
        } else {
            out->array_size = (long)d;
        }
    }
    if (rc) {
        aw_input_free(out);
        return rc;
    }
    out->items = items;
    out->item_count = n;
    out->message = msg ? msg->valuestring : "Hello";
    return SW_OK;
}

/* aw_input_free: frees the document (NULL-safe, idempotent). */
void aw_input_free(aw_input *in)
{
    cJSON_Delete(in->doc);
    memset(in, 0, sizeof *in);
}

/* parse_long: a decimal integer of digits only in [lo, hi]. Returns SW_OK
 * or SW_E_INVALID. */
static sw_result parse_long(const char *s, long lo, long hi, long *out)
{
    long v = 0;
    if (!*s)
        return SW_E_INVALID;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > hi)
            return SW_E_INVALID;
        v = v * 10 + (*s - '0');
    }
    if (v < lo || v > hi)
        return SW_E_INVALID;
    *out = v;
    return SW_OK;
}

/* env_long: variable name as an integer in [lo, hi], dflt when unset or
 * empty. Returns SW_OK or SW_E_INVALID with why. */
static sw_result env_long(aw_env_get get, const char *name, long lo, long hi,
                          long dflt, long *out, bool *present, char *why)
{
    const char *s = get(name);
    *present = s && *s;
    *out = dflt;
    if (*present && parse_long(s, lo, hi, out)) {
        snprintf(why, AW_WHY_LEN, "%s must be an integer from %ld to %ld",
                 name, lo, hi);
        return SW_E_INVALID;
    }
    return SW_OK;
}

/* aw_job_from_env: reads the Batch variables (see input.h). */
sw_result aw_job_from_env(aw_env_get get, long input_size, aw_job *job,
                          char why[AW_WHY_LEN])
{
    memset(job, 0, sizeof *job);
    bool has_index, has_size, has_attempt;
    long env_size;
    if (env_long(get, "AWS_BATCH_JOB_ARRAY_INDEX", 0, AW_ARRAY_MAX - 1, 0,
                 &job->index, &has_index, why) ||
        env_long(get, "ARRAY_SIZE", 1, AW_ARRAY_MAX, 1, &env_size, &has_size,
                 why) ||
        env_long(get, "AWS_BATCH_JOB_ATTEMPT", 1, 1000, 1, &job->attempt,
                 &has_attempt, why))
        return SW_E_INVALID;
    job->single = !has_index;
    job->array_size = job->single ? 1 : input_size > 0 ? input_size : env_size;
    if (job->index >= job->array_size) {
        snprintf(why, AW_WHY_LEN, "AWS_BATCH_JOB_ARRAY_INDEX %ld is not below "
                 "the array size %ld (from %s)", job->index, job->array_size,
                 input_size > 0 ? "the input's \"array_size\""
                 : has_size ? "ARRAY_SIZE" : "the default");
        return SW_E_INVALID;
    }
    const char *id = get("AWS_BATCH_JOB_ID");
    if (!id || !*id)
        id = "local";
    size_t n = strlen(id);
    if (n >= AW_JOB_ID_LEN || !sw_utf8_valid(sw_cursor_from_mem(id, n))) {
        snprintf(why, AW_WHY_LEN, "AWS_BATCH_JOB_ID is not a job id (UTF-8, "
                 "at most %d bytes)", AW_JOB_ID_LEN - 1);
        return SW_E_INVALID;
    }
    /* A child's id is "<parent>:<index>"; strip the suffix only when it is
     * this child's index, so an id that merely contains ':' stays whole. */
    const char *colon = strrchr(id, ':');
    char suffix[24];
    snprintf(suffix, sizeof suffix, "%ld", job->index);
    if (!job->single && colon && colon > id && strcmp(colon + 1, suffix) == 0)
        n = (size_t)(colon - id);
    memcpy(job->job_id, id, n);
    job->job_id[n] = '\0';
    return SW_OK;
}

/* item_result: {"item","bytes","sha256","greeting"} for one item, or NULL
 * on ENOMEM. */
static cJSON *item_result(const char *item, const char *message)
{
    size_t n = strlen(item);
    uint8_t digest[SW_SHA256_LEN];
    char hex[2 * SW_SHA256_LEN + 1];
    sw_sha256(item, n, digest);
    sw_hex_lower(digest, sizeof digest, hex);
    sw_buf greeting = SW_BUF_INIT;
    cJSON *o = cJSON_CreateObject();
    bool ok = o && !sw_buf_appendf(&greeting, "%s %s", message, item) &&
              cJSON_AddStringToObject(o, "item", item) &&
              cJSON_AddNumberToObject(o, "bytes", (double)n) &&
              cJSON_AddStringToObject(o, "sha256", hex) &&
              cJSON_AddStringToObject(o, "greeting", greeting.ptr);
    sw_buf_free(&greeting);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* aw_result_build: the result object (see input.h). */
cJSON *aw_result_build(const aw_input *in, const aw_job *job)
{
    cJSON *r = cJSON_CreateObject();
    cJSON *list = cJSON_CreateArray();
    if (!r || !list) {
        cJSON_Delete(r);
        cJSON_Delete(list);
        return NULL;
    }
    bool ok = cJSON_AddStringToObject(r, "job_id", job->job_id) &&
              cJSON_AddNumberToObject(r, "index", (double)job->index) &&
              cJSON_AddNumberToObject(r, "array_size",
                                      (double)job->array_size) &&
              cJSON_AddNumberToObject(r, "attempt", (double)job->attempt);
    if (!cJSON_AddItemToObject(r, "items", list)) {
        cJSON_Delete(list);
        ok = false;
    }
    int count = 0, i = 0;
    for (const cJSON *it = in->items ? in->items->child : NULL; ok && it;
         it = it->next, i++) {
        if (i < job->index || (i - job->index) % job->array_size)
            continue;
        cJSON *one = item_result(it->valuestring, in->message);
        ok = one && cJSON_AddItemToArray(list, one);
        if (!ok)
            cJSON_Delete(one);
        count++;
    }
    ok = ok && cJSON_AddNumberToObject(r, "count", count);
    if (ok && count == 0)
        ok = cJSON_AddStringToObject(r, "note", "no items for this index");
    if (!ok) {
        cJSON_Delete(r);
        return NULL;
    }
    return r;
}
