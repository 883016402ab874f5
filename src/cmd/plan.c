/* berth plan: the parts `up` would handle, in dependency order, grouped in
 * stages (the parts of one stage need nothing from each other and can run in
 * parallel); then, when the engine answers, what `up` would change there and
 * why: a dry run of the same converge, which writes nothing. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "workspace.h"
#include "converge/converge.h"
#include "converge/engines.h"
#include "engine/engine.h"
#include "project/project.h"
#include "swarm/refuse.h"
#include "base/strbuf.h"
#include "base/util.h"

static const char usage[] =
    "usage: berth plan [--format text|json] [--order] [--force] [--remove-orphans] [TARGET...]\n"
    "\n"
    "Show the parts `berth up` would handle, in dependency order, numbered in\n"
    "stages: the parts of one stage can run in parallel. TARGETs (all, web,\n"
    "web:two) select parts and instances; the parts they need are included.\n"
    "\n"
    "Then, when the engine answers, the diff: each action `up` would take (build,\n"
    "create, recreate, start, remove) and why (missing, inputs changed, which\n"
    "settings changed, image rebuilt, orphan), or \"nothing to do\". A step that\n"
    "would fail (a missing image, a changed network, an archive's digest) is\n"
    "shown as \"fail ... would fail: why\" with the rest of the plan, and plan\n"
    "then exits 1. Nothing is written to the engine. Without an engine, only the\n"
    "order is shown.\n"
    "\n"
    "options:\n"
    "  --format FORMAT   text (the default) or json\n"
    "  --order           the order only: do not ask the engine\n"
    "  --force           plan for `up --force`: every image rebuilt\n"
    "  --remove-orphans  plan for `up --remove-orphans`\n"
    "  --swarm           what `berth deploy` would change on the swarm, and why\n"
    "  -h, --help        this help\n";

/* A dry-run converge, on each part's own engine. 1: no engine answered
 * (order only); 0: done (an engine that did not answer fails its parts'
 * steps in the plan, marked "fail"). */
static int diff(const cli *g, const struct project *p, const struct project_sel *sel,
                const struct up_opts *as_up, struct plan *pl, char **unreachable, berr **err)
{
    struct up_opts o = {.parallel = g->parallel ? g->parallel : 8, .dry_run = true,
                        .force_build = as_up->force_build,
                        .remove_orphans = as_up->remove_orphans};
    berr *e2 = NULL;
    struct engine_set *es = engines_new(p, g->engine_url, false);
    int rc = swarm_refuse_outside_deploy(p, sel, "plan", &e2); /* plan --swarm: deploy.c */
    if (rc == 0)
        rc = converge_engines(es, p, sel, &o, pl, &e2);
    /* Only engines that cannot be reached at all leave the order alone to
     * show; one that answers wrongly, or is lost mid-way, is an error. */
    bool reached = false;
    for (size_t k = 0; k < engines_nslots(es); k++)
        reached = reached || engines_answered(es, k);
    engines_free(es);
    /* Several engines, none answering: the order alone, with the first
     * reason (a private engine up would start is no failure). */
    for (size_t i = 0; rc == 0 && !reached && i < pl->n; i++) {
        if (streq(pl->v[i].verb, "fail") && starts_with(pl->v[i].reason, "would fail: ")) {
            *unreachable = xstrdup(pl->v[i].reason + strlen("would fail: "));
            plan_clear(pl);
            return 1;
        }
    }
    if (rc < 0 && !reached && e2->code == BERR_UNREACHABLE) {
        *unreachable = xstrdup(e2->msg);
        berr_free(e2);
        plan_clear(pl);
        return 1;
    }
    if (rc < 0)
        berr_move(err, &e2);
    return rc;
}

static size_t count_changes(const struct plan *pl)
{
    size_t n = 0;
    for (size_t i = 0; i < pl->n; i++)
        n += !streq(pl->v[i].verb, "none") && !streq(pl->v[i].verb, "skip");
    return n;
}

