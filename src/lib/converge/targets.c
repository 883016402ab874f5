#include "converge/targets.h"

#include <stdio.h>
#include <stdlib.h>

#include "engine/api.h"
#include "converge/desired.h"
#include "converge/engines.h"
#include "base/strbuf.h"
#include "base/taskgraph.h"
#include "base/util.h"
#include "base/words.h"

static const char *label(json_t *c, const char *key)
{
    const char *s = json_string_value(json_object_get(json_object_get(c, "Labels"), key));
    return s ? s : "";
}

static int by_part_instance(const void *a, const void *b)
{
    const struct target *x = a, *y = b;
    int d = strcmp(x->part, y->part);
    if (!d)
        d = strcmp(x->instance, y->instance);
    return d ? d : strcmp(x->name, y->name);
}

/* The stop grace a container was created with; a missing or garbled label
 * (hand-made containers) falls back to the default rather than failing. */
static int stop_timeout_of(json_t *c)
{
    int v;
    return stop_timeout_parse(label(c, LABEL_STOP_TIMEOUT), &v) < 0 ? STOP_TIMEOUT_DEFAULT : v;
}

int stop_timeout_parse(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0 || v > STOP_TIMEOUT_MAX)
        return -1;
    *out = (int)v;
    return 0;
}

static void fill(struct target *t, json_t *c)
{
    t->c = c;
    t->id = json_string_value(json_object_get(c, "Id"));
    t->id = t->id ? t->id : "";
    const char *n = json_string_value(json_array_get(json_object_get(c, "Names"), 0));
    t->name = n ? (n[0] == '/' ? n + 1 : n) : t->id;
    t->part = label(c, LABEL_PART);
    t->instance = label(c, LABEL_INSTANCE);
    t->state = json_string_value(json_object_get(c, "State"));
    t->state = t->state ? t->state : "unknown";
    if (*t->part && *t->instance)
        t->subject = xasprintf("%s:%s", t->part, t->instance);
    else
        t->subject = xstrdup(*t->part ? t->part : t->name);
    t->stop_timeout = stop_timeout_of(c);
    t->keep = streq(label(c, LABEL_KEEP), "true");
}

bool target_is_up(const struct target *t)
{
    return streq(t->state, "running") || streq(t->state, "paused") ||
           streq(t->state, "restarting");
}

/* Candidate names for a suggestion: the project's parts (or the instances
 * of one container part) and the matching labels of listed containers. */
static const char **candidates(const struct project *p, const char *part, const struct target *list,
                               size_t n, size_t *count)
{
    int pi = p && part ? project_find(p, part) : -1;
    const struct container *c = pi >= 0 ? p->parts[pi].container : NULL;
    size_t k = 0, cap = n + (p && !part ? p->nparts : 0) + (c ? c->ninstances : 0) + 1;
    const char **v = xcalloc(cap, sizeof *v);
    for (size_t i = 0; p && !part && i < p->nparts; i++)
        v[k++] = p->parts[i].name;
    for (size_t i = 0; c && i < c->ninstances; i++)
        v[k++] = c->instances[i].name;
    for (size_t i = 0; i < n; i++) {
        if (!part)
            v[k++] = *list[i].part ? list[i].part : NULL;
        else if (streq(list[i].part, part))
            v[k++] = *list[i].instance ? list[i].instance : NULL;
    }
    *count = k;
    return v;
}

/* "... 'wbe' (did you mean 'web'?)"; with nothing close, the names there are. */
static int unknown(berr **err, const char *what, const char *word, const char **cands, size_t n)
{
    const char *near = nearest_word(word, cands, n);
    strbuf known = STRBUF_INIT;
    for (size_t i = 0, shown = 0; !near && i < n && shown < 12; i++) {
        bool dup = !cands[i];
        for (size_t j = 0; j < i && !dup; j++)
            dup = streq(cands[j], cands[i]);
        if (!dup && ++shown)
            sb_addf(&known, "%s%s", known.len ? ", " : "", cands[i]);
    }
    if (near)
        berr_set(err, BERR_USAGE, "%s '%s' (did you mean '%s'?)", what, word, near);
    else if (known.len)
        berr_set(err, BERR_USAGE, "%s '%s' (there are: %s)", what, word, known.buf);
    else
        berr_set(err, BERR_USAGE, "%s '%s' (there are none)", what, word);
    sb_release(&known);
    free(cands);
    return -1;
}

