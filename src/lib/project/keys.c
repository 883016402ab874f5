/* After every source is read: each section's kind (its recipe), each key
 * checked against the kind's key table, a container's `build = ./folder`
 * turned into a build part, and defaults filled in (the next stage,
 * subst.c, checks the project name before substituting anything). */
#include <string.h>

#include "project/loader.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "project/values.h"

static void find_kinds(struct loader *L)
{
    size_t nk;
    const char *const *kinds = schema_kind_names(&nk);
    for (size_t i = 0; i < L->nsec; i++) {
        struct rsec *s = L->sec[i];
        if (streq(s->name, "project") || streq(s->name, "vars")) {
            s->kind = streq(s->name, "project") ? SCHEMA_PROJECT : SCHEMA_VARS;
            continue;
        }
        if (s->inst)
            continue;
        struct rkv *r = sec_find(s, "recipe");
        if (!r) {
            if (s->folder)
                s->kind = PART_CONTAINER;
            else {
                load_problem(L, s, NULL,
                       "missing key 'recipe' (say what the part is: build, bootstrap, container, "
                       "network, volume, copy, pull, push, assemble, diskimage, task or engine)");
                s->invalid = true;
            }
            continue;
        }
        s->kind = schema_kind_from_name(r->raw);
        if (s->kind < 0) {
            const char *near = nearest_word(r->raw, kinds, nk);
            load_problem(L, s, r, "unknown recipe '%s' (%s%s%suse one of build, bootstrap, container, "
                            "network, volume, copy, pull, push, assemble, diskimage, task, engine)",
                   r->raw, near ? "did you mean '" : "", near ? near : "", near ? "'? " : "");
            s->invalid = true;
        } else if (s->folder && s->kind != PART_CONTAINER) {
            load_problem(L, s, r,
                   "'%s' is the container of folder %s, so its recipe is container (leave "
                   "recipe out, or name this part differently)",
                   s->name, s->folder_shown);
            s->invalid = true;
        }
    }
    /* Instance sections belong to container parts. */
    for (size_t i = 0; i < L->nsec; i++) {
        struct rsec *s = L->sec[i];
        if (!s->inst)
            continue;
        s->kind = SCHEMA_INSTANCE;
        s->parent = loader_find_sec(L, s->name, NULL);
        if (s->parent)
            *ARENA_PUSH(L->scratch, s->parent->insts, s->parent->ninsts, s->parent->insts_cap) = s;
        if (!s->parent) {
            report_at(L, s->loc, NULL, NULL, "[%s:%s]: no part '%s' in this project%s", s->name,
                      s->inst, s->name, suggest_part(L, s->name, 1u << PART_CONTAINER));
            s->invalid = true;
        } else if (s->parent->invalid) {
            s->invalid = true;
        } else if (s->parent->kind != PART_CONTAINER) {
            load_problem(L, s, NULL, "'%s' is a %s part; only container parts have instances", s->name,
                   schema_kind_name(s->parent->kind));
            s->invalid = true;
        }
    }
}

static void check_key(struct loader *L, struct rsec *s, struct rkv *kv)
{
    if (s->kind == SCHEMA_VARS || schema_free_key(kv->key))
        return;
    const struct keydef *d = schema_find(s->kind, kv->key);
    if (!d && s->kind == SCHEMA_INSTANCE && schema_find(PART_CONTAINER, kv->key)) {
        load_problem(L, s, kv,
               "cannot be set per instance (set it in [%s]; an instance takes instance-type, "
               "linked, publish_ports, persistent_data, persistent_opt and persistent_log)",
               s->name);
        kv->dropped = true;
        return;
    }
    if (!d) {
        const char *near = schema_suggest(s->kind, kv->key);
        if (near)
            load_problem(L, s, kv, "unknown key (did you mean '%s'?)", near);
        else
            load_problem(L, s, kv, "unknown key for a %s (see docs/project-format.md; own variables "
                             "start with x-)",
                   s->kind == SCHEMA_PROJECT    ? "[project] section"
                   : s->kind == SCHEMA_INSTANCE ? "[part:instance] section"
                                                : arena_printf(L->a, "%s part",
                                                               schema_kind_name(s->kind)));
        kv->dropped = true;
        return;
    }
    if (d->flags & F_READONLY) {
        load_problem(L, s, kv, "is set by berth and cannot be changed (the project folder: use -C)");
        kv->dropped = true;
        return;
    }
    kv->key = d->name;
    sec_rekey(L, s, kv);
    kv->def = d;
    if (d->flags & F_SECRET)
        kv->secret = true;
}

