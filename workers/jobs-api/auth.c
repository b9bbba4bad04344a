/* auth.c - API keys and callback tokens (see auth.h). */
#include "auth.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* is_hex64: 64 lower- or upper-case hex digits over s[0..n). */
static bool is_hex64(const char *s, size_t n)
{
    if (n != JOBS_TOKEN_HEX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
              (s[i] >= 'A' && s[i] <= 'F')))
            return false;
    return true;
}

/* add_list: the entries of a comma-separated list (spaces around entries
 * ignored, empty entries skipped); hashed when plain. */
static sw_result add_list(jobs_auth *a, const char *list, bool plain,
                          const char *var, char *why, size_t cap)
{
    int index = 0;
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        sw_cursor e = sw_cursor_trim(sw_cursor_from_mem(p, n));
        p = end ? end + 1 : p + n;
        index++;
        if (e.len == 0)
            continue;
        if (a->count == JOBS_KEYS_MAX) {
            snprintf(why, cap, "%s: more than %d keys", var, JOBS_KEYS_MAX);
            return SW_E_CONFIG;
        }
        char *dst = a->hashes[a->count];
        if (plain) {
            bool printable = e.len >= JOBS_KEY_MIN && e.len <= JOBS_KEY_MAX;
            for (size_t i = 0; printable && i < e.len; i++)
                printable = e.ptr[i] > ' ' && e.ptr[i] < 127;
            if (!printable) {
                snprintf(why, cap, "%s: entry %d is not 16 to 256 printable "
                         "characters without spaces", var, index);
                return SW_E_CONFIG;
            }
            jobs_hash_hex(e.ptr, e.len, dst);
        } else {
            if (!is_hex64(e.ptr, e.len)) {
                snprintf(why, cap, "%s: entry %d is not a hex SHA-256 "
                         "(64 digits)", var, index);
                return SW_E_CONFIG;
            }
            for (size_t i = 0; i < e.len; i++)
                dst[i] = (char)((e.ptr[i] >= 'A' && e.ptr[i] <= 'F')
                                    ? e.ptr[i] + ('a' - 'A') : e.ptr[i]);
            dst[e.len] = '\0';
        }
        a->count++;
    }
    return SW_OK;
}

/* jobs_auth_load: both lists, then "at least one key". */
sw_result jobs_auth_load(jobs_auth *a, const char *keys, const char *hashes,
                         char *why, size_t cap)
{
    memset(a, 0, sizeof *a);
    if (add_list(a, keys, true, "JOBS_API_KEYS", why, cap) ||
        add_list(a, hashes, false, "JOBS_API_KEY_HASHES", why, cap))
        return SW_E_CONFIG;
    if (a->count == 0) {
        snprintf(why, cap, "no API key: set JOBS_API_KEYS or "
                 "JOBS_API_KEY_HASHES");
        return SW_E_CONFIG;
    }
    return SW_OK;
}

/* jobs_bearer: "Bearer" + one or more spaces + a non-empty credential
 * without spaces. */
const char *jobs_bearer(const char *header)
{
    if (!header || strncasecmp(header, "Bearer ", 7) != 0)
        return NULL;
    const char *c = header + 7;
    while (*c == ' ')
        c++;
    if (!*c || strchr(c, ' ') || strlen(c) > JOBS_KEY_MAX)
        return NULL;
    return c;
}

/* jobs_auth_key_ok: hashes cred once and compares with every key. */
bool jobs_auth_key_ok(const jobs_auth *a, const char *cred)
{
    char h[JOBS_TOKEN_HEX + 1];
    jobs_hash_hex(cred, strlen(cred), h);
    bool ok = false;
    for (size_t i = 0; i < a->count; i++)
        ok |= jobs_ct_equal(h, a->hashes[i], JOBS_TOKEN_HEX);
    return ok;
}

/* jobs_token_wellformed: the shape jobs_new_token makes. */
bool jobs_token_wellformed(const char *cred)
{
    size_t n = strlen(cred);
    if (n != JOBS_TOKEN_HEX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((cred[i] >= '0' && cred[i] <= '9') ||
              (cred[i] >= 'a' && cred[i] <= 'f')))
            return false;
    return true;
}

/* jobs_token_ok: hash and compare in constant time. */
bool jobs_token_ok(const char *cred, const char *token_hash)
{
    if (strlen(token_hash) != JOBS_TOKEN_HEX)
        return false;
    char h[JOBS_TOKEN_HEX + 1];
    jobs_hash_hex(cred, strlen(cred), h);
    return jobs_ct_equal(h, token_hash, JOBS_TOKEN_HEX);
}
