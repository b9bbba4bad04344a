/* store_mem.c - the in-memory job store: an array under a mutex, with the
 * same conditional semantics as the DynamoDB store. Used by the unit tests
 * and the fuzzer; the service itself always uses DynamoDB. */
#include "store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct mem_store {
    pthread_mutex_t lock;
    jobs_job *jobs;
    size_t count, cap;
} mem_store;

/* find: the index of id, or -1. Caller holds the lock. */
static long find(const mem_store *m, const char *id)
{
    for (size_t i = 0; i < m->count; i++)
        if (strcmp(m->jobs[i].id, id) == 0)
            return (long)i;
    return -1;
}

/* mem_create: appends a copy; SW_E_CONDITION for an existing id. */
static sw_result mem_create(void *ctx, const jobs_job *job, sw_aws_error *err)
{
    (void)err;
    mem_store *m = ctx;
    sw_result rc = SW_OK;
    pthread_mutex_lock(&m->lock);
    if (find(m, job->id) >= 0) {
        rc = SW_E_CONDITION;
    } else if (m->count == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 16;
        jobs_job *p = realloc(m->jobs, cap * sizeof *p);
        if (!p)
            rc = SW_E_NOMEM;
        else
            m->jobs = p, m->cap = cap;
    }
    if (rc == SW_OK && (rc = jobs_job_copy(&m->jobs[m->count], job)) == SW_OK)
        m->count++;
    pthread_mutex_unlock(&m->lock);
    return rc;
}

/* mem_get: a copy of the job. */
static sw_result mem_get(void *ctx, const char *id, jobs_job *out,
                         bool *found, sw_aws_error *err)
{
    (void)err;
    mem_store *m = ctx;
    sw_result rc = SW_OK;
    pthread_mutex_lock(&m->lock);
    long i = find(m, id);
    *found = i >= 0;
    if (i >= 0)
        rc = jobs_job_copy(out, &m->jobs[i]);
    pthread_mutex_unlock(&m->lock);
    return rc;
}

/* mem_update: replaces the job if status, attempt (and the heartbeat,
 * when asked) still match. */
