/* runid.c - a pipeline stage's run id from its environment (sw/runid.h). */
#include "sw/runid.h"

#include <string.h>

#include "sw/worker.h"

/* id_byte_ok: true for the bytes a run id may hold: A-Z a-z 0-9 . _ - */
static int id_byte_ok(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/* sw_run_id_valid: see sw/runid.h. Returns 1 or 0. */
int sw_run_id_valid(const char *id)
{
    if (!id)
        return 0;
    size_t n = strlen(id);
    if (n < 1 || n > SW_RUN_ID_MAX || strcmp(id, ".") == 0 ||
        strcmp(id, "..") == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!id_byte_ok((unsigned char)id[i]))
            return 0;
    return 1;
}

/* sw_run_id_pick: see sw/runid.h. Returns SW_OK or SW_E_CONFIG. */
sw_result sw_run_id_pick(const char *explicit_id, const char *workflow,
                         char out[SW_RUN_ID_MAX + 1], const char **why)
{
    out[0] = '\0';
    if (explicit_id && *explicit_id) {
        if (!sw_run_id_valid(explicit_id)) {
            *why = "must be 1 to 64 of A-Z a-z 0-9 . _ - (not . or ..)";
            return SW_E_CONFIG;
        }
        memcpy(out, explicit_id, strlen(explicit_id) + 1);
        return SW_OK;
    }
    if (!workflow || !*workflow) {
        *why = "is required (or WORKFLOW_RUN_ID, set by the "
               "workflow worker)";
        return SW_E_CONFIG;
    }
    size_t n = strlen(workflow);
    if (n > SW_RUN_ID_MAX) {
        *why = "is unset and WORKFLOW_RUN_ID is longer than 64 "
               "characters";
        return SW_E_CONFIG;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = id_byte_ok((unsigned char)workflow[i]) ? workflow[i] : '-';
    out[n] = '\0';
    if (!sw_run_id_valid(out)) {
        out[0] = '\0';
        *why = "is unset and WORKFLOW_RUN_ID is . or ..";
        return SW_E_CONFIG;
    }
    return SW_OK;
}

/* sw_run_id_from_env: see sw/runid.h. */
sw_result sw_run_id_from_env(const char *explicit_name,
                             char out[SW_RUN_ID_MAX + 1], const char **why)
{
    return sw_run_id_pick(sw_env(explicit_name), sw_env("WORKFLOW_RUN_ID"),
                          out, why);
}
