/* test_olist - the Olist validators and exact parsers (sw/olist.h) and the
 * bulk hash maps (sw/hashmap.h) the ETL stages build on. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sw/hashmap.h"
#include "sw/olist.h"
#include "sw_test.h"

#define C(s) sw_cursor_from_cstr(s)

/* valid: shorthand for sw_olist_field_valid on a C string. */
static int valid(sw_olist_type t, const char *s)
{
    return sw_olist_field_valid(t, C(s));
}

static void test_types(void)
{
    CHECK(valid(SW_OLIST_ID, "e481f51cbdc54678b7cc49136f2d6af7"), "id ok");
    CHECK(!valid(SW_OLIST_ID, "E481F51CBDC54678B7CC49136F2D6AF7"),
          "id uppercase refused");
    CHECK(!valid(SW_OLIST_ID, "e481f51cbdc54678b7cc49136f2d6af"), "id 31");
    CHECK(!valid(SW_OLIST_ID, "g481f51cbdc54678b7cc49136f2d6af7"), "id g");
    CHECK(valid(SW_OLIST_STATUS, "delivered") &&
          valid(SW_OLIST_STATUS, "unavailable") &&
          !valid(SW_OLIST_STATUS, "Delivered") &&
          !valid(SW_OLIST_STATUS, ""), "status");
    CHECK(valid(SW_OLIST_TS, "2017-10-02 10:56:33"), "ts ok");
    CHECK(valid(SW_OLIST_TS, "2016-02-29 23:59:59"), "ts leap day");
    CHECK(!valid(SW_OLIST_TS, "2017-02-29 00:00:00"), "ts 2017-02-29");
    CHECK(!valid(SW_OLIST_TS, "2017-02-30 00:00:00"), "ts 2017-02-30");
    CHECK(!valid(SW_OLIST_TS, "1900-02-29 00:00:00"), "ts 1900-02-29");
    CHECK(valid(SW_OLIST_TS, "2000-02-29 00:00:00"), "ts 2000-02-29");
    CHECK(!valid(SW_OLIST_TS, "2017-13-01 00:00:00"), "ts month 13");
    CHECK(!valid(SW_OLIST_TS, "2017-10-02 24:00:00"), "ts hour 24");
    CHECK(!valid(SW_OLIST_TS, "2017-10-02 10:60:00"), "ts minute 60");
    CHECK(!valid(SW_OLIST_TS, "2017-10-02T10:56:33"), "ts with T");
    CHECK(!valid(SW_OLIST_TS, "2017-10-02"), "ts date only");
    CHECK(!valid(SW_OLIST_TS, ""), "ts empty");
    CHECK(!valid(SW_OLIST_TS, "2\xff\xff" "8-05-13 00:00:00") &&
          !valid(SW_OLIST_TS, "20x8-05-13 00:00:00") &&
          !valid(SW_OLIST_TS, "2018-05-1x 00:00:00") &&
          valid(SW_OLIST_TS, "0000-01-01 00:00:00"),
          "ts: a non-digit in the year refused (found by fuzz_olist), "
          "year 0000 allowed");
    CHECK(valid(SW_OLIST_TS_OPT, "") &&
          valid(SW_OLIST_TS_OPT, "2018-01-01 00:00:00") &&
          !valid(SW_OLIST_TS_OPT, "x"), "ts?");
    CHECK(valid(SW_OLIST_INT, "0") && valid(SW_OLIST_INT, "4294967295") &&
          valid(SW_OLIST_INT, "0004294967295") &&
          !valid(SW_OLIST_INT, "4294967296") && !valid(SW_OLIST_INT, "-1") &&
          !valid(SW_OLIST_INT, "+1") && !valid(SW_OLIST_INT, "") &&
          !valid(SW_OLIST_INT, "1.0"), "int");
    CHECK(valid(SW_OLIST_INT_OPT, "") && valid(SW_OLIST_INT_OPT, "12") &&
          !valid(SW_OLIST_INT_OPT, " 1"), "int?");
    CHECK(valid(SW_OLIST_SCORE, "1") && valid(SW_OLIST_SCORE, "5") &&
          !valid(SW_OLIST_SCORE, "0") && !valid(SW_OLIST_SCORE, "6") &&
          !valid(SW_OLIST_SCORE, "05"), "score");
    CHECK(valid(SW_OLIST_MONEY, "58.90") && valid(SW_OLIST_MONEY, "58.9") &&
          valid(SW_OLIST_MONEY, "58") && !valid(SW_OLIST_MONEY, "1.234") &&
          !valid(SW_OLIST_MONEY, "-1") && !valid(SW_OLIST_MONEY, "58.") &&
          !valid(SW_OLIST_MONEY, ".5") && !valid(SW_OLIST_MONEY, "1,5") &&
          !valid(SW_OLIST_MONEY, ""), "money");
    CHECK(valid(SW_OLIST_ZIP, "01037") && valid(SW_OLIST_ZIP, "1") &&
          !valid(SW_OLIST_ZIP, "123456") && !valid(SW_OLIST_ZIP, "") &&
          !valid(SW_OLIST_ZIP, "12a"), "zip");
    CHECK(valid(SW_OLIST_STATE, "SP") && !valid(SW_OLIST_STATE, "sp") &&
          !valid(SW_OLIST_STATE, "SPX") && !valid(SW_OLIST_STATE, "S"),
          "state");
    CHECK(valid(SW_OLIST_COORD, "-23.54562128115268") &&
          valid(SW_OLIST_COORD, "46") && !valid(SW_OLIST_COORD, "-") &&
          !valid(SW_OLIST_COORD, "1.") && !valid(SW_OLIST_COORD, "+1.0") &&
          !valid(SW_OLIST_COORD, ""), "coord");
    CHECK(valid(SW_OLIST_TEXT, "s\xc3\xa3o paulo") &&
          valid(SW_OLIST_TEXT, "") && !valid(SW_OLIST_TEXT, "a\xff"),
          "text: UTF-8, empty allowed");
    CHECK(valid(SW_OLIST_NAME, "beleza_saude") && !valid(SW_OLIST_NAME, "") &&
          !valid(SW_OLIST_NAME, "\xc3("), "name: non-empty UTF-8");
}

