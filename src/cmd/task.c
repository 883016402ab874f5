/* berth task NAME [-- ARGS]: run a task part (seed 004's per-image
 * sub-commands), and `berth NAME ARGS` for a task whose name is no berth
 * command. The library makes the container's body (converge/task.c) and
 * the host user's entries (converge/hostuser.c); this file brings up what
 * the task needs, runs the container attached to this terminal, and
 * removes it. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "base/caller.h"
#include "base/util.h"
#include "cmd.h"
#include "converge/converge.h"
#include "converge/engines.h"
#include "converge/hostuser.h"
#include "converge/task.h"
#include "engine/api.h"
#include "progress.h"
#include "project/project.h"
#include "project/values.h"

static const char usage[] =
    "usage: berth task [-t|-T] NAME [--] [ARG...]\n"
    "       berth task --list\n"
    "       berth NAME [ARG...]        (when NAME is no berth command)\n"
    "\n"
    "Run a task part: its command, with ARGs appended (or where the command\n"
    "has the word ${args}), in a one-off container of its image, removed when\n"
    "the command ends; berth exits with the command's exit code. What the task\n"
    "needs (the part that makes its image, its networks and volumes) is\n"
    "brought up first, as `berth up` would.\n"
    "\n"
    "By default (user = host) the command runs as you, the calling user (under\n"
    "sudo: the user who ran sudo): your uid and gid, your name in the\n"
    "container's /etc/passwd and /etc/group, a writable HOME; the project\n"
    "folder is mounted at the same path (mount-source), so files the task\n"
    "writes there are yours. stdin is forwarded; a terminal is given when\n"
    "stdin and stdout are terminals. The part's `timeout` stops the command\n"
    "(exit 6).\n"
    "\n"
    "options:\n"
    "  -l, --list     list the project's tasks and their descriptions\n"
    "  -t, --tty      a terminal even when berth is not on one\n"
    "  -T, --no-tty   never a terminal\n"
    "  -h, --help     this help\n";

static int load(const cli *g, struct project **p, berr **err)
{
    struct project_opts po = {.dir = g->dir, .file = g->file, .name = g->project,
                              .sets = g->sets, .nsets = g->nsets, .reader = &g->reader};
    *p = NULL;
    return project_load(&po, p, err);
}

static void list_tasks(const struct project *p, FILE *out, const char *indent)
{
    for (size_t i = 0; i < p->nparts; i++) {
        const struct part *pt = &p->parts[i];
        if (pt->kind != PART_TASK)
            continue;
        const char *d = part_value(pt, "description");
        fprintf(out, "%s%-10s %s\n", indent, pt->name, d ? d : "");
    }
}

static size_t count_tasks(const struct project *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nparts; i++)
        n += p->parts[i].kind == PART_TASK;
    return n;
}

void task_help_list(const cli *g, FILE *out)
{
    struct project *p = NULL;
    berr *ignored = NULL;
    if (load(g, &p, &ignored) == 0 && count_tasks(p)) {
        fprintf(out, "\ntasks of project %s (berth task NAME, or berth NAME):\n", p->name);
        list_tasks(p, out, "  ");
    }
    berr_free(ignored);
    if (p)
        project_free(p);
}

static void remove_quietly(engine *e, const char *id)
{
    cleanup_free char *path = xasprintf("/containers/%s?force=1&v=1", id);
    struct engine_req r = {.method = "DELETE", .path = path};
    berr *ignored = NULL;
    engine_call(e, &r, NULL, NULL, &ignored);
    berr_free(ignored);
}

/* What the task needs, as up makes it; only what changed is shown. */
static int bring_up(const cli *g, engine *e, struct project *p, const char *name, berr **err)
{
    struct project_sel *sel = NULL;
    if (project_select(p, &name, 1, true, &sel, err) < 0)
        return -1;
    progress *pg = progress_new(g->progress);
    reporter *q = progress_quiet_new(progress_reporter(pg));
    struct up_opts uo = {.parallel = g->parallel ? g->parallel : 8, .rep = q};
    struct plan pl;
    int rc = converge(e, p, sel, &uo, &pl, err);
    plan_clear(&pl);
    progress_end(pg);
    progress_quiet_free(q);
    project_sel_free(sel);
    return rc;
}

