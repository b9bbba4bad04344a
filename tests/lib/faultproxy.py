"""faultproxy - a fault-injecting HTTP proxy for the integration tests.

FaultProxy listens on 127.0.0.1 and forwards every request to one upstream
base URL (e.g. a moto_server), unchanged: method, path, body and every
header as the client sent it, Host included, so SigV4 signatures still
verify upstream. Before forwarding it applies a script of faults to the
first requests, which is how the tests exercise retries against a real
service:

    from faultproxy import FaultProxy, Response
    with FaultProxy(moto.endpoint, faults=["throttle", "500", "reset"]) as p:
        env = moto.env(key, AWS_ENDPOINT_URL=p.url)
        ...                       # the 4th request reaches moto
        assert p.requests == 4 and p.forwarded == 1

Fault names (each consumes one request; anything else is forwarded):
    "ok"          forward unchanged
    "throttle"    400 DynamoDB-style JSON ThrottlingException
    "provisioned" 400 ProvisionedThroughputExceededException
    "validation"  400 ValidationException (not retryable)
    "expired"     400 ExpiredTokenException
    "500", "502", "503", "504"
                  that status with a JSON InternalServerError /
                  ServiceUnavailable body
    "html503"     503 with an HTML body (a load balancer's page)
    "reset"       reads the request, then closes with a TCP RST
    "hang:MS"     reads the request, waits MS ms, then closes without
                  answering (client timeouts)
    "slow:MS"     waits MS ms, then forwards

faults applies to the first requests whatever they are. rules applies per
X-Amz-Target (the JSON protocols' operation), e.g.
    rules={"DynamoDB_20120810.BatchWriteItem": ["throttle", "ok"]}
and is consumed only by requests with that target (rules first, then
faults).

transform: an optional hook called for every request that no fault
consumed, as transform(request, forward) -> Response or None:
    request.json    the parsed JSON body (None if not JSON)
    request.target  X-Amz-Target ("" if none); also .method .path
                    .headers (dict) .body (bytes)
    forward()       sends the ORIGINAL request upstream (the body cannot be
                    changed: that would break the signature) and returns a
                    Response (status, headers, body; .json() parses it)
Returning None sends the upstream answer (forwarding first if the hook did
not). Use it to rewrite answers, e.g. forward a BatchWriteItem and then
answer UnprocessedItems for some of request.json's items:
    def t(req, forward):
        r = forward()
        if req.target.endswith("BatchWriteItem"):
            return Response.from_json(200, {"UnprocessedItems": ...})
        return r

Counters: requests (all), forwarded, faulted, connections (TCP
connections accepted), log (list of (target, action) in order). All
servers are threaded and stop with stop() or at the end of a with block.
"""
import http.client
import http.server
import json
import socket
import struct
import threading
import time
import urllib.parse

_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length",
        "proxy-connection", "te", "trailer", "upgrade"}


class Response:
    """An HTTP answer: status, headers (dict), body (bytes)."""

    def __init__(self, status, headers=None, body=b""):
        self.status = status
        self.headers = dict(headers or {})
        self.body = body if isinstance(body, bytes) else body.encode()

    @classmethod
    def from_json(cls, status, obj, headers=None,
                  content_type="application/x-amz-json-1.0"):
        h = {"Content-Type": content_type,
             "x-amzn-RequestId": "faultproxy-0000"}
        h.update(headers or {})
        return cls(status, h, json.dumps(obj).encode())

    def json(self):
        return json.loads(self.body or b"null")


def _aws_error(status, code, message):
    ns = "com.amazonaws.dynamodb.v20120810#"
    return Response.from_json(status, {"__type": ns + code,
                                       "message": message})


