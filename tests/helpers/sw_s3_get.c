/* sw_s3_get - fetches one object with sw_s3_get_object, with the standard
 * credential chain and region/endpoint resolution, as a worker would.
 *
 * usage: sw_s3_get s3://bucket/key [max_bytes]     (default max 1 MiB)
 * success: the object's bytes on stdout, exit 0.
 * failure: one JSON line on stdout {"ok":false,"result":"...","code":"...",
 *          "http_status":N,"message":"...","retryable":B,"attempts":N} and
 *          exit sw_aws_exit_code (2 final, 3 transient). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "sw/aws.h"
#include "sw/exit.h"
#include "sw/s3.h"
#include "sw_helper.h"

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: sw_s3_get s3://bucket/key [max_bytes]\n");
        return SW_EXIT_BAD_INPUT;
    }
    size_t max = argc == 3 ? (size_t)strtoull(argv[2], NULL, 10) : 1 << 20;
    sw_s3_location loc;
    const char *why = NULL;
    sw_aws_error err = {0};
    sw_result rc = sw_s3_parse_uri(argv[1], &loc, &why);
    if (rc) {
        sw_aws_local_error(&err, rc, why);
        sw_helper_aws_fail(rc, &err);
        return sw_exit_code_for(rc);
    }
    sw_aws_config cfg = {.service = sw_s3_service};
    sw_helper_aws h;
    sw_buf out = SW_BUF_INIT;
    rc = sw_helper_aws_open(&h, &cfg, &err);
    if (!rc)
        rc = sw_s3_get_object(h.client, loc.bucket, loc.key, &out, max, &err);
    int code = sw_aws_exit_code(rc, &err);
    if (rc)
        sw_helper_aws_fail(rc, &err);
    else if (out.len)
        fwrite(out.ptr, 1, out.len, stdout);
    sw_buf_free(&out);
    sw_helper_aws_close(&h);
    return code;
}
