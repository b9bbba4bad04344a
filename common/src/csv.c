/* csv.c - the streaming RFC 4180 reader and the field writer (sw/csv.h).
 *
 * Two parsers share one state:
 *   - the fast path parses whole records that lie inside the caller's chunk
 *     without copying: it visits only the "special" bytes (delimiter, quote,
 *     LF), found 64 at a time as a bit mask (SSE2 where the compiler has it,
 *     a portable word-at-a-time loop otherwise), so a field costs a few
 *     instructions whatever its length;
 *   - the slow path is a byte-at-a-time state machine that copies field
 *     bytes into the parser's buffer (runs of plain bytes in one go). It
 *     takes over for a record that the fast path cannot finish (it crosses
 *     the chunk's end, it is flawed, it hits a limit), and keeps its state
 *     from one chunk to the next.
 * The fast path never has side effects for a record it gives up on: the
 * slow path then parses that record again from its first byte, so both
 * always agree (the unit test and the fuzzer check it by feeding the same
 * input in chunks of every size).
 *
 * The slow path is the definition of the accepted language:
 *   - only a quote at the start of a field opens a quoted field; any other
 *     quote is a flaw (SW_CSV_BAD_QUOTE) and is kept as data, so one stray
 *     quote cannot swallow the rest of the file;
 *   - after a closing quote only the delimiter, LF or CRLF may follow;
 *     other bytes are a flaw and are appended to the field as data;
 *   - a CR is a line end only right before a LF (outside quotes);
 *   - an empty line (LF or CRLF alone) outside quotes is no record, but is
 *     counted in line numbers;
 *   - a record's length is its bytes without its line end; past
 *     max_record_bytes (or past max_fields fields) the record is flagged
 *     and the rest of it is parsed (quotes still count) but dropped, so
 *     the parser's memory stays bounded by the limits. */
#include "sw/csv.h"

#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__) && !defined(SW_CSV_PORTABLE)
#include <emmintrin.h>
#define SW_CSV_SSE2 1
#endif

/* The scanner's helpers are inlined even at -Os (the release build), which
 * otherwise leaves them as calls once per field. */
#if defined(__GNUC__)
#define CSV_INLINE static inline __attribute__((always_inline))
#else
#define CSV_INLINE static inline
#endif

enum {
    DEFAULT_MAX_FIELDS = 256,
    DEFAULT_MAX_RECORD = 1 << 20,
    INITIAL_FIELDS = 32
};

/* The slow path's states. */
enum {
    S_REC_START,   /* between records (nothing of the next one seen) */
    S_FIELD_START, /* after a delimiter, or the record's first byte */
    S_UNQUOTED,    /* inside an unquoted field */
    S_QUOTED,      /* inside a quoted field */
    S_QUOTE,       /* a quote inside a quoted field: "" or the closing one */
    S_CR           /* a CR outside quotes: a line end if a LF follows */
};

/* Where the CR of S_CR was seen (decides what it is when no LF follows). */
enum { CR_BLANK, CR_FIELD, CR_UNQUOTED, CR_AFTER_QUOTE };

struct sw_csv_parser {
    sw_csv_record_fn fn;
    void *ctx;
    char delim;
    size_t max_fields;
    size_t max_record;

    sw_cursor *fields; /* the record handed to the callback (reused) */
    size_t *ends;      /* slow path: end offset of each field in buf */
    size_t fields_cap;
    sw_buf buf; /* copied field bytes of the current record */

    uint64_t line;       /* current physical line, 1-based */
    uint64_t number;     /* records delivered */
    uint64_t bytes;      /* input bytes consumed */
    uint64_t rec_line;   /* slow path: line where the record began */
    uint64_t quote_line; /* line of the last opening quote */
    uint64_t error_line; /* set by a failed sw_csv_finish */

    /* Slow path state of the record in progress. */
    int state;
    int cr_ctx;
    size_t nf;        /* fields completed */
    size_t rec_bytes; /* bytes of the record so far, line end excluded */
    sw_csv_flaw flaw;
    bool dropping; /* over a limit: parse the rest, keep none of it */

