#!/usr/bin/env python3
"""test_batch - sw/batch.h (SubmitJob, DescribeJobs, TerminateJob) and
sw/sns.h (Publish) through tests/helpers/sw_batch, against moto_server
with IAM auth on, signed as a user whose policy allows only
batch:SubmitJob/DescribeJobs/TerminateJob and sns:Publish (Resource "*":
moto matches policy Resources only against "*").

moto runs Batch with use_docker off (POST /moto-api/config), as
test_array_runner does: it then marks every job SUCCEEDED (or FAILED with
MOTO_SIMPLE_BATCH_FAIL_AFTER) inside the SubmitJob call, ignoring
dependencies, so what is asserted here is what Batch stores and echoes:
dependsOn with types, arrayProperties, timeout, overrides, tags.

- a diamond A -> (B, C) -> D: describe shows each job's dependsOn;
- an array job of 3 with an N_TO_N dependency on another array job, and a
  SEQUENTIAL one without a job id;
- DescribeJobs over 150 jobs: 2 calls (counted through a pass-through
  FaultProxy), all 150 back in the order asked, also reversed (moto
  answers in its own order); an unknown id is simply absent;
- TerminateJob; Batch errors: a ClientException (unknown queue) is final
  (exit 2, one attempt), a ServerException 500 is retried;
- bad input (name, array size, 21 dependencies, dependency type, timeout,
  reason, subject, empty message) is refused before any call: the endpoint
  is a closed port, so a call would end in a network error (exit 3);
- SNS Publish to a topic the admin made, read back from an SQS queue
  subscribed to it (moto delivers SNS to SQS); a user without sns:Publish
  is denied (exit 2).
"""
import json
import os
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(__file__) + "/../lib")
from faultproxy import FaultProxy, Response  # noqa: E402
from swtest import TEST_BIN, Moto, Tap, free_port  # noqa: E402

DRV = os.path.join(TEST_BIN, "sw_batch")
QUEUE = "sw-test-queue"
JOBDEF = "sw-test-def"

t = Tap()
moto = Moto()

POLICY = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow",
    # moto names Batch's REST actions after the URL path ("batch:submitjob")
    # and matches Action case-sensitively; IAM itself ignores case, so both
    # spellings are listed (a control below shows the CamelCase alone fails
    # in moto).
    "Action": ["batch:SubmitJob", "batch:DescribeJobs", "batch:TerminateJob",
               "batch:submitjob", "batch:describejobs", "batch:terminatejob",
               "sns:Publish"],
    "Resource": "*"}]}
runner = moto.user("runner", POLICY)
no_sns = moto.user("nosns", {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["batch:submitjob"], "Resource": "*"}]})
camel = moto.user("camel", {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["batch:SubmitJob", "batch:DescribeJobs"],
    "Resource": "*"}]})


def setup_batch():
    """moto's Batch without Docker: role, Fargate Spot compute environment,
    queue, job definition (made by the admin with boto3)."""
    req = urllib.request.Request(
        moto.endpoint + "/moto-api/config", method="POST",
        data=json.dumps({"batch": {"use_docker": False}}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        t.eq(json.load(r).get("batch"), {"use_docker": False},
             "moto-api config: batch use_docker off")
    iam, ec2, batch = moto.admin("iam"), moto.admin("ec2"), moto.admin("batch")
    role = iam.create_role(RoleName="batch-service",
                           AssumeRolePolicyDocument=json.dumps({
                               "Version": "2012-10-17", "Statement": [{
                                   "Effect": "Allow",
                                   "Principal": {"Service":
                                                 "batch.amazonaws.com"},
                                   "Action": "sts:AssumeRole"}]}))["Role"]
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault",
                                      "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [
        vpc]}])["Subnets"][0]["SubnetId"]
    sg = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [
        vpc]}])["SecurityGroups"][0]["GroupId"]
    ce = batch.create_compute_environment(
        computeEnvironmentName="sw-test-ce", type="MANAGED", state="ENABLED",
        serviceRole=role["Arn"],
        computeResources={"type": "FARGATE_SPOT", "maxvCpus": 4,
                          "subnets": [subnet], "securityGroupIds": [sg]})
    batch.create_job_queue(jobQueueName=QUEUE, state="ENABLED", priority=1,
                           computeEnvironmentOrder=[{
                               "order": 1, "computeEnvironment":
                               ce["computeEnvironmentArn"]}])
    batch.register_job_definition(
        jobDefinitionName=JOBDEF, type="container",
        platformCapabilities=["FARGATE"],
        containerProperties={
            "image": "public.ecr.aws/example/none:latest",
            "resourceRequirements": [{"type": "VCPU", "value": "0.25"},
                                     {"type": "MEMORY", "value": "512"}]})


