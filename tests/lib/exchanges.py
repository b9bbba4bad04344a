"""exchanges - a local HTTPS stand-in for the exchanges btc-price asks.

Why a Python server: there is no real coinbase/kraken/bitstamp/coingecko to
run here (no internet), and openssl s_server cannot answer per-path JSON.
This fixture answers each exchange's REAL response shape at its REAL path
(the path and query btc-price builds for the quote currency; anything else
is a 404), over TLS with a CA and server certificate generated at start
with the openssl CLI, on 127.0.0.1 only.

    from exchanges import Exchanges
    with Exchanges() as ex:
        ex.set("kraken", "down")             # 503
        ex.set("coingecko", "slow", 5.0)     # answers after 5 s
        env.update(ex.env())                 # PRICE_URL_<SOURCE>, SSL_CERT_FILE
        ...
        ex.hits["coinbase"]                  # paths requested, in order

Behaviours, per source (set(source, mode, value)):
    "ok"       value: the price text (default "43210.12"); coingecko's is
               written as a raw JSON number token, exactly that text
    "down"     503 with an HTML error page
    "refused"  nothing listens: env() points the source at a closed port
    "garbage"  200 with truncated, malformed JSON
    "absurd"   200, well-formed, price value (default "-1"; e.g. "0",
               "1e30", "\"NaN\"" for coingecko's raw token)
    "slow"     sleeps value seconds (default 10), then answers "ok"
    "error"    kraken: 200 with a non-empty "error" array; others: 400
    "huge"     200, a valid answer padded with value bytes of whitespace
               (default 2 MiB), past btc-price's 1 MiB body limit
"""
import http.server
import json
import os
import socket
import ssl
import subprocess
import tempfile
import threading
import time

SOURCES = ("coinbase", "kraken", "bitstamp", "coingecko")
DEFAULT_PRICE = "43210.12"


