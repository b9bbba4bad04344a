/* test_csv.c - the streaming CSV reader and the field writer (sw/csv.h).
 *
 * Every input is parsed whole and then again in chunks of every size and at
 * every split point: the records must not change. Each chunk is a fresh
 * allocation that is scribbled over and freed after sw_csv_feed, so a cursor
 * left pointing into an old chunk is an ASan report, not a silent pass.
 * A property test writes random records with sw_csv_append_record and reads
 * them back through chunk sizes 1..17 and random splits. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw/buf.h"
#include "sw/csv.h"
#include "sw_test.h"

/* ---- collecting records as text ---------------------------------------- */

typedef struct collect {
    sw_buf text;          /* one line per record, see append_record_text */
    uint64_t records;     /* records seen */
    int numbering_ok;     /* record numbers were 1, 2, 3, ... */
    uint64_t stop_at;     /* return stop_rc at this record (0: never) */
    sw_result stop_rc;
    const char *chunk;    /* the chunk being fed, for zero-copy checks */
    size_t chunk_len;
    uint64_t in_chunk;    /* non-empty fields that pointed into the chunk */
    uint64_t fields;      /* fields seen */
} collect;

/* esc_append: appends a field's bytes readably: \\ \| \n \r \xHH. */
static void esc_append(sw_buf *b, sw_cursor f)
{
    for (size_t i = 0; i < f.len; i++) {
        unsigned char c = (unsigned char)f.ptr[i];
        if (c == '\\' || c == '|')
            (void)sw_buf_appendf(b, "\\%c", c);
        else if (c == '\n')
            (void)sw_buf_append_cstr(b, "\\n");
        else if (c == '\r')
            (void)sw_buf_append_cstr(b, "\\r");
        else if (c < 0x20 || c >= 0x7f)
            (void)sw_buf_appendf(b, "\\x%02x", c);
        else
            (void)sw_buf_append_byte(b, (char)c);
    }
}

/* on_record: the callback: "L<line> <flaw> f1|f2|...\n" per record, with
 * the flaw as '.', 'Q' (quote), 'L' (too long) or 'M' (too many). */
static sw_result on_record(void *ctx, const sw_csv_record *rec)
{
    collect *c = ctx;
    c->records++;
    if (rec->number != c->records)
        c->numbering_ok = 0;
    static const char flaw[] = ".QLM";
    (void)sw_buf_appendf(&c->text, "L%llu %c ", (unsigned long long)rec->line,
                         flaw[rec->flaw]);
    for (size_t i = 0; i < rec->nfields; i++) {
        sw_cursor f = rec->fields[i];
        if (i)
            (void)sw_buf_append_byte(&c->text, '|');
        esc_append(&c->text, f);
        c->fields++;
        if (c->chunk && f.len && f.ptr >= c->chunk &&
            f.ptr + f.len <= c->chunk + c->chunk_len)
            c->in_chunk++;
    }
    (void)sw_buf_append_byte(&c->text, '\n');
    if (c->stop_at && c->records == c->stop_at)
        return c->stop_rc;
    return SW_OK;
}

/* A parse's outcome. */
typedef struct outcome {
    char *text;         /* the records, as on_record writes them */
    sw_result feed_rc;  /* the first failed feed, or SW_OK */
    sw_result finish_rc;
    uint64_t error_line;
    uint64_t bytes;
    bool bom;
    int numbering_ok;
    uint64_t in_chunk, fields;
} outcome;

/* outcome_free: frees an outcome's text. */
static void outcome_free(outcome *o)
{
    free(o->text);
    o->text = NULL;
}

/* parse_cuts: parses in[0..len) cut at the ascending offsets cuts[0..ncuts)
 * (each chunk a fresh allocation, scribbled and freed after its feed). */
