"""test_objstore - sw/objstore.h (through tests/helpers/sw_obj) against
moto_server's S3 with IAM auth on, against local paths, and against a small
fixture server for the Range resume.

- S3 writes of 0 B, 1 B, 1000 B, exactly one part (one PutObject) and
  5 MiB+1 / 11 MiB with 5 MiB parts (multipart, 2 and 3 parts): boto3 reads
  back exactly the bytes written, the ETag says how it was uploaded, the
  content type is kept, and no multipart upload is left after a commit or
  an abort (an aborted write leaves no object);
- S3 reads stream: a 20 MiB object arrives in chunks of at most 1 MiB and
  the reader's peak RSS grows by far less than the object (measured against
  a 1 MiB read, from the child's own rusage);
- NoSuchKey, NoSuchBucket (read and write), a malformed location and a bad
  part size: the right code and exit 2;
- local: round trip with parent directories created, a missing file (I/O
  error naming the path), an aborted write leaves nothing and an aborted
  overwrite leaves the old file, a write under a regular file fails naming
  the directory;
- the Range resume: moto cannot cut a transfer mid-body, so a fixture
  server (below) sends part of the body and drops the connection; the retry
  must ask for "Range: bytes=N-" with If-Match on the first answer's ETag,
  and the bytes come out once, in order, also when the server ignores Range
  (200: the first N bytes are skipped) and a changed object (412) is a
  final error.
"""
import hashlib
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading

from swtest import TEST_BIN, Moto, Tap

OBJ = os.path.join(TEST_BIN, "sw_obj")
BUCKET = "obj-bucket"
MIB = 1 << 20

t = Tap()
moto = Moto()
s3 = moto.admin("s3")
s3.create_bucket(Bucket=BUCKET)
# The calls objstore makes, and no more: CreateMultipartUpload, UploadPart
# and CompleteMultipartUpload are s3:PutObject in IAM.
user = moto.user("objstore", {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow",
                   "Action": ["s3:GetObject", "s3:PutObject",
                              "s3:AbortMultipartUpload", "s3:ListBucket"],
                   "Resource": "*"}]})
tmp = tempfile.mkdtemp(prefix="test_objstore.")


def run(args, data=b"", **env):
    """Runs sw_obj; returns (rc, stdout bytes, stderr text)."""
    p = subprocess.run([OBJ] + args, input=data,
                       env=moto.env(env.pop("creds", user), **env),
                       capture_output=True, timeout=120)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def last_json(text):
    """The last JSON line of text ({} if none)."""
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return {}


def exists(key):
    """True when the bucket has key (HeadObject: moto mis-checks the
    signature of a ListObjectsV2 whose prefix has a '/')."""
    try:
        s3.head_object(Bucket=BUCKET, Key=key)
        return True
    except s3.exceptions.ClientError as e:
        if e.response["Error"]["Code"] in ("404", "NoSuchKey"):
            return False
        raise


def uploads_left():
    """Multipart uploads in progress in the bucket."""
    return s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])


def s3_put_get():
    sizes = [(0, None, ""), (1, None, ""), (1000, None, ""),
             (5 * MIB, 5 * MIB, ""), (5 * MIB + 1, 5 * MIB, "-2"),
             (11 * MIB, 5 * MIB, "-3")]
    for size, part, suffix in sizes:
        data = os.urandom(size)
        key = f"w/obj-{size}.bin"
        args = ["put"] + (["--part-bytes", str(part)] if part else []) + \
            [f"s3://{BUCKET}/{key}"]
        rc, out, err = run(args, data)
        t.eq(rc, 0, f"put {size} B: exit 0 ({err.strip()[:200]})")
        t.eq(last_json(out.decode()).get("bytes"), size,
             f"put {size} B: bytes reported")
        o = s3.get_object(Bucket=BUCKET, Key=key)
        got = o["Body"].read()
        t.ok(got == data, f"put {size} B: boto3 reads back the same bytes",
             f"{len(got)} bytes")
        etag = o["ETag"].strip('"')
        if suffix:
            t.ok(etag.endswith(suffix),
                 f"put {size} B: multipart upload of {suffix[1:]} parts",
                 etag)
        else:
            t.eq(etag, hashlib.md5(data).hexdigest(),
                 f"put {size} B: one PutObject (ETag is the MD5)")
        t.eq(uploads_left(), [], f"put {size} B: no upload left")
        # and sw_obj reads it back the same
        rc, out, err = run(["get", f"s3://{BUCKET}/{key}"])
        t.ok(rc == 0 and out == data, f"get {size} B: same bytes",
             err[-300:])

    rc, out, err = run(["put", "--content-type", "text/csv",
                        f"s3://{BUCKET}/w/typed.csv"], b"a,b\n1,2\n")
    head = s3.head_object(Bucket=BUCKET, Key="w/typed.csv")
    t.eq(head["ContentType"], "text/csv", "content type kept")