    /* slow path: bytes that end a run of plain field bytes, per state */
    unsigned char stop_unquoted[256];
    unsigned char stop_quoted[256];

    unsigned bom_have; /* bytes of a BOM matched so far at the start */
    bool bom_decided;
    bool bom_seen;
    bool finished;
    sw_result stopped; /* a callback's failure, returned again */
};

/* ---- special-byte masks -------------------------------------------------- */

/* A 64-byte window of the chunk with a bit set for each delimiter, quote or
 * LF in it; bits of positions already consumed are cleared. */
typedef struct scan {
    const char *s;
    size_t n;
    size_t base; /* window start */
    uint64_t mask;
    char delim;
#ifdef SW_CSV_SSE2
    __m128i vd, vq, vl;
#else
    uint64_t wd, wq, wl; /* the three bytes repeated in a word */
#endif
} scan;

#ifndef SW_CSV_SSE2
/* zero_bytes: a word with the high bit of each byte of x that is zero (and
 * no other bit): exact, unlike the usual "has a zero" test. */
static inline uint64_t zero_bytes(uint64_t x)
{
    const uint64_t lo7 = 0x7f7f7f7f7f7f7f7fULL;
    uint64_t y = (x & lo7) + lo7;
    return ~(y | x | lo7);
}

/* load_le64: 8 bytes at p as a little-endian word (any host order). */
static inline uint64_t load_le64(const char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | (unsigned char)p[i];
    return v;
}
#endif

/* scan_mask_at: the special-byte mask of the 64 bytes at s+i (fewer at the
 * chunk's end, with no bits past it). */
CSV_INLINE uint64_t scan_mask_at(const scan *sc, size_t i)
{
    const char *s = sc->s + i;
    size_t left = sc->n - i;
    if (left >= 64) {
#ifdef SW_CSV_SSE2
        const __m128i *v = (const __m128i *)(const void *)s;
        __m128i x0 = _mm_loadu_si128(v), x1 = _mm_loadu_si128(v + 1);
        __m128i x2 = _mm_loadu_si128(v + 2), x3 = _mm_loadu_si128(v + 3);
#define SW_CSV_SPECIAL(x)                                                   \
    (uint64_t)(unsigned)_mm_movemask_epi8(_mm_or_si128(                     \
        _mm_or_si128(_mm_cmpeq_epi8(x, sc->vd), _mm_cmpeq_epi8(x, sc->vq)), \
        _mm_cmpeq_epi8(x, sc->vl)))
        return SW_CSV_SPECIAL(x0) | SW_CSV_SPECIAL(x1) << 16 |
               SW_CSV_SPECIAL(x2) << 32 | SW_CSV_SPECIAL(x3) << 48;
#undef SW_CSV_SPECIAL
#else
        uint64_t m = 0;
        for (int k = 0; k < 8; k++) {
            uint64_t w = load_le64(s + 8 * k);
            uint64_t z = zero_bytes(w ^ sc->wd) | zero_bytes(w ^ sc->wq) |
                         zero_bytes(w ^ sc->wl);
            /* gather the 8 high bits (byte j -> bit j) */
            uint64_t b = ((z >> 7) * 0x0102040810204080ULL) >> 56;
            m |= b << (8 * k);
        }
        return m;
#endif
    }
    uint64_t m = 0;
    for (size_t k = 0; k < left; k++) {
        char c = s[k];
        if (c == sc->delim || c == '"' || c == '\n')
            m |= (uint64_t)1 << k;
    }
    return m;
}