static outcome parse_cuts(const char *in, size_t len, const size_t *cuts,
                          size_t ncuts, const sw_csv_options *opt)
{
    collect c = {SW_BUF_INIT, 0, 1, 0, SW_OK, NULL, 0, 0, 0};
    outcome o = {0};
    sw_csv_parser *p = NULL;
    if (sw_csv_new(opt, on_record, &c, &p) != SW_OK) {
        o.feed_rc = SW_E_NOMEM;
        o.text = strdup("(sw_csv_new failed)");
        return o;
    }
    size_t start = 0;
    for (size_t k = 0; k <= ncuts && !o.feed_rc; k++) {
        size_t end = k < ncuts ? cuts[k] : len;
        size_t n = end - start;
        char *chunk = malloc(n ? n : 1);
        memcpy(chunk, in + start, n);
        c.chunk = chunk;
        c.chunk_len = n;
        o.feed_rc = sw_csv_feed(p, sw_cursor_from_mem(chunk, n));
        memset(chunk, 0xAA, n);
        free(chunk);
        c.chunk = NULL;
        start = end;
    }
    if (!o.feed_rc)
        o.finish_rc = sw_csv_finish(p);
    o.error_line = sw_csv_error_line(p);
    o.bytes = sw_csv_bytes(p);
    o.bom = sw_csv_bom_seen(p);
    o.numbering_ok = c.numbering_ok;
    o.in_chunk = c.in_chunk;
    o.fields = c.fields;
    o.text = sw_buf_detach(&c.text);
    sw_csv_free(p);
    return o;
}

/* parse_whole: parses the input as one chunk. */
static outcome parse_whole(const char *in, size_t len, const sw_csv_options *opt)
{
    return parse_cuts(in, len, NULL, 0, opt);
}

/* parse_every: parses with chunks of `size` bytes. */
static outcome parse_every(const char *in, size_t len, size_t size,
                           const sw_csv_options *opt)
{
    size_t ncuts = len ? (len - 1) / size : 0;
    size_t *cuts = malloc((ncuts ? ncuts : 1) * sizeof *cuts);
    for (size_t k = 0; k < ncuts; k++)
        cuts[k] = (k + 1) * size;
    outcome o = parse_cuts(in, len, cuts, ncuts, opt);
    free(cuts);
    return o;
}

/* same_outcome: true when two parses agree on everything observable. */
static int same_outcome(const outcome *a, const outcome *b)
{
    return strcmp(a->text, b->text) == 0 && a->feed_rc == b->feed_rc &&
           a->finish_rc == b->finish_rc && a->error_line == b->error_line &&
           a->bytes == b->bytes && a->bom == b->bom &&
           a->numbering_ok && b->numbering_ok;
}

/* splits_agree: the input gives the same outcome as `whole` in chunks of
 * every size 1..len and cut in two (and three) at every point. */
static int splits_agree(const char *in, size_t len, const outcome *whole,
                        const sw_csv_options *opt)
{
    for (size_t size = 1; size <= len; size++) {
        outcome o = parse_every(in, len, size, opt);
        int ok = same_outcome(whole, &o);
        if (!ok)
            printf("#   chunk size %zu gives:\n#   %s\n", size, o.text);
        outcome_free(&o);
        if (!ok)
            return 0;
    }
    for (size_t a = 0; a <= len; a++) {
        for (size_t b = a; b <= len; b += (len > 64 ? 7 : 1)) {
            size_t cuts[2] = {a, b};
            outcome o = parse_cuts(in, len, cuts, 2, opt);
            int ok = same_outcome(whole, &o);
            if (!ok)
                printf("#   cuts %zu,%zu give:\n#   %s\n", a, b, o.text);
            outcome_free(&o);
            if (!ok)
                return 0;
        }
    }
    return 1;
}

/* expect: parses `in` whole, checks the records' text, the finish result,
 * and that every chunking gives the same. */
static void expect_opt(const char *what, const char *in, size_t len,
                       const sw_csv_options *opt, const char *want,
                       sw_result want_finish)
{
    outcome o = parse_whole(in, len, opt);
    char label[200];
    snprintf(label, sizeof label, "%s: records", what);
    CHECK_EQ_STR(o.text, want, label);
    snprintf(label, sizeof label, "%s: finish result", what);
    CHECK_EQ_INT(o.finish_rc, want_finish, label);
    snprintf(label, sizeof label, "%s: record numbers 1..n", what);
    CHECK(o.numbering_ok, label);
    snprintf(label, sizeof label, "%s: bytes consumed", what);
    CHECK_EQ_INT(o.bytes, len, label);
    snprintf(label, sizeof label, "%s: same in every chunking", what);
    CHECK(splits_agree(in, len, &o, opt), label);
    outcome_free(&o);
}

#define EXPECT(what, lit, want) \
    expect_opt(what, lit, sizeof(lit) - 1, NULL, want, SW_OK)
#define EXPECT_OPT(what, lit, opt, want) \
    expect_opt(what, lit, sizeof(lit) - 1, opt, want, SW_OK)

