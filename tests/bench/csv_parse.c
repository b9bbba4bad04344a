/* csv_parse.c - throughput of the streaming CSV reader (sw/csv.h).
 *
 * Generates an Olist-like CSV in memory (order_items-shaped rows: 32-hex
 * ids, an item number, a timestamp, two decimals, and a text column of
 * which ~10% is quoted with commas, "" escapes or a line break, in
 * Portuguese UTF-8), then parses it in 1 MiB chunks with a callback that
 * reads every field's length, and prints MB per CPU second (1 MB = 10^6
 * bytes; thread CPU time), best of CSV_BENCH_RUNS (default 5). A naive
 * byte-at-a-time state machine (copies every field, one switch per byte)
 * runs on the same data for comparison, and both must see the same
 * records and field bytes.
 *
 *   csv_parse [MB]     (default 200; CSV_BENCH_CHUNK=bytes, default 1 MiB) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sw/csv.h"

/* ---- data ---------------------------------------------------------------- */

static uint64_t rng = 0x2545F4914F6CDD1DULL;

/* rnd: xorshift64. */
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* put_hex: appends 32 hex digits. */
static char *put_hex(char *o)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t a = rnd(), b = rnd();
    for (int i = 0; i < 16; i++)
        *o++ = hex[(a >> (4 * i)) & 15];
    for (int i = 0; i < 16; i++)
        *o++ = hex[(b >> (4 * i)) & 15];
    return o;
}

/* put_num: appends v in decimal with at least `width` digits. */
static char *put_num(char *o, unsigned v, int width)
{
    char t[16];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v || n < width);
    while (n)
        *o++ = t[--n];
    return o;
}

static const char *const plain_text[] = {
    "sao paulo", "rio de janeiro", "belo horizonte", "curitiba",
    "cama_mesa_banho", "beleza_saude", "esporte_lazer", "informatica",
    "S\xc3\xa3o Jos\xc3\xa9 dos Campos", "utilidades_domesticas"};
static const char *const quoted_text[] = {
    "\"Produto muito bom, chegou antes do prazo. Recomendo!\"",
    "\"N\xc3\xa3o recebi, p\xc3\xa9ssimo atendimento, quero meu dinheiro\"",
    "\"o vendedor disse \"\"enviado\"\", mas nada, ainda aguardando\"",
    "\"Entrega r\xc3\xa1pida,\nproduto conforme descrito\"",
    "\"bom, bonito e barato\""};

/* generate: about `bytes` of CSV with a header; returns it (caller frees). */
static char *generate(size_t bytes, size_t *len, size_t *records)
{
    char *buf = malloc(bytes + 4096);
    if (!buf)
        return NULL;
    const char header[] = "order_id,order_item_id,product_id,seller_id,"
                          "shipping_limit_date,price,freight_value,note\n";
    memcpy(buf, header, sizeof header - 1);
    char *o = buf + sizeof header - 1;
    size_t n = 1;
    while ((size_t)(o - buf) < bytes) {
        o = put_hex(o);
        *o++ = ',';
        o = put_num(o, 1 + (unsigned)(rnd() % 4), 1);
        *o++ = ',';
        o = put_hex(o);
        *o++ = ',';
        o = put_hex(o);
        *o++ = ',';
        uint64_t r = rnd();
        o = put_num(o, 2016 + (unsigned)(r % 3), 4);
        *o++ = '-';
        o = put_num(o, 1 + (unsigned)(r >> 8) % 12, 2);
        *o++ = '-';
        o = put_num(o, 1 + (unsigned)(r >> 16) % 28, 2);
        *o++ = ' ';
        o = put_num(o, (unsigned)(r >> 24) % 24, 2);
        *o++ = ':';
        o = put_num(o, (unsigned)(r >> 32) % 60, 2);
        *o++ = ':';
        o = put_num(o, (unsigned)(r >> 40) % 60, 2);
        *o++ = ',';
        o = put_num(o, (unsigned)(rnd() % 2000), 1);
        *o++ = '.';
        o = put_num(o, (unsigned)(rnd() % 100), 2);
        *o++ = ',';
        o = put_num(o, (unsigned)(rnd() % 60), 1);
        *o++ = '.';
        o = put_num(o, (unsigned)(rnd() % 100), 2);
        *o++ = ',';
        r = rnd();
        const char *t = r % 10 == 0 ? quoted_text[(r >> 8) % 5]
                                    : plain_text[(r >> 8) % 10];
        size_t tl = strlen(t);
        memcpy(o, t, tl);
        o += tl;
        *o++ = '\n';
        n++;
    }
    *len = (size_t)(o - buf);
    *records = n;
    return buf;
}

/* ---- the callback ---------------------------------------------------------- */

typedef struct tally {
    uint64_t records, fields, field_bytes;
} tally;

/* on_record: touches every field's length. */
static sw_result on_record(void *ctx, const sw_csv_record *rec)
{
    tally *t = ctx;
    t->records++;
    t->fields += rec->nfields;
    for (size_t i = 0; i < rec->nfields; i++)
        t->field_bytes += rec->fields[i].len;
    return SW_OK;
}

/* ---- a naive byte-at-a-time reader, for comparison ------------------------ */

typedef struct naive {
    int state; /* 0 field start, 1 unquoted, 2 quoted, 3 quote in quoted */
    char *buf;
    size_t len, cap;
    size_t ends[256];
    size_t nf;
    sw_cursor fields[256];
    tally *t;
} naive;

