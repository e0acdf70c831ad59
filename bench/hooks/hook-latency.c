/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Wall time of running a program the way libvirt runs a hook: fork, exec,
 * write the input to its stdin (closing it), read its stdout and stderr to
 * their ends, wait for it. Several commands, interleaved round by round so
 * they share the machine's noise; commands marked U run between the timed
 * ones (e.g. a release) and are not measured.
 *
 *   hook-latency ROUNDS CMD [CMD...]
 *   CMD:  T|U INPUT_FILE ARGV... ;
 *
 * One JSON line per timed command: {"index": k, "median_ms": ..., "p99_ms": ...}.
 * A command that exits non-zero is an error (its stderr is shown).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct {
        int timed;
        char *input;
        size_t input_len;
        char **argv;
        double *samples;
} Cmd;

static double now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;

        return (x > y) - (x < y);
}

static char *slurp(const char *path, size_t *len)
{
        struct stat st;
        char *buf;
        int fd = open(path, O_RDONLY);

        if (fd < 0 || fstat(fd, &st) < 0)
                return NULL;
        buf = malloc(st.st_size + 1);
        if (!buf || read(fd, buf, st.st_size) != st.st_size)
                return NULL;
        close(fd);
        *len = st.st_size;
        return buf;
}

/* Runs one command; returns its exit status, -1 on a setup error. */
static int run(const Cmd *c, char *err, size_t err_size)
{
        int in[2], out[2], errp[2], status;
        size_t written = 0, err_len = 0;
        struct pollfd fds[3];
        char buf[65536];
        pid_t pid;

        if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
                return -1;
        pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                dup2(in[0], 0);
                dup2(out[1], 1);
                dup2(errp[1], 2);
                execv(c->argv[0], c->argv);
                _exit(127);
        }
        close(in[0]);
        close(out[1]);
        close(errp[1]);
        fcntl(in[1], F_SETFL, O_NONBLOCK);
        fds[0] = (struct pollfd) { .fd = c->input_len ? in[1] : -1, .events = POLLOUT };
        fds[1] = (struct pollfd) { .fd = out[0], .events = POLLIN };
        fds[2] = (struct pollfd) { .fd = errp[0], .events = POLLIN };
        if (!c->input_len) {
                close(in[1]);
                in[1] = -1;
        }
        while (fds[0].fd >= 0 || fds[1].fd >= 0 || fds[2].fd >= 0) {
                if (poll(fds, 3, -1) < 0 && errno != EINTR)
                        return -1;
                if (fds[0].fd >= 0 && fds[0].revents) {
                        ssize_t n = write(in[1], c->input + written, c->input_len - written);

                        /* A hook may exit without reading: EPIPE, as libvirt ignores it. */
                        if (n > 0)
                                written += n;
                        if ((n < 0 && errno != EAGAIN) || written == c->input_len) {
                                close(in[1]);
                                fds[0].fd = -1;
                        }
                }
                for (int k = 1; k < 3; k++) {
                        if (fds[k].fd >= 0 && fds[k].revents) {
                                ssize_t n = read(fds[k].fd, buf, sizeof(buf));

                                if (n <= 0) {
                                        close(fds[k].fd);
                                        fds[k].fd = -1;
                                } else if (k == 2 && err_len + 1 < err_size) {
                                        size_t m = (size_t) n < err_size - err_len - 1 ? (size_t) n
                                                                                        : err_size - err_len - 1;
                                        memcpy(err + err_len, buf, m);
                                        err_len += m;
                                }
                        }
                }
        }
        err[err_len] = '\0';
        if (waitpid(pid, &status, 0) < 0)
                return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
        Cmd cmds[16];
        int n = 0, rounds;
        char err[4096];

        if (argc < 3 || (rounds = atoi(argv[1])) <= 0) {
                fprintf(stderr, "usage: %s ROUNDS T|U INPUT ARGV... ; ...\n", argv[0]);
                return 2;
        }
        signal(SIGPIPE, SIG_IGN);
        for (int i = 2; i < argc && n < 16;) {
                Cmd *c = &cmds[n++];
                int j;

                if (i + 2 >= argc)
                        return 2;
                c->timed = argv[i][0] == 'T';
                c->input = slurp(argv[i + 1], &c->input_len);
                if (!c->input) {
                        perror(argv[i + 1]);
                        return 2;
                }
                for (j = i + 2; j < argc && strcmp(argv[j], ";") != 0; j++)
                        ;
                argv[j < argc ? j : argc] = NULL;
                c->argv = &argv[i + 2];
                c->samples = calloc(rounds, sizeof(double));
                i = j + 1;
        }
        for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < n; k++) {
                        double t = now_ms();
                        int rc = run(&cmds[k], err, sizeof(err));

                        if (rc != 0) {
                                fprintf(stderr, "%s: exit %d\n%s", cmds[k].argv[0], rc, err);
                                return 1;
                        }
                        cmds[k].samples[r] = now_ms() - t;
                }
        }
        for (int k = 0; k < n; k++) {
                if (!cmds[k].timed)
                        continue;
                qsort(cmds[k].samples, rounds, sizeof(double), cmp_double);
                printf("{\"index\": %d, \"median_ms\": %.3f, \"p99_ms\": %.3f}\n", k,
                       rounds % 2 ? cmds[k].samples[rounds / 2]
                                  : (cmds[k].samples[rounds / 2 - 1] + cmds[k].samples[rounds / 2]) / 2,
                       cmds[k].samples[rounds * 99 / 100 - (rounds >= 100 ? 1 : 0)]);
        }
        return 0;
}
