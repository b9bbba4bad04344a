"""test_http - sw_http_send (via tests/helpers/sw_http_get) against local
servers: keep-alive reuse, timeouts, TLS with a CA generated at test time
(openssl s_server, the real thing), a unix socket, the body limit, error
mapping, headers captured and sent.

The plain-HTTP servers are Python http.server instances because the tests
need to count TCP connections, sleep on demand and record request headers,
which no real server installed here does.
"""
import http.server
import json
import os
import socket
import socketserver
import subprocess
import tempfile
import threading
import time

from swtest import TEST_BIN, Tap, free_port, start, wait_port

GET = os.path.join(TEST_BIN, "sw_http_get")
t = Tap()
tmp = tempfile.mkdtemp(prefix="sw_http_")


def run(*args, env=None, timeout=30):
    t0 = time.monotonic()
    p = subprocess.run([GET, *args], capture_output=True, text=True,
                       env=env, timeout=timeout)
    lines = [json.loads(x) for x in p.stdout.splitlines() if x.strip()]
    return p.returncode, lines, p.stderr, time.monotonic() - t0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    connections = 0
    seen = []

    def setup(self):
        super().setup()
        Handler.connections += 1

    def log_message(self, *a):
        pass

    def _answer(self, status, body, ctype="text/plain", extra=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path.startswith("/sleep"):
            time.sleep(2)
        if self.path == "/big":
            return self._answer(200, b"x" * 10000)
        if self.path == "/redirect":
            return self._answer(302, b"", extra={"Location": "/hello"})
        self._answer(200, b"hello " + self.path.encode(),
                     "application/x-amz-json-1.0",
                     {"x-amzn-RequestId": "req-123"})

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        Handler.seen.append(dict(self.headers.items(), _method=self.command))
        self._answer(200, json.dumps({"len": len(body)}).encode(),
                     "application/json")

    do_PUT = do_POST


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
srv.daemon_threads = True
threading.Thread(target=srv.serve_forever, daemon=True).start()
base = f"http://127.0.0.1:{srv.server_address[1]}"


def test_keepalive():
    Handler.connections = 0
    rc, out, err, _ = run("--repeat", "20", base + "/k")
    t.ok(rc == 0 and len(out) == 20 and
         all(o["status"] == 200 and o["body"] == "hello /k" for o in out),
         "20 requests on one client all answered", err)
    t.eq(Handler.connections, 1, "keep-alive: the server saw one connection "
         "for 20 requests")
    t.eq((out[0]["content_type"], out[0]["request_id"]),
         ("application/x-amz-json-1.0", "req-123"),
         "Content-Type and x-amzn-RequestId captured")


def test_timeouts_and_errors():
    rc, out, err, secs = run("--timeout", "300", base + "/sleep")
    t.ok(rc == 3 and out[0]["result"] == "timed out" and secs < 1.5,
         f"server sleeping 2 s, timeout 300 ms: SW_E_TIMEOUT in {secs:.2f}s",
         (out, err))
    t.ok(out[0]["error"] != "", "timeout has an error text", out)
    port = free_port()
    rc, out, err, _ = run(f"http://127.0.0.1:{port}/")
    t.ok(rc == 3 and out[0]["result"] == "network error" and
         out[0]["status"] == 0, "connection refused: SW_E_NETWORK", out)
    rc, out, err, _ = run("--repeat", "1", "ftp://127.0.0.1/")
    t.ok(rc == 2 and out[0]["result"] == "invalid input",
         "ftp:// refused as invalid input", out)
    rc, out, err, _ = run(base + "/redirect")
    t.ok(rc == 0 and out[0]["status"] == 302 and out[0]["body"] == "",
         "redirects are not followed (302 returned as is)", out)


def test_body_limit_and_post():
    rc, out, err, _ = run("--max-body", "1000", base + "/big")
    t.ok(rc != 0 and out[0]["result"] == "value too large",
         "10000-byte body with max 1000: SW_E_OVERFLOW", out)
    rc, out, err, _ = run("--max-body", "10000", base + "/big")
    t.ok(rc == 0 and out[0]["body_len"] == 10000,
         "10000-byte body with max 10000: ok", out)
    Handler.seen = []
    body = "y" * (2 * 1024 * 1024)  # curl adds Expect above 1 MiB
    rc, out, err, _ = run("-X", "POST", "-H", "Content-Type: application/json",
                          "-H", "X-Test: 1", "--data-size", str(len(body)),
                          base + "/post")
    h = {k.lower(): v for k, v in (Handler.seen[0] if Handler.seen else {}
                                   ).items()}
    t.ok(rc == 0 and json.loads(out[0]["body"])["len"] == len(body),
         "2 MiB POST body arrives whole", out and out[0]["body"])
    t.ok("expect" not in h and h.get("content-length") == str(len(body)) and
         h.get("x-test") == "1" and h.get("content-type") ==
         "application/json",
         "no Expect: 100-continue; Content-Length exact; headers sent", h)
    Handler.seen = []
    rc, out, err, _ = run("-X", "PUT", base + "/put")
    # As `curl -X PUT` does (and IMDS accepts), no Content-Length is sent.
    t.ok(rc == 0 and json.loads(out[0]["body"])["len"] == 0 and
         Handler.seen and Handler.seen[0].get("_method") == "PUT",
         "empty PUT (the IMDS token request's shape) is answered",
         (out, Handler.seen))


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True,
                   cwd=tmp)


