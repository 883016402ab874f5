#include "engine/daemon.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "engine/engine.h"
#include "base/strbuf.h"
#include "base/util.h"

int daemon_conf_init(struct daemon_conf *c, const char *dir, const char *name, berr **err)
{
    memset(c, 0, sizeof *c);
    if (!dir)
        dir = getenv("BERTH_ENGINE_DIR");
    if (!dir || !*dir)
        dir = DAEMON_DEFAULT_DIR;
    if (dir[0] != '/')
        return berr_set(err, BERR_USAGE, "engine folder '%s' must be an absolute path", dir);
    if (!name)
        name = DAEMON_DEFAULT_NAMESPACE;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
            return berr_set(err, BERR_USAGE,
                            "engine name '%s': use lower-case letters, digits, '-' and '_'", name);
    if (!*name)
        return berr_set(err, BERR_USAGE, "engine name must not be empty");
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    c->dir = xstrndup(dir, n);
    c->ns = xstrdup(name);
    c->socket = xasprintf("%s/docker.sock", c->dir);
    c->pidfile = xasprintf("%s/dockerd.pid", c->dir);
    c->log = xasprintf("%s/dockerd.log", c->dir);
    /* containerd puts its own socket deeper in DIR/exec: keep room for it. */
    if (strlen(c->dir) + strlen("/exec/containerd/containerd.sock.ttrpc") >= 108) {
        daemon_conf_clear(c);
        return berr_set(err, BERR_USAGE,
                        "engine folder '%s' is too long for unix sockets: keep it under 70 bytes",
                        dir);
    }
    return 0;
}

void daemon_conf_clear(struct daemon_conf *c)
{
    free(c->dir);
    free(c->ns);
    free(c->socket);
    free(c->pidfile);
    free(c->log);
    memset(c, 0, sizeof *c);
}

char *daemon_host(const struct daemon_conf *c)
{
    return xasprintf("unix://%s", c->socket);
}

char **daemon_argv(const struct daemon_conf *c, const char *dockerd)
{
    char **v = xcalloc(24, sizeof *v);
    int i = 0;
    v[i++] = xstrdup(dockerd);
    /* No iptables, no default bridge: the private engine must not change the
     * host's firewall; berth puts containers on its own networks and
     * publishes ports through docker-proxy. */
    v[i++] = xstrdup("--iptables=false");
    v[i++] = xstrdup("--ip-masq=false");
    v[i++] = xstrdup("--bridge=none");
    v[i++] = xstrdup("--storage-driver=overlay2");
    v[i++] = xasprintf("--data-root=%s/root", c->dir);
    v[i++] = xasprintf("--exec-root=%s/exec", c->dir);
    v[i++] = xasprintf("--host=unix://%s", c->socket);
    v[i++] = xasprintf("--pidfile=%s", c->pidfile);
    v[i++] = xasprintf("--containerd-namespace=%s", c->ns);
    v[i++] = xasprintf("--containerd-plugins-namespace=%s-p", c->ns);
    v[i] = NULL;
    return v;
}

void daemon_argv_free(char **argv)
{
    for (char **p = argv; p && *p; p++)
        free(*p);
    free(argv);
}

char *find_program(const char *name)
{
    const char *path = getenv("PATH");
    cleanup_free char *all =
        xstrdup(path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    char *save = NULL;
    for (char *d = strtok_r(all, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char *p = xasprintf("%s/%s", *d ? d : ".", name);
        if (access(p, X_OK) == 0)
            return p;
        free(p);
    }
    return NULL;
}

/* Read a whole small file; NULL on error. */
static char *slurp(const char *path, size_t *len)
{
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    strbuf sb = STRBUF_INIT;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0 && sb.len < (1u << 20))
        sb_add(&sb, buf, (size_t)n);
    return sb_detach(&sb, len);
}

static pid_t read_pidfile(const char *path)
{
    cleanup_free char *s = slurp(path, NULL);
    long v = s ? strtol(s, NULL, 10) : 0;
    return v > 1 && v < INT_MAX ? (pid_t)v : 0;
}

/* Alive and not a zombie (an orphaned zombie may wait for a reaper). */
static bool alive(pid_t pid)
{
    if (kill(pid, 0) < 0 && errno == ESRCH)
        return false;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    cleanup_free char *st = slurp(path, NULL);
    if (!st)
        return false;
    const char *close = strrchr(st, ')');
    return !(close && close[1] == ' ' && (close[2] == 'Z' || close[2] == 'X'));
}

/* Does pid's command line contain needle (NUL-separated args joined by ' ')? */
static bool cmdline_has(pid_t pid, const char *needle)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    size_t len;
    cleanup_free char *cl = slurp(path, &len);
    if (!cl)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!cl[i])
            cl[i] = ' ';
    return strstr(cl, needle) != NULL;
}