/* One target: mark what it names, or say why it names nothing known. */
static int select_one(const struct project *p, const char *project_name, struct target *list,
                      size_t n, const char *arg, berr **err)
{
    const char *colon = strchr(arg, ':');
    cleanup_free char *part = colon ? xstrndup(arg, (size_t)(colon - arg)) : xstrdup(arg);
    const char *inst = colon ? colon + 1 : NULL;
    if (!*part || (inst && (!*inst || strchr(inst, ':'))))
        return berr_set(err, BERR_USAGE, "'%s' is not a target: say all, PART or PART:INSTANCE",
                        arg);
    int pi = p ? project_find(p, part) : -1;
    bool part_known = pi >= 0, inst_known = false;
    if (inst && pi >= 0 && p->parts[pi].container)
        inst_known = container_instance(p->parts[pi].container, inst) >= 0;
    for (size_t i = 0; i < n; i++) {
        if (!streq(list[i].part, part))
            continue;
        part_known = true;
        if (inst && !streq(list[i].instance, inst))
            continue;
        inst_known = true;
        list[i].selected = true;
    }
    size_t nc;
    if (!part_known) {
        const char **c = candidates(p, NULL, list, n, &nc);
        cleanup_free char *what = xasprintf("no part or container in project '%s' is named",
                                            project_name);
        return unknown(err, what, part, c, nc);
    }
    if (inst && !inst_known) {
        const char **c = candidates(p, part, list, n, &nc);
        cleanup_free char *what = xasprintf("part '%s' has no instance", part);
        return unknown(err, what, inst, c, nc);
    }
    return 0;
}

int targets_select(const struct project *p, const char *project_name, struct target *list,
                   size_t n, const char *const *targets, int ntargets, bool *whole, berr **err)
{
    *whole = ntargets == 0;
    for (int i = 0; i < ntargets; i++)
        if (streq(targets[i], "all"))
            *whole = true;
    for (size_t i = 0; i < n; i++)
        list[i].selected = false;
    /* every name is checked, even next to "all": a typo is never silent */
    for (int i = 0; i < ntargets; i++)
        if (!streq(targets[i], "all") && select_one(p, project_name, list, n, targets[i], err) < 0)
            return -1;
    for (size_t i = 0; *whole && i < n; i++)
        list[i].selected = true;
    return 0;
}

/* The engines to list: each engine slot a part the targets name (all of
 * the project's parts without them) lives on; a project that did not load
 * has the default engine only. */
static size_t *scope_slots(const struct scope *s, const struct project_sel *sel, size_t *n)
{
    const struct project *p = s->p;
    size_t ns = engines_nslots(s->es);
    size_t *v = xcalloc(ns, sizeof *v);
    bool *seen = xcalloc(ns, sizeof *seen);
    *n = 0;
    for (size_t i = 0; p && i < p->nparts; i++) {
        if (p->parts[i].kind == PART_ENGINE || (sel && !sel->part[i]))
            continue;
        size_t k = engines_slot_of(s->es, p, i);
        if (!seen[k])
            v[(*n)++] = k;
        seen[k] = true;
    }
    if (*n == 0)
        v[(*n)++] = p ? ENGINES_DEFAULT(p) : 0;
    free(seen);
    return v;
}