def drv(*args, creds=None, stdin=None, **env):
    """Runs sw_batch; returns (exit code, parsed JSON line or None)."""
    p = subprocess.run([DRV, *args], env=moto.env(creds or runner, **env),
                       input=stdin, capture_output=True, text=True,
                       timeout=120)
    line = p.stdout.strip().splitlines()
    try:
        out = json.loads(line[-1]) if line else None
    except ValueError:
        out = None
    if out is None:
        sys.stderr.write(p.stderr)
    return p.returncode, out


def submit(name, *extra, **env):
    """Submits a job to the test queue; returns (exit code, line)."""
    return drv("submit", "--name", name, "--queue", QUEUE, "--definition",
               JOBDEF, *extra, **env)


def describe(*ids, **env):
    """Describes ids; returns {jobId: job} (or None on failure) and the
    ordered list."""
    rc, out = drv("describe", *ids, **env)
    if rc or not out or not out.get("ok"):
        return None, out
    return {j["jobId"]: j for j in out["jobs"]}, out["jobs"]


def test_diamond():
    rc, a = submit("diamond-a")
    t.ok(rc == 0 and a["ok"] and len(a["jobId"]) >= 32, "submit A", a)
    ids = {"A": a["jobId"]}
    for n in ("B", "C"):
        rc, o = submit(f"diamond-{n.lower()}", "--depends", ids["A"])
        t.ok(rc == 0 and o["ok"], f"submit {n} depending on A", o)
        ids[n] = o["jobId"]
    rc, d = submit("diamond-d", "--depends", ids["B"], "--depends", ids["C"],
                   "--timeout", "120",
                   "--overrides", json.dumps({"environment": [
                       {"name": "STEP", "value": "d"}]}),
                   "--tags", json.dumps({"run": "r1"}))
    t.ok(rc == 0 and d["ok"], "submit D depending on B and C", d)
    ids["D"] = d["jobId"]
    jobs, _ = describe(*ids.values())
    t.ok(jobs is not None and len(jobs) == 4, "describe the diamond: 4 jobs")
    if not jobs:
        return
    deps = {n: [x["jobId"] for x in jobs[i].get("dependsOn", [])]
            for n, i in ids.items()}
    t.eq(deps["A"], [], "A depends on nothing")
    t.eq(deps["B"], [ids["A"]], "B depends on A")
    t.eq(deps["C"], [ids["A"]], "C depends on A")
    t.eq(deps["D"], [ids["B"], ids["C"]], "D depends on B and C, in order")
    t.ok(all("type" not in x for x in jobs[ids["D"]]["dependsOn"]),
         "plain dependencies carry no type")
    jd = jobs[ids["D"]]
    t.eq(jd.get("timeout"), {"attemptDurationSeconds": 120},
         "D's attempt timeout as sent")
    env = jd.get("container", {}).get("environment", [])
    t.ok({"name": "STEP", "value": "d"} in env,
         "D's container override reached the job", env)
    t.eq(jd.get("tags"), {"run": "r1"}, "D's tags as sent")
    t.eq(jd["jobName"], "diamond-d", "D's name")
    t.eq(jobs[ids["A"]]["status"], "SUCCEEDED",
         "moto (no Docker) marks a job SUCCEEDED at submit")
    return ids


