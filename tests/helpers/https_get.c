/*
 * https_get - fetch one URL with the project's libcurl + mbedTLS build.
 *
 *   https_get URL [--cafile FILE] [--tls12-only]
 *
 * Prints "status N", "bytes N" (body bytes received) and "tls VERSION" (the
 * negotiated protocol, from mbedTLS) on stdout. Exit status: 0 on HTTP 200,
 * 1 on any other HTTP status, 2 when the transfer failed (curl's error text
 * on stderr), 64 on bad usage.
 *
 * Without --cafile the CA bundle is $SSL_CERT_FILE, else
 * /etc/ssl/certs/ca-certificates.crt: libcurl is built without a default CA
 * path, the program sets it at run time.
 *
 * Built twice: as a test helper (host gcc, sanitizers, build/deps/host) and
 * as a static musl release binary (build/release/bin/https_get, deps.mk).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <mbedtls/ssl.h>

/* What one transfer saw: body size and the negotiated TLS version. */
struct transfer {
    CURL *curl;
    size_t body;
    const char *tls;
};

/* Returns the TLS version mbedTLS negotiated on the transfer's connection,
 * or NULL. Only valid while the connection is attached (in a callback). */
static const char *tls_version(CURL *curl)
{
    struct curl_tlssessioninfo *info = NULL;

    if (curl_easy_getinfo(curl, CURLINFO_TLS_SSL_PTR, &info) != CURLE_OK ||
        info == NULL || info->backend != CURLSSLBACKEND_MBEDTLS ||
        info->internals == NULL)
        return NULL;
    return mbedtls_ssl_get_version((const mbedtls_ssl_context *)info->internals);
}

/* Header callback: records the TLS version on the first header line;
 * returns the number of bytes taken (all). */
static size_t on_header(char *data, size_t size, size_t nmemb, void *user)
{
    struct transfer *t = user;

    (void)data;
    if (t->tls == NULL)
        t->tls = tls_version(t->curl);
    return size * nmemb;
}

/* Body callback: counts body bytes and drops them; returns the number of
 * bytes taken (all). */
static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
    struct transfer *t = user;

    (void)data;
    t->body += size * nmemb;
    return size * nmemb;
}

/* Prints the usage line to stderr and returns the usage exit status. */
static int usage(void)
{
    fprintf(stderr, "usage: https_get URL [--cafile FILE] [--tls12-only]\n");
    return 64;
}

/* Runs one GET with the options given; returns the exit status. */
static int fetch(const char *url, const char *cafile, int tls12_only)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    struct transfer t = { 0 };
    long status = 0;
    int rc;
    CURL *curl = curl_easy_init();

    if (curl == NULL) {
        fprintf(stderr, "https_get: curl_easy_init failed\n");
        return 2;
    }
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CAINFO, cafile);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    t.curl = curl;
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
    if (tls12_only)
        curl_easy_setopt(curl, CURLOPT_SSLVERSION,
                         (long)(CURL_SSLVERSION_TLSv1_2 |
                                CURL_SSLVERSION_MAX_TLSv1_2));

    CURLcode res = curl_easy_perform(curl);
    if (res != CURLE_OK) {
        fprintf(stderr, "https_get: %s: %s%s%s\n", url,
                curl_easy_strerror(res), errbuf[0] ? ": " : "", errbuf);
        rc = 2;
    } else {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        printf("status %ld\nbytes %zu\ntls %s\n", status, t.body,
               t.tls ? t.tls : "none");
        rc = status == 200 ? 0 : 1;
    }
    curl_easy_cleanup(curl);
    return rc;
}

/* Parses the command line, runs the transfer; returns the exit status. */
int main(int argc, char **argv)
{
    const char *url = NULL;
    const char *cafile = getenv("SSL_CERT_FILE");
    int tls12_only = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--cafile") == 0 && i + 1 < argc)
            cafile = argv[++i];
        else if (strcmp(argv[i], "--tls12-only") == 0)
            tls12_only = 1;
        else if (argv[i][0] != '-' && url == NULL)
            url = argv[i];
        else
            return usage();
    }
    if (url == NULL)
        return usage();
    if (cafile == NULL || cafile[0] == '\0')
        cafile = "/etc/ssl/certs/ca-certificates.crt";

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "https_get: curl_global_init failed\n");
        return 2;
    }
    int rc = fetch(url, cafile, tls12_only);
    fflush(stdout);
    curl_global_cleanup();
    return rc;
}
