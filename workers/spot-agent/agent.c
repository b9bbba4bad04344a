/* agent.c - spot-agent's run (see agent.h and README.md).
 *
 * Order matters for the protocol: "running" is reported only once the
 * container has started; the final state only once the container has
 * stopped (so a "schedule" never races a job still writing); the
 * container is removed and the instance terminated only after the final
 * state was acknowledged or given up on, so a lost callback can still be
 * retried while the instance lives. */
#include "agent.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "docker.h"
#include "heartbeat.h"
#include "sw/aws.h"
#include "sw/creds.h"
#include "sw/ec2.h"
#include "sw/exit.h"
#include "sw/imds.h"
#include "sw/log.h"
#include "sw/retry.h"

#define ENGINE_FAILURES_MAX 10 /* consecutive failed inspects: give up */
#define ENV_NAME_MAX 256

static volatile sig_atomic_t g_stop_signal;

/* on_signal: remembers SIGTERM/SIGINT; the wait loop acts on it. */
static void on_signal(int sig)
{
    g_stop_signal = sig;
}

typedef struct run {
    const sa_config *cfg;
    int attempt;
    sa_api *api;
    sa_docker *docker;
    sw_imds *imds;
    sa_heartbeat *hb; /* while the container runs; NULL otherwise */
    char container[SA_DOCKER_ID_MAX];
} run;

/* ---- pure helpers ------------------------------------------------------ */

/* utf8_len: the length of the valid UTF-8 character at s (n bytes left),
 * or 0 when the bytes there are not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2
                                 : (s[0] & 0xf0) == 0xe0 ? 3
                                 : (s[0] & 0xf8) == 0xf0 ? 4
                                                         : 0;
    if (len == 0 || len > n)
        return 0;
    return sw_utf8_valid(sw_cursor_from_mem(s, len)) ? len : 0;
}

/* sa_utf8_clean: see agent.h. */
sw_result sa_utf8_clean(sw_cursor s, size_t max, sw_buf *out)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    size_t used = 0;
    for (size_t i = 0; i < s.len;) {
        size_t l = utf8_len(p + i, s.len - i);
        size_t w = l ? l : 1;
        if (used + w > max)
            break;
        sw_result rc = l ? sw_buf_append(out, p + i, l)
                         : sw_buf_append_byte(out, '?');
        if (rc)
            return rc;
        used += w;
        i += w;
    }
    return SW_OK;
}

/* sa_failure_message: see agent.h. */
sw_result sa_failure_message(int exit_code, int oom, sw_cursor logs,
                             sw_buf *out)
{
    sw_buf_reset(out);
    while (logs.len && (logs.ptr[logs.len - 1] == '\n' ||
                        logs.ptr[logs.len - 1] == '\r'))
        logs.len--;
    sw_result rc = sw_buf_appendf(out, "exit code %d%s", exit_code,
                                  oom ? " (out of memory)" : "");
    if (rc || logs.len == 0)
        return rc;
    if ((rc = sw_buf_append_cstr(out, "; last log lines:\n")))
        return rc;
    size_t room = SA_MESSAGE_MAX - out->len;
    if (logs.len > room) {
        /* keep the end, starting after any cut character's tail bytes */
        size_t skip = logs.len - room;
        while (skip < logs.len &&
               ((unsigned char)logs.ptr[skip] & 0xc0) == 0x80)
            skip++;
        logs.ptr += skip;
        logs.len -= skip;
    }
    return sa_utf8_clean(logs, room, out);
}

/* env_name_ok: a usable environment variable name: 1..256 bytes, no '='
 * and no control bytes or NUL. */
static int env_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > ENV_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '=' || (unsigned char)s[i] < ' ')
            return 0;
    return 1;
}