/* naive_end_record: delivers the record collected so far. */
static void naive_end_record(naive *s)
{
    s->ends[s->nf++] = s->len;
    size_t start = 0;
    for (size_t i = 0; i < s->nf; i++) {
        size_t e = s->ends[i];
        if (e > start && s->buf[e - 1] == '\r' && i + 1 == s->nf)
            e--;
        s->fields[i] = (sw_cursor){s->buf + start, e - start};
        start = s->ends[i];
    }
    sw_csv_record rec = {s->fields, s->nf, 0, 0, SW_CSV_OK};
    (void)on_record(s->t, &rec);
    s->nf = 0;
    s->len = 0;
    s->state = 0;
}

/* naive_end_field: ends the field collected so far (at most 255 kept). */
static void naive_end_field(naive *s)
{
    if (s->nf < 255)
        s->ends[s->nf++] = s->len;
    s->state = 0;
}

/* naive_feed: one switch per byte, every field byte copied. */
static void naive_feed(naive *s, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (s->len + 1 > s->cap) {
            s->cap = s->cap ? s->cap * 2 : 4096;
            s->buf = realloc(s->buf, s->cap);
        }
        switch (s->state) {
        case 0:
        case 1:
            if (c == '"' && s->state == 0) {
                s->state = 2;
            } else if (c == ',') {
                naive_end_field(s);
            } else if (c == '\n') {
                naive_end_record(s);
            } else {
                s->buf[s->len++] = c;
                s->state = 1;
            }
            break;
        case 2:
            if (c == '"')
                s->state = 3;
            else
                s->buf[s->len++] = c;
            break;
        case 3:
            if (c == '"') {
                s->buf[s->len++] = c;
                s->state = 2;
            } else if (c == ',') {
                naive_end_field(s);
            } else if (c == '\n') {
                naive_end_record(s);
            } else {
                s->state = 1;
            }
            break;
        }
    }
}

/* ---- timing ------------------------------------------------------------------ */

/* now: this thread's CPU seconds: the goal is a rate per core, and CPU
 * time does not count the time a busy machine gives to other processes. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* chunk size: 1 MiB, or CSV_BENCH_CHUNK bytes (curl hands an S3 body
 * over in 16 KiB pieces) */
static size_t CHUNK = 1 << 20;

/* run_sw: one pass of sw_csv over the data; returns seconds (-1 on error). */
static double run_sw(const char *data, size_t len, tally *t)
{
    sw_csv_parser *p = NULL;
    memset(t, 0, sizeof *t);
    if (sw_csv_new(NULL, on_record, t, &p))
        return -1;
    double t0 = now();
    for (size_t i = 0; i < len; i += CHUNK) {
        size_t n = len - i < CHUNK ? len - i : CHUNK;
        if (sw_csv_feed(p, sw_cursor_from_mem(data + i, n)))
            return -1;
    }
    if (sw_csv_finish(p))
        return -1;
    double dt = now() - t0;
    sw_csv_free(p);
    return dt;
}

/* run_naive: one pass of the naive reader; returns seconds. */
static double run_naive(const char *data, size_t len, tally *t)
{
    naive s;
    memset(&s, 0, sizeof s);
    memset(t, 0, sizeof *t);
    s.t = t;
    double t0 = now();
    for (size_t i = 0; i < len; i += CHUNK) {
        size_t n = len - i < CHUNK ? len - i : CHUNK;
        naive_feed(&s, data + i, n);
    }
    double dt = now() - t0;
    free(s.buf);
    return dt;
}

int main(int argc, char **argv)
{
    size_t mb = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 200;
    const char *runs_env = getenv("CSV_BENCH_RUNS");
    int runs = runs_env ? atoi(runs_env) : 5;
    const char *chunk_env = getenv("CSV_BENCH_CHUNK");
    if (chunk_env)
        CHUNK = (size_t)strtoul(chunk_env, NULL, 10);
    if (mb == 0 || runs < 1 || CHUNK == 0) {
        fprintf(stderr, "usage: csv_parse [MB]\n");
        return 2;
    }
    size_t len = 0, records = 0;
    char *data = generate(mb * 1000000, &len, &records);
    if (!data) {
        fprintf(stderr, "csv_parse: out of memory\n");
        return 1;
    }
    double best_sw = 1e9, best_naive = 1e9;
    tally a = {0}, b = {0};
    for (int r = 0; r < runs; r++) {
        double dt = run_sw(data, len, &a);
        if (dt < 0) {
            fprintf(stderr, "csv_parse: sw_csv failed\n");
            return 1;
        }
        if (dt < best_sw)
            best_sw = dt;
        dt = run_naive(data, len, &b);
        if (dt < best_naive)
            best_naive = dt;
    }
    if (a.records != records || a.records != b.records ||
        a.fields != b.fields || a.field_bytes != b.field_bytes) {
        fprintf(stderr,
                "csv_parse: readers disagree: sw %llu/%llu/%llu naive "
                "%llu/%llu/%llu (want %zu records)\n",
                (unsigned long long)a.records, (unsigned long long)a.fields,
                (unsigned long long)a.field_bytes,
                (unsigned long long)b.records, (unsigned long long)b.fields,
                (unsigned long long)b.field_bytes, records);
        return 1;
    }
    printf("%.1f MB, %zu records, %llu fields, %zu-byte chunks, best of %d\n",
           (double)len / 1e6, records, (unsigned long long)a.fields, CHUNK,
           runs);
    printf("  sw_csv       %8.0f MB/s  %6.1f M records/s\n",
           (double)len / 1e6 / best_sw, (double)records / 1e6 / best_sw);
    printf("  naive switch %8.0f MB/s  %6.1f M records/s\n",
           (double)len / 1e6 / best_naive, (double)records / 1e6 / best_naive);
    free(data);
    return 0;
}