_CANNED = {
    "throttle": lambda: _aws_error(400, "ThrottlingException",
                                   "Rate of requests exceeds the allowed "
                                   "throughput."),
    "provisioned": lambda: _aws_error(
        400, "ProvisionedThroughputExceededException",
        "The level of configured provisioned throughput for the table was "
        "exceeded."),
    "validation": lambda: _aws_error(400, "ValidationException",
                                     "1 validation error detected"),
    "expired": lambda: _aws_error(400, "ExpiredTokenException",
                                  "The security token included in the "
                                  "request is expired"),
    "500": lambda: _aws_error(500, "InternalServerError",
                              "Internal server error"),
    "502": lambda: _aws_error(502, "InternalServerError", "Bad gateway"),
    "503": lambda: _aws_error(503, "ServiceUnavailable",
                              "Service unavailable"),
    "504": lambda: _aws_error(504, "InternalServerError", "Gateway timeout"),
    "html503": lambda: Response(503, {"Content-Type": "text/html"},
                                b"<html><body><h1>503 Service Temporarily "
                                b"Unavailable</h1></body></html>"),
}


class ProxyRequest:
    """What transform() sees of one request."""

    def __init__(self, method, path, headers, body):
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.target = next((v for k, v in headers.items()
                            if k.lower() == "x-amz-target"), "")
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None


class FaultProxy:
    """See the module docstring."""

    def __init__(self, upstream, faults=None, rules=None, transform=None):
        u = urllib.parse.urlsplit(upstream)
        if u.scheme != "http" or u.hostname not in ("127.0.0.1", "localhost"):
            raise ValueError("FaultProxy forwards to http://127.0.0.1 only")
        self.up_host, self.up_port = u.hostname, u.port or 80
        self.faults = list(faults or [])
        self.rules = {k: list(v) for k, v in (rules or {}).items()}
        self.transform = transform
        self.requests = self.forwarded = self.faulted = self.connections = 0
        self.log = []
        self._lock = threading.Lock()
        self._server = None
        self.port = None
        self.url = None
        self.start()

    # -- lifecycle --------------------------------------------------------
    def start(self):
        proxy = self

        class Handler(_Handler):
            pass
        Handler.proxy = proxy
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                       Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._server.serve_forever,
                         daemon=True).start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- the script -------------------------------------------------------
    def _next_action(self, target):
        with self._lock:
            self.requests += 1
            action = "ok"
            if self.rules.get(target):
                action = self.rules[target].pop(0)
            elif self.faults:
                action = self.faults.pop(0)
            self.log.append((target, action))
            if action != "ok" and not action.startswith("slow:"):
                self.faulted += 1
            return action

    def _forward(self, method, path, headers, body):
        conn = http.client.HTTPConnection(self.up_host, self.up_port,
                                          timeout=30)
        try:
            conn.putrequest(method, path, skip_host=True,
                            skip_accept_encoding=True)
            for k, v in headers.items():
                if k.lower() not in _HOP:
                    conn.putheader(k, v)
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            r = conn.getresponse()
            data = r.read()
            hdrs = {k: v for k, v in r.getheaders() if k.lower() not in _HOP}
            with self._lock:
                self.forwarded += 1
            return Response(r.status, hdrs, data)
        finally:
            conn.close()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    proxy = None  # set per server

    def setup(self):
        super().setup()
        with self.proxy._lock:
            self.proxy.connections += 1

    def finish(self):
        try:
            super().finish()
        except (OSError, ValueError):
            pass

    def log_message(self, *args):
        pass

    def _handle(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        headers = {k: v for k, v in self.headers.items()}
        req = ProxyRequest(self.command, self.path, headers, body)
        action = self.proxy._next_action(req.target)
        if action == "reset":
            self._reset()
            return
        if action.startswith("hang:"):
            time.sleep(int(action[5:]) / 1000.0)
            self._reset()
            return
        if action.startswith("slow:"):
            time.sleep(int(action[5:]) / 1000.0)
            action = "ok"
        if action in _CANNED:
            self._send(_CANNED[action]())
            return

        def forward(_cache=[]):  # noqa: B006 - one upstream call per request
            if not _cache:
                _cache.append(self.proxy._forward(self.command, self.path,
                                                  headers, body))
            return _cache[0]
        resp = None
        if self.proxy.transform is not None:
            resp = self.proxy.transform(req, forward)
        self._send(resp if resp is not None else forward())

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

    def _send(self, resp):
        self.send_response(resp.status)
        for k, v in resp.headers.items():
            if k.lower() not in _HOP and k.lower() not in ("server", "date"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)

    def _reset(self):
        """Closes the connection with RST (SO_LINGER 0), as a crashed load
        balancer would."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
