/* tests/gen/olist_gen.c - olist-gen: a deterministic generator of the 9 CSV
 * files of the Olist Brazilian e-commerce data set (the real one cannot be
 * downloaded here), with their real names, headers and shape, scaled by a
 * factor and fixed by a seed.
 *
 *   olist-gen [--sf X] [--seed N] [--out DIR] [--dry-run] [--bom]
 *
 * Exit codes: 0 done, 2 bad arguments (one line on stderr), 1 a file could
 * not be written (one line on stderr; no partial file is left under its
 * final name: each file is written to NAME.tmp and renamed).
 *
 * Determinism: every file draws from its own xoshiro256** stream seeded by
 * splitmix64 from (seed, stream name), ids are hashes of (seed, table,
 * index), and only IEEE basic arithmetic and sqrt are used on doubles, so
 * the same seed and SF give byte-identical files on every run. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "olist_data.h"

/* ---- random numbers ------------------------------------------------ */

typedef struct og_rng {
    uint64_t s[4];
} og_rng;

/* og_splitmix: advances *x and returns the next splitmix64 output. */
static uint64_t og_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* og_tag: a 64-bit FNV-1a hash of a stream or table name. */
static uint64_t og_tag(const char *name)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *name; name++)
        h = (h ^ (unsigned char)*name) * 0x100000001b3ULL;
    return h;
}

/* og_rng_init: seeds r for stream `name` of `seed`. */
static void og_rng_init(og_rng *r, uint64_t seed, const char *name)
{
    uint64_t x = seed ^ og_tag(name);
    for (int i = 0; i < 4; i++)
        r->s[i] = og_splitmix(&x);
}

/* og_rotl: rotates x left by k bits. */
static inline uint64_t og_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* og_next: the next xoshiro256** output. */
static inline uint64_t og_next(og_rng *r)
{
    uint64_t *s = r->s;
    uint64_t res = og_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = og_rotl(s[3], 45);
    return res;
}

/* og_u: a uniform double in [0, 1). */
static inline double og_u(og_rng *r)
{
    return (double)(og_next(r) >> 11) * 0x1.0p-53;
}

/* og_below: a uniform integer in [0, n) (n >= 1, n < 2^53). */
static inline uint64_t og_below(og_rng *r, uint64_t n)
{
    return (uint64_t)(og_u(r) * (double)n);
}

/* og_chance: true with probability p. */
static inline int og_chance(og_rng *r, double p)
{
    return og_u(r) < p;
}

/* og_pick: a value from a weighted table. */
static uint32_t og_pick(og_rng *r, const og_wv *t, size_t n)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += t[i].w;
    uint64_t x = og_below(r, total);
    for (size_t i = 0; i < n; i++) {
        if (x < t[i].w)
            return t[i].v;
        x -= t[i].w;
    }
    return t[n - 1].v;
}

/* og_quant: the quantile function of table t at u, linear in between. */
static double og_quant(const og_qpt *t, size_t n, double u)
{
    for (size_t i = 1; i < n; i++)
        if (u <= t[i].p) {
            double f = (u - t[i - 1].p) / (t[i].p - t[i - 1].p);
            return t[i - 1].v + f * (t[i].v - t[i - 1].v);
        }
    return t[n - 1].v;
}
#define OG_QUANT(t, u) og_quant(t, t##_n, (u))

/* A cumulative weight table for fast repeated picks. */
typedef struct og_cum {
    uint64_t *cum;
    size_t n;
} og_cum;

