/* runid.c - a pipeline stage's run id from its environment (sw/runid.h). */
#include "sw/runid.h"

#include <string.h>

#include "sw/olist.h"
#include "sw/rfc3339.h"
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

/* date_ok: true when the n bytes at s are a real date YYYY-MM-DD (the
 * one date parser libsw has, also etl-load's). */
static int date_ok(const char *s, size_t n)
{
    return sw_olist_parse_date(sw_cursor_from_mem(s, n), NULL) == SW_OK;
}

/* sw_run_date_pick: see sw/runid.h. Returns SW_OK or SW_E_CONFIG. */
sw_result sw_run_date_pick(const char *explicit_date, const char *workflow,
                           time_t now, char out[SW_RUN_DATE_LEN + 1],
                           const char **why)
{
    out[0] = '\0';
    const char *src = NULL;
    if (explicit_date && *explicit_date) {
        if (strlen(explicit_date) != SW_RUN_DATE_LEN ||
            !date_ok(explicit_date, SW_RUN_DATE_LEN)) {
            *why = "must be a date YYYY-MM-DD";
            return SW_E_CONFIG;
        }
        src = explicit_date;
    } else {
        /* the scheduled time follows the last '/'; anything else (a
         * hand-made WORKFLOW_RUN_ID) is not a date source */
        const char *slash = workflow ? strrchr(workflow, '/') : NULL;
        if (slash && strlen(slash + 1) > SW_RUN_DATE_LEN &&
            slash[1 + SW_RUN_DATE_LEN] == 'T' &&
            date_ok(slash + 1, SW_RUN_DATE_LEN))
            src = slash + 1;
    }
    char today[SW_RFC3339_LEN + 1];
    if (!src) {
        if (sw_rfc3339_format(now, today) != SW_OK) {
            *why = "is unset and today is not a date YYYY-MM-DD";
            return SW_E_CONFIG;
        }
        src = today; /* its first 10 bytes are the UTC day */
    }
    memcpy(out, src, SW_RUN_DATE_LEN);
    out[SW_RUN_DATE_LEN] = '\0';
    return SW_OK;
}

/* sw_run_date_from_env: see sw/runid.h. */
sw_result sw_run_date_from_env(const char *explicit_name,
                               char out[SW_RUN_DATE_LEN + 1],
                               const char **why)
{
    return sw_run_date_pick(sw_env(explicit_name), sw_env("WORKFLOW_RUN_ID"),
                            time(NULL), out, why);
}
