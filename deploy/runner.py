#!/usr/bin/env python3
"""deploy/runner.py - array jobs of the array-worker: run, submit, check.

    runner.py run     the same work as a Batch array job, on this machine:
                     N worker processes (at most JOBS at once) with exactly
                     the environment Batch gives each child, against the
                     embedded AWS (moto_server on 127.0.0.1, IAM auth on,
                     the worker signed as a user holding
                     policies/array-worker.json) unless AWS_ENDPOINT_URL is
                     set; then the checker, stdout lines included
    runner.py e2e     submits an array job of ARRAY_SIZE to the deployed
                     queue and job definition, polls until every child is
                     terminal, checks the results; plus an N_TO_N-dependent
                     job, a SEQUENTIAL one and one with an attempt timeout,
                     whose fields are verified as the Batch API shows them
    runner.py check   the checker alone, for JOB_ID (a parent job id)

Settings (environment; deploy/array.mk passes make's):
  INPUT          the job input: JSON text or @FILE (required)
  N              run/check: array size (1..10000)
  ARRAY_SIZE     e2e: array size (2..10000, Batch's range); also N for check
  JOBS           run: processes at once (default: CPUs)
  WORKER         run: the worker program (default build/bin/array-worker)
  RESULTS_TABLE  the results table (default: the worker's deploy.json table)
  PARENT_ID      run: the parent job id (default: a new UUID)
  JOB_ID         check: the parent job id to check
  REGION         else AWS_REGION / AWS_DEFAULT_REGION (run: us-east-1)
  INPUT_BUCKET   e2e: where an input over Batch's 8 KiB override limit goes
                 (default: the worker's deploy.json "input_bucket")
  TIMEOUT_SECONDS e2e: attemptDurationSeconds of the timeout variant (60)
  VARIANTS       e2e: 0 skips the three extra jobs (default 1)
  E2E_TIMEOUT    e2e: give up polling after this many seconds (3600)
  POLL_SECONDS   e2e: first poll interval, doubling to 30 s (2)
  LOGS           e2e: 1 also compares the result lines in CloudWatch Logs
                 (first 20 indexes; never on a local endpoint)
  PAGE_SIZE      checker: Query page size (default: DynamoDB's 1 MB pages)

Exit codes: 0 every index present once with the right values; 1 a missing
or wrong result, a failed child or a failed AWS call; 2 bad settings (one
line on stderr, before any AWS call). Python 3 standard library; every AWS
call goes through deploy.py's `aws` CLI wrapper.
"""
import concurrent.futures
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import types
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import deploy  # noqa: E402  (the AWS CLI wrapper, names, region rules)

ROOT = deploy.ROOT
WORKER_NAME = "array-worker"
JOB_DEFINITION = f"{deploy.PROJECT}-{WORKER_NAME}"
DEFAULT_TABLE = f"{deploy.PROJECT}-array-results"
# Batch refuses containerOverrides larger than this; bigger inputs go to S3.
OVERRIDE_LIMIT = 8192
MAX_ITEM_BYTES = 1024
MAX_SIZE = 10000
LOG_SAMPLE = 20
# A local run this small prints each child's result line (make demo).
SHOW_LINES = 4
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


def say(msg):
    """One progress line on stdout, flushed (make shows it at once)."""
    print(msg, flush=True)


# --- settings ------------------------------------------------------------------

def parse_input(text):
    """The job input (JSON text, or @FILE) as (compact text, document);
    ConfigError naming what is wrong, with the contract's rules."""
    if not text:
        raise deploy.ConfigError("INPUT is empty: give JSON or @FILE")
    if text.startswith("@"):
        try:
            with open(text[1:], encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            raise deploy.ConfigError(f"INPUT: cannot read {text[1:]} "
                                     f"({e.strerror})")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise deploy.ConfigError(f"INPUT: not JSON ({e})")
    if not isinstance(doc, dict):
        raise deploy.ConfigError("INPUT: not a JSON object")
    items = doc.get("items")
    if not isinstance(items, list):
        raise deploy.ConfigError("INPUT: items is not an array")
    for i, x in enumerate(items):
        if not isinstance(x, str):
            raise deploy.ConfigError(f"INPUT: items[{i}] is not a string")
        if len(x.encode("utf-8")) > MAX_ITEM_BYTES:
            raise deploy.ConfigError(f"INPUT: items[{i}] is over "
                                     f"{MAX_ITEM_BYTES} bytes")
    if not isinstance(doc.get("message", ""), str):
        raise deploy.ConfigError("INPUT: message is not a string")
    n = doc.get("array_size")
    if n is not None and (type(n) is not int or not 1 <= n <= MAX_SIZE):
        raise deploy.ConfigError(f"INPUT: array_size must be an integer "
                                 f"1..{MAX_SIZE}")
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False), doc


