#!/usr/bin/env python3
"""test_deploy - `make deploy`, `make destroy`, `make deploy DRY_RUN=1` and
`make ecr-repos` (deploy/deploy.py, every call through the `aws` CLI) against
moto_server with IAM auth on, deploying as moto's admin user. Everything is
read back with boto3 (in-process: a CLI process per read-back would cost
~0.6 s each). The configuration is a copy of the repository's (CONFIG_DIR)
so cases can change it; the image digest is a fake one in a temporary
IMAGES_DIR. Bad-configuration cases run with a stand-in `aws` first on PATH
that records every invocation: none may happen. Every other run goes through
a counting `aws` first on PATH (it runs the real one) and the number of CLI
processes each run started is printed as a "# aws calls" comment.

Cost: each `aws` v1 process is ~0.6 s of Python start-up, so only the first
deploy, the first ecr-repos and the full destroy cover every worker; the
repeat runs (second deploy, dry runs, second ecr-repos, second destroy,
refusal) name one worker in WORKERS, and the env-change deploy covers all of
them again to show that everything but the changed job definition stays
unchanged.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__) + "/../lib")
from swtest import ACCOUNT, REGION, ROOT, Moto, Tap  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "deploy"))
import deploy as deploy_py  # noqa: E402

t = Tap()
os.makedirs(os.path.join(ROOT, os.environ.get("BUILD", "build"), "test",
                         "logs"), exist_ok=True)
tmp = tempfile.mkdtemp(prefix="sw-deploy-")
conf = os.path.join(tmp, "conf")
for d in ("workers", "policies", "schedules"):
    os.makedirs(os.path.join(conf, d))
for w in deploy_py.all_workers():
    os.makedirs(os.path.join(conf, "workers", w))
    shutil.copy(os.path.join(ROOT, "workers", w, "deploy.json"),
                os.path.join(conf, "workers", w))
    shutil.copy(os.path.join(ROOT, "policies", f"{w}.json"),
                os.path.join(conf, "policies"))
for f in os.listdir(os.path.join(ROOT, "schedules")):
    if f.endswith(".json"):
        shutil.copy(os.path.join(ROOT, "schedules", f),
                    os.path.join(conf, "schedules"))
shutil.copytree(os.path.join(ROOT, "schedules", "graphs"),
                os.path.join(conf, "schedules", "graphs"))
images = os.path.join(tmp, "images")
DIGEST = "sha256:" + "ab" * 32
for w in deploy_py.all_workers():
    os.makedirs(os.path.join(images, w))
    with open(os.path.join(images, w, "digest"), "w") as f:
        f.write(DIGEST + "\n")

moto = Moto()
ENV = moto.env(moto.admin_key, REGION=REGION, CONFIG_DIR=conf,
               IMAGES_DIR=images, AWS_PAGER="")
for k in ("AWS_REGION", "AWS_DEFAULT_REGION", "DRY_RUN", "WORKERS",
          "SUBNETS", "SECURITY_GROUP", "ACCOUNT", "MAKEFLAGS", "MFLAGS"):
    ENV.pop(k, None)
ENV["AWS_ENDPOINT_URL_SQS"] = moto.endpoint
# The counting stand-in: logs "service operation" per call, runs the real aws.
REAL_AWS = shutil.which("aws", path=ENV["PATH"])
COUNT_DIR = os.path.join(tmp, "count")
COUNT_LOG = os.path.join(tmp, "aws-count.log")
os.makedirs(COUNT_DIR)
with open(os.path.join(COUNT_DIR, "aws"), "w") as f:
    f.write(f'#!/bin/sh\necho "$1 $2" >>{COUNT_LOG}\nexec {REAL_AWS} "$@"\n')
os.chmod(os.path.join(COUNT_DIR, "aws"), 0o755)
ENV["PATH"] = COUNT_DIR + ":" + ENV["PATH"]
TOTAL = [0]


def counted(what, run):
    """Runs run() (a make or deploy.py run); prints and adds up how many aws
    processes it started. Returns run()'s answer."""
    if os.path.exists(COUNT_LOG):
        os.unlink(COUNT_LOG)
    r = run()
    n = 0
    if os.path.exists(COUNT_LOG):
        with open(COUNT_LOG) as f:
            n = len(f.read().splitlines())
    TOTAL[0] += n
    print(f"# aws calls: {n} for {what}", flush=True)
    return r


