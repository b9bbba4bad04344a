/* heartbeat.c - the heartbeat thread (see heartbeat.h). */
#include "heartbeat.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sw/log.h"

#define BEAT_TIMEOUT_MAX_MS 10000L /* a beat never takes longer than this */

struct sa_heartbeat {
    sa_api *api; /* the thread's own client: sa_api is not thread-safe */
    char job_id[257];
    int attempt;
    long interval_s;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* on CLOCK_MONOTONIC */
    int stop;            /* under lock */
    long watch_stale_s;  /* under lock; 0: beat whatever the watch loop does */
    struct timespec last_tick; /* under lock: the watch loop's last pass */
    int withheld;        /* beats not sent for a stalled watch loop */
    int beats;           /* sent; read after the join */
    int acked;
};

/* watch_stalled: true when a watch is set and the watch loop has not
 * ticked for longer than watch_stale_s. Called under lock. */
static int watch_stalled(const sa_heartbeat *h)
{
    if (h->watch_stale_s <= 0)
        return 0;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long ms = (long long)(now.tv_sec - h->last_tick.tv_sec) * 1000 +
                   (now.tv_nsec - h->last_tick.tv_nsec) / 1000000;
    return ms > (long long)h->watch_stale_s * 1000;
}

/* sa_heartbeat_watch: see heartbeat.h. */
void sa_heartbeat_watch(sa_heartbeat *h, long stale_s)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->lock);
    h->watch_stale_s = stale_s;
    clock_gettime(CLOCK_MONOTONIC, &h->last_tick);
    pthread_mutex_unlock(&h->lock);
}

/* sa_heartbeat_tick: see heartbeat.h. */
void sa_heartbeat_tick(sa_heartbeat *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->lock);
    clock_gettime(CLOCK_MONOTONIC, &h->last_tick);
    pthread_mutex_unlock(&h->lock);
}

/* sa_heartbeat_counts: see heartbeat.h. */
void sa_heartbeat_counts(sa_heartbeat *h, int *beats, int *withheld)
{
    pthread_mutex_lock(&h->lock);
    *beats = h->beats;
    *withheld = h->withheld;
    pthread_mutex_unlock(&h->lock);
}

/* sa_heartbeat_body: the heartbeat's PUT body. */
cJSON *sa_heartbeat_body(int attempt)
{
    cJSON *b = cJSON_CreateObject();
    if (!b || !cJSON_AddStringToObject(b, "heartbeat", "") ||
        !cJSON_AddNumberToObject(b, "attempt", attempt)) {
        cJSON_Delete(b);
        return NULL;
    }
    return b;
}

/* sa_beat_classify: 2xx acked; a 5xx / 408 / 429 or no answer failed (it
 * may pass); any other status refused. */
sa_beat_outcome sa_beat_classify(sw_result rc, long status)
{
    if (rc == SW_OK)
        return SA_BEAT_ACKED;
    if (rc == SW_E_HTTP && !sa_api_retryable_status(status))
        return SA_BEAT_REFUSED;
    return SA_BEAT_FAILED;
}

/* hlog: one line with the job id and attempt; fields (may be NULL) is
 * consumed. */
static void hlog(const sa_heartbeat *h, sw_log_level lvl, const char *msg,
                 cJSON *fields)
{
    if (!fields)
        fields = cJSON_CreateObject();
    cJSON_AddStringToObject(fields, "job_id", h->job_id);
    cJSON_AddNumberToObject(fields, "attempt", h->attempt);
    sw_log(lvl, msg, fields);
    cJSON_Delete(fields);
}

