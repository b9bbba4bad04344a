/* test_jobs_reaper.c - the reaper (workers/jobs-api/reaper.c) over the
 * memory store with a scripted DescribeInstances: grace period,
 * SCHEDULED / FAILED like an interruption, which instances are terminated,
 * jobs left alone, a callback winning the race, a failed lookup keeping
 * the clocks, pagination; stale heartbeats (test_heartbeat). The real EC2 call is exercised against moto by
 * tests/integration/test_jobs_api.py. */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "reaper.h"
#include "store.h"
#include "sw/log.h"
#include "sw_test.h"

static char terminated[16][JOBS_INSTANCE_MAX];
static int n_terminated;

/* fake_terminate: records which instances the app asked to terminate. */
static void fake_terminate(void *ctx, const char *job_id, const char *iid)
{
    (void)ctx, (void)job_id;
    if (n_terminated < 16)
        snprintf(terminated[n_terminated++], JOBS_INSTANCE_MAX, "%s", iid);
}

/* was_terminated: true when iid was passed to fake_terminate. */
static bool was_terminated(const char *iid)
{
    for (int i = 0; i < n_terminated; i++)
        if (strcmp(terminated[i], iid) == 0)
            return true;
    return false;
}

/* fixed_now: 2026-11-23T18:30:00Z (the app's clock: backoff times). */
static time_t fixed_now(void)
{
    return 1795458600;
}

/* The scripted EC2: a state per instance id (unlisted ids are unknown),
 * a failure switch, call statistics, and a hook run inside the call (a
 * callback landing between the listing and the reaper's write). */
static struct {
    const char *ids[16];
    const char *states[16];
    size_t n;
    bool fail;
    int calls;
    size_t max_batch, total_ids;
    void (*hook)(void);
} ec2;

/* fake_describe: answers from the script. */
static sw_result fake_describe(void *ctx, const char *const *ids, size_t n,
                               sw_ec2_instance_state *out, sw_aws_error *err)
{
    (void)ctx, (void)err;
    ec2.calls++;
    ec2.total_ids += n;
    if (n > ec2.max_batch)
        ec2.max_batch = n;
    if (ec2.hook) {
        ec2.hook();
        ec2.hook = NULL;
    }
    if (ec2.fail)
        return SW_E_NETWORK;
    for (size_t i = 0; i < n; i++) {
        const char *st = strncmp(ids[i], "i-0a11", 6) == 0 ? "running" : "";
        for (size_t k = 0; k < ec2.n; k++)
            if (strcmp(ec2.ids[k], ids[i]) == 0)
                st = ec2.states[k];
        snprintf(out[i].state, sizeof out[i].state, "%s", st);
    }
    return SW_OK;
}

/* script: instance iid is in state st ("" to forget it). */
static void script(const char *iid, const char *st)
{
    for (size_t k = 0; k < ec2.n; k++)
        if (strcmp(ec2.ids[k], iid) == 0) {
            ec2.states[k] = st;
            return;
        }
    if (ec2.n < sizeof ec2.ids / sizeof ec2.ids[0]) {
        ec2.ids[ec2.n] = iid;
        ec2.states[ec2.n++] = st;
    }
}

static jobs_app app;

/* add_job: stores a job with this status, attempt and instance; its id
 * into id. */
static void add_job(jobs_status st, int attempt, const char *iid,
                    char id[JOBS_ID_LEN + 1])
{
    jobs_job j;
    char tok[JOBS_TOKEN_HEX + 1];
    jobs_job_init(&j);
    jobs_new_id(j.id);
    jobs_new_token(tok, j.token_hash);
    j.status = st;
    j.attempt = attempt;
    snprintf(j.docker_image, sizeof j.docker_image, "alpine");
    snprintf(j.scheduled_for, sizeof j.scheduled_for, "2026-11-23T18:00:00Z");
    snprintf(j.created_at, sizeof j.created_at, "2026-11-23T17:00:00.000Z");
    memcpy(j.updated_at, j.created_at, sizeof j.updated_at);
    snprintf(j.instance_id, sizeof j.instance_id, "%s", iid);
    j.env = cJSON_CreateObject();
    app.store.ops->create(app.store.ctx, &j, NULL);
    memcpy(id, j.id, JOBS_ID_LEN + 1);
    jobs_job_free(&j);
}

