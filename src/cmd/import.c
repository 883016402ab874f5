/* berth import [FILE...]: a Compose project written as the berth.ini that
 * says the same, each section under a comment naming where it came from.
 * The Compose reader (src/lib/compose) hands its sections to a sink; here
 * the sink writes them as text, where the loader's would merge them. The
 * result is loaded before it is written, so a file that would not load is
 * never written. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/diag.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "cmd.h"
#include "compose/compose.h"
#include "project/ini.h"
#include "project/project.h"

static const char usage[] =
    "usage: berth import [-o FILE] [--force] [COMPOSE_FILE...]\n"
    "\n"
    "Write the Compose project (COMPOSE_FILEs merged in order; by default\n"
    "compose.yaml, compose.yml, docker-compose.yaml or docker-compose.yml and its\n"
    "override file) as the berth.ini that describes the same project: `berth config`\n"
    "of both is the same. Each section says where it came from. Interpolation is\n"
    "done: the file holds the values of this environment and .env. A berth.ini\n"
    "beside the Compose files is merged in, its keys winning, as when berth reads\n"
    "both: the one file says what the two said.\n"
    "\n"
    "options:\n"
    "  -o FILE      where to write, relative to the project folder (default: berth.ini;\n"
    "               - for stdout)\n"
    "  --force      replace FILE when it exists\n"
    "  -h, --help   this help\n";

/* The sections as the reader hands them over, then berth.ini's merged in. */
struct okey {
    const char *key, *value;
};
struct osec {
    const char *name, *comment;
    struct okey *k;
    size_t nk, cap;
};
struct ini_out {
    struct arena *a;
    const char *header;
    struct osec *s;
    size_t ns, cap;
};

static void out_key(struct source_sink *k, const char *key, const char *value, struct loc loc,
                    const char *base)
{
    (void)loc;
    (void)base;
    struct ini_out *o = k->impl;
    if (!o->ns)
        return;
    struct osec *s = &o->s[o->ns - 1];
    *ARENA_PUSH(o->a, s->k, s->nk, s->cap) =
        (struct okey){arena_strdup(o->a, key), arena_strdup(o->a, value)};
}

static void out_section(struct source_sink *k, const char *name, struct loc loc,
                        const char *origin)
{
    struct ini_out *o = k->impl;
    struct osec *s = ARENA_PUSH(o->a, o->s, o->ns, o->cap);
    memset(s, 0, sizeof *s);
    s->name = arena_strdup(o->a, name);
    s->comment = loc.line > 0 ? arena_printf(o->a, "%s, from %s:%d", origin, loc.file, loc.line)
                              : arena_printf(o->a, "%s, from %s", origin, loc.file);
}

static void out_file(struct source_sink *k, const char *shown)
{
    struct ini_out *o = k->impl;
    o->header = arena_printf(o->a,
                             "# Written by `berth import` from %s (and the files merged with it).\n"
                             "# berth.ini beats the Compose files beside it: remove them once this "
                             "is yours.\n",
                             shown);
}

/* In key names '-' and '_' are one letter (project-format.md). */
static bool same_key(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if ((*a == '_' ? '-' : *a) != (*b == '_' ? '-' : *b))
            return false;
    return *a == *b;
}

/* berth.ini beside the Compose files beats them key by key, as when berth
 * reads both: its keys go into the imported sections, its other sections
 * after them, so that the one file says what the two said. */
static void merge_ini(struct ini_out *o, const struct ini_doc *doc)
{
    for (size_t i = 0; i < doc->nsec; i++) {
        const struct ini_section *is = &doc->sec[i];
        if (is->dup_of != -1 || !is->name)
            continue; /* berth reports those when it loads the result */
        const char *name = streq(is->name, "berth") ? "project" : is->name;
        struct osec *s = NULL;
        for (size_t j = 0; j < o->ns && !s; j++)
            if (streq(o->s[j].name, name))
                s = &o->s[j];
        if (s) {
            s->comment = arena_printf(o->a, "%s; with berth.ini:%d", s->comment, is->line);
        } else {
            s = ARENA_PUSH(o->a, o->s, o->ns, o->cap);
            memset(s, 0, sizeof *s);
            s->name = arena_strdup(o->a, name);
            s->comment = arena_printf(o->a, "from berth.ini:%d", is->line);
        }
        for (size_t k = 0; k < is->nkv; k++) {
            const struct ini_kv *kv = &is->kv[k];
            struct okey *have = NULL;
            for (size_t j = 0; j < s->nk && !have; j++)
                if (same_key(s->k[j].key, kv->key))
                    have = &s->k[j];
            if (have && kv->append)
                have->value = arena_printf(o->a, "%s\n%s", have->value, kv->value);
            else if (have)
                have->value = arena_strdup(o->a, kv->value);
            else
                *ARENA_PUSH(o->a, s->k, s->nk, s->cap) =
                    (struct okey){arena_strdup(o->a, kv->key), arena_strdup(o->a, kv->value)};
        }
    }
}

/* Values are in berth's syntax already; several lines are written as the
 * indented continuation lines of berth.ini. */
