# tests/tests.mk - unit tests (C, sanitizers), integration tests (against
# moto_server, local TLS servers, fault-injecting proxies), fuzzers and
# benchmarks. `make test` ends with one line: "N passed, N failed".

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/test/bin/%)
# Test helper programs (servers, clients) built with the test flags.
TEST_HELPER_SRCS := $(sort $(wildcard tests/helpers/*.c))
TEST_HELPER_BINS := $(TEST_HELPER_SRCS:tests/helpers/%.c=$(BUILD)/test/bin/%)

$(BUILD)/test/bin/%: tests/unit/%.c tests/unit/sw_test.h $(SW_TEST_LIB)
	@mkdir -p $(@D)
	$(TEST_CC) $(TEST_CFLAGS) -Itests/unit $< -o $@ $(TEST_LDFLAGS) \
	    $(SW_TEST_LIB) $(DEPS_HOST_LIBS)

$(BUILD)/test/bin/%: tests/helpers/%.c tests/helpers/sw_helper.h $(SW_TEST_LIB)
	@mkdir -p $(@D)
	$(TEST_CC) $(TEST_CFLAGS) $< -o $@ $(TEST_LDFLAGS) \
	    $(SW_TEST_LIB) $(DEPS_HOST_LIBS)

.PHONY: test test-build unit bench
test-build: deps $(SW_TEST_LIB) $(SW_RELEASE_LIB) $(SW_TOOLS) $(UNIT_BINS) \
            $(TEST_HELPER_BINS)

# setup first (host tools, moto), then the build, then every test.
test: setup
	$(MAKE) test-build
	BUILD=$(BUILD) tests/run

unit: test-build
	BUILD=$(BUILD) tests/run --only unit

-include tests/fuzz/fuzz.mk
-include tests/bench/bench.mk
-include tests/bench/btc_price.mk
-include tests/gen/gen.mk

# test_csv_portable compiles csv.c and test_csv.c in (the portable scanner).
$(BUILD)/test/bin/test_csv_portable: common/src/csv.c tests/unit/test_csv.c
