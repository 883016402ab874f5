/* berth deploy: the project as services on a Docker Swarm, converged as `up`
 * converges one engine; and the swarm side of plan, ps, logs and down
 * (--swarm). */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "cmd.h"
#include "engine/engine.h"
#include "engine/http.h"
#include "engine/stream.h"
#include "progress.h"
#include "project/project.h"
#include "swarm/deploy.h"
#include "swarm/status.h"
#include "workspace.h"

static const char usage[] =
    "usage: berth deploy [options] [targets]\n"
    "\n"
    "Deploy the project (or the targets) to the Docker Swarm whose manager berth\n"
    "talks to: each container instance becomes a service <project>-<part>-<instance>\n"
    "(a part with `replicas = N`: one service <project>-<part> of N tasks); the\n"
    "project network and network parts become attachable overlay networks; `secrets`\n"
    "and `configs` files become swarm secrets (/run/secrets/NAME) and configs (/NAME).\n"
    "Images the parts make are made first on this engine and run by id (a single\n"
    "node needs no registry).\n"
    "\n"
    "As `up`: a service whose spec is unchanged is left alone (a second deploy makes\n"
    "no writes); a changed one is updated in place, rolled out as its update-*\n"
    "settings say; `berth plan --swarm` shows what would change and why.\n"
    "\n"
    "options:\n"
    "  --wait             return when every service has converged (all its tasks\n"
    "                     running, and healthy), or fail with its tasks' errors\n"
    "  --wait-timeout D   the limit for --wait (default 2m)\n"
    "  --remove-orphans   remove services of the project that it no longer has\n"
    "  --force            rebuild images even when their inputs are unchanged\n"
    "  -h, --help         this help\n"
    "\n"
    "See also: berth ps --swarm, berth logs --swarm, berth down --swarm.\n";

static volatile int cancel_flag;

static void on_sigint(int sig)
{
    (void)sig;
    cancel_flag = 1;
}

bool cmd_wants_swarm(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (streq(argv[i], "--"))
            break;
        if (streq(argv[i], "--swarm"))
            return true;
    }
    return false;
}

int cmd_deploy(cli *g, int argc, char **argv, berr **err)
{
    static const struct option opts[] = {
        {"wait", no_argument, NULL, 'W'},
        {"wait-timeout", required_argument, NULL, 'T'},
        {"remove-orphans", no_argument, NULL, 'O'},
        {"force", no_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct deploy_opts o = {.parallel = g->parallel ? g->parallel : 8};
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'W': o.wait = true; break;
        case 'T':
            if (parse_duration_option("deploy", "--wait-timeout", optarg, &o.wait_timeout_ms, err) < 0)
                return -1;
            o.wait = true;
            break;
        case 'O': o.remove_orphans = true; break;
        case 'F': o.force_build = true; break;
        case 'h': fputs(usage, stdout); return 0;
        default: return cmd_option_error(err, "deploy", argv, c);
        }
    }
    struct workspace ws;
    if (workspace_open(g, (const char *const *)argv + optind, argc - optind, &ws, err) < 0)
        return -1;
    struct sigaction sa = {.sa_handler = on_sigint}, old_int;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    o.cancel = &cancel_flag;
    progress *pg = progress_new(g->progress);
    o.rep = progress_reporter(pg);
    struct plan pl;
    long long t0 = now_ms();
    int rc = swarm_deploy(ws.engine, ws.project, ws.sel, &o, &pl, err);
    size_t changed = 0;
    for (size_t i = 0; i < pl.n; i++)
        changed += !streq(pl.v[i].verb, "none") && !streq(pl.v[i].verb, "skip");
    for (size_t i = 0; i < pl.n; i++)
        if (pl.v[i].note != NOTE_NONE)
            reportf(o.rep, EV_NOTE, NULL, NULL, "note: %s: %s", pl.v[i].subject, pl.v[i].reason);
    if (rc == 0)
        reportf(o.rep, EV_NOTE, NULL, NULL, "%s: %zu change(s), %zu up to date, %.1fs (swarm)",
                ws.project->name, changed, pl.n - changed, (double)(now_ms() - t0) / 1000.0);
    progress_end(pg);
    plan_clear(&pl);
    sigaction(SIGINT, &old_int, NULL);
    workspace_close(&ws);
    return rc;
}

