/* berth plan (first version): the parts `up` would handle, in dependency
 * order, grouped in stages; the parts of one stage need nothing from each
 * other and can run in parallel. Comparing with what the engine already has
 * comes with a later issue: for now every part is listed. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "project.h"
#include "strbuf.h"
#include "util.h"

static const char usage[] =
    "usage: berth plan [--format text|json] [TARGET...]\n"
    "\n"
    "Show the parts `berth up` would handle, in dependency order, numbered in\n"
    "stages: the parts of one stage can run in parallel. TARGETs (all, web,\n"
    "web:two) select parts and instances; the parts they need are included.\n"
    "\n"
    "options:\n"
    "  --format FORMAT   text (the default) or json\n"
    "  -h, --help        this help\n";

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
        sb_addf(sb, "disk image %s from %s", part_value(pt, "output"), part_value(pt, "image"));
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
    strbuf sb = STRBUF_INIT;
    int stage = -1, shown = 0;
    for (size_t i = 0; i < n; i++) {
        const struct part *pt = &p->parts[order[i]];
        if (pt->level != stage) {
            stage = pt->level;
            printf("\nstage %d:\n", ++shown);
        }
        sb_reset(&sb);
        describe(&sb, p, pt, sel->instance[order[i]]);
        printf("  %-*s  %-9s  %s", width, pt->name, part_kind_name(pt->kind), sb.buf);
        const char *sep = "  (needs ";
        for (size_t k = 0; k < pt->ndeps; k++) {
            printf("%s%s", sep, p->parts[pt->deps[k].part].name);
            sep = ", ";
        }
        printf("%s\n", pt->ndeps ? ")" : "");
    }
    sb_release(&sb);
}

static int put_json(const struct project *p, const struct project_sel *sel, const size_t *order,
                    size_t n)
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
    int rc = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    putchar('\n');
    json_decref(root);
    return rc;
}

int cmd_plan(cli *g, int argc, char **argv, berr **err)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    enum out_format fmt = FORMAT_TEXT;
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'F':
            if (parse_format(optarg, &fmt, err) < 0)
                return -1;
            break;
        case 'h': fputs(usage, stdout); return 0;
        case ':':
            return cmd_usage_error(err, "plan", "option '%s' needs a value", argv[optind - 1]);
        default: return cmd_usage_error(err, "plan", "unknown option '%s'", argv[optind - 1]);
        }
    }
    struct project_opts o = {.dir = g->dir, .file = g->file, .name = g->project,
                             .sets = g->sets, .nsets = g->nsets};
    struct project *p;
    if (project_load(&o, &p, err) < 0)
        return -1;
    struct project_sel *sel = NULL;
    size_t *order = NULL, n = 0;
    int rc = -1;
    if (project_select(p, (const char *const *)argv + optind, argc - optind, true, &sel, err) < 0 ||
        project_order(p, sel, &order, &n, err) < 0)
        goto out;
    if (fmt == FORMAT_JSON)
        rc = put_json(p, sel, order, n) < 0 ? -1 : 0;
    else
        put_text(p, sel, order, n), rc = 0;
    if (rc < 0 || fflush(stdout) != 0)
        rc = berr_set(err, BERR_FAILURE, "plan: cannot write the output");
out:
    free(order);
    project_sel_free(sel);
    project_free(p);
    return rc;
}
