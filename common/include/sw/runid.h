/* sw/runid.h - the run id a pipeline stage names its outputs after.
 *
 * Stages of one run (the ETL's extract, transform, load) must agree on one
 * id without talking to each other. It is taken from the stage's own
 * variable (e.g. ETL_RUN_ID), checked strictly, or else from
 * WORKFLOW_RUN_ID, which the workflow worker adds to every step it submits
 * ("<scheduleId>/<YYYY-MM-DDTHH:MM:SSZ>"): there every byte outside
 * [A-Za-z0-9._-] becomes '-', so "etl-daily/2026-11-23T05:00:00Z" is
 * "etl-daily-2026-11-23T05-00-00Z". Either way the id is 1 to 64 of
 * [A-Za-z0-9._-] and not "." or ".." (it becomes a path segment). */
#ifndef SW_RUNID_H
#define SW_RUNID_H

#include <stddef.h>
#include <time.h>

#include "sw/error.h"

#define SW_RUN_ID_MAX 64

/* sw_run_id_valid: true when id is 1..64 of [A-Za-z0-9._-] and neither
 * "." nor "..". */
int sw_run_id_valid(const char *id);

/* sw_run_id_pick: the run id from explicit_id (the stage's variable, may
 * be NULL or "") or else workflow (WORKFLOW_RUN_ID's value, may be NULL or
 * "", mapped as above) into out (SW_RUN_ID_MAX + 1 bytes). Returns SW_OK,
 * or SW_E_CONFIG with *why set to a static reason that reads after the
 * stage variable's name ("ETL_RUN_ID <why>"): neither set, explicit_id
 * malformed, the workflow id longer than 64 or "."/"..". */
sw_result sw_run_id_pick(const char *explicit_id, const char *workflow,
                         char out[SW_RUN_ID_MAX + 1], const char **why);

/* sw_run_id_from_env: sw_run_id_pick with $explicit_name and
 * $WORKFLOW_RUN_ID (empty values count as unset). */
sw_result sw_run_id_from_env(const char *explicit_name,
                             char out[SW_RUN_ID_MAX + 1], const char **why);

/* The run date: the day a run is for (YYYY-MM-DD), which every stage of
 * one run must agree on too (etl-load's partition, etl-extract's
 * "{date}" in ETL_INPUT). From the stage's variable (ETL_RUN_DATE), else
 * the day of WORKFLOW_RUN_ID's scheduled time ("<scheduleId>/YYYY-MM-DDT
 * HH:MM:SSZ"), so every attempt and rerun of a workflow run reads and
 * partitions alike whenever it runs, else today (UTC). */
#define SW_RUN_DATE_LEN 10u /* "YYYY-MM-DD" without its NUL */

/* sw_run_date_pick: the run date from explicit_date (may be NULL or "")
 * or else workflow (WORKFLOW_RUN_ID's value, may be NULL; used only when
 * it ends in "/YYYY-MM-DDT...", a real date) or else the UTC day of now,
 * into out. Returns SW_OK, or SW_E_CONFIG with *why set to a static reason
 * that reads after the variable's name ("ETL_RUN_DATE <why>"):
 * explicit_date is not a real date YYYY-MM-DD, or now is outside years
 * 0000-9999. */
sw_result sw_run_date_pick(const char *explicit_date, const char *workflow,
                           time_t now, char out[SW_RUN_DATE_LEN + 1],
                           const char **why);

/* sw_run_date_from_env: sw_run_date_pick with $explicit_name,
 * $WORKFLOW_RUN_ID (empty values count as unset) and time(NULL). */
sw_result sw_run_date_from_env(const char *explicit_name,
                               char out[SW_RUN_DATE_LEN + 1],
                               const char **why);

#endif
