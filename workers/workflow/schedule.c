/* schedule.c - parsing, checking and topological sorting of a workflow
 * schedule (see schedule.h). Every rejection is one line naming the step
 * (by name once its name is known to be valid, else by position). */
#include "schedule.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sw/rfc3339.h"

/* Where a message points: "source: step \"x\": " or "source: steps[3]: ". */
typedef struct ctx {
    const char *source;
    char *why;
    char where[WF_NAME_MAX + 32];
} ctx;

/* fail: writes "<source>: <where><message>" to why, newlines replaced, and
 * returns SW_E_INVALID. */
__attribute__((format(printf, 2, 3)))
static sw_result fail(ctx *c, const char *fmt, ...)
{
    int n = snprintf(c->why, WF_WHY_LEN, "%s: %s", c->source, c->where);
    if (n < 0 || n >= WF_WHY_LEN)
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why + n, WF_WHY_LEN - (size_t)n, fmt, ap);
    va_end(ap);
    for (char *p = c->why; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return SW_E_INVALID;
}

/* wf_id_ok: see schedule.h. */
int wf_id_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    return n >= 1 && n <= max &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                     "0123456789_-") == n;
}

/* ref_ok: a job definition or queue: a name, name:revision or an ARN:
 * 1..WF_REF_MAX of [A-Za-z0-9_:/.-]. */
static int ref_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= WF_REF_MAX &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                     "0123456789_:/.-") == n;
}

/* int_in: 1 and *out set if j is an integer number in lo..hi. */
static int int_in(const cJSON *j, long lo, long hi, long *out)
{
    if (!cJSON_IsNumber(j))
        return 0;
    double d = j->valuedouble;
    if (!isfinite(d) || d != floor(d) || d < (double)lo || d > (double)hi)
        return 0;
    *out = (long)d;
    return 1;
}

/* only_keys: checks that object o has no member outside keys (NULL
 * terminated) and none twice. Returns SW_OK or the rejection. */
static sw_result only_keys(ctx *c, const cJSON *o, const char *what,
                           const char *const *keys)
{
    for (const cJSON *m = o->child; m; m = m->next) {
        size_t i = 0;
        while (keys[i] && strcmp(keys[i], m->string) != 0)
            i++;
        if (!keys[i])
            return fail(c, "%s: unknown field \"%.64s\"", what, m->string);
        for (const cJSON *p = o->child; p != m; p = p->next)
            if (strcmp(p->string, m->string) == 0)
                return fail(c, "%s: field \"%.64s\" given twice", what,
                            m->string);
    }
    return SW_OK;
}

/* string_map: checks that o is an object of string values (parameters). */
static sw_result string_map(ctx *c, const cJSON *o, const char *what)
{
    if (!cJSON_IsObject(o))
        return fail(c, "%s must be an object of strings", what);
    int n = 0;
    for (const cJSON *m = o->child; m; m = m->next, n++) {
        if (!cJSON_IsString(m) || !m->string[0])
            return fail(c, "%s: \"%.64s\" must be a string", what, m->string);
        for (const cJSON *p = o->child; p != m; p = p->next)
            if (strcmp(p->string, m->string) == 0)
                return fail(c, "%s: \"%.64s\" given twice", what, m->string);
    }
    if (n > 100)
        return fail(c, "%s: more than 100 entries", what);
    return SW_OK;
}

/* check_overrides: containerOverrides: {"environment": [{"name","value"}],
 * "command": [strings]}, nothing else (the fields a graph needs; names
 * starting AWS_BATCH are Batch's own and refused, as Batch does). */
