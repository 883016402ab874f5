/* berth up: converge the engine to the project, only the difference. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "converge/converge.h"
#include "engine/engine.h"
#include "engine/http.h"
#include "progress.h"
#include "swarm/refuse.h"
#include "project/project.h"
#include "base/util.h"
#include "workspace.h"

static const char usage[] =
    "usage: berth up [options] [targets]\n"
    "\n"
    "Bring the project (or the targets: all, web, web:two, ...) to the state it\n"
    "describes: build images whose inputs changed, create what is missing,\n"
    "recreate what changed, start what is stopped; leave the rest alone. A second\n"
    "run with nothing changed makes no engine writes. The parts the targets need\n"
    "come along. Independent parts run in parallel (--parallel, default 8).\n"
    "\n"
    "options:\n"
    "  --force            rebuild images even when their inputs are unchanged\n"
    "  --remove-orphans   remove containers of the project that it no longer has\n"
    "  --wait             return only when every container is healthy (healthcheck)\n"
    "                     and ready (its ready command succeeds)\n"
    "  --wait-timeout D   the limit for each container (default: its ready-timeout)\n"
    "  --keep-failed      leave a container whose script or readiness failed\n"
    "                     (it is removed by default, so the next up makes it anew)\n"
    "  --wait-lock        when another berth is converging this project (up or\n"
    "                     down), wait for it to finish instead of failing\n"
    "  -h, --help         this help\n"
    "\n"
    "A container that others need always waits for its healthcheck and ready\n"
    "command before they start; a failed one shows its last log lines.\n"
    "\n"
    "The first Ctrl-C starts nothing new and lets running steps finish, so the\n"
    "next `up` converges from there; a second one aborts them.\n";

static volatile int cancel_start, cancel_transfers;

static void on_sigint(int sig)
{
    (void)sig;
    if (cancel_start) {
        cancel_transfers = 1;
        return;
    }
    cancel_start = 1;
    static const char msg[] = "\nberth: stopping after the running steps (Ctrl-C again aborts them)\n";
    ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)w;
}

static const char build_usage[] =
    "usage: berth build [options] [targets]\n"
    "\n"
    "Build (and bootstrap) only the images of the project, or those the targets\n"
    "need (web builds web's image and the images it is made FROM), in dependency\n"
    "order; an image whose inputs are unchanged is left alone, as `up` does.\n"
    "No container, network or volume is touched. DockerOps' `build`.\n"
    "\n"
    "options:\n"
    "  --force            rebuild images even when their inputs are unchanged\n"
    "  -h, --help         this help\n";

/* up and build: one converge, build limited to the image parts. */
static int converge_command(cli *g, int argc, char **argv, bool images_only, berr **err)
{
    /* (berth run PART, without -i, is up of that instance: errors name run) */
    const char *name = images_only ? "build" : streq(argv[0], "run") ? "run" : "up";
    static const struct option opts[] = {
        {"force", no_argument, NULL, 'F'},
        {"remove-orphans", no_argument, NULL, 'O'},
        {"wait", no_argument, NULL, 'W'},
        {"wait-timeout", required_argument, NULL, 'T'},
        {"keep-failed", no_argument, NULL, 'K'},
        {"wait-lock", no_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct up_opts o = {.parallel = g->parallel ? g->parallel : 8};
    bool wait_lock = false;
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'F': o.force_build = true; break;
        case 'O': o.remove_orphans = true; break;
        case 'W': o.wait = true; break;
        case 'K': o.keep_failed = true; break;
        case 'L': wait_lock = true; break;
        case 'T':
            if (parse_duration_option(name, "--wait-timeout", optarg, &o.wait_timeout_ms, err) < 0)
                return -1;
            o.wait = true;
            break;
        case 'h': fputs(images_only ? build_usage : usage, stdout); return 0;
        default: return cmd_option_error(err, name, argv, c);
        }
        if (images_only && c != 'F')
            return cmd_usage_error(err, name, "unknown option '%s'", argv[optind - 1]);
    }
    o.images_only = images_only;
    /* up web:interactive: a shell in the foreground, as berth run -i. */
    bool handled = false;
    int routed = images_only ? 0 : run_route(g, argc - optind, argv + optind, &handled, err);
    if (handled || routed < 0)
        return routed;
    struct workspace ws;
    if (workspace_open_engines(g, (const char *const *)argv + optind, argc - optind, &ws, err) < 0)
        return -1;
    if (swarm_refuse_outside_deploy(ws.project, ws.sel, "up", err) < 0) {
        workspace_close(&ws);
        return -1;
    }

    struct sigaction sa = {.sa_handler = on_sigint}, old_int, old_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    http_set_cancel_flag(&cancel_transfers);
    o.cancel = &cancel_start;

    /* One up (or down) of a project at a time: two at once made two default
     * networks and removed each other's bootstrap work (issue 13). */
    int lock = -1;
    if (project_lock(ws.project->dir, true, wait_lock, &cancel_start, &lock, err) < 0) {
        http_set_cancel_flag(NULL);
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        workspace_close(&ws);
        return -1;
    }
    progress *pg = progress_new(g->progress);
    o.rep = progress_reporter(pg);
    struct plan pl;
    long long t0 = now_ms();
    int rc = converge_engines(ws.engines, ws.project, ws.sel, &o, &pl, err);
    size_t changed = 0;
    for (size_t i = 0; i < pl.n; i++)
        changed += !streq(pl.v[i].verb, "none") && !streq(pl.v[i].verb, "skip");
    for (size_t i = 0; i < pl.n; i++)
        if (pl.v[i].note != NOTE_NONE)
            reportf(o.rep, EV_NOTE, NULL, NULL, "note: %s: %s", pl.v[i].subject, pl.v[i].reason);
    if (rc == 0)
        reportf(o.rep, EV_NOTE, NULL, NULL, "%s: %zu change(s), %zu up to date, %.1fs",
                ws.project->name, changed, pl.n - changed, (double)(now_ms() - t0) / 1000.0);
    progress_end(pg);
    plan_clear(&pl);
    http_set_cancel_flag(NULL);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    project_unlock(lock);
    workspace_close(&ws);
    return rc;
}

int cmd_up(cli *g, int argc, char **argv, berr **err)
{
    return converge_command(g, argc, argv, false, err);
}

int cmd_build(cli *g, int argc, char **argv, berr **err)
{
    return converge_command(g, argc, argv, true, err);
}
