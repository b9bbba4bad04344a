/* test_runid.c - the run id of a pipeline stage: the stage's own variable,
 * checked strictly, or WORKFLOW_RUN_ID mapped to [A-Za-z0-9._-]. */
#include <stdlib.h>
#include <string.h>

#include "sw/runid.h"
#include "sw_test.h"

/* pick: sw_run_id_pick's result, with the id in out. */
static sw_result pick(const char *ex, const char *wf, char *out,
                      const char **why)
{
    *why = NULL;
    return sw_run_id_pick(ex, wf, out, why);
}

/* the explicit id wins, unchanged, and must already be well-formed. */
static void test_explicit(void)
{
    char out[SW_RUN_ID_MAX + 1];
    const char *why;
    CHECK(pick("run-2017.11_24", "ignored/x", out, &why) == SW_OK &&
              strcmp(out, "run-2017.11_24") == 0,
          "ETL_RUN_ID is taken as is, WORKFLOW_RUN_ID ignored");
    char max[SW_RUN_ID_MAX + 2];
    memset(max, 'a', SW_RUN_ID_MAX);
    max[SW_RUN_ID_MAX] = '\0';
    CHECK(pick(max, NULL, out, &why) == SW_OK && strlen(out) == 64,
          "64 characters is the limit");
    max[SW_RUN_ID_MAX] = 'a';
    max[SW_RUN_ID_MAX + 1] = '\0';
    CHECK(pick(max, NULL, out, &why) == SW_E_CONFIG && why && !out[0],
          "65 characters: SW_E_CONFIG with a reason");
    const char *bad[] = {"a/b", "a b", "..", ".", "r\xc3\xa9", "a:b"};
    int refused = 0;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        refused += pick(bad[i], "wf", out, &why) == SW_E_CONFIG;
    CHECK_EQ_INT(refused, 6, "a malformed ETL_RUN_ID is refused, not mapped, "
                 "even with WORKFLOW_RUN_ID set");
}

/* WORKFLOW_RUN_ID is mapped byte by byte; absent both, an error. */
static void test_workflow(void)
{
    char out[SW_RUN_ID_MAX + 1];
    const char *why;
    CHECK(pick(NULL, "etl-daily/2026-11-23T05:00:00Z", out, &why) == SW_OK &&
              strcmp(out, "etl-daily-2026-11-23T05-00-00Z") == 0,
          "the workflow's run id: / and : become -");
    CHECK(pick("", "a b\xc3\xa9", out, &why) == SW_OK &&
              strcmp(out, "a-b--") == 0,
          "empty ETL_RUN_ID counts as unset; each byte outside the set is -");
    CHECK(pick(NULL, "..", out, &why) == SW_E_CONFIG && why,
          "a workflow id of .. is refused");
    char longer[80];
    memset(longer, 'w', 65);
    longer[65] = '\0';
    CHECK(pick(NULL, longer, out, &why) == SW_E_CONFIG &&
              strstr(why, "longer than 64"),
          "a workflow id over 64 is refused, not cut");
    CHECK(pick(NULL, NULL, out, &why) == SW_E_CONFIG && strstr(why, "required"),
          "neither set: required");
    setenv("SW_TEST_RUN", "", 1);
    setenv("WORKFLOW_RUN_ID", "s/2026-01-01T00:00:00Z", 1);
    CHECK(sw_run_id_from_env("SW_TEST_RUN", out, &why) == SW_OK &&
              strcmp(out, "s-2026-01-01T00-00-00Z") == 0,
          "from the environment: an empty variable falls back");
    unsetenv("WORKFLOW_RUN_ID");
    CHECK(sw_run_id_from_env("SW_TEST_RUN", out, &why) == SW_E_CONFIG,
          "from the environment: nothing set");
}

int main(void)
{
    test_explicit();
    test_workflow();
    return SW_TEST_DONE();
}
