#include "base/lockfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"

/* The holder's pid, as it wrote it; 0 when it has not written it yet. */
static long holder_pid(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *end;
    long pid = strtol(buf, &end, 10);
    /* A pid left by an earlier holder that could write (a holder that
     * could not write leaves the file as it was): only a live one counts. */
    if (end == buf || pid <= 0 || (kill((pid_t)pid, 0) < 0 && errno == ESRCH))
        return 0;
    return pid;
}

static int make_parent(const char *path, berr **err)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    int rc = 0;
    if (slash && slash != dir) {
        *slash = '\0';
        /* A folder berth may not write: no lock (1), as below. */
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
            rc = errno == EACCES || errno == EROFS
                     ? 1
                     : berr_errno(err, BERR_FAILURE, errno, "cannot make the folder %s for the lock",
                                  dir);
    }
    free(dir);
    return rc;
}

int lockfile_take(const struct lockfile_opts *o, int *fd_out, berr **err)
{
    *fd_out = -1;
    int made = o->keep_out ? 0 : make_parent(o->path, err);
    if (made != 0)
        return made < 0 ? -1 : 0;
    int fd = open(o->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 && errno == ENOENT && o->keep_out)
        return 0;
    /* Made by another user (root's up, then a user's): flock works on a
     * file open for reading too; only the pid cannot be written. */
    bool writable = fd >= 0;
    if (fd < 0 && (errno == EACCES || errno == EROFS))
        fd = open(o->path, O_RDONLY | O_CLOEXEC);
    /* A folder berth may not write, holding no lock file: nothing to lock
     * with, and nothing of berth's own is written there either. */
    if (fd < 0 && (errno == EACCES || errno == EROFS || errno == ENOENT))
        return 0;
    if (fd < 0)
        return berr_errno(err, BERR_FAILURE, errno, "cannot open the lock file %s", o->path);
    bool told = false;
    int blank_looks = 0;
    for (;;) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            break;
        if (errno != EWOULDBLOCK && errno != EINTR) {
            int e = errno;
            close(fd);
            return berr_errno(err, BERR_FAILURE, e, "cannot lock %s", o->path);
        }
        long pid = holder_pid(fd);
        /* The holder writes its pid right after it takes the lock: one that
         * has just taken it is given a moment to (two ups started together). */
        if (!pid && blank_looks++ < 20) {
            struct timespec ts = {.tv_sec = 0, .tv_nsec = 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
            continue;
        }
        if (!o->wait) {
            close(fd);
            const char *hint = o->hint ? o->hint : "";
            if (pid)
                return berr_set(err, BERR_FAILURE, "another berth is %s (pid %ld)%s", o->what, pid,
                                hint);
            return berr_set(err, BERR_FAILURE, "another berth is %s (lock %s)%s", o->what,
                            o->path, hint);
        }
        if (!told && o->waiting) {
            o->waiting(o->ud, pid);
            told = true;
        }
        if (o->cancel && *o->cancel) {
            close(fd);
            return berr_set(err, BERR_INTERRUPTED, "interrupted while waiting for the lock %s",
                            o->path);
        }
        /* Polling, not a blocking flock: Ctrl-C must be able to end the wait. */
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    /* Ours: say who holds it (the pid is a hint for people, not a lock). */
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    if (writable && (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n)) {
        int e = errno;
        close(fd);
        return berr_errno(err, BERR_FAILURE, e, "cannot write the lock file %s", o->path);
    }
    *fd_out = fd;
    return 0;
}

void lockfile_release(int fd)
{
    if (fd < 0)
        return;
    /* Empty it first: a reader between the truncate and the close sees no
     * pid, not a stale one. */
    if (ftruncate(fd, 0) < 0) {
        /* nothing to do: the close below releases the lock all the same */
    }
    close(fd);
}
