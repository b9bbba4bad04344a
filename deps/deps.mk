# deps/deps.mk - PLACEHOLDER (being replaced by the real dependency build).
# Variables the rest of the build relies on:
DEPS_MUSL := $(BUILD)/deps/musl
DEPS_HOST := $(BUILD)/deps/host
MUSL_CC := $(DEPS_MUSL)/bin/musl-gcc
DEPS_MUSL_STAMP := $(DEPS_MUSL)/.done
DEPS_HOST_STAMP := $(DEPS_HOST)/.done
DEPS_MUSL_LIBS := -lcurl -lmbedtls -lmbedx509 -lmbedcrypto -lcjson -lpthread
DEPS_HOST_LIBS := -lcurl -lmbedtls -lmbedx509 -lmbedcrypto -lcjson -lpthread
.PHONY: deps
deps: $(DEPS_MUSL_STAMP) $(DEPS_HOST_STAMP)