/* Only the engine's own programs count: a shell or an editor that merely
 * names a file in DIR is never ours to stop. */
static bool is_engine_process(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
    cleanup_free char *comm = slurp(path, NULL);
    return comm && (starts_with(comm, "dockerd") || starts_with(comm, "containerd"));
}

pid_t daemon_running_pid(const struct daemon_conf *c)
{
    pid_t pid = read_pidfile(c->pidfile);
    cleanup_free char *mark = xasprintf("--pidfile=%s", c->pidfile);
    if (pid && alive(pid) && cmdline_has(pid, mark))
        return pid;
    return 0;
}

int daemon_processes(const struct daemon_conf *c, pid_t *pids, int max)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    cleanup_free char *needle = xasprintf("%s/", c->dir);
    int n = 0;
    struct dirent *de;
    pid_t self = getpid();
    while ((de = readdir(d)) && n < max) {
        char *end;
        long v = strtol(de->d_name, &end, 10);
        if (*end || v <= 1 || (pid_t)v == self)
            continue;
        if (is_engine_process((pid_t)v) && alive((pid_t)v) && cmdline_has((pid_t)v, needle))
            pids[n++] = (pid_t)v;
    }
    closedir(d);
    return n;
}

/* The last lines of the daemon's log, for a failed start. */
static char *log_tail(const char *path, int lines)
{
    size_t len;
    cleanup_free char *s = slurp(path, &len);
    if (!s || !len)
        return xstrdup("(the log is empty)");
    size_t i = len;
    while (i > 0 && s[i - 1] == '\n')
        i--;
    size_t end = i;
    for (int n = 0; i > 0; i--)
        if (s[i - 1] == '\n' && ++n == lines)
            break;
    return xstrndup(s + i, end - i);
}

static int ping(const struct daemon_conf *c)
{
    cleanup_free char *host = daemon_host(c);
    engine *e = NULL;
    berr *err = NULL;
    int rc = engine_open(host, &e, &err);
    if (rc == 0)
        rc = engine_ping(e, &err);
    engine_free(e);
    berr_free(err);
    return rc;
}

int daemon_start(const struct daemon_conf *c, long timeout_ms, bool *already, berr **err)
{
    *already = false;
    if (daemon_running_pid(c)) {
        *already = true;
        return 0;
    }
    cleanup_free char *dockerd = find_program("dockerd");
    if (!dockerd)
        return berr_set(err, BERR_NOTFOUND,
                        "dockerd is not installed: install Debian's docker.io package "
                        "(apt-get install docker.io)");
    if (mkdir(c->dir, 0700) < 0 && errno != EEXIST) {
        /* Create parents once, then retry. */
        cleanup_free char *parent = xstrdup(c->dir);
        for (char *p = parent + 1; *p; p++)
            if (*p == '/') {
                *p = '\0';
                mkdir(parent, 0755);
                *p = '/';
            }
        if (mkdir(c->dir, 0700) < 0 && errno != EEXIST)
            return berr_errno(err, BERR_FAILURE, errno, "cannot create engine folder %s", c->dir);
    }
    unlink(c->socket); /* a stale socket of a dead daemon */
    /* and its pid file: dockerd refuses to start while the pid it names
     * exists, and a daemon killed with -9 whose parent is gone stays a
     * zombie where no init reaps (daemon_running_pid saw it is not ours
     * or not alive) */
    unlink(c->pidfile);
    /* The same for the containerd dockerd started: it dies with dockerd,
     * and dockerd would wait for a zombie's socket, then give up. A live
     * one (still serving) is left for dockerd to reuse. */
    cleanup_free char *cpid = xasprintf("%s/exec/containerd/containerd.pid", c->dir);
    pid_t old = read_pidfile(cpid);
    if (old && !alive(old))
        unlink(cpid);
    int logfd = open(c->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (logfd < 0)
        return berr_errno(err, BERR_FAILURE, errno, "cannot open %s", c->log);
    char **argv = daemon_argv(c, dockerd);
    pid_t pid = fork();
    if (pid < 0) {
        close(logfd);
        daemon_argv_free(argv);
        return berr_errno(err, BERR_FAILURE, errno, "cannot start dockerd");
    }
    if (pid == 0) {
        /* Its own session: a Ctrl-C meant for berth must not reach it. */
        setsid();
        int nul = open("/dev/null", O_RDONLY);
        dup2(nul, 0);
        dup2(logfd, 1);
        dup2(logfd, 2);
        execv(dockerd, argv);
        _exit(127);
    }
    close(logfd);
    daemon_argv_free(argv);

    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            cleanup_free char *tail = log_tail(c->log, 5);
            return berr_set(err, BERR_FAILURE, "dockerd exited during start; the end of %s:\n%s",
                            c->log, tail);
        }
        if (access(c->socket, F_OK) == 0 && ping(c) == 0)
            return 0;
        if (now_ms() > deadline) {
            kill(pid, SIGTERM);
            cleanup_free char *tail = log_tail(c->log, 5);
            return berr_set(err, BERR_TIMEOUT,
                            "dockerd did not answer within %ld s (stopped it); the end of %s:\n%s",
                            timeout_ms / 1000, c->log, tail);
        }
        sleep_ms(100);
    }
}

