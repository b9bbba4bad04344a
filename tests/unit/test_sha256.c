/* test_sha256.c - SHA-256 and HMAC-SHA-256 against the FIPS 180-2 and
 * RFC 4231 vectors, on both block functions (SHA-NI when the CPU has it,
 * and the portable one), one-shot against incremental over odd chunkings,
 * and long inputs against digests computed with Python's hashlib. */
#include <stdlib.h>
#include <string.h>

#include "sw/sha256.h"
#include "sw_test.h"

/* hex_of: digest of data as hex, in a static buffer. */
static const char *hex_of(const uint8_t d[SW_SHA256_LEN])
{
    static char hex[65];
    sw_hex_lower(d, SW_SHA256_LEN, hex);
    return hex;
}

/* sha_hex: one-shot SHA-256 of a string, as hex. */
static const char *sha_hex(const void *p, size_t n)
{
    uint8_t d[SW_SHA256_LEN];
    sw_sha256(p, n, d);
    return hex_of(d);
}

/* pattern: fills buf with a byte pattern depending on n and mul. */
static void pattern(uint8_t *buf, size_t n, unsigned mul, unsigned add)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)(i * mul + add);
}

/* check_fips: the FIPS 180-2 examples plus a multi-block message. */
static void check_fips(const char *backend)
{
    char what[128];
    snprintf(what, sizeof what, "%s: sha256(\"abc\")", backend);
    CHECK_EQ_STR(sha_hex("abc", 3),
                 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                 what);
    snprintf(what, sizeof what, "%s: sha256(\"\")", backend);
    CHECK_EQ_STR(sha_hex("", 0),
                 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                 what);
    const char *m2 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    snprintf(what, sizeof what, "%s: sha256(448-bit message)", backend);
    CHECK_EQ_STR(sha_hex(m2, strlen(m2)),
                 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
                 what);
    const char *m3 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                     "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    snprintf(what, sizeof what, "%s: sha256(896-bit message)", backend);
    CHECK_EQ_STR(sha_hex(m3, strlen(m3)),
                 "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
                 what);

    /* One million 'a', fed in 997-byte pieces. */
    char chunk[997];
    memset(chunk, 'a', sizeof chunk);
    sw_sha256_ctx c;
    uint8_t d[SW_SHA256_LEN];
    sw_sha256_init(&c);
    size_t left = 1000000;
    while (left) {
        size_t n = left < sizeof chunk ? left : sizeof chunk;
        sw_sha256_update(&c, chunk, n);
        left -= n;
    }
    sw_sha256_final(&c, d);
    snprintf(what, sizeof what, "%s: sha256(10^6 x 'a') incremental", backend);
    CHECK_EQ_STR(hex_of(d),
                 "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
                 what);
}

/* check_lengths: every length 0..299 one-shot, and incremental with
 * chunk sizes 1, 3, 63, 64, 65 must agree; the digests chained together
 * must match the value hashlib gives. */
static void check_lengths(const char *backend)
{
    static const size_t chunks[] = {1, 3, 63, 64, 65};
    uint8_t buf[300], d[SW_SHA256_LEN], d2[SW_SHA256_LEN];
    sw_sha256_ctx all;
    int agree = 1;
    sw_sha256_init(&all);
    for (size_t n = 0; n < 300; n++) {
        pattern(buf, n, 7, (unsigned)n);
        sw_sha256(buf, n, d);
        sw_sha256_update(&all, d, sizeof d);
        for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
            sw_sha256_ctx c;
            sw_sha256_init(&c);
            for (size_t off = 0; off < n; off += chunks[k])
                sw_sha256_update(&c, buf + off,
                                 n - off < chunks[k] ? n - off : chunks[k]);
            sw_sha256_final(&c, d2);
            if (memcmp(d, d2, sizeof d) != 0)
                agree = 0;
        }
    }
    sw_sha256_final(&all, d);
    char what[128];
    snprintf(what, sizeof what,
             "%s: lengths 0..299 one-shot == incremental (5 chunkings)",
             backend);
    CHECK(agree, what);
    snprintf(what, sizeof what, "%s: lengths 0..299 match hashlib", backend);
    CHECK_EQ_STR(hex_of(d),
                 "d5238871a46ac4a1a75ac3fb19d645b0b3b9e5f35f5f720e2b240d605c6b694e",
                 what);

    size_t big = (size_t)1 << 20;
    uint8_t *b = malloc(big);
    if (!CHECK(b != NULL, "malloc 1 MiB"))
        return;
    pattern(b, big, 31, 7);
    sw_sha256(b, big, d);
    free(b);
    snprintf(what, sizeof what, "%s: 1 MiB one-shot matches hashlib", backend);
    CHECK_EQ_STR(hex_of(d),
                 "06b7bbfb7824aa03382051691630eb26de85102d1b08a81e907ec0744cd8a286",
                 what);
}

/* check_hmac: RFC 4231 cases 1-7, a reused keyed context, and a sweep of
 * key/data lengths against hashlib's hmac. */
