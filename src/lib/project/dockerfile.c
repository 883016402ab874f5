/* What the loader reads from a build part's Dockerfile: its FROM lines,
 * each a dependency on the part that makes that image, and DockerOps'
 * "#UDP_EXPOSE PORT..." comments (a step of the
 * resolve stage: the parts and their images are known by then). */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "project/stages.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "base/words.h"
#include "project/values.h"

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
    size_t acap = 0, fcap = 0, ucap = 0;
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
        if (w.n >= 2 && streq(w.v[0], "#UDP_EXPOSE")) { /* DockerOps: published as UDP */
            for (size_t k = 1; k < w.n; k++) {
                long long port;
                const char *bad = parse_int(w.v[k], 1, 65535, &port);
                if (bad)
                    report_at(L, (struct loc){shown, start}, pt->name, NULL,
                              "#UDP_EXPOSE %s: %s (use port numbers, 1 to 65535)", w.v[k], bad);
                else
                    strv_push(L->a, &pt->udp_expose, &ucap, w.v[k]);
            }
            continue;
        }
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