/* og_cum_pick: an index drawn by the weights of c (binary search). */
static size_t og_cum_pick(og_rng *r, const og_cum *c)
{
    uint64_t x = og_below(r, c->cum[c->n - 1]);
    size_t lo = 0, hi = c->n - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (x < c->cum[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* ---- ids and dates ------------------------------------------------- */

/* og_id: the 128-bit id of row idx of table `tag` (a hash, so no table of
 * ids is kept; collisions are as likely as for real md5 ids). */
static void og_id(uint64_t seed, uint64_t tag, uint64_t idx, uint64_t out[2])
{
    uint64_t x = seed * 0x9e3779b97f4a7c15ULL ^ tag ^ (idx * 0xd1b54a32d192ed03ULL);
    out[0] = og_splitmix(&x);
    out[1] = og_splitmix(&x);
}

/* og_days_from_civil: days since 1970-01-01 of y-m-d (Hinnant). */
static int64_t og_days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* og_civil: y, m, d of days since 1970-01-01 (Hinnant). */
static void og_civil(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* ---- buffered CSV writer ------------------------------------------- */

#define OG_BUF (1u << 20)
#define OG_ROOM 8192 /* the longest row we write is far below this */

typedef struct og_w {
    FILE *f;
    char *buf;
    size_t len;
    int err;
    char path[4096], tmp[4200];
} og_w;

/* og_w_flush: writes the buffer out; records a failure in w->err. */
static void og_w_flush(og_w *w)
{
    if (w->len && !w->err && fwrite(w->buf, 1, w->len, w->f) != w->len)
        w->err = errno ? errno : EIO;
    w->len = 0;
}

/* og_w_room: makes sure a whole row fits in the buffer. */
static inline void og_w_room(og_w *w)
{
    if (w->len > OG_BUF - OG_ROOM)
        og_w_flush(w);
}

/* og_w_raw: appends n bytes. */
static inline void og_w_raw(og_w *w, const char *s, size_t n)
{
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

/* og_w_str: appends a NUL-terminated string. */
static inline void og_w_str(og_w *w, const char *s)
{
    og_w_raw(w, s, strlen(s));
}

/* og_w_c: appends one byte. */
static inline void og_w_c(og_w *w, char c)
{
    w->buf[w->len++] = c;
}

/* og_w_u: appends v in plain decimal. */
static void og_w_u(og_w *w, uint64_t v)
{
    char t[24];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        og_w_c(w, t[--n]);
}

/* og_w_digits: appends v as exactly n digits, zero padded. */
static void og_w_digits(og_w *w, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        w->buf[w->len + (size_t)i] = (char)('0' + v % 10);
        v /= 10;
    }
    w->len += (size_t)n;
}

/* og_w_id: appends a 128-bit id as 32 lowercase hex digits. */
static void og_w_id(og_w *w, const uint64_t id[2])
{
    static const char hex[] = "0123456789abcdef";
    for (int k = 0; k < 2; k++)
        for (int i = 60; i >= 0; i -= 4)
            og_w_c(w, hex[(id[k] >> i) & 15]);
}

/* og_w_key: appends the id of entity idx of kind tag (og_id) and the
 * comma after it. */
static inline void og_w_key(og_w *w, uint64_t seed, uint64_t tag,
                            uint64_t idx)
{
    uint64_t id[2];
    og_id(seed, tag, idx, id);
    og_w_id(w, id);
    og_w_c(w, ',');
}

/* og_w_ts: appends unix time t as "YYYY-MM-DD HH:MM:SS". */
static void og_w_ts(og_w *w, int64_t t)
{
    int y, m, d;
    int64_t days = t / 86400, s = t % 86400;
    og_civil(days, &y, &m, &d);
    og_w_digits(w, (uint64_t)y, 4);
    og_w_c(w, '-');
    og_w_digits(w, (uint64_t)m, 2);
    og_w_c(w, '-');
    og_w_digits(w, (uint64_t)d, 2);
    og_w_c(w, ' ');
    og_w_digits(w, (uint64_t)(s / 3600), 2);
    og_w_c(w, ':');
    og_w_digits(w, (uint64_t)(s / 60 % 60), 2);
    og_w_c(w, ':');
    og_w_digits(w, (uint64_t)(s % 60), 2);
}

/* og_w_cents: appends cents as money with two decimals ("58.90"). */
static void og_w_cents(og_w *w, uint64_t c)
{
    og_w_u(w, c / 100);
    og_w_c(w, '.');
    og_w_digits(w, c % 100, 2);
}

/* og_w_field: appends s as one CSV field, quoted (quotes doubled) only when
 * it holds a comma, a quote or a line break, as the real files do. */
static void og_w_field(og_w *w, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        og_w_str(w, s);
        return;
    }
    og_w_c(w, '"');
    for (; *s; s++) {
        if (*s == '"')
            og_w_c(w, '"');
        og_w_c(w, *s);
    }
    og_w_c(w, '"');
}

/* Options and row counts, shared by every generator step. */
enum {
    F_ORDERS, F_ITEMS, F_PAYMENTS, F_REVIEWS, F_CUSTOMERS, F_PRODUCTS,
    F_SELLERS, F_GEO, F_TRANSLATION, F_N
};
static const char *const og_file_names[F_N] = {
    "olist_orders_dataset.csv", "olist_order_items_dataset.csv",
    "olist_order_payments_dataset.csv", "olist_order_reviews_dataset.csv",
    "olist_customers_dataset.csv", "olist_products_dataset.csv",
    "olist_sellers_dataset.csv", "olist_geolocation_dataset.csv",
    "product_category_name_translation.csv"};
static const char *const og_headers[F_N] = {
    "order_id,customer_id,order_status,order_purchase_timestamp,"
    "order_approved_at,order_delivered_carrier_date,"
    "order_delivered_customer_date,order_estimated_delivery_date",
    "order_id,order_item_id,product_id,seller_id,shipping_limit_date,price,"
    "freight_value",
    "order_id,payment_sequential,payment_type,payment_installments,"
    "payment_value",
    "review_id,order_id,review_score,review_comment_title,"
    "review_comment_message,review_creation_date,review_answer_timestamp",
    "customer_id,customer_unique_id,customer_zip_code_prefix,customer_city,"
    "customer_state",
    "product_id,product_category_name,product_name_lenght,"
    "product_description_lenght,product_photos_qty,product_weight_g,"
    "product_length_cm,product_height_cm,product_width_cm",
    "seller_id,seller_zip_code_prefix,seller_city,seller_state",
    "geolocation_zip_code_prefix,geolocation_lat,geolocation_lng,"
    "geolocation_city,geolocation_state",
    "product_category_name,product_category_name_english"};
/* Rows at SF 1 (the real files). */
static const uint64_t og_sf1[F_N] = {99441, 112650, 103886, 99224, 99441,
                                     32951, 3095, 1000163, 71};
#define OG_EMPTY_CAT_SF1 610 /* products without a category */
#define OG_ZIPS_SF1 19015    /* distinct zip prefixes */

typedef struct og_cfg {
    double sf;
    uint64_t seed;
    const char *out;
    int dry, bom;
    uint64_t n[F_N];
} og_cfg;

/* og_w_open: starts file f in cfg->out (as NAME.tmp), writing the BOM if
 * asked and the header. Returns 0, or -1 after one line on stderr. */
static int og_w_open(og_w *w, const og_cfg *cfg, int f)
{
    memset(w, 0, sizeof *w);
    snprintf(w->path, sizeof w->path, "%s/%s", cfg->out, og_file_names[f]);
    snprintf(w->tmp, sizeof w->tmp, "%s.tmp", w->path);
    w->buf = malloc(OG_BUF);
    w->f = fopen(w->tmp, "wb");
    if (!w->buf || !w->f) {
        fprintf(stderr, "olist-gen: cannot create %s: %s\n", w->tmp,
                strerror(errno));
        if (w->f)
            fclose(w->f);
        free(w->buf);
        return -1;
    }
    if (cfg->bom)
        og_w_str(w, "\xef\xbb\xbf");
    og_w_str(w, og_headers[f]);
    og_w_c(w, '\n');
    return 0;
}

/* og_w_begin: seeds r with the file's own random stream and starts file f
 * (og_w_open). Returns 0, or -1 after one line on stderr. */
static int og_w_begin(og_w *w, og_rng *r, const og_cfg *cfg, int f,
                      const char *stream)
{
    og_rng_init(r, cfg->seed, stream);
    return og_w_open(w, cfg, f);
}

/* og_w_close: flushes, closes and renames the file into place. Returns 0,
 * or -1 after one line on stderr (the .tmp file is removed). */
static int og_w_close(og_w *w)
{
    og_w_flush(w);
    if (fflush(w->f) && !w->err)
        w->err = errno ? errno : EIO;
    if (fclose(w->f) && !w->err)
        w->err = errno ? errno : EIO;
    free(w->buf);
    if (!w->err && rename(w->tmp, w->path))
        w->err = errno ? errno : EIO;
    if (w->err) {
        fprintf(stderr, "olist-gen: cannot write %s: %s\n", w->path,
                strerror(w->err));
        remove(w->tmp);
        return -1;
    }
    return 0;
}

/* ---- the model ------------------------------------------------------ */

typedef struct og_zip {
    uint32_t code;
    uint16_t state, city;
    int64_t lat, lng; /* 1e-15 degrees */
} og_zip;

typedef struct og_model {
    const og_cfg *cfg;
    /* zips */
    og_zip *zips;
    size_t nzips;
    size_t *state_zip0, *state_nzip; /* per state: first zip, count */
    og_cum cust_states, seller_states;
    /* orders (customer i places order i) */
    uint8_t *status, *nitems, *npays, *nrevs;
    uint32_t *purchase, *approved, *carrier, *delivered, *estimated;
    uint32_t *total; /* items + freight, cents (filled by the items pass) */
    /* customers */
    uint32_t *uidx, *czip;
    /* products */
    uint32_t *price, *freight, *pseller;
} og_model;

/* og_alloc: calloc that exits 1 with a line on failure. */
static void *og_alloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        fprintf(stderr, "olist-gen: out of memory\n");
        exit(1);
    }
    return p;
}

/* og_cum_states: the cumulative customer (or seller) weights of the
 * states. */
static og_cum og_cum_states(int seller)
{
    og_cum c = {og_alloc(og_nstates, sizeof(uint64_t)), og_nstates};
    uint64_t t = 0;
    for (size_t i = 0; i < og_nstates; i++) {
        t += seller ? og_states[i].seller_w : og_states[i].cust_w;
        c.cum[i] = t;
    }
    return c;
}

/* og_ncities: the number of cities of state s. */
static size_t og_ncities(size_t s)
{
    size_t n = 0;
    while (og_states[s].cities[n])
        n++;
    return n;
}

/* og_build_zips: the distinct zip prefixes, spread over the states by
 * customer weight (at least one each), each with a city and a centre. */
static void og_build_zips(og_model *m)
{
    const og_cfg *cfg = m->cfg;
    og_rng r;
    og_rng_init(&r, cfg->seed, "zips");
    double f = cfg->sf < 1 ? cfg->sf : 1;
    size_t want = (size_t)(OG_ZIPS_SF1 * f + 0.5);
    if (want < og_nstates)
        want = og_nstates;
    uint64_t wsum = m->cust_states.cum[og_nstates - 1];
    m->state_zip0 = og_alloc(og_nstates, sizeof(size_t));
    m->state_nzip = og_alloc(og_nstates, sizeof(size_t));
    m->zips = og_alloc(want + og_nstates, sizeof(og_zip));
    size_t nz = 0;
    for (size_t s = 0; s < og_nstates; s++) {
        const og_state *st = &og_states[s];
        size_t k = (size_t)((double)want * st->cust_w / (double)wsum);
        size_t range = st->zip_hi - st->zip_lo + 1;
        if (k < 1)
            k = 1;
        if (k > range)
            k = range;
        size_t nc = og_ncities(s);
        m->state_zip0[s] = nz;
        m->state_nzip[s] = k;
        for (size_t j = 0; j < k; j++) {
            /* one zip per stride keeps them distinct and ascending */
            size_t lo = j * range / k, hi = (j + 1) * range / k;
            og_zip *z = &m->zips[nz++];
            z->code = st->zip_lo + (uint32_t)(lo + og_below(&r, hi - lo));
            z->state = (uint16_t)s;
            z->city = (uint16_t)(og_chance(&r, 0.4) ? 0 : og_below(&r, nc));
            z->lat = (int64_t)st->lat100 * 10000000000000LL +
                     (int64_t)og_below(&r, 1600000000000000ULL) -
                     800000000000000LL;
            z->lng = (int64_t)st->lng100 * 10000000000000LL +
                     (int64_t)og_below(&r, 1600000000000000ULL) -
                     800000000000000LL;
        }
    }
    m->nzips = nz;
}

/* og_pick_zip: a zip of a state drawn by cum, popular zips first. */
static uint32_t og_pick_zip(og_model *m, og_rng *r, const og_cum *cum)
{
    size_t s;
    do
        s = og_cum_pick(r, cum);
    while (m->state_nzip[s] == 0);
    double u = og_u(r);
    return (uint32_t)(m->state_zip0[s] +
                      (size_t)(u * u * (double)m->state_nzip[s]));
}

/* og_count: rows of a file at the configured SF: rounded, at least 1. */
static uint64_t og_count(double sf, uint64_t base)
{
    double v = (double)base * sf + 0.5;
    uint64_t n = (uint64_t)v;
    return n ? n : 1;
}

/* og_adjust: changes per-order counts c[0..n) by one at a time, at random
 * orders, until they sum to target: increments go to orders that already
 * have rows (or any, when none has), decrements to orders with 2 or more
 * (then 1), so the shape stays and the total is exact. */
static void og_adjust(og_rng *r, uint8_t *c, uint64_t n, uint64_t target)
{
    uint64_t sum = 0, nonzero = 0, multi = 0;
    for (uint64_t i = 0; i < n; i++) {
        sum += c[i];
        nonzero += c[i] > 0;
        multi += c[i] > 1;
    }
    while (sum < target) {
        uint64_t i = og_below(r, n);
        if ((c[i] == 0 && nonzero) || c[i] == 255)
            continue;
        nonzero += c[i] == 0;
        multi += c[i] == 1;
        c[i]++;
        sum++;
    }
    while (sum > target) {
        uint64_t i = og_below(r, n);
        if (c[i] == 0 || (c[i] == 1 && multi))
            continue;
        multi -= c[i] == 2;
        nonzero -= c[i] == 1;
        c[i]--;
        sum--;
    }
}

/* The last moment of the data set: nothing is delivered after it. */
#define OG_END_DAY 17821 /* 2018-10-17 */

/* og_gen_orders: status, timestamps and per-order item, payment and review
 * counts (adjusted to the exact file sizes). */
static void og_gen_orders(og_model *m)
{
    const og_cfg *cfg = m->cfg;
    uint64_t n = cfg->n[F_ORDERS];
    og_rng r;
    og_rng_init(&r, cfg->seed, "orders");
    m->status = og_alloc(n, 1);
    m->nitems = og_alloc(n, 1);
    m->npays = og_alloc(n, 1);
    m->nrevs = og_alloc(n, 1);
    m->purchase = og_alloc(n, 4);
    m->approved = og_alloc(n, 4);
    m->carrier = og_alloc(n, 4);
    m->delivered = og_alloc(n, 4);
    m->estimated = og_alloc(n, 4);
    m->total = og_alloc(n, 4);
    og_wv months[64], hours[24];
    for (size_t i = 0; i < og_nmonths; i++)
        months[i] = (og_wv){og_months[i].weight, (uint32_t)i};
    for (uint32_t h = 0; h < 24; h++)
        hours[h] = (og_wv){og_hour_w[h], h};
    for (uint64_t i = 0; i < n; i++) {
        const og_month *mo = &og_months[og_pick(&r, months, og_nmonths)];
        int64_t d0 = og_days_from_civil(mo->year, mo->month, 1);
        int64_t d1 = og_days_from_civil(mo->year + (mo->month == 12),
                                        mo->month % 12 + 1, 1);
        if (mo->year == 2016 && mo->month == 9)
            d0 += 3; /* the first order: 2016-09-04 */
        if (mo->year == 2018 && mo->month == 10)
            d1 = OG_END_DAY;
        int64_t day = d0 + (int64_t)og_below(&r, (uint64_t)(d1 - d0));
        int64_t p = day * 86400 + og_pick(&r, hours, 24) * 3600 +
                    (int64_t)og_below(&r, 3600);
        int st = (int)og_pick(&r, og_status_w, OG_NSTATUS);
        int64_t est_days = (int64_t)OG_QUANT(og_q_est, og_u(&r));
        int64_t a = 0, c = 0, d = 0;
        int64_t adelay = (int64_t)OG_QUANT(og_q_approve, og_u(&r));
        if (st == OG_DELIVERED) {
            int64_t days;
            if (og_chance(&r, 0.081))
                days = est_days + 1 + (int64_t)OG_QUANT(og_q_late, og_u(&r));
            else
                days = 1 + (int64_t)((double)(est_days - 1) *
                                     OG_QUANT(og_q_early, og_u(&r)));
            d = (day + days) * 86400 + 28800 + (int64_t)og_below(&r, 50400);
            if (d / 86400 > OG_END_DAY)
                st = OG_SHIPPED, d = 0;
        }
        if (st == OG_DELIVERED) {
            if (adelay > (d - p) / 4)
                adelay = (d - p) / 4;
            a = p + adelay;
            c = a + (int64_t)((double)(d - a) * (0.1 + 0.4 * og_u(&r)));
        } else if (st != OG_CREATED) {
            a = p + adelay;
            if (st == OG_CANCELED && og_chance(&r, 0.14))
                a = 0;
            if (st == OG_SHIPPED ||
                (st == OG_CANCELED && a && og_chance(&r, 0.12))) {
                c = a + 86400 + (int64_t)og_below(&r, 4 * 86400);
                if (st == OG_CANCELED && og_chance(&r, 0.08))
                    d = c + 86400 * (1 + (int64_t)og_below(&r, 15));
            }
        }
        m->status[i] = (uint8_t)st;
        m->purchase[i] = (uint32_t)p;
        m->approved[i] = (uint32_t)a;
        m->carrier[i] = (uint32_t)c;
        m->delivered[i] = (uint32_t)d;
        m->estimated[i] = (uint32_t)((day + est_days) * 86400);
        /* orders never filled have no items, as in the real file */
        int noitems = st == OG_CREATED ||
                      (st == OG_UNAVAILABLE && og_chance(&r, 0.99)) ||
                      (st == OG_CANCELED && og_chance(&r, 0.27));
        m->nitems[i] = noitems ? 0 : (uint8_t)og_pick(&r, og_items_w,
                                                      og_nitems_w);
        m->npays[i] = (uint8_t)og_pick(&r, og_pays_w, og_npays_w);
        double ur = og_u(&r);
        m->nrevs[i] = ur < 0.0077 ? 0 : ur > 1 - 0.0055 ? 2 : 1;
    }
    og_rng_init(&r, cfg->seed, "adjust");
    og_adjust(&r, m->nitems, n, cfg->n[F_ITEMS]);
    og_adjust(&r, m->npays, n, cfg->n[F_PAYMENTS]);
    og_adjust(&r, m->nrevs, n, cfg->n[F_REVIEWS]);
}

/* og_w_opt_ts: appends a timestamp, or nothing for 0 (empty field). */
static void og_w_opt_ts(og_w *w, uint32_t t)
{
    if (t)
        og_w_ts(w, t);
}

/* og_write_orders: olist_orders_dataset.csv. Returns 0 or -1. */
static int og_write_orders(og_model *m)
{
    const og_cfg *cfg = m->cfg;
    og_w w;
    if (og_w_open(&w, cfg, F_ORDERS))
        return -1;
    uint64_t to = og_tag("order"), tc = og_tag("customer");
    for (uint64_t i = 0; i < cfg->n[F_ORDERS]; i++) {
        og_w_room(&w);
        og_w_key(&w, cfg->seed, to, i);
        og_w_key(&w, cfg->seed, tc, i);
        og_w_str(&w, og_status_names[m->status[i]]);
        og_w_c(&w, ',');
        og_w_ts(&w, m->purchase[i]);
        og_w_c(&w, ',');
        og_w_opt_ts(&w, m->approved[i]);
        og_w_c(&w, ',');
        og_w_opt_ts(&w, m->carrier[i]);
        og_w_c(&w, ',');
        og_w_opt_ts(&w, m->delivered[i]);
        og_w_c(&w, ',');
        og_w_ts(&w, m->estimated[i]);
        og_w_c(&w, '\n');
    }
    return og_w_close(&w);
}

/* og_write_customers: olist_customers_dataset.csv, one row per order in a
 * shuffled order (the real file is not in the orders' order); ~3.4% of
 * customers are a returning person (same unique id and zip). */
static int og_write_customers(og_model *m)
{
    const og_cfg *cfg = m->cfg;
    uint64_t n = cfg->n[F_CUSTOMERS];
    og_rng r;
    og_rng_init(&r, cfg->seed, "customers");
    m->uidx = og_alloc(n, 4);
    m->czip = og_alloc(n, 4);
    uint32_t next_u = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (i && og_chance(&r, 0.034)) {
            uint64_t j = og_below(&r, i);
            m->uidx[i] = m->uidx[j];
            m->czip[i] = m->czip[j];
        } else {
            m->uidx[i] = next_u++;
            m->czip[i] = og_pick_zip(m, &r, &m->cust_states);
        }
    }
    uint32_t *perm = og_alloc(n, 4);
    for (uint64_t i = 0; i < n; i++)
        perm[i] = (uint32_t)i;
    for (uint64_t i = n - 1; i > 0; i--) {
        uint64_t j = og_below(&r, i + 1);
        uint32_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    og_w w;
    if (og_w_open(&w, cfg, F_CUSTOMERS)) {
        free(perm);
        return -1;
    }
    uint64_t tc = og_tag("customer"), tu = og_tag("unique");
    for (uint64_t k = 0; k < n; k++) {
        uint32_t i = perm[k];
        const og_zip *z = &m->zips[m->czip[i]];
        og_w_room(&w);
        og_w_key(&w, cfg->seed, tc, i);
        og_w_key(&w, cfg->seed, tu, m->uidx[i]);
        og_w_digits(&w, z->code, 5);
        og_w_c(&w, ',');
        og_w_field(&w, og_states[z->state].cities[z->city]);
        og_w_c(&w, ',');
        og_w_str(&w, og_states[z->state].code);
        og_w_c(&w, '\n');
    }
    free(perm);
    return og_w_close(&w);
}

/* og_cover_pick: an index in [0, total) such that, over `left` remaining
 * calls, every index is returned at least once while calls last: a new
 * index (*used, then *used + 1, ...) with probability unused/left, else a
 * skewed pick among the used ones (popular ones first). */
static uint32_t og_cover_pick(og_rng *r, uint64_t *used, uint64_t total,
                              uint64_t left)
{
    uint64_t unused = total - *used;
    if (*used == 0 || (unused && og_u(r) * (double)left < (double)unused))
        return (uint32_t)(*used)++;
    double u = og_u(r);
    return (uint32_t)(u * u * (double)*used);
}

/* og_write_products: olist_products_dataset.csv; also fixes each product's
 * price, freight base and seller for the items. */
static int og_write_products(og_model *m)
{
    const og_cfg *cfg = m->cfg;
    uint64_t n = cfg->n[F_PRODUCTS], ns = cfg->n[F_SELLERS];
    og_rng r;
    og_rng_init(&r, cfg->seed, "products");
    m->price = og_alloc(n, 4);
    m->freight = og_alloc(n, 4);
    m->pseller = og_alloc(n, 4);
    og_cum cats = {og_alloc(og_ncategories, 8), og_ncategories};
    uint64_t t = 0;
    for (size_t i = 0; i < og_ncategories; i++)
        cats.cum[i] = t += og_categories[i].weight;
    /* exactly round(610 * SF) products without a category (selection
     * sampling), and a couple without measures */
    uint64_t empty_left = (uint64_t)(OG_EMPTY_CAT_SF1 * cfg->sf + 0.5);
    if (empty_left >= n)
        empty_left = n > 1 ? n - 1 : 0;
    uint64_t used_sellers = 0, tp = og_tag("product");
    size_t cat_next = 0;
    og_w w;
    if (og_w_open(&w, cfg, F_PRODUCTS)) {
        free(cats.cum);
        return -1;
    }
    for (uint64_t i = 0; i < n; i++) {
        int empty = og_u(&r) * (double)(n - i) < (double)empty_left;
        empty_left -= (uint64_t)empty;
        double uw = og_u(&r);
        uint64_t weight = (uint64_t)OG_QUANT(og_q_weight, uw);
        double uf = 0.6 * uw + 0.4 * og_u(&r);
        m->freight[i] = og_chance(&r, 0.003) ? 0
                        : (uint32_t)OG_QUANT(og_q_freight, uf);
        uint32_t price = (uint32_t)OG_QUANT(og_q_price, og_u(&r));
        double ue = og_u(&r);
        if (price >= 100 && ue < 0.40)
            price = price / 100 * 100 + 90;
        else if (price >= 100 && ue < 0.60)
            price = price / 100 * 100 + 99;
        else if (price >= 100 && ue < 0.75)
            price = price / 100 * 100;
        m->price[i] = price;
        m->pseller[i] = og_cover_pick(&r, &used_sellers, ns, n - i);
        og_w_room(&w);
        og_w_key(&w, cfg->seed, tp, i);
        size_t cat = og_cum_pick(&r, &cats);
        /* at full scale every real category is used once at least, even
         * cds_dvds_musicais (1 product in the real file) */
        if (!empty && n >= 100 * og_ncategories && cat_next < og_ncategories)
            cat = cat_next++;
        if (empty) {
            og_w_str(&w, ",,,");
        } else {
            og_w_str(&w, og_categories[cat].pt);
            og_w_c(&w, ',');
            og_w_u(&w, 5 + og_below(&r, 20) + og_below(&r, 26) +
                           og_below(&r, 27));
            og_w_c(&w, ',');
            og_w_u(&w, (uint64_t)OG_QUANT(og_q_desc, og_u(&r)));
            og_w_c(&w, ',');
            double up = og_u(&r);
            og_w_u(&w, up < 0.5 ? 1 : up < 0.7 ? 2 : up < 0.82 ? 3
                       : up < 0.89 ? 4 : up < 0.94 ? 5
                       : 6 + og_below(&r, 15));
        }
        og_w_c(&w, ',');
        if (og_chance(&r, 0.00006)) {
            og_w_str(&w, ",,,\n"); /* the real file has two such rows */
            continue;
        }
        og_w_u(&w, weight);
        og_w_c(&w, ',');
        og_w_u(&w, (uint64_t)OG_QUANT(og_q_len, og_u(&r)));
        og_w_c(&w, ',');
        og_w_u(&w, (uint64_t)OG_QUANT(og_q_height, og_u(&r)));
        og_w_c(&w, ',');
        og_w_u(&w, (uint64_t)OG_QUANT(og_q_width, og_u(&r)));
        og_w_c(&w, '\n');
    }
    free(cats.cum);
    return og_w_close(&w);
}

/* og_write_sellers: olist_sellers_dataset.csv (SP-heavy, as the real). */
static int og_write_sellers(og_model *m)
{
    const og_cfg *cfg = m->cfg;
    og_rng r;
    og_w w;
    if (og_w_begin(&w, &r, cfg, F_SELLERS, "sellers"))
        return -1;
    uint64_t ts = og_tag("seller");
    for (uint64_t i = 0; i < cfg->n[F_SELLERS]; i++) {
        const og_zip *z = &m->zips[og_pick_zip(m, &r, &m->seller_states)];
        og_w_room(&w);
        og_w_key(&w, cfg->seed, ts, i);
        og_w_digits(&w, z->code, 5);
        og_w_c(&w, ',');
        og_w_field(&w, og_states[z->state].cities[z->city]);
        og_w_c(&w, ',');
        og_w_str(&w, og_states[z->state].code);
        og_w_c(&w, '\n');
    }
    return og_w_close(&w);
}

/* og_fold: the city name without accents ("são paulo" -> "sao paulo"), as
 * about a third of the real geolocation rows spell it. */
static void og_fold(const char *s, char *out, size_t cap)
{
    static const char *const from[] = {"á", "à", "â", "ã", "é", "ê", "í",
                                       "ó", "ô", "õ", "ú", "ç"};
    static const char to[] = "aaaaeeiooouc";
    size_t n = 0;
    while (*s && n + 1 < cap) {
        size_t k;
        for (k = 0; k < sizeof from / sizeof from[0]; k++)
            if (!strncmp(s, from[k], 2))
                break;
        if (k < sizeof from / sizeof from[0]) {
            out[n++] = to[k];
            s += 2;
        } else {
            out[n++] = *s++;
        }
    }
    out[n] = 0;
}

/* og_w_coord: appends v (1e-15 degrees) with `dec` decimals (truncated). */
static void og_w_coord(og_w *w, int64_t v, int dec)
{
    if (v < 0) {
        og_w_c(w, '-');
        v = -v;
    }
    uint64_t a = (uint64_t)v, ip = a / 1000000000000000ULL;
    uint64_t fp = a % 1000000000000000ULL;
    for (int k = dec; k < 15; k++)
        fp /= 10;
    og_w_u(w, ip);
    og_w_c(w, '.');
    og_w_digits(w, fp, dec);
}

/* og_write_geo: olist_geolocation_dataset.csv: many rows per zip prefix
 * (every zip at least once while rows last), points scattered around the
 * zip's centre with 15, 14, 13 or 6 decimals. */
static int og_write_geo(og_model *m)
{
    const og_cfg *cfg = m->cfg;
    og_rng r;
    og_w w;
    if (og_w_begin(&w, &r, cfg, F_GEO, "geolocation"))
        return -1;
    uint64_t n = cfg->n[F_GEO], covered = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t left = n - i, unc = m->nzips - covered;
        uint32_t zi;
        if (unc && og_u(&r) * (double)left < (double)unc)
            zi = (uint32_t)covered++;
        else
            zi = og_pick_zip(m, &r, &m->cust_states);
        const og_zip *z = &m->zips[zi];
        og_w_room(&w);
        og_w_digits(&w, z->code, 5);
        og_w_c(&w, ',');
        double ud = og_u(&r);
        int dec = ud < 0.25 ? 15 : ud < 0.75 ? 14 : ud < 0.9 ? 13 : 6;
        og_w_coord(&w, z->lat + (int64_t)og_below(&r, 40000000000000ULL) -
                           20000000000000LL, dec);
        og_w_c(&w, ',');
        og_w_coord(&w, z->lng + (int64_t)og_below(&r, 40000000000000ULL) -
                           20000000000000LL, dec);
        og_w_c(&w, ',');
        const char *city = og_states[z->state].cities[z->city];
        if (og_chance(&r, 0.3)) {
            char folded[128];
            og_fold(city, folded, sizeof folded);
            og_w_field(&w, folded);
        } else {
            og_w_field(&w, city);
        }
        og_w_c(&w, ',');
        og_w_str(&w, og_states[z->state].code);
        og_w_c(&w, '\n');
    }
    return og_w_close(&w);
}

