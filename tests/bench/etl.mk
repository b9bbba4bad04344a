# tests/bench/etl.mk - bench-etl (part of `make bench`, never of `make
# test`): etl-extract + etl-transform vs DuckDB and pandas computing the
# same six aggregates from the same olist-gen CSVs (SF 1 and 10, cached in
# $(BUILD)/olist/sfN), and etl-load vs boto3's batch_writer into dynalite
# on 127.0.0.1. See tests/bench/bench_etl.py; figures are printed, never
# asserted. BENCH_ETL_SF="1" limits the scale factors, BENCH_RUNS the runs.

.PHONY: bench bench-etl
bench: bench-etl

# bench_rusage's rule is in tests/bench/btc_price.mk (same path).
bench-etl: $(BUILD)/bin/olist-gen $(BUILD)/bin/etl-extract \
           $(BUILD)/bin/etl-transform $(BUILD)/bin/etl-load \
           $(BUILD)/release/bench/bench_rusage
	BUILD=$(BUILD) python3 tests/bench/bench_etl.py
