/* transform.h - etl-transform's computation, without I/O: stage records
 * go in file by file (tf_feed), the six aggregates of AGGREGATES.md come
 * out as CSV text (tf_finish).
 *
 * Rows are reduced as they arrive: the dimension tables become compact maps
 * keyed by binary ids (orders 24 bytes each), and items, payments and
 * reviews are folded into their groups at once; distinct counts use sets
 * of (order, category|seller|payment type) pairs. All amounts are int64
 * cents, no floating point anywhere. */
#ifndef ETL_TRANSFORM_H
#define ETL_TRANSFORM_H

#include <stddef.h>
#include <stdint.h>

#include "sw/buf.h"
#include "sw/error.h"
#include "sw/olist.h"

enum {
    TF_DAILY_STATE = 0,
    TF_DAILY_CATEGORY,
    TF_PAYMENT_MIX,
    TF_DELIVERY_DELAY_STATE,
    TF_SELLER_RANKING,
    TF_CATEGORY_REVIEWS,
    TF_NAGG
};

/* The aggregates' names (file R/agg/<name>.csv), by index. */
extern const char *const tf_agg_names[TF_NAGG];

/* The files tf_feed needs, in the order it needs them (the geolocation is
 * not used by any aggregate). */
extern const sw_olist_file_id tf_feed_order[8];

/* Orphan counts: rows left out of every aggregate because what they refer
 * to is missing. An item, payment or review of an orphan order is counted
 * as *_of_orphan_orders; an item counts once, under the first missing
 * reference in the order: order, product, seller. */
typedef struct tf_orphans {
    uint64_t orders_without_customer;
    uint64_t items_without_order, items_of_orphan_orders;
    uint64_t items_without_product, items_without_seller;
    uint64_t payments_without_order, payments_of_orphan_orders;
    uint64_t reviews_without_order, reviews_of_orphan_orders;
} tf_orphans;

typedef struct tf_state tf_state;

/* tf_new: an empty state. Returns SW_OK or SW_E_NOMEM. */
sw_result tf_new(tf_state **out);

/* tf_feed: one data record of stage file `file` (fields as in its header).
 * Files must come in tf_feed_order (each record of a file before the next
 * file). Returns SW_OK; SW_E_INVALID with a one-line why (cap bytes) for a
 * record that is not as extract writes them (field count, a field that
 * does not parse); SW_E_NOMEM. */
sw_result tf_feed(tf_state *s, sw_olist_file_id file, const sw_cursor *fields,
                  size_t n, char *why, size_t cap);

/* tf_finish: computes the six aggregates into out[i] (header line, then
 * rows sorted as the contract says, LF) and their row counts into rows[i].
 * Returns SW_OK, SW_E_NOMEM, or SW_E_OVERFLOW when a sum leaves int64. */
sw_result tf_finish(tf_state *s, sw_buf out[TF_NAGG], uint64_t rows[TF_NAGG]);

/* tf_orphan_counts: the orphans seen so far. */
void tf_orphan_counts(const tf_state *s, tf_orphans *o);

/* tf_free: frees the state. NULL is fine. */
void tf_free(tf_state *s);

#endif