/* Steps a dry run found would fail (verb "fail"). */
static size_t count_failing(const struct plan *pl)
{
    size_t n = 0;
    for (size_t i = 0; i < pl->n; i++)
        n += streq(pl->v[i].verb, "fail");
    return n;
}

static bool is_change(const struct action *a)
{
    return !streq(a->verb, "none") && !streq(a->verb, "skip");
}

/* s, then spaces up to width (printf's %-*s), into o: a plan of 2,000 parts
 * prints 6,000 lines, and printf's parsing of its format was most of it. */
static void pad(strbuf *o, const char *s, int width)
{
    size_t n = strlen(s);
    sb_add(o, s, n);
    for (; (int)n < width; n++)
        sb_addc(o, ' ');
}

/* The changes, grouped by the engine they happen on when there are several. */
static void put_actions_text(const struct plan *pl)
{
    size_t changes = count_changes(pl);
    if (!changes) {
        printf("\nnothing to do: the engine matches the project\n");
        return;
    }
    const char **engines = xcalloc(pl->n + 1, sizeof *engines);
    size_t ne = 0;
    for (size_t i = 0; i < pl->n; i++) {
        const char *e = pl->v[i].engine ? pl->v[i].engine : "";
        size_t k = 0;
        while (k < ne && !streq(engines[k], e))
            k++;
        if (k == ne)
            engines[ne++] = e;
    }
    for (size_t k = 0; k < ne; k++) {
        size_t here = 0;
        for (size_t i = 0; i < pl->n; i++)
            here += is_change(&pl->v[i]) && streq(pl->v[i].engine ? pl->v[i].engine : "", engines[k]);
        if (ne == 1)
            printf("\nchanges (%zu):\n", changes);
        else if (here)
            printf("\nchanges on engine %s (%zu):\n", engines[k], here);
        else
            printf("\nengine %s: nothing to do\n", engines[k]);
        strbuf line = STRBUF_INIT;
        for (size_t i = 0; i < pl->n; i++) {
            if (!is_change(&pl->v[i]) || !streq(pl->v[i].engine ? pl->v[i].engine : "", engines[k]))
                continue;
            sb_reset(&line);
            sb_adds(&line, "  ");
            pad(&line, pl->v[i].verb, 9);
            sb_addc(&line, ' ');
            pad(&line, pl->v[i].subject, 28);
            sb_addc(&line, ' ');
            sb_adds(&line, pl->v[i].reason);
            sb_addc(&line, '\n');
            fwrite(line.buf, 1, line.len, stdout);
        }
        sb_release(&line);
    }
    free(engines);
    for (size_t i = 0; i < pl->n; i++)
        if (pl->v[i].note != NOTE_NONE && !is_change(&pl->v[i]))
            printf("  note: %s: %s\n", pl->v[i].subject, pl->v[i].reason);
}

static json_t *actions_json(const struct plan *pl)
{
    json_t *a = json_array();
    for (size_t i = 0; i < pl->n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s*}", "subject", pl->v[i].subject,
                                           "action", pl->v[i].verb, "reason", pl->v[i].reason,
                                           "engine", pl->v[i].engine));
    return a;
}

