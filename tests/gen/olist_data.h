/* tests/gen/olist_data.h - the static tables olist-gen draws from: the 73
 * real Olist category names (71 with an English translation), the 27
 * Brazilian states with their weights, CEP ranges, centres and cities, the
 * Portuguese review phrases, and the quantile tables that give prices,
 * sizes and delays the real data set's shape. */
#ifndef OLIST_DATA_H
#define OLIST_DATA_H

#include <stddef.h>
#include <stdint.h>

/* A product category: its Portuguese name, its English name (NULL: no row
 * in the translation file, as for the real pc_gamer) and its weight (real
 * product counts). */
typedef struct og_category {
    const char *pt;
    const char *en;
    uint32_t weight;
} og_category;

/* A state: code, customer and seller weights (the real counts), its main
 * CEP prefix range, its centre in hundredths of a degree, and its cities
 * (lowercase Portuguese, first = capital), NULL-terminated. */
typedef struct og_state {
    const char *code;
    uint32_t cust_w, seller_w;
    uint32_t zip_lo, zip_hi;
    int32_t lat100, lng100;
    const char *const *cities;
} og_state;

/* A point of a quantile function: P(X <= v) = p; values in between are
 * interpolated linearly. */
typedef struct og_qpt {
    double p, v;
} og_qpt;

/* A weighted choice: weight and value. */
typedef struct og_wv {
    uint32_t w;
    uint32_t v;
} og_wv;

extern const og_category og_categories[];
extern const size_t og_ncategories;     /* 73 */
extern const size_t og_ntranslated;     /* 71: the first 71 entries */

extern const og_state og_states[];
extern const size_t og_nstates;         /* 27 */

/* Order purchase months 2016-09 .. 2018-10 and their weights. */
typedef struct og_month {
    int32_t year, month;
    uint32_t weight;
} og_month;
extern const og_month og_months[];
extern const size_t og_nmonths;
extern const uint32_t og_hour_w[24];

/* Weighted tables: order status (value = og_status), items per order,
 * payments per order, credit card installments, review scores. */
enum og_status {
    OG_DELIVERED, OG_SHIPPED, OG_CANCELED, OG_UNAVAILABLE, OG_INVOICED,
    OG_PROCESSING, OG_CREATED, OG_APPROVED, OG_NSTATUS
};
extern const char *const og_status_names[OG_NSTATUS];
extern const og_wv og_status_w[OG_NSTATUS];
extern const og_wv og_items_w[];
extern const size_t og_nitems_w;
extern const og_wv og_pays_w[];
extern const size_t og_npays_w;
extern const og_wv og_inst_w[];
extern const size_t og_ninst_w;

/* Quantile tables (see og_quant in olist_gen.c). */
#define OG_Q(name) extern const og_qpt name[]; extern const size_t name##_n
OG_Q(og_q_price);     /* price, cents */
OG_Q(og_q_freight);   /* freight, cents */
OG_Q(og_q_desc);      /* product_description_lenght */
OG_Q(og_q_weight);    /* product_weight_g */
OG_Q(og_q_len);       /* product_length_cm */
OG_Q(og_q_height);    /* product_height_cm */
OG_Q(og_q_width);     /* product_width_cm */
OG_Q(og_q_approve);   /* seconds from purchase to approval */
OG_Q(og_q_est);       /* days from purchase to the estimated delivery */
OG_Q(og_q_early);     /* fraction of the estimate an on-time delivery takes */
OG_Q(og_q_late);      /* days late, minus one */
OG_Q(og_q_shiplim);   /* days from approval to shipping_limit_date */
#undef OG_Q

/* Review text: titles and message phrases, good and bad. */
extern const char *const og_title_good[];
extern const size_t og_ntitle_good;
extern const char *const og_title_bad[];
extern const size_t og_ntitle_bad;
extern const char *const og_msg_good[];
extern const size_t og_nmsg_good;
extern const char *const og_msg_bad[];
extern const size_t og_nmsg_bad;

#endif