def test_array():
    rc, first = submit("array-first", "--array-size", "3")
    t.ok(rc == 0 and first["ok"], "submit an array job of 3", first)
    rc, second = submit("array-second", "--array-size", "3", "--depends",
                        first["jobId"] + ":N_TO_N")
    t.ok(rc == 0 and second["ok"], "submit an N_TO_N array job", second)
    rc, seq = submit("array-seq", "--array-size", "4", "--depends",
                     ":SEQUENTIAL")
    t.ok(rc == 0 and seq["ok"], "submit a SEQUENTIAL array job (no id)", seq)
    jobs, _ = describe(second["jobId"], seq["jobId"],
                       second["jobId"] + ":1")
    t.ok(jobs is not None, "describe the array jobs")
    if not jobs:
        return
    j2 = jobs[second["jobId"]]
    t.eq(j2.get("dependsOn"), [{"jobId": first["jobId"], "type": "N_TO_N"}],
         "N_TO_N dependency as sent")
    t.eq(j2.get("arrayProperties", {}).get("size"), 3, "array size 3")
    t.eq(jobs[seq["jobId"]].get("dependsOn"), [{"type": "SEQUENTIAL"}],
         "SEQUENTIAL dependency without a job id")
    t.ok(second["jobId"] + ":1" in jobs,
         "an array child id (parent:1) is described too")


def test_describe_many():
    ids = []
    for i in range(150):
        rc, o = submit(f"many-{i:03d}")
        if rc or not o["ok"]:
            t.ok(False, f"submit many-{i:03d}", o)
            return
        ids.append(o["jobId"])
    t.ok(len(set(ids)) == 150, "150 jobs submitted, distinct ids")
    paths = []

    def record(req, forward):
        paths.append(req.path)
        return None
    with FaultProxy(moto.endpoint, transform=record) as p:
        jobs, ordered = describe(*ids, AWS_ENDPOINT_URL=p.url)
        t.eq(paths, ["/v1/describejobs"] * 2,
             "150 ids: 2 DescribeJobs calls (100 + 50)")
        t.ok(ordered is not None and [j["jobId"] for j in ordered] == ids,
             "all 150 back, in the order asked")
        paths.clear()
        rev = list(reversed(ids))
        _, ordered = describe(*rev, AWS_ENDPOINT_URL=p.url)
        t.ok(ordered is not None and [j["jobId"] for j in ordered] == rev,
             "reversed: still in the order asked (moto answers in its own)")
        paths.clear()
        # ids on stdin: the workflow runner's size, and the ids file path
        rc, out = drv("describe", "-", stdin="\n".join(ids[:100]) + "\n",
                      AWS_ENDPOINT_URL=p.url)
        t.ok(rc == 0 and len(out["jobs"]) == 100 and len(paths) == 1,
             "exactly 100 ids: 1 call", (rc, len(paths)))
        paths.clear()
        unknown = "00000000-0000-4000-8000-000000000000"
        _, ordered = describe(ids[0], unknown, ids[1],
                              AWS_ENDPOINT_URL=p.url)
        t.ok(ordered is not None and
             [j["jobId"] for j in ordered] == [ids[0], ids[1]],
             "an unknown id is absent, the others in order")
        paths.clear()
        rc, out = drv("describe", AWS_ENDPOINT_URL=p.url)
        t.ok(rc == 0 and out["jobs"] == [] and paths == [],
             "no ids: an empty list without a call (moto would answer "
             "every job)", (rc, out, paths))


def test_terminate():
    rc, o = submit("to-terminate")
    t.ok(rc == 0, "submit a job to terminate", o)
    rc, out = drv("terminate", o["jobId"], "workflow cancelled")
    t.ok(rc == 0 and out == {"ok": True}, "TerminateJob", out)
    jobs, _ = describe(o["jobId"])
    t.ok(jobs is not None and
         jobs[o["jobId"]].get("statusReason") == "workflow cancelled",
         "the terminated job carries the reason sent", jobs)
    rc, out = drv("terminate", "00000000-0000-4000-8000-000000000000",
                  "gone")
    t.ok(rc == 0, "TerminateJob of an unknown id: moto answers 200", out)


