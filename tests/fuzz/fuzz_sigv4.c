/* fuzz_sigv4.c - libFuzzer target for SigV4 signing (common/src/sigv4.c,
 * sha256.c) and the raw request parser (common/tools/sw_rawreq.h).
 *
 * Input: a raw HTTP request (the suite's request.txt format: request line,
 * "Name:value" header lines, blank line, body; seeded from the conformance
 * suite). It is parsed and signed under five flag sets (normalize or not,
 * S3 single encoding, unsigned payload, session token signed or not); the
 * same bytes are also signed as a bare path and as a bare query string.
 * Properties (abort on violation, so the fuzzer reports it):
 *   - signing returns SW_OK or SW_E_INVALID, nothing else;
 *   - it is deterministic: a warm signer, a fresh signer and the portable
 *     SHA-256 code all give the same canonical request, string to sign and
 *     Authorization;
 *   - the string to sign ends with the SHA-256 of the canonical request;
 *   - the canonical path and query hold only unreserved bytes, '/', and
 *     uppercase %XX escapes (plus '=' and '&' in the query); a normalized,
 *     double-encoded path has no empty, "." or ".." segments inside;
 *   - SignedHeaders is strictly sorted, includes host and x-amz-date, and
 *     names exactly the canonical header lines, in order. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/tools/sw_rawreq.h"
#include "sw/sha256.h"
#include "sw/sigv4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check: aborts (the fuzzer reports it) when a property fails. */
static void check(int cond)
{
    if (!cond)
        abort();
}