def size_setting(env, names, lo):
    """The array size from the first set variable in names, checked
    against lo..10000; ConfigError otherwise."""
    for name in names:
        v = (env.get(name) or "").strip()
        if v:
            if not v.isdigit() or not lo <= int(v) <= MAX_SIZE:
                raise deploy.ConfigError(f"{name}={v!r}: must be an integer "
                                         f"{lo}..{MAX_SIZE}")
            return int(v)
    raise deploy.ConfigError(f"set {names[0]}=... (the array size)")


def worker_config():
    """workers/array-worker/deploy.json, or {} when missing or unreadable
    (the defaults below then apply)."""
    try:
        with open(os.path.join(ROOT, "workers", WORKER_NAME,
                               "deploy.json")) as f:
            c = json.load(f)
        return c if isinstance(c, dict) else {}
    except (OSError, ValueError):
        return {}


def default_table():
    """The results table: the worker's deploy.json's, else ours."""
    t = worker_config().get("table")
    return t.get("name") if isinstance(t, dict) and \
        isinstance(t.get("name"), str) else DEFAULT_TABLE


def settings(cmd, env):
    """Everything the command needs, checked before any AWS call."""
    s = types.SimpleNamespace(dry_run=False)
    if cmd == "run" and not (env.get("REGION") or env.get("AWS_REGION") or
                             env.get("AWS_DEFAULT_REGION")):
        env = dict(env, REGION="us-east-1")
    s.region, s.partition = deploy.region_of(env)
    s.table = (env.get("RESULTS_TABLE") or "").strip() or default_table()
    if not re.fullmatch(r"[A-Za-z0-9_.-]{3,255}", s.table):
        raise deploy.ConfigError(f"RESULTS_TABLE={s.table!r} is not a table "
                                 "name")
    s.input_text, s.input = parse_input(env.get("INPUT", ""))
    if cmd == "e2e":
        s.size = size_setting(env, ["ARRAY_SIZE"], 2)
    else:
        s.size = size_setting(env, ["N", "ARRAY_SIZE"], 1)
    want = s.input.get("array_size")
    if want is not None and want != s.size:
        raise deploy.ConfigError(f"INPUT says array_size {want} but the "
                                 f"array size is {s.size}")
    s.page = (env.get("PAGE_SIZE") or "").strip()
    if s.page and not (s.page.isdigit() and int(s.page) > 0):
        raise deploy.ConfigError("PAGE_SIZE must be a positive integer")
    s.endpoint = env.get("AWS_ENDPOINT_URL") or ""
    if cmd == "run":
        jobs = (env.get("JOBS") or "").strip() or str(os.cpu_count() or 2)
        if not jobs.isdigit() or int(jobs) < 1:
            raise deploy.ConfigError(f"JOBS={jobs!r}: must be a positive "
                                     "integer")
        s.jobs = int(jobs)
        s.worker = env.get("WORKER") or os.path.join(
            ROOT, env.get("BUILD") or "build", "bin", WORKER_NAME)
        if not os.access(s.worker, os.X_OK):
            raise deploy.ConfigError(f"WORKER {s.worker} is not an "
                                     "executable (make array-worker)")
        s.parent = (env.get("PARENT_ID") or "").strip() or str(uuid.uuid4())
    elif cmd == "check":
        s.parent = (env.get("JOB_ID") or "").strip()
        if not s.parent:
            raise deploy.ConfigError("set JOB_ID=... (the parent job id)")
    else:
        s.bucket = (env.get("INPUT_BUCKET") or "").strip() or \
            str(worker_config().get("input_bucket") or "")
        s.timeout = int_setting(env, "TIMEOUT_SECONDS", 60, 60, 1209600)
        s.max_wait = int_setting(env, "E2E_TIMEOUT", 3600, 1, 86400 * 14)
        s.poll = int_setting(env, "POLL_SECONDS", 2, 0, 300)
        s.variants = deploy.truthy(env.get("VARIANTS", "1"))
        s.logs = deploy.truthy(env.get("LOGS"))
        s.queue = deploy.QUEUE
        s.jobdef = JOB_DEFINITION
    return s


