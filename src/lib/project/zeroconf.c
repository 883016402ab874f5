/* The zero-config DockerOps layout: a folder of container folders is a
 * project. containers/<name>/ (or apps_containers/<name>/) holding a
 * Dockerfile gives a build part <name>_image (image <project>/<name>) and a
 * container part <name> (a folder named with '-' or '.' gives the part its
 * name with '_', the image keeps the folder's); a berth.ini in the folder adds settings. The build
 * order comes from the Dockerfiles' FROM lines (dockerfile.c, once the parts
 * exist). */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "project/ini.h"
#include "project/loader.h"
#include "base/util.h"
#include "project/values.h"

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A container folder's berth.ini: top-level keys or [container] for the
 * container, [container:NAME] for an instance, [build] for its image. */
static void folder_doc(struct loader *L, struct ini_doc *doc, const char *part, const char *base)
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

static void add_folder(struct loader *L, const char *top, const char *fname)
{
    const char *rel = arena_printf(L->a, "%s/%s", top, fname);
    const char *folder = join_path(L->a, L->p->dir, rel);
    const char *df = arena_printf(L->a, "%s/Dockerfile", folder);
    const char *ini = arena_printf(L->a, "%s/berth.ini", folder);
    bool has_df = is_file(df), has_ini = is_file(ini);
    if (!has_df && !has_ini)
        return; /* not a container folder */
    const char *shown = shown_path(L, rel);
    struct loc loc = {shown, 0};
    /* A DockerOps folder such as dockerops-base: the part is dockerops_base,
     * the image keeps the folder's name, so FROM <project>/dockerops-base
     * lines resolve as they did. */
    const char *name = valid_part_name(fname) ? fname : fix_part_name(L->a, fname);
    bool image_ok = strspn(fname, "abcdefghijklmnopqrstuvwxyz0123456789_-.") == strlen(fname);
    if (!valid_part_name(name) || !image_ok) {
        report_at(L, loc, NULL, NULL,
                  "folder name '%s' cannot name a part (use lower-case letters, digits and '_': "
                  "rename it '%s')",
                  fname, name);
        return;
    }
    struct rsec *other = loader_find_sec(L, name, NULL);
    if (other) {
        report_at(L, loc, name, NULL, "the name is taken already by %s (rename one of them)",
                  other->folder_shown ? other->folder_shown : "another part");
        return;
    }
    if (has_df) {
        const char *bname = arena_printf(L->a, "%s_image", name);
        if (loader_find_sec(L, bname, NULL)) {
            report_at(L, loc, name, NULL, "its image part '%s' clashes with folder %s/%s", bname,
                      top, bname);
            return;
        }
        struct rsec *b = sec_get(L, bname, NULL, loc, L_IMPLICIT);
        b->kind = PART_BUILD;
        b->folder_shown = shown;
        sec_set(L, b, "recipe", "build", loc, L->p->dir, L_IMPLICIT, false);
        sec_set(L, b, "source", rel, loc, L->p->dir, L_IMPLICIT, false);
        sec_set(L, b, "image", arena_printf(L->a, "${project:name}/%s", fname), loc, L->p->dir,
                L_IMPLICIT, false);
    }
    struct rsec *s = sec_get(L, name, NULL, loc, L_IMPLICIT);
    s->folder = folder;
    s->folder_shown = shown;
    if (has_df)
        sec_set(L, s, "build", arena_printf(L->a, "%s_image", name), loc, L->p->dir, L_IMPLICIT,
                false);
    if (has_ini) {
        const char *why;
        size_t len;
        char *text = slurp_file(ini, &len, &why);
        const char *ishown = arena_printf(L->a, "%s/berth.ini", shown);
        if (!text) {
            report_at(L, (struct loc){ishown, 0}, NULL, NULL, "cannot read: %s", why);
            return;
        }
        struct ini_doc *doc = ini_parse(ishown, text, len, &L->d);
        doc->file = ishown;
        folder_doc(L, doc, name, folder);
        ini_free(doc);
        free(text);
    }
}

void zeroconf_scan(struct loader *L)
{
    static const char *const tops[] = {"containers", "apps_containers"};
    for (size_t t = 0; t < ARRAY_SIZE(tops); t++) {
        const char *path = join_path(L->a, L->p->dir, tops[t]);
        DIR *d = opendir(path);
        if (!d)
            continue;
        char **names = NULL;
        size_t n = 0, cap = 0;
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            if (!is_dir(arena_printf(L->a, "%s/%s", path, e->d_name)))
                continue;
            if (n == cap)
                names = xrealloc(names, (cap = cap ? cap * 2 : 16) * sizeof *names);
            names[n++] = xstrdup(e->d_name);
        }
        closedir(d);
        if (n > PROJECT_MAX_FOLDERS) {
            report_at(L, (struct loc){join_path(L->a, *L->shown_dir ? L->shown_dir : ".", tops[t]), 0},
                      NULL, NULL, "more than %d container folders: berth's limit",
                      PROJECT_MAX_FOLDERS);
            for (size_t i = 0; i < n; i++)
                free(names[i]);
            n = 0;
        }
        if (n > 1)
            qsort(names, n, sizeof *names, cmp_str);
        for (size_t i = 0; i < n; i++) {
            add_folder(L, tops[t], names[i]);
            free(names[i]);
        }
        free(names);
    }
}
