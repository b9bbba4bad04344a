/* sha256.c - SHA-256 and HMAC-SHA-256 (see sw/sha256.h).
 *
 * Two block functions compute the same thing: a portable C one (FIPS 180-4)
 * and one built on the x86 SHA extensions (SHA-NI), picked once at run time
 * from CPUID. SigV4 signing spends most of its time here, and SHA-NI is about
 * four times faster than the portable code on the CPUs that have it.
 * SW_SHA256_PORTABLE=1 in the environment (or sw_sha256_force_portable())
 * forces the portable code, so tests can check both. */
#include "sw/sha256.h"

#include <stdlib.h>
#include <string.h>

#include "sw/buf.h"

#if defined(__x86_64__) || defined(__i386__)
#define SW_SHA256_HAVE_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static const uint32_t H256[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
                                 0xa54ff53a, 0x510e527f, 0x9b05688c,
                                 0x1f83d9ab, 0x5be0cd19};

typedef void (*sha256_blocks_fn)(uint32_t state[8], const uint8_t *data,
                                 size_t nblocks);

/* rotr: 32-bit rotate right. */
static inline uint32_t rotr(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

/* load_be32: reads a big-endian 32-bit word. */
static inline uint32_t load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* store_be32: writes a big-endian 32-bit word. */
static inline void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* sha256_blocks_portable: compresses nblocks 64-byte blocks into state. */
static void sha256_blocks_portable(uint32_t state[8], const uint8_t *data,
                                   size_t nblocks)
{
    uint32_t w[64];
    while (nblocks--) {
        for (int i = 0; i < 16; i++)
            w[i] = load_be32(data + 4 * i);
        for (int i = 16; i < 64; i++) {
            uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^
                          (w[i - 15] >> 3);
            uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^
                          (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
        uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
        for (int i = 0; i < 64; i++) {
            uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) +
                          ((e & f) ^ (~e & g)) + K256[i] + w[i];
            uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) +
                          ((a & b) ^ (a & c) ^ (b & c));
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
        data += SW_SHA256_BLOCK;
    }
    sw_secure_zero(w, sizeof w);
}

#ifdef SW_SHA256_HAVE_X86
/* Four rounds: add the round constants to message words w, run two
 * sha256rnds2 (each does two rounds on the low 64 bits of msg). */
#define SHANI_ROUNDS4(w, k)                                                  \
    do {                                                                     \
        msg = _mm_add_epi32((w), _mm_loadu_si128((const __m128i *)&K256[k])); \
        st1 = _mm_sha256rnds2_epu32(st1, st0, msg);                          \
        msg = _mm_shuffle_epi32(msg, 0x0E);                                  \
        st0 = _mm_sha256rnds2_epu32(st0, st1, msg);                          \
    } while (0)
/* Message schedule: w0 (words j-16..j-13) becomes words j..j+3 from w1
 * (j-12..), w2 (j-8..) and w3 (j-4..). */
#define SHANI_SCHED(w0, w1, w2, w3)                                          \
    (w0) = _mm_sha256msg2_epu32(                                             \
        _mm_add_epi32(_mm_sha256msg1_epu32((w0), (w1)),                      \
                      _mm_alignr_epi8((w3), (w2), 4)),                       \
        (w3))

/* sha256_blocks_shani: the SHA-NI version of sha256_blocks_portable. */
__attribute__((target("sha,sse4.1,ssse3"))) static void
sha256_blocks_shani(uint32_t state[8], const uint8_t *data, size_t nblocks)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL,
                                         0x0405060700010203ULL);
    /* The instructions want the state as ABEF / CDGH. */
    __m128i tmp = _mm_loadu_si128((const __m128i *)&state[0]);
    __m128i st1 = _mm_loadu_si128((const __m128i *)&state[4]);
    tmp = _mm_shuffle_epi32(tmp, 0xB1);
    st1 = _mm_shuffle_epi32(st1, 0x1B);
    __m128i st0 = _mm_alignr_epi8(tmp, st1, 8);
    st1 = _mm_blend_epi16(st1, tmp, 0xF0);

    while (nblocks--) {
        __m128i abef = st0, cdgh = st1, msg;
        __m128i m0 = _mm_shuffle_epi8(
            _mm_loadu_si128((const __m128i *)(data + 0)), bswap);
        __m128i m1 = _mm_shuffle_epi8(
            _mm_loadu_si128((const __m128i *)(data + 16)), bswap);
        __m128i m2 = _mm_shuffle_epi8(
            _mm_loadu_si128((const __m128i *)(data + 32)), bswap);
        __m128i m3 = _mm_shuffle_epi8(
            _mm_loadu_si128((const __m128i *)(data + 48)), bswap);
        SHANI_ROUNDS4(m0, 0);
        SHANI_ROUNDS4(m1, 4);
        SHANI_ROUNDS4(m2, 8);
        SHANI_ROUNDS4(m3, 12);
        for (int k = 16; k < 64; k += 16) {
            SHANI_SCHED(m0, m1, m2, m3);
            SHANI_ROUNDS4(m0, k);
            SHANI_SCHED(m1, m2, m3, m0);
            SHANI_ROUNDS4(m1, k + 4);
            SHANI_SCHED(m2, m3, m0, m1);
            SHANI_ROUNDS4(m2, k + 8);
            SHANI_SCHED(m3, m0, m1, m2);
            SHANI_ROUNDS4(m3, k + 12);
        }
        st0 = _mm_add_epi32(st0, abef);
        st1 = _mm_add_epi32(st1, cdgh);
        data += SW_SHA256_BLOCK;
    }

    tmp = _mm_shuffle_epi32(st0, 0x1B);
    st1 = _mm_shuffle_epi32(st1, 0xB1);
    st0 = _mm_blend_epi16(tmp, st1, 0xF0);
    st1 = _mm_alignr_epi8(st1, tmp, 8);
    _mm_storeu_si128((__m128i *)&state[0], st0);
    _mm_storeu_si128((__m128i *)&state[4], st1);
}