def int_setting(env, name, dflt, lo, hi):
    """An integer variable in lo..hi (dflt when unset); ConfigError else."""
    v = (env.get(name) or "").strip()
    if not v:
        return dflt
    if not v.isdigit() or not lo <= int(v) <= hi:
        raise deploy.ConfigError(f"{name}={v!r}: must be an integer "
                                 f"{lo}..{hi}")
    return int(v)


# --- the expected results (the contract's work, recomputed) ---------------------

def expected(doc, parent, index, size):
    """The result object index `index` of `size` must produce for input
    doc (attempt left out: a retried child may write attempt > 1)."""
    message = doc.get("message", "Hello")
    items = [{"item": x, "bytes": len(x.encode("utf-8")),
              "sha256": hashlib.sha256(x.encode("utf-8")).hexdigest(),
              "greeting": f"{message} {x}"}
             for x in doc["items"][index::size]]
    r = {"job_id": parent, "index": index, "array_size": size,
         "items": items, "count": len(items)}
    if not items:
        r["note"] = "no items for this index"
    return r


def from_ddb(item):
    """A results-table item (DynamoDB JSON) as the result object; raises
    ValueError/KeyError/TypeError when an attribute has the wrong type."""
    def num(a):
        v = item[a]["N"]
        return int(v)
    out = {"job_id": item["job_id"]["S"], "index": num("index"),
           "array_size": num("array_size"), "attempt": num("attempt"),
           "count": num("count"), "items": []}
    for m in item["items"]["L"]:
        m = m["M"]
        if set(m) != {"item", "bytes", "sha256", "greeting"}:
            raise ValueError(f"item attributes {sorted(m)}")
        out["items"].append({"item": m["item"]["S"],
                             "bytes": int(m["bytes"]["N"]),
                             "sha256": m["sha256"]["S"],
                             "greeting": m["greeting"]["S"]})
    out["written_at"] = item["written_at"]["S"]
    return out


def diff(got, want):
    """A short description of how result got differs from want, or ""."""
    bad = []
    for k in ("job_id", "index", "array_size", "count"):
        if got.get(k) != want[k]:
            bad.append(f"{k} {got.get(k)!r} (want {want[k]!r})")
    gi, wi = got.get("items"), want["items"]
    if gi != wi:
        if not isinstance(gi, list) or len(gi) != len(wi):
            bad.append(f"{len(gi) if isinstance(gi, list) else gi!r} items "
                       f"(want {len(wi)})")
        else:
            j = next(j for j in range(len(wi)) if gi[j] != wi[j])
            keys = [k for k in wi[j] if gi[j].get(k) != wi[j][k]] or \
                sorted(set(gi[j]) - set(wi[j]))
            bad.append(f"items[{j}] ({wi[j]['item']!r}) wrong {', '.join(keys)}")
    a = got.get("attempt")
    if type(a) is not int or a < 1:
        bad.append(f"attempt {a!r}")
    return "; ".join(bad)


# --- the checker -------------------------------------------------------------------

def query_results(aws, table, parent, page=""):
    """Every results-table item of parent job `parent`, following
    LastEvaluatedKey page by page (consistent reads)."""
    items, start = [], None
    while True:
        args = ["--table-name", table, "--consistent-read",
                "--key-condition-expression", "#j = :j",
                "--expression-attribute-names", '{"#j":"job_id"}',
                "--expression-attribute-values",
                deploy.compact({":j": {"S": parent}}), "--no-paginate"]
        if page:
            args += ["--limit", page]
        if start:
            args += ["--exclusive-start-key", deploy.compact(start)]
        r = aws.call("dynamodb", "query", *args)
        items += r.get("Items", [])
        start = r.get("LastEvaluatedKey")
        if not start:
            return items


