/* transform.c - the six aggregates of AGGREGATES.md over the stage rows
 * (transform.h). */
#include "transform.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sw/csv.h"
#include "sw/hashmap.h"

const char *const tf_agg_names[TF_NAGG] = {
    "daily_state", "daily_category", "payment_mix", "delivery_delay_state",
    "seller_ranking", "category_reviews"};

const sw_olist_file_id tf_feed_order[8] = {
    SW_OLIST_TRANSLATION, SW_OLIST_PRODUCTS, SW_OLIST_SELLERS,
    SW_OLIST_CUSTOMERS, SW_OLIST_ORDERS, SW_OLIST_ITEMS, SW_OLIST_PAYMENTS,
    SW_OLIST_REVIEWS};

#define NONE SW_MAP_EMPTY

typedef struct tf_order {
    int32_t dt;      /* purchase day, days since 1970-01-01 */
    uint32_t state;  /* the customer's state, NONE for an orphan order */
    uint32_t items;  /* usable items so far (valid orders only) */
    uint32_t rv_n;   /* reviews */
    uint32_t rv_sum; /* their scores */
    uint8_t valid;   /* status neither canceled nor unavailable */
} tf_order;

typedef struct tf_group { /* daily_state, daily_category */
    uint64_t key;         /* dt << 32 | state or category */
    int64_t orders, items, revenue, freight;
} tf_group;

typedef struct tf_seller {
    uint8_t id[16];
    uint32_t state;
    int64_t orders, items, revenue;
} tf_seller;

typedef struct tf_sum { /* payment_mix per type, category_reviews */
    int64_t rows, orders, value;
} tf_sum;

/* An item, payment or review parsed and waiting for its lookups. */
typedef struct tf_pending {
    uint8_t order[16], product[16], seller[16];
    int64_t a, b; /* price and freight, or the payment's value */
    uint32_t t;   /* payment type index, or review score */
    uint8_t kind; /* SW_OLIST_ITEMS, _PAYMENTS, _REVIEWS */
} tf_pending;

/* Rows in flight between parse (prefetch) and apply (lookups). */
#define TF_RING 16

/* A growable array of fixed-size elements. */
typedef struct tf_vec {
    void *p;
    size_t n, cap, size;
} tf_vec;

struct tf_state {
    sw_strmap cats;       /* category names as output */
    sw_strmap trans;      /* Portuguese names with a translation */
    tf_vec trans_cat;     /* uint32: trans index -> cats index */
    sw_idmap products;    /* id -> cats index */
    sw_strmap states;     /* state codes */
    sw_idmap seller_ix;   /* id -> index in sellers */
    tf_vec sellers;       /* tf_seller */
    sw_idmap customers;   /* id -> states index */
    sw_idmap order_ix;    /* id -> index in orders */
    tf_vec orders;        /* tf_order */
    tf_vec delays;        /* uint64: state << 32 | (delay + 2^31) */
    sw_u64map ds_ix, dc_ix; /* group key -> index in ds / dc */
    tf_vec ds, dc;        /* tf_group */
    sw_u64map order_cat, order_seller, order_type; /* pair sets */
    sw_strmap types;      /* payment types */
    tf_vec pm;            /* tf_sum per payment type */
    tf_orphans orphans;
    bool overflow;        /* a sum left int64 */
    tf_pending ring[TF_RING];
    size_t head, npending;
};

/* vec_push: room for one more element; returns a pointer to it (zeroed) or
 * NULL when out of memory. */
static void *vec_push(tf_vec *v)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 256;
        void *p = realloc(v->p, cap * v->size);
        if (!p)
            return NULL;
        v->p = p;
        v->cap = cap;
    }
    void *e = (char *)v->p + v->n++ * v->size;
    memset(e, 0, v->size);
    return e;
}

/* add: *acc += v, remembering an overflow in the state. */
static void add(tf_state *s, int64_t *acc, int64_t v)
{
    if (__builtin_add_overflow(*acc, v, acc))
        s->overflow = true;
}

