#!/usr/bin/env python3
"""jobs-api against moto_server (IAM auth on; the service signs as a user
holding exactly policies/jobs-api.json): every endpoint, pagination, auth
failures, illegal and repeated callbacks, each validation rule, and the
launcher (one instance per due job even with two jobs-api processes on one
table, interruption -> SCHEDULED with attempt+1 and the old instance
terminated, max attempts -> FAILED, DONE -> instance terminated, a failed
RunInstances -> back to SCHEDULED, counted), the reaper (instances gone,
heartbeats stopped), then a graceful SIGTERM.

The callback token of a launched attempt is read back from the instance's
user-data in moto, exactly where spot-agent would get it."""
import base64
import http.client
import json
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from swtest import (Moto, Tap, TEST_BIN, BUILD, free_port, start,  # noqa: E402
                    wait_for, wait_port)
from jobstest import create_jobs_table  # noqa: E402

T = Tap()
KEY = "test-api-key-0123456789"
KEY2 = "second-api-key-abcdefghij"
# JOBS_API_BIN=build/bin/jobs-api runs the same checks on the release build.
BIN = os.environ.get("JOBS_API_BIN") or os.path.join(TEST_BIN, "jobs-api")
LOGS = os.path.join(BUILD, "test", "logs")


class Api:
    """One jobs-api process on 127.0.0.1 and a tiny client for it."""

    def __init__(self, moto, key, table, name, **extra):
        self.port = free_port()
        env = moto.env(key, JOBS_TABLE=table, JOBS_API_KEYS=f"{KEY}, {KEY2}",
                       JOBS_BIND="127.0.0.1", JOBS_PORT=self.port,
                       JOBS_HTTP_THREADS=4, LOG_LEVEL="info", **extra)
        self.log_path = os.path.join(LOGS, f"jobs-api-{name}-{self.port}.log")
        self.log = open(self.log_path, "w")
        self.proc = start([BIN], env=env, stdout=self.log, stderr=self.log)
        wait_port(self.port, proc=self.proc)

    def call(self, method, path, body=None, token=KEY, ctype="application/json",
             raw=None, headers=None):
        """Returns (status, parsed JSON body or None, response headers)."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        data = raw if raw is not None else (
            json.dumps(body).encode() if body is not None else None)
        if data is not None and ctype:
            h["Content-Type"] = ctype
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        txt = r.read()
        c.close()
        try:
            js = json.loads(txt) if txt else None
        except ValueError:
            js = None
        return r.status, js, dict(r.getheaders())

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(15)
        self.log.close()
        return rc

    def logtext(self):
        with open(self.log_path) as f:
            return f.read()


def schedule(api, **body):
    body.setdefault("docker_image", "alpine:3.20")
    body.setdefault("scheduled_for", "2099-01-01T00:00:00Z")
    return api.call("POST", "/schedule", body)


def test_api(api):
    # --- schedule / status -------------------------------------------------
    st, job, _ = schedule(api, docker_image="ghcr.io/acme/etl:1.2",
                          scheduled_for="2099-01-01T10:00:00+02:00",
                          env_vars={"MODE": "full", "SECRET": "s3cr3t"})
    T.eq(st, 201, "POST /schedule -> 201")
    T.eq((job["status"], job["attempt"], job["scheduled_for"],
          job["docker_image"], sorted(job["env_vars"])),
         ("SCHEDULED", 0, "2099-01-01T08:00:00Z", "ghcr.io/acme/etl:1.2",
          ["MODE", "SECRET"]),
         "the job: offset normalised to UTC, env var names only")
    T.ok(re.fullmatch(r"[0-9a-f]{64}", job["callback_token"] or "") and
         re.fullmatch(r"[0-9a-f-]{36}", job["id"]),
         "a UUID id and a 64-hex callback token")
    jid, tok = job["id"], job["callback_token"]
    st, got, h = api.call("GET", f"/status/{jid}")
    T.ok(st == 200 and got["id"] == jid and "callback_token" not in got and
         "s3cr3t" not in json.dumps(got) and
         h.get("Content-Type") == "application/json",
         "GET /status/:id: the job, no token, no env values")
    st, got, _ = api.call("GET", f"/status/{jid}", token=KEY2)
    T.eq(st, 200, "the second API key works too")
    st, got, _ = api.call("GET", "/status/00000000-0000-4000-8000-000000000000")
    T.eq((st, got), (404, {"error": "no such job"}), "unknown id -> 404")
    st, hhmm, _ = schedule(api, scheduled_for="23:59")
    now = time.gmtime()
    T.ok(st == 201 and hhmm["scheduled_for"].endswith("T23:59:00Z") and
         hhmm["scheduled_for"] > time.strftime("%Y-%m-%dT%H:%M:%SZ", now),
         "\"HH:MM\" -> the next such time in UTC",
         hhmm)

    # --- the agent's view ------------------------------------------------
    st, spec, _ = api.call("GET", f"/callback/{jid}", token=tok)
    T.eq((st, spec), (200, {"id": jid, "docker_image": "ghcr.io/acme/etl:1.2",
                            "env_vars": {"MODE": "full", "SECRET": "s3cr3t"},
                            "attempt": 0}),
         "GET /callback/:id with the job's token: the spec with env values")

    # --- auth ------------------------------------------------------------
    st, e, _ = api.call("GET", f"/status/{jid}", token=None)
    T.eq((st, e.get("error", "")[:29]), (401, "missing or malformed Authoriz"),
         "no Authorization -> 401")
    st, e, _ = api.call("GET", f"/status/{jid}", token="wrong-key-1234567890")
    T.eq((st, e), (401, {"error": "invalid API key"}), "wrong key -> 401")
    st, _, _ = api.call("GET", f"/status/{jid}",
                        headers={"Authorization": f"Basic {KEY}"}, token=None)
    T.eq(st, 401, "a non-Bearer scheme -> 401")
    st, e, _ = api.call("GET", "/list", token=tok)
    T.eq(st, 401, "a callback token is no API key -> 401")
    st, other, _ = schedule(api)
    st, e, _ = api.call("GET", f"/callback/{jid}", token=other["callback_token"])
    T.ok(st == 403 and "not valid for this job" in e["error"],
         "another job's callback token -> 403", e)
    st, e, _ = api.call("PUT", f"/callback/{jid}", {}, token=KEY)
    T.ok(st == 403 and "API keys cannot" in e["error"],
         "an API key on /callback -> 403", e)
    st, e, _ = api.call("PUT", f"/callback/{jid}", {}, token=None)
    T.eq(st, 401, "no token on /callback -> 401")
    st, e, _ = api.call("PUT", f"/callback/{jid}", {}, token="garbage")
    T.eq((st, e), (401, {"error": "invalid credential"}),
         "a malformed token on /callback -> 401")

    # --- illegal transitions on a SCHEDULED job ---------------------------
    st, e, _ = api.call("PUT", f"/callback/{jid}", {"running": ""}, token=tok)
    T.ok(st == 409 and "SCHEDULED" in e["error"], "SCHEDULED -> RUNNING: 409", e)
    st, e, _ = api.call("PUT", f"/callback/{jid}", {}, token=tok)
    T.ok(st == 409 and "cannot become DONE" in e["error"],
         "SCHEDULED -> DONE: 409", e)

    # --- validation ----------------------------------------------------------
    def bad(body, code, needle, what, **kw):
        st, e, _ = (api.call("POST", "/schedule", raw=body, **kw)
                    if isinstance(body, bytes) else
                    api.call("POST", "/schedule", body, **kw))
        T.ok(st == code and e and needle in e.get("error", ""),
             f"{what} -> {code}", f"{st} {e}")
    ok_img = "alpine:3.20"
    when = "2099-01-01T00:00:00Z"
    bad(b"{not json", 400, "not valid JSON", "malformed JSON")
    bad(b"[1,2]", 400, "must be a JSON object", "a JSON array")
    bad(b'{"docker_image":"a","docker_image":"b","scheduled_for":"23:00"}',
        400, "more than once", "a duplicated field")
    bad(b'{"x":' * 9 + b'1' + b'}' * 9, 400, "deeper than 8", "nesting > 8")
    bad({"scheduled_for": when}, 400, "docker_image is required",
        "missing docker_image")
    bad({"docker_image": ok_img}, 400, "scheduled_for is required",
        "missing scheduled_for")
    bad({"docker_image": ok_img, "scheduled_for": when, "cpu": 2}, 400,
        "unknown field \"cpu\"", "an unknown field")
    bad({"docker_image": "Alpine:3", "scheduled_for": when}, 400,
        "repository path", "upper-case repository")
    bad({"docker_image": "alpine:-bad", "scheduled_for": when}, 400,
        "tag", "a bad tag")
    bad({"docker_image": "alpine@sha256:abc", "scheduled_for": when}, 400,
        "digest", "a short digest")
    bad({"docker_image": "a" * 256, "scheduled_for": when}, 400,
        "1 to 255", "a 256-character name")
    bad({"docker_image": "bad_host:99999999/x", "scheduled_for": when}, 400,
        "registry", "a bad registry port")
    bad({"docker_image": ok_img, "scheduled_for": "tomorrow"}, 400,
        "not an ISO-8601", "a bad time")
    bad({"docker_image": ok_img, "scheduled_for": "2099-02-30T00:00:00Z"},
        400, "out of range", "February 30th")
    bad({"docker_image": ok_img, "scheduled_for": "24:00"}, 400,
        "HH:MM", "hour 24")
    bad({"docker_image": ok_img, "scheduled_for": when,
         "env_vars": {"1X": "v"}}, 400, "not a variable name",
        "a bad env var name")
    bad({"docker_image": ok_img, "scheduled_for": when,
         "env_vars": {"X": 1}}, 400, "not a string", "a non-string env value")
    bad({"docker_image": ok_img, "scheduled_for": when,
         "env_vars": {f"V{i}": "" for i in range(129)}}, 400,
        "more than 128", "129 env vars")
    bad({"docker_image": ok_img, "scheduled_for": when,
         "env_vars": {"A": "x" * 20000, "B": "y" * 13000}}, 400,
        "more than 32768", "env values over 32 KiB")
    bad({"docker_image": ok_img, "scheduled_for": when}, 415,
        "application/json", "Content-Type text/plain", ctype="text/plain")
    bad(b'{"docker_image":"' + b"x" * 70000 + b'"}', 413, "65536",
        "a 70 kB body")
    # A chunked body (no Content-Length) over the limit: drained, then 413.
    c = http.client.HTTPConnection("127.0.0.1", api.port, timeout=30)
    c.request("POST", "/schedule", body=iter([b"{" + b" " * 40000] * 2),
              headers={"Authorization": f"Bearer {KEY}",
                       "Content-Type": "application/json"},
              encode_chunked=True)
    r = c.getresponse()
    T.eq((r.status, json.loads(r.read())["error"]),
         (413, "the body is larger than 65536 bytes"),
         "a chunked body over 64 KiB -> 413")
    c.close()
    st, e, _ = api.call("PUT", f"/callback/{jid}", {"running": "", "failed": ""},
                        token=tok)
    T.ok(st == 400 and "at most one" in e["error"], "two callback kinds -> 400")
    st, e, _ = api.call("PUT", f"/callback/{jid}", {"attempt": -1}, token=tok)
    T.ok(st == 400 and "attempt" in e["error"], "a negative attempt -> 400")

    # --- health check ----------------------------------------------------
    st, e, h = api.call("GET", "/healthz", token=None)
    T.eq((st, e, h.get("Content-Type")),
         (200, {"status": "ok"}, "application/json"),
         "GET /healthz without a credential -> 200 {\"status\":\"ok\"}")
    st, e, h = api.call("POST", "/healthz", {}, token=None)
    T.eq((st, h.get("Allow")), (405, "GET"), "POST /healthz -> 405 Allow: GET")
    for path in ("/list", f"/status/{jid}", "/healthz/x"):
        st, _, _ = api.call("GET", path, token=None)
        T.eq(st, 401 if path != "/healthz/x" else 404,
             f"GET {path} without a credential -> "
             f"{401 if path != '/healthz/x' else 404}")

    # --- routing -------------------------------------------------------------
    st, e, h = api.call("DELETE", f"/status/{jid}")
    T.eq((st, h.get("Allow")), (405, "GET"), "DELETE /status -> 405 Allow: GET")
    st, e, _ = api.call("GET", "/nope")
    T.eq(st, 404, "unknown path -> 404")

    # --- list and pagination ---------------------------------------------
    mine = set()
    for i in range(5):
        st, j, _ = schedule(api, scheduled_for=f"2098-0{i + 1}-01T00:00:00Z")
        mine.add(j["id"])
    seen, pages, nxt = [], 0, None
    while True:
        q = "/list?status=SCHEDULED&limit=2" + (f"&next={nxt}" if nxt else "")
        st, page, _ = api.call("GET", q)
        if st != 200:
            break
        pages += 1
        seen += [j["id"] for j in page["jobs"]]
        T.ok(len(page["jobs"]) <= 2, f"list page {pages}: at most 2 jobs") \
            if pages == 1 else None
        nxt = page.get("next")
        if not nxt or pages > 20:
            break
    T.ok(mine <= set(seen) and len(seen) == len(set(seen)) and pages >= 4,
         f"status=SCHEDULED pages of 2: all jobs once ({len(seen)} in "
         f"{pages} pages)")
    sched_times = [api.call("GET", f"/status/{i}")[1]["scheduled_for"]
                   for i in seen]
    T.ok(sched_times == sorted(sched_times),
         "status pages come in scheduled_for order")
    seen_all, nxt = [], None
    for _ in range(30):
        st, page, _ = api.call("GET", "/list?limit=3" +
                               (f"&next={nxt}" if nxt else ""))
        seen_all += [j["id"] for j in page["jobs"]]
        nxt = page.get("next")
        if not nxt:
            break
    T.ok(set(seen) <= set(seen_all) and len(seen_all) == len(set(seen_all)),
         "unfiltered list pages: every job once")
    st, e, _ = api.call("GET", "/list?status=DONE")
    T.eq((st, e), (200, {"jobs": []}), "no DONE jobs: empty list, no next")
    for q, what in (("?limit=0", "limit 0"), ("?limit=101", "limit 101"),
                    ("?limit=x", "limit x"), ("?status=running", "status"),
                    ("?next=zz", "next token"),
                    ("?status=DONE&next=" + nxt_of(api), "another "
                     "listing's token")):
        st, e, _ = api.call("GET", "/list" + q)
        T.eq(st, 400, f"list with a bad {what} -> 400")


def nxt_of(api):
    """A next token of a status=SCHEDULED listing (for misuse)."""
    return api.call("GET", "/list?status=SCHEDULED&limit=1")[1]["next"]


def instances_of(ec2, job_id):
    r = ec2.describe_instances(Filters=[
        {"Name": "tag:scratchwork:job-id", "Values": [job_id]}])
    return [i for res in r["Reservations"] for i in res["Instances"]]


def token_of(ec2, instance_id):
    """SPOT_AGENT_TOKEN from the instance's user-data."""
    ud = ec2.describe_instance_attribute(InstanceId=instance_id,
                                         Attribute="userData")
    text = base64.b64decode(ud["UserData"]["Value"]).decode()
    return re.search(r"SPOT_AGENT_TOKEN='([0-9a-f]{64})'", text).group(1), text


