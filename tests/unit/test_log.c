/* test_log.c - JSON log lines and CloudWatch EMF lines (sw/log.h): every
 * line is parsed back with cJSON and its structure checked. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sw/log.h"
#include "sw_test.h"

#define MAX_LINES 4096

static char *lines[MAX_LINES];
static int nlines;

/* read_lines: reads f from the start into lines[] (newlines stripped). */
static void read_lines(FILE *f)
{
    static char buf[1 << 16];
    for (int i = 0; i < nlines; i++)
        free(lines[i]);
    nlines = 0;
    fflush(f);
    rewind(f);
    while (nlines < MAX_LINES && fgets(buf, sizeof(buf), f)) {
        buf[strcspn(buf, "\n")] = '\0';
        lines[nlines++] = strdup(buf);
    }
}

/* reset: truncates f so the next read_lines sees only new lines. */
static void reset(FILE *f)
{
    fflush(f);
    if (ftruncate(fileno(f), 0) != 0)
        abort();
    rewind(f);
}

/* get_str: the string member k of o, or "". */
static const char *get_str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* time_ok: true when s is "YYYY-MM-DDTHH:MM:SS.mmmZ" within 5 s of now. */
static int time_ok(const char *s)
{
    struct tm tm = {0};
    int ms;
    char z;
    if (strlen(s) != 24 ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &tm.tm_year, &tm.tm_mon,
               &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms,
               &z) != 8 ||
        z != 'Z' || s[4] != '-' || s[10] != 'T' || s[19] != '.')
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return llabs((long long)(timegm(&tm) - time(NULL))) <= 5;
}

static void test_log_lines(FILE *f)
{
    unsetenv("LOG_LEVEL");
    sw_log_init("svc-test", SW_LOG_INFO, f);
    cJSON *fields = cJSON_Parse("{\"table\":\"jobs\",\"n\":3,"
                                "\"nested\":{\"a\":[1,2]},\"msg\":\"mine\"}");
    fprintf(f, "plain before\n"); /* buffered: must come out first */
    CHECK_EQ_INT(sw_log(SW_LOG_DEBUG, "hidden", NULL), SW_OK,
                 "debug below min is ok");
    CHECK_EQ_INT(sw_log(SW_LOG_INFO, "hello \"world\"\n", fields), SW_OK,
                 "info with fields");
    CHECK_EQ_INT(sw_log_msgf(SW_LOG_ERROR, "%d items in %s", 7, "q"), SW_OK,
                 "printf-style error");
    CHECK_EQ_INT(sw_log(SW_LOG_WARN, "bad", cJSON_GetObjectItem(fields, "n")),
                 SW_E_INVALID, "fields that are not an object rejected");
    CHECK_EQ_INT(sw_log((sw_log_level)9, "x", NULL), SW_E_INVALID,
                 "unknown level rejected");
    read_lines(f);
    CHECK_EQ_INT(nlines, 3, "one line each for the two logged messages");
    CHECK_EQ_STR(nlines > 0 ? lines[0] : "", "plain before",
                 "earlier stdio output keeps its place");
    cJSON *a = cJSON_Parse(nlines > 1 ? lines[1] : "");
    cJSON *b = cJSON_Parse(nlines > 2 ? lines[2] : "");
    CHECK(cJSON_IsObject(a) && cJSON_IsObject(b), "lines parse as JSON");
    CHECK(nlines > 1 && !strchr(lines[1], '\n') &&
              strstr(lines[1], "\\n") != NULL,
          "newline in msg escaped, line unbroken");
    CHECK_EQ_STR(get_str(a, "level"), "info", "level info");
    CHECK_EQ_STR(get_str(a, "service"), "svc-test", "service");
    CHECK_EQ_STR(get_str(a, "msg"), "hello \"world\"\n", "msg intact");
    CHECK(time_ok(get_str(a, "time")), "time is RFC 3339 UTC ms, now");
    CHECK_EQ_STR(get_str(a, "table"), "jobs", "string field copied");
    CHECK_EQ_INT(cJSON_GetObjectItem(a, "n") ?
                     cJSON_GetObjectItem(a, "n")->valueint : -1,
                 3, "number field copied");
    cJSON *nested = cJSON_GetObjectItem(a, "nested");
    CHECK(nested && cJSON_Compare(nested,
                                  cJSON_GetObjectItem(fields, "nested"), 1),
          "nested field copied");
    CHECK_EQ_STR(get_str(a, "fields.msg"), "mine",
                 "field named like ours kept as fields.msg");
    CHECK(strncmp(lines[1], "{\"time\":", 8) == 0,
          "time comes first (sortable raw logs)");
    CHECK_EQ_STR(get_str(b, "level"), "error", "level error");
    CHECK_EQ_STR(get_str(b, "msg"), "7 items in q", "formatted msg");
    CHECK(cJSON_GetObjectItem(b, "table") == NULL, "no fields leak between lines");
    CHECK_EQ_STR(get_str(fields, "msg"), "mine", "caller's fields untouched");
    cJSON_Delete(a);
    cJSON_Delete(b);

    /* LOG_LEVEL overrides the level given in code. */
    reset(f);
    setenv("LOG_LEVEL", "DEBUG", 1);
    sw_log_init("svc-test", SW_LOG_ERROR, f);
    sw_log(SW_LOG_DEBUG, "dbg", NULL);
    read_lines(f);
    CHECK_EQ_INT(nlines, 1, "LOG_LEVEL=DEBUG lets debug through");
    reset(f);
    setenv("LOG_LEVEL", "warn", 1);
    sw_log_init("svc-test", SW_LOG_DEBUG, f);
    sw_log(SW_LOG_INFO, "info", NULL);
    sw_log_msgf(SW_LOG_INFO, "info %d", 2);
    sw_log(SW_LOG_WARN, "warn", NULL);
    read_lines(f);
    CHECK(nlines == 1 && strstr(lines[0], "\"warn\""),
          "LOG_LEVEL=warn drops info, keeps warn");
    reset(f);
    setenv("LOG_LEVEL", "loud", 1);
    sw_log_init("", SW_LOG_INFO, f);
    sw_log(SW_LOG_DEBUG, "dbg", NULL);
    sw_log(SW_LOG_INFO, "inf", NULL);
    read_lines(f);
    cJSON *c = cJSON_Parse(nlines ? lines[0] : "");
    CHECK(nlines == 1 && cJSON_GetObjectItem(c, "service") == NULL,
          "unknown LOG_LEVEL ignored; no service field when unnamed");
    cJSON_Delete(c);
    unsetenv("LOG_LEVEL");
    cJSON_Delete(fields);
}

