/* sw/worker.h - what every worker's main does the same way: read its
 * environment, make its AWS clients, and turn a failed AWS call into one
 * log line and the exit code of the contract (sw/exit.h). */
#ifndef SW_WORKER_H
#define SW_WORKER_H

#include "sw/aws.h"
#include "sw/creds.h"
#include "sw/error.h"

/* sw_env: getenv, with an empty value treated as unset (NULL), which is
 * what a container's `-e NAME=` means. */
const char *sw_env(const char *name);

/* sw_worker_client: a client for svc with the standard configuration
 * (region, endpoint, retries from the environment). Returns 0 with *out
 * set, or logs "configuration: <why>" and returns the exit code (2). */
int sw_worker_client(const sw_aws_service *svc, sw_creds_provider *creds,
                     sw_aws_client **out);

/* sw_worker_aws_failure: logs a failed AWS call as one line, "<what> failed
 * (transient|not retryable, exit N): <code>: <message>", with the request id
 * and attempts as fields, and returns the exit code (sw_aws_exit_code). */
int sw_worker_aws_failure(const char *what, sw_result rc,
                          const sw_aws_error *err);

#endif
