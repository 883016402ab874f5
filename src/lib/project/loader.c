/* The helpers every stage of the project loader shares: paths and files,
 * diagnostics, merged sections, dependencies between parts. They work on
 * the loader state (loader.h) and call no stage: the stages (stages.h)
 * call down into them, never the other way. */
#include "project/loader.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "project/values.h"

#define MAX_FILE_SIZE (16u << 20)

/* ---- paths and files ---- */

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

char *slurp_file(const char *path, size_t *len, const char **why)
{
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        *why = strerror(errno);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        *why = "not a regular file";
        return NULL;
    }
    if ((size_t)st.st_size > MAX_FILE_SIZE) {
        *why = "larger than 16 MiB";
        return NULL;
    }
    strbuf sb = STRBUF_INIT;
    char buf[8192];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0 && sb.len <= MAX_FILE_SIZE)
        sb_add(&sb, buf, (size_t)n);
    if (n < 0) {
        *why = strerror(errno);
        sb_release(&sb);
        return NULL;
    }
    return sb_detach(&sb, len);
}

const char *folder_project_name(struct loader *L)
{
    const char *base = strrchr(L->p->dir, '/');
    base = base && base[1] ? base + 1 : L->p->dir;
    char *n = arena_strdup(L->a, base), *w = n;
    for (const char *r = base; *r; r++) {
        unsigned char c = (unsigned char)tolower((unsigned char)*r);
        if (isalnum(c) || c == '_' || c == '-')
            *w++ = (char)c;
        else if (w > n && w[-1] != '-')
            *w++ = '-';
    }
    *w = '\0';
    while (*n && !isalnum((unsigned char)*n))
        n++;
    while (w > n && !isalnum((unsigned char)w[-1]))
        *--w = '\0';
    return *n ? n : "project";
}

/* ---- diagnostics ---- */

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

bool key_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a == '_' ? '-' : *a, y = *b == '_' ? '-' : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

/* The key of a section in L->sec_index: its name, and for an instance
 * section a NUL and the instance's name (names hold no NUL, so no part's
 * key is an instance's). In *len; a buffer of the arena when an instance. */
static const char *sec_key(struct loader *L, const char *name, const char *inst, size_t *len)
{
    size_t n = strlen(name);
    if (!inst) {
        *len = n;
        return name;
    }
    size_t m = strlen(inst);
    char *k = arena_alloc(L->scratch, n + 1 + m + 1);
    memcpy(k, name, n + 1);
    memcpy(k + n + 1, inst, m + 1);
    *len = n + 1 + m;
    return k;
}

struct rsec *loader_find_sec(struct loader *L, const char *name, const char *inst)
{
    size_t len;
    if (!inst)
        return strmap_getn(&L->sec_index, name, strlen(name));
    char small[256];
    size_t n = strlen(name), m = strlen(inst);
    if (n + 1 + m < sizeof small) { /* no arena copy for a lookup of a short name */
        memcpy(small, name, n + 1);
        memcpy(small + n + 1, inst, m + 1);
        return strmap_getn(&L->sec_index, small, n + 1 + m);
    }
    const char *k = sec_key(L, name, inst, &len);
    return strmap_getn(&L->sec_index, k, len);
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
    s = arena_alloc(L->scratch, sizeof *s);
    s->name = arena_strdup(L->a, name);
    s->inst = arena_strdup(L->a, inst);
    s->kind = -1;
    s->loc = loc;
    s->layer = layer;
    s->part = -1;
    *ARENA_PUSH(L->scratch, L->sec, L->nsec, L->cap) = s;
    size_t len;
    const char *k = sec_key(L, s->name, s->inst, &len);
    strmap_putn(&L->sec_index, k, len, s, false);
    return s;
}

#define KEY_INDEX_FROM 32

/* key with '_' as '-' (key_eq's spelling) into buf of cap bytes: its
 * length, or (size_t)-1 when it does not fit. */
static size_t key_norm(const char *key, char *buf, size_t cap)
{
    size_t n = strlen(key);
    if (n >= cap)
        return (size_t)-1;
    for (size_t i = 0; i <= n; i++)
        buf[i] = key[i] == '_' ? '-' : key[i];
    return n;
}

/* s->kv[i] in s's index, unless a live key of that name before it is. */
static void key_index_add(struct arena *a, struct rsec *s, size_t i)
{
    const char *k = s->kv[i].key;
    char *nk = arena_alloc(a, strlen(k) + 1);
    size_t n = key_norm(k, nk, strlen(k) + 1);
    uintptr_t cur = (uintptr_t)strmap_getn(s->keys, nk, n);
    const struct rkv *have = cur ? &s->kv[cur - 1] : NULL;
    if (!have || have->dropped || !key_eq(have->key, k) || cur - 1 > i)
        strmap_putn(s->keys, nk, n, (void *)(uintptr_t)(i + 1), true);
}

