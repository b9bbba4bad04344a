"""test_sigv4_botocore - differential test: sw-sign against botocore.

1,200 seeded random requests (odd paths with dot segments, double slashes,
spaces, UTF-8, %-escapes and reserved characters; repeated, empty and
'='-less query keys, UTF-8 and over-encoded query text; header values with
runs of spaces and tabs, repeated header names in mixed case; random binary
bodies; with and without a session token; unsigned payloads) are signed by
botocore (SigV4Auth, or S3SigV4Auth for s3) and by sw-sign with the matching
flags, and the Authorization headers must be byte-identical.

How each side gets the request: botocore takes the path in the URL (it
normalizes and encodes it itself, or for s3 uses it as sent, which botocore's
own serializer has already quoted) and the query as decoded parameters
(`request.params`, which is how botocore's clients pass them); sw-sign gets
the raw request as it would go on the wire, with the query written in one of
several legal encodings of the same parameters.
"""
import datetime
import os
import random
import subprocess
from unittest import mock
from urllib.parse import quote

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from swtest import BIN, Tap

SIGN = os.path.join(BIN, "sw-sign")
N = 1200
SEED = 20150830

UNRESERVED = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
              "0123456789-._~")
RESERVED = "!$&'()*+,;=:@"
WEIRD = [" ", "  ", "%", "é", "ሴ", "😀", "\u00a0", '"', "<", ">", "[", "]",
         "^", "`", "{", "|", "}", "\\"]
ESCAPES = ["%2F", "%2f", "%20", "%41", "%7e", "%25", "%E1%88%B4"]


def rand_text(rng, n_max, pool_weights=(6, 2, 2, 1)):
    """A random string mixing unreserved, reserved, odd and escape-like text."""
    out = []
    for _ in range(rng.randint(0, n_max)):
        kind = rng.choices(range(4), weights=pool_weights)[0]
        if kind == 0:
            out.append(rng.choice(UNRESERVED))
        elif kind == 1:
            out.append(rng.choice(RESERVED))
        elif kind == 2:
            out.append(rng.choice(WEIRD))
        else:
            out.append(rng.choice(ESCAPES))
    return "".join(out)


def rand_path(rng):
    """A path with dot segments, empty segments and odd characters."""
    segs = []
    for _ in range(rng.randint(0, 6)):
        r = rng.random()
        if r < 0.12:
            segs.append(".")
        elif r < 0.24:
            segs.append("..")
        elif r < 0.34:
            segs.append("")
        else:
            segs.append(rand_text(rng, 8).replace("/", ""))
    path = "/" + "/".join(segs)
    if rng.random() < 0.2:
        path += "/"
    return path


def enc_char_query(rng, ch):
    """One logical query character written in a random legal wire form."""
    b = ch.encode()
    if ch in "&=%#+" or ch.isspace() or len(b) > 1 and rng.random() < 0.5:
        return "".join(f"%{x:02X}" if rng.random() < 0.7 else f"%{x:02x}"
                       for x in b)
    if ch in UNRESERVED and rng.random() < 0.1:
        return f"%{b[0]:02x}"  # over-encoded, lowercase hex
    if ch.isascii() and not ch.isalnum() and ch not in UNRESERVED \
            and rng.random() < 0.5:
        return f"%{b[0]:02X}"
    return ch  # raw: unreserved, reserved or raw UTF-8


def rand_query(rng):
    """Decoded (key, value) pairs and one wire encoding of them."""
    pairs, wire = [], []
    keys = [rand_text(rng, 5, (6, 1, 1, 1)) for _ in range(3)]
    for _ in range(rng.choice([0, 0, 1, 2, 3, 5, 8, 20])):
        k = rng.choice(keys) if rng.random() < 0.5 else \
            rand_text(rng, 6, (6, 1, 1, 1))
        v = "" if rng.random() < 0.3 else rand_text(rng, 8, (6, 2, 2, 1))
        pairs.append((k, v))
        ks = "".join(enc_char_query(rng, c) for c in k)
        vs = "".join(enc_char_query(rng, c) for c in v)
        if v == "" and k != "" and rng.random() < 0.5:
            wire.append(ks)  # key without '='
        else:
            wire.append(f"{ks}={vs}")
    return pairs, "&".join(wire)


HEADER_NAMES = ["X-Custom", "x-custom", "X-CUSTOM", "Content-Type",
                "X-Amz-Target", "X-Amz-Meta-Name", "x-amz-meta-b", "Accept",
                "X-Trailing-", "My-Header1", "User-Agent", "X-Amzn-Trace-Id",
                "Content-Encoding", "A", "z", "Z-Last",
                # Next to the headers the signers add, in sort order.
                "X-Amz-Dat", "x-amz-datf", "X-Amz-Secu", "x-amz-securitz",
                "X-Amz-Cont", "x-amz-contenu", "Host2"]
VALUE_CHARS = UNRESERVED + RESERVED + "\"/<>?[]{}|\\^`#%"


def rand_value(rng):
    out = []
    for _ in range(rng.randint(0, 12)):
        r = rng.random()
        if r < 0.25:
            out.append(rng.choice([" ", "  ", "\t", " \t ", "    "]))
        else:
            out.append(rng.choice(VALUE_CHARS))
    return "".join(out)


