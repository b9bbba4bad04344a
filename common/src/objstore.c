/* objstore.c - whole objects at a local path or s3://bucket/key, read as a
 * stream and written atomically (see sw/objstore.h).
 *
 * Local files are read in 1 MiB chunks and written to "<path>.tmp.<pid>",
 * then fsync'ed and renamed over the path, so a reader never sees half an
 * object and a crashed writer leaves only its temp file. S3 objects are
 * read with sw_s3_get_object_stream (resumed by Range after a broken
 * transfer) and written from a buffer of at most part_bytes: one PutObject
 * when the object fits, else a multipart upload whose parts go out as the
 * buffer fills. The buffer is flushed as a part only when more bytes
 * arrive, so an object of exactly part_bytes is still one PutObject. */
#include "sw/objstore.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "sw/s3.h"

#define READ_CHUNK ((size_t)1 << 20)
#define PART_MIN ((size_t)5 << 20)           /* S3's minimum part size */
#define PART_MAX ((size_t)5 << 30)           /* and maximum */
#define MAX_PARTS 10000

struct sw_obj_writer {
    bool s3;
    uint64_t bytes;
    bool failed; /* a write failed: only abort is valid */
    /* local */
    FILE *f;
    char path[SW_OBJ_URI_MAX];
    char tmp[SW_OBJ_URI_MAX + 32];
    /* S3 */
    sw_aws_client *client; /* borrowed */
    sw_s3_location loc;
    char *content_type;
    size_t part_bytes;
    sw_buf buf;          /* bytes not yet uploaded, at most part_bytes */
    sw_buf upload_id;    /* "" until a multipart upload is started */
    sw_s3_part *parts;   /* uploaded parts, etags owned */
    size_t nparts, cap_parts;
};

/* sw_obj_is_s3: the "s3://" prefix test. */
bool sw_obj_is_s3(const char *loc)
{
    return loc && strncmp(loc, "s3://", 5) == 0;
}

/* sw_obj_join: prefix, one '/', name. An empty prefix gives name alone
 * (a relative path), not "/name". Returns SW_OK or SW_E_OVERFLOW (out is
 * then ""). */
sw_result sw_obj_join(char *out, size_t cap, const char *prefix,
                      const char *name)
{
    if (!cap)
        return SW_E_OVERFLOW;
    size_t pl = strlen(prefix);
    while (pl && prefix[pl - 1] == '/')
        pl--;
    /* "/" stays the root: strip to "" but keep the separator below. */
    bool sep = pl > 0 || prefix[0] == '/';
    int n = snprintf(out, cap, "%.*s%s%s", (int)pl, prefix, sep ? "/" : "",
                     name);
    if (n < 0 || (size_t)n >= cap) {
        out[0] = '\0';
        return SW_E_OVERFLOW;
    }
    return SW_OK;
}

/* io_error: SW_E_IO with "<what> <path>: <strerror(errno)>" in err. */
static sw_result io_error(sw_aws_error *err, const char *what,
                          const char *path, int errnum)
{
    char msg[sizeof err->message];
    snprintf(msg, sizeof msg, "%s %.400s: %s", what, path, strerror(errnum));
    return sw_aws_local_error(err, SW_E_IO, msg);
}

/* parse_s3: splits an s3:// location, err->message saying why it is not
 * one. Returns SW_OK or SW_E_INVALID. */
static sw_result parse_s3(const char *loc, sw_s3_location *out,
                          sw_aws_error *err)
{
    const char *why = NULL;
    if (sw_s3_parse_uri(loc, out, &why)) {
        char msg[sizeof err->message];
        snprintf(msg, sizeof msg, "%.400s: %s", loc, why);
        return sw_aws_local_error(err, SW_E_INVALID, msg);
    }
    return SW_OK;
}

/* check_local: a local location must be a non-empty path that fits.
 * Returns SW_OK or SW_E_INVALID with err->message. */
static sw_result check_local(const char *loc, sw_aws_error *err)
{
    if (!loc || !*loc)
        return sw_aws_local_error(err, SW_E_INVALID, "empty location");
    if (strlen(loc) >= SW_OBJ_URI_MAX)
        return sw_aws_local_error(err, SW_E_INVALID,
                                  "location longer than 1099 bytes");
    return SW_OK;
}

