/* server.h - the libmicrohttpd glue: a daemon with its own epoll thread
 * pool that collects each request (at most JOBS_BODY_MAX body bytes),
 * hands it to jobs_handle and logs one JSON line per request (method,
 * path, status, ms; never a header or a body). */
#ifndef JOBS_SERVER_H
#define JOBS_SERVER_H

#include <stddef.h>

#include "app.h"
#include "sw/error.h"

typedef struct jobs_server jobs_server;

/* jobs_server_start: listens on bind_addr:port (IPv4 dotted quad) with
 * `threads` worker threads. app is borrowed. Returns SW_OK, SW_E_CONFIG
 * (bad address; why set) or SW_E_IO (could not listen: port in use). */
sw_result jobs_server_start(const jobs_app *app, const char *bind_addr,
                            int port, int threads, jobs_server **out,
                            char *why, size_t cap);

/* jobs_server_quiesce: stops accepting new connections (those open are
 * still served), the first step of a graceful shutdown. */
void jobs_server_quiesce(jobs_server *s);

/* jobs_server_stop: finishes the requests in hand, closes everything and
 * frees s. NULL is fine. */
void jobs_server_stop(jobs_server *s);

#endif
