/*
 * bench_rusage.c - runs one program and reports its exit code, wall time,
 * CPU time and peak RSS, for tests/bench/bench_btc_price.py.
 *
 *     bench_rusage OUT_PREFIX PROGRAM [ARG...]
 *
 * PROGRAM runs with stdin from /dev/null, stdout in OUT_PREFIX.out and
 * stderr in OUT_PREFIX.err; then one line goes to our stdout:
 *
 *     EXIT WALL_NS CPU_US MAXRSS_KIB
 *
 * EXIT is the exit code, or 128 + the signal that killed it.
 *
 * Why this exists (rather than os.posix_spawn + os.wait4 in Python): Linux
 * folds the high-water RSS of the memory a process had BEFORE execve into
 * its ru_maxrss. A child forked or vforked by the Python bench process
 * starts out with the bench's ~50 MiB mapped, so every child, a 600 KiB
 * static binary included, reported >= 50 MiB. Forked from this small static
 * program instead, the pre-exec memory is a few KiB and ru_maxrss is the
 * program's own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* open_out: opens PREFIX+SUFFIX for writing (created, truncated). Returns
 * the descriptor, or -1 with a message on stderr. */
static int open_out(const char *prefix, const char *suffix)
{
    char path[4096];
    int n = snprintf(path, sizeof path, "%s%s", prefix, suffix);
    if (n < 0 || (size_t)n >= sizeof path) {
        fprintf(stderr, "bench_rusage: output path too long\n");
        return -1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        fprintf(stderr, "bench_rusage: %s: %s\n", path, strerror(errno));
    return fd;
}

/* now_ns: CLOCK_MONOTONIC in nanoseconds. */
static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* tv_us: a timeval in microseconds. */
static long long tv_us(struct timeval tv)
{
    return (long long)tv.tv_sec * 1000000LL + tv.tv_usec;
}

/* main: see the top comment. Returns 0 when the program ran (whatever its
 * exit code), 2 on bad usage or when it could not be started. */
int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_rusage OUT_PREFIX PROGRAM [ARG...]\n");
        return 2;
    }
    int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int out = open_out(argv[1], ".out");
    int err = open_out(argv[1], ".err");
    if (in < 0 || out < 0 || err < 0)
        return 2;

    long long t0 = now_ns();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "bench_rusage: fork: %s\n", strerror(errno));
        return 2;
    }
    if (pid == 0) {
        /* dup2 clears FD_CLOEXEC on the copies 0, 1 and 2. */
        if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
            _exit(126);
        execv(argv[2], argv + 2);
        dprintf(2, "bench_rusage: %s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }

    int status;
    struct rusage ru;
    pid_t got;
    do {
        got = wait4(pid, &status, 0, &ru);
    } while (got < 0 && errno == EINTR);
    long long wall = now_ns() - t0;
    if (got < 0) {
        fprintf(stderr, "bench_rusage: wait4: %s\n", strerror(errno));
        return 2;
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status)
                                 : 128 + WTERMSIG(status);
    printf("%d %lld %lld %ld\n", code, wall,
           tv_us(ru.ru_utime) + tv_us(ru.ru_stime), ru.ru_maxrss);
    return fflush(stdout) == 0 ? 0 : 2;
}
