/* One process at a time: an exclusive flock(2) on a file that also holds the
 * holder's pid, so the one turned away can say who holds it. The kernel
 * drops the lock when its holder exits, however it exits (kill -9
 * included): no stale lock is ever left to clean up. */
#ifndef BERTH_LOCKFILE_H
#define BERTH_LOCKFILE_H

#include <stdbool.h>

#include "base/error.h"

struct lockfile_opts {
    const char *path;     /* made if missing, with its folder (unless keep_out) */
    bool keep_out;        /* no folder: take no lock (*fd = -1), make nothing */
    const char *what;     /* "converging this project": what the holder is doing */
    const char *hint;     /* after the busy message: "; wait for it with --wait-lock" */
    bool wait;            /* wait for the holder instead of failing */
    volatile int *cancel; /* while waiting: stop (BERR_INTERRUPTED) when *cancel */
    /* while waiting: called once, with the holder's pid (0: not known yet) */
    void (*waiting)(void *ud, long holder);
    void *ud;
};

/* Take the lock; *fd holds it until lockfile_release. Without wait, a held
 * lock fails with "another berth is WHAT (pid N)". */
int lockfile_take(const struct lockfile_opts *o, int *fd, berr **err);
void lockfile_release(int fd);

#endif