def test_wire():
    """What goes on the wire, including the fields moto ignores
    (retryStrategy, parameters), captured by a pass-through FaultProxy."""
    seen = []

    def record(req, forward):
        seen.append((req.method, req.path, req.headers.get("Content-Type")
                     or req.headers.get("content-type"), req.json,
                     req.body))
        return None
    with FaultProxy(moto.endpoint, transform=record) as p:
        rc, a = submit("wire-a", AWS_ENDPOINT_URL=p.url)
        rc2, o = submit("wire-b", "--array-size", "5", "--depends",
                        a["jobId"] + ":N_TO_N", "--depends", a["jobId"],
                        "--timeout", "60",
                        "--overrides", '{"command":["run","x"]}',
                        "--parameters", '{"p":"v"}',
                        "--retry", '{"attempts":3}',
                        "--tags", '{"k":"v"}', AWS_ENDPOINT_URL=p.url)
        t.ok(rc == 0 and rc2 == 0, "two submits through the proxy", o)
        method, path, ctype, body, _ = seen[1]
        t.eq((method, path, ctype), ("POST", "/v1/submitjob",
                                     "application/json"),
             "SubmitJob: POST /v1/submitjob, application/json")
        t.eq(body, {"jobName": "wire-b", "jobQueue": QUEUE,
                    "jobDefinition": JOBDEF,
                    "dependsOn": [{"jobId": a["jobId"], "type": "N_TO_N"},
                                  {"jobId": a["jobId"]}],
                    "arrayProperties": {"size": 5},
                    "containerOverrides": {"command": ["run", "x"]},
                    "parameters": {"p": "v"},
                    "retryStrategy": {"attempts": 3},
                    "timeout": {"attemptDurationSeconds": 60},
                    "tags": {"k": "v"}}, "SubmitJob body, every field")
        t.eq(seen[0][3], {"jobName": "wire-a", "jobQueue": QUEUE,
                          "jobDefinition": JOBDEF},
             "a minimal SubmitJob body has only the three required fields")
        seen.clear()
        drv("terminate", o["jobId"], "stop \"now\"", AWS_ENDPOINT_URL=p.url)
        t.eq([(x[1], x[3]) for x in seen],
             [("/v1/terminatejob", {"jobId": o["jobId"],
                                    "reason": 'stop "now"'})],
             "TerminateJob: POST /v1/terminatejob {jobId, reason}")
        seen.clear()
        drv("describe", a["jobId"], o["jobId"], AWS_ENDPOINT_URL=p.url)
        t.eq([(x[1], x[3]) for x in seen],
             [("/v1/describejobs", {"jobs": [a["jobId"], o["jobId"]]})],
             "DescribeJobs: POST /v1/describejobs {jobs: [ids]}")
        seen.clear()
        sns = moto.admin("sns")
        topic = sns.create_topic(Name="sw-wire")["TopicArn"]
        drv("sns-publish", topic, "a b+c~d", "s t", AWS_ENDPOINT_URL=p.url)
        t.ok(seen and seen[0][1] == "/" and seen[0][2] ==
             "application/x-www-form-urlencoded; charset=utf-8" and
             seen[0][4] == ("Action=Publish&Version=2010-03-31&TopicArn=" +
                            topic.replace(":", "%3A") +
                            "&Message=a+b%2Bc~d&Subject=s+t").encode(),
             "Publish: POST / form body, space as '+', '+' as %2B",
             seen and seen[0][1:3] + (seen[0][4],))


def test_errors():
    rc, out = drv("submit", "--name", "x", "--queue", "no-such-queue",
                  "--definition", JOBDEF)
    t.eq(rc, 2, "unknown queue: exit 2")
    t.ok(out["code"] == "ClientException" and out["http_status"] == 400 and
         not out["retryable"] and out["attempts"] == 1 and
         "no-such-queue" in out["message"],
         "unknown queue: ClientException, final, 1 attempt", out)
    # Batch's real 5xx body; ServerException is retried, then moto answers.
    state = {"n": 0}

    def server_error(req, forward):
        state["n"] += 1
        if state["n"] == 1:
            return Response.from_json(500, {"__type": "ServerException",
                                            "message": "try again"})
        return None
    with FaultProxy(moto.endpoint, transform=server_error) as p:
        rc, out = submit("after-5xx", AWS_ENDPOINT_URL=p.url)
        t.ok(rc == 0 and out["ok"] and out["attempts"] == 2,
             "ServerException 500: retried, second attempt succeeds", out)
    # Batch may put the code only in x-amzn-ErrorType with a bare message.
    with FaultProxy(moto.endpoint, transform=lambda r, f: Response(
            400, {"Content-Type": "application/json",
                  "x-amzn-ErrorType": "ClientException"},
            b'{"message":"Job definition nope does not exist"}')) as p:
        rc, out = submit("bare-message", AWS_ENDPOINT_URL=p.url)
        t.ok(rc == 2 and not out["retryable"] and out["attempts"] == 1 and
             out["message"] == "Job definition nope does not exist",
             "a 400 with only a message: final, message kept", out)
    rc, out = drv("submit", "--name", "camel", "--queue", QUEUE,
                  "--definition", JOBDEF, creds=camel)
    t.ok(rc == 2 and out["code"] == "AccessDenied" and
         "batch:submitjob" in out["message"],
         "moto quirk (control): a policy naming batch:SubmitJob alone is "
         "denied, moto checks batch:submitjob", out)
    rc, out = drv("describe", "x", creds=no_sns)
    t.ok(rc == 2 and out["http_status"] == 403,
         "a user without batch:DescribeJobs is denied (exit 2)", out)


