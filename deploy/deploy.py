#!/usr/bin/env python3
"""deploy/deploy.py - the AWS side of scratchwork, through the AWS CLI only.

    deploy.py deploy      IAM roles, log groups, DynamoDB tables, Batch compute
                          environments + queue + job definitions, the SQS
                          dead-letter queue and one EventBridge rule per
                          schedules/*.json; idempotent ("unchanged" per
                          resource on a second run)
    deploy.py destroy     removes what deploy made, in reverse order, only
                          resources tagged project=scratchwork
    deploy.py ecr-repos   one ECR repository per worker (make push)
    deploy.py registry    prints ACCOUNT.dkr.ecr.REGION.amazonaws.com

Settings come from the environment (deploy/deploy.mk passes make's):
REGION (else AWS_REGION, AWS_DEFAULT_REGION), ACCOUNT (else sts
get-caller-identity), WORKERS (default: every workers/*/deploy.json),
SUBNETS, SECURITY_GROUP (default: the default VPC's), ASSIGN_PUBLIC_IP
(ENABLED), MAX_VCPUS (16), IMAGES_DIR (build/images), DRY_RUN, KEEP_TABLES,
CONFIG_DIR (the repository: workers/, policies/, schedules/), DEPLOY_JOBS
(4: per-worker work of one step, e.g. the roles or the log groups, runs that
many at once; output stays in worker order; 1 is fully sequential).

Every AWS call runs `aws SERVICE OPERATION ... --region R --output json` as a
subprocess. Bad configuration is found before the first call: one line on
stderr, exit 2. A failed AWS call: one line naming it, exit 1.
Python 3 standard library only.
"""
import json
import os
import re
import shlex
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
# Where workers/*/deploy.json, policies/ and schedules/ are read from (tests
# point CONFIG_DIR at a copy).
CONF = os.environ.get("CONFIG_DIR") or ROOT
PROJECT = "scratchwork"
TAGS = {"project": PROJECT}
QUEUE = PROJECT
CE_SPOT = f"{PROJECT}-fargate-spot"
CE_ONDEMAND = f"{PROJECT}-fargate"
EXEC_ROLE = f"{PROJECT}-ecs-execution"
EVENTS_ROLE = f"{PROJECT}-events"
DLQ = f"{PROJECT}-events-dlq"
BATCH_SLR_PATH = "/aws-service-role/batch.amazonaws.com/"
WAIT_SECONDS = 600


class ConfigError(Exception):
    """Bad configuration: reported as one line, exit 2, before any call."""


class AwsError(Exception):
    """An AWS CLI call failed: reported as one line, exit 1."""


def die_config(msg):
    """Prints the one configuration error line and exits 2."""
    print(f"deploy: {msg}", file=sys.stderr)
    sys.exit(2)


def truthy(v):
    """True for a set flag ("1", "yes", "true"); "", "0", "no" are off."""
    return (v or "").strip().lower() not in ("", "0", "no", "false", "off")


def canon(obj):
    """A JSON text that compares equal for equal documents."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def compact(obj):
    """JSON for a CLI argument: compact, key order kept."""
    return json.dumps(obj, separators=(",", ":"))


# --- validation (no AWS calls) ---------------------------------------------

_RATE = re.compile(r"rate\(([1-9][0-9]*) (minute|minutes|hour|hours|day|days)\)")
_MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
_DAYS = "SUN MON TUE WED THU FRI SAT".split()


def _cron_value(tok, lo, hi, names):
    """True if tok is a number in lo..hi or one of names."""
    if tok.isdigit():
        return lo <= int(tok) <= hi
    return tok.upper() in names


def _cron_field(field, lo, hi, names=(), extra=()):
    """True if field is a valid list of cron items (values, ranges, steps,
    * and the field's special forms in extra)."""
    for item in field.split(","):
        if item in extra:
            continue
        base, _, step = item.partition("/")
        if "/" in item and not (step.isdigit() and int(step) >= 1):
            return False
        if base == "*":
            continue
        if "-" in base:
            a, _, b = base.partition("-")
            if not (_cron_value(a, lo, hi, names) and
                    _cron_value(b, lo, hi, names)):
                return False
        elif not _cron_value(base, lo, hi, names):
            return False
    return True


def check_schedule(expr):
    """Raises ConfigError unless expr is an EventBridge rate() or cron()
    expression as AWS accepts it (rate: singular unit for 1, plural
    otherwise; cron: 6 fields, ? in exactly one of day-of-month and
    day-of-week)."""
    m = _RATE.fullmatch(expr)
    if m:
        n, unit = int(m.group(1)), m.group(2)
        if (n == 1) != (not unit.endswith("s")):
            want = unit.rstrip("s") + ("" if n == 1 else "s")
            raise ConfigError(f"invalid schedule {expr!r}: write "
                              f"rate({n} {want}) (singular only for 1)")
        return
    if expr.startswith("rate("):
        raise ConfigError(f"invalid schedule {expr!r}: rate(N unit) with a "
                          "positive N and minute(s), hour(s) or day(s)")
    m = re.fullmatch(r"cron\((.*)\)", expr)
    if not m:
        raise ConfigError(f"invalid schedule {expr!r}: not rate(...) or "
                          "cron(...)")
    f = m.group(1).split()
    if len(f) != 6:
        raise ConfigError(f"invalid schedule {expr!r}: cron needs 6 fields "
                          "(minutes hours day-of-month month day-of-week "
                          "year)")
    mi, hr, dom, mon, dow, yr = f
    if (dom == "?") == (dow == "?"):
        raise ConfigError(f"invalid schedule {expr!r}: exactly one of "
                          "day-of-month and day-of-week must be ?")
    dom_ok = dom == "?" or dom in ("L", "LW") or \
        re.fullmatch(r"[1-9][0-9]?W", dom) and 1 <= int(dom[:-1]) <= 31 or \
        _cron_field(dom, 1, 31)
    dow_ok = dow == "?" or \
        re.fullmatch(r"[1-7]#[1-5]|[1-7]L|L", dow.upper()) or \
        _cron_field(dow, 1, 7, _DAYS)
    if not (_cron_field(mi, 0, 59) and _cron_field(hr, 0, 23) and dom_ok and
            _cron_field(mon, 1, 12, _MONTHS) and dow_ok and
            _cron_field(yr, 1970, 2199)):
        raise ConfigError(f"invalid schedule {expr!r}: a cron field is out "
                          "of range or malformed")


# Fargate task sizes: vCPU -> allowed memory (MiB).
FARGATE = {
    "0.25": [512, 1024, 2048],
    "0.5": list(range(1024, 4097, 1024)),
    "1": list(range(2048, 8193, 1024)),
    "2": list(range(4096, 16385, 1024)),
    "4": list(range(8192, 30721, 1024)),
    "8": list(range(16384, 61441, 4096)),
    "16": list(range(32768, 122881, 8192)),
}


def check_fargate(worker, vcpu, memory):
    """Raises ConfigError unless vcpu/memory is a Fargate task size."""
    if str(vcpu) not in FARGATE:
        raise ConfigError(f"{worker}: vcpu {vcpu!r} is not a Fargate size "
                          f"({', '.join(FARGATE)})")
    if not isinstance(memory, int) or memory not in FARGATE[str(vcpu)]:
        ok = FARGATE[str(vcpu)]
        raise ConfigError(f"{worker}: memory_mib {memory!r} does not go with "
                          f"{vcpu} vCPU on Fargate ({ok[0]}..{ok[-1]} MiB, "
                          f"steps {ok[1] - ok[0]})")


def check_policy_actions(doc, where):
    """Raises ConfigError if a statement allows "*" or "service:*", or uses
    NotAction (both grant more than a least-privilege policy may)."""
    sts = doc.get("Statement") if isinstance(doc, dict) else None
    if isinstance(sts, dict):
        sts = [sts]
    if not isinstance(sts, list) or not sts:
        raise ConfigError(f"{where}: no Statement list")
    for st in sts:
        if "NotAction" in st:
            raise ConfigError(f"{where}: NotAction is not allowed")
        acts = st.get("Action")
        acts = [acts] if isinstance(acts, str) else acts
        if not acts or not all(isinstance(a, str) for a in acts):
            raise ConfigError(f"{where}: a statement has no Action list")
        for a in acts:
            if a == "*" or a.endswith(":*"):
                raise ConfigError(f"{where}: Action {a!r} is a wildcard; "
                                  "name each action")


def load_json(path, what):
    """Parses a JSON file; ConfigError on a missing or malformed one."""
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{what}: {os.path.relpath(path, CONF)} not found")
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{what}: {os.path.relpath(path, CONF)} is not "
                          f"valid JSON ({e})")


