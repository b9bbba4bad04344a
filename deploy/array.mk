# deploy/array.mk - array jobs of the array-worker (deploy/runner.py).
#
#   make run-array N=8 [INPUT=JSON|@FILE] [JOBS=2]
#       the same work as a Batch array job of N, run here: N processes of
#       the release array-worker (at most JOBS at once) with the environment
#       Batch sets, against the embedded AWS (moto_server, IAM auth on)
#       unless AWS_ENDPOINT_URL is set; then the checker
#   make e2e REGION=eu-west-1 ARRAY_SIZE=100 [INPUT=...] [INPUT_BUCKET=b]
#       submits to the deployed queue "scratchwork" and job definition
#       "scratchwork-array-worker", polls until done, checks every result;
#       also an N_TO_N-dependent, a SEQUENTIAL and a timeout variant
#       (VARIANTS=0 skips them; LOGS=1 compares CloudWatch Logs too)
#   make check-array JOB_ID=<parent id> N=8 [INPUT=...]    the checker alone
#   make demo-array     a local array of 4 (part of `make demo`)
#   make bench-array    per-index cost and 1,000 indexes on 2 cores vs a
#                       Python boto3 worker (part of `make bench`)
#
# Other settings: RESULTS_TABLE, PARENT_ID, WORKER, TIMEOUT_SECONDS,
# E2E_TIMEOUT, POLL_SECONDS, PAGE_SIZE (see the top of deploy/runner.py).

ARRAY_WORKER := $(BUILD)/bin/array-worker
ARRAY_INPUT_DEFAULT := {"message":"Hello","items":["alpha","beta","gamma",\
"delta","epsilon","zeta","eta","theta","iota","kappa","lambda","mu","nu",\
"xi","omicron","pi","rho","sigma","tau","upsilon"]}
INPUT ?= $(ARRAY_INPUT_DEFAULT)
ARRAY_VARS := N INPUT JOBS WORKER RESULTS_TABLE PARENT_ID JOB_ID REGION \
              ARRAY_SIZE INPUT_BUCKET TIMEOUT_SECONDS VARIANTS E2E_TIMEOUT \
              POLL_SECONDS LOGS PAGE_SIZE BUILD
# Each setting reaches runner.py in its environment, quoted for the shell
# (only those set, so AWS_REGION etc. still count when REGION is unset).
ARRAY_ENV = $(foreach v,$(ARRAY_VARS),$(if $($(v)),$(v)='$(subst ','\'',$($(v)))'))
RUNNER = env $(ARRAY_ENV) python3 deploy/runner.py
# run-array builds the release worker unless WORKER names another program.
ARRAY_RUN_DEPS = $(if $(WORKER),,$(ARRAY_WORKER))

.PHONY: run-array e2e check-array demo-array bench-array
run-array: $(ARRAY_RUN_DEPS)
	@$(RUNNER) run

e2e:
	@$(RUNNER) e2e

check-array:
	@$(RUNNER) check

demo-array: $(ARRAY_WORKER)
	@echo "== array job: 4 array-worker processes, as AWS Batch would run them"
	@$(MAKE) --no-print-directory run-array N=4 JOBS=$(JOBS) \
	    INPUT='$(ARRAY_INPUT_DEFAULT)' WORKER=

bench: bench-array
bench-array: $(ARRAY_WORKER) $(BUILD)/release/bench/bench_rusage
	BUILD=$(BUILD) python3 tests/bench/bench_array.py