static int join_networks(engine *e, const char *id, json_t *nets, berr **err)
{
    size_t i;
    json_t *v;
    json_array_foreach(nets, i, v) {
        cleanup_free char *path = api_path("/networks", json_string_value(v), "/connect");
        json_t *body = json_pack("{s:s}", "Container", id);
        int rc = engine_post(e, path, body, NULL, err);
        json_decref(body);
        if (rc < 0)
            return berr_wrap(err, "join network %s", json_string_value(v));
    }
    return 0;
}

/* The part's timeout: a watcher stops the container when it passes. */
struct watch {
    engine *e;
    const char *id;
    long long ms;
    pthread_mutex_t lock;
    pthread_cond_t done_cv;
    bool done, fired;
};

static void *watcher(void *ud)
{
    struct watch *w = ud;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)(w->ms / 1000);
    until.tv_nsec += (long)(w->ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->lock);
    int rc = 0;
    while (!w->done && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&w->done_cv, &w->lock, &until);
    bool fire = !w->done;
    w->fired = fire;
    pthread_mutex_unlock(&w->lock);
    if (fire) {
        berr *ignored = NULL; /* it may have ended a moment ago */
        api_container_stop(w->e, w->id, 0, &ignored);
        berr_free(ignored);
    }
    return NULL;
}

static int run_task(const cli *g, struct project *p, const struct part *pt,
                    const char *const *args, int tty_opt, berr **err)
{
    cleanup_engine engine *e = NULL;
    /* The engine the task and what it needs live on (converge/engines.h). */
    struct project_sel *sel = NULL;
    int orc = project_select(p, &pt->name, 1, true, &sel, err);
    if (orc == 0)
        orc = engines_open(p, sel, g->engine_url, true, &e, err);
    project_sel_free(sel);
    if (orc < 0 || bring_up(g, e, p, pt->name, err) < 0)
        return -1;
    json_t *img = NULL;
    if (api_image_inspect(e, pt->image, &img, err) < 0)
        return -1;
    if (!img)
        return berr_set(err, BERR_NOTFOUND, "image '%s' does not exist: add a build, bootstrap, "
                        "assemble or pull part that makes it, or name an existing image",
                        pt->image);
    json_decref(img);

    struct caller who;
    caller_identify(&who, NULL);
    bool in_ok = attach_stdin_usable();
    bool tty = tty_opt > 0 || (tty_opt == 0 && (streq(part_value(pt, "tty"), "true") ||
                                                (in_ok && isatty(STDIN_FILENO) &&
                                                 isatty(STDOUT_FILENO))));
    cleanup_free char *suffix = xasprintf("%ld", (long)getpid());
    struct task_call call = {.args = args, .tty = tty, .term = attach_term(), .who = &who,
                             .suffix = suffix};
    cleanup_free char *name = NULL;
    json_t *body = NULL, *nets = NULL;
    int rc = task_container(p, pt, &call, &name, &body, &nets, err);
    cleanup_free char *id = NULL;
    if (rc == 0)
        rc = api_container_create(e, name, body, &id, err);
    if (rc == 0)
        rc = join_networks(e, id, nets, err);
    if (rc == 0 && task_as_host(pt))
        rc = hostuser_install(e, id, &who, err);
    struct session_end end = {0};
    long long limit = 0;
    const char *to = part_value(pt, "timeout");
    if (to)
        parse_duration(to, &limit);
    struct watch w = {.e = e, .id = id, .ms = limit, .lock = PTHREAD_MUTEX_INITIALIZER,
                      .done_cv = PTHREAD_COND_INITIALIZER};
    pthread_t wt;
    bool watching = rc == 0 && limit > 0 && pthread_create(&wt, NULL, watcher, &w) == 0;
    if (rc == 0) {
        struct session_io io = {.tty = tty, .forward_stdin = in_ok};
        rc = attach_container(e, id, &io, &end, err);
    }
    if (watching) {
        pthread_mutex_lock(&w.lock);
        w.done = true;
        pthread_cond_signal(&w.done_cv);
        pthread_mutex_unlock(&w.lock);
        pthread_join(wt, NULL);
        if (w.fired) {
            berr_freep(err);
            rc = berr_set(err, BERR_TIMEOUT, "timeout = %s passed (the part's 'timeout'): "
                          "the command was stopped", to);
        }
    }
    if (id)
        remove_quietly(e, id); /* on success, failure and interruption alike */
    json_decref(body);
    json_decref(nets);
    if (rc < 0) {
        if (*err && (*err)->code != BERR_INTERRUPTED)
            berr_wrap(err, "task %s", pt->name);
        return -1;
    }
    if (end.detached)
        return berr_set(err, BERR_FAILURE, "task %s: the stream ended while the command ran; "
                        "its container was removed", pt->name);
    return end.exit_code;
}