def all_workers():
    """Workers with a deploy config (workers/*/deploy.json)."""
    d = os.path.join(CONF, "workers")
    return sorted(w for w in os.listdir(d)
                  if os.path.isfile(os.path.join(d, w, "deploy.json")))


def load_worker(w, need_image, images_dir):
    """Reads and checks one worker's deploy config, policy and digest."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,40}", w) or \
            not os.path.isfile(os.path.join(CONF, "workers", w,
                                            "deploy.json")):
        raise ConfigError(f"unknown worker {w!r} (known: "
                          f"{' '.join(all_workers()) or 'none'})")
    c = load_json(os.path.join(CONF, "workers", w, "deploy.json"),
                  f"worker {w}")
    c["name"] = w
    c["vcpu"] = str(c.get("vcpu", "0.25"))
    c.setdefault("memory_mib", 512)
    check_fargate(w, c["vcpu"], c["memory_mib"])
    for k, lo, hi, dflt in (("attempts", 1, 10, 3),
                            ("timeout_seconds", 60, 1209600, 300),
                            ("log_retention_days", 1, 3653, 30)):
        v = c.setdefault(k, dflt)
        if not isinstance(v, int) or not lo <= v <= hi:
            raise ConfigError(f"{w}: {k} must be an integer {lo}..{hi}")
    env = c.setdefault("environment", {})
    if not isinstance(env, dict) or \
            not all(isinstance(v, str) for v in env.values()):
        raise ConfigError(f"{w}: environment must map names to strings")
    t = c.get("table")
    extra = c.get("extra_tables", [])
    if not isinstance(extra, list):
        raise ConfigError(f"{w}: extra_tables must be a list of tables")
    for tt in ([t] if t is not None else []) + extra:
        if not isinstance(tt, dict) or not re.fullmatch(
                r"[A-Za-z0-9_.-]{3,255}", str(tt.get("name", ""))) or \
                not isinstance(tt.get("hash_key"), dict):
            raise ConfigError(f"{w}: table needs a name and a hash_key")
        for k in ("hash_key", "range_key"):
            if k in tt and tt[k].get("type") not in ("S", "N", "B"):
                raise ConfigError(f"{w}: table {k} type must be S, N or B")
    # Every table the worker owns: its main one (TABLE_NAME, ${TableName})
    # and extra ones it names itself in its environment.
    c["tables"] = ([t] if t is not None else []) + extra
    if t is not None:
        env.setdefault("TABLE_NAME", t["name"])
    g = c.get("graphs")
    if g is not None:
        if not isinstance(g, dict) or \
                g.get("table") not in [tt["name"] for tt in extra] or \
                not isinstance(g.get("dir"), str):
            raise ConfigError(f"{w}: graphs needs a dir and a table listed "
                              "in extra_tables")
        c["graph_items"] = load_graphs(w, g["dir"])
    ppath = os.path.join(CONF, "policies", f"{w}.json")
    with_text = None
    try:
        with open(ppath) as f:
            with_text = f.read()
    except FileNotFoundError:
        raise ConfigError(f"{w}: policies/{w}.json not found")
    try:
        doc = json.loads(with_text)
    except json.JSONDecodeError as e:
        raise ConfigError(f"policies/{w}.json is not valid JSON ({e})")
    check_policy_actions(doc, f"policies/{w}.json")
    bucket = c.get("input_bucket")
    if bucket is not None and not re.fullmatch(
            r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", str(bucket)):
        raise ConfigError(f"{w}: input_bucket {bucket!r} is not a bucket name")
    for ph in set(re.findall(r"\$\{([^}]*)\}", with_text)):
        if ph not in ("Region", "AccountId", "TableName", "Partition",
                      "InputBucket"):
            raise ConfigError(f"policies/{w}.json: unknown placeholder "
                              f"${{{ph}}}")
        if ph == "TableName" and t is None:
            raise ConfigError(f"policies/{w}.json uses ${{TableName}} but "
                              f"workers/{w}/deploy.json has no table")
        if ph == "InputBucket" and bucket is None:
            raise ConfigError(f"policies/{w}.json uses ${{InputBucket}} but "
                              f"workers/{w}/deploy.json has no input_bucket")
    c["policy_text"] = with_text
    if need_image:
        dpath = os.path.join(images_dir, w, "digest")
        try:
            with open(dpath) as f:
                digest = f.read().strip()
        except FileNotFoundError:
            raise ConfigError(f"{w}: no image digest in {dpath}: run "
                              "`make images` first")
        if not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
            raise ConfigError(f"{w}: {dpath} does not hold a sha256 digest: "
                              "run `make images`")
        c["digest"] = digest
    return c


def load_graphs(w, rel_dir):
    """Reads every <id>.json under rel_dir (a job graph, uploaded to the
    worker's graphs table by deploy); its scheduleId must be its file name.
    Returns [(id, compact JSON text)]."""
    d = os.path.join(CONF, rel_dir)
    if not os.path.isdir(d):
        raise ConfigError(f"{w}: graphs dir {rel_dir} not found")
    out = []
    for fn in sorted(os.listdir(d)):
        if not fn.endswith(".json"):
            continue
        doc = load_json(os.path.join(d, fn), f"{rel_dir}/{fn}")
        if not isinstance(doc, dict) or doc.get("scheduleId") != fn[:-5]:
            raise ConfigError(f"{rel_dir}/{fn}: scheduleId must be "
                              f"{fn[:-5]!r}")
        out.append((fn[:-5], compact(doc)))
    return out


def load_schedules(workers):
    """Reads and checks schedules/*.json; each must name a configured worker
    (workers, every workers/*/deploy.json). Returns them all (WORKERS picks
    which ones get a rule)."""
    out = []
    d = os.path.join(CONF, "schedules")
    for fn in sorted(os.listdir(d)):
        if not fn.endswith(".json"):
            continue
        name = fn[:-5]
        s = load_json(os.path.join(d, fn), f"schedule {name}")
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,40}", name):
            raise ConfigError(f"schedules/{fn}: name must be [a-z0-9-]")
        if not isinstance(s, dict) or s.get("worker") not in workers:
            raise ConfigError(f"schedules/{fn}: unknown worker "
                              f"{s.get('worker') if isinstance(s, dict) else s!r}")
        expr = s.get("schedule")
        if not isinstance(expr, str):
            raise ConfigError(f"schedules/{fn}: no schedule expression")
        try:
            check_schedule(expr)
        except ConfigError as e:
            raise ConfigError(f"schedules/{fn}: {e}")
        size = s.get("array_size")
        if size is not None and (not isinstance(size, int) or
                                 not 2 <= size <= 10000):
            raise ConfigError(f"schedules/{fn}: array_size must be 2..10000")
        for k, lo, hi, dflt in (("retry_attempts", 0, 185, 3),
                                ("max_event_age_seconds", 60, 86400, 3600)):
            v = s.setdefault(k, dflt)
            if not isinstance(v, int) or not lo <= v <= hi:
                raise ConfigError(f"schedules/{fn}: {k} must be {lo}..{hi}")
        cmd = s.get("command")
        if cmd is not None and (not isinstance(cmd, list) or not cmd or
                                not all(isinstance(a, str) and a and
                                        '"' not in a and "\\" not in a
                                        for a in cmd)):
            raise ConfigError(f"schedules/{fn}: command must be a list of "
                              "plain strings (e.g. [\"run\", \"etl-daily\"])")
        s["name"] = name
        out.append(s)
    return out


def region_of(env):
    """(region, partition) from REGION, else AWS_REGION, else
    AWS_DEFAULT_REGION; ConfigError if none is set or it is malformed.
    Shared with deploy/runner.py."""
    region = (env.get("REGION") or env.get("AWS_REGION") or
              env.get("AWS_DEFAULT_REGION") or "").strip()
    if not region:
        raise ConfigError("no region: set REGION=... (or AWS_REGION)")
    if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-[0-9]+", region):
        raise ConfigError(f"region {region!r} is not a region name")
    partition = "aws-cn" if region.startswith("cn-") else \
        "aws-us-gov" if region.startswith("us-gov-") else "aws"
    return region, partition


class Settings:
    """Everything the run needs, checked before any AWS call."""

    def __init__(self, cmd, env):
        self.region, self.partition = region_of(env)
        self.account = (env.get("ACCOUNT") or "").strip()
        if self.account and not re.fullmatch(r"[0-9]{12}", self.account):
            raise ConfigError(f"ACCOUNT {self.account!r} is not 12 digits")
        self.dry_run = truthy(env.get("DRY_RUN"))
        try:
            self.jobs = int(env.get("DEPLOY_JOBS") or 4)
            assert 1 <= self.jobs <= 32
        except (ValueError, AssertionError):
            raise ConfigError("DEPLOY_JOBS must be an integer 1..32")
        self.keep_tables = truthy(env.get("KEEP_TABLES"))
        self.images_dir = env.get("IMAGES_DIR") or \
            os.path.join(ROOT, "build", "images")
        self.subnets = [s for s in re.split(r"[\s,]+",
                                            env.get("SUBNETS", "")) if s]
        self.sgs = [s for s in re.split(r"[\s,]+",
                                        env.get("SECURITY_GROUP", "")) if s]
        if bool(self.subnets) != bool(self.sgs):
            raise ConfigError("set both SUBNETS and SECURITY_GROUP, or "
                              "neither (the default VPC's)")
        self.public_ip = (env.get("ASSIGN_PUBLIC_IP") or "ENABLED").upper()
        if self.public_ip not in ("ENABLED", "DISABLED"):
            raise ConfigError("ASSIGN_PUBLIC_IP must be ENABLED or DISABLED")
        try:
            self.max_vcpus = int(env.get("MAX_VCPUS") or 16)
            assert 1 <= self.max_vcpus <= 10000
        except (ValueError, AssertionError):
            raise ConfigError("MAX_VCPUS must be an integer 1..10000")
        # Every configured worker: the shared roles' policies name them all,
        # so a run with WORKERS set to a few of them never narrows them.
        self.all_names = all_workers()
        names = (env.get("WORKERS") or "").split() or self.all_names
        self.workers = [load_worker(w, cmd == "deploy", self.images_dir)
                        for w in names]
        # All schedules (the events role may submit each one's job); rules
        # are made or removed only for the selected workers' schedules.
        self.all_schedules = load_schedules(self.all_names) \
            if cmd in ("deploy", "destroy") else []
        picked = {w["name"] for w in self.workers}
        # A subset run leaves what every worker shares (queue, compute
        # environments, dead-letter queue, execution and events roles) in
        # place on destroy: removing one worker must not stop the others.
        self.subset = picked != set(self.all_names)
        self.schedules = [x for x in self.all_schedules
                          if x["worker"] in picked]

    def arn(self, service, resource, region=True):
        """An ARN in this partition, region and account."""
        return (f"arn:{self.partition}:{service}:"
                f"{self.region if region else ''}:{self.account}:{resource}")


# --- the AWS CLI ------------------------------------------------------------

class Aws:
    """Runs `aws` calls; in a dry run prints mutating calls instead."""

    def __init__(self, s):
        self.s = s
        self.skipped = 0
        self.lock = threading.Lock()
        self.env = dict(os.environ, AWS_PAGER="")

    def call(self, service, op, *args, mutate=False, ok=()):
        """Runs one call; returns its JSON answer, {} for an empty one, None
        for an error code listed in ok (or a mutating call in a dry run)."""
        argv = ["aws", service, op, *args, "--region", self.s.region]
        # aws-cli v1 sends sqs calls in us-east-1 to its legacy endpoint even
        # when AWS_ENDPOINT_URL(_SQS) is set; --endpoint-url still wins.
        ep = self.env.get("AWS_ENDPOINT_URL_SQS") or \
            self.env.get("AWS_ENDPOINT_URL")
        if service == "sqs" and ep:
            argv += ["--endpoint-url", ep]
        line = shlex.join(argv)
        if self.s.dry_run:
            if mutate:
                emit(line)
                with self.lock:
                    self.skipped += 1
                return None
            emit(f"# ran: {line}")
        p = subprocess.run(argv + ["--output", "json"], env=self.env,
                           capture_output=True, text=True)
        if p.returncode != 0:
            m = re.search(r"An error occurred \(([^)]+)\)", p.stderr)
            if m and m.group(1) in ok:
                return None
            last = [ln for ln in p.stderr.splitlines() if ln.strip()]
            raise AwsError(f"{line}: {last[-1] if last else 'exit %d' % p.returncode}")
        return json.loads(p.stdout) if p.stdout.strip() else {}


DRY = []
# Inside pmap each thread keeps its lines in _OUT.lines until they can be
# printed in item order.
_OUT = threading.local()


def emit(line):
    """Prints one output line, or keeps it for pmap to print in order."""
    lines = getattr(_OUT, "lines", None)
    if lines is None:
        print(line, flush=True)
    else:
        lines.append(line)


def say(what, status):
    """One status line per resource ("# ... (dry run)" in a dry run)."""
    if DRY:
        emit(f"# {what}: {status} (dry run: not done)")
    else:
        emit(f"{what}: {status}")


def pmap(s, fn, items):
    """Runs fn(item) for every item, up to s.jobs (DEPLOY_JOBS) at once, and
    prints each item's lines in item order, as a sequential loop would.
    On an error no further item starts; the lines of the items before the
    first failing one (in item order) and that item's own are printed and
    its error is raised, once. Returns fn's answers in item order."""
    items = list(items)
    if s.jobs <= 1 or len(items) <= 1:
        return [fn(x) for x in items]
    stop = threading.Event()

    def run(x):
        """fn(x) with its lines kept: ("ok"|"error"|"skipped", value, lines)."""
        if stop.is_set():
            return "skipped", None, []
        _OUT.lines = []
        try:
            return "ok", fn(x), _OUT.lines
        except BaseException as e:  # AwsError, or a bug: raised in order
            stop.set()
            return "error", e, _OUT.lines
        finally:
            _OUT.lines = None

    out = []
    with ThreadPoolExecutor(max_workers=s.jobs) as ex:
        for kind, value, lines in [f.result() for f in
                                   [ex.submit(run, x) for x in items]]:
            for ln in lines:
                print(ln, flush=True)
            if kind == "error":
                raise value
            # "skipped" only follows an earlier item's error (items start
            # in order), which was raised above.
            out.append(value)
    return out