/* ---- the header's promises --------------------------------------------- */

/* plain records, LF and CRLF, a last record without a line end. */
static void test_basic(void)
{
    EXPECT("LF records", "a,b,c\n1,2,3\n", "L1 . a|b|c\nL2 . 1|2|3\n");
    EXPECT("CRLF records", "a,b\r\n1,2\r\n", "L1 . a|b\nL2 . 1|2\n");
    EXPECT("no final line end", "a,b\n1,2", "L1 . a|b\nL2 . 1|2\n");
    EXPECT("no final line end, quoted", "a\n\"x,y\"", "L1 . a\nL2 . x,y\n");
    EXPECT("empty fields", ",,\na,,b\n,\n", "L1 . ||\nL2 . a||b\nL3 . |\n");
    EXPECT("empty fields before CRLF", "a,\r\n,\r\n", "L1 . a|\nL2 . |\n");
    EXPECT("a lone CR is data", "a\rb,c\r\rd\n", "L1 . a\\rb|c\\r\\rd\n");
    EXPECT("a CR at the very end is data", "a,b\r", "L1 . a|b\\r\n");
    EXPECT("a CR opening a record is data", "\rx\n", "L1 . \\rx\n");
    EXPECT("empty input", "", "");
    EXPECT("spaces are kept", " a , b \n", "L1 .  a | b \n");
    EXPECT("UTF-8 (Portuguese)",
           "cidade,estado\n\"S\xc3\xa3o Paulo, SP\",a\xc3\xa7\xc3\xa3o\n",
           "L1 . cidade|estado\nL2 . S\\xc3\\xa3o Paulo, SP|a\\xc3\\xa7\\xc3\\xa3o\n");
    EXPECT("NUL bytes are data", "a\0b,c\n", "L1 . a\\x00b|c\n");
}

/* empty lines are no records but count as lines. */
static void test_empty_lines(void)
{
    EXPECT("empty lines", "\n\na\n\r\n\nb\n\n", "L3 . a\nL6 . b\n");
    EXPECT("only empty lines", "\n\r\n\n", "");
    EXPECT("a quoted empty field is a record", "\"\"\n\n\"\"", "L1 . \nL3 . \n");
}

/* quotes: "" escapes, delimiters and line breaks inside, line numbers. */
static void test_quotes(void)
{
    EXPECT("quoted delimiter, quote, LF",
           "\"a,b\",\"c\"\"d\",\"e\nf\"\nx\n",
           "L1 . a,b|c\"d|e\\nf\nL3 . x\n");
    EXPECT("CRLF inside quotes is data", "\"a\r\nb\",c\r\nd\r\n",
           "L1 . a\\r\\nb|c\nL3 . d\n");
    EXPECT("a lone CR inside quotes is data", "\"a\rb\"\n", "L1 . a\\rb\n");
    EXPECT("only escapes", "\"\"\"\"\"\",\"\"\"\"\n", "L1 . \"\"|\"\n");
    EXPECT("quoted then CRLF", "\"a\"\r\n\"b\"\r\n", "L1 . a\nL2 . b\n");
    EXPECT("many line breaks in one field", "\"\n\n\n\",x\ny\n",
           "L1 . \\n\\n\\n|x\nL5 . y\n");
    EXPECT("quoted empty and unquoted empty", "\"\",,\"\"\n", "L1 . ||\n");
}

/* a BOM at the very start is skipped, counted, reported; elsewhere, data. */
static void test_bom(void)
{
    const char in[] = "\xEF\xBB\xBF" "a,b\n1,2\n";
    outcome o = parse_whole(in, sizeof in - 1, NULL);
    CHECK_EQ_STR(o.text, "L1 . a|b\nL2 . 1|2\n", "BOM skipped");
    CHECK(o.bom, "BOM reported");
    CHECK_EQ_INT(o.bytes, sizeof in - 1, "BOM counted in bytes");
    CHECK(splits_agree(in, sizeof in - 1, &o, NULL),
          "BOM split across chunks anywhere");
    outcome_free(&o);

    o = parse_whole("a\n", 2, NULL);
    CHECK(!o.bom, "no BOM reported without one");
    outcome_free(&o);

    EXPECT("BOM's prefix is data", "\xEF\xBBx,y\n", "L1 . \\xef\\xbbx|y\n");
    EXPECT("one BOM byte then the end", "\xEF", "L1 . \\xef\n");
    EXPECT("BOM prefix then the end", "\xEF\xBB", "L1 . \\xef\\xbb\n");
    EXPECT("only a BOM", "\xEF\xBB\xBF", "");
    EXPECT("a BOM then CRLF records", "\xEF\xBB\xBF" "a\r\nb\r\n",
           "L1 . a\nL2 . b\n");
    EXPECT("a second BOM is data", "\xEF\xBB\xBF\xEF\xBB\xBF" "a\n",
           "L1 . \\xef\\xbb\\xbfa\n");
    EXPECT("a BOM later is data", "a\n\xEF\xBB\xBF\n",
           "L1 . a\nL2 . \\xef\\xbb\\xbf\n");
    EXPECT("a BOM then a quoted field", "\xEF\xBB\xBF\"a\nb\"\n",
           "L1 . a\\nb\n");
}

