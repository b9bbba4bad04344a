# tests/bench/csv.mk - bench-csv (part of `make bench`, never of `make
# test`): the streaming CSV reader's throughput on an in-memory Olist-like
# CSV (CSV_BENCH_MB, default 200) fed in 1 MiB chunks, next to a naive
# byte-at-a-time reader. Built twice with musl, static: against the release
# libsw.a (-Os, what the workers ship) and with the reader's sources at -O2.
# Figures are printed, never asserted.

BENCH_CSV_DIR := $(BUILD)/release/bench
BENCH_CSV_SRCS := common/src/csv.c common/src/buf.c common/src/error.c
CSV_BENCH_MB ?= 200

$(BENCH_CSV_DIR)/csv_parse_os: tests/bench/csv_parse.c $(SW_RELEASE_LIB)
	@mkdir -p $(@D)
	$(REL_CC) $(REL_CFLAGS) $< -o $@ -static $(SW_RELEASE_LIB)

$(BENCH_CSV_DIR)/csv_parse_o2: tests/bench/csv_parse.c $(BENCH_CSV_SRCS) \
                               $(SW_HDRS) $(DEPS_MUSL_STAMP)
	@mkdir -p $(@D)
	$(REL_CC) $(filter-out -Os,$(REL_CFLAGS)) -O2 $< $(BENCH_CSV_SRCS) \
	    -o $@ -static

.PHONY: bench bench-csv
bench: bench-csv

bench-csv: $(BENCH_CSV_DIR)/csv_parse_os $(BENCH_CSV_DIR)/csv_parse_o2
	@echo "== libsw.a (-Os)"; $(BENCH_CSV_DIR)/csv_parse_os $(CSV_BENCH_MB)
	@echo "== csv.c at -O2"; $(BENCH_CSV_DIR)/csv_parse_o2 $(CSV_BENCH_MB)