static void put_value(strbuf *sb, const char *key, const char *value)
{
    if (!strchr(value, '\n')) {
        sb_addf(sb, "%s =%s%s\n", key, *value ? " " : "", value);
        return;
    }
    sb_addf(sb, "%s =\n", key);
    for (const char *l = value; l;) {
        const char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        sb_adds(sb, n ? "    " : "");
        sb_add(sb, l, n);
        sb_addc(sb, '\n');
        l = e ? e + 1 : NULL;
    }
}

static void put_all(const struct ini_out *o, strbuf *sb)
{
    sb_adds(sb, o->header ? o->header : "");
    for (size_t i = 0; i < o->ns; i++) {
        sb_addf(sb, "\n# %s\n[%s]\n", o->s[i].comment, o->s[i].name);
        for (size_t k = 0; k < o->s[i].nk; k++)
            put_value(sb, o->s[i].k[k].key, o->s[i].k[k].value);
    }
}

static int write_file(const char *path, const char *text, bool force, berr **err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), 0644);
    if (fd < 0) {
        if (errno == EEXIST)
            return berr_set(err, BERR_USAGE, "import: %s exists (--force replaces it, -o FILE "
                            "writes elsewhere, -o - prints it)", path);
        return berr_errno(err, BERR_FAILURE, errno, "import: %s", path);
    }
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0) {
            int e = errno;
            close(fd);
            return berr_errno(err, BERR_FAILURE, e, "import: writing %s", path);
        }
        off += (size_t)w;
    }
    if (close(fd) < 0)
        return berr_errno(err, BERR_FAILURE, errno, "import: writing %s", path);
    return 0;
}

int cmd_import(cli *g, int argc, char **argv, berr **err)
{
    static const struct option opts[] = {
        {"force", no_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out_path = NULL;
    bool force = false;
    int c;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out_path = optarg; break;
        case 'F': force = true; break;
        case 'h': fputs(usage, stdout); return 0;
        case ':':
            return cmd_usage_error(err, "import", "option '%s' needs a value", argv[optind - 1]);
        default:
            return cmd_usage_error(err, "import", "unknown option '%s'", argv[optind - 1]);
        }
    }
    struct compose_opts co = g->compose;
    if (optind < argc) {
        co.files = (const char *const *)argv + optind;
        co.nfiles = argc - optind;
    }
    for (int i = 0; i < co.nfiles; i++)
        if (!compose_file_name(co.files[i]))
            return cmd_usage_error(err, "import", "'%s' is not a Compose file (.yaml, .yml)",
                                   co.files[i]);
    char real[4096];
    if (!realpath(g->dir, real))
        return berr_errno(err, BERR_PROJECT, errno, "project folder '%s'", g->dir);

    struct arena *a = arena_new();
    struct diags d = {0};
    struct ini_out o = {.a = a};
    strbuf text = STRBUF_INIT;
    extern char **environ;
    struct source_sink k = {.section = out_section, .key = out_key, .file = out_file, .a = a,
                            .d = &d, .dir = real, .shown_dir = "", /* names as seen from berth.ini */
                            .env = environ, .impl = &o};
    struct project_reader r = compose_reader(&co);
    int rc = 0;
    if (!r.read(&r, &k)) {
        rc = berr_set(err, BERR_PROJECT, "%s: no Compose file here (compose.yaml, compose.yml, "
                      "docker-compose.yaml, docker-compose.yml)", g->dir);
    } else if (diags_to_berr(&d, BERR_PROJECT, err) < 0) {
        rc = -1;
    } else {
        const char *beside = arena_printf(a, "%s/berth.ini", real);
        FILE *f = fopen(beside, "re");
        if (f) {
            strbuf ini = STRBUF_INIT;
            char buf[8192];
            size_t got;
            while ((got = fread(buf, 1, sizeof buf, f)) > 0 && ini.len < (16u << 20))
                sb_add(&ini, buf, got);
            fclose(f);
            struct ini_doc *doc = ini_parse("berth.ini", ini.buf, ini.len, &d);
            merge_ini(&o, doc);
            ini_free(doc);
            sb_release(&ini);
        }
        put_all(&o, &text);
        /* Loaded before it is written: what berth would say about it is said now. */
        struct project_opts po = {.dir = g->dir, .file = "berth.ini", .text = text.buf};
        struct project *p = NULL;
        if (diags_to_berr(&d, BERR_PROJECT, err) < 0 || project_load(&po, &p, err) < 0)
            rc = -1;
        project_free(p);
    }
    if (rc == 0) {
        if (out_path && streq(out_path, "-"))
            fputs(text.buf, stdout);
        else {
            /* Relative to the project folder, as -f is. */
            const char *path = arena_printf(a, "%s/%s", g->dir, out_path ? out_path : "berth.ini");
            if (out_path && out_path[0] == '/')
                path = out_path;
            rc = write_file(path, text.buf, force, err);
            if (rc == 0)
                printf("wrote %s\n", path);
        }
    }
    sb_release(&text);
    diags_free(&d);
    arena_free(a);
    return rc;
}
