"""imds_fixture - an EC2 instance metadata service (IMDSv2) on 127.0.0.1.

No real IMDS can run here (it is a link-local service of the EC2 hypervisor
at 169.254.169.254), so this fixture plays it, strictly as IMDSv2 does:

- PUT /latest/api/token needs X-aws-ec2-metadata-token-ttl-seconds (1 to
  21600, else 400) and answers a fresh token valid for that TTL (or for
  `max_ttl` seconds when set, to make tokens expire early on purpose);
- every GET needs a valid, unexpired X-aws-ec2-metadata-token, else 401
  (counted in `unauthorized`);
- /latest/meta-data/instance-id, /latest/meta-data/placement/region,
  /latest/meta-data/iam/security-credentials/ (the role name) and
  .../security-credentials/<role> (the role's keys, in IMDS's JSON shape);
- /latest/meta-data/spot/instance-action is 404 until raise_notice(), then
  {"action": "terminate", "time": "<now + 2 min>"}, as EC2 gives a notice.

Usage: imds = ImdsFixture(instance_id="i-...", creds=(key, secret));
imds.endpoint for AWS_EC2_METADATA_SERVICE_ENDPOINT; imds.stop().
"""
import json
import secrets
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROLE = "spot-agent-role"


class ImdsFixture:
    def __init__(self, instance_id="i-0123456789abcdef0", creds=None,
                 region="us-east-1", max_ttl=None):
        self.instance_id = instance_id
        self.creds = creds  # (access key id, secret) or None: no role
        self.region = region
        self.max_ttl = max_ttl
        self.notice = None
        self.tokens = {}  # token -> expiry (monotonic)
        self.token_puts = 0
        self.unauthorized = 0
        self.requests = []  # (method, path, status)
        self.lock = threading.Lock()
        fixture = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status, body=b"", ctype="text/plain"):
                with fixture.lock:
                    fixture.requests.append((self.command, self.path,
                                             status))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_PUT(self):
                n = int(self.headers.get("Content-Length") or 0)
                if n:
                    self.rfile.read(n)
                if self.path != "/latest/api/token":
                    return self._send(405)
                try:
                    ttl = int(self.headers.get(
                        "X-aws-ec2-metadata-token-ttl-seconds", ""))
                except ValueError:
                    return self._send(400)
                if not 1 <= ttl <= 21600:
                    return self._send(400)
                if fixture.max_ttl:
                    ttl = min(ttl, fixture.max_ttl)
                tok = secrets.token_urlsafe(40)
                with fixture.lock:
                    fixture.tokens[tok] = time.monotonic() + ttl
                    fixture.token_puts += 1
                self._send(200, tok.encode())

            def do_GET(self):
                tok = self.headers.get("X-aws-ec2-metadata-token", "")
                with fixture.lock:
                    exp = fixture.tokens.get(tok)
                    ok = exp is not None and time.monotonic() < exp
                    if not ok:
                        fixture.unauthorized += 1
                if not ok:
                    return self._send(401)
                body = fixture._answer(self.path)
                if body is None:
                    return self._send(404)
                ctype = "application/json" if body.startswith(b"{") \
                    else "text/plain"
                self._send(200, body, ctype)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def _answer(self, path):
        """The body for a metadata path, or None (404)."""
        md = "/latest/meta-data/"
        if path == md + "instance-id":
            return self.instance_id.encode()
        if path == md + "placement/region":
            return self.region.encode()
        if path == md + "spot/instance-action":
            return None if self.notice is None \
                else json.dumps(self.notice).encode()
        if self.creds and path == md + "iam/security-credentials/":
            return ROLE.encode()
        if self.creds and path == md + f"iam/security-credentials/{ROLE}":
            exp = datetime.now(timezone.utc) + timedelta(hours=6)
            return json.dumps({
                "Code": "Success", "Type": "AWS-HMAC",
                "AccessKeyId": self.creds[0],
                "SecretAccessKey": self.creds[1], "Token": "",
                "LastUpdated": datetime.now(timezone.utc).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"),
                "Expiration": exp.strftime("%Y-%m-%dT%H:%M:%SZ")}).encode()
        return None

    def raise_notice(self):
        """From now on spot/instance-action announces a termination."""
        t = datetime.now(timezone.utc) + timedelta(minutes=2)
        self.notice = {"action": "terminate",
                       "time": t.strftime("%Y-%m-%dT%H:%M:%SZ")}

    def gets(self, path):
        """How many GETs of path were answered (any status)."""
        with self.lock:
            return sum(1 for m, p, _ in self.requests
                       if m == "GET" and p == path)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
