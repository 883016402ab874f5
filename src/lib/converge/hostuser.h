/* Run a container as the calling host user (seed 004's wrapper): the
 * process gets the caller's uid:gid, and that user exists inside the
 * container, with a name, a group and a writable HOME, so tools that look
 * themselves up (id -un, ssh, git, a shell prompt) work.
 *
 * Nothing in the image changes and no entrypoint script is involved: the
 * image's /etc/passwd and /etc/group are read from the created container,
 * edited, and placed back into that container (with its HOME folder) before
 * it starts. Other containers of the image never see the entries. */
#ifndef BERTH_HOSTUSER_H
#define BERTH_HOSTUSER_H

#include "base/caller.h"
#include "base/error.h"
#include "engine/engine.h"

/* The caller's HOME inside the container: /home/NAME, /root for uid 0. */
char *hostuser_home(const struct caller *c);

/* Pure, unit-tested. The passwd file with the caller's entry
 * ("NAME:x:UID:GID:NAME:HOME:/bin/sh"): entries of the same name or uid are
 * replaced, every other line kept as it was. old may be "" (no file). */
char *hostuser_passwd(const char *old, const struct caller *c);
/* The group file with a group of the caller's gid: kept when the image has
 * one; else added under the caller's group name, or "host<GID>" when an
 * image group has that name already. */
char *hostuser_group(const char *old, const struct caller *c);

/* Place both files and the HOME folder (owned by the caller) into the
 * created, not yet started, container id. */
int hostuser_install(engine *e, const char *id, const struct caller *c, berr **err);

#endif