def check(aws, s, parent, stdout=None, out=say):
    """The checker, for both paths: the results table must hold every index
    0..size-1 of job `parent` exactly once, each with the values recomputed
    from the input; stdout (index -> the process's stdout text, local runs)
    must hold the same result as one JSON line. Prints one line per problem
    naming the index, then a summary; returns the number of problems."""
    size, problems = s.size, []
    rows = query_results(aws, s.table, parent, s.page)
    seen = {}
    for it in rows:
        try:
            r = from_ddb(it)
        except (KeyError, ValueError, TypeError) as e:
            idx = it.get("index", {}).get("N", "?")
            problems.append(f"index {idx}: malformed item ({e!r})")
            continue
        seen.setdefault(r["index"], []).append(r)
    for idx in sorted(seen):
        if not 0 <= idx < size:
            problems.append(f"index {idx}: unexpected (array size {size})")
        elif len(seen[idx]) > 1:
            problems.append(f"index {idx}: {len(seen[idx])} items")
    for i in range(size):
        want = expected(s.input, parent, i, size)
        got = seen.get(i)
        if not got:
            problems.append(f"index {i}: missing from {s.table}")
        else:
            d = diff(got[0], want)
            if not RFC3339.fullmatch(got[0]["written_at"]):
                d = "; ".join(x for x in (d, "written_at "
                                          f"{got[0]['written_at']!r}") if x)
            if d:
                problems.append(f"index {i}: wrong in {s.table}: {d}")
        if stdout is not None:
            lines = [ln for ln in stdout.get(i, "").splitlines() if ln.strip()]
            try:
                if len(lines) != 1:
                    raise ValueError(f"{len(lines)} lines")
                line = json.loads(lines[0])
            except ValueError as e:
                problems.append(f"index {i}: stdout is not one JSON line ({e})")
                continue
            d = diff(line, want)
            if line.get("note") != want.get("note"):
                d = "; ".join(x for x in (d, f"note {line.get('note')!r}")
                              if x)
            if line.get("attempt") != 1:
                d = "; ".join(x for x in (d, "attempt "
                                          f"{line.get('attempt')!r} (want 1)")
                              if x)
            if d:
                problems.append(f"index {i}: wrong on stdout: {d}")
    for p in problems:
        out(f"check: {p}")
    n_ok = size - len({p.split(":")[0] for p in problems})
    out(f"check: job {parent}: {len(rows)} items in {s.table}, "
        f"{max(n_ok, 0)} of {size} indexes right, {len(problems)} problem(s)"
        + ("" if stdout is None else ", stdout lines compared"))
    return len(problems)


# --- run: the local array -------------------------------------------------------------

def child_env(base, s, index):
    """The environment Batch gives child `index` of s.size (a single job
    when the size is 1: no array index, its own id), plus ours."""
    e = dict(base)
    for k in [k for k in e if k.startswith("AWS_BATCH_")]:
        del e[k]
    if s.size == 1:
        e["AWS_BATCH_JOB_ID"] = s.parent
    else:
        e["AWS_BATCH_JOB_ID"] = f"{s.parent}:{index}"
        e["AWS_BATCH_JOB_ARRAY_INDEX"] = str(index)
    e.update(AWS_BATCH_JOB_ATTEMPT="1", AWS_BATCH_JQ_NAME=deploy.QUEUE,
             AWS_BATCH_CE_NAME=deploy.CE_SPOT, JOB_INPUT=s.input_text,
             ARRAY_SIZE=str(s.size), RESULTS_TABLE=s.table)
    e.pop("JOB_INPUT_URI", None)
    return e


