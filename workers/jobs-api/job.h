/* job.h - the job model of jobs-api: statuses and their legal transitions,
 * the stored record, times (ISO-8601 UTC, "HH:MM"), ids, callback tokens
 * and the retry backoff. Pure functions only (no I/O but getrandom). */
#ifndef JOBS_JOB_H
#define JOBS_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <cJSON.h>

#include "sw/buf.h"
#include "sw/error.h"

#define JOBS_ID_LEN 36          /* a version 4 UUID, lower case */
#define JOBS_TOKEN_BYTES 32     /* callback token: 32 random bytes, as hex */
#define JOBS_TOKEN_HEX (2 * JOBS_TOKEN_BYTES)
#define JOBS_IMAGE_MAX 511      /* whole reference (name <= 255) */
#define JOBS_TIME_LEN 20        /* "2026-11-23T18:30:00Z" */
#define JOBS_STAMP_LEN 24       /* "2026-11-23T18:30:00.123Z" */
#define JOBS_ERROR_MAX 4096     /* error_message kept (bytes; spot-agent sends <= 4 KiB) */
#define JOBS_INSTANCE_MAX 64    /* room for "i-..." + NUL */
#define JOBS_EVENT_MAX 32       /* "schedule:12" */

typedef enum jobs_status {
    JOBS_SCHEDULED = 0,
    JOBS_LAUNCHING,
    JOBS_RUNNING,
    JOBS_DONE,
    JOBS_FAILED,
    JOBS_STATUS_COUNT
} jobs_status;

/* One job as stored. env is an object of string values (owned). */
typedef struct jobs_job {
    char id[JOBS_ID_LEN + 1];
    jobs_status status;
    char docker_image[JOBS_IMAGE_MAX + 1];
    char scheduled_for[JOBS_TIME_LEN + 1];
    char created_at[JOBS_STAMP_LEN + 1];
    char updated_at[JOBS_STAMP_LEN + 1];
    int attempt;
    char token_hash[JOBS_TOKEN_HEX + 1]; /* SHA-256 of the token, hex */
    char instance_id[JOBS_INSTANCE_MAX];  /* "" when none is recorded */
    char error_message[JOBS_ERROR_MAX + 1];
    /* The last callback applied, "<kind>:<attempt>", so that a repeated
     * identical callback is answered 200 instead of 409. */
    char last_event[JOBS_EVENT_MAX];
    /* When the agent last said the job is alive (its running callback or a
     * heartbeat), a JOBS_STAMP_LEN time; "" when it never did in this
     * attempt. The reaper requeues a RUNNING job whose heartbeat is too
     * old (reaper.h). */
    char last_heartbeat[JOBS_STAMP_LEN + 1];
    cJSON *env;
} jobs_job;

/* jobs_status_name: "SCHEDULED", ... (static). */
const char *jobs_status_name(jobs_status s);
/* jobs_status_parse: the status named s; returns false if none is. */
bool jobs_status_parse(const char *s, jobs_status *out);
/* jobs_transition_legal: true when from -> to is one of the legal moves:
 * SCHEDULED->LAUNCHING, LAUNCHING->RUNNING|SCHEDULED|FAILED,
 * RUNNING->DONE|FAILED|SCHEDULED. DONE and FAILED are final. */
bool jobs_transition_legal(jobs_status from, jobs_status to);

/* jobs_job_init / jobs_job_free: an empty job; free releases env. */
void jobs_job_init(jobs_job *j);
void jobs_job_free(jobs_job *j);
/* jobs_job_copy: a deep copy of src into dst (dst not initialised).
 * Returns SW_OK or SW_E_NOMEM. */
sw_result jobs_job_copy(jobs_job *dst, const jobs_job *src);

/* jobs_job_view: the public JSON of a job (env var NAMES only, never their
 * values nor the token hash). NULL on ENOMEM. */
cJSON *jobs_job_view(const jobs_job *j);
/* jobs_job_spec: what the agent gets from GET /callback/:id: id,
 * docker_image, env_vars (values included), attempt. NULL on ENOMEM. */
cJSON *jobs_job_spec(const jobs_job *j);

/* jobs_time_format: writes t as "YYYY-MM-DDTHH:MM:SSZ" (out: 21 bytes). */
void jobs_time_format(time_t t, char out[JOBS_TIME_LEN + 1]);
/* jobs_stamp_now: the current time with milliseconds (out: 25 bytes). */
void jobs_stamp_now(char out[JOBS_STAMP_LEN + 1]);
/* jobs_time_parse: "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)" (see
 * sw/rfc3339.h; here also years 2000-9999 and seconds 00-59 only) or
 * "HH:MM" (the next such time in UTC strictly after now)
 * into *out (seconds since the epoch). Returns SW_OK or SW_E_INVALID with
 * *why set to a static line. */
sw_result jobs_time_parse(const char *s, time_t now, time_t *out,
                          const char **why);

/* jobs_new_id: a random version 4 UUID (getrandom). SW_E_IO if the kernel
 * gave no randomness. */
sw_result jobs_new_id(char out[JOBS_ID_LEN + 1]);
/* jobs_id_valid: true when s has the shape jobs_new_id makes. */
bool jobs_id_valid(const char *s);
/* jobs_new_token: 32 random bytes as 64 hex digits into token, and the hex
 * SHA-256 of that text into hash (what is stored). SW_OK or SW_E_IO. */
sw_result jobs_new_token(char token[JOBS_TOKEN_HEX + 1],
                         char hash[JOBS_TOKEN_HEX + 1]);
/* jobs_hash_hex: the hex SHA-256 of the n bytes at p. */
void jobs_hash_hex(const void *p, size_t n, char out[JOBS_TOKEN_HEX + 1]);
/* jobs_ct_equal: constant-time equality of two n-byte strings. */
bool jobs_ct_equal(const char *a, const char *b, size_t n);

/* jobs_backoff_seconds: the delay before attempt `attempt` (>= 1) is
 * launched: base * 2^(attempt-1), capped at cap. */
long jobs_backoff_seconds(int attempt, long base, long cap);

#endif
