/* berth engine start|stop|status: a private Docker engine of berth's own. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>

#include "engine/api.h"
#include "cmd.h"
#include "engine/daemon.h"
#include "engine/engine.h"
#include "base/util.h"

static const char usage[] =
    "usage: berth engine start|stop|status|install|uninstall [options]\n"
    "\n"
    "Run a private Docker engine (Debian's dockerd) whose state, socket and log\n"
    "live in one folder, with its own containerd namespace.\n"
    "\n"
    "  start    start it (if not running) and wait until it answers; prints\n"
    "           export DOCKER_HOST=unix://DIR/docker.sock, for\n"
    "           eval \"$(berth engine start)\"; --format json: its status\n"
    "  stop     stop it by its pid and wait until dockerd, containerd and\n"
    "           container shims of it are gone\n"
    "           --purge: first remove all its containers and networks (their\n"
    "           bridges on the host go with them), for an engine whose folder\n"
    "           is deleted next; a network left when its folder is deleted\n"
    "           keeps its bridge and address range on the host\n"
    "  status   running or stopped, version and socket\n"
    "  install  (root) install Debian's docker.io through apt, start the system\n"
    "           engine (systemd's when systemd runs, else berth's own in the\n"
    "           default folder) and run a container from a local image on it;\n"
    "           when installed and running: \"nothing to do\"\n"
    "  uninstall (root) stop the system engine and purge docker.io\n"
    "           --purge-data: also remove /var/lib/docker (asks unless --yes)\n"
    "\n"
    "options:\n"
    "  --dir DIR          state folder (default: $BERTH_ENGINE_DIR, else " DAEMON_DEFAULT_DIR ")\n"
    "  --name NAME        containerd namespace (default: " DAEMON_DEFAULT_NAMESPACE ")\n"
    "  --timeout SECONDS  how long start or stop may take (default: 60)\n"
    "  --format text|json (start, status)\n"
    "  --purge-data       (uninstall) remove /var/lib/docker too\n"
    "  --yes              (uninstall) do not ask\n";

static void keep_first(berr **first, berr *e)
{
    if (*first)
        berr_free(e);
    else
        *first = e;
}

/* Remove every container (by force) and every network but the engine's
 * own (bridge, host, none) through the API: the engine takes their bridge
 * interfaces off the host. Goes on past a failure; returns the first. */
static int purge(const struct daemon_conf *c, berr **err)
{
    cleanup_free char *host = daemon_host(c);
    engine *e = NULL;
    json_t *ctrs = NULL, *nets = NULL, *o;
    size_t i;
    berr *first = NULL;
    if (engine_open(host, &e, err) < 0 || engine_get(e, "/containers/json?all=1", &ctrs, err) < 0 ||
        engine_get(e, "/networks", &nets, err) < 0) {
        engine_free(e);
        json_decref(ctrs);
        return berr_wrap(err, "purge");
    }
    json_array_foreach(ctrs, i, o) {
        berr *e2 = NULL;
        if (api_container_remove(e, json_string_value(json_object_get(o, "Id")), true, &e2) < 0)
            keep_first(&first, e2);
    }
    json_array_foreach(nets, i, o) {
        const char *name = json_string_value(json_object_get(o, "Name"));
        if (!name || streq(name, "bridge") || streq(name, "host") || streq(name, "none"))
            continue;
        berr *e2 = NULL;
        if (api_network_remove_clearing(e, json_string_value(json_object_get(o, "Id")), true, &e2) < 0)
            keep_first(&first, e2);
    }
    json_decref(ctrs);
    json_decref(nets);
    engine_free(e);
    if (!first)
        return 0;
    berr_move(err, &first);
    return berr_wrap(err, "purge");
}

/* The engine stops its running containers first, each with its grace:
 * with many, that takes minutes; say so before the wait. */
static void say_stopping(const struct daemon_conf *c)
{
    pid_t pid = daemon_running_pid(c);
    if (!pid)
        return;
    cleanup_free char *host = daemon_host(c);
    engine *e = NULL;
    json_t *running = NULL;
    berr *err = NULL;
    if (engine_open(host, &e, &err) == 0 && engine_get(e, "/containers/json", &running, &err) == 0 &&
        json_array_size(running))
        fprintf(stderr, "berth: stopping the engine (pid %d): it stops its %zu running "
                "container(s) first, each within its stop timeout\n", (int)pid,
                json_array_size(running));
    json_decref(running);
    engine_free(e);
    berr_free(err);
}

