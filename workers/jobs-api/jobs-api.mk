# workers/jobs-api/jobs-api.mk - jobs-api: the HTTP service that schedules
# Docker jobs on one-time EC2 Spot instances (static musl release binary,
# sanitizer test binary, unit tests, fuzzer, wrk benchmark).
#
# Only this binary links GNU libmicrohttpd ($(DEPS_*_MHD_LIBS), its own
# deps stamps), so nothing else relinks or rebuilds because of it.

JA_DIR := workers/jobs-api
# Pure sources: no network, no libmicrohttpd (unit tests and the fuzzer).
JA_PURE_SRCS := $(addprefix $(JA_DIR)/,job.c validate.c auth.c store.c \
                  store_mem.c lifecycle.c routes.c userdata.c \
                  reaper.c)
JA_SRCS := $(JA_PURE_SRCS) $(addprefix $(JA_DIR)/,store_ddb.c pool.c \
             launcher.c server.c main.c)
JA_HDRS := $(wildcard $(JA_DIR)/*.h)
# The user-data template, compiled in as a C string.
JA_GEN := $(BUILD)/gen/jobs-api
JA_TMPL_H := $(JA_GEN)/userdata_tmpl.h

WORKER_BINS += $(BUILD)/bin/jobs-api
TEST_WORKER_BINS += $(BUILD)/test/bin/jobs-api

# userdata_tmpl.h: each template line as an escaped C string literal.
$(JA_TMPL_H): $(JA_DIR)/userdata.sh.in
	@mkdir -p $(@D)
	{ echo '/* generated from $< by jobs-api.mk: do not edit */'; \
	  echo 'static const char jobs_userdata_template[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$$/\\n"/' $<; \
	  echo '    ;'; } >$@.tmp && mv $@.tmp $@

# Release: static, -Os, stripped. The unwind tables (.eh_frame) that the
# prebuilt static libraries carry are removed too (REL_CFLAGS already
# leaves them out of our own objects): C without exceptions never reads
# them, and they are ~80 KB, which keeps the image (an HTTP server more
# than the other workers) under the 512 KiB compressed image budget.
# objcopy's note about the headers-only first segment is expected.
$(BUILD)/bin/jobs-api: $(JA_SRCS) $(JA_HDRS) $(JA_TMPL_H) $(SW_HDRS) \
        $(SW_RELEASE_LIB) $(DEPS_MUSL_MHD_STAMP)
	@mkdir -p $(@D)
	$(REL_CC) $(REL_CFLAGS) -I$(JA_DIR) -I$(JA_GEN) $(JA_SRCS) -o $@ \
	    $(REL_LDFLAGS) $(SW_RELEASE_LIB) $(DEPS_MUSL_MHD_LIBS) \
	    $(DEPS_MUSL_LIBS)
	objcopy --remove-section=.eh_frame --remove-section=.eh_frame_hdr $@ \
	    2>&1 | { grep -v 'empty loadable segment' >&2 || true; }

$(BUILD)/test/bin/jobs-api: $(JA_SRCS) $(JA_HDRS) $(JA_TMPL_H) $(SW_HDRS) \
        $(SW_TEST_LIB) $(DEPS_HOST_MHD_STAMP)
	@mkdir -p $(@D)
	$(TEST_CC) $(TEST_CFLAGS) -I$(JA_DIR) -I$(JA_GEN) $(JA_SRCS) -o $@ \
	    $(TEST_LDFLAGS) $(SW_TEST_LIB) $(DEPS_HOST_MHD_LIBS) \
	    $(DEPS_HOST_LIBS)

# Unit tests test_jobs_*.c compile the pure sources in (a static pattern
# rule: it wins over tests.mk's implicit one).
JA_UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/test/bin/%,\
                  $(wildcard tests/unit/test_jobs_*.c))
$(JA_UNIT_BINS): $(BUILD)/test/bin/%: tests/unit/%.c tests/unit/sw_test.h \
        $(JA_PURE_SRCS) $(JA_HDRS) $(SW_TEST_LIB)
	@mkdir -p $(@D)
	$(TEST_CC) $(TEST_CFLAGS) -Itests/unit -I$(JA_DIR) $< \
	    $(JA_PURE_SRCS) -o $@ $(TEST_LDFLAGS) $(SW_TEST_LIB) \
	    $(DEPS_HOST_LIBS)

test-build: $(BUILD)/test/bin/jobs-api $(BUILD)/bin/jobs-api $(JA_UNIT_BINS)

.PHONY: jobs-api
jobs-api: $(BUILD)/bin/jobs-api

# The fuzzer (tests/fuzz/fuzz_jobs_api.c) drives jobs_handle over the
# memory store.
FUZZ_EXTRA_fuzz_jobs_api ?= $(JA_PURE_SRCS)
