# tests/bench/btc_price.mk - bench-btc-price (part of `make bench`, never of
# `make test`): the static release btc-price vs a Python requests + boto3
# script doing the same job (tests/bench/seed_btc_price.py), whole
# processes, against a local moto_server (IAM on) and the local TLS
# exchange stand-in. BENCH_RUNS (default 20, at least 10) runs per tool.
# Figures are printed, never asserted.

BENCH_BTC_DIR := $(BUILD)/release/bench

# The launcher that measures each run (why: see its top comment). Static
# musl, so its own pre-exec memory is tiny.
$(BENCH_BTC_DIR)/bench_rusage: tests/bench/bench_rusage.c $(DEPS_MUSL_STAMP)
	@mkdir -p $(@D)
	$(REL_CC) $(REL_CFLAGS) $< -o $@ $(REL_LDFLAGS)

.PHONY: bench bench-btc-price
bench: bench-btc-price

bench-btc-price: $(BUILD)/bin/btc-price $(BENCH_BTC_DIR)/bench_rusage
	BUILD=$(BUILD) python3 tests/bench/bench_btc_price.py
