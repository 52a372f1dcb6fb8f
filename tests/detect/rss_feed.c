/* rss_feed.c - feeds standard input to a command and watches its memory:
 *
 *   rss_feed [--every BYTES] -- COMMAND [ARGS...]
 *
 * Copies stdin into COMMAND's stdin (a pipe). After every BYTES bytes fed
 * (default 32000000: 1000 s of 16 kHz s16le) and once more at the end of
 * stdin it prints, on stderr,
 *
 *   rss_feed: fed BYTES bytes: VmRSS N kB, VmHWM N kB
 *
 * read from /proc/PID/status of the command; a pipe holds at most 64 KiB, so
 * the command has consumed all but the last 2 s of 16 kHz audio by then.
 * When the command has exited:
 *
 *   rss_feed: end: peak N kB (ru_maxrss), status S
 *
 * Exit status: the command's (128 + signal number if a signal ended it). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(pid_t pid, unsigned long long fed)
{
    char path[64], line[256];
    long rss = -1, hwm = -1;
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f)) {
        sscanf(line, "VmRSS: %ld", &rss);
        sscanf(line, "VmHWM: %ld", &hwm);
    }
    if (f)
        fclose(f);
    fprintf(stderr, "rss_feed: fed %llu bytes: VmRSS %ld kB, VmHWM %ld kB\n", fed, rss, hwm);
}

int main(int argc, char **argv)
{
    unsigned long long every = 32000000ull;
    int i = 1;
    if (i + 1 < argc && !strcmp(argv[i], "--every")) {
        every = strtoull(argv[i + 1], NULL, 10);
        i += 2;
    }
    if (i >= argc || strcmp(argv[i], "--") || i + 1 >= argc || every == 0) {
        fprintf(stderr, "usage: rss_feed [--every BYTES] -- COMMAND [ARGS...]\n");
        return 2;
    }
    int fd[2];
    if (pipe(fd) != 0) {
        perror("rss_feed: pipe");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("rss_feed: fork");
        return 1;
    }
    if (pid == 0) {
        dup2(fd[0], 0);
        close(fd[0]);
        close(fd[1]);
        execvp(argv[i + 1], argv + i + 1);
        fprintf(stderr, "rss_feed: cannot run %s: %s\n", argv[i + 1], strerror(errno));
        _exit(127);
    }
    close(fd[0]);
    signal(SIGPIPE, SIG_IGN); /* the command may stop reading: EPIPE */
    static char buf[65536];
    unsigned long long fed = 0, next = every;
    ssize_t n;
    int open_pipe = 1;
    while (open_pipe && (n = read(0, buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("rss_feed: read");
            break;
        }
        for (ssize_t o = 0; o < n;) {
            ssize_t w = write(fd[1], buf + o, (size_t)(n - o));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                open_pipe = 0; /* the command has gone */
                break;
            }
            o += w;
            fed += (unsigned long long)w;
            if (fed >= next) {
                report(pid, fed);
                next += every;
            }
        }
    }
    report(pid, fed);
    close(fd[1]);
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("rss_feed: wait");
        return 1;
    }
    int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    fprintf(stderr, "rss_feed: end: peak %ld kB (ru_maxrss), status %d\n", ru.ru_maxrss, rc);
    return rc;
}