/* sa_check_spec: see agent.h. */
const char *sa_check_spec(const cJSON *spec, const char *job_id,
                          int *attempt)
{
    *attempt = -1;
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(spec, "attempt");
    if (cJSON_IsNumber(a) && a->valuedouble >= 0 &&
        a->valuedouble <= 1000000 && a->valuedouble == (double)a->valueint)
        *attempt = a->valueint;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(spec, "id");
    const cJSON *img = cJSON_GetObjectItemCaseSensitive(spec, "docker_image");
    const cJSON *env = cJSON_GetObjectItemCaseSensitive(spec, "env_vars");
    if (*attempt < 0)
        return "the job spec has no attempt (an integer >= 0)";
    if (!cJSON_IsString(id) || strcmp(id->valuestring, job_id) != 0)
        return "the job spec's id is not SPOT_AGENT_JOB_ID";
    if (!cJSON_IsString(img) || !img->valuestring[0] ||
        strlen(img->valuestring) > 1024)
        return "the job spec's docker_image is not a 1-1024 character "
               "string";
    if (env && !cJSON_IsNull(env)) {
        if (!cJSON_IsObject(env))
            return "the job spec's env_vars is not an object";
        for (const cJSON *m = env->child; m; m = m->next) {
            if (!env_name_ok(m->string))
                return "an env_vars name is empty, too long, or has '=' or "
                       "control characters";
            if (!cJSON_IsString(m))
                return "an env_vars value is not a string";
        }
    }
    return NULL;
}

/* notice_field: the string member name of j, copied to dst (cap bytes)
 * when it is 1..cap-1 printable ASCII bytes, else "?". */
static void notice_field(const cJSON *j, const char *name, char *dst,
                         size_t cap)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
    const char *s = cJSON_IsString(v) ? v->valuestring : "";
    size_t n = strlen(s);
    int ok = n > 0 && n < cap;
    for (size_t i = 0; ok && i < n; i++)
        ok = s[i] >= ' ' && s[i] <= '~';
    snprintf(dst, cap, "%s", ok ? s : "?");
}

/* sa_parse_notice: see agent.h. */
int sa_parse_notice(sw_cursor body, sa_notice *n)
{
    cJSON *j = cJSON_ParseWithLength(body.ptr ? body.ptr : "", body.len);
    notice_field(j, "action", n->action, sizeof n->action);
    notice_field(j, "time", n->time, sizeof n->time);
    int obj = cJSON_IsObject(j);
    cJSON_Delete(j);
    return obj;
}

/* ---- logging ----------------------------------------------------------- */

/* slog: one state-change line with the job id and attempt; fields (may be
 * NULL) is consumed. */
static void slog(const run *r, sw_log_level lvl, const char *msg,
                 cJSON *fields)
{
    if (!fields)
        fields = cJSON_CreateObject();
    cJSON_AddStringToObject(fields, "job_id", r->cfg->job_id);
    if (r->attempt >= 0)
        cJSON_AddNumberToObject(fields, "attempt", r->attempt);
    if (r->container[0])
        cJSON_AddStringToObject(fields, "container", r->container);
    sw_log(lvl, msg, fields);
    cJSON_Delete(fields);
}

/* fields_str: a new object with one string member. */
static cJSON *fields_str(const char *k, const char *v)
{
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, k, v ? v : "");
    return f;
}

/* api_fields: the fields describing a callback's outcome. */
static cJSON *api_fields(const char *state, const sa_api_result *res)
{
    cJSON *f = fields_str("state", state);
    cJSON_AddNumberToObject(f, "http_status", (double)res->status);
    cJSON_AddNumberToObject(f, "attempts", res->attempts);
    if (res->error[0])
        cJSON_AddStringToObject(f, "error", res->error);
    return f;
}

/* ---- callbacks --------------------------------------------------------- */

/* callback: PUTs {state: "", "attempt": N} (state NULL: done, {}), with
 * error_message when message is not NULL, and logs the outcome. Every
 * state but running is final: the heartbeats are told to stop first
 * (without waiting for one in flight). Returns the exit code it implies:
 * 0 acknowledged (409 too), 2 refused, 3 not acknowledged in time, 1 out
 * of memory. */
static int callback(run *r, const char *state, const char *message)
{
    if (!state || strcmp(state, "running") != 0)
        sa_heartbeat_stop(r->hb);
    cJSON *b = cJSON_CreateObject();
    if (!b || (state && !cJSON_AddStringToObject(b, state, "")) ||
        (message && !cJSON_AddStringToObject(b, "error_message", message)) ||
        !cJSON_AddNumberToObject(b, "attempt", r->attempt)) {
        cJSON_Delete(b);
        return SW_EXIT_INTERNAL;
    }
    const char *name = state ? state : "done";
    sa_api_result res;
    sw_result rc = sa_api_put(r->api, b, &res);
    cJSON_Delete(b);
    if (rc == SW_OK && res.status == 409) {
        slog(r, SW_LOG_INFO, "callback: the API already has a later state",
             api_fields(name, &res));
        return SW_EXIT_OK;
    }
    if (rc == SW_OK) {
        slog(r, SW_LOG_INFO, "callback acknowledged", api_fields(name, &res));
        return SW_EXIT_OK;
    }
    if (rc == SW_E_HTTP) {
        slog(r, SW_LOG_ERROR, "callback refused", api_fields(name, &res));
        return SW_EXIT_BAD_INPUT;
    }
    if (rc == SW_E_DEADLINE) {
        slog(r, SW_LOG_ERROR, "callback not acknowledged before the deadline",
             api_fields(name, &res));
        return SW_EXIT_TRANSIENT;
    }
    return SW_EXIT_INTERNAL;
}

