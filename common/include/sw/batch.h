/* sw/batch.h - the AWS Batch calls a job-graph runner needs (SubmitJob,
 * DescribeJobs, TerminateJob), over Batch's REST-JSON protocol (POST
 * /v1/<operation> with a JSON body) through sw/aws.h.
 *
 * Requests and answers stay in Batch's own JSON shapes (cJSON), so a field
 * Batch adds needs no change here; the functions add what the API leaves to
 * the caller: chunking DescribeJobs by 100 ids and clear errors. */
#ifndef SW_BATCH_H
#define SW_BATCH_H

#include <stddef.h>

#include <cJSON.h>

#include "sw/aws.h"
#include "sw/error.h"

/* The service description for sw_aws_client_new (signing name "batch",
 * endpoint id "BATCH"). */
extern const sw_aws_service sw_batch_service;

/* One dependency of a job: its id and, for array jobs, "N_TO_N" or
 * "SEQUENTIAL" (NULL: a plain dependency). */
typedef struct sw_batch_dependency {
    const char *job_id;
    const char *type;
} sw_batch_dependency;

typedef struct sw_batch_submit {
    const char *job_name;       /* required: 1-128 of [A-Za-z0-9_-] */
    const char *job_queue;      /* required: name or ARN */
    const char *job_definition; /* required: name, name:revision or ARN */
    const sw_batch_dependency *depends_on; /* up to 20 */
    size_t depends_on_count;
    int array_size;             /* 0: not an array job; else 2..10000 */
    const cJSON *container_overrides; /* Batch's containerOverrides object
                                         ({"environment":[{name,value}],
                                         "command":[...]}), or NULL */
    const cJSON *parameters;    /* object of string values, or NULL */
    const cJSON *retry_strategy; /* Batch's retryStrategy object, or NULL */
    long timeout_seconds;       /* attemptDurationSeconds, 0: none (>= 60) */
    const cJSON *tags;          /* object of string values, or NULL */
} sw_batch_submit;

/* sw_batch_submit_job: SubmitJob. On success writes the job id (a UUID,
 * NUL-terminated) to job_id, which has room for job_id_len bytes (64 is
 * plenty). Returns SW_OK, SW_E_INVALID (a required field missing or out of
 * range, before any call), SW_E_PARSE (no jobId in the answer), or
 * sw_aws_send's results. */
sw_result sw_batch_submit_job(sw_aws_client *c, const sw_batch_submit *req,
                              char *job_id, size_t job_id_len,
                              sw_aws_error *err);

/* sw_batch_describe_jobs: DescribeJobs for n ids, 100 per call, in order.
 * *jobs_out is a new cJSON array of Batch's job detail objects (jobId,
 * jobName, status, attempts[], container.exitCode, statusReason, startedAt,
 * stoppedAt, arrayProperties, dependsOn, ...); ids Batch does not know are
 * simply absent, as in the API. Returns SW_OK, SW_E_INVALID, SW_E_PARSE, or
 * sw_aws_send's results (then *jobs_out is NULL). */
sw_result sw_batch_describe_jobs(sw_aws_client *c, const char *const *job_ids,
                                 size_t n, cJSON **jobs_out,
                                 sw_aws_error *err);

/* sw_batch_terminate_job: TerminateJob with a reason (required by Batch).
 * Returns SW_OK, SW_E_INVALID, or sw_aws_send's results. */
sw_result sw_batch_terminate_job(sw_aws_client *c, const char *job_id,
                                 const char *reason, sw_aws_error *err);

#endif