/* og_write_translation: product_category_name_translation.csv (71 rows). */
static int og_write_translation(const og_cfg *cfg)
{
    og_w w;
    if (og_w_open(&w, cfg, F_TRANSLATION))
        return -1;
    for (size_t i = 0; i < og_ntranslated; i++) {
        og_w_str(&w, og_categories[i].pt);
        og_w_c(&w, ',');
        og_w_str(&w, og_categories[i].en);
        og_w_c(&w, '\n');
    }
    return og_w_close(&w);
}

/* og_write_items: olist_order_items_dataset.csv, grouped by order with
 * order_item_id 1..n; every product (hence every seller) is sold at least
 * once; repeated items are often the same product. Fills m->total. */
static int og_write_items(og_model *m)
{
    const og_cfg *cfg = m->cfg;
    og_rng r;
    og_w w;
    if (og_w_begin(&w, &r, cfg, F_ITEMS, "items"))
        return -1;
    uint64_t to = og_tag("order"), tp = og_tag("product"),
             ts = og_tag("seller"), oid[2];
    uint64_t np = cfg->n[F_PRODUCTS], used = 0, left = cfg->n[F_ITEMS];
    for (uint64_t i = 0; i < cfg->n[F_ORDERS]; i++) {
        if (!m->nitems[i])
            continue;
        og_id(cfg->seed, to, i, oid);
        int64_t base = m->approved[i] ? m->approved[i] : m->purchase[i];
        int64_t lim = base + 86400 * (int64_t)OG_QUANT(og_q_shiplim, og_u(&r)) +
                      (int64_t)og_below(&r, 7200);
        uint32_t prod = 0, total = 0;
        for (uint32_t k = 1; k <= m->nitems[i]; k++, left--) {
            /* repeat the previous product only while every product can
             * still be sold once in the items left */
            if (k == 1 || np - used >= left || !og_chance(&r, 0.55))
                prod = og_cover_pick(&r, &used, np, left);
            uint32_t fr = m->freight[prod];
            if (fr)
                fr = (uint32_t)((double)fr * (0.7 + 0.8 * og_u(&r)));
            total += m->price[prod] + fr;
            og_w_room(&w);
            og_w_id(&w, oid);
            og_w_c(&w, ',');
            og_w_u(&w, k);
            og_w_c(&w, ',');
            og_w_key(&w, cfg->seed, tp, prod);
            og_w_key(&w, cfg->seed, ts, m->pseller[prod]);
            og_w_ts(&w, lim);
            og_w_c(&w, ',');
            og_w_cents(&w, m->price[prod]);
            og_w_c(&w, ',');
            og_w_cents(&w, fr);
            og_w_c(&w, '\n');
        }
        m->total[i] = total;
    }
    return og_w_close(&w);
}

