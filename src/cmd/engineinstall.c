/* berth engine install|uninstall: Debian's docker.io on this host, through
 * apt (Opereto's install_docker/uninstall_docker).
 *
 * The engine that must run afterwards is the system's: systemd's docker
 * unit when systemd is PID 1, else berth's own private engine in the
 * default folder ($BERTH_ENGINE_DIR, else /var/lib/berth/engine), as
 * `berth engine start` runs it. The programs run here (apt-get, dpkg-query,
 * systemctl) get fixed argument vectors, never a shell line. */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "engine/api.h"
#include "engine/daemon.h"
#include "engine/engine.h"
#include "transfer/tarball.h"
#include "base/util.h"

#define ENGINE_PACKAGE "docker.io"

/* Run argv (stdout onto stderr, so apt's progress shows and our own stdout
 * stays for results); *status is its exit code. */
static int run_program(char *const argv[], bool quiet, int *status, berr **err)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return berr_set(err, BERR_FAILURE, "fork: %s", strerror(errno));
    if (pid == 0) {
        dup2(2, 1);
        if (quiet) {
            FILE *n = fopen("/dev/null", "w");
            if (n) {
                dup2(fileno(n), 1);
                dup2(fileno(n), 2);
            }
        }
        setenv("DEBIAN_FRONTEND", "noninteractive", 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    int ws;
    while (waitpid(pid, &ws, 0) < 0)
        if (errno != EINTR)
            return berr_set(err, BERR_FAILURE, "waiting for %s: %s", argv[0], strerror(errno));
    *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    return 0;
}

static int must_run(char *const argv[], berr **err)
{
    int st;
    fprintf(stderr, "berth: running %s %s...\n", argv[0], argv[1]);
    if (run_program(argv, false, &st, err) < 0)
        return -1;
    if (st != 0)
        return berr_set(err, BERR_FAILURE, "%s %s failed (exit %d); see its output above",
                        argv[0], argv[1], st);
    return 0;
}

static bool package_installed(void)
{
    char *argv[] = {"dpkg-query", "-W", "-f=${Status}", ENGINE_PACKAGE, NULL};
    /* "install ok installed" is the only installed state; dpkg-query exits
     * 0 for a package whose configuration files alone are left too. */
    char *q = find_program("dpkg-query");
    if (!q)
        return false;
    free(q);
    int fds[2];
    if (pipe(fds) < 0)
        return false;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        FILE *n = fopen("/dev/null", "w");
        if (n)
            dup2(fileno(n), 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    char buf[128] = {0};
    size_t got = 0;
    ssize_t r;
    while (got < sizeof buf - 1 && (r = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)r;
    close(fds[0]);
    int ws;
    waitpid(pid, &ws, 0);
    return WIFEXITED(ws) && WEXITSTATUS(ws) == 0 && streq(buf, "install ok installed");
}

static bool systemd_runs(void)
{
    struct stat st;
    return stat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

/* The system engine's address: systemd's socket, else berth's default folder. */
static char *system_host(const struct daemon_conf *c)
{
    return systemd_runs() ? xstrdup(ENGINE_DEFAULT_ADDRESS) : daemon_host(c);
}

static bool engine_answers(const char *host)
{
    engine *e = NULL;
    berr *err = NULL;
    bool ok = engine_open(host, &e, &err) == 0 && engine_ping(e, &err) == 0;
    engine_free(e);
    berr_free(err);
    return ok;
}

static int preconditions(const char *verb, berr **err)
{
    if (geteuid() != 0)
        return berr_set(err, BERR_FAILURE,
                        "engine %s changes the system's packages and needs root: run it as root "
                        "(sudo berth engine %s); nothing was changed",
                        verb, verb);
    char *apt = find_program("apt-get");
    char *dpkg = find_program("dpkg-query");
    bool ok = apt && dpkg;
    free(apt);
    free(dpkg);
    if (!ok)
        return berr_set(err, BERR_FAILURE,
                        "engine %s installs Debian's %s through apt, and this system has no "
                        "apt-get or dpkg-query; nothing was changed",
                        verb, ENGINE_PACKAGE);
    return 0;
}

/* Opereto's hello-world, with no registry: an image imported from the
 * host's static busybox, one container that prints and exits 0. */
static int hello_check(const char *host, berr **err)
{
    const char *bb = "/bin/busybox";
    struct stat st;
    if (stat(bb, &st) < 0) {
        fprintf(stderr, "berth: no %s (busybox-static): the container check is skipped\n", bb);
        return 0;
    }
    cleanup_free char *root = xstrdup("/tmp/berth-hello.XXXXXX");
    if (!mkdtemp(root))
        return berr_set(err, BERR_FAILURE, "mkdtemp: %s", strerror(errno));
    cleanup_free char *bin = xasprintf("%s/bin", root);
    cleanup_free char *dst = xasprintf("%s/busybox", bin);
    mkdir(bin, 0755);
    int rc = 0;
    char *cp[] = {"cp", (char *)bb, dst, NULL};
    int status = 0;
    engine *e = NULL;
    struct tarfile t = {0};
    char *id = NULL, *image = NULL;
    char *name = xasprintf("berth-hello-%ld", (long)getpid());
    if (run_program(cp, true, &status, err) < 0 || status != 0) {
        rc = status ? berr_set(err, BERR_FAILURE, "could not copy %s", bb) : -1;
        goto out;
    }
    struct tar_opts to = {.uid = 0, .gid = 0};
    if (tar_folder(root, &to, &t, err) < 0 || engine_open(host, &e, err) < 0 ||
        api_image_import(e, "berth-hello", "latest", NULL, tarfile_read, &t, &image, err) < 0) {
        rc = -1;
        goto out;
    }
    /* by id: Podman names an imported image :latest whatever its tag */
    json_t *cfg = json_pack("{s:s, s:[s,s,s]}", "Image", image, "Cmd",
                            "/bin/busybox", "echo", "hello from berth");
    int code = -1;
    rc = api_container_create(e, name, cfg, &id, err);
    json_decref(cfg);
    if (rc == 0)
        rc = api_container_start(e, id, err);
    if (rc == 0)
        rc = api_container_wait(e, id, 60000, &code, err);
    if (rc == 0 && code != 0)
        rc = berr_set(err, BERR_FAILURE, "the check container exited %d", code);
    if (id)
        api_container_remove(e, id, true, NULL);
    api_image_remove(e, image, true, NULL);
out:
    if (rc < 0)
        berr_wrap(err, "the engine at %s failed its check (a container from a local image)", host);
    free(id);
    free(image);
    free(name);
    tarfile_close(&t);
    engine_free(e);
    char *rm[] = {"rm", "-rf", root, NULL};
    run_program(rm, true, &status, NULL);
    return rc;
}

int engine_install(const char *dir, long timeout_ms, berr **err)
{
    if (preconditions("install", err) < 0)
        return -1;
    struct daemon_conf conf;
    if (daemon_conf_init(&conf, dir, NULL, err) < 0)
        return -1;
    cleanup_free char *host = system_host(&conf);
    int rc = 0;
    if (package_installed() && engine_answers(host)) {
        printf("%s is installed and the engine at %s runs: nothing to do\n", ENGINE_PACKAGE, host);
        goto out;
    }
    if (!package_installed()) {
        char *update[] = {"apt-get", "update", NULL};
        char *install[] = {"apt-get", "install", "-y", "--no-install-recommends", ENGINE_PACKAGE,
                           NULL};
        if (must_run(update, err) < 0 || must_run(install, err) < 0) {
            rc = -1;
            goto out;
        }
    }
    if (systemd_runs()) {
        char *start[] = {"systemctl", "enable", "--now", "docker", NULL};
        rc = must_run(start, err);
    } else {
        bool already;
        fprintf(stderr, "berth: starting the engine in %s...\n", conf.dir);
        rc = daemon_start(&conf, timeout_ms, &already, err);
    }
    if (rc == 0)
        rc = hello_check(host, err);
    if (rc == 0)
        printf("%s is installed and the engine at %s ran a container from a local image\n",
               ENGINE_PACKAGE, host);
out:
    daemon_conf_clear(&conf);
    return rc;
}

int engine_uninstall(const char *dir, bool purge_data, bool yes, long timeout_ms, berr **err)
{
    if (preconditions("uninstall", err) < 0)
        return -1;
    if (purge_data && !yes) {
        fprintf(stderr, "berth: remove /var/lib/docker and every image, container and volume in "
                        "it? [y/N] ");
        char line[16] = {0};
        if (!fgets(line, sizeof line, stdin) || (line[0] != 'y' && line[0] != 'Y'))
            return berr_set(err, BERR_FAILURE, "not confirmed: nothing was changed");
    }
    struct daemon_conf conf;
    if (daemon_conf_init(&conf, dir, NULL, err) < 0)
        return -1;
    int rc = 0;
    bool was_installed = package_installed();
    if (systemd_runs()) {
        char *stop[] = {"systemctl", "disable", "--now", "docker.socket", "docker", NULL};
        int st;
        run_program(stop, true, &st, NULL);
    } else {
        bool was;
        rc = daemon_stop(&conf, timeout_ms, &was, err);
    }
    if (rc == 0 && was_installed) {
        char *purge[] = {"apt-get", "purge", "-y", ENGINE_PACKAGE, NULL};
        rc = must_run(purge, err);
    }
    if (rc == 0 && purge_data) {
        char *rm[] = {"rm", "-rf", "/var/lib/docker", NULL};
        rc = must_run(rm, err);
    }
    if (rc == 0)
        printf("%s\n", was_installed ? ENGINE_PACKAGE " uninstalled"
                                     : ENGINE_PACKAGE " is not installed: nothing to do");
    daemon_conf_clear(&conf);
    return rc;
}