/* plan --swarm: a dry run of deploy. */
int cmd_swarm_plan(cli *g, int argc, char **argv, berr **err)
{
    static const struct option opts[] = {
        {"swarm", no_argument, NULL, 'S'},
        {"format", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0},
    };
    enum out_format fmt = FORMAT_TEXT;
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == 'S')
            continue;
        if (c == 'f') {
            if (parse_format(optarg, &fmt, err) < 0)
                return -1;
            continue;
        }
        return c == ':' ? cmd_option_error(err, "plan", argv, c)
                        : cmd_usage_error(err, "plan", "unknown option '%s' with --swarm", argv[optind - 1]);
    }
    struct workspace ws;
    if (workspace_open(g, (const char *const *)argv + optind, argc - optind, &ws, err) < 0)
        return -1;
    struct deploy_opts o = {.parallel = g->parallel ? g->parallel : 8, .dry_run = true};
    struct plan pl;
    int rc = swarm_deploy(ws.engine, ws.project, ws.sel, &o, &pl, err);
    if (rc == 0 && fmt == FORMAT_JSON) {
        json_t *a = json_array();
        for (size_t i = 0; i < pl.n; i++)
            json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "subject", pl.v[i].subject, "verb",
                                               pl.v[i].verb, "reason", pl.v[i].reason));
        char *s = json_dumps(a, JSON_INDENT(2));
        puts(s);
        free(s);
        json_decref(a);
    } else if (rc == 0) {
        size_t changes = 0;
        for (size_t i = 0; i < pl.n; i++)
            changes += !streq(pl.v[i].verb, "none") && !streq(pl.v[i].verb, "skip");
        if (!changes)
            printf("nothing to do: the swarm matches the project\n");
        else
            printf("changes (%zu):\n", changes);
        for (size_t i = 0; i < pl.n; i++)
            if (!streq(pl.v[i].verb, "none"))
                printf("  %-9s %-28s %s\n", pl.v[i].verb, pl.v[i].subject, pl.v[i].reason);
    }
    plan_clear(&pl);
    workspace_close(&ws);
    return rc;
}

/* ps --swarm */
int cmd_swarm_ps(cli *g, int argc, char **argv, berr **err)
{
    static const struct option opts[] = {
        {"swarm", no_argument, NULL, 'S'},
        {"format", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0},
    };
    enum out_format fmt = FORMAT_TEXT;
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == 'S')
            continue;
        if (c == 'f') {
            if (parse_format(optarg, &fmt, err) < 0)
                return -1;
            continue;
        }
        return c == ':' ? cmd_option_error(err, "ps", argv, c)
                        : cmd_usage_error(err, "ps", "unknown option '%s' with --swarm", argv[optind - 1]);
    }
    if (optind < argc)
        return cmd_usage_error(err, "ps", "--swarm lists every service of the project: no targets");
    struct workspace ws;
    if (workspace_open(g, NULL, 0, &ws, err) < 0)
        return -1;
    json_t *st = NULL;
    int rc = swarm_status(ws.engine, ws.project->name, &st, err);
    if (rc == 0 && fmt == FORMAT_JSON) {
        char *s = json_dumps(st, JSON_INDENT(2));
        puts(s);
        free(s);
    } else if (rc == 0) {
        printf("%-32s %-9s %-8s %s\n", "SERVICE", "REPLICAS", "UPDATE", "PORTS");
        size_t i;
        json_t *s;
        json_array_foreach(st, i, s) {
            json_t *r = json_object_get(s, "replicas");
            char reps[32];
            snprintf(reps, sizeof reps, "%lld/%lld",
                     (long long)json_integer_value(json_object_get(r, "running")),
                     (long long)json_integer_value(json_object_get(r, "desired")));
            strbuf ports = STRBUF_INIT;
            size_t k;
            json_t *p;
            json_array_foreach(json_object_get(s, "ports"), k, p)
                sb_addf(&ports, "%s%s", k ? ", " : "", json_string_value(p));
            const char *up = json_string_value(json_object_get(s, "update"));
            printf("%-32s %-9s %-8s %s\n", json_string_value(json_object_get(s, "service")), reps,
                   up ? up : "-", ports.buf);
            sb_release(&ports);
            json_array_foreach(json_object_get(s, "tasks"), k, p) {
                const char *e = json_string_value(json_object_get(p, "error"));
                printf("  %-30s %-12s %-10s desired %-9s%s%s\n",
                       json_string_value(json_object_get(p, "name")),
                       json_string_value(json_object_get(p, "node")),
                       json_string_value(json_object_get(p, "state")),
                       json_string_value(json_object_get(p, "desired")), e ? " error: " : "",
                       e ? e : "");
            }
        }
    }
    json_decref(st);
    workspace_close(&ws);
    return rc;
}

