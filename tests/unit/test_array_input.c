/* test_array_input.c - the array-worker's pure parts: the Batch
 * environment (index, size, parent id, attempt) from a table of variables,
 * the strict UTF-8 check, and the share of items each index takes. */
#include <stdlib.h>

#include "input.h"
#include "sw_test.h"

static const char *const *vars; /* NULL-terminated name, value pairs */

/* get: the test's environment. */
static const char *get(const char *name)
{
    for (size_t i = 0; vars[i]; i += 2)
        if (strcmp(vars[i], name) == 0)
            return vars[i + 1];
    return NULL;
}

/* job: aw_job_from_env over the given pairs. */
static sw_result job(const char *const *pairs, long input_size, aw_job *j,
                     char *why)
{
    vars = pairs;
    return aw_job_from_env(get, input_size, j, why);
}

static void test_env(void)
{
    aw_job j;
    char why[AW_WHY_LEN];
    const char *none[] = {NULL};
    CHECK(job(none, 0, &j, why) == SW_OK && j.single && j.index == 0 &&
              j.array_size == 1 && j.attempt == 1 &&
              strcmp(j.job_id, "local") == 0,
          "no variables: local, index 0 of 1, attempt 1");
    const char *single[] = {"AWS_BATCH_JOB_ID", "abc:7", "ARRAY_SIZE", "5",
                            NULL};
    CHECK(job(single, 3, &j, why) == SW_OK && j.single &&
              j.array_size == 1 && strcmp(j.job_id, "abc:7") == 0,
          "single job: its own id kept whole, size 1 whatever the input");
    const char *child[] = {"AWS_BATCH_JOB_ID", "a:b:12",
                           "AWS_BATCH_JOB_ARRAY_INDEX", "12", "ARRAY_SIZE",
                           "20", "AWS_BATCH_JOB_ATTEMPT", "3", NULL};
    CHECK(job(child, 0, &j, why) == SW_OK && !j.single && j.index == 12 &&
              j.array_size == 20 && j.attempt == 3 &&
              strcmp(j.job_id, "a:b") == 0,
          "child: parent is the id before the last ':<index>'");
    CHECK(job(child, 13, &j, why) == SW_OK && j.array_size == 13,
          "the input's array_size wins over ARRAY_SIZE");
    CHECK(job(child, 12, &j, why) == SW_E_INVALID &&
              strstr(why, "not below the array size 12"),
          "index == size refused");
    const char *other[] = {"AWS_BATCH_JOB_ID", "p:4",
                           "AWS_BATCH_JOB_ARRAY_INDEX", "3", "ARRAY_SIZE",
                           "5", NULL};
    CHECK(job(other, 0, &j, why) == SW_OK && strcmp(j.job_id, "p:4") == 0,
          "a suffix that is not this index stays");
    static const char *const bad[][2] = {
        {"AWS_BATCH_JOB_ARRAY_INDEX", "-1"}, {"AWS_BATCH_JOB_ARRAY_INDEX", "1x"},
        {"AWS_BATCH_JOB_ARRAY_INDEX", "10000"}, {"ARRAY_SIZE", "0"},
        {"ARRAY_SIZE", "10001"}, {"ARRAY_SIZE", "+3"},
        {"AWS_BATCH_JOB_ATTEMPT", "0"},
        {"AWS_BATCH_JOB_ATTEMPT", "99999999999999999999999"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *pairs[] = {bad[i][0], bad[i][1], NULL};
        CHECK(job(pairs, 0, &j, why) == SW_E_INVALID &&
                  strstr(why, bad[i][0]) && strstr(why, "must be an integer"),
              bad[i][1]);
    }
    char longid[200];
    memset(longid, 'x', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    const char *toolong[] = {"AWS_BATCH_JOB_ID", longid, NULL};
    CHECK(job(toolong, 0, &j, why) == SW_E_INVALID, "over-long job id");
}

static void test_shares(void)
{
    aw_input in;
    char why[AW_WHY_LEN];
    const char *doc = "{\"items\":[\"a\",\"b\",\"c\",\"d\",\"e\"],"
                      "\"message\":\"M\"}";
    CHECK(aw_input_parse(sw_cursor_from_cstr(doc), "T", &in, why) == SW_OK,
          "parse");
    aw_job j = {.job_id = "p", .index = 1, .array_size = 2, .attempt = 1};
    cJSON *r = aw_result_build(&in, &j);
    char *s = cJSON_PrintUnformatted(r);
    CHECK_EQ_STR(s,
                 "{\"job_id\":\"p\",\"index\":1,\"array_size\":2,"
                 "\"attempt\":1,\"items\":[{\"item\":\"b\",\"bytes\":1,"
                 "\"sha256\":\"3e23e8160039594a33894f6564e1b1348bbd7a0088d4"
                 "2c4acb73eeaed59c009d\",\"greeting\":\"M b\"},{\"item\":"
                 "\"d\",\"bytes\":1,\"sha256\":\"18ac3e7343f016890c510e93f9"
                 "35261169d9e3f565436429830faf0934f4f8e4\",\"greeting\":"
                 "\"M d\"}],\"count\":2}",
                 "index 1 of 2 takes b and d");
    free(s);
    cJSON_Delete(r);
    j.index = 6;
    j.array_size = 7;
    r = aw_result_build(&in, &j);
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(r, "count")) == 0 &&
              cJSON_GetObjectItem(r, "note"),
          "an index past the items: count 0 and the note");
    cJSON_Delete(r);
    aw_input_free(&in);
}

int main(void)
{
    test_env();
    test_shares();
    return SW_TEST_DONE();
}
