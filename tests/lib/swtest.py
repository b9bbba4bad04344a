"""swtest - shared helpers for the Python-driven integration tests.

TAP output (so tests/run counts Python and C tests alike), paths to the built
programs, free loopback ports, and a moto_server fixture with IAM auth on.

Every server these helpers start listens on 127.0.0.1 only and is stopped
when the test ends (atexit), even on failure.
"""
import atexit
import json
import os
import socket
import subprocess
import sys
import time
import traceback

ROOT = os.environ.get("SW_ROOT") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
TEST_BIN = os.path.join(BUILD, "test", "bin")
BIN = os.path.join(BUILD, "bin")
REGION = "us-east-1"
ACCOUNT = "123456789012"


class Tap:
    """Prints TAP lines; done() prints the plan and exits 0/1."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, what, detail=None):
        self.n += 1
        if cond:
            print(f"ok {self.n} - {what}", flush=True)
        else:
            self.failed += 1
            print(f"not ok {self.n} - {what}", flush=True)
            if detail is not None:
                for line in str(detail).splitlines()[:30]:
                    print(f"#   {line}", flush=True)
        return cond

    def eq(self, got, want, what):
        return self.ok(got == want, what, f"got  {got!r}\nwant {want!r}")

    def skip(self, what, why):
        self.n += 1
        print(f"ok {self.n} - {what} # SKIP {why}", flush=True)

    def run(self, fn, what=None):
        """Runs fn(); an exception is one failure with its traceback."""
        try:
            fn()
        except Exception:  # noqa: BLE001 - a test failure, reported as such
            self.ok(False, what or fn.__name__, traceback.format_exc())

    def done(self):
        print(f"1..{self.n}", flush=True)
        sys.exit(1 if self.failed else 0)


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def node_path():
    """The pinned Node test tools' node_modules (tests/tools/npm-tools.sh
    installs them once); returns its path for NODE_PATH."""
    p = subprocess.run(["bash", os.path.join(ROOT, "tests", "tools",
                                             "npm-tools.sh")],
                       env=dict(os.environ, BUILD=BUILD), cwd=ROOT,
                       capture_output=True, text=True, check=True)
    return p.stdout.strip().splitlines()[-1]


def wait_port(port, timeout=20.0, proc=None):
    """Waits until 127.0.0.1:port accepts connections."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port}")


_procs = []


def _stop_all():
    for p in _procs:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()


atexit.register(_stop_all)


def start(args, env=None, **kw):
    """Starts a background process that is stopped at exit."""
    p = subprocess.Popen(args, env=env, **kw)
    _procs.append(p)
    return p