def tag_list(extra=None):
    """Tags as [{"Key":..,"Value":..}] (IAM, DynamoDB, EventBridge, ECR)."""
    t = dict(TAGS, **(extra or {}))
    return [{"Key": k, "Value": v} for k, v in t.items()]


def tagged(tags):
    """True if tags (a map or a Key/Value list) hold project=scratchwork."""
    if isinstance(tags, list):
        tags = {t.get("Key", t.get("key")): t.get("Value", t.get("value"))
                for t in tags}
    return (tags or {}).get("project") == PROJECT


class NotOurs(AwsError):
    """A resource with our name exists but is not tagged as ours."""


# --- IAM ----------------------------------------------------------------------

def trust(service):
    """A trust policy letting service assume the role."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service},
        "Action": "sts:AssumeRole"}]}


def all_roles(aws):
    """Every IAM role with its tags, trust policy, inline policies (with
    documents) and attached policies, in one call (instead of get-role,
    list-role-policies and get-role-policy per role): {name: RoleDetail}."""
    r = aws.call("iam", "get-account-authorization-details", "--filter",
                 "Role")
    return {x["RoleName"]: x for x in r.get("RoleDetailList", [])}


def ensure_role(aws, name, trust_doc, policies, roles):
    """Creates or updates role name: trust policy and exactly the inline
    policies given (name -> document). roles is all_roles()'s answer.
    Returns the role's ARN."""
    for pname, doc in policies.items():
        check_policy_actions(doc, f"role {name} policy {pname}")
    r = roles.get(name)
    changed = []
    if r is None:
        aws.call("iam", "create-role", "--role-name", name,
                 "--assume-role-policy-document", compact(trust_doc),
                 "--tags", compact(tag_list()), mutate=True)
        current = {}
        changed.append("created")
    else:
        if not tagged(r.get("Tags")):
            raise NotOurs(f"IAM role {name} exists but is not tagged "
                          f"project={PROJECT}; not touching it")
        if canon(r["AssumeRolePolicyDocument"]) != canon(trust_doc):
            aws.call("iam", "update-assume-role-policy", "--role-name", name,
                     "--policy-document", compact(trust_doc), mutate=True)
            changed.append("trust updated")
        current = {}
        for p in r.get("RolePolicyList", []):
            pname = p["PolicyName"]
            if pname not in policies:
                aws.call("iam", "delete-role-policy", "--role-name", name,
                         "--policy-name", pname, mutate=True)
                changed.append(f"policy {pname} removed")
            else:
                current[pname] = p["PolicyDocument"]
    for pname, doc in policies.items():
        if pname in current and canon(current[pname]) == canon(doc):
            continue
        aws.call("iam", "put-role-policy", "--role-name", name,
                 "--policy-name", pname, "--policy-document", compact(doc),
                 mutate=True)
        if "created" not in changed:
            changed.append(f"policy {pname} updated")
    say(f"iam role {name}", ", ".join(changed) or "unchanged")
    return aws.s.arn("iam", f"role/{name}", region=False)


