/* sw_creds_get - resolves credentials with the chain (sw/creds.h) and
 * prints one JSON line per sw_creds_get call:
 *   {"result":"ok","source":"ecs","access_key_id":"...","has_token":true,
 *    "expires_in":N,"secret_match":true,"why":""}
 * The secret itself is never printed: with --expect-secret S the line says
 * whether it matched. Exit code: sw_exit_code_for() of the last failure.
 *
 * usage: sw_creds_get [--repeat N] [--sleep-ms MS] [--expect-secret S]
 *                     [--ecs-host URL] [--imds URL] [--imds-timeout MS]
 *                     [--margin S] [--invalidate]
 * --invalidate calls sw_creds_invalidate between repeats. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "sw/creds.h"
#include "sw/exit.h"
#include "sw/retry.h"
#include "sw_helper.h"

int main(int argc, char **argv)
{
    sw_creds_options opt = {0};
    int repeat = 1, invalidate = 0;
    long sleep_ms = 0;
    const char *expect = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--invalidate")) {
            invalidate = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "usage: see the top of sw_creds_get.c\n");
            return 2;
        }
        i++;
        if (!strcmp(a, "--repeat"))
            repeat = atoi(v);
        else if (!strcmp(a, "--sleep-ms"))
            sleep_ms = atol(v);
        else if (!strcmp(a, "--expect-secret"))
            expect = v;
        else if (!strcmp(a, "--ecs-host"))
            opt.ecs_host = v;
        else if (!strcmp(a, "--imds"))
            opt.imds_endpoint = v;
        else if (!strcmp(a, "--imds-timeout"))
            opt.imds_timeout_ms = atol(v);
        else if (!strcmp(a, "--margin"))
            opt.refresh_margin_s = atol(v);
        else
            return 2;
    }
    if (sw_http_global_init())
        return 1;
    sw_creds_provider *p = NULL;
    if (sw_creds_provider_new(&opt, &p))
        return 1;
    int code = 0;
    for (int i = 0; i < repeat; i++) {
        if (i && sleep_ms)
            sw_sleep_ms(sleep_ms);
        if (i && invalidate)
            sw_creds_invalidate(p);
        const sw_creds *c = NULL;
        const char *why = NULL;
        sw_result rc = sw_creds_get(p, &c, &why);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "result", rc ? sw_result_str(rc) : "ok");
        cJSON_AddStringToObject(o, "why", rc && why ? why : "");
        if (!rc) {
            cJSON_AddStringToObject(o, "source", c->source);
            cJSON_AddStringToObject(o, "access_key_id", c->access_key_id);
            cJSON_AddBoolToObject(o, "has_token", c->session_token != NULL);
            cJSON_AddNumberToObject(
                o, "expires_in",
                c->expiration ? (double)(c->expiration - time(NULL)) : 0);
            if (expect)
                cJSON_AddBoolToObject(
                    o, "secret_match",
                    strcmp(expect, c->secret_access_key) == 0);
        } else {
            code = sw_exit_code_for(rc);
        }
        sw_helper_print_line(o);
    }
    sw_creds_provider_free(p);
    sw_http_global_cleanup();
    return code;
}