/* flaws are per record and the parser resynchronises after them. */
static void test_flaws(void)
{
    EXPECT("stray quote in an unquoted field", "a,b\"c,d\ne,f\n",
           "L1 Q a|b\"c|d\nL2 . e|f\n");
    EXPECT("stray quote does not open a quoted field",
           "a\"b\nc,\"d\ne\",f\n", "L1 Q a\"b\nL2 . c|d\\ne|f\n");
    EXPECT("data after a closing quote", "\"a\"b,c\nd\n",
           "L1 Q ab|c\nL2 . d\n");
    EXPECT("a space after a closing quote", "\"a\" ,c\n", "L1 Q a |c\n");
    EXPECT("a CR then data after a closing quote", "\"a\"\rb\nc\n",
           "L1 Q a\\rb\nL2 . c\n");
    EXPECT("a CR at the end after a closing quote", "\"a\"\r",
           "L1 Q a\\r\n");
    EXPECT("quotes after the flaw still group line breaks",
           "x\"y,\"p\nq\"\nz\n", "L1 Q x\"y|p\\nq\nL3 . z\n");
    EXPECT("flaw on the last record", "a\nb\"", "L1 . a\nL2 Q b\"\n");
    EXPECT("ragged rows are reported as they are", "a,b,c\n1,2\n1,2,3,4\n",
           "L1 . a|b|c\nL2 . 1|2\nL3 . 1|2|3|4\n");
}

/* an open quote at the end is fatal, with the line it opened on. */
static void test_unterminated(void)
{
    const char in[] = "a,b\nc\nd,\"e,f\n\ng\n";
    expect_opt("unterminated quote", in, sizeof in - 1, NULL,
               "L1 . a|b\nL2 . c\n", SW_E_INVALID);
    outcome o = parse_whole(in, sizeof in - 1, NULL);
    CHECK_EQ_INT(o.error_line, 3, "unterminated quote: its line");
    outcome_free(&o);

    o = parse_whole("a\n", 2, NULL);
    CHECK_EQ_INT(o.error_line, 0, "no error line after a good finish");
    outcome_free(&o);

    expect_opt("only an open quote", "\"", 1, NULL, "", SW_E_INVALID);
    expect_opt("an open quote after escapes", "\"a\"\"", 4, NULL, "",
               SW_E_INVALID);
    expect_opt("a closing quote at the very end", "\"a\"\"\"", 5, NULL,
               "L1 . a\"\n", SW_OK);
    o = parse_whole("\xEF\xBB\xBF\n\n\"x", 6, NULL);
    CHECK(o.finish_rc == SW_E_INVALID && o.error_line == 3,
          "unterminated quote after a BOM and empty lines: line 3");
    outcome_free(&o);
}

