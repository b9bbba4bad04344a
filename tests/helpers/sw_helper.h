/* sw_helper.h - what the test helper programs in tests/helpers/ share:
 * their answers are one JSON object per line on stdout, which the Python
 * tests parse. */
#ifndef SW_HELPER_H
#define SW_HELPER_H

#include <stdio.h>

#include <cJSON.h>

/* sw_helper_print_line: prints o as one line ("{}" if printing ran out of
 * memory), flushes so the reading test sees it at once, and deletes o. */
static inline void sw_helper_print_line(cJSON *o)
{
    char *s = cJSON_PrintUnformatted(o);
    puts(s ? s : "{}");
    fflush(stdout);
    cJSON_free(s);
    cJSON_Delete(o);
}

#endif
