/* The host folders of an instance's persistent volumes, made by berth for
 * `user = host`, owned by the calling user (container.host_uid:host_gid,
 * the user who ran sudo under sudo: base/caller.h), so the container (running as
 * that uid:gid) writes them and that user can read and delete them. */
#ifndef BERTH_PERSISTDIRS_H
#define BERTH_PERSISTDIRS_H

#include <jansson.h>

#include "base/error.h"

/* For each volume create body of vols (DriverOpts.device): make the folder
 * and the parents it lacks below data_dir, owned by uid:gid. */
int persist_dirs_make(json_t *vols, const char *data_dir, unsigned uid, unsigned gid,
                      berr **err);

#endif