/* read_local: streams a file to sink in READ_CHUNK pieces. Returns SW_OK,
 * SW_E_IO, SW_E_NOMEM or the sink's result. */
static sw_result read_local(const char *path, sw_obj_sink_fn sink, void *ctx,
                            sw_aws_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return io_error(err, "cannot open", path, errno);
    char *chunk = malloc(READ_CHUNK);
    if (!chunk) {
        fclose(f);
        return sw_aws_local_error(err, SW_E_NOMEM, "out of memory");
    }
    sw_result rc = SW_OK;
    for (;;) {
        size_t n = fread(chunk, 1, READ_CHUNK, f);
        if (n) {
            rc = sink(ctx, sw_cursor_from_mem(chunk, n));
            if (rc) {
                sw_aws_local_error(err, rc, "the object's consumer stopped");
                break;
            }
        }
        if (n < READ_CHUNK) {
            if (ferror(f))
                rc = io_error(err, "cannot read", path, errno);
            break;
        }
    }
    free(chunk);
    fclose(f);
    return rc;
}

/* sw_obj_read: a local file or an S3 object, streamed to sink. Returns as
 * described in sw/objstore.h. */
sw_result sw_obj_read(sw_aws_client *s3, const char *loc, sw_obj_sink_fn sink,
                      void *ctx, sw_aws_error *err)
{
    sw_aws_error scratch;
    if (!err)
        err = &scratch;
    memset(err, 0, sizeof *err);
    if (!sink)
        return sw_aws_local_error(err, SW_E_INVALID, "no sink");
    if (!sw_obj_is_s3(loc)) {
        sw_result rc = check_local(loc, err);
        return rc ? rc : read_local(loc, sink, ctx, err);
    }
    sw_s3_location l;
    sw_result rc = parse_s3(loc, &l, err);
    if (rc)
        return rc;
    if (!s3)
        return sw_aws_local_error(err, SW_E_INVALID,
                                  "an s3:// location needs an S3 client");
    return sw_s3_get_object_stream(s3, l.bucket, l.key, sink, ctx, err);
}

/* mkdir_parents: creates every missing directory above path (mkdir -p of
 * its dirname). Returns SW_OK or SW_E_IO naming the directory. */
static sw_result mkdir_parents(const char *path, sw_aws_error *err)
{
    char dir[SW_OBJ_URI_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *last = strrchr(dir, '/');
    if (!last || last == dir)
        return SW_OK;
    *last = '\0';
    for (char *p = dir + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(dir, 0777) != 0 && errno != EEXIST)
            return io_error(err, "cannot create directory", dir, errno);
        *p = saved;
        if (!saved)
            break;
    }
    return SW_OK;
}

/* writer_free: releases everything the writer holds (no remote calls). */
static void writer_free(sw_obj_writer *w)
{
    if (w->f)
        fclose(w->f);
    for (size_t i = 0; i < w->nparts; i++)
        free((char *)w->parts[i].etag);
    free(w->parts);
    free(w->content_type);
    sw_buf_free(&w->buf);
    sw_buf_free(&w->upload_id);
    free(w);
}

/* open_local: creates the parents and the temp file. Returns SW_OK,
 * SW_E_INVALID, SW_E_IO. */
static sw_result open_local(sw_obj_writer *w, const char *loc,
                            sw_aws_error *err)
{
    sw_result rc = check_local(loc, err);
    if (rc)
        return rc;
    size_t n = strlen(loc);
    if (loc[n - 1] == '/')
        return sw_aws_local_error(err, SW_E_INVALID,
                                  "a local location names a file, not a "
                                  "directory");
    snprintf(w->path, sizeof w->path, "%s", loc);
    snprintf(w->tmp, sizeof w->tmp, "%s.tmp.%ld", loc, (long)getpid());
    rc = mkdir_parents(loc, err);
    if (rc)
        return rc;
    w->f = fopen(w->tmp, "wb");
    if (!w->f)
        return io_error(err, "cannot create", w->tmp, errno);
    return SW_OK;
}

