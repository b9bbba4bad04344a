#!/usr/bin/env python3
"""bench-jobs-api: wrk on 127.0.0.1 against the static release jobs-api
(GET /status/:id with the API key) while a second process keeps POSTing
/schedule, for --seconds; prints requests/s, latency percentiles and the
error count parsed from wrk's output. Everything runs on 127.0.0.1 against
a local moto_server (IAM on, policies/jobs-api.json)."""
import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from swtest import BIN, BUILD, ROOT, Moto, free_port, start, wait_port  # noqa: E402
from test_jobs_api import create_jobs_table  # noqa: E402

KEY = "bench-api-key-0123456789"


def post_schedule(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("POST", "/schedule", body=json.dumps(
        {"docker_image": "alpine:3.20", "scheduled_for": "2099-01-01T00:00:00Z",
         "env_vars": {"A": "1"}}),
        headers={"Authorization": f"Bearer {KEY}",
                 "Content-Type": "application/json"})
    r = c.getresponse()
    body = json.loads(r.read())
    c.close()
    return r.status, body


def writer(port, seconds):
    """The concurrent writer (run as a child: --writer PORT SECONDS)."""
    n = bad = 0
    end = time.time() + seconds
    while time.time() < end:
        st, _ = post_schedule(port)
        n += 1
        bad += st != 201
    print(json.dumps({"schedules": n, "failed": bad}), flush=True)


def to_ms(v):
    m = re.fullmatch(r"([\d.]+)(us|ms|s)", v)
    if not m:
        return None
    x = float(m.group(1))
    return {"us": x / 1000, "ms": x, "s": x * 1000}[m.group(2)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--writer", nargs=2, type=int)
    args = ap.parse_args()
    if args.writer:
        writer(*args.writer)
        return 0
    moto = Moto()
    key = moto.worker_user("jobs-api")
    create_jobs_table(moto, "jobs-bench")
    port = free_port()
    env = moto.env(key, JOBS_TABLE="jobs-bench", JOBS_API_KEYS=KEY,
                   JOBS_BIND="127.0.0.1", JOBS_PORT=port, JOBS_LAUNCHER=0,
                   JOBS_HTTP_THREADS=4, LOG_LEVEL="warn")
    log = open(os.path.join(BUILD, "test", "logs", f"bench-jobs-api-{port}.log")
               if os.path.isdir(os.path.join(BUILD, "test", "logs"))
               else os.devnull, "w")
    binary = os.path.join(BIN, "jobs-api")
    proc = start([binary], env=env, stdout=log, stderr=log)
    wait_port(port, proc=proc)
    st, job = post_schedule(port)
    if st != 201:
        print(f"bench-jobs-api: POST /schedule -> {st}", file=sys.stderr)
        return 1
    w = subprocess.Popen([sys.executable, __file__, "--writer", str(port),
                          str(args.seconds)], stdout=subprocess.PIPE, text=True)
    lua = os.path.join(ROOT, "tests", "bench", "jobs_api.lua")
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{args.seconds}s", "--latency", "-s", lua,
         f"http://127.0.0.1:{port}/status/{job['id']}"],
        env=dict(os.environ, JOBS_BENCH_KEY=KEY), capture_output=True,
        text=True, timeout=args.seconds + 60).stdout
    wres = json.loads(w.communicate(timeout=60)[0] or "{}")
    # The service alone: a well-formed request that never reaches the store
    # (auth checked, id refused by validation: 404), so moto is out of it.
    alone = subprocess.run(
        ["wrk", "-t2", "-c16", "-d3s", "--latency", "-s", lua,
         f"http://127.0.0.1:{port}/status/not-a-job-id"],
        env=dict(os.environ, JOBS_BENCH_KEY=KEY), capture_output=True,
        text=True, timeout=60).stdout
    proc.send_signal(signal.SIGTERM)
    proc.wait(15)
    moto.stop()

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                     r"timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + \
        (sum(int(x) for x in sock.groups()) if sock else 0)
    if not rps or "99" not in lat:
        print("bench-jobs-api: could not parse wrk's output:\n" + out,
              file=sys.stderr)
        return 1
    size = os.path.getsize(binary)
    print(f"jobs-api (static musl, {size} bytes, 4 threads), wrk -t2 -c16 "
          f"{args.seconds} s, GET /status/:id (GetItem on moto) while "
          f"POST /schedule runs alongside:")
    print(f"  requests/s    {float(rps.group(1)):10.1f}   "
          f"({total.group(1)} requests)")
    print(f"  latency p50   {to_ms(lat['50']):10.2f} ms")
    print(f"  latency p99   {to_ms(lat['99']):10.2f} ms")
    print(f"  errors        {errors:10d}   (non-2xx + socket errors)")
    print(f"  schedules     {wres.get('schedules', 0):10d}   written alongside "
          f"({wres.get('failed', '?')} failed)")
    a_rps = re.search(r"Requests/sec:\s+([\d.]+)", alone)
    a_lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", alone, re.M))
    a_sock = re.search(r"Socket errors: .*", alone)
    if a_rps and "99" in a_lat:
        print(f"  without the store (404 before any AWS call, 3 s): "
              f"{float(a_rps.group(1)):.0f} requests/s, p99 "
              f"{to_ms(a_lat['99']):.2f} ms"
              f"{', ' + a_sock.group(0) if a_sock else ', no socket errors'}")
    return 1 if errors or wres.get("failed") else 0


if __name__ == "__main__":
    sys.exit(main())
