/* log.c - JSON-lines logs and CloudWatch Embedded Metric Format lines (see
 * sw/log.h).
 *
 * Every line is built in memory and handed to the kernel with one write(2),
 * so lines from parallel processes sharing a pipe or an O_APPEND file do not
 * interleave (pipes guarantee it up to PIPE_BUF; log lines stay well under). */
#include "sw/log.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "sw/buf.h"
#include "sw/rfc3339.h"

static struct {
    char service[64];
    sw_log_level min;
    FILE *stream; /* NULL: stderr */
} g_log = {"", SW_LOG_INFO, NULL};

static const char *const level_names[] = {"debug", "info", "warn", "error"};

/* level_from_env: parses LOG_LEVEL; returns 1 and sets *out when it names a
 * level (case-insensitive; "warning" too), 0 when unset or unknown. */
static int level_from_env(sw_log_level *out)
{
    const char *v = getenv("LOG_LEVEL");
    if (!v)
        return 0;
    for (int i = 0; i < 4; i++)
        if (!strcasecmp(v, level_names[i])) {
            *out = (sw_log_level)i;
            return 1;
        }
    if (!strcasecmp(v, "warning")) {
        *out = SW_LOG_WARN;
        return 1;
    }
    return 0;
}

/* sw_log_init: records service name, minimum level (LOG_LEVEL wins) and
 * stream. */
void sw_log_init(const char *service, sw_log_level min_level, FILE *stream)
{
    snprintf(g_log.service, sizeof(g_log.service), "%s",
             service ? service : "");
    g_log.min = min_level;
    level_from_env(&g_log.min);
    g_log.stream = stream;
}

/* sw_time_rfc3339: "YYYY-MM-DDTHH:MM:SS.mmmZ" for now, in UTC
 * (sw_rfc3339_format_ms; "" past year 9999, which no clock here reaches). */
void sw_time_rfc3339(char out[25])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    (void)sw_rfc3339_format_ms(ts.tv_sec, ts.tv_nsec / 1000000, out);
}

/* write_line: prints obj unformatted plus '\n' to stream with a single
 * write(2) (restarting after EINTR or a short write), or through stdio when
 * the stream has no descriptor. Returns SW_OK, SW_E_NOMEM, SW_E_IO. */
static sw_result write_line(FILE *stream, const cJSON *obj)
{
    char *text = cJSON_PrintUnformatted(obj);
    size_t len;
    int fd;
    sw_result rc = SW_OK;
    if (!text)
        return SW_E_NOMEM;
    len = strlen(text);
    text[len] = '\n'; /* replaces the NUL; len + 1 bytes are sent */
    len++;
    /* Anything the program buffered in stdio goes out first, in order. */
    if (fflush(stream) != 0) {
        rc = SW_E_IO;
    } else if ((fd = fileno(stream)) < 0) {
        if (fwrite(text, 1, len, stream) != len || fflush(stream) != 0)
            rc = SW_E_IO;
    } else {
        size_t off = 0;
        while (off < len) {
            ssize_t w = write(fd, text + off, len - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                rc = SW_E_IO;
                break;
            }
            off += (size_t)w;
        }
    }
    cJSON_free(text);
    return rc;
}

/* is_reserved: true for the member names sw_log itself sets. */
static int is_reserved(const char *k)
{
    return !strcmp(k, "time") || !strcmp(k, "level") ||
           !strcmp(k, "service") || !strcmp(k, "msg");
}

/* sw_log: writes one JSON line if level passes the minimum. The caller's
 * fields are copied after ours; one that would shadow ours is kept as
 * "fields.<name>" rather than producing a duplicate key. Returns SW_OK,
 * SW_E_INVALID (fields not an object, bad level), SW_E_NOMEM, SW_E_IO. */
sw_result sw_log(sw_log_level level, const char *msg, const cJSON *fields)
{
    char ts[25];
    const cJSON *f;
    cJSON *o;
    sw_result rc;
    if ((unsigned)level > SW_LOG_ERROR)
        return SW_E_INVALID;
    if (level < g_log.min)
        return SW_OK;
    if (fields && !cJSON_IsObject(fields))
        return SW_E_INVALID;
    sw_time_rfc3339(ts);
    if (!(o = cJSON_CreateObject()) || !cJSON_AddStringToObject(o, "time", ts) ||
        !cJSON_AddStringToObject(o, "level", level_names[level]) ||
        (g_log.service[0] &&
         !cJSON_AddStringToObject(o, "service", g_log.service)) ||
        !cJSON_AddStringToObject(o, "msg", msg ? msg : ""))
        goto nomem;
    cJSON_ArrayForEach(f, fields) {
        cJSON *copy;
        char key[128];
        if (!f->string)
            continue;
        snprintf(key, sizeof(key), "%s%s", is_reserved(f->string) ? "fields." : "",
                 f->string);
        if (!(copy = cJSON_Duplicate(f, 1)))
            goto nomem;
        if (!cJSON_AddItemToObject(o, key, copy)) {
            cJSON_Delete(copy);
            goto nomem;
        }
    }
    rc = write_line(g_log.stream ? g_log.stream : stderr, o);
    cJSON_Delete(o);
    return rc;
nomem:
    cJSON_Delete(o);
    return SW_E_NOMEM;
}

