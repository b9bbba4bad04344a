"""test_creds - the credential chain's endpoint links (sw/creds.h) through
tests/helpers/sw_creds_get.

The ECS/Fargate container endpoint and EC2 IMDSv2 cannot run for real here,
so both are faked with small Python http servers on 127.0.0.1 that speak
their documented protocols (paths, headers, JSON shape); the container
endpoint is reached through SW_ECS_HOST / a loopback FULL_URI and IMDS
through AWS_EC2_METADATA_SERVICE_ENDPOINT.
"""
import datetime
import http.server
import json
import os
import subprocess
import tempfile
import threading
import time

from swtest import TEST_BIN, Tap

GET = os.path.join(TEST_BIN, "sw_creds_get")
t = Tap()
tmp = tempfile.mkdtemp(prefix="sw_creds_")


def iso(secs_from_now):
    d = datetime.datetime.now(datetime.timezone.utc) + \
        datetime.timedelta(seconds=secs_from_now)
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


class State:
    def __init__(self):
        self.reset()

    def reset(self):
        self.requests = []  # (method, path, headers)
        self.expires_in = 3600
        self.status = 200
        self.hang_token = False
        self.n = 0


st = State()
ROLE = "sw-test-role"
IMDS_TOKEN = "imds-session-token-1"


class Fake(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *a):
        pass

    def _send(self, status, body, ctype="application/json"):
        body = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _creds(self, prefix):
        st.n += 1
        return json.dumps({"Code": "Success", "Type": "AWS-HMAC",
                           "AccessKeyId": f"{prefix}{st.n}",
                           "SecretAccessKey": f"secret-{prefix}",
                           "Token": f"token-{prefix}",
                           "Expiration": iso(st.expires_in)})

    def do_PUT(self):
        st.requests.append(("PUT", self.path, dict(self.headers.items())))
        if self.path == "/latest/api/token":
            if st.hang_token:
                time.sleep(3)
                return
            if self.headers.get("X-aws-ec2-metadata-token-ttl-seconds") \
                    != "21600":
                return self._send(400, "missing ttl", "text/plain")
            return self._send(200, IMDS_TOKEN, "text/plain")
        self._send(404, "", "text/plain")

    def do_GET(self):
        h = dict(self.headers.items())
        st.requests.append(("GET", self.path, h))
        if st.status != 200:
            return self._send(st.status, "{}")
        if self.path.startswith("/latest/"):
            if h.get("X-aws-ec2-metadata-token") != IMDS_TOKEN:
                return self._send(401, "", "text/plain")
            if self.path == "/latest/meta-data/iam/security-credentials/":
                return self._send(200, ROLE + "\n", "text/plain")
            if self.path == f"/latest/meta-data/iam/security-credentials/{ROLE}":
                return self._send(200, self._creds("ASIAIMDS"))
            return self._send(404, "", "text/plain")
        if self.path.startswith("/v2/credentials/"):
            return self._send(200, self._creds("ASIAECS"))
        if self.path == "/full":
            want = FULL_TOKEN[0]
            if h.get("Authorization") != want:
                return self._send(401, '{"message":"bad token"}')
            return self._send(200, self._creds("ASIAFULL"))
        self._send(404, "{}")


FULL_TOKEN = ["tok-1"]
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Fake)
srv.daemon_threads = True
threading.Thread(target=srv.serve_forever, daemon=True).start()
base = f"http://127.0.0.1:{srv.server_address[1]}"


def env(**kw):
    e = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    e.update(HOME=tmp, AWS_EC2_METADATA_DISABLED="true",
             AWS_SHARED_CREDENTIALS_FILE=os.path.join(tmp, "none"))
    e.update(kw)
    return {k: v for k, v in e.items() if v is not None}


def run(e, *args):
    t0 = time.monotonic()
    p = subprocess.run([GET, *args], env=e, capture_output=True, text=True,
                       timeout=30)
    out = [json.loads(x) for x in p.stdout.splitlines() if x.strip()]
    return p.returncode, out, p.stderr, time.monotonic() - t0