def state(ec2, instance_id):
    r = ec2.describe_instances(InstanceIds=[instance_id])
    return r["Reservations"][0]["Instances"][0]["State"]["Name"]


def test_launcher(moto, a, b):
    ec2 = moto.admin("ec2")
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    st, job, _ = schedule(a, scheduled_for=now, env_vars={"K": "v"})
    jid = job["id"]

    def launched():
        j = a.call("GET", f"/status/{jid}")[1]
        return j if j.get("instance_id") else None
    j = wait_for(launched)
    T.ok(j and j["status"] == "LAUNCHING",
         "a due job is claimed and launched (LAUNCHING, instance_id)", j)
    time.sleep(2.5)  # more passes of both launchers
    insts = instances_of(ec2, jid)
    T.eq(len(insts), 1, "two jobs-api processes, one table: one instance")
    iid = insts[0]["InstanceId"]
    T.eq(iid, j["instance_id"], "the recorded instance is the tagged one")
    tok, ud = token_of(ec2, iid)
    T.ok(f"SPOT_AGENT_JOB_ID='{jid}'" in ud and
         "SPOT_AGENT_API_URL='http://127.0.0.1:" in ud and
         "'scratchwork/spot-agent:test'" in ud and
         not re.search(r"@[A-Z_]+@", ud) and ud.count(tok) == 1,
         "user-data: job id, API URL, agent image, the token once, no "
         "placeholder left")
    T.eq(a.call("GET", f"/callback/{jid}", token=job["callback_token"])[0], 403,
         "the claim rotated the token: the one from POST /schedule -> 403")
    st, spec, _ = b.call("GET", f"/callback/{jid}", token=tok)
    T.eq((st, spec["env_vars"], spec["attempt"]), (200, {"K": "v"}, 0),
         "the attempt's token reads the spec (through the other process)")
    st, r1, _ = a.call("PUT", f"/callback/{jid}", {"running": "", "attempt": 0},
                       token=tok)
    T.eq((st, r1["status"]), (200, "RUNNING"), "running -> RUNNING")
    st, r2, _ = b.call("PUT", f"/callback/{jid}", {"running": "", "attempt": 0},
                       token=tok)
    T.eq((st, r2["status"], r2["attempt"]), (200, "RUNNING", 0),
         "the same running callback again -> 200, unchanged")
    st, e, _ = a.call("PUT", f"/callback/{jid}", {"running": "", "attempt": 5},
                      token=tok)
    T.ok(st == 409 and "attempt 5" in e["error"], "a callback of another "
         "attempt -> 409", e)
    st, r3, _ = a.call("PUT", f"/callback/{jid}", {"schedule": "", "attempt": 0},
                       token=tok)
    T.eq((st, r3["status"], r3["attempt"]), (200, "SCHEDULED", 1),
         "schedule (interrupted) -> SCHEDULED, attempt 1")
    st, r4, _ = a.call("PUT", f"/callback/{jid}", {"schedule": "", "attempt": 0},
                       token=tok)
    T.eq((st, r4["attempt"]), (200, 1), "the same schedule callback -> 200")
    T.ok(wait_for(lambda: state(ec2, iid) in ("shutting-down", "terminated"), 10),
         "the interrupted attempt's instance is terminated")
    j = wait_for(lambda: (lambda x: x if x.get("instance_id") and
                          x["attempt"] == 1 else None)(
        a.call("GET", f"/status/{jid}")[1]), 20)
    T.ok(j and j["status"] == "LAUNCHING", "after the backoff: attempt 1 "
         "launched", j)
    insts = instances_of(ec2, jid)
    T.eq(len(insts), 2, "one instance per attempt (2 in all)")
    iid2 = j["instance_id"] if j else ""
    tok2, _ = token_of(ec2, iid2)
    T.ok(tok2 != tok, "a new callback token for the new attempt")
    st, e, _ = a.call("PUT", f"/callback/{jid}", {"running": ""}, token=tok)
    T.eq(st, 403, "the old attempt's token -> 403")
    st, e, _ = a.call("PUT", f"/callback/{jid}", {}, token=tok2)
    T.ok(st == 409 and "LAUNCHING" in e["error"], "LAUNCHING -> DONE: 409", e)
    a.call("PUT", f"/callback/{jid}", {"running": "", "attempt": 1}, token=tok2)
    st, d, _ = a.call("PUT", f"/callback/{jid}", {"attempt": 1}, token=tok2)
    T.eq((st, d["status"]), (200, "DONE"), "{} -> DONE")
    st, d2, _ = b.call("PUT", f"/callback/{jid}", {"attempt": 1}, token=tok2)
    T.eq((st, d2["status"]), (200, "DONE"), "the same done callback -> 200")
    st, e, _ = a.call("PUT", f"/callback/{jid}", {"failed": ""}, token=tok2)
    T.eq(st, 409, "DONE -> FAILED: 409")
    T.ok(wait_for(lambda: state(ec2, iid2) in ("shutting-down", "terminated"), 10),
         "DONE: its instance is terminated")

    # max attempts (JOBS_MAX_ATTEMPTS=2): attempt 0 interrupted -> 1,
    # attempt 1 interrupted -> FAILED.
    st, job, _ = schedule(a, scheduled_for=now)
    jid = job["id"]
    for attempt in (0, 1):
        j = wait_for(lambda: (lambda x: x if x.get("instance_id") and
                              x["attempt"] == attempt else None)(
            a.call("GET", f"/status/{jid}")[1]), 20)
        if not j:
            T.ok(False, f"attempt {attempt} launched")
            return
        tk, _ = token_of(moto.admin("ec2"), j["instance_id"])
        st, r, _ = a.call("PUT", f"/callback/{jid}", {"schedule": ""},
                          token=tk)
    T.ok(st == 200 and r["status"] == "FAILED" and
         "gave up after 2 attempts" in r.get("error_message", ""),
         "interrupted on the last attempt -> FAILED", r)
    T.ok(wait_for(lambda: state(ec2, j["instance_id"]) in
                  ("shutting-down", "terminated"), 10),
         "FAILED: its instance is terminated")