static int put_line(void *ud, const char *task, int stream, const char *line, size_t len, berr **err)
{
    (void)ud;
    (void)err;
    FILE *f = stream == STREAM_STDERR ? stderr : stdout;
    fprintf(f, "%s | %.*s\n", task, (int)len, line);
    fflush(f);
    return 0;
}

/* logs --swarm [-f] [--tail N] [targets]: the services' output. */
int cmd_swarm_logs(cli *g, int argc, char **argv, berr **err)
{
    static const struct option opts[] = {
        {"swarm", no_argument, NULL, 'S'},
        {"follow", no_argument, NULL, 'f'},
        {"tail", required_argument, NULL, 'n'},
        {NULL, 0, NULL, 0},
    };
    bool follow = false;
    const char *tail = NULL;
    int c;
    while ((c = getopt_long(argc, argv, ":fn:", opts, NULL)) != -1) {
        if (c == 'S')
            continue;
        if (c == 'f')
            follow = true;
        else if (c == 'n')
            tail = optarg;
        else
            return c == ':' ? cmd_option_error(err, "logs", argv, c)
                        : cmd_usage_error(err, "logs", "unknown option '%s' with --swarm", argv[optind - 1]);
    }
    struct workspace ws;
    if (workspace_open(g, (const char *const *)argv + optind, argc - optind, &ws, err) < 0)
        return -1;
    json_t *st = NULL;
    int rc = swarm_status(ws.engine, ws.project->name, &st, err);
    size_t i;
    json_t *s;
    if (follow && rc == 0 && json_array_size(st) > 1)
        rc = berr_set(err, BERR_USAGE, "logs --swarm -f follows one service: name one target "
                                       "(part:instance)");
    json_array_foreach(st, i, s) {
        if (rc < 0)
            break;
        const char *part = json_string_value(json_object_get(s, "part"));
        const char *inst = json_string_value(json_object_get(s, "instance"));
        int pi = part ? project_find(ws.project, part) : -1;
        if (pi < 0 || !ws.sel->part[pi] || ws.sel->needed[pi])
            continue;
        int ii = inst && ws.project->parts[pi].container
                     ? container_instance(ws.project->parts[pi].container, inst) : -1;
        if (ii >= 0 && ws.sel->instance && ws.sel->instance[pi] && !ws.sel->instance[pi][ii])
            continue;
        rc = swarm_logs(ws.engine, json_string_value(json_object_get(s, "id")), tail, follow,
                        put_line, NULL, err);
    }
    json_decref(st);
    workspace_close(&ws);
    return rc;
}

/* down --swarm [--volumes] */
int cmd_swarm_down(cli *g, int argc, char **argv, berr **err)
{
    static const struct option opts[] = {
        {"swarm", no_argument, NULL, 'S'},
        {"volumes", no_argument, NULL, 'V'},
        {"yes", no_argument, NULL, 'y'},
        {NULL, 0, NULL, 0},
    };
    bool volumes = false;
    int c;
    while ((c = getopt_long(argc, argv, ":y", opts, NULL)) != -1) {
        if (c == 'S' || c == 'y')
            continue;
        if (c == 'V')
            volumes = true;
        else
            return c == ':' ? cmd_option_error(err, "down", argv, c)
                        : cmd_usage_error(err, "down", "unknown option '%s' with --swarm", argv[optind - 1]);
    }
    if (optind < argc)
        return cmd_usage_error(err, "down", "--swarm removes the whole deployed project: no targets");
    struct workspace ws;
    if (workspace_open(g, NULL, 0, &ws, err) < 0)
        return -1;
    progress *pg = progress_new(g->progress);
    int rc = swarm_check_manager(ws.engine, err);
    if (rc == 0)
        rc = swarm_down(ws.engine, ws.project->name, volumes, progress_reporter(pg), err);
    progress_end(pg);
    workspace_close(&ws);
    return rc;
}
