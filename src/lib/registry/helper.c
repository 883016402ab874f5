#include "registry/helper.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/util.h"

extern char **environ;

#define HELPER_MAX_OUTPUT (1u << 20)

int reg_helper_run(const char *name, const char *action, const char *input, char **out,
                   int *status, berr **err)
{
    *out = NULL;
    *status = -1;
    cleanup_free char *prog = xasprintf("docker-credential-%s", name);
    int in[2] = {-1, -1}, op[2] = {-1, -1};
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(op, O_CLOEXEC) < 0) {
        int e = errno;
        for (int i = 0; i < 2; i++) {
            if (in[i] >= 0)
                close(in[i]);
            if (op[i] >= 0)
                close(op[i]);
        }
        return berr_errno(err, BERR_FAILURE, e, "credential helper %s: pipe", prog);
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, op[1], 1);
    /* stderr stays the user's: a helper may ask something there. */
    char *argv[] = {prog, (char *)action, NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(op[1]);
    if (rc != 0) {
        close(in[1]);
        close(op[0]);
        return berr_errno(err, rc == ENOENT ? BERR_NOTFOUND : BERR_FAILURE, rc,
                          "credential helper '%s' (config.json names it): cannot run %s", name,
                          prog);
    }
    /* Write the request and read the answer together: neither side blocks. */
    /* A helper that exits without reading: EPIPE for this thread, not a
     * SIGPIPE that kills berth (blocked here, a pending one consumed below). */
    sigset_t pipe_set, old_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
    size_t inlen = strlen(input), sent = 0;
    strbuf sb = STRBUF_INIT;
    struct pollfd pf[2] = {{.fd = in[1], .events = POLLOUT}, {.fd = op[0], .events = POLLIN}};
    if (inlen == 0) {
        close(in[1]);
        pf[0].fd = -1;
    }
    while (pf[1].fd >= 0) {
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pf[0].fd >= 0 && pf[0].revents) {
            ssize_t n = write(in[1], input + sent, inlen - sent);
            if (n > 0)
                sent += (size_t)n;
            if (n < 0 || sent == inlen) {
                close(in[1]);
                pf[0].fd = -1;
            }
        }
        if (pf[1].revents) {
            char buf[4096];
            ssize_t n = read(op[0], buf, sizeof buf);
            if (n > 0 && sb.len < HELPER_MAX_OUTPUT)
                sb_add(&sb, buf, (size_t)n);
            else if (n == 0 || (n < 0 && errno != EINTR)) {
                close(op[0]);
                pf[1].fd = -1;
            }
        }
    }
    if (pf[0].fd >= 0)
        close(in[1]);
    if (pf[1].fd >= 0)
        close(op[0]);
    struct timespec zero = {0, 0};
    while (sigtimedwait(&pipe_set, NULL, &zero) > 0)
        ;
    pthread_sigmask(SIG_SETMASK, &old_set, NULL);
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
        ;
    *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + (WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
    *out = sb_detach(&sb, NULL);
    return 0;
}
