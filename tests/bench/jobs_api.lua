-- tests/bench/jobs_api.lua - wrk script for bench-jobs-api: every request
-- is GET <path> with the API key from $JOBS_BENCH_KEY (wrk's -s script;
-- the path comes from wrk's URL argument).
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("JOBS_BENCH_KEY")