def s3_abort():
    data = os.urandom(11 * MIB)
    rc, out, err = run(["put", "--part-bytes", str(5 * MIB), "--abort",
                        f"s3://{BUCKET}/w/aborted-big"], data)
    t.eq(rc, 0, "abort after 2 parts uploaded: exit 0")
    t.eq(uploads_left(), [], "abort: the multipart upload is gone")
    t.ok(not exists("w/aborted-big"), "abort: no object")
    rc, out, err = run(["put", "--abort", f"s3://{BUCKET}/w/aborted-small"],
                       b"small")
    t.ok(rc == 0 and not exists("w/aborted-small"),
         "abort of a small object: nothing written")
    # an overwrite that is aborted leaves the old object
    s3.put_object(Bucket=BUCKET, Key="w/keep", Body=b"old")
    run(["put", "--part-bytes", str(5 * MIB), "--abort",
         f"s3://{BUCKET}/w/keep"], data)
    t.eq(s3.get_object(Bucket=BUCKET, Key="w/keep")["Body"].read(), b"old",
         "aborted overwrite: the old object stays")


def get_to_file(loc, out_path):
    """Runs sw_obj get loc > out_path; returns (rc, stats line)."""
    with open(out_path, "wb") as f:
        p = subprocess.run([OBJ, "get", loc], env=moto.env(user), stdout=f,
                           stderr=subprocess.PIPE, timeout=120)
    return p.returncode, last_json(p.stderr.decode())


def s3_streaming():
    big = os.urandom(20 * MIB)
    s3.put_object(Bucket=BUCKET, Key="r/big", Body=big)
    s3.put_object(Bucket=BUCKET, Key="r/small", Body=big[:MIB])
    path = os.path.join(tmp, "big.out")
    rc_s, small = get_to_file(f"s3://{BUCKET}/r/small", path)
    rc, st = get_to_file(f"s3://{BUCKET}/r/big", path)
    t.eq((rc_s, rc), (0, 0), "streamed reads: exit 0")
    with open(path, "rb") as f:
        t.ok(hashlib.sha256(f.read()).digest() == hashlib.sha256(big).digest(),
             "20 MiB streamed: same bytes")
    t.eq(st.get("bytes"), 20 * MIB, "20 MiB streamed: bytes counted")
    t.ok(0 < st.get("max_chunk", 0) <= MIB and st.get("chunks", 0) >= 20,
         "20 MiB streamed: delivered in chunks of at most 1 MiB",
         f"{st.get('chunks')} chunks, max {st.get('max_chunk')} B")
    # The reader's own peak RSS (VmHWM; ASan build, so a large baseline):
    # holding the object would add 20 MiB over the 1 MiB read.
    rss_small, rss_big = small.get("peak_rss_kib"), st.get("peak_rss_kib")
    t.ok(rss_small and rss_big and rss_big - rss_small < 4 * 1024,
         "20 MiB streamed: peak RSS grows by under 4 MiB over a 1 MiB read",
         f"1 MiB read {rss_small} KiB, 20 MiB read {rss_big} KiB")
    print(f"# peak RSS: 1 MiB read {rss_small} KiB, 20 MiB read "
          f"{rss_big} KiB", flush=True)


