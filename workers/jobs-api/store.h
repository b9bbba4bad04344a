/* store.h - where jobs live: an interface with two implementations,
 * DynamoDB (store_ddb.c, the service's) and memory (store_mem.c, for the
 * unit tests and the fuzzer, which run without a network).
 *
 * Every change of an existing job is conditional on the status and the
 * attempt it was read with (DynamoDB: a conditional UpdateItem), so two
 * writers racing on one job cannot both win: the loser gets
 * SW_E_CONDITION and re-reads. */
#ifndef JOBS_STORE_H
#define JOBS_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "job.h"
#include "sw/aws.h"
#include "sw/buf.h"
#include "sw/error.h"

#define JOBS_LIST_MAX 100   /* page size limit of GET /list */

typedef struct jobs_job_list {
    jobs_job *items;
    size_t count;
} jobs_job_list;

/* jobs_job_list_free: frees every job and the array. */
void jobs_job_list_free(jobs_job_list *l);

typedef struct jobs_store_ops {
    /* create: stores a new job (fails with SW_E_CONDITION if the id
     * exists). */
    sw_result (*create)(void *ctx, const jobs_job *job, sw_aws_error *err);
    /* get: *found false when there is no such job (out untouched). */
    sw_result (*get)(void *ctx, const char *id, jobs_job *out, bool *found,
                     sw_aws_error *err);
    /* update: replaces the job's mutable fields with next's, if it still
     * has status `from` and attempt `from_attempt` and, when from_beat is
     * not NULL, last_heartbeat from_beat ("": none); else
     * SW_E_CONDITION. */
    sw_result (*update)(void *ctx, const jobs_job *next, jobs_status from,
                        int from_attempt, const char *from_beat,
                        sw_aws_error *err);
    /* beat: sets last_heartbeat to `stamp` and nothing else, if the job is
     * RUNNING at attempt `attempt`; else SW_E_CONDITION (also when there
     * is no such job). */
    sw_result (*beat)(void *ctx, const char *id, int attempt,
                      const char *stamp, sw_aws_error *err);
    /* list: one page of jobs, all of them (status NULL, in no particular
     * order) or those with a status (by scheduled_for); `next_in` is the
     * opaque token of the previous page ("" or NULL: the first);
     * next_out gets the next page's token, empty when this is the last.
     * SW_E_INVALID for a token this store did not make. */
    sw_result (*list)(void *ctx, const jobs_status *status, int limit,
                      const char *next_in, jobs_job_list *out,
                      sw_buf *next_out, sw_aws_error *err);
    /* due: up to limit jobs with status `status` and scheduled_for <= until
     * (an ISO time), earliest first. */
    sw_result (*due)(void *ctx, jobs_status status, const char *until,
                     int limit, jobs_job_list *out, sw_aws_error *err);
} jobs_store_ops;

typedef struct jobs_store {
    const jobs_store_ops *ops;
    void *ctx;
} jobs_store;

/* The memory store (store_mem.c): not for production (one process only). */
sw_result jobs_store_mem_new(jobs_store *out);
void jobs_store_mem_free(jobs_store *s);

/* The DynamoDB store (store_ddb.c): table `table`, GSI JOBS_STATUS_INDEX
 * on (status, scheduled_for); AWS clients are made per thread from a
 * pool (a client is not thread-safe). */
#define JOBS_STATUS_INDEX "status-scheduled_for"
sw_result jobs_store_ddb_new(const char *table, jobs_store *out,
                             const char **why);
void jobs_store_ddb_free(jobs_store *s);

/* jobs_next_encode / jobs_next_decode: the opaque page token is the hex of
 * a small JSON object (a DynamoDB key, or the memory store's last id);
 * decode checks the hex and that it parses as an object (the caller
 * checks its members). NULL / SW_E_INVALID when malformed. */
sw_result jobs_next_encode(const cJSON *key, sw_buf *out);
cJSON *jobs_next_decode(const char *token);

#endif