/* get: the stored job (caller frees). */
static jobs_job get(const char *id)
{
    jobs_job j;
    bool found = false;
    jobs_job_init(&j);
    app.store.ops->get(app.store.ctx, id, &j, &found, NULL);
    return j;
}

/* set: changes a stored job's status and instance behind the reaper's
 * back (a callback, or a relaunch), conditional like every write. */
static void set(const char *id, jobs_status st, const char *iid)
{
    jobs_job cur = get(id), next;
    jobs_job_copy(&next, &cur);
    next.status = st;
    snprintf(next.instance_id, sizeof next.instance_id, "%s", iid);
    app.store.ops->update(app.store.ctx, &next, cur.status, cur.attempt,
                          NULL, NULL);
    jobs_job_free(&cur);
    jobs_job_free(&next);
}

static char race_id[JOBS_ID_LEN + 1];

/* race_done: the "done" callback of race_id lands. */
static void race_done(void)
{
    set(race_id, JOBS_DONE, "i-0f00000000000000f");
}

/* test_gone: which instance states free a job (the batched lookup's
 * request and answer are tested in test_ec2.c). */
static void test_gone(void)
{
    CHECK(jobs_instance_gone("") && jobs_instance_gone("terminated") &&
              jobs_instance_gone("shutting-down") &&
              jobs_instance_gone("stopping") && jobs_instance_gone("stopped") &&
              !jobs_instance_gone("running") && !jobs_instance_gone("pending"),
          "gone: unknown, shutting-down, terminated, stopping, stopped");
}

/* The store the heartbeat tests use: the memory store with a hook run
 * before each update (a heartbeat landing between the reaper's listing
 * and its write). */
static jobs_store inner;
static jobs_store_ops hooked_ops;
static void (*update_hook)(void);

/* hooked_update: runs update_hook once, then the memory store's update. */
static sw_result hooked_update(void *ctx, const jobs_job *next,
                               jobs_status from, int from_attempt,
                               const char *from_beat, sw_aws_error *err)
{
    if (update_hook) {
        void (*h)(void) = update_hook;
        update_hook = NULL;
        h();
    }
    return inner.ops->update(ctx, next, from, from_attempt, from_beat, err);
}

/* set_beat: a RUNNING job's last_heartbeat, written as a heartbeat would
 * (the store's beat op, conditional on RUNNING + attempt). Returns its
 * result. */
static sw_result set_beat(const char *id, int attempt, const char *stamp)
{
    return app.store.ops->beat(app.store.ctx, id, attempt, stamp, NULL);
}

static char beat_race_id[JOBS_ID_LEN + 1];

/* beat_lands: a heartbeat of beat_race_id lands. */
static void beat_lands(void)
{
    set_beat(beat_race_id, 0, "2026-11-23T18:35:00.500Z");
}

/* test_heartbeat: the stale-heartbeat decision (pure, fake clock) and the
 * reaper acting on it: requeue / FAILED, instance terminated, a fresh,
 * missing or disabled heartbeat left alone, a heartbeat winning the race,
 * the store's beat condition. */
