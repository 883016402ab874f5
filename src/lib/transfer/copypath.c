/* The pure side of copies: argument syntax, where a copy lands, and how
 * each tar entry is renamed and vetted before anything is written. */
#include <archive_entry.h>
#include <string.h>

#include "transfer/copy.h"
#include "base/strbuf.h"
#include "transfer/tarball.h"
#include "base/util.h"

void copy_plan_clear(struct copy_plan *pl)
{
    free(pl->root);
    free(pl->top);
    pl->root = pl->top = NULL;
}

bool copy_split_arg(const char *arg, char **target, const char **path)
{
    const char *colon = strchr(arg, ':');
    *target = NULL;
    *path = arg;
    /* "./a:b", "/x:y", ":x": host paths */
    if (!colon || colon == arg || memchr(arg, '/', (size_t)(colon - arg)))
        return false;
    const char *rest = colon + 1, *second = strchr(rest, ':');
    const char *end = colon;
    if (rest[0] != '/' && second && second > rest && !memchr(rest, '/', (size_t)(second - rest)))
        end = second; /* PART:INSTANCE:PATH */
    *target = xstrndup(arg, (size_t)(end - arg));
    *path = end + 1;
    return true;
}

/* Length of s without trailing slashes (but "/" stays "/"). */
static size_t trimmed_len(const char *s)
{
    size_t n = strlen(s);
    while (n > 1 && s[n - 1] == '/')
        n--;
    return n;
}

static char *last_part(const char *s)
{
    size_t n = trimmed_len(s);
    if (n == 1 && s[0] == '/')
        return xstrdup("");
    const char *start = s + n;
    while (start > s && start[-1] != '/')
        start--;
    return xstrndup(start, (size_t)(s + n - start));
}

static char *parent_of(const char *s)
{
    size_t n = trimmed_len(s);
    while (n > 0 && s[n - 1] != '/')
        n--;
    while (n > 1 && s[n - 1] == '/')
        n--;
    if (n == 0)
        return xstrdup(".");
    return xstrndup(s, n);
}

int copy_decide(const char *src, bool src_is_dir, const char *dst, enum copy_kind dst_kind,
                bool exact, struct copy_plan *out, berr **err)
{
    memset(out, 0, sizeof *out);
    cleanup_free char *base = last_part(src);
    bool contents = !*base || (strlen(src) > 1 && src[strlen(src) - 1] == '/');
    bool dst_slash = strlen(dst) > 1 && dst[strlen(dst) - 1] == '/';
    if (streq(base, ".") || streq(base, ".."))
        return berr_set(err, BERR_FAILURE, "%s: name the folder (or its contents, with a "
                        "trailing '/') rather than '%s'", src, base);
    if (contents && !src_is_dir)
        return berr_set(err, BERR_FAILURE, "%s ends with '/' (a folder's contents) but is not a "
                        "folder: drop the '/' to copy it", src);
    if (exact && !contents && !dst_slash && dst_kind == COPY_DIR) {
        if (!src_is_dir)
            return berr_set(err, BERR_FAILURE, "cannot copy file %s onto folder %s: end the "
                            "destination with '/' to copy into it", src, dst);
        dst_kind = COPY_MISSING; /* the folder itself: merged onto the existing one */
    }
    switch (dst_kind) {
    case COPY_DIR:
        out->root = xstrndup(dst, trimmed_len(dst));
        out->top = xstrdup(contents ? "" : base);
        return 0;
    case COPY_FILE:
        if (src_is_dir)
            return berr_set(err, BERR_FAILURE, "cannot copy folder %s onto file %s: remove the "
                            "file or name a folder", src, dst);
        if (dst_slash)
            return berr_set(err, BERR_FAILURE, "%s is a file, not a folder", dst);
        break;
    case COPY_MISSING:
        if (dst_slash && !src_is_dir)
            return berr_set(err, BERR_NOTFOUND, "folder %s does not exist: create it first, or "
                            "drop the trailing '/' to copy %s as that name", dst, src);
        break;
    }
    cleanup_free char *name = last_part(dst);
    if (!*name || streq(name, ".") || streq(name, ".."))
        return berr_set(err, BERR_FAILURE, "%s: not a name to copy to", dst);
    out->root = parent_of(dst);
    out->top = xstrdup(name);
    return 0;
}

/* name relative to the copied tree's top (first), or NULL when outside. */
static const char *below(const char *name, const char *first)
{
    size_t n = strlen(first);
    if (!n)
        return name;
    if (strncmp(name, first, n) != 0 || (name[n] != '\0' && name[n] != '/'))
        return NULL;
    return name[n] == '/' ? name + n + 1 : name + n;
}

static char *joined(const char *top, const char *rest)
{
    if (!*top)
        return xstrdup(rest);
    return *rest ? xasprintf("%s/%s", top, rest) : xstrdup(top);
}

/* Does a relative symbolic link at name (relative to the destination
 * folder) stay inside it? Leading ".." parts may climb as far as name is
 * deep; a ".." after a name could climb out through another link. */
static bool link_stays_inside(const char *name, const char *target)
{
    int depth = 0;
    for (const char *p = name; (p = strchr(p, '/')); p++)
        depth++;
    bool named = false;
    for (const char *p = target; *p;) {
        size_t len = strcspn(p, "/");
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            if (named || --depth < 0)
                return false;
        } else if (len > 0 && !(len == 1 && p[0] == '.')) {
            named = true;
        }
        p += len + (p[len] == '/');
    }
    return true;
}

int copy_map_entry(const struct copy_entry *in, const char *first, const char *plan_top,
                   bool to_host, bool allow_links_out, char **out_name, char **out_link,
                   berr **err)
{
    *out_name = *out_link = NULL;
    cleanup_free char *name = tar_clean_name(in->name);
    if (!name)
        return berr_set(err, BERR_FAILURE, "entry '%s' refused: an absolute name or one with "
                        "'..' would land outside the destination", in->name);
    const char *rest = below(name, first);
    if (!rest)
        return berr_set(err, BERR_FAILURE, "entry '%s' refused: it is not inside the copied "
                        "'%s'", in->name, first);
    if (to_host && (in->type == AE_IFCHR || in->type == AE_IFBLK))
        return berr_set(err, BERR_FAILURE, "entry '%s' refused: berth does not create device "
                        "files on the host", in->name);
    cleanup_free char *mapped = joined(plan_top, rest);
    if (in->hardlink) {
        cleanup_free char *link = tar_clean_name(in->hardlink);
        const char *lrest = link ? below(link, first) : NULL;
        char *lmapped = lrest ? joined(plan_top, lrest) : NULL;
        if (!lmapped || !*lmapped) {
            free(lmapped);
            return berr_set(err, BERR_FAILURE, "entry '%s' refused: a hard link to '%s', "
                            "outside what is copied", in->name, in->hardlink);
        }
        *out_link = lmapped;
    }
    if (to_host && in->symlink && !allow_links_out &&
        (in->symlink[0] == '/' || !link_stays_inside(mapped, in->symlink))) {
        free(*out_link);
        *out_link = NULL;
        return berr_set(err, BERR_FAILURE, "entry '%s' refused: a symbolic link to '%s', which "
                        "is outside the destination (--allow-links-out keeps such links)",
                        in->name, in->symlink);
    }
    *out_name = mapped;
    mapped = NULL;
    return 0;
}
