#!/usr/bin/env python3
"""test_spot_agent - spot-agent against a real Docker-compatible engine
(podman's API service, tests/lib/podman.py), a real registry (Debian's
docker-registry: every run really pulls), moto with IAM auth (the
instance's TerminateInstances) and two fixtures where nothing real can run
here: an IMDSv2 fixture (tests/lib/imds_fixture.py; the real IMDS is a
link-local hypervisor service) and a small jobs-api fixture below (the
real jobs-api is tested with the agent in test_jobs_lifecycle.py).

The job image is a static C program (tests/lib/podman.py) whose behaviour
its environment sets: exit code, log lines, a SIGTERM trap (exits 42).

Cases:
- exit 0 -> running, then {} (with the attempt), every call with the
  bearer token; the container removed; the instance (a real moto instance
  whose id and role credentials the IMDS fixture serves) terminated in
  moto; run with the static release binary;
- exit 3 with 30 log lines -> failed, the message = the last 20 lines;
- env vars (UTF-8, '=', quotes, $) reach the container, stderr included;
- IMDS tokens ended early by IMDS (401): replaced at once;
- IMDS unreachable: the job runs to done, one log line about it;
- a Spot notice raised by the IMDS fixture -> the container gets SIGTERM
  (its trap exits 42, seen in the agent's log), then {"schedule": ""};
  IMDS tokens (TTL 2 s) refreshed before they expire: no 401 at all;
- the final callback answered 503, 503, then the API down (connection
  refused) for 3 s: retried, then acknowledged exactly once;
- 409 is acknowledged; 401 on GET (wrong token) stops at once (exit 2, no
  container); 401 on the final PUT stops without retrying (exit 2);
- an image the registry does not have -> failed ("pull: ...manifest
  unknown"), no running;
- a stale instance (SPOT_AGENT_ATTEMPT older than the spec's) runs
  nothing and reports nothing; missing configuration exits 2;
- heartbeats (SPOT_AGENT_HEARTBEAT_SECONDS=1): about one a second while
  the container runs, none after the final callback, a failing beat
  logged once; heartbeats the API never answers hold up neither the
  notice nor the schedule callback;
- the token never appears in the agent's logs.
"""
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(__file__) + "/../lib")
import podman as podman_lib  # noqa: E402
from imds_fixture import ImdsFixture  # noqa: E402
from swtest import BIN, ROOT, TEST_BIN, Moto, Tap, free_port  # noqa: E402

AGENT = os.path.join(TEST_BIN, "spot-agent")
AGENT_REL = os.path.join(BIN, "spot-agent")
TOKEN = "tok-" + "s3cr3t" * 6
AMI = "ami-12c6146b"

t = Tap()
why = podman_lib.available()
if why:
    t.skip("spot-agent against podman", why)
    t.done()


class Api:
    """The jobs-api side of the protocol: serves the spec on GET, records
    every PUT, answers PUTs from a script (statuses, or "down": no answer,
    and the port closed for `down_seconds`), then 200."""

    def __init__(self, job_id, spec):
        self.job_id = job_id
        self.spec = spec
        self.calls = []  # {"method", "auth", "body", "status"}
        self.put_script = []
        self.heartbeat_script = []  # statuses for heartbeat PUTs, or "hang"
        self.hang_seconds = 4
        self.down_seconds = 3
        self.lock = threading.Lock()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = None
        self.start()

    def start(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _answer(self, status, body=b"{}"):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _common(self):
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n) if n else b""
                call = {"method": self.command,
                        "auth": self.headers.get("Authorization"),
                        "path": self.path, "body": None, "status": None,
                        "t": time.monotonic()}
                try:
                    call["body"] = json.loads(raw) if raw else None
                except ValueError:
                    call["body"] = raw
                with api.lock:
                    api.calls.append(call)
                if self.path != f"/callback/{api.job_id}":
                    call["status"] = 404
                elif call["auth"] != f"Bearer {TOKEN}":
                    call["status"] = 401
                return call

            def do_GET(self):
                call = self._common()
                if call["status"]:
                    return self._answer(call["status"])
                call["status"] = 200
                self._answer(200, json.dumps(api.spec).encode())

            def do_PUT(self):
                call = self._common()
                if call["status"]:
                    return self._answer(call["status"])
                if isinstance(call["body"], dict) and \
                        "heartbeat" in call["body"] and api.heartbeat_script:
                    # Heartbeats have their own script, so the callbacks'
                    # statuses stay in order whatever the timing.
                    with api.lock:
                        st = api.heartbeat_script.pop(0)
                else:
                    with api.lock:
                        st = api.put_script.pop(0) if api.put_script else 200
                call["status"] = st
                if st == "hang":
                    # An API that does not answer a beat in time.
                    time.sleep(api.hang_seconds)
                    return self._answer(200)
                if st == "down":
                    threading.Thread(target=api.bounce, daemon=True).start()
                    self.close_connection = True
                    return
                self._answer(st)

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()

    def bounce(self):
        """Closes the port for down_seconds (connections refused), then
        listens again."""
        self.stop()
        time.sleep(self.down_seconds)
        self.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def puts(self):
        with self.lock:
            return [c for c in self.calls if c["method"] == "PUT"]

    def gets(self):
        with self.lock:
            return [c for c in self.calls if c["method"] == "GET"]


