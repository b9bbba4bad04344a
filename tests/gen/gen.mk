# tests/gen/gen.mk - olist-gen, the deterministic generator of the Olist
# data set (tests/gen/README.md), and `make olist-data`.
#
#   make olist-data SF=1 SEED=42 OUT=build/olist/sf1

OG_SRCS := tests/gen/olist_gen.c tests/gen/olist_data.c
OG_HDRS := tests/gen/olist_data.h

# Release: static musl, -Os, stripped; what the tests and olist-data run.
# No libsw: the generator needs nothing from it.
$(BUILD)/bin/olist-gen: $(OG_SRCS) $(OG_HDRS) $(DEPS_MUSL_STAMP)
	@mkdir -p $(@D)
	$(REL_CC) $(REL_CFLAGS) -O2 -Itests/gen $(OG_SRCS) -o $@ $(REL_LDFLAGS)

# Sanitizer flavour: keeps the code -Werror clean and lets the test check
# that both builds write byte-identical files.
$(BUILD)/test/bin/olist-gen: $(OG_SRCS) $(OG_HDRS) $(DEPS_HOST_STAMP)
	@mkdir -p $(@D)
	$(TEST_CC) $(TEST_CFLAGS) -Itests/gen $(OG_SRCS) -o $@ $(TEST_LDFLAGS)

test-build: $(BUILD)/bin/olist-gen $(BUILD)/test/bin/olist-gen

SF ?= 1
SEED ?= 42
OUT ?= $(BUILD)/olist/sf$(SF)

.PHONY: olist-gen olist-data
olist-gen: $(BUILD)/bin/olist-gen

olist-data: $(BUILD)/bin/olist-gen
	$(BUILD)/bin/olist-gen --sf $(SF) --seed $(SEED) --out $(OUT)