/* sw_obj_writer_open: a local temp file or an S3 buffer. Returns as
 * described in sw/objstore.h. */
sw_result sw_obj_writer_open(sw_aws_client *s3, const char *loc,
                             const sw_obj_writer_options *opt,
                             sw_obj_writer **out, sw_aws_error *err)
{
    sw_aws_error scratch;
    if (!err)
        err = &scratch;
    memset(err, 0, sizeof *err);
    *out = NULL;
    sw_obj_writer *w = calloc(1, sizeof *w);
    if (!w)
        return sw_aws_local_error(err, SW_E_NOMEM, "out of memory");
    sw_result rc;
    if (!sw_obj_is_s3(loc)) {
        rc = open_local(w, loc, err);
    } else {
        w->s3 = true;
        w->client = s3;
        w->part_bytes = opt && opt->part_bytes ? opt->part_bytes
                                               : SW_OBJ_PART_DEFAULT;
        const char *ct = opt && opt->content_type
                             ? opt->content_type
                             : "application/octet-stream";
        rc = parse_s3(loc, &w->loc, err);
        if (!rc && !s3)
            rc = sw_aws_local_error(err, SW_E_INVALID,
                                    "an s3:// location needs an S3 client");
        if (!rc && (w->part_bytes < PART_MIN || w->part_bytes > PART_MAX))
            rc = sw_aws_local_error(err, SW_E_INVALID,
                                    "part_bytes must be 5 MiB to 5 GiB");
        if (!rc && !(w->content_type = strdup(ct)))
            rc = sw_aws_local_error(err, SW_E_NOMEM, "out of memory");
    }
    if (rc) {
        if (w->f) {
            fclose(w->f);
            w->f = NULL;
            unlink(w->tmp);
        }
        writer_free(w);
        return rc;
    }
    *out = w;
    return SW_OK;
}

/* upload_buffer: sends the buffer as the next part (starting the multipart
 * upload first if needed) and empties it. Returns SW_OK, SW_E_OVERFLOW
 * (more than 10000 parts), SW_E_NOMEM or the S3 error. */
static sw_result upload_buffer(sw_obj_writer *w, sw_aws_error *err)
{
    sw_result rc;
    if (!w->upload_id.len) {
        rc = sw_s3_create_multipart(w->client, w->loc.bucket, w->loc.key,
                                    w->content_type, &w->upload_id, err);
        if (rc)
            return rc;
    }
    if (w->nparts == MAX_PARTS)
        return sw_aws_local_error(err, SW_E_OVERFLOW,
                                  "object needs more than 10000 parts: "
                                  "raise part_bytes");
    if (w->nparts == w->cap_parts) {
        size_t nc = w->cap_parts ? w->cap_parts * 2 : 16;
        sw_s3_part *np = realloc(w->parts, nc * sizeof *np);
        if (!np)
            return sw_aws_local_error(err, SW_E_NOMEM, "out of memory");
        w->parts = np;
        w->cap_parts = nc;
    }
    sw_buf etag = SW_BUF_INIT;
    int number = (int)w->nparts + 1;
    rc = sw_s3_upload_part(w->client, w->loc.bucket, w->loc.key,
                           w->upload_id.ptr, number,
                           sw_cursor_from_buf(&w->buf), &etag, err);
    if (!rc) {
        char *e = sw_buf_detach(&etag);
        if (!e)
            rc = sw_aws_local_error(err, SW_E_NOMEM, "out of memory");
        else
            w->parts[w->nparts++] = (sw_s3_part){number, e};
    }
    sw_buf_free(&etag);
    if (!rc)
        sw_buf_reset(&w->buf);
    return rc;
}

/* sw_obj_writer_write: appends to the temp file or the S3 buffer,
 * uploading a full buffer as a part once more bytes follow it. Returns
 * as described in sw/objstore.h. */