def test_bad_input():
    closed = f"http://127.0.0.1:{free_port()}"
    ok_id = "11111111-1111-4111-8111-111111111111"
    cases = [
        ("empty name", ["submit", "--name", "", "--queue", QUEUE,
                        "--definition", JOBDEF]),
        ("name with a space", ["submit", "--name", "a b", "--queue", QUEUE,
                               "--definition", JOBDEF]),
        ("name starting with -", ["submit", "--name", "-a", "--queue", QUEUE,
                                  "--definition", JOBDEF]),
        ("name of 129", ["submit", "--name", "n" * 129, "--queue", QUEUE,
                         "--definition", JOBDEF]),
        ("no queue", ["submit", "--name", "a", "--definition", JOBDEF]),
        ("no definition", ["submit", "--name", "a", "--queue", QUEUE]),
        ("array size 1", ["submit", "--name", "a", "--queue", QUEUE,
                          "--definition", JOBDEF, "--array-size", "1"]),
        ("array size 10001", ["submit", "--name", "a", "--queue", QUEUE,
                              "--definition", JOBDEF, "--array-size",
                              "10001"]),
        ("array size -2", ["submit", "--name", "a", "--queue", QUEUE,
                           "--definition", JOBDEF, "--array-size", "-2"]),
        ("21 dependencies", ["submit", "--name", "a", "--queue", QUEUE,
                             "--definition", JOBDEF] +
         sum([["--depends", ok_id] for _ in range(21)], [])),
        ("dependency type BOGUS", ["submit", "--name", "a", "--queue", QUEUE,
                                   "--definition", JOBDEF, "--array-size",
                                   "2", "--depends", ok_id + ":BOGUS"]),
        ("N_TO_N on a non-array job", ["submit", "--name", "a", "--queue",
                                       QUEUE, "--definition", JOBDEF,
                                       "--depends", ok_id + ":N_TO_N"]),
        ("N_TO_N without a job id", ["submit", "--name", "a", "--queue",
                                     QUEUE, "--definition", JOBDEF,
                                     "--array-size", "2", "--depends",
                                     ":N_TO_N"]),
        ("timeout 59", ["submit", "--name", "a", "--queue", QUEUE,
                        "--definition", JOBDEF, "--timeout", "59"]),
        ("parameters not strings", ["submit", "--name", "a", "--queue",
                                    QUEUE, "--definition", JOBDEF,
                                    "--parameters", '{"n": 1}']),
        ("overrides not an object", ["submit", "--name", "a", "--queue",
                                     QUEUE, "--definition", JOBDEF,
                                     "--overrides", "[1]"]),
        ("describe an id with a space", ["describe", ok_id, "a b"]),
        ("terminate without a reason", ["terminate", ok_id, ""]),
        ("terminate an empty id", ["terminate", "", "why"]),
        ("sns: not an ARN", ["sns-publish", "topic", "hello"]),
        ("sns: empty message", ["sns-publish",
                                "arn:aws:sns:us-east-1:123456789012:t", ""]),
        ("sns: message over 256 KiB", ["sns-publish",
                                       "arn:aws:sns:us-east-1:123456789012:t",
                                       "-"], "m" * (256 * 1024 + 1)),
        ("sns: invalid UTF-8", ["sns-publish",
                                "arn:aws:sns:us-east-1:123456789012:t",
                                b"\xc3(".decode("utf-8", "surrogateescape")]),
        ("sns: subject of 101", ["sns-publish",
                                 "arn:aws:sns:us-east-1:123456789012:t",
                                 "m", "s" * 101]),
        ("sns: subject with a newline", ["sns-publish",
                                         "arn:aws:sns:us-east-1:"
                                         "123456789012:t", "m", "a\nb"]),
        ("sns: empty subject", ["sns-publish",
                                "arn:aws:sns:us-east-1:123456789012:t",
                                "m", ""]),
    ]
    for what, args, *stdin in cases:
        rc, out = drv(*args, AWS_ENDPOINT_URL=closed,
                      stdin=stdin[0] if stdin else None)
        t.ok(rc == 2 and out and out["result"] == "invalid input" and
             out["attempts"] == 0,
             f"refused before any call: {what}", (rc, out))
    # Controls: the limits themselves pass (the call then reaches the
    # closed port: a network error, exit 3).
    for what, args, *stdin in [
            ("name of 128", ["submit", "--name", "n" * 128, "--queue",
                             QUEUE, "--definition", JOBDEF]),
            ("array size 10000 and timeout 60",
             ["submit", "--name", "a", "--queue", QUEUE, "--definition",
              JOBDEF, "--array-size", "10000", "--timeout", "60"]),
            ("20 dependencies", ["submit", "--name", "a", "--queue", QUEUE,
                                 "--definition", JOBDEF] +
             sum([["--depends", ok_id] for _ in range(20)], [])),
            ("sns: subject of 100", ["sns-publish",
                                     "arn:aws:sns:us-east-1:123456789012:t",
                                     "m", "s" * 100]),
            ("sns: message of 256 KiB", ["sns-publish",
                                         "arn:aws:sns:us-east-1:"
                                         "123456789012:t", "-"],
             "m" * (256 * 1024))]:
        rc, out = drv(*args, AWS_ENDPOINT_URL=closed, AWS_MAX_ATTEMPTS=1,
                      stdin=stdin[0] if stdin else None)
        t.ok(rc == 3 and out["result"] != "invalid input",
             f"control, sent (closed port: exit 3): {what}", (rc, out))


