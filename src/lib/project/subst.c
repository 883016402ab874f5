/* Substitution, buildout style, applied to every value after all sources
 * are merged (so the command line may use it too):
 *
 *   ${part:key}            a key of another part (defaults included)
 *   ${:key}                a key of the same part (an instance section looks
 *                          in itself, then in its part)
 *   ${env:NAME}            an environment variable; unset is an error
 *   ${env:NAME:-default}   ... or default (which may hold substitutions)
 *   $$                     a literal $
 *
 * Values are resolved lazily and at most once; a reference to a value being
 * resolved closes a cycle, reported with the whole chain. A reference to
 * another part is a dependency on it (recorded for resolve.c).
 *
 * Nesting, of defaults within defaults or of values through values, stops
 * at PROJECT_MAX_DEPTH: deeper, the first such problem is reported and
 * substitution ends (each level costs a pass over the rest of the text). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "project/loader.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "project/values.h"

#define MAX_VALUE (1u << 20)

static bool resolve_kv(struct loader *L, struct rsec *s, struct rkv *kv);

static const char *sec_label(struct loader *L, struct rsec *s)
{
    return s->inst ? arena_printf(L->a, "%s:%s", s->name, s->inst) : s->name;
}

static void push(struct loader *L, struct rsec *s, struct rkv *kv)
{
    if (L->depth == L->stack_cap) {
        L->stack_cap = L->stack_cap ? L->stack_cap * 2 : 16;
        L->stack = xrealloc(L->stack, L->stack_cap * sizeof *L->stack);
        L->stack_sec = xrealloc(L->stack_sec, L->stack_cap * sizeof *L->stack_sec);
    }
    L->stack[L->depth] = kv;
    L->stack_sec[L->depth++] = s;
}

static void report_cycle(struct loader *L, struct rkv *kv)
{
    size_t from = 0;
    while (from < L->depth && L->stack[from] != kv)
        from++;
    strbuf chain = STRBUF_INIT;
    for (size_t i = from; i < L->depth; i++)
        sb_addf(&chain, "%s:%s -> ", sec_label(L, L->stack_sec[i]), L->stack[i]->key);
    sb_addf(&chain, "%s:%s", sec_label(L, L->stack_sec[from]), kv->key);
    load_problem(L, L->stack_sec[from], kv,
           "substitution cycle: %s (write one of these values out instead of substituting it)",
           chain.buf);
    sb_release(&chain);
}

static const char *env_get(struct loader *L, const char *name, size_t n)
{
    for (char *const *e = L->env; e && *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

/* Record a reference from s to part section t, as a dependency. */
static void note_ref(struct loader *L, struct rsec *s, struct rkv *kv, struct rsec *t,
                     const char *text)
{
    struct rsec *from = s->parent ? s->parent : s;
    if (t == from || t->kind < 0 || t->kind >= PART_KIND_COUNT || from->kind >= PART_KIND_COUNT)
        return;
    struct sref *r = ARENA_PUSH(L->scratch, L->refs, L->nrefs, L->refs_cap);
    r->from = from;
    r->to = t;
    r->loc = kv->loc;
    r->what = arena_concat(L->scratch, "${", text, "}", NULL); /* (add_dep copies it) */
}

static bool expand(struct loader *L, struct rsec *s, struct rkv *kv, const char *text,
                   strbuf *out);

static bool expand_env(struct loader *L, struct rsec *s, struct rkv *kv, const char *spec,
                       strbuf *out)
{
    const char *dflt = strstr(spec, ":-");
    size_t n = dflt ? (size_t)(dflt - spec) : strlen(spec);
    bool ok = n > 0 && !isdigit((unsigned char)spec[0]);
    for (size_t i = 0; i < n; i++)
        ok = ok && (isalnum((unsigned char)spec[i]) || spec[i] == '_');
    if (!ok) {
        load_problem(L, s, kv, "'${env:%s}': '%.*s' is not an environment variable name (use letters, "
                         "digits and '_')",
               spec, (int)n, spec);
        return false;
    }
    const char *v = env_get(L, spec, n);
    if (v) {
        sb_adds(out, v);
        return true;
    }
    if (dflt)
        return expand(L, s, kv, dflt + 2, out);
    load_problem(L, s, kv,
           "environment variable %.*s is not set (set it, or give a default: ${env:%.*s:-VALUE})",
           (int)n, spec, (int)n, spec);
    return false;
}