sw_result sw_obj_writer_write(sw_obj_writer *w, sw_cursor data,
                              sw_aws_error *err)
{
    sw_aws_error scratch;
    if (!err)
        err = &scratch;
    memset(err, 0, sizeof *err);
    if (w->failed)
        return sw_aws_local_error(err, SW_E_INVALID,
                                  "write after a failed write");
    sw_result rc = SW_OK;
    size_t total = data.len;
    if (!w->s3) {
        if (data.len && fwrite(data.ptr, 1, data.len, w->f) != data.len)
            rc = io_error(err, "cannot write", w->tmp, errno);
    } else {
        while (!rc && data.len) {
            if (w->buf.len == w->part_bytes) {
                rc = upload_buffer(w, err);
                if (rc)
                    break;
            }
            /* One allocation of the part size, reused for every part. */
            size_t take = w->part_bytes - w->buf.len;
            if (take > data.len)
                take = data.len;
            if ((!w->buf.cap && sw_buf_reserve(&w->buf, w->part_bytes)) ||
                sw_buf_append(&w->buf, data.ptr, take)) {
                rc = sw_aws_local_error(err, SW_E_NOMEM, "out of memory");
                break;
            }
            data.ptr += take;
            data.len -= take;
        }
    }
    if (rc) {
        w->failed = true;
        return rc;
    }
    w->bytes += total;
    return SW_OK;
}

/* commit_local: flush, fsync, close, rename. Returns SW_OK or SW_E_IO. */
static sw_result commit_local(sw_obj_writer *w, sw_aws_error *err)
{
    FILE *f = w->f;
    w->f = NULL;
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        int e = errno;
        fclose(f);
        return io_error(err, "cannot write", w->tmp, e);
    }
    if (fclose(f) != 0)
        return io_error(err, "cannot write", w->tmp, errno);
    if (rename(w->tmp, w->path) != 0)
        return io_error(err, "cannot rename to", w->path, errno);
    return SW_OK;
}

/* commit_s3: one PutObject, or the last part and CompleteMultipartUpload.
 * Returns SW_OK or the S3 error. */
static sw_result commit_s3(sw_obj_writer *w, sw_aws_error *err)
{
    if (!w->upload_id.len)
        return sw_s3_put_object(w->client, w->loc.bucket, w->loc.key,
                                sw_cursor_from_buf(&w->buf), w->content_type,
                                err);
    /* Never empty: a full buffer is flushed only when more bytes follow. */
    sw_result rc = upload_buffer(w, err);
    if (!rc)
        rc = sw_s3_complete_multipart(w->client, w->loc.bucket, w->loc.key,
                                      w->upload_id.ptr, w->parts, w->nparts,
                                      err);
    return rc;
}

/* sw_obj_writer_commit: makes the object visible, or aborts on failure;
 * frees the writer either way. Returns as described in sw/objstore.h. */
sw_result sw_obj_writer_commit(sw_obj_writer *w, sw_aws_error *err)
{
    sw_aws_error scratch;
    if (!err)
        err = &scratch;
    memset(err, 0, sizeof *err);
    if (!w)
        return sw_aws_local_error(err, SW_E_INVALID, "no writer");
    sw_result rc;
    if (w->failed)
        rc = sw_aws_local_error(err, SW_E_INVALID,
                                "commit after a failed write");
    else
        rc = w->s3 ? commit_s3(w, err) : commit_local(w, err);
    if (rc) {
        sw_obj_writer_abort(w);
        return rc;
    }
    writer_free(w);
    return SW_OK;
}

/* sw_obj_writer_abort: removes the temp file or aborts the multipart
 * upload (best effort: an upload that cannot be aborted is left to the
 * bucket's lifecycle rule), then frees. */
void sw_obj_writer_abort(sw_obj_writer *w)
{
    if (!w)
        return;
    if (!w->s3) {
        if (w->f) {
            fclose(w->f);
            w->f = NULL;
        }
        unlink(w->tmp);
    } else if (w->upload_id.len) {
        sw_aws_error e;
        (void)sw_s3_abort_multipart(w->client, w->loc.bucket, w->loc.key,
                                    w->upload_id.ptr, &e);
    }
    writer_free(w);
}

/* sw_obj_writer_bytes: bytes accepted so far. */
uint64_t sw_obj_writer_bytes(const sw_obj_writer *w)
{
    return w ? w->bytes : 0;
}
