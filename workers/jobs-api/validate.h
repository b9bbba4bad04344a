/* validate.h - jobs-api's request validation: image references (the
 * distribution spec's grammar), env var names and sizes, JSON bodies
 * (UTF-8, depth, duplicate and unknown fields) and the two request bodies.
 * Every check that fails gives one static, human-readable line. */
#ifndef JOBS_VALIDATE_H
#define JOBS_VALIDATE_H

#include <stdbool.h>
#include <time.h>

#include <cJSON.h>

#include "job.h"
#include "sw/buf.h"
#include "sw/error.h"

#define JOBS_BODY_MAX 65536        /* request bodies: larger is 413 */
#define JOBS_JSON_DEPTH_MAX 8      /* nesting levels of [ and { */
#define JOBS_ENV_MAX 128           /* env vars per job */
#define JOBS_ENV_BYTES_MAX 32768   /* sum of the values' lengths */
#define JOBS_ENV_NAME_MAX 255
#define JOBS_NAME_MAX 255          /* image name (without tag/digest) */

/* jobs_image_ref_valid: true when s is [domain[:port]/]path[:tag][@digest]
 * by the distribution spec's reference grammar (lower-case path
 * components with . _ __ - separators, tag [\w][\w.-]{0,127}, digest
 * algorithm:hex with sha256 exactly 64 lower-case hex digits), the name at
 * most 255 characters. */
bool jobs_image_ref_valid(const char *s, const char **why);

/* jobs_env_name_valid: [A-Za-z_][A-Za-z0-9_]*, 1-255 characters. */
bool jobs_env_name_valid(const char *s);

/* jobs_json_parse: parses a whole body as one JSON object: well-formed
 * UTF-8, at most JOBS_JSON_DEPTH_MAX levels deep, nothing after it, no
 * duplicate member names. Returns the object (caller deletes) or NULL
 * with *why set. */
cJSON *jobs_json_parse(sw_cursor body, const char **why);

/* jobs_json_only_fields: true when every member of obj is named in
 * `allowed` (a NULL-terminated list); else false with *unknown set to the
 * first other name (borrowed from obj). */
bool jobs_json_only_fields(const cJSON *obj, const char *const *allowed,
                           const char **unknown);

/* The POST /schedule body, validated. env is owned (an object). */
typedef struct jobs_schedule_req {
    char docker_image[JOBS_IMAGE_MAX + 1];
    char scheduled_for[JOBS_TIME_LEN + 1]; /* normalised, UTC */
    cJSON *env;
} jobs_schedule_req;

/* jobs_schedule_parse: validates a parsed /schedule body against now (for
 * "HH:MM"). Returns SW_OK with *out filled (free out->env), or
 * SW_E_INVALID with why (cap bytes) holding the message. */
sw_result jobs_schedule_parse(const cJSON *body, time_t now,
                              jobs_schedule_req *out, char *why, size_t cap);

/* What a PUT /callback asks for. */
typedef enum jobs_cb_kind {
    JOBS_CB_DONE = 0,  /* {} */
    JOBS_CB_FAILED,    /* {"failed": "", "error_message": "..."} */
    JOBS_CB_SCHEDULE,  /* {"schedule": ""}: interrupted, run again */
    JOBS_CB_RUNNING,   /* {"running": ""}: container started */
    JOBS_CB_HEARTBEAT  /* {"heartbeat": ""}: still running (no status
                          change: only last_heartbeat is written) */
} jobs_cb_kind;

typedef struct jobs_callback_req {
    jobs_cb_kind kind;
    int attempt;          /* -1: not given (the current one) */
    char error_message[JOBS_ERROR_MAX + 1];
} jobs_callback_req;

/* jobs_cb_kind_name: "done", "failed", "schedule", "running",
 * "heartbeat". */
const char *jobs_cb_kind_name(jobs_cb_kind k);

/* jobs_callback_parse: validates a parsed PUT /callback body. SW_OK, or
 * SW_E_INVALID with why filled. */
sw_result jobs_callback_parse(const cJSON *body, jobs_callback_req *out,
                              char *why, size_t cap);

#endif
