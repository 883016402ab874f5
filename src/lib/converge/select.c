/* Targets from the command line: "all", "web", "web:two", several at once. */
#include <string.h>

#include "base/diag.h"
#include "converge/linkaddr.h"
#include "project/project.h"
#include "base/util.h"
#include "project/values.h"

void project_sel_free(struct project_sel *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nparts; i++)
        free(s->instance[i]);
    free(s->instance);
    free(s->part);
    free(s->needed);
    free(s);
}

static struct project_sel *sel_new(const struct project *p)
{
    struct project_sel *s = xcalloc(1, sizeof *s);
    s->nparts = p->nparts;
    s->part = xcalloc(p->nparts + 1, sizeof *s->part);
    s->needed = xcalloc(p->nparts + 1, sizeof *s->needed);
    s->instance = xcalloc(p->nparts + 1, sizeof *s->instance);
    for (size_t i = 0; i < p->nparts; i++)
        if (p->parts[i].container)
            s->instance[i] = xcalloc(p->parts[i].container->ninstances + 1, sizeof(bool));
    return s;
}

static void select_part(const struct project *p, struct project_sel *s, size_t i, int inst)
{
    s->part[i] = true;
    if (!s->instance[i])
        return;
    for (size_t j = 0; j < p->parts[i].container->ninstances; j++)
        if (inst < 0 || (size_t)inst == j)
            s->instance[i][j] = true;
}

/* "all": every part, and every instance but those on demand (a folder a
 * run.conf does not name: struct instance.on_demand); a target naming the
 * part or instance, or a part that needs it, selects one of those. */
static void select_all(const struct project *p, struct project_sel *s, size_t i)
{
    select_part(p, s, i, -1);
    for (size_t j = 0; s->instance[i] && j < p->parts[i].container->ninstances; j++)
        if (p->parts[i].container->instances[j].on_demand)
            s->instance[i][j] = false;
}

/* Whether a selected part acts in this run: a container part only through
 * its selected instances (all of them when it is needed). */
static bool acts(const struct project *p, const struct project_sel *s, size_t i)
{
    if (!s->part[i])
        return false;
    if (!s->instance[i] || s->needed[i])
        return true;
    for (size_t j = 0; j < p->parts[i].container->ninstances; j++)
        if (s->instance[i][j])
            return true;
    return false;
}

/* A selected part that another needs: its instances on demand join in
 * (DockerOps' run.conf links to a container it does not list). */
static bool wake_on_demand(const struct project *p, struct project_sel *s, size_t j)
{
    bool woke = false;
    for (size_t k = 0; s->instance[j] && k < p->parts[j].container->ninstances; k++)
        if (!s->instance[j][k] && p->parts[j].container->instances[k].on_demand)
            woke = s->instance[j][k] = true;
    return woke;
}

static void one_target(const struct project *p, struct project_sel *s, const char *t,
                       struct diags *d)
{
    const char **names = xcalloc(p->nparts + 1, sizeof *names);
    for (size_t i = 0; i < p->nparts; i++)
        names[i] = p->parts[i].name;
    const char *colon = strchr(t, ':');
    char *name = colon ? xstrndup(t, (size_t)(colon - t)) : xstrdup(t);
    int i = project_find(p, name);
    if (i < 0) {
        const char *near = nearest_word(name, names, p->nparts);
        diag_add(d, NULL, 0, NULL, NULL, "target '%s': no part '%s' in project '%s'%s%s%s", t,
                 name, p->name, near ? " (did you mean '" : "", near ? near : "",
                 near ? "'?)" : " (see berth config)");
    } else if (!colon) {
        select_part(p, s, (size_t)i, -1);
    } else if (!p->parts[i].container) {
        diag_add(d, NULL, 0, NULL, NULL,
                 "target '%s': '%s' is a %s part; only container parts have instances", t, name,
                 part_kind_name(p->parts[i].kind));
    } else {
        const struct container *c = p->parts[i].container;
        int j = container_instance(c, colon + 1);
        if (j < 0) {
            const char **inst = xcalloc(c->ninstances + 1, sizeof *inst);
            for (size_t k = 0; k < c->ninstances; k++)
                inst[k] = c->instances[k].name;
            const char *near = nearest_word(colon + 1, inst, c->ninstances);
            diag_add(d, NULL, 0, NULL, NULL, "target '%s': part '%s' has no instance '%s'%s%s%s",
                     t, name, colon + 1, near ? " (did you mean '" : "", near ? near : "",
                     near ? "'?)" : "");
            free(inst);
        } else {
            select_part(p, s, (size_t)i, j);
        }
    }
    free(name);
    free(names);
}

/* Whether part i needs dep only for links that every selected instance (all
 * masters) takes from outside the project: then dep does not come along. */
static bool outside_only(const struct project *p, const struct project_sel *s, size_t i,
                         const struct dep *dep)
{
    const struct container *c = p->parts[i].container;
    if (!c || !streq(dep->key, "links") || c->image_part == dep->part)
        return false;
    for (size_t k = 0; k < c->nvolumes_from; k++)
        if (c->volumes_from[k].part == dep->part)
            return false;
    for (size_t j = 0; j < c->ninstances; j++)
        if (s->instance[i][j] && !links_all_outside(p, c, j, dep->part))
            return false;
    return true;
}

int project_select(const struct project *p, const char *const *targets, int ntargets,
                   bool with_deps, struct project_sel **out, berr **err)
{
    struct project_sel *s = sel_new(p);
    struct diags d = {0};
    bool all = ntargets == 0;
    for (int k = 0; k < ntargets; k++)
        all = all || streq(targets[k], "all");
    for (size_t i = 0; all && i < p->nparts; i++)
        select_all(p, s, i);
    for (int k = 0; k < ntargets && !all; k++)
        one_target(p, s, targets[k], &d);
    if (diags_to_berr(&d, BERR_USAGE, err) < 0) {
        diags_free(&d);
        project_sel_free(s);
        *out = NULL;
        return -1;
    }
    diags_free(&d);
    /* Dependencies: everything a selected part needs, transitively. */
    for (bool grew = with_deps; grew;) {
        grew = false;
        for (size_t i = 0; i < p->nparts; i++) {
            if (!acts(p, s, i))
                continue;
            for (size_t k = 0; k < p->parts[i].ndeps; k++) {
                size_t j = (size_t)p->parts[i].deps[k].part;
                if (outside_only(p, s, i, &p->parts[i].deps[k]))
                    continue;
                if (!s->part[j]) {
                    select_part(p, s, j, -1);
                    s->needed[j] = true;
                    grew = true;
                } else if (wake_on_demand(p, s, j)) {
                    grew = true;
                }
            }
        }
    }
    *out = s;
    return 0;
}