/* scan_init: a scanner over s[0..n) positioned at pos. */
static inline void scan_init(scan *sc, const char *s, size_t n, size_t pos,
                             char delim)
{
    sc->s = s;
    sc->n = n;
    sc->delim = delim;
#ifdef SW_CSV_SSE2
    sc->vd = _mm_set1_epi8(delim);
    sc->vq = _mm_set1_epi8('"');
    sc->vl = _mm_set1_epi8('\n');
#else
    sc->wd = 0x0101010101010101ULL * (unsigned char)delim;
    sc->wq = 0x0101010101010101ULL * (unsigned char)'"';
    sc->wl = 0x0101010101010101ULL * (unsigned char)'\n';
#endif
    sc->base = pos;
    sc->mask = pos < n ? scan_mask_at(sc, pos) : 0;
}

/* scan_next: the position of the next special byte not yet consumed
 * (consuming it), or n when there is none. */
CSV_INLINE size_t scan_next(scan *sc)
{
    while (sc->mask == 0) {
        sc->base += 64;
        if (sc->base >= sc->n) {
            sc->base = sc->n;
            return sc->n;
        }
        sc->mask = scan_mask_at(sc, sc->base);
    }
    size_t j = sc->base + (size_t)__builtin_ctzll(sc->mask);
    sc->mask &= sc->mask - 1;
    return j;
}

/* ---- shared helpers --------------------------------------------------------- */

/* grow_fields: doubles the field arrays, up to max_fields + 1. Returns
 * SW_OK or SW_E_NOMEM. */
static sw_result grow_fields(sw_csv_parser *p)
{
    size_t cap = p->fields_cap * 2;
    if (cap > p->max_fields + 1)
        cap = p->max_fields + 1;
    sw_cursor *f = realloc(p->fields, cap * sizeof *f);
    if (!f)
        return SW_E_NOMEM;
    p->fields = f;
    size_t *e = realloc(p->ends, cap * sizeof *e);
    if (!e)
        return SW_E_NOMEM;
    p->ends = e;
    p->fields_cap = cap;
    return SW_OK;
}

/* deliver: calls back with one record. Returns the callback's result (and
 * remembers a failure, so later calls return it too). */
static sw_result deliver(sw_csv_parser *p, size_t nf, uint64_t line,
                         sw_csv_flaw flaw)
{
    sw_csv_record rec = {p->fields, nf, line, ++p->number, flaw};
    sw_result rc = p->fn(p->ctx, &rec);
    if (rc)
        p->stopped = rc;
    return rc;
}

/* ---- slow path ------------------------------------------------------------ */

/* put: appends one field byte (nothing while dropping). Returns SW_OK or
 * SW_E_NOMEM. The buffer never holds more than max_record_bytes. */
static inline sw_result put(sw_csv_parser *p, char c)
{
    if (p->dropping)
        return SW_OK;
    if (p->buf.len + 1 >= p->buf.cap) {
        sw_result rc = sw_buf_reserve(&p->buf, 1);
        if (rc)
            return rc;
    }
    p->buf.ptr[p->buf.len++] = c;
    return SW_OK;
}

/* set_flaw: records a record's first flaw. */
static inline void set_flaw(sw_csv_parser *p, sw_csv_flaw f)
{
    if (p->flaw == SW_CSV_OK)
        p->flaw = f;
}

/* field_end: closes the current field (nothing while dropping). */
static inline void field_end(sw_csv_parser *p)
{
    if (!p->dropping)
        p->ends[p->nf++] = p->buf.len;
}

/* count: counts one record byte; past max_record_bytes the record is
 * flagged, its current field cut where it is, and the rest dropped. */
static inline void count(sw_csv_parser *p)
{
    if (++p->rec_bytes > p->max_record && !p->dropping) {
        set_flaw(p, SW_CSV_TOO_LONG);
        field_end(p);
        p->dropping = true;
    }
}

/* delimiter: a delimiter ended a field. Returns SW_OK or SW_E_NOMEM. */
static inline sw_result delimiter(sw_csv_parser *p)
{
    field_end(p);
    if (p->dropping)
        return SW_OK;
    if (p->nf >= p->max_fields) {
        set_flaw(p, SW_CSV_TOO_MANY);
        p->dropping = true;
        return SW_OK;
    }
    if (p->nf >= p->fields_cap)
        return grow_fields(p);
    return SW_OK;
}

