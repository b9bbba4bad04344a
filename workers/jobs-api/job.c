/* job.c - the job model: statuses, transitions, times, ids, tokens (see
 * job.h). */
#include "job.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "sw/log.h"
#include "sw/rfc3339.h"
#include "sw/sha256.h"

static const char *const status_names[JOBS_STATUS_COUNT] = {
    "SCHEDULED", "LAUNCHING", "RUNNING", "DONE", "FAILED"};

/* jobs_status_name: the status's name, "?" for an out-of-range value. */
const char *jobs_status_name(jobs_status s)
{
    return (unsigned)s < JOBS_STATUS_COUNT ? status_names[s] : "?";
}

/* jobs_status_parse: looks s up among the names; false when unknown. */
bool jobs_status_parse(const char *s, jobs_status *out)
{
    for (int i = 0; s && i < JOBS_STATUS_COUNT; i++)
        if (strcmp(s, status_names[i]) == 0) {
            *out = (jobs_status)i;
            return true;
        }
    return false;
}

/* jobs_transition_legal: the transition table (rows: from, columns: to). */
bool jobs_transition_legal(jobs_status from, jobs_status to)
{
    /* LAUNCHING->FAILED: the agent may fail before the container starts
     * (image pull); LAUNCHING->SCHEDULED: a failed launch or an early
     * interruption. No move leaves DONE or FAILED. */
    static const bool legal[JOBS_STATUS_COUNT][JOBS_STATUS_COUNT] = {
        /*              SCHED  LAUNCH RUN    DONE   FAILED */
        /* SCHEDULED */ {false, true, false, false, false},
        /* LAUNCHING */ {true, false, true, false, true},
        /* RUNNING   */ {true, false, false, true, true},
        /* DONE      */ {false, false, false, false, false},
        /* FAILED    */ {false, false, false, false, false},
    };
    if ((unsigned)from >= JOBS_STATUS_COUNT || (unsigned)to >= JOBS_STATUS_COUNT)
        return false;
    return legal[from][to];
}

/* jobs_job_init: zeroes the job (status SCHEDULED, no env). */
void jobs_job_init(jobs_job *j)
{
    memset(j, 0, sizeof *j);
}

/* jobs_job_free: releases env and re-initialises the job. */
void jobs_job_free(jobs_job *j)
{
    cJSON_Delete(j->env);
    jobs_job_init(j);
}

/* jobs_job_copy: copies the fixed fields and duplicates env. */
sw_result jobs_job_copy(jobs_job *dst, const jobs_job *src)
{
    *dst = *src;
    dst->env = NULL;
    if (src->env && !(dst->env = cJSON_Duplicate(src->env, 1)))
        return SW_E_NOMEM;
    return SW_OK;
}

/* env_names: a sorted-as-given array of env var names. NULL on ENOMEM. */
static cJSON *env_names(const cJSON *env)
{
    cJSON *names = cJSON_CreateArray(), *v;
    if (!names)
        return NULL;
    cJSON_ArrayForEach(v, env) {
        cJSON *s = cJSON_CreateString(v->string);
        if (!s || !cJSON_AddItemToArray(names, s)) {
            cJSON_Delete(s);
            cJSON_Delete(names);
            return NULL;
        }
    }
    return names;
}

/* jobs_job_view: id, status, docker_image, scheduled_for, env_vars
 * (names), attempt, created_at, updated_at, and instance_id /
 * error_message / last_heartbeat when set. */
cJSON *jobs_job_view(const jobs_job *j)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *names = env_names(j->env);
    bool ok = o && names && cJSON_AddStringToObject(o, "id", j->id) &&
              cJSON_AddStringToObject(o, "status",
                                      jobs_status_name(j->status)) &&
              cJSON_AddStringToObject(o, "docker_image", j->docker_image) &&
              cJSON_AddStringToObject(o, "scheduled_for", j->scheduled_for) &&
              cJSON_AddItemToObject(o, "env_vars", names);
    if (ok)
        names = NULL;
    ok = ok && cJSON_AddNumberToObject(o, "attempt", j->attempt) &&
         cJSON_AddStringToObject(o, "created_at", j->created_at) &&
         cJSON_AddStringToObject(o, "updated_at", j->updated_at);
    if (ok && j->instance_id[0])
        ok = cJSON_AddStringToObject(o, "instance_id", j->instance_id);
    if (ok && j->error_message[0])
        ok = cJSON_AddStringToObject(o, "error_message", j->error_message);
    if (ok && j->last_heartbeat[0])
        ok = cJSON_AddStringToObject(o, "last_heartbeat", j->last_heartbeat);
    cJSON_Delete(names);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* jobs_job_spec: the agent's view, with the env values. */
cJSON *jobs_job_spec(const jobs_job *j)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *env = j->env ? cJSON_Duplicate(j->env, 1) : cJSON_CreateObject();
    bool ok = o && env && cJSON_AddStringToObject(o, "id", j->id) &&
              cJSON_AddStringToObject(o, "docker_image", j->docker_image) &&
              cJSON_AddItemToObject(o, "env_vars", env);
    if (ok)
        env = NULL;
    ok = ok && cJSON_AddNumberToObject(o, "attempt", j->attempt);
    cJSON_Delete(env);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