def make_ca(name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", f"/CN={name}", "-keyout", f"{name}.key",
            "-out", f"{name}.pem")


def test_tls():
    make_ca("ca")
    make_ca("otherca")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "srv.key",
            "-out", "srv.csr")
    with open(os.path.join(tmp, "ext.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey",
            "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf",
            "-out", "srv.pem")
    port = free_port()
    proc = start(["openssl", "s_server", "-accept", f"127.0.0.1:{port}",
                  "-cert", "srv.pem", "-key", "srv.key", "-www", "-quiet"],
                 cwd=tmp, stdout=subprocess.DEVNULL,
                 stderr=subprocess.DEVNULL)
    wait_port(port, proc=proc)
    url = f"https://127.0.0.1:{port}/"
    rc, out, err, _ = run("--ca", os.path.join(tmp, "ca.pem"), url)
    t.ok(rc == 0 and out[0]["status"] == 200,
         "TLS with the right CA: 200 from openssl s_server", (out, err))
    rc, out, err, _ = run("--ca", os.path.join(tmp, "otherca.pem"), url)
    t.ok(rc == 3 and out[0]["result"] == "TLS error" and out[0]["error"],
         "TLS with the wrong CA: SW_E_TLS", out)
    env = dict(os.environ, SSL_CERT_FILE=os.path.join(tmp, "ca.pem"))
    rc, out, err, _ = run(url, env=env)
    t.ok(rc == 0 and out[0]["status"] == 200,
         "SSL_CERT_FILE used when no CA option is given", out)
    env["SSL_CERT_FILE"] = os.path.join(tmp, "otherca.pem")
    rc, out, err, _ = run(url, env=env)
    t.ok(out[0]["result"] == "TLS error", "SSL_CERT_FILE with the wrong CA: "
         "SW_E_TLS", out)
    rc, out, err, _ = run("--ca", os.path.join(tmp, "missing.pem"), url)
    t.ok(rc == 2 and out[0]["result"] == "bad configuration",
         "an unreadable CA file: SW_E_CONFIG", out)
    rc, out, err, _ = run("--ca", os.path.join(tmp, "ca.pem"),
                          f"https://localhost:{port}/")
    t.ok(rc == 0, "hostname verified against the SAN (localhost)", out)

    # The bundle is parsed by libsw (tls_ca.c), not by mbedTLS's PEM reader:
    # a real bundle has comments and many certificates; a damaged block is
    # skipped, the rest still trusted; no certificate at all is a config
    # error, as an unreadable file is.
    with open(os.path.join(tmp, "ca.pem")) as f:
        ca_pem = f.read()
    with open(os.path.join(tmp, "otherca.pem")) as f:
        other_pem = f.read()
    damaged = ("-----BEGIN CERTIFICATE-----\nMIIB!!not base64!!\n"
               "-----END CERTIFICATE-----\n")
    bundles = {
        "bundle-last.pem": "# a comment line\n" + other_pem + damaged + ca_pem,
        "bundle-first.pem": ca_pem + "\n\n" + other_pem,
        "bundle-crlf.pem": (other_pem + ca_pem).replace("\n", "\r\n"),
        "bundle-none.pem": "# nothing here\n" + damaged,
    }
    for name, text in bundles.items():
        with open(os.path.join(tmp, name), "w", newline="") as f:
            f.write(text)
    for name in ("bundle-last.pem", "bundle-first.pem", "bundle-crlf.pem"):
        rc, out, err, _ = run("--ca", os.path.join(tmp, name), url)
        t.ok(rc == 0 and out[0]["status"] == 200,
             f"a multi-certificate bundle ({name}) trusts its CA", (out, err))
    rc, out, err, _ = run("--ca", os.path.join(tmp, "bundle-none.pem"), url)
    t.ok(rc == 2 and out[0]["result"] == "bad configuration" and
         "no usable certificate" in out[0].get("error", ""),
         "a bundle without a usable certificate: SW_E_CONFIG, says so", out)
    proc.terminate()


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class UnixHandler(Handler):
    disable_nagle_algorithm = False  # no TCP options on a unix socket

    def setup(self):
        http.server.BaseHTTPRequestHandler.setup(self)

    def address_string(self):
        return "unix"


def test_unix_socket():
    path = os.path.join(tmp, "http.sock")
    us = UnixServer(path, UnixHandler)
    threading.Thread(target=us.serve_forever, daemon=True).start()
    rc, out, err, _ = run("--unix", path, "--repeat", "2",
                          "http://localhost/over-unix")
    t.ok(rc == 0 and len(out) == 2 and
         all(o["body"] == "hello /over-unix" for o in out),
         "HTTP over a unix socket", (out, err))
    us.shutdown()
    os.unlink(path)
    rc, out, err, _ = run("--unix", path, "http://localhost/")
    t.ok(rc == 3 and out[0]["result"] == "network error",
         "missing unix socket: SW_E_NETWORK", out)


for fn in (test_keepalive, test_timeouts_and_errors, test_body_limit_and_post,
           test_tls, test_unix_socket):
    t.run(fn)
t.done()
