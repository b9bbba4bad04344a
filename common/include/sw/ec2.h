/* sw/ec2.h - the EC2 calls a Spot job launcher and its agent need
 * (RunInstances for one one-time Spot instance, TerminateInstances,
 * DescribeInstances for one id or a batch), over EC2's query protocol through sw/aws.h:
 * a form-encoded POST / (Action=...&Version=2016-11-15), signing name
 * "ec2", XML answers; errors (<Response><Errors><Error><Code>) are read by
 * sw_aws_parse_error, so UnauthorizedOperation / InvalidInstanceID.NotFound
 * are final and RequestLimitExceeded / 5xx are retried by sw_aws_send.
 *
 * Every request is checked before it is sent (SW_E_INVALID, with a static
 * line in err->message), so a bad launch never costs a signed round trip. */
#ifndef SW_EC2_H
#define SW_EC2_H

#include <stddef.h>

#include "sw/aws.h"
#include "sw/buf.h"
#include "sw/error.h"

/* The service description for sw_aws_client_new (signing name "ec2",
 * endpoint id "EC2": AWS_ENDPOINT_URL_EC2). */
extern const sw_aws_service sw_ec2_service;

#define SW_EC2_API_VERSION "2016-11-15"
#define SW_EC2_USER_DATA_MAX 16384u  /* raw bytes, before base64 (EC2's) */
#define SW_EC2_CLIENT_TOKEN_MAX 64u  /* ASCII characters (EC2's) */
#define SW_EC2_TAGS_MAX 50u          /* per resource (EC2's) */
#define SW_EC2_SECURITY_GROUPS_MAX 16u
#define SW_EC2_TERMINATE_MAX 1000u   /* ids per TerminateInstances call */
#define SW_EC2_ID_MAX 64u            /* room for an instance id + NUL */

typedef struct sw_ec2_tag {
    const char *key;   /* 1-128 characters, not starting with "aws:" */
    const char *value; /* 0-256 characters */
} sw_ec2_tag;

/* One one-time Spot instance that terminates on interruption and on an
 * OS shutdown, with IMDSv2 required (HttpTokens=required, hop limit 1 so
 * containers on a bridge network cannot reach the instance's role). */
typedef struct sw_ec2_run_request {
    const char *image_id;         /* required: "ami-..." */
    const char *instance_type;    /* required: "t3.micro" */
    /* NULL: no role. An ARN ("arn:...") is sent as IamInstanceProfile.Arn,
     * anything else as IamInstanceProfile.Name. */
    const char *instance_profile;
    sw_cursor user_data;          /* raw bytes (base64-encoded here), up to
                                     16 KiB; empty: none */
    const char *subnet_id;        /* NULL: the default subnet */
    const char *const *security_group_ids; /* SecurityGroupId.N, up to 16 */
    size_t security_group_count;
    const sw_ec2_tag *tags;       /* TagSpecification.1 (instance), <= 50 */
    size_t tag_count;
    /* Required: 1-64 printable ASCII characters. EC2 answers a repeated
     * RunInstances with the same token (and parameters) with the instance
     * of the first call instead of launching another, so a retried launch
     * cannot leak an instance. */
    const char *client_token;
} sw_ec2_run_request;

/* sw_ec2_run_instances_body: the form-encoded RunInstances body for req
 * into out (appended), exactly what sw_ec2_run_instance sends. Returns
 * SW_OK, SW_E_INVALID (*why, if not NULL, set to a static line) or
 * SW_E_NOMEM. Exposed for tests and for callers that log requests. */
sw_result sw_ec2_run_instances_body(const sw_ec2_run_request *req,
                                    sw_buf *out, const char **why);

/* sw_ec2_run_instance: RunInstances with MinCount=MaxCount=1. On success
 * writes the instance id ("i-...", NUL-terminated) to instance_id, which
 * has room for id_len bytes (SW_EC2_ID_MAX is enough). Returns SW_OK,
 * SW_E_INVALID (before any call), SW_E_PARSE (no instanceId in the
 * answer), SW_E_OVERFLOW (id_len too small), or sw_aws_send's results. */
sw_result sw_ec2_run_instance(sw_aws_client *c, const sw_ec2_run_request *req,
                              char *instance_id, size_t id_len,
                              sw_aws_error *err);