def batch_service_role(aws, all_roles_now):
    """The Batch service-linked role's ARN, created if missing (moto insists
    on an explicit serviceRole for a compute environment, so it is always
    passed). all_roles_now is all_roles()'s answer."""
    roles = sorted((r for r in all_roles_now.values()
                    if r.get("Path", "").startswith(BATCH_SLR_PATH)),
                   key=lambda r: r["RoleName"])
    if roles:
        say("iam service-linked role for batch", "unchanged")
        return roles[0]["Arn"]
    c = aws.call("iam", "create-service-linked-role", "--aws-service-name",
                 "batch.amazonaws.com", mutate=True)
    say("iam service-linked role for batch", "created")
    if c:
        return c["Role"]["Arn"]
    return aws.s.arn("iam", "role" + BATCH_SLR_PATH + "AWSServiceRoleForBatch",
                     region=False)


def iam_roles(aws, s):
    """Execution role, one job role per worker, the EventBridge role."""
    # Every configured worker, not only WORKERS: the role is shared.
    repos = [s.arn("ecr", f"repository/{PROJECT}/{w}") for w in s.all_names]
    groups = [s.arn("logs", f"log-group:/{PROJECT}/{w}:*")
              for w in s.all_names]
    # An inline equivalent of AmazonECSTaskExecutionRolePolicy, narrowed to
    # our repositories and log groups (moto lacks the managed policy, too).
    exec_policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "EcrToken", "Effect": "Allow",
         "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
        {"Sid": "EcrPull", "Effect": "Allow",
         "Action": ["ecr:BatchCheckLayerAvailability",
                    "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
         "Resource": repos},
        {"Sid": "Logs", "Effect": "Allow",
         "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": groups}]}
    # (key in arns, role name, trust policy, inline policies), in order.
    want = [("exec", EXEC_ROLE, trust("ecs-tasks.amazonaws.com"),
             {"pull-and-log": exec_policy})]
    for w in s.workers:
        text = w["policy_text"]
        for k, v in (("Region", s.region), ("AccountId", s.account),
                     ("Partition", s.partition),
                     ("TableName", (w.get("table") or {}).get("name", "")),
                     ("InputBucket", w.get("input_bucket") or "")):
            text = text.replace("${%s}" % k, v)
        want.append((w["name"], f"{PROJECT}-{w['name']}-job",
                     trust("ecs-tasks.amazonaws.com"),
                     {"worker": json.loads(text)}))
    # EventBridge submits only the scheduled workers' jobs (an array job's
    # runner submits its own), so the events role names only those.
    jobdefs = []
    for name in sorted({sch["worker"] for sch in s.all_schedules}):
        jobdefs += [s.arn("batch", f"job-definition/{PROJECT}-{name}"),
                    s.arn("batch", f"job-definition/{PROJECT}-{name}:*")]
    events_policy = {"Version": "2012-10-17", "Statement": [{
        "Sid": "SubmitOurJobs", "Effect": "Allow",
        "Action": ["batch:SubmitJob"],
        "Resource": [s.arn("batch", f"job-queue/{QUEUE}")] + jobdefs}]}
    want.append(("events", EVENTS_ROLE, trust("events.amazonaws.com"),
                 {"submit-job": events_policy}))
    roles = all_roles(aws)
    arns = dict(zip([x[0] for x in want], pmap(
        s, lambda x: ensure_role(aws, x[1], x[2], x[3], roles), want)))
    arns["batch"] = batch_service_role(aws, roles)
    return arns


# --- CloudWatch Logs, DynamoDB -------------------------------------------------

def our_log_groups(aws):
    """Every log group under /scratchwork/, one call: {name: group}."""
    r = aws.call("logs", "describe-log-groups", "--log-group-name-prefix",
                 f"/{PROJECT}/")
    return {g["logGroupName"]: g for g in r.get("logGroups", [])}


def table_names(aws):
    """The names of every DynamoDB table in the region (one call, paged by
    the CLI), so missing tables need no describe-table each."""
    return set(aws.call("dynamodb", "list-tables").get("TableNames", []))


def log_groups(aws, s):
    """/scratchwork/W per worker, tagged, with the configured retention."""
    have = our_log_groups(aws)

    def one(w):
        """Worker w's log group."""
        name = f"/{PROJECT}/{w['name']}"
        g = have.get(name)
        st = []
        if g is None:
            aws.call("logs", "create-log-group", "--log-group-name", name,
                     "--tags", compact(TAGS), mutate=True)
            st.append("created")
        else:
            t = aws.call("logs", "list-tags-log-group", "--log-group-name",
                         name)
            if not tagged(t.get("tags")):
                raise NotOurs(f"log group {name} is not tagged "
                              f"project={PROJECT}; not touching it")
        if g is None or g.get("retentionInDays") != w["log_retention_days"]:
            aws.call("logs", "put-retention-policy", "--log-group-name", name,
                     "--retention-in-days", str(w["log_retention_days"]),
                     mutate=True)
            if g is not None:
                st.append("retention updated")
        say(f"log group {name}", ", ".join(st) or "unchanged")
    pmap(s, one, s.workers)


def graphs(aws, s):
    """Uploads each worker's job graphs (deploy.json "graphs") into its
    graphs table, one item per graph ({key: id, graph: JSON text}); an item
    already holding the same graph is left alone."""
    for w in s.workers:
        g = w.get("graphs")
        if not g:
            continue
        key = next(tt["hash_key"]["name"] for tt in w["tables"]
                   if tt["name"] == g["table"])
        for gid, text in w["graph_items"]:
            k = compact({key: {"S": gid}})
            r = aws.call("dynamodb", "get-item", "--table-name", g["table"],
                         "--key", k, "--consistent-read",
                         ok=("ResourceNotFoundException",))
            have = ((r or {}).get("Item") or {}).get("graph", {}).get("S")
            if have == text:
                say(f"graph {gid} in {g['table']}", "unchanged")
                continue
            aws.call("dynamodb", "put-item", "--table-name", g["table"],
                     "--item", compact({key: {"S": gid}, "graph": {"S": text}}),
                     mutate=True)
            say(f"graph {gid} in {g['table']}",
                "uploaded" if have is None else "updated")


