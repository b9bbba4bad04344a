/* tls_ca.c - the CA bundle, parsed once per process and shared by every
 * TLS connection.
 *
 * Left to itself, libcurl's mbedTLS backend parses CURLOPT_CAINFO again for
 * every connection: ~11 ms of CPU and ~0.5 MiB for Debian's 142-certificate
 * bundle, most of it in mbedTLS's constant-time base64 decoder (built for
 * secret keys; certificates are public). A worker that opens five
 * connections paid that five times. Here the bundle is decoded with a plain
 * table-driven base64 decoder, each certificate handed to mbedTLS as DER,
 * and the chain installed on each connection's mbedtls_ssl_config through
 * CURLOPT_SSL_CTX_FUNCTION. Chains live until the process exits. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "http_internal.h"
#include "sw/buf.h"

/* One parsed bundle per path; a process rarely uses more than one. */
typedef struct ca_entry {
    struct ca_entry *next;
    char *path;
    mbedtls_x509_crt chain;
} ca_entry;

static pthread_mutex_t ca_lock = PTHREAD_MUTEX_INITIALIZER;
static ca_entry *ca_list;

/* b64_value: the 6-bit value of a base64 digit, or -1. */
static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* b64_decode: decodes base64 text (whitespace skipped, '=' ends it) into
 * out, which has room for len * 3 / 4 bytes. Returns the byte count, or -1
 * on a character that is not base64. Not constant-time: for public data. */
static long b64_decode(const char *in, size_t len, unsigned char *out)
{
    unsigned long acc = 0;
    int bits = 0;
    long n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            continue;
        if (c == '=')
            break;
        int v = b64_value(c);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (unsigned long)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
        }
    }
    return n;
}

/* find: the first occurrence of the n-byte needle in [p, stop), or NULL
 * (memmem is a GNU extension). */
static const char *find(const char *p, const char *stop, const char *needle,
                        size_t n)
{
    for (; (size_t)(stop - p) >= n; p++) {
        p = memchr(p, needle[0], (size_t)(stop - p) - n + 1);
        if (!p)
            return NULL;
        if (memcmp(p, needle, n) == 0)
            return p;
    }
    return NULL;
}

/* parse_bundle: adds every PEM certificate in text to chain. A certificate
 * mbedTLS rejects is skipped, as mbedtls_x509_crt_parse does. Returns the
 * number added, or -1 on ENOMEM. */
static long parse_bundle(mbedtls_x509_crt *chain, const char *text,
                         size_t len)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----";
    static const char end[] = "-----END CERTIFICATE-----";
    const char *p = text, *stop = text + len;
    long added = 0;
    unsigned char *der = NULL;
    size_t der_cap = 0;
    while (p < stop) {
        const char *b = find(p, stop, begin, sizeof begin - 1);
        if (!b)
            break;
        b += sizeof begin - 1;
        const char *e = find(b, stop, end, sizeof end - 1);
        if (!e)
            break;
        size_t need = (size_t)(e - b) / 4 * 3 + 3;
        if (need > der_cap) {
            unsigned char *d = realloc(der, need);
            if (!d) {
                free(der);
                return -1;
            }
            der = d;
            der_cap = need;
        }
        long n = b64_decode(b, (size_t)(e - b), der);
        if (n > 0 && mbedtls_x509_crt_parse_der(chain, der, (size_t)n) == 0)
            added++;
        p = e + sizeof end - 1;
    }
    free(der);
    return added;
}

/* load_entry: reads and parses the bundle at path into a new entry.
 * Returns SW_OK, SW_E_CONFIG (unreadable, or no certificate in it) with
 * err set, or SW_E_NOMEM. */
static sw_result load_entry(const char *path, ca_entry **out, char *err,
                            size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read CA bundle %s", path);
        return SW_E_CONFIG;
    }
    sw_buf text = SW_BUF_INIT;
    char chunk[16384];
    size_t got;
    sw_result rc = SW_OK;
    while (!rc && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = sw_buf_append(&text, chunk, got);
    int read_error = ferror(f);
    fclose(f);
    if (rc) {
        sw_buf_free(&text);
        return rc;
    }
    if (read_error) {
        sw_buf_free(&text);
        snprintf(err, errlen, "cannot read CA bundle %s", path);
        return SW_E_CONFIG;
    }
    ca_entry *e = calloc(1, sizeof *e);
    if (!e || !(e->path = strdup(path))) {
        free(e);
        sw_buf_free(&text);
        return SW_E_NOMEM;
    }
    mbedtls_x509_crt_init(&e->chain);
    long added = parse_bundle(&e->chain, text.ptr ? text.ptr : "", text.len);
    /* A lone DER certificate is a bundle too. */
    if (added == 0 && text.len &&
        mbedtls_x509_crt_parse_der(&e->chain, (const unsigned char *)text.ptr,
                                   text.len) == 0)
        added = 1;
    sw_buf_free(&text);
    if (added <= 0) {
        mbedtls_x509_crt_free(&e->chain);
        free(e->path);
        free(e);
        if (added < 0)
            return SW_E_NOMEM;
        snprintf(err, errlen, "no usable certificate in CA bundle %s", path);
        return SW_E_CONFIG;
    }
    *out = e;
    return SW_OK;
}

/* ca_chain: the parsed bundle at path, loaded on first use and kept.
 * Returns SW_OK, SW_E_CONFIG with err set, or SW_E_NOMEM. */
static sw_result ca_chain(const char *path, mbedtls_x509_crt **chain,
                          char *err, size_t errlen)
{
    sw_result rc = SW_OK;
    ca_entry *e;
    pthread_mutex_lock(&ca_lock);
    for (e = ca_list; e; e = e->next)
        if (strcmp(e->path, path) == 0)
            break;
    if (!e && (rc = load_entry(path, &e, err, errlen)) == SW_OK) {
        e->next = ca_list;
        ca_list = e;
    }
    pthread_mutex_unlock(&ca_lock);
    if (rc == SW_OK)
        *chain = &e->chain;
    return rc;
}

/* install_ca: CURLOPT_SSL_CTX_FUNCTION callback: makes the connection's
 * mbedTLS configuration trust the shared chain (userptr). libcurl calls it
 * after its own CA set-up, so this one wins. */
static CURLcode install_ca(CURL *curl, void *ssl_ctx, void *userptr)
{
    (void)curl;
    mbedtls_ssl_conf_ca_chain((mbedtls_ssl_config *)ssl_ctx,
                              (mbedtls_x509_crt *)userptr, NULL);
    return CURLE_OK;
}

/* sw_http__use_ca: loads (once) and installs the shared chain on an easy
 * handle (see http_internal.h). */
sw_result sw_http__use_ca(void *easy, const char *path, char *err,
                          size_t errlen)
{
    mbedtls_x509_crt *chain = NULL;
    sw_result rc = ca_chain(path, &chain, err, errlen);
    if (rc != SW_OK)
        return rc;
    if (curl_easy_setopt(easy, CURLOPT_CAINFO, NULL) != CURLE_OK ||
        curl_easy_setopt(easy, CURLOPT_SSL_CTX_FUNCTION, install_ca) !=
            CURLE_OK ||
        curl_easy_setopt(easy, CURLOPT_SSL_CTX_DATA, chain) != CURLE_OK)
        return SW_E_NOMEM;
    return SW_OK;
}
