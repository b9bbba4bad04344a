/* test_workflow_schedule.c - the workflow worker's schedule parser
 * (workers/workflow/schedule.c): a valid graph in any order sorts with every
 * step after its dependencies; each kind of bad schedule is rejected with
 * one line naming the step; the repository's schedule graphs parse. */
#include <stdio.h>
#include <stdlib.h>

#include "schedule.h"
#include "sw_test.h"

static char why[WF_WHY_LEN];

/* parse: wf_schedule_parse over a C string. */
static sw_result parse(const char *json, wf_schedule *s)
{
    return wf_schedule_parse(sw_cursor_from_cstr(json), "t.json", s, why);
}

/* pos: the position of step name in s's topological order, or -1. */
static long pos(const wf_schedule *s, const char *name)
{
    long k = wf_schedule_find(s, name);
    for (size_t i = 0; i < s->count; i++)
        if ((long)s->order[i] == k)
            return (long)i;
    return -1;
}

/* sorted_ok: 1 if every step comes after all its dependencies. */
static int sorted_ok(const wf_schedule *s)
{
    for (size_t i = 0; i < s->count; i++) {
        const wf_step *st = &s->steps[s->order[i]];
        for (size_t e = 0; e < st->dep_count; e++)
            if (pos(s, s->steps[st->deps[e]].name) >= (long)i)
                return 0;
    }
    return 1;
}

#define STEP(n, deps) "{\"name\":\"" n "\",\"jobDefinition\":\"jd\"," \
                      "\"jobQueue\":\"q\",\"dependsOn\":[" deps "]}"

static void test_valid(void)
{
    wf_schedule s;
    const char *diamond = "{\"scheduleId\":\"d\",\"steps\":["
        STEP("join", "\"left\",\"right\"") "," STEP("left", "\"root\"") ","
        STEP("right", "\"root\"") "," STEP("root", "") "]}";
    if (!CHECK(parse(diamond, &s) == SW_OK, "diamond in reverse order parses"))
        printf("# %s\n", why);
    CHECK(s.count == 4 && sorted_ok(&s) && pos(&s, "root") == 0 &&
              pos(&s, "join") == 3,
          "diamond: root first, join last, every step after its deps");
    CHECK_EQ_STR(s.schedule_id, "d", "scheduleId kept");
    CHECK(pos(&s, "left") < pos(&s, "right"),
          "ready steps keep file order (left before right)");
    wf_schedule_free(&s);

    const char *full = "{\"scheduleId\":\"a-1_b\",\"steps\":[{\"name\":\"a\","
        "\"jobDefinition\":\"arn:aws:batch:us-east-1:1:job-definition/x:3\","
        "\"jobQueue\":\"q\",\"arraySize\":4,\"dependencyType\":\"SEQUENTIAL\","
        "\"containerOverrides\":{\"environment\":[{\"name\":\"K\",\"value\":"
        "\"v\"}],\"command\":[\"run\",\"x\"]},\"parameters\":{\"p\":\"1\"},"
        "\"retryStrategy\":{\"attempts\":3,\"evaluateOnExit\":[{\"action\":"
        "\"retry\",\"onExitCode\":\"3\"},{\"action\":\"EXIT\","
        "\"onReason\":\"*\"}]},\"timeout\":600},{\"name\":\"b\","
        "\"jobDefinition\":\"jd:2\",\"jobQueue\":\"q\",\"arraySize\":4,"
        "\"dependencyType\":\"N_TO_N\",\"dependsOn\":[\"a\"]}]}";
    int ok = parse(full, &s) == SW_OK;
    if (!CHECK(ok, "every optional field parses"))
        printf("# %s\n", why);
    if (ok) {
        const wf_step *a = &s.steps[0], *b = &s.steps[1];
        CHECK(a->array_size == 4 && a->timeout == 600 &&
                  strcmp(a->dependency_type, "SEQUENTIAL") == 0 &&
                  a->container_overrides && a->parameters &&
                  a->retry_strategy && b->dep_count == 1 && b->deps[0] == 0 &&
                  strcmp(b->dependency_type, "N_TO_N") == 0,
              "fields land in the step");
        wf_schedule_free(&s);
    }

    /* 120 independent steps, and a chain of 50 given backwards. */
    char *big = malloc(1 << 16);
    size_t n = (size_t)sprintf(big, "{\"scheduleId\":\"c\",\"steps\":[");
    for (int i = 49; i >= 0; i--) {
        if (i)
            n += (size_t)sprintf(big + n, "{\"name\":\"s%d\",\"jobDefinition"
                                 "\":\"j\",\"jobQueue\":\"q\",\"dependsOn\":"
                                 "[\"s%d\"]},", i, i - 1);
        else
            n += (size_t)sprintf(big + n, "{\"name\":\"s0\",\"jobDefinition"
                                 "\":\"j\",\"jobQueue\":\"q\"}");
    }
    sprintf(big + n, "]}");
    CHECK(parse(big, &s) == SW_OK && s.count == 50 && sorted_ok(&s) &&
              pos(&s, "s0") == 0 && pos(&s, "s49") == 49,
          "a chain of 50 given backwards sorts front to back");
    wf_schedule_free(&s);
    free(big);
}