static const char *suggest_key(struct loader *L, struct rsec *t, const char *key)
{
    const char **names = arena_alloc(L->a, (t->nkv + 1) * sizeof *names);
    for (size_t i = 0; i < t->nkv; i++)
        names[i] = t->kv[i].dropped ? NULL : t->kv[i].key;
    const char *near = nearest_word(key, names, t->nkv);
    return near ? arena_printf(L->a, " (did you mean '%s'?)", near) : "";
}

/* One ${...}: inner is the text between the braces. */
static bool expand_ref(struct loader *L, struct rsec *s, struct rkv *kv, const char *inner,
                       strbuf *out)
{
    const char *colon = strchr(inner, ':');
    if (!colon && streq(inner, "args") && s->kind == PART_TASK && streq(kv->key, "command")) {
        sb_adds(out, "${args}"); /* where `berth task NAME ARGS` puts ARGS */
        return true;
    }
    if (!colon) {
        load_problem(L, s, kv,
               "'${%s}' is not a substitution (use ${part:key}, ${:key} or ${env:NAME}; write "
               "$${ for a literal ${)",
               inner);
        return false;
    }
    const char *secname = arena_strndup(L->scratch, inner, (size_t)(colon - inner));
    const char *key = colon + 1;
    if (streq(secname, "env"))
        return expand_env(L, s, kv, key, out);
    if (!*key) {
        load_problem(L, s, kv, "'${%s}' names no key (write ${%s:KEY})", inner, secname);
        return false;
    }
    struct rsec *t;
    if (!*secname) {
        t = s;
    } else {
        if (streq(secname, "berth"))
            secname = "project";
        t = loader_find_sec(L, secname, NULL);
        if (!t) {
            load_problem(L, s, kv, "'${%s}': no part '%s' in this project%s", inner, secname,
                   suggest_part(L, secname, 0));
            return false;
        }
    }
    if (t->invalid)
        return false; /* reported already */
    struct rkv *tkv = sec_find(t, key);
    if (!tkv && t == s && s->parent) {
        t = s->parent;
        tkv = sec_find(t, key);
    }
    if (!tkv) {
        load_problem(L, s, kv, "'${%s}': %s has no key '%s'%s", inner,
               t->kind == SCHEMA_PROJECT ? "[project]"
               : t->kind == SCHEMA_VARS  ? "[vars]"
                                         : arena_printf(L->a, "part '%s'", t->name),
               key, suggest_key(L, t, key));
        return false;
    }
    if (!resolve_kv(L, t, tkv))
        return false;
    if (tkv->secret)
        kv->secret = true;
    note_ref(L, s, kv, t, inner);
    if (t->kind == SCHEMA_PROJECT && streq(tkv->key, "data")) /* a path: made absolute */
        sb_adds(out, join_path(L->a, tkv->base ? tkv->base : L->p->dir, tkv->val));
    else
        sb_adds(out, tkv->val);
    return true;
}

static bool too_deep(struct loader *L, struct rsec *s, struct rkv *kv)
{
    if (!L->subst_too_deep)
        load_problem(L, s, kv, "substitutions nested more than %d deep: berth's limit",
                     PROJECT_MAX_DEPTH);
    L->subst_too_deep = true;
    return false;
}

