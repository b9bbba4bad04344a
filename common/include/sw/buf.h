/* sw/buf.h - byte cursors (borrowed views) and growable byte buffers.
 *
 * A cursor never owns memory and is not NUL-terminated; use it wherever a
 * length matters (request bodies, header values, parsed substrings).
 * A buffer owns its memory and keeps a NUL after the last byte so ptr can be
 * handed to C string APIs; len never counts that NUL. */
#ifndef SW_BUF_H
#define SW_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "sw/error.h"

typedef struct sw_cursor {
    const char *ptr;
    size_t len;
} sw_cursor;

typedef struct sw_buf {
    char *ptr;  /* NULL until the first append */
    size_t len; /* bytes used, excluding the trailing NUL */
    size_t cap; /* bytes allocated, including room for the NUL */
} sw_buf;

#define SW_BUF_INIT {NULL, 0, 0}
#define SW_CURSOR_NULL ((sw_cursor){NULL, 0})
/* SW_CURSOR_LIT: a cursor over a string literal, without strlen. */
#define SW_CURSOR_LIT(s) ((sw_cursor){(s), sizeof(s) - 1})

/* sw_cursor_from_cstr: a cursor over a NUL-terminated string (NULL gives an
 * empty cursor). */
sw_cursor sw_cursor_from_cstr(const char *s);
/* sw_cursor_from_mem: a cursor over n bytes at p. */
sw_cursor sw_cursor_from_mem(const void *p, size_t n);
/* sw_cursor_from_buf: a cursor over a buffer's current contents. */
sw_cursor sw_cursor_from_buf(const sw_buf *b);
/* sw_cursor_eq: byte-wise equality. */
bool sw_cursor_eq(sw_cursor a, sw_cursor b);
/* sw_cursor_eq_cstr: byte-wise equality with a C string. */
bool sw_cursor_eq_cstr(sw_cursor a, const char *s);
/* sw_cursor_eq_ignore_case: ASCII case-insensitive equality. */
bool sw_cursor_eq_ignore_case(sw_cursor a, sw_cursor b);
/* sw_cursor_trim: the cursor without leading and trailing spaces/tabs. */
sw_cursor sw_cursor_trim(sw_cursor c);

/* sw_buf_reserve: makes room for `extra` more bytes plus the NUL.
 * Returns SW_OK, SW_E_NOMEM or SW_E_OVERFLOW. */
sw_result sw_buf_reserve(sw_buf *b, size_t extra);
/* sw_buf_append: appends n bytes. Returns SW_OK or SW_E_NOMEM. */
sw_result sw_buf_append(sw_buf *b, const void *p, size_t n);
/* sw_buf_append_cstr: appends a NUL-terminated string. */
sw_result sw_buf_append_cstr(sw_buf *b, const char *s);
/* sw_buf_append_cursor: appends a cursor's bytes. */
sw_result sw_buf_append_cursor(sw_buf *b, sw_cursor c);
/* sw_buf_append_byte: appends one byte. */
sw_result sw_buf_append_byte(sw_buf *b, char c);
/* sw_buf_appendf: appends printf-formatted text. */
sw_result sw_buf_appendf(sw_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* sw_buf_vappendf: va_list form of sw_buf_appendf. */
sw_result sw_buf_vappendf(sw_buf *b, const char *fmt, va_list ap);
/* sw_buf_reset: empties the buffer, keeping its memory. */
void sw_buf_reset(sw_buf *b);
/* sw_buf_free: releases the memory; the buffer is empty and reusable. */
void sw_buf_free(sw_buf *b);
/* sw_buf_wipe_free: zeroes the whole allocation, then frees it. For secrets. */
void sw_buf_wipe_free(sw_buf *b);
/* sw_buf_detach: returns the owned string (never NULL: "" for an empty
 * buffer) and leaves the buffer empty; the caller frees it. NULL on ENOMEM. */
char *sw_buf_detach(sw_buf *b);

/* sw_utf8_valid: true when the bytes are well-formed UTF-8 (RFC 3629: no
 * overlong forms, surrogates or code points past U+10FFFF; NUL is a valid
 * character, callers that refuse it check for it themselves). */
bool sw_utf8_valid(sw_cursor c);

/* sw_secure_zero: zeroes n bytes in a way the compiler may not elide. */
void sw_secure_zero(void *p, size_t n);
/* sw_strdup_cursor: a malloc'ed NUL-terminated copy of a cursor, or NULL. */
char *sw_strdup_cursor(sw_cursor c);

#endif
