/* error.c - names of result codes and the exit-code contract. */
#include "sw/error.h"
#include "sw/exit.h"

static const char *const names[SW_E__COUNT] = {
    [SW_OK] = "ok",
    [SW_E_NOMEM] = "out of memory",
    [SW_E_INVALID] = "invalid input",
    [SW_E_OVERFLOW] = "value too large",
    [SW_E_CONFIG] = "bad configuration",
    [SW_E_IO] = "I/O error",
    [SW_E_NETWORK] = "network error",
    [SW_E_TIMEOUT] = "timed out",
    [SW_E_TLS] = "TLS error",
    [SW_E_HTTP] = "unexpected HTTP status",
    [SW_E_AWS] = "AWS service error",
    [SW_E_CREDS] = "no credentials",
    [SW_E_PARSE] = "malformed response",
    [SW_E_CONDITION] = "condition not met",
    [SW_E_PARTIAL] = "partial failure",
    [SW_E_DEADLINE] = "deadline passed",
};

/* sw_result_str: the static name of rc, "unknown error" if out of range. */
const char *sw_result_str(sw_result rc)
{
    if ((unsigned)rc >= SW_E__COUNT || !names[rc])
        return "unknown error";
    return names[rc];
}

/* sw_result_is_transient: network trouble, timeouts, throttled or failing
 * services and missed deadlines may pass; everything else will not. */
int sw_result_is_transient(sw_result rc)
{
    switch (rc) {
    case SW_E_NETWORK:
    case SW_E_TIMEOUT:
    case SW_E_TLS: /* a TLS failure to AWS is usually a middlebox blip */
    case SW_E_HTTP:
    case SW_E_AWS: /* callers that know better decide from sw_aws_error */
    case SW_E_DEADLINE:
    case SW_E_CREDS: /* credential endpoints come and go on Fargate */
        return 1;
    default:
        return 0;
    }
}

/* sw_exit_code_for: the exit code a worker ends with when rc aborts it. */
int sw_exit_code_for(sw_result rc)
{
    switch (rc) {
    case SW_OK:
        return SW_EXIT_OK;
    case SW_E_INVALID:
    case SW_E_CONFIG:
    case SW_E_CONDITION:
    case SW_E_OVERFLOW: /* input over a limit stays over it */
        return SW_EXIT_BAD_INPUT;
    case SW_E_PARTIAL:
        return SW_EXIT_PARTIAL;
    default:
        return sw_result_is_transient(rc) ? SW_EXIT_TRANSIENT
                                          : SW_EXIT_INTERNAL;
    }
}
