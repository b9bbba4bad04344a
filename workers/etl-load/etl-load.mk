# workers/etl-load/etl-load.mk - the ETL's load stage: release binary
# (static musl), sanitizer test binary, and its spec unit test.

EL_SRCS := $(addprefix workers/etl-load/,main.c spec.c)
EL_PURE_SRCS := workers/etl-load/spec.c
EL_HDRS := $(wildcard workers/etl-load/*.h)

WORKER_BINS += $(BUILD)/bin/etl-load
TEST_WORKER_BINS += $(BUILD)/test/bin/etl-load

# Release: static, -Os, stripped (REL_LDFLAGS has -s).
$(BUILD)/bin/etl-load: $(EL_SRCS) $(EL_HDRS) $(SW_HDRS) $(SW_RELEASE_LIB)
	@mkdir -p $(@D)
	$(REL_CC) $(REL_CFLAGS) -Iworkers/etl-load $(EL_SRCS) -o $@ \
	    $(REL_LDFLAGS) $(SW_RELEASE_LIB) $(DEPS_MUSL_LIBS)

# Test flavour: host gcc, ASan + UBSan; what the integration test runs.
$(BUILD)/test/bin/etl-load: $(EL_SRCS) $(EL_HDRS) $(SW_HDRS) $(SW_TEST_LIB)
	@mkdir -p $(@D)
	$(TEST_CC) $(TEST_CFLAGS) -Iworkers/etl-load $(EL_SRCS) -o $@ \
	    $(TEST_LDFLAGS) $(SW_TEST_LIB) $(DEPS_HOST_LIBS)

# The spec unit test compiles the pure source in; an explicit rule, so it
# wins over tests.mk's pattern rule for test_%.
$(BUILD)/test/bin/test_etl_load_spec: tests/unit/test_etl_load_spec.c \
        tests/unit/sw_test.h $(EL_PURE_SRCS) $(EL_HDRS) $(SW_TEST_LIB)
	@mkdir -p $(@D)
	$(TEST_CC) $(TEST_CFLAGS) -Itests/unit -Iworkers/etl-load $< \
	    $(EL_PURE_SRCS) -o $@ $(TEST_LDFLAGS) $(SW_TEST_LIB) $(DEPS_HOST_LIBS)

test-build: $(BUILD)/test/bin/etl-load $(BUILD)/bin/etl-load

.PHONY: etl-load
etl-load: $(BUILD)/bin/etl-load
