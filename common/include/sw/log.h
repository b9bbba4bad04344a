/* sw/log.h - structured logs: one JSON object per line, and CloudWatch
 * Embedded Metric Format (EMF) lines that CloudWatch Logs turns into metrics
 * without an API call.
 *
 * Log lines go to stderr (stdout is the workers' result channel); each has
 * "level", "msg", "time" (RFC 3339 UTC, ms) and the caller's fields. Never
 * pass secrets: there is no redaction pass. */
#ifndef SW_LOG_H
#define SW_LOG_H

#include <stdio.h>

#include <cJSON.h>

#include "sw/error.h"

typedef enum sw_log_level {
    SW_LOG_DEBUG = 0,
    SW_LOG_INFO,
    SW_LOG_WARN,
    SW_LOG_ERROR
} sw_log_level;

/* sw_log_init: sets the program name ("service" field), the minimum level
 * (LOG_LEVEL=debug|info|warn|error overrides) and the stream (NULL: stderr). */
void sw_log_init(const char *service, sw_log_level min_level, FILE *stream);

/* sw_log: writes one line {"time","level","service","msg", ...fields}.
 * fields (may be NULL) is an object whose members are copied in; it is not
 * freed. Returns SW_OK, SW_E_NOMEM, SW_E_IO. */
sw_result sw_log(sw_log_level level, const char *msg, const cJSON *fields);

/* sw_log_msg: printf-style message with no extra fields. */
sw_result sw_log_msgf(sw_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

typedef struct sw_emf_metric {
    const char *name;  /* e.g. "Price" */
    const char *unit;  /* "None", "Count", "Milliseconds", ... */
    double value;
} sw_emf_metric;

/* sw_emf_write: writes one EMF line to `stream` (NULL: stdout):
 * {"_aws":{"Timestamp":ms,"CloudWatchMetrics":[{"Namespace":ns,
 * "Dimensions":[[dim names]],"Metrics":[{"Name","Unit"}]}]}, dims..., metrics...}.
 * dims is an object of string dimension values (may be NULL). */
sw_result sw_emf_write(FILE *stream, const char *ns, const cJSON *dims,
                       const sw_emf_metric *metrics, size_t n);

/* sw_time_rfc3339: writes "YYYY-MM-DDTHH:MM:SS.mmmZ" for the current time
 * (out needs 25 bytes). */
void sw_time_rfc3339(char out[25]);

#endif