def make(goal, env=None, **var):
    """Runs `make goal VAR=...`; returns (rc, stdout lines, stderr)."""
    args = ["make", "--no-print-directory", "-s", "-C", ROOT, goal] + \
        [f"{k}={v}" for k, v in var.items()]
    p = counted(" ".join(args[5:]), lambda: subprocess.run(
        args, env=env or ENV, capture_output=True, text=True, timeout=300))
    return p.returncode, p.stdout.splitlines(), p.stderr


def deploy(cmd, env, **var):
    """Runs deploy.py itself (make turns every failure into its own exit 2);
    returns (rc, stdout lines, stderr)."""
    e = dict(env, **var)
    p = counted(f"deploy.py {cmd} {var}", lambda: subprocess.run(
        [sys.executable, os.path.join(ROOT, "deploy", "deploy.py"), cmd],
        env=e, capture_output=True, text=True, timeout=300))
    return p.returncode, p.stdout.splitlines(), p.stderr


CLIENTS = {}


def api(service):
    """A boto3 client for read-backs (signed as the admin user)."""
    if service not in CLIENTS:
        CLIENTS[service] = moto.admin(service)
    return CLIENTS[service]


def jobdefs():
    """ACTIVE revisions of scratchwork-btc-price, oldest first."""
    r = api("batch").describe_job_definitions(
        jobDefinitionName="scratchwork-btc-price", status="ACTIVE")
    return sorted(r["jobDefinitions"], key=lambda j: j["revision"])


def ours():
    """Every resource kind deploy makes: names of those that still exist
    tagged project=scratchwork."""
    left = []
    iam = api("iam")
    for r in iam.list_roles()["Roles"]:
        tags = iam.list_role_tags(RoleName=r["RoleName"])
        if deploy_py.tagged(tags.get("Tags")):
            left.append("role " + r["RoleName"])
    batch = api("batch")
    for c in batch.describe_compute_environments()["computeEnvironments"]:
        if deploy_py.tagged(c.get("tags")):
            left.append("ce " + c["computeEnvironmentName"])
    for q in batch.describe_job_queues()["jobQueues"]:
        if deploy_py.tagged(q.get("tags")):
            left.append("queue " + q["jobQueueName"])
    for j in batch.describe_job_definitions(status="ACTIVE")[
            "jobDefinitions"]:
        if deploy_py.tagged(j.get("tags")):
            left.append("jobdef " + j["jobDefinitionName"])
    ddb = api("dynamodb")
    for n in ddb.list_tables()["TableNames"]:
        arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{n}"
        if deploy_py.tagged(ddb.list_tags_of_resource(
                ResourceArn=arn).get("Tags")):
            left.append("table " + n)
    logs = api("logs")
    for g in logs.describe_log_groups()["logGroups"]:
        if deploy_py.tagged(logs.list_tags_log_group(
                logGroupName=g["logGroupName"]).get("tags")):
            left.append("log group " + g["logGroupName"])
    ev = api("events")
    for r in ev.list_rules()["Rules"]:
        if deploy_py.tagged(ev.list_tags_for_resource(
                ResourceARN=r["Arn"]).get("Tags")):
            left.append("rule " + r["Name"])
    qs = api("sqs").list_queues()
    left += ["sqs " + u for u in qs.get("QueueUrls", [])
             if "scratchwork" in u]
    return left


