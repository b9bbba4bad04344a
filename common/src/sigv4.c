/* sigv4.c - AWS Signature Version 4, header form (see sw/sigv4.h).
 *
 * The signer builds the canonical request in one pass into a buffer sized
 * up front, hashes it, builds the string to sign and MACs it with the
 * signing key, which comes from a small per-signer cache of keyed HMAC states
 * (so the four-step key derivation runs once per day/region/service).
 * Steady-state signing does no allocation: the scratch arrays and the result
 * buffers are reused.
 *
 * Where the SigV4 documents leave room (what "normalize" means, which
 * headers not to sign) this follows botocore, which the differential test
 * compares against, and the aws-c-auth conformance suite. */
#include "sw/sigv4.h"

#include <stdlib.h>
#include <string.h>

#include "sw/civil.h"
#include "sw/sha256.h"

/* Key cache size: a process signs for very few (region, service) pairs. */
#define KEY_CACHE_SLOTS 4
/* Region plus service bytes, and secret bytes, a cache slot can hold;
 * longer ones are derived on every call instead of cached. */
#define KEY_CACHE_NAMES 96
#define KEY_CACHE_SECRET 128
/* Arrays of at most this many entries are insertion-sorted (stable, no
 * call overhead); longer ones go to qsort with an index tie-break. */
#define SMALL_SORT 16

static const char ALGORITHM[] = "AWS4-HMAC-SHA256";
static const char UNSIGNED_PAYLOAD[] = "UNSIGNED-PAYLOAD";
static const char HEX_UPPER[] = "0123456789ABCDEF";

/* A cached signing key and what it was derived from. The secret itself is
 * kept to tell credentials apart: comparing it costs nothing, while hashing
 * it would add a SHA-256 block (~5%) to every signature. It lives only
 * here, next to the equally sensitive derived key, and is wiped with it. */
typedef struct key_slot {
    unsigned long stamp; /* last use; 0 = empty */
    size_t secret_len;
    char secret[KEY_CACHE_SECRET];
    char date[8];
    size_t region_len, service_len;
    char names[KEY_CACHE_NAMES]; /* region then service */
    sw_hmac_sha256_ctx key;      /* keyed with the signing key */
    /* The HMAC inner state after the string to sign's first block, which
     * holds only the algorithm, X-Amz-Date and scope: every signature made
     * in the same second shares it, saving one SHA-256 block each. */
    time_t sts_time;
    int sts_ok;
    sw_sha256_ctx sts_inner;
} key_slot;

/* One header to sign: the request's own or one the signer adds. */
typedef struct hdr_ent {
    uint64_t key; /* first 8 name bytes, lowercased, big-endian: most
                     comparisons end here */
    sw_cursor name;
    sw_cursor value;
    size_t idx; /* position, for a stable sort; once sorted, reused for
                   the offset of the lowercased name in the canonical
                   request (the SignedHeaders list copies it from there) */
} hdr_ent;

/* One query parameter: offsets of its encoded key and value in qbuf. */
typedef struct q_ent {
    size_t koff, klen, voff, vlen;
} q_ent;

struct sw_sigv4_signer {
    key_slot cache[KEY_CACHE_SLOTS];
    unsigned long clock;
    hdr_ent *hdrs;
    hdr_ent **ord; /* hdrs in canonical order (pointers sort cheaply) */
    size_t hdr_cap;
    q_ent *qs;
    size_t q_cap;
    time_t date_time; /* the time date_str was made from */
    char date_str[17];  /* its X-Amz-Date form; "" until first use */
    sw_buf path;  /* normalized path */
    sw_buf qbuf;  /* encoded query keys and values */
};

/* sw_sigv4_signer_new: allocates a zeroed signer. */
sw_result sw_sigv4_signer_new(sw_sigv4_signer **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? SW_OK : SW_E_NOMEM;
}

/* sw_sigv4_signer_free: wipes the cached keys and frees everything. */
void sw_sigv4_signer_free(sw_sigv4_signer *s)
{
    if (!s)
        return;
    free(s->hdrs);
    free(s->ord);
    free(s->qs);
    sw_buf_free(&s->path);
    sw_buf_free(&s->qbuf);
    sw_secure_zero(s, sizeof *s);
    free(s);
}

/* sw_sigv4_result_free: frees a result's buffers. */
void sw_sigv4_result_free(sw_sigv4_result *r)
{
    if (!r)
        return;
    sw_buf_free(&r->authorization);
    sw_buf_free(&r->canonical_request);
    sw_buf_free(&r->string_to_sign);
    memset(r, 0, sizeof *r);
}

/* ---- dates ---------------------------------------------------------- */

/* Largest time the YYYY form can carry: 9999-12-31T23:59:59Z. */
#define MAX_SIGV4_TIME 253402300799LL