/* ---- the instance ------------------------------------------------------ */

/* imds_text: GET an IMDS path into out as trimmed text. Returns SW_OK or
 * the failure (SW_E_HTTP for a non-200 answer). */
static sw_result imds_text(run *r, const char *path, sw_buf *out)
{
    long status = 0;
    sw_result rc = sw_imds_get(r->imds, path, out, &status);
    if (!rc && status != 200)
        rc = SW_E_HTTP;
    while (!rc && out->len && (out->ptr[out->len - 1] == '\n' ||
                               out->ptr[out->len - 1] == ' '))
        out->ptr[--out->len] = '\0';
    return rc;
}

/* terminate_self: TerminateInstances on our own instance id, in our own
 * region (AWS_REGION, else IMDS placement/region), with the chain's
 * credentials (the instance profile on EC2). Returns the exit code. */
static int terminate_self(run *r)
{
    if (!r->cfg->terminate) {
        slog(r, SW_LOG_INFO, "instance left running (SPOT_AGENT_TERMINATE="
                             "false)", NULL);
        return SW_EXIT_OK;
    }
    sw_buf id = SW_BUF_INIT, region = SW_BUF_INIT;
    sw_creds_provider *creds = NULL;
    sw_aws_client *ec2 = NULL;
    int code = SW_EXIT_TRANSIENT;
    sw_result rc = imds_text(r, "/latest/meta-data/instance-id", &id);
    if (rc) {
        slog(r, SW_LOG_ERROR, "cannot read the instance id from IMDS",
             fields_str("error", sw_result_str(rc)));
        goto out;
    }
    if (!sw_ec2_instance_id_valid(id.ptr)) {
        slog(r, SW_LOG_ERROR, "IMDS answered a malformed instance id", NULL);
        goto out;
    }
    const char *reg = sw_aws_resolve_region();
    if (!reg) {
        if ((rc = imds_text(r, "/latest/meta-data/placement/region",
                            &region))) {
            slog(r, SW_LOG_ERROR, "no region: AWS_REGION unset and IMDS "
                                  "placement/region unreadable",
                 fields_str("error", sw_result_str(rc)));
            goto out;
        }
        reg = region.ptr;
    }
    const char *why = NULL;
    sw_aws_config cfg = {.service = sw_ec2_service, .region = reg};
    if (sw_creds_provider_new(NULL, &creds) ||
        (rc = sw_aws_client_new(&cfg, creds, &ec2, &why))) {
        slog(r, SW_LOG_ERROR, "EC2 client configuration",
             fields_str("error", why ? why : "out of memory"));
        code = SW_EXIT_BAD_INPUT;
        goto out;
    }
    slog(r, SW_LOG_INFO, "terminating the instance",
         fields_str("instance_id", id.ptr));
    sw_aws_error err;
    const char *ids[] = {id.ptr};
    rc = sw_ec2_terminate_instances(ec2, ids, 1, &err);
    if (rc) {
        code = sw_aws_exit_code(rc, &err);
        cJSON *f = fields_str("instance_id", id.ptr);
        cJSON_AddStringToObject(f, "code", err.code);
        cJSON_AddStringToObject(f, "error", err.message);
        slog(r, SW_LOG_ERROR, "TerminateInstances failed", f);
        goto out;
    }
    code = SW_EXIT_OK;
out:
    sw_aws_client_free(ec2);
    sw_creds_provider_free(creds);
    sw_buf_free(&id);
    sw_buf_free(&region);
    return code;
}

/* notice: checks IMDS spot/instance-action. Returns 1 when an
 * interruption is announced (its JSON logged), 0 when not or when IMDS
 * could not say. *imds_ok (-1 unknown, 0 failing, 1 answering) makes the
 * first answer and each change one log line, not one per poll: an IMDS
 * outage is logged and the job goes on. */