def wait_for(aws, what, probe):
    """Polls probe() (True when done) every 2 s up to WAIT_SECONDS."""
    if aws.s.dry_run:
        return
    deadline = time.time() + WAIT_SECONDS
    while not probe():
        if time.time() > deadline:
            raise AwsError(f"timed out waiting for {what}")
        time.sleep(2)


def tables(aws, s):
    """DynamoDB tables: on-demand, PITR on, TTL where configured, tagged."""
    pairs = [(w, t) for w in s.workers for t in w["tables"]]
    existing = table_names(aws) if pairs else set()

    def one(pair):
        """Table t of worker w (pair = (w, t))."""
        w, t = pair
        name = t["name"]
        keys = [("HASH", t["hash_key"])] + \
            ([("RANGE", t["range_key"])] if t.get("range_key") else [])
        r = aws.call("dynamodb", "describe-table", "--table-name", name,
                     ok=("ResourceNotFoundException",)) \
            if name in existing else None
        st = []
        arn = s.arn("dynamodb", f"table/{name}")
        if r is None:
            c = aws.call(
                "dynamodb", "create-table", "--table-name", name,
                "--attribute-definitions", compact(
                    [{"AttributeName": k["name"], "AttributeType": k["type"]}
                     for _, k in keys]),
                "--key-schema", compact(
                    [{"AttributeName": k["name"], "KeyType": kt}
                     for kt, k in keys]),
                "--billing-mode", "PAY_PER_REQUEST",
                "--tags", compact(tag_list({"worker": w["name"]})),
                mutate=True)
            st.append("created")
            # AWS answers CREATING and is polled; an ACTIVE answer (moto)
            # needs no poll.
            if ((c or {}).get("TableDescription") or {}).get(
                    "TableStatus") != "ACTIVE":
                wait_for(aws, f"table {name}", lambda: aws.call(
                    "dynamodb", "describe-table", "--table-name", name)
                    ["Table"]["TableStatus"] == "ACTIVE")
            pitr = ttl = None
        else:
            tb = r["Table"]
            arn = tb.get("TableArn", arn)
            tg = aws.call("dynamodb", "list-tags-of-resource",
                          "--resource-arn", arn)
            if not tagged(tg.get("Tags")):
                raise NotOurs(f"table {name} is not tagged project={PROJECT}; "
                              "not touching it")
            have = sorted((k["KeyType"], k["AttributeName"])
                          for k in tb["KeySchema"])
            if have != sorted((kt, k["name"]) for kt, k in keys):
                raise AwsError(f"table {name} exists with keys {have}; "
                               "keys cannot change")
            mode = (tb.get("BillingModeSummary") or {}).get("BillingMode")
            if mode != "PAY_PER_REQUEST":
                aws.call("dynamodb", "update-table", "--table-name", name,
                         "--billing-mode", "PAY_PER_REQUEST", mutate=True)
                st.append("on-demand")
            pitr = aws.call("dynamodb", "describe-continuous-backups",
                            "--table-name", name)
            pitr = pitr["ContinuousBackupsDescription"].get(
                "PointInTimeRecoveryDescription", {}).get(
                "PointInTimeRecoveryStatus")
            # Only a table with a ttl_attribute has its TTL read.
            ttl = aws.call("dynamodb", "describe-time-to-live",
                           "--table-name", name)["TimeToLiveDescription"] \
                if t.get("ttl_attribute") else None
        if pitr != "ENABLED":
            aws.call("dynamodb", "update-continuous-backups", "--table-name",
                     name, "--point-in-time-recovery-specification",
                     "PointInTimeRecoveryEnabled=true", mutate=True)
            if r is not None:
                st.append("point-in-time recovery on")
        want = t.get("ttl_attribute")
        if want and not (ttl and ttl.get("TimeToLiveStatus") == "ENABLED" and
                         ttl.get("AttributeName") == want):
            aws.call("dynamodb", "update-time-to-live", "--table-name", name,
                     "--time-to-live-specification",
                     compact({"Enabled": True, "AttributeName": want}),
                     mutate=True)
            if r is not None:
                st.append("ttl on")
        say(f"dynamodb table {name}", ", ".join(st) or "unchanged")
    pmap(s, one, pairs)


# --- Batch ------------------------------------------------------------------

def network(aws, s):
    """(subnets, security groups): the variables, else the default VPC's."""
    if s.subnets:
        return s.subnets, s.sgs
    # Default-for-AZ subnets exist only in the default VPC, so they name it
    # (no describe-vpcs call).
    sn = aws.call("ec2", "describe-subnets", "--filters",
                  "Name=default-for-az,Values=true")
    vpcs = sorted({x["VpcId"] for x in sn.get("Subnets", [])})
    if not vpcs:
        raise AwsError("no default VPC (no default subnets): set SUBNETS "
                       "and SECURITY_GROUP")
    sg = aws.call("ec2", "describe-security-groups", "--filters",
                  f"Name=vpc-id,Values={vpcs[0]}", "Name=group-name,Values=default")
    subnets = sorted(x["SubnetId"] for x in sn.get("Subnets", [])
                     if x["VpcId"] == vpcs[0])
    sgs = [x["GroupId"] for x in sg.get("SecurityGroups", [])]
    if not sgs:
        raise AwsError(f"default VPC {vpcs[0]} has no default security "
                       "group: set SUBNETS and SECURITY_GROUP")
    return subnets, sgs


def describe_ces(aws, names):
    """The compute environments called names, one call: {name: CE} (a
    missing or DELETED one is left out)."""
    r = aws.call("batch", "describe-compute-environments",
                 "--compute-environments", *names)
    return {c["computeEnvironmentName"]: c
            for c in r.get("computeEnvironments", [])
            if c["computeEnvironmentName"] in names and
            c.get("status") != "DELETED"}


def describe_ce(aws, name):
    """The compute environment called name, or None."""
    return describe_ces(aws, [name]).get(name)


def describe_queue(aws, name):
    """The job queue called name, or None."""
    r = aws.call("batch", "describe-job-queues", "--job-queues", name)
    return next((q for q in r.get("jobQueues", [])
                 if q["jobQueueName"] == name and
                 q.get("status") != "DELETED"), None)


def settled(obj):
    """True when a Batch CE/queue is not CREATING/UPDATING/DELETING."""
    return obj is None or obj.get("status") in ("VALID", "INVALID", "DELETED")


def compute_envs(aws, s, arns, subnets, sgs):
    """FARGATE_SPOT and FARGATE compute environments."""
    out = {}
    have = describe_ces(aws, [CE_SPOT, CE_ONDEMAND])

    def one(nk):
        """Compute environment nk = (name, type)."""
        name, kind = nk
        res = {"type": kind, "maxvCpus": s.max_vcpus,
               "subnets": subnets, "securityGroupIds": sgs}
        ce = have.get(name)
        st = []
        if ce is None:
            aws.call("batch", "create-compute-environment",
                     "--compute-environment-name", name, "--type", "MANAGED",
                     "--state", "ENABLED", "--service-role", arns["batch"],
                     "--compute-resources", compact(res),
                     "--tags", compact(TAGS), mutate=True)
            st.append("created")
        else:
            if not tagged(ce.get("tags")):
                raise NotOurs(f"compute environment {name} is not tagged "
                              f"project={PROJECT}; not touching it")
            cr = ce.get("computeResources", {})
            upd = {}
            if cr.get("maxvCpus") != s.max_vcpus:
                upd["maxvCpus"] = s.max_vcpus
            if sorted(cr.get("subnets", [])) != sorted(subnets):
                upd["subnets"] = subnets
            if sorted(cr.get("securityGroupIds", [])) != sorted(sgs):
                upd["securityGroupIds"] = sgs
            args = []
            if upd:
                args += ["--compute-resources", compact(upd)]
            if ce.get("state") != "ENABLED":
                args += ["--state", "ENABLED"]
            if args:
                aws.call("batch", "update-compute-environment",
                         "--compute-environment", name, *args, mutate=True)
                st.append("updated")
        if st:
            wait_for(aws, f"compute environment {name}",
                     lambda n=name: settled(describe_ce(aws, n)))
        say(f"batch compute environment {name}", ", ".join(st) or "unchanged")
        out[name] = s.arn("batch", f"compute-environment/{name}")
    pmap(s, one, ((CE_SPOT, "FARGATE_SPOT"), (CE_ONDEMAND, "FARGATE")))
    return out