static sw_result mem_update(void *ctx, const jobs_job *next, jobs_status from,
                            int from_attempt, const char *from_beat,
                            sw_aws_error *err)
{
    (void)err;
    mem_store *m = ctx;
    sw_result rc = SW_E_CONDITION;
    pthread_mutex_lock(&m->lock);
    long i = find(m, next->id);
    if (i >= 0 && m->jobs[i].status == from &&
        m->jobs[i].attempt == from_attempt &&
        (!from_beat || strcmp(m->jobs[i].last_heartbeat, from_beat) == 0)) {
        jobs_job copy;
        rc = jobs_job_copy(&copy, next);
        if (rc == SW_OK) {
            jobs_job_free(&m->jobs[i]);
            m->jobs[i] = copy;
        }
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}

/* mem_beat: sets last_heartbeat of a RUNNING job at that attempt. */
static sw_result mem_beat(void *ctx, const char *id, int attempt,
                          const char *stamp, sw_aws_error *err)
{
    (void)err;
    mem_store *m = ctx;
    sw_result rc = SW_E_CONDITION;
    pthread_mutex_lock(&m->lock);
    long i = find(m, id);
    if (i >= 0 && m->jobs[i].status == JOBS_RUNNING &&
        m->jobs[i].attempt == attempt) {
        snprintf(m->jobs[i].last_heartbeat,
                 sizeof m->jobs[i].last_heartbeat, "%s", stamp);
        rc = SW_OK;
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}

/* by_time: orders by (scheduled_for, id). */
static int by_time(const void *a, const void *b)
{
    const jobs_job *x = a, *y = b;
    int c = strcmp(x->scheduled_for, y->scheduled_for);
    return c ? c : strcmp(x->id, y->id);
}

/* select_sorted: copies of the jobs matching status (NULL: all), sorted by
 * (scheduled_for, id). Caller holds the lock. */
static sw_result select_sorted(const mem_store *m, const jobs_status *status,
                               jobs_job_list *out)
{
    out->items = calloc(m->count ? m->count : 1, sizeof *out->items);
    out->count = 0;
    if (!out->items)
        return SW_E_NOMEM;
    for (size_t i = 0; i < m->count; i++) {
        if (status && m->jobs[i].status != *status)
            continue;
        if (jobs_job_copy(&out->items[out->count], &m->jobs[i])) {
            jobs_job_list_free(out);
            return SW_E_NOMEM;
        }
        out->count++;
    }
    qsort(out->items, out->count, sizeof *out->items, by_time);
    return SW_OK;
}

/* mem_list: pages over the sorted selection; the token holds the last
 * (scheduled_for, id) returned. */
static sw_result mem_list(void *ctx, const jobs_status *status, int limit,
                          const char *next_in, jobs_job_list *out,
                          sw_buf *next_out, sw_aws_error *err)
{
    (void)err;
    mem_store *m = ctx;
    const char *after_t = NULL, *after_id = NULL;
    cJSON *tok = NULL;
    if (next_in && *next_in) {
        tok = jobs_next_decode(next_in);
        after_t = cJSON_GetStringValue(cJSON_GetObjectItem(tok, "t"));
        after_id = cJSON_GetStringValue(cJSON_GetObjectItem(tok, "id"));
        if (!after_t || !after_id) {
            cJSON_Delete(tok);
            return SW_E_INVALID;
        }
    }
    jobs_job_list all = {0};
    pthread_mutex_lock(&m->lock);
    sw_result rc = select_sorted(m, status, &all);
    pthread_mutex_unlock(&m->lock);
    if (rc) {
        cJSON_Delete(tok);
        return rc;
    }
    size_t start = 0;
    while (after_t && start < all.count) {
        const jobs_job *j = &all.items[start];
        int c = strcmp(j->scheduled_for, after_t);
        if (c > 0 || (c == 0 && strcmp(j->id, after_id) > 0))
            break;
        start++;
    }
    cJSON_Delete(tok);
    out->items = calloc((size_t)limit, sizeof *out->items);
    out->count = 0;
    if (!out->items) {
        jobs_job_list_free(&all);
        return SW_E_NOMEM;
    }
    for (size_t i = start; i < all.count && out->count < (size_t)limit; i++) {
        out->items[out->count++] = all.items[i];
        all.items[i].env = NULL; /* moved */
    }
    if (start + out->count < all.count && out->count > 0) {
        const jobs_job *last = &out->items[out->count - 1];
        cJSON *k = cJSON_CreateObject();
        if (!k || !cJSON_AddStringToObject(k, "t", last->scheduled_for) ||
            !cJSON_AddStringToObject(k, "id", last->id) ||
            jobs_next_encode(k, next_out))
            rc = SW_E_NOMEM;
        cJSON_Delete(k);
    }
    jobs_job_list_free(&all);
    if (rc)
        jobs_job_list_free(out);
    return rc;
}

/* mem_due: the earliest `limit` jobs of a status due by `until`. */
static sw_result mem_due(void *ctx, jobs_status status, const char *until,
                         int limit, jobs_job_list *out, sw_aws_error *err)
{
    (void)err;
    mem_store *m = ctx;
    jobs_job_list all = {0};
    pthread_mutex_lock(&m->lock);
    sw_result rc = select_sorted(m, &status, &all);
    pthread_mutex_unlock(&m->lock);
    if (rc)
        return rc;
    size_t n = 0;
    while (n < all.count && n < (size_t)limit &&
           strcmp(all.items[n].scheduled_for, until) <= 0)
        n++;
    for (size_t i = n; i < all.count; i++)
        jobs_job_free(&all.items[i]);
    all.count = n;
    *out = all;
    return SW_OK;
}

static const jobs_store_ops mem_ops = {mem_create, mem_get, mem_update,
                                       mem_beat,   mem_list, mem_due};

/* jobs_store_mem_new: an empty store. SW_OK or SW_E_NOMEM. */
sw_result jobs_store_mem_new(jobs_store *out)
{
    mem_store *m = calloc(1, sizeof *m);
    if (!m)
        return SW_E_NOMEM;
    pthread_mutex_init(&m->lock, NULL);
    out->ops = &mem_ops;
    out->ctx = m;
    return SW_OK;
}

/* jobs_store_mem_free: frees every job and the store. */
void jobs_store_mem_free(jobs_store *s)
{
    mem_store *m = s ? s->ctx : NULL;
    if (!m)
        return;
    jobs_job_list l = {m->jobs, m->count};
    jobs_job_list_free(&l);
    pthread_mutex_destroy(&m->lock);
    free(m);
    s->ctx = NULL;
}
