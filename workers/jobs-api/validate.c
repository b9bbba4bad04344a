/* validate.c - request validation for jobs-api (see validate.h). */
#include "validate.h"

#include <stdio.h>
#include <string.h>

/* is_lower_alnum: [a-z0-9]. */
static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* is_alnum: [A-Za-z0-9]. */
static bool is_alnum(char c)
{
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* is_word: \w, i.e. [A-Za-z0-9_]. */
static bool is_word(char c)
{
    return is_alnum(c) || c == '_';
}

/* path_component_valid: alnum+ (separator alnum+)* over s[0..n), where a
 * separator is "." , "_", "__" or one or more "-". */
static bool path_component_valid(const char *s, size_t n)
{
    size_t i = 0;
    if (n == 0 || !is_lower_alnum(s[0]))
        return false;
    while (i < n) {
        while (i < n && is_lower_alnum(s[i]))
            i++;
        if (i == n)
            return true;
        size_t sep = i;
        if (s[i] == '.') {
            i++;
        } else if (s[i] == '_') {
            i++;
            if (i < n && s[i] == '_')
                i++;
        } else if (s[i] == '-') {
            while (i < n && s[i] == '-')
                i++;
        } else {
            return false;
        }
        if (i == sep || i == n || !is_lower_alnum(s[i]))
            return false;
    }
    return true;
}

/* domain_valid: host[:port] over s[0..n): dot-separated components of
 * [A-Za-z0-9] with inner '-', port 1-5 digits. */
static bool domain_valid(const char *s, size_t n)
{
    const char *colon = memchr(s, ':', n);
    size_t hn = colon ? (size_t)(colon - s) : n;
    if (colon) {
        size_t pn = n - hn - 1;
        if (pn == 0 || pn > 5)
            return false;
        for (size_t i = hn + 1; i < n; i++)
            if (s[i] < '0' || s[i] > '9')
                return false;
    }
    size_t start = 0;
    for (size_t i = 0; i <= hn; i++) {
        if (i < hn && s[i] != '.')
            continue;
        size_t len = i - start;
        if (len == 0 || !is_alnum(s[start]) || !is_alnum(s[i - 1]))
            return false;
        for (size_t k = start; k < i; k++)
            if (!is_alnum(s[k]) && s[k] != '-')
                return false;
        start = i + 1;
    }
    return true;
}

/* digest_valid: algorithm ":" hex, algorithm components [A-Za-z][A-Za-z0-9]*
 * joined by [+._-], hex at least 32 digits; sha256 exactly 64 lower-case. */
static bool digest_valid(const char *s)
{
    const char *colon = strchr(s, ':');
    if (!colon || colon == s)
        return false;
    bool need_alpha = true;
    for (const char *p = s; p < colon; p++) {
        char c = *p;
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (need_alpha) {
            if (!alpha)
                return false;
            need_alpha = false;
        } else if (c == '+' || c == '.' || c == '_' || c == '-') {
            need_alpha = true;
        } else if (!is_alnum(c)) {
            return false;
        }
    }
    if (need_alpha)
        return false;
    const char *hex = colon + 1;
    size_t n = strlen(hex);
    bool sha256 = (size_t)(colon - s) == 6 && strncmp(s, "sha256", 6) == 0;
    if (sha256 ? n != 64 : n < 32)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = hex[i];
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                  (!sha256 && c >= 'A' && c <= 'F');
        if (!ok)
            return false;
    }
    return true;
}

/* jobs_image_ref_valid: splits digest, tag, domain and path and checks
 * each part. */
bool jobs_image_ref_valid(const char *s, const char **why)
{
    size_t n = strlen(s);
    if (n == 0 || n > JOBS_IMAGE_MAX) {
        *why = "docker_image: empty or longer than 511 characters";
        return false;
    }
    const char *at = strchr(s, '@');
    if (at && !digest_valid(at + 1)) {
        *why = "docker_image: the digest is not algorithm:hex "
               "(sha256: 64 lower-case hex digits)";
        return false;
    }
    size_t end = at ? (size_t)(at - s) : n; /* name[:tag] is s[0..end) */
    const char *slash = NULL, *colon = NULL;
    for (size_t i = 0; i < end; i++) {
        if (s[i] == '/')
            slash = s + i;
        else if (s[i] == ':')
            colon = s + i;
    }
    size_t name_end = end;
    if (colon && (!slash || colon > slash)) { /* a tag, not a port */
        const char *tag = colon + 1;
        size_t tn = end - (size_t)(tag - s);
        bool ok = tn >= 1 && tn <= 128 && is_word(tag[0]);
        for (size_t i = 1; ok && i < tn; i++)
            ok = is_word(tag[i]) || tag[i] == '.' || tag[i] == '-';
        if (!ok) {
            *why = "docker_image: the tag must match [A-Za-z0-9_][A-Za-z0-9_.-]"
                   "{0,127}";
            return false;
        }
        name_end = (size_t)(colon - s);
    }
    if (name_end == 0 || name_end > JOBS_NAME_MAX) {
        *why = "docker_image: the name must be 1 to 255 characters";
        return false;
    }
    size_t path_start = 0;
    const char *first = memchr(s, '/', name_end);
    if (first) {
        size_t dn = (size_t)(first - s);
        bool is_domain = memchr(s, '.', dn) || memchr(s, ':', dn) ||
                         (dn == 9 && strncmp(s, "localhost", 9) == 0);
        for (size_t i = 0; !is_domain && i < dn; i++)
            is_domain = s[i] >= 'A' && s[i] <= 'Z';
        if (is_domain) {
            if (!domain_valid(s, dn)) {
                *why = "docker_image: the registry is not host[:port]";
                return false;
            }
            path_start = dn + 1;
        }
    }
    size_t start = path_start;
    for (size_t i = path_start; i <= name_end; i++) {
        if (i < name_end && s[i] != '/')
            continue;
        if (!path_component_valid(s + start, i - start)) {
            *why = "docker_image: the repository path must be lower-case "
                   "[a-z0-9] components separated by '/', with . _ __ - "
                   "inside";
            return false;
        }
        start = i + 1;
    }
    return true;
}

