/* fuzz_array_input - libFuzzer target for the array-worker's input parser
 * and result builder (workers/array-worker/input.c).
 *
 * Properties checked on every input, beyond "no crash, no sanitizer report":
 * - a rejection has a one-line reason that names the source;
 * - an accepted input's items are all strings of valid UTF-8, at most
 *   AW_ITEM_MAX bytes, and array_size is 0 or in 1..AW_ARRAY_MAX;
 * - the per-index results partition the items: over N indexes (N from the
 *   first byte) the counts add up to the item count, and each result's
 *   items are the index's share in order, with a 64-hex-digit sha256 and
 *   "bytes" equal to the item's length. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"

/* check: aborts (a libFuzzer crash) when cond is false. */
static void check(int cond)
{
    if (!cond)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long n = size ? (long)(data[0] % 7) + 1 : 1;
    aw_input in;
    char why[AW_WHY_LEN];
    why[0] = '\0';
    sw_result rc = aw_input_parse(sw_cursor_from_mem(data, size), "FUZZ", &in,
                                  why);
    if (rc) {
        check(rc == SW_E_INVALID && strncmp(why, "FUZZ: ", 6) == 0 &&
              !strchr(why, '\n'));
        return 0;
    }
    check(in.array_size == 0 ||
          (in.array_size >= 1 && in.array_size <= AW_ARRAY_MAX));
    int k = 0;
    for (const cJSON *it = in.items->child; it; it = it->next, k++) {
        check(cJSON_IsString(it));
        size_t len = strlen(it->valuestring);
        check(len <= AW_ITEM_MAX && sw_utf8_valid(sw_cursor_from_mem(it->valuestring, len)));
    }
    check(k == in.item_count);
    int total = 0;
    for (long i = 0; i < n; i++) {
        aw_job job = {.job_id = "fuzz", .index = i, .array_size = n,
                      .attempt = 1};
        cJSON *r = aw_result_build(&in, &job);
        check(r != NULL);
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(r, "items");
        int count = (int)cJSON_GetNumberValue(
            cJSON_GetObjectItemCaseSensitive(r, "count"));
        check(cJSON_GetArraySize(items) == count);
        check((count == 0) ==
              (cJSON_GetObjectItemCaseSensitive(r, "note") != NULL));
        int j = 0;
        for (const cJSON *o = items->child; o; o = o->next, j++) {
            const cJSON *src = cJSON_GetArrayItem(in.items, (int)(i + j * n));
            const char *item = cJSON_GetStringValue(
                cJSON_GetObjectItemCaseSensitive(o, "item"));
            const char *hex = cJSON_GetStringValue(
                cJSON_GetObjectItemCaseSensitive(o, "sha256"));
            check(src && item && strcmp(item, src->valuestring) == 0);
            check(hex && strlen(hex) == 64 &&
                  strspn(hex, "0123456789abcdef") == 64);
            check(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(
                      o, "bytes")) == (double)strlen(item));
        }
        total += count;
        cJSON_Delete(r);
    }
    check(total == in.item_count);
    aw_input_free(&in);
    return 0;
}