/* test_parallel_writers: 4 processes log 300 long lines each into one pipe
 * through streams with a tiny stdio buffer; every line read back must be
 * whole. Lines written in pieces would interleave here. */
static void test_parallel_writers(void)
{
    int p[2];
    enum { WRITERS = 4, EACH = 300 };
    if (pipe(p) != 0)
        abort();
    for (int w = 0; w < WRITERS; w++) {
        pid_t pid = fork();
        if (pid == 0) {
            static char small[16];
            char pad[1500];
            close(p[0]);
            FILE *s = fdopen(p[1], "w");
            setvbuf(s, small, _IOFBF, sizeof(small));
            memset(pad, 'a' + w, sizeof(pad) - 1);
            pad[sizeof(pad) - 1] = '\0';
            cJSON *fl = cJSON_CreateObject();
            cJSON_AddNumberToObject(fl, "writer", w);
            cJSON_AddStringToObject(fl, "pad", pad);
            sw_log_init("par", SW_LOG_INFO, s);
            for (int i = 0; i < EACH; i++)
                if (sw_log(SW_LOG_INFO, "line", fl) != SW_OK)
                    _exit(1);
            cJSON_Delete(fl);
            fclose(s);
            _exit(0);
        }
    }
    close(p[1]);
    FILE *r = fdopen(p[0], "r");
    static char buf[8192];
    int whole = 0, broken = 0, children_ok = 1;
    while (fgets(buf, sizeof(buf), r)) {
        cJSON *o = cJSON_Parse(buf);
        const cJSON *w = cJSON_GetObjectItem(o, "writer");
        const char *pad = get_str(o, "pad");
        if (o && w && strlen(pad) == 1499 && pad[0] == 'a' + w->valueint &&
            pad[1498] == pad[0])
            whole++;
        else
            broken++;
        cJSON_Delete(o);
    }
    fclose(r);
    for (int i = 0; i < WRITERS; i++) {
        int st;
        if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            children_ok = 0;
    }
    CHECK(children_ok, "writers exited cleanly");
    CHECK_EQ_INT(whole, WRITERS * EACH, "every parallel line arrived whole");
    CHECK_EQ_INT(broken, 0, "no interleaved lines");
}