def test_failed_launch(moto, key):
    """RunInstances refused (a security group that does not exist) ->
    SCHEDULED again with attempt + 1 and the reason logged, then FAILED.
    Alongside (its own table): instances that never call back are
    replaced after JOBS_LAUNCH_TIMEOUT, then the job FAILS, and each
    abandoned instance is terminated."""
    create_jobs_table(moto.admin("dynamodb"), "jobs-fail")
    create_jobs_table(moto.admin("dynamodb"), "jobs-stale")
    d = Api(moto, key, "jobs-stale", "stale", JOBS_LAUNCH_INTERVAL=1,
            JOBS_AMI_ID=AMI, JOBS_CALLBACK_URL="http://127.0.0.1:1",
            JOBS_AGENT_IMAGE="scratchwork/spot-agent:test",
            JOBS_LAUNCH_TIMEOUT=5, JOBS_MAX_ATTEMPTS=2,
            JOBS_BACKOFF_SECONDS=1)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    stale_id = schedule(d, scheduled_for=now)[1]["id"]
    c = Api(moto, key, "jobs-fail", "fail", JOBS_LAUNCH_INTERVAL=1,
            JOBS_AMI_ID=AMI, JOBS_CALLBACK_URL="http://127.0.0.1:1",
            JOBS_AGENT_IMAGE="scratchwork/spot-agent:test",
            JOBS_SECURITY_GROUP_IDS="sg-0123456789abcdef0",
            JOBS_MAX_ATTEMPTS=2, JOBS_BACKOFF_SECONDS=1)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    jid = schedule(c, scheduled_for=now)[1]["id"]
    j = wait_for(lambda: (lambda x: x if x["status"] == "FAILED" else None)(
        c.call("GET", f"/status/{jid}")[1]), 20)
    T.ok(j and "RunInstances failed" in j.get("error_message", "") and
         "gave up after 2 attempts" in j["error_message"],
         "a refused RunInstances is retried, then FAILED", j)
    log = c.logtext()
    T.ok('"launch failed"' in log or "launch failed" in log,
         "the refused launch is logged")
    T.eq(c.stop(), 0, "SIGTERM -> exit 0")
    j = wait_for(lambda: (lambda x: x if x["status"] == "FAILED" else None)(
        d.call("GET", f"/status/{stale_id}")[1]), 40)
    T.ok(j and "no callback before JOBS_LAUNCH_TIMEOUT" in
         j.get("error_message", ""), "two launches without a callback -> "
         "retried, then FAILED", j)
    ec2 = moto.admin("ec2")
    insts = instances_of(ec2, stale_id)
    T.ok(len(insts) == 2 and all(
        wait_for(lambda i=i: state(ec2, i["InstanceId"]) in
                 ("shutting-down", "terminated"), 10)
        for i in insts), f"both abandoned instances terminated "
         f"({len(insts)} launched)")
    T.eq(d.stop(), 0, "SIGTERM -> exit 0 (stale-launch process)")