/* max_fields: the record is flagged, the fields past the limit dropped. */
static void test_max_fields(void)
{
    sw_csv_options opt = {0, 3, 0};
    EXPECT_OPT("max_fields 3", "a,b,c\na,b,c,d,e\n\"x\ny\",z\n", &opt,
               "L1 . a|b|c\nL2 M a|b|c\nL3 . x\\ny|z\n");
    EXPECT_OPT("a trailing delimiter is one field more", "a,b,c,\nd\n", &opt,
               "L1 M a|b|c\nL2 . d\n");
    EXPECT_OPT("quotes in the dropped part still group lines",
               "a,b,c,\"d\ne\",f\ng\n", &opt, "L1 M a|b|c\nL3 . g\n");
    sw_csv_options one = {0, 1, 0};
    EXPECT_OPT("max_fields 1", "a\nb,c\nd\n", &one, "L1 . a\nL2 M b\nL3 . d\n");

    /* the default limit is 256, and the field array grows past 32 */
    sw_buf in = SW_BUF_INIT, want = SW_BUF_INIT;
    for (int i = 0; i < 256; i++)
        (void)sw_buf_appendf(&in, "%s%d", i ? "," : "", i);
    (void)sw_buf_append_byte(&in, '\n');
    outcome o = parse_whole(in.ptr, in.len, NULL);
    CHECK(strncmp(o.text, "L1 . 0|1|2|", 11) == 0 &&
              strstr(o.text, "|254|255\n") != NULL,
          "256 fields by default");
    CHECK_EQ_INT(o.fields, 256, "256 fields delivered");
    outcome_free(&o);
    in.len--; /* drop the LF: one field more */
    (void)sw_buf_append_cstr(&in, ",256\n");
    o = parse_whole(in.ptr, in.len, NULL);
    CHECK(strncmp(o.text, "L1 M 0|", 7) == 0 && o.fields == 256,
          "257 fields by default is too many, 256 kept");
    outcome_free(&o);
    o = parse_every(in.ptr, in.len, 7, NULL);
    CHECK(strncmp(o.text, "L1 M 0|", 7) == 0 && o.fields == 256,
          "257 fields in 7-byte chunks: too many, 256 kept");
    outcome_free(&o);
    sw_buf_free(&in);
    sw_buf_free(&want);
}

/* max_record_bytes: the record is flagged, its fields cut at the limit. */
static void test_max_record(void)
{
    sw_csv_options opt = {0, 0, 5};
    EXPECT_OPT("max_record_bytes 5", "abcde\nabcdef\nx\n", &opt,
               "L1 . abcde\nL2 L abcde\nL3 . x\n");
    EXPECT_OPT("the line end does not count", "abcde\r\nab,cd\r\n", &opt,
               "L1 . abcde\nL2 . ab|cd\n");
    EXPECT_OPT("cut inside a quoted field; its LF is no record end",
               "\"abcdefgh\nij\",k\nz\n", &opt, "L1 L abcd\nL3 . z\n");
    EXPECT_OPT("cut in the second field", "abcd,efg\n", &opt, "L1 L abcd|\n");
    EXPECT_OPT("cut at a delimiter", "abcde,fg\n", &opt, "L1 L abcde\n");
    EXPECT_OPT("cut with escapes", "\"a\"\"bcdef\"\n", &opt, "L1 L a\"b\n");
    EXPECT_OPT("too long at the end of the input", "abcdefgh", &opt,
               "L1 L abcde\n");

    /* a long record across many chunks, with and without the limit */
    size_t n = 200000;
    char *big = malloc(n + 8);
    memset(big, 'x', n);
    big[0] = '"';
    big[n / 2] = '\n';
    memcpy(big + n - 1, "\",y\nz\n", 6);
    size_t len = n + 5;
    outcome whole = parse_whole(big, len, NULL);
    outcome chunked = parse_every(big, len, 1000, NULL);
    CHECK(same_outcome(&whole, &chunked) &&
              strncmp(whole.text, "L1 . xxx", 8) == 0 &&
              strstr(whole.text, "x|y\nL3 . z\n") != NULL,
          "a 200 kB quoted field across 1000-byte chunks");
    outcome_free(&whole);
    outcome_free(&chunked);
    sw_csv_options lim = {0, 0, 1000};
    whole = parse_whole(big, len, &lim);
    chunked = parse_every(big, len, 997, &lim);
    CHECK(same_outcome(&whole, &chunked) &&
              strncmp(whole.text, "L1 L xxx", 8) == 0 &&
              strstr(whole.text, "\nL3 . z\n") != NULL &&
              strlen(whole.text) == 5 + 999 + 1 + 7,
          "a 200 kB record over a 1000-byte limit: cut to 999, next found");
    outcome_free(&whole);
    outcome_free(&chunked);

    /* an unquoted 200 kB field: cut at exactly 1000 bytes in any chunking */
    memset(big, 'u', n);
    memcpy(big + n, "\nz\n", 3);
    len = n + 3;
    whole = parse_whole(big, len, &lim);
    chunked = parse_every(big, len, 300, &lim);
    CHECK(same_outcome(&whole, &chunked) &&
              strncmp(whole.text, "L1 L uuu", 8) == 0 &&
              strlen(whole.text) == 5 + 1000 + 1 + 7 &&
              strcmp(whole.text + 1006, "L2 . z\n") == 0,
          "an unquoted 200 kB field over a 1000-byte limit: cut to 1000");
    outcome_free(&whole);
    outcome_free(&chunked);
    free(big);
}