def launch_plain(argv, env, index):
    """Runs one child to completion: (exit code, stdout, stderr)."""
    p = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def run_children(s, argv, base_env, launch=launch_plain):
    """Runs children 0..s.size-1, at most s.jobs at once; returns
    index -> launch()'s answer, in index order."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=s.jobs) as pool:
        futs = {i: pool.submit(launch, argv, child_env(base_env, s, i), i)
                for i in range(s.size)}
        return {i: futs[i].result() for i in range(s.size)}


def ensure_table(aws, table):
    """Creates the results table (job_id S, index N, on demand) unless it
    exists; waits until it is ACTIVE."""
    r = aws.call("dynamodb", "describe-table", "--table-name", table,
                 ok=("ResourceNotFoundException",))
    if r is None:
        aws.call("dynamodb", "create-table", "--table-name", table,
                 "--attribute-definitions",
                 deploy.compact([{"AttributeName": "job_id",
                                  "AttributeType": "S"},
                                 {"AttributeName": "index",
                                  "AttributeType": "N"}]),
                 "--key-schema",
                 deploy.compact([{"AttributeName": "job_id", "KeyType": "HASH"},
                                 {"AttributeName": "index",
                                  "KeyType": "RANGE"}]),
                 "--billing-mode", "PAY_PER_REQUEST")
        say(f"run: created table {table}")
    deadline = time.time() + 120
    while (r or {}).get("Table", {}).get("TableStatus") != "ACTIVE":
        if time.time() > deadline:
            raise deploy.AwsError(f"table {table} not ACTIVE after 120 s")
        time.sleep(0.5 if r is None else 2)
        r = aws.call("dynamodb", "describe-table", "--table-name", table)


def embedded_aws(s):
    """Starts moto_server (IAM auth on) via tests/lib/swtest.py's Moto:
    returns (moto, admin environment, worker environment)."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
    import swtest
    os.makedirs(os.path.join(swtest.BUILD, "test", "logs"), exist_ok=True)
    moto = swtest.Moto()
    admin = moto.env(moto.admin_key, AWS_PAGER="")
    worker = moto.env(moto.worker_user(WORKER_NAME))
    for e in (admin, worker):
        e["AWS_REGION"] = e["AWS_DEFAULT_REGION"] = s.region
    say(f"run: moto_server on {moto.endpoint} (IAM auth on; the worker signs "
        f"as a user holding policies/{WORKER_NAME}.json)")
    return moto, admin, worker


def cmd_run(s, launch=launch_plain, out=say):
    """`make run-array`: the local array, then the checker. Returns the
    exit code (0 all right, 1 a failed child or a wrong result)."""
    moto = None
    aws = deploy.Aws(s)
    try:
        if s.endpoint:
            admin = worker_env = dict(os.environ, AWS_PAGER="")
            out(f"run: against {s.endpoint} (AWS_ENDPOINT_URL)")
        else:
            moto, admin, worker_env = embedded_aws(s)
        aws.env = admin
        ensure_table(aws, s.table)
        out(f"run: job {s.parent}: {s.size} process(es) of "
            f"{os.path.relpath(s.worker, ROOT)}, at most {s.jobs} at once")
        t0 = time.monotonic()
        res = run_children(s, [s.worker], worker_env, launch)
        wall = time.monotonic() - t0
        failed = [i for i, r in res.items() if r[0] != 0]
        for i in failed[:20]:
            err = (res[i][2] or "").strip().splitlines()
            out(f"run: index {i}: exit {res[i][0]}: "
                f"{err[-1] if err else '(no stderr)'}")
        out(f"run: {s.size - len(failed)} of {s.size} exited 0 in "
            f"{wall:.2f} s")
        if s.size <= SHOW_LINES:
            for i, r in res.items():
                line = (r[1] or "").strip()
                out(f"run: index {i} stdout: "
                    f"{line[:150] + ' ...' if len(line) > 150 else line}")
        bad = check(aws, s, s.parent, {i: r[1] for i, r in res.items()}, out)
        return 1 if failed or bad else 0
    finally:
        if moto is not None:
            moto.stop()


# --- e2e: AWS Batch -------------------------------------------------------------------

def submit(aws, s, name, overrides, extra=()):
    """Submits one array job of s.size; returns its job id."""
    r = aws.call("batch", "submit-job", "--job-name", name,
                 "--job-queue", s.queue, "--job-definition", s.jobdef,
                 "--array-properties", f"size={s.size}",
                 "--container-overrides", deploy.compact(overrides), *extra)
    return r["jobId"]


def describe(aws, ids):
    """describe-jobs for up to 100 ids: id -> job."""
    r = aws.call("batch", "describe-jobs", "--jobs", *ids)
    return {j["jobId"]: j for j in r.get("jobs", [])}


