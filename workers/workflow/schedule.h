/* schedule.h - the workflow worker's pure part: a schedule (a named graph of
 * AWS Batch steps) parsed from JSON, checked field by field, and sorted
 * topologically. No I/O here, so the parser can be fuzzed and unit-tested
 * alone; everything is rejected before anything is submitted.
 *
 * A schedule:
 *   {"scheduleId": "etl-daily",
 *    "steps": [{"name": "load", "jobDefinition": "...", "jobQueue": "...",
 *               "dependsOn": ["transform"],
 *               "arraySize": 4, "dependencyType": "N_TO_N",
 *               "containerOverrides": {"environment": [{"name","value"}],
 *                                      "command": ["..."]},
 *               "parameters": {"k": "v"},
 *               "retryStrategy": {"attempts": 3, "evaluateOnExit": [...]},
 *               "timeout": 600}, ...]}
 * Steps may come in any order. */
#ifndef WF_SCHEDULE_H
#define WF_SCHEDULE_H

#include <stddef.h>

#include <cJSON.h>

#include "sw/buf.h"
#include "sw/error.h"

enum {
    WF_NAME_MAX = 128,      /* Batch's job name: 1-128 of [A-Za-z0-9_-] */
    WF_ID_MAX = 64,         /* scheduleId */
    WF_REF_MAX = 1024,      /* jobDefinition / jobQueue (name or ARN) */
    WF_STEPS_MAX = 1000,    /* steps in one graph */
    WF_DEPS_MAX = 20,       /* Batch: dependsOn holds at most 20 jobs */
    WF_ARRAY_MAX = 10000,   /* Batch's largest array */
    WF_SCHEDULE_MAX = 1 << 20, /* bytes of schedule JSON */
    WF_WHY_LEN = 512
};

/* One step. Strings and objects point into the schedule's document. */
typedef struct wf_step {
    const char *name;
    const char *job_definition;
    const char *job_queue;
    size_t deps[WF_DEPS_MAX];   /* indexes into the schedule's steps */
    size_t dep_count;
    int array_size;             /* 0: not an array job */
    const char *dependency_type; /* "N_TO_N", "SEQUENTIAL" or NULL */
    const cJSON *container_overrides; /* checked, or NULL */
    const cJSON *parameters;    /* object of strings, or NULL */
    const cJSON *retry_strategy; /* checked, or NULL */
    long timeout;               /* seconds, 0: none */
} wf_step;

typedef struct wf_schedule {
    cJSON *doc;                 /* owned */
    const char *schedule_id;
    wf_step *steps;             /* in file order */
    size_t count;
    size_t *order;              /* topological: every step after its deps */
} wf_schedule;

/* wf_schedule_parse: parses and checks json (source names it in messages,
 * e.g. "schedules/etl-daily.json"). Rejects, with why set to ONE line that
 * names the step: malformed JSON, a missing or invalid field, an unknown
 * field, a duplicate step name, an unknown dependency, a dependency cycle
 * (naming the steps in it, "a -> b -> a"). Returns SW_OK, SW_E_INVALID or
 * SW_E_NOMEM. Free with wf_schedule_free. */
sw_result wf_schedule_parse(sw_cursor json, const char *source,
                            wf_schedule *out, char why[WF_WHY_LEN]);

/* wf_schedule_free: frees what wf_schedule_parse allocated. */
void wf_schedule_free(wf_schedule *s);

/* wf_schedule_find: the index of the step named name, or -1. */
long wf_schedule_find(const wf_schedule *s, const char *name);

/* wf_id_ok: 1 if s is 1..max bytes of [A-Za-z0-9_-] (step names, schedule
 * ids), else 0. */
int wf_id_ok(const char *s, size_t max);

/* wf_time_ok: 1 if s is "YYYY-MM-DDTHH:MM:SSZ" with fields in range (the
 * scheduled time EventBridge sends), else 0. */
int wf_time_ok(const char *s);

#endif