/* other delimiters; the ones that cannot work are refused. */
static void test_delimiters(void)
{
    sw_csv_options semi = {';', 0, 0};
    EXPECT_OPT("semicolon", "a;b,c;\"d;e\"\n", &semi, "L1 . a|b,c|d;e\n");
    sw_csv_options tab = {'\t', 0, 0};
    EXPECT_OPT("tab", "a\tb\t\"c\td\"\n", &tab, "L1 . a|b|c\\x09d\n");
    sw_csv_parser *p = NULL;
    collect c = {SW_BUF_INIT, 0, 1, 0, SW_OK, NULL, 0, 0, 0};
    const char bad[] = {'"', '\r', '\n'};
    for (size_t i = 0; i < sizeof bad; i++) {
        sw_csv_options o = {bad[i], 0, 0};
        CHECK_EQ_INT(sw_csv_new(&o, on_record, &c, &p), SW_E_INVALID,
                     "quote, CR and LF are refused as delimiters");
        CHECK(p == NULL, "no parser for a refused delimiter");
    }
}

/* unquoted fields inside one chunk are not copied. */
static void test_zero_copy(void)
{
    const char in[] = "alpha,beta,\"gam\"\"ma\"\ndelta,epsilon\n";
    outcome o = parse_whole(in, sizeof in - 1, NULL);
    CHECK_EQ_INT(o.fields, 5, "five fields");
    CHECK_EQ_INT(o.in_chunk, 4, "the four unquoted fields point into the chunk");
    outcome_free(&o);
}

/* the callback's failure stops the parse and is returned again. */
static void test_callback_stop(void)
{
    collect c = {SW_BUF_INIT, 0, 1, 2, SW_E_IO, NULL, 0, 0, 0};
    sw_csv_parser *p = NULL;
    CHECK_EQ_INT(sw_csv_new(NULL, on_record, &c, &p), SW_OK, "new");
    CHECK_EQ_INT(sw_csv_feed(p, SW_CURSOR_LIT("a\nb\nc\nd\n")), SW_E_IO,
                 "feed returns the callback's failure");
    CHECK_EQ_INT(c.records, 2, "no record after the failing one");
    CHECK_EQ_INT(sw_csv_feed(p, SW_CURSOR_LIT("e\n")), SW_E_IO,
                 "a later feed returns it again");
    CHECK_EQ_INT(sw_csv_finish(p), SW_E_IO, "finish returns it again");
    CHECK_EQ_INT(c.records, 2, "still no more records");
    sw_csv_free(p);
    sw_buf_free(&c.text);

    /* stopping on a record delivered by finish, and feed after finish */
    collect d = {SW_BUF_INIT, 0, 1, 1, SW_E_CONDITION, NULL, 0, 0, 0};
    CHECK_EQ_INT(sw_csv_new(NULL, on_record, &d, &p), SW_OK, "new");
    CHECK_EQ_INT(sw_csv_feed(p, SW_CURSOR_LIT("x,y")), SW_OK, "feed");
    CHECK_EQ_INT(d.records, 0, "no record before the end");
    CHECK_EQ_INT(sw_csv_finish(p), SW_E_CONDITION,
                 "finish returns the callback's failure");
    sw_csv_free(p);
    sw_buf_free(&d.text);

    collect e = {SW_BUF_INIT, 0, 1, 0, SW_OK, NULL, 0, 0, 0};
    CHECK_EQ_INT(sw_csv_new(NULL, on_record, &e, &p), SW_OK, "new");
    CHECK_EQ_INT(sw_csv_finish(p), SW_OK, "finish of nothing");
    CHECK_EQ_INT(sw_csv_feed(p, SW_CURSOR_LIT("a\n")), SW_E_INVALID,
                 "feed after finish is refused");
    CHECK_EQ_INT(e.records, 0, "no records from nothing");
    sw_csv_free(p);
    sw_buf_free(&e.text);
    sw_csv_free(NULL);
}

