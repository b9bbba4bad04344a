"""test_sigv4_suite - runs the sw-sign CLI over every case of the SigV4
conformance suite (tests/data/sigv4-test-suite/v4) and compares its output
byte for byte with the expected signed request, canonical request, string
to sign and Authorization. Also checks the CLI's bad-usage contract: one
line on stderr and exit code 2."""
import json
import os
import subprocess

from swtest import BIN, ROOT, Tap

SUITE = os.path.join(ROOT, "tests", "data", "sigv4-test-suite", "v4")
SIGN = os.path.join(BIN, "sw-sign")


def read(case, name):
    with open(os.path.join(SUITE, case, name), "rb") as f:
        return f.read()


def args_for(ctx):
    """sw-sign arguments for a case's context.json."""
    c = ctx["credentials"]
    ts = ctx["timestamp"].replace("-", "").replace(":", "")
    a = [SIGN, "--access-key", c["access_key_id"],
         "--secret-key", c["secret_access_key"],
         "--region", ctx["region"], "--service", ctx["service"], "--time", ts]
    if "token" in c:
        a += ["--session-token", c["token"]]
    if ctx.get("omit_session_token"):
        a.append("--unsigned-token")
    if not ctx["normalize"]:
        a.append("--no-normalize")
    if ctx["sign_body"]:
        a.append("--sign-body")
    return a


def sign(args, stdin):
    # No inherited AWS_* variables: the case's context is the whole input.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return subprocess.run(args, input=stdin, capture_output=True, env=env,
                          timeout=30)


def main():
    t = Tap()
    if not t.ok(os.access(SIGN, os.X_OK), "sw-sign is built", SIGN):
        t.done()
    cases = sorted(os.listdir(SUITE))
    t.eq(len(cases), 38, "38 suite cases")
    for case in cases:
        ctx = json.loads(read(case, "context.json"))
        args = args_for(ctx)
        req = read(case, "request.txt")
        p = sign(args, req)
        t.ok(p.returncode == 0 and p.stdout == read(case, "header-signed-request.txt"),
             f"{case}: signed request byte-identical",
             f"rc={p.returncode} stderr={p.stderr!r}\ngot  {p.stdout!r}\n"
             f"want {read(case, 'header-signed-request.txt')!r}")
        for what, fname in (("canonical", "header-canonical-request.txt"),
                            ("sts", "header-string-to-sign.txt")):
            p = sign(args + ["--print", what], req)
            t.eq(p.stdout, read(case, fname) + b"\n", f"{case}: --print {what}")

    # Bad usage: exit 2 with one line on stderr, nothing on stdout.
    vanilla = read("get-vanilla", "request.txt")
    base = args_for(json.loads(read("get-vanilla", "context.json")))
    for what, args, stdin in (
            ("unknown option", base + ["--frobnicate"], vanilla),
            ("missing value", base + ["--region"], vanilla),
            ("bad --time", [a if a != "20150830T123600Z" else "2015-08-30"
                            for a in base], vanilla),
            ("bad --print", base + ["--print", "everything"], vanilla),
            ("missing secret", [a for a in base if a not in (
                "--secret-key", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")],
             vanilla),
            ("empty stdin", base, b""),
            ("header without colon", base, b"GET / HTTP/1.1\nHost example\n"),
            ("no Host header", base, b"GET / HTTP/1.1\nX-A:1\n")):
        p = sign(args, stdin)
        t.ok(p.returncode == 2 and p.stdout == b"" and
             p.stderr.count(b"\n") == 1 and p.stderr.startswith(b"sw-sign: "),
             f"bad usage ({what}): exit 2, one stderr line",
             f"rc={p.returncode} stdout={p.stdout!r} stderr={p.stderr!r}")
    t.done()


if __name__ == "__main__":
    main()