static sw_result check_overrides(ctx *c, const cJSON *o)
{
    static const char *const keys[] = {"environment", "command", NULL};
    if (!cJSON_IsObject(o))
        return fail(c, "containerOverrides must be an object");
    sw_result rc = only_keys(c, o, "containerOverrides", keys);
    if (rc)
        return rc;
    const cJSON *env = cJSON_GetObjectItemCaseSensitive(o, "environment");
    if (env) {
        if (!cJSON_IsArray(env))
            return fail(c, "containerOverrides.environment must be an array");
        int i = 0;
        for (const cJSON *e = env->child; e; e = e->next, i++) {
            static const char *const ek[] = {"name", "value", NULL};
            const cJSON *n = cJSON_GetObjectItemCaseSensitive(e, "name");
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, "value");
            if (!cJSON_IsObject(e) || !cJSON_IsString(n) || !n->valuestring[0]
                || !cJSON_IsString(v))
                return fail(c, "containerOverrides.environment[%d] must be "
                            "{\"name\": string, \"value\": string}", i);
            if ((rc = only_keys(c, e, "containerOverrides.environment[]", ek)))
                return rc;
            if (strncmp(n->valuestring, "AWS_BATCH", 9) == 0)
                return fail(c, "containerOverrides.environment[%d]: names "
                            "starting AWS_BATCH are reserved by Batch", i);
        }
    }
    const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(o, "command");
    if (cmd) {
        if (!cJSON_IsArray(cmd))
            return fail(c, "containerOverrides.command must be an array of "
                        "strings");
        for (const cJSON *a = cmd->child; a; a = a->next)
            if (!cJSON_IsString(a))
                return fail(c, "containerOverrides.command must be an array "
                            "of strings");
    }
    return SW_OK;
}

/* check_retry: retryStrategy: {"attempts": 1..10, "evaluateOnExit": up to 5
 * of {"action": "RETRY"|"EXIT", "onStatusReason"|"onReason"|"onExitCode":
 * string}}, as Batch defines it. */
static sw_result check_retry(ctx *c, const cJSON *o)
{
    static const char *const keys[] = {"attempts", "evaluateOnExit", NULL};
    static const char *const ek[] = {"action", "onStatusReason", "onReason",
                                     "onExitCode", NULL};
    if (!cJSON_IsObject(o))
        return fail(c, "retryStrategy must be an object");
    sw_result rc = only_keys(c, o, "retryStrategy", keys);
    if (rc)
        return rc;
    long v;
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "attempts");
    if (a && !int_in(a, 1, 10, &v))
        return fail(c, "retryStrategy.attempts must be an integer 1..10");
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(o, "evaluateOnExit");
    if (!ev)
        return SW_OK;
    if (!cJSON_IsArray(ev) || cJSON_GetArraySize(ev) > 5)
        return fail(c, "retryStrategy.evaluateOnExit must be an array of at "
                    "most 5 objects");
    int i = 0;
    for (const cJSON *e = ev->child; e; e = e->next, i++) {
        if (!cJSON_IsObject(e))
            return fail(c, "retryStrategy.evaluateOnExit[%d] must be an "
                        "object", i);
        if ((rc = only_keys(c, e, "retryStrategy.evaluateOnExit[]", ek)))
            return rc;
        const char *act = cJSON_GetStringValue(
            cJSON_GetObjectItemCaseSensitive(e, "action"));
        /* Batch compares the action case-insensitively. */
        if (!act || (strcasecmp(act, "RETRY") != 0 &&
                     strcasecmp(act, "EXIT") != 0))
            return fail(c, "retryStrategy.evaluateOnExit[%d].action must be "
                        "RETRY or EXIT", i);
        for (const cJSON *m = e->child; m; m = m->next)
            if (!cJSON_IsString(m) || strlen(m->valuestring) > 512)
                return fail(c, "retryStrategy.evaluateOnExit[%d].%s must be "
                            "a string of at most 512 characters", i,
                            m->string);
    }
    return SW_OK;
}

/* req_string: the member key of o as a string checked by ok(), else NULL
 * with the rejection in *rc. */
static const char *req_string(ctx *c, const cJSON *o, const char *key,
                              int (*ok)(const char *), const char *rule,
                              sw_result *rc)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!j) {
        *rc = fail(c, "missing \"%s\"", key);
        return NULL;
    }
    if (!cJSON_IsString(j) || !ok(j->valuestring)) {
        *rc = fail(c, "\"%s\" must be %s", key, rule);
        return NULL;
    }
    return j->valuestring;
}

