/* test_etl_load_spec.c - etl-load's aggregate specs (workers/etl-load/
 * spec.h): headers, row checks, the items' keys and types, the warehouse
 * lines. */
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "spec.h"
#include "sw_test.h"

/* split: fields of a comma-separated line (no quoting) into f; returns n. */
static size_t split(const char *line, sw_cursor *f, size_t cap)
{
    size_t n = 0;
    const char *p = line;
    while (n < cap) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        f[n++] = sw_cursor_from_mem(p, len);
        if (!c)
            break;
        p = c + 1;
    }
    return n;
}

/* spec_named: the spec of an aggregate. */
static const el_spec *spec_named(const char *name)
{
    size_t n;
    const el_spec *s = el_specs(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(s[i].name, name) == 0)
            return &s[i];
    return NULL;
}

/* item_json: the item for a line, printed unformatted (or the why). */
static char *item_json(const char *name, const char *line, char *why)
{
    sw_cursor f[EL_COLS_MAX + 2];
    size_t n = split(line, f, EL_COLS_MAX + 2);
    cJSON *item = NULL;
    why[0] = '\0';
    if (el_row_item(spec_named(name), f, n, "r1", "2018-09-01", &item, why))
        return NULL;
    char *s = cJSON_PrintUnformatted(item);
    cJSON_Delete(item);
    return s;
}

static void test_specs(void)
{
    size_t n;
    const el_spec *s = el_specs(&n);
    CHECK_EQ_INT(n, 6, "six aggregates");
    sw_cursor f[EL_COLS_MAX + 2];
    char why[EL_WHY_LEN];
    size_t k = split("dt,customer_state,orders,items,revenue_cents,"
                     "freight_cents", f, EL_COLS_MAX + 2);
    CHECK_EQ_INT(el_check_header(&s[0], f, k, why), SW_OK,
                 "daily_state's header as AGGREGATES.md has it");
    k = split("dt,customer_state,orders,items,revenue_cents", f, 8);
    CHECK(el_check_header(&s[0], f, k, why) == SW_E_INVALID &&
              strstr(why, "freight_cents"),
          "a missing column is named");
    k = split("dt,state,orders,items,revenue_cents,freight_cents", f, 8);
    CHECK(el_check_header(&s[0], f, k, why) == SW_E_INVALID &&
              strstr(why, "column 2 is \"state\""),
          "a wrong column is named with its position");
    k = split("dt,customer_state,orders,items,revenue_cents,freight_cents,x",
              f, 8);
    CHECK(el_check_header(&s[0], f, k, why) == SW_E_INVALID,
          "an extra column is refused");
}

