/* Unit tests for the private engine's pure parts: its folder layout, the
 * dockerd command line, its address and the $PATH lookup. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/daemon.h"
#include "engine/engine.h"
#include "../tap.h"
#include "base/util.h"

static char dir69[80], dir70[80], dir69_slashes[90], dir200[210];

static void make_long_dirs(void)
{
    /* the folder must leave room for DIR/exec/containerd/containerd.sock.ttrpc
     * (38 bytes) inside a 108-byte unix socket path: 69 bytes fit, 70 do not */
    dir69[0] = '/';
    memset(dir69 + 1, 'd', 68);
    dir70[0] = '/';
    memset(dir70 + 1, 'd', 69);
    memcpy(dir69_slashes, dir69, 69);
    memcpy(dir69_slashes + 69, "///", 4);
    dir200[0] = '/';
    memset(dir200 + 1, 'd', 199);
}

struct conf_case {
    const char *dir, *name;
    bool ok;
    const char *want_dir, *want_ns;
    const char *err_has; /* for a rejected case */
};

static void check_conf_cases(void)
{
    make_long_dirs();
    const struct conf_case cases[] = {
        {"/tmp/be", NULL, true, "/tmp/be", "berth", NULL},
        {"/tmp/be", "dev", true, "/tmp/be", "dev", NULL},
        {"/tmp/be/", "dev-1_x", true, "/tmp/be", "dev-1_x", NULL},
        {"/tmp/be///", "a", true, "/tmp/be", "a", NULL},
        {"/var/lib/berth/engine", "berth", true, "/var/lib/berth/engine", "berth", NULL},
        {dir69, NULL, true, dir69, "berth", NULL},
        {dir69_slashes, NULL, true, dir69, "berth", NULL},
        {"relative/dir", NULL, false, NULL, NULL, "relative/dir"},
        {"./x", NULL, false, NULL, NULL, "absolute"},
        {"~/x", NULL, false, NULL, NULL, "absolute"},
        {dir70, NULL, false, NULL, NULL, "too long"},
        {dir200, NULL, false, NULL, NULL, "too long"},
        {"/tmp/be", "Berth", false, NULL, NULL, "Berth"},
        {"/tmp/be", "a/b", false, NULL, NULL, "a/b"},
        {"/tmp/be", "a b", false, NULL, NULL, "a b"},
        {"/tmp/be", "a.b", false, NULL, NULL, "a.b"},
        {"/tmp/be", "caf\xc3\xa9", false, NULL, NULL, "lower-case"},
        {"/tmp/be", "", false, NULL, NULL, "empty"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const struct conf_case *c = &cases[i];
        struct daemon_conf conf;
        berr *err = NULL;
        char name[400];
        const char *shown = strlen(c->dir) > 40 ? "<long dir>" : c->dir;
        int rc = daemon_conf_init(&conf, c->dir, c->name, &err);
        if (c->ok) {
            snprintf(name, sizeof name, "conf '%s' name '%s' accepted", shown,
                     c->name ? c->name : "(default)");
            if (!ok(rc == 0 && !err, name)) {
                printf("#   error: %s\n", err ? err->msg : "(none)");
                berr_free(err);
                daemon_conf_clear(&conf);
                continue;
            }
            char want[300];
            snprintf(name, sizeof name, "conf '%s': folder", shown);
            is_str(conf.dir, c->want_dir, name);
            snprintf(name, sizeof name, "conf '%s': namespace", shown);
            is_str(conf.ns, c->want_ns, name);
            snprintf(want, sizeof want, "%s/docker.sock", c->want_dir);
            snprintf(name, sizeof name, "conf '%s': socket", shown);
            is_str(conf.socket, want, name);
            snprintf(want, sizeof want, "%s/dockerd.pid", c->want_dir);
            snprintf(name, sizeof name, "conf '%s': pid file", shown);
            is_str(conf.pidfile, want, name);
            snprintf(want, sizeof want, "%s/dockerd.log", c->want_dir);
            snprintf(name, sizeof name, "conf '%s': log", shown);
            is_str(conf.log, want, name);
            daemon_conf_clear(&conf);
            snprintf(name, sizeof name, "conf '%s': clear empties it", shown);
            ok(!conf.dir && !conf.ns && !conf.socket && !conf.pidfile && !conf.log, name);
        } else {
            snprintf(name, sizeof name, "conf '%s' name '%s' rejected", shown,
                     c->name ? c->name : "(default)");
            ok(rc == -1 && err, name);
            snprintf(name, sizeof name, "conf '%s' name '%s': nothing left allocated", shown,
                     c->name ? c->name : "(default)");
            ok(!conf.dir && !conf.ns && !conf.socket && !conf.pidfile && !conf.log, name);
            if (!err)
                continue;
            snprintf(name, sizeof name, "conf '%s' name '%s': BERR_USAGE", shown,
                     c->name ? c->name : "(default)");
            is_int(err->code, BERR_USAGE, name);
            snprintf(name, sizeof name, "conf '%s' name '%s': message says '%s'", shown,
                     c->name ? c->name : "(default)", c->err_has);
            has_str(err->msg, c->err_has, name);
            berr_free(err);
            daemon_conf_clear(&conf); /* safe after a failure */
        }
    }
}

static void check_conf_env(void)
{
    char *saved = getenv("BERTH_ENGINE_DIR") ? xstrdup(getenv("BERTH_ENGINE_DIR")) : NULL;
    struct daemon_conf conf;
    berr *err = NULL;

    setenv("BERTH_ENGINE_DIR", "/srv/engine/", 1);
    is_int(daemon_conf_init(&conf, NULL, NULL, &err), 0, "dir NULL reads $BERTH_ENGINE_DIR");
    is_str(conf.dir, "/srv/engine", "$BERTH_ENGINE_DIR is used, trailing slash trimmed");
    is_str(conf.ns, DAEMON_DEFAULT_NAMESPACE, "name NULL is the default namespace");
    daemon_conf_clear(&conf);

    is_int(daemon_conf_init(&conf, "/given", NULL, &err), 0, "an explicit dir");
    is_str(conf.dir, "/given", "an explicit dir wins over $BERTH_ENGINE_DIR");
    daemon_conf_clear(&conf);

    setenv("BERTH_ENGINE_DIR", "rel", 1);
    is_int(daemon_conf_init(&conf, NULL, NULL, &err), -1, "a relative $BERTH_ENGINE_DIR fails");
    ok(err && err->code == BERR_USAGE && strstr(err->msg, "rel"),
       "and the error names it as a usage error");
    berr_free(err);
    err = NULL;

    unsetenv("BERTH_ENGINE_DIR");
    is_int(daemon_conf_init(&conf, NULL, NULL, &err), 0, "no dir and no environment");
    is_str(conf.dir, DAEMON_DEFAULT_DIR, "falls back to the default folder");
    daemon_conf_clear(&conf);

    setenv("BERTH_ENGINE_DIR", "", 1);
    is_int(daemon_conf_init(&conf, NULL, NULL, &err), 0, "an empty $BERTH_ENGINE_DIR");
    is_str(conf.dir, DAEMON_DEFAULT_DIR, "an empty $BERTH_ENGINE_DIR means the default");
    daemon_conf_clear(&conf);

    if (saved)
        setenv("BERTH_ENGINE_DIR", saved, 1);
    else
        unsetenv("BERTH_ENGINE_DIR");
    free(saved);
}

static int count_arg(char **argv, const char *want)
{
    int n = 0;
    for (char **p = argv; *p; p++)
        n += strcmp(*p, want) == 0;
    return n;
}

struct argv_case {
    const char *dir, *name, *dockerd;
};

static void check_argv_cases(void)
{
    const struct argv_case cases[] = {
        {"/tmp/be", NULL, "/usr/bin/dockerd"},
        {"/var/lib/berth/e2e/", "e2e-1", "/usr/sbin/dockerd"},
        {"/x", "n_s", "dockerd"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const struct argv_case *c = &cases[i];
        struct daemon_conf conf;
        berr *err = NULL;
        char name[300], want[300];
        if (!ok(daemon_conf_init(&conf, c->dir, c->name, &err) == 0, "argv: conf accepted")) {
            berr_free(err);
            continue;
        }
        char **argv = daemon_argv(&conf, c->dockerd);
        int argc = 0;
        while (argv[argc])
            argc++;
        snprintf(name, sizeof name, "argv '%s': NULL-terminated with a sane count", conf.dir);
        ok(argc >= 11 && argc < 24, name);
        snprintf(name, sizeof name, "argv '%s': argv[0] is the program", conf.dir);
        is_str(argv[0], c->dockerd, name);

        const char *fixed[] = {"--iptables=false", "--bridge=none", "--ip-masq=false"};
        for (size_t k = 0; k < ARRAY_SIZE(fixed); k++) {
            snprintf(name, sizeof name, "argv '%s': %s once", conf.dir, fixed[k]);
            is_int(count_arg(argv, fixed[k]), 1, name);
        }
        char *dyn[6];
        dyn[0] = xasprintf("--data-root=%s/root", conf.dir);
        dyn[1] = xasprintf("--exec-root=%s/exec", conf.dir);
        dyn[2] = xasprintf("--host=unix://%s/docker.sock", conf.dir);
        dyn[3] = xasprintf("--pidfile=%s/dockerd.pid", conf.dir);
        dyn[4] = xasprintf("--containerd-namespace=%s", conf.ns);
        dyn[5] = xasprintf("--containerd-plugins-namespace=%s-p", conf.ns);
        for (size_t k = 0; k < ARRAY_SIZE(dyn); k++) {
            snprintf(name, sizeof name, "argv '%s': %s once", conf.dir, dyn[k]);
            is_int(count_arg(argv, dyn[k]), 1, name);
            free(dyn[k]);
        }
        /* no path in the command line outside DIR: state stays in one folder */
        snprintf(want, sizeof want, "%s/", conf.dir);
        bool contained = true;
        for (int k = 1; k < argc; k++) {
            const char *slash = strchr(argv[k], '/');
            const char *eq = strchr(argv[k], '=');
            if (slash && eq && !strstr(argv[k], want))
                contained = false;
        }
        snprintf(name, sizeof name, "argv '%s': every path argument is inside DIR", conf.dir);
        ok(contained, name);

        char *host = daemon_host(&conf);
        snprintf(want, sizeof want, "unix://%s/docker.sock", conf.dir);
        snprintf(name, sizeof name, "daemon_host for '%s'", conf.dir);
        is_str(host, want, name);
        snprintf(want, sizeof want, "--host=%s", host);
        snprintf(name, sizeof name, "daemon_host for '%s' is what dockerd listens on", conf.dir);
        is_int(count_arg(argv, want), 1, name);

        /* and the engine client accepts it as an address */
        struct engine_env env = {.host = host, .origin = "DOCKER_HOST"};
        struct http_endpoint ep;
        char *display = NULL;
        snprintf(name, sizeof name, "daemon_host for '%s' is a usable engine address", conf.dir);
        if (ok(engine_parse_address(&env, &ep, &display, &err) == 0, name)) {
            snprintf(name, sizeof name, "daemon_host for '%s': the client uses the socket",
                     conf.dir);
            is_str(ep.path, conf.socket, name);
            http_endpoint_clear(&ep);
            free(display);
        }
        berr_free(err);
        free(host);
        daemon_argv_free(argv);
        daemon_conf_clear(&conf);
    }
    daemon_argv_free(NULL); /* tolerated */
    ok(1, "daemon_argv_free(NULL) is harmless");
}

static bool is_executable_file(const char *p)
{
    struct stat st;
    return p && p[0] == '/' && stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

struct find_case {
    const char *path_env; /* NULL: unset PATH */
    const char *prog;
    bool found;
    const char *want; /* exact, or NULL to only check it is executable */
};

static void check_find_cases(void)
{
    char *saved = getenv("PATH") ? xstrdup(getenv("PATH")) : NULL;
    const char *sh = is_executable_file("/bin/sh") ? "/bin/sh" : NULL;
    const struct find_case cases[] = {
        {saved, "sh", true, NULL},
        {saved, "no-such-program-xyz", false, NULL},
        {NULL, "sh", true, NULL},
        {NULL, "no-such-program-xyz", false, NULL},
        {"/nonexistent-dir:/bin", "sh", sh != NULL, sh},
        {"/nonexistent-dir", "sh", false, NULL},
        {"/etc", "passwd", false, NULL}, /* exists but is not executable */
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const struct find_case *c = &cases[i];
        if (c->path_env)
            setenv("PATH", c->path_env, 1);
        else
            unsetenv("PATH");
        char *p = find_program(c->prog);
        char name[300];
        const char *pe = c->path_env ? (c->path_env == saved ? "$PATH" : c->path_env) : "unset";
        snprintf(name, sizeof name, "find_program('%s') with PATH %s: %s", c->prog, pe,
                 c->found ? "found" : "absent");
        if (c->found)
            ok(is_executable_file(p), name);
        else
            ok(p == NULL, name);
        if (c->found && c->want) {
            snprintf(name, sizeof name, "find_program('%s') with PATH %s: the right one",
                     c->prog, pe);
            is_str(p, c->want, name);
        }
        if (p && c->found) {
            snprintf(name, sizeof name, "find_program('%s') with PATH %s: names the program",
                     c->prog, pe);
            ok(ends_with(p, "/sh"), name);
        }
        free(p);
    }
    if (saved)
        setenv("PATH", saved, 1);
    else
        unsetenv("PATH");
    free(saved);
}

int main(void)
{
    check_conf_cases();
    check_conf_env();
    check_argv_cases();
    check_find_cases();
    return tap_done();
}
