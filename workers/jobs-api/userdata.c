/* userdata.c - the user-data template's placeholders (see userdata.h). */
#include "userdata.h"

#include <stdio.h>
#include <string.h>

/* jobs_userdata_safe: the character whitelist. */
bool jobs_userdata_safe(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++) {
        char c = *s;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || strchr(":/._@+-", c);
        if (!ok)
            return false;
    }
    return true;
}

/* jobs_userdata_render: copies tmpl, replacing each @NAME@ it knows; any
 * other @WORD@ made of capitals and '_' is an error (a typo in the
 * template must not reach an instance). */
sw_result jobs_userdata_render(const char *tmpl, const jobs_userdata_vars *v,
                               sw_buf *out)
{
    char attempt[16];
    snprintf(attempt, sizeof attempt, "%d", v->attempt);
    const char *names[] = {"JOB_ID", "ATTEMPT", "API_URL", "TOKEN",
                           "AGENT_IMAGE"};
    const char *vals[] = {v->job_id, attempt, v->api_url, v->token,
                          v->agent_image};
    for (size_t i = 0; i < 5; i++)
        if (!jobs_userdata_safe(vals[i]))
            return SW_E_INVALID;
    for (const char *p = tmpl; *p;) {
        const char *at = strchr(p, '@');
        if (!at)
            return sw_buf_append_cstr(out, p);
        if (sw_buf_append(out, p, (size_t)(at - p)))
            return SW_E_NOMEM;
        size_t n = 0;
        while ((at[1 + n] >= 'A' && at[1 + n] <= 'Z') || at[1 + n] == '_')
            n++;
        if (n == 0 || at[1 + n] != '@') { /* a lone '@' (e.g. in a digest) */
            if (sw_buf_append_byte(out, '@'))
                return SW_E_NOMEM;
            p = at + 1;
            continue;
        }
        size_t k = 0;
        while (k < 5 && !(strlen(names[k]) == n &&
                          strncmp(names[k], at + 1, n) == 0))
            k++;
        if (k == 5)
            return SW_E_INVALID;
        if (sw_buf_append_cstr(out, vals[k]))
            return SW_E_NOMEM;
        p = at + n + 2;
    }
    return SW_OK;
}
