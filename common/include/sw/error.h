/* sw/error.h - result codes shared by every common/ module.
 *
 * Every fallible function in libsw returns an sw_result the caller must look
 * at (the curl convention). SW_OK is zero so `if (rc)` reads naturally.
 * Modules add detail in their own out-parameters (e.g. sw_aws_error), never
 * through errno. */
#ifndef SW_ERROR_H
#define SW_ERROR_H

typedef enum sw_result {
    SW_OK = 0,
    SW_E_NOMEM,     /* an allocation failed */
    SW_E_INVALID,   /* bad argument or malformed input */
    SW_E_OVERFLOW,  /* a value or output does not fit its limit */
    SW_E_CONFIG,    /* bad configuration (environment, options) */
    SW_E_IO,        /* local file or stream I/O failed */
    SW_E_NETWORK,   /* DNS, connect, reset, send/recv: transport failure */
    SW_E_TIMEOUT,   /* connect or transfer timed out */
    SW_E_TLS,       /* TLS handshake or certificate verification failed */
    SW_E_HTTP,      /* a non-AWS endpoint answered an unexpected HTTP status */
    SW_E_AWS,       /* an AWS service answered an error (see sw_aws_error) */
    SW_E_CREDS,     /* no credentials could be resolved */
    SW_E_PARSE,     /* a response could not be parsed */
    SW_E_CONDITION, /* a conditional write found its condition false */
    SW_E_PARTIAL,   /* some items of a batch failed (reported per item) */
    SW_E_DEADLINE,  /* a bounded deadline passed before the work finished */
    SW_E__COUNT
} sw_result;

/* sw_result_str: a short, static, human-readable name for a result code,
 * e.g. "network error". Never NULL. */
const char *sw_result_str(sw_result rc);

/* sw_result_is_transient: true when the failure may succeed on a later
 * attempt (network, timeout, throttling...). Used to pick exit code 3. */
int sw_result_is_transient(sw_result rc);

#endif