class Run:
    """A running agent; stderr (JSON log lines) collected as it comes."""

    def __init__(self, binary, env):
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen([binary], env=env,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait(self, timeout=60):
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.reader.join(5)
        self.seconds = time.monotonic() - self.t0
        return rc

    def logs(self, msg=None):
        out = []
        for line in self.lines:
            try:
                j = json.loads(line)
            except ValueError:
                continue
            if msg is None or j.get("msg") == msg:
                out.append(j)
        return out

    def text(self):
        return "\n".join(self.lines)


ALL_LOGS = []


def agent_env(api, imds, **extra):
    """A clean environment (no stray AWS variables) for one run."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "SPOT_AGENT_JOB_ID": api.job_id, "SPOT_AGENT_API_URL": api.url,
           "SPOT_AGENT_TOKEN": TOKEN, "DOCKER_HOST": pm.docker_host,
           "AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.endpoint,
           "SPOT_AGENT_POLL_SECONDS": "1", "SPOT_AGENT_STOP_TIMEOUT": "5",
           "SPOT_AGENT_TERMINATE": "false", "SW_RETRY_BASE_MS": "100",
           "SPOT_AGENT_CALLBACK_DEADLINE": "60", "AWS_REGION": "us-east-1",
           "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
           "AWS_CONFIG_FILE": "/nonexistent"}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    env.update({k: str(v) for k, v in extra.items()})
    return env


def spec(job_id, image, env_vars, attempt=1):
    return {"id": job_id, "docker_image": image, "env_vars": env_vars,
            "attempt": attempt}


def run_job(job_id, env_vars, image=None, binary=AGENT, imds=None,
            script=(), timeout=60, **extra):
    """Runs one job to its end; returns (api, run, rc)."""
    api = Api(job_id, spec(job_id, image or IMAGE, env_vars))
    api.put_script = list(script)
    own_imds = imds is None
    imds = imds or ImdsFixture()
    r = Run(binary, agent_env(api, imds, **extra))
    rc = r.wait(timeout)
    ALL_LOGS.append(r.text())
    api.stop()
    if own_imds:
        imds.stop()
    return api, r, rc


def bodies(api):
    return [c["body"] for c in api.puts()]


def left(job_id):
    return pm.containers(f"scratchwork.job_id={job_id}")


reg = podman_lib.Registry()
pm = podman_lib.Podman(registries=[reg.addr])
t0 = time.monotonic()
IMAGE = podman_lib.build_job_image(pm, f"{reg.addr}/swtest/job:1")
t.ok(True, f"job image built and pushed ({time.monotonic() - t0:.1f} s)")


def case_done_and_terminate():
    moto = Moto()
    ec2 = moto.admin("ec2")
    iid = ec2.run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [
            {"Key": "scratchwork:job-id", "Value": "job-a"}]}],
    )["Instances"][0]["InstanceId"]
    with open(os.path.join(ROOT, "policies", "spot-agent.json")) as f:
        policy = json.load(f)
    for st in policy["Statement"]:
        # moto matches Resources only against "*" and cannot evaluate the
        # instance-tag condition (it has no resource context): both
        # dropped; the Action list stays, so a missing action still fails.
        st["Resource"] = "*"
        st.pop("Condition", None)
    key = moto.user("spot-agent-role", policy)
    imds = ImdsFixture(instance_id=iid, creds=key)
    api, r, rc = run_job("job-a", {"JOB_EXIT": "0"}, binary=AGENT_REL,
                         imds=imds, SPOT_AGENT_TERMINATE="true",
                         AWS_ENDPOINT_URL=moto.endpoint)
    t.eq(rc, 0, "exit 0 job (release binary): agent exits 0", )
    t.eq(bodies(api), [{"running": "", "attempt": 1}, {"attempt": 1}],
         "callbacks: running, then {} with the attempt")
    t.ok(all(c["auth"] == f"Bearer {TOKEN}" for c in api.calls) and
         len(api.gets()) == 1, "one GET; every call carries the bearer token",
         api.calls)
    t.eq(left("job-a"), [], "the container was removed")
    state = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0][
        "Instances"][0]["State"]["Name"]
    t.eq(state, "terminated", "the instance is terminated in moto")
    t.ok(imds.gets("/latest/meta-data/instance-id") >= 1 and
         imds.gets("/latest/meta-data/iam/security-credentials/") >= 1,
         "instance id and role credentials came from IMDS")
    msgs = [j["msg"] for j in r.logs()]
    for m in ("job spec fetched", "image pulled", "container created",
              "container started", "container exited",
              "callback acknowledged", "container removed",
              "terminating the instance"):
        if m not in msgs:
            t.ok(False, f"log line {m!r}", r.text())
            break
    else:
        t.ok(True, "one log line per state change, in JSON")
    imds.stop()
    moto.stop()


def case_failed_tail():
    api, r, rc = run_job("job-b", {"JOB_EXIT": "3", "JOB_LINES": "30"})
    t.eq(rc, 0, "exit 3 job: agent exits 0 (the failure was reported)")
    b = bodies(api)
    t.ok(len(b) == 2 and b[0] == {"running": "", "attempt": 1} and
         set(b[1]) == {"failed", "error_message", "attempt"} and
         b[1]["failed"] == "", "callbacks: running, then failed", b)
    msg = b[-1].get("error_message", "") if b else ""
    head, _, tail = msg.partition("\n")
    t.eq(head, "exit code 3; last log lines:", "message names the exit code")
    t.eq(tail.split("\n"), [f"line {i}" for i in range(11, 31)],
         "message holds exactly the last 20 log lines")
    t.eq(left("job-b"), [], "failed job's container removed")


def case_env():
    g = "h\u00e9llo w\u00f6rld = $HOME 'q' \"d\""
    api, r, rc = run_job("job-c", {"JOB_EXIT": "5", "JOB_GREETING": g,
                                   "JOB_STDERR": "to stderr"})
    msg = (bodies(api) or [{}])[-1].get("error_message", "")
    t.ok(f"greeting={g}" in msg, "env vars reach the container verbatim",
         msg)
    t.ok("to stderr" in msg and msg.startswith("exit code 5"),
         "stderr lines are in the message too", msg)


def case_notice():
    imds = ImdsFixture()
    api = Api("job-d", spec("job-d", IMAGE, {"JOB_SLEEP": "60"}))
    r = Run(AGENT, agent_env(api, imds, SPOT_AGENT_IMDS_TOKEN_TTL="2"))
    deadline = time.monotonic() + 30
    while not api.puts() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(4)  # two token lifetimes of polling
    polls = imds.gets("/latest/meta-data/spot/instance-action")
    imds.raise_notice()
    t_notice = time.monotonic()
    rc = r.wait(40)
    took = time.monotonic() - t_notice
    ALL_LOGS.append(r.text())
    api.stop()
    t.eq(rc, 0, "spot notice: agent exits 0")
    t.eq(bodies(api), [{"running": "", "attempt": 1},
                       {"schedule": "", "attempt": 1}],
         "callbacks: running, then schedule")
    stopped = r.logs("container stopped")
    t.ok(stopped and stopped[0].get("exit_code") == 42,
         "the job got SIGTERM (its trap exited 42)", r.text())
    t.ok(took < 10, f"notice to exit in {took:.1f} s (poll 1 s)")
    t.ok(polls >= 3, f"IMDS polled every second before the notice ({polls})")
    t.ok(imds.token_puts >= 2 and imds.unauthorized == 0,
         f"IMDS token refreshed before expiry: {imds.token_puts} tokens, "
         f"{imds.unauthorized} refused GETs")
    t.eq(left("job-d"), [], "interrupted job's container removed")
    t.eq(len(r.logs("IMDS answers: watching for a spot notice")), 1,
         "one log line for IMDS answering, not one per poll")
    imds.stop()


HB = {"heartbeat": "", "attempt": 1}


def case_heartbeat():
    """SPOT_AGENT_HEARTBEAT_SECONDS=1, a 5 s job: heartbeats (the first
    answered 503) come about once a second after running and before the
    final callback, none after it; outcomes logged once per change."""
    api = Api("job-n", spec("job-n", IMAGE, {"JOB_SLEEP": "5"}))
    api.heartbeat_script = [503] + [200] * 20
    imds = ImdsFixture()
    r = Run(AGENT, agent_env(api, imds, SPOT_AGENT_HEARTBEAT_SECONDS="1"))
    rc = r.wait(40)
    ALL_LOGS.append(r.text())
    time.sleep(1.5)  # a beat the agent might still owe would land by now
    api.stop()
    imds.stop()
    puts = api.puts()
    b = [c["body"] for c in puts]
    beats = [c for c in puts if c["body"] == HB]
    t.eq(rc, 0, "heartbeats: agent exits 0")
    t.ok(len(b) >= 2 and b[0] == {"running": "", "attempt": 1} and
         b[-1] == {"attempt": 1} and all(x == HB for x in b[1:-1]),
         "PUTs: running, heartbeats only, then done (the final one last: no "
         "heartbeat after it)", b)
    t.ok(3 <= len(beats) <= 6, f"{len(beats)} heartbeats during a 5 s job "
         "(every second)")
    gaps = [y["t"] - x["t"] for x, y in zip(beats, beats[1:])]
    t.ok(gaps and all(0.6 <= g <= 1.8 for g in gaps),
         "heartbeats about 1 s apart", [round(g, 2) for g in gaps])
    t.ok(all(c["auth"] == f"Bearer {TOKEN}" for c in beats),
         "heartbeats carry the bearer token")
    t.ok(len(r.logs("heartbeat not acknowledged; still trying")) == 1 and
         len(r.logs("heartbeats acknowledged")) == 1,
         "a 503 then 200s: one line for each change, not one per beat",
         r.text())
    stopped = r.logs("heartbeats stopped")
    t.ok(stopped and stopped[0].get("beats") == len(beats) and
         stopped[0].get("acknowledged") == len(beats) - 1,
         "the agent's count of beats matches the API's", stopped)
    t.eq(left("job-n"), [], "heartbeat job's container removed")


def case_heartbeat_hang_notice():
    """The API never answers a heartbeat in time (each beat hangs 4 s,
    beat timeout 1 s) and a Spot notice comes: the notice poll and the
    schedule callback are not held up by the beats."""
    imds = ImdsFixture()
    api = Api("job-o", spec("job-o", IMAGE, {"JOB_SLEEP": "60"}))
    api.heartbeat_script = ["hang"] * 50
    r = Run(AGENT, agent_env(api, imds, SPOT_AGENT_HEARTBEAT_SECONDS="1"))
    deadline = time.monotonic() + 30
    while len(api.puts()) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    imds.raise_notice()
    t_notice = time.monotonic()
    rc = r.wait(40)
    took = time.monotonic() - t_notice
    ALL_LOGS.append(r.text())
    api.stop()
    imds.stop()
    b = [c["body"] for c in api.puts()]
    t.eq(rc, 0, "hanging heartbeats + notice: agent exits 0")
    t.ok(b.count(HB) >= 2 and b[-1] == {"schedule": "", "attempt": 1},
         "heartbeats were sent, then schedule", b)
    t.ok(took < 12, f"notice to exit in {took:.1f} s despite the hanging "
         "heartbeats (poll 1 s, stop timeout 5 s)")
    t.eq(len(r.logs("heartbeat not acknowledged; still trying")), 1,
         "timed-out beats: logged once")


class ClosedImds:
    """An IMDS address where nothing listens."""
    endpoint = f"http://127.0.0.1:{free_port()}"

    def stop(self):
        pass


def case_imds_token_expired():
    # IMDS ends tokens early (max_ttl 1 s, though 21600 s were asked): the
    # agent's GETs get 401, and it fetches a new token and carries on.
    imds = ImdsFixture(max_ttl=1)
    api, r, rc = run_job("job-m", {"JOB_SLEEP": "4"}, imds=imds)
    imds.stop()
    t.ok(rc == 0 and imds.unauthorized >= 1 and imds.token_puts >= 2 and
         not r.logs("IMDS spot/instance-action unreadable; the job goes on"),
         f"an expired IMDS token (401) is replaced at once "
         f"({imds.unauthorized} refused, {imds.token_puts} tokens)", r.text())


def case_imds_down():
    api, r, rc = run_job("job-l", {"JOB_SLEEP": "3"}, imds=ClosedImds())
    t.eq((rc, bodies(api)), (0, [{"running": "", "attempt": 1},
                                 {"attempt": 1}]),
         "IMDS unreachable: the job still runs to done")
    t.eq(len(r.logs("IMDS spot/instance-action unreadable; the job goes on")),
         1, "the IMDS outage is logged once, not per poll")


def case_retry_then_ack():
    api, r, rc = run_job("job-e", {"JOB_EXIT": "0"},
                         script=[200, 503, 503, "down"])
    puts = api.puts()
    final = [c for c in puts if c["body"] == {"attempt": 1}]
    t.eq(rc, 0, "503 / down API: agent exits 0 once acknowledged")
    t.eq([c["status"] for c in final], [503, 503, "down", 200],
         "final callback: 503, 503, down, then 200")
    t.eq(sum(1 for c in final if c["status"] == 200), 1,
         "acknowledged exactly once")
    refused = [j for j in r.logs("jobs-api call not acknowledged, retrying")
               if j.get("http_status") == 0]
    t.ok(len(refused) >= 1, f"retried while the port was closed "
         f"({len(refused)} refused attempts)", r.text())


def case_409():
    api, r, rc = run_job("job-f", {"JOB_EXIT": "0"}, script=[200, 409])
    t.eq(rc, 0, "409 on the final callback: acknowledged, exit 0")
    t.eq(len(api.puts()), 2, "409 is not retried")
    t.ok(r.logs("callback: the API already has a later state"),
         "409 logged as already later")


def case_401():
    api = Api("job-g", spec("job-g", IMAGE, {"JOB_EXIT": "0"}))
    imds = ImdsFixture()
    r = Run(AGENT, agent_env(api, imds, SPOT_AGENT_TOKEN="wrong-token"))
    rc = r.wait(30)
    ALL_LOGS.append(r.text())
    api.stop()
    imds.stop()
    t.eq(rc, 2, "401 on GET: exit 2")
    t.eq((len(api.gets()), len(api.puts())), (1, 0),
         "401 is not retried; nothing reported")
    t.eq(left("job-g"), [], "no container made")
    t.ok("wrong-token" not in r.text(), "the given token is not logged")

    api, r, rc = run_job("job-h", {"JOB_EXIT": "0"}, script=[200, 401])
    t.eq(rc, 2, "401 on the final PUT: exit 2")
    t.eq(len(api.puts()), 2, "the refused callback is not retried")
    t.eq(left("job-h"), [], "container removed after a refusal")


def case_unpullable():
    api, r, rc = run_job("job-i", {}, image=f"{reg.addr}/swtest/nope:1")
    b = bodies(api)
    t.eq(rc, 0, "unpullable image: exit 0 (reported)")
    t.ok(len(b) == 1 and "failed" in b[0] and
         b[0]["error_message"].startswith("pull: ") and
         "manifest unknown" in b[0]["error_message"],
         "one failed callback saying why the pull failed", b)


def case_stale_and_config():
    api, r, rc = run_job("job-j", {"JOB_EXIT": "0"}, SPOT_AGENT_ATTEMPT="0")
    t.ok(rc == 2 and api.puts() == [] and left("job-j") == [],
         "stale instance (attempt 0, spec 1): nothing run or reported, "
         "exit 2", r.text())
    api, imds = Api("job-k", {}), ImdsFixture()
    env = agent_env(api, imds)
    del env["SPOT_AGENT_TOKEN"]
    p = subprocess.run([AGENT], env=env, capture_output=True, text=True,
                       timeout=30)
    api.stop()
    imds.stop()
    t.eq(api.calls, [], "no call made without configuration")
    t.ok(p.returncode == 2 and "SPOT_AGENT_TOKEN" in p.stderr and
         len(p.stderr.strip().splitlines()) == 1,
         "missing SPOT_AGENT_TOKEN: one line, exit 2", p.stderr)


try:
    for case in (case_done_and_terminate, case_failed_tail, case_env,
                 case_notice, case_heartbeat, case_heartbeat_hang_notice,
                 case_imds_token_expired, case_imds_down, case_retry_then_ack, case_409, case_401,
                 case_unpullable, case_stale_and_config):
        t.run(case)
    t.ok(all(TOKEN not in text for text in ALL_LOGS) and ALL_LOGS,
         "the token never appears in the agent's logs")
finally:
    pm.stop()
    reg.stop()
t.done()