static void check_hmac(const char *backend)
{
    uint8_t key[131], data[160], d[SW_SHA256_LEN];
    char what[128];
    struct {
        size_t keylen;
        uint8_t keyb; /* 0: key is 0x01..0x19 */
        const char *data;
        size_t datalen;
        uint8_t datab;
        const char *want;
    } v[] = {
        {20, 0x0b, "Hi There", 8, 0,
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {4, 'J', "what do ya want for nothing?", 28, 0,
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {20, 0xaa, NULL, 50, 0xdd,
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        {25, 0, NULL, 50, 0xcd,
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        {20, 0x0c, "Test With Truncation", 20, 0,
         "a3b6167473100ee06e0c796c2955552b"},
        {131, 0xaa, "Test Using Larger Than Block-Size Key - Hash Key First",
         54, 0,
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {131, 0xaa,
         "This is a test using a larger than block-size key and a larger "
         "than block-size data. The key needs to be hashed before being "
         "used by the HMAC algorithm.",
         152, 0,
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        if (v[i].keyb == 'J')
            memcpy(key, "Jefe", 4);
        else if (v[i].keyb)
            memset(key, v[i].keyb, v[i].keylen);
        else
            for (size_t k = 0; k < v[i].keylen; k++)
                key[k] = (uint8_t)(k + 1);
        if (v[i].data)
            memcpy(data, v[i].data, v[i].datalen);
        else
            memset(data, v[i].datab, v[i].datalen);
        sw_hmac_sha256(key, v[i].keylen, data, v[i].datalen, d);
        char hex[65];
        sw_hex_lower(d, sizeof d, hex);
        hex[strlen(v[i].want)] = '\0'; /* case 5 is truncated */
        snprintf(what, sizeof what, "%s: RFC 4231 case %zu", backend, i + 1);
        CHECK_EQ_STR(hex, v[i].want, what);
    }

    /* A keyed context copied and reused gives the same MAC each time. */
    sw_hmac_sha256_ctx keyed, c;
    sw_hmac_sha256_init(&keyed, "Jefe", 4);
    int same = 1;
    for (int i = 0; i < 3; i++) {
        c = keyed;
        sw_hmac_sha256_update(&c, "what do ya want ", 16);
        sw_hmac_sha256_update(&c, "for nothing?", 12);
        sw_hmac_sha256_final(&c, d);
        same &= strcmp(hex_of(d), v[1].want) == 0;
    }
    snprintf(what, sizeof what, "%s: copied keyed context reused 3 times",
             backend);
    CHECK(same, what);

    sw_sha256_ctx all;
    sw_sha256_init(&all);
    for (size_t n = 0; n < 300; n += 7) {
        uint8_t *dd = malloc(n ? n : 1);
        if (!dd)
            return;
        pattern(dd, n, 5, 1);
        size_t kl = n % 150;
        uint8_t *k = malloc(kl ? kl : 1);
        if (!k) {
            free(dd);
            return;
        }
        pattern(k, kl, 13, (unsigned)n);
        sw_hmac_sha256(k, kl, dd, n, d);
        sw_sha256_update(&all, d, sizeof d);
        free(k);
        free(dd);
    }
    sw_sha256_final(&all, d);
    snprintf(what, sizeof what, "%s: HMAC key/data sweep matches hashlib",
             backend);
    CHECK_EQ_STR(hex_of(d),
                 "9d909bac9f94f92cef852e6ee5b7c344bc042c141c7fd7001d092a5567322a63",
                 what);
}

/* check_update2: two streams hashed together equal each hashed alone, for
 * length pairs around block boundaries and with a partly filled context. */
static void check_update2(const char *backend)
{
    static const size_t lens[] = {0, 1, 55, 63, 64, 65, 127, 128, 200, 640};
    uint8_t a[700], b[700], da[SW_SHA256_LEN], db[SW_SHA256_LEN],
        wa[SW_SHA256_LEN], wb[SW_SHA256_LEN];
    pattern(a, sizeof a, 3, 1);
    pattern(b, sizeof b, 11, 5);
    int same = 1;
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
        for (size_t j = 0; j < sizeof lens / sizeof lens[0]; j++)
            for (size_t pre = 0; pre < 2; pre++) {
                sw_sha256_ctx ca, cb;
                sw_sha256_init(&ca);
                sw_sha256_init(&cb);
                if (pre) /* a buffered partial block in one context */
                    sw_sha256_update(&ca, "x", 1);
                sw_sha256_update2(&ca, a, lens[i], &cb, b, lens[j]);
                sw_sha256_final(&ca, da);
                sw_sha256_final(&cb, db);
                sw_sha256_init(&ca);
                if (pre)
                    sw_sha256_update(&ca, "x", 1);
                sw_sha256_update(&ca, a, lens[i]);
                sw_sha256_final(&ca, wa);
                sw_sha256(b, lens[j], wb);
                same &= memcmp(da, wa, 32) == 0 && memcmp(db, wb, 32) == 0;
            }
    char what[128];
    snprintf(what, sizeof what,
             "%s: update2 == two updates (200 length pairs)", backend);
    CHECK(same, what);
}

/* run_all: every check on the current backend. */
static void run_all(void)
{
    const char *b = sw_sha256_backend();
    check_fips(b);
    check_lengths(b);
    check_hmac(b);
    check_update2(b);
}

int main(void)
{
    uint8_t h[3] = {0x00, 0xab, 0xff};
    char hex[7];
    sw_hex_lower(h, 3, hex);
    CHECK_EQ_STR(hex, "00abff", "sw_hex_lower");

    const char *first = sw_sha256_backend();
    printf("# default backend: %s\n", first);
    run_all();
    sw_sha256_force_portable(1);
    CHECK_EQ_STR(sw_sha256_backend(), "portable", "force_portable(1)");
    run_all();
    sw_sha256_force_portable(0);
    const char *env = getenv("SW_SHA256_PORTABLE");
    if (env && env[0] == '1') {
        CHECK_EQ_STR(sw_sha256_backend(), "portable",
                     "SW_SHA256_PORTABLE=1 keeps the portable code");
    } else {
        CHECK_EQ_STR(sw_sha256_backend(), first,
                     "force_portable(0) restores the default backend");
    }
    return SW_TEST_DONE();
}