static int notice(run *r, int *imds_ok)
{
    sw_buf body = SW_BUF_INIT;
    long status = 0;
    sw_result rc = sw_imds_get(r->imds, "/latest/meta-data/spot/"
                               "instance-action", &body, &status);
    int hit = 0;
    if (!rc && status == 200) {
        sa_notice n;
        sa_parse_notice(sw_cursor_from_buf(&body), &n);
        cJSON *f = fields_str("action", n.action);
        cJSON_AddStringToObject(f, "time", n.time);
        slog(r, SW_LOG_WARN, "spot interruption notice", f);
        hit = 1;
    } else if (!rc && status == 404) {
        if (*imds_ok != 1)
            slog(r, SW_LOG_INFO, "IMDS answers: watching for a spot notice",
                 NULL);
        *imds_ok = 1;
    } else if (*imds_ok != 0) {
        cJSON *f = fields_str("error", rc ? sw_result_str(rc) : "HTTP status");
        cJSON_AddNumberToObject(f, "http_status", (double)status);
        slog(r, SW_LOG_WARN, "IMDS spot/instance-action unreadable; the job "
                             "goes on", f);
        *imds_ok = 0;
    }
    sw_buf_free(&body);
    return hit;
}

/* ---- the container ----------------------------------------------------- */

/* sleep_poll: sleeps seconds in short slices, returning early on a stop
 * signal. */
static void sleep_poll(long seconds)
{
    for (long i = 0; i < seconds * 10 && !g_stop_signal; i++)
        sw_sleep_ms(100);
}

/* stop_container: stops it with the configured grace period, logging the
 * exit code it ended with (the job's answer to SIGTERM). */
static void stop_container(run *r, const char *why)
{
    slog(r, SW_LOG_INFO, "stopping the container", fields_str("reason", why));
    sw_result rc = sa_docker_stop(r->docker, r->container,
                                  (int)r->cfg->stop_timeout_s);
    sa_container_state st;
    if (!rc)
        rc = sa_docker_inspect(r->docker, r->container, &st);
    cJSON *f = cJSON_CreateObject();
    if (rc) {
        cJSON_AddStringToObject(f, "error", sw_result_str(rc));
        slog(r, SW_LOG_WARN, "container stop failed", f);
    } else {
        cJSON_AddNumberToObject(f, "exit_code", st.exit_code);
        cJSON_AddStringToObject(f, "status", st.status);
        slog(r, SW_LOG_INFO, "container stopped", f);
    }
}

/* remove_container: removes it (best effort, logged). */
static void remove_container(run *r)
{
    if (!r->container[0])
        return;
    sw_result rc = sa_docker_remove(r->docker, r->container);
    slog(r, rc ? SW_LOG_WARN : SW_LOG_INFO,
         rc ? "container removal failed" : "container removed",
         rc ? fields_str("error", sw_result_str(rc)) : NULL);
    r->container[0] = '\0';
}

/* failed_start: reports a failure of a step the job did not get past
 * (pull, create, start, watch): the failed callback with detail (what the
 * engine said; may be NULL). Returns the callback's exit code. */
static int failed_start(run *r, const char *step, const char *detail)
{
    sw_buf m = SW_BUF_INIT, clean = SW_BUF_INIT;
    (void)sw_buf_appendf(&m, "%s: %s", step,
                         detail && detail[0] ? detail : "failed");
    (void)sa_utf8_clean(sw_cursor_from_buf(&m), SA_MESSAGE_MAX, &clean);
    slog(r, SW_LOG_ERROR, "the job could not start",
         fields_str("error", clean.ptr ? clean.ptr : step));
    int code = callback(r, "failed", clean.ptr ? clean.ptr : step);
    sw_buf_free(&m);
    sw_buf_free(&clean);
    return code;
}

/* start_job: pull, create, start. Returns 0 when the container runs, else
 * -1 after the failed callback with its exit code in *code. */
