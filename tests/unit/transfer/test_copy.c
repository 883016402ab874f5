/* The pure side of cp: argument syntax, where a copy lands, and how tar
 * entries are renamed and vetted before extraction on the host. */
#include <archive_entry.h>
#include <stdlib.h>

#include "transfer/copy.h"
#include "../tap.h"
#include "transfer/tarball.h"
#include "base/util.h"

static void split(const char *arg, const char *want_target, const char *want_path)
{
    char *t;
    const char *p;
    bool c = copy_split_arg(arg, &t, &p);
    char *desc = xasprintf("split %s", arg);
    ok(c == (want_target != NULL), desc);
    is_str(t, want_target, desc);
    is_str(p, want_path, desc);
    free(desc);
    free(t);
}

/* decide(src, is_dir, dst, kind, exact) -> "root|top" or "error" */
static void decide(const char *src, bool dir, const char *dst, enum copy_kind k, bool exact,
                   const char *want)
{
    struct copy_plan pl;
    berr *err = NULL;
    char *got = copy_decide(src, dir, dst, k, exact, &pl, &err) == 0
                    ? xasprintf("%s|%s", pl.root, pl.top)
                    : xstrdup("error");
    char *desc = xasprintf("decide %s%s -> %s (%s)%s", src, dir ? " (folder)" : "", dst,
                           k == COPY_DIR ? "folder" : k == COPY_FILE ? "file" : "missing",
                           exact ? " exact" : "");
    is_str(got, want, desc);
    if (!streq(want, "error") && err)
        printf("#   %s\n", err->msg);
    free(desc);
    free(got);
    copy_plan_clear(&pl);
    berr_free(err);
}

/* map(name, type, hardlink, symlink, first, top, to_host, allow) -> "new[>link]" or
 * "refused: <start of message>" */
static void map(const char *name, unsigned type, const char *hl, const char *sl, const char *first,
                const char *top, bool allow, const char *want)
{
    struct copy_entry e = {.name = name, .type = type, .hardlink = hl, .symlink = sl};
    char *n = NULL, *l = NULL;
    berr *err = NULL;
    char *got;
    if (copy_map_entry(&e, first, top, true, allow, &n, &l, &err) == 0)
        got = l ? xasprintf("%s>%s", n, l) : xstrdup(n);
    else
        got = xasprintf("refused%s", strstr(err->msg, name) ? " (named)" : " (unnamed!)");
    char *desc = xasprintf("map %s%s%s%s%s under '%s' as '%s'", name, hl ? " hardlink " : "",
                           hl ? hl : "", sl ? " -> " : "", sl ? sl : "", first, top);
    is_str(got, want, desc);
    free(desc);
    free(got);
    free(n);
    free(l);
    berr_free(err);
}

