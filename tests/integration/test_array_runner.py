#!/usr/bin/env python3
"""test_array_runner - the array-job runner and checker (deploy/runner.py,
deploy/array.mk) against moto_server with IAM auth on.

- `make run-array` of sizes 1, 2, 7 and 100: the runner starts its own
  moto_server, signs the worker (the sanitizer build of array-worker) as a
  user holding policies/array-worker.json, and checks table and stdout.
- The checker against a table the test can change: a correct run passes
  (with 2-item Query pages, so pagination is exercised), then a deleted
  item, an altered sha256, a wrong count and an index out of range each
  make it exit 1 with a line naming the index.
- A failing worker makes the run exit 1 naming the index.
- `make e2e` against moto's Batch with use_docker off (moto then marks
  every child SUCCEEDED at submit without running a container). The queue
  and job definition are a minimal pair made here with the AWS CLI (the
  names deploy.py uses; a fake image digest), not `make deploy`: deploy
  needs the worker's image digest and deploy.json, and nothing it adds
  matters to this path. Asserted: the submit/poll path and its progress
  lines, the N_TO_N / SEQUENTIAL dependsOn types, array size and attempt
  timeout as describe-jobs returns them, the container overrides, and that
  the checker then reports every result missing (moto ran nothing). Then
  the test fills in the first job's results by running the real worker
  with that parent id, and the checker passes ("pre-filled" mode).
- An input over Batch's 8 KiB override limit goes to S3 (INPUT_BUCKET,
  default the worker's deploy.json input_bucket) and the job gets
  JOB_INPUT_URI instead of JOB_INPUT.
- Settings errors exit 2 before any AWS call (the endpoint is a closed
  port, so a call would fail with exit 1 instead).
"""
import json
import os
import re
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(__file__) + "/../lib")
from swtest import BUILD, REGION, TEST_BIN, Moto, Tap, free_port  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "deploy"))
import runner  # noqa: E402

WORKER = os.environ.get("SW_ARRAY_WORKER") or \
    os.path.join(TEST_BIN, "array-worker")
TABLE = "scratchwork-array-results"
ITEMS = [f"item-{i:03d}" for i in range(150)] + ["héllo ☃", "", "x" * 1024]
INPUT = json.dumps({"message": "Hi there", "items": ITEMS})

t = Tap()
os.makedirs(os.path.join(BUILD, "test", "logs"), exist_ok=True)


def clean_env(**extra):
    """This environment without AWS settings or make flags, plus extra."""
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("AWS_") and k not in ("MAKEFLAGS", "MFLAGS",
                                                   "REGION", "N", "INPUT")}
    e.update({k: str(v) for k, v in extra.items()})
    return e


def make(goal, env, **var):
    """`make goal VAR=...`: (exit code, stdout, stderr)."""
    p = subprocess.run(["make", "--no-print-directory", "-s", "-C", REPO,
                        goal] + [f"{k}={v}" for k, v in var.items()],
                       env=env, capture_output=True, text=True, timeout=240)
    return p.returncode, p.stdout, p.stderr


def runner_py(cmd, env):
    """deploy/runner.py CMD: (exit code, stdout, stderr)."""
    p = subprocess.run([sys.executable, os.path.join(REPO, "deploy",
                                                     "runner.py"), cmd],
                       env={k: str(v) for k, v in env.items()},
                       capture_output=True, text=True, timeout=240)
    return p.returncode, p.stdout, p.stderr


def test_settings_errors():
    dead = f"http://127.0.0.1:{free_port()}"
    base = clean_env(AWS_ENDPOINT_URL=dead, AWS_ACCESS_KEY_ID="x",
                     AWS_SECRET_ACCESS_KEY="y", REGION=REGION,
                     WORKER=WORKER)
    cases = [
        ("run", {"N": "3", "INPUT": '{"items":["a",7]}'},
         "items[1] is not a string"),
        ("run", {"N": "3", "INPUT": "{not json"}, "INPUT: not JSON"),
        ("run", {"N": "10001", "INPUT": INPUT}, "N='10001'"),
        ("run", {"N": "3", "INPUT": '{"items":[],"array_size":4}'},
         "array_size 4 but the array size is 3"),
        ("run", {"N": "3", "INPUT": "@/nonexistent/in.json"},
         "cannot read /nonexistent/in.json"),
        ("run", {"N": "3", "INPUT": INPUT, "JOBS": "0"}, "JOBS='0'"),
        ("e2e", {"ARRAY_SIZE": "1", "INPUT": INPUT}, "ARRAY_SIZE='1'"),
        ("e2e", {"ARRAY_SIZE": "10001", "INPUT": INPUT}, "2..10000"),
        ("e2e", {"ARRAY_SIZE": "3", "INPUT": '{"items":["a"],'
                 '"array_size":5}'}, "array_size 5 but the array size is 3"),
        ("check", {"N": "3", "INPUT": INPUT}, "set JOB_ID"),
    ]
    wrong = []
    for cmd, var, want in cases:
        rc, out, err = runner_py(cmd, dict(base, **var))
        lines = err.strip().splitlines()
        if rc != 2 or len(lines) != 1 or want not in lines[0]:
            wrong.append(f"{cmd} {var.get('N') or var.get('ARRAY_SIZE')}: "
                         f"rc {rc}, stderr {err.strip()!r}, want {want!r}")
    t.eq(wrong, [], f"{len(cases)} bad settings: exit 2, one stderr line "
         "naming the problem, no AWS call")


