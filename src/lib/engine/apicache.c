/* One file, $XDG_CACHE_HOME/berth/engine-api (else ~/.cache/berth/), a line
 * per socket: "DEV INO CTIME_SEC CTIME_NSEC SERVER_API PODMAN_API PATH",
 * PODMAN_API "-" for a Docker engine, PATH last (it may hold spaces).
 * Replaced whole by rename, so that concurrent commands never read half a
 * file; a lost update only costs a /_ping. Versions are checked to be
 * numbers and dots before use: they go into every request's path. */
#include "engine/apicache.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/util.h"

#define MAX_LINES 32

static char *cache_dir(void)
{
    const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (x && x[0] == '/')
        return xasprintf("%s/berth", x);
    if (home && home[0] == '/')
        return xasprintf("%s/.cache/berth", home);
    return NULL;
}

static bool is_version(const char *s)
{
    if (!*s || strlen(s) > 16)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || *s == '.'))
            return false;
    return true;
}

/* "DEV INO SEC NSEC" of the socket, the key of its line. */
static char *socket_key(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
        return NULL;
    return xasprintf("%llu %llu %lld %ld", (unsigned long long)st.st_dev,
                     (unsigned long long)st.st_ino, (long long)st.st_ctim.tv_sec,
                     (long)st.st_ctim.tv_nsec);
}

/* The line's path, after six words; NULL when the line is malformed. */
static const char *line_path(const char *line)
{
    const char *p = line;
    for (int i = 0; i < 6; i++) {
        p = strchr(p, ' ');
        if (!p)
            return NULL;
        p++;
    }
    return p;
}

int apicache_get(const char *path, char **server_api, char **podman_api)
{
    *server_api = *podman_api = NULL;
    cleanup_free char *dir = cache_dir();
    cleanup_free char *key = socket_key(path);
    if (!dir || !key)
        return -1;
    cleanup_free char *file = xasprintf("%s/engine-api", dir);
    FILE *f = fopen(file, "re");
    if (!f)
        return -1;
    char line[4352];
    size_t klen = strlen(key);
    int rc = -1;
    while (rc < 0 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        const char *lp = line_path(line);
        if (!lp || !streq(lp, path) || strncmp(line, key, klen) != 0 || line[klen] != ' ')
            continue;
        char srv[32], pod[32];
        if (sscanf(line + klen + 1, "%31s %31s", srv, pod) != 2 || !is_version(srv) ||
            (!streq(pod, "-") && !is_version(pod)))
            continue;
        *server_api = xstrdup(srv);
        *podman_api = streq(pod, "-") ? NULL : xstrdup(pod);
        rc = 0;
    }
    fclose(f);
    return rc;
}

void apicache_put(const char *path, const char *server_api, const char *podman_api)
{
    cleanup_free char *dir = cache_dir();
    cleanup_free char *key = socket_key(path);
    if (!dir || !key || !is_version(server_api) || (podman_api && !is_version(podman_api)) ||
        strchr(path, '\n'))
        return;
    cleanup_free char *parent = xstrndup(dir, (size_t)(strrchr(dir, '/') - dir));
    if ((mkdir(parent, 0700) < 0 && errno != EEXIST) || (mkdir(dir, 0700) < 0 && errno != EEXIST))
        return;
    cleanup_free char *file = xasprintf("%s/engine-api", dir);
    /* The lines of other sockets stay, the newest first, up to MAX_LINES. */
    strbuf out = STRBUF_INIT;
    sb_addf(&out, "%s %s %s %s\n", key, server_api, podman_api ? podman_api : "-", path);
    FILE *f = fopen(file, "re");
    if (f) {
        char line[4352];
        int kept = 1;
        while (kept < MAX_LINES && fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = '\0';
            const char *lp = line_path(line);
            if (lp && !streq(lp, path)) {
                sb_addf(&out, "%s\n", line);
                kept++;
            }
        }
        fclose(f);
    }
    cleanup_free char *tmp = xasprintf("%s/.engine-api.XXXXXX", dir);
    int fd = mkstemp(tmp);
    if (fd >= 0) {
        bool ok = write(fd, out.buf, out.len) == (ssize_t)out.len;
        ok = close(fd) == 0 && ok;
        if (!ok || rename(tmp, file) < 0)
            unlink(tmp);
    }
    sb_release(&out);
}
