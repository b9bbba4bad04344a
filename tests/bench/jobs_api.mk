# tests/bench/jobs_api.mk - bench-jobs-api (part of `make bench`, never of
# `make test`): wrk against the static release jobs-api on 127.0.0.1,
# GET /status/:id with the API key (tests/bench/jobs_api.lua), for
# BENCH_JOBS_SECONDS (default 10) while another process keeps POSTing
# /schedule; the table is in a local moto_server (IAM on, the service's own
# policy), so the figures include a DynamoDB GetItem per request against
# moto (Python), which is the bottleneck: they show the service's overhead
# and its behaviour under load (errors must be zero), not DynamoDB's speed.
# Prints requests/s, p50/p99 latency and the error count; asserts nothing
# but exits 1 if wrk saw errors.

BENCH_JOBS_SECONDS ?= 10

.PHONY: bench bench-jobs-api
bench: bench-jobs-api

bench-jobs-api: $(BUILD)/bin/jobs-api
	BUILD=$(BUILD) python3 tests/bench/bench_jobs_api.py \
	    --seconds $(BENCH_JOBS_SECONDS)
