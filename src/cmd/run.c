/* berth run -i: interactive and safemode instances (DockerOps, seed 001).
 *
 * The instance's container is made from the same desired state `up` uses
 * (desired_container), with a shell in the foreground instead of its
 * command (desired_interactive), attached to this terminal, and removed
 * when the shell exits. A safemode instance also skips entrypoint-local.sh,
 * and, by its type's defaults, links. What the part needs (its image,
 * networks, linked containers) is brought up first, as `up` would.
 *
 * `up web:interactive` comes here too (run_route); `run` without -i or
 * --safemode is `up`. */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "engine/api.h"
#include "engine/owner.h"
#include "attach.h"
#include "cmd.h"
#include "converge/converge.h"
#include "converge/desired.h"
#include "converge/engines.h"
#include "converge/hostuser.h"
#include "progress.h"
#include "project/project.h"
#include "converge/linkaddr.h"
#include "base/util.h"

static const char usage[] =
    "usage: berth run -i|--safemode [-t|-T] PART[:INSTANCE] [-- COMMAND [ARG...]]\n"
    "       berth run [up options] [TARGET...]      (without -i: the same as up)\n"
    "\n"
    "Run an interactive instance of a container part: its container, made as\n"
    "`berth up` makes it, runs a shell (bash when the image has it, else sh; or\n"
    "COMMAND) in the foreground instead of its command, attached to this\n"
    "terminal, and is removed when the shell exits. berth exits with the\n"
    "shell's exit code. What the part needs (its image, networks, linked\n"
    "containers) is brought up first.\n"
    "\n"
    "The instance: PART:INSTANCE when given (declared with instance-type\n"
    "interactive or safemode, or not declared at all: then made for this run,\n"
    "of the type its name says, else of -i's or --safemode's); else\n"
    "PART:interactive (-i) or PART:safemode (--safemode). `berth up\n"
    "web:interactive` does the same as `berth run -i web`.\n"
    "\n"
    "options:\n"
    "  -i, --interactive   an interactive instance: linked, entrypoint-local.sh runs\n"
    "  --safemode          a safemode instance: no entrypoint-local.sh, not linked\n"
    "                      (by default), to debug an instance that cannot start\n"
    "  -t, --tty           a terminal even when berth is not on one\n"
    "  -T, --no-tty        never a terminal\n"
    "  -h, --help          this help\n";

/* ---- the container ---- */

/* A persistent volume bound to a host folder: the folder, then the volume. */
static int ensure_volume(engine *e, json_t *body, berr **err)
{
    const char *name = json_string_value(json_object_get(body, "Name"));
    cleanup_free char *path = xasprintf("/volumes/%s", name);
    json_t *j = NULL;
    if (api_get_found(e, path, &j, err) < 0)
        return -1;
    if (j) {
        json_decref(j);
        return api_volume_folder(body, err); /* .berth/ may have been deleted */
    }
    return api_volume_create(e, body, err);
}

/* A container by the instance's name: a leftover of an earlier run (ours,
 * stopped) goes; a running one is another session; anything else is not
 * ours to touch. */
static int clear_name(engine *e, const struct project *p, const char *name, const char *subject,
                      berr **err)
{
    json_t *j = NULL;
    if (api_container_inspect(e, name, &j, err) < 0)
        return -1;
    if (!j)
        return 0;
    json_t *labels = json_object_get(json_object_get(j, "Config"), "Labels");
    const char *o = owner_of_container(labels, name);
    cleanup_free char *owner = o ? xstrdup(o) : NULL;
    bool running = json_is_true(json_object_get(json_object_get(j, "State"), "Running"));
    cleanup_free char *id = xstrdup(json_string_value(json_object_get(j, "Id")));
    json_decref(j);
    if (!streq(owner, p->name))
        return berr_set(err, BERR_FAILURE, "a container named '%s' already exists and %s; berth "
                        "never touches it: remove or rename it", name,
                        owner ? "belongs to another berth project" : "was not made by berth");
    if (running)
        return berr_set(err, BERR_FAILURE, "%s is already running (another session?): "
                        "`berth shell %s` joins it, `berth down %s` removes it", subject,
                        subject, subject);
    return api_container_remove(e, id, true, err);
}

static void remove_quietly(engine *e, const char *id)
{
    cleanup_free char *path = xasprintf("/containers/%s?force=1&v=1", id);
    struct engine_req r = {.method = "DELETE", .path = path};
    berr *ignored = NULL;
    engine_call(e, &r, NULL, NULL, &ignored);
    berr_free(ignored);
}

struct run_req {
    const char *target;  /* PART:INSTANCE */
    char **argv;         /* COMMAND, or NULL for the shell */
    int tty;             /* 1 -t, -1 -T, 0 when stdin and stdout are terminals */
};

