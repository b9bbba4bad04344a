/* hashmap.c - open-addressing maps for bulk data (see sw/hashmap.h). */
#include "sw/hashmap.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Tables at least this big are 2 MiB aligned and offered to transparent
 * huge pages: probes land on random pages, and with 4 KiB pages nearly
 * every probe of a table of millions also misses the TLB. */
#define HUGE_MIN (4u << 20)
#define HUGE_ALIGN (2u << 20)

/* table_alloc: n bytes for a slot table (huge-page backed when large and
 * the kernel allows it), or NULL. Freed with free(). */
static void *table_alloc(size_t n)
{
    if (n < HUGE_MIN)
        return malloc(n);
    void *p = NULL;
    if (posix_memalign(&p, HUGE_ALIGN, n))
        return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, n, MADV_HUGEPAGE); /* advice only: ignore a refusal */
#endif
    return p;
}

/* mix64: a 64-bit finaliser (splitmix64), so sequential or adversarially
 * similar keys still spread over the table. Returns the hash. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* cap_for: the smallest power of two >= 2 * expect, at least 16. Returns 0
 * on overflow. */
static size_t cap_for(size_t expect)
{
    size_t cap = 16;
    while (cap / 2 < expect) {
        if (cap > SIZE_MAX / 4)
            return 0;
        cap *= 2;
    }
    return cap;
}

/* empty_vals: a value array of cap slots, all SW_MAP_EMPTY, or NULL. */
static uint32_t *empty_vals(size_t cap)
{
    uint32_t *v = malloc(cap * sizeof *v);
    if (v)
        memset(v, 0xff, cap * sizeof *v);
    return v;
}

/* id_hash: the hash of a 16-byte id. */
static uint64_t id_hash(const uint8_t key[16])
{
    uint64_t a, b;
    memcpy(&a, key, 8);
    memcpy(&b, key + 8, 8);
    return mix64(a ^ mix64(b));
}

/* id_eq: true when two 16-byte ids are equal (two word compares: musl's
 * memcmp goes byte by byte, and this is the innermost loop). */
