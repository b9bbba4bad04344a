/* input.h - the array-worker's pure parts: the job input (strict JSON), the
 * Batch environment (index, size, job id, attempt), and the result object.
 * No I/O here, so the parser can be fuzzed and unit-tested alone. */
#ifndef AW_INPUT_H
#define AW_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#include "sw/buf.h"
#include "sw/error.h"

enum {
    AW_ITEM_MAX = 1024,          /* bytes per item */
    AW_MESSAGE_MAX = 1024,       /* bytes of "message" */
    AW_ARRAY_MAX = 10000,        /* AWS Batch's largest array */
    AW_INPUT_MAX = 1 << 20,      /* bytes of input JSON */
    AW_WHY_LEN = 256,
    AW_JOB_ID_LEN = 160
};

/* The parsed input. Strings point into doc (owned here). */
typedef struct aw_input {
    cJSON *doc;
    const char *message;
    const cJSON *items;   /* the array, every element a checked string */
    int item_count;
    long array_size;      /* 0 when the input has none */
} aw_input;

/* The job's place in its array, from the Batch environment. */
typedef struct aw_job {
    char job_id[AW_JOB_ID_LEN]; /* the parent id */
    long index;
    long array_size;
    long attempt;
    bool single;          /* no AWS_BATCH_JOB_ARRAY_INDEX: index 0 of 1 */
} aw_job;

/* aw_input_parse: parses and checks json (what names the source in
 * messages, e.g. "JOB_INPUT"): an object with "items" (array of valid UTF-8
 * strings of at most AW_ITEM_MAX bytes), optional "message" (string, default
 * "Hello") and "array_size" (integer 1..AW_ARRAY_MAX); known members may
 * appear once. Returns SW_OK, SW_E_INVALID with why set to one line such as
 * "JOB_INPUT: items[3] is not a string", or SW_E_NOMEM. Free with
 * aw_input_free. */
sw_result aw_input_parse(sw_cursor json, const char *what, aw_input *out,
                         char why[AW_WHY_LEN]);
/* aw_input_free: frees the document. */
void aw_input_free(aw_input *in);

/* aw_env_get: how the job reads a variable (getenv, or a test's table). */
typedef const char *(*aw_env_get)(const char *name);

/* aw_job_from_env: index (AWS_BATCH_JOB_ARRAY_INDEX, absent: single job,
 * index 0 of 1), size (input_size if > 0, else ARRAY_SIZE, else 1), parent
 * id (AWS_BATCH_JOB_ID without a trailing ":<index>", absent: "local") and
 * attempt (AWS_BATCH_JOB_ATTEMPT, default 1). Returns SW_OK or
 * SW_E_INVALID with why set (malformed number, index >= size). */
sw_result aw_job_from_env(aw_env_get get, long input_size, aw_job *job,
                          char why[AW_WHY_LEN]);

/* aw_result_build: the result object for job over in: items index,
 * index+N, ... each as {"item","bytes","sha256","greeting"}, "count", and
 * "note" when there are none. NULL on ENOMEM. */
cJSON *aw_result_build(const aw_input *in, const aw_job *job);

#endif