/* tf_new: see transform.h. */
sw_result tf_new(tf_state **out)
{
    tf_state *s = calloc(1, sizeof *s);
    if (!s)
        return SW_E_NOMEM;
    s->trans_cat.size = sizeof(uint32_t);
    s->sellers.size = sizeof(tf_seller);
    s->orders.size = sizeof(tf_order);
    s->delays.size = sizeof(uint64_t);
    s->ds.size = s->dc.size = sizeof(tf_group);
    s->pm.size = sizeof(tf_sum);
    if (sw_idmap_init(&s->products, 1024) ||
        sw_idmap_init(&s->seller_ix, 1024) ||
        sw_idmap_init(&s->customers, 1024) ||
        sw_idmap_init(&s->order_ix, 1024) ||
        sw_u64map_init(&s->ds_ix, 1024) || sw_u64map_init(&s->dc_ix, 1024) ||
        sw_u64map_init(&s->order_cat, 1024) ||
        sw_u64map_init(&s->order_seller, 1024) ||
        sw_u64map_init(&s->order_type, 1024)) {
        tf_free(s);
        return SW_E_NOMEM;
    }
    *out = s;
    return SW_OK;
}

/* tf_free: see transform.h. */
void tf_free(tf_state *s)
{
    if (!s)
        return;
    sw_strmap_free(&s->cats);
    sw_strmap_free(&s->trans);
    sw_strmap_free(&s->states);
    sw_strmap_free(&s->types);
    sw_idmap_free(&s->products);
    sw_idmap_free(&s->seller_ix);
    sw_idmap_free(&s->customers);
    sw_idmap_free(&s->order_ix);
    sw_u64map_free(&s->ds_ix);
    sw_u64map_free(&s->dc_ix);
    sw_u64map_free(&s->order_cat);
    sw_u64map_free(&s->order_seller);
    sw_u64map_free(&s->order_type);
    tf_vec *vs[] = {&s->trans_cat, &s->sellers, &s->orders, &s->delays,
                    &s->ds, &s->dc, &s->pm};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
        free(vs[i]->p);
    free(s);
}

/* tf_orphan_counts: see transform.h. */
void tf_orphan_counts(const tf_state *s, tf_orphans *o)
{
    *o = s->orphans;
}

/* bad: fills why with "<column>: <what>" for column col of file f.
 * Returns SW_E_INVALID. */
static sw_result bad(char *why, size_t cap, sw_olist_file_id f, int col,
                     const char *what)
{
    snprintf(why, cap, "%s: %s", sw_olist_files[f].cols[col].name, what);
    return SW_E_INVALID;
}

/* feed_translation: product_category_name -> English name. */
static sw_result feed_translation(tf_state *s, const sw_cursor *f, char *why,
                                  size_t cap)
{
    if (!f[0].len || !f[1].len)
        return bad(why, cap, SW_OLIST_TRANSLATION, f[0].len ? 1 : 0,
                   "empty");
    uint32_t ti, ci;
    bool added;
    sw_result rc = sw_strmap_intern(&s->trans, f[0], &ti, &added);
    if (rc || !added) /* a repeated name: the first is kept */
        return rc;
    rc = sw_strmap_intern(&s->cats, f[1], &ci, NULL);
    uint32_t *slot = rc ? NULL : vec_push(&s->trans_cat);
    if (!rc && !slot)
        rc = SW_E_NOMEM;
    if (!rc)
        *slot = ci;
    return rc;
}

/* feed_product: product id -> its category (English, Portuguese when
 * untranslated, "unknown" when empty). */
static sw_result feed_product(tf_state *s, const sw_cursor *f, char *why,
                              size_t cap)
{
    uint8_t id[16];
    if (sw_olist_parse_id(f[0], id))
        return bad(why, cap, SW_OLIST_PRODUCTS, 0, "not a 32-hex id");
    uint32_t ci;
    sw_result rc;
    if (!f[1].len) {
        rc = sw_strmap_intern(&s->cats, SW_CURSOR_LIT("unknown"), &ci, NULL);
    } else {
        uint32_t ti = sw_strmap_find(&s->trans, f[1]);
        if (ti != NONE) {
            ci = ((const uint32_t *)s->trans_cat.p)[ti];
            rc = SW_OK;
        } else {
            rc = sw_strmap_intern(&s->cats, f[1], &ci, NULL);
        }
    }
    return rc ? rc : sw_idmap_put(&s->products, id, ci, NULL, NULL);
}

/* state_of: the index of a 2-letter state code (checked). Returns SW_OK,
 * SW_E_INVALID, SW_E_NOMEM. */