/* A container's `build = ./folder`: a build part named <container>_image. */
static void inline_builds(struct loader *L)
{
    size_t n = L->nsec;
    for (size_t i = 0; i < n; i++) {
        struct rsec *s = L->sec[i];
        if (s->invalid || (s->kind != PART_CONTAINER && s->kind != PART_TASK))
            continue;
        struct rkv *b = sec_find(s, "build");
        if (!b || !(strchr(b->raw, '/') || b->raw[0] == '.'))
            continue;
        const char *bname = arena_printf(L->a, "%s_image", s->name);
        struct rsec *t = loader_find_sec(L, bname, NULL);
        if (t && t->kind != PART_BUILD && t->kind != -1) {
            load_problem(L, s, b, "builds into part '%s', but that is a %s part (rename it, or point "
                            "build at a build part)",
                   bname, schema_kind_name(t->kind));
            b->dropped = true;
            continue;
        }
        t = sec_get(L, bname, NULL, b->loc, b->layer);
        t->kind = PART_BUILD;
        /* As if written where `build` was: beats a folder's implied build,
         * loses to a [<part>_image] section of the same file. */
        const char *keys[] = {"recipe", "source", "image"};
        const char *vals[] = {"build", b->raw,
                              arena_printf(L->a, "${project:name}/%s", s->name)};
        for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
            struct rkv *have = sec_find(t, keys[k]);
            if (!have || have->layer < b->layer)
                sec_set(L, t, keys[k], vals[k], b->loc, b->base, b->layer, false);
        }
        b->raw = bname;
    }
}

static void check_keys(struct loader *L)
{
    for (size_t i = 0; i < L->nsec; i++) {
        struct rsec *s = L->sec[i];
        if (s->invalid || s->kind < 0)
            continue;
        for (size_t k = 0; k < s->nkv; k++)
            if (!s->kv[k].dropped)
                check_key(L, s, &s->kv[k]);
        if (s->kind != PART_CONTAINER && s->kind != PART_TASK)
            continue;
        /* image and build: a higher source's choice replaces a lower one's. */
        struct rkv *im = sec_find(s, "image"), *b = sec_find(s, "build");
        if (im && b) {
            if (im->layer > b->layer)
                b->dropped = true;
            else if (b->layer > im->layer)
                im->dropped = true;
            else
                load_problem(L, s, b, "set either 'image' or 'build', not both");
        }
    }
}

static const char *escape_dollars(struct arena *a, const char *s)
{
    if (!strchr(s, '$'))
        return s;
    strbuf sb = STRBUF_INIT;
    for (; *s; s++) {
        if (*s == '$')
            sb_addc(&sb, '$');
        sb_addc(&sb, *s);
    }
    char *r = arena_strdup(a, sb.buf);
    sb_release(&sb);
    return r;
}

static void add_default(struct loader *L, struct rsec *s, const char *key, const char *value)
{
    struct rkv *kv = sec_find(s, key);
    if (kv)
        return;
    sec_set(L, s, key, value, s->loc, L->p->dir, L_DEFAULT, false);
    kv = sec_find(s, key);
    kv->def = schema_find(s->kind, key);
    kv->key = kv->def ? kv->def->name : kv->key;
    sec_rekey(L, s, kv);
}

/* A default's text with %n as the part's name: the key table's own string
 * when it has none (most defaults: never copied). */
static const char *default_text(struct loader *L, struct rsec *s, const char *dflt)
{
    if (!strstr(dflt, "%n"))
        return dflt;
    strbuf v = STRBUF_INIT;
    for (const char *d = dflt; *d; d++) {
        if (d[0] == '%' && d[1] == 'n') {
            sb_adds(&v, s->name);
            d++;
        } else {
            sb_addc(&v, *d);
        }
    }
    const char *r = arena_strndup(L->a, v.buf, v.len);
    sb_release(&v);
    return r;
}

static void add_defaults(struct loader *L)
{
    struct rsec *ps = sec_get(L, "project", NULL, (struct loc){NULL, 0}, L_DEFAULT);
    ps->kind = SCHEMA_PROJECT;
    add_default(L, ps, "name", folder_project_name(L));
    add_default(L, ps, "dir", escape_dollars(L->a, L->p->dir));
    struct rkv **have = NULL;
    size_t have_n = 0;
    for (size_t i = 0; i < L->nsec; i++) {
        struct rsec *s = L->sec[i];
        if (s->invalid || s->kind < 0 || s->kind == SCHEMA_INSTANCE || s->kind == SCHEMA_VARS)
            continue;
        size_t n;
        const struct keydef *keys = schema_keys(s->kind, &n);
        if (n > have_n) {
            have = xrealloc(have, n * sizeof *have);
            have_n = n;
        }
        /* Which keys the part has, in one pass over them (a lookup per key
         * of the table, twice, was a fifth of loading 2,000 parts). */
        sec_by_def(s, keys, n, have);
        /* Room for every default at once: the keys grown one by one left
         * two outgrown arrays per part behind (4 MB at 2,000 parts). */
        size_t room = s->nkv + 1; /* + 1: image, from build */
        for (size_t k = 0; k < n; k++)
            room += keys[k].dflt && !have[k];
        sec_reserve(L, s, room);
        if (s->kind == PART_CONTAINER || s->kind == PART_TASK) {
            struct rkv *b = sec_find(s, "build");
            if (b && !sec_find(s, "image") && valid_part_name(b->raw)) {
                add_default(L, s, "image", arena_printf(L->a, "${%s:image}", b->raw));
                struct rkv *im = sec_find(s, "image");
                if (im->def)
                    have[im->def - keys] = im;
            }
        }
        for (size_t k = 0; k < n; k++) {
            if (keys[k].dflt && !have[k])
                sec_add_default(L, s, &keys[k], default_text(L, s, keys[k].dflt));
        }
    }
    free(have);
}

void keys_check(struct loader *L)
{
    find_kinds(L);
    inline_builds(L);
    check_keys(L);
    add_defaults(L);
}
