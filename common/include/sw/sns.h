/* sw/sns.h - SNS Publish over the AWS query protocol (form-encoded POST,
 * XML answer) through sw/aws.h: enough to announce that a run ended. */
#ifndef SW_SNS_H
#define SW_SNS_H

#include <stddef.h>

#include "sw/aws.h"
#include "sw/error.h"

/* The service description for sw_aws_client_new (signing name "sns",
 * endpoint id "SNS"). */
extern const sw_aws_service sw_sns_service;

/* sw_sns_publish: publishes message (UTF-8, up to 256 KiB) with an optional
 * subject (NULL: none; up to 100 printable ASCII characters) to topic_arn.
 * On success writes the MessageId to message_id (room for id_len bytes,
 * may be NULL). Returns SW_OK, SW_E_INVALID (before any call), SW_E_PARSE,
 * or sw_aws_send's results. */
sw_result sw_sns_publish(sw_aws_client *c, const char *topic_arn,
                         const char *subject, const char *message,
                         char *message_id, size_t id_len, sw_aws_error *err);

#endif