/* og_write_payments: olist_order_payments_dataset.csv. One row is the
 * usual; several rows are vouchers plus (mostly) a credit card. The rows
 * of an order sum to its items + freight in cents (orders without items
 * pay a price-like amount, as the real unavailable orders do). */
static int og_write_payments(og_model *m)
{
    const og_cfg *cfg = m->cfg;
    og_rng r;
    og_w w;
    if (og_w_begin(&w, &r, cfg, F_PAYMENTS, "payments"))
        return -1;
    static const og_wv single[] = {{7400, 0}, {1980, 1}, {120, 2},
                                   {153, 3}, {1, 4}};
    static const char *const types[] = {"credit_card", "boleto", "voucher",
                                        "debit_card", "not_defined"};
    uint64_t to = og_tag("order"), oid[2], val[256];
    uint32_t typ[256];
    for (uint64_t i = 0; i < cfg->n[F_ORDERS]; i++) {
        uint32_t k = m->npays[i];
        if (!k)
            continue;
        og_id(cfg->seed, to, i, oid);
        uint64_t rest = m->nitems[i] ? m->total[i]
                        : (uint64_t)OG_QUANT(og_q_price, og_u(&r));
        if (k == 1) {
            typ[0] = og_pick(&r, single, 5);
            val[0] = rest;
        } else {
            /* vouchers take shares; a card (sequential 1) pays the rest,
             * or, one time in ten, the last voucher does */
            uint32_t first = og_chance(&r, 0.9) ? 1 : 0;
            if (first) {
                typ[0] = 0;
            }
            for (uint32_t s = first; s < k; s++) {
                typ[s] = 2;
                val[s] = s + 1 == k && !first
                             ? rest
                             : (uint64_t)((double)rest * og_u(&r) * 0.5);
                rest -= val[s];
            }
            if (first)
                val[0] = rest;
        }
        for (uint32_t s = 0; s < k; s++) {
            uint32_t inst = typ[s] == 0 ? og_pick(&r, og_inst_w, og_ninst_w)
                                        : 1;
            og_w_room(&w);
            og_w_id(&w, oid);
            og_w_c(&w, ',');
            og_w_u(&w, s + 1);
            og_w_c(&w, ',');
            og_w_str(&w, types[typ[s]]);
            og_w_c(&w, ',');
            og_w_u(&w, inst);
            og_w_c(&w, ',');
            og_w_cents(&w, val[s]);
            og_w_c(&w, '\n');
        }
    }
    return og_w_close(&w);
}

