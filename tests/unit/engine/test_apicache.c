/* Unit tests for the remembered API versions (engine/apicache.h): what an
 * engine said is given back for its very socket only, never for a socket
 * made again at the same path (a restarted engine), never for another
 * path; a cache file that says something other than versions is not used.
 * Files go in a temporary $XDG_CACHE_HOME. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine/apicache.h"
#include "../tap.h"
#include "base/util.h"

static char dir[] = "/tmp/berth-apicache-test.XXXXXX";

/* A listening unix socket at path (a new inode each time). */
static int make_socket(const char *path)
{
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 1) < 0)
        return -1;
    return fd;
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    setenv("XDG_CACHE_HOME", dir, 1);
    cleanup_free char *a = xasprintf("%s/a.sock", dir), *b = xasprintf("%s/b sock", dir);
    int fa = make_socket(a), fb = make_socket(b);
    ok(fa >= 0 && fb >= 0, "two sockets");
    char *srv = NULL, *pod = NULL;

    is_int(apicache_get(a, &srv, &pod), -1, "nothing remembered at first");
    apicache_put(a, "1.41", NULL);
    apicache_put(b, "4.9.3", "4.9.3");
    is_int(apicache_get(a, &srv, &pod), 0, "a: remembered");
    is_str(srv, "1.41", "a: its version");
    ok(pod == NULL, "a: a Docker engine (no Libpod version)");
    free(srv), free(pod);
    is_int(apicache_get(b, &srv, &pod), 0, "b (a path with a space): remembered too");
    is_str(pod, "4.9.3", "b: its Libpod version");
    free(srv), free(pod);

    apicache_put(a, "1.43", NULL);
    is_int(apicache_get(a, &srv, &pod), 0, "a said again");
    is_str(srv, "1.43", "a: the newer answer replaces the older");
    free(srv), free(pod);

    /* The engine restarts: a new socket at the same path. */
    close(fa);
    fa = make_socket(a);
    is_int(apicache_get(a, &srv, &pod), -1, "a socket made again at a's path: asked again");
    unlink(b);
    is_int(apicache_get(b, &srv, &pod), -1, "no socket at b's path any more: asked again");
    cleanup_free char *missing = xasprintf("%s/none.sock", dir);
    is_int(apicache_get(missing, &srv, &pod), -1, "a path never seen: asked");

    /* A cache file whose version is not one: never used (it goes in paths). */
    apicache_put(a, "1.41/../x", NULL);
    is_int(apicache_get(a, &srv, &pod), -1, "a version with a slash is not remembered");
    struct stat st;
    stat(a, &st);
    cleanup_free char *file = xasprintf("%s/berth/engine-api", dir);
    FILE *f = fopen(file, "w");
    fprintf(f, "%llu %llu %lld %ld 1.41?x - %s\n", (unsigned long long)st.st_dev,
            (unsigned long long)st.st_ino, (long long)st.st_ctim.tv_sec, (long)st.st_ctim.tv_nsec,
            a);
    fclose(f);
    is_int(apicache_get(a, &srv, &pod), -1, "a written line whose version is not one is not used");

    close(fa);
    close(fb);
    cleanup_free char *rm = xasprintf("rm -rf %s", dir);
    (void)!system(rm);
    return tap_done();
}