def make_certs(workdir):
    """Creates ca.pem, server.pem and server.key in workdir with the
    openssl CLI: a throwaway CA, and a P-256 server certificate for
    127.0.0.1 / localhost signed by it. Returns (ca, cert, key) paths."""
    def run(*args):
        subprocess.run(["openssl", *args], cwd=workdir, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
    run("req", "-x509", *ec, "-nodes", "-days", "2",
        "-subj", "/CN=scratchwork test exchanges CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-keyout", "ca.key", "-out", "ca.pem")
    run("req", *ec, "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", "server.key", "-out", "server.csr")
    with open(os.path.join(workdir, "server.ext"), "w") as f:
        f.write("basicConstraints=CA:FALSE\n"
                "keyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\n"
                "subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem",
        "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
        "-extfile", "server.ext", "-out", "server.pem")
    return tuple(os.path.join(workdir, n)
                 for n in ("ca.pem", "server.pem", "server.key"))


def paths(currency="USD"):
    """The path (with query) btc-price requests from each source."""
    cur, low = currency.upper(), currency.lower()
    return {
        "coinbase": f"/v2/prices/BTC-{cur}/spot",
        "kraken": f"/0/public/Ticker?pair=XBT{cur}",
        "bitstamp": f"/api/v2/ticker/btc{low}/",
        "coingecko": f"/api/v3/simple/price?ids=bitcoin&vs_currencies={low}",
    }


def body(source, price, currency="USD"):
    """Each exchange's real answer shape with `price` as its quote. price is
    inserted as text: a JSON string for coinbase/kraken/bitstamp, a raw
    JSON number token for coingecko (so its exact text can be checked)."""
    cur, low = currency.upper(), currency.lower()
    if source == "coinbase":
        return json.dumps({"data": {"amount": price, "base": "BTC",
                                    "currency": cur}})
    if source == "kraken":
        key = f"XXBTZ{cur}" if cur in ("USD", "EUR", "GBP", "JPY", "CAD") \
            else f"XBT{cur}"
        return json.dumps({"error": [], "result": {key: {
            "a": [price, "1", "1.000"], "b": [price, "2", "2.000"],
            "c": [price, "0.00120000"], "v": ["812.1", "2101.5"],
            "p": [price, price], "t": [21088, 52012],
            "l": ["42001.00000", "42001.00000"],
            "h": ["44001.00000", "44001.00000"], "o": "43000.00000"}}})
    if source == "bitstamp":
        return json.dumps({
            "timestamp": str(int(time.time())), "open": "43000",
            "high": "44001", "low": "42001", "last": price,
            "volume": "1204.51", "vwap": "43100", "bid": price, "ask": price,
            "side": "0", "open_24": "43001", "percent_change_24": "0.49"})
    if source == "coingecko":
        return '{"bitcoin":{"%s":%s}}' % (low, price)
    raise ValueError(source)


class Exchanges:
    """The four exchanges on one HTTPS port (see the module docstring)."""

    def __init__(self, currency="USD", workdir=None):
        self._tmp = None
        if workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="exchanges-")
            workdir = self._tmp.name
        self.ca, cert, key = make_certs(workdir)
        self.currency = currency
        self.lock = threading.Lock()
        self.modes = {s: ("ok", DEFAULT_PRICE) for s in SOURCES}
        self.hits = {s: [] for s in SOURCES}
        self.unmatched = []
        # Requests being answered right now, and the most at once: shows
        # whether the worker fetches the sources concurrently.
        self.in_flight = 0
        self.max_in_flight = 0
        routes = {p: s for s, p in paths(currency).items()}
        fixture = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else keep-alive stalls 40 ms

            def log_message(self, *args):
                pass

            def do_GET(self):
                source = routes.get(self.path)
                if source is None:
                    with fixture.lock:
                        fixture.unmatched.append(self.path)
                    return self._send(404, '{"error":"not found"}')
                with fixture.lock:
                    fixture.hits[source].append(self.path)
                    mode, value = fixture.modes[source]
                if mode == "slow":
                    with fixture.lock:
                        fixture.in_flight += 1
                        fixture.max_in_flight = max(fixture.max_in_flight,
                                                    fixture.in_flight)
                    time.sleep(value)
                    with fixture.lock:
                        fixture.in_flight -= 1
                    mode, value = "ok", DEFAULT_PRICE
                if mode == "ok":
                    return self._send(200, body(source, value,
                                                fixture.currency))
                if mode == "down":
                    return self._send(503, "<html><body><h1>503 Service "
                                      "Unavailable</h1></body></html>",
                                      "text/html")
                if mode == "garbage":
                    return self._send(200, body(source, DEFAULT_PRICE,
                                                fixture.currency)[:-7])
                if mode == "absurd":
                    return self._send(200, body(source, value,
                                                fixture.currency))
                if mode == "huge":
                    return self._send(200, " " * value + body(
                        source, DEFAULT_PRICE, fixture.currency))
                if mode == "error":
                    if source == "kraken":
                        return self._send(200, json.dumps(
                            {"error": ["EGeneral:Too many requests"]}))
                    return self._send(400, '{"message":"bad request"}')
                return self._send(500, "fixture: unknown mode")

            def _send(self, status, text, ctype="application/json"):
                data = text.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                    pass  # the client gave up (a timeout test)

        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                      Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        # Handshake in the handler thread, not in accept(), so one stalled
        # client cannot hold up the others.
        self.server.socket = ctx.wrap_socket(
            self.server.socket, server_side=True,
            do_handshake_on_connect=False)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()
        # A port that was free a moment ago and has no listener: "refused".
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.closed_port = s.getsockname()[1]

    def set(self, source, mode, value=None):
        """Sets one source's behaviour (see the module docstring)."""
        if source not in SOURCES:
            raise ValueError(source)
        defaults = {"ok": DEFAULT_PRICE, "slow": 10.0, "absurd": "-1",
                    "huge": 2 << 20}
        with self.lock:
            self.modes[source] = (mode, defaults.get(mode) if value is None
                                  else value)

    def set_prices(self, prices):
        """Sets several sources to "ok" with the given prices (a dict)."""
        for source, price in prices.items():
            self.set(source, "ok", price)

    def reset(self):
        """Every source back to "ok" at the default price; hits cleared."""
        with self.lock:
            self.modes = {s: ("ok", DEFAULT_PRICE) for s in SOURCES}
            self.hits = {s: [] for s in SOURCES}
            self.unmatched = []
            self.max_in_flight = 0

    def url(self, source):
        """The base URL for PRICE_URL_<SOURCE>."""
        with self.lock:
            refused = self.modes[source][0] == "refused"
        port = self.closed_port if refused else self.port
        return f"https://127.0.0.1:{port}"

    def env(self):
        """PRICE_URL_<SOURCE> for every source, and SSL_CERT_FILE."""
        e = {f"PRICE_URL_{s.upper()}": self.url(s) for s in SOURCES}
        e["SSL_CERT_FILE"] = self.ca
        return e

    def stop(self):
        """Stops serving and removes the generated certificates."""
        self.server.shutdown()
        self.server.server_close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
