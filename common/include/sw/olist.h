/* sw/olist.h - the Olist e-commerce data set as the ETL stages see it: the
 * 9 files by their real names, their headers and column types, the field
 * validators of workers/etl-transform/AGGREGATES.md, and the exact parsers
 * (ids to 16 bytes, money to int64 cents, timestamps to days and seconds)
 * that etl-extract, etl-transform and etl-load share.
 *
 * Everything here is pure (no I/O, no allocation). */
#ifndef SW_OLIST_H
#define SW_OLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/buf.h"
#include "sw/error.h"

/* Column types (the contract's table). */
typedef enum sw_olist_type {
    SW_OLIST_ID,       /* 32 lowercase hex */
    SW_OLIST_STATUS,   /* created, approved, ... unavailable */
    SW_OLIST_TS,       /* YYYY-MM-DD HH:MM:SS, a real date and time */
    SW_OLIST_TS_OPT,   /* ts or empty */
    SW_OLIST_INT,      /* digits, no sign, <= 4294967295 */
    SW_OLIST_INT_OPT,  /* int or empty */
    SW_OLIST_SCORE,    /* 1 to 5 */
    SW_OLIST_MONEY,    /* digits [. 1-2 digits], <= 16 significant digits */
    SW_OLIST_ZIP,      /* 1 to 5 digits */
    SW_OLIST_STATE,    /* 2 uppercase ASCII letters */
    SW_OLIST_COORD,    /* [-]digits[.digits] */
    SW_OLIST_TEXT,     /* valid UTF-8 (empty too, as the oracles read it) */
    SW_OLIST_TEXT_OPT, /* valid UTF-8, may be empty */
    SW_OLIST_NAME      /* non-empty valid UTF-8 */
} sw_olist_type;

typedef enum sw_olist_file_id {
    SW_OLIST_CUSTOMERS = 0,
    SW_OLIST_GEOLOCATION,
    SW_OLIST_ITEMS,
    SW_OLIST_PAYMENTS,
    SW_OLIST_REVIEWS,
    SW_OLIST_ORDERS,
    SW_OLIST_PRODUCTS,
    SW_OLIST_SELLERS,
    SW_OLIST_TRANSLATION,
    SW_OLIST_NFILES
} sw_olist_file_id;

typedef struct sw_olist_column {
    const char *name;
    sw_olist_type type;
} sw_olist_column;

typedef struct sw_olist_file {
    const char *name;            /* e.g. "olist_orders_dataset.csv" */
    const sw_olist_column *cols; /* in header order */
    size_t ncols;
    int key; /* column index of the unique key, or -1 (no key) */
} sw_olist_file;

/* The 9 files, indexed by sw_olist_file_id. */
extern const sw_olist_file sw_olist_files[SW_OLIST_NFILES];

/* sw_olist_column_index: the index of column `name` in file f, or -1. */
int sw_olist_column_index(const sw_olist_file *f, const char *name);

/* sw_olist_field_valid: true when f satisfies type t (text types include
 * the UTF-8 check). */
bool sw_olist_field_valid(sw_olist_type t, sw_cursor f);

/* sw_olist_check_header: SW_OK when the n fields are exactly f's column
 * names; otherwise SW_E_INVALID with why (cap bytes) naming the first
 * differing column. */
sw_result sw_olist_check_header(const sw_olist_file *f,
                                const sw_cursor *fields, size_t n,
                                char *why, size_t cap);

/* sw_olist_check_record: SW_OK when the record has f's number of fields,
 * valid UTF-8 in each and every field of its column's type; otherwise
 * SW_E_INVALID with a one-line reason in why (cap bytes): the first problem
 * in that order (count, then UTF-8 and type column by column). */
sw_result sw_olist_check_record(const sw_olist_file *f,
                                const sw_cursor *fields, size_t n,
                                char *why, size_t cap);

/* sw_olist_check_record_csv: sw_olist_check_record, and on SW_OK *plain
 * tells whether every field is written by sw_csv_append_field as it is
 * (no field needs quoting), so that the record re-encoded as CSV is its
 * fields joined by commas. *plain may be false for a record that needs no
 * quoting after all (the test is conservative: any control byte). */
sw_result sw_olist_check_record_csv(const sw_olist_file *f,
                                    const sw_cursor *fields, size_t n,
                                    bool *plain, char *why, size_t cap);

/* sw_olist_parse_id: 32 lowercase hex digits to 16 bytes. Returns SW_OK or
 * SW_E_INVALID. */
sw_result sw_olist_parse_id(sw_cursor f, uint8_t out[16]);

/* sw_olist_id_hex: the 32 lowercase hex digits of id, NUL-terminated. */
void sw_olist_id_hex(const uint8_t id[16], char out[33]);

/* sw_olist_parse_money: "58.9" -> 5890 cents, exactly. Returns SW_OK or
 * SW_E_INVALID (not money, or an integer part over 16 significant digits,
 * which would overflow int64 cents). */
sw_result sw_olist_parse_money(sw_cursor f, int64_t *cents);

/* sw_olist_parse_uint: decimal digits (leading zeros allowed) to a value
 * <= 4294967295. Returns SW_OK or SW_E_INVALID. */
sw_result sw_olist_parse_uint(sw_cursor f, uint32_t *out);

/* sw_olist_parse_date: "YYYY-MM-DD" (exactly 10 bytes, a real proleptic
 * Gregorian date, year 0000-9999) to days since 1970-01-01. Returns SW_OK
 * or SW_E_INVALID. */
sw_result sw_olist_parse_date(sw_cursor f, int32_t *days);

/* sw_olist_parse_ts: "YYYY-MM-DD HH:MM:SS" to days since 1970-01-01 and
 * seconds in the day (either may be NULL). Returns SW_OK or SW_E_INVALID. */
sw_result sw_olist_parse_ts(sw_cursor f, int32_t *days, int32_t *secs);

/* sw_olist_days_from_civil: days since 1970-01-01 of a proleptic Gregorian
 * date (m 1-12, d 1-31; not checked). */
int32_t sw_olist_days_from_civil(int32_t y, int32_t m, int32_t d);

/* sw_olist_civil_from_days: writes "YYYY-MM-DD" and a NUL (11 bytes) for
 * days since 1970-01-01 (years 0000-9999). */
void sw_olist_civil_from_days(int32_t days, char out[11]);

/* sw_olist_append_i64: appends v in plain decimal (the aggregates' integer
 * columns: cents, counts, days), e.g. -12 or 5890. Returns SW_OK or
 * SW_E_NOMEM. */
sw_result sw_olist_append_i64(sw_buf *out, int64_t v);

#endif