/* flaw texts are short, distinct, and never NULL. */
static void test_flaw_text(void)
{
    const char *t[4];
    for (int i = 0; i < 4; i++)
        t[i] = sw_csv_flaw_text((sw_csv_flaw)i);
    CHECK(t[0] && t[1] && t[2] && t[3] && strcmp(t[1], t[2]) &&
              strcmp(t[2], t[3]) && strcmp(t[1], t[3]) &&
              !strchr(t[1], '\n'),
          "flaw texts are distinct one-liners");
    CHECK_EQ_STR(t[1], "stray quote", "BAD_QUOTE text");
}

/* ---- the writer --------------------------------------------------------- */

/* field_as: what sw_csv_append_field writes for a field. */
static char *field_as(const char *f, size_t len, char delim)
{
    sw_buf b = SW_BUF_INIT;
    if (sw_csv_append_field(&b, sw_cursor_from_mem(f, len), delim))
        return NULL;
    return sw_buf_detach(&b);
}

/* fields are quoted exactly when they must be. */
static void test_writer(void)
{
    static const struct {
        const char *in, *out;
        char delim;
    } cases[] = {
        {"plain", "plain", 0},
        {"", "", 0},
        {"a,b", "\"a,b\"", 0},
        {"a,b", "a,b", ';'},
        {"a;b", "\"a;b\"", ';'},
        {"say \"hi\"", "\"say \"\"hi\"\"\"", 0},
        {"a\nb", "\"a\nb\"", 0},
        {"a\rb", "\"a\rb\"", 0},
        {" lead", "\" lead\"", 0},
        {"trail ", "\"trail \"", 0},
        {"in side", "in side", 0},
        {"\xEF\xBB\xBFx", "\"\xEF\xBB\xBFx\"", 0},
        {"S\xc3\xa3o Paulo", "S\xc3\xa3o Paulo", 0},
        {"\"", "\"\"\"\"", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = field_as(cases[i].in, strlen(cases[i].in), cases[i].delim);
        char label[120];
        snprintf(label, sizeof label, "append_field case %zu", i);
        CHECK_EQ_STR(got, cases[i].out, label);
        free(got);
    }
    sw_buf b = SW_BUF_INIT;
    sw_cursor f[3] = {SW_CURSOR_LIT("a"), SW_CURSOR_LIT("b,c"),
                      SW_CURSOR_LIT("")};
    CHECK_EQ_INT(sw_csv_append_record(&b, f, 3, 0), SW_OK, "append_record");
    CHECK_EQ_STR(b.ptr, "a,\"b,c\",\n", "record joined, LF ended");
    sw_buf_reset(&b);
    CHECK_EQ_INT(sw_csv_append_record(&b, f + 2, 1, '\t'), SW_OK,
                 "append_record of one empty field");
    CHECK_EQ_STR(b.ptr, "\"\"\n", "one empty field is written \"\"");
    sw_buf_reset(&b);
    CHECK_EQ_INT(sw_csv_append_record(&b, f, 2, '|'), SW_OK,
                 "append_record with |");
    CHECK_EQ_STR(b.ptr, "a|b,c\n", "| delimiter");
    sw_buf_free(&b);
}

/* ---- property test: write, read back in any chunking ------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

/* rnd: xorshift64*, deterministic so a failure can be replayed. */
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

/* random_field: bytes biased to the interesting ones. */
static size_t random_field(char *f, size_t max)
{
    static const char *const pieces[] = {
        "\"", ",", "\r", "\n", "\r\n", " ", "\"\"", "\xc3\xa3", "\xe2\x82\xac",
        "\xEF\xBB\xBF", ";", "a", "Z", "0", "\xff", "\t"};
    size_t len = 0, want = rnd() % 4 == 0 ? 0 : rnd() % max;
    while (len < want) {
        if (rnd() % 3 == 0) {
            f[len++] = (char)(rnd() & 0xff);
        } else {
            const char *p = pieces[rnd() % (sizeof pieces / sizeof pieces[0])];
            size_t pl = strlen(p);
            if (len + pl > max)
                break;
            memcpy(f + len, p, pl);
            len += pl;
        }
    }
    return len;
}

/* test_round_trip: random records through the writer and back. */
static void test_round_trip(void)
{
    int failures = 0, runs = 0;
    for (int iter = 0; iter < 300 && failures < 3; iter++) {
        char delim = iter % 5 == 4 ? ';' : ',';
        int crlf = iter % 3 == 2;
        sw_buf csv = SW_BUF_INIT, want = SW_BUF_INIT;
        size_t nrec = 1 + rnd() % 12;
        uint64_t line = 1;
        for (size_t r = 0; r < nrec; r++) {
            sw_cursor fields[9];
            char store[9][40];
            size_t nf = 1 + rnd() % 9;
            for (size_t i = 0; i < nf; i++)
                fields[i] = sw_cursor_from_mem(store[i],
                                               random_field(store[i], 40));
            size_t at = csv.len;
            (void)sw_csv_append_record(&csv, fields, nf, delim);
            if (crlf) { /* CRLF line end instead of LF */
                csv.len--;
                (void)sw_buf_append_cstr(&csv, "\r\n");
            }
            /* the expected text: same format as on_record */
            (void)sw_buf_appendf(&want, "L%llu . ", (unsigned long long)line);
            for (size_t i = 0; i < nf; i++) {
                if (i)
                    (void)sw_buf_append_byte(&want, '|');
                esc_append(&want, fields[i]);
            }
            (void)sw_buf_append_byte(&want, '\n');
            for (size_t k = at; k < csv.len; k++)
                line += csv.ptr[k] == '\n';
        }
        if (iter % 2) { /* sometimes no final line end */
            csv.len -= crlf ? 2 : 1;
        }
        sw_csv_options opt = {delim, 0, 0};
        for (size_t size = 1; size <= 18 && failures < 3; size++) {
            outcome o;
            if (size <= 17) {
                o = parse_every(csv.ptr, csv.len, size, &opt);
            } else { /* random cuts */
                size_t cuts[16], nc = rnd() % 16;
                for (size_t k = 0; k < nc; k++)
                    cuts[k] = csv.len ? rnd() % (csv.len + 1) : 0;
                for (size_t a = 1; a < nc; a++) /* insertion sort */
                    for (size_t b = a; b && cuts[b - 1] > cuts[b]; b--) {
                        size_t t = cuts[b];
                        cuts[b] = cuts[b - 1];
                        cuts[b - 1] = t;
                    }
                o = parse_cuts(csv.ptr, csv.len, cuts, nc, &opt);
            }
            runs++;
            if (strcmp(o.text, want.ptr) != 0 || o.finish_rc != SW_OK ||
                o.feed_rc != SW_OK || !o.numbering_ok) {
                failures++;
                printf("# iteration %d, chunk size %zu\n# want:\n%s# got:\n%s",
                       iter, size, want.ptr, o.text);
            }
            outcome_free(&o);
        }
        sw_buf_free(&csv);
        sw_buf_free(&want);
    }
    CHECK(failures == 0, "random records round-trip through every chunking");
    CHECK(runs >= 300 * 18, "every round trip ran");
}

/* test_big_random: a long random file parses the same whole, in odd
 * chunks, and record by record against the writer's own count. */
static void test_big_random(void)
{
    sw_buf csv = SW_BUF_INIT;
    size_t nrec = 5000, total_fields = 0;
    for (size_t r = 0; r < nrec; r++) {
        sw_cursor fields[12];
        char store[12][40];
        size_t nf = 1 + rnd() % 12;
        for (size_t i = 0; i < nf; i++)
            fields[i] = sw_cursor_from_mem(store[i], random_field(store[i], 40));
        (void)sw_csv_append_record(&csv, fields, nf, 0);
        total_fields += nf;
    }
    outcome whole = parse_whole(csv.ptr, csv.len, NULL);
    CHECK_EQ_INT(whole.fields, total_fields, "5000 random records: every field");
    static const size_t sizes[] = {63, 64, 65, 127, 4096, 65537};
    int same = 1;
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        outcome o = parse_every(csv.ptr, csv.len, sizes[k], NULL);
        same &= same_outcome(&whole, &o);
        outcome_free(&o);
    }
    CHECK(same, "5000 random records: same in chunks of 63..65537 bytes");
    outcome_free(&whole);
    sw_buf_free(&csv);
}

int main(void)
{
    test_basic();
    test_empty_lines();
    test_quotes();
    test_bom();
    test_flaws();
    test_unterminated();
    test_max_fields();
    test_max_record();
    test_delimiters();
    test_zero_copy();
    test_callback_stop();
    test_flaw_text();
    test_writer();
    test_round_trip();
    test_big_random();
    return SW_TEST_DONE();
}