/* og_message: a Portuguese review message of 1-3 phrases joined by commas,
 * spaces or line breaks (\r\n or \n, as the real file has both). */
static void og_message(og_rng *r, int good, char *out, size_t cap)
{
    const char *const *pool = good ? og_msg_good : og_msg_bad;
    size_t np = good ? og_nmsg_good : og_nmsg_bad, n = 0;
    int parts = 1 + (int)og_below(r, 3);
    out[0] = 0;
    for (int k = 0; k < parts; k++) {
        const char *sep = "";
        if (k) {
            double u = og_u(r);
            sep = u < 0.4 ? ", " : u < 0.75 ? ". " : u < 0.85 ? " "
                  : u < 0.94 ? "\r\n" : "\n";
        }
        int len = snprintf(out + n, cap - n, "%s%s", sep,
                           pool[og_below(r, np)]);
        if (len < 0 || (size_t)len >= cap - n)
            break;
        n += (size_t)len;
    }
}

/* og_write_reviews: olist_order_reviews_dataset.csv: about one review per
 * order (some none, a few two), scores skewed to 5 and lower for late or
 * missing deliveries, mostly empty titles and messages, a review_id now and
 * then repeated on another order (as in the real file). */
static int og_write_reviews(og_model *m)
{
    const og_cfg *cfg = m->cfg;
    og_rng r;
    og_w w;
    if (og_w_begin(&w, &r, cfg, F_REVIEWS, "reviews"))
        return -1;
    static const og_wv ontime[] = {{61, 5}, {20, 4}, {8, 3}, {3, 2}, {8, 1}};
    static const og_wv late[] = {{25, 5}, {12, 4}, {10, 3}, {8, 2}, {45, 1}};
    static const og_wv never[] = {{9, 5}, {5, 4}, {8, 3}, {8, 2}, {70, 1}};
    uint64_t to = og_tag("order"), tr = og_tag("review"), oid[2];
    uint64_t rid = 0;
    int64_t last_order = -1;
    char msg[1024];
    for (uint64_t i = 0; i < cfg->n[F_ORDERS]; i++) {
        if (!m->nrevs[i])
            continue;
        og_id(cfg->seed, to, i, oid);
        int64_t dday = m->delivered[i] / 86400, eday = m->estimated[i] / 86400;
        for (uint32_t k = 0; k < m->nrevs[i]; k++) {
            uint32_t score;
            if (!m->delivered[i])
                score = og_pick(&r, never, 5);
            else if (dday > eday)
                score = og_pick(&r, late, 5);
            else
                score = og_pick(&r, ontime, 5);
            int good = score >= 4 || (score == 3 && og_chance(&r, 0.5));
            /* a review id repeated on another order (~0.8%) */
            if (!(last_order >= 0 && last_order != (int64_t)i &&
                  og_chance(&r, 0.008)))
                rid++;
            last_order = (int64_t)i;
            int64_t cday = m->delivered[i]
                               ? dday + 1 + (int64_t)og_below(&r, 3)
                               : eday + (int64_t)og_below(&r, 10);
            if (k)
                cday += 1 + (int64_t)og_below(&r, 20);
            int64_t ans = cday * 86400 + 3600 +
                          (int64_t)og_below(&r, 86400 * (og_chance(&r, 0.7)
                                                             ? 1 : 6));
            og_w_room(&w);
            og_w_key(&w, cfg->seed, tr, rid);
            og_w_id(&w, oid);
            og_w_c(&w, ',');
            og_w_u(&w, score);
            og_w_c(&w, ',');
            if (og_chance(&r, 0.117))
                og_w_field(&w, good ? og_title_good[og_below(&r, og_ntitle_good)]
                                    : og_title_bad[og_below(&r, og_ntitle_bad)]);
            og_w_c(&w, ',');
            if (og_chance(&r, 0.413)) {
                og_message(&r, good, msg, sizeof msg);
                og_w_field(&w, msg);
            }
            og_w_c(&w, ',');
            og_w_ts(&w, cday * 86400);
            og_w_c(&w, ',');
            og_w_ts(&w, ans);
            og_w_c(&w, '\n');
        }
    }
    return og_w_close(&w);
}