static int start_job(run *r, const char *image, const cJSON *env, int *code)
{
    sw_buf err = SW_BUF_INIT;
    sw_result rc = sa_docker_pull(r->docker, image, &err);
    if (rc) {
        *code = failed_start(r, "pull", err.ptr);
        sw_buf_free(&err);
        return -1;
    }
    slog(r, SW_LOG_INFO, "image pulled", fields_str("image", image));
    rc = sa_docker_create(r->docker, image, env, r->cfg->job_id, r->attempt,
                          r->container, sizeof r->container, &err);
    if (rc) {
        *code = failed_start(r, "create", err.ptr);
        sw_buf_free(&err);
        return -1;
    }
    slog(r, SW_LOG_INFO, "container created", NULL);
    rc = sa_docker_start(r->docker, r->container, &err);
    if (rc) {
        *code = failed_start(r, "start", err.ptr);
        remove_container(r);
        sw_buf_free(&err);
        return -1;
    }
    slog(r, SW_LOG_INFO, "container started", NULL);
    sw_buf_free(&err);
    return 0;
}

/* finish_exited: the container exited by itself: done, or failed with
 * its last log lines. Returns the callback's exit code. */
static int finish_exited(run *r, const sa_container_state *st)
{
    cJSON *f = cJSON_CreateObject();
    cJSON_AddNumberToObject(f, "exit_code", st->exit_code);
    if (st->oom_killed)
        cJSON_AddTrueToObject(f, "oom_killed");
    slog(r, SW_LOG_INFO, "container exited", f);
    if (st->exit_code == 0 && !st->oom_killed)
        return callback(r, NULL, NULL);
    sw_buf logs = SW_BUF_INIT, msg = SW_BUF_INIT;
    sw_result rc = sa_docker_logs_tail(r->docker, r->container,
                                       SA_LOG_TAIL_LINES, &logs);
    if (rc)
        slog(r, SW_LOG_WARN, "cannot read the container's logs",
             fields_str("error", sw_result_str(rc)));
    int code = SW_EXIT_INTERNAL;
    if (!sa_failure_message(st->exit_code, st->oom_killed,
                            sw_cursor_from_buf(&logs), &msg))
        code = callback(r, "failed", msg.ptr);
    sw_buf_free(&logs);
    sw_buf_free(&msg);
    return code;
}

/* watch: polls the container and the notice until one ends the run.
 * Returns the final callback's exit code. */
static int watch(run *r)
{
    int imds_ok = -1, engine_failures = 0;
    for (;;) {
        sa_container_state st;
        sw_result rc = sa_docker_inspect(r->docker, r->container, &st);
        if (rc == SW_OK && !st.running)
            return finish_exited(r, &st);
        if (rc) {
            engine_failures++;
            slog(r, SW_LOG_WARN, "cannot inspect the container",
                 fields_str("error", sw_result_str(rc)));
            if (rc == SW_E_HTTP || engine_failures >= ENGINE_FAILURES_MAX) {
                return failed_start(r, "watch", "the container engine lost "
                                                "the container");
            }
        } else {
            engine_failures = 0;
        }
        const char *stop_why = NULL;
        if (g_stop_signal)
            stop_why = "the agent got a stop signal (instance shutting down)";
        else if (notice(r, &imds_ok))
            stop_why = "spot interruption notice";
        if (stop_why) {
            stop_container(r, stop_why);
            return callback(r, "schedule", NULL);
        }
        sa_heartbeat_tick(r->hb);
        sleep_poll(r->cfg->poll_s);
    }
}

/* start_heartbeat: the heartbeat thread for this attempt, unless
 * disabled. A failure to start it is logged and the job goes on (jobs-api
 * may then requeue it after its heartbeat timeout: a duplicate run, never
 * a lost one). */
static void start_heartbeat(run *r, const sa_api_config *ac)
{
    if (r->cfg->heartbeat_s <= 0)
        return;
    sw_result rc = sa_heartbeat_start(ac, r->attempt, r->cfg->heartbeat_s,
                                      &r->hb);
    cJSON *f = cJSON_CreateObject();
    if (rc) {
        cJSON_AddStringToObject(f, "error", sw_result_str(rc));
        slog(r, SW_LOG_ERROR, "cannot start the heartbeats; the job goes on",
             f);
    } else {
        /* Three missed polls (plus an inspect's worst case) mean the
         * watch loop is stuck: the heartbeats stop with it. */
        sa_heartbeat_watch(r->hb, 3 * r->cfg->poll_s + 30);
        cJSON_AddNumberToObject(f, "every_s", (double)r->cfg->heartbeat_s);
        slog(r, SW_LOG_INFO, "heartbeats started", f);
    }
}