static void test_items(void)
{
    char why[EL_WHY_LEN];
    char *j = item_json("daily_state", "2017-11-24,SP,12,15,123456,20011",
                        why);
    CHECK_EQ_STR(j, "{\"pk\":{\"S\":\"daily_state#SP\"},"
                    "\"sk\":{\"S\":\"2017-11-24\"},"
                    "\"aggregate\":{\"S\":\"daily_state\"},"
                    "\"run_id\":{\"S\":\"r1\"},"
                    "\"dt\":{\"S\":\"2017-11-24\"},"
                    "\"customer_state\":{\"S\":\"SP\"},"
                    "\"orders\":{\"N\":\"12\"},\"items\":{\"N\":\"15\"},"
                    "\"revenue_cents\":{\"N\":\"123456\"},"
                    "\"freight_cents\":{\"N\":\"20011\"}}",
                 "daily_state: pk by state, sk the day, numbers as N");
    free(j);
    j = item_json("seller_ranking",
                  "7,7c67e1448b00f6e969d365cea6b010ab,SP,9,11,998877", why);
    CHECK(j && strstr(j, "\"pk\":{\"S\":\"seller_ranking#2018-09-01\"}") &&
              strstr(j, "\"sk\":{\"S\":\"00000007\"}") &&
              strstr(j, "\"rank\":{\"N\":\"7\"}") &&
              strstr(j, "\"dt\":{\"S\":\"2018-09-01\"}"),
          "seller_ranking: pk by run date, sk the rank zero-padded to 8");
    free(j);
    j = item_json("delivery_delay_state", "RJ,10,2,-35,-4,0,6", why);
    CHECK(j && strstr(j, "\"sum_delay_days\":{\"N\":\"-35\"}") &&
              strstr(j, "\"p90_delay_days\":{\"N\":\"0\"}") &&
              strstr(j, "\"sk\":{\"S\":\"RJ\"}"),
          "negative and zero integers are numbers");
    free(j);
    const char *bad[][3] = {
        {"daily_state", "2017-02-29,SP,1,1,1,1", "column dt"},
        {"daily_state", "2017-11-24,,1,1,1,1", "column customer_state"},
        {"daily_state", "2017-11-24,SP,01,1,1,1", "column orders"},
        {"daily_state", "2017-11-24,SP,1.5,1,1,1", "column orders"},
        {"daily_state", "2017-11-24,SP,-0,1,1,1", "column orders"},
        {"daily_state", "2017-11-24,SP,1,1,1", "5 fields, expected 6"},
        {"payment_mix", "boleto,1,2,3,4", "5 fields"},
        {"seller_ranking", "-1,s,SP,1,1,1", "column rank"},
        {"seller_ranking", "123456789,s,SP,1,1,1", "column rank"},
        {"category_reviews", "a\tb,1,1,1", "column category"},
        {"category_reviews", "caf\xc3,1,1,1", "column category"},
        {"payment_mix", "boleto,123456789012345678901234567890123456789,1,1",
         "column payments"},
    };
    int right = 0;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        j = item_json(bad[i][0], bad[i][1], why);
        if (!j && strstr(why, bad[i][2]))
            right++;
        else
            printf("# %s %s: %s\n", bad[i][0], bad[i][1], j ? j : why);
        free(j);
    }
    CHECK_EQ_INT(right, (int)(sizeof bad / sizeof *bad),
                 "bad rows refused, naming the column (bad date, empty key, "
                 "leading zero, fraction, -0, short row, long row, negative "
                 "or 9-digit rank, control byte, invalid UTF-8, 39 digits)");
    j = item_json("category_reviews", "beleza_saude,30,120,4000", why);
    CHECK(j && strstr(j, "\"pk\":{\"S\":\"category_reviews#2018-09-01\"}") &&
              strstr(j, "\"sk\":{\"S\":\"beleza_saude\"}"),
          "category_reviews: sk the category");
    free(j);
}

static void test_files(void)
{
    sw_buf b = SW_BUF_INIT;
    sw_cursor f[EL_COLS_MAX];
    size_t n = split("2017-11-24,SP,12,15,123456,20011", f, EL_COLS_MAX);
    CHECK(n == 6 && el_row_file(spec_named("daily_state"), NULL, 1, &b) == 0 &&
              el_row_file(spec_named("daily_state"), f, 0, &b) == 0,
          "daily_state lines");
    CHECK_EQ_STR(b.ptr, "customer_state,orders,items,revenue_cents,"
                        "freight_cents\nSP,12,15,123456,20011\n",
                 "a daily aggregate's file has no dt column (the partition "
                 "holds it)");
    sw_buf_reset(&b);
    n = split("boleto,20,19,312345", f, EL_COLS_MAX);
    CHECK(el_row_file(spec_named("payment_mix"), NULL, 1, &b) == 0 &&
              n == 4 && el_row_file(spec_named("payment_mix"), f, 0, &b) == 0,
          "payment_mix lines");
    CHECK_EQ_STR(b.ptr, "payment_type,payments,orders,value_cents\n"
                        "boleto,20,19,312345\n",
                 "the others keep every column");
    sw_buf_free(&b);
    CHECK(el_date_valid(sw_cursor_from_cstr("2016-02-29")) &&
              !el_date_valid(sw_cursor_from_cstr("1900-02-29")) &&
              el_date_valid(sw_cursor_from_cstr("2000-02-29")) &&
              !el_date_valid(sw_cursor_from_cstr("2018-04-31")) &&
              !el_date_valid(sw_cursor_from_cstr("2018-4-30")),
          "dates: leap years, month lengths, shape");
}

int main(void)
{
    test_specs();
    test_items();
    test_files();
    return SW_TEST_DONE();
}