/* sw_ec2_terminate_body: the form-encoded TerminateInstances body for n
 * ids (1 to 1000, each "i-" and 1-17+ hex-ish characters) into out.
 * Returns SW_OK, SW_E_INVALID (*why set) or SW_E_NOMEM. */
sw_result sw_ec2_terminate_body(const char *const *ids, size_t n, sw_buf *out,
                                const char **why);

/* sw_ec2_terminate_instances: TerminateInstances for n ids. Terminating an
 * instance that is already shutting down or terminated succeeds (EC2's
 * behaviour), so a retry is harmless. Returns SW_OK, SW_E_INVALID, or
 * sw_aws_send's results (an unknown id: SW_E_AWS with code
 * InvalidInstanceID.NotFound). */
sw_result sw_ec2_terminate_instances(sw_aws_client *c, const char *const *ids,
                                     size_t n, sw_aws_error *err);

#define SW_EC2_DESCRIBE_MAX 100u /* ids per DescribeInstances call here
                                    (EC2 allows 200 filter values) */
#define SW_EC2_STATE_MAX 16u     /* "shutting-down" + NUL */

/* How DescribeInstances is asked about ids. */
typedef enum sw_ec2_lookup {
    /* An `instance-id` filter: an id EC2 does not know (or no longer
     * lists) is simply missing from the answer, its state "", and the
     * other ids are still reported. For batches (a reaper). */
    SW_EC2_LOOKUP_FILTER = 0,
    /* InstanceId.N: EC2 fails the whole call (SW_E_AWS,
     * InvalidInstanceID.NotFound) when one id is unknown. For a caller
     * to whom an unknown id is an error. */
    SW_EC2_LOOKUP_IDS,
} sw_ec2_lookup;

/* What DescribeInstances said about one id: "pending", "running",
 * "shutting-down", "terminated", "stopping", "stopped", or "" when the id
 * was not in the answer. */
typedef struct sw_ec2_instance_state {
    char state[SW_EC2_STATE_MAX];
} sw_ec2_instance_state;

/* sw_ec2_describe_body: the form-encoded DescribeInstances body for n ids
 * (1 to SW_EC2_DESCRIBE_MAX, each sw_ec2_instance_id_valid) asked `how`
 * into out (appended). Returns SW_OK, SW_E_INVALID (*why, if not NULL,
 * set to a static line) or SW_E_NOMEM. */
sw_result sw_ec2_describe_body(const char *const *ids, size_t n,
                               sw_ec2_lookup how, sw_buf *out,
                               const char **why);

/* sw_ec2_describe_parse: reads each instance (a top-level <item> of an
 * <instancesSet>, whatever the order of its elements and however many
 * nested <item>s its groups, tags and devices have) of a DescribeInstances
 * answer, its <instanceId> and <instanceState><name>, into out[i] for
 * each ids[i] found; the others get "". Returns SW_OK, or SW_E_PARSE when
 * an instance has no readable id or state, or the items do not nest. */
sw_result sw_ec2_describe_parse(sw_cursor xml, const char *const *ids,
                                size_t n, sw_ec2_instance_state *out);

/* sw_ec2_describe_instances: one DescribeInstances call for n ids (1 to
 * SW_EC2_DESCRIBE_MAX) asked `how`, states into out[0..n). Returns
 * SW_OK, SW_E_INVALID (before any call), SW_E_PARSE, or sw_aws_send's
 * results (err filled; with SW_EC2_LOOKUP_IDS an unknown id is SW_E_AWS
 * with code InvalidInstanceID.NotFound). */
sw_result sw_ec2_describe_instances(sw_aws_client *c, const char *const *ids,
                                    size_t n, sw_ec2_lookup how,
                                    sw_ec2_instance_state *out,
                                    sw_aws_error *err);

/* sw_ec2_instance_id_valid: true when id looks like an EC2 instance id:
 * "i-" followed by 8 to 32 characters of [0-9a-f] (moto's ids too). */
int sw_ec2_instance_id_valid(const char *id);

/* sw_ec2_base64_encode: appends the standard base64 (RFC 4648, '='
 * padding) of in to out, as UserData is sent. Returns SW_OK or
 * SW_E_NOMEM. (Here because UserData is libsw's only base64 user.) */
sw_result sw_ec2_base64_encode(sw_buf *out, sw_cursor in);

#endif