/* put_digits: writes v as exactly n decimal digits. */
static void put_digits(char *p, unsigned long long v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* sw_sigv4_format_date: YYYYMMDDTHHMMSSZ of t; times outside 1970..9999
 * are clamped to those bounds (sw_sigv4_sign rejects them). */
void sw_sigv4_format_date(time_t t, char out[17])
{
    long long tt = (long long)t;
    if (tt < 0)
        tt = 0;
    if (tt > MAX_SIGV4_TIME)
        tt = MAX_SIGV4_TIME;
    long long days = tt / 86400, y;
    long long secs = tt % 86400;
    unsigned m, d;
    sw_civil_from_days(days, &y, &m, &d);
    put_digits(out, (unsigned long long)y, 4);
    put_digits(out + 4, m, 2);
    put_digits(out + 6, d, 2);
    out[8] = 'T';
    put_digits(out + 9, (unsigned long long)(secs / 3600), 2);
    put_digits(out + 11, (unsigned long long)(secs / 60 % 60), 2);
    put_digits(out + 13, (unsigned long long)(secs % 60), 2);
    out[15] = 'Z';
    out[16] = '\0';
}

/* get_digits: parses n decimal digits; -1 if any is not a digit. */
static long get_digits(const char *p, int n)
{
    long v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* sw_sigv4_parse_date: parses YYYYMMDDTHHMMSSZ (UTC) into *out. */
sw_result sw_sigv4_parse_date(const char *s, time_t *out)
{
    if (!s || strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
        return SW_E_INVALID;
    long y = get_digits(s, 4), mo = get_digits(s + 4, 2);
    long d = get_digits(s + 6, 2), h = get_digits(s + 9, 2);
    long mi = get_digits(s + 11, 2), se = get_digits(s + 13, 2);
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
        d > sw_days_in_month(y, (unsigned)mo) || h < 0 || h > 23 || mi < 0 ||
        mi > 59 || se < 0 || se > 59)
        return SW_E_INVALID;
    long long t = sw_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400LL +
                  h * 3600 + mi * 60 + se;
    if ((long long)(time_t)t != t)
        return SW_E_OVERFLOW;
    *out = (time_t)t;
    return SW_OK;
}

/* ---- encoding ------------------------------------------------------- */

/* is_unreserved: the bytes SigV4 never percent-encodes. */
static inline int is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

/* hex_val: the value of a hex digit, or -1. */
static inline int hex_val(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* put_encoded: writes byte c encoded (itself if unreserved, else %XX);
 * returns the new write position. */
static inline char *put_encoded(char *p, unsigned char c)
{
    if (is_unreserved(c)) {
        *p++ = (char)c;
    } else {
        p[0] = '%';
        p[1] = HEX_UPPER[c >> 4];
        p[2] = HEX_UPPER[c & 15];
        p += 3;
    }
    return p;
}

/* encode_raw: encodes every byte of in (keeping '/' if keep_slash) into p,
 * which has room for 3 * in.len bytes; returns the new position. */
static char *encode_raw(char *p, sw_cursor in, int keep_slash)
{
    for (size_t i = 0; i < in.len; i++) {
        unsigned char c = (unsigned char)in.ptr[i];
        if (c == '/' && keep_slash)
            *p++ = '/';
        else
            p = put_encoded(p, c);
    }
    return p;
}

/* decode_at: if in[i] starts a valid %XX escape, returns the byte (and
 * advances *i past it); otherwise -1. */
static inline int decode_at(sw_cursor in, size_t *i)
{
    if (in.len - *i < 3)
        return -1;
    int hi = hex_val((unsigned char)in.ptr[*i + 1]);
    int lo = hex_val((unsigned char)in.ptr[*i + 2]);
    if (hi < 0 || lo < 0)
        return -1;
    *i += 2;
    return hi << 4 | lo;
}

/* encode_decoded: decodes %XX escapes in `in` and encodes the result
 * again, so "a%2fb", "a%2Fb" and already-canonical input all end up in the
 * one canonical form. A '%' that does not start an escape is taken
 * literally when strict is 0, and is an error (returns NULL) when strict.
 * A literal '/' is kept when keep_slash; an escaped one never is. */
static char *encode_decoded(char *p, sw_cursor in, int keep_slash, int strict)
{
    for (size_t i = 0; i < in.len; i++) {
        unsigned char c = (unsigned char)in.ptr[i];
        if (c == '%') {
            int v = decode_at(in, &i);
            if (v >= 0) {
                p = put_encoded(p, (unsigned char)v);
                continue;
            }
            if (strict)
                return NULL;
        }
        if (c == '/' && keep_slash)
            *p++ = '/';
        else
            p = put_encoded(p, c);
    }
    return p;
}

/* sw_uri_encode: appends the SigV4 encoding of in. */
sw_result sw_uri_encode(sw_buf *out, sw_cursor in, int keep_slash)
{
    if (in.len > SIZE_MAX / 3)
        return SW_E_OVERFLOW;
    sw_result rc = sw_buf_reserve(out, in.len * 3);
    if (rc)
        return rc;
    char *end = encode_raw(out->ptr + out->len, in, keep_slash);
    out->len = (size_t)(end - out->ptr);
    out->ptr[out->len] = '\0';
    return SW_OK;
}

/* ---- canonical request parts ---------------------------------------- */

/* normalize_path: botocore's remove_dot_segments: drops empty and "."
 * segments, lets ".." remove the previous one, keeps a leading '/' and a
 * trailing one (unless nothing is left). Writes into s->path. */
static sw_result normalize_path(sw_sigv4_signer *s, sw_cursor path)
{
    sw_buf_reset(&s->path);
    sw_result rc = sw_buf_reserve(&s->path, path.len + 2);
    if (rc)
        return rc;
    char *base = s->path.ptr, *o = base; /* o: end of "/seg/seg" output */
    size_t i = 0;
    while (i <= path.len) {
        size_t j = i;
        while (j < path.len && path.ptr[j] != '/')
            j++;
        size_t n = j - i;
        const char *seg = path.ptr + i;
        if (n == 0 || (n == 1 && seg[0] == '.')) {
            /* nothing */
        } else if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            while (o > base && *--o != '/')
                ;
        } else {
            *o++ = '/';
            memcpy(o, seg, n);
            o += n;
        }
        i = j + 1;
    }
    int any = o > base;
    const char *start = base;
    if (path.ptr[0] != '/' && any) /* no leading slash to keep */
        start++;
    if (!any) /* nothing left: the root */
        *o++ = '/';
    else if (path.ptr[path.len - 1] == '/')
        *o++ = '/';
    s->path.len = (size_t)(o - base);
    s->path.ptr[s->path.len] = '\0';
    if (start != base) {
        memmove(base, start, s->path.len - 1);
        s->path.len--;
        s->path.ptr[s->path.len] = '\0';
    }
    return SW_OK;
}

/* q_cmp: orders query entries by encoded key, then encoded value (byte
 * order), as botocore sorts its (key, value) pairs. */
static int q_cmp(const char *b, const q_ent *x, const q_ent *y)
{
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(b + x->koff, b + y->koff, n);
    if (c || x->klen != y->klen)
        return c ? c : (x->klen < y->klen ? -1 : 1);
    n = x->vlen < y->vlen ? x->vlen : y->vlen;
    c = memcmp(b + x->voff, b + y->voff, n);
    if (c || x->vlen != y->vlen)
        return c ? c : (x->vlen < y->vlen ? -1 : 1);
    return 0;
}

/* qsort has no context argument; the query sort sets this first. A signer
 * is used by one thread at a time, but signers on other threads may sort
 * concurrently, hence thread-local. */
static _Thread_local const char *q_sort_base;

/* q_qsort_cmp: qsort adapter for q_cmp. */
static int q_qsort_cmp(const void *a, const void *b)
{
    return q_cmp(q_sort_base, a, b);
}

/* ensure_q: grows the query entry array to hold n entries. */
static sw_result ensure_q(sw_sigv4_signer *s, size_t n)
{
    if (n <= s->q_cap)
        return SW_OK;
    size_t cap = s->q_cap ? s->q_cap * 2 : 16;
    while (cap < n)
        cap *= 2;
    q_ent *q = realloc(s->qs, cap * sizeof *q);
    if (!q)
        return SW_E_NOMEM;
    s->qs = q;
    s->q_cap = cap;
    return SW_OK;
}

/* write_query: writes the canonical query string at p (room for
 * 4 * query.len + 1 bytes); *end gets the new position. Parameters split
 * on '&' (empty ones dropped), key and value decoded and re-encoded, sorted
 * by key then value, a missing '=' becomes "key=". */
static sw_result write_query(sw_sigv4_signer *s, sw_cursor query, char *p,
                             char **end)
{
    *end = p;
    if (!query.len)
        return SW_OK;
    size_t count = 1;
    for (size_t i = 0; i < query.len; i++)
        count += query.ptr[i] == '&';
    sw_result rc = ensure_q(s, count);
    if (!rc) {
        sw_buf_reset(&s->qbuf);
        rc = sw_buf_reserve(&s->qbuf, query.len * 3);
    }
    if (rc)
        return rc;
    char *qb = s->qbuf.ptr, *o = qb;
    size_t n = 0, i = 0;
    while (i <= query.len) {
        size_t j = i, eq = SIZE_MAX;
        while (j < query.len && query.ptr[j] != '&') {
            if (query.ptr[j] == '=' && eq == SIZE_MAX)
                eq = j;
            j++;
        }
        if (j > i) {
            size_t kend = eq == SIZE_MAX ? j : eq;
            q_ent *e = &s->qs[n++];
            e->koff = (size_t)(o - qb);
            o = encode_decoded(o, (sw_cursor){query.ptr + i, kend - i}, 0, 0);
            e->klen = (size_t)(o - qb) - e->koff;
            e->voff = (size_t)(o - qb);
            if (eq != SIZE_MAX)
                o = encode_decoded(o, (sw_cursor){query.ptr + eq + 1, j - eq - 1},
                                   0, 0);
            e->vlen = (size_t)(o - qb) - e->voff;
        }
        i = j + 1;
    }
    if (n <= SMALL_SORT) {
        for (size_t a = 1; a < n; a++) {
            q_ent t = s->qs[a];
            size_t b = a;
            while (b > 0 && q_cmp(qb, &s->qs[b - 1], &t) > 0) {
                s->qs[b] = s->qs[b - 1];
                b--;
            }
            s->qs[b] = t;
        }
    } else {
        q_sort_base = qb;
        qsort(s->qs, n, sizeof *s->qs, q_qsort_cmp);
    }
    for (size_t k = 0; k < n; k++) {
        const q_ent *e = &s->qs[k];
        if (k)
            *p++ = '&';
        memcpy(p, qb + e->koff, e->klen);
        p += e->klen;
        *p++ = '=';
        memcpy(p, qb + e->voff, e->vlen);
        p += e->vlen;
    }
    *end = p;
    return SW_OK;
}

/* lower: ASCII lowercase. */
static inline unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* 8-bytes-at-a-time helpers for the header loops (the canonical request
 * is mostly header bytes; a byte loop there cost as much as the hashing). */
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* load64: reads 8 bytes from p, unaligned. */
static inline uint64_t load64(const void *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* store64: writes v to 8 bytes at p, unaligned. */
static inline void store64(void *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

/* has_below: nonzero when some byte of x is below n (n <= 128). */
static inline uint64_t has_below(uint64_t x, unsigned n)
{
    return (x - ONES * n) & ~x & HIGHS;
}

/* lower64: ASCII-lowercases the 8 bytes of x. */
static inline uint64_t lower64(uint64_t x)
{
    uint64_t h = x & ~HIGHS;
    uint64_t ge_a = h + ONES * (0x80 - 'A'); /* high bit: byte >= 'A' */
    uint64_t gt_z = h + ONES * (0x7f - 'Z'); /* high bit: byte > 'Z' */
    uint64_t upper = ge_a & ~gt_z & ~x & HIGHS;
    return x | (upper >> 2);
}

/* name_cmp: compares header names case-insensitively (as lowercased
 * bytes). */
static int name_cmp(sw_cursor a, sw_cursor b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    for (size_t i = 0; i < n; i++) {
        unsigned char x = lower((unsigned char)a.ptr[i]);
        unsigned char y = lower((unsigned char)b.ptr[i]);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return a.len < b.len ? -1 : a.len > b.len;
}

/* name_key: the sort key of a header name (see hdr_ent.key). */
static uint64_t name_key(sw_cursor name)
{
    uint64_t k = 0;
    if (name.len >= 8) {
        k = lower64(load64(name.ptr));
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        k = __builtin_bswap64(k);
#endif
        return k;
    }
    for (size_t i = 0; i < 8; i++)
        k = k << 8 | (i < name.len ? lower((unsigned char)name.ptr[i]) : 0);
    return k;
}

/* same_name: true when two entries have the same name in any case. */
static inline int same_name(const hdr_ent *a, const hdr_ent *b)
{
    return a->key == b->key && name_cmp(a->name, b->name) == 0;
}

/* hdr_cmp: name order, then original position (keeps the sort stable, so
 * repeated headers join in the order they were sent). */
static int hdr_cmp(const hdr_ent *a, const hdr_ent *b)
{
    int c = a->key < b->key ? -1 : a->key > b->key;
    if (!c)
        c = name_cmp(a->name, b->name);
    return c ? c : (a->idx < b->idx ? -1 : a->idx > b->idx);
}

/* hdr_qsort_cmp: qsort adapter for hdr_cmp over an array of pointers. */
static int hdr_qsort_cmp(const void *a, const void *b)
{
    return hdr_cmp(*(hdr_ent *const *)a, *(hdr_ent *const *)b);
}

/* WS: whitespace for header values (botocore's str.split() set, ASCII
 * part): runs of these collapse to one space. A table, because this runs
 * over every header byte. */
static const unsigned char WS[256] = {
    ['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1, [' '] = 1};

/* put_trimmed: writes v without leading/trailing whitespace and with every
 * inner run of whitespace as one space; returns the new position. Copies
 * 8 bytes at a time while there is no whitespace in sight. */
static char *put_trimmed(char *p, sw_cursor v)
{
    const unsigned char *b = (const unsigned char *)v.ptr;
    size_t i = 0, n = v.len;
    while (i < n && WS[b[i]])
        i++;
    while (n > i && WS[b[n - 1]])
        n--;
    while (i < n) {
        /* Whole words with no byte <= ' ' (no whitespace) go as they are. */
        while (n - i >= 8) {
            uint64_t x = load64(b + i);
            if (has_below(x, 0x21))
                break;
            store64(p, x);
            p += 8;
            i += 8;
        }
        if (i == n)
            break;
        if (!WS[b[i]]) {
            *p++ = (char)b[i++];
            continue;
        }
        *p++ = ' ';
        while (WS[b[i]]) /* stops before n: b[n - 1] is not whitespace */
            i++;
    }
    return p;
}

/* skip_header: true for headers the signer never signs: ones it sets
 * itself, and the ones botocore leaves out because proxies and HTTP
 * libraries add or change them. */
static int skip_header(sw_cursor name, int own_token, int own_sha)
{
    switch (name.len) {
    case 6:
        return sw_cursor_eq_ignore_case(name, SW_CURSOR_LIT("expect"));
    case 10:
        return sw_cursor_eq_ignore_case(name, SW_CURSOR_LIT("x-amz-date")) ||
               sw_cursor_eq_ignore_case(name, SW_CURSOR_LIT("user-agent"));
    case 13:
        return sw_cursor_eq_ignore_case(name, SW_CURSOR_LIT("authorization"));
    case 15:
        return sw_cursor_eq_ignore_case(name,
                                        SW_CURSOR_LIT("x-amzn-trace-id"));
    case 17:
        return sw_cursor_eq_ignore_case(name,
                                        SW_CURSOR_LIT("transfer-encoding"));
    case 20:
        return (own_token && sw_cursor_eq_ignore_case(
                                 name, SW_CURSOR_LIT("x-amz-security-token"))) ||
               (own_sha && sw_cursor_eq_ignore_case(
                               name, SW_CURSOR_LIT("x-amz-content-sha256")));
    default:
        return 0;
    }
}

/* TCHAR_BITS: RFC 9110 token characters (ALPHA, DIGIT and
 * !#$%&'*+-.^_`|~), one bit per byte value. Header names must be tokens:
 * anything else, ';' above all, would make SignedHeaders ambiguous. */
static const uint64_t TCHAR_BITS[2] = {0x03ff6cfa00000000ULL,
                                       0x57ffffffc7fffffeULL};

/* valid_name_byte: 1 when c may appear in a header name. */
static inline unsigned valid_name_byte(unsigned char c)
{
    return c < 128 ? (unsigned)(TCHAR_BITS[c >> 6] >> (c & 63)) & 1 : 0;
}

/* ensure_hdrs: grows the header entry array to hold n entries. */
static sw_result ensure_hdrs(sw_sigv4_signer *s, size_t n)
{
    if (n <= s->hdr_cap)
        return SW_OK;
    size_t cap = s->hdr_cap ? s->hdr_cap * 2 : 16;
    while (cap < n)
        cap *= 2;
    hdr_ent *h = realloc(s->hdrs, cap * sizeof *h);
    if (!h)
        return SW_E_NOMEM;
    s->hdrs = h;
    hdr_ent **o = realloc(s->ord, cap * sizeof *o);
    if (!o)
        return SW_E_NOMEM; /* hdr_cap unchanged: the next call retries */
    s->ord = o;
    s->hdr_cap = cap;
    return SW_OK;
}

/* ---- signing key ---------------------------------------------------- */

/* hmac_into: out = HMAC(key, data). */
static void hmac_into(const uint8_t *key, size_t keylen, sw_cursor data,
                      uint8_t out[SW_SHA256_LEN])
{
    sw_hmac_sha256(key, keylen, data.ptr, data.len, out);
}

/* derive_key: keys *ctx with the SigV4 signing key for (secret, date,
 * region, service): HMAC chain "AWS4"+secret -> date -> region -> service
 * -> "aws4_request". */
static void derive_key(sw_cursor secret, const char date[8], sw_cursor region,
                       sw_cursor service, sw_hmac_sha256_ctx *ctx)
{
    uint8_t k[SW_SHA256_LEN];
    sw_hmac_sha256_ctx h;
    /* HMAC hashes keys longer than a block; do that by hand so "AWS4" and
     * the secret need not be copied into one buffer. */
    uint8_t kbuf[SW_SHA256_BLOCK];
    size_t klen;
    if (secret.len + 4 <= SW_SHA256_BLOCK) {
        memcpy(kbuf, "AWS4", 4);
        memcpy(kbuf + 4, secret.ptr, secret.len);
        klen = secret.len + 4;
    } else {
        sw_sha256_ctx sc;
        sw_sha256_init(&sc);
        sw_sha256_update(&sc, "AWS4", 4);
        sw_sha256_update(&sc, secret.ptr, secret.len);
        sw_sha256_final(&sc, kbuf);
        klen = SW_SHA256_LEN;
    }
    sw_hmac_sha256_init(&h, kbuf, klen);
    sw_hmac_sha256_update(&h, date, 8);
    sw_hmac_sha256_final(&h, k);
    hmac_into(k, sizeof k, region, k);
    hmac_into(k, sizeof k, service, k);
    hmac_into(k, sizeof k, SW_CURSOR_LIT("aws4_request"), k);
    sw_hmac_sha256_init(ctx, k, sizeof k);
    sw_secure_zero(kbuf, sizeof kbuf);
    sw_secure_zero(k, sizeof k);
}

/* same_bytes: memcmp(a, b, n) == 0, a word at a time (see put()). */
static int same_bytes(const void *a, const void *b, size_t n)
{
    const char *x = a, *y = b;
    uint64_t diff = 0;
    for (; n >= 8; n -= 8, x += 8, y += 8)
        diff |= load64(x) ^ load64(y);
    while (n--)
        diff |= (unsigned char)*x++ ^ (unsigned char)*y++;
    return diff == 0;
}

/* signing_key: the keyed HMAC state for this scope, from the cache or
 * derived (and cached, evicting the least recently used slot). Copies it
 * into *out; returns the cache slot, or NULL when the scope is too long to
 * cache. */
static key_slot *signing_key(sw_sigv4_signer *s, sw_cursor secret,
                             const char date[8], sw_cursor region,
                             sw_cursor service, sw_hmac_sha256_ctx *out)
{
    int cacheable = region.len + service.len <= KEY_CACHE_NAMES &&
                    secret.len <= KEY_CACHE_SECRET;
    key_slot *victim = &s->cache[0];
    for (int i = 0; cacheable && i < KEY_CACHE_SLOTS; i++) {
        key_slot *k = &s->cache[i];
        if (k->stamp && same_bytes(k->date, date, 8) &&
            k->region_len == region.len && k->service_len == service.len &&
            same_bytes(k->names, region.ptr, region.len) &&
            same_bytes(k->names + region.len, service.ptr, service.len) &&
            k->secret_len == secret.len &&
            same_bytes(k->secret, secret.ptr, secret.len)) {
            k->stamp = ++s->clock;
            *out = k->key;
            return k;
        }
        if (k->stamp < victim->stamp)
            victim = k;
    }
    derive_key(secret, date, region, service, out);
    if (cacheable) {
        victim->stamp = ++s->clock;
        victim->secret_len = secret.len;
        memcpy(victim->secret, secret.ptr, secret.len);
        memcpy(victim->date, date, 8);
        victim->region_len = region.len;
        victim->service_len = service.len;
        memcpy(victim->names, region.ptr, region.len);
        memcpy(victim->names + region.len, service.ptr, service.len);
        victim->key = *out;
        victim->sts_ok = 0;
        return victim;
    }
    return NULL;
}

/* ---- sign ----------------------------------------------------------- */

/* valid_scope_part: non-empty, no '/', no whitespace or control bytes (it
 * goes into the credential scope and the Authorization header). */
static int valid_scope_part(sw_cursor c)
{
    if (!c.len || !c.ptr)
        return 0;
    unsigned bad = 0;
    for (size_t i = 0; i < c.len; i++) {
        unsigned char b = (unsigned char)c.ptr[i];
        bad |= (b <= 0x20) | (b == 0x7f) | (b == '/') | (b == ',');
    }
    return !bad;
}

/* put: copies n bytes to p; returns the new position. A word loop, not
 * memcpy: the copies here are short, and musl's memcpy (rep movs) pays a
 * fixed start-up cost per call that showed up as ~20% of a signature. */
static inline char *put(char *p, const void *src, size_t n)
{
    const char *q = src;
    for (; n >= 8; n -= 8, p += 8, q += 8)
        store64(p, load64(q));
    while (n--)
        *p++ = *q++;
    return p;
}

#define PUT_LIT(p, s) put((p), (s), sizeof(s) - 1)

/* sw_sigv4_sign: signs one request; see sw/sigv4.h. */
sw_result sw_sigv4_sign(sw_sigv4_signer *s, const sw_sigv4_params *params,
                        const sw_sigv4_request *req, sw_sigv4_result *out)
{
    const sw_sigv4_credentials *cr = params->creds;
    if (!cr || !valid_scope_part(cr->access_key_id) ||
        !cr->secret_access_key.len || !valid_scope_part(params->region) ||
        !valid_scope_part(params->service) || !req->method.len ||
        (long long)params->time < 0 ||
        (long long)params->time > MAX_SIGV4_TIME)
        return SW_E_INVALID;
    unsigned char ctl = 0; /* no branch per byte: the loop vectorizes */
    for (size_t i = 0; i < cr->session_token.len; i++)
        ctl |= (unsigned char)cr->session_token.ptr[i] < 0x20;
    if (ctl)
        return SW_E_INVALID;
    /* Bound every length so the size arithmetic below cannot wrap. */
    const size_t lim = SIZE_MAX / 16;
    if (req->path.len > lim || req->query.len > lim ||
        req->method.len > lim || req->header_count > lim / 4)
        return SW_E_OVERFLOW;

    unsigned flags = params->flags;
    sw_buf_reset(&out->authorization);
    sw_buf_reset(&out->canonical_request);
    sw_buf_reset(&out->string_to_sign);
    out->content_sha256[0] = '\0';
    if (!s->date_str[0] || s->date_time != params->time) {
        sw_sigv4_format_date(params->time, s->date_str);
        s->date_time = params->time;
    }
    memcpy(out->amz_date, s->date_str, sizeof out->amz_date);

    /* Payload hash. */
    char payload_hex[65];
    sw_cursor phash;
    if (flags & SW_SIGV4_UNSIGNED_PAYLOAD) {
        phash = SW_CURSOR_LIT(UNSIGNED_PAYLOAD);
    } else if (req->payload_hash.len) {
        if (req->payload_hash.len > 64)
            return SW_E_INVALID;
        for (size_t i = 0; i < req->payload_hash.len; i++)
            if ((unsigned char)req->payload_hash.ptr[i] <= 0x20)
                return SW_E_INVALID;
        phash = req->payload_hash;
    } else {
        phash = (sw_cursor){payload_hex, 64};
    }
    int own_sha = (flags & SW_SIGV4_ADD_CONTENT_SHA256) != 0;
    /* The body's hash is needed before the headers only when it is one of
     * them; otherwise it is computed alongside the canonical request's
     * first blocks (see below). */
    int hash_late = phash.ptr == payload_hex && !own_sha;
    if (phash.ptr == payload_hex && own_sha) {
        uint8_t d[SW_SHA256_LEN];
        sw_sha256(req->payload.ptr, req->payload.len, d);
        sw_hex_lower(d, sizeof d, payload_hex);
    }
    if (own_sha) {
        memcpy(out->content_sha256, phash.ptr, phash.len);
        out->content_sha256[phash.len] = '\0';
    }
    int own_token = cr->session_token.len != 0;
    int sign_token = own_token && !(flags & SW_SIGV4_TOKEN_UNSIGNED);

    /* Headers to sign: the request's, minus the skipped ones, plus ours. */
    sw_result rc = ensure_hdrs(s, req->header_count + 3);
    if (rc)
        return rc;
    size_t nh = 0, hbytes = 0;
    int have_host = 0;
    for (size_t i = 0; i < req->header_count; i++) {
        const sw_sigv4_header *h = &req->headers[i];
        if (!h->name.len)
            return SW_E_INVALID;
        if (skip_header(h->name, own_token, own_sha))
            continue;
        if (h->name.len == 4 &&
            sw_cursor_eq_ignore_case(h->name, SW_CURSOR_LIT("host")))
            have_host = 1;
        if (h->name.len > lim || h->value.len > lim)
            return SW_E_OVERFLOW;
        hbytes += 2 * h->name.len + h->value.len + 3;
        s->hdrs[nh++] = (hdr_ent){name_key(h->name), h->name, h->value, i};
    }
    if (!have_host)
        return SW_E_INVALID;
    size_t idx = req->header_count;
    s->hdrs[nh++] = (hdr_ent){name_key(SW_CURSOR_LIT("x-amz-date")),
                              SW_CURSOR_LIT("x-amz-date"),
                              (sw_cursor){out->amz_date, 16}, idx++};
    hbytes += 2 * 10 + 16 + 3;
    if (sign_token) {
        s->hdrs[nh++] = (hdr_ent){name_key(SW_CURSOR_LIT("x-amz-security-token")),
                                  SW_CURSOR_LIT("x-amz-security-token"),
                                  cr->session_token, idx++};
        hbytes += 2 * 20 + cr->session_token.len + 3;
    }
    if (own_sha) {
        s->hdrs[nh++] = (hdr_ent){name_key(SW_CURSOR_LIT("x-amz-content-sha256")),
                                  SW_CURSOR_LIT("x-amz-content-sha256"),
                                  phash, idx++};
        hbytes += 2 * 20 + phash.len + 3;
    }
    hdr_ent **ord = s->ord;
    for (size_t i = 0; i < nh; i++)
        ord[i] = &s->hdrs[i];
    if (nh <= SMALL_SORT) {
        for (size_t a = 1; a < nh; a++) {
            hdr_ent *t = ord[a];
            size_t b = a;
            while (b > 0 && hdr_cmp(ord[b - 1], t) > 0) {
                ord[b] = ord[b - 1];
                b--;
            }
            ord[b] = t;
        }
    } else {
        qsort(ord, nh, sizeof *ord, hdr_qsort_cmp);
    }

    /* Path: normalized or as sent, then encoded. */
    sw_cursor path = req->path.len ? req->path : SW_CURSOR_LIT("/");
    if (!(flags & SW_SIGV4_NO_NORMALIZE_PATH)) {
        if ((rc = normalize_path(s, path)))
            return rc;
        path = sw_cursor_from_buf(&s->path);
    }

    /* Canonical request, written into one buffer sized for the worst case
     * (every byte of path and query tripled by encoding). */
    sw_buf *crb = &out->canonical_request;
    size_t need = req->method.len + 1 + 3 * path.len + 1 +
                  4 * req->query.len + 2 + hbytes + 1 + phash.len + 16;
    if ((rc = sw_buf_reserve(crb, need)))
        return rc;
    char *p = crb->ptr;
    p = put(p, req->method.ptr, req->method.len);
    *p++ = '\n';
    if (flags & SW_SIGV4_NO_DOUBLE_ENCODE) {
        p = encode_decoded(p, path, 1, 1);
        if (!p)
            return SW_E_INVALID;
    } else {
        p = encode_raw(p, path, 1);
    }
    *p++ = '\n';
    if ((rc = write_query(s, req->query, p, &p)))
        return rc;
    *p++ = '\n';
    for (size_t i = 0; i < nh; i++) {
        hdr_ent *h = ord[i];
        if (i && same_name(h, ord[i - 1])) {
            p[-1] = ','; /* replace the newline: join repeated names */
        } else {
            /* Lowercase the name into place; remember where, so the
             * signed-header list can copy it. Validity is collected, not
             * branched on, per byte. */
            unsigned bad = 0;
            h->idx = (size_t)(p - crb->ptr);
            for (size_t k = 0; k < h->name.len; k++) {
                unsigned char c = (unsigned char)h->name.ptr[k];
                bad |= !valid_name_byte(c);
                *p++ = (char)lower(c);
            }
            if (bad)
                return SW_E_INVALID;
            *p++ = ':';
        }
        p = put_trimmed(p, h->value);
        *p++ = '\n';
    }
    *p++ = '\n';
    size_t sh_off = (size_t)(p - crb->ptr);
    for (size_t i = 0; i < nh; i++) {
        const hdr_ent *h = ord[i];
        if (i && same_name(h, ord[i - 1]))
            continue;
        if (i)
            *p++ = ';';
        /* idx now holds the offset of the lowercased name (see above). */
        p = put(p, crb->ptr + h->idx, h->name.len);
    }
    size_t sh_len = (size_t)(p - crb->ptr) - sh_off;
    *p++ = '\n';

    /* Hash the canonical request. When the body's hash is still to be made
     * (it is the request's last line), both hashes run together: SHA-NI is
     * latency-bound, so the two independent streams overlap. */
    uint8_t digest[SW_SHA256_LEN];
    char hex[65];
    sw_sha256_ctx crh;
    sw_sha256_init(&crh);
    if (hash_late) {
        sw_sha256_ctx ph;
        sw_sha256_init(&ph);
        sw_sha256_update2(&crh, crb->ptr, (size_t)(p - crb->ptr), &ph,
                          req->payload.ptr, req->payload.len);
        sw_sha256_final(&ph, digest);
        sw_hex_lower(digest, sizeof digest, payload_hex);
        sw_sha256_update(&crh, payload_hex, 64);
        p = put(p, payload_hex, 64);
    } else {
        p = put(p, phash.ptr, phash.len);
        sw_sha256_update(&crh, crb->ptr, (size_t)(p - crb->ptr));
    }
    crb->len = (size_t)(p - crb->ptr);
    crb->ptr[crb->len] = '\0';
    sw_sha256_final(&crh, digest);
    sw_hex_lower(digest, sizeof digest, hex);

    /* String to sign. */
    sw_cursor region = params->region, service = params->service;
    size_t scope_len = 8 + 1 + region.len + 1 + service.len + 13;
    sw_buf *sts = &out->string_to_sign;
    if ((rc = sw_buf_reserve(sts, sizeof ALGORITHM + 17 + scope_len + 1 + 64)))
        return rc;
    p = sts->ptr;
    p = PUT_LIT(p, ALGORITHM);
    *p++ = '\n';
    p = put(p, out->amz_date, 16);
    *p++ = '\n';
    char *scope = p;
    p = put(p, out->amz_date, 8);
    *p++ = '/';
    p = put(p, region.ptr, region.len);
    *p++ = '/';
    p = put(p, service.ptr, service.len);
    p = PUT_LIT(p, "/aws4_request");
    *p++ = '\n';
    p = put(p, hex, 64);
    sts->len = (size_t)(p - sts->ptr);
    sts->ptr[sts->len] = '\0';

    /* Signature. */
    sw_hmac_sha256_ctx mac;
    key_slot *slot = signing_key(s, cr->secret_access_key, out->amz_date,
                                 region, service, &mac);
    size_t sts_fixed = (size_t)(scope - sts->ptr) + scope_len + 1;
    if (slot && sts_fixed >= SW_SHA256_BLOCK) {
        /* The first block is the same for the whole second: reuse it. */
        if (slot->sts_ok && slot->sts_time == params->time) {
            mac.inner = slot->sts_inner;
        } else {
            sw_hmac_sha256_update(&mac, sts->ptr, SW_SHA256_BLOCK);
            slot->sts_inner = mac.inner;
            slot->sts_time = params->time;
            slot->sts_ok = 1;
        }
        sw_hmac_sha256_update(&mac, sts->ptr + SW_SHA256_BLOCK,
                              sts->len - SW_SHA256_BLOCK);
    } else {
        sw_hmac_sha256_update(&mac, sts->ptr, sts->len);
    }
    sw_hmac_sha256_final(&mac, digest);
    sw_hex_lower(digest, sizeof digest, hex);

    /* Authorization. */
    static const char cred[] = " Credential=";
    static const char shp[] = ", SignedHeaders=";
    static const char sigp[] = ", Signature=";
    sw_buf *az = &out->authorization;
    if ((rc = sw_buf_reserve(az, sizeof ALGORITHM + sizeof cred +
                                     cr->access_key_id.len + 1 + scope_len +
                                     sizeof shp + sh_len + sizeof sigp + 64)))
        return rc;
    p = az->ptr;
    p = PUT_LIT(p, ALGORITHM);
    p = PUT_LIT(p, cred);
    p = put(p, cr->access_key_id.ptr, cr->access_key_id.len);
    *p++ = '/';
    p = put(p, scope, scope_len);
    p = PUT_LIT(p, shp);
    p = put(p, crb->ptr + sh_off, sh_len);
    p = PUT_LIT(p, sigp);
    p = put(p, hex, 64);
    az->len = (size_t)(p - az->ptr);
    az->ptr[az->len] = '\0';
    return SW_OK;
}