def test_healthz_no_aws(key):
    """/healthz makes no AWS call: with every AWS endpoint on a closed
    port it still answers 200 while a route that reads the table cannot."""
    port = free_port()
    env = dict(os.environ, AWS_ACCESS_KEY_ID=key[0],
               AWS_SECRET_ACCESS_KEY=key[1], AWS_REGION="us-east-1",
               AWS_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}",
               AWS_EC2_METADATA_DISABLED="true", AWS_MAX_ATTEMPTS="1",
               JOBS_TABLE="jobs", JOBS_API_KEYS=KEY, JOBS_LAUNCHER="0",
               JOBS_BIND="127.0.0.1", JOBS_PORT=str(port))
    log_path = os.path.join(LOGS, f"jobs-api-noaws-{port}.log")
    with open(log_path, "w") as log:
        p = start([BIN], env=env, stdout=log, stderr=log)
        wait_port(port, proc=p)
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("GET", "/healthz")
        r = c.getresponse()
        T.eq((r.status, json.loads(r.read())), (200, {"status": "ok"}),
             "/healthz -> 200 with no AWS endpoint reachable")
        c.request("GET", "/status/00000000-0000-4000-8000-000000000000",
                  headers={"Authorization": f"Bearer {KEY}"})
        r = c.getresponse()
        r.read()
        T.eq(r.status, 503, "... while /status (a GetItem) -> 503")
        c.close()
        p.send_signal(signal.SIGTERM)
        T.eq(p.wait(15), 0, "no-AWS process: SIGTERM -> exit 0")


