/* routes.h - the HTTP API of jobs-api as one pure entry point: a request
 * (method, path, the few headers and query arguments used, body) in, a
 * status and a JSON body out. server.c feeds it from libmicrohttpd; the
 * unit tests and the fuzzer call it directly, without a network.
 *
 *   GET  /healthz             none      200 {"status":"ok"} (no AWS call)
 *   POST /schedule            API key   201 the job (+ callback_token)
 *   GET  /list                API key   200 {"jobs": [...], "next": "..."}
 *   GET  /status/:id          API key   200 the job
 *   GET  /callback/:id        job token 200 the job spec for the agent
 *   PUT  /callback/:id        job token 200 the job after the change
 * Errors: {"error": "<one line>"} with 400, 401, 403, 404, 405, 409, 413,
 * 415, 500 or 503. */
#ifndef JOBS_ROUTES_H
#define JOBS_ROUTES_H

#include <stdbool.h>

#include "app.h"
#include "sw/buf.h"

typedef struct jobs_request {
    const char *method;
    const char *path;          /* without the query string */
    const char *authorization; /* header value or NULL */
    const char *content_type;  /* header value or NULL */
    const char *q_status, *q_limit, *q_next; /* query arguments or NULL */
    sw_cursor body;
    bool body_too_large;       /* more than JOBS_BODY_MAX bytes were sent */
} jobs_request;

typedef struct jobs_response {
    int status;
    sw_buf body;           /* JSON text, owned */
    const char *allow;     /* for 405: the Allow header (static) */
} jobs_response;

/* jobs_handle: answers req. Never fails: out of memory becomes a 500 with
 * a static body. Free resp->body with sw_buf_free. */
void jobs_handle(const jobs_app *app, const jobs_request *req,
                 jobs_response *resp);

#endif
