/* project_load: gathers every source of settings into merged sections, in
 * order of precedence (container folders, their settings files, the project
 * file, the command line), checks section names, kinds and keys, fills in
 * defaults, and hands over to substitution (subst.c), typing and references
 * (resolve.c, instances.c) and the graph (graph.c). */
#include "project.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ini.h"
#include "project_int.h"
#include "strbuf.h"
#include "util.h"
#include "values.h"

#define MAX_FILE_SIZE (16u << 20)

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

void report(struct loader *L, struct rsec *s, struct rkv *kv, const char *fmt, ...)
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
        if (streq(s->name, name) && (inst ? streq(s->inst, inst) : !s->inst))
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
    for (size_t i = 0; i < s->nkv; i++)
        if (!s->kv[i].dropped && key_eq(s->kv[i].key, key))
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

/* ---- sources ---- */

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

/* Split "name" / "name:inst" and check both; report and return false if bad. */
static bool parse_section_name(struct loader *L, const char *text, struct loc loc,
                               const char **name, const char **inst)
{
    const char *colon = strchr(text, ':');
    *name = colon ? arena_strndup(L->a, text, (size_t)(colon - text)) : arena_strdup(L->a, text);
    *inst = colon ? arena_strdup(L->a, colon + 1) : NULL;
    if (!valid_part_name(*name)) {
        report_at(L, loc, NULL, NULL,
                  "invalid part name '%s' (use lower-case letters, digits and '_', like '%s')",
                  *name, fix_part_name(L->a, *name));
        return false;
    }
    if (*inst && !valid_part_name(*inst)) {
        report_at(L, loc, *name, NULL,
                  "invalid instance name '%s' (use lower-case letters, digits and '_', no '-'; "
                  "like '%s')",
                  *inst, fix_part_name(L->a, *inst));
        return false;
    }
    if (streq(*name, "all") || streq(*name, "env")) {
        report_at(L, loc, NULL, NULL, "'%s' is reserved and cannot name a part (%s)", *name,
                  streq(*name, "all") ? "the target 'all' means every part"
                                      : "${env:NAME} reads the environment");
        return false;
    }
    if (*inst && (streq(*name, "project") || streq(*name, "berth") || streq(*name, "vars"))) {
        report_at(L, loc, NULL, NULL, "[%s] cannot have instances (write [%s])", text, *name);
        return false;
    }
    return true;
}

static const char *dir_of(struct loader *L, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return L->p->dir;
    return slash == path ? "/" : arena_strndup(L->a, path, (size_t)(slash - path));
}

/* The project file: one section per part. */
static void add_project_doc(struct loader *L, struct ini_doc *doc, const char *base)
{
    for (size_t i = 0; i < doc->nsec; i++) {
        struct ini_section *is = &doc->sec[i];
        if (is->dup_of != -1)
            continue;
        if (!is->name) {
            report_at(L, (struct loc){doc->file, is->kv[0].line}, NULL, is->kv[0].key,
                      "set outside any section (add a [part] header above it)");
            continue;
        }
        struct loc loc = {doc->file, is->line};
        const char *name, *inst;
        if (!parse_section_name(L, is->name, loc, &name, &inst))
            continue;
        if (streq(name, "berth"))
            name = "project";
        struct rsec *s = sec_get(L, name, inst, loc, L_FILE);
        s->in_file = true;
        for (size_t k = 0; k < is->nkv; k++) {
            struct ini_kv *kv = &is->kv[k];
            sec_set(L, s, kv->key, kv->value, (struct loc){doc->file, kv->line}, base, L_FILE,
                    kv->append);
        }
    }
}

/* A container folder's berth.ini: top-level keys or [container] for the
 * container, [container:NAME] for an instance, [build] for its image. */
void folder_doc(struct loader *L, struct ini_doc *doc, const char *part, const char *base)
{
    for (size_t i = 0; i < doc->nsec; i++) {
        struct ini_section *is = &doc->sec[i];
        if (is->dup_of != -1)
            continue;
        const char *n = is->name;
        struct loc loc = {doc->file, is->line};
        struct rsec *s;
        if (!n || streq(n, "container")) {
            s = sec_get(L, part, NULL, loc, L_FOLDER);
        } else if (streq(n, "build")) {
            s = sec_get(L, arena_printf(L->a, "%s_image", part), NULL, loc, L_FOLDER);
        } else if (starts_with(n, "container:") && valid_part_name(n + 10)) {
            s = sec_get(L, part, n + 10, loc, L_FOLDER);
        } else {
            report_at(L, loc, NULL, NULL,
                      "section [%s] is not allowed in a container folder's settings file (use "
                      "[container], [container:INSTANCE] or [build]; instance names use a-z, "
                      "0-9 and _)",
                      n);
            continue;
        }
        s->in_file = true;
        for (size_t k = 0; k < is->nkv; k++) {
            struct ini_kv *kv = &is->kv[k];
            sec_set(L, s, kv->key, kv->value, (struct loc){doc->file, kv->line}, base, L_FOLDER,
                    kv->append);
        }
    }
}