_Static_assert(JOBS_TIME_LEN == SW_RFC3339_LEN,
               "a job's times are sw_rfc3339_format's");

/* jobs_time_format: sw_rfc3339_format; t is always now or a parsed time
 * (years 2000-9999) here, so it fits; should it not, out is "" and the
 * store or the validator rejects the empty time. */
void jobs_time_format(time_t t, char out[JOBS_TIME_LEN + 1])
{
    if (sw_rfc3339_format(t, out))
        out[0] = '\0';
}

/* jobs_stamp_now: sw_time_rfc3339 (the log lines' format). */
void jobs_stamp_now(char out[JOBS_STAMP_LEN + 1])
{
    sw_time_rfc3339(out);
}

/* jobs_time_parse: see job.h. "HH:MM" here; the full form is
 * sw_rfc3339_parse's, with jobs-api's limits on top. */
sw_result jobs_time_parse(const char *s, time_t now, time_t *out,
                          const char **why)
{
    if (strlen(s) == 5 && s[2] == ':') {
        bool num = isdigit((unsigned char)s[0]) &&
                   isdigit((unsigned char)s[1]) &&
                   isdigit((unsigned char)s[3]) &&
                   isdigit((unsigned char)s[4]);
        int h = (s[0] - '0') * 10 + (s[1] - '0');
        int mi = (s[3] - '0') * 10 + (s[4] - '0');
        if (!num || h > 23 || mi > 59) {
            *why = "scheduled_for: \"HH:MM\" needs an hour 00-23 and a "
                   "minute 00-59";
            return SW_E_INVALID;
        }
        time_t day = now - now % 86400;
        time_t t = day + h * 3600 + mi * 60;
        if (t <= now)
            t += 86400;
        *out = t;
        return SW_OK;
    }
    static const char *const bad = "scheduled_for: not an ISO-8601 time "
        "like 2026-11-23T18:30:00Z (or with an offset, +02:00) nor \"HH:MM\"";
    sw_rfc3339_fields f;
    time_t t;
    sw_result rc = sw_rfc3339_parse(sw_cursor_from_cstr(s), &t, &f);
    if (rc == SW_E_PARSE) {
        *why = bad;
        return SW_E_INVALID;
    }
    /* jobs-api's own limits on top of RFC 3339's: no leap second (a
     * schedule has no use for one), nothing before 2000 (a typo). */
    if (rc || f.year < 2000 || f.second > 59) {
        *why = "scheduled_for: date or time out of range (years 2000-9999)";
        return SW_E_INVALID;
    }
    *out = t;
    return SW_OK;
}

/* random_bytes: n bytes from getrandom (blocking until the pool is
 * ready, restarting on EINTR). SW_OK or SW_E_IO. */
static sw_result random_bytes(unsigned char *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(p + got, n - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return SW_E_IO;
        got += (size_t)r;
    }
    return SW_OK;
}

/* jobs_new_id: 16 random bytes with the version/variant bits of UUIDv4. */
sw_result jobs_new_id(char out[JOBS_ID_LEN + 1])
{
    unsigned char b[16];
    if (random_bytes(b, sizeof b))
        return SW_E_IO;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    char hex[33];
    sw_hex_lower(b, 16, hex);
    snprintf(out, JOBS_ID_LEN + 1, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8,
             hex + 12, hex + 16, hex + 20);
    return SW_OK;
}

/* jobs_id_valid: 8-4-4-4-12 lower-case hex digits. */
bool jobs_id_valid(const char *s)
{
    if (!s || strlen(s) != JOBS_ID_LEN)
        return false;
    for (int i = 0; i < JOBS_ID_LEN; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        char c = s[i];
        if (dash ? c != '-'
                 : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

/* jobs_hash_hex: sw_sha256 + hex. */
void jobs_hash_hex(const void *p, size_t n, char out[JOBS_TOKEN_HEX + 1])
{
    uint8_t d[SW_SHA256_LEN];
    sw_sha256(p, n, d);
    sw_hex_lower(d, sizeof d, out);
}

/* jobs_new_token: random token and its hash; the raw bytes are wiped. */
sw_result jobs_new_token(char token[JOBS_TOKEN_HEX + 1],
                         char hash[JOBS_TOKEN_HEX + 1])
{
    unsigned char b[JOBS_TOKEN_BYTES];
    if (random_bytes(b, sizeof b))
        return SW_E_IO;
    sw_hex_lower(b, sizeof b, token);
    sw_secure_zero(b, sizeof b);
    jobs_hash_hex(token, JOBS_TOKEN_HEX, hash);
    return SW_OK;
}

/* jobs_ct_equal: ORs the differences of all n bytes (no early exit). */
bool jobs_ct_equal(const char *a, const char *b, size_t n)
{
    volatile unsigned char diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

/* jobs_backoff_seconds: doubling from base, capped (no overflow). */
long jobs_backoff_seconds(int attempt, long base, long cap)
{
    long d = base;
    for (int i = 1; i < attempt && d < cap; i++)
        d *= 2;
    return d < cap ? d : cap;
}
