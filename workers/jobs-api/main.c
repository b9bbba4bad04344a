/* jobs-api - an HTTP service that schedules Docker jobs on one-time EC2
 * Spot instances (API and launcher: workers/jobs-api/README.md).
 *
 * main reads and checks the whole configuration before it listens
 * (exit 2 with one log line on a bad one), starts the HTTP server and the
 * launcher thread, then waits for SIGTERM / SIGINT: it stops accepting
 * connections, lets the launcher finish the job in hand, answers the
 * requests in flight and exits 0 (Fargate gives 30 s between SIGTERM and
 * SIGKILL).
 *
 * Environment:
 *   JOBS_TABLE                 DynamoDB table (required)
 *   JOBS_API_KEYS              comma-separated API keys, or
 *   JOBS_API_KEY_HASHES        their hex SHA-256 digests (one of both)
 *   JOBS_BIND, JOBS_PORT       listen address, default 0.0.0.0:8080
 *   JOBS_HTTP_THREADS          worker threads, default 4
 *   JOBS_MAX_ATTEMPTS          default 3
 *   JOBS_BACKOFF_SECONDS       first retry delay, default 30 (doubling)
 *   JOBS_BACKOFF_MAX_SECONDS   cap, default 900
 *   JOBS_LAUNCHER              0: API only (no launcher thread), default 1
 *   JOBS_LAUNCH_INTERVAL       seconds between launcher passes, default 15
 *   JOBS_LAUNCH_TIMEOUT        seconds a job may stay LAUNCHING, def. 600
 *   JOBS_REAP_INTERVAL         seconds between reaper passes, default 60
 *   JOBS_REAP_GRACE            seconds an instance may be gone before its
 *                              job is retried, default 120
 *   JOBS_HEARTBEAT_TIMEOUT     seconds a RUNNING job may go without a
 *                              heartbeat before it is retried, default
 *                              300 (0: never)
 *   JOBS_AMI_ID, JOBS_INSTANCE_TYPE (default t3.micro),
 *   JOBS_INSTANCE_PROFILE, JOBS_SUBNET_ID, JOBS_SECURITY_GROUP_IDS
 *                              the instances (AMI required with launcher)
 *   JOBS_CALLBACK_URL          the URL agents call (required w/ launcher)
 *   JOBS_AGENT_IMAGE           the spot-agent image (required w/ launcher)
 *   AWS_REGION, AWS_ENDPOINT_URL*, credentials: as every worker (sw/aws.h)
 *   LOG_LEVEL                  debug|info|warn|error
 * Exit codes: 0 after a graceful shutdown, 2 bad configuration, 1 internal
 * (or the port could not be bound). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include "app.h"
#include "launcher.h"
#include "pool.h"
#include "server.h"
#include "sw/ec2.h"
#include "sw/exit.h"
#include "sw/http.h"
#include "sw/log.h"
#include "sw/worker.h"
#include "userdata.h"
#include "validate.h"

enum { WHY_LEN = 256, SG_MAX = 16 };

/* env_long: a decimal variable in [lo, hi], or def when unset; false (with
 * a logged line) when malformed. */
static bool env_long(const char *name, long def, long lo, long hi, long *out)
{
    const char *v = sw_env(name);
    if (!v) {
        *out = def;
        return true;
    }
    char *end;
    long n = strtol(v, &end, 10);
    if (end == v || *end || n < lo || n > hi) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: %s must be an integer from "
                    "%ld to %ld", name, lo, hi);
        return false;
    }
    *out = n;
    return true;
}

/* split_groups: JOBS_SECURITY_GROUP_IDS into at most SG_MAX ids (the
 * string is modified in place). Returns the count or -1 (logged). */
static int split_groups(char *list, const char *ids[SG_MAX])
{
    int n = 0;
    for (char *save = NULL, *t = strtok_r(list, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        if (n == SG_MAX || strncmp(t, "sg-", 3) != 0 ||
            !jobs_userdata_safe(t)) {
            sw_log_msgf(SW_LOG_ERROR, "configuration: JOBS_SECURITY_GROUP_IDS "
                        "must be up to 16 comma-separated sg-... ids");
            return -1;
        }
        ids[n++] = t;
    }
    return n;
}

/* launch_config: the launcher's variables, checked. false when bad
 * (logged). */
static bool launch_config(jobs_launch_config *c, char *sg_buf,
                          const char *sg_ids[SG_MAX])
{
    const char *why = NULL;
    memset(c, 0, sizeof *c);
    if (!env_long("JOBS_LAUNCH_INTERVAL", 15, 1, 3600, &c->interval_s) ||
        !env_long("JOBS_LAUNCH_TIMEOUT", 600, 5, 86400,
                  &c->launch_timeout_s) ||
        !env_long("JOBS_REAP_INTERVAL", 60, 1, 86400, &c->reap_interval_s) ||
        !env_long("JOBS_REAP_GRACE", 120, 0, 86400, &c->reap_grace_s) ||
        !env_long("JOBS_HEARTBEAT_TIMEOUT", 300, 0, 86400,
                  &c->heartbeat_timeout_s))
        return false;
    c->ami = sw_env("JOBS_AMI_ID");
    c->instance_type = sw_env("JOBS_INSTANCE_TYPE");
    if (!c->instance_type)
        c->instance_type = "t3.micro";
    c->profile = sw_env("JOBS_INSTANCE_PROFILE");
    c->subnet = sw_env("JOBS_SUBNET_ID");
    c->api_url = sw_env("JOBS_CALLBACK_URL");
    c->agent_image = sw_env("JOBS_AGENT_IMAGE");
    if (!c->ami || strncmp(c->ami, "ami-", 4) != 0) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: JOBS_AMI_ID (ami-...) is "
                    "required (or JOBS_LAUNCHER=0)");
        return false;
    }
    if (!c->api_url || !jobs_userdata_safe(c->api_url) ||
        (strncmp(c->api_url, "https://", 8) != 0 &&
         strncmp(c->api_url, "http://", 7) != 0)) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: JOBS_CALLBACK_URL must be "
                    "an http(s):// URL of [A-Za-z0-9:/._@+-] (what spot-agent "
                    "calls)");
        return false;
    }
    if (!c->agent_image || !jobs_image_ref_valid(c->agent_image, &why) ||
        !jobs_userdata_safe(c->agent_image)) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: JOBS_AGENT_IMAGE must be "
                    "the spot-agent image reference");
        return false;
    }
    const char *sg = sw_env("JOBS_SECURITY_GROUP_IDS");
    if (sg) {
        snprintf(sg_buf, 1024, "%s", sg);
        int n = split_groups(sg_buf, sg_ids);
        if (n < 0)
            return false;
        c->security_groups = sg_ids;
        c->security_group_count = (size_t)n;
    }
    return true;
}