/* name_ok: a step name (Batch's job-name rule). */
static int name_ok(const char *s)
{
    return wf_id_ok(s, WF_NAME_MAX);
}

/* parse_step: checks steps[i] (all but dependsOn, which needs every name)
 * into st. */
static sw_result parse_step(ctx *c, const cJSON *o, size_t i, wf_step *st)
{
    static const char *const keys[] = {
        "name", "jobDefinition", "jobQueue", "dependsOn", "arraySize",
        "dependencyType", "containerOverrides", "parameters",
        "retryStrategy", "timeout", NULL};
    snprintf(c->where, sizeof c->where, "steps[%zu]: ", i);
    if (!cJSON_IsObject(o))
        return fail(c, "must be an object");
    sw_result rc = SW_OK;
    st->name = req_string(c, o, "name", name_ok,
                          "1-128 of A-Z a-z 0-9 _ - (a Batch job name)", &rc);
    if (!st->name)
        return rc;
    snprintf(c->where, sizeof c->where, "step \"%s\": ", st->name);
    if ((rc = only_keys(c, o, "step", keys)))
        return rc;
    st->job_definition = req_string(c, o, "jobDefinition", ref_ok,
                                    "a job definition name, name:revision "
                                    "or ARN", &rc);
    if (!st->job_definition)
        return rc;
    st->job_queue = req_string(c, o, "jobQueue", ref_ok,
                               "a job queue name or ARN", &rc);
    if (!st->job_queue)
        return rc;
    long v;
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, "arraySize");
    if (j) {
        if (!int_in(j, 2, WF_ARRAY_MAX, &v))
            return fail(c, "\"arraySize\" must be an integer 2..10000");
        st->array_size = (int)v;
    }
    j = cJSON_GetObjectItemCaseSensitive(o, "dependencyType");
    if (j) {
        if (!cJSON_IsString(j) || (strcmp(j->valuestring, "N_TO_N") != 0 &&
                                   strcmp(j->valuestring, "SEQUENTIAL") != 0))
            return fail(c, "\"dependencyType\" must be \"N_TO_N\" or "
                        "\"SEQUENTIAL\"");
        if (!st->array_size)
            return fail(c, "\"dependencyType\" is for array steps only (set "
                        "\"arraySize\")");
        st->dependency_type = j->valuestring;
    }
    j = cJSON_GetObjectItemCaseSensitive(o, "timeout");
    if (j) {
        /* Batch's attemptDurationSeconds minimum is 60; 14 days is its
         * longest job. */
        if (!int_in(j, 60, 14L * 86400, &v))
            return fail(c, "\"timeout\" must be an integer number of seconds "
                        "60..1209600");
        st->timeout = v;
    }
    if ((j = cJSON_GetObjectItemCaseSensitive(o, "containerOverrides"))) {
        if ((rc = check_overrides(c, j)))
            return rc;
        st->container_overrides = j;
    }
    if ((j = cJSON_GetObjectItemCaseSensitive(o, "parameters"))) {
        if ((rc = string_map(c, j, "parameters")))
            return rc;
        st->parameters = j;
    }
    if ((j = cJSON_GetObjectItemCaseSensitive(o, "retryStrategy"))) {
        if ((rc = check_retry(c, j)))
            return rc;
        st->retry_strategy = j;
    }
    return SW_OK;
}

/* wf_schedule_find: see schedule.h. */
long wf_schedule_find(const wf_schedule *s, const char *name)
{
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->steps[i].name, name) == 0)
            return (long)i;
    return -1;
}