/* What the part stands for, in a few words. */
static void describe(strbuf *sb, const struct project *p, const struct part *pt,
                     const bool *inst_sel)
{
    const char *v;
    switch (pt->kind) {
    case PART_BUILD:
    case PART_BOOTSTRAP:
    case PART_ASSEMBLE: sb_addf(sb, "image %s", pt->image ? pt->image : "?"); break;
    case PART_PULL: sb_addf(sb, "pull %s", pt->image ? pt->image : "?"); break;
    case PART_PUSH: sb_addf(sb, "push %s", pt->image ? pt->image : "?"); break;
    case PART_NETWORK:
    case PART_VOLUME:
        sb_addf(sb, "%s %s", part_kind_name(pt->kind), part_value(pt, "name"));
        break;
    case PART_COPY:
        sb_addf(sb, "copy %s -> %s", part_value(pt, "container-from"),
                part_value(pt, "container-to"));
        break;
    case PART_DISKIMAGE:
        sb_addf(sb, "disk image %s from %s", part_value(pt, "output"), pt->image ? pt->image : "?");
        break;
    case PART_TASK: sb_addf(sb, "task on %s (runs on demand)", pt->image); break;
    case PART_ENGINE:
        v = part_value(pt, "url");
        sb_addf(sb, "engine %s", v ? v : part_value(pt, "dir"));
        break;
    case PART_CONTAINER: {
        const struct container *c = pt->container;
        const char *sep = "";
        for (size_t j = 0; j < c->ninstances; j++) {
            if (!inst_sel[j])
                continue;
            sb_addf(sb, "%s%s (%s)", sep, c->instances[j].container_name,
                    instance_type_name(c->instances[j].type));
            sep = ", ";
        }
        break;
    }
    case PART_KIND_COUNT: break;
    }
    (void)p;
}

static void put_text(const struct project *p, const struct project_sel *sel, const size_t *order,
                     size_t n)
{
    int width = 4;
    int nstages = 0;
    for (size_t i = 0; i < n; i++) {
        const struct part *pt = &p->parts[order[i]];
        if ((int)strlen(pt->name) > width)
            width = (int)strlen(pt->name);
        if (pt->level + 1 > nstages)
            nstages = pt->level + 1;
    }
    printf("project %s: %zu part%s in %d stage%s (the parts of one stage can run in parallel)\n",
           p->name, n, n == 1 ? "" : "s", nstages, nstages == 1 ? "" : "s");
    strbuf sb = STRBUF_INIT, line = STRBUF_INIT;
    int stage = -1, shown = 0;
    for (size_t i = 0; i < n; i++) {
        const struct part *pt = &p->parts[order[i]];
        if (pt->level != stage) {
            stage = pt->level;
            printf("\nstage %d:\n", ++shown);
        }
        sb_reset(&sb);
        describe(&sb, p, pt, sel->instance[order[i]]);
        sb_reset(&line);
        sb_adds(&line, "  ");
        pad(&line, pt->name, width);
        sb_adds(&line, "  ");
        pad(&line, part_kind_name(pt->kind), 9);
        sb_adds(&line, "  ");
        sb_add(&line, sb.buf, sb.len);
        const char *sep = "  (needs ";
        for (size_t k = 0; k < pt->ndeps; k++) {
            sb_adds(&line, sep);
            sb_adds(&line, p->parts[pt->deps[k].part].name);
            sep = ", ";
        }
        sb_adds(&line, pt->ndeps ? ")\n" : "\n");
        fwrite(line.buf, 1, line.len, stdout);
    }
    sb_release(&line);
    sb_release(&sb);
}

static int put_json(const struct project *p, const struct project_sel *sel, const size_t *order,
                    size_t n, const struct plan *pl, const char *unreachable)
{
    json_t *root = json_object(), *stages = json_array(), *cur = NULL;
    json_object_set_new(root, "project", json_string(p->name));
    int stage = -1;
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < n; i++) {
        const struct part *pt = &p->parts[order[i]];
        if (pt->level != stage) {
            stage = pt->level;
            json_t *st = json_object();
            json_object_set_new(st, "stage", json_integer((json_int_t)json_array_size(stages) + 1));
            cur = json_array();
            json_object_set_new(st, "parts", cur);
            json_array_append_new(stages, st);
        }
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(pt->name));
        json_object_set_new(o, "kind", json_string(part_kind_name(pt->kind)));
        sb_reset(&sb);
        describe(&sb, p, pt, sel->instance[order[i]]);
        json_object_set_new(o, "what", json_string(sb.buf));
        if (pt->image)
            json_object_set_new(o, "image", json_string(pt->image));
        if (pt->container) {
            json_t *names = json_array();
            for (size_t j = 0; j < pt->container->ninstances; j++)
                if (sel->instance[order[i]][j])
                    json_array_append_new(
                        names, json_string(pt->container->instances[j].container_name));
            json_object_set_new(o, "containers", names);
        }
        json_t *needs = json_array();
        for (size_t k = 0; k < pt->ndeps; k++)
            json_array_append_new(needs, json_string(p->parts[pt->deps[k].part].name));
        json_object_set_new(o, "needs", needs);
        json_object_set_new(o, "dependency_only", json_boolean(sel->needed[order[i]]));
        json_array_append_new(cur, o);
    }
    sb_release(&sb);
    json_object_set_new(root, "stages", stages);
    if (pl) {
        json_object_set_new(root, "changes", json_integer((json_int_t)count_changes(pl)));
        json_object_set_new(root, "actions", actions_json(pl));
        json_object_set_new(root, "would_fail", json_integer((json_int_t)count_failing(pl)));
    } else if (unreachable) {
        json_object_set_new(root, "engine", json_string(unreachable));
    }
    int rc = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    putchar('\n');
    json_decref(root);
    return rc;
}