int main(void)
{
    split("web:/etc/x", "web", "/etc/x");
    split("web:one:/etc/x", "web:one", "/etc/x");
    split("web:one:rel", "web:one", "rel");
    split("./a:b", NULL, "./a:b");
    split("/abs:x", NULL, "/abs:x");
    split("plain", NULL, "plain");
    split(":x", NULL, ":x");
    split("web:/a:b", "web", "/a:b");

    char *c = tar_clean_name("./a//b/./c/");
    is_str(c, "a/b/c", "clean name");
    free(c);
    ok(tar_clean_name("/etc") == NULL, "absolute names refused");
    ok(tar_clean_name("a/../../b") == NULL, "'..' refused");
    c = tar_clean_name("./");
    is_str(c, "", "'./' is the root");
    free(c);

    /* docker cp's rules, with the trailing slash for contents */
    decide("/etc/hosts", false, "out", COPY_DIR, false, "out|hosts");
    decide("/etc/hosts", false, "out/", COPY_DIR, false, "out|hosts");
    decide("/etc/hosts", false, "new", COPY_MISSING, false, ".|new");
    decide("/etc/hosts", false, "a/new", COPY_MISSING, false, "a|new");
    decide("/etc/hosts", false, "/new", COPY_MISSING, false, "/|new");
    decide("/etc/hosts", false, "new/", COPY_MISSING, false, "error");
    decide("/etc/hosts", false, "old", COPY_FILE, false, ".|old");
    decide("/etc", true, "out", COPY_DIR, false, "out|etc");
    decide("/etc/", true, "out", COPY_DIR, false, "out|");
    decide("/etc/", true, "new", COPY_MISSING, false, ".|new");
    decide("/etc/", true, "new/", COPY_MISSING, false, ".|new");
    decide("/etc", true, "file", COPY_FILE, false, "error");
    decide("/etc/hosts/", false, "out", COPY_DIR, false, "error");
    decide("/", true, "out", COPY_DIR, false, "out|");
    decide("dir", true, "/tmp", COPY_DIR, false, "/tmp|dir");
    /* copy parts: DST is the copy itself */
    decide("/lib", true, "/lib", COPY_DIR, true, "/|lib");
    decide("/lib/", true, "/lib/", COPY_DIR, true, "/lib|");
    decide("/bin/sh", false, "/bin/bash", COPY_FILE, true, "/bin|bash");
    decide("/bin/sh", false, "/bin/", COPY_DIR, true, "/bin|sh");
    decide("/bin/sh", false, "/bin", COPY_DIR, true, "error");

    /* renaming */
    map("d", AE_IFDIR, NULL, NULL, "d", "new", false, "new");
    map("d/x/y", AE_IFREG, NULL, NULL, "d", "new", false, "new/x/y");
    map("./", AE_IFDIR, NULL, NULL, "", "", false, "");
    map("./x", AE_IFREG, NULL, NULL, "", "", false, "x");
    map("d/h", AE_IFREG, "d/x", NULL, "d", "n", false, "n/h>n/x");
    map("other/x", AE_IFREG, NULL, NULL, "d", "n", false, "refused (named)");
    /* what would land outside */
    map("d/../../x", AE_IFREG, NULL, NULL, "d", "d", false, "refused (named)");
    map("/etc/passwd", AE_IFREG, NULL, NULL, "", "", false, "refused (named)");
    map("d/h", AE_IFREG, "/etc/passwd", NULL, "d", "d", false, "refused (named)");
    map("d/h", AE_IFREG, "d/../../etc/passwd", NULL, "d", "d", false, "refused (named)");
    map("d/h", AE_IFREG, "elsewhere/f", NULL, "d", "d", false, "refused (named)");
    map("h", AE_IFREG, "./", NULL, "", "", false, "refused (named)");
    map("d/l", AE_IFLNK, NULL, "/etc", "d", "d", false, "refused (named)");
    map("d/l", AE_IFLNK, NULL, "../../etc", "d", "d", false, "refused (named)");
    map("d/l", AE_IFLNK, NULL, "sub/../../..", "d", "d", false, "refused (named)");
    map("d/l", AE_IFLNK, NULL, "up/..", "d", "d", false, "refused (named)");
    map("d/dev", AE_IFCHR, NULL, NULL, "d", "d", false, "refused (named)");
    map("d/dev", AE_IFBLK, NULL, NULL, "d", "d", true, "refused (named)");
    /* links that stay inside */
    map("d/l", AE_IFLNK, NULL, "../x", "d", "d", false, "d/l");
    map("d/s/l", AE_IFLNK, NULL, "../../top", "d", "d", false, "d/s/l");
    map("d/l", AE_IFLNK, NULL, "busybox", "d", "d", false, "d/l");
    map("d/l", AE_IFLNK, NULL, "./a/b", "d", "d", false, "d/l");
    /* renamed to the top: one level less to climb */
    map("d/l", AE_IFLNK, NULL, "../x", "d", "", false, "refused (named)");
    /* --allow-links-out */
    map("d/l", AE_IFLNK, NULL, "/etc", "d", "d", true, "d/l");
    map("d/l", AE_IFLNK, NULL, "../../etc", "d", "d", true, "d/l");
    /* names are still checked with it */
    map("d/../x", AE_IFLNK, NULL, "/etc", "d", "d", true, "refused (named)");

    /* into a container the engine guards extraction: links are not ours */
    struct copy_entry e = {.name = "d/l", .type = AE_IFLNK, .symlink = "/etc"};
    char *n = NULL, *l = NULL;
    berr *err = NULL;
    ok(copy_map_entry(&e, "d", "x", false, false, &n, &l, &err) == 0, "links kept into a container");
    is_str(n, "x/l", "renamed into a container");
    free(n);
    berr_free(err);
    return tap_done();
}