/* rejects: json is refused with a message containing want (one line). */
static void rejects(const char *json, const char *want, const char *what)
{
    wf_schedule s;
    sw_result rc = parse(json, &s);
    int ok = rc == SW_E_INVALID && strstr(why, want) &&
             strncmp(why, "t.json: ", 8) == 0 && !strchr(why, '\n');
    if (!CHECK(ok, what))
        printf("# rc %d, why: %s\n# want: %s\n", rc, why, want);
    if (rc == SW_OK)
        wf_schedule_free(&s);
}

#define ONE(fields) "{\"scheduleId\":\"x\",\"steps\":[{\"name\":\"a\"," \
    "\"jobDefinition\":\"jd\",\"jobQueue\":\"q\"" fields "}]}"

static void test_invalid(void)
{
    rejects("{\"scheduleId\":\"x\",\"steps\":[" STEP("a", "\"c\"") ","
            STEP("b", "\"a\"") "," STEP("c", "\"b\"") "]}",
            "step \"b\": dependency cycle: b -> c -> a -> b",
            "a 3-cycle names every step in it, in run order");
    rejects("{\"scheduleId\":\"x\",\"steps\":[" STEP("r", "") ","
            STEP("a", "\"a\"") "]}", "step \"a\": dependency cycle: a -> a",
            "a self-dependency is a cycle");
    rejects("{\"scheduleId\":\"x\",\"steps\":[" STEP("z", "") ","
            STEP("a", "\"b\",\"z\"") "," STEP("b", "\"a\"") ","
            STEP("t", "\"a\"") "]}", "cycle: ",
            "a cycle with a tail and an ok root");
    rejects("{\"scheduleId\":\"x\",\"steps\":[" STEP("a", "\"nope\"") "]}",
            "step \"a\": depends on unknown step \"nope\"",
            "unknown dependency named");
    rejects("{\"scheduleId\":\"x\",\"steps\":[" STEP("a", "") ","
            STEP("a", "") "]}", "step \"a\": duplicate step name",
            "duplicate name");
    rejects("{\"scheduleId\":\"x\",\"steps\":[" STEP("r", "") ","
            STEP("a", "\"r\",\"r\"") "]}", "lists \"r\" twice",
            "a dependency listed twice");
    rejects(ONE(",\"arraySize\":1"), "step \"a\": \"arraySize\" must be",
            "arraySize 1");
    rejects(ONE(",\"arraySize\":10001"), "\"arraySize\"", "arraySize 10001");
    rejects(ONE(",\"arraySize\":2.5"), "\"arraySize\"", "arraySize 2.5");
    rejects(ONE(",\"dependencyType\":\"N_TO_N\""), "for array steps only",
            "dependencyType without arraySize");
    rejects(ONE(",\"arraySize\":2,\"dependencyType\":\"ALL\""),
            "\"dependencyType\" must be", "unknown dependencyType");
    rejects("{\"scheduleId\":\"x\",\"steps\":[{\"name\":\"r\",\"jobDefinition"
            "\":\"j\",\"jobQueue\":\"q\",\"arraySize\":3},{\"name\":\"a\","
            "\"jobDefinition\":\"j\",\"jobQueue\":\"q\",\"arraySize\":4,"
            "\"dependencyType\":\"N_TO_N\",\"dependsOn\":[\"r\"]}]}",
            "step \"a\": N_TO_N dependency on \"r\"",
            "N_TO_N on an array of another size");
    rejects(ONE(",\"timeout\":59"), "\"timeout\"", "timeout under 60 s");
    rejects(ONE(",\"timeot\":60"), "step \"a\": step: unknown field "
            "\"timeot\"", "a misspelt field is refused");
    rejects(ONE(",\"parameters\":{\"p\":1}"), "parameters: \"p\" must be a "
            "string", "a non-string parameter");
    rejects(ONE(",\"containerOverrides\":{\"vcpus\":2}"),
            "containerOverrides: unknown field \"vcpus\"",
            "an override this worker does not pass");
    rejects(ONE(",\"containerOverrides\":{\"environment\":[{\"name\":"
                "\"AWS_BATCH_X\",\"value\":\"1\"}]}"), "reserved by Batch",
            "an AWS_BATCH variable");
    rejects(ONE(",\"containerOverrides\":{\"command\":[\"a\",1]}"),
            "command must be an array of strings", "a non-string argument");
    rejects(ONE(",\"retryStrategy\":{\"attempts\":11}"),
            "retryStrategy.attempts", "11 attempts");
    rejects(ONE(",\"retryStrategy\":{\"evaluateOnExit\":[{\"action\":"
                "\"IGNORE\"}]}"), "action must be RETRY or EXIT",
            "an unknown retry action");
    rejects("{\"scheduleId\":\"x\",\"steps\":[{\"name\":\"a b\"}]}",
            "steps[0]: \"name\" must be", "a name with a space, by position");
    rejects("{\"scheduleId\":\"x\",\"steps\":[{\"name\":\"a\","
            "\"jobQueue\":\"q\"}]}", "step \"a\": missing \"jobDefinition\"",
            "missing jobDefinition");
    rejects("{\"scheduleId\":\"x\",\"steps\":[{\"name\":\"a\","
            "\"jobDefinition\":\"j d\",\"jobQueue\":\"q\"}]}",
            "\"jobDefinition\" must be", "a job definition with a space");
    rejects("{\"scheduleId\":\"x\",\"steps\":[]}", "\"steps\" must be",
            "no steps");
    rejects("{\"scheduleId\":\"x/y\",\"steps\":[" STEP("a", "") "]}",
            "\"scheduleId\" must be", "a scheduleId with a slash");
    rejects("{\"steps\":[" STEP("a", "") "]}", "\"scheduleId\" must be",
            "no scheduleId");
    rejects("{\"scheduleId\":\"x\",\"steps\":[" STEP("a", "") "],\"x\":1}",
            "unknown field \"x\"", "an unknown top-level field");
    rejects("[1]", "must be a JSON object", "not an object");
    rejects("{\"scheduleId\":", "not JSON", "truncated JSON");
}