/* jobs_env_name_valid: the shell's variable name rule. */
bool jobs_env_name_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > JOBS_ENV_NAME_MAX || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_word(s[i]))
            return false;
    return true;
}

/* json_depth_ok: the deepest [ / { nesting outside strings is at most
 * max (a byte scan before parsing, so the message is ours). */
static bool json_depth_ok(sw_cursor b, int max)
{
    int depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < b.len; i++) {
        char c = b.ptr[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max)
                return false;
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return true;
}

/* has_duplicates: true when some object in the tree has two members of
 * the same name (quadratic per object; objects here are small and the
 * body is bounded). */
static bool has_duplicates(const cJSON *v)
{
    for (const cJSON *a = v ? v->child : NULL; a; a = a->next) {
        if (cJSON_IsObject(v))
            for (const cJSON *b = a->next; b; b = b->next)
                if (a->string && b->string && strcmp(a->string, b->string) == 0)
                    return true;
        if (has_duplicates(a))
            return true;
    }
    return false;
}

/* jobs_json_parse: the checks of validate.h, in order. */
cJSON *jobs_json_parse(sw_cursor body, const char **why)
{
    if (!sw_utf8_valid(body) || memchr(body.ptr, '\0', body.len)) {
        *why = "the body is not valid UTF-8 text";
        return NULL;
    }
    if (!json_depth_ok(body, JOBS_JSON_DEPTH_MAX)) {
        *why = "the JSON is nested deeper than 8 levels";
        return NULL;
    }
    const char *end = NULL;
    cJSON *v = cJSON_ParseWithLengthOpts(body.ptr, body.len, &end, 0);
    if (!v) {
        *why = "the body is not valid JSON";
        return NULL;
    }
    for (; end && end < body.ptr + body.len; end++)
        if (*end != ' ' && *end != '\t' && *end != '\r' && *end != '\n') {
            cJSON_Delete(v);
            *why = "the body has more than one JSON value";
            return NULL;
        }
    if (!cJSON_IsObject(v)) {
        cJSON_Delete(v);
        *why = "the body must be a JSON object";
        return NULL;
    }
    if (has_duplicates(v)) {
        cJSON_Delete(v);
        *why = "the body has a field more than once";
        return NULL;
    }
    return v;
}

/* jobs_json_only_fields: linear lookups in the short allowed list. */
bool jobs_json_only_fields(const cJSON *obj, const char *const *allowed,
                           const char **unknown)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, obj) {
        bool found = false;
        for (const char *const *a = allowed; *a && !found; a++)
            found = strcmp(*a, m->string) == 0;
        if (!found) {
            *unknown = m->string;
            return false;
        }
    }
    return true;
}

/* env_check: the env_vars object: string values, valid names, bounds. */
static sw_result env_check(const cJSON *env, char *why, size_t cap)
{
    if (!cJSON_IsObject(env)) {
        snprintf(why, cap, "env_vars must be an object of string values");
        return SW_E_INVALID;
    }
    size_t count = 0, bytes = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, env) {
        if (!jobs_env_name_valid(v->string)) {
            snprintf(why, cap, "env_vars: \"%.64s\" is not a variable name "
                     "([A-Za-z_][A-Za-z0-9_]*, at most 255)", v->string);
            return SW_E_INVALID;
        }
        if (!cJSON_IsString(v)) {
            snprintf(why, cap, "env_vars: the value of %.64s is not a string",
                     v->string);
            return SW_E_INVALID;
        }
        bytes += strlen(v->valuestring);
        if (++count > JOBS_ENV_MAX) {
            snprintf(why, cap, "env_vars: more than %d variables",
                     JOBS_ENV_MAX);
            return SW_E_INVALID;
        }
    }
    if (bytes > JOBS_ENV_BYTES_MAX) {
        snprintf(why, cap, "env_vars: the values add up to more than %d bytes",
                 JOBS_ENV_BYTES_MAX);
        return SW_E_INVALID;
    }
    return SW_OK;
}