/* Everything after loading: the instance is known to be interactive. */
static int run_instance(cli *g, struct project *p, const struct run_req *rq, int pi, int ii,
                        berr **err)
{
    const struct part *pt = &p->parts[pi];
    const struct container *c = pt->container;
    const struct instance *in = &c->instances[ii];
    struct project_sel *sel = NULL;
    cleanup_engine engine *e = NULL;
    if (project_select(p, &rq->target, 1, true, &sel, err) < 0 ||
        engines_open(p, sel, g->engine_url, true, &e, err) < 0) {
        project_sel_free(sel);
        return -1;
    }

    /* What it needs, as up makes it (converge leaves the instance itself). */
    progress *pg = progress_new(g->progress);
    reporter *q = progress_quiet_new(progress_reporter(pg));
    struct up_opts uo = {.parallel = g->parallel ? g->parallel : 8, .rep = q};
    struct plan pl;
    int rc = converge(e, p, sel, &uo, &pl, err);
    plan_clear(&pl);
    progress_end(pg);
    progress_quiet_free(q);
    project_sel_free(sel);
    if (rc < 0)
        return -1;

    json_t *img = NULL;
    if (api_image_inspect(e, c->image, &img, err) < 0)
        return -1;
    if (!img)
        return berr_set(err, BERR_NOTFOUND, "image '%s' does not exist: add a build, bootstrap "
                        "or pull part that makes it, or name an existing image", c->image);
    struct image_facts facts = {.id = json_string_value(json_object_get(img, "Id")),
                                .config = json_object_get(img, "Config")};
    struct link_ip *links = NULL;
    size_t nlinks = 0;
    struct desired d = {0};
    rc = in->linked ? link_addresses(e, p, c, in, false, &links, &nlinks, err) : 0;
    if (rc < 0)
        berr_append(err, " (`berth run --safemode` runs without links)");
    if (rc == 0)
        rc = desired_container(p, pt, (size_t)ii, &facts, links, nlinks, &d, err);
    link_addresses_free(links, nlinks);
    bool in_ok = attach_stdin_usable();
    bool tty = rq->tty > 0 ||
               (rq->tty == 0 && in_ok && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO));
    if (rc == 0) {
        const char *const *argv = rq->argv ? (const char *const *)rq->argv : attach_shell_argv;
        desired_interactive(&d, c, in, argv, tty, attach_term());
        rc = clear_name(e, p, d.name, rq->target, err);
    }
    size_t i;
    json_t *v;
    json_array_foreach(d.volumes, i, v)
        if (rc == 0)
            rc = ensure_volume(e, v, err);
    cleanup_free char *id = NULL;
    if (rc == 0)
        rc = api_container_create(e, d.name, d.create, &id, err);
    json_array_foreach(d.connect, i, v) {
        if (rc < 0 || i == 0)
            continue; /* the first is joined at create */
        const char *net = json_string_value(json_object_get(v, "network"));
        cleanup_free char *path = xasprintf("/networks/%s/connect", net);
        json_t *body = json_pack("{s:s, s:{s:O}}", "Container", id, "EndpointConfig", "Aliases",
                                 json_object_get(v, "aliases"));
        if ((rc = engine_post(e, path, body, NULL, err)) < 0)
            berr_wrap(err, "join network %s", net);
        json_decref(body);
    }
    if (rc == 0 && c->user_is_host) {
        struct caller who; /* user = host: the caller exists inside */
        caller_identify(&who, NULL);
        rc = hostuser_install(e, id, &who, err);
    }
    struct session_end end = {0};
    if (rc == 0) {
        struct session_io io = {.tty = tty, .forward_stdin = in_ok};
        rc = attach_container(e, id, &io, &end, err);
    }
    if (id && !(rc == 0 && end.detached))
        remove_quietly(e, id); /* also on errors and interruptions */
    if (rc == 0 && end.detached)
        fprintf(stderr, "berth: detached from %s; it runs on until `berth down %s`\n",
                rq->target, rq->target);
    json_decref(img);
    desired_clear(&d);
    if (rc < 0) {
        if (*err && (*err)->code != BERR_INTERRUPTED)
            berr_wrap(err, "run %s", rq->target);
        return -1;
    }
    return end.detached ? 0 : end.exit_code;
}

/* Load the project with PART:INSTANCE made for this run when no file
 * declares it; find both. */
static int load(cli *g, const char *target, enum instance_type type, struct project **p, int *pi,
                int *ii, berr **err)
{
    struct project_opts po = {.dir = g->dir, .file = g->file, .name = g->project,
                              .sets = g->sets, .nsets = g->nsets, .reader = &g->reader, .adhoc_instance = target,
                              .adhoc_type = type};
    *p = NULL;
    if (project_load(&po, p, err) < 0)
        return -1;
    cleanup_free char *part = xstrndup(target, strcspn(target, ":"));
    const char *inst = strchr(target, ':') + 1;
    *pi = project_find(*p, part);
    if (*pi < 0 || !(*p)->parts[*pi].container) {
        struct project_sel *sel = NULL; /* its message names the nearest part */
        if (project_select(*p, &target, 1, false, &sel, err) == 0)
            berr_set(err, BERR_USAGE, "'%s' is not a container part", part);
        project_sel_free(sel);
        return -1;
    }
    *ii = container_instance((*p)->parts[*pi].container, inst);
    if (*ii < 0)
        return berr_set(err, BERR_USAGE, "'%s' is not an instance name (use lower-case letters, "
                        "digits and '_')", inst);
    return 0;
}

