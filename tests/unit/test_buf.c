/* test_buf.c - cursors, buffers, result names and the exit-code contract. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sw/buf.h"
#include "sw/exit.h"
#include "sw_test.h"

/* cursors compare by bytes, not by NUL termination. */
static void test_cursors(void)
{
    const char raw[] = {'a', 'b', '\0', 'c'};
    sw_cursor a = sw_cursor_from_mem(raw, sizeof raw);
    sw_cursor b = sw_cursor_from_mem(raw, sizeof raw);
    CHECK(sw_cursor_eq(a, b), "cursors with embedded NUL compare equal");
    CHECK(!sw_cursor_eq(a, sw_cursor_from_cstr("ab")),
          "a cursor is not cut at an embedded NUL");
    CHECK(sw_cursor_eq_ignore_case(SW_CURSOR_LIT("Content-Type"),
                                   SW_CURSOR_LIT("content-TYPE")),
          "case-insensitive compare");
    CHECK(!sw_cursor_eq_ignore_case(SW_CURSOR_LIT("abc"), SW_CURSOR_LIT("abd")),
          "case-insensitive compare still compares letters");
    sw_cursor t = sw_cursor_trim(SW_CURSOR_LIT(" \t x y \t"));
    CHECK(sw_cursor_eq_cstr(t, "x y"), "trim removes outer spaces and tabs only");
    CHECK(sw_cursor_trim(SW_CURSOR_LIT("   ")).len == 0, "trim of blanks is empty");
    CHECK(sw_cursor_from_cstr(NULL).len == 0, "NULL gives an empty cursor");
}

/* buffers grow, stay NUL-terminated, and detach/wipe correctly. */
static void test_buffers(void)
{
    sw_buf b = SW_BUF_INIT;
    CHECK_EQ_INT(sw_buf_append_cstr(&b, "hello"), SW_OK, "append");
    CHECK_EQ_INT(sw_buf_appendf(&b, " %d %s", 42, "x"), SW_OK, "appendf");
    CHECK_EQ_STR(b.ptr, "hello 42 x", "contents and NUL");
    CHECK_EQ_INT(b.len, 10, "len excludes the NUL");

    /* Longer than appendf's stack scratch: takes the second path. */
    char big[1000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    sw_buf_reset(&b);
    CHECK_EQ_INT(b.len, 0, "reset empties");
    CHECK_EQ_INT(sw_buf_appendf(&b, "<%s>", big), SW_OK, "long appendf");
    CHECK(b.len == 1001 && b.ptr[0] == '<' && b.ptr[1000] == '>' &&
              b.ptr[1001] == '\0',
          "long appendf writes every byte");

    for (int i = 0; i < 10000; i++)
        if (sw_buf_append_byte(&b, (char)('a' + i % 26)))
            break;
    CHECK_EQ_INT(b.len, 11001, "many single-byte appends");
    CHECK(b.cap > b.len, "capacity keeps room for the NUL");

    CHECK_EQ_INT(sw_buf_reserve(&b, SIZE_MAX), SW_E_OVERFLOW,
                 "reserve refuses a size that would overflow");

    char *s = sw_buf_detach(&b);
    CHECK(s && strlen(s) == 11001 && b.ptr == NULL && b.len == 0,
          "detach hands over the string and empties the buffer");
    free(s);

    sw_buf e = SW_BUF_INIT;
    s = sw_buf_detach(&e);
    CHECK(s && s[0] == '\0', "detach of an empty buffer gives \"\"");
    free(s);

    sw_buf secret = SW_BUF_INIT;
    sw_buf_append_cstr(&secret, "wJalrXUtnFEMI/K7MDENG");
    sw_buf_wipe_free(&secret);
    CHECK(secret.ptr == NULL && secret.len == 0 && secret.cap == 0,
          "wipe_free leaves an empty buffer");

    char *dup = sw_strdup_cursor(SW_CURSOR_LIT("abc"));
    CHECK_EQ_STR(dup, "abc", "strdup of a cursor");
    free(dup);
}

/* sw_utf8_valid: strict RFC 3629 (shared by the SNS client and the
 * array-worker's input checks). */
static void test_utf8(void)
{
    const char *ok = "caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80";
    CHECK(sw_utf8_valid(sw_cursor_from_cstr(ok)),
          "UTF-8: 2, 3 and 4-byte sequences accepted");
    CHECK(!sw_utf8_valid(sw_cursor_from_mem(ok, strlen(ok) - 1)),
          "UTF-8: a sequence cut short refused");
    CHECK(sw_utf8_valid(sw_cursor_from_mem("a\0b", 3)),
          "UTF-8: NUL is a character (callers refuse it themselves)");
    CHECK(!sw_utf8_valid(SW_CURSOR_LIT("\xc0\xaf")), "UTF-8: overlong refused");
    CHECK(!sw_utf8_valid(SW_CURSOR_LIT("\xed\xa0\x80")),
          "UTF-8: surrogate refused");
    CHECK(!sw_utf8_valid(SW_CURSOR_LIT("\xf4\x90\x80\x80")),
          "UTF-8: past U+10FFFF refused");
    CHECK(!sw_utf8_valid(SW_CURSOR_LIT("\xe2\x98")), "UTF-8: truncated refused");
    CHECK(!sw_utf8_valid(SW_CURSOR_LIT("\xff")), "UTF-8: 0xFF refused");
    CHECK(!sw_utf8_valid(SW_CURSOR_LIT("\x80")), "UTF-8: lone continuation refused");
}

/* the exit-code contract the deploy relies on. */
static void test_exit_codes(void)
{
    CHECK_EQ_INT(sw_exit_code_for(SW_OK), 0, "ok -> 0");
    CHECK_EQ_INT(sw_exit_code_for(SW_E_CONFIG), 2, "config -> 2");
    CHECK_EQ_INT(sw_exit_code_for(SW_E_INVALID), 2, "invalid -> 2");
    CHECK_EQ_INT(sw_exit_code_for(SW_E_NETWORK), 3, "network -> 3");
    CHECK_EQ_INT(sw_exit_code_for(SW_E_TIMEOUT), 3, "timeout -> 3");
    CHECK_EQ_INT(sw_exit_code_for(SW_E_PARTIAL), 4, "partial -> 4");
    CHECK_EQ_INT(sw_exit_code_for(SW_E_OVERFLOW), 2, "over a limit -> 2");
    CHECK_EQ_INT(sw_exit_code_for(SW_E_NOMEM), 1, "nomem -> 1");
    int named = 1;
    for (int rc = 0; rc < SW_E__COUNT; rc++)
        if (strcmp(sw_result_str((sw_result)rc), "unknown error") == 0)
            named = 0;
    CHECK(named, "every result code has a name");
    CHECK_EQ_STR(sw_result_str((sw_result)999), "unknown error",
                 "out-of-range code");
}

int main(void)
{
    test_cursors();
    test_buffers();
    test_utf8();
    test_exit_codes();
    return SW_TEST_DONE();
}
