/* heartbeat.h - spot-agent's heartbeat: while the job's container runs,
 * PUT {API}/callback/{id} {"heartbeat": "", "attempt": N} every
 * SPOT_AGENT_HEARTBEAT_SECONDS from a thread of its own, so jobs-api can
 * tell a live agent from one that hung or died on an instance that still
 * runs (its reaper requeues a RUNNING job whose heartbeats stop).
 *
 * Best effort: one try per beat (the next beat is the retry), each within
 * a short timeout, on its own HTTP client; nothing waits for a beat: not
 * the notice poll (another thread), not the final callback (sa_heartbeat_
 * stop only asks; the join comes after it). An outcome is logged when it
 * changes (first ack, failing, refused, acked again), not per beat. */
#ifndef SA_HEARTBEAT_H
#define SA_HEARTBEAT_H

#include <cJSON.h>

#include "api.h"
#include "sw/error.h"

typedef struct sa_heartbeat sa_heartbeat;

/* How one beat ended. */
typedef enum sa_beat_outcome {
    SA_BEAT_NONE = 0, /* no beat yet */
    SA_BEAT_ACKED,    /* 2xx */
    SA_BEAT_REFUSED,  /* another status (409: the API no longer runs this
                         attempt; 401/403/404) */
    SA_BEAT_FAILED    /* no answer (refused connection, timeout) or 5xx */
} sa_beat_outcome;

/* sa_heartbeat_body: {"heartbeat": "", "attempt": attempt}. NULL on
 * ENOMEM. */
cJSON *sa_heartbeat_body(int attempt);

/* sa_beat_classify: the outcome of a beat that returned rc with HTTP
 * status `status` (sa_api_put_once). */
sa_beat_outcome sa_beat_classify(sw_result rc, long status);

/* sa_heartbeat_start: a thread beating every interval_s (>= 1) seconds for
 * attempt `attempt`, its first beat interval_s after the start, with a
 * client made from cfg (its deadline is not used). Returns SW_OK,
 * SW_E_CONFIG (cfg as sa_api_new), SW_E_NOMEM or SW_E_IO (no thread). */
sw_result sa_heartbeat_start(const sa_api_config *cfg, int attempt,
                             long interval_s, sa_heartbeat **out);

/* sa_heartbeat_watch: from now on a beat is sent only while the watch
 * loop (container and Spot notice polls) calls sa_heartbeat_tick at least
 * every stale_s seconds: a heartbeat must prove the job is watched, not
 * only that this thread lives. 0 turns the check off. NULL is fine. */
void sa_heartbeat_watch(sa_heartbeat *h, long stale_s);

/* sa_heartbeat_tick: the watch loop made a pass. NULL is fine. */
void sa_heartbeat_tick(sa_heartbeat *h);

/* sa_heartbeat_counts: beats sent so far, and beats withheld because the
 * watch loop had stalled (for tests and the closing log line). */
void sa_heartbeat_counts(sa_heartbeat *h, int *beats, int *withheld);

/* sa_heartbeat_stop: asks the thread to send no further beat and returns
 * at once (a beat in flight ends by its timeout). NULL is fine. */
void sa_heartbeat_stop(sa_heartbeat *h);

/* sa_heartbeat_free: stops, waits for the thread (at most one beat's
 * timeout), logs how many beats were sent and frees. NULL is fine. */
void sa_heartbeat_free(sa_heartbeat *h);

#endif