static sw_result state_of(tf_state *s, sw_cursor st, uint32_t *idx)
{
    if (!sw_olist_field_valid(SW_OLIST_STATE, st))
        return SW_E_INVALID;
    return sw_strmap_intern(&s->states, st, idx, NULL);
}

/* feed_seller: seller id -> (id, state). */
static sw_result feed_seller(tf_state *s, const sw_cursor *f, char *why,
                             size_t cap)
{
    tf_seller sl;
    memset(&sl, 0, sizeof sl);
    if (sw_olist_parse_id(f[0], sl.id))
        return bad(why, cap, SW_OLIST_SELLERS, 0, "not a 32-hex id");
    sw_result rc = state_of(s, f[3], &sl.state);
    if (rc == SW_E_INVALID)
        return bad(why, cap, SW_OLIST_SELLERS, 3, "not a 2-letter state");
    bool found = false;
    if (!rc)
        rc = sw_idmap_put(&s->seller_ix, sl.id, (uint32_t)s->sellers.n,
                          &found, NULL);
    if (rc || found)
        return rc;
    tf_seller *e = vec_push(&s->sellers);
    if (!e)
        return SW_E_NOMEM;
    *e = sl;
    return SW_OK;
}

/* feed_customer: customer id -> state. */
static sw_result feed_customer(tf_state *s, const sw_cursor *f, char *why,
                               size_t cap)
{
    uint8_t id[16];
    if (sw_olist_parse_id(f[0], id))
        return bad(why, cap, SW_OLIST_CUSTOMERS, 0, "not a 32-hex id");
    uint32_t st;
    sw_result rc = state_of(s, f[4], &st);
    if (rc == SW_E_INVALID)
        return bad(why, cap, SW_OLIST_CUSTOMERS, 4, "not a 2-letter state");
    return rc ? rc : sw_idmap_put(&s->customers, id, st, NULL, NULL);
}

/* feed_order: the order's day, state (or orphan), validity and delivery
 * delay. */
static sw_result feed_order(tf_state *s, const sw_cursor *f, char *why,
                            size_t cap)
{
    uint8_t id[16], cust[16];
    if (sw_olist_parse_id(f[0], id))
        return bad(why, cap, SW_OLIST_ORDERS, 0, "not a 32-hex id");
    if (sw_olist_parse_id(f[1], cust))
        return bad(why, cap, SW_OLIST_ORDERS, 1, "not a 32-hex id");
    if (!sw_olist_field_valid(SW_OLIST_STATUS, f[2]))
        return bad(why, cap, SW_OLIST_ORDERS, 2, "not an order status");
    tf_order o;
    memset(&o, 0, sizeof o);
    int32_t delivered = 0, estimated = 0;
    if (sw_olist_parse_ts(f[3], &o.dt, NULL))
        return bad(why, cap, SW_OLIST_ORDERS, 3, "not a timestamp");
    if (f[6].len && sw_olist_parse_ts(f[6], &delivered, NULL))
        return bad(why, cap, SW_OLIST_ORDERS, 6, "not a timestamp");
    if (sw_olist_parse_ts(f[7], &estimated, NULL))
        return bad(why, cap, SW_OLIST_ORDERS, 7, "not a timestamp");
    o.valid = !sw_cursor_eq_cstr(f[2], "canceled") &&
              !sw_cursor_eq_cstr(f[2], "unavailable");
    o.state = sw_idmap_get(&s->customers, cust);
    bool found = false;
    sw_result rc = sw_idmap_put(&s->order_ix, id, (uint32_t)s->orders.n,
                                &found, NULL);
    if (rc || found) /* a repeated order: the first is kept */
        return rc;
    tf_order *e = vec_push(&s->orders);
    if (!e)
        return SW_E_NOMEM;
    *e = o;
    if (o.state == NONE) {
        s->orphans.orders_without_customer++;
        return SW_OK;
    }
    if (f[6].len) {
        uint64_t *d = vec_push(&s->delays);
        if (!d)
            return SW_E_NOMEM;
        uint32_t biased = (uint32_t)(delivered - estimated) + 0x80000000u;
        *d = (uint64_t)o.state << 32 | biased;
    }
    return SW_OK;
}

/* order_of: the usable order with the given id, counting orphans in
 * *without / *of_orphan. Returns the order (its index in *oi), or NULL
 * when the row is an orphan. */