def test_reaper(moto, key):
    """Instances that die without any callback: the reaper (every second,
    grace 2 s) puts their job back to SCHEDULED with attempt + 1, which is
    relaunched on a new instance, then FAILED at the maximum; a job whose
    instance still runs is left alone; a recorded instance EC2 does not
    know is reaped too (and not terminated). Instances are terminated
    behind the service's back with boto3, as a Spot reclaim or a person
    would; the running callbacks are sent with the tokens read from the
    user-data, as spot-agent would."""
    create_jobs_table(moto.admin("dynamodb"), "jobs-reap")
    r = Api(moto, key, "jobs-reap", "reap", JOBS_LAUNCH_INTERVAL=1,
            JOBS_AMI_ID=AMI, JOBS_CALLBACK_URL="http://127.0.0.1:1",
            JOBS_AGENT_IMAGE="scratchwork/spot-agent:test",
            JOBS_MAX_ATTEMPTS=2, JOBS_BACKOFF_SECONDS=1,
            JOBS_REAP_INTERVAL=1, JOBS_REAP_GRACE=2)
    ec2 = moto.admin("ec2")
    ddb = moto.admin("dynamodb")
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    dies, lives, unknown = (schedule(r, scheduled_for=now)[1]["id"]
                            for _ in range(3))

    def at(jid, attempt):
        """The job once attempt `attempt` has its instance recorded."""
        return wait_for(lambda: (lambda x: x if x.get("instance_id") and
                                 x["attempt"] == attempt else None)(
            r.call("GET", f"/status/{jid}")[1]), 20)

    def running(jid, attempt):
        j = at(jid, attempt)
        if not j:
            return None
        tok, _ = token_of(ec2, j["instance_id"])
        st, x, _ = r.call("PUT", f"/callback/{jid}",
                          {"running": "", "attempt": attempt}, token=tok)
        return j["instance_id"] if st == 200 and \
            x["status"] == "RUNNING" else None

    iid = {j: running(j, 0) for j in (dies, lives, unknown)}
    T.ok(all(iid.values()), "three jobs launched and RUNNING (callbacks "
         "with the user-data's tokens)", iid)
    if not all(iid.values()):
        r.stop()
        return
    # Behind the service's back: one instance terminated, one job pointed
    # at an instance id EC2 never heard of.
    ghost = "i-00000000deadbeef0"
    ddb.update_item(TableName="jobs-reap", Key={"id": {"S": unknown}},
                    UpdateExpression="SET instance_id = :i",
                    ExpressionAttributeValues={":i": {"S": ghost}})
    ec2.terminate_instances(InstanceIds=[iid[dies]])
    t0 = time.time()
    time.sleep(1.0)
    j = r.call("GET", f"/status/{dies}")[1]
    T.ok(j["status"] == "RUNNING" or time.time() - t0 >= 2,
         "within the grace period the job stays RUNNING", j)

    def moved(jid):
        return wait_for(lambda: (lambda x: x if x["attempt"] == 1 else None)(
            r.call("GET", f"/status/{jid}")[1]), 20)
    j = moved(dies)
    T.ok(j and j["status"] in ("SCHEDULED", "LAUNCHING") and
         j.get("instance_id") != iid[dies],
         "instance terminated without a callback -> back to SCHEDULED, "
         "attempt 1", j)
    j2 = at(dies, 1)
    T.ok(j2 and j2["instance_id"] != iid[dies] and
         len(instances_of(ec2, dies)) == 2,
         "... and relaunched on a new instance", j2)
    j = moved(unknown)
    T.ok(j and j["status"] in ("SCHEDULED", "LAUNCHING"),
         "an instance unknown to EC2 -> back to SCHEDULED, attempt 1", j)
    T.eq(state(ec2, iid[unknown]), "running",
         "(the ghost's job's real instance was never asked to terminate: "
         "only recorded instances are)")
    time.sleep(3.5)  # several more reaper passes
    j = r.call("GET", f"/status/{lives}")[1]
    T.ok(j["status"] == "RUNNING" and j["attempt"] == 0 and
         j["instance_id"] == iid[lives] and state(ec2, iid[lives]) == "running",
         "a job whose instance still runs is left alone", j)

    # The last attempt dies too -> FAILED with the reason.
    iid1 = running(dies, 1)
    T.ok(iid1, "attempt 1 RUNNING")
    ec2.terminate_instances(InstanceIds=[iid1])
    j = wait_for(lambda: (lambda x: x if x["status"] == "FAILED" else None)(
        r.call("GET", f"/status/{dies}")[1]), 20)
    T.ok(j and f"instance {iid1} terminated for" in
         j.get("error_message", "") and "without a callback" in
         j["error_message"] and "gave up after 2 attempts" in
         j["error_message"], "max attempts -> FAILED, the reason kept", j)
    T.eq(r.stop(), 0, "SIGTERM -> exit 0 (reaper process)")
    lines = [json.loads(x) for x in r.logtext().splitlines()
             if x.startswith("{")]
    reaps = [x for x in lines if x.get("event") == "reap"]
    T.ok(sorted((x["job_id"], x["attempt"], x["instance_state"])
                for x in reaps) ==
         sorted([(dies, 0, "terminated"), (dies, 1, "terminated"),
                 (unknown, 0, "unknown to EC2")]) and
         all(x["gone_s"] >= 2 for x in reaps),
         "each reap logged once, with the state, after the grace",
         [(x["job_id"][:8], x["attempt"], x["instance_state"], x["gone_s"])
          for x in reaps])
    T.ok(any(x.get("event") == "transition" and x.get("by") == "reaper"
             for x in lines), "the reaper's transitions are logged")
    T.ok(not any("TerminateInstances failed" in x.get("msg", "")
                 for x in lines),
         "an instance unknown to EC2 is not terminated (no failed "
         "TerminateInstances)")