def job_queue(aws, s, ces):
    """The job queue: Fargate Spot first, on-demand Fargate second."""
    order = [{"order": 1, "computeEnvironment": ces[CE_SPOT]},
             {"order": 2, "computeEnvironment": ces[CE_ONDEMAND]}]
    q = describe_queue(aws, QUEUE)
    st = []
    if q is None:
        aws.call("batch", "create-job-queue", "--job-queue-name", QUEUE,
                 "--state", "ENABLED", "--priority", "1",
                 "--compute-environment-order", compact(order),
                 "--tags", compact(TAGS), mutate=True)
        st.append("created")
    else:
        if not tagged(q.get("tags")):
            raise NotOurs(f"job queue {QUEUE} is not tagged "
                          f"project={PROJECT}; not touching it")
        have = sorted((c["order"], c["computeEnvironment"])
                      for c in q.get("computeEnvironmentOrder", []))
        if have != [(o["order"], o["computeEnvironment"]) for o in order] or \
                q.get("state") != "ENABLED" or q.get("priority") != 1:
            aws.call("batch", "update-job-queue", "--job-queue", QUEUE,
                     "--state", "ENABLED", "--priority", "1",
                     "--compute-environment-order", compact(order),
                     mutate=True)
            st.append("updated")
    if st:
        wait_for(aws, f"job queue {QUEUE}",
                 lambda: settled(describe_queue(aws, QUEUE)))
    say(f"batch job queue {QUEUE}", ", ".join(st) or "unchanged")
    return s.arn("batch", f"job-queue/{QUEUE}")


# The exit-code contract (common/include/sw/exit.h) as Batch retry rules;
# Batch allows 5, takes the first match, and its patterns may end in "*".
EVALUATE_ON_EXIT = [
    {"onStatusReason": "Host EC2*", "action": "RETRY"},          # EC2 Spot reclaim
    {"onStatusReason": "Your Spot Task was interrupted*", "action": "RETRY"},  # Fargate Spot
    {"onExitCode": "3", "action": "RETRY"},   # transient upstream failure
    {"onExitCode": "1", "action": "RETRY"},   # internal error: retried
    {"onExitCode": "*", "action": "EXIT"},    # 2 bad config, 4 partial, others
]


def desired_jobdef(s, w, arns):
    """The job definition for worker w, as register-job-definition takes it."""
    host = f"{s.account}.dkr.ecr.{s.region}.amazonaws.com"
    if s.partition == "aws-cn":
        host += ".cn"
    env = dict(w["environment"])
    return {
        "type": "container",
        "platformCapabilities": ["FARGATE"],
        "containerProperties": {
            "image": f"{host}/{PROJECT}/{w['name']}@{w['digest']}",
            "resourceRequirements": [
                {"type": "VCPU", "value": w["vcpu"]},
                {"type": "MEMORY", "value": str(w["memory_mib"])}],
            "environment": [{"name": k, "value": env[k]} for k in sorted(env)],
            "jobRoleArn": arns[w["name"]],
            "executionRoleArn": arns["exec"],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": f"/{PROJECT}/{w['name']}",
                "awslogs-region": s.region,
                "awslogs-stream-prefix": w["name"]}},
            "networkConfiguration": {"assignPublicIp": s.public_ip},
            "fargatePlatformConfiguration": {"platformVersion": "LATEST"},
        },
        "retryStrategy": {"attempts": w["attempts"],
                          "evaluateOnExit": EVALUATE_ON_EXIT},
        "timeout": {"attemptDurationSeconds": w["timeout_seconds"]},
        "propagateTags": True,
        "tags": dict(TAGS, worker=w["name"]),
    }


def normalize_jobdef(jd, like):
    """jd reduced to the fields of like, lists in a fixed order, Batch's
    lower-case retry actions upper-cased: equal when nothing changed."""
    out = {k: jd.get(k) for k in like if k != "containerProperties"}
    cp = jd.get("containerProperties") or {}
    out["containerProperties"] = {k: cp.get(k)
                                  for k in like["containerProperties"]}
    c = out["containerProperties"]
    c["environment"] = sorted(c.get("environment") or [],
                              key=lambda e: e.get("name"))
    c["resourceRequirements"] = sorted(c.get("resourceRequirements") or [],
                                       key=lambda r: r.get("type"))
    rs = out.get("retryStrategy") or {}
    out["retryStrategy"] = {
        "attempts": rs.get("attempts"),
        "evaluateOnExit": [dict(e, action=str(e.get("action")).upper())
                           for e in rs.get("evaluateOnExit") or []]}
    return canon(out)


def active_jobdefs(aws, s):
    """ACTIVE revisions of the selected workers' job definitions, one call
    for all of them: {name: [revisions, oldest first]}."""
    want = {f"{PROJECT}-{w['name']}" for w in s.workers}
    r = aws.call("batch", "describe-job-definitions", "--status", "ACTIVE")
    out = {}
    for jd in r.get("jobDefinitions", []):
        if jd.get("jobDefinitionName") in want:
            out.setdefault(jd["jobDefinitionName"], []).append(jd)
    for revs in out.values():
        revs.sort(key=lambda j: j["revision"])
    return out


def job_definitions(aws, s, arns):
    """One job definition per worker; a new revision only on a change."""
    have = active_jobdefs(aws, s)

    def one(w):
        """Worker w's job definition."""
        name = f"{PROJECT}-{w['name']}"
        want = desired_jobdef(s, w, arns)
        revs = have.get(name, [])
        if revs and normalize_jobdef(revs[-1], want) == \
                normalize_jobdef(want, want):
            say(f"batch job definition {name}",
                f"unchanged (revision {revs[-1]['revision']})")
            return
        res = aws.call(
            "batch", "register-job-definition", "--job-definition-name", name,
            "--type", "container", "--platform-capabilities", "FARGATE",
            "--container-properties", compact(want["containerProperties"]),
            "--retry-strategy", compact(want["retryStrategy"]),
            "--timeout", compact(want["timeout"]), "--propagate-tags",
            "--tags", compact(want["tags"]), mutate=True)
        rev = res["revision"] if res else "new"
        say(f"batch job definition {name}", f"registered revision {rev}")
    pmap(s, one, s.workers)


# --- SQS, EventBridge -------------------------------------------------------------