def s3_errors():
    rc, out, err = run(["get", f"s3://{BUCKET}/r/none"])
    e = last_json(err)
    t.ok(rc == 2 and e.get("code") == "NoSuchKey" and e.get("attempts") == 1,
         "NoSuchKey: exit 2, not retried", err.strip())
    rc, out, err = run(["get", "s3://no-such-bucket-x/k"])
    e = last_json(err)
    t.ok(rc == 2 and e.get("code") == "NoSuchBucket",
         "get from NoSuchBucket: exit 2", err.strip())
    rc, out, err = run(["put", "s3://no-such-bucket-x/k"], b"x")
    e = last_json(err)
    t.ok(rc == 2 and e.get("code") == "NoSuchBucket",
         "put to NoSuchBucket: exit 2", err.strip())
    rc, out, err = run(["put", "--part-bytes", str(5 * MIB),
                        "s3://no-such-bucket-x/big"], os.urandom(5 * MIB + 9))
    e = last_json(err)
    t.ok(rc == 2 and e.get("code") == "NoSuchBucket",
         "multipart to NoSuchBucket: exit 2", err.strip())
    rc, out, err = run(["get", "s3://Bad_Bucket/k"])
    e = last_json(err)
    t.ok(rc == 2 and "Bad_Bucket" in e.get("message", "") and
         "bucket" in e.get("message", ""),
         "malformed location: exit 2, message names it", err.strip())
    rc, out, err = run(["get", "s3://obj-bucket"])
    t.ok(rc == 2 and "key" in last_json(err).get("message", ""),
         "s3:// without a key: exit 2", err.strip())
    rc, out, err = run(["put", "--part-bytes", "1000",
                        f"s3://{BUCKET}/w/x"], b"x")
    t.ok(rc == 2 and "part_bytes" in last_json(err).get("message", ""),
         "part size under 5 MiB: exit 2", err.strip())
    denied = moto.user("reader-only", {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"],
                       "Resource": "*"}]})
    rc, out, err = run(["put", f"s3://{BUCKET}/w/denied"], b"x",
                       creds=denied)
    t.ok(rc == 2 and last_json(err).get("code") == "AccessDenied",
         "put without s3:PutObject: AccessDenied, exit 2", err.strip())


def local():
    data = os.urandom(3 * MIB + 5)
    path = os.path.join(tmp, "a", "b", "c.bin")
    rc, out, err = run(["put", path], data)
    with open(path, "rb") as f:
        t.ok(rc == 0 and f.read() == data,
             "local put: parents created, same bytes")
    t.eq(os.listdir(os.path.dirname(path)), ["c.bin"],
         "local put: no temp file left")
    rc, out, err = run(["get", path])
    st = last_json(err)
    t.ok(rc == 0 and out == data and st.get("max_chunk") == MIB,
         "local get: same bytes, 1 MiB chunks", err[-200:])
    empty = os.path.join(tmp, "empty")
    rc, _, _ = run(["put", empty], b"")
    rc2, out, _ = run(["get", empty])
    t.ok(rc == 0 and rc2 == 0 and os.path.getsize(empty) == 0 and out == b"",
         "local 0-byte object")

    missing = os.path.join(tmp, "nope", "missing.csv")
    rc, out, err = run(["get", missing])
    e = last_json(err)
    t.ok(rc != 0 and e.get("result") == "I/O error" and
         missing in e.get("message", "") and
         "No such file" in e.get("message", ""),
         "local missing file: I/O error with path and strerror", err.strip())
    rc, out, err = run(["get", tmp])
    t.ok(rc != 0 and last_json(err).get("result") == "I/O error",
         "local directory as object: I/O error", err.strip())

    ab = os.path.join(tmp, "ab", "x.bin")
    rc, out, err = run(["put", "--abort", ab], data)
    t.ok(rc == 0 and os.listdir(os.path.dirname(ab)) == [],
         "local abort: no file, no temp file")
    with open(ab, "wb") as f:
        f.write(b"old")
    run(["put", "--abort", ab], data)
    with open(ab, "rb") as f:
        t.eq(f.read(), b"old", "local aborted overwrite: old file stays")
    t.eq(sorted(os.listdir(os.path.dirname(ab))), ["x.bin"],
         "local aborted overwrite: no temp file")
    under_file = os.path.join(ab, "sub", "y.bin")  # ab is a regular file
    rc, out, err = run(["put", under_file], b"x")
    e = last_json(err)
    t.ok(rc != 0 and e.get("result") == "I/O error" and
         ab in e.get("message", ""),
         "local put under a regular file: I/O error naming the path",
         err.strip())


