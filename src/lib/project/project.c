/* project_load: gathers every source of settings into merged sections
 * (zeroconf.c: container folders and their settings files; sources.c: the
 * project file and the command line), then kinds, keys and defaults
 * (keys.c), substitution (subst.c), typed values and references (checks.c,
 * resolve.c, instances.c) and the graph (graph.c). Also: the helpers those
 * files share, and the model's accessors. */
#include "project/project.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "project/project_int.h"
#include "base/util.h"

/* ---- small helpers shared by the loader's files ---- */

bool key_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a == '_' ? '-' : *a, y = *b == '_' ? '-' : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

const char *join_path(struct arena *a, const char *base, const char *rel)
{
    if (rel[0] == '/')
        return arena_strdup(a, rel);
    while (rel[0] == '.' && rel[1] == '/')
        rel += 2;
    if (streq(rel, ".") || !*rel)
        return arena_strdup(a, base);
    return arena_printf(a, "%s%s%s", base, ends_with(base, "/") ? "" : "/", rel);
}

const char *shown_path(struct loader *L, const char *rel)
{
    if (rel[0] == '/' || !*L->shown_dir)
        return arena_strdup(L->a, rel);
    return join_path(L->a, L->shown_dir, rel);
}

const char *shown_abs(struct loader *L, const char *path)
{
    size_t n = strlen(L->p->dir);
    if (strncmp(path, L->p->dir, n) == 0 && path[n] == '/')
        return shown_path(L, path + n + 1);
    return path;
}

void report_at(struct loader *L, struct loc loc, const char *part, const char *key,
               const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = arena_vprintf(L->a, fmt, ap);
    va_end(ap);
    diag_add(&L->d, loc.file, loc.line, part, key, "%s", msg);
}

void load_problem(struct loader *L, struct rsec *s, struct rkv *kv, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = arena_vprintf(L->a, fmt, ap);
    va_end(ap);
    const char *part = NULL;
    if (s && s->kind != SCHEMA_PROJECT && s->kind != SCHEMA_VARS)
        part = s->inst ? arena_printf(L->a, "%s:%s", s->name, s->inst) : s->name;
    struct loc loc = kv ? kv->loc : s ? s->loc : (struct loc){NULL, 0};
    diag_add(&L->d, loc.file, loc.line, part, kv ? kv->key : NULL, "%s", msg);
}

const char *suggest_part(struct loader *L, const char *name, unsigned mask)
{
    const char **names = arena_alloc(L->a, (L->nsec + 1) * sizeof *names);
    size_t n = 0;
    for (size_t i = 0; i < L->nsec; i++) {
        struct rsec *s = L->sec[i];
        /* kind -1: not known yet (-s is read before kinds are) */
        if (s->inst || s->invalid || s->kind >= PART_KIND_COUNT || streq(s->name, "project") ||
            streq(s->name, "vars"))
            continue;
        if (mask && (s->kind < 0 || !(mask & (1u << s->kind))))
            continue;
        names[n++] = s->name;
    }
    const char *best = nearest_word(name, names, n);
    return best ? arena_printf(L->a, " (did you mean '%s'?)", best) : "";
}

/* ---- merged sections ---- */

struct rsec *loader_find_sec(struct loader *L, const char *name, const char *inst)
{
    for (size_t i = 0; i < L->nsec; i++) {
        struct rsec *s = L->sec[i];
        if (s->name[0] == name[0] && streq(s->name, name) &&
            (inst ? streq(s->inst, inst) : !s->inst))
            return s;
    }
    return NULL;
}

struct rsec *sec_get(struct loader *L, const char *name, const char *inst, struct loc loc,
                     int layer)
{
    struct rsec *s = loader_find_sec(L, name, inst);
    if (s) {
        if (layer > s->layer)
            s->layer = layer;
        return s;
    }
    s = arena_alloc(L->a, sizeof *s);
    s->name = arena_strdup(L->a, name);
    s->inst = arena_strdup(L->a, inst);
    s->kind = -1;
    s->loc = loc;
    s->layer = layer;
    s->part = -1;
    *ARENA_PUSH(L->a, L->sec, L->nsec, L->cap) = s;
    return s;
}

