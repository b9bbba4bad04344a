/* imds.c - EC2 instance metadata over IMDSv2 (see sw/imds.h).
 *
 * One HTTP client per sw_imds so the connection to IMDS is kept between
 * polls. The token's age is measured on the monotonic clock: a wall-clock
 * step (NTP on a fresh instance) must not make a valid token look expired
 * or an expired one look valid. It is refreshed when a quarter of its TTL
 * (at most 60 s) is left, well before IMDS would refuse it. */
#include "sw/imds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sw/http.h"

#define IMDS_DEFAULT_ENDPOINT "http://169.254.169.254"
#define IMDS_TTL_MAX 21600L
#define IMDS_TOKEN_MAX 4096u /* real tokens are ~56 bytes */

struct sw_imds {
    char *base;           /* endpoint without trailing '/' */
    long timeout_ms;
    long ttl_s;
    sw_http_client *http;
    sw_buf token;         /* empty: none */
    long long token_at_ms; /* monotonic time it was fetched */
    unsigned long fetches;
};

/* now_ms: the monotonic clock in milliseconds. */
static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* sw_imds_new: validates the options and makes the HTTP client. */
sw_result sw_imds_new(const sw_imds_options *opt, sw_imds **out)
{
    *out = NULL;
    const char *ep = opt && opt->endpoint ? opt->endpoint : NULL;
    if (!ep) {
        ep = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
        if (!ep || !*ep)
            ep = IMDS_DEFAULT_ENDPOINT;
    }
    if (strncmp(ep, "http://", 7) != 0 && strncmp(ep, "https://", 8) != 0)
        return SW_E_CONFIG;
    long ttl = opt && opt->token_ttl_s ? opt->token_ttl_s : IMDS_TTL_MAX;
    if (ttl < 1 || ttl > IMDS_TTL_MAX)
        return SW_E_CONFIG;
    sw_imds *m = calloc(1, sizeof *m);
    if (!m)
        return SW_E_NOMEM;
    size_t n = strlen(ep);
    while (n && ep[n - 1] == '/')
        n--;
    m->base = sw_strdup_cursor(sw_cursor_from_mem(ep, n));
    m->timeout_ms = opt && opt->timeout_ms > 0 ? opt->timeout_ms : 2000;
    m->ttl_s = ttl;
    sw_http_options ho = {0};
    ho.connect_timeout_ms = opt && opt->connect_timeout_ms > 0
                                ? opt->connect_timeout_ms
                                : m->timeout_ms;
    ho.timeout_ms = m->timeout_ms;
    ho.max_body = opt && opt->max_body ? opt->max_body : 1024 * 1024;
    if (!m->base || sw_http_client_new(&ho, &m->http)) {
        sw_imds_free(m);
        return SW_E_NOMEM;
    }
    *out = m;
    return SW_OK;
}

/* sw_imds_free: wipes the token, frees everything. */
void sw_imds_free(sw_imds *m)
{
    if (!m)
        return;
    sw_buf_wipe_free(&m->token);
    sw_http_client_free(m->http);
    free(m->base);
    free(m);
}

/* token_fresh: true while the token has more than a quarter of its TTL
 * (capped at 60 s) left. */
static int token_fresh(const sw_imds *m)
{
    if (m->token.len == 0)
        return 0;
    long long ttl_ms = (long long)m->ttl_s * 1000;
    long long margin = ttl_ms / 4 < 60000 ? ttl_ms / 4 : 60000;
    return now_ms() - m->token_at_ms < ttl_ms - margin;
}

/* fetch_token: PUT /latest/api/token. Returns SW_OK, a transport error,
 * or SW_E_HTTP when IMDS answered anything but 200 with a token. */
static sw_result fetch_token(sw_imds *m)
{
    sw_buf url = SW_BUF_INIT;
    char ttl[24];
    snprintf(ttl, sizeof ttl, "%ld", m->ttl_s);
    sw_http_header h = {"X-aws-ec2-metadata-token-ttl-seconds", ttl};
    sw_http_response resp = {0};
    sw_result rc = sw_buf_appendf(&url, "%s/latest/api/token", m->base);
    long long at = now_ms(); /* before the call: errs on the early side */
    if (!rc) {
        sw_http_request req = {.method = "PUT", .url = url.ptr,
                               .headers = &h, .header_count = 1};
        rc = sw_http_send(m->http, &req, &resp);
    }
    if (!rc) {
        sw_cursor tok = sw_cursor_trim(sw_cursor_from_buf(&resp.body));
        if (resp.status != 200 || tok.len == 0 || tok.len > IMDS_TOKEN_MAX) {
            rc = SW_E_HTTP;
        } else {
            sw_buf_wipe_free(&m->token);
            rc = sw_buf_append_cursor(&m->token, tok);
            m->token_at_ms = at;
            m->fetches++;
        }
    }
    sw_buf_wipe_free(&resp.body);
    sw_http_response_free(&resp);
    sw_buf_free(&url);
    return rc;
}

/* get_once: one GET of path with the current token. Returns SW_OK (status
 * set, body in out) or a transport error. */
static sw_result get_once(sw_imds *m, const char *path, sw_buf *out,
                          long *status)
{
    sw_buf url = SW_BUF_INIT;
    sw_http_response resp = {0};
    sw_http_header h = {"X-aws-ec2-metadata-token", m->token.ptr};
    sw_result rc = sw_buf_appendf(&url, "%s%s", m->base, path);
    if (!rc) {
        sw_http_request req = {.method = "GET", .url = url.ptr,
                               .headers = &h, .header_count = 1};
        rc = sw_http_send(m->http, &req, &resp);
    }
    if (!rc) {
        *status = resp.status;
        sw_buf_reset(out);
        if (resp.status == 200)
            rc = sw_buf_append_cursor(out, sw_cursor_from_buf(&resp.body));
    }
    /* the body may be the role's credentials: wiped, not just freed */
    sw_buf_wipe_free(&resp.body);
    sw_http_response_free(&resp);
    sw_buf_free(&url);
    return rc;
}

/* sw_imds_token: a fresh token, fetched only when the held one is old. */
sw_result sw_imds_token(sw_imds *m)
{
    return token_fresh(m) ? SW_OK : fetch_token(m);
}

/* sw_imds_get: token as needed, the GET, and one retry with a new token
 * after a 401. */
sw_result sw_imds_get(sw_imds *m, const char *path, sw_buf *out,
                      long *status)
{
    *status = 0;
    if (!path || path[0] != '/')
        return SW_E_INVALID;
    sw_result rc = sw_imds_token(m);
    if (rc != SW_OK)
        return rc;
    rc = get_once(m, path, out, status);
    if (rc == SW_OK && *status == 401) {
        sw_buf_wipe_free(&m->token);
        if ((rc = fetch_token(m)) != SW_OK)
            return rc;
        rc = get_once(m, path, out, status);
    }
    return rc;
}

/* sw_imds_token_fetches: the count of tokens fetched so far. */
unsigned long sw_imds_token_fetches(const sw_imds *m)
{
    return m ? m->fetches : 0;
}
