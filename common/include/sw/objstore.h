/* sw/objstore.h - whole objects by location, streamed: a local path or an
 * s3://bucket/key URI, read and written through one interface so a worker
 * runs the same against S3 (in Batch) and a directory (locally, in tests and
 * benchmarks).
 *
 * Reading streams: the sink gets the object in chunks as they arrive, and
 * nothing holds the whole object. For S3, a transfer that breaks after some
 * bytes were delivered is retried (standard retry mode) with a Range request
 * from the first byte not yet delivered, bound by If-Match to the first
 * answer's ETag, so the sink never sees a byte twice nor bytes of two
 * versions (an object replaced in between is SW_E_AWS PreconditionFailed).
 * Local files come in 1 MiB chunks; S3 chunks as the network delivers
 * them (typically 16 KiB or less).
 *
 * Writing is atomic: nothing is visible at the location until commit.
 *   local: written to "<path>.tmp.<pid>" then renamed over the path; parent
 *          directories are created.
 *   S3:    up to part_bytes buffered in memory; an object that fits is one
 *          PutObject at commit; a larger one becomes a multipart upload
 *          (parts of part_bytes, at most that much held in memory), completed
 *          at commit and aborted by sw_obj_writer_abort.
 * A rerun that writes the same location overwrites it: stages built on this
 * are idempotent. */
#ifndef SW_OBJSTORE_H
#define SW_OBJSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/aws.h"
#include "sw/buf.h"
#include "sw/error.h"

#define SW_OBJ_URI_MAX 1100
#define SW_OBJ_PART_DEFAULT (8u * 1024 * 1024)

/* sw_obj_is_s3: true when loc starts with "s3://". */
bool sw_obj_is_s3(const char *loc);

/* sw_obj_join: writes "<prefix>/<name>" to out (one '/' between them,
 * whatever prefix ends with; an empty prefix gives name alone). Returns
 * SW_OK or SW_E_OVERFLOW (out is then ""). */
sw_result sw_obj_join(char *out, size_t cap, const char *prefix,
                      const char *name);

/* sw_obj_sink_fn: receives the next chunk of an object. Return SW_OK to go
 * on; anything else stops the read and is returned by sw_obj_read. */
typedef sw_result (*sw_obj_sink_fn)(void *ctx, sw_cursor chunk);

/* sw_obj_read: streams the object at loc to sink. s3 is an S3 client
 * (sw_s3_service), needed only for s3:// locations (may be NULL
 * otherwise). Returns SW_OK; SW_E_INVALID for a malformed location
 * (err->message says why); SW_E_IO for a local file that cannot be read
 * (err->message has the path and strerror); SW_E_AWS with err filled
 * (NoSuchKey, AccessDenied, ...); transport errors after all attempts; or
 * the sink's result. err may be NULL. */
sw_result sw_obj_read(sw_aws_client *s3, const char *loc, sw_obj_sink_fn sink,
                      void *ctx, sw_aws_error *err);

typedef struct sw_obj_writer sw_obj_writer;

typedef struct sw_obj_writer_options {
    size_t part_bytes;        /* S3 multipart part size; 0 = 8 MiB; 5 MiB to
                                 5 GiB, else SW_E_INVALID. At most 10000
                                 parts: part_bytes * 10000 bounds the size */
    const char *content_type; /* NULL = "application/octet-stream" */
} sw_obj_writer_options;

/* sw_obj_writer_open: starts writing the object at loc. opt may be NULL.
 * Returns SW_OK, SW_E_INVALID (malformed location; err->message), SW_E_IO
 * (local: cannot create), SW_E_NOMEM. */
sw_result sw_obj_writer_open(sw_aws_client *s3, const char *loc,
                             const sw_obj_writer_options *opt,
                             sw_obj_writer **out, sw_aws_error *err);

/* sw_obj_writer_write: appends bytes. May upload a part (S3). Returns
 * SW_OK, SW_E_IO, SW_E_NOMEM, SW_E_OVERFLOW (past 10000 parts), or an S3
 * error with err filled. After an error the only valid call is
 * sw_obj_writer_abort (commit then fails and aborts). */
sw_result sw_obj_writer_write(sw_obj_writer *w, sw_cursor data,
                              sw_aws_error *err);

/* sw_obj_writer_commit: makes the object visible and frees the writer
 * (also on failure, after aborting). Returns SW_OK or the error that
 * prevented it (nothing is left half-written). */
sw_result sw_obj_writer_commit(sw_obj_writer *w, sw_aws_error *err);

/* sw_obj_writer_abort: discards everything written (local temp file
 * removed, multipart upload aborted) and frees the writer. NULL is fine. */
void sw_obj_writer_abort(sw_obj_writer *w);

/* sw_obj_writer_bytes: bytes written so far. */
uint64_t sw_obj_writer_bytes(const sw_obj_writer *w);

#endif
