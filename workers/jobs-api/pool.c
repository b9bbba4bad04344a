/* pool.c - a mutex-protected free list of AWS clients (see pool.h). */
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>

struct jobs_pool {
    pthread_mutex_t lock;
    sw_aws_service svc;
    jobs_pool_entry *idle;
};

/* entry_new: a credentials chain and a client for p's service. */
static sw_result entry_new(const jobs_pool *p, jobs_pool_entry **out,
                           const char **why)
{
    jobs_pool_entry *e = calloc(1, sizeof *e);
    if (!e)
        return SW_E_NOMEM;
    sw_result rc = sw_creds_provider_new(NULL, &e->creds);
    sw_aws_config cfg = {.service = p->svc};
    if (rc == SW_OK)
        rc = sw_aws_client_new(&cfg, e->creds, &e->client, why);
    if (rc) {
        sw_creds_provider_free(e->creds);
        free(e);
        return rc;
    }
    *out = e;
    return SW_OK;
}

/* entry_free: the client, then its credentials. */
static void entry_free(jobs_pool_entry *e)
{
    sw_aws_client_free(e->client);
    sw_creds_provider_free(e->creds);
    free(e);
}

/* jobs_pool_new: see pool.h. */
sw_result jobs_pool_new(const sw_aws_service *svc, jobs_pool **out,
                        const char **why)
{
    jobs_pool *p = calloc(1, sizeof *p);
    if (!p)
        return SW_E_NOMEM;
    pthread_mutex_init(&p->lock, NULL);
    p->svc = *svc;
    sw_result rc = entry_new(p, &p->idle, why);
    if (rc) {
        pthread_mutex_destroy(&p->lock);
        free(p);
        return rc;
    }
    *out = p;
    return SW_OK;
}

/* jobs_pool_get: pops the idle list, else makes a client. */
jobs_pool_entry *jobs_pool_get(jobs_pool *p)
{
    pthread_mutex_lock(&p->lock);
    jobs_pool_entry *e = p->idle;
    if (e)
        p->idle = e->next;
    pthread_mutex_unlock(&p->lock);
    const char *why = NULL;
    if (!e && entry_new(p, &e, &why))
        return NULL;
    e->next = NULL;
    return e;
}

/* jobs_pool_put: pushes e on the idle list. */
void jobs_pool_put(jobs_pool *p, jobs_pool_entry *e)
{
    if (!e)
        return;
    pthread_mutex_lock(&p->lock);
    e->next = p->idle;
    p->idle = e;
    pthread_mutex_unlock(&p->lock);
}

/* jobs_pool_free: every idle entry, then the pool. */
void jobs_pool_free(jobs_pool *p)
{
    if (!p)
        return;
    while (p->idle) {
        jobs_pool_entry *e = p->idle;
        p->idle = e->next;
        entry_free(e);
    }
    pthread_mutex_destroy(&p->lock);
    free(p);
}