/* sw_log_msgf: formats the message, then logs it without fields. */
sw_result sw_log_msgf(sw_log_level level, const char *fmt, ...)
{
    sw_buf b = SW_BUF_INIT;
    va_list ap;
    sw_result rc;
    if ((unsigned)level <= SW_LOG_ERROR && level < g_log.min)
        return SW_OK; /* skip the formatting too */
    va_start(ap, fmt);
    rc = sw_buf_vappendf(&b, fmt, ap);
    va_end(ap);
    if (rc == SW_OK)
        rc = sw_log(level, b.ptr ? b.ptr : "", NULL);
    sw_buf_free(&b);
    return rc;
}

/* emf_unit_ok: true for the units CloudWatch accepts (PutMetricData's
 * StandardUnit); anything else would be rejected at ingestion. */
static int emf_unit_ok(const char *u)
{
    static const char *const units[] = {
        "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes",
        "Megabytes", "Gigabytes", "Terabytes", "Bits", "Kilobits",
        "Megabits", "Gigabits", "Terabits", "Percent", "Count",
        "Bytes/Second", "Kilobytes/Second", "Megabytes/Second",
        "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
        "Kilobits/Second", "Megabits/Second", "Gigabits/Second",
        "Terabits/Second", "Count/Second", "None"};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (!strcmp(u, units[i]))
            return 1;
    return 0;
}

#define EMF_MAX_METRICS 100 /* per directive, by the EMF spec */
#define EMF_MAX_DIMS 30     /* per dimension set */

/* sw_emf_write: one EMF line (see sw/log.h). Names must be non-empty and
 * unique across dimensions and metrics (they share the top level), values
 * finite, units CloudWatch units (NULL: "None"). Returns SW_OK,
 * SW_E_INVALID, SW_E_NOMEM, SW_E_IO. */
sw_result sw_emf_write(FILE *stream, const char *ns, const cJSON *dims,
                       const sw_emf_metric *metrics, size_t n)
{
    struct timespec ts;
    const cJSON *d;
    cJSON *o = NULL, *aws, *cwm, *dir, *dimsets, *dimset, *mlist;
    sw_result rc = SW_E_NOMEM;
    if (!ns || !*ns || !metrics || n == 0 || n > EMF_MAX_METRICS ||
        (dims && !cJSON_IsObject(dims)) ||
        cJSON_GetArraySize(dims) > EMF_MAX_DIMS)
        return SW_E_INVALID;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (!(o = cJSON_CreateObject()) ||
        !(aws = cJSON_AddObjectToObject(o, "_aws")) ||
        !cJSON_AddNumberToObject(aws, "Timestamp",
                                 (double)ts.tv_sec * 1000.0 +
                                     (double)(ts.tv_nsec / 1000000)) ||
        !(cwm = cJSON_AddArrayToObject(aws, "CloudWatchMetrics")) ||
        !(dir = cJSON_CreateObject()) || !cJSON_AddItemToArray(cwm, dir) ||
        !cJSON_AddStringToObject(dir, "Namespace", ns) ||
        !(dimsets = cJSON_AddArrayToObject(dir, "Dimensions")) ||
        !(dimset = cJSON_CreateArray()) ||
        !cJSON_AddItemToArray(dimsets, dimset) ||
        !(mlist = cJSON_AddArrayToObject(dir, "Metrics")))
        goto out;
    cJSON_ArrayForEach(d, dims) {
        rc = SW_E_INVALID;
        if (!d->string || !*d->string || !cJSON_IsString(d) ||
            cJSON_GetObjectItemCaseSensitive(o, d->string))
            goto out;
        rc = SW_E_NOMEM;
        if (!cJSON_AddItemToArray(dimset, cJSON_CreateString(d->string)) ||
            !cJSON_AddStringToObject(o, d->string, d->valuestring))
            goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const char *unit = metrics[i].unit ? metrics[i].unit : "None";
        cJSON *m;
        rc = SW_E_INVALID;
        if (!metrics[i].name || !*metrics[i].name || !emf_unit_ok(unit) ||
            !isfinite(metrics[i].value) ||
            cJSON_GetObjectItemCaseSensitive(o, metrics[i].name))
            goto out;
        rc = SW_E_NOMEM;
        if (!(m = cJSON_CreateObject()) || !cJSON_AddItemToArray(mlist, m) ||
            !cJSON_AddStringToObject(m, "Name", metrics[i].name) ||
            !cJSON_AddStringToObject(m, "Unit", unit) ||
            !cJSON_AddNumberToObject(o, metrics[i].name, metrics[i].value))
            goto out;
    }
    rc = write_line(stream ? stream : stdout, o);
out:
    cJSON_Delete(o);
    return rc;
}
