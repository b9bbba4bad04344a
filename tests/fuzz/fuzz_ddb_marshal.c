/* fuzz_ddb_marshal.c - libFuzzer target for the attribute-value marshalling
 * and number handling in common/src/dynamodb.c.
 *
 * Input: any bytes. As JSON, it is unmarshalled (as a value and as an item)
 * and marshalled; as text, it is offered to sw_ddb_number. Properties
 * checked (abort on violation, so the fuzzer reports it):
 *   - marshal(x) succeeds => unmarshal(marshal(x)) equals x;
 *   - unmarshal(av) succeeds => marshal(unmarshal(av)) succeeds;
 *   - sw_ddb_number(s) succeeds => its N text is s, and unmarshal of it
 *     succeeds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sw/dynamodb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check: aborts (the fuzzer reports it) when a property fails. */
static void check(int cond)
{
    if (!cond)
        abort();
}

/* fuzz_json: the JSON properties for one parsed document. */
static void fuzz_json(const cJSON *doc)
{
    cJSON *av = sw_ddb_marshal(doc);
    if (av) {
        /* Printed forms, not cJSON_Compare: that misjudges objects with
         * duplicate keys, which cJSON parses and marshal keeps. */
        cJSON *back = sw_ddb_unmarshal(av);
        char *a = cJSON_PrintUnformatted(doc);
        char *b = back ? cJSON_PrintUnformatted(back) : NULL;
        check(back != NULL && a && b && strcmp(a, b) == 0);
        cJSON_free(a);
        cJSON_free(b);
        cJSON_Delete(back);
    }
    cJSON_Delete(av);

    cJSON *plain = sw_ddb_unmarshal(doc);
    if (plain) {
        cJSON *again = sw_ddb_marshal(plain);
        check(again != NULL);
        cJSON_Delete(again);
    }
    cJSON_Delete(plain);

    cJSON *item = sw_ddb_unmarshal_item(doc);
    if (item) {
        cJSON *again = sw_ddb_marshal_item(item);
        check(again != NULL);
        cJSON_Delete(again);
    }
    cJSON_Delete(item);
    cJSON *m = sw_ddb_marshal_item(doc);
    cJSON_Delete(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    cJSON *doc = cJSON_ParseWithLength(text, size);
    if (doc)
        fuzz_json(doc);
    cJSON_Delete(doc);

    cJSON *n = sw_ddb_number(text);
    if (n) {
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(n, "N");
        check(cJSON_IsString(s) && strcmp(s->valuestring, text) == 0);
        cJSON *u = sw_ddb_unmarshal(n);
        check(u != NULL);
        cJSON_Delete(u);
    }
    cJSON_Delete(n);
    free(text);
    return 0;
}
