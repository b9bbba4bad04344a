# workers/btc-price/btc-price.mk - the btc-price worker: release binary
# (static musl), sanitizer test binary, its unit test and `make demo`.

BTC_SRCS := $(addprefix workers/btc-price/,main.c sources.c slot.c)
BTC_PURE_SRCS := $(addprefix workers/btc-price/,sources.c slot.c)
BTC_HDRS := $(wildcard workers/btc-price/*.h)

WORKER_BINS += $(BUILD)/bin/btc-price
TEST_WORKER_BINS += $(BUILD)/test/bin/btc-price

# Release: static, -Os, stripped (REL_LDFLAGS has -s).
$(BUILD)/bin/btc-price: $(BTC_SRCS) $(BTC_HDRS) $(SW_HDRS) $(SW_RELEASE_LIB)
	@mkdir -p $(@D)
	$(REL_CC) $(REL_CFLAGS) -Iworkers/btc-price $(BTC_SRCS) -o $@ \
	    $(REL_LDFLAGS) $(SW_RELEASE_LIB) $(DEPS_MUSL_LIBS)

# Test flavour: host gcc, ASan + UBSan; what the integration tests run.
$(BUILD)/test/bin/btc-price: $(BTC_SRCS) $(BTC_HDRS) $(SW_HDRS) $(SW_TEST_LIB)
	@mkdir -p $(@D)
	$(TEST_CC) $(TEST_CFLAGS) -Iworkers/btc-price $(BTC_SRCS) -o $@ \
	    $(TEST_LDFLAGS) $(SW_TEST_LIB) $(DEPS_HOST_LIBS)

# The parser unit test needs the worker's pure functions compiled in; an
# explicit rule, so it wins over tests.mk's pattern rule for test_%.
$(BUILD)/test/bin/test_btc_price_parse: tests/unit/test_btc_price_parse.c \
        tests/unit/sw_test.h $(BTC_PURE_SRCS) $(BTC_HDRS) $(SW_TEST_LIB)
	@mkdir -p $(@D)
	$(TEST_CC) $(TEST_CFLAGS) -Itests/unit -Iworkers/btc-price $< \
	    $(BTC_PURE_SRCS) -o $@ $(TEST_LDFLAGS) $(SW_TEST_LIB) $(DEPS_HOST_LIBS)

# The integration tests run the sanitizer build and the static release.
test-build: $(BUILD)/test/bin/btc-price $(BUILD)/bin/btc-price

.PHONY: btc-price demo
btc-price: $(BUILD)/bin/btc-price

# `make demo`: the release binary against a local moto_server and a local
# TLS stand-in for the exchanges; no AWS account, no internet.
demo: setup
	$(MAKE) $(BUILD)/bin/btc-price
	BUILD=$(BUILD) workers/btc-price/demo.sh
	$(MAKE) --no-print-directory demo-array
