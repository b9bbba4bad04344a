/* sw/sha256.h - SHA-256 and HMAC-SHA-256.
 *
 * Portable C with a run-time switch to the x86 SHA extensions when the CPU has
 * them (SigV4 signing is dominated by SHA-256). */
#ifndef SW_SHA256_H
#define SW_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SW_SHA256_LEN 32
#define SW_SHA256_BLOCK 64

typedef struct sw_sha256_ctx {
    uint32_t state[8];
    uint64_t total;  /* bytes hashed so far */
    uint8_t block[SW_SHA256_BLOCK];
    size_t block_len;
} sw_sha256_ctx;

typedef struct sw_hmac_sha256_ctx {
    sw_sha256_ctx inner;
    sw_sha256_ctx outer;
} sw_hmac_sha256_ctx;

/* sw_sha256_init / update / final: incremental SHA-256. final wipes ctx. */
void sw_sha256_init(sw_sha256_ctx *ctx);
void sw_sha256_update(sw_sha256_ctx *ctx, const void *data, size_t len);
void sw_sha256_final(sw_sha256_ctx *ctx, uint8_t out[SW_SHA256_LEN]);
/* sw_sha256_update2: sw_sha256_update(a, da, la) and (b, db, lb) at once.
 * A SHA-NI block is bound by instruction latency, so two independent
 * streams interleaved cost little more than one (SigV4 hashes the body and
 * the start of the canonical request this way). */
void sw_sha256_update2(sw_sha256_ctx *a, const void *da, size_t la,
                       sw_sha256_ctx *b, const void *db, size_t lb);
/* sw_sha256: one-shot SHA-256 of len bytes. */
void sw_sha256(const void *data, size_t len, uint8_t out[SW_SHA256_LEN]);

/* sw_hmac_sha256_init: keys an HMAC context (the padded key states are kept,
 * so a keyed context can be copied and reused for many messages). */
void sw_hmac_sha256_init(sw_hmac_sha256_ctx *ctx, const void *key, size_t keylen);
void sw_hmac_sha256_update(sw_hmac_sha256_ctx *ctx, const void *data, size_t len);
/* sw_hmac_sha256_final: writes the MAC and wipes ctx. */
void sw_hmac_sha256_final(sw_hmac_sha256_ctx *ctx, uint8_t out[SW_SHA256_LEN]);
/* sw_hmac_sha256: one-shot HMAC-SHA-256. */
void sw_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
                    uint8_t out[SW_SHA256_LEN]);

/* sw_hex_lower: writes 2*n lowercase hex digits and a NUL to out. */
void sw_hex_lower(const uint8_t *in, size_t n, char *out);

/* sw_sha256_backend: "sha-ni" or "portable", whichever this CPU uses. */
const char *sw_sha256_backend(void);
/* sw_sha256_force_portable: on != 0 makes every later call use the portable
 * code, 0 goes back to the fastest the CPU has. For tests and benchmarks;
 * SW_SHA256_PORTABLE=1 in the environment does the same from the start. */
void sw_sha256_force_portable(int on);

#endif
