/* The project lock: a second taker is refused with the holder's pid, a
 * waiting one gets it once the holder lets go, and a dead holder (killed,
 * never released) holds nothing. Two processes, no timing assumptions: the
 * child reports through its exit code and a pipe. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tap.h"
#include "base/lockfile.h"
#include "base/util.h"

static char path[256];

/* In a child: try to take the lock (no wait); write the error to fd. */
static int child_try(int fd)
{
    struct lockfile_opts o = {.path = path, .what = "converging this project",
                              .hint = "; wait for it with --wait-lock"};
    int lk;
    berr *err = NULL;
    int rc = lockfile_take(&o, &lk, &err);
    if (rc < 0 && write(fd, err->msg, strlen(err->msg)) < 0)
        return 3;
    berr_free(err);
    return rc < 0 ? 1 : 0;
}

static int try_in_child(char *msg, size_t cap)
{
    int p[2];
    if (pipe(p) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        _exit(child_try(p[1]));
    }
    close(p[1]);
    ssize_t n = read(p[0], msg, cap - 1);
    msg[n > 0 ? n : 0] = '\0';
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(void)
{
    char dir[] = "/tmp/berth-test-lock-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/.berth/lock", dir);
    struct lockfile_opts o = {.path = path, .what = "converging this project"};
    int lk = -1;
    berr *err = NULL;
    ok(lockfile_take(&o, &lk, &err) == 0, "the first taker gets the lock (its folder is made)");

    char msg[512], want[512];
    is_int(try_in_child(msg, sizeof msg), 1, "a second process is refused");
    snprintf(want, sizeof want,
             "another berth is converging this project (pid %ld); wait for it with --wait-lock",
             (long)getpid());
    is_str(msg, want, "and told who holds it");

    lockfile_release(lk);
    is_int(try_in_child(msg, sizeof msg), 0, "once released, another process gets it");

    /* A holder killed with SIGKILL never releases: the kernel does. */
    pid_t holder = fork();
    if (holder == 0) {
        int l;
        if (lockfile_take(&o, &l, NULL) < 0)
            _exit(1);
        pause();
        _exit(0);
    }
    /* wait until the holder holds it: its pid in the file */
    char pidtext[32];
    snprintf(pidtext, sizeof pidtext, "%ld\n", (long)holder);
    for (int i = 0; i < 100000; i++) {
        FILE *f = fopen(path, "r");
        char buf[32] = "";
        if (f) {
            if (!fgets(buf, sizeof buf, f))
                buf[0] = '\0';
            fclose(f);
        }
        if (streq(buf, pidtext))
            break;
        usleep(1000);
    }
    is_int(try_in_child(msg, sizeof msg), 1, "a live holder in another process excludes");
    kill(holder, SIGKILL);
    waitpid(holder, NULL, 0);
    is_int(try_in_child(msg, sizeof msg), 0, "a holder killed with -9 leaves no stale lock");

    volatile int cancel = 1;
    ok(lockfile_take(&o, &lk, &err) == 0, "taken again");
    struct lockfile_opts w = {.path = path, .what = "x", .wait = true, .cancel = &cancel};
    pid_t waiter = fork();
    if (waiter == 0) {
        int l;
        berr *e = NULL;
        int rc = lockfile_take(&w, &l, &e);
        _exit(rc < 0 && e->code == BERR_INTERRUPTED ? 0 : 1);
    }
    int st;
    waitpid(waiter, &st, 0);
    ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a waiter ends when cancelled (Ctrl-C)");
    lockfile_release(lk);

    char other[300];
    snprintf(other, sizeof other, "%s/none/lock", dir);
    struct lockfile_opts k = {.path = other, .what = "x", .keep_out = true};
    ok(lockfile_take(&k, &lk, &err) == 0 && lk == -1, "keep_out: no folder, no lock, no error");
    snprintf(other, sizeof other, "%s/none", dir);
    ok(access(other, F_OK) != 0, "and no folder made");

    unlink(path);
    snprintf(path, sizeof path, "%s/.berth", dir);
    rmdir(path);
    rmdir(dir);
    return tap_done();
}