def poll(aws, s, ids, label):
    """Polls the parents in ids with exponential backoff until every child
    is terminal, printing "succeeded S / failed F / running R of N" per
    job on each change; returns id -> final job. AwsError on a timeout."""
    deadline = time.time() + s.max_wait
    delay, last = s.poll, {}
    while True:
        jobs = describe(aws, ids)
        done = True
        for jid in ids:
            j = jobs.get(jid)
            if j is None:
                raise deploy.AwsError(f"describe-jobs does not know {jid}")
            st = (j.get("arrayProperties") or {}).get("statusSummary") or {}
            sc, fc = st.get("SUCCEEDED", 0), st.get("FAILED", 0)
            line = (f"succeeded {sc} / failed {fc} / running "
                    f"{st.get('RUNNING', 0) + st.get('STARTING', 0)} of "
                    f"{s.size}")
            if last.get(jid) != line:
                say(f"e2e: {label[jid]} {jid}: {line}")
                last[jid] = line
            if sc + fc < s.size and j.get("status") not in ("SUCCEEDED",
                                                            "FAILED"):
                done = False
        if done:
            return jobs
        if time.time() + delay > deadline:
            raise deploy.AwsError(f"children still not terminal after "
                                  f"{s.max_wait} s (E2E_TIMEOUT)")
        time.sleep(delay)
        delay = min(max(delay * 2, 1), 30)


def input_overrides(aws, s):
    """containerOverrides for the input: JOB_INPUT inline, or, over
    Batch's 8 KiB limit, JOB_INPUT_URI after uploading to INPUT_BUCKET."""
    env = [{"name": "JOB_INPUT", "value": s.input_text},
           {"name": "RESULTS_TABLE", "value": s.table}]
    if len(deploy.compact({"environment": env}).encode()) <= OVERRIDE_LIMIT:
        return {"environment": env}
    if not s.bucket:
        raise deploy.ConfigError(f"INPUT is over Batch's {OVERRIDE_LIMIT}-"
                                 "byte override limit: set INPUT_BUCKET=... "
                                 "to pass it through S3")
    key = f"{deploy.PROJECT}/array-input/{uuid.uuid4()}.json"
    with tempfile.NamedTemporaryFile("w", suffix=".json",
                                     encoding="utf-8") as f:
        f.write(s.input_text)
        f.flush()
        aws.call("s3api", "put-object", "--bucket", s.bucket, "--key", key,
                 "--body", f.name, "--content-type", "application/json")
    uri = f"s3://{s.bucket}/{key}"
    say(f"e2e: input is {len(s.input_text.encode())} bytes: uploaded to {uri}")
    return {"environment": [{"name": "JOB_INPUT_URI", "value": uri},
                            {"name": "RESULTS_TABLE", "value": s.table}]}


def verify_fields(jobs, s, first, variants):
    """Checks what describe-jobs shows for the variants: dependsOn with its
    type, arrayProperties.size, timeout. Returns a list of problems."""
    bad = []
    for jid, (kind, want_dep, want_timeout) in variants.items():
        j = jobs[jid]
        got_dep = [{k: d[k] for k in ("jobId", "type") if d.get(k)}
                   for d in j.get("dependsOn") or []]
        size = (j.get("arrayProperties") or {}).get("size")
        tmo = (j.get("timeout") or {}).get("attemptDurationSeconds")
        st = []
        if got_dep != want_dep:
            st.append(f"dependsOn {got_dep} (want {want_dep})")
        if size != s.size:
            st.append(f"arrayProperties.size {size} (want {s.size})")
        if tmo != want_timeout:
            st.append(f"timeout.attemptDurationSeconds {tmo} "
                      f"(want {want_timeout})")
        if st:
            bad.append(f"{kind} {jid}: " + "; ".join(st))
        else:
            say(f"e2e: {kind} {jid}: dependsOn {got_dep or 'none'}, size "
                f"{size}, attempt timeout {tmo or 'job definition default'}"
                ": as submitted")
    return bad