/* Load state into ABEF/CDGH form (see sha256_blocks_shani). */
#define SHANI_LOAD(state, s0, s1, t)                                         \
    do {                                                                     \
        (t) = _mm_shuffle_epi32(                                             \
            _mm_loadu_si128((const __m128i *)&(state)[0]), 0xB1);            \
        (s1) = _mm_shuffle_epi32(                                            \
            _mm_loadu_si128((const __m128i *)&(state)[4]), 0x1B);            \
        (s0) = _mm_alignr_epi8((t), (s1), 8);                                \
        (s1) = _mm_blend_epi16((s1), (t), 0xF0);                             \
    } while (0)
/* Store ABEF/CDGH back to the state words. */
#define SHANI_STORE(state, s0, s1, t)                                        \
    do {                                                                     \
        (t) = _mm_shuffle_epi32((s0), 0x1B);                                 \
        (s1) = _mm_shuffle_epi32((s1), 0xB1);                                \
        (s0) = _mm_blend_epi16((t), (s1), 0xF0);                             \
        (s1) = _mm_alignr_epi8((s1), (t), 8);                                \
        _mm_storeu_si128((__m128i *)&(state)[0], (s0));                      \
        _mm_storeu_si128((__m128i *)&(state)[4], (s1));                      \
    } while (0)
/* Four rounds of one stream (X = a or b) of sha256_blocks_shani_x2. */
#define SHANI_X2_ROUNDS4(X, w, k)                                            \
    do {                                                                     \
        msg##X = _mm_add_epi32((w), _mm_loadu_si128((const __m128i *)&K256[k])); \
        s1##X = _mm_sha256rnds2_epu32(s1##X, s0##X, msg##X);                 \
        msg##X = _mm_shuffle_epi32(msg##X, 0x0E);                            \
        s0##X = _mm_sha256rnds2_epu32(s0##X, s1##X, msg##X);                 \
    } while (0)