def test_schedule_grammar():
    good = ["rate(1 minute)", "rate(2 minutes)", "rate(1 hour)",
            "rate(12 hours)", "rate(1 day)", "cron(0/5 * * * ? *)",
            "cron(0 12 ? * MON-FRI *)", "cron(15 10 L * ? 2026)",
            "cron(0 8 ? * 6#3 *)", "cron(0 0 1,15 JAN-MAR ? *)",
            "cron(0 18 ? * 2L *)", "cron(0 0 3W * ? *)"]
    bad = ["rate(2 minute)", "rate(1 minutes)", "rate(0 minutes)",
           "rate(5 seconds)", "rate(02 hours)", "cron(0 12 * * ? )",
           "cron(0 12 * * * *)", "cron(0 12 ? * ? *)", "cron(60 * * * ? *)",
           "cron(0 24 * * ? *)", "cron(0 0 32 * ? *)", "cron(0 0 ? * 8 *)",
           "cron(0 0 * 13 ? *)", "cron(0 0 * * ? 1969)", "every 2 minutes",
           "cron(0/0 * * * ? *)"]
    wrong = []
    for e in good:
        try:
            deploy_py.check_schedule(e)
        except deploy_py.ConfigError as x:
            wrong.append(f"{e} refused: {x}")
    for e in bad:
        try:
            deploy_py.check_schedule(e)
            wrong.append(f"{e} accepted")
        except deploy_py.ConfigError:
            pass
    t.eq(wrong, [], f"schedule grammar: {len(good)} valid expressions "
         f"accepted, {len(bad)} invalid refused")
    fg_bad = [("0.25", 4096), ("0.5", 512), ("0.5", 1536), ("1", 9216),
              ("4", 31744), ("8", 18432), ("16", 36864), ("3", 8192)]
    fg_good = [("0.25", 512), ("0.25", 2048), ("0.5", 4096), ("2", 16384),
               ("4", 30720), ("8", 61440), ("16", 122880)]
    wrong = []
    for v, m in fg_good:
        try:
            deploy_py.check_fargate("w", v, m)
        except deploy_py.ConfigError as x:
            wrong.append(f"{v}/{m} refused: {x}")
    for v, m in fg_bad:
        try:
            deploy_py.check_fargate("w", v, m)
            wrong.append(f"{v}/{m} accepted")
        except deploy_py.ConfigError:
            pass
    t.eq(wrong, [], "Fargate vCPU/memory table: valid pairs accepted, "
         "invalid ones refused")


def test_dry_run_on_empty():
    # One worker (with a table and a schedule) shows every kind of call.
    rc, out, err = make("deploy", DRY_RUN=1, WORKERS="btc-price")
    t.eq(rc, 0, "make deploy DRY_RUN=1 exits 0")
    calls = [ln for ln in out if ln.startswith("aws ")]
    ops = [" ".join(ln.split()[1:3]) for ln in calls]
    want = ["iam create-role", "iam put-role-policy", "logs create-log-group",
            "dynamodb create-table", "dynamodb update-continuous-backups",
            "batch create-compute-environment", "batch create-job-queue",
            "batch register-job-definition", "sqs create-queue",
            "events put-rule", "events put-targets"]
    t.ok(all(w in ops for w in want) and
         ops.index("batch create-job-queue") <
         ops.index("batch register-job-definition") <
         ops.index("events put-targets"),
         "dry run prints each mutating call as an aws line, in order",
         "\n".join(ops))
    t.ok(any(ln.startswith("# ran: aws iam get-account-authorization-details")
             for ln in out) and
         out[-1] == f"# DRY RUN: {len(calls)} mutating call(s) skipped",
         "dry run marks read-only calls that ran and counts the skipped ones",
         out[-1] if out else err)
    import shlex
    try:
        parsed = [shlex.split(ln) for ln in calls]
        reg = next(a for a in parsed if a[2] == "register-job-definition")
        cp = json.loads(reg[reg.index("--container-properties") + 1])
        okq = cp["image"].endswith("@" + DIGEST)
    except (ValueError, StopIteration, KeyError) as e:
        okq = False
        err = str(e)
    t.ok(okq, "dry-run lines are shell-quoted and complete (JSON arguments "
         "parse back)", err)
    t.eq(ours(), [], "dry run created nothing")