void sec_rekey(struct loader *L, struct rsec *s, struct rkv *kv)
{
    if (s->keys)
        key_index_add(L->scratch, s, (size_t)(kv - s->kv));
}

struct rkv *sec_find(struct rsec *s, const char *key)
{
    char nk[128];
    size_t n;
    if (s->keys && (n = key_norm(key, nk, sizeof nk)) != (size_t)-1) {
        uintptr_t i = (uintptr_t)strmap_getn(s->keys, nk, n);
        if (!i)
            return NULL;
        struct rkv *kv = &s->kv[i - 1];
        if (!kv->dropped && key_eq(kv->key, key))
            return kv;
        /* dropped since (an unknown key, ...): a later one may be live */
    }
    /* The first letter first: keys never begin with '-' or '_', and a
     * project of hundreds of parts looks keys up millions of times. */
    for (size_t i = 0; i < s->nkv; i++)
        if (s->kv[i].key[0] == key[0] && !s->kv[i].dropped && key_eq(s->kv[i].key, key))
            return &s->kv[i];
    return NULL;
}

/* kv (new, or with a new value) in s's index: the index is made once s
 * has KEY_INDEX_FROM keys. */
static void sec_index(struct loader *L, struct rsec *s, struct rkv *kv)
{
    if (s->keys) {
        key_index_add(L->scratch, s, (size_t)(kv - s->kv));
    } else if (s->nkv >= KEY_INDEX_FROM) {
        s->keys = arena_alloc(L->scratch, sizeof *s->keys);
        strmap_init(s->keys, L->scratch);
        for (size_t i = 0; i < s->nkv; i++)
            key_index_add(L->scratch, s, i);
    }
}

void sec_reserve(struct loader *L, struct rsec *s, size_t n)
{
    if (n > s->cap) {
        s->kv = arena_grow(L->scratch, s->kv, s->cap * sizeof *s->kv, n * sizeof *s->kv);
        s->cap = n;
    }
}

void sec_add_default(struct loader *L, struct rsec *s, const struct keydef *def,
                     const char *value)
{
    struct rkv *kv = ARENA_PUSH(L->scratch, s->kv, s->nkv, s->cap);
    *kv = (struct rkv){.key = def->name, .raw = value, .def = def, .loc = s->loc,
                       .base = L->p->dir, .layer = L_DEFAULT};
    sec_index(L, s, kv);
}

void sec_by_def(const struct rsec *s, const struct keydef *keys, size_t n, struct rkv **out)
{
    memset(out, 0, n * sizeof *out);
    for (size_t i = 0; i < s->nkv; i++) {
        struct rkv *kv = &s->kv[i];
        uintptr_t at = (uintptr_t)kv->def, from = (uintptr_t)keys;
        if (kv->dropped || !kv->def || at < from || at >= (uintptr_t)(keys + n))
            continue;
        if (!out[kv->def - keys]) /* the first live one, as sec_find finds */
            out[kv->def - keys] = kv;
    }
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
        kv = ARENA_PUSH(L->scratch, s->kv, s->nkv, s->cap);
    if (append && kv->raw && *kv->raw)
        kv->raw = arena_printf(L->a, "%s\n%s", kv->raw, value);
    else
        kv->raw = arena_strdup(L->a, value);
    /* A default's key is a string of the key tables, never freed: kept as
     * it is (a copy per default was 1.3 MB of a 2,000-part project). */
    kv->key = layer == L_DEFAULT ? key : arena_strdup(L->a, key);
    kv->loc = loc;
    sec_index(L, s, kv);
    kv->base = base;
    kv->layer = layer;
}

/* ---- dependencies between parts ---- */

void add_dep(struct loader *L, int from, int to, const char *key, struct loc loc)
{
    struct part *pt = &L->p->parts[from];
    for (size_t i = 0; i < pt->ndeps; i++)
        if (pt->deps[i].part == to)
            return;
    struct dep *d = ARENA_PUSH(L->a, pt->deps, pt->ndeps, L->dep_cap[from]);
    d->part = to;
    d->key = arena_strdup(L->a, key);
    d->loc = loc;
}

/* Image makers are indexed by the normal form of their reference
 * (image_ref_normal, the rule converge's images of a run follow too): the
 * tag counts (a part that makes demo/web:2 does not make demo/web:1), and
 * demo/web is demo/web:latest. The first part noted wins. */
void note_image_maker(struct loader *L, int i)
{
    char buf[IMAGE_REF_NORMAL_MAX];
    const char *key = arena_strdup(L->scratch, image_ref_normal(L->p->parts[i].image, buf));
    strmap_put(&L->image_index, key, (void *)(uintptr_t)(i + 1), false);
}

int find_image_maker(struct loader *L, const char *ref)
{
    char buf[IMAGE_REF_NORMAL_MAX];
    uintptr_t v = (uintptr_t)strmap_get(&L->image_index, image_ref_normal(ref, buf));
    return v ? (int)v - 1 : -1;
}