/* ---- command line --------------------------------------------------- */

/* og_usage_error: one line on stderr, exit 2. */
static void og_usage_error(const char *what, const char *arg)
{
    fprintf(stderr,
            "olist-gen: %s%s%s (usage: olist-gen [--sf X] [--seed N] "
            "[--out DIR] [--dry-run] [--bom])\n",
            what, arg ? ": " : "", arg ? arg : "");
    exit(2);
}

/* og_parse_args: fills cfg from argv (--opt value or --opt=value); bad
 * arguments exit 2 with one line. */
static void og_parse_args(int argc, char **argv, og_cfg *cfg)
{
    cfg->sf = 1;
    cfg->seed = 42;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i], *val = NULL;
        char name[32];
        char *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        if (nl >= sizeof name)
            og_usage_error("unknown argument", a);
        memcpy(name, a, nl);
        name[nl] = 0;
        int takes = !strcmp(name, "--sf") || !strcmp(name, "--seed") ||
                    !strcmp(name, "--out");
        if (takes) {
            if (eq)
                val = eq + 1;
            else if (i + 1 < argc)
                val = argv[++i];
            else
                og_usage_error("missing value for", name);
        } else if (eq) {
            og_usage_error("unknown argument", a);
        }
        if (!strcmp(name, "--sf")) {
            char *end;
            errno = 0;
            double v = strtod(val, &end);
            if (!*val || *end || errno || !(v > 0) || v > 100)
                og_usage_error("--sf must be a number in (0, 100]", val);
            cfg->sf = v;
        } else if (!strcmp(name, "--seed")) {
            char *end;
            errno = 0;
            if (!*val || strspn(val, "0123456789") != strlen(val))
                og_usage_error("--seed must be a decimal integer", val);
            unsigned long long v = strtoull(val, &end, 10);
            if (errno || *end)
                og_usage_error("--seed must fit 64 bits", val);
            cfg->seed = v;
        } else if (!strcmp(name, "--out")) {
            if (!*val)
                og_usage_error("--out must not be empty", NULL);
            cfg->out = val;
        } else if (!strcmp(name, "--dry-run")) {
            cfg->dry = 1;
        } else if (!strcmp(name, "--bom")) {
            cfg->bom = 1;
        } else {
            og_usage_error("unknown argument", a);
        }
    }
    if (!cfg->out && !cfg->dry)
        og_usage_error("--out DIR is required", NULL);
    for (int f = 0; f < F_N; f++)
        cfg->n[f] = f == F_TRANSLATION ? og_sf1[f] : og_count(cfg->sf, og_sf1[f]);
}

