# tests/fuzz/fuzz.mk - libFuzzer targets: every tests/fuzz/fuzz_<name>.c.
#
#   make fuzz            run each fuzzer for FUZZ_SECONDS (default 60)
#   make fuzz-build      just build them ($(BUILD)/fuzz/bin/fuzz_<name>)
#
# Fuzzers are built with clang (-fsanitize=fuzzer,address,undefined); libsw's
# sources are compiled again with clang into $(BUILD)/fuzz/libsw.a (never the
# gcc test objects: the coverage instrumentation is clang's). The pinned
# dependencies come from the host build ($(DEPS_HOST)), uninstrumented.
#
# A fuzzer that needs sources outside libsw names them in
# FUZZ_EXTRA_fuzz_<name> (their directories go on the include path), and
# may list seed inputs in FUZZ_SEEDS_fuzz_<name>. Corpora grow in
# $(BUILD)/fuzz/corpus/fuzz_<name>. `make test` runs a short, bounded pass
# of every fuzzer (tests/integration/test_fuzz_smoke.sh).

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
            -fno-omit-frame-pointer
# clang, unlike gcc, flags vsnprintf(fmt) in a printf-like wrapper.
FUZZ_CFLAGS := $(SW_CSTD) $(SW_WARN) -Wno-format-nonliteral -g -O1 $(FUZZ_SAN) \
               -Icommon/include \
               -I$(DEPS_HOST)/include
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES := $(FUZZ_SRCS:tests/fuzz/%.c=%)
FUZZ_BINS := $(FUZZ_NAMES:%=$(FUZZ_DIR)/bin/%)
FUZZ_LIB := $(FUZZ_DIR)/libsw.a
FUZZ_OBJS := $(SW_SRCS:common/src/%.c=$(FUZZ_DIR)/obj/%.o)

FUZZ_EXTRA_fuzz_btc_price_parse ?= workers/btc-price/sources.c \
                                   workers/btc-price/slot.c
FUZZ_SEEDS_fuzz_sigv4 ?= $(wildcard tests/data/sigv4-test-suite/v4/*/request.txt)

$(FUZZ_DIR)/obj/%.o: common/src/%.c $(SW_HDRS) $(DEPS_HOST_STAMP)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_LIB): $(FUZZ_OBJS)
	rm -f $@ && ar rcsD $@ $^

# Second expansion: the per-fuzzer extra sources become prerequisites.
.SECONDEXPANSION:
$(FUZZ_DIR)/bin/%: tests/fuzz/%.c $(FUZZ_LIB) $$(FUZZ_EXTRA_$$*) \
                   $(SW_HDRS) common/tools/sw_rawreq.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer \
	    $(addprefix -I,$(sort $(dir $(FUZZ_EXTRA_$*)))) \
	    $< $(FUZZ_EXTRA_$*) -o $@ $(FUZZ_LIB) -L$(DEPS_HOST)/lib \
	    $(DEPS_HOST_LIBS)

# fuzz-corpus-NAME: the corpus directory, with the seeds copied in once.
fuzz-corpus-%:
	@mkdir -p $(FUZZ_DIR)/corpus/$*
	@for f in $(FUZZ_SEEDS_$*); do \
	    cp -n "$$f" "$(FUZZ_DIR)/corpus/$*/seed-$$(cksum <"$$f" | cut -d' ' -f1)"; \
	done

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS) $(FUZZ_NAMES:%=fuzz-corpus-%)
	@set -e; for n in $(FUZZ_NAMES); do \
	    echo "== $$n ($(FUZZ_SECONDS) s)"; \
	    $(FUZZ_DIR)/bin/$$n -max_total_time=$(FUZZ_SECONDS) \
	        -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/$$n- \
	        $(FUZZ_DIR)/corpus/$$n 2>&1 | \
	        grep -E '^(Done|stat::number_of_executed_units|==[0-9]+==|SUMMARY)' ; \
	    test $${PIPESTATUS[0]} -eq 0; \
	done

# `make test` builds the fuzzers too, for the smoke pass (when clang is here).
ifneq ($(shell command -v $(FUZZ_CC) 2>/dev/null),)
test-build: fuzz-build
endif
