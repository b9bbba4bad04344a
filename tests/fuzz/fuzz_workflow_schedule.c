/* fuzz_workflow_schedule - libFuzzer target for the workflow worker's
 * schedule parser (workers/workflow/schedule.c).
 *
 * Properties checked on every input, beyond "no crash, no sanitizer report":
 * - a rejection is SW_E_INVALID with one line that starts with the source;
 * - an accepted schedule has 1..WF_STEPS_MAX steps with valid, distinct
 *   names, at most WF_DEPS_MAX dependencies each, and s->order is a
 *   permutation in which every step comes after all its dependencies (so
 *   no accepted graph has a cycle);
 * - array fields are in Batch's ranges and N_TO_N only joins equal sizes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schedule.h"

/* check: aborts (a libFuzzer crash) when cond is false. */
static void check(int cond)
{
    if (!cond)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wf_schedule s;
    char why[WF_WHY_LEN];
    why[0] = '\0';
    sw_result rc = wf_schedule_parse(sw_cursor_from_mem(data, size), "FUZZ",
                                     &s, why);
    if (rc) {
        check(rc == SW_E_INVALID && strncmp(why, "FUZZ: ", 6) == 0 &&
              !strchr(why, '\n') && strlen(why) < WF_WHY_LEN);
        return 0;
    }
    check(s.count >= 1 && s.count <= WF_STEPS_MAX &&
          wf_id_ok(s.schedule_id, WF_ID_MAX));
    size_t *at = calloc(s.count, sizeof *at);
    char *seen = calloc(s.count, 1);
    check(at && seen);
    for (size_t k = 0; k < s.count; k++) {
        check(s.order[k] < s.count && !seen[s.order[k]]);
        seen[s.order[k]] = 1;
        at[s.order[k]] = k;
    }
    for (size_t i = 0; i < s.count; i++) {
        const wf_step *st = &s.steps[i];
        check(wf_id_ok(st->name, WF_NAME_MAX) &&
              wf_schedule_find(&s, st->name) == (long)i);
        check(st->job_definition && st->job_queue &&
              st->dep_count <= WF_DEPS_MAX);
        check(st->array_size == 0 ||
              (st->array_size >= 2 && st->array_size <= WF_ARRAY_MAX));
        check(!st->dependency_type || st->array_size);
        check(st->timeout == 0 || st->timeout >= 60);
        for (size_t e = 0; e < st->dep_count; e++) {
            check(st->deps[e] < s.count && at[st->deps[e]] < at[i]);
            if (st->dependency_type &&
                strcmp(st->dependency_type, "N_TO_N") == 0)
                check(s.steps[st->deps[e]].array_size == st->array_size);
        }
    }
    free(at);
    free(seen);
    wf_schedule_free(&s);
    return 0;
}