def test_local_sizes():
    for n in (1, 2, 7, 100):
        rc, out, err = make("run-array", clean_env(), N=n, INPUT=INPUT,
                            WORKER=WORKER, JOBS=2)
        m = re.search(r"check: job (\S+): (\d+) items in \S+, (\d+) of (\d+) "
                      r"indexes right, 0 problem\(s\), stdout lines compared",
                      out)
        t.ok(rc == 0 and m and m.group(2) == m.group(3) == m.group(4) == str(n)
             and f"{n} of {n} exited 0" in out and
             "IAM auth on" in out and "created table" in out,
             f"make run-array N={n}: embedded moto (IAM on, worker policy), "
             f"{n} processes, every index right in the table and on stdout",
             out + err)


def admin_env(moto, **extra):
    """Environment signed as moto's admin user, for the runner."""
    e = moto.env(moto.admin_key, AWS_PAGER="", AWS_DEFAULT_REGION=REGION,
                 REGION=REGION)
    for k in ("MAKEFLAGS", "MFLAGS", "N", "INPUT"):
        e.pop(k, None)
    e.update({k: str(v) for k, v in extra.items()})
    return e


def test_checker(moto):
    parent = "check-parent-1"
    n = 5
    env = admin_env(moto, N=n, INPUT=INPUT, WORKER=WORKER, JOBS=2,
                    PARENT_ID=parent, PAGE_SIZE=2, RESULTS_TABLE=TABLE)
    rc, out, err = runner_py("run", env)
    t.ok(rc == 0 and f"5 items in {TABLE}, 5 of 5 indexes right, 0 problem"
         in out, "run against AWS_ENDPOINT_URL (2-item Query pages): all 5 "
         "indexes right", out + err)
    ddb = moto.admin("dynamodb")
    key3 = {"job_id": {"S": parent}, "index": {"N": "3"}}
    item3 = ddb.get_item(TableName=TABLE, Key=key3, ConsistentRead=True)["Item"]
    ddb.delete_item(TableName=TABLE, Key=key3)
    rc, out, err = runner_py("check", dict(env, JOB_ID=parent))
    t.ok(rc == 1 and f"check: index 3: missing from {TABLE}" in out and
         "4 of 5 indexes right, 1 problem(s)" in out,
         "checker: a deleted item -> exit 1, 'index 3: missing'", out + err)
    ddb.put_item(TableName=TABLE, Item=item3)
    key1 = {"job_id": {"S": parent}, "index": {"N": "1"}}
    item1 = ddb.get_item(TableName=TABLE, Key=key1, ConsistentRead=True)["Item"]
    bad = json.loads(json.dumps(item1))
    bad["items"]["L"][2]["M"]["sha256"]["S"] = "0" * 64
    ddb.put_item(TableName=TABLE, Item=bad)
    rc, out, err = runner_py("check", dict(env, JOB_ID=parent))
    t.ok(rc == 1 and re.search(r"check: index 1: wrong in \S+: items\[2\] "
                               r"\('item-011'\) wrong sha256", out) and
         "1 problem(s)" in out,
         "checker: an altered sha256 -> exit 1 naming index 1 and the item",
         out + err)
    bad = json.loads(json.dumps(item1))
    bad["count"]["N"] = "9"
    ddb.put_item(TableName=TABLE, Item=bad)
    extra = json.loads(json.dumps(item1))
    extra["index"]["N"] = "7"
    ddb.put_item(TableName=TABLE, Item=extra)
    rc, out, err = runner_py("check", dict(env, JOB_ID=parent))
    t.ok(rc == 1 and "check: index 1: wrong in" in out and
         "count 9 (want " in out and
         "check: index 7: unexpected (array size 5)" in out,
         "checker: a wrong count and an index out of range are named",
         out + err)
    ddb.put_item(TableName=TABLE, Item=item1)
    ddb.delete_item(TableName=TABLE, Key={"job_id": {"S": parent},
                                          "index": {"N": "7"}})
    rc, out, err = runner_py("check", dict(env, JOB_ID=parent))
    t.ok(rc == 0 and "5 of 5 indexes right, 0 problem(s)" in out,
         "checker: the restored table passes again", out + err)
    rc, out, err = runner_py("run", dict(env, PARENT_ID="fails",
                                         WORKER="/bin/false"))
    t.ok(rc == 1 and "run: index 0: exit 1" in out and
         "0 of 5 exited 0" in out and "index 4: missing" in out,
         "a failing worker: exit 1, each index's exit code named", out + err)


