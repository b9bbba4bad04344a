/* worker.c - the start-up and failure reporting every worker shares (see
 * sw/worker.h). */
#include "sw/worker.h"

#include <stdio.h>
#include <stdlib.h>

#include <cJSON.h>

#include "sw/exit.h"
#include "sw/log.h"

/* sw_env: getenv with "" as unset. */
const char *sw_env(const char *name)
{
    const char *s = getenv(name);
    return s && *s ? s : NULL;
}

/* sw_worker_client: sw_aws_client_new with the standard configuration;
 * a configuration problem is logged as one line. Returns 0 or the exit
 * code. */
int sw_worker_client(const sw_aws_service *svc, sw_creds_provider *creds,
                     sw_aws_client **out)
{
    sw_aws_config cfg = {.service = *svc};
    const char *why = NULL;
    sw_result rc = sw_aws_client_new(&cfg, creds, out, &why);
    if (rc == SW_OK)
        return 0;
    sw_log_msgf(SW_LOG_ERROR, "configuration: %s",
                why ? why : sw_result_str(rc));
    return sw_exit_code_for(rc);
}

/* sw_worker_aws_failure: one error line for a failed call, with its
 * request id and attempts as fields. Returns the exit code. */
int sw_worker_aws_failure(const char *what, sw_result rc,
                          const sw_aws_error *err)
{
    int code = sw_aws_exit_code(rc, err);
    cJSON *f = cJSON_CreateObject();
    if (f && err->request_id[0])
        cJSON_AddStringToObject(f, "request_id", err->request_id);
    if (f)
        cJSON_AddNumberToObject(f, "attempts", err->attempts);
    char msg[1024];
    snprintf(msg, sizeof msg, "%s failed (%s, exit %d): %s%s%s", what,
             code == SW_EXIT_TRANSIENT ? "transient" : "not retryable", code,
             err->code[0] ? err->code : sw_result_str(rc),
             err->message[0] ? ": " : "", err->message);
    sw_log(SW_LOG_ERROR, msg, f);
    cJSON_Delete(f);
    return code;
}