def dead_letter_queue(aws, s):
    """The SQS queue EventBridge sends undeliverable schedule events to."""
    arn = s.arn("sqs", DLQ)
    policy = {"Version": "2012-10-17", "Statement": [{
        "Sid": "EventBridgeDeadLetters", "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": arn,
        "Condition": {"ArnLike": {"aws:SourceArn":
                                  s.arn("events", f"rule/{PROJECT}-*")}}}]}
    attrs = {"MessageRetentionPeriod": "1209600", "Policy": compact(policy)}
    u = aws.call("sqs", "get-queue-url", "--queue-name", DLQ,
                 ok=("AWS.SimpleQueueService.NonExistentQueue",
                     "QueueDoesNotExist"))
    st = ""
    if u is None:
        aws.call("sqs", "create-queue", "--queue-name", DLQ, "--attributes",
                 compact(attrs), "--tags", compact(TAGS), mutate=True)
        st = "created"
    else:
        url = u["QueueUrl"]
        t = aws.call("sqs", "list-queue-tags", "--queue-url", url)
        if not tagged(t.get("Tags")):
            raise NotOurs(f"SQS queue {DLQ} is not tagged project={PROJECT}; "
                          "not touching it")
        have = aws.call("sqs", "get-queue-attributes", "--queue-url", url,
                        "--attribute-names", "Policy",
                        "MessageRetentionPeriod").get("Attributes", {})
        pol = have.get("Policy")
        if have.get("MessageRetentionPeriod") != attrs["MessageRetentionPeriod"] \
                or not pol or canon(json.loads(pol)) != canon(policy):
            aws.call("sqs", "set-queue-attributes", "--queue-url", url,
                     "--attributes", compact(attrs), mutate=True)
            st = "updated"
    say(f"sqs queue {DLQ}", st or "unchanged")
    return arn


def desired_target(s, sch, queue_arn, arns, dlq_arn):
    """The rule's one target: the job queue, submitting the worker's job."""
    w = sch["worker"]
    bp = {"JobDefinition": f"{PROJECT}-{w}", "JobName": f"{PROJECT}-{w}"}
    if sch.get("array_size"):
        bp["ArrayProperties"] = {"Size": sch["array_size"]}
    # The scheduled event's time becomes SCHEDULED_TIME: EventBridge passes
    # a Batch target's input as SubmitJob fields (ContainerOverrides).
    # An optional "command" (e.g. the workflow worker's ["run", "<graph>"])
    # becomes the container's command.
    cmd = (',"Command":' + json.dumps(sch["command"], separators=(",", ":"))
           if sch.get("command") else "")
    template = ('{"ContainerOverrides":{"Environment":'
                '[{"Name":"SCHEDULED_TIME","Value":<time>}]' + cmd + '}}')
    return {
        "Id": "batch", "Arn": queue_arn, "RoleArn": arns["events"],
        "BatchParameters": bp,
        "InputTransformer": {"InputPathsMap": {"time": "$.time"},
                             "InputTemplate": template},
        "RetryPolicy": {"MaximumRetryAttempts": sch["retry_attempts"],
                        "MaximumEventAgeInSeconds":
                            sch["max_event_age_seconds"]},
        "DeadLetterConfig": {"Arn": dlq_arn},
    }


def our_rules(aws):
    """Every EventBridge rule named scratchwork-*, one call: {name: rule}
    (Arn, State, ScheduleExpression, Description as describe-rule gives)."""
    r = aws.call("events", "list-rules", "--name-prefix", f"{PROJECT}-")
    return {x["Name"]: x for x in r.get("Rules", [])}


def rules(aws, s, queue_arn, arns, dlq_arn):
    """One EventBridge rule per schedules/*.json, its target the queue."""
    rules_now = our_rules(aws) if s.schedules else {}

    def one(sch):
        """The rule of schedule sch."""
        name = f"{PROJECT}-{sch['name']}"
        desc = f"{PROJECT}: submit {sch['worker']} on {sch['schedule']}"
        r = rules_now.get(name)
        st = []
        if r is not None:
            t = aws.call("events", "list-tags-for-resource", "--resource-arn",
                         r["Arn"])
            if not tagged(t.get("Tags")):
                raise NotOurs(f"rule {name} is not tagged project={PROJECT}; "
                              "not touching it")
        if r is None or r.get("ScheduleExpression") != sch["schedule"] or \
                r.get("State") != "ENABLED" or r.get("Description") != desc:
            aws.call("events", "put-rule", "--name", name,
                     "--schedule-expression", sch["schedule"],
                     "--state", "ENABLED", "--description", desc,
                     "--tags", compact(tag_list({"worker": sch["worker"]})),
                     mutate=True)
            st.append("created" if r is None else "updated")
        want = desired_target(s, sch, queue_arn, arns, dlq_arn)
        have = [] if r is None else aws.call(
            "events", "list-targets-by-rule", "--rule", name).get("Targets", [])
        extra = [t["Id"] for t in have if t["Id"] != want["Id"]]
        if extra:
            aws.call("events", "remove-targets", "--rule", name, "--ids",
                     *extra, mutate=True)
            st.append("old targets removed")
        cur = next((t for t in have if t["Id"] == want["Id"]), None)
        if cur is None or canon(cur) != canon(want):
            aws.call("events", "put-targets", "--rule", name, "--targets",
                     compact([want]), mutate=True)
            if r is not None:
                st.append("target updated")
        say(f"events rule {name}", ", ".join(st) or "unchanged")
    pmap(s, one, s.schedules)


# --- ECR ----------------------------------------------------------------------

LIFECYCLE = {"rules": [
    {"rulePriority": 1, "description": "expire untagged images after 7 days",
     "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed",
                   "countUnit": "days", "countNumber": 7},
     "action": {"type": "expire"}},
    {"rulePriority": 2, "description": "keep the last 30 images",
     "selection": {"tagStatus": "any", "countType": "imageCountMoreThan",
                   "countNumber": 30},
     "action": {"type": "expire"}}]}


def ecr_repos(aws, s):
    """scratchwork/W per worker: scan on push, immutable tags, lifecycle."""
    # Every repository in one call (a missing name would fail a call that
    # names them all).
    have = {x["repositoryName"]: x for x in aws.call(
        "ecr", "describe-repositories").get("repositories", [])}

    def one(w):
        """Worker w's repository."""
        name = f"{PROJECT}/{w['name']}"
        repo = have.get(name)
        st = []
        if repo is None:
            aws.call("ecr", "create-repository", "--repository-name", name,
                     "--image-tag-mutability", "IMMUTABLE",
                     "--image-scanning-configuration", "scanOnPush=true",
                     "--tags", compact(tag_list({"worker": w["name"]})),
                     mutate=True)
            st.append("created")
            lc = None
        else:
            t = aws.call("ecr", "list-tags-for-resource", "--resource-arn",
                         repo["repositoryArn"])
            if not tagged(t.get("tags")):
                raise NotOurs(f"ECR repository {name} is not tagged "
                              f"project={PROJECT}; not touching it")
            if repo.get("imageTagMutability") != "IMMUTABLE":
                aws.call("ecr", "put-image-tag-mutability", "--repository-name",
                         name, "--image-tag-mutability", "IMMUTABLE",
                         mutate=True)
                st.append("tags immutable")
            if not repo.get("imageScanningConfiguration", {}).get("scanOnPush"):
                aws.call("ecr", "put-image-scanning-configuration",
                         "--repository-name", name,
                         "--image-scanning-configuration", "scanOnPush=true",
                         mutate=True)
                st.append("scan on push")
            lc = aws.call("ecr", "get-lifecycle-policy", "--repository-name",
                          name, ok=("LifecyclePolicyNotFoundException",))
        if lc is None or canon(json.loads(lc["lifecyclePolicyText"])) != \
                canon(LIFECYCLE):
            aws.call("ecr", "put-lifecycle-policy", "--repository-name", name,
                     "--lifecycle-policy-text", compact(LIFECYCLE),
                     mutate=True)
            if repo is not None:
                st.append("lifecycle policy updated")
        say(f"ecr repository {name}", ", ".join(st) or "unchanged")
    pmap(s, one, s.workers)


# --- destroy ------------------------------------------------------------------

