# workers/array-worker/array-worker.mk - the array-worker: release binary
# (static musl), sanitizer test binary, and its parser unit test.

AW_SRCS := $(addprefix workers/array-worker/,main.c input.c)
AW_PURE_SRCS := workers/array-worker/input.c
AW_HDRS := $(wildcard workers/array-worker/*.h)

WORKER_BINS += $(BUILD)/bin/array-worker
TEST_WORKER_BINS += $(BUILD)/test/bin/array-worker

# Release: static, -Os, stripped (REL_LDFLAGS has -s).
$(BUILD)/bin/array-worker: $(AW_SRCS) $(AW_HDRS) $(SW_HDRS) $(SW_RELEASE_LIB)
	@mkdir -p $(@D)
	$(REL_CC) $(REL_CFLAGS) -Iworkers/array-worker $(AW_SRCS) -o $@ \
	    $(REL_LDFLAGS) $(SW_RELEASE_LIB) $(DEPS_MUSL_LIBS)

# Test flavour: host gcc, ASan + UBSan; what the integration tests run.
$(BUILD)/test/bin/array-worker: $(AW_SRCS) $(AW_HDRS) $(SW_HDRS) $(SW_TEST_LIB)
	@mkdir -p $(@D)
	$(TEST_CC) $(TEST_CFLAGS) -Iworkers/array-worker $(AW_SRCS) -o $@ \
	    $(TEST_LDFLAGS) $(SW_TEST_LIB) $(DEPS_HOST_LIBS)

# The parser unit test needs the worker's pure functions compiled in; an
# explicit rule, so it wins over tests.mk's pattern rule for test_%.
$(BUILD)/test/bin/test_array_input: tests/unit/test_array_input.c \
        tests/unit/sw_test.h $(AW_PURE_SRCS) $(AW_HDRS) $(SW_TEST_LIB)
	@mkdir -p $(@D)
	$(TEST_CC) $(TEST_CFLAGS) -Itests/unit -Iworkers/array-worker $< \
	    $(AW_PURE_SRCS) -o $@ $(TEST_LDFLAGS) $(SW_TEST_LIB) $(DEPS_HOST_LIBS)

# The integration tests run the sanitizer build and the static release.
test-build: $(BUILD)/test/bin/array-worker $(BUILD)/bin/array-worker

.PHONY: array-worker
array-worker: $(BUILD)/bin/array-worker

# The input parser's fuzzer (tests/fuzz/fuzz_array_input.c) compiles the
# pure sources in (tests/fuzz/fuzz.mk).
FUZZ_EXTRA_fuzz_array_input ?= $(AW_PURE_SRCS)