def test_sns():
    sns, sqs = moto.admin("sns"), moto.admin("sqs")
    topic = sns.create_topic(Name="sw-runs")["TopicArn"]
    q = sqs.create_queue(QueueName="sw-runs-q")["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=[
        "QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
    msg = 'run r1 ended: SUCCEEDED {"jobs": 4} & h\u00e9llo \u2603 +%'
    rc, out = drv("sns-publish", topic, msg, "run r1: SUCCEEDED (4/4)")
    t.ok(rc == 0 and out["ok"] and len(out["messageId"]) >= 8,
         "Publish with a subject", out)
    got = sqs.receive_message(QueueUrl=q, MaxNumberOfMessages=10,
                              WaitTimeSeconds=2).get("Messages", [])
    t.eq(len(got), 1, "one message reached the subscribed queue")
    if got:
        env = json.loads(got[0]["Body"])
        t.eq(env.get("Message"), msg, "the message, byte for byte (UTF-8, "
             "'&', '+', '%')")
        t.eq(env.get("Subject"), "run r1: SUCCEEDED (4/4)", "the subject")
        t.eq(env.get("MessageId"), out["messageId"],
             "the MessageId Publish answered")
        t.eq(env.get("TopicArn"), topic, "the topic")
    rc, out = drv("sns-publish", topic, "no subject")
    got = sqs.receive_message(QueueUrl=q, WaitTimeSeconds=2).get(
        "Messages", [])
    t.ok(rc == 0 and got and "Subject" not in json.loads(got[0]["Body"]),
         "Publish without a subject: none sent", got)
    rc, out = drv("sns-publish", topic[:-1] + "X", "m")
    t.ok(rc == 2 and out["code"] == "NotFound" and out["attempts"] == 1,
         "an unknown topic: NotFound, final", out)
    rc, out = drv("sns-publish", topic, "denied", creds=no_sns)
    t.ok(rc == 2 and out["http_status"] == 403 and not out["retryable"],
         "a user without sns:Publish is denied (exit 2)", out)


t.run(setup_batch, "set up moto's Batch")
t.run(test_bad_input, "bad input")
t.run(test_diamond, "diamond")
t.run(test_array, "array jobs")
t.run(test_terminate, "terminate")
t.run(test_errors, "errors")
t.run(test_wire, "wire")
t.run(test_sns, "sns")
t.run(test_describe_many, "describe 150")
moto.stop()
t.done()