/* rec_begin: the slow path starts a record at the current line. */
static inline void rec_begin(sw_csv_parser *p)
{
    p->rec_line = p->line;
    p->nf = 0;
    p->buf.len = 0;
    p->rec_bytes = 0;
    p->flaw = SW_CSV_OK;
    p->dropping = false;
}

/* rec_end: the slow path's record ended (its last field too): builds the
 * cursors and calls back. Returns the callback's result. */
static sw_result rec_end(sw_csv_parser *p)
{
    field_end(p);
    size_t start = 0;
    for (size_t i = 0; i < p->nf; i++) {
        p->fields[i] = (sw_cursor){p->buf.ptr + start, p->ends[i] - start};
        start = p->ends[i];
    }
    p->state = S_REC_START;
    uint64_t line = p->rec_line;
    p->line++;
    return deliver(p, p->nf, line, p->flaw);
}

/* cr_is_data: the CR of S_CR turned out to be data (no LF after it):
 * it joins the current field, which is unquoted from now on. */
static sw_result cr_is_data(sw_csv_parser *p)
{
    if (p->cr_ctx == CR_BLANK) {
        rec_begin(p);
    } else if (p->cr_ctx == CR_AFTER_QUOTE) {
        set_flaw(p, SW_CSV_BAD_QUOTE);
    }
    count(p);
    p->state = S_UNQUOTED;
    return put(p, '\r');
}

/* slow: the byte-at-a-time parser, from *pos until the record in progress
 * ends (state back at S_REC_START) or the chunk does. Returns SW_OK,
 * SW_E_NOMEM or the callback's result. */
static sw_result slow(sw_csv_parser *p, const char *s, size_t n, size_t *pos)
{
    const char delim = p->delim;
    size_t i = *pos;
    sw_result rc = SW_OK;
    while (i < n) {
        if (p->state == S_UNQUOTED || p->state == S_QUOTED) {
            /* a run of plain field bytes in one go (a field longer than a
             * chunk, small chunks), up to the record limit */
            const unsigned char *stop = p->state == S_QUOTED ? p->stop_quoted
                                                             : p->stop_unquoted;
            size_t j = i;
            while (j < n && !stop[(unsigned char)s[j]])
                j++;
            size_t r = j - i;
            if (p->dropping) {
                p->rec_bytes += r;
            } else if (r) {
                if (r > p->max_record - p->rec_bytes)
                    r = p->max_record - p->rec_bytes; /* count() cuts */
                if (r && (rc = sw_buf_append(&p->buf, s + i, r)))
                    return rc;
                p->rec_bytes += r;
            }
            i += r;
            if (r)
                continue;
        }
        char c = s[i];
        switch (p->state) {
        case S_REC_START:
            if (c == '\n') { /* an empty line: no record */
                p->line++;
                i++;
                continue;
            }
            if (c == '\r') {
                p->state = S_CR;
                p->cr_ctx = CR_BLANK;
                i++;
                continue;
            }
            rec_begin(p);
            p->state = S_FIELD_START;
            continue; /* the same byte, as a field's first */
        case S_FIELD_START:
            if (c == '"') {
                count(p);
                p->quote_line = p->line;
                p->state = S_QUOTED;
            } else if (c == delim) {
                count(p);
                rc = delimiter(p);
            } else if (c == '\n') {
                rc = rec_end(p);
                i++;
                *pos = i;
                return rc;
            } else if (c == '\r') {
                p->state = S_CR;
                p->cr_ctx = CR_FIELD;
            } else {
                count(p);
                rc = put(p, c);
                p->state = S_UNQUOTED;
            }
            break;
        case S_UNQUOTED:
            if (c == delim) {
                count(p);
                rc = delimiter(p);
                p->state = S_FIELD_START;
            } else if (c == '\n') {
                rc = rec_end(p);
                i++;
                *pos = i;
                return rc;
            } else if (c == '\r') {
                p->state = S_CR;
                p->cr_ctx = CR_UNQUOTED;
            } else {
                if (c == '"')
                    set_flaw(p, SW_CSV_BAD_QUOTE);
                count(p);
                rc = put(p, c);
            }
            break;
        case S_QUOTED:
            count(p);
            if (c == '"') {
                p->state = S_QUOTE;
            } else {
                if (c == '\n')
                    p->line++;
                rc = put(p, c);
            }
            break;
        case S_QUOTE:
            if (c == '"') { /* "" is one quote */
                count(p);
                rc = put(p, c);
                p->state = S_QUOTED;
            } else if (c == delim) {
                count(p);
                rc = delimiter(p);
                p->state = S_FIELD_START;
            } else if (c == '\n') {
                rc = rec_end(p);
                i++;
                *pos = i;
                return rc;
            } else if (c == '\r') {
                p->state = S_CR;
                p->cr_ctx = CR_AFTER_QUOTE;
            } else { /* data after the closing quote: kept, flagged */
                set_flaw(p, SW_CSV_BAD_QUOTE);
                count(p);
                rc = put(p, c);
                p->state = S_UNQUOTED;
            }
            break;
        case S_CR:
            if (c == '\n') {
                i++;
                if (p->cr_ctx == CR_BLANK) {
                    p->line++;
                    p->state = S_REC_START;
                    continue;
                }
                rc = rec_end(p);
                *pos = i;
                return rc;
            }
            rc = cr_is_data(p);
            if (rc)
                return rc;
            continue; /* this byte again, inside the unquoted field */
        }
        if (rc)
            return rc;
        i++;
    }
    *pos = i;
    return SW_OK;
}

