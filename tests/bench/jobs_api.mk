# tests/bench/jobs_api.mk - bench-jobs-api (part of `make bench`, never of
# `make test`): wrk against the static release jobs-api on 127.0.0.1,
# GET /status/:id with the API key (tests/bench/jobs_api.lua), for
# BENCH_JOBS_SECONDS (default 10) while another process keeps POSTing
# /schedule, twice:
#   1. the table in a local moto_server (IAM on, the service's own policy):
#      moto (Python) answering each GetItem is the bottleneck;
#   2. the table in dynalite (DynamoDB on LevelDB, Node, pinned in
#      tests/tools: npm-tools.sh installs it once), much faster, so the
#      figure shows the service more than the emulator.
# Prints one row per run (requests/s, p50/p99 latency, errors, schedules
# written alongside) and the service alone (a 404 decided before any AWS
# call); asserts nothing but exits 1 if wrk or the writer saw errors.

BENCH_JOBS_SECONDS ?= 10

.PHONY: bench bench-jobs-api
bench: bench-jobs-api

bench-jobs-api: $(BUILD)/bin/jobs-api
	BUILD=$(BUILD) python3 tests/bench/bench_jobs_api.py \
	    --seconds $(BENCH_JOBS_SECONDS)