/* Four rounds of both streams, interleaved so each fills the other's
 * sha256rnds2 latency. */
#define SHANI_X2_STEP(wa, wb, k)                                             \
    do {                                                                     \
        SHANI_X2_ROUNDS4(a, wa, k);                                          \
        SHANI_X2_ROUNDS4(b, wb, k);                                          \
    } while (0)

/* sha256_blocks_shani_x2: compresses n blocks of two independent streams
 * at once. One SHA-NI block is bound by the latency of its dependent
 * sha256rnds2 chain; a second, independent chain runs in the gaps, so two
 * streams cost little more than one. */
__attribute__((target("sha,sse4.1,ssse3"))) static void
sha256_blocks_shani_x2(uint32_t sta[8], const uint8_t *da, uint32_t stb[8],
                       const uint8_t *db, size_t nblocks)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL,
                                         0x0405060700010203ULL);
    __m128i s0a, s1a, s0b, s1b, t;
    SHANI_LOAD(sta, s0a, s1a, t);
    SHANI_LOAD(stb, s0b, s1b, t);
    while (nblocks--) {
        __m128i abefa = s0a, cdgha = s1a, abefb = s0b, cdghb = s1b;
        __m128i msga, msgb;
        __m128i a0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(da + 0)), bswap);
        __m128i a1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(da + 16)), bswap);
        __m128i a2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(da + 32)), bswap);
        __m128i a3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(da + 48)), bswap);
        __m128i b0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(db + 0)), bswap);
        __m128i b1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(db + 16)), bswap);
        __m128i b2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(db + 32)), bswap);
        __m128i b3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(db + 48)), bswap);
        SHANI_X2_STEP(a0, b0, 0);
        SHANI_X2_STEP(a1, b1, 4);
        SHANI_X2_STEP(a2, b2, 8);
        SHANI_X2_STEP(a3, b3, 12);
        for (int k = 16; k < 64; k += 16) {
            SHANI_SCHED(a0, a1, a2, a3);
            SHANI_SCHED(b0, b1, b2, b3);
            SHANI_X2_STEP(a0, b0, k);
            SHANI_SCHED(a1, a2, a3, a0);
            SHANI_SCHED(b1, b2, b3, b0);
            SHANI_X2_STEP(a1, b1, k + 4);
            SHANI_SCHED(a2, a3, a0, a1);
            SHANI_SCHED(b2, b3, b0, b1);
            SHANI_X2_STEP(a2, b2, k + 8);
            SHANI_SCHED(a3, a0, a1, a2);
            SHANI_SCHED(b3, b0, b1, b2);
            SHANI_X2_STEP(a3, b3, k + 12);
        }
        s0a = _mm_add_epi32(s0a, abefa);
        s1a = _mm_add_epi32(s1a, cdgha);
        s0b = _mm_add_epi32(s0b, abefb);
        s1b = _mm_add_epi32(s1b, cdghb);
        da += SW_SHA256_BLOCK;
        db += SW_SHA256_BLOCK;
    }
    SHANI_STORE(sta, s0a, s1a, t);
    SHANI_STORE(stb, s0b, s1b, t);
}

/* cpu_has_shani: true when CPUID reports SHA, SSE4.1 and SSSE3. */
static int cpu_has_shani(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    if (!(c & (1u << 19)) || !(c & (1u << 9))) /* SSE4.1, SSSE3 */
        return 0;
    if (__get_cpuid_max(0, NULL) < 7)
        return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b & (1u << 29)) != 0; /* SHA */
}
#endif

/* The chosen block function; NULL until first use. Written with relaxed
 * atomics: racing first calls all store the same value. */
static sha256_blocks_fn g_blocks;