static tf_order *order_of(tf_state *s, const uint8_t id[16], uint32_t *oi,
                          uint64_t *without, uint64_t *of_orphan)
{
    *oi = sw_idmap_get(&s->order_ix, id);
    if (*oi == NONE) {
        (*without)++;
        return NULL;
    }
    tf_order *e = (tf_order *)s->orders.p + *oi;
    if (e->state == NONE) {
        (*of_orphan)++;
        return NULL;
    }
    return e;
}

/* day_key: a day as an unsigned key that sorts as the days do. */
static uint32_t day_key(int32_t dt)
{
    return (uint32_t)dt ^ 0x80000000u;
}

/* group_of: the group of key in (ix, v), created when new; NULL when out
 * of memory. */
static tf_group *group_of(sw_u64map *ix, tf_vec *v, uint64_t key)
{
    bool found = false;
    uint32_t cur = 0;
    if (sw_u64map_put(ix, key, (uint32_t)v->n, &found, &cur))
        return NULL;
    if (found)
        return (tf_group *)v->p + cur;
    tf_group *g = vec_push(v);
    if (g)
        g->key = key;
    return g;
}

/* pair_new: adds (a, b) to the set; true when it was not there yet. *rc
 * gets SW_E_NOMEM on failure. */
static bool pair_new(sw_u64map *set, uint32_t a, uint32_t b, sw_result *rc)
{
    bool found = true;
    *rc = sw_u64map_put(set, (uint64_t)a << 32 | b, 0, &found, NULL);
    return !*rc && !found;
}

/* apply_item: a parsed order item into daily_state, daily_category,
 * seller_ranking and the (order, category) pairs of category_reviews.
 * Returns SW_OK or SW_E_NOMEM. */
static sw_result apply_item(tf_state *s, const tf_pending *p)
{
    uint32_t oi;
    tf_order *o = order_of(s, p->order, &oi, &s->orphans.items_without_order,
                           &s->orphans.items_of_orphan_orders);
    if (!o)
        return SW_OK;
    uint32_t cat = sw_idmap_get(&s->products, p->product);
    if (cat == NONE) {
        s->orphans.items_without_product++;
        return SW_OK;
    }
    uint32_t si = sw_idmap_get(&s->seller_ix, p->seller);
    if (si == NONE) {
        s->orphans.items_without_seller++;
        return SW_OK;
    }
    int64_t price = p->a, freight = p->b;
    sw_result rc = SW_OK;
    bool new_cat = pair_new(&s->order_cat, oi, cat, &rc);
    if (rc || !o->valid)
        return rc;
    uint64_t day = (uint64_t)day_key(o->dt) << 32;
    tf_group *ds = group_of(&s->ds_ix, &s->ds, day | o->state);
    tf_group *dc = ds ? group_of(&s->dc_ix, &s->dc, day | cat) : NULL;
    if (!dc)
        return SW_E_NOMEM;
    if (o->items++ == 0)
        ds->orders++;
    ds->items++;
    add(s, &ds->revenue, price);
    add(s, &ds->freight, freight);
    dc->orders += new_cat;
    dc->items++;
    add(s, &dc->revenue, price);
    add(s, &dc->freight, freight);
    tf_seller *sl = (tf_seller *)s->sellers.p + si;
    sl->orders += pair_new(&s->order_seller, oi, si, &rc);
    sl->items++;
    add(s, &sl->revenue, price);
    return rc;
}

/* apply_payment: a parsed payment of a valid order into payment_mix.
 * Returns SW_OK or SW_E_NOMEM. */
static sw_result apply_payment(tf_state *s, const tf_pending *p)
{
    uint32_t oi;
    tf_order *o = order_of(s, p->order, &oi,
                           &s->orphans.payments_without_order,
                           &s->orphans.payments_of_orphan_orders);
    if (!o || !o->valid)
        return SW_OK;
    tf_sum *pm = (tf_sum *)s->pm.p + p->t;
    pm->rows++;
    add(s, &pm->value, p->a);
    sw_result rc = SW_OK;
    pm->orders += pair_new(&s->order_type, oi, p->t, &rc);
    return rc;
}

/* apply_review: a parsed review's score onto its order (spread over the
 * order's categories at the end). Returns SW_OK. */
static sw_result apply_review(tf_state *s, const tf_pending *p)
{
    uint32_t oi;
    tf_order *o = order_of(s, p->order, &oi,
                           &s->orphans.reviews_without_order,
                           &s->orphans.reviews_of_orphan_orders);
    if (o) {
        o->rv_n++;
        o->rv_sum += p->t;
    }
    return SW_OK;
}