static void test_parsers(void)
{
    int64_t c = -1;
    CHECK(sw_olist_parse_money(C("58.9"), &c) == SW_OK && c == 5890,
          "58.9 is 5890 cents");
    CHECK(sw_olist_parse_money(C("0.01"), &c) == SW_OK && c == 1, "0.01");
    CHECK(sw_olist_parse_money(C("13"), &c) == SW_OK && c == 1300, "13");
    CHECK(sw_olist_parse_money(C("9999999999999999.99"), &c) == SW_OK &&
          c == 999999999999999999LL, "16 digits fit");
    CHECK(sw_olist_parse_money(C("00000000000000000001.5"), &c) == SW_OK &&
          c == 150, "leading zeros do not count");
    CHECK(sw_olist_parse_money(C("99999999999999999"), &c) == SW_E_INVALID,
          "17 significant digits refused");
    uint32_t u = 0;
    CHECK(sw_olist_parse_uint(C("4294967295"), &u) == SW_OK &&
          u == 4294967295u, "uint max");
    int32_t d = 0, s = 0;
    CHECK(sw_olist_parse_ts(C("1970-01-01 00:00:00"), &d, &s) == SW_OK &&
          d == 0 && s == 0, "epoch");
    CHECK(sw_olist_parse_ts(C("2017-10-02 10:56:33"), &d, &s) == SW_OK &&
          d == 17441 && s == 39393, "2017-10-02 10:56:33");
    CHECK(sw_olist_parse_date(C("1969-12-31"), &d) == SW_OK && d == -1,
          "1969-12-31 is -1");
    char out[11];
    int ok = 1;
    for (int32_t k = -719528; k <= 2932896; k += 997) {
        sw_olist_civil_from_days(k, out);
        int32_t back = 0;
        if (sw_olist_parse_date(C(out), &back) || back != k) {
            printf("# %d -> %s -> %d\n", k, out, back);
            ok = 0;
            break;
        }
    }
    CHECK(ok, "civil_from_days and parse_date round-trip 0000..9999");
    sw_olist_civil_from_days(17441, out);
    CHECK_EQ_STR(out, "2017-10-02", "17441 is 2017-10-02");
    uint8_t id[16];
    char hex[33];
    CHECK(sw_olist_parse_id(C("00ff10a0b0c0d0e0f00112233445566f"), id) ==
          SW_OK && id[0] == 0 && id[1] == 0xff && id[15] == 0x6f,
          "id bytes");
    sw_olist_id_hex(id, hex);
    CHECK_EQ_STR(hex, "00ff10a0b0c0d0e0f00112233445566f", "id hex back");
    sw_buf b = SW_BUF_INIT;
    CHECK(!sw_olist_append_i64(&b, 0) && !sw_olist_append_i64(&b, -12) &&
          !sw_olist_append_i64(&b, INT64_MIN) && b.ptr &&
          strcmp(b.ptr, "0-12-9223372036854775808") == 0, "append_i64");
    sw_buf_free(&b);
}

