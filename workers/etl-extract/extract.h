/* extract.h - etl-extract's work on one raw Olist file: stream it through
 * the CSV reader, check the header and every field (sw/olist.h), drop
 * duplicate keys, and write the accepted rows to the stage object and the
 * rest, with line and reason, to the rejects object. */
#ifndef ETL_EXTRACT_H
#define ETL_EXTRACT_H

#include <stdbool.h>
#include <stdint.h>

#include "sw/aws.h"
#include "sw/olist.h"

typedef struct ex_stats {
    uint64_t rows;     /* data records (the header not counted) */
    uint64_t accepted; /* written to the stage object */
    uint64_t rejected; /* written to the rejects object */
    uint64_t bytes;    /* raw input bytes */
    bool bom;          /* the input began with a UTF-8 BOM */
} ex_stats;

/* ex_file_run: validates the raw file f at `in` into `stage` and
 * `rejects` (both written atomically; neither is written when the file is
 * refused). s3 reads, s3_out writes (sw_etl_env's two clients; both
 * NULL when no location is s3://). Logs a refusal or
 * failure as one line. Returns 0, or the exit code: 2 for a missing file,
 * a wrong header or a quote left open at the end, otherwise as the failed
 * read or write says (sw_aws_exit_code). */
int ex_file_run(sw_aws_client *s3, sw_aws_client *s3_out,
                const sw_olist_file *f, const char *in,
                const char *stage, const char *rejects, ex_stats *st);

#endif
