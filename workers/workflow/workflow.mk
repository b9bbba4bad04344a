# workers/workflow/workflow.mk - the workflow worker (a job graph on AWS
# Batch, history in DynamoDB): release binary (static musl), sanitizer test
# binary, the schedule parser's unit test and fuzzer.

WF_SRCS := $(addprefix workers/workflow/,main.c schedule.c)
WF_PURE_SRCS := workers/workflow/schedule.c
WF_HDRS := $(wildcard workers/workflow/*.h)

WORKER_BINS += $(BUILD)/bin/workflow
TEST_WORKER_BINS += $(BUILD)/test/bin/workflow

# Release: static, -Os, stripped (REL_LDFLAGS has -s).
$(BUILD)/bin/workflow: $(WF_SRCS) $(WF_HDRS) $(SW_HDRS) $(SW_RELEASE_LIB)
	@mkdir -p $(@D)
	$(REL_CC) $(REL_CFLAGS) -Iworkers/workflow $(WF_SRCS) -o $@ \
	    $(REL_LDFLAGS) $(SW_RELEASE_LIB) $(DEPS_MUSL_LIBS)

# Test flavour: host gcc, ASan + UBSan; what the integration tests run.
$(BUILD)/test/bin/workflow: $(WF_SRCS) $(WF_HDRS) $(SW_HDRS) $(SW_TEST_LIB)
	@mkdir -p $(@D)
	$(TEST_CC) $(TEST_CFLAGS) -Iworkers/workflow $(WF_SRCS) -o $@ \
	    $(TEST_LDFLAGS) $(SW_TEST_LIB) $(DEPS_HOST_LIBS)

# The parser unit test compiles the pure source in; an explicit rule, so it
# wins over tests.mk's pattern rule for test_%.
$(BUILD)/test/bin/test_workflow_schedule: tests/unit/test_workflow_schedule.c \
        tests/unit/sw_test.h $(WF_PURE_SRCS) $(WF_HDRS) $(SW_TEST_LIB)
	@mkdir -p $(@D)
	$(TEST_CC) $(TEST_CFLAGS) -Itests/unit -Iworkers/workflow $< \
	    $(WF_PURE_SRCS) -o $@ $(TEST_LDFLAGS) $(SW_TEST_LIB) $(DEPS_HOST_LIBS)

test-build: $(BUILD)/test/bin/workflow $(BUILD)/bin/workflow

.PHONY: workflow
workflow: $(BUILD)/bin/workflow

# The schedule parser's fuzzer (tests/fuzz/fuzz_workflow_schedule.c).
FUZZ_EXTRA_fuzz_workflow_schedule ?= $(WF_PURE_SRCS)
FUZZ_SEEDS_fuzz_workflow_schedule ?= schedules/graphs/etl-daily.json
