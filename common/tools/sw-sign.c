/* sw-sign - signs a raw HTTP request with AWS SigV4 (a dev and test tool).
 *
 *   sw-sign --access-key AKID --secret-key SECRET [--session-token TOKEN]
 *           --region REGION --service SERVICE [--time YYYYMMDDTHHMMSSZ]
 *           [--no-normalize] [--no-double-encode] [--sign-body]
 *           [--unsigned-payload] [--unsigned-token]
 *           [--print request|canonical|sts|authz] < request.txt
 *
 * Reads the request (the SigV4 test suite's request.txt format) on stdin
 * and prints it signed, in the suite's signed-request format: the original
 * request line and headers, then X-Amz-Security-Token (with a session
 * token), X-Amz-Date, x-amz-content-sha256 (--sign-body) and Authorization,
 * a blank line and the body. --print canonical/sts/authz prints the
 * canonical request, string to sign or Authorization value instead.
 * The keys default to $AWS_ACCESS_KEY_ID, $AWS_SECRET_ACCESS_KEY and
 * $AWS_SESSION_TOKEN, the time to now.
 *
 * Exit codes: 0 signed, 2 bad usage or a request that cannot be signed,
 * 1 out of memory or a write error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sw/exit.h"
#include "sw/sigv4.h"
#include "sw_rawreq.h"

/* usage_error: prints one line to stderr and returns the bad-input code. */
static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "sw-sign: %s%s%s (see the top of sw-sign.c for usage)\n",
            what, arg ? ": " : "", arg ? arg : "");
    return SW_EXIT_BAD_INPUT;
}

/* read_all: reads stdin into b. Returns SW_OK, SW_E_IO or SW_E_NOMEM. */
static sw_result read_all(sw_buf *b)
{
    char chunk[16384];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
        sw_result rc = sw_buf_append(b, chunk, n);
        if (rc)
            return rc;
    }
    return ferror(stdin) ? SW_E_IO : SW_OK;
}

/* put_header: writes "Name:value\n". */
static void put_header(const char *name, sw_cursor value)
{
    fputs(name, stdout);
    fputc(':', stdout);
    fwrite(value.ptr, 1, value.len, stdout);
    fputc('\n', stdout);
}

int main(int argc, char **argv)
{
    const char *akid = getenv("AWS_ACCESS_KEY_ID");
    const char *secret = getenv("AWS_SECRET_ACCESS_KEY");
    const char *token = getenv("AWS_SESSION_TOKEN");
    const char *region = NULL, *service = NULL, *when = NULL;
    const char *print = "request";
    unsigned flags = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **val = NULL;
        if (!strcmp(a, "--access-key"))
            val = &akid;
        else if (!strcmp(a, "--secret-key"))
            val = &secret;
        else if (!strcmp(a, "--session-token"))
            val = &token;
        else if (!strcmp(a, "--region"))
            val = &region;
        else if (!strcmp(a, "--service"))
            val = &service;
        else if (!strcmp(a, "--time"))
            val = &when;
        else if (!strcmp(a, "--print"))
            val = &print;
        else if (!strcmp(a, "--no-normalize"))
            flags |= SW_SIGV4_NO_NORMALIZE_PATH;
        else if (!strcmp(a, "--no-double-encode"))
            flags |= SW_SIGV4_NO_DOUBLE_ENCODE;
        else if (!strcmp(a, "--sign-body"))
            flags |= SW_SIGV4_ADD_CONTENT_SHA256;
        else if (!strcmp(a, "--unsigned-payload"))
            flags |= SW_SIGV4_UNSIGNED_PAYLOAD;
        else if (!strcmp(a, "--unsigned-token"))
            flags |= SW_SIGV4_TOKEN_UNSIGNED;
        else
            return usage_error("unknown option", a);
        if (val) {
            if (i + 1 >= argc)
                return usage_error("missing value for", a);
            *val = argv[++i];
        }
    }
    if (!akid || !*akid)
        return usage_error("missing --access-key", NULL);
    if (!secret || !*secret)
        return usage_error("missing --secret-key", NULL);
    if (!region || !service)
        return usage_error("missing --region or --service", NULL);
    int what = !strcmp(print, "request")     ? 0
               : !strcmp(print, "canonical") ? 1
               : !strcmp(print, "sts")       ? 2
               : !strcmp(print, "authz")     ? 3
                                             : -1;
    if (what < 0)
        return usage_error("--print takes request|canonical|sts|authz", print);
    time_t t = time(NULL);
    if (when && sw_sigv4_parse_date(when, &t))
        return usage_error("--time wants YYYYMMDDTHHMMSSZ", when);

    sw_buf in = SW_BUF_INIT;
    sw_result rc = read_all(&in);
    if (rc) {
        fprintf(stderr, "sw-sign: reading stdin: %s\n", sw_result_str(rc));
        return rc == SW_E_NOMEM ? SW_EXIT_INTERNAL : SW_EXIT_BAD_INPUT;
    }
    static sw_rawreq rq; /* large: keep it off the stack */
    rc = sw_rawreq_parse(sw_cursor_from_buf(&in), &rq);
    if (rc) {
        sw_buf_free(&in);
        return usage_error("malformed request on stdin", sw_result_str(rc));
    }

    sw_sigv4_credentials creds = {sw_cursor_from_cstr(akid),
                                  sw_cursor_from_cstr(secret),
                                  sw_cursor_from_cstr(token)};
    sw_sigv4_params params = {&creds, sw_cursor_from_cstr(region),
                              sw_cursor_from_cstr(service), t, flags};
    sw_sigv4_request req = {rq.method, rq.path,  rq.query,     rq.headers,
                            rq.header_count, rq.body, SW_CURSOR_NULL};
    sw_sigv4_signer *signer = NULL;
    sw_sigv4_result res = {0};
    rc = sw_sigv4_signer_new(&signer);
    if (!rc)
        rc = sw_sigv4_sign(signer, &params, &req, &res);
    sw_sigv4_signer_free(signer);
    if (rc) {
        sw_buf_free(&in);
        sw_sigv4_result_free(&res);
        if (rc == SW_E_NOMEM) {
            fprintf(stderr, "sw-sign: %s\n", sw_result_str(rc));
            return SW_EXIT_INTERNAL;
        }
        return usage_error("cannot sign this request", sw_result_str(rc));
    }

    switch (what) {
    case 0:
        fwrite(rq.head.ptr, 1, rq.head.len, stdout);
        if (!rq.head_has_eol)
            fputc('\n', stdout);
        if (creds.session_token.len)
            put_header("X-Amz-Security-Token", creds.session_token);
        put_header("X-Amz-Date", sw_cursor_from_cstr(res.amz_date));
        if (res.content_sha256[0])
            put_header("x-amz-content-sha256",
                       sw_cursor_from_cstr(res.content_sha256));
        put_header("Authorization", sw_cursor_from_buf(&res.authorization));
        fputc('\n', stdout);
        fwrite(rq.body.ptr, 1, rq.body.len, stdout);
        break;
    case 1:
        puts(res.canonical_request.ptr);
        break;
    case 2:
        puts(res.string_to_sign.ptr);
        break;
    default:
        puts(res.authorization.ptr);
        break;
    }
    sw_buf_free(&in);
    sw_sigv4_result_free(&res);
    if (fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, "sw-sign: write error\n");
        return SW_EXIT_INTERNAL;
    }
    return SW_EXIT_OK;
}