int scope_open(const struct scope_opts *o, struct scope *s, berr **err)
{
    memset(s, 0, sizeof *s);
    berr *lerr = NULL;
    if (project_load(&o->project, &s->p, &lerr) < 0) {
        s->p = NULL;
        /* down must be able to tear down what a broken project left running */
        if (!o->name_fallback || !o->project.name || !*o->project.name) {
            berr_move(err, &lerr);
            return -1;
        }
        s->load_err = lerr;
        s->name = o->project.name;
    } else {
        s->name = s->p->name;
    }
    /* The engines the targets live on (all of the project's without them). */
    struct project_sel *sel = NULL;
    berr *serr = NULL;
    bool all = o->ntargets == 0;
    for (int i = 0; i < o->ntargets; i++)
        all = all || streq(o->targets[i], "all");
    if (s->p && !all &&
        project_select(s->p, o->targets, o->ntargets, false, &sel, &serr) < 0) {
        berr_free(serr); /* targets_select below names the unknown target */
        sel = NULL;
    }
    s->es = engines_new(s->p, o->engine_url, false);
    size_t nslots;
    size_t *slots = scope_slots(s, sel, &nslots);
    project_sel_free(sel);
    s->engines = xcalloc(nslots, sizeof *s->engines);
    s->engine_names = xcalloc(nslots, sizeof *s->engine_names);
    s->listed = json_array();
    int rc = 0;
    for (size_t k = 0; k < nslots && rc == 0; k++) {
        engine *e = NULL;
        json_t *listed = NULL;
        berr *e2 = NULL;
        int r = engines_get(s->es, slots[k], &e, &e2);
        if (r == 0)
            r = api_list(e, "containers", s->name, &listed, &e2);
        if (r < 0 && nslots == 1) {
            berr_move(err, &e2); /* one engine: its error is the command's */
            rc = -1;
        } else if (r < 0) {
            /* One engine that does not answer fails only what lives there:
             * the command goes on with the others, and fails at its end. */
            if (e)
                berr_wrap(&e2, "%s", engines_label(s->es, slots[k]));
            if (!s->down)
                berr_move(&s->down, &e2);
            berr_free(e2);
        } else {
            const char *name = s->p && slots[k] < s->p->nparts ? engines_name(s->es, slots[k])
                                                               : engine_address(e);
            size_t first = s->nall;
            s->all = xrealloc(s->all, sizeof *s->all * (s->nall + json_array_size(listed) + 1));
            for (size_t i = 0; i < json_array_size(listed); i++) {
                fill(&s->all[s->nall], json_array_get(listed, i));
                s->all[s->nall].e = e;
                s->all[s->nall].engine_name = name;
                s->nall++;
            }
            (void)first;
            s->engines[s->nengines] = e;
            s->engine_names[s->nengines++] = name;
            json_array_extend(s->listed, listed); /* the targets borrow from these */
        }
        json_decref(listed);
    }
    free(slots);
    if (rc < 0)
        return -1;
    if (!s->all)
        s->all = xcalloc(1, sizeof *s->all);
    if (s->nengines == 1) {
        s->e = s->engines[0];
        s->engine_name = s->engine_names[0];
    }
    qsort(s->all, s->nall, sizeof *s->all, by_part_instance);
    if (targets_select(s->p, s->name, s->all, s->nall, o->targets, o->ntargets, &s->whole,
                       err) < 0)
        return -1;
    /* Several engines: the one the selected containers share, if they do. */
    for (size_t i = 0; !s->e && s->nengines > 1 && i < s->nall; i++) {
        if (!s->all[i].selected)
            continue;
        bool one = true;
        for (size_t j = i + 1; j < s->nall && one; j++)
            one = !s->all[j].selected || s->all[j].e == s->all[i].e;
        if (one) {
            s->e = s->all[i].e;
            s->engine_name = s->all[i].engine_name;
        }
        break;
    }
    return 0;
}

void scope_close(struct scope *s)
{
    for (size_t i = 0; i < s->nall; i++)
        free(s->all[i].subject);
    free(s->all);
    json_decref(s->listed);
    engines_free(s->es); /* with every engine it opened */
    free(s->engines);
    free(s->engine_names);
    berr_free(s->down);
    berr_free(s->load_err);
    if (s->p)
        project_free(s->p);
    memset(s, 0, sizeof *s);
}

void scope_share(const struct scope *s, size_t k, struct scope *share)
{
    *share = *s;
    share->e = s->engines[k];
    share->engine_name = s->engine_names[k];
    share->engines = &share->e;
    share->engine_names = &share->engine_name;
    share->nengines = 1;
    share->down = NULL;
    share->load_err = s->load_err;
    share->all = xcalloc(s->nall + 1, sizeof *share->all);
    share->nall = 0;
    for (size_t i = 0; i < s->nall; i++)
        if (s->all[i].e == share->e)
            share->all[share->nall++] = s->all[i];
}

void scope_share_release(struct scope *share)
{
    free(share->all);
    memset(share, 0, sizeof *share);
}

struct each {
    target_fn *fn;
    void *ud;
    struct target *t;
};

static int each_run(void *ud, struct sched_task *task, berr **err)
{
    (void)task;
    struct each *x = ud;
    return x->fn(x->ud, x->t, err);
}

int targets_each(struct target **v, size_t n, int parallel, target_fn *fn, void *ud, berr **err)
{
    if (n == 0)
        return 0;
    struct sched_task *tasks = xcalloc(n, sizeof *tasks);
    struct each *xs = xcalloc(n, sizeof *xs);
    for (size_t i = 0; i < n; i++) {
        xs[i] = (struct each){.fn = fn, .ud = ud, .t = v[i]};
        tasks[i] = (struct sched_task){.name = v[i]->subject, .run = each_run, .ud = &xs[i]};
    }
    struct sched_opts so = {.parallel = parallel > 0 ? parallel : 1};
    int rc = sched_run(tasks, (int)n, &so, err);
    sched_tasks_clear(tasks, (int)n);
    free(tasks);
    free(xs);
    return rc;
}
