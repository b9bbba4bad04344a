/* sw_http_get - makes HTTP requests with one sw_http_client (so keep-alive
 * applies across --repeat) and prints one JSON line per request:
 *   {"result":"ok","status":200,"body":"...","body_len":N,
 *    "content_type":"...","request_id":"...","error":"..."}
 * Exit code: sw_exit_code_for() of the last failed request, else 0.
 *
 * usage: sw_http_get [-X METHOD] [-H 'Name: value']... [-d BODY]
 *                    [--ca FILE] [--unix PATH] [--connect-timeout MS]
 *                    [--timeout MS] [--max-body BYTES] [--repeat N]
 *                    [--data-size N] URL
 * --data-size N sends a body of N 'y' bytes (bodies too big for argv). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "sw/exit.h"
#include "sw/http.h"
#include "sw_helper.h"

/* print_result: one JSON line describing a request's outcome. */
static void print_result(sw_result rc, const sw_http_response *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "result", rc ? sw_result_str(rc) : "ok");
    cJSON_AddNumberToObject(o, "status", (double)r->status);
    cJSON_AddStringToObject(o, "body", r->body.ptr ? r->body.ptr : "");
    cJSON_AddNumberToObject(o, "body_len", (double)r->body.len);
    cJSON_AddStringToObject(o, "content_type",
                            r->content_type.ptr ? r->content_type.ptr : "");
    cJSON_AddStringToObject(o, "request_id",
                            r->request_id.ptr ? r->request_id.ptr : "");
    cJSON_AddStringToObject(o, "error", r->error);
    sw_helper_print_line(o);
}

int main(int argc, char **argv)
{
    sw_http_options opt = {0};
    sw_http_request req = {.method = "GET"};
    sw_http_header hdr[16];
    char *hbuf[16];
    size_t nh = 0;
    int repeat = 1;
    char *gen = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-X") && v) {
            req.method = v;
            i++;
        } else if (!strcmp(a, "-H") && v && nh < 16) {
            hbuf[nh] = strdup(v);
            char *colon = strchr(hbuf[nh], ':');
            if (!colon)
                return 2;
            *colon = '\0';
            hdr[nh].name = hbuf[nh];
            hdr[nh].value = colon + 1 + strspn(colon + 1, " ");
            nh++;
            i++;
        } else if (!strcmp(a, "-d") && v) {
            req.body = sw_cursor_from_cstr(v);
            i++;
        } else if (!strcmp(a, "--data-size") && v) {
            size_t n = (size_t)atol(v);
            free(gen);
            gen = malloc(n ? n : 1);
            if (!gen)
                return 1;
            memset(gen, 'y', n);
            req.body = sw_cursor_from_mem(gen, n);
            i++;
        } else if (!strcmp(a, "--ca") && v) {
            opt.ca_file = v;
            i++;
        } else if (!strcmp(a, "--unix") && v) {
            opt.unix_socket = v;
            i++;
        } else if (!strcmp(a, "--connect-timeout") && v) {
            opt.connect_timeout_ms = atol(v);
            i++;
        } else if (!strcmp(a, "--timeout") && v) {
            opt.timeout_ms = atol(v);
            i++;
        } else if (!strcmp(a, "--max-body") && v) {
            opt.max_body = (size_t)atol(v);
            i++;
        } else if (!strcmp(a, "--repeat") && v) {
            repeat = atoi(v);
            i++;
        } else if (a[0] != '-' && !req.url) {
            req.url = a;
        } else {
            fprintf(stderr, "usage: see the top of sw_http_get.c\n");
            return 2;
        }
    }
    if (!req.url)
        return 2;
    req.headers = hdr;
    req.header_count = nh;
    if (sw_http_global_init())
        return 1;
    sw_http_client *c = NULL;
    sw_result rc = sw_http_client_new(&opt, &c);
    int exit_code = rc ? sw_exit_code_for(rc) : 0;
    sw_http_response resp = {0};
    for (int i = 0; !rc && i < repeat; i++) {
        sw_result r = sw_http_send(c, &req, &resp);
        print_result(r, &resp);
        if (r)
            exit_code = sw_exit_code_for(r);
    }
    sw_http_response_free(&resp);
    sw_http_client_free(c);
    for (size_t i = 0; i < nh; i++)
        free(hbuf[i]);
    free(gen);
    sw_http_global_cleanup();
    return exit_code;
}