/* apply: one pending row. Returns SW_OK or SW_E_NOMEM. */
static sw_result apply(tf_state *s, const tf_pending *p)
{
    switch (p->kind) {
    case SW_OLIST_ITEMS: return apply_item(s, p);
    case SW_OLIST_PAYMENTS: return apply_payment(s, p);
    default: return apply_review(s, p);
    }
}

/* drain: applies every pending row, oldest first. Returns SW_OK or
 * SW_E_NOMEM. */
static sw_result drain(tf_state *s)
{
    sw_result rc = SW_OK;
    while (s->npending && !rc) {
        rc = apply(s, &s->ring[s->head]);
        s->head = (s->head + 1) % TF_RING;
        s->npending--;
    }
    return rc;
}

/* enqueue: queues a parsed row after prefetching the map slots it will
 * probe; when the ring is full the oldest row (whose slots have arrived by
 * now) is applied first. Lookups in tables of millions are memory-bound:
 * this keeps TF_RING of them in flight. Returns SW_OK or SW_E_NOMEM. */
static sw_result enqueue(tf_state *s, const tf_pending *p)
{
    sw_idmap_prefetch(&s->order_ix, p->order);
    if (p->kind == SW_OLIST_ITEMS) {
        sw_idmap_prefetch(&s->products, p->product);
        sw_idmap_prefetch(&s->seller_ix, p->seller);
    }
    sw_result rc = SW_OK;
    if (s->npending == TF_RING) {
        rc = apply(s, &s->ring[s->head]);
        s->head = (s->head + 1) % TF_RING;
        s->npending--;
    }
    s->ring[(s->head + s->npending) % TF_RING] = *p;
    s->npending++;
    return rc;
}

/* parse_item: an order item's ids and amounts, queued. */
static sw_result parse_item(tf_state *s, const sw_cursor *f, char *why,
                            size_t cap)
{
    tf_pending p = {.kind = SW_OLIST_ITEMS};
    if (sw_olist_parse_id(f[0], p.order))
        return bad(why, cap, SW_OLIST_ITEMS, 0, "not a 32-hex id");
    if (sw_olist_parse_id(f[2], p.product))
        return bad(why, cap, SW_OLIST_ITEMS, 2, "not a 32-hex id");
    if (sw_olist_parse_id(f[3], p.seller))
        return bad(why, cap, SW_OLIST_ITEMS, 3, "not a 32-hex id");
    if (sw_olist_parse_money(f[5], &p.a))
        return bad(why, cap, SW_OLIST_ITEMS, 5, "not money");
    if (sw_olist_parse_money(f[6], &p.b))
        return bad(why, cap, SW_OLIST_ITEMS, 6, "not money");
    return enqueue(s, &p);
}

/* parse_payment: a payment's order, type (interned now: the field is
 * only valid during the callback) and value, queued. */
static sw_result parse_payment(tf_state *s, const sw_cursor *f, char *why,
                               size_t cap)
{
    tf_pending p = {.kind = SW_OLIST_PAYMENTS};
    if (sw_olist_parse_id(f[0], p.order))
        return bad(why, cap, SW_OLIST_PAYMENTS, 0, "not a 32-hex id");
    if (sw_olist_parse_money(f[4], &p.a))
        return bad(why, cap, SW_OLIST_PAYMENTS, 4, "not money");
    bool added = false;
    sw_result rc = sw_strmap_intern(&s->types, f[2], &p.t, &added);
    if (!rc && added && !vec_push(&s->pm))
        rc = SW_E_NOMEM;
    return rc ? rc : enqueue(s, &p);
}

/* parse_review: a review's order and score, queued. */
static sw_result parse_review(tf_state *s, const sw_cursor *f, char *why,
                              size_t cap)
{
    tf_pending p = {.kind = SW_OLIST_REVIEWS};
    if (sw_olist_parse_id(f[1], p.order))
        return bad(why, cap, SW_OLIST_REVIEWS, 1, "not a 32-hex id");
    if (!sw_olist_field_valid(SW_OLIST_SCORE, f[2]))
        return bad(why, cap, SW_OLIST_REVIEWS, 2, "not a score 1 to 5");
    p.t = (uint32_t)(f[2].ptr[0] - '0');
    return enqueue(s, &p);
}

