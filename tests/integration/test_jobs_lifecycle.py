#!/usr/bin/env python3
"""test_jobs_lifecycle - jobs-api and spot-agent together, end to end:
the real jobs-api (test build) on moto with IAM auth (DynamoDB table, EC2;
signed as a user holding policies/jobs-api.json), real podman and a real
registry (tests/lib/podman.py), and the IMDSv2 fixture
(tests/lib/imds_fixture.py: no real IMDS can run off EC2). The test plays
the instance: when the launcher's RunInstances shows up in moto, it reads
that instance's user-data and starts the spot-agent binary with exactly
the SPOT_AGENT_* values found there, with an IMDS fixture serving that
instance's id and the instance role's keys (a moto user holding
policies/spot-agent.json).

schedule -> launch (attempt 0) -> agent: running -> the IMDS fixture
raises a Spot notice -> the job's container is stopped (SIGTERM) ->
schedule callback -> jobs-api requeues (attempt 1) -> relaunch on a new
instance -> agent: running -> done. Then: exactly one DONE transition,
attempt 1, both instances terminated in moto (no leak), no container
left; a duplicate done callback answers 200 and changes nothing, an
out-of-order running callback 409, the old attempt's token 403. The
agents heartbeat every second and jobs-api's heartbeat timeout is 3 s:
the 7 s job is never reaped.
"""
import base64
import http.client
import json
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(__file__) + "/../lib")
import podman as podman_lib  # noqa: E402
from jobstest import create_jobs_table  # noqa: E402
from imds_fixture import ImdsFixture  # noqa: E402
from swtest import (BUILD, TEST_BIN, Moto, Tap, free_port, start,  # noqa: E402
                    wait_for, wait_port)

JOBS_API = os.path.join(TEST_BIN, "jobs-api")
AGENT = os.path.join(TEST_BIN, "spot-agent")
KEY = "lifecycle-api-key-0123456789"
AMI = "ami-12c6146b"
TABLE = "jobs-lifecycle"

t = Tap()
why = podman_lib.available() or (
    None if os.access(JOBS_API, os.X_OK) else "jobs-api not built")
if why:
    t.skip("jobs lifecycle", why)
    t.done()


def call(port, method, path, body=None, token=KEY):
    """(status, parsed body) of one request to jobs-api."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    h = {"Authorization": f"Bearer {token}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    c.request(method, path, body=data, headers=h)
    r = c.getresponse()
    txt = r.read()
    c.close()
    try:
        return r.status, json.loads(txt) if txt else None
    except ValueError:
        return r.status, None


def user_data_env(ec2, iid):
    """The SPOT_AGENT_* values of the instance's user-data."""
    ud = ec2.describe_instance_attribute(InstanceId=iid, Attribute="userData")
    text = base64.b64decode(ud["UserData"]["Value"]).decode()
    return dict(re.findall(r"-e (SPOT_AGENT_[A-Z_]+)='([^']*)'", text))


def instances_of(ec2, jid):
    r = ec2.describe_instances(Filters=[
        {"Name": "tag:scratchwork:job-id", "Values": [jid]}])
    return [i for res in r["Reservations"] for i in res["Instances"]]


