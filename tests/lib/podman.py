"""podman - a real Docker-compatible engine and a local registry for tests.

Podman (Debian's) serves the Docker Engine API on a unix socket
(`podman system service --time=0 unix://PATH`); this module runs one with a
private configuration, so tests never touch the host's containers, images
or networks, and nothing outlives the test:

- CONTAINERS_CONF: runtime "runc" and default ulimits nofile/nproc
  1024:1024 (`podman run` fails here with crun or the default rlimits),
  cgroupfs, file events, no network namespace setup (netns "none": the
  test jobs need no network, and no bridge/iptables change is made), and
  every engine directory (tmp, static, volumes) in the private dir;
- CONTAINERS_STORAGE_CONF: the vfs driver with graphroot/runroot in the
  private dir (vfs: no overlay mounts to leak);
- CONTAINERS_REGISTRIES_CONF: the given local registries as insecure
  (plain HTTP on 127.0.0.1), nothing else.

Registry: Debian's docker-registry on 127.0.0.1:<free port>, as
tests/integration/test_images.sh runs it.

build_job_image(): the test job image. There is no internet and no base
image here, so the job is a small static C program (compiled with the
project's musl-gcc, or `gcc -static`) imported as a one-file image
(`podman import`) and, with a registry, pushed there so that the engine's
pull path is real. Its behaviour is driven by its environment:
  JOB_GREETING  printed as "greeting=<value>"
  JOB_LINES     N: prints "line 1" .. "line N" on stdout
  JOB_STDERR    printed on stderr
  JOB_SLEEP     seconds to sleep; SIGTERM ends it: prints "got SIGTERM" and
                exits JOB_TERM_EXIT (default 42)
  JOB_EXIT      the exit code (default 0)

Usage:
    reg = Registry(); pm = Podman(registries=[reg.addr])
    ref = build_job_image(pm, f"{reg.addr}/test/job:1")
    ... DOCKER_HOST=pm.docker_host ...
    pm.stop(); reg.stop()
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time

from swtest import BUILD, ROOT, free_port, start, wait_port

JOB_C = r"""
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
static volatile sig_atomic_t term;
static void on_term(int s) { (void)s; term = 1; }
static int num(const char *name, int def)
{
    const char *v = getenv(name);
    return v && *v ? atoi(v) : def;
}
int main(void)
{
    signal(SIGTERM, on_term);
    const char *g = getenv("JOB_GREETING");
    if (g)
        printf("greeting=%s\n", g);
    int lines = num("JOB_LINES", 0);
    for (int i = 1; i <= lines; i++)
        printf("line %d\n", i);
    fflush(stdout);
    if (getenv("JOB_STDERR"))
        fprintf(stderr, "%s\n", getenv("JOB_STDERR"));
    int ticks = num("JOB_SLEEP", 0) * 10;
    for (int i = 0; i < ticks && !term; i++)
        usleep(100000);
    if (term) {
        printf("got SIGTERM\n");
        fflush(stdout);
        return num("JOB_TERM_EXIT", 42);
    }
    return num("JOB_EXIT", 0);
}
"""


def available():
    """None when podman, runc and docker-registry are installed, else a
    reason to skip."""
    for tool in ("podman", "runc", "docker-registry"):
        if not shutil.which(tool):
            return f"{tool} not installed"
    return None


class Podman:
    """A private rootful podman API service on a unix socket."""

    def __init__(self, registries=()):
        self.dir = tempfile.mkdtemp(prefix="swpm-", dir="/tmp")
        d = self.dir
        for sub in ("tmp", "static", "volumes", "graph", "run"):
            os.makedirs(os.path.join(d, sub))
        with open(os.path.join(d, "containers.conf"), "w") as f:
            f.write(f"""[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
netns = "none"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "{d}/tmp"
static_dir = "{d}/static"
volume_path = "{d}/volumes"
""")
        with open(os.path.join(d, "storage.conf"), "w") as f:
            f.write(f"""[storage]
driver = "vfs"
graphroot = "{d}/graph"
runroot = "{d}/run"
""")
        with open(os.path.join(d, "registries.conf"), "w") as f:
            f.write('unqualified-search-registries = []\n')
            for r in registries:
                f.write(f'[[registry]]\nlocation = "{r}"\ninsecure = true\n')
        self.env = dict(os.environ,
                        CONTAINERS_CONF=f"{d}/containers.conf",
                        CONTAINERS_STORAGE_CONF=f"{d}/storage.conf",
                        CONTAINERS_REGISTRIES_CONF=f"{d}/registries.conf")
        self.socket = os.path.join(d, "podman.sock")
        self.docker_host = f"unix://{self.socket}"
        self.log = open(os.path.join(d, "service.log"), "w")
        self.proc = start(["podman", "system", "service", "--time=0",
                           self.docker_host], env=self.env,
                          stdout=self.log, stderr=self.log)
        deadline = time.time() + 20
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("podman service exited: " +
                                   open(self.log.name).read()[-2000:])
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(self.socket)
                s.close()
                break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError("podman service did not listen")
                time.sleep(0.05)

    def cli(self, *args, check=True, timeout=120):
        """Runs `podman ARGS` against this service's storage; returns the
        CompletedProcess (text)."""
        return subprocess.run(["podman", *args], env=self.env, check=check,
                              capture_output=True, text=True,
                              timeout=timeout)

    def containers(self, label=None):
        """Ids of all containers (with label "k=v" when given)."""
        args = ["ps", "-a", "-q", "--no-trunc"]
        if label:
            args += ["--filter", f"label={label}"]
        return self.cli(*args).stdout.split()

    def stop(self):
        """Removes every container, stops the service, deletes the dir."""
        try:
            self.cli("rm", "-a", "-f", check=False, timeout=60)
        except subprocess.TimeoutExpired:
            pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Registry:
    """Debian's docker-registry (distribution) on 127.0.0.1, plain HTTP."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="swreg-")
        self.port = free_port()
        self.addr = f"127.0.0.1:{self.port}"
        cfg = os.path.join(self.dir, "config.yml")
        with open(cfg, "w") as f:
            f.write(f"""version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {self.dir}/data
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:{self.port}
  secret: scratchwork-test-only
""")
        self.log = open(os.path.join(self.dir, "log"), "w")
        # a clean environment: REGISTRY_* variables would override the file
        self.proc = start(["docker-registry", "serve", cfg],
                          env={"PATH": os.environ.get("PATH", "")},
                          stdout=self.log, stderr=self.log)
        wait_port(self.port, proc=self.proc)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def _compile_job(out):
    """Compiles JOB_C statically into out with musl-gcc or gcc -static."""
    src = out + ".c"
    with open(src, "w") as f:
        f.write(JOB_C)
    musl = os.path.join(BUILD, "deps", "musl", "bin", "musl-gcc")
    cc = [musl] if os.access(musl, os.X_OK) else ["gcc"]
    subprocess.run(cc + ["-static", "-Os", "-s", "-o", out, src], check=True,
                   capture_output=True, cwd=ROOT)


def build_job_image(pm, ref):
    """Builds the test job image as ref ("127.0.0.1:PORT/name:tag" pushes
    it to that registry and removes the local copy, so a run must pull;
    "localhost/name:tag" leaves it in the engine's storage). Returns ref."""
    d = tempfile.mkdtemp(prefix="swjob-")
    try:
        root = os.path.join(d, "root")
        os.makedirs(root)
        _compile_job(os.path.join(root, "job"))
        os.chmod(os.path.join(root, "job"), 0o755)
        tar = os.path.join(d, "job.tar")
        subprocess.run(["tar", "-C", root, "--owner=0", "--group=0", "-cf",
                        tar, "job"], check=True)
        local = "localhost/swtest/job:build"
        pm.cli("import", "--change", 'CMD ["/job"]', tar, local)
        if not ref.startswith("localhost/"):
            pm.cli("push", "--tls-verify=false", local, ref)
            pm.cli("rmi", local)
        elif ref != local:
            pm.cli("tag", local, ref)
            pm.cli("rmi", local)
        return ref
    finally:
        shutil.rmtree(d, ignore_errors=True)
