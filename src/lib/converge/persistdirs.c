#include "converge/persistdirs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"

/* mkdir -p of path, chowning each folder it makes; the parts at or above
 * data_dir are only made (they are the project's), never chowned. */
static int make_owned(char *path, size_t keep, unsigned uid, unsigned gid, berr **err)
{
    for (char *at = path + 1;; at++) {
        bool last = !*at;
        if (*at != '/' && !last)
            continue;
        *at = '\0';
        if (mkdir(path, 0755) == 0) {
            if (strlen(path) > keep && chown(path, (uid_t)uid, (gid_t)gid) < 0)
                return berr_errno(err, BERR_FAILURE, errno, "chown %u:%u %s", uid, gid, path);
        } else if (errno != EEXIST) {
            return berr_errno(err, BERR_FAILURE, errno, "mkdir %s", path);
        }
        if (last)
            return 0;
        *at = '/';
    }
}

int persist_dirs_make(json_t *vols, const char *data_dir, unsigned uid, unsigned gid,
                      berr **err)
{
    size_t i;
    json_t *v;
    json_array_foreach(vols, i, v) {
        const char *dev = json_string_value(
            json_object_get(json_object_get(v, "DriverOpts"), "device"));
        if (!dev)
            continue;
        char *path = xstrdup(dev);
        int rc = make_owned(path, strlen(data_dir), uid, gid, err);
        free(path);
        if (rc < 0)
            return -1;
    }
    return 0;
}