struct rkv *sec_find(struct rsec *s, const char *key)
{
    /* The first letter first: keys never begin with '-' or '_', and a
     * project of hundreds of parts looks keys up millions of times. */
    for (size_t i = 0; i < s->nkv; i++)
        if (s->kv[i].key[0] == key[0] && !s->kv[i].dropped && key_eq(s->kv[i].key, key))
            return &s->kv[i];
    return NULL;
}

void sec_set(struct loader *L, struct rsec *s, const char *key, const char *value,
             struct loc loc, const char *base, int layer, bool append)
{
    struct rkv *kv = sec_find(s, key);
    if (kv && layer < kv->layer)
        return;
    if (kv && layer == kv->layer && layer != L_CLI && layer != L_DEFAULT) {
        /* Two spellings of one key in one source (image / [container] image). */
        report_at(L, loc, s->name, key, "set twice (also at %s:%d; keep one)", kv->loc.file,
                  kv->loc.line);
        return;
    }
    if (!kv)
        kv = ARENA_PUSH(L->a, s->kv, s->nkv, s->cap);
    if (append && kv->raw && *kv->raw)
        kv->raw = arena_printf(L->a, "%s\n%s", kv->raw, value);
    else
        kv->raw = arena_strdup(L->a, value);
    kv->key = arena_strdup(L->a, key);
    kv->loc = loc;
    kv->base = base;
    kv->layer = layer;
}

/* ---- the entry point ---- */

static void free_loader(struct loader *L)
{
    diags_free(&L->d);
    free(L->stack);
    free(L->stack_sec);
    free(L->dep_cap);
}

int project_load(const struct project_opts *o, struct project **out, berr **err)
{
    *out = NULL;
    struct arena *a = arena_new();
    struct project *p = arena_alloc(a, sizeof *p);
    p->arena = a;
    p->engine_part = -1;
    struct loader L = {.a = a, .o = o, .p = p};
    extern char **environ;
    L.env = o->env ? o->env : environ;
    const char *dir = o->dir ? o->dir : ".";
    char real[PATH_MAX];
    if (!realpath(dir, real)) {
        berr_errno(err, BERR_PROJECT, errno, "project folder '%s'", dir);
        arena_free(a);
        return -1;
    }
    p->dir = arena_strdup(a, real);
    L.shown_dir = streq(dir, ".") ? "" : arena_strdup(a, dir);

    zeroconf_scan(&L);
    load_project_file(&L);
    if (!p->file && L.nsec == 0 && L.d.n == 0)
        report_at(&L, (struct loc){*L.shown_dir ? L.shown_dir : ".", 0}, NULL, NULL,
                  "no project here: no berth.ini and no containers/<name>/Dockerfile "
                  "(or apps_containers/<name>/Dockerfile)");
    add_sets(&L);
    keys_check(&L);
    subst_all(&L);
    resolve_parts(&L);
    graph_check(&L);

    int rc = diags_to_berr(&L.d, BERR_PROJECT, err);
    free_loader(&L);
    if (rc < 0) {
        project_free(p);
        return -1;
    }
    *out = p;
    return 0;
}

void project_free(struct project *p)
{
    if (p)
        arena_free(p->arena);
}

int project_find(const struct project *p, const char *name)
{
    for (size_t i = 0; i < p->nparts; i++)
        if (streq(p->parts[i].name, name))
            return (int)i;
    return -1;
}

const struct setting *part_setting(const struct part *pt, const char *key)
{
    for (size_t i = 0; i < pt->nsettings; i++)
        if (pt->settings[i].key[0] == key[0] && streq(pt->settings[i].key, key))
            return &pt->settings[i];
    return NULL;
}

const char *part_value(const struct part *pt, const char *key)
{
    const struct setting *s = part_setting(pt, key);
    return s ? s->value : NULL;
}

int container_instance(const struct container *c, const char *name)
{
    for (size_t i = 0; i < c->ninstances; i++)
        if (streq(c->instances[i].name, name))
            return (int)i;
    return -1;
}
