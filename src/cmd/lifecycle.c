/* berth stop, start, restart: the project's containers, in parallel.
 *
 * Each container is stopped with its own grace (the berth.stop-timeout
 * label it was created with): a stop in parallel costs the longest grace,
 * not their sum. Nothing is created or removed here: that is up and down. */
#include <getopt.h>
#include <stdio.h>

#include "engine/api.h"
#include "cmd.h"
#include "progress.h"
#include "converge/targets.h"
#include "base/util.h"

#define PARALLEL_DEFAULT 8

enum op { OP_STOP, OP_START, OP_RESTART };

static const char *const op_name[] = {"stop", "start", "restart"};

static const char usage_stop[] =
    "usage: berth stop [-t SECONDS] [TARGET...]\n"
    "\n"
    "Stop the project's running containers in parallel (--parallel, default 8),\n"
    "each given its own grace before the engine kills it: the stop timeout of\n"
    "its part (label berth.stop-timeout, default 10 seconds).\n"
    "\n"
    "targets: all (the default), PART, or PART:INSTANCE; several at once.\n"
    "\n"
    "options:\n"
    "  -t, --timeout SECONDS  grace for every container, overriding their own\n";

static const char usage_start[] =
    "usage: berth start [TARGET...]\n"
    "\n"
    "Start the project's stopped containers in parallel (--parallel, default 8),\n"
    "as they are: `berth up` is what creates or updates them.\n"
    "\n"
    "targets: all (the default), PART, or PART:INSTANCE; several at once.\n";

static const char usage_restart[] =
    "usage: berth restart [-t SECONDS] [TARGET...]\n"
    "\n"
    "Stop, then start again, each of the project's containers (stopped ones are\n"
    "just started), in parallel (--parallel, default 8). The stop grace is each\n"
    "container's own (label berth.stop-timeout, default 10 seconds).\n"
    "\n"
    "targets: all (the default), PART, or PART:INSTANCE; several at once.\n"
    "\n"
    "options:\n"
    "  -t, --timeout SECONDS  grace for every container, overriding their own\n";

struct job {
    reporter *rep;
    enum op op;
    int timeout; /* -t, or -1: each container's own */
};

static int fail(struct job *j, struct target *t, berr **err)
{
    report(j->rep, EV_FAIL, t->subject, "failed", *err ? (*err)->msg : "failed");
    return -1;
}

static int run_one(void *ud, struct target *t, berr **err)
{
    struct job *j = ud;
    if (j->op != OP_START && target_is_up(t)) {
        report(j->rep, EV_STATE, t->subject, "stopping", NULL);
        int grace = j->timeout >= 0 ? j->timeout : t->stop_timeout;
        if (api_container_stop(t->e, t->id, grace, err) < 0)
            return fail(j, t, err);
    }
    if (j->op != OP_STOP) {
        report(j->rep, EV_STATE, t->subject, "starting", NULL);
        if (api_container_start(t->e, t->id, err) < 0)
            return fail(j, t, err);
    }
    report(j->rep, EV_DONE, t->subject, j->op == OP_STOP ? "stopped"
                                        : j->op == OP_START ? "started" : "restarted", NULL);
    return 0;
}

/* Which selected containers an operation has work for. */
static bool wants(enum op op, const struct target *t)
{
    switch (op) {
    case OP_STOP: return target_is_up(t);
    /* paused is up but cannot be started: unpausing is not ours to decide */
    case OP_START: return !target_is_up(t);
    case OP_RESTART: return true;
    }
    return false;
}

static int lifecycle(cli *g, int argc, char **argv, enum op op, berr **err)
{
    static const struct option opts[] = {
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *name = op_name[op];
    const char *usage = op == OP_STOP ? usage_stop : op == OP_START ? usage_start : usage_restart;
    struct job job = {.op = op, .timeout = -1};
    int c;
    /* start takes no -t; the leading ':' tells a missing value from an unknown option */
    while ((c = getopt_long(argc, argv, op == OP_START ? ":h" : ":t:h", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            if (op == OP_START)
                return cmd_usage_error(err, name, "unknown option '%s'", argv[optind - 1]);
            if (stop_timeout_parse(optarg, &job.timeout) < 0)
                return cmd_usage_error(err, name, "--timeout: '%s' is not a whole number of "
                                       "seconds from 0 to %d", optarg, STOP_TIMEOUT_MAX);
            break;
        case 'h': fputs(usage, stdout); return 0;
        default: return cmd_option_error(err, name, argv, c);
        }
    }
    struct scope_opts so = {
        .project = {.dir = g->dir, .file = g->file, .name = g->project, .sets = g->sets,
                    .nsets = g->nsets, .reader = &g->reader},
        .engine_url = g->engine_url,
        .targets = (const char *const *)argv + optind,
        .ntargets = argc - optind,
    };
    struct scope s;
    if (scope_open(&so, &s, err) < 0) {
        if (*err && (*err)->code == BERR_USAGE)
            berr_wrap(err, "%s", name);
        scope_close(&s);
        return -1;
    }
    struct target **todo = xcalloc(s.nall ? s.nall : 1, sizeof *todo);
    size_t n = 0, selected = 0;
    for (size_t i = 0; i < s.nall; i++) {
        selected += s.all[i].selected;
        if (s.all[i].selected && wants(op, &s.all[i]))
            todo[n++] = &s.all[i];
    }
    progress *pg = progress_new(g->progress);
    job.rep = progress_reporter(pg);
    int rc = 0;
    if (n == 0) {
        if (!selected)
            reportf(job.rep, EV_NOTE, NULL, NULL, "nothing to %s: no containers of project '%s'%s",
                    name, s.name, s.whole ? "" : " match");
        else
            reportf(job.rep, EV_NOTE, NULL, NULL, "nothing to %s: %zu container%s already %s",
                    name, selected, selected == 1 ? "" : "s",
                    op == OP_STOP ? "stopped" : "running");
    } else {
        rc = targets_each(todo, n, g->parallel ? g->parallel : PARALLEL_DEFAULT, run_one, &job,
                          err);
        if (rc < 0)
            berr_wrap(err, "%s", name);
    }
    progress_end(pg);
    /* An engine that did not answer: the others' containers were done. */
    if (rc == 0 && s.down)
        rc = berr_set(err, s.down->code, "%s: %s", name, s.down->msg);
    free(todo);
    scope_close(&s);
    return rc;
}

int cmd_stop(cli *g, int argc, char **argv, berr **err)
{
    return lifecycle(g, argc, argv, OP_STOP, err);
}

int cmd_start(cli *g, int argc, char **argv, berr **err)
{
    return lifecycle(g, argc, argv, OP_START, err);
}

int cmd_restart(cli *g, int argc, char **argv, berr **err)
{
    return lifecycle(g, argc, argv, OP_RESTART, err);
}