def test_heartbeat(moto, key):
    """Heartbeats (JOBS_HEARTBEAT_TIMEOUT=3, reaper every second): a
    RUNNING job that heartbeats every second stays RUNNING well past the
    timeout; one whose agent says running and then nothing (an agent hung
    on a live instance) is requeued with attempt + 1 and its still-running
    instance terminated; heartbeats of an old attempt, of a job not
    RUNNING, or of a DONE job are 409; /status shows last_heartbeat.
    The agent's side is played by this test with the tokens from the
    user-data, as in test_reaper."""
    import threading
    create_jobs_table(moto.admin("dynamodb"), "jobs-hb")
    r = Api(moto, key, "jobs-hb", "hb", JOBS_LAUNCH_INTERVAL=1,
            JOBS_AMI_ID=AMI, JOBS_CALLBACK_URL="http://127.0.0.1:1",
            JOBS_AGENT_IMAGE="scratchwork/spot-agent:test",
            JOBS_MAX_ATTEMPTS=3, JOBS_BACKOFF_SECONDS=1,
            JOBS_REAP_INTERVAL=1, JOBS_REAP_GRACE=2,
            JOBS_HEARTBEAT_TIMEOUT=3)
    ec2 = moto.admin("ec2")
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    beating, silent = (schedule(r, scheduled_for=now)[1]["id"]
                       for _ in range(2))

    def at(jid, attempt):
        return wait_for(lambda: (lambda x: x if x.get("instance_id") and
                                 x["attempt"] == attempt else None)(
            r.call("GET", f"/status/{jid}")[1]), 20)

    toks, iids = {}, {}
    for jid in (beating, silent):
        j = at(jid, 0)
        if not j:
            T.ok(False, "jobs launched", jid)
            r.stop()
            return
        iids[jid] = j["instance_id"]
        toks[jid], _ = token_of(ec2, j["instance_id"])
        st, x, _ = r.call("PUT", f"/callback/{jid}",
                          {"running": "", "attempt": 0}, token=toks[jid])
        T.ok(st == 200 and x["status"] == "RUNNING", "running callback", x)
    t_running = time.time()
    x = r.call("GET", f"/status/{beating}")[1]
    first = x.get("last_heartbeat", "")
    T.ok(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first),
         "the running callback records last_heartbeat, shown by /status", x)

    def beat(jid, attempt, token=None):
        return r.call("PUT", f"/callback/{jid}",
                      {"heartbeat": "", "attempt": attempt},
                      token=token or toks[jid])

    st1, x1, _ = beat(beating, 0)
    st2, x2, _ = beat(beating, 0)
    T.ok(st1 == 200 and st2 == 200 and x2["status"] == "RUNNING" and
         x2["attempt"] == 0 and x2["last_heartbeat"] >= x1["last_heartbeat"]
         >= first and x2["updated_at"] == x1["updated_at"],
         "heartbeat -> 200, twice (idempotent): last_heartbeat moves, no "
         "status change (updated_at kept)", (x1, x2))
    stop = threading.Event()
    codes = []

    def beater():
        while not stop.wait(1.0):
            codes.append(beat(beating, 0)[0])
    th = threading.Thread(target=beater, daemon=True)
    th.start()

    def moved(jid):
        return wait_for(lambda: (lambda x: x if x["attempt"] == 1 else None)(
            r.call("GET", f"/status/{jid}")[1]), 20)
    j = moved(silent)
    took = time.time() - t_running
    T.ok(j and j["status"] in ("SCHEDULED", "LAUNCHING") and
         j.get("instance_id") != iids[silent] and "last_heartbeat" not in j,
         "no heartbeat after running -> back to SCHEDULED, attempt 1 (no "
         "heartbeat yet)", j)
    T.ok(3 <= took <= 12, f"... after the 3 s timeout ({took:.1f} s after "
         "running)")
    T.ok(wait_for(lambda: state(ec2, iids[silent]) in
                  ("shutting-down", "terminated"), 10),
         "... and its instance (still running in EC2) terminated")
    st, e, _ = beat(silent, 0)
    T.ok(st == 409 and "attempt 0" in e["error"] and
         "attempt 1" in e["error"], "heartbeat of the old attempt -> 409", e)
    j1 = at(silent, 1)
    if j1:
        tok1, _ = token_of(ec2, j1["instance_id"])
        st, e, _ = beat(silent, 1, token=tok1)
        T.ok(st == 409 and "LAUNCHING" in e["error"],
             "heartbeat of the new attempt before its running -> 409", e)
    else:
        T.ok(False, "the requeued job is relaunched (attempt 1)")
    time.sleep(max(0.0, t_running + 7 - time.time()))
    x = r.call("GET", f"/status/{beating}")[1]
    T.ok(x["status"] == "RUNNING" and x["attempt"] == 0 and
         x["last_heartbeat"] > x2["last_heartbeat"] and
         state(ec2, iids[beating]) == "running",
         "a job heartbeating every second is still RUNNING 7 s after its "
         "running callback (timeout 3 s), its instance running", x)
    stop.set()
    th.join(5)
    T.ok(len(codes) >= 5 and set(codes) == {200},
         f"{len(codes)} background heartbeats, all 200", codes)
    st, x, _ = r.call("PUT", f"/callback/{beating}", {"attempt": 0},
                      token=toks[beating])
    T.ok(st == 200 and x["status"] == "DONE" and x.get("last_heartbeat"),
         "done callback after heartbeats -> DONE (last_heartbeat kept)", x)
    st, e, _ = beat(beating, 0)
    T.ok(st == 409 and "DONE" in e["error"], "heartbeat of a DONE job -> 409",
         e)
    T.eq(r.stop(), 0, "SIGTERM -> exit 0 (heartbeat process)")
    lines = [json.loads(x) for x in r.logtext().splitlines()
             if x.startswith("{")]
    reaps = [x for x in lines if x.get("event") == "reap"]
    T.ok(len(reaps) == 1 and reaps[0]["job_id"] == silent and
         reaps[0]["attempt"] == 0 and reaps[0]["silent_s"] > 3 and
         reaps[0].get("last_heartbeat"),
         "one reap logged: the silent job, with its last heartbeat",
         reaps)