def destroy(aws, s):
    """Removes what deploy made, newest first, only when tagged as ours."""
    def gone(what):
        say(what, "deleted")

    def foreign(what):
        say(what, f"not tagged project={PROJECT}: left alone")

    have_rules = our_rules(aws) if s.schedules else {}

    def rule(sch):
        """Removes schedule sch's rule."""
        name = f"{PROJECT}-{sch['name']}"
        r = have_rules.get(name)
        if r is None:
            return
        t = aws.call("events", "list-tags-for-resource", "--resource-arn",
                     r["Arn"])
        if not tagged(t.get("Tags")):
            foreign(f"events rule {name}")
            return
        ids = [x["Id"] for x in aws.call("events", "list-targets-by-rule",
                                         "--rule", name).get("Targets", [])]
        if ids:
            aws.call("events", "remove-targets", "--rule", name, "--ids", *ids,
                     mutate=True)
        aws.call("events", "delete-rule", "--name", name, mutate=True)
        gone(f"events rule {name}")
    pmap(s, rule, s.schedules)
    if s.subset:
        for what in (f"sqs queue {DLQ}", f"batch job queue {QUEUE}",
                     f"batch compute environment {CE_ONDEMAND}",
                     f"batch compute environment {CE_SPOT}",
                     f"iam role {EVENTS_ROLE}", f"iam role {EXEC_ROLE}"):
            say(what, "kept (shared by every worker; WORKERS is a subset)")
    u = None if s.subset else aws.call(
        "sqs", "get-queue-url", "--queue-name", DLQ,
                 ok=("AWS.SimpleQueueService.NonExistentQueue",
                     "QueueDoesNotExist"))
    if u is not None:
        t = aws.call("sqs", "list-queue-tags", "--queue-url", u["QueueUrl"])
        if tagged(t.get("Tags")):
            aws.call("sqs", "delete-queue", "--queue-url", u["QueueUrl"],
                     mutate=True)
            gone(f"sqs queue {DLQ}")
        else:
            foreign(f"sqs queue {DLQ}")
    jds = active_jobdefs(aws, s)

    def jobdef(w):
        """Deregisters worker w's job definition revisions."""
        name = f"{PROJECT}-{w['name']}"
        for jd in jds.get(name, []):
            if tagged(jd.get("tags")):
                aws.call("batch", "deregister-job-definition",
                         "--job-definition", jd["jobDefinitionArn"],
                         mutate=True)
                gone(f"batch job definition {name}:{jd['revision']}")
            else:
                foreign(f"batch job definition {name}:{jd['revision']}")
    pmap(s, jobdef, s.workers)
    q = None if s.subset else describe_queue(aws, QUEUE)
    if q is not None and not tagged(q.get("tags")):
        foreign(f"batch job queue {QUEUE}")
    elif q is not None:
        if q.get("state") != "DISABLED":
            aws.call("batch", "update-job-queue", "--job-queue", QUEUE,
                     "--state", "DISABLED", mutate=True)
            wait_for(aws, f"job queue {QUEUE} disabled",
                     lambda: settled(describe_queue(aws, QUEUE)))
        aws.call("batch", "delete-job-queue", "--job-queue", QUEUE,
                 mutate=True)
        wait_for(aws, f"job queue {QUEUE} deleted",
                 lambda: describe_queue(aws, QUEUE) is None)
        gone(f"batch job queue {QUEUE}")
    ces = {} if s.subset else describe_ces(aws, [CE_ONDEMAND, CE_SPOT])
    for name in (CE_ONDEMAND, CE_SPOT):
        ce = ces.get(name)
        if ce is None:
            continue
        if not tagged(ce.get("tags")):
            foreign(f"batch compute environment {name}")
            continue
        if ce.get("state") != "DISABLED":
            aws.call("batch", "update-compute-environment",
                     "--compute-environment", name, "--state", "DISABLED",
                     mutate=True)
            wait_for(aws, f"compute environment {name} disabled",
                     lambda n=name: settled(describe_ce(aws, n)))
        aws.call("batch", "delete-compute-environment",
                 "--compute-environment", name, mutate=True)
        wait_for(aws, f"compute environment {name} deleted",
                 lambda n=name: describe_ce(aws, n) is None)
        gone(f"batch compute environment {name}")
    ts = [t for w in s.workers for t in w["tables"]]
    existing = table_names(aws) if ts else set()

    def table(t):
        """Deletes table t."""
        tg = aws.call("dynamodb", "list-tags-of-resource", "--resource-arn",
                      s.arn("dynamodb", f"table/{t['name']}"),
                      ok=("ResourceNotFoundException",))
        if tg is None:
            return
        if not tagged(tg.get("Tags")):
            foreign(f"dynamodb table {t['name']}")
        elif s.keep_tables:
            say(f"dynamodb table {t['name']}", "kept (KEEP_TABLES)")
        else:
            aws.call("dynamodb", "delete-table", "--table-name", t["name"],
                     mutate=True)
            gone(f"dynamodb table {t['name']}")
    pmap(s, table, [t for t in ts if t["name"] in existing])
    groups = our_log_groups(aws)

    def log_group(w):
        """Deletes worker w's log group."""
        name = f"/{PROJECT}/{w['name']}"
        if name not in groups:
            return
        t = aws.call("logs", "list-tags-log-group", "--log-group-name", name)
        if tagged(t.get("tags")):
            aws.call("logs", "delete-log-group", "--log-group-name", name,
                     mutate=True)
            gone(f"log group {name}")
        else:
            foreign(f"log group {name}")
    pmap(s, log_group, s.workers)
    roles = [f"{PROJECT}-{w['name']}-job" for w in reversed(s.workers)]
    if not s.subset:
        roles = [EVENTS_ROLE] + roles + [EXEC_ROLE]
    have_roles = all_roles(aws)

    def role(name):
        """Deletes role name and its policies."""
        r = have_roles.get(name)
        if r is None:
            return
        if not tagged(r.get("Tags")):
            foreign(f"iam role {name}")
            return
        for p in r.get("RolePolicyList", []):
            aws.call("iam", "delete-role-policy", "--role-name", name,
                     "--policy-name", p["PolicyName"], mutate=True)
        for p in r.get("AttachedManagedPolicies", []):
            aws.call("iam", "detach-role-policy", "--role-name", name,
                     "--policy-arn", p["PolicyArn"], mutate=True)
        aws.call("iam", "delete-role", "--role-name", name, mutate=True)
        gone(f"iam role {name}")
    pmap(s, role, roles)


# --- main ------------------------------------------------------------------------

def account(aws, s):
    """Fills s.account from ACCOUNT or sts get-caller-identity."""
    if not s.account:
        s.account = aws.call("sts", "get-caller-identity")["Account"]


def main(argv):
    """Parses the command, checks the configuration, runs it."""
    cmds = ("deploy", "destroy", "ecr-repos", "registry")
    if len(argv) != 2 or argv[1] not in cmds:
        die_config(f"usage: deploy.py {'|'.join(cmds)} (settings in the "
                   "environment; see the top of this file)")
    cmd = argv[1]
    try:
        s = Settings(cmd, os.environ)
    except ConfigError as e:
        die_config(str(e))
    aws = Aws(s)
    if s.dry_run:
        DRY.append(True)
        print("# DRY RUN: lines starting with 'aws' are the changes, NOT "
              "made; '# ran:' lines are read-only calls that did run",
              flush=True)
    try:
        account(aws, s)
        if cmd == "registry":
            print(f"{s.account}.dkr.ecr.{s.region}.amazonaws.com")
        elif cmd == "ecr-repos":
            ecr_repos(aws, s)
        elif cmd == "destroy":
            destroy(aws, s)
        else:
            arns = iam_roles(aws, s)
            log_groups(aws, s)
            tables(aws, s)
            graphs(aws, s)
            subnets, sgs = network(aws, s)
            ces = compute_envs(aws, s, arns, subnets, sgs)
            queue_arn = job_queue(aws, s, ces)
            job_definitions(aws, s, arns)
            dlq_arn = dead_letter_queue(aws, s)
            rules(aws, s, queue_arn, arns, dlq_arn)
    except ConfigError as e:
        die_config(str(e))
    except AwsError as e:
        print(f"deploy: {e}", file=sys.stderr)
        return 1
    if s.dry_run:
        print(f"# DRY RUN: {aws.skipped} mutating call(s) skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