def test_ecs_relative():
    st.reset()
    rc, out, err, _ = run(env(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=
                              "/v2/credentials/abc-123", SW_ECS_HOST=base),
                          "--expect-secret", "secret-ASIAECS", "--repeat", "2")
    o = out[0] if out else {}
    t.ok(rc == 0 and o.get("source") == "ecs" and
         o.get("access_key_id") == "ASIAECS1" and o.get("has_token") and
         o.get("secret_match") and 3500 < o.get("expires_in", 0) <= 3600,
         "ECS relative URI (via SW_ECS_HOST): credentials and Expiration",
         (out, err))
    t.eq([r[1] for r in st.requests], ["/v2/credentials/abc-123"],
         "two gets, far Expiration: fetched once (cached)")


def test_refresh_near_expiry():
    st.reset()
    st.expires_in = 120  # inside the 5-minute refresh margin
    rc, out, err, _ = run(env(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=
                              "/v2/credentials/x", SW_ECS_HOST=base),
                          "--repeat", "3")
    t.ok(rc == 0 and [o["access_key_id"] for o in out] ==
         ["ASIAECS1", "ASIAECS2", "ASIAECS3"] and len(st.requests) == 3,
         "Expiration within the margin: refetched on every get", out)
    st.reset()
    st.expires_in = 120
    rc, out, err, _ = run(env(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=
                              "/v2/credentials/x", SW_ECS_HOST=base),
                          "--repeat", "2", "--margin", "60")
    t.ok(rc == 0 and len(st.requests) == 1,
         "with a 60 s margin, 120 s left is fresh enough: fetched once", out)
    st.reset()
    st.expires_in = 120
    e = env(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI="/v2/credentials/x",
            SW_ECS_HOST=base)
    # first fetch ok; then the endpoint fails: the not-yet-expired
    # credentials keep being served
    def flip():
        time.sleep(0.5)
        st.status = 500
    threading.Thread(target=flip).start()
    rc, out, err, _ = run(e, "--repeat", "2", "--sleep-ms", "1000")
    t.ok(rc == 0 and len(out) == 2 and out[1].get("access_key_id") ==
         "ASIAECS1" and len(st.requests) == 2,
         "refresh failure before real expiry: old credentials still served",
         out)


def test_ecs_full_uri():
    st.reset()
    FULL_TOKEN[0] = "tok-1"
    rc, out, err, _ = run(env(AWS_CONTAINER_CREDENTIALS_FULL_URI=base + "/full",
                              AWS_CONTAINER_AUTHORIZATION_TOKEN="tok-1"))
    t.ok(rc == 0 and out[0].get("access_key_id") == "ASIAFULL1" and
         st.requests[0][2].get("Authorization") == "tok-1",
         "FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN", (out, err))
    st.reset()
    tokfile = os.path.join(tmp, "token")
    with open(tokfile, "w") as f:
        f.write("tok-1")
    e = env(AWS_CONTAINER_CREDENTIALS_FULL_URI=base + "/full",
            AWS_CONTAINER_AUTHORIZATION_TOKEN="ignored-when-file-set",
            AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=tokfile)

    def rotate():
        time.sleep(0.4)
        with open(tokfile, "w") as f:
            f.write("tok-2")
        FULL_TOKEN[0] = "tok-2"
    threading.Thread(target=rotate).start()
    rc, out, err, _ = run(e, "--repeat", "2", "--sleep-ms", "900",
                          "--invalidate")
    t.ok(rc == 0 and [r[2].get("Authorization") for r in st.requests] ==
         ["tok-1", "tok-2"],
         "token file wins over the variable and is re-read on each fetch",
         (out, [r[2].get("Authorization") for r in st.requests]))
    with open(tokfile, "w") as f:
        f.write("tok-1\r\nX-Injected: 1")
    st.reset()
    rc, out, err, _ = run(e)
    t.ok(rc != 0 and "CR or LF" in out[0]["why"] and not st.requests,
         "a token with CR/LF is refused before any request", out)
    st.reset()
    rc, out, err, _ = run(env(AWS_CONTAINER_CREDENTIALS_FULL_URI=
                              "http://198.51.100.7/creds"))
    t.ok(rc != 0 and out[0]["result"] == "no credentials" and
         "FULL_URI" in out[0]["why"],
         "FULL_URI to a non-loopback http host is refused (no request)", out)
    for host in ("127.0.0.2", "[::1]", "169.254.170.23"):
        # allowed hosts pass the check: the (failed) fetch proves it tried
        rc, out, err, secs = run(env(AWS_CONTAINER_CREDENTIALS_FULL_URI=
                                     f"http://{host}:1/creds"))
        t.ok(out and "FULL_URI" not in out[0]["why"],
             f"FULL_URI host {host} is allowed", out)