static void load_project_file(struct loader *L)
{
    const struct project_opts *o = L->o;
    const char *rel = o->file ? o->file : "berth.ini";
    const char *path = join_path(L->a, L->p->dir, rel);
    const char *shown = shown_path(L, rel);
    char *text = NULL;
    size_t len = 0;
    if (o->text) {
        len = strlen(o->text);
    } else {
        if (!o->file && access(path, F_OK) != 0)
            return; /* no project file: the folders alone are the project */
        const char *why;
        text = slurp_file(path, &len, &why);
        if (!text) {
            report_at(L, (struct loc){shown, 0}, NULL, NULL, "cannot read the project file: %s",
                      why);
            return;
        }
    }
    L->p->file = shown;
    struct ini_doc *doc = ini_parse(shown, o->text ? o->text : text, len, &L->d);
    /* The doc's strings are copied into the project's arena by sec_set. */
    doc->file = shown;
    add_project_doc(L, doc, dir_of(L, path));
    ini_free(doc);
    free(text);
}

/* -s PART[:INSTANCE].KEY[+]=VALUE */
static void add_sets(struct loader *L)
{
    for (int i = 0; i < L->o->nsets; i++) {
        const char *s = L->o->sets[i];
        struct loc loc = {"command line", i + 1};
        const char *eq = strchr(s, '=');
        const char *dot = memchr(s, '.', eq ? (size_t)(eq - s) : strlen(s));
        if (!eq || !dot || dot == s || dot + 1 == eq) {
            report_at(L, loc, NULL, NULL,
                      "-s '%s': expected PART[:INSTANCE].KEY=VALUE, like web.tty=true", s);
            continue;
        }
        char *target = arena_strndup(L->a, s, (size_t)(dot - s));
        char *key = arena_strndup(L->a, dot + 1, (size_t)(eq - dot - 1));
        bool append = ends_with(key, "+");
        if (append)
            key[strlen(key) - 1] = '\0';
        for (char *k = key; *k; k++) {
            if (!ini_key_char((unsigned char)*k)) {
                report_at(L, loc, NULL, NULL, "-s '%s': key '%s' has an invalid character", s,
                          key);
                goto next;
            }
        }
        const char *name, *inst;
        if (!parse_section_name(L, target, loc, &name, &inst))
            continue;
        if (streq(name, "berth"))
            name = "project";
        if (!streq(name, "project") && !streq(name, "vars") && !loader_find_sec(L, name, NULL)) {
            report_at(L, loc, NULL, NULL, "-s '%s': no part '%s' in this project%s", s, name,
                      suggest_part(L, name, 0));
            continue;
        }
        sec_set(L, sec_get(L, name, inst, loc, L_CLI), key, eq + 1, loc, L->p->dir, L_CLI,
                append);
    next:;
    }
    if (L->o->name)
        sec_set(L, sec_get(L, "project", NULL, (struct loc){"command line", 0}, L_CLI), "name",
                L->o->name, (struct loc){"command line", 0}, L->p->dir, L_CLI, false);
}