/* link_deps: resolves each step's dependsOn names to indexes. */
static sw_result link_deps(ctx *c, wf_schedule *s, const cJSON *steps)
{
    size_t i = 0;
    for (const cJSON *o = steps->child; o; o = o->next, i++) {
        wf_step *st = &s->steps[i];
        snprintf(c->where, sizeof c->where, "step \"%s\": ", st->name);
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "dependsOn");
        if (!d)
            continue;
        if (!cJSON_IsArray(d))
            return fail(c, "\"dependsOn\" must be an array of step names");
        /* SEQUENTIAL takes one of Batch's 20 dependsOn entries itself. */
        int max = WF_DEPS_MAX - (st->dependency_type &&
                                 strcmp(st->dependency_type, "SEQUENTIAL") == 0);
        if (cJSON_GetArraySize(d) > max)
            return fail(c, "\"dependsOn\" lists more than %d steps (Batch's "
                        "limit of %d entries)", max, WF_DEPS_MAX);
        for (const cJSON *n = d->child; n; n = n->next) {
            if (!cJSON_IsString(n) || !name_ok(n->valuestring))
                return fail(c, "\"dependsOn\" must be an array of step names");
            long k = wf_schedule_find(s, n->valuestring);
            if (k < 0)
                return fail(c, "depends on unknown step \"%s\"",
                            n->valuestring);
            for (size_t e = 0; e < st->dep_count; e++)
                if (st->deps[e] == (size_t)k)
                    return fail(c, "\"dependsOn\" lists \"%s\" twice",
                                n->valuestring);
            const wf_step *dep = &s->steps[k];
            if (st->dependency_type &&
                strcmp(st->dependency_type, "N_TO_N") == 0 &&
                dep->array_size != st->array_size)
                return fail(c, "N_TO_N dependency on \"%s\" needs an array "
                            "step of the same size (%d)", dep->name,
                            st->array_size);
            st->deps[st->dep_count++] = (size_t)k;
        }
    }
    return SW_OK;
}

/* name_cycle: called when the sort stalled; rem[i] is 1 for steps left
 * unsorted (each has an unsorted dependency, so following dependencies from
 * any of them must loop). Writes "a -> b -> a" to why. */
static sw_result name_cycle(ctx *c, const wf_schedule *s, const char *rem,
                            size_t *seen_at)
{
    size_t start = 0;
    while (!rem[start])
        start++;
    for (size_t i = 0; i < s->count; i++)
        seen_at[i] = (size_t)-1;
    /* Walk unsorted dependencies until a step repeats: the walk from its
     * first visit is the cycle. */
    size_t path_len = 0, cur = start;
    size_t *path = seen_at + s->count;
    while (seen_at[cur] == (size_t)-1) {
        seen_at[cur] = path_len;
        path[path_len++] = cur;
        const wf_step *st = &s->steps[cur];
        size_t next = cur;
        for (size_t e = 0; e < st->dep_count; e++)
            if (rem[st->deps[e]]) {
                next = st->deps[e];
                break;
            }
        cur = next;
    }
    /* Print the cycle in dependency order reversed, so it reads as "runs
     * before": a -> b means b depends on a. */
    char list[WF_WHY_LEN];
    size_t used = 0;
    list[0] = '\0';
    size_t first = seen_at[cur];
    for (size_t k = path_len; k-- > first;) {
        int n = snprintf(list + used, sizeof list - used, "%s -> ",
                         s->steps[path[k]].name);
        if (n < 0 || (size_t)n >= sizeof list - used)
            break;
        used += (size_t)n;
    }
    c->where[0] = '\0';
    snprintf(c->where, sizeof c->where, "step \"%s\": ",
             s->steps[path[path_len - 1]].name);
    return fail(c, "dependency cycle: %s%s", list, s->steps[path[path_len - 1]].name);
}

/* toposort: Kahn's algorithm, taking ready steps in file order (so a graph
 * given in a valid order keeps it). Fills s->order or names a cycle. */
static sw_result toposort(ctx *c, wf_schedule *s)
{
    size_t n = s->count;
    size_t *indeg = calloc(n, sizeof *indeg);
    size_t *scratch = calloc(2 * n, sizeof *scratch);
    char *rem = calloc(n, 1);
    s->order = calloc(n, sizeof *s->order);
    if (!indeg || !scratch || !rem || !s->order) {
        free(indeg);
        free(scratch);
        free(rem);
        return SW_E_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        indeg[i] = s->steps[i].dep_count;
        rem[i] = 1;
    }
    size_t done = 0;
    /* O(n^2) scans in the worst case: n is at most WF_STEPS_MAX. */
    for (int progress = 1; progress && done < n;) {
        progress = 0;
        for (size_t i = 0; i < n; i++) {
            if (!rem[i] || indeg[i])
                continue;
            rem[i] = 0;
            s->order[done++] = i;
            progress = 1;
            for (size_t j = 0; j < n; j++)
                for (size_t e = 0; e < s->steps[j].dep_count; e++)
                    if (s->steps[j].deps[e] == i)
                        indeg[j]--;
        }
    }
    sw_result rc = done == n ? SW_OK : name_cycle(c, s, rem, scratch);
    free(indeg);
    free(scratch);
    free(rem);
    return rc;
}