static void test_heartbeat(void)
{
    const time_t t0 = 1795458600; /* 2026-11-23T18:30:00Z */
    jobs_job j;
    jobs_job_init(&j);
    j.status = JOBS_RUNNING;
    snprintf(j.last_heartbeat, sizeof j.last_heartbeat,
             "2026-11-23T18:30:00.123Z");
    long age = -1;
    CHECK(!jobs_heartbeat_stale(&j, t0 + 300, 300, &age) && age == -1,
          "heartbeat 300 s old, timeout 300: not stale");
    CHECK(jobs_heartbeat_stale(&j, t0 + 301, 300, &age) && age == 301,
          "301 s old: stale, age 301");
    CHECK(!jobs_heartbeat_stale(&j, t0 + 100000, 0, &age),
          "timeout 0: never stale");
    j.status = JOBS_LAUNCHING;
    CHECK(!jobs_heartbeat_stale(&j, t0 + 100000, 300, &age),
          "not RUNNING: never stale");
    j.status = JOBS_RUNNING;
    snprintf(j.last_heartbeat, sizeof j.last_heartbeat, "2026-11-23T18:30");
    CHECK(!jobs_heartbeat_stale(&j, t0 + 100000, 300, &age),
          "an unreadable heartbeat: not stale");
    j.last_heartbeat[0] = '\0';
    CHECK(!jobs_heartbeat_stale(&j, t0 + 100000, 300, &age),
          "no heartbeat recorded (before heartbeats existed): not stale");
    snprintf(j.last_heartbeat, sizeof j.last_heartbeat,
             "2026-11-23T18:30:00Z");
    CHECK(jobs_heartbeat_stale(&j, t0 + 400, 300, &age) && age == 400,
          "a time without milliseconds is read too");

    jobs_store_mem_new(&inner);
    hooked_ops = *inner.ops;
    hooked_ops.update = hooked_update;
    app.store = (jobs_store){&hooked_ops, inner.ctx};
    n_terminated = 0;
    jobs_reaper *r = NULL;
    jobs_reaper_new(&app, 120, fake_describe, NULL, &r);

    /* All instances "running" (the i-0a11 prefix): only heartbeats
     * matter. */
    char stale[37], fresh[37], legacy[37], last[37], launching[37];
    add_job(JOBS_RUNNING, 0, "i-0a110000000000001", stale);
    add_job(JOBS_RUNNING, 0, "i-0a110000000000002", fresh);
    add_job(JOBS_RUNNING, 0, "i-0a110000000000003", legacy);
    add_job(JOBS_RUNNING, 1, "i-0a110000000000004", last);
    add_job(JOBS_LAUNCHING, 0, "i-0a110000000000005", launching);
    CHECK(set_beat(stale, 0, "2026-11-23T18:30:00.000Z") == SW_OK &&
              set_beat(fresh, 0, "2026-11-23T18:33:00.000Z") == SW_OK &&
              set_beat(last, 1, "2026-11-23T18:30:00.000Z") == SW_OK,
          "beat: accepted for RUNNING jobs at their attempt");
    CHECK(set_beat(stale, 1, "2026-11-23T18:31:00.000Z") == SW_E_CONDITION &&
              set_beat(launching, 0, "2026-11-23T18:31:00.000Z") ==
                  SW_E_CONDITION &&
              set_beat("00000000-0000-4000-8000-000000000000", 0,
                       "2026-11-23T18:31:00.000Z") == SW_E_CONDITION,
          "beat: refused for another attempt, a LAUNCHING job, no job");

    CHECK_EQ_INT(jobs_reaper_pass(r, t0 + 301), 0,
                 "timeout 0 (the reaper's default): nothing reaped");
    jobs_reaper_set_heartbeat_timeout(r, 300);
    CHECK_EQ_INT(jobs_reaper_pass(r, t0 + 300), 0,
                 "timeout 300, heartbeats 300 s old: nothing reaped");
    CHECK_EQ_INT(jobs_reaper_pass(r, t0 + 301), 2,
                 "301 s without a heartbeat: two reaped");
    j = get(stale);
    CHECK(j.status == JOBS_SCHEDULED && j.attempt == 1 &&
              !j.instance_id[0] && !j.last_heartbeat[0] &&
              strcmp(j.last_event, "schedule:0") == 0 &&
              strcmp(j.scheduled_for, "2026-11-23T18:30:30Z") == 0,
          "stale -> SCHEDULED, attempt 1, backoff, heartbeat cleared");
    jobs_job_free(&j);
    j = get(last);
    CHECK(j.status == JOBS_FAILED &&
              strcmp(j.error_message, "no heartbeat for 301s (last "
                     "2026-11-23T18:30:00.000Z); gave up after 2 attempts")
                  == 0,
          "stale on the last attempt -> FAILED with the reason");
    jobs_job_free(&j);
    CHECK(n_terminated == 2 && was_terminated("i-0a110000000000001") &&
              was_terminated("i-0a110000000000004"),
          "their (still running) instances are terminated");
    j = get(fresh);
    jobs_job j2 = get(legacy), j3 = get(launching);
    CHECK(j.status == JOBS_RUNNING && j2.status == JOBS_RUNNING &&
              j3.status == JOBS_LAUNCHING,
          "a fresh heartbeat, no heartbeat at all, LAUNCHING: left alone");
    jobs_job_free(&j);
    jobs_job_free(&j2);
    jobs_job_free(&j3);

    /* A heartbeat lands between the listing and the write: it wins. */
    add_job(JOBS_RUNNING, 0, "i-0a110000000000006", beat_race_id);
    set_beat(beat_race_id, 0, "2026-11-23T18:30:00.000Z");
    update_hook = beat_lands;
    int before = n_terminated;
    CHECK_EQ_INT(jobs_reaper_pass(r, t0 + 400), 0, "a heartbeat won the "
                 "race: nothing reaped");
    j = get(beat_race_id);
    CHECK(j.status == JOBS_RUNNING && j.attempt == 0 &&
              strcmp(j.last_heartbeat, "2026-11-23T18:35:00.500Z") == 0 &&
              n_terminated == before,
          "... RUNNING with the new heartbeat, nothing terminated");
    jobs_job_free(&j);
    CHECK_EQ_INT(jobs_reaper_pass(r, t0 + 601), 2, "silent since (301 s, "
                 "and the fresh one's 421 s): both reaped");
    j = get(beat_race_id);
    CHECK(j.status == JOBS_SCHEDULED && j.attempt == 1,
          "... the race's winner too, on its next silence");
    jobs_job_free(&j);
    jobs_reaper_free(r);
    jobs_store_mem_free(&inner);
}