/* sa_run: see agent.h. */
int sa_run(const sa_config *cfg)
{
    run r = {.cfg = cfg, .attempt = -1};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    sa_api_config ac = {.base_url = cfg->api_url,
                        .job_id = cfg->job_id,
                        .token = cfg->token,
                        .deadline_s = cfg->callback_deadline_s,
                        .base_delay_ms = cfg->retry_base_ms,
                        .max_backoff_ms = 20000};
    const char *why = NULL;
    sw_imds_options io = {.token_ttl_s = cfg->imds_token_ttl_s};
    sw_result rc = sa_api_new(&ac, &r.api);
    if (rc) {
        slog(&r, SW_LOG_ERROR, "configuration: SPOT_AGENT_API_URL must be "
                               "http(s)://, the token printable ASCII", NULL);
        return rc == SW_E_NOMEM ? SW_EXIT_INTERNAL : SW_EXIT_BAD_INPUT;
    }
    int code = SW_EXIT_INTERNAL;
    cJSON *spec = NULL;
    if ((rc = sa_docker_new(cfg->docker_host, &r.docker, &why)) ||
        (rc = sw_imds_new(&io, &r.imds))) {
        slog(&r, SW_LOG_ERROR, "configuration",
             fields_str("error", why ? why : "AWS_EC2_METADATA_SERVICE_"
                                             "ENDPOINT must be http(s)://"));
        code = rc == SW_E_NOMEM ? SW_EXIT_INTERNAL : SW_EXIT_BAD_INPUT;
        goto out;
    }

    sa_api_result res;
    rc = sa_api_get_spec(r.api, &spec, &res);
    if (rc) {
        slog(&r, SW_LOG_ERROR, "cannot get the job spec",
             api_fields("spec", &res));
        code = rc == SW_E_DEADLINE ? SW_EXIT_TRANSIENT : SW_EXIT_BAD_INPUT;
        goto out; /* no attempt number: nothing can be reported */
    }
    why = sa_check_spec(spec, cfg->job_id, &r.attempt);
    if (why) {
        slog(&r, SW_LOG_ERROR, "invalid job spec", fields_str("error", why));
        code = r.attempt >= 0 ? callback(&r, "failed", why) : SW_EXIT_BAD_INPUT;
        if (code == SW_EXIT_OK)
            code = terminate_self(&r);
        if (code == SW_EXIT_OK)
            code = SW_EXIT_BAD_INPUT;
        goto out;
    }
    if (cfg->expected_attempt >= 0 && r.attempt != cfg->expected_attempt) {
        /* The job was relaunched since this instance was: running it would
         * duplicate the newer attempt's work, and reporting would speak
         * for it. Say nothing to the API; just go away. */
        cJSON *f = cJSON_CreateObject();
        cJSON_AddNumberToObject(f, "launched_for_attempt",
                                (double)cfg->expected_attempt);
        slog(&r, SW_LOG_ERROR, "stale instance: the job spec is for another "
                               "attempt", f);
        code = terminate_self(&r);
        if (code == SW_EXIT_OK)
            code = SW_EXIT_BAD_INPUT;
        goto out;
    }
    const char *image = cJSON_GetObjectItemCaseSensitive(spec, "docker_image")
                            ->valuestring;
    slog(&r, SW_LOG_INFO, "job spec fetched", fields_str("image", image));

    if (start_job(&r, image,
                  cJSON_GetObjectItemCaseSensitive(spec, "env_vars"),
                  &code) == 0) {
        int rcode = callback(&r, "running", NULL);
        if (rcode == SW_EXIT_BAD_INPUT) {
            /* the API refuses this job (revoked token, deleted job): stop
             * working for it */
            stop_container(&r, "the API refused the running callback");
            code = rcode;
        } else {
            start_heartbeat(&r, &ac);
            code = watch(&r);
            sa_heartbeat_free(r.hb); /* stopped by the final callback */
            r.hb = NULL;
        }
        remove_container(&r);
    }
    /* Terminate even when the final callback failed: the instance is
     * paid by the second, and the API's own timeout requeues the job. */
    int tcode = terminate_self(&r);
    if (code == SW_EXIT_OK)
        code = tcode;
out:
    cJSON_Delete(spec);
    sw_imds_free(r.imds);
    sa_docker_free(r.docker);
    sa_api_free(r.api);
    return code;
}