/* ---- kinds, keys, defaults ---- */

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
                report(L, s, NULL,
                       "missing key 'recipe' (say what the part is: build, bootstrap, container, "
                       "network, volume, copy, pull, push, assemble, diskimage, task or engine)");
                s->invalid = true;
            }
            continue;
        }
        s->kind = schema_kind_from_name(r->raw);
        if (s->kind < 0) {
            const char *near = nearest_word(r->raw, kinds, nk);
            report(L, s, r, "unknown recipe '%s' (%s%s%suse one of build, bootstrap, container, "
                            "network, volume, copy, pull, push, assemble, diskimage, task, engine)",
                   r->raw, near ? "did you mean '" : "", near ? near : "", near ? "'? " : "");
            s->invalid = true;
        } else if (s->folder && s->kind != PART_CONTAINER) {
            report(L, s, r,
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
        if (!s->parent) {
            report_at(L, s->loc, NULL, NULL, "[%s:%s]: no part '%s' in this project%s", s->name,
                      s->inst, s->name, suggest_part(L, s->name, 1u << PART_CONTAINER));
            s->invalid = true;
        } else if (s->parent->invalid) {
            s->invalid = true;
        } else if (s->parent->kind != PART_CONTAINER) {
            report(L, s, NULL, "'%s' is a %s part; only container parts have instances", s->name,
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
        report(L, s, kv,
               "cannot be set per instance (set it in [%s]; an instance takes instance-type, "
               "linked, publish_ports, persistent_data, persistent_opt and persistent_log)",
               s->name);
        kv->dropped = true;
        return;
    }
    if (!d) {
        const char *near = schema_suggest(s->kind, kv->key);
        if (near)
            report(L, s, kv, "unknown key (did you mean '%s'?)", near);
        else
            report(L, s, kv, "unknown key for a %s (see docs/project-format.md; own variables "
                             "start with x-)",
                   s->kind == SCHEMA_PROJECT    ? "[project] section"
                   : s->kind == SCHEMA_INSTANCE ? "[part:instance] section"
                                                : arena_printf(L->a, "%s part",
                                                               schema_kind_name(s->kind)));
        kv->dropped = true;
        return;
    }
    if (d->flags & F_READONLY) {
        report(L, s, kv, "is set by berth and cannot be changed (the project folder: use -C)");
        kv->dropped = true;
        return;
    }
    kv->key = d->name;
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
            report(L, s, b, "builds into part '%s', but that is a %s part (rename it, or point "
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
                report(L, s, b, "set either 'image' or 'build', not both");
        }
    }
}

static const char *folder_project_name(struct loader *L)
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
}

static void add_defaults(struct loader *L)
{
    struct rsec *ps = sec_get(L, "project", NULL, (struct loc){NULL, 0}, L_DEFAULT);
    ps->kind = SCHEMA_PROJECT;
    add_default(L, ps, "name", folder_project_name(L));
    add_default(L, ps, "dir", escape_dollars(L->a, L->p->dir));
    for (size_t i = 0; i < L->nsec; i++) {
        struct rsec *s = L->sec[i];
        if (s->invalid || s->kind < 0 || s->kind == SCHEMA_INSTANCE || s->kind == SCHEMA_VARS)
            continue;
        if (s->kind == PART_CONTAINER || s->kind == PART_TASK) {
            struct rkv *b = sec_find(s, "build");
            if (b && !sec_find(s, "image") && valid_part_name(b->raw))
                add_default(L, s, "image", arena_printf(L->a, "${%s:image}", b->raw));
        }
        size_t n;
        const struct keydef *keys = schema_keys(s->kind, &n);
        for (size_t k = 0; k < n; k++) {
            if (!keys[k].dflt || sec_find(s, keys[k].name))
                continue;
            strbuf v = STRBUF_INIT;
            for (const char *d = keys[k].dflt; *d; d++) {
                if (d[0] == '%' && d[1] == 'n') {
                    sb_adds(&v, s->name);
                    d++;
                } else {
                    sb_addc(&v, *d);
                }
            }
            add_default(L, s, keys[k].name, v.buf);
            sb_release(&v);
        }
    }
}

/* The project name goes into every image and container name: check it
 * before anything is substituted with it, and use the folder's name in its
 * place when it is wrong, so one mistake gives one message. */
static void check_project_name(struct loader *L)
{
    struct rsec *ps = loader_find_sec(L, "project", NULL);
    struct rkv *kv = sec_find(ps, "name");
    if (!subst_one(L, ps, kv))
        kv->val = folder_project_name(L);
    const char *n = kv->val;
    bool ok = *n && strlen(n) <= 64 && !check_image_ref(arena_printf(L->a, "%s/x", n));
    for (const char *c = n; *c; c++)
        ok = ok && (islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_' ||
                    *c == '-');
    if (!ok) {
        report(L, ps, kv,
               "'%s' is not a project name (use lower-case letters, digits, '_' and '-', "
               "starting and ending with a letter or digit)",
               n);
        kv->val = folder_project_name(L);
    }
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
    find_kinds(&L);
    inline_builds(&L);
    check_keys(&L);
    add_defaults(&L);
    check_project_name(&L);
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
        if (streq(pt->settings[i].key, key))
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
