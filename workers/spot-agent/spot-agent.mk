# workers/spot-agent/spot-agent.mk - spot-agent: release binary (static
# musl), sanitizer test binary, and its unit test (pure helpers).

SA_SRCS := $(addprefix workers/spot-agent/,main.c agent.c api.c docker.c \
                                          heartbeat.c)
SA_PURE_SRCS := $(addprefix workers/spot-agent/,agent.c api.c docker.c \
                                               heartbeat.c)
SA_HDRS := $(wildcard workers/spot-agent/*.h)

WORKER_BINS += $(BUILD)/bin/spot-agent
TEST_WORKER_BINS += $(BUILD)/test/bin/spot-agent

# Release: static, -Os, stripped (REL_LDFLAGS has -s).
$(BUILD)/bin/spot-agent: $(SA_SRCS) $(SA_HDRS) $(SW_HDRS) $(SW_RELEASE_LIB)
	@mkdir -p $(@D)
	$(REL_CC) $(REL_CFLAGS) -Iworkers/spot-agent $(SA_SRCS) -o $@ \
	    $(REL_LDFLAGS) $(SW_RELEASE_LIB) $(DEPS_MUSL_LIBS)

# Test flavour: host gcc, ASan + UBSan; what the integration tests run.
$(BUILD)/test/bin/spot-agent: $(SA_SRCS) $(SA_HDRS) $(SW_HDRS) $(SW_TEST_LIB)
	@mkdir -p $(@D)
	$(TEST_CC) $(TEST_CFLAGS) -Iworkers/spot-agent $(SA_SRCS) -o $@ \
	    $(TEST_LDFLAGS) $(SW_TEST_LIB) $(DEPS_HOST_LIBS)

# The unit test compiles the agent's modules in (explicit rule, so it wins
# over tests.mk's pattern rule for test_%).
$(BUILD)/test/bin/test_spot_agent: tests/unit/test_spot_agent.c \
        tests/unit/sw_test.h $(SA_PURE_SRCS) $(SA_HDRS) $(SW_HDRS) $(SW_TEST_LIB)
	@mkdir -p $(@D)
	$(TEST_CC) $(TEST_CFLAGS) -Itests/unit -Iworkers/spot-agent $< \
	    $(SA_PURE_SRCS) -o $@ $(TEST_LDFLAGS) $(SW_TEST_LIB) $(DEPS_HOST_LIBS)

# tests/fuzz/fuzz_spot_agent.c: the parsers of untrusted input, with seeds
# (a job spec, a notice, pull and log streams, an inspect answer).
FUZZ_EXTRA_fuzz_spot_agent ?= $(SA_PURE_SRCS)
FUZZ_SEEDS_fuzz_spot_agent ?= $(wildcard workers/spot-agent/fuzz-seeds/*)

# The integration tests run the sanitizer build and the static release.
test-build: $(BUILD)/test/bin/spot-agent $(BUILD)/bin/spot-agent \
            $(BUILD)/test/bin/test_spot_agent

.PHONY: spot-agent
spot-agent: $(BUILD)/bin/spot-agent
