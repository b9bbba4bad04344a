/* docker.h - the few Docker Engine API calls spot-agent makes (pull,
 * create, start, inspect, stop, logs, remove), over the engine's unix
 * socket (or tcp://) with API version 1.41, which Docker Engine 20.10+
 * and podman's compat service both serve.
 *
 * Engine errors come back as SW_E_HTTP with the engine's own message
 * ({"message": ...}, or a pull stream's "error") in the caller's errmsg,
 * so a failed-job callback can say what went wrong. */
#ifndef SA_DOCKER_H
#define SA_DOCKER_H

#include <stddef.h>

#include <cJSON.h>

#include "sw/buf.h"
#include "sw/error.h"

#define SA_DOCKER_ID_MAX 80 /* a 64-hex container id + NUL, with room */

typedef struct sa_docker sa_docker;

typedef struct sa_container_state {
    int running;      /* 1 while running (or restarting/paused) */
    int exit_code;    /* valid once not running */
    int oom_killed;
    char status[24];  /* "created", "running", "exited", ... */
} sa_container_state;

/* sa_docker_new: a client for docker_host ("unix:///path" or
 * "tcp://host:port"; NULL: unix:///var/run/docker.sock). Returns SW_OK,
 * SW_E_CONFIG (*why set) or SW_E_NOMEM. */
sw_result sa_docker_new(const char *docker_host, sa_docker **out,
                        const char **why);
/* sa_docker_free: closes and frees. NULL is fine. */
void sa_docker_free(sa_docker *d);

/* sa_docker_pull: POST /images/create for image ("repo[:tag]" or
 * "repo@sha256:..."), reading the progress stream to its end. Returns
 * SW_OK, SW_E_HTTP (refused, or an "error" in the stream: errmsg set),
 * or a transport error (errmsg set). */
sw_result sa_docker_pull(sa_docker *d, const char *image, sw_buf *errmsg);

/* sa_docker_create: POST /containers/create of image with env_vars (an
 * object of strings, may be NULL) as Env and the labels
 * scratchwork.job_id / scratchwork.attempt; AutoRemove off so the exit
 * code and logs can be read. Writes the container id to id. Returns SW_OK,
 * SW_E_HTTP (errmsg set), SW_E_PARSE, or a transport error. */
sw_result sa_docker_create(sa_docker *d, const char *image,
                           const cJSON *env_vars, const char *job_id,
                           int attempt, char *id, size_t id_len,
                           sw_buf *errmsg);

/* sa_docker_start: POST /containers/{id}/start (304, already started, is
 * fine). Returns SW_OK, SW_E_HTTP (errmsg set) or a transport error. */
sw_result sa_docker_start(sa_docker *d, const char *id, sw_buf *errmsg);

/* sa_docker_inspect: GET /containers/{id}/json into st. Returns SW_OK,
 * SW_E_HTTP, SW_E_PARSE or a transport error. */
sw_result sa_docker_inspect(sa_docker *d, const char *id,
                            sa_container_state *st);

/* sa_docker_stop: POST /containers/{id}/stop?t=timeout_s: SIGTERM, then
 * SIGKILL after timeout_s. Waits for it. Returns SW_OK (also when it had
 * already stopped), SW_E_HTTP or a transport error. */
sw_result sa_docker_stop(sa_docker *d, const char *id, int timeout_s);

/* sa_docker_logs_tail: the last `lines` lines of stdout and stderr,
 * demultiplexed, into out (appended). Returns SW_OK, SW_E_HTTP or a
 * transport error. */
sw_result sa_docker_logs_tail(sa_docker *d, const char *id, int lines,
                              sw_buf *out);

/* sa_docker_remove: DELETE /containers/{id}?force=1 (404, already gone,
 * is fine). Returns SW_OK, SW_E_HTTP or a transport error. */
sw_result sa_docker_remove(sa_docker *d, const char *id);

/* ---- pure helpers (unit-tested) ---------------------------------------- */

/* sa_docker_demux: appends the payloads of the engine's multiplexed log
 * stream (8-byte headers: stream 0/1/2, three zero bytes, big-endian
 * length) to out; a stream that does not start with such a header (a TTY
 * container) is copied as is; a truncated last frame keeps what came.
 * Returns SW_OK or SW_E_NOMEM. */
sw_result sa_docker_demux(sw_cursor raw, sw_buf *out);

/* sa_docker_parse_state: the engine's inspect answer
 * ({"State": {"Status", "ExitCode", "Running", "OOMKilled"}}) into st
 * (cleared first; a status longer than st->status is cut). Returns SW_OK
 * or SW_E_PARSE (no string Status or no numeric ExitCode). */
sw_result sa_docker_parse_state(sw_cursor body, sa_container_state *st);

/* sa_docker_split_image: "repo:tag" into repo and tag ("latest" when
 * none; "repo@sha256:..." gives the digest as the tag, as the API takes
 * it). A ':' before the last '/' is a registry port. Returns SW_OK,
 * SW_E_INVALID (empty, spaces, control bytes) or SW_E_NOMEM. */
sw_result sa_docker_split_image(const char *image, sw_buf *repo,
                                sw_buf *tag);

/* sa_docker_pull_error: the first "error" (errorDetail.message preferred)
 * of a pull progress stream (one JSON object per line) into msg. Returns
 * 1 when the stream reports an error, 0 when it does not. */
int sa_docker_pull_error(sw_cursor stream, sw_buf *msg);

#endif
