/*
 * deps/mbedtls_config.h - the Mbed TLS 3.6 configuration for scratchwork.
 *
 * Installed as <prefix>/include/mbedtls/mbedtls_config.h (it replaces the
 * default one before the library is built), so the library, libcurl and our
 * code all see the same configuration: struct layouts depend on it.
 *
 * What it is for: an HTTPS client talking to AWS endpoints and public APIs.
 *   - TLS 1.2 and TLS 1.3, client side only
 *   - key exchange: ECDHE with ECDSA or RSA certificates (TLS 1.2),
 *     (EC)DHE ephemeral and PSK-ephemeral resumption (TLS 1.3);
 *     groups x25519, secp256r1, secp384r1, secp521r1
 *   - ciphers: AES-GCM and ChaCha20-Poly1305 only (no CBC, no CCM)
 *   - signatures: RSA PKCS#1 v1.5, RSA-PSS, ECDSA (verification)
 *   - hashes: SHA-256/384/512, plus SHA-1/SHA-224 so that every certificate
 *     of a system CA bundle parses
 *   - X.509: PEM/DER certificate parsing, CA file/dir loading (FS_IO)
 *   - entropy (getrandom) + CTR_DRBG, PSA crypto (needed by TLS 1.3)
 *   - threading (pthread): PSA keeps global state and the worker may run
 *     transfers on several threads
 * Not built: server side, DTLS, CBC/CCM/DES/ARIA/Camellia, DHE, static RSA
 * key exchange, PSK-only, renegotiation, CRLs, key/cert writing, net_sockets.
 */
#ifndef SCRATCHWORK_MBEDTLS_CONFIG_H
#define SCRATCHWORK_MBEDTLS_CONFIG_H

/* --- platform ----------------------------------------------------------- */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_FS_IO
#define MBEDTLS_THREADING_C
#define MBEDTLS_THREADING_PTHREAD
#define MBEDTLS_ERROR_C
#define MBEDTLS_VERSION_C

/* --- randomness --------------------------------------------------------- */
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C

/* --- symmetric crypto ----------------------------------------------------- */
#define MBEDTLS_AES_C
#define MBEDTLS_AESNI_C
#define MBEDTLS_GCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_CIPHER_C

/* --- hashes ------------------------------------------------------------- */
#define MBEDTLS_MD_C
#define MBEDTLS_SHA1_C
#define MBEDTLS_SHA224_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_HKDF_C

/* --- public key --------------------------------------------------------- */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_OID_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_PK_WRITE_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_SECP521R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C

/* --- X.509 -------------------------------------------------------------- */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT

/* --- PSA (TLS 1.3 runs on it) ------------------------------------------- */
#define MBEDTLS_PSA_CRYPTO_C

/* --- TLS ---------------------------------------------------------------- */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_ALPN
#define MBEDTLS_SSL_SESSION_TICKETS
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
#define MBEDTLS_SSL_ENCRYPT_THEN_MAC
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET

#endif /* SCRATCHWORK_MBEDTLS_CONFIG_H */