/* beat: one PUT, its outcome logged when it differs from *last. */
static void beat(sa_heartbeat *h, sa_beat_outcome *last)
{
    cJSON *b = sa_heartbeat_body(h->attempt);
    sa_api_result res;
    memset(&res, 0, sizeof res);
    long timeout_ms = h->interval_s * 1000 < BEAT_TIMEOUT_MAX_MS
                          ? h->interval_s * 1000
                          : BEAT_TIMEOUT_MAX_MS;
    sw_result rc = b ? sa_api_put_once(h->api, b, timeout_ms, &res)
                     : SW_E_NOMEM;
    cJSON_Delete(b);
    sa_beat_outcome o = sa_beat_classify(rc, res.status);
    h->acked += o == SA_BEAT_ACKED;
    if (o == *last)
        return;
    cJSON *f = cJSON_CreateObject();
    cJSON_AddNumberToObject(f, "http_status", (double)res.status);
    if (res.error[0])
        cJSON_AddStringToObject(f, "error", res.error);
    if (o == SA_BEAT_ACKED)
        hlog(h, SW_LOG_INFO, "heartbeats acknowledged", f);
    else if (o == SA_BEAT_REFUSED)
        hlog(h, SW_LOG_WARN, "heartbeat refused (the API may no longer run "
                             "this attempt); still trying", f);
    else
        hlog(h, SW_LOG_WARN, "heartbeat not acknowledged; still trying", f);
    *last = o;
}

/* run: waits interval_s on the condition variable, beats, until stop. */
static void *run(void *arg)
{
    sa_heartbeat *h = arg;
    sa_beat_outcome last = SA_BEAT_NONE;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    pthread_mutex_lock(&h->lock);
    for (;;) {
        next.tv_sec += h->interval_s;
        while (!h->stop &&
               pthread_cond_timedwait(&h->wake, &h->lock, &next) != ETIMEDOUT)
            ;
        if (h->stop)
            break;
        if (watch_stalled(h)) {
            /* The watch loop (container state, Spot notice) is stuck: a
             * beat now would keep a job alive that nobody watches. Say so
             * once; beat again when it ticks. */
            if (h->withheld++ == 0)
                hlog(h, SW_LOG_ERROR, "the watch loop has stalled; "
                                      "heartbeats withheld", NULL);
            continue;
        }
        pthread_mutex_unlock(&h->lock);
        beat(h, &last);
        pthread_mutex_lock(&h->lock);
        h->beats++;
        /* A beat that took longer than the interval: the next one is
         * due an interval after it, not at once (no burst). */
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > next.tv_sec)
            next = now;
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

/* sa_heartbeat_start: client, clock, thread (with SIGTERM / SIGINT
 * blocked, so they reach the main thread's wait loop). */
sw_result sa_heartbeat_start(const sa_api_config *cfg, int attempt,
                             long interval_s, sa_heartbeat **out)
{
    *out = NULL;
    sa_heartbeat *h = calloc(1, sizeof *h);
    if (!h)
        return SW_E_NOMEM;
    sw_result rc = sa_api_new(cfg, &h->api);
    if (rc) {
        free(h);
        return rc;
    }
    snprintf(h->job_id, sizeof h->job_id, "%s", cfg->job_id);
    h->attempt = attempt;
    h->interval_s = interval_s < 1 ? 1 : interval_s;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->wake, &ca);
    pthread_condattr_destroy(&ca);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int err = pthread_create(&h->thread, NULL, run, h);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err) {
        pthread_cond_destroy(&h->wake);
        pthread_mutex_destroy(&h->lock);
        sa_api_free(h->api);
        free(h);
        return SW_E_IO;
    }
    *out = h;
    return SW_OK;
}

/* sa_heartbeat_stop: sets stop and wakes the thread. */
void sa_heartbeat_stop(sa_heartbeat *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->lock);
    h->stop = 1;
    pthread_cond_signal(&h->wake);
    pthread_mutex_unlock(&h->lock);
}

/* sa_heartbeat_free: stop, join, one summary line, free. */
void sa_heartbeat_free(sa_heartbeat *h)
{
    if (!h)
        return;
    sa_heartbeat_stop(h);
    pthread_join(h->thread, NULL);
    cJSON *f = cJSON_CreateObject();
    cJSON_AddNumberToObject(f, "beats", h->beats);
    cJSON_AddNumberToObject(f, "acknowledged", h->acked);
    cJSON_AddNumberToObject(f, "withheld", h->withheld);
    hlog(h, SW_LOG_INFO, "heartbeats stopped", f);
    pthread_cond_destroy(&h->wake);
    pthread_mutex_destroy(&h->lock);
    sa_api_free(h->api);
    free(h);
}
