/* store.c - what both stores share: job lists and page tokens. */
#include "store.h"

#include <stdlib.h>
#include <string.h>

#include "sw/sha256.h"

#define NEXT_TOKEN_MAX 2048 /* hex characters: a key of three short strings */

/* jobs_job_list_free: each job's env, then the array. */
void jobs_job_list_free(jobs_job_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        jobs_job_free(&l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

/* jobs_next_encode: prints key compactly and hex-encodes it. */
sw_result jobs_next_encode(const cJSON *key, sw_buf *out)
{
    char *json = cJSON_PrintUnformatted(key);
    if (!json)
        return SW_E_NOMEM;
    size_t n = strlen(json);
    sw_result rc = sw_buf_reserve(out, 2 * n);
    if (rc == SW_OK) {
        sw_hex_lower((const uint8_t *)json, n, out->ptr + out->len);
        out->len += 2 * n;
    }
    free(json);
    return rc;
}

/* hexval: the value of one hex digit (lower case), -1 otherwise. */
static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* jobs_next_decode: hex -> bytes -> JSON object. */
cJSON *jobs_next_decode(const char *token)
{
    size_t n = strlen(token);
    if (n == 0 || n % 2 || n > NEXT_TOKEN_MAX)
        return NULL;
    char raw[NEXT_TOKEN_MAX / 2 + 1];
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(token[2 * i]), lo = hexval(token[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return NULL;
        raw[i] = (char)(hi * 16 + lo);
    }
    raw[n / 2] = '\0';
    if (!sw_utf8_valid(sw_cursor_from_mem(raw, n / 2)) ||
        strlen(raw) != n / 2)
        return NULL;
    cJSON *v = cJSON_ParseWithOpts(raw, NULL, 1);
    if (v && !cJSON_IsObject(v)) {
        cJSON_Delete(v);
        v = NULL;
    }
    return v;
}
