/* buf.c - byte cursors and growable buffers (see sw/buf.h). */
#include "sw/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* sw_cursor_from_cstr: a cursor over s, or an empty one for NULL. */
sw_cursor sw_cursor_from_cstr(const char *s)
{
    sw_cursor c = {s, s ? strlen(s) : 0};
    return c;
}

/* sw_cursor_from_mem: a cursor over n bytes at p. */
sw_cursor sw_cursor_from_mem(const void *p, size_t n)
{
    sw_cursor c = {(const char *)p, n};
    return c;
}

/* sw_cursor_from_buf: a cursor over a buffer's bytes. */
sw_cursor sw_cursor_from_buf(const sw_buf *b)
{
    sw_cursor c = {b->ptr ? b->ptr : "", b->len};
    return c;
}

/* sw_cursor_eq: true when both hold the same bytes. */
bool sw_cursor_eq(sw_cursor a, sw_cursor b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* sw_cursor_eq_cstr: true when a holds exactly the bytes of s. */
bool sw_cursor_eq_cstr(sw_cursor a, const char *s)
{
    return sw_cursor_eq(a, sw_cursor_from_cstr(s));
}

/* ascii_lower: c with A-Z mapped to a-z, any other byte unchanged. */
static unsigned char ascii_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* sw_cursor_eq_ignore_case: ASCII case-insensitive equality. */
bool sw_cursor_eq_ignore_case(sw_cursor a, sw_cursor b)
{
    if (a.len != b.len)
        return false;
    for (size_t i = 0; i < a.len; i++)
        if (ascii_lower((unsigned char)a.ptr[i]) !=
            ascii_lower((unsigned char)b.ptr[i]))
            return false;
    return true;
}

/* sw_cursor_trim: strips leading and trailing spaces and tabs. */
sw_cursor sw_cursor_trim(sw_cursor c)
{
    while (c.len && (c.ptr[0] == ' ' || c.ptr[0] == '\t')) {
        c.ptr++;
        c.len--;
    }
    while (c.len && (c.ptr[c.len - 1] == ' ' || c.ptr[c.len - 1] == '\t'))
        c.len--;
    return c;
}

/* sw_buf_reserve: grows the allocation (doubling) to fit extra bytes + NUL. */
sw_result sw_buf_reserve(sw_buf *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len - 1)
        return SW_E_OVERFLOW;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return SW_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->ptr, cap);
    if (!p)
        return SW_E_NOMEM;
    b->ptr = p;
    b->cap = cap;
    b->ptr[b->len] = '\0';
    return SW_OK;
}

/* sw_buf_append: appends n bytes and keeps the trailing NUL. */
sw_result sw_buf_append(sw_buf *b, const void *p, size_t n)
{
    sw_result rc = sw_buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->ptr + b->len, p, n);
    b->len += n;
    b->ptr[b->len] = '\0';
    return SW_OK;
}

/* sw_buf_append_cstr: appends a C string (NULL appends nothing). */
sw_result sw_buf_append_cstr(sw_buf *b, const char *s)
{
    return sw_buf_append(b, s ? s : "", s ? strlen(s) : 0);
}

/* sw_buf_append_cursor: appends a cursor's bytes. */
sw_result sw_buf_append_cursor(sw_buf *b, sw_cursor c)
{
    return sw_buf_append(b, c.ptr, c.len);
}

/* sw_buf_append_byte: appends one byte. */
sw_result sw_buf_append_byte(sw_buf *b, char c)
{
    return sw_buf_append(b, &c, 1);
}

/* sw_buf_vappendf: appends vprintf output, growing once if needed. */
sw_result sw_buf_vappendf(sw_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return SW_E_INVALID;
    if ((size_t)n < sizeof small)
        return sw_buf_append(b, small, (size_t)n);
    sw_result rc = sw_buf_reserve(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return SW_OK;
}

/* sw_buf_appendf: appends printf output. */
sw_result sw_buf_appendf(sw_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sw_result rc = sw_buf_vappendf(b, fmt, ap);
    va_end(ap);
    return rc;
}

/* sw_buf_reset: empties the buffer but keeps its memory. */
void sw_buf_reset(sw_buf *b)
{
    b->len = 0;
    if (b->ptr)
        b->ptr[0] = '\0';
}

/* sw_buf_free: frees the memory. */
void sw_buf_free(sw_buf *b)
{
    free(b->ptr);
    b->ptr = NULL;
    b->len = b->cap = 0;
}

/* sw_buf_wipe_free: zeroes the allocation before freeing it. */
void sw_buf_wipe_free(sw_buf *b)
{
    if (b->ptr)
        sw_secure_zero(b->ptr, b->cap);
    sw_buf_free(b);
}

/* sw_buf_detach: hands the string to the caller and empties the buffer. */
char *sw_buf_detach(sw_buf *b)
{
    if (!b->ptr && sw_buf_reserve(b, 0))
        return NULL;
    char *p = b->ptr;
    b->ptr = NULL;
    b->len = b->cap = 0;
    return p;
}

/* sw_utf8_valid: a strict RFC 3629 check, one sequence at a time. */
bool sw_utf8_valid(sw_cursor c)
{
    const unsigned char *p = (const unsigned char *)c.ptr;
    size_t i = 0, n = c.len;
    while (i < n) {
        unsigned b = p[i];
        size_t len;
        uint32_t cp, min;
        if (b < 0x80) {
            i++;
            continue;
        } else if ((b & 0xE0) == 0xC0) {
            len = 2, cp = b & 0x1F, min = 0x80;
        } else if ((b & 0xF0) == 0xE0) {
            len = 3, cp = b & 0x0F, min = 0x800;
        } else if ((b & 0xF8) == 0xF0) {
            len = 4, cp = b & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (n - i < len)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

/* sw_secure_zero: memset, then an empty asm that claims to read the memory,
 * so the optimizer must keep the stores (the BoringSSL OPENSSL_cleanse
 * trick; a full-speed memset, unlike a volatile byte loop, which matters on
 * the SigV4 hot path). */
void sw_secure_zero(void *p, size_t n)
{
    if (!n)
        return;
    memset(p, 0, n);
    __asm__ __volatile__("" : : "r"(p) : "memory");
}

/* sw_strdup_cursor: a NUL-terminated heap copy of c, or NULL on ENOMEM. */
char *sw_strdup_cursor(sw_cursor c)
{
    char *s = malloc(c.len + 1);
    if (!s)
        return NULL;
    if (c.len)
        memcpy(s, c.ptr, c.len);
    s[c.len] = '\0';
    return s;
}