/* pick_blocks: the fastest block function this CPU allows, unless the
 * environment asks for the portable one. */
static sha256_blocks_fn pick_blocks(void)
{
#ifdef SW_SHA256_HAVE_X86
    const char *env = getenv("SW_SHA256_PORTABLE");
    if (!(env && env[0] == '1') && cpu_has_shani())
        return sha256_blocks_shani;
#endif
    return sha256_blocks_portable;
}

/* blocks_fn: the block function, resolved on first call. */
static inline sha256_blocks_fn blocks_fn(void)
{
    sha256_blocks_fn f = __atomic_load_n(&g_blocks, __ATOMIC_RELAXED);
    if (!f) {
        f = pick_blocks();
        __atomic_store_n(&g_blocks, f, __ATOMIC_RELAXED);
    }
    return f;
}

/* sw_sha256_force_portable: switches between the portable code (on) and the
 * best available (off) for every later call. */
void sw_sha256_force_portable(int on)
{
    __atomic_store_n(&g_blocks, on ? sha256_blocks_portable : pick_blocks(),
                     __ATOMIC_RELAXED);
}

/* sw_sha256_backend: the name of the block function in use. */
const char *sw_sha256_backend(void)
{
    return blocks_fn() == sha256_blocks_portable ? "portable" : "sha-ni";
}

/* sw_sha256_init: starts a hash. */
void sw_sha256_init(sw_sha256_ctx *ctx)
{
    memcpy(ctx->state, H256, sizeof H256);
    ctx->total = 0;
    ctx->block_len = 0;
}

/* sw_sha256_update: hashes len more bytes; whole blocks go straight from the
 * caller's memory, only the tail is buffered. */
void sw_sha256_update(sw_sha256_ctx *ctx, const void *data, size_t len)
{
    const uint8_t *p = data;
    sha256_blocks_fn f = blocks_fn();
    ctx->total += len;
    if (ctx->block_len) {
        size_t take = SW_SHA256_BLOCK - ctx->block_len;
        if (take > len)
            take = len;
        memcpy(ctx->block + ctx->block_len, p, take);
        ctx->block_len += take;
        p += take;
        len -= take;
        if (ctx->block_len < SW_SHA256_BLOCK)
            return;
        f(ctx->state, ctx->block, 1);
        ctx->block_len = 0;
    }
    if (len >= SW_SHA256_BLOCK) {
        size_t n = len / SW_SHA256_BLOCK;
        f(ctx->state, p, n);
        p += n * SW_SHA256_BLOCK;
        len -= n * SW_SHA256_BLOCK;
    }
    if (len) {
        memcpy(ctx->block, p, len);
        ctx->block_len = len;
    }
}

/* sw_sha256_update2: two independent updates; their whole blocks go
 * through the interleaved SHA-NI code when that is in use. */
void sw_sha256_update2(sw_sha256_ctx *a, const void *da, size_t la,
                       sw_sha256_ctx *b, const void *db, size_t lb)
{
#ifdef SW_SHA256_HAVE_X86
    if (blocks_fn() == sha256_blocks_shani && !a->block_len &&
        !b->block_len) {
        size_t n = (la < lb ? la : lb) / SW_SHA256_BLOCK;
        if (n) {
            sha256_blocks_shani_x2(a->state, da, b->state, db, n);
            size_t done = n * SW_SHA256_BLOCK;
            a->total += done;
            b->total += done;
            da = (const uint8_t *)da + done;
            db = (const uint8_t *)db + done;
            la -= done;
            lb -= done;
        }
    }
#endif
    sw_sha256_update(a, da, la);
    sw_sha256_update(b, db, lb);
}