static int status(const struct daemon_conf *c, enum out_format fmt)
{
    pid_t pid = daemon_running_pid(c);
    cleanup_free char *host = daemon_host(c);
    const char *version = NULL, *api = NULL;
    engine *e = NULL;
    berr *err = NULL;
    json_t *v = NULL;
    if (pid && engine_open(host, &e, &err) == 0 && engine_get(e, "/version", &v, &err) == 0) {
        version = json_string_value(json_object_get(v, "Version"));
        api = engine_server_api(e);
    }
    if (fmt == FORMAT_JSON) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "state", pid ? "running" : "stopped",
                              "dir", c->dir, "socket", c->socket, "docker_host", host);
        if (pid)
            json_object_set_new(o, "pid", json_integer(pid));
        if (version)
            json_object_set_new(o, "version", json_string(version));
        if (api)
            json_object_set_new(o, "api_version", json_string(api));
        char *s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
        puts(s);
        free(s);
        json_decref(o);
    } else if (pid) {
        printf("running (pid %d)\nversion: %s (API %s)\nDOCKER_HOST=%s\n", (int)pid,
               version ? version : "?", api ? api : "?", host);
        if (err)
            printf("warning: %s\n", err->msg);
    } else {
        printf("stopped\nfolder: %s\n", c->dir);
    }
    json_decref(v);
    engine_free(e);
    berr_free(err);
    return pid ? 0 : 1; /* scripts: `berth engine status >/dev/null && ...` */
}

int cmd_engine(cli *g, int argc, char **argv, berr **err)
{
    (void)g;
    static const struct option opts[] = {
        {"dir", required_argument, NULL, 'd'},
        {"name", required_argument, NULL, 'n'},
        {"timeout", required_argument, NULL, 't'},
        {"format", required_argument, NULL, 'F'},
        {"purge", no_argument, NULL, 'P'},
        {"purge-data", no_argument, NULL, 'D'},
        {"yes", no_argument, NULL, 'y'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = NULL, *name = NULL;
    bool purge_first = false, purge_data = false, yes = false;
    long timeout_s = 60;
    enum out_format fmt = FORMAT_TEXT;
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': dir = optarg; break;
        case 'n': name = optarg; break;
        case 't': {
            char *end;
            timeout_s = strtol(optarg, &end, 10);
            if (*end || timeout_s < 1)
                return cmd_usage_error(err, "engine", "--timeout: '%s' is not a whole number "
                                       "of seconds", optarg);
            break;
        }
        case 'F':
            if (parse_format(optarg, &fmt, err) < 0)
                return -1;
            break;
        case 'P': purge_first = true; break;
        case 'D': purge_data = true; break;
        case 'y': yes = true; break;
        case 'h': fputs(usage, stdout); return 0;
        default: return cmd_option_error(err, "engine", argv, c);
        }
    }
    if (optind != argc - 1)
        return cmd_usage_error(err, "engine", "say start, stop, status, install or uninstall");
    const char *verb = argv[optind];
    if (streq(verb, "install") && !purge_data && !yes)
        return engine_install(dir, timeout_s * 1000, err);
    if (streq(verb, "uninstall"))
        return engine_uninstall(dir, purge_data, yes, timeout_s * 1000, err);
    if (purge_data || yes)
        return cmd_usage_error(err, "engine", "--purge-data and --yes go with uninstall");
    if (!streq(verb, "start") && !streq(verb, "stop") && !streq(verb, "status"))
        return cmd_usage_error(err, "engine",
                               "'%s' is not start, stop, status, install or uninstall", verb);
    if (purge_first && !streq(verb, "stop"))
        return cmd_usage_error(err, "engine", "--purge goes with stop");

    struct daemon_conf conf;
    if (daemon_conf_init(&conf, dir, name, err) < 0)
        return -1;
    int rc = 0;
    if (streq(verb, "status")) {
        rc = status(&conf, fmt);
    } else if (streq(verb, "start")) {
        bool already;
        rc = daemon_start(&conf, timeout_s * 1000, &already, err);
        if (rc == 0) {
            cleanup_free char *host = daemon_host(&conf);
            if (already)
                fprintf(stderr, "berth: the engine in %s is already running\n", conf.dir);
            /* eval'd by a shell: exported, so that the programs it runs next
             * (berth, docker) talk to this engine, not the system's */
            if (fmt == FORMAT_JSON)
                status(&conf, fmt);
            else
                printf("export DOCKER_HOST=%s\n", host);
        }
    } else {
        /* A purge that fails still stops the engine, and says why after. */
        berr *purge_err = NULL;
        if (purge_first && daemon_running_pid(&conf))
            purge(&conf, &purge_err);
        say_stopping(&conf);
        bool was;
        rc = daemon_stop(&conf, timeout_s * 1000, &was, err);
        if (rc == 0)
            fprintf(stderr, "berth: %s\n", was ? "engine stopped" : "the engine was not running");
        if (rc == 0 && purge_err) {
            berr_move(err, &purge_err);
            rc = -1;
        }
        berr_free(purge_err);
    }
    daemon_conf_clear(&conf);
    return rc;
}
