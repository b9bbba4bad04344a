/* sw_obj - a small CLI over sw/objstore.h for the integration tests, with
 * the standard credential chain and region/endpoint resolution, as a worker
 * would.
 *
 * usage: sw_obj get LOC                the object's bytes on stdout
 *        sw_obj put [opts] LOC         the object from stdin
 *          --part-bytes N              S3 part size (default 8 MiB)
 *          --content-type T
 *          --abort                     write everything, then abort
 * get also prints {"ok":true,"bytes":N,"chunks":N,"max_chunk":N,
 * "peak_rss_kib":N} on stderr; put prints {"ok":true,"bytes":N} on stdout.
 * failure: one JSON line on stderr {"ok":false,"result":"...","code":"...",
 *          "http_status":N,"message":"...","attempts":N} and exit
 *          sw_aws_exit_code (2 final, 3 transient). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "sw/aws.h"
#include "sw/exit.h"
#include "sw/objstore.h"
#include "sw/s3.h"
#include "sw_helper.h"

/* What the get sink saw. */
typedef struct get_stats {
    unsigned long long bytes, chunks, max_chunk;
} get_stats;

/* print_err_line: one JSON line on stderr (stdout carries the object). */
static void print_err_line(cJSON *o)
{
    char *s = cJSON_PrintUnformatted(o);
    fprintf(stderr, "%s\n", s ? s : "{}");
    fflush(stderr);
    cJSON_free(s);
    cJSON_Delete(o);
}

/* fail_line: prints the failure line on stderr. */
static void fail_line(sw_result rc, const sw_aws_error *err)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", 0);
    cJSON_AddStringToObject(o, "result", sw_result_str(rc));
    cJSON_AddStringToObject(o, "code", err->code);
    cJSON_AddNumberToObject(o, "http_status", (double)err->http_status);
    cJSON_AddStringToObject(o, "message", err->message);
    cJSON_AddNumberToObject(o, "attempts", err->attempts);
    print_err_line(o);
}

/* to_stdout: the get sink: writes the chunk to stdout, counting. Returns
 * SW_OK or SW_E_IO. */
static sw_result to_stdout(void *ctx, sw_cursor chunk)
{
    get_stats *st = ctx;
    st->bytes += chunk.len;
    st->chunks++;
    if (chunk.len > st->max_chunk)
        st->max_chunk = chunk.len;
    return fwrite(chunk.ptr, 1, chunk.len, stdout) == chunk.len ? SW_OK
                                                                : SW_E_IO;
}

/* peak_rss_kib: this process's peak resident set (VmHWM in
 * /proc/self/status, which exec resets, unlike the rusage a parent sees
 * after fork), or -1 where there is no /proc. */
static long peak_rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    fclose(f);
    return kib;
}

/* do_get: streams LOC to stdout. Returns the result. */
static sw_result do_get(sw_aws_client *c, const char *loc, sw_aws_error *err)
{
    get_stats st = {0};
    sw_result rc = sw_obj_read(c, loc, to_stdout, &st, err);
    if (fflush(stdout) != 0 && !rc)
        rc = sw_aws_local_error(err, SW_E_IO, "cannot write stdout");
    if (!rc) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddBoolToObject(o, "ok", 1);
        cJSON_AddNumberToObject(o, "bytes", (double)st.bytes);
        cJSON_AddNumberToObject(o, "chunks", (double)st.chunks);
        cJSON_AddNumberToObject(o, "max_chunk", (double)st.max_chunk);
        cJSON_AddNumberToObject(o, "peak_rss_kib", (double)peak_rss_kib());
        print_err_line(o);
    }
    return rc;
}

/* do_put: copies stdin to LOC, then commits (or aborts). Returns the
 * result. */
static sw_result do_put(sw_aws_client *c, const char *loc,
                        const sw_obj_writer_options *opt, int abort_it,
                        sw_aws_error *err)
{
    sw_obj_writer *w = NULL;
    sw_result rc = sw_obj_writer_open(c, loc, opt, &w, err);
    if (rc)
        return rc;
    static char chunk[64 * 1024];
    size_t n;
    while (!rc && (n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
        rc = sw_obj_writer_write(w, sw_cursor_from_mem(chunk, n), err);
    if (!rc && ferror(stdin))
        rc = sw_aws_local_error(err, SW_E_IO, "cannot read stdin");
    unsigned long long bytes = sw_obj_writer_bytes(w);
    if (rc || abort_it) {
        sw_obj_writer_abort(w);
        if (rc)
            return rc;
    } else {
        rc = sw_obj_writer_commit(w, err);
        if (rc)
            return rc;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", 1);
    cJSON_AddNumberToObject(o, "bytes", (double)bytes);
    cJSON_AddBoolToObject(o, "aborted", abort_it);
    sw_helper_print_line(o);
    return SW_OK;
}

/* usage: the one-line usage, exit 2. */
static int usage(void)
{
    fprintf(stderr, "usage: sw_obj get LOC | sw_obj put [--part-bytes N] "
                    "[--content-type T] [--abort] LOC\n");
    return SW_EXIT_BAD_INPUT;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    const char *cmd = argv[1];
    sw_obj_writer_options opt = {0};
    int abort_it = 0;
    int i = 2;
    for (; i < argc - 1; i++) {
        if (strcmp(argv[i], "--part-bytes") == 0 && i + 1 < argc - 1)
            opt.part_bytes = (size_t)strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--content-type") == 0 && i + 1 < argc - 1)
            opt.content_type = argv[++i];
        else if (strcmp(argv[i], "--abort") == 0)
            abort_it = 1;
        else
            return usage();
    }
    const char *loc = argv[argc - 1];
    if (strcmp(cmd, "get") != 0 && strcmp(cmd, "put") != 0)
        return usage();
    sw_helper_aws h = {0};
    sw_aws_error err = {0};
    sw_result rc = SW_OK;
    if (sw_obj_is_s3(loc)) { /* a local path needs no client */
        sw_aws_config cfg = {.service = sw_s3_service};
        rc = sw_helper_aws_open(&h, &cfg, &err);
    }
    if (!rc)
        rc = strcmp(cmd, "get") == 0
                 ? do_get(h.client, loc, &err)
                 : do_put(h.client, loc, &opt, abort_it, &err);
    int code = sw_aws_exit_code(rc, &err);
    if (rc)
        fail_line(rc, &err);
    sw_helper_aws_close(&h);
    return code;
}