static void test_time(void)
{
    CHECK(wf_time_ok("2026-11-23T05:00:00Z") &&
              wf_time_ok("2028-02-29T05:00:00Z"),
          "EventBridge's time accepted (a leap day too)");
    CHECK(!wf_time_ok("2026-11-23T05:00:00") &&
              !wf_time_ok("2026-13-23T05:00:00Z") &&
              !wf_time_ok("2026-11-23T24:00:00Z") &&
              !wf_time_ok("2026-11-23 05:00:00Z") &&
              !wf_time_ok("2026-11-23T05:00:00.000Z") && !wf_time_ok("") &&
              !wf_time_ok("2026-02-31T05:00:00Z") &&
              !wf_time_ok("2027-02-29T05:00:00Z"),
          "other shapes refused");
}

/* test_repo_graphs: the repository's graph parses (SW_ROOT: the checkout,
 * as tests/run exports it; else the current directory). */
static void test_repo_graphs(void)
{
    const char *root = getenv("SW_ROOT");
    char path[4096];
    snprintf(path, sizeof path, "%s/schedules/graphs/etl-daily.json",
             root ? root : ".");
    FILE *f = fopen(path, "rb");
    if (!CHECK(f != NULL, "schedules/graphs/etl-daily.json readable"))
        return;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    wf_schedule s;
    sw_result rc = wf_schedule_parse(sw_cursor_from_mem(buf, n), "etl",
                                     &s, why);
    if (!CHECK(rc == SW_OK, "etl-daily graph parses"))
        printf("# %s\n", why);
    if (rc == SW_OK) {
        CHECK(s.count == 3 && pos(&s, "extract") == 0 &&
                  pos(&s, "transform") == 1 && pos(&s, "load") == 2 &&
                  strcmp(s.schedule_id, "etl-daily") == 0,
              "etl-daily: extract -> transform -> load");
        wf_schedule_free(&s);
    }
}

int main(void)
{
    test_valid();
    test_invalid();
    test_time();
    test_repo_graphs();
    return SW_TEST_DONE();
}