# ---- Range resume fixture ---------------------------------------------
# moto serves a body whole; to test a transfer that breaks mid-body this
# fixture (not a real S3) sends the first CUT bytes of BODY with the full
# Content-Length and closes the connection, then answers the retry as the
# mode says: "range" (206 with Content-Range), "ignore" (200 with the whole
# body, as a server that ignores Range), "changed" (412, the ETag moved).
BODY = os.urandom(3 * MIB + 123)
CUT = MIB + 777


class Fixture(http.server.BaseHTTPRequestHandler):
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    mode = "range"
    seen = []

    def log_message(self, *a):
        pass

    def do_GET(self):
        Fixture.seen.append(dict(self.headers))
        etag = '"fixture-etag-1"'
        if len(Fixture.seen) == 1:
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(BODY[:CUT])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if Fixture.mode == "changed":
            msg = (b"<?xml version=\"1.0\"?><Error><Code>PreconditionFailed"
                   b"</Code><Message>At least one of the pre-conditions you "
                   b"specified did not hold</Message></Error>")
            self.send_response(412)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(msg)))
            self.end_headers()
            self.wfile.write(msg)
            return
        start = 0
        rng = self.headers.get("Range", "")
        if Fixture.mode == "range" and rng.startswith("bytes="):
            start = int(rng[6:].rstrip("-"))
            self.send_response(206)
            self.send_header("Content-Range",
                             f"bytes {start}-{len(BODY) - 1}/{len(BODY)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(BODY) - start))
        self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(BODY[start:])


def resume():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Fixture)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    url = f"http://127.0.0.1:{srv.server_address[1]}"
    try:
        for mode in ("range", "ignore", "changed"):
            Fixture.mode = mode
            Fixture.seen = []
            rc, out, err = run(["get", "s3://fixture-bucket/big.bin"],
                               AWS_ENDPOINT_URL=url)
            seen = Fixture.seen
            if mode == "changed":
                e = last_json(err)
                t.ok(rc == 2 and e.get("code") == "PreconditionFailed" and
                     len(out) == CUT,
                     "resume of a changed object: 412 is final (exit 2), "
                     "only the first version's bytes were delivered",
                     err.strip())
                continue
            t.ok(rc == 0 and out == BODY,
                 f"resume ({mode}): every byte once, in order",
                 f"rc {rc}, {len(out)} of {len(BODY)} bytes; {err[-300:]}")
            t.eq(len(seen), 2, f"resume ({mode}): two requests")
            if len(seen) == 2:
                t.ok("Range" not in seen[0],
                     f"resume ({mode}): the first request has no Range")
                t.eq(seen[1].get("Range"), f"bytes={CUT}-",
                     f"resume ({mode}): the retry asks for bytes={CUT}-")
                t.eq(seen[1].get("If-Match"), '"fixture-etag-1"',
                     f"resume ({mode}): the retry is bound to the ETag")
                t.ok("range" in seen[1].get("Authorization", "").lower(),
                     f"resume ({mode}): Range is signed")
    finally:
        srv.shutdown()
        srv.server_close()


try:
    t.run(local, "local paths")
    t.run(s3_put_get, "S3 put/get")
    t.run(s3_abort, "S3 abort")
    t.run(s3_streaming, "S3 streaming read")
    t.run(s3_errors, "S3 errors")
    t.run(resume, "Range resume")
finally:
    shutil.rmtree(tmp, ignore_errors=True)
    moto.stop()
t.done()
