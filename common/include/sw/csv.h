/* sw/csv.h - a streaming RFC 4180 CSV reader and a CSV field writer.
 *
 * The reader is fed chunks of any size (a file read, an S3 body as it
 * arrives) and calls back once per record with its fields as cursors. A
 * field points into the caller's chunk (no copy) when its record lies
 * wholly inside it and has no flaw; quoted fields with "" in them, records
 * split across chunks and flawed records are copied once into the parser's
 * own buffer. Cursors are valid only during the callback.
 *
 * Accepted, as in the files real exporters write (and the Olist data set):
 *   - LF or CRLF record ends (a lone CR inside a quoted field is data);
 *   - a UTF-8 byte order mark at the very start (skipped, counted);
 *   - quoted fields with "" for a quote, commas and line breaks inside;
 *   - a last record without a line end;
 *   - empty lines (LF or CRLF alone, outside quotes): no record, but they
 *     count as lines; a CR not followed by LF is data.
 * Not accepted, reported per record (the caller rejects that record and
 * goes on; the parser resynchronises at the next line end outside quotes):
 *   - a quote inside an unquoted field                 SW_CSV_BAD_QUOTE
 *   - bytes between a closing quote and the delimiter  SW_CSV_BAD_QUOTE
 *   - a record longer than max_record_bytes            SW_CSV_TOO_LONG
 *   - more than max_fields fields                      SW_CSV_TOO_MANY
 * A flawed record's fields are best effort: a stray quote (only a quote at
 * a field's start opens a quoted field) and bytes after a closing quote are
 * kept as data; past a limit the rest of the record is parsed (quotes still
 * group line breaks) but dropped, so memory stays bounded by the limits. A
 * record's length is its bytes without its line end.
 * Fatal (sw_csv_finish returns SW_E_INVALID): a quote still open at the end
 * of the input, since everything after it would be one field.
 *
 * Line numbers are physical lines (1-based, counting line breaks inside
 * quoted fields), so an error can point at the line an editor shows. */
#ifndef SW_CSV_H
#define SW_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/buf.h"
#include "sw/error.h"

typedef enum sw_csv_flaw {
    SW_CSV_OK = 0,
    SW_CSV_BAD_QUOTE, /* stray quote, or data after a closing quote */
    SW_CSV_TOO_LONG,  /* record longer than max_record_bytes (fields cut) */
    SW_CSV_TOO_MANY   /* more fields than max_fields (the rest dropped) */
} sw_csv_flaw;

typedef struct sw_csv_record {
    const sw_cursor *fields; /* nfields cursors, valid during the callback */
    size_t nfields;
    uint64_t line;   /* physical line where the record starts, 1-based */
    uint64_t number; /* record number, 1-based (the header is record 1) */
    sw_csv_flaw flaw; /* SW_CSV_OK, or why the record is malformed */
} sw_csv_record;

/* sw_csv_record_fn: called once per record. Return SW_OK to go on; any
 * other result stops the parse and is returned by sw_csv_feed/finish. */
typedef sw_result (*sw_csv_record_fn)(void *ctx, const sw_csv_record *rec);

typedef struct sw_csv_options {
    char delimiter;          /* 0 means ',' */
    size_t max_fields;       /* 0 means 256 */
    size_t max_record_bytes; /* 0 means 1 MiB */
} sw_csv_options;

typedef struct sw_csv_parser sw_csv_parser;

/* sw_csv_new: a parser calling fn(ctx, record) per record. opt may be NULL
 * (defaults). Returns SW_OK or SW_E_NOMEM; SW_E_INVALID for a delimiter
 * that is '"', CR or LF. */
sw_result sw_csv_new(const sw_csv_options *opt, sw_csv_record_fn fn,
                     void *ctx, sw_csv_parser **out);

/* sw_csv_feed: parses the next chunk, calling back for every record it
 * completes. Returns SW_OK, SW_E_NOMEM, or the callback's result (after a
 * failure, feed and finish return it again; feed after finish is
 * SW_E_INVALID). */
sw_result sw_csv_feed(sw_csv_parser *p, sw_cursor chunk);

/* sw_csv_finish: ends the input: calls back for a last record without a
 * line end. Returns SW_OK; SW_E_INVALID when a quoted field is still open
 * (sw_csv_error_line says where it began); or the callback's result. */
sw_result sw_csv_finish(sw_csv_parser *p);

/* sw_csv_error_line: the line where the open quote of a failed
 * sw_csv_finish began (0 if none). */
uint64_t sw_csv_error_line(const sw_csv_parser *p);

/* sw_csv_bom_seen: true when the input began with a UTF-8 BOM. */
bool sw_csv_bom_seen(const sw_csv_parser *p);

/* sw_csv_bytes: input bytes consumed so far (for throughput and logs). */
uint64_t sw_csv_bytes(const sw_csv_parser *p);

/* sw_csv_free: frees the parser. NULL is fine. */
void sw_csv_free(sw_csv_parser *p);

/* sw_csv_flaw_text: a short static description of a flaw, for reject
 * files and logs ("stray quote", ...). */
const char *sw_csv_flaw_text(sw_csv_flaw f);

/* sw_csv_append_field: appends one field to out as RFC 4180: quoted (with
 * "" for quotes) when it holds the delimiter, a quote, CR or LF, or starts
 * or ends with a space, or starts with a UTF-8 BOM; as is otherwise.
 * Returns SW_OK or SW_E_NOMEM. */
sw_result sw_csv_append_field(sw_buf *out, sw_cursor field, char delimiter);

/* sw_csv_append_record: appends fields joined by delimiter (0 = ',') and a
 * LF line end; a record of one empty field is written "" (an empty line is
 * no record to the reader). Returns SW_OK or SW_E_NOMEM. */
sw_result sw_csv_append_record(sw_buf *out, const sw_cursor *fields,
                               size_t nfields, char delimiter);

#endif