static bool id_eq(const uint8_t a[16], const uint8_t b[16])
{
    uint64_t a0, a1, b0, b1;
    memcpy(&a0, a, 8);
    memcpy(&a1, a + 8, 8);
    memcpy(&b0, b, 8);
    memcpy(&b1, b + 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

/* The two maps with fixed-size keys (sw_idmap, sw_u64map) share one
 * implementation, written once as this template and instantiated per key
 * type, so that each keeps its own hash and compare inlined in the probe
 * loop (the innermost loop of etl-transform's joins): a core taking the key
 * size or a compare callback would not be specialised at -Os.
 *
 * MAP_DEFINE(pfx, slot_t, KEY, HASH, EQ, SETKEY) defines, for a map type
 * pfx with fields slots, cap, len over slots of slot_t (a key and a
 * uint32_t val, SW_MAP_EMPTY when free); KEY(n) declares a key parameter
 * n, HASH(k) hashes a key, EQ(a, b) compares two keys, SETKEY(dst, k)
 * stores a key in a slot:
 *   pfx_alloc(m, cap)  static: sets m to an empty table of cap slots;
 *                      returns SW_OK or SW_E_NOMEM.
 *   pfx_probe(m, key)  static: the slot holding key, or the free slot
 *                      where it belongs.
 *   pfx_grow(m)        static: doubles the table (16 at first), rehashing
 *                      every entry; returns SW_OK or SW_E_NOMEM (the map
 *                      unchanged).
 *   pfx_init, pfx_put, pfx_get, pfx_free: the public functions, see
 *                      sw/hashmap.h. */
#define MAP_DEFINE(pfx, slot_t, KEY, HASH, EQ, SETKEY)                       \
    static sw_result pfx##_alloc(pfx *m, size_t cap)                         \
    {                                                                        \
        if (!cap || cap > SIZE_MAX / sizeof(slot_t))                         \
            return SW_E_NOMEM;                                               \
        slot_t *slots = table_alloc(cap * sizeof *slots);                    \
        if (!slots)                                                          \
            return SW_E_NOMEM;                                               \
        for (size_t i = 0; i < cap; i++)                                     \
            slots[i].val = SW_MAP_EMPTY;                                     \
        m->slots = slots;                                                    \
        m->cap = cap;                                                        \
        m->len = 0;                                                          \
        return SW_OK;                                                        \
    }                                                                        \
                                                                             \
    sw_result pfx##_init(pfx *m, size_t expect)                              \
    {                                                                        \
        memset(m, 0, sizeof *m);                                             \
        return pfx##_alloc(m, cap_for(expect));                              \
    }                                                                        \
                                                                             \
    static size_t pfx##_probe(const pfx *m, KEY(key))                        \
    {                                                                        \
        size_t mask = m->cap - 1, i = (size_t)HASH(key) & mask;              \
        while (m->slots[i].val != SW_MAP_EMPTY && !EQ(m->slots[i].key, key)) \
            i = (i + 1) & mask;                                              \
        return i;                                                            \
    }                                                                        \
                                                                             \
    static sw_result pfx##_grow(pfx *m)                                      \
    {                                                                        \
        pfx old = *m;                                                        \
        if (pfx##_alloc(m, old.cap ? old.cap * 2 : 16)) {                    \
            *m = old;                                                        \
            return SW_E_NOMEM;                                               \
        }                                                                    \
        for (size_t i = 0; i < old.cap; i++) {                               \
            if (old.slots[i].val == SW_MAP_EMPTY)                            \
                continue;                                                    \
            m->slots[pfx##_probe(m, old.slots[i].key)] = old.slots[i];       \
            m->len++;                                                        \
        }                                                                    \
        free(old.slots);                                                     \
        return SW_OK;                                                        \
    }                                                                        \
                                                                             \
    sw_result pfx##_put(pfx *m, KEY(key), uint32_t val, bool *found,         \
                        uint32_t *cur)                                       \
    {                                                                        \
        if (val == SW_MAP_EMPTY)                                             \
            return SW_E_INVALID;                                             \
        if ((m->len + 1) * 2 > m->cap && pfx##_grow(m))                      \
            return SW_E_NOMEM;                                               \
        slot_t *s = &m->slots[pfx##_probe(m, key)];                          \
        bool there = s->val != SW_MAP_EMPTY;                                 \
        if (!there) {                                                        \
            SETKEY(s->key, key);                                             \
            s->val = val;                                                    \
            m->len++;                                                        \
        }                                                                    \
        if (found)                                                           \
            *found = there;                                                  \
        if (cur)                                                             \
            *cur = s->val;                                                   \
        return SW_OK;                                                        \
    }                                                                        \
                                                                             \
    uint32_t pfx##_get(const pfx *m, KEY(key))                               \
    {                                                                        \
        if (!m->cap)                                                         \
            return SW_MAP_EMPTY;                                             \
        return m->slots[pfx##_probe(m, key)].val;                            \
    }                                                                        \
                                                                             \
    void pfx##_free(pfx *m)                                                  \
    {                                                                        \
        free(m->slots);                                                      \
        memset(m, 0, sizeof *m);                                             \
    }

/* The key parts of the two instances. */
#define ID_KEY(n) const uint8_t n[16]
#define ID_SETKEY(dst, k) memcpy((dst), (k), 16)
#define U64_KEY(n) uint64_t n
#define U64_EQ(a, b) ((a) == (b))
#define U64_SETKEY(dst, k) ((dst) = (k))

MAP_DEFINE(sw_idmap, sw_idmap_slot, ID_KEY, id_hash, id_eq, ID_SETKEY)
MAP_DEFINE(sw_u64map, sw_u64map_slot, U64_KEY, mix64, U64_EQ, U64_SETKEY)

/* sw_idmap_prefetch: see sw/hashmap.h. */
void sw_idmap_prefetch(const sw_idmap *m, const uint8_t key[16])
{
    if (m->cap)
        __builtin_prefetch(&m->slots[(size_t)id_hash(key) & (m->cap - 1)]);
}

/* str_hash: FNV-1a of the bytes, finalised. */
static uint64_t str_hash(sw_cursor s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < s.len; i++) {
        h ^= (unsigned char)s.ptr[i];
        h *= 0x100000001b3ULL;
    }
    return mix64(h);
}

/* sw_strmap_str: see sw/hashmap.h. */
sw_cursor sw_strmap_str(const sw_strmap *m, uint32_t idx)
{
    if (!m->bytes.ptr) /* only empty strings so far */
        return sw_cursor_from_mem("", 0);
    return sw_cursor_from_mem(m->bytes.ptr + m->offs[idx],
                              m->offs[idx + 1] - m->offs[idx]);
}

/* strmap_slot: the slot holding s, or the free slot where it belongs. */
static size_t strmap_slot(const sw_strmap *m, sw_cursor s, uint64_t h)
{
    size_t mask = m->cap - 1, i = (size_t)h & mask;
    while (m->slots[i] != SW_MAP_EMPTY &&
           !sw_cursor_eq(sw_strmap_str(m, m->slots[i]), s))
        i = (i + 1) & mask;
    return i;
}

/* strmap_grow: doubles the slot table (16 at first). Returns SW_OK or
 * SW_E_NOMEM. */
static sw_result strmap_grow(sw_strmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 16;
    uint32_t *slots = empty_vals(cap);
    if (!slots)
        return SW_E_NOMEM;
    uint32_t *old = m->slots;
    m->slots = slots;
    m->cap = cap;
    for (uint32_t k = 0; k < m->n; k++) {
        sw_cursor s = sw_strmap_str(m, k);
        m->slots[strmap_slot(m, s, str_hash(s))] = k;
    }
    free(old);
    return SW_OK;
}

/* sw_strmap_find: see sw/hashmap.h. */
uint32_t sw_strmap_find(const sw_strmap *m, sw_cursor s)
{
    if (!m->cap)
        return SW_MAP_EMPTY;
    return m->slots[strmap_slot(m, s, str_hash(s))];
}

/* sw_strmap_intern: see sw/hashmap.h. */
sw_result sw_strmap_intern(sw_strmap *m, sw_cursor s, uint32_t *idx,
                           bool *added)
{
    if ((m->n + 1) * 2 > m->cap && strmap_grow(m))
        return SW_E_NOMEM;
    uint64_t h = str_hash(s);
    size_t i = strmap_slot(m, s, h);
    if (m->slots[i] != SW_MAP_EMPTY) {
        *idx = m->slots[i];
        if (added)
            *added = false;
        return SW_OK;
    }
    if (m->bytes.len + s.len >= UINT32_MAX || m->n + 2 >= UINT32_MAX)
        return SW_E_OVERFLOW;
    if (m->n + 2 > m->offs_cap) {
        size_t nc = m->offs_cap ? m->offs_cap * 2 : 16;
        uint32_t *o = realloc(m->offs, nc * sizeof *o);
        if (!o)
            return SW_E_NOMEM;
        if (!m->offs_cap)
            o[0] = 0;
        m->offs = o;
        m->offs_cap = nc;
    }
    if (s.len && sw_buf_append(&m->bytes, s.ptr, s.len))
        return SW_E_NOMEM;
    m->offs[m->n + 1] = (uint32_t)m->bytes.len;
    m->slots[i] = (uint32_t)m->n;
    *idx = (uint32_t)m->n++;
    if (added)
        *added = true;
    return SW_OK;
}

/* sw_strmap_free: see sw/hashmap.h. */
void sw_strmap_free(sw_strmap *m)
{
    sw_buf_free(&m->bytes);
    free(m->offs);
    free(m->slots);
    memset(m, 0, sizeof *m);
}
