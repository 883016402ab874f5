/* The sources of a project's settings, read into merged sections in order
 * of precedence: the project file (one section per part), a container
 * folder's settings file (read by zeroconf.c), and -s / -p on the command
 * line. */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "project/loader.h"
#include "base/util.h"
#include "project/source.h"
#include "project/values.h"

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
        /* Room for its keys and its kind's defaults at once (keys.c adds
         * those): a section grown key by key left its outgrown arrays. */
        const struct ini_kv *r = ini_find(is, "recipe");
        int kind = r ? schema_kind_from_name(r->value) : -1;
        sec_reserve(L, s, s->nkv + is->nkv + (kind >= 0 ? schema_ndefaults(kind) + 1 : 0));
        for (size_t k = 0; k < is->nkv; k++) {
            struct ini_kv *kv = &is->kv[k];
            sec_set(L, s, kv->key, kv->value, (struct loc){doc->file, kv->line}, base, L_FILE,
                    kv->append);
        }
    }
}

/* ---- another format's reader (project/source.h) hands its sections over ---- */

struct reader_state {
    struct loader *L;
    struct rsec *cur; /* NULL after a section that was refused */
};

static void reader_section(struct source_sink *k, const char *name, struct loc loc,
                           const char *origin)
{
    (void)origin;
    struct reader_state *st = k->impl;
    const char *n, *inst;
    st->cur = NULL;
    if (!parse_section_name(st->L, name, loc, &n, &inst))
        return;
    st->cur = sec_get(st->L, n, inst, loc, L_READER);
    st->cur->in_file = true;
}

static void reader_key(struct source_sink *k, const char *key, const char *value, struct loc loc,
                       const char *base)
{
    struct reader_state *st = k->impl;
    if (st->cur)
        sec_set(st->L, st->cur, key, value, loc, base, L_READER, false);
}

static void reader_file(struct source_sink *k, const char *shown)
{
    struct reader_state *st = k->impl;
    if (!st->L->p->file)
        st->L->p->file = arena_strdup(st->L->a, shown);
}

/* True when the reader read its files: then -f named those, and the
 * project file is berth.ini beside them, if there is one. */
static bool read_other_format(struct loader *L)
{
    if (!L->o->reader || !L->o->reader->read || L->o->text)
        return false;
    struct reader_state st = {.L = L};
    struct source_sink k = {.section = reader_section, .key = reader_key, .file = reader_file,
                            .a = L->a, .d = &L->d, .dir = L->p->dir, .shown_dir = L->shown_dir,
                            .env = L->env, .impl = &st};
    return L->o->reader->read(L->o->reader, &k);
}

void load_project_file(struct loader *L)
{
    const struct project_opts *o = L->o;
    bool other = read_other_format(L);
    const char *rel = o->file && !other ? o->file : "berth.ini";
    const char *path = join_path(L->a, L->p->dir, rel);
    const char *shown = shown_path(L, rel);
    char *text = NULL;
    size_t len = 0;
    if (o->text) {
        len = strlen(o->text);
    } else {
        struct stat st;
        /* No project file: the folders (or the reader's files) are the
         * project. But a berth.ini that is there and cannot be followed (a
         * symbolic link loop, a dangling link) is reported, not taken for
         * none. */
        if ((!o->file || other) && access(path, F_OK) != 0 && lstat(path, &st) != 0)
            return;
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
void add_sets(struct loader *L)
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