/* sw_sha256_final: pads, writes the digest and wipes ctx. */
void sw_sha256_final(sw_sha256_ctx *ctx, uint8_t out[SW_SHA256_LEN])
{
    sha256_blocks_fn f = blocks_fn();
    uint64_t bits = ctx->total * 8;
    size_t n = ctx->block_len;
    ctx->block[n++] = 0x80;
    if (n > SW_SHA256_BLOCK - 8) {
        memset(ctx->block + n, 0, SW_SHA256_BLOCK - n);
        f(ctx->state, ctx->block, 1);
        n = 0;
    }
    memset(ctx->block + n, 0, SW_SHA256_BLOCK - 8 - n);
    store_be32(ctx->block + 56, (uint32_t)(bits >> 32));
    store_be32(ctx->block + 60, (uint32_t)bits);
    f(ctx->state, ctx->block, 1);
    for (int i = 0; i < 8; i++)
        store_be32(out + 4 * i, ctx->state[i]);
    sw_secure_zero(ctx, sizeof *ctx);
}

/* sw_sha256: one-shot digest. */
void sw_sha256(const void *data, size_t len, uint8_t out[SW_SHA256_LEN])
{
    sw_sha256_ctx ctx;
    sw_sha256_init(&ctx);
    sw_sha256_update(&ctx, data, len);
    sw_sha256_final(&ctx, out);
}

/* sw_hmac_sha256_init: hashes the padded key into the inner and outer
 * states once, so each message only pays for its own blocks. */
void sw_hmac_sha256_init(sw_hmac_sha256_ctx *ctx, const void *key,
                         size_t keylen)
{
    uint8_t k[SW_SHA256_BLOCK] = {0}, pad[SW_SHA256_BLOCK];
    if (keylen > SW_SHA256_BLOCK)
        sw_sha256(key, keylen, k);
    else if (keylen)
        memcpy(k, key, keylen);
    for (int i = 0; i < SW_SHA256_BLOCK; i++)
        pad[i] = k[i] ^ 0x36;
    sw_sha256_init(&ctx->inner);
    sw_sha256_update(&ctx->inner, pad, sizeof pad);
    for (int i = 0; i < SW_SHA256_BLOCK; i++)
        pad[i] = k[i] ^ 0x5c;
    sw_sha256_init(&ctx->outer);
    sw_sha256_update(&ctx->outer, pad, sizeof pad);
    sw_secure_zero(k, sizeof k);
    sw_secure_zero(pad, sizeof pad);
}

/* sw_hmac_sha256_update: feeds message bytes to the inner hash. */
void sw_hmac_sha256_update(sw_hmac_sha256_ctx *ctx, const void *data,
                           size_t len)
{
    sw_sha256_update(&ctx->inner, data, len);
}

/* sw_hmac_sha256_final: finishes inner and outer hashes; wipes ctx. */
void sw_hmac_sha256_final(sw_hmac_sha256_ctx *ctx, uint8_t out[SW_SHA256_LEN])
{
    uint8_t ih[SW_SHA256_LEN];
    sw_sha256_final(&ctx->inner, ih);
    sw_sha256_update(&ctx->outer, ih, sizeof ih);
    sw_sha256_final(&ctx->outer, out);
    sw_secure_zero(ih, sizeof ih);
}

/* sw_hmac_sha256: one-shot HMAC. */
void sw_hmac_sha256(const void *key, size_t keylen, const void *data,
                    size_t len, uint8_t out[SW_SHA256_LEN])
{
    sw_hmac_sha256_ctx ctx;
    sw_hmac_sha256_init(&ctx, key, keylen);
    sw_hmac_sha256_update(&ctx, data, len);
    sw_hmac_sha256_final(&ctx, out);
}

/* HEX_PAIRS: the two hex digits of every byte value, so hex output is one
 * 2-byte copy per byte (SigV4 hex-encodes three digests per signature). */
static const char HEX_PAIRS[513] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

/* sw_hex_lower: lowercase hex of n bytes, NUL-terminated. */
void sw_hex_lower(const uint8_t *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        memcpy(out + 2 * i, HEX_PAIRS + 2 * in[i], 2);
    out[2 * n] = '\0';
}
