/* The part graph: an edge from each part to every part it needs. Levels
 * (stages) come from Kahn's algorithm: level 0 needs nothing, level n needs
 * something of level n-1. Parts Kahn cannot place sit on or behind a cycle;
 * Tarjan's algorithm then finds each cycle, reported with every part in it. */
#include <stdlib.h>
#include <string.h>

#include "project/loader.h"
#include "base/strbuf.h"
#include "base/util.h"

struct tarjan {
    const struct project *p;
    int *index, *low, *stack, *comp;
    bool *on;
    int next, sp, ncomp;
};

static void strongconnect(struct tarjan *t, int v)
{
    t->index[v] = t->low[v] = t->next++;
    t->stack[t->sp++] = v;
    t->on[v] = true;
    const struct part *pt = &t->p->parts[v];
    for (size_t i = 0; i < pt->ndeps; i++) {
        int w = pt->deps[i].part;
        if (t->index[w] < 0) {
            strongconnect(t, w);
            if (t->low[w] < t->low[v])
                t->low[v] = t->low[w];
        } else if (t->on[w] && t->index[w] < t->low[v]) {
            t->low[v] = t->index[w];
        }
    }
    if (t->low[v] == t->index[v]) {
        int w;
        do {
            w = t->stack[--t->sp];
            t->on[w] = false;
            t->comp[w] = t->ncomp;
        } while (w != v);
        t->ncomp++;
    }
}

/* Shortest path start -> ... -> start inside component c (BFS). */
static void report_cycle(struct loader *L, struct tarjan *t, int start)
{
    const struct project *p = L->p;
    int n = (int)p->nparts;
    int *prev = xmalloc((size_t)n * sizeof *prev), *queue = xmalloc((size_t)n * sizeof *queue);
    for (int i = 0; i < n; i++)
        prev[i] = -2;
    int qh = 0, qt = 0, last = -1;
    const struct part *sp = &p->parts[start];
    for (size_t i = 0; i < sp->ndeps && last < 0; i++) {
        int w = sp->deps[i].part;
        if (w == start)
            last = start;
        else if (t->comp[w] == t->comp[start] && prev[w] == -2) {
            prev[w] = start;
            queue[qt++] = w;
        }
    }
    while (qh < qt && last < 0) {
        int v = queue[qh++];
        for (size_t i = 0; i < p->parts[v].ndeps; i++) {
            int w = p->parts[v].deps[i].part;
            if (w == start) {
                last = v;
                break;
            }
            if (t->comp[w] == t->comp[start] && prev[w] == -2) {
                prev[w] = v;
                queue[qt++] = w;
            }
        }
    }
    /* path: start -> ... -> last -> start; walk prev back from last */
    int len = 0;
    for (int v = last; v != start; v = prev[v])
        queue[len++] = v;
    strbuf sb = STRBUF_INIT;
    sb_adds(&sb, p->parts[start].name);
    bool *in_path = xcalloc((size_t)n, sizeof *in_path);
    in_path[start] = true;
    for (int i = len - 1; i >= 0; i--) {
        sb_addf(&sb, " -> %s", p->parts[queue[i]].name);
        in_path[queue[i]] = true;
    }
    sb_addf(&sb, " -> %s", p->parts[start].name);
    const char *sep = "; also caught in it: ";
    for (int v = 0; v < n; v++) {
        if (t->comp[v] == t->comp[start] && !in_path[v]) {
            sb_addf(&sb, "%s%s", sep, p->parts[v].name);
            sep = ", ";
        }
    }
    /* Point at the edge leaving start. */
    int first = len ? queue[len - 1] : start;
    const struct dep *d = NULL;
    for (size_t i = 0; i < sp->ndeps; i++)
        if (sp->deps[i].part == first)
            d = &sp->deps[i];
    const char *key = d && !strchr(d->key, '$') && !streq(d->key, "FROM") ? d->key : NULL;
    report_at(L, d ? d->loc : sp->loc, sp->name, key,
              "dependency cycle: %s (%sremove one of these dependencies)", sb.buf,
              d && !key ? arena_printf(L->a, "through %s; ", d->key) : "");
    sb_release(&sb);
    free(in_path);
    free(prev);
    free(queue);
}