def rand_case(rng, i):
    s3 = rng.random() < 0.3
    service = "s3" if s3 else rng.choice(["dynamodb", "sqs", "execute-api",
                                          "lambda", "service"])
    region = rng.choice(["us-east-1", "eu-west-3", "ap-southeast-2"])
    method = rng.choice(["GET", "POST", "PUT", "DELETE", "HEAD"])
    path = rand_path(rng)
    if s3:
        # What botocore's serializer sends for an S3 key: quoted, '/' kept.
        path = quote(path, safe="/~")
    pairs, wire_query = rand_query(rng)
    host = rng.choice(["example.amazonaws.com", "bucket.s3.amazonaws.com",
                       "localhost:4566"])
    headers = [("Host", host)]
    for _ in range(rng.randint(0, 6)):
        headers.insert(rng.randint(0, len(headers)),
                       (rng.choice(HEADER_NAMES), rand_value(rng)))
    body = b"" if rng.random() < 0.3 else rng.randbytes(rng.randint(1, 300))
    token = None
    if rng.random() < 0.5:
        token = "".join(rng.choice(UNRESERVED + "/+=") for _ in
                        range(rng.randint(16, 300)))
    unsigned = rng.random() < 0.15
    when = datetime.datetime(2000, 1, 1) + datetime.timedelta(
        seconds=rng.randint(0, 30 * 365 * 86400))
    return dict(i=i, s3=s3, service=service, region=region, method=method,
                path=path, pairs=pairs, wire_query=wire_query, headers=headers,
                body=body, token=token, unsigned=unsigned, when=when,
                akid="AKID" + str(rng.randint(0, 10**6)),
                secret="".join(rng.choice(UNRESERVED + "/+") for _ in
                               range(rng.choice([40, 40, 60, 61, 100]))))


def botocore_authz(c):
    creds = Credentials(c["akid"], c["secret"], c["token"])
    url = "https://" + c["headers"][[h[0] for h in c["headers"]]
                                    .index("Host")][1] + c["path"]
    req = AWSRequest(method=c["method"], url=url, data=c["body"],
                     params=c["pairs"])
    for k, v in c["headers"]:
        req.headers[k] = v
    if c["s3"]:
        if c["unsigned"]:
            req.context["client_config"] = mock.Mock(
                s3={"payload_signing_enabled": False})
        auth = botocore.auth.S3SigV4Auth(creds, c["service"], c["region"])
    else:
        if c["unsigned"]:
            req.context["payload_signing_enabled"] = False
        auth = botocore.auth.SigV4Auth(creds, c["service"], c["region"])
    with mock.patch.object(botocore.auth, "get_current_datetime",
                           lambda: c["when"]):
        auth.add_auth(req)
    return req.headers["Authorization"]


def raw_request(c):
    target = c["path"] + ("?" + c["wire_query"] if c["wire_query"] else "")
    head = f"{c['method']} {target} HTTP/1.1\n" + "".join(
        f"{k}:{v}\n" for k, v in c["headers"])
    return head.encode() + b"\n" + c["body"]


def sw_sign(c, what="authz"):
    args = [SIGN, "--access-key", c["akid"], "--secret-key", c["secret"],
            "--region", c["region"], "--service", c["service"],
            "--time", c["when"].strftime("%Y%m%dT%H%M%SZ"), "--print", what]
    if c["token"]:
        args += ["--session-token", c["token"]]
    if c["s3"]:
        # S3SigV4Auth: no normalization, path used as sent, and it always
        # adds X-Amz-Content-SHA256.
        args += ["--no-normalize", "--no-double-encode", "--sign-body"]
    if c["unsigned"]:
        # botocore adds X-Amz-Content-SHA256: UNSIGNED-PAYLOAD and signs it.
        args += ["--unsigned-payload", "--sign-body"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    p = subprocess.run(args, input=raw_request(c), capture_output=True,
                       env=env, timeout=30)
    return p.returncode, p.stdout.decode("utf-8", "replace").rstrip("\n"), \
        p.stderr.decode("utf-8", "replace")


def main():
    t = Tap()
    if not t.ok(os.access(SIGN, os.X_OK), "sw-sign is built", SIGN):
        t.done()
    rng = random.Random(SEED)
    kinds = {"s3": 0, "token": 0, "unsigned": 0, "dup-headers": 0,
             "query": 0, "dot-segments": 0}
    mismatches = 0
    for i in range(N):
        c = rand_case(rng, i)
        want = botocore_authz(c)
        rc, got, err = sw_sign(c)
        kinds["s3"] += c["s3"]
        kinds["token"] += c["token"] is not None
        kinds["unsigned"] += c["unsigned"]
        names = [h[0].lower() for h in c["headers"]]
        kinds["dup-headers"] += len(names) != len(set(names))
        kinds["query"] += bool(c["pairs"])
        kinds["dot-segments"] += "/." in c["path"]
        detail = None
        if rc != 0 or got != want:
            mismatches += 1
            _, cr, _ = sw_sign(c, "canonical")
            detail = (f"request: {raw_request(c)!r}\nservice={c['service']} "
                      f"s3={c['s3']} unsigned={c['unsigned']} "
                      f"token={bool(c['token'])} params={c['pairs']!r}\n"
                      f"rc={rc} stderr={err}\nsw:       {got}\n"
                      f"botocore: {want}\nsw canonical request:\n{cr}")
        t.ok(rc == 0 and got == want,
             f"request {i} ({c['service']} {c['method']}): Authorization "
             "identical to botocore", detail)
    print(f"# {N} requests, {mismatches} mismatches; with: {kinds}")
    t.ok(all(v >= 50 for v in kinds.values()),
         "every feature appears in at least 50 requests", kinds)
    t.done()


if __name__ == "__main__":
    main()