ALLOW_ALL = {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def wait_for(fn, timeout=20.0, interval=0.2):
    """Calls fn() every interval seconds until it returns something truthy
    or timeout seconds pass; returns that value, or None on timeout."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(interval)
    return None


def start_dynalite(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
    """dynalite (DynamoDB on LevelDB, the pinned Node tool from
    tests/tools/npm-tools.sh) on a free 127.0.0.1 port, its store in memory,
    tables ACTIVE at once; waits until it listens. Returns (process,
    endpoint URL); the caller stops the process."""
    port = free_port()
    proc = start(["node", os.path.join(node_path(), "dynalite", "cli.js"),
                  "--host", "127.0.0.1", "--port", str(port),
                  "--createTableMs", "0", "--deleteTableMs", "0"],
                 stdout=stdout, stderr=stderr)
    wait_port(port, proc=proc)
    return proc, f"http://127.0.0.1:{port}"


class Moto:
    """moto_server on 127.0.0.1 with IAM auth on.

    The first three actions are unauthenticated (INITIAL_NO_AUTH_ACTION_COUNT)
    and create an admin user; from then on moto verifies every SigV4
    signature and evaluates IAM policies. Note: moto 5 evaluates a policy's
    actions but matches every request against Resource "*", so policies given
    to user() must use Resource "*" to be honoured at all.
    """

    def __init__(self, env=None):
        """env: optional extra variables for the moto_server process (e.g.
        MOTO_SIMPLE_BATCH_FAIL_AFTER, which moto reads from its own
        environment)."""
        import boto3  # noqa: F401 - fail early if missing
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        extra = env or {}
        env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="3",
                   MOTO_ALLOW_NONEXISTENT_REGION="true")
        env.update({k: str(v) for k, v in extra.items()})
        log = open(os.path.join(BUILD, "test", "logs",
                                f"moto-{self.port}.log"), "w")
        self.proc = start(["moto_server", "-H", "127.0.0.1", "-p",
                           str(self.port)], env=env, stdout=log, stderr=log)
        wait_port(self.port, proc=self.proc)
        iam = self._client("iam", "bootstrap", "bootstrap")
        iam.create_user(UserName="admin")
        iam.put_user_policy(UserName="admin", PolicyName="all",
                            PolicyDocument=json.dumps(ALLOW_ALL))
        key = iam.create_access_key(UserName="admin")["AccessKey"]
        self.admin_key = (key["AccessKeyId"], key["SecretAccessKey"])

    def _client(self, service, key_id, secret):
        import boto3
        return boto3.client(service, endpoint_url=self.endpoint,
                            region_name=REGION, aws_access_key_id=key_id,
                            aws_secret_access_key=secret)

    def admin(self, service):
        """A boto3 client signed as the admin user."""
        return self._client(service, *self.admin_key)

    def set_auth(self, count):
        """moto's /moto-api/reset-auth: the next count requests go
        unauthenticated (0: IAM auth on again at once). Returns nothing."""
        import urllib.request
        req = urllib.request.Request(
            self.endpoint + "/moto-api/reset-auth",
            data=str(count).encode(), method="POST",
            headers={"Content-Type": "text/plain"})
        urllib.request.urlopen(req, timeout=10).read()

    def user(self, name, policy):
        """Creates an IAM user with an inline policy; returns (id, secret)."""
        iam = self.admin("iam")
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName=f"{name}-policy",
                            PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return key["AccessKeyId"], key["SecretAccessKey"]

    def worker_user(self, worker):
        """Creates an IAM user holding exactly policies/<worker>.json;
        returns (id, secret). moto matches policy Resources only against
        "*", so the ARNs (with their ${Region}/${AccountId}/${TableName}
        placeholders) become "*"; the Action lists stay as the file has
        them, so a permission the worker lacks still fails its calls."""
        with open(os.path.join(ROOT, "policies", f"{worker}.json")) as f:
            policy = json.load(f)
        for st in policy["Statement"]:
            st["Resource"] = "*"
            # IAM compares actions case-insensitively; moto compares them
            # as written and names Batch's by URL path (batch:submitjob),
            # so each action is also listed in lower case (same meaning).
            acts = st["Action"] if isinstance(st["Action"], list) \
                else [st["Action"]]
            st["Action"] = acts + [a.lower() for a in acts
                                   if a.lower() != a]
        return self.user(worker, policy)

    def create_table(self, name, hash_key="pk", range_key=None):
        ddb = self.admin("dynamodb")
        keys = [{"AttributeName": hash_key, "KeyType": "HASH"}]
        attrs = [{"AttributeName": hash_key, "AttributeType": "S"}]
        if range_key:
            keys.append({"AttributeName": range_key, "KeyType": "RANGE"})
            attrs.append({"AttributeName": range_key, "AttributeType": "S"})
        ddb.create_table(TableName=name, KeySchema=keys,
                         AttributeDefinitions=attrs,
                         BillingMode="PAY_PER_REQUEST")

    def env(self, key, **extra):
        """Environment for a worker/test program signed with key."""
        e = dict(os.environ)
        for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN",
                  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                  "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
            e.pop(k, None)
        e.update(AWS_ACCESS_KEY_ID=key[0], AWS_SECRET_ACCESS_KEY=key[1],
                 AWS_REGION=REGION, AWS_ENDPOINT_URL=self.endpoint,
                 AWS_EC2_METADATA_DISABLED="true", SW_RETRY_BASE_MS="20")
        e.update({k: str(v) for k, v in extra.items()})
        return e

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