int run_route(cli *g, int ntargets, char **targets, bool *handled, berr **err)
{
    *handled = false;
    if (ntargets != 1 || !strchr(targets[0], ':'))
        return 0;
    /* Only names that are types become instances here: up never invents one. */
    int named = instance_type_from_name(strchr(targets[0], ':') + 1);
    struct run_req rq = {.target = targets[0]};
    struct project *p;
    int pi, ii;
    berr *lerr = NULL;
    if (load(g, targets[0], named >= 0 ? (enum instance_type)named : INSTANCE_INTERACTIVE, &p,
             &pi, &ii, &lerr) < 0 ||
        !p->parts[pi].container->instances[ii].interactive ||
        (named < 0 && p->parts[pi].container->instances[ii].adhoc)) {
        berr_free(lerr); /* up loads again and says it */
        if (p)
            project_free(p);
        return 0;
    }
    *handled = true;
    int rc = run_instance(g, p, &rq, pi, ii, err);
    project_free(p);
    return rc;
}

/* -i, --interactive, --safemode, or a cluster of short options with i. */
static bool wants_interactive(int argc, char **argv)
{
    for (int i = 1; i < argc && !streq(argv[i], "--"); i++) {
        const char *a = argv[i];
        if (streq(a, "--interactive") || streq(a, "--safemode") || streq(a, "--help") ||
            (a[0] == '-' && a[1] != '-' && strpbrk(a + 1, "ih")))
            return true;
    }
    return false;
}

int cmd_run(cli *g, int argc, char **argv, berr **err)
{
    if (!wants_interactive(argc, argv))
        return cmd_up(g, argc, argv, err);
    static const struct option opts[] = {
        {"interactive", no_argument, NULL, 'i'},
        {"safemode", no_argument, NULL, 'S'},
        {"tty", no_argument, NULL, 't'},
        {"no-tty", no_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct run_req rq = {0};
    bool safemode = false;
    int c;
    while ((c = getopt_long(argc, argv, "+:itTh", opts, NULL)) != -1) {
        switch (c) {
        case 'i': break;
        case 'S': safemode = true; break;
        case 't': rq.tty = rq.tty < 0 ? 2 : 1; break;
        case 'T': rq.tty = rq.tty > 0 ? 2 : -1; break;
        case 'h': fputs(usage, stdout); return 0;
        default: return cmd_option_error(err, "run", argv, c);
        }
    }
    if (rq.tty == 2)
        return cmd_usage_error(err, "run", "-t and -T contradict each other: choose one");
    if (optind >= argc || streq(argv[optind], "--"))
        return cmd_usage_error(err, "run", "name the part: berth run -i PART[:INSTANCE]");
    const char *arg = argv[optind++];
    if (optind < argc && !streq(argv[optind], "--"))
        return cmd_usage_error(err, "run", "one instance at a time; a command goes after `--`: "
                               "berth run -i %s -- %s", arg, argv[optind]);
    if (optind < argc) {
        rq.argv = argv + optind + 1;
        if (!*rq.argv)
            return cmd_usage_error(err, "run", "no command after `--`");
    }
    const char *colon = strchr(arg, ':');
    if (!*arg || colon == arg || (colon && (!colon[1] || strchr(colon + 1, ':'))))
        return cmd_usage_error(err, "run", "'%s' is not PART or PART:INSTANCE", arg);
    enum instance_type type = safemode ? INSTANCE_SAFEMODE : INSTANCE_INTERACTIVE;
    cleanup_free char *target = colon ? xstrdup(arg)
                                      : xasprintf("%s:%s", arg, instance_type_name(type));
    rq.target = target;
    struct project *p;
    int pi, ii;
    if (load(g, target, type, &p, &pi, &ii, err) < 0) {
        if (p)
            project_free(p);
        if (*err && (*err)->code == BERR_USAGE)
            berr_wrap(err, "run");
        return -1;
    }
    const struct instance *in = &p->parts[pi].container->instances[ii];
    int rc;
    if (!in->interactive || (safemode && in->type != INSTANCE_SAFEMODE))
        rc = cmd_usage_error(err, "run", "%s is a%s %s instance; %s starts %s ones: `berth run "
                             "%s %s` (made for the run), or set instance-type = %s for it",
                             target, in->type == INSTANCE_INTERACTIVE ? "n" : "",
                             instance_type_name(in->type), safemode ? "--safemode" : "-i",
                             safemode ? "safemode" : "interactive or safemode",
                             safemode ? "--safemode" : "-i", p->parts[pi].name,
                             safemode ? "safemode" : "interactive");
    else
        rc = run_instance(g, p, &rq, pi, ii, err);
    project_free(p);
    return rc;
}