/* tf_feed: see transform.h. */
sw_result tf_feed(tf_state *s, sw_olist_file_id file, const sw_cursor *fields,
                  size_t n, char *why, size_t cap)
{
    const sw_olist_file *f = &sw_olist_files[file];
    if (n != f->ncols) {
        snprintf(why, cap, "expected %zu fields, got %zu", f->ncols, n);
        return SW_E_INVALID;
    }
    switch (file) {
    case SW_OLIST_TRANSLATION: return feed_translation(s, fields, why, cap);
    case SW_OLIST_PRODUCTS: return feed_product(s, fields, why, cap);
    case SW_OLIST_SELLERS: return feed_seller(s, fields, why, cap);
    case SW_OLIST_CUSTOMERS: return feed_customer(s, fields, why, cap);
    case SW_OLIST_ORDERS: return feed_order(s, fields, why, cap);
    case SW_OLIST_ITEMS: return parse_item(s, fields, why, cap);
    case SW_OLIST_PAYMENTS: return parse_payment(s, fields, why, cap);
    case SW_OLIST_REVIEWS: return parse_review(s, fields, why, cap);
    default: return SW_OK; /* the geolocation: not used */
    }
}

/* A string and its index, for sorting a map's strings by their bytes. */
typedef struct tf_named {
    sw_cursor s;
    uint32_t idx;
} tf_named;

/* cursor_cmp: byte-wise order, a prefix first. Returns <0, 0, >0. */
static int cursor_cmp(sw_cursor a, sw_cursor b)
{
    size_t m = a.len < b.len ? a.len : b.len;
    int c = m ? memcmp(a.ptr, b.ptr, m) : 0;
    return c ? c : (a.len > b.len) - (a.len < b.len);
}

/* named_cmp: qsort order of tf_named by string. */
static int named_cmp(const void *a, const void *b)
{
    return cursor_cmp(((const tf_named *)a)->s, ((const tf_named *)b)->s);
}

/* u64_cmp: qsort order of uint64_t. */
static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* group_cmp: qsort order of tf_group by key. */
static int group_cmp(const void *a, const void *b)
{
    return u64_cmp(&((const tf_group *)a)->key, &((const tf_group *)b)->key);
}

/* seller_cmp: revenue descending, then seller id ascending (the bytes of
 * a binary id sort as its lowercase hex does). */
static int seller_cmp(const void *a, const void *b)
{
    const tf_seller *x = a, *y = b;
    if (x->revenue != y->revenue)
        return x->revenue > y->revenue ? -1 : 1;
    return memcmp(x->id, y->id, 16);
}

/* ranks: rank[i] = position of string i of m in byte order, and
 * order[r] = the string of rank r (both n entries, malloc'ed). Returns
 * SW_OK or SW_E_NOMEM. */
static sw_result ranks(const sw_strmap *m, uint32_t **rank, uint32_t **order)
{
    size_t n = m->n;
    tf_named *v = malloc((n ? n : 1) * sizeof *v);
    *rank = malloc((n ? n : 1) * sizeof **rank);
    *order = malloc((n ? n : 1) * sizeof **order);
    if (!v || !*rank || !*order) {
        free(v);
        return SW_E_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        v[i] = (tf_named){sw_strmap_str(m, (uint32_t)i), (uint32_t)i};
    qsort(v, n, sizeof *v, named_cmp);
    for (size_t r = 0; r < n; r++) {
        (*rank)[v[r].idx] = (uint32_t)r;
        (*order)[r] = v[r].idx;
    }
    free(v);
    return SW_OK;
}

/* put_str: appends a string field and a comma. Returns SW_OK or
 * SW_E_NOMEM. */
static sw_result put_str(sw_buf *b, sw_cursor c)
{
    sw_result rc = sw_csv_append_field(b, c, ',');
    return rc ? rc : sw_buf_append_byte(b, ',');
}

/* put_ints: appends n integers joined by commas and a LF. Returns SW_OK or
 * SW_E_NOMEM. */
static sw_result put_ints(sw_buf *b, const int64_t *v, size_t n)
{
    sw_result rc = SW_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        rc = sw_olist_append_i64(b, v[i]);
        if (!rc)
            rc = sw_buf_append_byte(b, i + 1 < n ? ',' : '\n');
    }
    return rc;
}

