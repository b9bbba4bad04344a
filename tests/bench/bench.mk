# tests/bench/bench.mk - benchmarks (`make bench`; never part of `make test`).
#
# `bench` is the umbrella target: other benchmarks hook in with
# `bench: bench-<name>` in their own fragment. Figures are printed, never
# asserted.
#
# bench-sigv4: sw_sigv4_sign vs botocore's SigV4Auth on a DynamoDB PutItem
# request. bench_sigv4.c is built twice with musl, static: against the
# release libsw.a (-Os, what the workers ship) and with libsw's sources
# compiled in at -O2, to show what the optimization level is worth.

BENCH_DIR := $(BUILD)/release/bench
BENCH_SIGV4_SRCS := common/src/sigv4.c common/src/sha256.c common/src/buf.c \
                    common/src/error.c
BENCH_SECONDS ?= 0.75

$(BENCH_DIR)/bench_sigv4_os: tests/bench/bench_sigv4.c $(SW_RELEASE_LIB)
	@mkdir -p $(@D)
	$(REL_CC) $(REL_CFLAGS) $< -o $@ -static $(SW_RELEASE_LIB)

$(BENCH_DIR)/bench_sigv4_o2: tests/bench/bench_sigv4.c $(BENCH_SIGV4_SRCS) \
                             $(SW_HDRS) $(DEPS_MUSL_STAMP)
	@mkdir -p $(@D)
	$(REL_CC) $(filter-out -Os,$(REL_CFLAGS)) -O2 $< $(BENCH_SIGV4_SRCS) \
	    -o $@ -static

.PHONY: bench bench-sigv4
bench: bench-sigv4

bench-sigv4: $(BENCH_DIR)/bench_sigv4_os $(BENCH_DIR)/bench_sigv4_o2
	python3 tests/bench/bench_sigv4_botocore.py --seconds $(BENCH_SECONDS) \
	    "musl -Os libsw.a=$(BENCH_DIR)/bench_sigv4_os" \
	    "musl -O2=$(BENCH_DIR)/bench_sigv4_o2"

-include tests/bench/csv.mk
-include tests/bench/etl.mk
-include tests/bench/jobs_api.mk