static bool expand(struct loader *L, struct rsec *s, struct rkv *kv, const char *text,
                   strbuf *out)
{
    for (const char *p = text; *p;) {
        if (out->len > MAX_VALUE) {
            load_problem(L, s, kv, "is longer than 1 MiB after substitution");
            return false;
        }
        if (p[0] != '$' || (p[1] != '$' && p[1] != '{')) {
            /* Plain text up to the next '$' at once; the limit is told as
             * it was, when a letter would be added past it. */
            size_t n = 1 + strcspn(p + 1, "$");
            if (out->len + n - 1 > MAX_VALUE) {
                load_problem(L, s, kv, "is longer than 1 MiB after substitution");
                return false;
            }
            sb_add(out, p, n);
            p += n;
            continue;
        }
        if (p[1] == '$') {
            sb_addc(out, '$');
            p += 2;
            continue;
        }
        /* Find the matching '}': defaults may nest ${...}. */
        int depth = 0;
        const char *e = p + 2;
        for (; *e; e++) {
            if (e[0] == '$' && e[1] == '{') {
                if (++depth + (int)L->depth >= PROJECT_MAX_DEPTH)
                    return too_deep(L, s, kv);
                e++;
            } else if (*e == '}' && depth-- == 0) {
                break;
            }
        }
        if (!*e) {
            int n = (int)strcspn(p, "\n");
            load_problem(L, s, kv,
                   "unterminated substitution '%.*s' (close it with '}'; write $$ for a literal $)",
                   n > 40 ? 40 : n, p);
            return false;
        }
        char *inner = arena_strndup(L->scratch, p + 2, (size_t)(e - p - 2));
        if (!expand_ref(L, s, kv, inner, out))
            return false;
        p = e + 1;
    }
    return true;
}

static bool resolve_kv(struct loader *L, struct rsec *s, struct rkv *kv)
{
    switch (kv->state) {
    case S_DONE: return true;
    case S_FAILED: return false;
    case S_BUSY: report_cycle(L, kv); return false;
    case S_TODO: break;
    }
    if (L->subst_too_deep || L->depth >= PROJECT_MAX_DEPTH)
        return too_deep(L, s, kv);
    const char *raw = kv->raw ? kv->raw : "";
    size_t plain = strcspn(raw, "$");
    if (!raw[plain] && plain <= MAX_VALUE) {
        /* Nothing to substitute (most values): the value is its text. */
        kv->val = raw;
        kv->state = S_DONE;
        return true;
    }
    kv->state = S_BUSY;
    push(L, s, kv);
    strbuf out = STRBUF_INIT;
    bool ok = expand(L, s, kv, kv->raw ? kv->raw : "", &out);
    L->depth--;
    if (ok)
        kv->val = arena_strndup(L->a, out.buf, out.len);
    kv->state = ok ? S_DONE : S_FAILED;
    sb_release(&out);
    return ok;
}

/* The project name goes into every image and container name: check it
 * before anything is substituted with it, and use the folder's name in its
 * place when it is wrong, so one mistake gives one message. */
static void check_project_name(struct loader *L)
{
    struct rsec *ps = loader_find_sec(L, "project", NULL);
    struct rkv *kv = sec_find(ps, "name");
    if (!resolve_kv(L, ps, kv))
        kv->val = folder_project_name(L);
    const char *n = kv->val;
    bool ok = *n && strlen(n) <= 64 && !check_image_ref(arena_printf(L->a, "%s/x", n));
    for (const char *c = n; *c; c++)
        ok = ok && (islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_' ||
                    *c == '-');
    if (!ok) {
        load_problem(L, ps, kv,
               "'%s' is not a project name (use lower-case letters, digits, '_' and '-', "
               "starting and ending with a letter or digit)",
               n);
        kv->val = folder_project_name(L);
    }
}

void subst_all(struct loader *L)
{
    check_project_name(L);
    for (size_t i = 0; i < L->nsec; i++) {
        struct rsec *s = L->sec[i];
        if (s->invalid || s->kind < 0)
            continue;
        for (size_t k = 0; k < s->nkv; k++)
            if (!s->kv[k].dropped)
                resolve_kv(L, s, &s->kv[k]);
    }
}