/* The task part NAME, or an error naming the project's tasks. */
static int find_task(struct project *p, const char *name, const struct part **out, berr **err)
{
    int i = project_find(p, name);
    if (i >= 0 && p->parts[i].kind == PART_TASK) {
        *out = &p->parts[i];
        return 0;
    }
    strbuf names = STRBUF_INIT;
    for (size_t k = 0; k < p->nparts; k++)
        if (p->parts[k].kind == PART_TASK)
            sb_addf(&names, "%s%s", names.len ? ", " : "", p->parts[k].name);
    int rc = berr_set(err, BERR_USAGE, "task: '%s' is %s; the project's tasks: %s", name,
                      i >= 0 ? "not a task part" : "no part of this project",
                      names.len ? names.buf : "none");
    sb_release(&names);
    return rc;
}

int cmd_task(cli *g, int argc, char **argv, berr **err)
{
    int tty = 0;
    bool list = false;
    int i = 1;
    /* Options come before NAME; everything after NAME is the task's. */
    for (; i < argc && argv[i][0] == '-' && !streq(argv[i], "--"); i++) {
        const char *a = argv[i];
        if (streq(a, "-h") || streq(a, "--help")) {
            fputs(usage, stdout);
            return 0;
        } else if (streq(a, "-l") || streq(a, "--list")) {
            list = true;
        } else if (streq(a, "-t") || streq(a, "--tty")) {
            tty = tty < 0 ? 2 : 1;
        } else if (streq(a, "-T") || streq(a, "--no-tty")) {
            tty = tty > 0 ? 2 : -1;
        } else {
            return cmd_usage_error(err, "task", "unknown option '%s'", a);
        }
    }
    if (tty == 2)
        return cmd_usage_error(err, "task", "-t and -T contradict each other: choose one");
    if (i < argc && streq(argv[i], "--"))
        i++;
    if (!list && i >= argc)
        return cmd_usage_error(err, "task", "name the task (berth task --list lists them)");
    if (list && i < argc)
        return cmd_usage_error(err, "task", "--list takes no task name");
    struct project *p = NULL;
    if (load(g, &p, err) < 0)
        return -1;
    int rc = 0;
    if (list) {
        list_tasks(p, stdout, "");
    } else {
        const struct part *pt = NULL;
        const char *name = argv[i++];
        if (i < argc && streq(argv[i], "--"))
            i++;
        rc = find_task(p, name, &pt, err);
        if (rc == 0)
            rc = run_task(g, p, pt, (const char *const *)argv + i, tty, err);
    }
    project_free(p);
    return rc;
}

int task_route(cli *g, int argc, char **argv, bool *handled, berr **err)
{
    *handled = false;
    struct project *p = NULL;
    berr *lerr = NULL;
    if (load(g, &p, &lerr) < 0) {
        berr_free(lerr); /* no project here, or a broken one: the caller says "no command" */
        if (p)
            project_free(p);
        return 0;
    }
    int pi = project_find(p, argv[0]);
    if (pi < 0 || p->parts[pi].kind != PART_TASK) {
        project_free(p);
        return 0;
    }
    *handled = true;
    int i = 1;
    if (i < argc && streq(argv[i], "--"))
        i++;
    int rc = run_task(g, p, &p->parts[pi], (const char *const *)argv + i, 0, err);
    project_free(p);
    return rc;
}