static void test_records(void)
{
    const sw_olist_file *f = &sw_olist_files[SW_OLIST_ORDERS];
    CHECK_EQ_STR(f->name, "olist_orders_dataset.csv", "orders file name");
    CHECK(f->ncols == 8 && f->key == 0, "orders: 8 columns, key order_id");
    sw_cursor h[8];
    for (size_t i = 0; i < 8; i++)
        h[i] = C(f->cols[i].name);
    char why[256];
    CHECK(sw_olist_check_header(f, h, 8, why, sizeof why) == SW_OK,
          "header ok");
    h[3] = C("order_purchase_time");
    CHECK(sw_olist_check_header(f, h, 8, why, sizeof why) == SW_E_INVALID &&
          strstr(why, "column 4") && strstr(why, "order_purchase_timestamp"),
          "header: the first differing column named");
    CHECK(sw_olist_check_header(f, h, 3, why, sizeof why) == SW_E_INVALID,
          "header too short");
    sw_cursor r[8] = {C("e481f51cbdc54678b7cc49136f2d6af7"),
                      C("9ef432eb6251297304e76186b10a928d"), C("delivered"),
                      C("2017-10-02 10:56:33"), C("2017-10-02 11:07:15"),
                      C("2017-10-04 19:55:00"), C("2017-10-10 21:25:13"),
                      C("2017-10-18 00:00:00")};
    CHECK(sw_olist_check_record(f, r, 8, why, sizeof why) == SW_OK,
          "record ok");
    CHECK(sw_olist_check_record(f, r, 7, why, sizeof why) == SW_E_INVALID &&
          strcmp(why, "expected 8 fields, got 7") == 0, "ragged record");
    r[6] = C("2017-02-30 00:00:00");
    CHECK(sw_olist_check_record(f, r, 8, why, sizeof why) == SW_E_INVALID &&
          strncmp(why, "order_delivered_customer_date:", 30) == 0,
          "bad date names its column");
    r[2] = C("deliv\xe9red");
    CHECK(sw_olist_check_record(f, r, 8, why, sizeof why) == SW_E_INVALID &&
          strcmp(why, "order_status: invalid UTF-8") == 0,
          "invalid UTF-8 first, in column order");
    size_t total = 0;
    for (int i = 0; i < SW_OLIST_NFILES; i++)
        total += sw_olist_files[i].ncols;
    CHECK_EQ_INT(total, 52, "52 columns over the 9 files");
    CHECK_EQ_INT(sw_olist_column_index(&sw_olist_files[SW_OLIST_ITEMS],
                                       "price"), 5, "column_index");
}

static void test_maps(void)
{
    sw_idmap m;
    CHECK(sw_idmap_init(&m, 0) == SW_OK, "idmap init");
    uint8_t k[16] = {0};
    int ok = 1;
    for (uint32_t i = 0; i < 100000 && ok; i++) {
        memcpy(k, &i, 4);
        bool found = true;
        ok = sw_idmap_put(&m, k, i * 3, &found, NULL) == SW_OK && !found;
    }
    for (uint32_t i = 0; i < 100000 && ok; i++) {
        memcpy(k, &i, 4);
        ok = sw_idmap_get(&m, k) == i * 3;
    }
    CHECK(ok && m.len == 100000, "idmap: 100000 ids in, all found");
    uint32_t cur = 0;
    bool found = false;
    memset(k, 0, 16);
    CHECK(sw_idmap_put(&m, k, 7, &found, &cur) == SW_OK && found && cur == 0,
          "idmap: a second put keeps the first value");
    k[15] = 1;
    CHECK(sw_idmap_get(&m, k) == SW_MAP_EMPTY, "idmap: absent");
    CHECK(sw_idmap_put(&m, k, SW_MAP_EMPTY, NULL, NULL) == SW_E_INVALID,
          "idmap: reserved value refused");
    sw_idmap_free(&m);
    sw_u64map u;
    CHECK(sw_u64map_init(&u, 4) == SW_OK, "u64map init");
    ok = 1;
    for (uint64_t i = 0; i < 5000 && ok; i++)
        ok = sw_u64map_put(&u, i << 32, (uint32_t)i, NULL, NULL) == SW_OK;
    for (uint64_t i = 0; i < 5000 && ok; i++)
        ok = sw_u64map_get(&u, i << 32) == i;
    CHECK(ok && sw_u64map_get(&u, 1) == SW_MAP_EMPTY, "u64map: 5000 keys");
    sw_u64map_free(&u);
    sw_strmap s;
    memset(&s, 0, sizeof s);
    uint32_t a = 9, b = 9, c = 9, e = 9;
    bool added = false;
    CHECK(sw_strmap_find(&s, C("x")) == SW_MAP_EMPTY, "strmap: empty find");
    CHECK(!sw_strmap_intern(&s, C(""), &e, &added) && e == 0 && added,
          "strmap: empty string interned first");
    CHECK(!sw_strmap_intern(&s, C("beleza"), &a, NULL) &&
          !sw_strmap_intern(&s, C("casa"), &b, NULL) &&
          !sw_strmap_intern(&s, C("beleza"), &c, &added) && a == 1 &&
          b == 2 && c == 1 && !added, "strmap: dense indexes, dedup");
    char name[16];
    ok = 1;
    for (int i = 0; i < 1000 && ok; i++) {
        snprintf(name, sizeof name, "cat%d", i);
        ok = !sw_strmap_intern(&s, C(name), &a, NULL) && a == (uint32_t)i + 3;
    }
    CHECK(ok && sw_cursor_eq_cstr(sw_strmap_str(&s, 2), "casa") &&
          sw_cursor_eq_cstr(sw_strmap_str(&s, 1002), "cat999") &&
          sw_strmap_find(&s, C("cat500")) == 503 &&
          sw_strmap_str(&s, 0).len == 0, "strmap: 1003 strings kept");
    sw_strmap_free(&s);
}

int main(void)
{
    test_types();
    test_parsers();
    test_records();
    test_maps();
    return SW_TEST_DONE();
}