moto = Moto()
reg = podman_lib.Registry()
pm = podman_lib.Podman(registries=[reg.addr])
procs = []
agent_logs = []
try:
    IMAGE = podman_lib.build_job_image(pm, f"{reg.addr}/swtest/job:1")
    create_jobs_table(moto.admin("dynamodb"), TABLE)
    api_key = moto.worker_user("jobs-api")
    with open(os.path.join(os.path.dirname(__file__), "..", "..",
                           "policies", "spot-agent.json")) as f:
        agent_policy = json.load(f)
    for st in agent_policy["Statement"]:
        # moto matches Resources only against "*" and has no resource
        # context for the instance-tag condition: both dropped, the
        # Action list kept.
        st["Resource"] = "*"
        st.pop("Condition", None)
    role_key = moto.user("spot-agent-role", agent_policy)
    ec2 = moto.admin("ec2")

    port = free_port()
    log_path = os.path.join(BUILD, "test", "logs",
                            f"jobs-api-lifecycle-{port}.log")
    api_log = open(log_path, "w")
    api = start([JOBS_API], env=moto.env(
        api_key, JOBS_TABLE=TABLE, JOBS_API_KEYS=KEY, JOBS_BIND="127.0.0.1",
        JOBS_PORT=port, JOBS_LAUNCH_INTERVAL=1, JOBS_AMI_ID=AMI,
        JOBS_CALLBACK_URL=f"http://127.0.0.1:{port}",
        JOBS_AGENT_IMAGE="scratchwork/spot-agent:test",
        JOBS_MAX_ATTEMPTS=3, JOBS_BACKOFF_SECONDS=1,
        # Heartbeats end to end: a job running longer than 3 s stays
        # RUNNING only because the agent beats every second.
        JOBS_REAP_INTERVAL=1, JOBS_HEARTBEAT_TIMEOUT=3), stdout=api_log,
        stderr=api_log)
    wait_port(port, proc=api)

    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    st, job = call(port, "POST", "/schedule", {
        "docker_image": IMAGE, "scheduled_for": now,
        "env_vars": {"JOB_SLEEP": "7", "JOB_GREETING": "lifecycle"}})
    t.eq(st, 201, "POST /schedule of the job image")
    jid = job["id"]

    def launched(attempt):
        j = call(port, "GET", f"/status/{jid}")[1]
        return j if j.get("instance_id") and j["attempt"] == attempt and \
            j["status"] == "LAUNCHING" else None

    def play_instance(attempt, notice):
        """Waits for attempt's instance, runs the agent as its user-data
        says; with notice, raises a Spot notice once the job runs.
        Returns (instance id, agent exit code, agent env, imds)."""
        j = wait_for(lambda: launched(attempt), 30)
        if not t.ok(j, f"attempt {attempt} launched by the launcher"):
            raise RuntimeError("no launch")
        iid = j["instance_id"]
        ud = user_data_env(ec2, iid)
        t.ok(ud.get("SPOT_AGENT_JOB_ID") == jid and
             ud.get("SPOT_AGENT_ATTEMPT") == str(attempt) and
             re.fullmatch(r"[0-9a-f]{64}", ud.get("SPOT_AGENT_TOKEN", "")),
             f"attempt {attempt}: user-data has the job id, attempt and a "
             "token", ud.keys())
        imds = ImdsFixture(instance_id=iid, creds=role_key)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "DOCKER_HOST": pm.docker_host,
               "AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.endpoint,
               "AWS_ENDPOINT_URL": moto.endpoint, "AWS_REGION": "us-east-1",
               "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
               "AWS_CONFIG_FILE": "/nonexistent",
               "SPOT_AGENT_POLL_SECONDS": "1", "SPOT_AGENT_STOP_TIMEOUT": "5",
               "SW_RETRY_BASE_MS": "100",
               "SPOT_AGENT_HEARTBEAT_SECONDS": "1", **ud}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        log = open(os.path.join(BUILD, "test", "logs",
                                f"spot-agent-lifecycle-{attempt}.log"), "w+")
        p = start([AGENT], env=env, stdout=log, stderr=log)
        procs.append(p)
        if notice:
            running = wait_for(lambda: call(port, "GET", f"/status/{jid}")[1]
                               ["status"] == "RUNNING", 30)
            t.ok(running, f"attempt {attempt}: RUNNING (the agent's "
                 "running callback)")
            time.sleep(1.5)
            imds.raise_notice()
        try:
            rc = p.wait(60)
        except Exception:  # noqa: BLE001 - a hang is a failure, reported
            p.kill()
            rc = p.wait()
        log.seek(0)
        agent_logs.append(log.read())
        log.close()
        imds.stop()
        return iid, rc, ud

    iid1, rc1, ud1 = play_instance(0, notice=True)
    t.eq(rc1, 0, "attempt 0: the agent exits 0 after the schedule callback")
    t.ok('"exit_code":42' in agent_logs[-1],
         "attempt 0: the job got SIGTERM (its trap exited 42)")
    iid2, rc2, ud2 = play_instance(1, notice=False)
    t.ok(iid2 != iid1, "attempt 1 runs on a new instance")
    t.eq(rc2, 0, "attempt 1: the agent exits 0 after the done callback")
    st, j = call(port, "GET", f"/status/{jid}")
    t.eq((st, j["status"], j["attempt"]), (200, "DONE", 1),
         "the job is DONE at attempt 1")
    insts = instances_of(ec2, jid)
    t.eq(sorted(i["InstanceId"] for i in insts), sorted([iid1, iid2]),
         "one instance per attempt, two in all")
    t.ok(wait_for(lambda: all(i["State"]["Name"] == "terminated"
                              for i in instances_of(ec2, jid)), 10),
         "both instances terminated in moto (no leak)")
    t.eq(pm.containers(f"scratchwork.job_id={jid}"), [],
         "no container left behind")

    # duplicate and out-of-order callbacks after the end
    tok1, tok2 = ud1["SPOT_AGENT_TOKEN"], ud2["SPOT_AGENT_TOKEN"]
    st, d = call(port, "PUT", f"/callback/{jid}", {"attempt": 1}, token=tok2)
    t.eq((st, d and d.get("status")), (200, "DONE"),
         "a duplicate done callback -> 200, still DONE")
    st, _ = call(port, "PUT", f"/callback/{jid}",
                 {"running": "", "attempt": 1}, token=tok2)
    t.eq(st, 409, "an out-of-order running callback after DONE -> 409")
    st, _ = call(port, "PUT", f"/callback/{jid}",
                 {"schedule": "", "attempt": 0}, token=tok1)
    t.eq(st, 403, "the interrupted attempt's token -> 403")
    st, j = call(port, "GET", f"/status/{jid}")
    t.eq((j["status"], j["attempt"]), ("DONE", 1),
         "the job is unchanged by them")

    api.send_signal(signal.SIGTERM)
    api.wait(15)
    api_log.close()
    with open(log_path) as f:
        lines = [json.loads(x) for x in f if x.startswith("{")]
    done = [x for x in lines if x.get("event") == "transition" and
            x.get("job_id") == jid and x.get("to") == "DONE"]
    t.eq(len(done), 1, "exactly one DONE transition in jobs-api's log")
    t.eq([x for x in lines if x.get("event") == "reap"], [],
         "no reap: the heartbeats kept the 7 s job RUNNING past the 3 s "
         "heartbeat timeout")
    beats = [json.loads(x) for x in agent_logs[-1].splitlines()
             if x.startswith("{") and '"heartbeats stopped"' in x]
    t.ok(beats and beats[0]["beats"] >= 4 and
         beats[0]["acknowledged"] == beats[0]["beats"],
         "attempt 1's agent: heartbeats every second, all acknowledged by "
         "jobs-api", beats)
    t.ok(all(tok not in "".join(agent_logs) for tok in (tok1, tok2)),
         "no token in the agents' logs")
except Exception:  # noqa: BLE001 - reported as one failure
    import traceback
    t.ok(False, "lifecycle", traceback.format_exc())
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
    pm.stop()
    reg.stop()
    moto.stop()
t.done()