/* wf_schedule_parse: see schedule.h. */
sw_result wf_schedule_parse(sw_cursor json, const char *source,
                            wf_schedule *out, char why[WF_WHY_LEN])
{
    memset(out, 0, sizeof *out);
    ctx c = {.source = source, .why = why};
    why[0] = '\0';
    if (json.len > WF_SCHEDULE_MAX)
        return fail(&c, "larger than %d bytes", WF_SCHEDULE_MAX);
    if (memchr(json.ptr, '\0', json.len))
        return fail(&c, "not JSON (a NUL byte)");
    const char *end = NULL;
    out->doc = cJSON_ParseWithLengthOpts((const char *)json.ptr, json.len,
                                         &end, 0);
    if (!out->doc)
        return fail(&c, "not JSON (near byte %zu)",
                    end ? (size_t)(end - (const char *)json.ptr) : 0);
    static const char *const keys[] = {"scheduleId", "steps", NULL};
    sw_result rc;
    if (!cJSON_IsObject(out->doc)) {
        rc = fail(&c, "must be a JSON object");
        goto bad;
    }
    if ((rc = only_keys(&c, out->doc, "schedule", keys)))
        goto bad;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(out->doc, "scheduleId");
    if (!cJSON_IsString(id) || !wf_id_ok(id->valuestring, WF_ID_MAX)) {
        rc = fail(&c, "\"scheduleId\" must be 1-64 of A-Z a-z 0-9 _ -");
        goto bad;
    }
    out->schedule_id = id->valuestring;
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(out->doc, "steps");
    int n = cJSON_GetArraySize(steps);
    if (!cJSON_IsArray(steps) || n < 1 || n > WF_STEPS_MAX) {
        rc = fail(&c, "\"steps\" must be an array of 1..%d steps",
                  WF_STEPS_MAX);
        goto bad;
    }
    out->steps = calloc((size_t)n, sizeof *out->steps);
    if (!out->steps) {
        rc = SW_E_NOMEM;
        goto bad;
    }
    size_t i = 0;
    for (const cJSON *o = steps->child; o; o = o->next, i++) {
        if ((rc = parse_step(&c, o, i, &out->steps[i])))
            goto bad;
        out->count = i + 1;
        if (wf_schedule_find(out, out->steps[i].name) != (long)i) {
            rc = fail(&c, "duplicate step name (also steps[%ld])",
                      wf_schedule_find(out, out->steps[i].name));
            goto bad;
        }
    }
    if ((rc = link_deps(&c, out, steps)) || (rc = toposort(&c, out)))
        goto bad;
    return SW_OK;
bad:
    wf_schedule_free(out);
    if (rc == SW_E_NOMEM)
        snprintf(why, WF_WHY_LEN, "%s: out of memory", source);
    return rc;
}

/* wf_schedule_free: see schedule.h. */
void wf_schedule_free(wf_schedule *s)
{
    cJSON_Delete(s->doc);
    free(s->steps);
    free(s->order);
    memset(s, 0, sizeof *s);
}

/* wf_time_ok: see schedule.h. The one shape EventBridge's time takes
 * (YYYY-MM-DDTHH:MM:SSZ), checked by the shared RFC 3339 parser so a day
 * past the month's end (Feb 31) is refused too. */
int wf_time_ok(const char *s)
{
    time_t t;
    return strlen(s) == SW_RFC3339_LEN && s[10] == 'T' && s[19] == 'Z' &&
           sw_rfc3339_parse(sw_cursor_from_cstr(s), &t, NULL) == SW_OK;
}