int main(void)
{
    sw_log_init("test", SW_LOG_ERROR, NULL);
    test_gone();

    app = (jobs_app){.max_attempts = 2, .backoff_base = 30,
                     .backoff_cap = 900, .terminate = fake_terminate,
                     .now = fixed_now};
    jobs_store_mem_new(&app.store);
    jobs_reaper *r = NULL;
    CHECK(jobs_reaper_new(&app, 120, fake_describe, NULL, &r) == SW_OK,
          "reaper made (grace 120 s)");

    char a[37], b[37], c[37], d[37], e[37], f[37];
    add_job(JOBS_RUNNING, 0, "i-0aaaaaaaaaaaaaaaa", a);  /* terminated */
    add_job(JOBS_RUNNING, 0, "i-0bbbbbbbbbbbbbbbb", b);  /* running */
    add_job(JOBS_LAUNCHING, 0, "", c);                   /* no instance */
    add_job(JOBS_LAUNCHING, 0, "i-0dddddddddddddddd", d); /* unknown */
    add_job(JOBS_RUNNING, 1, "i-0eeeeeeeeeeeeeeee", e);  /* stopped, last */
    add_job(JOBS_DONE, 0, "i-0ffffffffffffffff", f);     /* terminated */
    script("i-0aaaaaaaaaaaaaaaa", "terminated");
    script("i-0bbbbbbbbbbbbbbbb", "running");
    script("i-0eeeeeeeeeeeeeeee", "stopped");
    script("i-0ffffffffffffffff", "terminated");

    CHECK_EQ_INT(jobs_reaper_pass(r, 1000), 0, "first sight: nothing reaped");
    CHECK_EQ_INT(jobs_reaper_suspects(r), 3,
                 "three suspects (terminated, unknown, stopped)");
    CHECK_EQ_INT(ec2.total_ids, 4, "DescribeInstances asked for the 4 jobs "
                 "with an instance (not the DONE one, nor the claim "
                 "without one)");
    CHECK_EQ_INT(jobs_reaper_pass(r, 1119), 0, "119 s later: still within "
                 "the grace");
    jobs_job j = get(a);
    CHECK(j.status == JOBS_RUNNING && n_terminated == 0,
          "within the grace: RUNNING, nothing terminated");
    jobs_job_free(&j);

    CHECK_EQ_INT(jobs_reaper_pass(r, 1120), 3, "after 120 s: three reaped");
    j = get(a);
    CHECK(j.status == JOBS_SCHEDULED && j.attempt == 1 && !j.instance_id[0] &&
              strcmp(j.scheduled_for, "2026-11-23T18:30:30Z") == 0 &&
              strcmp(j.last_event, "schedule:0") == 0,
          "terminated instance -> SCHEDULED, attempt 1, now + backoff, as "
          "an interruption");
    jobs_job_free(&j);
    j = get(d);
    CHECK(j.status == JOBS_SCHEDULED && j.attempt == 1,
          "LAUNCHING with an instance unknown to EC2 -> SCHEDULED");
    jobs_job_free(&j);
    j = get(e);
    CHECK(j.status == JOBS_FAILED && j.attempt == 1 &&
              strcmp(j.error_message, "instance i-0eeeeeeeeeeeeeeee stopped "
                     "for 120s without a callback; gave up after 2 "
                     "attempts") == 0,
          "stopped on the last attempt -> FAILED with the reason");
    jobs_job_free(&j);
    CHECK(n_terminated == 2 && was_terminated("i-0aaaaaaaaaaaaaaaa") &&
              was_terminated("i-0eeeeeeeeeeeeeeee"),
          "the gone instances are terminated, not the unknown one");
    j = get(b);
    jobs_job j2 = get(c), j3 = get(f);
    CHECK(j.status == JOBS_RUNNING && j.attempt == 0 &&
              j2.status == JOBS_LAUNCHING && j3.status == JOBS_DONE,
          "running instance, claim without instance, DONE job: left alone");
    jobs_job_free(&j);
    jobs_job_free(&j2);
    jobs_job_free(&j3);
    CHECK_EQ_INT(jobs_reaper_suspects(r), 0, "no suspect left");

    /* A callback lands between the listing and the reaper's write: the
     * conditional write loses, the callback's change stays. */
    add_job(JOBS_RUNNING, 0, "i-0f00000000000000f", race_id);
    script("i-0f00000000000000f", "terminated");
    jobs_reaper_pass(r, 2000);
    ec2.hook = race_done;
    int before = n_terminated;
    CHECK_EQ_INT(jobs_reaper_pass(r, 2200), 0, "a callback won the race: "
                 "nothing reaped");
    j = get(race_id);
    CHECK(j.status == JOBS_DONE && j.attempt == 0 && n_terminated == before,
          "... the job is DONE as the callback left it, nothing terminated");
    jobs_job_free(&j);

    /* A new instance on the job restarts its grace. */
    char g[37];
    add_job(JOBS_RUNNING, 0, "i-0a00000000000000a", g);
    script("i-0a00000000000000a", "shutting-down");
    jobs_reaper_pass(r, 3000);
    set(g, JOBS_RUNNING, "i-0a00000000000000b");
    script("i-0a00000000000000b", "terminated");
    CHECK_EQ_INT(jobs_reaper_pass(r, 3200), 0, "another instance since: its "
                 "own grace starts");
    CHECK_EQ_INT(jobs_reaper_pass(r, 3320), 1, "... and ends 120 s later");

    /* A failed lookup decides nothing and keeps the clocks. */
    char h[37];
    add_job(JOBS_RUNNING, 0, "i-0b00000000000000b", h);
    script("i-0b00000000000000b", "terminated");
    jobs_reaper_pass(r, 4000);
    ec2.fail = true;
    CHECK(jobs_reaper_pass(r, 4130) == 0 && jobs_reaper_suspects(r) == 1,
          "DescribeInstances failing: nothing reaped, the suspect kept");
    ec2.fail = false;
    CHECK_EQ_INT(jobs_reaper_pass(r, 4131), 1, "then reaped on the first "
                 "pass that can see the instance (clock from 4000)");

    /* Pages: 250 RUNNING jobs, one of them gone. */
    char id[37], last[37];
    for (int i = 0; i < 250; i++) {
        char iid[32];
        snprintf(iid, sizeof iid, "i-0a11%013d", i);
        add_job(JOBS_RUNNING, 0, iid, i == 249 ? last : id);
    }
    set(last, JOBS_RUNNING, "i-0c00000000000000c");
    script("i-0c00000000000000c", "terminated");
    ec2.calls = 0;
    ec2.max_batch = 0;
    jobs_reaper_pass(r, 5000);
    CHECK(ec2.calls == 3 && ec2.max_batch == 100,
          "250 RUNNING jobs: 3 DescribeInstances of at most 100 ids");
    CHECK_EQ_INT(jobs_reaper_pass(r, 5120), 1, "the gone one among them "
                 "(last page) is reaped");

    jobs_reaper_free(r);
    jobs_store_mem_free(&app.store);
    test_heartbeat();
    return SW_TEST_DONE();
}
