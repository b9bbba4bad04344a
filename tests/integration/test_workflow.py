#!/usr/bin/env python3
"""test_workflow - the workflow worker (workers/workflow) against
moto_server's Batch (use_docker off: a job is SUCCEEDED at submit, or
FAILED when the server runs with MOTO_SIMPLE_BATCH_FAIL_AFTER) and
DynamoDB, with IAM auth on: the worker signs as a user holding exactly
policies/workflow.json (Resources rewritten to "*", as moto needs).

Every worker request goes through tests/lib/faultproxy.py, which forwards
it unchanged and counts SubmitJob / DescribeJobs calls by path. Where a
test needs Batch to say something moto's Batch never says (a job still
RUNNING, one step FAILED while the others succeed), the proxy rewrites the
DescribeJobs answer: moto has no way to hold a job or fail just one.

Covered:
- a diamond graph given in reverse order: submitted in topological order,
  each job's dependsOn (read back with boto3 describe_jobs) the right ids,
  every step recorded SUCCEEDED with attempts and times; exit 0, summary
  line on stdout; the SNS summary reaches a subscribed SQS queue;
- the same SCHEDULED_TIME again: one run item, no second submission;
- a cycle and an unknown dependency: exit 2, one stderr line naming the
  steps, no AWS request at all;
- a run on a server that fails every job: run FAILED, exit 4;
- a run with one failed step, then `restart`: only that step and its
  dependent resubmitted, the succeeded one kept and dropped from
  dependsOn, old job ids kept in each step's history;
- resume: the worker killed mid-poll, then killed while submitting (the
  second step's SubmitJob held), started again: nothing submitted twice,
  the unsubmitted steps submitted, the run finished;
- 120 independent steps from SCHEDULES_TABLE: DescribeJobs in pages of
  100 (two calls a round), all 120 recorded;
- array steps: N_TO_N and SEQUENTIAL dependsOn types and sizes;
- configuration errors exit 2 before any request; `check` of the
  repository's graph.
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__) + "/../lib")
from faultproxy import FaultProxy, Response  # noqa: E402
from swtest import (BUILD, REGION, ROOT, TEST_BIN, Moto, Tap,  # noqa: E402
                    start, wait_for)

WORKER = os.environ.get("SW_WORKFLOW") or os.path.join(TEST_BIN, "workflow")
HISTORY = "workflow-history"
SCHEDULES = "workflow-schedules"
QUEUE = "scratchwork"
TMP = os.path.join(BUILD, "test", "workflow")

t = Tap()
os.makedirs(TMP, exist_ok=True)
os.makedirs(os.path.join(BUILD, "test", "logs"), exist_ok=True)


def step(name, deps=(), jd="scratchwork-step", **extra):
    s = {"name": name, "jobDefinition": jd, "jobQueue": QUEUE}
    if deps:
        s["dependsOn"] = list(deps)
    s.update(extra)
    return s


def write_schedule(sid, steps):
    path = os.path.join(TMP, f"{sid}.json")
    with open(path, "w") as f:
        json.dump({"scheduleId": sid, "steps": steps}, f)
    return path


class Counting(FaultProxy):
    """A pass-through proxy counting Batch operations by path; rewrite(op,
    request_json, answer_json) may return a changed DescribeJobs answer;
    hold(n) is called before the n-th SubmitJob is forwarded."""

    def __init__(self, upstream, rewrite=None, hold=None):
        self.ops = {}
        self.rewrite = rewrite
        self.hold = hold
        super().__init__(upstream, transform=self._t)

    def _t(self, req, forward):
        op = req.path.split("?")[0].rstrip("/").split("/")[-1] \
            if req.path.startswith("/v1/") else req.target.split(".")[-1]
        with self._lock:
            self.ops[op] = self.ops.get(op, 0) + 1
            n = self.ops[op]
        if op == "submitjob" and self.hold:
            r = self.hold(n)
            if r is not None:
                return r
        if op == "describejobs" and self.rewrite:
            resp = forward()
            if resp.status == 200:
                body = resp.json()
                self.rewrite(body["jobs"])
                return Response(200, resp.headers, json.dumps(body).encode())
        return None

    def n(self, op):
        return self.ops.get(op, 0)


def batch_setup(moto):
    """Batch without Docker; compute environment, queue, job definitions."""
    req = urllib.request.Request(
        moto.endpoint + "/moto-api/config", method="POST",
        data=json.dumps({"batch": {"use_docker": False}}).encode(),
        headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=10).read()
    iam, ec2, b = moto.admin("iam"), moto.admin("ec2"), moto.admin("batch")
    role = iam.create_role(RoleName="batch-service", AssumeRolePolicyDocument=
                           json.dumps({"Version": "2012-10-17", "Statement": [{
                               "Effect": "Allow", "Action": "sts:AssumeRole",
                               "Principal": {"Service":
                                             "batch.amazonaws.com"}}]})
                           )["Role"]["Arn"]
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": [
        "true"]}])["Vpcs"][0]["VpcId"]
    sub = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}]
                               )["Subnets"][0]["SubnetId"]
    sg = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [
        vpc]}])["SecurityGroups"][0]["GroupId"]
    ce = b.create_compute_environment(
        computeEnvironmentName="wf-spot", type="MANAGED", state="ENABLED",
        serviceRole=role, computeResources={
            "type": "FARGATE_SPOT", "maxvCpus": 4, "subnets": [sub],
            "securityGroupIds": [sg]})["computeEnvironmentArn"]
    b.create_job_queue(jobQueueName=QUEUE, state="ENABLED", priority=1,
                       computeEnvironmentOrder=[{"order": 1,
                                                 "computeEnvironment": ce}])
    for jd in ("scratchwork-step", "scratchwork-etl-extract",
               "scratchwork-etl-transform", "scratchwork-etl-load"):
        b.register_job_definition(
            jobDefinitionName=jd, type="container",
            platformCapabilities=["FARGATE"], containerProperties={
                "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/x@"
                         "sha256:" + "ab" * 32,
                "resourceRequirements": [{"type": "VCPU", "value": "0.25"},
                                         {"type": "MEMORY", "value": "512"}]})
    moto.create_table(HISTORY, hash_key="scheduleId",
                      range_key="startDateTime")
    moto.create_table(SCHEDULES, hash_key="scheduleId")


class World:
    """A moto server set up for the worker, and how to run the worker."""

    def __init__(self, env=None):
        self.moto = Moto(env)
        batch_setup(self.moto)
        self.key = self.moto.worker_user("workflow")

    def env(self, proxy, **extra):
        e = self.moto.env(self.key, AWS_ENDPOINT_URL=proxy.url,
                          HISTORY_TABLE=HISTORY, POLL_SECONDS="0.05",
                          POLL_MAX_SECONDS="0.2")
        for k in ("SCHEDULE_FILE", "SCHEDULES_TABLE", "SCHEDULES_DIR",
                  "SCHEDULED_TIME", "NOTIFY_TOPIC_ARN"):
            e.pop(k, None)
        e.update({k: str(v) for k, v in extra.items()})
        return e

    def run(self, proxy, *args, **extra):
        p = subprocess.run([WORKER, *args], env=self.env(proxy, **extra),
                           capture_output=True, text=True, timeout=180)
        return p.returncode, p.stdout, p.stderr

    def item(self, sid, when):
        ddb = self.moto.admin("dynamodb")
        from boto3.dynamodb.types import TypeDeserializer
        it = ddb.get_item(TableName=HISTORY, ConsistentRead=True, Key={
            "scheduleId": {"S": sid}, "startDateTime": {"S": when}}).get(
                "Item")
        if it is None:
            return None
        d = TypeDeserializer()
        return {k: d.deserialize(v) for k, v in it.items()}

    def jobs(self, ids):
        b = self.moto.admin("batch")
        return {j["jobId"]: j for j in b.describe_jobs(jobs=list(ids))["jobs"]}


def msgs(err):
    """The "msg" of each JSON log line on stderr (other lines as they are)."""
    out = []
    for line in err.splitlines():
        try:
            out.append(json.loads(line)["msg"])
        except (ValueError, KeyError, TypeError):
            out.append(line)
    return out


def dep_ids(job):
    return sorted(d["jobId"] for d in job.get("dependsOn", []))


def test_diamond(w):
    sid, when = "diamond", "2026-11-23T05:00:00Z"
    path = write_schedule(sid, [step("join", ["left", "right"]),
                                step("right", ["root"]),
                                step("left", ["root"]), step("root")])
    sns, sqs = w.moto.admin("sns"), w.moto.admin("sqs")
    topic = sns.create_topic(Name="wf-runs")["TopicArn"]
    qurl = sqs.create_queue(QueueName="wf-runs")["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=qurl, AttributeNames=[
        "QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn,
                  Attributes={"RawMessageDelivery": "true"})
    with Counting(w.moto.endpoint) as p:
        rc, out, err = w.run(p, "run", sid, SCHEDULE_FILE=path,
                             SCHEDULED_TIME=when, NOTIFY_TOPIC_ARN=topic)
        submits = p.n("submitjob")
    t.ok(rc == 0, "diamond: exit 0", err)
    line = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
    t.eq((line.get("runId"), line.get("status"), line.get("submitted")),
         (f"{sid}/{when}", "SUCCEEDED", 4),
         "diamond: stdout summary: run id, SUCCEEDED, 4 submitted")
    t.eq(submits, 4, "diamond: 4 SubmitJob calls")
    it = w.item(sid, when)
    steps = it["steps"]
    ids = {n: steps[n].get("jobId") for n in ("root", "left", "right", "join")}
    t.ok(it["status"] == "SUCCEEDED" and it["runId"] == f"{sid}/{when}" and
         all(ids.values()) and json.loads(it["graph"])["scheduleId"] == sid,
         "diamond: run item SUCCEEDED with the graph and every job id", it)
    t.ok(all(s["status"] == "SUCCEEDED" and s["attempts"] == 1 and
             s["startedAt"] > 0 and s["stoppedAt"] >= s["startedAt"]
             for s in steps.values()),
         "diamond: each step SUCCEEDED, 1 attempt, startedAt/stoppedAt",
         steps)
    jobs = w.jobs(ids.values())
    t.eq({n: dep_ids(jobs[ids[n]]) for n in ids},
         {"root": [], "left": [ids["root"]], "right": [ids["root"]],
          "join": sorted([ids["left"], ids["right"]])},
         "diamond: dependsOn as Batch holds it (describe_jobs)")
    t.eq({n: {e["name"]: e["value"] for e in jobs[ids[n]]["container"].get("environment", [])}.get("WORKFLOW_RUN_ID") for n in ids}, {n: f"{sid}/{when}" for n in ids}, "diamond: each submitted step's environment holds WORKFLOW_RUN_ID = the run id (describe_jobs)")  # noqa: E501
    created = {n: jobs[ids[n]]["createdAt"] for n in ids}
    t.ok(created["root"] <= min(created["left"], created["right"]) and
         max(created["left"], created["right"]) <= created["join"],
         "diamond: submitted in topological order", created)
    msgs = sqs.receive_message(QueueUrl=qurl, WaitTimeSeconds=2,
                               MaxNumberOfMessages=10).get("Messages", [])
    body = msgs[0]["Body"] if msgs else ""
    t.ok(f"Workflow run {sid}/{when} SUCCEEDED (4 steps)" in body and
         "root SUCCEEDED" in body and "join SUCCEEDED" in body,
         "notify: the one-paragraph summary published to NOTIFY_TOPIC_ARN",
         body or err)

    # The same trigger again (EventBridge delivers at least once).
    with Counting(w.moto.endpoint) as p:
        rc, out, err = w.run(p, "run", sid, SCHEDULE_FILE=path,
                             SCHEDULED_TIME=when)
        t.ok(rc == 0 and p.n("submitjob") == 0 and "already finished" in err,
             "duplicate trigger: exit 0, nothing submitted, 'already "
             "finished'", err)
    ddb = w.moto.admin("dynamodb")
    n = ddb.query(TableName=HISTORY, KeyConditionExpression="scheduleId = :s",
                  ExpressionAttributeValues={":s": {"S": sid}})["Count"]
    t.eq(n, 1, "duplicate trigger: one run item")


def test_rejected(w):
    cases = [
        ("cyc", [step("a", ["c"]), step("b", ["a"]), step("c", ["b"]),
                 step("ok")], "dependency cycle: ", ["a", "b", "c"]),
        ("unk", [step("a"), step("b", ["a", "ghost"])],
         'step "b": depends on unknown step "ghost"', []),
        ("dup", [step("a"), step("a")], 'step "a": duplicate step name', []),
        ("bad", [step("a", arraySize=1)], 'step "a": "arraySize"', []),
    ]
    for sid, steps, want, names in cases:
        path = write_schedule(sid, steps)
        with Counting(w.moto.endpoint) as p:
            rc, out, err = w.run(p, "run", sid, SCHEDULE_FILE=path)
            reqs = p.requests
        lines = msgs(err.strip())
        line = lines[0] if lines else ""
        t.ok(rc == 2 and len(lines) == 1 and want in line and
             all(f"{n} -> " in line or f"-> {n}" in line for n in names) and
             reqs == 0 and out == "",
             f"{sid}: exit 2, one line naming the step(s), no request sent",
             f"rc {rc}, requests {reqs}, stderr {err!r}")


def test_failing_run():
    w = World({"MOTO_SIMPLE_BATCH_FAIL_AFTER": "0"})
    try:
        sid, when = "fails", "2026-11-23T06:00:00Z"
        path = write_schedule(sid, [step("b", ["a"]), step("a")])
        with Counting(w.moto.endpoint) as p:
            rc, out, err = w.run(p, "run", sid, SCHEDULE_FILE=path,
                                 SCHEDULED_TIME=when)
        it = w.item(sid, when)
        t.ok(rc == 4 and it["status"] == "FAILED" and
             all(s["status"] == "FAILED" for s in it["steps"].values()) and
             '"status":"FAILED"' in out,
             "every job failing (MOTO_SIMPLE_BATCH_FAIL_AFTER=0): run "
             "FAILED, exit 4", err)
    finally:
        w.moto.stop()


def fail_steps(names):
    """A DescribeJobs rewrite: jobs named in names end FAILED."""
    def rw(jobs):
        for j in jobs:
            if j["jobName"] in names:
                j["status"] = "FAILED"
                j["statusReason"] = names[j["jobName"]]
                j.setdefault("container", {})["exitCode"] = 1
    return rw


def test_restart(w):
    sid, when = "etl", "2026-11-23T07:00:00Z"
    path = write_schedule(sid, [step("extract"), step("transform",
                                                      ["extract"]),
                                step("load", ["transform"]),
                                step("report", ["extract"])])
    with Counting(w.moto.endpoint, rewrite=fail_steps({
            "transform": "Essential container in task exited",
            "load": "Dependent Job failed"})) as p:
        rc, out, err = w.run(p, "run", sid, SCHEDULE_FILE=path,
                             SCHEDULED_TIME=when)
    before = w.item(sid, when)
    st = before["steps"]
    t.ok(rc == 4 and before["status"] == "FAILED" and
         st["extract"]["status"] == "SUCCEEDED" and
         st["report"]["status"] == "SUCCEEDED" and
         st["transform"]["status"] == "FAILED" and
         st["transform"]["exitCode"] == 1 and
         st["transform"]["statusReason"] ==
         "Essential container in task exited",
         "one step failed: run FAILED (exit 4), reason and exit code "
         "recorded", err)
    with Counting(w.moto.endpoint) as p:
        rc, out, err = w.run(p, "restart", f"{sid}/{when}")
        submits = p.n("submitjob")
    after = w.item(sid, when)
    sa = after["steps"]
    t.ok(rc == 0 and after["status"] == "SUCCEEDED" and
         after["restarts"] == 1 and submits == 2,
         "restart: exit 0, run SUCCEEDED, restarts 1, 2 SubmitJob calls",
         f"rc {rc} submits {submits} {err}")
    t.ok(sa["extract"]["jobId"] == st["extract"]["jobId"] and
         sa["report"]["jobId"] == st["report"]["jobId"] and
         "history" not in sa["extract"],
         "restart: succeeded steps kept as they were")
    t.ok(all(sa[n]["jobId"] != st[n]["jobId"] and
             [h["jobId"] for h in sa[n]["history"]] == [st[n]["jobId"]] and
             sa[n]["history"][0]["status"] == "FAILED" and
             sa[n]["status"] == "SUCCEEDED" for n in ("transform", "load")),
         "restart: failed step and its dependent resubmitted, old job ids "
         "in their history", sa)
    jobs = w.jobs([sa["transform"]["jobId"], sa["load"]["jobId"]])
    t.eq((dep_ids(jobs[sa["transform"]["jobId"]]),
          dep_ids(jobs[sa["load"]["jobId"]])),
         ([], [sa["transform"]["jobId"]]),
         "restart: the succeeded dependency dropped from dependsOn, the "
         "resubmitted one kept")
    with Counting(w.moto.endpoint) as p:
        rc, out, err = w.run(p, "restart", f"{sid}/{when}")
        t.ok(rc == 0 and p.n("submitjob") == 0 and "nothing to do" in err,
             "restart of a succeeded run: nothing submitted", err)
    with Counting(w.moto.endpoint) as p:
        rc, out, err = w.run(p, "restart", f"{sid}/2001-01-01T00:00:00Z")
        t.ok(rc == 2 and "no run" in err, "restart of an unknown run: exit "
             "2", err)


def test_resume(w):
    sid, when = "resume", "2026-11-23T08:00:00Z"
    path = write_schedule(sid, [step("c", ["b"]), step("b", ["a"]),
                                step("a")])

    def running(jobs):
        for j in jobs:
            j["status"] = "RUNNING"
            j.pop("stoppedAt", None)

    # 1: killed mid-poll, after every submission was recorded.
    with Counting(w.moto.endpoint, rewrite=running) as p:
        proc = start([WORKER, "run", sid], env=w.env(
            p, SCHEDULE_FILE=path, SCHEDULED_TIME=when, POLL_SECONDS="60"),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ok = wait_for(lambda: (lambda it: it and all(
            s.get("status") == "RUNNING" for s in it["steps"].values()))(
                w.item(sid, when)), 60, 0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        first = p.n("submitjob")
    t.ok(ok and first == 3, "resume: worker killed mid-poll after 3 "
         "submissions were recorded", first)
    with Counting(w.moto.endpoint) as p:
        rc, out, err = w.run(p, "run", sid, SCHEDULE_FILE=path,
                             SCHEDULED_TIME=when)
        t.ok(rc == 0 and p.n("submitjob") == 0 and "resuming (3 of 3" in err
             and w.item(sid, when)["status"] == "SUCCEEDED",
             "resume: started again, nothing submitted, polled to SUCCEEDED",
             err)

    # 2: killed while the second SubmitJob is held (never forwarded).
    sid, when = "resume2", "2026-11-23T08:01:00Z"
    path = write_schedule(sid, [step("c", ["b"]), step("b", ["a"]),
                                step("a")])
    held, release = threading.Event(), threading.Event()

    def hold(n):
        if n == 2:
            held.set()
            release.wait(30)
            return Response(503, {}, b"")
        return None
    with Counting(w.moto.endpoint, hold=hold) as p:
        proc = start([WORKER, "run", sid], env=w.env(
            p, SCHEDULE_FILE=path, SCHEDULED_TIME=when),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        held.wait(60)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        release.set()
    it = w.item(sid, when)
    t.ok(held.is_set() and it["status"] == "RUNNING" and
         it["steps"]["a"].get("jobId") and "jobId" not in it["steps"]["b"],
         "resume: killed during step b's SubmitJob: only a recorded", it)
    a_id = it["steps"]["a"]["jobId"]
    with Counting(w.moto.endpoint) as p:
        rc, out, err = w.run(p, "run", sid, SCHEDULE_FILE=path,
                             SCHEDULED_TIME=when)
        it = w.item(sid, when)
        t.ok(rc == 0 and p.n("submitjob") == 2 and
             it["steps"]["a"]["jobId"] == a_id and
             it["status"] == "SUCCEEDED" and "resuming (1 of 3" in err,
             "resume: a only polled, b and c submitted once, run SUCCEEDED",
             err)


def test_pagination(w):
    sid, when = "wide", "2026-11-23T09:00:00Z"
    graph = {"scheduleId": sid, "steps": [step(f"s{i:03d}")
                                         for i in range(120)]}
    w.moto.admin("dynamodb").put_item(TableName=SCHEDULES, Item={
        "scheduleId": {"S": sid}, "graph": {"S": json.dumps(graph)}})
    with Counting(w.moto.endpoint) as p:
        rc, out, err = w.run(p, "run", sid, SCHEDULES_TABLE=SCHEDULES,
                             SCHEDULED_TIME=when)
        submits, describes = p.n("submitjob"), p.n("describejobs")
    it = w.item(sid, when)
    t.ok(rc == 0 and submits == 120 and describes == 2 and
         len(it["steps"]) == 120 and
         all(s["status"] == "SUCCEEDED" for s in it["steps"].values()),
         "120 steps from SCHEDULES_TABLE: 120 submitted, one poll round = "
         "2 DescribeJobs calls (100 + 20), all recorded SUCCEEDED",
         f"rc {rc} submits {submits} describes {describes} {err[-500:]}")


def test_arrays(w):
    sid, when = "arrays", "2026-11-23T10:00:00Z"
    path = write_schedule(sid, [
        step("fan", arraySize=3, dependencyType="SEQUENTIAL", timeout=120,
             containerOverrides={"environment": [{"name": "K",
                                                  "value": "v"}],
                                 "command": ["go"]},
             parameters={"p": "1"}),
        step("each", ["fan"], arraySize=3, dependencyType="N_TO_N")])
    with Counting(w.moto.endpoint) as p:
        rc, out, err = w.run(p, "run", sid, SCHEDULE_FILE=path,
                             SCHEDULED_TIME=when)
    st = w.item(sid, when)["steps"]
    jobs = w.jobs([st["fan"]["jobId"], st["each"]["jobId"]])
    fan, each = jobs[st["fan"]["jobId"]], jobs[st["each"]["jobId"]]
    t.ok(rc == 0 and fan["arrayProperties"]["size"] == 3 and
         each["arrayProperties"]["size"] == 3 and
         fan["dependsOn"] == [{"type": "SEQUENTIAL"}] and
         each["dependsOn"] == [{"jobId": st["fan"]["jobId"],
                                "type": "N_TO_N"}] and
         fan["timeout"]["attemptDurationSeconds"] == 120 and
         fan["parameters"].get("p") == "1" and
         fan["container"]["command"] == ["go"],
         "arrays: sizes, SEQUENTIAL and N_TO_N dependsOn, timeout, "
         "parameters and overrides as Batch holds them",
         json.dumps([fan.get("dependsOn"), each.get("dependsOn"),
                     fan.get("timeout"), err[-400:]]))


def test_config(w):
    path = write_schedule("cfg", [step("a")])
    cases = [
        (["run", "cfg"], {"HISTORY_TABLE": ""}, "HISTORY_TABLE"),
        (["run", "cfg"], {"SCHEDULED_TIME": "yesterday"}, "SCHEDULED_TIME"),
        (["run", "cfg"], {"POLL_SECONDS": "0"}, "POLL_SECONDS"),
        (["run", "bad/id"], {}, "scheduleId"),
        (["restart", "cfg"], {}, "run id must be"),
        (["launch", "cfg"], {}, "usage"),
        (["run", "other"], {}, "scheduleId \"cfg\" is not \"other\""),
    ]
    wrong = []
    for args, extra, want in cases:
        with Counting(w.moto.endpoint) as p:
            rc, out, err = w.run(p, *args, **dict({"SCHEDULE_FILE": path},
                                                  **extra))
            if rc != 2 or len(msgs(err.strip())) != 1 or \
                    want not in msgs(err)[0] or p.requests:
                wrong.append((args, extra, rc, p.requests, err.strip()))
    t.eq(wrong, [], f"{len(cases)} configuration errors: exit 2, named, "
         "no request")
    gdir = os.path.join(ROOT, "schedules", "graphs")
    graphs = sorted(os.path.join(gdir, f) for f in os.listdir(gdir)
                    if f.endswith(".json"))
    p = subprocess.run([WORKER, "check", *graphs],
                       capture_output=True, text=True, timeout=30)
    t.ok(p.returncode == 0 and len(p.stdout.splitlines()) == len(graphs) and
         "etl-daily.json: ok: etl-daily, 3 steps: extract transform load"
         in p.stdout, "check: every graph in schedules/graphs is valid "
         "(etl-daily: extract transform load)", p.stdout + p.stderr)
    # Every EventBridge schedule of this worker runs a graph that exists.
    bad = []
    sdir = os.path.join(ROOT, "schedules")
    for f in sorted(os.listdir(sdir)):
        if not f.endswith(".json"):
            continue
        with open(os.path.join(sdir, f)) as fh:
            s = json.load(fh)
        if s.get("worker") == "workflow":
            cmd = s.get("command", [])
            if len(cmd) != 2 or cmd[0] != "run" or not os.path.isfile(
                    os.path.join(gdir, f"{cmd[1]}.json")):
                bad.append(f)
    t.eq(bad, [], "schedules/*.json naming the workflow worker run an "
         "existing graph (command [\"run\", id])")


def main():
    if not os.path.exists(WORKER):
        t.ok(False, f"{WORKER} built (make test-build)")
        t.done()
    w = World()
    try:
        t.run(lambda: test_diamond(w), "diamond")
        t.run(lambda: test_rejected(w), "rejected")
        t.run(lambda: test_restart(w), "restart")
        t.run(lambda: test_resume(w), "resume")
        t.run(lambda: test_pagination(w), "pagination")
        t.run(lambda: test_arrays(w), "arrays")
        t.run(lambda: test_config(w), "config")
    finally:
        w.moto.stop()
    t.run(test_failing_run, "failing run")
    t.done()


main()
