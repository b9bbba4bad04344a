/* pool.h - AWS clients for many threads. A libsw client (and its
 * credentials provider) serves one thread at a time, and libmicrohttpd runs
 * handlers on a thread pool: each call takes an idle client from the pool
 * (or makes one) and gives it back, so there are never more clients than
 * concurrent calls. */
#ifndef JOBS_POOL_H
#define JOBS_POOL_H

#include "sw/aws.h"
#include "sw/creds.h"
#include "sw/error.h"

typedef struct jobs_pool jobs_pool;

typedef struct jobs_pool_entry {
    sw_creds_provider *creds;
    sw_aws_client *client;
    struct jobs_pool_entry *next; /* the pool's idle list */
} jobs_pool_entry;

/* jobs_pool_new: a pool for svc; one client is made at once so that a
 * configuration error (no region, bad endpoint) shows at start. Returns
 * SW_OK, SW_E_CONFIG (*why static) or SW_E_NOMEM. */
sw_result jobs_pool_new(const sw_aws_service *svc, jobs_pool **out,
                        const char **why);
/* jobs_pool_get: an idle client, or a new one; NULL on ENOMEM (or a
 * configuration that stopped working, which jobs_pool_new rules out). */
jobs_pool_entry *jobs_pool_get(jobs_pool *p);
/* jobs_pool_put: gives e back (NULL is fine). */
void jobs_pool_put(jobs_pool *p, jobs_pool_entry *e);
/* jobs_pool_free: frees every idle client (all must have been put back). */
void jobs_pool_free(jobs_pool *p);

#endif
