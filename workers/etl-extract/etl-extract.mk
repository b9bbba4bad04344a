# workers/etl-extract/etl-extract.mk - the ETL's first stage: release
# binary (static musl), sanitizer test binary.

EX_SRCS := $(addprefix workers/etl-extract/,main.c extract.c)
EX_HDRS := $(wildcard workers/etl-extract/*.h)

WORKER_BINS += $(BUILD)/bin/etl-extract
TEST_WORKER_BINS += $(BUILD)/test/bin/etl-extract

# Release: static, -Os, stripped (REL_LDFLAGS has -s).
$(BUILD)/bin/etl-extract: $(EX_SRCS) $(EX_HDRS) $(SW_HDRS) $(SW_RELEASE_LIB)
	@mkdir -p $(@D)
	$(REL_CC) $(REL_CFLAGS) -Iworkers/etl-extract $(EX_SRCS) -o $@ \
	    $(REL_LDFLAGS) $(SW_RELEASE_LIB) $(DEPS_MUSL_LIBS)

# Test flavour: host gcc, ASan + UBSan; what the integration tests run.
$(BUILD)/test/bin/etl-extract: $(EX_SRCS) $(EX_HDRS) $(SW_HDRS) $(SW_TEST_LIB)
	@mkdir -p $(@D)
	$(TEST_CC) $(TEST_CFLAGS) -Iworkers/etl-extract $(EX_SRCS) -o $@ \
	    $(TEST_LDFLAGS) $(SW_TEST_LIB) $(DEPS_HOST_LIBS)

test-build: $(BUILD)/test/bin/etl-extract $(BUILD)/bin/etl-extract

.PHONY: etl-extract
etl-extract: $(BUILD)/bin/etl-extract