/* wait_for_signal: blocks until SIGTERM or SIGINT (which every thread has
 * blocked, so sigwait gets them). Returns the signal. */
static int wait_for_signal(const sigset_t *set)
{
    int sig = 0;
    while (sigwait(set, &sig) != 0)
        ;
    return sig;
}

/* main: configuration, then serve until a signal. */
int main(void)
{
    sw_log_init("jobs-api", SW_LOG_INFO, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* inherited by every thread */
    signal(SIGPIPE, SIG_IGN);

    static jobs_auth auth;
    char why[WHY_LEN];
    if (jobs_auth_load(&auth, sw_env("JOBS_API_KEYS"),
                       sw_env("JOBS_API_KEY_HASHES"), why, sizeof why)) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: %s", why);
        return SW_EXIT_BAD_INPUT;
    }
    long port, threads, max_attempts, backoff, backoff_cap, launcher_on;
    if (!env_long("JOBS_PORT", 8080, 1, 65535, &port) ||
        !env_long("JOBS_HTTP_THREADS", 4, 1, 256, &threads) ||
        !env_long("JOBS_MAX_ATTEMPTS", 3, 1, 100, &max_attempts) ||
        !env_long("JOBS_BACKOFF_SECONDS", 30, 0, 86400, &backoff) ||
        !env_long("JOBS_BACKOFF_MAX_SECONDS", 900, 0, 604800, &backoff_cap) ||
        !env_long("JOBS_LAUNCHER", 1, 0, 1, &launcher_on))
        return SW_EXIT_BAD_INPUT;
    static jobs_launch_config lcfg;
    static char sg_buf[1024];
    static const char *sg_ids[SG_MAX];
    if (launcher_on && !launch_config(&lcfg, sg_buf, sg_ids))
        return SW_EXIT_BAD_INPUT;
    const char *bind_addr = sw_env("JOBS_BIND");
    if (!bind_addr)
        bind_addr = "0.0.0.0";
    if (sw_http_global_init() != SW_OK) {
        sw_log_msgf(SW_LOG_ERROR, "cannot initialise libcurl");
        return SW_EXIT_INTERNAL;
    }

    static jobs_app app;
    jobs_pool *ec2 = NULL;
    const char *cwhy = "out of memory";
    int code = SW_EXIT_OK;
    sw_result rc = jobs_store_ddb_new(sw_env("JOBS_TABLE"), &app.store, &cwhy);
    if (rc == SW_OK)
        rc = jobs_pool_new(&sw_ec2_service, &ec2, &cwhy);
    if (rc) {
        sw_log_msgf(SW_LOG_ERROR, "configuration: %s", cwhy);
        jobs_store_ddb_free(&app.store);
        sw_http_global_cleanup();
        return sw_exit_code_for(rc);
    }
    app.auth = &auth;
    app.max_attempts = (int)max_attempts;
    app.backoff_base = backoff;
    app.backoff_cap = backoff_cap;
    app.terminate = jobs_terminate;
    app.terminate_ctx = ec2;

    jobs_server *srv = NULL;
    jobs_launcher *launcher = NULL;
    rc = jobs_server_start(&app, bind_addr, (int)port, (int)threads, &srv,
                           why, sizeof why);
    if (rc == SW_OK && launcher_on)
        rc = jobs_launcher_start(&app, &lcfg, ec2, &launcher);
    if (rc) {
        sw_log_msgf(SW_LOG_ERROR, "%s", rc == SW_E_NOMEM ? "out of memory"
                                                         : why);
        code = rc == SW_E_CONFIG ? SW_EXIT_BAD_INPUT : SW_EXIT_INTERNAL;
    } else {
        cJSON *f = cJSON_CreateObject();
        if (f) {
            cJSON_AddStringToObject(f, "bind", bind_addr);
            cJSON_AddNumberToObject(f, "port", (double)port);
            cJSON_AddNumberToObject(f, "threads", (double)threads);
            cJSON_AddBoolToObject(f, "launcher", launcher_on != 0);
            cJSON_AddNumberToObject(f, "api_keys", (double)auth.count);
        }
        sw_log(SW_LOG_INFO, "listening", f);
        cJSON_Delete(f);
        int sig = wait_for_signal(&set);
        sw_log_msgf(SW_LOG_INFO, "signal %d: shutting down", sig);
    }
    jobs_server_quiesce(srv);
    jobs_launcher_stop(launcher);
    jobs_server_stop(srv);
    jobs_pool_free(ec2);
    jobs_store_ddb_free(&app.store);
    sw_http_global_cleanup();
    if (code == SW_EXIT_OK)
        sw_log_msgf(SW_LOG_INFO, "stopped");
    return code;
}
