/* The zero-config DockerOps layout: a folder of container folders is a
 * project. containers/<name>/ (or apps_containers/<name>/) holding a
 * Dockerfile gives a build part <name>_image (image <project>/<name>) and a
 * container part <name>; a berth.ini in the folder adds settings. The build
 * order comes from the Dockerfiles' FROM lines. */
#include <ctype.h>
#include <errno.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "project/ini.h"
#include "project/project_int.h"
#include "base/strbuf.h"
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

static void add_folder(struct loader *L, const char *top, const char *name)
{
    const char *rel = arena_printf(L->a, "%s/%s", top, name);
    const char *folder = join_path(L->a, L->p->dir, rel);
    const char *df = arena_printf(L->a, "%s/Dockerfile", folder);
    const char *ini = arena_printf(L->a, "%s/berth.ini", folder);
    bool has_df = is_file(df), has_ini = is_file(ini);
    if (!has_df && !has_ini)
        return; /* not a container folder */
    const char *shown = shown_path(L, rel);
    struct loc loc = {shown, 0};
    if (!valid_part_name(name)) {
        report_at(L, loc, NULL, NULL,
                  "folder name '%s' cannot name a part (use lower-case letters, digits and '_': "
                  "rename it '%s')",
                  name, fix_part_name(L->a, name));
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
        sec_set(L, b, "image", arena_printf(L->a, "${project:name}/%s", name), loc, L->p->dir,
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

/* FROM [--flag=x ...] IMAGE [AS NAME], any case; later stages may name
 * earlier ones, which are not images. Backslash-continued lines are joined. */
void dockerfile_froms(struct loader *L, struct part *pt, const char *path, const char *shown)
{
    const char *why;
    size_t len;
    char *text = slurp_file(path, &len, &why);
    if (!text) {
        /* Point at whichever key chose the file. */
        const struct setting *df = part_setting(pt, "dockerfile");
        const struct setting *src = part_setting(pt, "source");
        const struct setting *at = df && !df->is_default ? df : src ? src : df;
        report_at(L, at ? at->loc : pt->loc, pt->name, at ? at->key : NULL,
                  "cannot read the Dockerfile %s: %s%s", shown, why,
                  streq(why, strerror(ENOENT)) ? " (add one, or set 'dockerfile' to the file to use)" : "");
        return;
    }
    struct strv aliases = {0};
    size_t acap = 0, fcap = 0;
    int line = 0;
    strbuf logical = STRBUF_INIT;
    int start = 0;
    for (char *l = text; *l;) {
        char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        line++;
        if (!logical.len)
            start = line;
        while (n && isspace((unsigned char)l[n - 1]))
            n--;
        bool cont = n && l[n - 1] == '\\';
        sb_add(&logical, l, cont ? n - 1 : n);
        sb_addc(&logical, ' ');
        l = e ? e + 1 : l + strlen(l);
        if (cont)
            continue;
        struct strv w;
        split_words(L->a, logical.buf, &w);
        sb_reset(&logical);
        if (w.n < 2 || strcasecmp(w.v[0], "FROM") != 0)
            continue;
        size_t k = 1;
        while (k < w.n && starts_with(w.v[k], "--"))
            k++;
        if (k >= w.n)
            continue;
        const char *img = w.v[k];
        if (strlen(img) > PROJECT_MAX_IMAGE_NAME) {
            /* Refused here: the engine takes minutes over a 1 MB name. */
            report_at(L, (struct loc){shown, start}, pt->name, NULL,
                      "FROM %.40s...: the image name is longer than %d bytes", img,
                      PROJECT_MAX_IMAGE_NAME);
            continue;
        }
        bool stage = false;
        for (size_t a = 0; a < aliases.n; a++)
            if (strcasecmp(aliases.v[a], img) == 0)
                stage = true;
        if (k + 2 < w.n && strcasecmp(w.v[k + 1], "AS") == 0)
            strv_push(L->a, &aliases, &acap, w.v[k + 2]);
        if (stage || strchr(img, '$') || streq(img, "scratch"))
            continue;
        strv_push(L->a, &pt->from, &fcap, img);
        struct loc loc = {shown, start};
        int maker = find_image_maker(L, img);
        if (maker >= 0) {
            add_dep(L, (int)(pt - L->p->parts), maker, "FROM", loc);
            continue;
        }
        /* <project>/<x> can only mean a sibling: say so when there is none. */
        const char *prefix = arena_printf(L->a, "%s/", L->p->name);
        if (starts_with(img, prefix)) {
            const char **imgs = arena_alloc(L->a, (L->p->nparts + 1) * sizeof *imgs);
            for (size_t i = 0; i < L->p->nparts; i++)
                imgs[i] = L->p->parts[i].kind != PART_CONTAINER && L->p->parts[i].image
                              ? image_repo(L->a, L->p->parts[i].image)
                              : NULL;
            const char *near = nearest_word(image_repo(L->a, img), imgs, L->p->nparts);
            report_at(L, loc, pt->name, NULL,
                      "FROM %s: no part of this project makes that image%s%s%s", img,
                      near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
        }
    }
    sb_release(&logical);
    free(text);
}