def test_imds():
    st.reset()
    rc, out, err, secs = run(env(AWS_EC2_METADATA_DISABLED=None,
                                 AWS_EC2_METADATA_SERVICE_ENDPOINT=base + "/"),
                             "--expect-secret", "secret-ASIAIMDS")
    t.ok(rc == 0 and out[0].get("source") == "imds" and
         out[0].get("access_key_id") == "ASIAIMDS1" and
         out[0].get("secret_match"),
         "IMDSv2: token PUT, role name, role credentials", (out, err))
    t.eq([(m, p) for m, p, _ in st.requests],
         [("PUT", "/latest/api/token"),
          ("GET", "/latest/meta-data/iam/security-credentials/"),
          ("GET", f"/latest/meta-data/iam/security-credentials/{ROLE}")],
         "IMDSv2 request sequence")
    st.reset()
    st.hang_token = True
    rc, out, err, secs = run(env(AWS_EC2_METADATA_DISABLED=None,
                                 AWS_EC2_METADATA_SERVICE_ENDPOINT=base))
    t.ok(rc == 3 and out[0]["result"] == "no credentials" and
         "no AWS credentials" in out[0]["why"] and 0.9 <= secs < 2.5,
         f"unanswered token PUT: gives up after ~1 s ({secs:.2f}s) and the "
         "chain ends in SW_E_CREDS", out)
    st.reset()
    rc, out, err, secs = run(env(AWS_EC2_METADATA_DISABLED="true",
                                 AWS_EC2_METADATA_SERVICE_ENDPOINT=base))
    t.ok(rc == 3 and not st.requests,
         "AWS_EC2_METADATA_DISABLED=true: IMDS never contacted", out)


def test_precedence_and_nothing():
    credfile = os.path.join(tmp, "credentials")
    with open(credfile, "w") as f:
        f.write("[default]\naws_access_key_id = AKIDFILE\n"
                "aws_secret_access_key = secretfile\n")
    full = dict(AWS_ACCESS_KEY_ID="AKIDENV", AWS_SECRET_ACCESS_KEY="s",
                AWS_SHARED_CREDENTIALS_FILE=credfile,
                AWS_CONTAINER_CREDENTIALS_RELATIVE_URI="/v2/credentials/p",
                SW_ECS_HOST=base, AWS_EC2_METADATA_DISABLED=None,
                AWS_EC2_METADATA_SERVICE_ENDPOINT=base)
    order = []
    for drop in (None, ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"),
                 ("AWS_SHARED_CREDENTIALS_FILE",),
                 ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",)):
        for k in drop or ():
            full[k] = None if k != "AWS_SHARED_CREDENTIALS_FILE" else \
                os.path.join(tmp, "none")
        st.reset()
        rc, out, err, _ = run(env(**full))
        order.append(out[0].get("source") if rc == 0 else out[0]["result"])
    t.eq(order, ["env", "profile", "ecs", "imds"],
         "precedence: env > shared file > container > IMDS")
    st.reset()
    st.status = 500
    rc, out, err, _ = run(env(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI="/v2/x",
                              SW_ECS_HOST=base,
                              AWS_EC2_METADATA_DISABLED=None,
                              AWS_EC2_METADATA_SERVICE_ENDPOINT=base))
    t.ok(rc == 3 and all(not p.startswith("/latest") for _, p, _ in
                         st.requests),
         "a configured container endpoint that fails is an error (no fall "
         "through to IMDS)", (out, st.requests))
    rc, out, err, _ = run(env())
    o = out[0] if out else {}
    t.ok(rc == 3 and o.get("result") == "no credentials" and o.get("why")
         and "\n" not in o["why"],
         "nothing configured: SW_E_CREDS (exit 3) with a one-line reason", o)


for fn in (test_ecs_relative, test_refresh_near_expiry, test_ecs_full_uri,
           test_imds, test_precedence_and_nothing):
    t.run(fn)
t.done()