/* og_mkdir_p: creates dir and its parents. Returns 0, or -1 after a line. */
static int og_mkdir_p(const char *dir)
{
    char p[4096];
    size_t n = strlen(dir);
    if (n >= sizeof p) {
        fprintf(stderr, "olist-gen: --out path too long\n");
        return -1;
    }
    memcpy(p, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != 0)
            continue;
        char c = p[i];
        p[i] = 0;
        if (mkdir(p, 0777) && errno != EEXIST) {
            fprintf(stderr, "olist-gen: cannot create %s: %s\n", p,
                    strerror(errno));
            return -1;
        }
        p[i] = c;
    }
    struct stat st;
    if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "olist-gen: %s is not a directory\n", dir);
        return -1;
    }
    return 0;
}

/* og_model_free: releases everything the model holds. */
static void og_model_free(og_model *m)
{
    void *ps[] = {m->zips, m->state_zip0, m->state_nzip, m->cust_states.cum,
                  m->seller_states.cum, m->status, m->nitems, m->npays,
                  m->nrevs, m->purchase, m->approved, m->carrier,
                  m->delivered, m->estimated, m->total, m->uidx, m->czip,
                  m->price, m->freight, m->pseller};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
        free(ps[i]);
}

/* main: parses the arguments, builds the model and writes the 9 files
 * (or, with --dry-run, prints "file rows" lines). Returns the exit code. */
int main(int argc, char **argv)
{
    og_cfg cfg = {0};
    og_parse_args(argc, argv, &cfg);
    if (cfg.dry) {
        for (int f = 0; f < F_N; f++)
            printf("%s %llu\n", og_file_names[f],
                   (unsigned long long)cfg.n[f]);
        return 0;
    }
    if (og_mkdir_p(cfg.out))
        return 1;
    og_model m = {.cfg = &cfg};
    m.cust_states = og_cum_states(0);
    m.seller_states = og_cum_states(1);
    og_build_zips(&m);
    og_gen_orders(&m);
    int rc = og_write_orders(&m) || og_write_customers(&m) ||
             og_write_products(&m) || og_write_sellers(&m) ||
             og_write_geo(&m) || og_write_translation(&cfg) ||
             og_write_items(&m) || og_write_payments(&m) ||
             og_write_reviews(&m);
    og_model_free(&m);
    return rc ? 1 : 0;
}