/* jobs_schedule_parse: fields, image, time, env, in that order. */
sw_result jobs_schedule_parse(const cJSON *body, time_t now,
                              jobs_schedule_req *out, char *why, size_t cap)
{
    static const char *const allowed[] = {"docker_image", "scheduled_for",
                                          "env_vars", NULL};
    const char *unknown = NULL, *msg = NULL;
    memset(out, 0, sizeof *out);
    if (!jobs_json_only_fields(body, allowed, &unknown)) {
        snprintf(why, cap, "unknown field \"%.64s\" (allowed: docker_image, "
                 "scheduled_for, env_vars)", unknown);
        return SW_E_INVALID;
    }
    const cJSON *img = cJSON_GetObjectItemCaseSensitive(body, "docker_image");
    const cJSON *when = cJSON_GetObjectItemCaseSensitive(body, "scheduled_for");
    const cJSON *env = cJSON_GetObjectItemCaseSensitive(body, "env_vars");
    if (!img || !when) {
        snprintf(why, cap, "%s is required", img ? "scheduled_for"
                                                  : "docker_image");
        return SW_E_INVALID;
    }
    if (!cJSON_IsString(img) || !cJSON_IsString(when)) {
        snprintf(why, cap, "%s must be a string",
                 cJSON_IsString(img) ? "scheduled_for" : "docker_image");
        return SW_E_INVALID;
    }
    if (!jobs_image_ref_valid(img->valuestring, &msg)) {
        snprintf(why, cap, "%s", msg);
        return SW_E_INVALID;
    }
    time_t t;
    if (jobs_time_parse(when->valuestring, now, &t, &msg)) {
        snprintf(why, cap, "%s", msg);
        return SW_E_INVALID;
    }
    if (env && !cJSON_IsNull(env) && env_check(env, why, cap))
        return SW_E_INVALID;
    out->env = env && !cJSON_IsNull(env) ? cJSON_Duplicate(env, 1)
                                         : cJSON_CreateObject();
    if (!out->env)
        return SW_E_NOMEM;
    snprintf(out->docker_image, sizeof out->docker_image, "%s",
             img->valuestring);
    jobs_time_format(t, out->scheduled_for);
    return SW_OK;
}

/* jobs_cb_kind_name: the kind's name as it appears in last_event. */
const char *jobs_cb_kind_name(jobs_cb_kind k)
{
    static const char *const names[] = {"done", "failed", "schedule",
                                        "running", "heartbeat"};
    return (unsigned)k < 5 ? names[k] : "?";
}

/* jobs_callback_parse: exactly one of failed / schedule / running /
 * heartbeat (or none: done), each with the value "" as the original service's agents send;
 * error_message only with failed; attempt a non-negative integer. */
sw_result jobs_callback_parse(const cJSON *body, jobs_callback_req *out,
                              char *why, size_t cap)
{
    static const char *const allowed[] = {"failed", "schedule", "running",
                                          "heartbeat", "error_message",
                                          "attempt", NULL};
    const char *unknown = NULL;
    memset(out, 0, sizeof *out);
    out->attempt = -1;
    if (!jobs_json_only_fields(body, allowed, &unknown)) {
        snprintf(why, cap, "unknown field \"%.64s\" (allowed: failed, "
                 "schedule, running, heartbeat, error_message, attempt)",
                 unknown);
        return SW_E_INVALID;
    }
    static const char *const kinds[] = {"failed", "schedule", "running",
                                        "heartbeat"};
    int given = 0;
    out->kind = JOBS_CB_DONE;
    for (int i = 0; i < 4; i++) {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(body, kinds[i]);
        if (!k)
            continue;
        if (!cJSON_IsString(k)) {
            snprintf(why, cap, "%s must be a string (\"\")", kinds[i]);
            return SW_E_INVALID;
        }
        given++;
        out->kind = (jobs_cb_kind)(JOBS_CB_FAILED + i);
    }
    if (given > 1) {
        snprintf(why, cap, "give at most one of failed, schedule, running, "
                 "heartbeat");
        return SW_E_INVALID;
    }
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(body, "error_message");
    if (msg) {
        if (out->kind != JOBS_CB_FAILED || !cJSON_IsString(msg)) {
            snprintf(why, cap, "error_message must be a string and comes "
                     "only with failed");
            return SW_E_INVALID;
        }
        /* Kept up to JOBS_ERROR_MAX bytes, cut at a character boundary. */
        size_t n = strlen(msg->valuestring);
        if (n > JOBS_ERROR_MAX) {
            n = JOBS_ERROR_MAX;
            while (n > 0 && (msg->valuestring[n] & 0xC0) == 0x80)
                n--;
        }
        memcpy(out->error_message, msg->valuestring, n);
        out->error_message[n] = '\0';
    }
    const cJSON *att = cJSON_GetObjectItemCaseSensitive(body, "attempt");
    if (att) {
        double d = cJSON_IsNumber(att) ? att->valuedouble : -1;
        if (!(d >= 0 && d <= 1000000) || d != (double)(int)d) {
            snprintf(why, cap, "attempt must be a non-negative integer");
            return SW_E_INVALID;
        }
        out->attempt = (int)d;
    }
    return SW_OK;
}
