/* instances.h - DescribeInstances for several instance ids at once, for
 * the reaper (reaper.h). sw/ec2.h has only a one-id call, which EC2 fails
 * whole (InvalidInstanceID.NotFound) when one id of a batch is unknown;
 * here the ids go in an `instance-id` filter instead, so an unknown id is
 * simply missing from the answer and the others are still reported.
 *
 * Written in jobs-api for now (sw/ec2.h belongs to another module owner);
 * a candidate for libsw as sw_ec2_describe_instance_states. */
#ifndef JOBS_INSTANCES_H
#define JOBS_INSTANCES_H

#include <stdbool.h>
#include <stddef.h>

#include "sw/aws.h"
#include "sw/buf.h"
#include "sw/error.h"

#define JOBS_DESCRIBE_MAX 100u  /* ids per call (EC2: 200 filter values) */
#define JOBS_STATE_MAX 16u      /* "shutting-down" + NUL */

/* What DescribeInstances said about one id: state "" when the id was not
 * in the answer (unknown to EC2, or gone from its listings). */
typedef struct jobs_instance_state {
    char state[JOBS_STATE_MAX];
} jobs_instance_state;

/* jobs_instances_body: the form body "Action=DescribeInstances&...&
 * Filter.1.Name=instance-id&Filter.1.Value.N=<id>" for n ids (1 to
 * JOBS_DESCRIBE_MAX, each sw_ec2_instance_id_valid) into out (appended).
 * Returns SW_OK, SW_E_INVALID or SW_E_NOMEM. */
sw_result jobs_instances_body(const char *const *ids, size_t n, sw_buf *out);

/* jobs_instances_parse: reads each instance (a top-level <item> of an
 * <instancesSet>) of a DescribeInstances answer, its <instanceId> and its
 * <instanceState><name>, and fills out[i] for each ids[i] found; the
 * others get "". Returns SW_OK, or SW_E_PARSE when an instance has no
 * readable id or state, or the items do not nest. */
sw_result jobs_instances_parse(sw_cursor xml, const char *const *ids,
                               size_t n, jobs_instance_state *out);

/* jobs_instances_describe: one DescribeInstances call for n ids (at most
 * JOBS_DESCRIBE_MAX) through client c, states into out. Returns SW_OK,
 * SW_E_INVALID (an id that is not an instance id, before any call),
 * SW_E_PARSE, or sw_aws_query_call's results (err filled). */
sw_result jobs_instances_describe(sw_aws_client *c, const char *const *ids,
                                  size_t n, jobs_instance_state *out,
                                  sw_aws_error *err);

/* jobs_instance_gone: true for a state in which the instance no longer
 * runs a job: "" (unknown), shutting-down, terminated, stopping,
 * stopped. pending and running (and anything unexpected) are alive. */
bool jobs_instance_gone(const char *state);

#endif