/* ---- fast path ------------------------------------------------------------ */

/* unescape: copies a quoted field's content src[0..len) into dst with each
 * "" made one quote. Returns the bytes written. */
static size_t unescape(char *dst, const char *src, size_t len)
{
    size_t o = 0, i = 0;
    while (i < len) {
        const char *q = memchr(src + i, '"', len - i);
        size_t run = q ? (size_t)(q - (src + i)) + 1 : len - i;
        memcpy(dst + o, src + i, run);
        o += run;
        i += run + (q ? 1 : 0); /* skip the second quote of the pair */
    }
    return o;
}

/* fast: parses the complete, unflawed records that start at *pos and end
 * inside the chunk, without copying unquoted fields. Stops (with *pos at the
 * start of the record it could not finish) at the chunk's end or at a
 * record the slow path must take. Returns SW_OK, SW_E_NOMEM or the
 * callback's result. */
static sw_result fast(sw_csv_parser *p, const char *s, size_t n, size_t *pos)
{
    const char delim = p->delim;
    size_t i = *pos;
    scan sc;
    scan_init(&sc, s, n, i, delim);
    sw_cursor *f = p->fields;
    /* locals, not p->...: stores through f could alias them */
    const size_t max_fields = p->max_fields, max_record = p->max_record;
    size_t room = p->fields_cap < max_fields ? p->fields_cap : max_fields;
    while (i < n) {
        size_t rs = i; /* record start */
        size_t nf = 0, end;
        uint64_t lines = 0; /* line breaks inside quoted fields */
        bool buffered = false;
        if (s[i] == '\n' || (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')) {
            i += s[i] == '\r' ? 2 : 1; /* an empty line: no record */
            (void)scan_next(&sc);      /* its LF */
            p->line++;
            continue;
        }
        for (;;) { /* one field per turn; i is its first byte */
            if (nf >= room) {
                if (nf >= max_fields)
                    goto bail; /* a field too many: the slow path flags it */
                sw_result rc = grow_fields(p);
                if (rc)
                    return rc;
                f = p->fields;
                room = p->fields_cap < max_fields ? p->fields_cap : max_fields;
            }
            size_t j = scan_next(&sc);
            if (j >= n)
                goto bail;
            if (j == i && s[j] == '"') { /* a quoted field */
                size_t cs = i + 1;
                bool esc = false;
                for (;;) {
                    j = scan_next(&sc);
                    if (j >= n)
                        goto bail;
                    if (s[j] == '"') {
                        if (j + 1 >= n)
                            goto bail; /* "" or closing: not known yet */
                        if (s[j + 1] != '"')
                            break;
                        esc = true;
                        (void)scan_next(&sc); /* the pair's second quote */
                    } else if (s[j] == '\n') {
                        lines++;
                    }
                }
                /* closing quote at j */
                if (!esc) {
                    f[nf++] = (sw_cursor){s + cs, j - cs};
                } else {
                    if (j - rs > max_record)
                        goto bail;
                    if (!buffered) {
                        /* one reservation per record: pointers into the
                         * buffer stay valid until the callback */
                        size_t need = n - rs;
                        if (need > max_record)
                            need = max_record;
                        p->buf.len = 0;
                        if (sw_buf_reserve(&p->buf, need))
                            return SW_E_NOMEM;
                        buffered = true;
                    }
                    char *d = p->buf.ptr + p->buf.len;
                    size_t len = unescape(d, s + cs, j - cs);
                    p->buf.len += len;
                    f[nf++] = (sw_cursor){d, len};
                }
                size_t k = j + 1;
                if (k >= n)
                    goto bail;
                char c = s[k];
                if (c == delim) {
                    (void)scan_next(&sc);
                    i = k + 1;
                    continue;
                }
                if (c == '\n') {
                    (void)scan_next(&sc);
                    end = k;
                    i = k + 1;
                    break;
                }
                if (c == '\r' && k + 1 < n && s[k + 1] == '\n') {
                    (void)scan_next(&sc);
                    end = k;
                    i = k + 2;
                    break;
                }
                goto bail; /* data after the closing quote, or a CR at the end */
            }
            /* an unquoted field ends at the special byte j */
            char c = s[j];
            if (c == delim) {
                f[nf++] = (sw_cursor){s + i, j - i};
                i = j + 1;
                continue;
            }
            if (c == '"')
                goto bail; /* a stray quote */
            /* LF: a CR right before it is part of the line end */
            end = j > i && s[j - 1] == '\r' ? j - 1 : j;
            f[nf++] = (sw_cursor){s + i, end - i};
            i = j + 1;
            break;
        }
        if (end - rs > max_record)
            goto bail;
        sw_result rc = deliver(p, nf, p->line, SW_CSV_OK);
        p->line += lines + 1;
        if (rc) {
            *pos = i;
            return rc;
        }
        continue;
    bail:
        *pos = rs;
        return SW_OK;
    }
    *pos = i;
    return SW_OK;
}

/* parse: runs a chunk through the fast and slow paths. Returns SW_OK,
 * SW_E_NOMEM or the callback's result. */
static sw_result parse(sw_csv_parser *p, const char *s, size_t n)
{
    size_t i = 0;
    sw_result rc = SW_OK;
    while (i < n) {
        if (p->state != S_REC_START) {
            rc = slow(p, s, n, &i);
            if (rc || i >= n)
                break;
        }
        rc = fast(p, s, n, &i);
        if (rc || i >= n)
            break;
        /* the fast path stopped at a record it cannot take: the slow one
         * parses that record (it always consumes at least one byte) */
        rc = slow(p, s, n, &i);
        if (rc)
            break;
    }
    p->bytes += i;
    return rc;
}

/* ---- public API ------------------------------------------------------------ */

/* sw_csv_new: allocates a parser with the options' limits. Returns SW_OK,
 * SW_E_NOMEM, or SW_E_INVALID for a quote, CR or LF delimiter. */
sw_result sw_csv_new(const sw_csv_options *opt, sw_csv_record_fn fn,
                     void *ctx, sw_csv_parser **out)
{
    *out = NULL;
    char delim = opt && opt->delimiter ? opt->delimiter : ',';
    if (!fn || delim == '"' || delim == '\r' || delim == '\n')
        return SW_E_INVALID;
    sw_csv_parser *p = calloc(1, sizeof *p);
    if (!p)
        return SW_E_NOMEM;
    p->fn = fn;
    p->ctx = ctx;
    p->delim = delim;
    p->max_fields = opt && opt->max_fields ? opt->max_fields : DEFAULT_MAX_FIELDS;
    p->max_record = opt && opt->max_record_bytes ? opt->max_record_bytes
                                                 : DEFAULT_MAX_RECORD;
    if (p->max_fields > SIZE_MAX / sizeof(sw_cursor) - 1)
        p->max_fields = SIZE_MAX / sizeof(sw_cursor) - 1;
    p->fields_cap = p->max_fields + 1 < INITIAL_FIELDS ? p->max_fields + 1
                                                       : INITIAL_FIELDS;
    p->fields = malloc(p->fields_cap * sizeof *p->fields);
    p->ends = malloc(p->fields_cap * sizeof *p->ends);
    p->line = 1;
    p->state = S_REC_START;
    p->stop_unquoted[(unsigned char)delim] = 1;
    p->stop_unquoted['"'] = p->stop_unquoted['\r'] = p->stop_unquoted['\n'] = 1;
    p->stop_quoted['"'] = p->stop_quoted['\n'] = 1;
    if (!p->fields || !p->ends || sw_buf_reserve(&p->buf, 256)) {
        sw_csv_free(p);
        return SW_E_NOMEM;
    }
    *out = p;
    return SW_OK;
}

static const char bom[3] = {'\xEF', '\xBB', '\xBF'};

/* sw_csv_feed: skips a BOM at the very start (even split across chunks),
 * then parses the chunk. Returns SW_OK, SW_E_NOMEM, the callback's result
 * (or a previous one's), or SW_E_INVALID after sw_csv_finish. */
sw_result sw_csv_feed(sw_csv_parser *p, sw_cursor chunk)
{
    if (p->stopped)
        return p->stopped;
    if (p->finished)
        return SW_E_INVALID;
    const char *s = chunk.ptr;
    size_t n = chunk.len;
    if (!p->bom_decided) {
        size_t i = 0;
        while (p->bom_have < 3 && i < n && s[i] == bom[p->bom_have]) {
            p->bom_have++;
            i++;
        }
        if (p->bom_have == 3) {
            p->bom_decided = p->bom_seen = true;
            p->bytes += i;
            s += i;
            n -= i;
        } else if (i == n) { /* still a BOM's prefix: wait for more */
            p->bytes += i;
            return SW_OK;
        } else { /* not a BOM: the bytes held back are data */
            p->bom_decided = true;
            size_t held = p->bom_have - i;
            if (held) {
                p->bytes -= held;
                sw_result rc = parse(p, bom, held);
                if (rc)
                    return rc;
            }
        }
    }
    return parse(p, s, n);
}

/* sw_csv_finish: delivers a last record without a line end. Returns SW_OK,
 * SW_E_INVALID for a quote still open, or the callback's result. */
sw_result sw_csv_finish(sw_csv_parser *p)
{
    if (p->stopped)
        return p->stopped;
    if (p->finished)
        return SW_E_INVALID;
    sw_result rc = SW_OK;
    if (!p->bom_decided) {
        p->bom_decided = true;
        if (p->bom_have) {
            p->bytes -= p->bom_have;
            rc = parse(p, bom, p->bom_have);
            if (rc)
                return rc;
        }
    }
    p->finished = true;
    switch (p->state) {
    case S_REC_START:
        return SW_OK;
    case S_QUOTED:
        p->error_line = p->quote_line;
        return SW_E_INVALID;
    case S_CR:
        rc = cr_is_data(p);
        if (rc)
            return rc;
        break;
    default:
        break;
    }
    return rec_end(p);
}

/* sw_csv_error_line: the open quote's line after a failed finish, or 0. */
uint64_t sw_csv_error_line(const sw_csv_parser *p)
{
    return p->error_line;
}

/* sw_csv_bom_seen: true when the input began with a UTF-8 BOM. */
bool sw_csv_bom_seen(const sw_csv_parser *p)
{
    return p->bom_seen;
}

/* sw_csv_bytes: the input bytes consumed so far, BOM included. */
uint64_t sw_csv_bytes(const sw_csv_parser *p)
{
    return p->bytes;
}

/* sw_csv_free: frees the parser and its buffers. NULL is fine. */
void sw_csv_free(sw_csv_parser *p)
{
    if (!p)
        return;
    free(p->fields);
    free(p->ends);
    sw_buf_free(&p->buf);
    free(p);
}

/* sw_csv_flaw_text: a short static description of a flaw. */
const char *sw_csv_flaw_text(sw_csv_flaw f)
{
    switch (f) {
    case SW_CSV_OK:
        return "ok";
    case SW_CSV_BAD_QUOTE:
        return "stray quote";
    case SW_CSV_TOO_LONG:
        return "record too long";
    case SW_CSV_TOO_MANY:
        return "too many fields";
    }
    return "unknown flaw";
}

/* ---- writer ----------------------------------------------------------------- */

/* needs_quotes: true when a field must be quoted to read back as itself. */
static bool needs_quotes(sw_cursor f, char delim)
{
    if (f.len == 0)
        return false;
    if (f.ptr[0] == ' ' || f.ptr[f.len - 1] == ' ')
        return true;
    /* a BOM at the start of a file would be skipped by the reader */
    if (f.len >= 3 && memcmp(f.ptr, bom, 3) == 0)
        return true;
    for (size_t i = 0; i < f.len; i++) {
        char c = f.ptr[i];
        if (c == delim || c == '"' || c == '\r' || c == '\n')
            return true;
    }
    return false;
}

/* sw_csv_append_field: appends a field, quoted when it must be. Returns
 * SW_OK or SW_E_NOMEM. */
sw_result sw_csv_append_field(sw_buf *out, sw_cursor field, char delimiter)
{
    char delim = delimiter ? delimiter : ',';
    if (!needs_quotes(field, delim))
        return sw_buf_append(out, field.ptr, field.len);
    size_t quotes = 0;
    for (size_t i = 0; i < field.len; i++)
        quotes += field.ptr[i] == '"';
    if (field.len > SIZE_MAX - quotes - 2)
        return SW_E_NOMEM;
    sw_result rc = sw_buf_reserve(out, field.len + quotes + 2);
    if (rc)
        return rc == SW_E_OVERFLOW ? SW_E_NOMEM : rc;
    char *d = out->ptr + out->len;
    *d++ = '"';
    for (size_t i = 0; i < field.len; i++) {
        if (field.ptr[i] == '"')
            *d++ = '"';
        *d++ = field.ptr[i];
    }
    *d++ = '"';
    out->len = (size_t)(d - out->ptr);
    out->ptr[out->len] = '\0';
    return SW_OK;
}

/* sw_csv_append_record: appends fields joined by the delimiter and a LF.
 * A record of one empty field is written "" (an empty line is no record
 * to the reader). Returns SW_OK or SW_E_NOMEM. */
sw_result sw_csv_append_record(sw_buf *out, const sw_cursor *fields,
                               size_t nfields, char delimiter)
{
    char delim = delimiter ? delimiter : ',';
    sw_result rc;
    if (nfields == 1 && fields[0].len == 0) {
        rc = sw_buf_append(out, "\"\"", 2);
        return rc ? rc : sw_buf_append_byte(out, '\n');
    }
    for (size_t i = 0; i < nfields; i++) {
        if (i && (rc = sw_buf_append_byte(out, delim)))
            return rc;
        if ((rc = sw_csv_append_field(out, fields[i], delim)))
            return rc;
    }
    return sw_buf_append_byte(out, '\n');
}
