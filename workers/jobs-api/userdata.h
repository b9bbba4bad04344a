/* userdata.h - renders the launch user-data (userdata.sh.in, compiled into
 * the binary) for one attempt of one job. */
#ifndef JOBS_USERDATA_H
#define JOBS_USERDATA_H

#include <stdbool.h>

#include "sw/buf.h"
#include "sw/error.h"

typedef struct jobs_userdata_vars {
    const char *job_id;
    int attempt;
    const char *api_url;     /* SPOT_AGENT_API_URL, e.g. https://jobs.x */
    const char *token;       /* this attempt's callback token */
    const char *agent_image; /* the spot-agent image reference */
} jobs_userdata_vars;

/* jobs_userdata_safe: true when s is non-empty and only has characters
 * that need no shell quoting inside '...': [A-Za-z0-9:/._@+-]. */
bool jobs_userdata_safe(const char *s);

/* jobs_userdata_render: tmpl with @JOB_ID@, @ATTEMPT@, @API_URL@, @TOKEN@
 * and @AGENT_IMAGE@ replaced, appended to out. Returns SW_OK, SW_E_INVALID
 * (a value with a character outside the safe set, or an unknown
 * @NAME@ placeholder) or SW_E_NOMEM. */
sw_result jobs_userdata_render(const char *tmpl, const jobs_userdata_vars *v,
                               sw_buf *out);

#endif
