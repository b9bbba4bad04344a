# workers/etl-transform/etl-transform.mk - the ETL's second stage: release
# binary (static musl), sanitizer test binary.

TF_SRCS := $(addprefix workers/etl-transform/,main.c transform.c)
TF_HDRS := $(wildcard workers/etl-transform/*.h)

WORKER_BINS += $(BUILD)/bin/etl-transform
TEST_WORKER_BINS += $(BUILD)/test/bin/etl-transform

# Release: static, -Os, stripped (REL_LDFLAGS has -s).
$(BUILD)/bin/etl-transform: $(TF_SRCS) $(TF_HDRS) $(SW_HDRS) $(SW_RELEASE_LIB)
	@mkdir -p $(@D)
	$(REL_CC) $(REL_CFLAGS) -Iworkers/etl-transform $(TF_SRCS) -o $@ \
	    $(REL_LDFLAGS) $(SW_RELEASE_LIB) $(DEPS_MUSL_LIBS)

# Test flavour: host gcc, ASan + UBSan; what the integration tests run.
$(BUILD)/test/bin/etl-transform: $(TF_SRCS) $(TF_HDRS) $(SW_HDRS) $(SW_TEST_LIB)
	@mkdir -p $(@D)
	$(TEST_CC) $(TEST_CFLAGS) -Iworkers/etl-transform $(TF_SRCS) -o $@ \
	    $(TEST_LDFLAGS) $(SW_TEST_LIB) $(DEPS_HOST_LIBS)

test-build: $(BUILD)/test/bin/etl-transform $(BUILD)/bin/etl-transform

.PHONY: etl-transform
etl-transform: $(BUILD)/bin/etl-transform

# The aggregates' unit test compiles the pure transform.c in; an explicit
# rule, so it wins over tests.mk's pattern rule for test_%.
$(BUILD)/test/bin/test_etl_transform: tests/unit/test_etl_transform.c \
        tests/unit/sw_test.h workers/etl-transform/transform.c $(TF_HDRS) \
        $(SW_TEST_LIB)
	@mkdir -p $(@D)
	$(TEST_CC) $(TEST_CFLAGS) -Itests/unit -Iworkers/etl-transform $< \
	    workers/etl-transform/transform.c -o $@ $(TEST_LDFLAGS) \
	    $(SW_TEST_LIB) $(DEPS_HOST_LIBS)
