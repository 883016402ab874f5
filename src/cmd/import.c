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
#include "project/project.h"

static const char usage[] =
    "usage: berth import [-o FILE] [--force] [COMPOSE_FILE...]\n"
    "\n"
    "Write the Compose project (COMPOSE_FILEs merged in order; by default\n"
    "compose.yaml, compose.yml, docker-compose.yaml or docker-compose.yml and its\n"
    "override file) as the berth.ini that describes the same project: `berth config`\n"
    "of both is the same. Each section says where it came from. Interpolation is\n"
    "done: the file holds the values of this environment and .env.\n"
    "\n"
    "options:\n"
    "  -o FILE      where to write (default: berth.ini in the project folder; - for stdout)\n"
    "  --force      replace FILE when it exists\n"
    "  -h, --help   this help\n";

struct ini_out {
    strbuf sb;
};

/* Values are in berth's syntax already; several lines are written as the
 * indented continuation lines of berth.ini. */
static void out_key(struct source_sink *k, const char *key, const char *value, struct loc loc,
                    const char *base)
{
    (void)loc;
    (void)base;
    struct ini_out *o = k->impl;
    if (!strchr(value, '\n')) {
        sb_addf(&o->sb, "%s =%s%s\n", key, *value ? " " : "", value);
        return;
    }
    sb_addf(&o->sb, "%s =\n", key);
    for (const char *l = value; l;) {
        const char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        sb_adds(&o->sb, n ? "    " : "");
        sb_add(&o->sb, l, n);
        sb_addc(&o->sb, '\n');
        l = e ? e + 1 : NULL;
    }
}

static void out_section(struct source_sink *k, const char *name, struct loc loc,
                        const char *origin)
{
    struct ini_out *o = k->impl;
    if (o->sb.len)
        sb_addc(&o->sb, '\n');
    if (loc.line > 0)
        sb_addf(&o->sb, "# %s, from %s:%d\n", origin, loc.file, loc.line);
    else
        sb_addf(&o->sb, "# %s, from %s\n", origin, loc.file);
    sb_addf(&o->sb, "[%s]\n", name);
}

static void out_file(struct source_sink *k, const char *shown)
{
    struct ini_out *o = k->impl;
    sb_addf(&o->sb, "# Written by `berth import` from %s (and the files merged with it).\n"
                    "# berth.ini beats the Compose files beside it: remove them once this is yours.\n",
            shown);
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
    struct ini_out o = {.sb = STRBUF_INIT};
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
        /* Loaded before it is written: what berth would say about it is said now. */
        struct project_opts po = {.dir = g->dir, .file = "berth.ini", .text = o.sb.buf};
        struct project *p = NULL;
        if (project_load(&po, &p, err) < 0)
            rc = -1;
        project_free(p);
    }
    if (rc == 0) {
        if (out_path && streq(out_path, "-"))
            fputs(o.sb.buf, stdout);
        else {
            const char *path = out_path ? out_path : arena_printf(a, "%s/berth.ini", g->dir);
            rc = write_file(path, o.sb.buf, force, err);
            if (rc == 0)
                printf("wrote %s\n", path);
        }
    }
    sb_release(&o.sb);
    diags_free(&d);
    arena_free(a);
    return rc;
}