int cmd_plan(cli *g, int argc, char **argv, berr **err)
{
    if (cmd_wants_swarm(argc, argv)) /* the deployed project (deploy.c) */
        return cmd_swarm_plan(g, argc, argv, err);
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'F'},
        {"order", no_argument, NULL, 'O'},
        {"force", no_argument, NULL, 'f'},
        {"remove-orphans", no_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    enum out_format fmt = FORMAT_TEXT;
    bool order_only = false;
    struct up_opts as_up = {0};
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'F':
            if (parse_format(optarg, &fmt, err) < 0)
                return -1;
            break;
        case 'O': order_only = true; break;
        case 'f': as_up.force_build = true; break;
        case 'R': as_up.remove_orphans = true; break;
        case 'h': fputs(usage, stdout); return 0;
        default: return cmd_option_error(err, "plan", argv, c);
        }
    }
    /* With the instances made on the fly that exist (the engine knows them
     * by label); plan makes none, so web:tow stays a typo to point out. */
    struct project *p = NULL;
    if (workspace_load(g, NULL, 0, NULL, &p, err) < 0)
        return -1; /* an invalid project reaches no engine */
    engine *fly_e = NULL;
    int loaded = 0;
    if (!order_only && engine_open(g->engine_url, &fly_e, NULL) == 0)
        loaded = workspace_load(g, NULL, 0, fly_e, &p, err);
    engine_free(fly_e);
    if (loaded < 0)
        return -1;
    struct project_sel *sel = NULL;
    size_t *order = NULL, n = 0;
    struct plan pl = {0};
    char *unreachable = NULL;
    int rc = -1;
    if (project_select(p, (const char *const *)argv + optind, argc - optind, true, &sel, err) < 0 ||
        project_order(p, sel, &order, &n, err) < 0)
        goto out;
    int d = order_only ? 1 : diff(g, p, sel, &as_up, &pl, &unreachable, err);
    if (d < 0)
        goto out;
    if (fmt == FORMAT_JSON) {
        rc = put_json(p, sel, order, n, d == 0 ? &pl : NULL, unreachable) < 0 ? -1 : 0;
    } else {
        put_text(p, sel, order, n);
        if (d == 0)
            put_actions_text(&pl);
        else if (unreachable)
            printf("\n(order only: %s)\n", unreachable);
        rc = 0;
    }
    if (rc < 0 || fflush(stdout) != 0)
        rc = berr_set(err, BERR_FAILURE, "plan: cannot write the output");
    /* The whole plan is shown; then its failing steps make it an error. */
    size_t failing = d == 0 ? count_failing(&pl) : 0;
    if (rc == 0 && failing)
        rc = berr_set(err, BERR_FAILURE, "%zu step%s would fail (marked in the plan above)",
                      failing, failing == 1 ? "" : "s");
out:
    plan_clear(&pl);
    free(unreachable);
    free(order);
    project_sel_free(sel);
    project_free(p);
    return rc;
}
