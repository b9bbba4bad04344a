/* sw/hashmap.h - compact open-addressing maps for bulk data (the ETL's
 * tables of millions of rows): no per-entry allocation, linear probing,
 * load factor at most 1/2, grown by doubling.
 *
 *   sw_idmap   16-byte binary ids (a 32-hex id parsed) -> uint32
 *   sw_u64map  uint64 keys (packed group keys)         -> uint32
 *   sw_strmap  byte strings, interned: string -> dense index 0..n-1, the
 *              bytes kept in one arena
 *
 * Values are caller data; UINT32_MAX is reserved (marks an empty slot). */
#ifndef SW_HASHMAP_H
#define SW_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/buf.h"
#include "sw/error.h"

#define SW_MAP_EMPTY UINT32_MAX

/* One slot: key and value side by side, so a probe touches one cache line
 * (lookups in tables of millions are memory-bound). */
typedef struct sw_idmap_slot {
    uint8_t key[16];
    uint32_t val; /* SW_MAP_EMPTY marks a free slot */
} sw_idmap_slot;

typedef struct sw_idmap {
    sw_idmap_slot *slots;
    size_t cap; /* a power of two, or 0 */
    size_t len;
} sw_idmap;

/* sw_idmap_init: an empty map sized for about `expect` entries. Returns
 * SW_OK or SW_E_NOMEM. */
sw_result sw_idmap_init(sw_idmap *m, size_t expect);

/* sw_idmap_put: inserts key -> val unless key is there. *found (may be
 * NULL) tells which; *cur (may be NULL) gets the value now stored (the old
 * one when found). val must not be SW_MAP_EMPTY. Returns SW_OK,
 * SW_E_NOMEM or SW_E_INVALID (val reserved). */
sw_result sw_idmap_put(sw_idmap *m, const uint8_t key[16], uint32_t val,
                       bool *found, uint32_t *cur);

/* sw_idmap_get: the value of key, or SW_MAP_EMPTY when absent. */
uint32_t sw_idmap_get(const sw_idmap *m, const uint8_t key[16]);

/* sw_idmap_prefetch: starts loading the slot where key's probe begins into
 * the cache, so a lookup a few rows later does not wait for memory. */
void sw_idmap_prefetch(const sw_idmap *m, const uint8_t key[16]);

/* sw_idmap_free: frees the map; it is empty and reusable (after init). */
void sw_idmap_free(sw_idmap *m);

typedef struct sw_u64map_slot {
    uint64_t key;
    uint32_t val; /* SW_MAP_EMPTY marks a free slot */
} sw_u64map_slot;

typedef struct sw_u64map {
    sw_u64map_slot *slots; /* iterate over cap slots, skipping free ones */
    size_t cap;
    size_t len;
} sw_u64map;

/* sw_u64map_init: as sw_idmap_init. */
sw_result sw_u64map_init(sw_u64map *m, size_t expect);
/* sw_u64map_put: as sw_idmap_put. */
sw_result sw_u64map_put(sw_u64map *m, uint64_t key, uint32_t val,
                        bool *found, uint32_t *cur);
/* sw_u64map_get: the value of key, or SW_MAP_EMPTY. */
uint32_t sw_u64map_get(const sw_u64map *m, uint64_t key);
/* sw_u64map_free: frees the map. */
void sw_u64map_free(sw_u64map *m);

typedef struct sw_strmap {
    sw_buf bytes;    /* every string, back to back */
    uint32_t *offs;  /* index -> offset in bytes (n + 1 entries used) */
    uint32_t *slots; /* index, or SW_MAP_EMPTY */
    size_t cap;      /* slots */
    size_t n;        /* strings */
    size_t offs_cap;
} sw_strmap;

/* sw_strmap_intern: the index of s, adding it (index = count so far) when
 * new. *added (may be NULL) says which. Returns SW_OK, SW_E_NOMEM, or
 * SW_E_OVERFLOW past 4 GiB of strings. */
sw_result sw_strmap_intern(sw_strmap *m, sw_cursor s, uint32_t *idx,
                           bool *added);
/* sw_strmap_find: the index of s, or SW_MAP_EMPTY. */
uint32_t sw_strmap_find(const sw_strmap *m, sw_cursor s);
/* sw_strmap_str: the string at idx (< sw_strmap count), valid until the
 * next intern. */
sw_cursor sw_strmap_str(const sw_strmap *m, uint32_t idx);
/* sw_strmap_free: frees everything; a zeroed sw_strmap is a valid empty
 * map. */
void sw_strmap_free(sw_strmap *m);

#endif