def compare_logs(aws, s, parent, jobs_group):
    """Compares the result line each child logged (CloudWatch Logs, first
    LOG_SAMPLE indexes) with the expected result; returns problems."""
    bad = []
    ids = [f"{parent}:{i}" for i in range(min(s.size, LOG_SAMPLE))]
    kids = describe(aws, ids)
    for i, cid in enumerate(ids):
        stream = ((kids.get(cid) or {}).get("container") or {}).get(
            "logStreamName")
        if not stream:
            bad.append(f"index {i}: no log stream in describe-jobs")
            continue
        ev = aws.call("logs", "get-log-events", "--log-group-name",
                      jobs_group, "--log-stream-name", stream,
                      "--start-from-head", ok=("ResourceNotFoundException",))
        lines = []
        for e in (ev or {}).get("events", []):
            try:
                d = json.loads(e["message"])
            except ValueError:
                continue
            if isinstance(d, dict) and "index" in d and "items" in d:
                lines.append(d)
        want = expected(s.input, parent, i, s.size)
        if not lines:
            bad.append(f"index {i}: no result line in {jobs_group} {stream}")
        elif diff(lines[-1], want):
            bad.append(f"index {i}: logged result wrong: "
                       f"{diff(lines[-1], want)}")
    say(f"e2e: CloudWatch Logs: {len(ids)} result line(s) compared, "
        f"{len(bad)} problem(s)")
    return bad


def cmd_e2e(s):
    """`make e2e`: submit, poll, verify the variants' fields, check every
    job's results. Returns the exit code."""
    aws = deploy.Aws(s)
    overrides = input_overrides(aws, s)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    first = submit(aws, s, f"{JOB_DEFINITION}-{stamp}", overrides)
    say(f"e2e: submitted array job {first} (size {s.size}) to queue "
        f"{s.queue}, job definition {s.jobdef}")
    label = {first: "array job"}
    variants = {}
    if s.variants:
        j = submit(aws, s, f"{JOB_DEFINITION}-{stamp}-n2n", overrides,
                   ["--depends-on", f"jobId={first},type=N_TO_N"])
        variants[j] = ("N_TO_N dependent", [{"jobId": first,
                                             "type": "N_TO_N"}], None)
        k = submit(aws, s, f"{JOB_DEFINITION}-{stamp}-seq", overrides,
                   ["--depends-on", "type=SEQUENTIAL"])
        variants[k] = ("SEQUENTIAL", [{"type": "SEQUENTIAL"}], None)
        m = submit(aws, s, f"{JOB_DEFINITION}-{stamp}-timeout", overrides,
                   ["--timeout", f"attemptDurationSeconds={s.timeout}"])
        variants[m] = ("attempt timeout", [], s.timeout)
        for jid, v in variants.items():
            label[jid] = v[0]
            say(f"e2e: submitted {v[0]} array job {jid}")
    ids = [first] + list(variants)
    jobs = poll(aws, s, ids, label)
    problems = verify_fields(jobs, s, first, variants)
    for p in problems:
        say(f"e2e: {p}")
    failed = 0
    for jid in ids:
        st = (jobs[jid].get("arrayProperties") or {}).get("statusSummary", {})
        failed += st.get("FAILED", 0)
        problems_here = check(aws, s, jid)
        failed += problems_here
    if s.logs and not s.endpoint:
        problems += compare_logs(aws, s, first,
                                 f"/{deploy.PROJECT}/{WORKER_NAME}")
    else:
        say("e2e: CloudWatch Logs not compared: "
            + ("set LOGS=1" if not s.endpoint else
               f"{s.endpoint} is a local endpoint (moto runs no containers, "
               "so there are no log streams)"))
    ok = not problems and not failed
    say(f"e2e: {'PASS' if ok else 'FAIL'}: {len(ids)} array job(s) of "
        f"{s.size}")
    return 0 if ok else 1


# --- main -------------------------------------------------------------------------------

def main(argv):
    """Parses the command and settings, runs it; returns the exit code."""
    cmds = ("run", "e2e", "check")
    if len(argv) != 2 or argv[1] not in cmds:
        print(f"array: usage: runner.py {'|'.join(cmds)} (settings in the "
              "environment; see the top of this file)", file=sys.stderr)
        return 2
    try:
        s = settings(argv[1], os.environ)
        if argv[1] == "run":
            return cmd_run(s)
        if argv[1] == "e2e":
            return cmd_e2e(s)
        return 1 if check(deploy.Aws(s), s, s.parent) else 0
    except deploy.ConfigError as e:
        print(f"array: {e}", file=sys.stderr)
        return 2
    except deploy.AwsError as e:
        print(f"array: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
