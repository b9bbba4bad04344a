# common/common.mk - libsw.a in two flavours, and the dev tools.
#
# release: musl-gcc, -Os, sections + --gc-sections, static, stripped tools.
# test:    host gcc, -Wall -Wextra -Werror, ASan + UBSan, linked against the
#          host-built copies of the same pinned dependencies.

SW_SRCS := $(sort $(wildcard common/src/*.c))
SW_HDRS := $(wildcard common/include/sw/*.h)

SW_CSTD := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
SW_WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wvla

REL_CC := $(MUSL_CC)
REL_CFLAGS := $(SW_CSTD) $(SW_WARN) -Os -ffunction-sections -fdata-sections \
              -fno-asynchronous-unwind-tables -Icommon/include \
              -I$(DEPS_MUSL)/include
REL_LDFLAGS := -static -Wl,--gc-sections -Wl,--build-id=none -s \
               -L$(DEPS_MUSL)/lib

TEST_CC ?= gcc
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
             -fno-omit-frame-pointer
TEST_CFLAGS := $(SW_CSTD) $(SW_WARN) -Werror -O1 -g $(SAN_FLAGS) \
               -Icommon/include -I$(DEPS_HOST)/include
TEST_LDFLAGS := $(SAN_FLAGS) -L$(DEPS_HOST)/lib

SW_RELEASE_LIB := $(BUILD)/release/libsw.a
SW_TEST_LIB := $(BUILD)/test/libsw.a
SW_REL_OBJS := $(SW_SRCS:common/src/%.c=$(BUILD)/release/obj/%.o)
SW_TEST_OBJS := $(SW_SRCS:common/src/%.c=$(BUILD)/test/obj/%.o)

# sw-sign: the command-line SigV4 signer (a dev tool, not shipped).
SW_TOOLS := $(BUILD)/bin/sw-sign

$(BUILD)/release/obj/%.o: common/src/%.c $(SW_HDRS) $(DEPS_MUSL_STAMP)
	@mkdir -p $(@D)
	$(REL_CC) $(REL_CFLAGS) -c $< -o $@

$(BUILD)/test/obj/%.o: common/src/%.c $(SW_HDRS) $(DEPS_HOST_STAMP)
	@mkdir -p $(@D)
	$(TEST_CC) $(TEST_CFLAGS) -c $< -o $@

$(SW_RELEASE_LIB): $(SW_REL_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcsD $@ $^

$(SW_TEST_LIB): $(SW_TEST_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcsD $@ $^

$(BUILD)/bin/sw-sign: common/tools/sw-sign.c common/tools/sw_rawreq.h $(SW_RELEASE_LIB)
	@mkdir -p $(@D)
	$(REL_CC) $(REL_CFLAGS) $< -o $@ $(REL_LDFLAGS) $(SW_RELEASE_LIB)

.PHONY: lib test-lib tools
lib: $(SW_RELEASE_LIB)
test-lib: $(SW_TEST_LIB)
tools: $(SW_TOOLS)
