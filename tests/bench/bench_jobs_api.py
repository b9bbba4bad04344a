#!/usr/bin/env python3
"""bench-jobs-api: wrk on 127.0.0.1 against the static release jobs-api
(GET /status/:id with the API key) while a second process keeps POSTing
/schedule, for --seconds; prints requests/s, latency percentiles and the
error count parsed from wrk's output, twice: with the table in a local
moto_server (IAM on, policies/jobs-api.json; Python, the bottleneck), then
in dynalite (DynamoDB on LevelDB, Node, from tests/tools/npm-tools.sh;
much faster, so the figure shows the service more than the emulator).
Everything runs on 127.0.0.1."""
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
from swtest import (BIN, BUILD, ROOT, Moto, free_port, start,  # noqa: E402
                    start_dynalite, wait_port)
from jobstest import create_jobs_table  # noqa: E402

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


def wrk(port, path, seconds):
    """wrk -t2 -c16 with the key on GET path; returns its output."""
    lua = os.path.join(ROOT, "tests", "bench", "jobs_api.lua")
    return subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "-s", lua,
         f"http://127.0.0.1:{port}{path}"],
        env=dict(os.environ, JOBS_BENCH_KEY=KEY), capture_output=True,
        text=True, timeout=seconds + 60).stdout


def parse_wrk(out):
    """(requests/s, total, {percentile: ms}, errors, socket errors) from
    wrk's output (errors: non-2xx answers + socket errors), or None when it
    cannot be read."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write "
                     r"(\d+), timeout (\d+)", out)
    socket = sum(int(x) for x in sock.groups()) if sock else 0
    errors = (int(non2xx.group(1)) if non2xx else 0) + socket
    if not rps or not total or "99" not in lat:
        return None
    return (float(rps.group(1)), int(total.group(1)),
            {k: to_ms(v) for k, v in lat.items()}, errors, socket)


def run(backend, env, seconds, alone):
    """One jobs-api on the table that env points at: wrk on GET /status/:id
    with the writer alongside (and, if alone, a 3 s run on a 404 decided
    before any AWS call). Returns a result dict, or None (printed why)."""
    port = free_port()
    env = dict(env, JOBS_TABLE="jobs-bench", JOBS_API_KEYS=KEY,
               JOBS_BIND="127.0.0.1", JOBS_PORT=str(port), JOBS_LAUNCHER="0",
               JOBS_HTTP_THREADS="4", LOG_LEVEL="warn")
    logdir = os.path.join(BUILD, "test", "logs")
    log = open(os.path.join(logdir, f"bench-jobs-api-{backend}-{port}.log")
               if os.path.isdir(logdir) else os.devnull, "w")
    proc = start([os.path.join(BIN, "jobs-api")], env=env, stdout=log,
                 stderr=log)
    try:
        wait_port(port, proc=proc)
        st, job = post_schedule(port)
        if st != 201:
            print(f"bench-jobs-api ({backend}): POST /schedule -> {st}",
                  file=sys.stderr)
            return None
        w = subprocess.Popen([sys.executable, __file__, "--writer",
                              str(port), str(seconds)],
                             stdout=subprocess.PIPE, text=True)
        out = wrk(port, f"/status/{job['id']}", seconds)
        wres = json.loads(w.communicate(timeout=60)[0] or "{}")
        a = parse_wrk(wrk(port, "/status/not-a-job-id", 3)) if alone else None
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
        log.close()
    r = parse_wrk(out)
    if not r:
        print(f"bench-jobs-api ({backend}): could not parse wrk's output:\n"
              + out, file=sys.stderr)
        return None
    return {"backend": backend, "rps": r[0], "total": r[1], "lat": r[2],
            "errors": r[3], "schedules": wres.get("schedules", 0),
            "failed": wres.get("failed", "?"), "alone": a}


def jobs_table_on(endpoint):
    """The jobs table (key id, GSI status-scheduled_for) on a DynamoDB
    that checks no signature (dynalite), waited until ACTIVE."""
    import boto3
    ddb = boto3.client("dynamodb", endpoint_url=endpoint,
                       region_name="us-east-1", aws_access_key_id="bench",
                       aws_secret_access_key="bench")
    create_jobs_table(ddb, "jobs-bench")
    ddb.get_waiter("table_exists").wait(
        TableName="jobs-bench", WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--writer", nargs=2, type=int)
    args = ap.parse_args()
    if args.writer:
        writer(*args.writer)
        return 0
    rows = []
    moto = Moto()
    try:
        key = moto.worker_user("jobs-api")
        create_jobs_table(moto.admin("dynamodb"), "jobs-bench")
        rows.append(run("moto", moto.env(key), args.seconds, alone=True))
    finally:
        moto.stop()
    dyn, endpoint = start_dynalite()
    try:
        jobs_table_on(endpoint)
        env = dict(os.environ, AWS_ACCESS_KEY_ID="bench",
                   AWS_SECRET_ACCESS_KEY="bench", AWS_REGION="us-east-1",
                   AWS_ENDPOINT_URL=endpoint, AWS_EC2_METADATA_DISABLED="true")
        for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            env.pop(k, None)
        rows.append(run("dynalite", env, args.seconds, alone=False))
    finally:
        dyn.terminate()
        dyn.wait(10)
    size = os.path.getsize(os.path.join(BIN, "jobs-api"))
    print(f"jobs-api (static musl, {size} bytes, 4 threads), wrk -t2 -c16 "
          f"{args.seconds} s, GET /status/:id (one GetItem each) while "
          f"POST /schedule runs alongside:")
    print(f"  {'table on':10} {'requests/s':>11} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'errors':>7} {'schedules':>10}")
    bad = False
    for r in rows:
        if not r:
            bad = True
            continue
        print(f"  {r['backend']:10} {r['rps']:11.1f} {r['lat']['50']:8.2f} "
              f"{r['lat']['99']:8.2f} {r['errors']:7d} {r['schedules']:10d}"
              f"   ({r['total']} requests, {r['failed']} schedules failed)")
        bad = bad or r["errors"] or r["failed"]
        a = r["alone"]
        if a:
            print(f"  without the store (404 before any AWS call, 3 s): "
                  f"{a[0]:.0f} requests/s, p99 {a[2]['99']:.2f} ms, "
                  f"{a[4]} socket errors")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