static void test_emf(FILE *f)
{
    cJSON *dims = cJSON_Parse("{\"Queue\":\"q1\",\"Worker\":\"ingest\"}");
    sw_emf_metric m[] = {{"Price", "None", 12.5},
                         {"Items", "Count", 3},
                         {"Latency", NULL, 0.25}};
    struct timespec now;
    reset(f);
    clock_gettime(CLOCK_REALTIME, &now);
    double now_ms = (double)now.tv_sec * 1000 + (double)now.tv_nsec / 1e6;
    CHECK_EQ_INT(sw_emf_write(f, "Scratchwork", dims, m, 3), SW_OK,
                 "emf write");
    CHECK_EQ_INT(sw_emf_write(f, "Scratchwork", NULL, m, 1), SW_OK,
                 "emf write without dimensions");
    read_lines(f);
    CHECK_EQ_INT(nlines, 2, "one line per EMF record");
    cJSON *o = cJSON_Parse(nlines ? lines[0] : "");
    cJSON *aws = cJSON_GetObjectItem(o, "_aws");
    cJSON *ts = cJSON_GetObjectItem(aws, "Timestamp");
    double tsd = cJSON_IsNumber(ts) ? ts->valuedouble : 0;
    CHECK(tsd == (double)(long long)tsd && tsd - now_ms < 5000 &&
              now_ms - tsd < 5000,
          "_aws.Timestamp is integer epoch ms, now");
    CHECK(strstr(lines[0], "\"Timestamp\":1") && !strstr(lines[0], "e+"),
          "Timestamp printed as a plain integer");
    cJSON *cwm = cJSON_GetObjectItem(aws, "CloudWatchMetrics");
    CHECK(cJSON_IsArray(cwm) && cJSON_GetArraySize(cwm) == 1,
          "one metric directive");
    cJSON *dir = cJSON_GetArrayItem(cwm, 0);
    CHECK_EQ_STR(get_str(dir, "Namespace"), "Scratchwork", "Namespace");
    char *ds = cJSON_PrintUnformatted(cJSON_GetObjectItem(dir, "Dimensions"));
    CHECK_EQ_STR(ds, "[[\"Queue\",\"Worker\"]]", "Dimensions [[names]]");
    cJSON_free(ds);
    char *ms = cJSON_PrintUnformatted(cJSON_GetObjectItem(dir, "Metrics"));
    CHECK_EQ_STR(ms,
                 "[{\"Name\":\"Price\",\"Unit\":\"None\"},"
                 "{\"Name\":\"Items\",\"Unit\":\"Count\"},"
                 "{\"Name\":\"Latency\",\"Unit\":\"None\"}]",
                 "Metrics [{Name, Unit}], NULL unit is None");
    cJSON_free(ms);
    CHECK_EQ_STR(get_str(o, "Queue"), "q1", "dimension value at top level");
    CHECK_EQ_STR(get_str(o, "Worker"), "ingest", "second dimension value");
    cJSON *price = cJSON_GetObjectItem(o, "Price");
    cJSON *items = cJSON_GetObjectItem(o, "Items");
    CHECK(cJSON_IsNumber(price) && price->valuedouble == 12.5 &&
              cJSON_IsNumber(items) && items->valuedouble == 3,
          "metric values at top level");
    CHECK_EQ_INT(cJSON_GetArraySize(o), 6, "no other top-level members");
    cJSON_Delete(o);
    o = cJSON_Parse(nlines > 1 ? lines[1] : "");
    ds = cJSON_PrintUnformatted(cJSON_GetObjectItem(
        cJSON_GetArrayItem(
            cJSON_GetObjectItem(cJSON_GetObjectItem(o, "_aws"),
                                "CloudWatchMetrics"),
            0),
        "Dimensions"));
    CHECK_EQ_STR(ds, "[[]]", "no dimensions: one empty dimension set");
    cJSON_free(ds);
    cJSON_Delete(o);

    /* Invalid records are refused and write nothing. */
    reset(f);
    sw_emf_metric bad_unit = {"X", "Furlongs", 1};
    sw_emf_metric nan = {"X", "Count", NAN};
    sw_emf_metric clash = {"Queue", "Count", 1};
    sw_emf_metric aws_name = {"_aws", "Count", 1};
    sw_emf_metric noname = {"", "Count", 1};
    cJSON *numdim = cJSON_Parse("{\"Queue\":5}");
    CHECK_EQ_INT(sw_emf_write(f, "NS", NULL, &bad_unit, 1), SW_E_INVALID,
                 "unknown unit rejected");
    CHECK_EQ_INT(sw_emf_write(f, "NS", NULL, &nan, 1), SW_E_INVALID,
                 "NaN value rejected");
    CHECK_EQ_INT(sw_emf_write(f, "NS", dims, &clash, 1), SW_E_INVALID,
                 "metric named like a dimension rejected");
    CHECK_EQ_INT(sw_emf_write(f, "NS", NULL, &aws_name, 1), SW_E_INVALID,
                 "metric named _aws rejected");
    CHECK_EQ_INT(sw_emf_write(f, "NS", NULL, &noname, 1), SW_E_INVALID,
                 "empty metric name rejected");
    CHECK_EQ_INT(sw_emf_write(f, "NS", numdim, m, 1), SW_E_INVALID,
                 "non-string dimension value rejected");
    CHECK_EQ_INT(sw_emf_write(f, "", NULL, m, 1), SW_E_INVALID,
                 "empty namespace rejected");
    CHECK_EQ_INT(sw_emf_write(f, "NS", NULL, m, 0), SW_E_INVALID,
                 "no metrics rejected");
    read_lines(f);
    CHECK_EQ_INT(nlines, 0, "rejected records write nothing");
    cJSON_Delete(numdim);
    cJSON_Delete(dims);
}

static void test_time(void)
{
    char t[25];
    memset(t, 'x', sizeof(t));
    sw_time_rfc3339(t);
    CHECK(t[24] == '\0' && time_ok(t), "sw_time_rfc3339 format and value");
}

int main(void)
{
    FILE *f = tmpfile();
    if (!CHECK(f != NULL, "tmpfile"))
        return SW_TEST_DONE();
    test_time();
    test_log_lines(f);
    test_emf(f);
    test_parallel_writers();
    fclose(f);
    for (int i = 0; i < nlines; i++)
        free(lines[i]);
    return SW_TEST_DONE();
}