static void report_cycles(struct loader *L, const int *level)
{
    int n = (int)L->p->nparts;
    struct tarjan t = {.p = L->p};
    t.index = xmalloc((size_t)n * sizeof(int));
    t.low = xmalloc((size_t)n * sizeof(int));
    t.stack = xmalloc((size_t)n * sizeof(int));
    t.comp = xmalloc((size_t)n * sizeof(int));
    t.on = xcalloc((size_t)n, sizeof(bool));
    for (int i = 0; i < n; i++)
        t.index[i] = -1;
    for (int i = 0; i < n; i++)
        if (level[i] < 0 && t.index[i] < 0)
            strongconnect(&t, i);
    /* A component is a cycle when it has two parts, or one that needs itself. */
    bool *done = xcalloc((size_t)t.ncomp + 1, sizeof(bool));
    for (int v = 0; v < n; v++) {
        if (level[v] >= 0 || done[t.comp[v]])
            continue;
        int size = 0;
        bool self = false;
        for (int w = 0; w < n; w++)
            size += level[w] < 0 && t.comp[w] == t.comp[v];
        for (size_t i = 0; i < L->p->parts[v].ndeps; i++)
            self = self || L->p->parts[v].deps[i].part == v;
        if (size > 1 || self) {
            done[t.comp[v]] = true;
            report_cycle(L, &t, v);
        }
    }
    free(done);
    free(t.index);
    free(t.low);
    free(t.stack);
    free(t.comp);
    free(t.on);
}

/* Kahn, counting how many deps of each part are not yet placed. */
static int compute_levels(const struct project *p, int *level)
{
    size_t n = p->nparts;
    int *missing = xcalloc(n + 1, sizeof *missing);
    int placed = 0, nlevels = 0;
    for (size_t i = 0; i < n; i++) {
        level[i] = -1;
        missing[i] = (int)p->parts[i].ndeps;
    }
    for (int lv = 0;; lv++) {
        int found = 0;
        for (size_t i = 0; i < n; i++)
            if (level[i] < 0 && missing[i] == 0)
                level[i] = -2 - lv; /* placed in this round */
        for (size_t i = 0; i < n; i++) {
            if (level[i] != -2 - lv)
                continue;
            level[i] = lv;
            found++;
        }
        if (!found)
            break;
        placed += found;
        nlevels = lv + 1;
        for (size_t i = 0; i < n; i++)
            if (level[i] < 0)
                for (size_t k = 0; k < p->parts[i].ndeps; k++)
                    if (level[p->parts[i].deps[k].part] == lv)
                        missing[i]--;
    }
    free(missing);
    return placed == (int)n ? nlevels : -1;
}

static int cmp_dep(const void *a, const void *b)
{
    const struct dep *x = a, *y = b;
    return (x->part > y->part) - (x->part < y->part);
}

void graph_check(struct loader *L)
{
    struct project *p = L->p;
    for (size_t i = 0; i < p->nparts; i++)
        if (p->parts[i].ndeps > 1)
            qsort(p->parts[i].deps, p->parts[i].ndeps, sizeof *p->parts[i].deps, cmp_dep);
    int *level = xcalloc(p->nparts + 1, sizeof *level);
    int nlevels = compute_levels(p, level);
    if (nlevels < 0)
        report_cycles(L, level);
    for (size_t i = 0; i < p->nparts; i++)
        p->parts[i].level = level[i];
    p->nlevels = nlevels < 0 ? 0 : nlevels;
    free(level);
}

static int cmp_order(const void *a, const void *b, void *ctx)
{
    const struct project *p = ctx;
    const struct part *x = &p->parts[*(const size_t *)a];
    const struct part *y = &p->parts[*(const size_t *)b];
    if (x->level != y->level)
        return x->level < y->level ? -1 : 1;
    return strcmp(x->name, y->name);
}

int project_order(const struct project *p, const struct project_sel *sel, size_t **order,
                  size_t *n, berr **err)
{
    for (size_t i = 0; i < p->nparts; i++)
        if (p->parts[i].level < 0)
            return berr_set(err, BERR_PROJECT, "part '%s' is in a dependency cycle",
                            p->parts[i].name);
    size_t *o = xmalloc((p->nparts + 1) * sizeof *o), m = 0;
    for (size_t i = 0; i < p->nparts; i++)
        if (!sel || sel->part[i])
            o[m++] = i;
    if (m > 1)
        qsort_r(o, m, sizeof *o, cmp_order, (void *)p);
    *order = o;
    *n = m;
    return 0;
}
