/* agent.h - spot-agent's run: fetch the job spec, pull, create and start
 * the container, report "running", watch the container and the Spot
 * interruption notice, report the outcome, clean up, terminate the
 * instance. The protocol is in workers/spot-agent/README.md. */
#ifndef SA_AGENT_H
#define SA_AGENT_H

#include <cJSON.h>

#include "sw/buf.h"
#include "sw/error.h"

#define SA_MESSAGE_MAX 4096u  /* error_message bytes (the protocol's) */
#define SA_LOG_TAIL_LINES 20

typedef struct sa_config {
    const char *job_id;        /* SPOT_AGENT_JOB_ID */
    const char *api_url;       /* SPOT_AGENT_API_URL */
    const char *token;         /* SPOT_AGENT_TOKEN (secret) */
    const char *docker_host;   /* DOCKER_HOST, NULL: the default socket */
    long poll_s;               /* SPOT_AGENT_POLL_SECONDS, 1..3600 */
    long stop_timeout_s;       /* SPOT_AGENT_STOP_TIMEOUT, 0..110 */
    long callback_deadline_s;  /* SPOT_AGENT_CALLBACK_DEADLINE, 1..86400 */
    long imds_token_ttl_s;     /* SPOT_AGENT_IMDS_TOKEN_TTL, 1..21600 */
    long retry_base_ms;        /* SW_RETRY_BASE_MS (tests), default 1000 */
    int terminate;             /* SPOT_AGENT_TERMINATE, default 1 */
    long expected_attempt;     /* SPOT_AGENT_ATTEMPT, -1 when unset: the
                                  attempt this instance was launched for */
    long heartbeat_s;          /* SPOT_AGENT_HEARTBEAT_SECONDS, 0..86400,
                                  default 60, 0: no heartbeats */
} sa_config;

/* sa_run: the whole run. Returns the process exit code (README "Exit
 * codes"). Installs SIGTERM/SIGINT handlers: the instance shutting down
 * is treated like an interruption notice. */
int sa_run(const sa_config *cfg);

/* sa_check_spec: checks a job spec ({"id", "docker_image", "env_vars":
 * {string: string}, "attempt": integer >= 0}) against the job id we were
 * started for. Sets *attempt when "attempt" is valid (else -1), even if
 * another field is not. Returns NULL when valid, else a static line. */
const char *sa_check_spec(const cJSON *spec, const char *job_id,
                          int *attempt);

/* sa_failure_message: the error_message of a failed callback for a
 * container that exited with exit_code: "exit code N[ (out of memory)];
 * last log lines:\n" and as much of the end of logs as fits, the whole at
 * most SA_MESSAGE_MAX bytes of valid UTF-8 (an invalid byte becomes '?',
 * a character cut at the start is dropped). Into out (reset first).
 * Returns SW_OK or SW_E_NOMEM. */
sw_result sa_failure_message(int exit_code, int oom, sw_cursor logs,
                             sw_buf *out);

/* sa_utf8_clean: appends at most max bytes of s to out as valid UTF-8,
 * each invalid byte replaced by '?', never splitting a character. Returns
 * SW_OK or SW_E_NOMEM. */
sw_result sa_utf8_clean(sw_cursor s, size_t max, sw_buf *out);

/* What IMDS spot/instance-action announced, for the log. */
typedef struct sa_notice {
    char action[16]; /* "terminate", "stop", "hibernate"; "?" if unreadable */
    char time[40];   /* "2026-11-23T17:02:00Z"; "?" if unreadable */
} sa_notice;

/* sa_parse_notice: IMDS's instance-action answer
 * ({"action": "terminate", "time": "...Z"}) into n. A field that is
 * missing, not a string, empty, too long or not printable ASCII becomes
 * "?" (the answer is logged, never trusted). Returns 1 when body is a JSON
 * object, 0 when not (the notice stands either way: IMDS answered 200). */
int sa_parse_notice(sw_cursor body, sa_notice *n);

#endif