def test_deploy_creates():
    rc, out, err = make("deploy")
    t.eq(rc, 0, "make deploy exits 0")
    if rc:
        print("# " + err.replace("\n", "\n# "))
    t.ok(any(ln == "batch job definition scratchwork-btc-price: registered "
             "revision 1" for ln in out) and
         any(ln == "events rule scratchwork-btc-price: created" for ln in out),
         "deploy reports what it created", "\n".join(out))
    jd = jobdefs()
    t.eq(len(jd), 1, "one job definition revision")
    if not jd:
        return
    j = jd[0]
    cp = j["containerProperties"]
    t.eq(cp["image"], f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/"
         f"scratchwork/btc-price@{DIGEST}", "job definition: image by digest")
    t.eq(sorted((r["type"], r["value"]) for r in cp["resourceRequirements"]),
         [("MEMORY", "512"), ("VCPU", "0.25")], "0.25 vCPU, 512 MiB")
    env = {e["name"]: e["value"] for e in cp["environment"]}
    t.ok(env.get("TABLE_NAME") == "btc-prices" and
         env.get("PRICE_SOURCES") == "coinbase,kraken,bitstamp,coingecko" and
         env.get("SLOT_SECONDS") == "120",
         "environment from deploy.json plus TABLE_NAME from its table", env)
    rs = j["retryStrategy"]
    rules = [(e.get("onExitCode") or e.get("onStatusReason"),
              e["action"].upper()) for e in rs["evaluateOnExit"]]
    t.ok(rs["attempts"] == 3 and len(rules) <= 5 and
         rules.index(("3", "RETRY")) < rules.index(("*", "EXIT")) and
         ("Host EC2*", "RETRY") in rules and rules[-1] == ("*", "EXIT"),
         "retryStrategy: 3 attempts, exit 3 and Spot reclaim retried, the "
         "rest (2, 4) exit", rs)
    t.eq(j.get("timeout"), {"attemptDurationSeconds": 90}, "timeout")
    t.ok(cp["jobRoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/"
         "scratchwork-btc-price-job" and cp["executionRoleArn"] ==
         f"arn:aws:iam::{ACCOUNT}:role/scratchwork-ecs-execution",
         "job and execution roles", cp)
    t.eq(cp["logConfiguration"], {"logDriver": "awslogs", "options": {
        "awslogs-group": "/scratchwork/btc-price", "awslogs-region": REGION,
        "awslogs-stream-prefix": "btc-price"}}, "awslogs to /scratchwork/W")
    t.ok(j["platformCapabilities"] == ["FARGATE"] and
         cp["networkConfiguration"] == {"assignPublicIp": "ENABLED"} and
         cp["fargatePlatformConfiguration"] == {"platformVersion": "LATEST"}
         and deploy_py.tagged(j["tags"]),
         "Fargate, public IP, platform LATEST, tagged", j)
    q = api("batch").describe_job_queues(jobQueues=["scratchwork"])["jobQueues"][0]
    order = sorted((c["order"], c["computeEnvironment"].split("/")[-1])
                   for c in q["computeEnvironmentOrder"])
    t.eq((q["state"], order), ("ENABLED", [(1, "scratchwork-fargate-spot"),
                                          (2, "scratchwork-fargate")]),
         "queue: ENABLED, Fargate Spot first, on-demand Fargate second")
    ces = {c["computeEnvironmentName"]: c["computeResources"]["type"]
           for c in api("batch").describe_compute_environments()[
               "computeEnvironments"]}
    t.eq(ces, {"scratchwork-fargate-spot": "FARGATE_SPOT",
               "scratchwork-fargate": "FARGATE"}, "compute environment types")
    r = api("events").describe_rule(Name="scratchwork-btc-price")
    t.eq((r["ScheduleExpression"], r["State"]), ("rate(2 minutes)", "ENABLED"),
         "rule schedule from schedules/btc-price.json")
    tg = api("events").list_targets_by_rule(
        Rule="scratchwork-btc-price")["Targets"]
    tgt = tg[0] if tg else {}
    t.ok(len(tg) == 1 and tgt["Arn"] == q["jobQueueArn"] and
         tgt["RoleArn"] == f"arn:aws:iam::{ACCOUNT}:role/scratchwork-events"
         and tgt["BatchParameters"] == {"JobDefinition": "scratchwork-btc-price",
                                        "JobName": "scratchwork-btc-price"} and
         tgt["RetryPolicy"]["MaximumRetryAttempts"] == 3 and
         tgt["DeadLetterConfig"]["Arn"] ==
         f"arn:aws:sqs:{REGION}:{ACCOUNT}:scratchwork-events-dlq" and
         "SCHEDULED_TIME" in tgt["InputTransformer"]["InputTemplate"],
         "rule target: the queue, the events role, BatchParameters, retry "
         "policy, dead-letter queue, SCHEDULED_TIME", tgt)
    pol = api("iam").get_role_policy(RoleName="scratchwork-btc-price-job",
                                PolicyName="worker")["PolicyDocument"]
    t.eq(pol["Statement"][0]["Resource"],
         f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/btc-prices",
         "job role: the worker's policy, placeholders filled")
    ev = api("iam").get_role_policy(RoleName="scratchwork-events",
                               PolicyName="submit-job")["PolicyDocument"]["Statement"]
    # The scheduled workers: those schedules/*.json name.
    sched = set()
    for f in os.listdir(os.path.join(ROOT, "schedules")):
        if f.endswith(".json"):
            with open(os.path.join(ROOT, "schedules", f)) as fh:
                sched.add(json.load(fh)["worker"])
    t.ok(len(ev) == 1 and ev[0]["Action"] == ["batch:SubmitJob"] and
         all(":job-queue/scratchwork" in r or
             any(f":job-definition/scratchwork-{w}" in r for w in sched)
             for r in ev[0]["Resource"]) and
         all(any(f":job-definition/scratchwork-{w}" in r
                 for r in ev[0]["Resource"]) for w in sched),
         "events role: batch:SubmitJob on our queue and job definition only",
         ev)
    tr = api("iam").get_role(RoleName="scratchwork-ecs-execution")[
        "Role"]["AssumeRolePolicyDocument"]
    t.eq(tr["Statement"][0]["Principal"], {"Service": "ecs-tasks.amazonaws.com"},
         "execution role trusted by ecs-tasks")
    tb = api("dynamodb").describe_table(TableName="btc-prices")["Table"]
    pitr = api("dynamodb").describe_continuous_backups(
        TableName="btc-prices")["ContinuousBackupsDescription"]
    t.ok(tb["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST" and
         sorted((k["AttributeName"], k["KeyType"]) for k in tb["KeySchema"]) ==
         [("pair", "HASH"), ("timestamp", "RANGE")] and
         pitr["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]
         == "ENABLED", "table: on-demand, pair/timestamp keys, PITR on",
         (tb, pitr))
    lg = [g for g in api("logs").describe_log_groups()["logGroups"]
          if g["logGroupName"] == "/scratchwork/btc-price"]
    t.ok(lg and lg[0].get("retentionInDays") == 30, "log group, 30 days", lg)
    # The workflow's schedules table holds every graph in schedules/graphs,
    # as the worker reads it (scheduleId key, the graph as JSON text).
    gdir = os.path.join(ROOT, "schedules", "graphs")
    want = {f[:-5]: json.load(open(os.path.join(gdir, f)))
            for f in os.listdir(gdir) if f.endswith(".json")}
    items = api("dynamodb").scan(
        TableName="scratchwork-workflow-schedules")["Items"]
    got = {i["scheduleId"]["S"]: json.loads(i["graph"]["S"]) for i in items}
    t.ok(want and got == want,
         "workflow graphs uploaded to the schedules table, one per file",
         (sorted(got), sorted(want)))


def test_second_deploy_unchanged():
    # One worker (a table, a schedule); test_env_change's full run shows
    # every other worker's resources unchanged. The shared roles' policies
    # name every worker, so a run over a few of them leaves those unchanged.
    rc, out, err = make("deploy", WORKERS="btc-price")
    t.ok(rc == 0 and out and all(ln.endswith("unchanged") or
                                 ln.endswith("unchanged (revision 1)")
                                 for ln in out) and
         "iam role scratchwork-ecs-execution: unchanged" in out and
         "iam role scratchwork-events: unchanged" in out and
         "events rule scratchwork-btc-price: unchanged" in out,
         "second deploy: every resource unchanged", "\n".join(out) + err)
    others = [w for w in deploy_py.all_workers() if w != "btc-price"]
    names = [f"scratchwork-{w}" for w in others] + \
        [f"/scratchwork/{w}:" for w in others] + \
        [f"table {x['name']}:" for w in others
         for x in deploy_py.load_worker(w, False, images)["tables"]]
    t.ok(others and not [ln for ln in out for n in names if n in ln],
         "WORKERS: the other workers' resources are not touched",
         "\n".join(out))
    t.eq(len(jobdefs()), 1, "second deploy registers no new revision")


def test_env_change():
    p = os.path.join(conf, "workers", "btc-price", "deploy.json")
    with open(p) as f:
        c = json.load(f)
    c["environment"]["PRICE_QUORUM"] = "3"
    with open(p, "w") as f:
        json.dump(c, f)
    rc, out, _ = make("deploy", DRY_RUN=1, WORKERS="btc-price")
    calls = [ln.split()[1:3] for ln in out if ln.startswith("aws ")]
    t.eq(calls, [["batch", "register-job-definition"]],
         "dry run after an env change: exactly the one registration")
    # Every worker: the one full run after the first, so it also shows that
    # a second deploy leaves every other resource of every worker unchanged.
    rc, out, err = make("deploy")
    changed = [ln for ln in out if not ln.endswith("unchanged") and
               "unchanged (revision" not in ln]
    t.eq((rc, changed), (0, ["batch job definition scratchwork-btc-price: "
                             "registered revision 2"]),
         "env change: only the job definition changes")
    t.ok(all(f"batch job definition scratchwork-{w}: unchanged (revision 1)"
             in out for w in deploy_py.all_workers() if w != "btc-price"),
         "env change: every other worker's job definition unchanged",
         "\n".join(out))
    jd = jobdefs()
    env = {e["name"]: e["value"] for e in jd[-1]["containerProperties"][
        "environment"]}
    t.ok(len(jd) == 2 and env["PRICE_QUORUM"] == "3",
         "exactly one new revision, with the new environment",
         [j["revision"] for j in jd])


def test_ecr_repos():
    rc, out, err = make("ecr-repos")
    t.eq((rc, out), (0, [f"ecr repository scratchwork/{w}: created"
                         for w in sorted(deploy_py.all_workers())]),
         "make ecr-repos creates a repository per worker")
    r = api("ecr").describe_repositories(
        repositoryNames=["scratchwork/btc-price"])["repositories"][0]
    lc = json.loads(api("ecr").get_lifecycle_policy(
        repositoryName="scratchwork/btc-price")["lifecyclePolicyText"])
    tags = api("ecr").list_tags_for_resource(resourceArn=r["repositoryArn"])["tags"]
    t.ok(r["imageTagMutability"] == "IMMUTABLE" and
         r["imageScanningConfiguration"]["scanOnPush"] and
         deploy_py.tagged(tags) and
         [x["selection"]["tagStatus"] for x in lc["rules"]] ==
         ["untagged", "any"],
         "repository: immutable tags, scan on push, lifecycle, tagged",
         (r, lc, tags))
    # Every repository gets the same settings: one shows the unchanged path.
    rc, out, err = make("ecr-repos", WORKERS="btc-price")
    t.eq((rc, out), (0, ["ecr repository scratchwork/btc-price: unchanged"]),
         "second make ecr-repos: unchanged")


def test_destroy():
    # Hand-made, untagged resources of the same kinds: destroy must keep them.
    api("iam").create_role(
        RoleName="handmade", AssumeRolePolicyDocument=json.dumps(
            deploy_py.trust("ecs-tasks.amazonaws.com")))
    api("logs").create_log_group(logGroupName="/handmade")
    # One worker first: its own resources go, what every worker shares and
    # the other workers' resources stay.
    before = set(ours())
    rc, out, err = make("destroy", WORKERS="btc-price")
    after = set(ours())
    mine = {x for x in before if "btc-price" in x or x == "table btc-prices"}
    shared = {x for x in before if x.startswith(("queue ", "ce ", "sqs "))
              or x in ("role scratchwork-events",
                       "role scratchwork-ecs-execution")}
    t.ok(rc == 0 and mine and not (after & mine) and len(shared) == 6 and
         after == before - mine and
         "iam role scratchwork-events: kept (shared by every worker; "
         "WORKERS is a subset)" in out,
         f"destroy WORKERS=btc-price removes its {len(mine)} resources and "
         f"keeps the {len(shared)} shared ones and every other worker's",
         sorted(before ^ after))
    rc, out, err = make("destroy")
    t.eq(rc, 0, "make destroy exits 0")
    names = [ln.split(":")[0] for ln in out]
    t.ok(names.index("events rule scratchwork-etl-daily") <
         names.index("batch job queue scratchwork") <
         names.index("batch compute environment scratchwork-fargate-spot") <
         names.index("iam role scratchwork-ecs-execution"),
         "destroy goes in reverse order", "\n".join(out))
    t.eq(ours(), [], "nothing tagged project=scratchwork is left")
    t.ok(api("iam").get_role(RoleName="handmade") and
         any(g["logGroupName"] == "/handmade" for g in
             api("logs").describe_log_groups()["logGroups"]),
         "hand-made untagged role and log group are still there")
    # An untagged resource under a name deploy uses is left alone too (an
    # IAM role: moto keeps a deleted log group's tags for a new one of the
    # same name, so a log group cannot show this here).
    api("iam").create_role(
        RoleName="scratchwork-events", AssumeRolePolicyDocument=json.dumps(
            deploy_py.trust("events.amazonaws.com")))
    rc, out, err = make("destroy")
    t.ok(rc == 0 and "iam role scratchwork-events: not tagged "
         "project=scratchwork: left alone" in out and
         api("iam").get_role(RoleName="scratchwork-events"),
         "destroy leaves an untagged resource with our name alone", out)
    rc, out, err = deploy("deploy", ENV, WORKERS="btc-price")
    t.ok(rc == 1 and "not tagged project=scratchwork" in err and
         len(err.splitlines()) == 1,
         "deploy refuses to adopt it", err)


def test_pmap():
    """deploy.py's DEPLOY_JOBS pool, in process with a stand-in fn: lines in
    item order whatever the finishing order, the first failing item's error
    raised once, nothing started after it."""
    import contextlib
    import io
    import threading
    import time

    class S:
        jobs = 3
    started = []
    lock = threading.Lock()

    def fn(i):
        with lock:
            started.append(i)
        deploy_py.say(f"item {i}", "begun")
        time.sleep(0.05 * (5 - i % 5))   # later items finish first
        if i in (4, 6):
            raise deploy_py.AwsError(f"item {i} failed")
        deploy_py.say(f"item {i}", "done")
        return i * 10

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        got = deploy_py.pmap(S, fn, range(4))
    t.eq((got, buf.getvalue().splitlines()),
         ([0, 10, 20, 30], [f"item {i}: {w}" for i in range(4)
                            for w in ("begun", "done")]),
         "DEPLOY_JOBS pool: answers and lines in item order")
    buf = io.StringIO()
    started.clear()
    err = None
    with contextlib.redirect_stdout(buf):
        try:
            deploy_py.pmap(S, fn, range(20))
        except deploy_py.AwsError as e:
            err = str(e)
    want = [f"item {i}: {w}" for i in range(4) for w in ("begun", "done")] \
        + ["item 4: begun"]
    t.ok(err == "item 4 failed" and buf.getvalue().splitlines() == want and
         max(started) < 4 + S.jobs,
         "DEPLOY_JOBS pool: the first failure in item order is raised once, "
         "after the lines before it; no item starts after it",
         (err, buf.getvalue(), started))


def test_bad_config():
    shim = os.path.join(tmp, "shim")
    os.makedirs(shim, exist_ok=True)
    log = os.path.join(tmp, "aws-calls.log")
    with open(os.path.join(shim, "aws"), "w") as f:
        f.write(f"#!/bin/sh\necho \"$*\" >>{log}\nexit 1\n")
    os.chmod(os.path.join(shim, "aws"), 0o755)
    base = dict(ENV, PATH=shim + ":" + ENV["PATH"],
                AWS_ENDPOINT_URL="http://127.0.0.1:9")

    def variant(name, edit):
        d = os.path.join(tmp, "bad-" + name)
        shutil.copytree(conf, d)
        edit(d)
        return d

    def write(path, text):
        with open(path, "w") as f:
            f.write(text)

    def sched(expr):
        return lambda d: write(os.path.join(d, "schedules", "btc-price.json"),
                               json.dumps({"worker": "btc-price",
                                           "schedule": expr}))

    def jobcfg(**kv):
        def edit(d):
            p = os.path.join(d, "workers", "btc-price", "deploy.json")
            with open(p) as f:
                c = json.load(f)
            c.update(kv)
            write(p, json.dumps(c))
        return edit

    def policy(action):
        return lambda d: write(os.path.join(d, "policies", "btc-price.json"),
                               json.dumps({"Version": "2012-10-17", "Statement": [
                                   {"Effect": "Allow", "Action": action,
                                    "Resource": "*"}]}))

    cases = [
        ("missing region", {"REGION": ""}, None, "no region"),
        ("unknown worker", {"WORKERS": "nope"}, None, "unknown worker"),
        ("rate(2 minute)", {}, sched("rate(2 minute)"), "rate(2 minutes)"),
        ("cron with 5 fields", {}, sched("cron(0 12 * * ?)"), "6 fields"),
        ("cron without ?", {}, sched("cron(0 12 * * MON *)"), "?"),
        ("0.25 vCPU with 4096 MiB", {}, jobcfg(memory_mib=4096), "Fargate"),
        ("policy not JSON", {}, lambda d: write(
            os.path.join(d, "policies", "btc-price.json"), "{nope"),
         "not valid JSON"),
        ('policy Action "*"', {}, policy("*"), "wildcard"),
        ('policy Action "dynamodb:*"', {}, policy(["dynamodb:*"]), "wildcard"),
        ("missing image digest", {"IMAGES_DIR": os.path.join(tmp, "none")},
         None, "make images"),
        ("DEPLOY_JOBS=0", {"DEPLOY_JOBS": "0"}, None, "DEPLOY_JOBS"),
    ]
    for what, var, edit, needle in cases:
        env = dict(base)
        if edit:
            env["CONFIG_DIR"] = variant(what.replace(" ", "_").replace(
                "*", "x").replace('"', "").replace("(", "").replace(")", ""),
                edit)
        if os.path.exists(log):
            os.unlink(log)
        rc, out, err = deploy("deploy", env, **var)
        lines = [ln for ln in err.splitlines() if ln.strip()]
        t.ok(rc == 2 and len(lines) == 1 and needle in lines[0] and
             lines[0].startswith("deploy: ") and not out and
             not os.path.exists(log),
             f"bad config, {what}: exit 2, one line, no aws call",
             f"rc={rc} out={out} err={err!r} calls="
             f"{open(log).read() if os.path.exists(log) else ''}")
    rc, _, _ = deploy("deploy", base)
    t.ok(rc == 1 and os.path.exists(log),
         "control: a good configuration does call the (stand-in) aws")


for fn in (test_schedule_grammar, test_pmap, test_bad_config, test_dry_run_on_empty,
           test_deploy_creates, test_second_deploy_unchanged, test_env_change,
           test_ecr_repos, test_destroy):
    t.run(fn)
print(f"# aws calls: {TOTAL[0]} in all", flush=True)
shutil.rmtree(tmp, ignore_errors=True)
t.done()
