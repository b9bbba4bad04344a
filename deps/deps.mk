# deps/deps.mk - the pinned, checksummed, static dependency build.
#
#   make deps    fetch (cache -> upstream -> apt-get source), verify, patch and
#                build into the build tree, once (stamp files):
#     $(DEPS_MUSL)  musl 1.2.5 with bin/musl-gcc, and mbedTLS, libcurl, cJSON
#                   built with that musl-gcc (release builds)
#     $(DEPS_HOST)  the same mbedTLS, libcurl, cJSON built with host gcc
#                   (sanitizer test builds; no musl there)
#   and in both, GNU libmicrohttpd (jobs-api only; its own stamp).
#   Each prefix has include/ (cJSON.h directly in it) and lib/ (static .a).
#   Versions, checksums and patch lists: deps/versions.mk. Why each patch:
#   deps/patches.txt. Logs: $(BUILD)/deps/log/.
#
# Every library is compiled with -Os -ffunction-sections -fdata-sections.
# A clean `make deps` takes about 1.5 minutes on 2 cores (musl ~20 s, each
# libcurl ~25 s, each mbedTLS ~5 s); the steps run one at a time (a lock in
# build.sh), so parallel makes in one tree cannot trip over each other.
# Tools: build-essential (gcc, make, binutils, patch, bzip2, xz-utils); curl
# for the upstream step and apt-get for the Debian step are optional.

include deps/versions.mk

DEPS_ROOT := $(BUILD)/deps
DEPS_MUSL := $(DEPS_ROOT)/musl
DEPS_HOST := $(DEPS_ROOT)/host
MUSL_CC := $(DEPS_MUSL)/bin/musl-gcc
DEPS_MUSL_STAMP := $(DEPS_MUSL)/.done
DEPS_HOST_STAMP := $(DEPS_HOST)/.done
# Link order matters for static libraries: users before what they use.
DEPS_MUSL_LIBS := -lcurl -lmbedtls -lmbedx509 -lmbedcrypto -lcjson -lpthread
DEPS_HOST_LIBS := -lcurl -lmbedtls -lmbedx509 -lmbedcrypto -lcjson -lpthread
# GNU libmicrohttpd, linked only by workers/jobs-api (before the libs above).
# It has its own stamps, outside $(DEPS_*_STAMP), so that adding it did not
# rebuild libsw or any other binary.
DEPS_MUSL_MHD_LIBS := -lmicrohttpd
DEPS_HOST_MHD_LIBS := -lmicrohttpd
DEPS_MUSL_MHD_STAMP := $(DEPS_MUSL)/.libmicrohttpd.done
DEPS_HOST_MHD_STAMP := $(DEPS_HOST)/.libmicrohttpd.done

# The release (musl, static, stripped) copy of the test helper https_get:
# shows what a minimal HTTPS client costs in a FROM scratch image.
HTTPS_GET_RELEASE := $(BUILD)/release/bin/https_get

# deps/build.sh gets the pinned facts through its environment.
DEPS_BUILD_SH = STAMP='$(abspath $@)' PREREQS='$(abspath $^)' $(foreach v,$(filter DEP_%,$(.VARIABLES)),$(v)='$($(v))') \
    DEPS_ROOT='$(abspath $(DEPS_ROOT))' DEPS_CACHE='$(DEPS_CACHE)' \
    DEPS_DIR='$(abspath deps)' JOBS='$(JOBS)' sh deps/build.sh

DEPS_LIB_FILES := libcurl.a libmbedtls.a libmbedx509.a libmbedcrypto.a libcjson.a

.PHONY: deps deps-musl deps-host
deps: $(DEPS_MUSL_STAMP) $(DEPS_HOST_STAMP) $(HTTPS_GET_RELEASE) \
      $(DEPS_MUSL_MHD_STAMP) $(DEPS_HOST_MHD_STAMP)
deps-musl: $(DEPS_MUSL_STAMP) $(DEPS_MUSL_MHD_STAMP)
deps-host: $(DEPS_HOST_STAMP) $(DEPS_HOST_MHD_STAMP)

# Unpacked, patched sources, shared by both flavours.
$(DEPS_ROOT)/src/.%.done: deps/versions.mk
	@$(DEPS_BUILD_SH) src $*
$(DEPS_ROOT)/src/.mbedtls.done: $(wildcard deps/patches/mbedtls/*.patch)
$(DEPS_ROOT)/src/.curl.done: $(wildcard deps/patches/curl/*.patch)
$(DEPS_ROOT)/src/.cjson.done: $(wildcard deps/patches/cjson/*.patch)
$(DEPS_ROOT)/src/.musl.done: $(wildcard deps/patches/musl/*.patch)
$(DEPS_ROOT)/src/.libmicrohttpd.done: $(wildcard deps/patches/libmicrohttpd/*.patch)

$(DEPS_MUSL)/.musl.done: $(DEPS_ROOT)/src/.musl.done deps/build.sh
	@$(DEPS_BUILD_SH) musl

# deps_flavour FLAVOUR DIR EXTRA_PREREQ: the per-package stamps of a prefix.
define deps_flavour
$(2)/.mbedtls.done: $(DEPS_ROOT)/src/.mbedtls.done deps/mbedtls_config.h \
                    deps/build.sh $(3)
	@$$(DEPS_BUILD_SH) mbedtls $(1)
$(2)/.curl.done: $(DEPS_ROOT)/src/.curl.done $(2)/.mbedtls.done deps/build.sh $(3)
	@$$(DEPS_BUILD_SH) curl $(1)
$(2)/.cjson.done: $(DEPS_ROOT)/src/.cjson.done deps/build.sh $(3)
	@$$(DEPS_BUILD_SH) cjson $(1)
$(2)/.libmicrohttpd.done: $(DEPS_ROOT)/src/.libmicrohttpd.done deps/build.sh $(3)
	@$$(DEPS_BUILD_SH) libmicrohttpd $(1)
$(2)/.done: $(2)/.mbedtls.done $(2)/.curl.done $(2)/.cjson.done $(3)
	@echo "deps: $(1) libraries in $(2)/lib:"
	@cd $(2)/lib && ls -l $(DEPS_LIB_FILES) $(if $(3),libc.a) | \
	    awk '{printf "  %-18s %9d bytes\n", $$$$9, $$$$5}'
	@touch $$@
endef
$(eval $(call deps_flavour,musl,$(DEPS_MUSL),$(DEPS_MUSL)/.musl.done))
$(eval $(call deps_flavour,host,$(DEPS_HOST),))

$(HTTPS_GET_RELEASE): tests/helpers/https_get.c $(DEPS_MUSL_STAMP)
	@mkdir -p $(@D)
	$(MUSL_CC) -std=c11 -D_POSIX_C_SOURCE=200809L -Os -ffunction-sections \
	    -fdata-sections -fno-asynchronous-unwind-tables \
	    -I$(DEPS_MUSL)/include $< -o $@ -static -Wl,--gc-sections \
	    -Wl,--build-id=none -s -L$(DEPS_MUSL)/lib $(DEPS_MUSL_LIBS)
	@echo "deps: $@: $$(stat -c %s $@) bytes (static, stripped)"

.PHONY: deps-clean
deps-clean:
	rm -rf $(DEPS_ROOT) $(HTTPS_GET_RELEASE)
