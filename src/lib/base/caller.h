/* Who called berth, as files on the host see it: the uid and gid a
 * container runs as when a part says `user = host` (and every task by
 * default), so files it writes in mounted folders belong to the caller.
 *
 * Under sudo the caller is the user who ran sudo (SUDO_UID, SUDO_GID,
 * SUDO_USER), not root: `sudo berth task build` must not leave root-owned
 * files in the user's tree either. */
#ifndef BERTH_CALLER_H
#define BERTH_CALLER_H

#include <stdbool.h>

struct caller {
    unsigned uid, gid;
    char name[64];  /* the user's name on the host, or "user<uid>" */
    char group[64]; /* the group's name on the host, or "group<gid>" */
    bool via_sudo;  /* taken from SUDO_UID/SUDO_GID */
};

/* From the process's ids, or from SUDO_* when berth runs as root under sudo
 * (and those are whole numbers). env: environ-style, NULL for the process's. */
void caller_identify(struct caller *out, char *const *env);

#endif
