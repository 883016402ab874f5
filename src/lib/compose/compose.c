/* The Compose reader: which files, in which order; .env; interpolation;
 * merging; extends; profiles; then the parts (services.c, toplevel.c). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "compose/compose_int.h"

static const char *const default_files[] = {"compose.yaml", "compose.yml", "docker-compose.yaml",
                                            "docker-compose.yml", NULL};

bool compose_file_name(const char *path)
{
    return ends_with(path, ".yaml") || ends_with(path, ".yml");
}

static const char *shown(struct creader *R, const char *rel)
{
    const char *sd = R->k->shown_dir;
    if (rel[0] == '/' || !sd || !*sd)
        return rel;
    return arena_printf(R->a, "%s%s%s", sd, ends_with(sd, "/") ? "" : "/", rel);
}

static const char *abs_path(struct creader *R, const char *rel)
{
    return rel[0] == '/' ? rel : arena_printf(R->a, "%s/%s", R->dir, rel);
}

/* Read, interpolate and merge one file into R->doc. */
static void add_file(struct creader *R, const char *rel)
{
    const char *path = abs_path(R, rel), *sh = shown(R, rel);
    if (access(path, R_OK) != 0) {
        diag_add(R->d, sh, 0, NULL, NULL, "cannot read this Compose file");
        return;
    }
    if (!R->doc)
        R->k->file(R->k, sh);
    struct ynode *doc = yaml_load(R, path, sh);
    if (!doc)
        return;
    /* Interpolation first, as Compose: a service's problems name it. */
    struct ynode *svcs = ymap_get(doc, "services");
    for (size_t i = 0; i < doc->n; i++)
        if (doc->v[i] != svcs || svcs->kind != Y_MAP)
            interpolate(R, doc->v[i], NULL);
    for (size_t i = 0; svcs && svcs->kind == Y_MAP && i < svcs->n; i++) {
        interpolate(R, svcs->v[i], svcs->k[i]);
        normalise_service(R, svcs->v[i], svcs->k[i]);
    }
    if (!R->doc)
        R->doc = doc;
    else
        merge_docs(R, R->doc, doc);
}

static bool profile_active(struct creader *R, const char *p)
{
    for (int i = 0; i < R->o->nprofiles; i++)
        if (streq(R->o->profiles[i], p) || streq(R->o->profiles[i], "*"))
            return true;
    if (R->o->nprofiles)
        return false;
    const char *env = getvar(R, "COMPOSE_PROFILES");
    if (!env)
        return false;
    char *list = arena_strdup(R->a, env);
    for (char *t = strtok(list, ","); t; t = strtok(NULL, ","))
        if (streq(t, p) || streq(t, "*"))
            return true;
    return false;
}

/* Services of profiles not asked for are left out, as Compose does. */
static void apply_profiles(struct creader *R)
{
    struct ynode *svcs = ymap_get(R->doc, "services");
    if (!svcs || svcs->kind != Y_MAP)
        return;
    size_t w = 0;
    for (size_t i = 0; i < svcs->n; i++) {
        struct ynode *p = ymap_get(svcs->v[i], "profiles");
        bool keep = !p;
        if (p && p->kind != Y_SEQ) {
            cproblem(R, p, svcs->k[i], "profiles", "must be a list, not %s", ykind_name(p->kind));
            keep = true;
        }
        for (size_t j = 0; p && p->kind == Y_SEQ && j < p->n; j++) {
            const char *name = want_scalar(R, p->v[j], svcs->k[i], "profiles");
            if (name && profile_active(R, name))
                keep = true;
        }
        if (keep) {
            svcs->k[w] = svcs->k[i];
            svcs->kn[w] = svcs->kn[i];
            svcs->v[w++] = svcs->v[i];
        }
    }
    svcs->n = w;
}

/* Two Compose names that make one part name (web-1 and web_1). */
static void check_names(struct creader *R)
{
    struct ynode *svcs = ymap_get(R->doc, "services");
    for (size_t i = 0; svcs && svcs->kind == Y_MAP && i < svcs->n; i++) {
        const char *p = part_name_for(R, svcs->k[i]);
        for (size_t j = 0; j < i; j++)
            if (streq(p, part_name_for(R, svcs->k[j])))
                cproblem(R, svcs->kn[i], svcs->k[i], NULL, "makes the same berth part name '%s' "
                         "as service '%s' (berth part names use '_' for '-' and '.'): rename one",
                         p, svcs->k[j]);
        bool ok = *p && (isalnum((unsigned char)p[0]));
        for (const char *c = p; *c && ok; c++)
            ok = isalnum((unsigned char)*c) || *c == '_';
        if (!ok)
            cproblem(R, svcs->kn[i], svcs->k[i], NULL, "is not a service name berth can use "
                     "(letters, digits, '-', '_' and '.')");
    }
}

static bool read_compose(const struct project_reader *r, struct source_sink *k)
{
    const struct compose_opts *o = r->arg;
    struct creader R = {.a = k->a, .d = k->d, .k = k, .o = o, .dir = k->dir, .env = k->env,
                        .diags_before = k->d->n};
    const char *files[64];
    int nfiles = 0;
    if (o->nfiles) {
        int ncompose = 0;
        for (int i = 0; i < o->nfiles; i++)
            ncompose += compose_file_name(o->files[i]);
        if (!ncompose)
            return false; /* -f berth.ini */
        if (ncompose != o->nfiles) {
            diag_add(k->d, "command line", 0, NULL, NULL,
                     "-f: either Compose files (.yaml, .yml) or one berth project file, not both");
            return true;
        }
        for (int i = 0; i < o->nfiles && nfiles < 64; i++)
            files[nfiles++] = o->files[i];
    } else if (getvar(&R, "COMPOSE_FILE") && *getvar(&R, "COMPOSE_FILE")) {
        /* As Compose: the files, ':'-separated, from the environment (.env
         * is read only once berth knows the folder is a Compose project). */
        char *list = arena_strdup(R.a, getvar(&R, "COMPOSE_FILE"));
        for (char *t = strtok(list, ":"); t && nfiles < 64; t = strtok(NULL, ":"))
            if (*t)
                files[nfiles++] = t;
    } else {
        for (size_t i = 0; default_files[i]; i++) {
            if (access(abs_path(&R, default_files[i]), F_OK) == 0) {
                files[nfiles++] = default_files[i];
                break;
            }
        }
        if (!nfiles)
            return false;
        const char *over[] = {"compose.override.yaml", "compose.override.yml",
                              "docker-compose.override.yaml", "docker-compose.override.yml"};
        for (size_t i = 0; i < 4; i++) {
            if (access(abs_path(&R, over[i]), F_OK) == 0) {
                files[nfiles++] = over[i];
                break;
            }
        }
    }
    read_dotenv(&R);
    for (int i = 0; i < nfiles; i++)
        add_file(&R, files[i]);
    if (!R.doc)
        return true;
    resolve_extends(&R, R.doc);
    apply_profiles(&R);
    check_names(&R);
    R.dry = true;
    emit_toplevel(&R);
    emit_services(&R);
    if (R.d->n > R.diags_before)
        return true;
    R.dry = false;
    emit_toplevel(&R);
    emit_services(&R);
    return true;
}

struct project_reader compose_reader(const struct compose_opts *o)
{
    return (struct project_reader){.read = read_compose, .arg = o};
}
