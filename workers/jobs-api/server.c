/* server.c - libmicrohttpd glue (see server.h). libmicrohttpd parses HTTP
 * (request line, headers, chunked bodies, 100-continue, timeouts); this
 * file only buffers the body and converts request and response. */
#include "server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "routes.h"
#include "sw/log.h"
#include "validate.h"

/* Thread stacks: musl's default is 128 KiB; a handler holds a few jobs
 * (5 KiB each) and goes through libcurl and SigV4, so it gets more room. */
enum { CONN_TIMEOUT_S = 30, LOG_PATH_MAX = 200, STACK_BYTES = 512 * 1024 };

struct jobs_server {
    struct MHD_Daemon *daemon;
    const jobs_app *app;
};

/* Per-request state, kept in libmicrohttpd's *req_cls. */
typedef struct req_state {
    sw_buf body;
    bool too_large;
    struct timespec start;
} req_state;

/* elapsed_ms: milliseconds since t0 (monotonic clock). */
static double elapsed_ms(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
           (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* log_request: the access log line. The path never holds a credential
 * (those travel in the Authorization header only); it is cut at 200
 * bytes. */
static void log_request(const char *method, const char *url, int status,
                        double ms)
{
    char path[LOG_PATH_MAX + 1];
    snprintf(path, sizeof path, "%s", url ? url : "");
    if (!sw_utf8_valid(sw_cursor_from_cstr(path)))
        snprintf(path, sizeof path, "(not UTF-8)");
    cJSON *f = cJSON_CreateObject();
    if (f) {
        cJSON_AddStringToObject(f, "event", "request");
        cJSON_AddStringToObject(f, "method", method ? method : "");
        cJSON_AddStringToObject(f, "path", path);
        cJSON_AddNumberToObject(f, "status", status);
        cJSON_AddNumberToObject(f, "ms", (double)(long)(ms * 1000) / 1000);
    }
    sw_log(SW_LOG_INFO, "request", f);
    cJSON_Delete(f);
}

/* send_response: queues status + body (copied) with the JSON headers. */
static enum MHD_Result send_response(struct MHD_Connection *c, int status,
                                     const char *body, size_t len,
                                     const char *allow)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer_copy(len, body);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "application/json");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (allow)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ok;
}

/* header: a request header's value, or NULL. */
static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* on_request: libmicrohttpd's access handler, called once when the
 * headers are in, once per body chunk, and once at the end. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version,
                                  const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    (void)version;
    jobs_server *s = cls;
    req_state *st = *req_cls;
    if (!st) { /* headers only */
        st = calloc(1, sizeof *st);
        if (!st)
            return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &st->start);
        *req_cls = st;
        const char *cl = header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > JOBS_BODY_MAX) {
            /* Answered before the body is read; libmicrohttpd then closes
             * the connection instead of reading it. */
            static const char msg[] =
                "{\"error\":\"the body is larger than 65536 bytes\"}";
            log_request(method, url, 413, elapsed_ms(&st->start));
            return send_response(c, 413, msg, sizeof msg - 1, NULL);
        }
        return MHD_YES;
    }
    if (*upload_data_size) { /* a body chunk */
        if (!st->too_large &&
            st->body.len + *upload_data_size <= JOBS_BODY_MAX) {
            if (sw_buf_append(&st->body, upload_data, *upload_data_size))
                return MHD_NO;
        } else {
            st->too_large = true; /* drained, not kept */
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    jobs_request req = {
        .method = method,
        .path = url,
        .authorization = header(c, MHD_HTTP_HEADER_AUTHORIZATION),
        .content_type = header(c, MHD_HTTP_HEADER_CONTENT_TYPE),
        .q_status = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                                "status"),
        .q_limit = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                               "limit"),
        .q_next = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
                                              "next"),
        .body = sw_cursor_from_buf(&st->body),
        .body_too_large = st->too_large,
    };
    jobs_response resp = {0};
    jobs_handle(s->app, &req, &resp);
    enum MHD_Result ok = send_response(c, resp.status,
                                       resp.body.ptr ? resp.body.ptr : "",
                                       resp.body.len, resp.allow);
    log_request(method, url, resp.status, elapsed_ms(&st->start));
    sw_buf_free(&resp.body);
    return ok;
}

/* on_completed: frees the request's state (whatever way it ended). */
static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    req_state *st = *req_cls;
    if (st) {
        sw_buf_wipe_free(&st->body); /* a body may hold env values */
        free(st);
    }
    *req_cls = NULL;
}

/* on_mhd_error: libmicrohttpd's own error messages, as log lines. */
static void on_mhd_error(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    vsnprintf(msg, sizeof msg, fmt, ap);
#pragma GCC diagnostic pop
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    sw_log_msgf(SW_LOG_WARN, "libmicrohttpd: %s", msg);
}

/* jobs_server_start: see server.h. */
sw_result jobs_server_start(const jobs_app *app, const char *bind_addr,
                            int port, int threads, jobs_server **out,
                            char *why, size_t cap)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (port < 1 || port > 65535 ||
        inet_pton(AF_INET, bind_addr, &sa.sin_addr) != 1) {
        snprintf(why, cap, "JOBS_BIND/JOBS_PORT: not an IPv4 address and "
                 "port");
        return SW_E_CONFIG;
    }
    jobs_server *s = calloc(1, sizeof *s);
    if (!s)
        return SW_E_NOMEM;
    s->app = app;
    s->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
            MHD_USE_ERROR_LOG,
        0, NULL, NULL, on_request, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
        MHD_OPTION_THREAD_STACK_SIZE, (size_t)STACK_BYTES,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONN_TIMEOUT_S,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, s,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
        MHD_OPTION_END);
    if (!s->daemon) {
        free(s);
        snprintf(why, cap, "cannot listen on %s:%d (in use?)", bind_addr,
                 port);
        return SW_E_IO;
    }
    *out = s;
    return SW_OK;
}

/* jobs_server_quiesce: takes the listening socket from libmicrohttpd
 * (which then stops accepting) and closes it: new connections are refused
 * at once, so a load balancer moves on. */
void jobs_server_quiesce(jobs_server *s)
{
    if (!s)
        return;
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
}

/* jobs_server_stop: MHD_stop_daemon joins the pool threads. */
void jobs_server_stop(jobs_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->daemon);
    free(s);
}