def main():
    global AMI
    moto = Moto()
    key = moto.worker_user("jobs-api")
    create_jobs_table(moto.admin("dynamodb"), "jobs")
    AMI = moto.admin("ec2").describe_images()["Images"][0]["ImageId"]
    api = Api(moto, key, "jobs", "api", JOBS_LAUNCHER=0)
    T.run(lambda: test_api(api), "API")
    launch_env = dict(JOBS_LAUNCH_INTERVAL=1, JOBS_AMI_ID=AMI,
                      JOBS_CALLBACK_URL=f"http://127.0.0.1:{api.port}",
                      JOBS_AGENT_IMAGE="scratchwork/spot-agent:test",
                      JOBS_MAX_ATTEMPTS=2, JOBS_BACKOFF_SECONDS=1)
    a = Api(moto, key, "jobs", "a", **launch_env)
    b = Api(moto, key, "jobs", "b", **launch_env)
    T.run(lambda: test_launcher(moto, a, b), "launcher")
    T.run(lambda: test_failed_launch(moto, key), "failed launch")
    T.run(lambda: test_reaper(moto, key), "reaper")
    T.run(lambda: test_heartbeat(moto, key), "heartbeat")
    T.run(lambda: test_healthz_no_aws(key), "healthz without AWS")
    # Logs: one line per request and transition, never a key or a token.
    for p in (a, b):
        T.eq(p.stop(), 0, f"process {p.port}: SIGTERM -> exit 0")
    T.eq(api.stop(), 0, "API process: SIGTERM -> exit 0")
    text = api.logtext() + a.logtext() + b.logtext()
    lines = [json.loads(x) for x in text.splitlines() if x.startswith("{")]
    reqs = [x for x in lines if x.get("event") == "request"]
    T.ok(reqs and all({"method", "path", "status", "ms"} <= set(x)
                      for x in reqs), f"{len(reqs)} request log lines with "
         "method, path, status, ms")
    T.ok(any(x.get("event") == "transition" and x.get("to") == "RUNNING"
             for x in lines), "transitions are logged")
    toks = re.findall(r"[0-9a-f]{64}", text)
    T.ok(KEY not in text and KEY2 not in text and not toks,
         "no API key and no token in any log", toks[:2])
    T.ok(any(x.get("msg") == "stopped" for x in lines),
         "graceful shutdown logged")
    moto.stop()
    T.done()


AMI = None
if __name__ == "__main__":
    main()
