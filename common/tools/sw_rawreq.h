/* sw_rawreq.h - parses a raw HTTP/1.1 request (the SigV4 test suite's
 * request.txt format) into the pieces sw_sigv4_sign takes.
 *
 * Header-only because three programs share it and none is part of libsw:
 * the sw-sign tool, the SigV4 unit test and the SigV4 fuzzer.
 *
 * Format: a request line "METHOD TARGET HTTP/x.y" (TARGET may contain
 * spaces, as the suite's get-space cases do), header lines "Name:value",
 * lines starting with a space or tab continuing the previous header's
 * value, then an optional blank line and the body. Lines end in LF or
 * CRLF. Every cursor points into the caller's input. */
#ifndef SW_RAWREQ_H
#define SW_RAWREQ_H

#include <string.h>

#include "sw/buf.h"
#include "sw/sigv4.h"

#define SW_RAWREQ_MAX_HEADERS 128

typedef struct sw_rawreq {
    sw_cursor method;
    sw_cursor path;   /* target up to '?' */
    sw_cursor query;  /* after '?', may be empty */
    sw_cursor head;   /* request line and header lines as read */
    int head_has_eol; /* head ends with a line break */
    sw_cursor body;   /* after the blank line */
    sw_sigv4_header headers[SW_RAWREQ_MAX_HEADERS];
    size_t header_count;
} sw_rawreq;

/* sw_rawreq_line: the line starting at *pos (without its LF or CRLF) and
 * moves *pos past the line break. Sets *eol when a break was there. */
static inline sw_cursor sw_rawreq_line(sw_cursor in, size_t *pos, int *eol)
{
    size_t s = *pos, e = s;
    while (e < in.len && in.ptr[e] != '\n')
        e++;
    *eol = e < in.len;
    *pos = *eol ? e + 1 : e;
    if (*eol && e > s && in.ptr[e - 1] == '\r')
        e--;
    return (sw_cursor){in.ptr + s, e - s};
}

/* sw_rawreq_parse: fills *r from in. Returns SW_OK, SW_E_INVALID (no
 * request line, a header line without ':') or SW_E_OVERFLOW (more than
 * SW_RAWREQ_MAX_HEADERS headers). */
static inline sw_result sw_rawreq_parse(sw_cursor in, sw_rawreq *r)
{
    size_t pos = 0;
    int eol = 0;
    memset(r, 0, sizeof *r);
    sw_cursor line = sw_rawreq_line(in, &pos, &eol);
    /* METHOD SP TARGET SP VERSION; the target may hold spaces, so the
     * version is whatever follows the last space. */
    const char *sp1 = memchr(line.ptr, ' ', line.len);
    const char *sp2 = line.ptr + line.len;
    while (sp2 > line.ptr && sp2[-1] != ' ')
        sp2--;
    if (!line.len || !sp1 || sp2 - 1 <= sp1)
        return SW_E_INVALID;
    r->method = (sw_cursor){line.ptr, (size_t)(sp1 - line.ptr)};
    sw_cursor target = {sp1 + 1, (size_t)(sp2 - 1 - (sp1 + 1))};
    const char *q = memchr(target.ptr, '?', target.len);
    if (q) {
        r->path = (sw_cursor){target.ptr, (size_t)(q - target.ptr)};
        r->query = (sw_cursor){q + 1, target.len - r->path.len - 1};
    } else {
        r->path = target;
    }
    size_t head_end = pos;
    r->head_has_eol = eol;
    while (eol && pos < in.len) {
        line = sw_rawreq_line(in, &pos, &eol);
        if (!line.len)
            break; /* blank line: the body follows */
        head_end = pos;
        r->head_has_eol = eol;
        if (line.ptr[0] == ' ' || line.ptr[0] == '\t') {
            if (!r->header_count)
                return SW_E_INVALID;
            /* Continuation: the previous value runs on to this line's end,
             * line break included; the signer folds it into one space. */
            sw_cursor *v = &r->headers[r->header_count - 1].value;
            v->len = (size_t)(line.ptr + line.len - v->ptr);
            continue;
        }
        const char *colon = memchr(line.ptr, ':', line.len);
        if (!colon || colon == line.ptr)
            return SW_E_INVALID;
        if (r->header_count == SW_RAWREQ_MAX_HEADERS)
            return SW_E_OVERFLOW;
        sw_sigv4_header *h = &r->headers[r->header_count++];
        h->name = (sw_cursor){line.ptr, (size_t)(colon - line.ptr)};
        h->value = (sw_cursor){colon + 1, (size_t)(line.ptr + line.len -
                                                   colon - 1)};
    }
    r->head = (sw_cursor){in.ptr, head_end};
    r->body = (sw_cursor){in.ptr + pos, in.len - pos};
    if (!eol || pos >= in.len)
        r->body = (sw_cursor){in.ptr + in.len, 0};
    return SW_OK;
}

#endif