/* Wait until none of pids is alive; true when that happened in time. */
static bool wait_gone(const pid_t *pids, int n, long long deadline)
{
    for (;;) {
        bool any = false;
        for (int i = 0; i < n; i++) {
            waitpid(pids[i], NULL, WNOHANG); /* reap if it is our child */
            if (alive(pids[i]))
                any = true;
        }
        if (!any)
            return true;
        if (now_ms() > deadline)
            return false;
        sleep_ms(50);
    }
}

/* Mount points below DIR from /proc/self/mountinfo (octal escapes decoded),
 * deepest last; the count. */
static int mounts_below(const struct daemon_conf *c, char **out, int max)
{
    cleanup_free char *mi = slurp("/proc/self/mountinfo", NULL);
    cleanup_free char *prefix = xasprintf("%s/", c->dir);
    int n = 0;
    char *save = NULL;
    for (char *line = mi ? strtok_r(mi, "\n", &save) : NULL; line && n < max;
         line = strtok_r(NULL, "\n", &save)) {
        /* id parent major:minor root MOUNTPOINT ... */
        char *f = line;
        for (int i = 0; i < 4 && f; i++)
            f = strchr(f, ' ') ? strchr(f, ' ') + 1 : NULL;
        if (!f)
            continue;
        size_t len = strcspn(f, " ");
        strbuf mp = STRBUF_INIT;
        for (size_t i = 0; i < len; i++) {
            if (f[i] == '\\' && i + 3 < len) {
                sb_addc(&mp, (char)((f[i + 1] - '0') * 64 + (f[i + 2] - '0') * 8 + (f[i + 3] - '0')));
                i += 3;
            } else {
                sb_addc(&mp, f[i]);
            }
        }
        if (starts_with(mp.buf, prefix))
            out[n++] = sb_detach(&mp, NULL);
        sb_release(&mp);
    }
    return n;
}

/* A daemon that died hard leaves mounts below DIR (its data root is bind
 * mounted onto itself, container layers, network namespaces). They are
 * ours: detach them, innermost first, so DIR can be removed. */
static void unmount_leftovers(const struct daemon_conf *c)
{
    char *mps[512];
    int n = mounts_below(c, mps, (int)ARRAY_SIZE(mps));
    for (int i = n - 1; i >= 0; i--) {
        umount2(mps[i], MNT_DETACH);
        free(mps[i]);
    }
}

int daemon_stop(const struct daemon_conf *c, long timeout_ms, bool *was_running, berr **err)
{
    pid_t main_pid = daemon_running_pid(c);
    pid_t pids[256];
    int n = daemon_processes(c, pids, (int)ARRAY_SIZE(pids));
    *was_running = main_pid != 0 || n > 0;
    if (!*was_running) {
        unmount_leftovers(c);
        return 0;
    }
    long long deadline = now_ms() + timeout_ms;
    /* dockerd stops its containers and then its containerd itself. */
    if (main_pid) {
        kill(main_pid, SIGTERM);
        if (!wait_gone(&main_pid, 1, deadline)) {
            kill(main_pid, SIGKILL);
            wait_gone(&main_pid, 1, now_ms() + 5000);
        }
    }
    /* Whatever is left (containerd, shims) was started for this folder. */
    if (!wait_gone(pids, n, main_pid ? now_ms() + 10000 : now_ms())) {
        for (int i = 0; i < n; i++)
            if (alive(pids[i]))
                kill(pids[i], SIGTERM);
        if (!wait_gone(pids, n, now_ms() + 5000)) {
            for (int i = 0; i < n; i++)
                if (alive(pids[i]))
                    kill(pids[i], SIGKILL);
            wait_gone(pids, n, now_ms() + 5000);
        }
    }
    n = daemon_processes(c, pids, (int)ARRAY_SIZE(pids));
    if (n > 0)
        return berr_set(err, BERR_FAILURE, "%d process(es) of the engine in %s are still running "
                        "(first: pid %d)", n, c->dir, (int)pids[0]);
    unmount_leftovers(c);
    unlink(c->pidfile);
    return 0;
}