/* put_day: appends "YYYY-MM-DD," for a day key. */
static sw_result put_day(sw_buf *b, uint32_t key)
{
    char d[11];
    sw_olist_civil_from_days((int32_t)(key ^ 0x80000000u), d);
    d[10] = ',';
    return sw_buf_append(b, d, 11);
}

/* daily: daily_state or daily_category: groups re-keyed by (day, rank of
 * the name), sorted, written. Returns SW_OK or SW_E_NOMEM. */
static sw_result daily(tf_vec *groups, const sw_strmap *names,
                       const uint32_t *rank, const uint32_t *order,
                       sw_buf *out, uint64_t *rows)
{
    tf_group *g = groups->p;
    for (size_t i = 0; i < groups->n; i++)
        g[i].key = (g[i].key & ~0xffffffffULL) | rank[(uint32_t)g[i].key];
    if (groups->n)
        qsort(g, groups->n, sizeof *g, group_cmp);
    sw_result rc = SW_OK;
    for (size_t i = 0; i < groups->n && !rc; i++) {
        rc = put_day(out, (uint32_t)(g[i].key >> 32));
        if (!rc)
            rc = put_str(out, sw_strmap_str(names, order[(uint32_t)g[i].key]));
        int64_t v[4] = {g[i].orders, g[i].items, g[i].revenue, g[i].freight};
        if (!rc)
            rc = put_ints(out, v, 4);
    }
    *rows = groups->n;
    return rc;
}

/* payment_mix: payment types in byte order. */
static sw_result payment_mix(tf_state *s, sw_buf *out, uint64_t *rows)
{
    uint32_t *rank = NULL, *order = NULL;
    sw_result rc = ranks(&s->types, &rank, &order);
    *rows = 0;
    for (size_t r = 0; r < s->types.n && !rc; r++) {
        const tf_sum *pm = (const tf_sum *)s->pm.p + order[r];
        if (!pm->rows) /* seen only on orphan or invalid orders */
            continue;
        rc = put_str(out, sw_strmap_str(&s->types, order[r]));
        int64_t v[3] = {pm->rows, pm->orders, pm->value};
        if (!rc)
            rc = put_ints(out, v, 3);
        (*rows)++;
    }
    free(rank);
    free(order);
    return rc;
}

/* delivery: per state (byte order) count, late, sum and nearest-rank
 * percentiles of the delays. */
static sw_result delivery(tf_state *s, const uint32_t *rank,
                          const uint32_t *order, sw_buf *out, uint64_t *rows)
{
    uint64_t *d = s->delays.p;
    size_t n = s->delays.n;
    for (size_t i = 0; i < n; i++)
        d[i] = (uint64_t)rank[d[i] >> 32] << 32 | (uint32_t)d[i];
    if (n)
        qsort(d, n, sizeof *d, u64_cmp);
    sw_result rc = SW_OK;
    *rows = 0;
    for (size_t i = 0; i < n && !rc;) {
        size_t j = i;
        int64_t late = 0, sum = 0;
        while (j < n && d[j] >> 32 == d[i] >> 32) {
            int64_t delay = (int64_t)(int32_t)((uint32_t)d[j] ^ 0x80000000u);
            late += delay > 0;
            sum += delay;
            j++;
        }
        int64_t cnt = (int64_t)(j - i), v[6] = {cnt, late, sum, 0, 0, 0};
        static const int64_t ks[3] = {50, 90, 99};
        for (int k = 0; k < 3; k++) {
            size_t at = i + (size_t)((ks[k] * cnt + 99) / 100) - 1;
            v[3 + k] = (int64_t)(int32_t)((uint32_t)d[at] ^ 0x80000000u);
        }
        rc = put_str(out, sw_strmap_str(&s->states, order[d[i] >> 32]));
        if (!rc)
            rc = put_ints(out, v, 6);
        (*rows)++;
        i = j;
    }
    return rc;
}

