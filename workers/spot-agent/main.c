/* spot-agent - runs one job's container on a one-time EC2 Spot instance
 * for jobs-api, reports its state back, and terminates the instance.
 *
 * Environment (set by the instance's user-data; README.md has the table
 * and the protocol): SPOT_AGENT_JOB_ID, SPOT_AGENT_API_URL,
 * SPOT_AGENT_TOKEN (secret, never logged), DOCKER_HOST,
 * AWS_EC2_METADATA_SERVICE_ENDPOINT, SPOT_AGENT_POLL_SECONDS,
 * SPOT_AGENT_STOP_TIMEOUT, SPOT_AGENT_TERMINATE,
 * SPOT_AGENT_CALLBACK_DEADLINE, SPOT_AGENT_IMDS_TOKEN_TTL,
 * SPOT_AGENT_ATTEMPT (optional cross-check of the spec's attempt),
 * SPOT_AGENT_HEARTBEAT_SECONDS (heartbeat period, 0: none).
 * Logs: one JSON line per state change on stderr.
 * Exit codes (sw/exit.h): 0 the final state was acknowledged (whatever
 * the job's own exit code) and the instance terminated (or left, with
 * SPOT_AGENT_TERMINATE=false); 2 bad configuration or spec, or the API
 * refused a callback (401/403/404/4xx); 3 the API did not acknowledge
 * within the deadline, or TerminateInstances failed transiently;
 * 1 internal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "sw/exit.h"
#include "sw/http.h"
#include "sw/log.h"
#include "sw/worker.h"

/* env_long: an integer variable in [lo, hi], or def when unset. Returns 0
 * and logs a configuration line on a bad value. */
static int env_long(const char *name, long lo, long hi, long def, long *out)
{
    const char *v = sw_env(name);
    *out = def;
    if (!v)
        return 1;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || end == v || n < lo || n > hi) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: %s must be an integer "
                                  "from %ld to %ld", name, lo, hi);
        return 0;
    }
    *out = n;
    return 1;
}

/* env_bool: true/false/1/0 (case-insensitive), or def when unset. Returns
 * 0 and logs on anything else. */
static int env_bool(const char *name, int def, int *out)
{
    const char *v = sw_env(name);
    *out = def;
    if (!v)
        return 1;
    if (!strcasecmp(v, "true") || !strcmp(v, "1")) {
        *out = 1;
    } else if (!strcasecmp(v, "false") || !strcmp(v, "0")) {
        *out = 0;
    } else {
        sw_log_msgf(SW_LOG_ERROR, "configuration: %s must be true or false",
                    name);
        return 0;
    }
    return 1;
}

/* main: reads the configuration (exit 2 before any call on a bad value),
 * runs the agent (agent.c) and returns its exit code. */
int main(void)
{
    sw_log_init("spot-agent", SW_LOG_INFO, NULL);
    sa_config c = {0};
    c.job_id = sw_env("SPOT_AGENT_JOB_ID");
    c.api_url = sw_env("SPOT_AGENT_API_URL");
    c.token = sw_env("SPOT_AGENT_TOKEN");
    c.docker_host = sw_env("DOCKER_HOST");
    const char *missing = !c.job_id    ? "SPOT_AGENT_JOB_ID"
                          : !c.api_url ? "SPOT_AGENT_API_URL"
                          : !c.token   ? "SPOT_AGENT_TOKEN"
                                       : NULL;
    if (missing) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: %s is not set", missing);
        return SW_EXIT_BAD_INPUT;
    }
    if (strlen(c.job_id) > 256) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: SPOT_AGENT_JOB_ID is "
                                  "longer than 256 bytes");
        return SW_EXIT_BAD_INPUT;
    }
    /* A stop timeout over 110 s would outlast a Spot notice's 2 minutes. */
    if (!env_long("SPOT_AGENT_POLL_SECONDS", 1, 3600, 5, &c.poll_s) ||
        !env_long("SPOT_AGENT_STOP_TIMEOUT", 0, 110, 20, &c.stop_timeout_s) ||
        !env_long("SPOT_AGENT_CALLBACK_DEADLINE", 1, 86400, 600,
                  &c.callback_deadline_s) ||
        !env_long("SPOT_AGENT_IMDS_TOKEN_TTL", 1, 21600, 21600,
                  &c.imds_token_ttl_s) ||
        !env_long("SW_RETRY_BASE_MS", 1, 60000, 1000, &c.retry_base_ms) ||
        !env_long("SPOT_AGENT_ATTEMPT", 0, 1000000, -1,
                  &c.expected_attempt) ||
        !env_long("SPOT_AGENT_HEARTBEAT_SECONDS", 0, 86400, 60,
                  &c.heartbeat_s) ||
        !env_bool("SPOT_AGENT_TERMINATE", 1, &c.terminate))
        return SW_EXIT_BAD_INPUT;
    if (sw_http_global_init())
        return SW_EXIT_INTERNAL;
    int code = sa_run(&c);
    sw_http_global_cleanup();
    return code;
}
