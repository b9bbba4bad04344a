# scratchwork - static C workers for AWS Batch, Fargate Spot and EC2 Spot.
#
#   make demo     run the main job locally against the embedded AWS
#   make test     build deps, libsw (sanitizers + release), run every test
#   make bench    benchmarks against the tools users would otherwise pick
#   make deps     build the pinned dependencies with musl (cached)
#   make          release build: libsw.a, tools and every worker
#   make images push deploy [REGION=..]   build images, push to ECR, deploy
#   make destroy | DRY_RUN=1 make deploy  remove / print every AWS CLI call
#   make run-array N=8 | make e2e ARRAY_SIZE=N   array jobs, local / Batch
#   make olist-data SF=1 [SEED=42 OUT=..] generated Olist CSVs for the ETL
#   make bench-etl | bench-csv | bench-jobs-api | fuzz [FUZZ_SECONDS=60]
#
# Fragments: deps/deps.mk (dependencies), common/common.mk (libsw and tools),
# tests/tests.mk (tests, fuzzers, benchmarks).

SHELL := /bin/bash
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:

BUILD ?= build
# Where `make deps` looks for source tarballs before going to the network.
DEPS_CACHE ?= $(HOME)/.cache/scratchwork/deps
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

include deps/deps.mk
include common/common.mk
include tests/tests.mk
# Each worker brings its own fragment (binaries, tests, demo).
-include $(sort $(wildcard workers/*/*.mk))
# Images, registry push and (later) the AWS deploy.
-include $(sort $(wildcard deploy/*.mk))

.PHONY: all clean distclean help setup
# setup: installs missing host tools with apt-get and moto with pip
# (deps/setup-host.sh); silent when everything is there.
setup:
	@bash deps/setup-host.sh

all: $(SW_RELEASE_LIB) $(SW_TOOLS) $(WORKER_BINS)

help:
	@sed -n '3,14p' Makefile

clean:
	rm -rf $(BUILD)/release $(BUILD)/test $(BUILD)/bin $(BUILD)/fuzz

distclean:
	rm -rf $(BUILD)