/* ranking: sellers with items of valid orders, by revenue. */
static sw_result ranking(tf_state *s, sw_buf *out, uint64_t *rows)
{
    tf_seller *sl = s->sellers.p;
    size_t n = 0;
    for (size_t i = 0; i < s->sellers.n; i++)
        if (sl[i].items)
            sl[n++] = sl[i];
    s->sellers.n = n; /* the index map is stale from here on */
    if (n)
        qsort(sl, n, sizeof *sl, seller_cmp);
    sw_result rc = SW_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        char hex[34];
        sw_olist_id_hex(sl[i].id, hex);
        hex[32] = ',';
        rc = sw_olist_append_i64(out, (int64_t)i + 1);
        if (!rc)
            rc = sw_buf_append_byte(out, ',');
        if (!rc)
            rc = sw_buf_append(out, hex, 33);
        if (!rc)
            rc = put_str(out, sw_strmap_str(&s->states, sl[i].state));
        int64_t v[3] = {sl[i].orders, sl[i].items, sl[i].revenue};
        if (!rc)
            rc = put_ints(out, v, 3);
    }
    *rows = n;
    return rc;
}

/* reviews: each (order, category) pair spreads the order's reviews onto
 * the category. */
static sw_result reviews(tf_state *s, const uint32_t *order, sw_buf *out,
                         uint64_t *rows)
{
    size_t nc = s->cats.n;
    tf_sum *cr = calloc(nc ? nc : 1, sizeof *cr);
    if (!cr)
        return SW_E_NOMEM;
    const tf_order *o = s->orders.p;
    const sw_u64map *set = &s->order_cat;
    for (size_t i = 0; i < set->cap; i++) {
        if (set->slots[i].val == SW_MAP_EMPTY)
            continue;
        const tf_order *e = &o[set->slots[i].key >> 32];
        tf_sum *c = &cr[(uint32_t)set->slots[i].key];
        c->rows += e->rv_n;
        c->value += e->rv_sum;
    }
    sw_result rc = SW_OK;
    *rows = 0;
    for (size_t r = 0; r < nc && !rc; r++) {
        const tf_sum *c = &cr[order[r]];
        if (!c->rows)
            continue;
        rc = put_str(out, sw_strmap_str(&s->cats, order[r]));
        int64_t v[3] = {c->rows, c->value,
                        (2000 * c->value + c->rows) / (2 * c->rows)};
        if (!rc)
            rc = put_ints(out, v, 3);
        (*rows)++;
    }
    free(cr);
    return rc;
}

static const char *const headers[TF_NAGG] = {
    "dt,customer_state,orders,items,revenue_cents,freight_cents\n",
    "dt,category,orders,items,revenue_cents,freight_cents\n",
    "payment_type,payments,orders,value_cents\n",
    "customer_state,delivered_orders,late_orders,sum_delay_days,"
    "p50_delay_days,p90_delay_days,p99_delay_days\n",
    "rank,seller_id,seller_state,orders,items,revenue_cents\n",
    "category,reviews,score_sum,avg_score_milli\n"};

/* tf_finish: see transform.h. */
sw_result tf_finish(tf_state *s, sw_buf out[TF_NAGG], uint64_t rows[TF_NAGG])
{
    sw_result rc = drain(s);
    if (rc)
        return rc;
    if (s->overflow)
        return SW_E_OVERFLOW;
    for (int i = 0; i < TF_NAGG && !rc; i++) {
        sw_buf_reset(&out[i]);
        rows[i] = 0;
        rc = sw_buf_append_cstr(&out[i], headers[i]);
    }
    uint32_t *srank = NULL, *sorder = NULL, *crank = NULL, *corder = NULL;
    if (!rc)
        rc = ranks(&s->states, &srank, &sorder);
    if (!rc)
        rc = ranks(&s->cats, &crank, &corder);
    if (!rc)
        rc = daily(&s->ds, &s->states, srank, sorder, &out[TF_DAILY_STATE],
                   &rows[TF_DAILY_STATE]);
    if (!rc)
        rc = daily(&s->dc, &s->cats, crank, corder, &out[TF_DAILY_CATEGORY],
                   &rows[TF_DAILY_CATEGORY]);
    if (!rc)
        rc = payment_mix(s, &out[TF_PAYMENT_MIX], &rows[TF_PAYMENT_MIX]);
    if (!rc)
        rc = delivery(s, srank, sorder, &out[TF_DELIVERY_DELAY_STATE],
                      &rows[TF_DELIVERY_DELAY_STATE]);
    if (!rc)
        rc = ranking(s, &out[TF_SELLER_RANKING], &rows[TF_SELLER_RANKING]);
    if (!rc)
        rc = reviews(s, corder, &out[TF_CATEGORY_REVIEWS],
                     &rows[TF_CATEGORY_REVIEWS]);
    free(srank);
    free(sorder);
    free(crank);
    free(corder);
    return rc;
}
