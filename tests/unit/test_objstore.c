/* test_objstore.c - sw/objstore.h without a network: location helpers
 * (sw_obj_is_s3, sw_obj_join), the errors a malformed or unusable location
 * gives before any call, local reads and writes in a temp directory
 * (chunking, a sink that stops the read, atomic commit and abort, errors
 * naming the path), and sw_aws_xml_text, which the S3 calls parse answers
 * with. S3 transfers are tested against moto in
 * tests/integration/test_objstore.py. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sw/objstore.h"
#include "sw_test.h"

/* test_is_s3: only the exact lower-case scheme counts. */
static void test_is_s3(void)
{
    CHECK(sw_obj_is_s3("s3://b/k"), "s3://b/k is S3");
    CHECK(sw_obj_is_s3("s3://"), "bare scheme is S3 (then malformed)");
    CHECK(!sw_obj_is_s3("S3://b/k"), "upper-case scheme is a path");
    CHECK(!sw_obj_is_s3("s3:/b/k"), "s3:/ is a path");
    CHECK(!sw_obj_is_s3("/tmp/s3://x"), "s3:// inside a path");
    CHECK(!sw_obj_is_s3(""), "empty is not S3");
    CHECK(!sw_obj_is_s3(NULL), "NULL is not S3");
}

/* test_join: exactly one '/' whatever the prefix ends with; overflow. */
static void test_join(void)
{
    char out[64];
    static const struct {
        const char *prefix, *name, *want;
    } cases[] = {
        {"s3://b/run", "stage/orders.csv", "s3://b/run/stage/orders.csv"},
        {"s3://b/run/", "x", "s3://b/run/x"},
        {"s3://b/run//", "x", "s3://b/run/x"},
        {"/data/work", "r1", "/data/work/r1"},
        {"work", "r1", "work/r1"},
        {"/", "r1", "/r1"},
        {"", "r1", "r1"},
        {"s3://b", "k", "s3://b/k"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char what[128];
        snprintf(what, sizeof what, "join \"%s\" + \"%s\"", cases[i].prefix,
                 cases[i].name);
        CHECK_EQ_INT(sw_obj_join(out, sizeof out, cases[i].prefix,
                                 cases[i].name),
                     SW_OK, what);
        CHECK_EQ_STR(out, cases[i].want, what);
    }
    char small[8];
    CHECK_EQ_INT(sw_obj_join(small, sizeof small, "abc", "defg"),
                 SW_E_OVERFLOW, "\"abc/defg\" needs 9 bytes: overflow");
    CHECK_EQ_STR(small, "", "overflow leaves an empty string");
    CHECK_EQ_INT(sw_obj_join(small, sizeof small, "abc", "def"), SW_OK,
                 "\"abc/def\" fits 8 bytes exactly");
    CHECK_EQ_INT(sw_obj_join(small, 0, "a", "b"), SW_E_OVERFLOW,
                 "zero capacity");
}

/* collect: a sink appending to an sw_buf, counting chunks; stops with
 * SW_E_CONDITION once the buffer passes stop_after (if set). */
typedef struct collect {
    sw_buf got;
    size_t chunks, max_chunk, stop_after;
} collect;

static sw_result collect_sink(void *ctx, sw_cursor chunk)
{
    collect *c = ctx;
    c->chunks++;
    if (chunk.len > c->max_chunk)
        c->max_chunk = chunk.len;
    if (sw_buf_append_cursor(&c->got, chunk))
        return SW_E_NOMEM;
    return c->stop_after && c->got.len > c->stop_after ? SW_E_CONDITION
                                                       : SW_OK;
}

/* test_location_errors: malformed s3:// locations and missing clients are
 * refused before any call, with a message saying why. */
static void test_location_errors(void)
{
    sw_aws_error err;
    collect c = {SW_BUF_INIT, 0, 0, 0};
    static const struct {
        const char *loc, *why_part;
    } bad[] = {
        {"s3://Bad_Bucket/k", "bucket"},
        {"s3://ab/k", "bucket"},
        {"s3://bucket", "key"},
        {"s3://bucket/", "empty"},
        {"s3://bucket/a/../b", "segment"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char what[128];
        snprintf(what, sizeof what, "read %s: SW_E_INVALID", bad[i].loc);
        CHECK_EQ_INT(sw_obj_read(NULL, bad[i].loc, collect_sink, &c, &err),
                     SW_E_INVALID, what);
        snprintf(what, sizeof what, "read %s: message says %s and names it",
                 bad[i].loc, bad[i].why_part);
        CHECK(strstr(err.message, bad[i].why_part) &&
                  strstr(err.message, bad[i].loc),
              what);
        sw_obj_writer *w = (sw_obj_writer *)&c; /* must be set to NULL */
        snprintf(what, sizeof what, "open %s: SW_E_INVALID, no writer",
                 bad[i].loc);
        CHECK(sw_obj_writer_open(NULL, bad[i].loc, NULL, &w, &err) ==
                      SW_E_INVALID &&
                  w == NULL,
              what);
    }
    CHECK_EQ_INT(sw_obj_read(NULL, "s3://bucket/k", collect_sink, &c, &err),
                 SW_E_INVALID, "valid s3:// without a client: SW_E_INVALID");
    CHECK(strstr(err.message, "client") != NULL, "... message says why");
    CHECK_EQ_INT(sw_obj_read(NULL, "", collect_sink, &c, NULL), SW_E_INVALID,
                 "empty location (err NULL is fine)");
    sw_obj_writer *w = NULL;
    CHECK_EQ_INT(sw_obj_writer_open(NULL, "s3://bucket/k", NULL, &w, &err),
                 SW_E_INVALID, "writer for s3:// without a client");
    CHECK_EQ_INT(c.chunks, 0, "the sink was never called");
    sw_buf_free(&c.got);
}

/* write_file: creates path with n bytes of a pattern. Returns 0 on
 * success. */
static int write_file(const char *path, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    for (size_t i = 0; i < n; i++)
        fputc((int)(i * 7 % 251), f);
    return fclose(f);
}

/* pattern_ok: the bytes write_file wrote. */
static int pattern_ok(const sw_buf *b, size_t n)
{
    if (b->len != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)b->ptr[i] != (unsigned char)(i * 7 % 251))
            return 0;
    return 1;
}

/* test_local_read: 1 MiB chunks, an empty file, a stopping sink, a
 * missing file and a directory. */
static void test_local_read(const char *dir)
{
    char path[512];
    sw_aws_error err;
    snprintf(path, sizeof path, "%s/in.bin", dir);
    size_t n = (2u << 20) + 3;
    CHECK(write_file(path, n) == 0, "fixture file written");
    collect c = {SW_BUF_INIT, 0, 0, 0};
    CHECK_EQ_INT(sw_obj_read(NULL, path, collect_sink, &c, &err), SW_OK,
                 "local read");
    CHECK(pattern_ok(&c.got, n), "local read: same bytes");
    CHECK_EQ_INT(c.chunks, 3, "2 MiB + 3 bytes in 3 chunks");
    CHECK_EQ_INT(c.max_chunk, 1 << 20, "chunks of 1 MiB");

    sw_buf_free(&c.got);
    c = (collect){SW_BUF_INIT, 0, 0, 1};
    CHECK_EQ_INT(sw_obj_read(NULL, path, collect_sink, &c, &err),
                 SW_E_CONDITION, "a sink's error stops the read");
    CHECK_EQ_INT(c.chunks, 1, "... after the first chunk");

    snprintf(path, sizeof path, "%s/empty", dir);
    CHECK(write_file(path, 0) == 0, "empty fixture written");
    sw_buf_free(&c.got);
    c = (collect){SW_BUF_INIT, 0, 0, 0};
    CHECK_EQ_INT(sw_obj_read(NULL, path, collect_sink, &c, &err), SW_OK,
                 "empty file: SW_OK");
    CHECK_EQ_INT(c.chunks, 0, "empty file: no chunk");

    snprintf(path, sizeof path, "%s/missing/x.csv", dir);
    CHECK_EQ_INT(sw_obj_read(NULL, path, collect_sink, &c, &err), SW_E_IO,
                 "missing file: SW_E_IO");
    CHECK(strstr(err.message, path) &&
              strstr(err.message, "No such file or directory"),
          "missing file: message has path and strerror");
    CHECK_EQ_INT(sw_obj_read(NULL, dir, collect_sink, &c, &err), SW_E_IO,
                 "a directory: SW_E_IO");
    sw_buf_free(&c.got);
}

/* count_entries: files in dir (without . and ..), or -1. */
static int count_entries(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    int n = -1;
    if (fscanf(p, "%d", &n) != 1)
        n = -1;
    pclose(p);
    return n;
}

/* test_local_write: parents created, atomic commit, abort, bytes count,
 * an unwritable location. */
static void test_local_write(const char *dir)
{
    char path[600], sub[512];
    sw_aws_error err;
    snprintf(sub, sizeof sub, "%s/out/a/b", dir);
    snprintf(path, sizeof path, "%s/obj.csv", sub);
    sw_obj_writer *w = NULL;
    CHECK_EQ_INT(sw_obj_writer_open(NULL, path, NULL, &w, &err), SW_OK,
                 "open with missing parents");
    CHECK(access(path, F_OK) != 0, "nothing at the path before commit");
    CHECK_EQ_INT(count_entries(sub), 1, "one temp file while writing");
    CHECK_EQ_INT(sw_obj_writer_write(w, SW_CURSOR_LIT("a,b\n"), &err), SW_OK,
                 "write 1");
    CHECK_EQ_INT(sw_obj_writer_write(w, SW_CURSOR_LIT("1,2\n"), &err), SW_OK,
                 "write 2");
    CHECK_EQ_INT(sw_obj_writer_write(w, SW_CURSOR_NULL, &err), SW_OK,
                 "empty write");
    CHECK_EQ_INT(sw_obj_writer_bytes(w), 8, "8 bytes counted");
    CHECK_EQ_INT(sw_obj_writer_commit(w, &err), SW_OK, "commit");
    collect c = {SW_BUF_INIT, 0, 0, 0};
    CHECK_EQ_INT(sw_obj_read(NULL, path, collect_sink, &c, &err), SW_OK,
                 "read back");
    CHECK_EQ_STR(c.got.ptr, "a,b\n1,2\n", "committed content");
    CHECK_EQ_INT(count_entries(sub), 1, "no temp file after commit");

    CHECK_EQ_INT(sw_obj_writer_open(NULL, path, NULL, &w, &err), SW_OK,
                 "open over an existing object");
    CHECK_EQ_INT(sw_obj_writer_write(w, SW_CURSOR_LIT("new"), &err), SW_OK,
                 "write new content");
    sw_obj_writer_abort(w);
    sw_buf_free(&c.got);
    c = (collect){SW_BUF_INIT, 0, 0, 0};
    CHECK_EQ_INT(sw_obj_read(NULL, path, collect_sink, &c, &err), SW_OK,
                 "read after abort");
    CHECK_EQ_STR(c.got.ptr, "a,b\n1,2\n", "abort keeps the old object");
    CHECK_EQ_INT(count_entries(sub), 1, "abort removes the temp file");
    sw_obj_writer_abort(NULL);
    CHECK_EQ_INT(sw_obj_writer_bytes(NULL), 0, "bytes of NULL is 0");

    /* a regular file where a parent directory should be */
    char bad[700];
    snprintf(bad, sizeof bad, "%s/sub/x.csv", path);
    w = NULL;
    CHECK_EQ_INT(sw_obj_writer_open(NULL, bad, NULL, &w, &err), SW_E_IO,
                 "parent is a regular file: SW_E_IO");
    CHECK(w == NULL && strstr(err.message, path) != NULL,
          "... no writer, message names the path");
    snprintf(bad, sizeof bad, "%s/dir/", dir);
    CHECK_EQ_INT(sw_obj_writer_open(NULL, bad, NULL, &w, &err),
                 SW_E_INVALID, "a location ending in '/' is refused");
    sw_buf_free(&c.got);
}

/* test_xml_text: the element text S3 answers are read with. */
static void test_xml_text(void)
{
    char out[16];
    sw_cursor body = SW_CURSOR_LIT(
        "<?xml version=\"1.0\"?><InitiateMultipartUploadResult>"
        "<Bucket>b</Bucket><UploadId>a&amp;b&lt;c</UploadId>"
        "</InitiateMultipartUploadResult>");
    CHECK(sw_aws_xml_text(body, "UploadId", out, sizeof out),
          "UploadId found");
    CHECK_EQ_STR(out, "a&b<c", "entities decoded");
    CHECK(!sw_aws_xml_text(body, "Key", out, sizeof out) && !out[0],
          "missing element: false, empty");
    char tiny[4];
    CHECK(!sw_aws_xml_text(body, "UploadId", tiny, sizeof tiny),
          "text longer than the buffer: false");
    CHECK_EQ_STR(tiny, "a&b", "... truncated, terminated");
}

int main(void)
{
    char dir[] = "/tmp/test_objstore.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_is_s3();
    test_join();
    test_location_errors();
    test_local_read(dir);
    test_local_write(dir);
    test_xml_text();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return SW_TEST_DONE();
}