static const sw_sigv4_credentials CREDS = {
    SW_CURSOR_LIT("AKIDEXAMPLE"),
    SW_CURSOR_LIT("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
    SW_CURSOR_LIT("")};
static const sw_sigv4_credentials CREDS_TOKEN = {
    SW_CURSOR_LIT("AKIDEXAMPLE"),
    SW_CURSOR_LIT("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
    SW_CURSOR_LIT("FQoGZXIvYXdzEJr//////////token+/=")};

/* line_at: line n (0-based) of text, as a cursor (header values may hold
 * NUL bytes, so no string functions). */
static sw_cursor line_at(sw_cursor text, int n)
{
    const char *p = text.ptr, *end = text.ptr + text.len;
    for (int i = 0; i < n; i++) {
        p = memchr(p, '\n', (size_t)(end - p));
        check(p != NULL);
        p++;
    }
    const char *e = memchr(p, '\n', (size_t)(end - p));
    return (sw_cursor){p, (size_t)((e ? e : end) - p)};
}

/* is_hex_upper: an uppercase hex digit. */
static int is_hex_upper(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* check_encoded: only unreserved bytes, the extra bytes in `allowed`, and
 * uppercase %XX escapes. */
static void check_encoded(sw_cursor c, const char *allowed)
{
    for (size_t i = 0; i < c.len; i++) {
        char b = c.ptr[i];
        if (b == '%') {
            check(i + 2 < c.len && is_hex_upper(c.ptr[i + 1]) &&
                  is_hex_upper(c.ptr[i + 2]));
            i += 2;
            continue;
        }
        check((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') ||
              (b >= '0' && b <= '9') || b == '-' || b == '.' || b == '_' ||
              b == '~' || (b && strchr(allowed, b)));
    }
}

/* check_normalized: no empty, "." or ".." segments between slashes. */
static void check_normalized(sw_cursor path)
{
    size_t i = 0;
    check(path.len > 0);
    while (i < path.len) {
        size_t j = i;
        while (j < path.len && path.ptr[j] != '/')
            j++;
        size_t n = j - i;
        int inner = i > 0 && j < path.len; /* between two slashes */
        if (inner)
            check(n > 0);
        check(!(n == 1 && path.ptr[i] == '.'));
        check(!(n == 2 && path.ptr[i] == '.' && path.ptr[i + 1] == '.'));
        i = j + 1;
    }
}

/* check_result: the structural properties of one signature. */
static void check_result(const sw_sigv4_result *r, unsigned flags)
{
    sw_cursor cr = sw_cursor_from_buf(&r->canonical_request);
    uint8_t d[SW_SHA256_LEN];
    char hex[65];
    sw_sha256(cr.ptr, cr.len, d);
    sw_hex_lower(d, sizeof d, hex);
    check(r->string_to_sign.len > 64 &&
          memcmp(r->string_to_sign.ptr + r->string_to_sign.len - 64, hex,
                 64) == 0);

    sw_cursor path = line_at(cr, 1), query = line_at(cr, 2);
    check_encoded(path, "/");
    check_encoded(query, "=&");
    if (!(flags & (SW_SIGV4_NO_NORMALIZE_PATH | SW_SIGV4_NO_DOUBLE_ENCODE)))
        check_normalized(path);

    const char *az = r->authorization.ptr;
    static const char pre[] = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/";
    check(strncmp(az, pre, sizeof pre - 1) == 0);
    const char *sh = strstr(az, ", SignedHeaders=");
    check(sh != NULL);
    sh += strlen(", SignedHeaders=");
    const char *sh_end = strstr(sh, ", Signature=");
    check(sh_end != NULL && strlen(sh_end) == strlen(", Signature=") + 64);

    /* Walk SignedHeaders and the canonical header lines together. */
    int line = 3, have_host = 0, have_date = 0;
    sw_cursor prev = SW_CURSOR_NULL;
    const char *p = sh;
    while (p < sh_end) {
        const char *e = memchr(p, ';', (size_t)(sh_end - p));
        if (!e)
            e = sh_end;
        sw_cursor name = {p, (size_t)(e - p)};
        check(name.len > 0);
        if (prev.ptr) {
            size_t n = prev.len < name.len ? prev.len : name.len;
            int c = memcmp(prev.ptr, name.ptr, n);
            check(c < 0 || (c == 0 && prev.len < name.len));
        }
        have_host |= sw_cursor_eq_cstr(name, "host");
        have_date |= sw_cursor_eq_cstr(name, "x-amz-date");
        sw_cursor hl = line_at(cr, line++);
        check(hl.len > name.len && memcmp(hl.ptr, name.ptr, name.len) == 0 &&
              hl.ptr[name.len] == ':');
        prev = name;
        p = e + 1;
    }
    check(have_host && have_date);
    check(line_at(cr, line).len == 0); /* the blank line after the headers */
}

/* same_result: two results hold the same strings. */
static int same_result(const sw_sigv4_result *a, const sw_sigv4_result *b)
{
    return sw_cursor_eq(sw_cursor_from_buf(&a->canonical_request),
                        sw_cursor_from_buf(&b->canonical_request)) &&
           sw_cursor_eq(sw_cursor_from_buf(&a->string_to_sign),
                        sw_cursor_from_buf(&b->string_to_sign)) &&
           sw_cursor_eq(sw_cursor_from_buf(&a->authorization),
                        sw_cursor_from_buf(&b->authorization)) &&
           strcmp(a->content_sha256, b->content_sha256) == 0;
}

/* sign_checked: signs req with warm, fresh and portable-SHA signers and
 * checks they agree and that the result is well formed. */
static void sign_checked(sw_sigv4_signer *warm, const sw_sigv4_request *req,
                         unsigned flags, const sw_sigv4_credentials *creds)
{
    sw_sigv4_params p = {creds, SW_CURSOR_LIT("us-east-1"),
                         SW_CURSOR_LIT("service"), 1440938160, flags};
    sw_sigv4_result a = {0}, b = {0}, c = {0};
    sw_result rc = sw_sigv4_sign(warm, &p, req, &a);
    check(rc == SW_OK || rc == SW_E_INVALID);
    sw_sigv4_signer *fresh = NULL;
    check(sw_sigv4_signer_new(&fresh) == SW_OK);
    check(sw_sigv4_sign(fresh, &p, req, &b) == rc);
    sw_sha256_force_portable(1);
    sw_result rc2 = sw_sigv4_sign(warm, &p, req, &c);
    sw_sha256_force_portable(0);
    check(rc2 == rc);
    if (rc == SW_OK) {
        check(same_result(&a, &b) && same_result(&a, &c));
        check_result(&a, flags);
    }
    sw_sigv4_signer_free(fresh);
    sw_sigv4_result_free(&a);
    sw_sigv4_result_free(&b);
    sw_sigv4_result_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sw_sigv4_signer *warm; /* kept across inputs: a long-lived cache */
    static sw_rawreq rq;
    if (!warm)
        check(sw_sigv4_signer_new(&warm) == SW_OK);
    sw_cursor in = {(const char *)data, size};

    sw_result rc = sw_rawreq_parse(in, &rq);
    check(rc == SW_OK || rc == SW_E_INVALID || rc == SW_E_OVERFLOW);
    if (rc == SW_OK) {
        sw_sigv4_request req = {rq.method, rq.path,   rq.query,
                                rq.headers, rq.header_count, rq.body,
                                SW_CURSOR_NULL};
        sign_checked(warm, &req, 0, &CREDS);
        sign_checked(warm, &req, SW_SIGV4_NO_NORMALIZE_PATH, &CREDS);
        sign_checked(warm, &req,
                     SW_SIGV4_NO_NORMALIZE_PATH | SW_SIGV4_NO_DOUBLE_ENCODE |
                         SW_SIGV4_ADD_CONTENT_SHA256,
                     &CREDS);
        sign_checked(warm, &req,
                     SW_SIGV4_UNSIGNED_PAYLOAD | SW_SIGV4_ADD_CONTENT_SHA256,
                     &CREDS_TOKEN);
        sign_checked(warm, &req, SW_SIGV4_TOKEN_UNSIGNED, &CREDS_TOKEN);
    }

    /* The raw bytes as a path and as a query, with just a Host header. */
    static const sw_sigv4_header host[] = {
        {SW_CURSOR_LIT("Host"), SW_CURSOR_LIT("example.amazonaws.com")}};
    sw_sigv4_request bare = {SW_CURSOR_LIT("GET"), in, SW_CURSOR_NULL, host, 1,
                             SW_CURSOR_NULL, SW_CURSOR_NULL};
    sign_checked(warm, &bare, 0, &CREDS);
    sign_checked(warm, &bare,
                 SW_SIGV4_NO_NORMALIZE_PATH | SW_SIGV4_NO_DOUBLE_ENCODE,
                 &CREDS);
    bare.path = SW_CURSOR_LIT("/");
    bare.query = in;
    sign_checked(warm, &bare, 0, &CREDS);
    return 0;
}