def aws(env, *args):
    """One AWS CLI call as the admin user; its JSON answer."""
    p = subprocess.run(["aws", *args, "--region", REGION, "--output",
                        "json"], env=env, capture_output=True, text=True,
                       timeout=60)
    if p.returncode:
        raise RuntimeError(f"aws {' '.join(args)}: {p.stderr.strip()}")
    return json.loads(p.stdout) if p.stdout.strip() else {}


def batch_setup(moto, env):
    """moto's Batch without Docker; a minimal Fargate Spot compute
    environment, the queue and the job definition, named as deploy.py
    names them."""
    req = urllib.request.Request(
        moto.endpoint + "/moto-api/config", method="POST",
        data=json.dumps({"batch": {"use_docker": False}}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        cfg = json.load(r)
    t.eq(cfg.get("batch"), {"use_docker": False},
         "moto-api config: batch use_docker off")
    role = aws(env, "iam", "create-role", "--role-name", "batch-service",
               "--assume-role-policy-document", json.dumps(
                   runner.deploy.trust("batch.amazonaws.com")))["Role"]["Arn"]
    vpc = aws(env, "ec2", "describe-vpcs", "--filters",
              "Name=isDefault,Values=true")["Vpcs"][0]["VpcId"]
    subnet = aws(env, "ec2", "describe-subnets", "--filters",
                 f"Name=vpc-id,Values={vpc}")["Subnets"][0]["SubnetId"]
    sg = aws(env, "ec2", "describe-security-groups", "--filters",
             f"Name=vpc-id,Values={vpc}")["SecurityGroups"][0]["GroupId"]
    ce = aws(env, "batch", "create-compute-environment",
             "--compute-environment-name", runner.deploy.CE_SPOT,
             "--type", "MANAGED", "--state", "ENABLED", "--service-role",
             role, "--compute-resources", json.dumps(
                 {"type": "FARGATE_SPOT", "maxvCpus": 4, "subnets": [subnet],
                  "securityGroupIds": [sg]}))["computeEnvironmentArn"]
    aws(env, "batch", "create-job-queue", "--job-queue-name",
        runner.deploy.QUEUE, "--state", "ENABLED", "--priority", "1",
        "--compute-environment-order",
        json.dumps([{"order": 1, "computeEnvironment": ce}]))
    aws(env, "batch", "register-job-definition", "--job-definition-name",
        runner.JOB_DEFINITION, "--type", "container",
        "--platform-capabilities", "FARGATE", "--container-properties",
        json.dumps({"image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/"
                    "scratchwork/array-worker@sha256:" + "ab" * 32,
                    "resourceRequirements": [
                        {"type": "VCPU", "value": "0.25"},
                        {"type": "MEMORY", "value": "512"}]}),
        "--timeout", "attemptDurationSeconds=300")


def test_e2e(moto):
    env = admin_env(moto, RESULTS_TABLE=TABLE)
    batch_setup(moto, env)
    n = 4
    rc, out, err = make("e2e", env, ARRAY_SIZE=n, INPUT=INPUT,
                        TIMEOUT_SECONDS=120, POLL_SECONDS=1)
    ids = {v: k or "first" for k, v in
           re.findall(r"e2e: submitted (?:(N_TO_N dependent|SEQUENTIAL|"
                      r"attempt timeout) )?array job (\S+)", out)}
    first = next((j for j, k in ids.items() if k == "first"), None)
    t.ok(rc == 2 and "e2e] Error 1" in err and len(ids) == 4 and first,
         "make e2e on moto: 4 array jobs submitted; the runner exits 1 (no "
         "results: moto ran no containers)", out + err)
    if not first:
        return
    progress = re.findall(r"e2e: .* (\S+): succeeded (\d+) / failed (\d+) / "
                          r"running (\d+) of (\d+)", out)
    t.ok(sorted(j for j, *_ in progress) == sorted(ids) and
         all((s, f, r, m) == (str(n), "0", "0", str(n))
             for _, s, f, r, m in progress),
         "progress line 'succeeded 4 / failed 0 / running 0 of 4' per job",
         out)
    t.ok(out.count("as submitted") == 3 and
         f"dependsOn [{{'jobId': '{first}', 'type': 'N_TO_N'}}], size 4"
         in out and "dependsOn [{'type': 'SEQUENTIAL'}], size 4" in out and
         "attempt timeout 120: as submitted" in out,
         "runner verified the variants' fields as describe-jobs shows them",
         out)
    jobs = {j["jobId"]: j for j in aws(env, "batch", "describe-jobs",
                                       "--jobs", *ids)["jobs"]}
    by = {ids[j]: jobs[j] for j in ids}
    t.eq([(k, by[k].get("dependsOn"), by[k]["arrayProperties"]["size"],
           (by[k].get("timeout") or {}).get("attemptDurationSeconds"))
          for k in ("first", "N_TO_N dependent", "SEQUENTIAL",
                    "attempt timeout")],
         [("first", [], n, None),
          ("N_TO_N dependent", [{"jobId": first, "type": "N_TO_N"}], n, None),
          ("SEQUENTIAL", [{"type": "SEQUENTIAL"}], n, None),
          ("attempt timeout", [], n, 120)],
         "describe-jobs (read back here): dependsOn types N_TO_N and "
         "SEQUENTIAL, size, attempt timeout")
    envs = {e["name"]: e["value"]
            for e in by["first"]["container"]["environment"]}
    t.ok(envs.get("JOB_INPUT") == runner.parse_input(INPUT)[0] and
         envs.get("RESULTS_TABLE") == TABLE,
         "containerOverrides: JOB_INPUT (compact) and RESULTS_TABLE reach "
         "the job", envs)
    missing = re.findall(r"check: index (\d+): missing from", out)
    t.ok(len(missing) == 4 * n and
         "moto runs no containers" in out and "e2e: FAIL" in out,
         "checker after e2e: every index of the 4 jobs reported missing; "
         "CloudWatch Logs comparison skipped with the reason", out)
    # Pre-fill: the worker itself writes the first job's results.
    renv = dict(env, N=n, INPUT=INPUT, WORKER=WORKER, JOBS=2, PARENT_ID=first)
    rc, out, err = runner_py("run", renv)
    t.ok(rc == 0, "worker run with the first job's parent id", out + err)
    rc, out, err = make("check-array", env, JOB_ID=first, N=n, INPUT=INPUT)
    t.ok(rc == 0 and f"check: job {first}: {n} items in {TABLE}, {n} of {n} "
         "indexes right, 0 problem(s)" in out,
         "make check-array: the pre-filled results of the e2e job pass",
         out + err)


def test_e2e_s3_input(moto):
    env = admin_env(moto, RESULTS_TABLE=TABLE)
    bucket = runner.worker_config()["input_bucket"]
    aws(env, "s3api", "create-bucket", "--bucket", bucket)
    big = {"message": "big", "items": [f"{i:04d}-" + "z" * 600
                                       for i in range(20)]}
    rc, out, err = make("e2e", env, ARRAY_SIZE=2, INPUT=json.dumps(big),
                        VARIANTS=0,
                        POLL_SECONDS=1)
    m = re.search(rf"uploaded to (s3://{bucket}/(\S+))", out)
    jid = re.search(r"submitted array job (\S+)", out)
    ok = bool(m and jid)
    if ok:
        job = aws(env, "batch", "describe-jobs", "--jobs",
                  jid.group(1))["jobs"][0]
        envs = {e["name"]: e["value"] for e in job["container"]["environment"]}
        obj = moto.admin("s3").get_object(Bucket=bucket,
                                          Key=m.group(2))["Body"].read()
        ok = envs.get("JOB_INPUT_URI") == m.group(1) and \
            "JOB_INPUT" not in envs and json.loads(obj) == big
    t.ok(rc == 2 and "e2e] Error 1" in err and ok and
         "index 1: missing" in out,
         "input over 8 KiB: uploaded to the deploy.json input_bucket (no "
         "INPUT_BUCKET given), the job gets "
         "JOB_INPUT_URI (not JOB_INPUT), the object is the input", out + err)


t.run(test_settings_errors)
if not os.access(WORKER, os.X_OK):
    t.ok(False, f"{WORKER} is built (make test-build)")
    t.done()
t.run(test_local_sizes)
moto = Moto()
t.run(lambda: test_checker(moto), "checker")
t.run(lambda: test_e2e(moto), "e2e")
t.run(lambda: test_e2e_s3_input(moto), "e2e S3 input")
moto.stop()
t.done()
