"""benchlib - how the Python benches measure one process: under
tests/bench/bench_rusage.c, a small static launcher (a child forked from
the Python process would report the Python process's ~50 MiB as its own
peak RSS, see there): wall time from fork to reap, and from wait4 the
child's CPU time (ru_utime + ru_stime) and peak RSS (ru_maxrss).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from swtest import BUILD  # noqa: E402

RUSAGE = os.path.join(BUILD, "release", "bench", "bench_rusage")


class BenchError(Exception):
    """A run failed or its results did not check out."""


def tail(path, lines=5):
    """The last lines of a file, for a failure message (the error itself
    when it cannot be read)."""
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:]).rstrip()
    except OSError as e:
        return f"({e})"


def run_measured(argv, env, out):
    """Runs argv to completion under bench_rusage, its stdout and stderr in
    out.out and out.err. Returns (exit code, wall s, CPU s, peak RSS KiB);
    raises BenchError when the launcher itself fails."""
    with open(out + ".rusage", "w+") as res:
        pid = os.posix_spawn(RUSAGE, [RUSAGE, out, *argv], env,
                             file_actions=[(os.POSIX_SPAWN_DUP2,
                                            res.fileno(), 1)])
        _, status = os.waitpid(pid, 0)
        res.seek(0)
        line = res.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise BenchError(f"bench_rusage failed on {argv[0]}: "
                         f"{tail(out + '.err')}")
    code, wall_ns, cpu_us, rss_kib = (int(x) for x in line.split())
    return code, wall_ns / 1e9, cpu_us / 1e6, rss_kib


def outputs(out, remove=False):
    """The stdout and stderr run_measured() kept for out; with remove, its
    three files are deleted afterwards. Returns (stdout, stderr)."""
    texts = []
    for suffix in (".out", ".err"):
        with open(out + suffix, errors="replace") as f:
            texts.append(f.read())
    if remove:
        for suffix in (".out", ".err", ".rusage"):
            os.unlink(out + suffix)
    return texts[0], texts[1]


def mib(kib):
    """KiB to MiB."""
    return kib / 1024.0
