/* The tar layer: folders to tars (order, types, modes, owners, ignore rules,
 * prefix, extra file, content hash) and merged archives, read back with
 * libarchive. */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "base/hash.h"
#include "transfer/ignore.h"
#include "base/strbuf.h"
#include "../tap.h"
#include "transfer/tarball.h"
#include "base/util.h"

struct tentry {
    char name[256];
    char type;  /* 'f', 'd', 'l' (symlink), 'h' (hard link) */
    int perm;
    long uid;
    char link[256];
    char data[64];
};
struct tlist {
    struct tentry v[64];
    int n;
    char names[2048]; /* "a,b,c": the order at a glance */
};

static void put(const char *dir, const char *rel, const char *content, int mode)
{
    char *p = xasprintf("%s/%s", dir, rel);
    FILE *f = fopen(p, "w");
    if (!f || fputs(content, f) < 0 || fclose(f) != 0)
        abort();
    chmod(p, mode);
    free(p);
}

static char *at(const char *dir, const char *rel)
{
    static char buf[4][512];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof buf[i], "%s/%s", dir, rel);
    return buf[i];
}

/* Read the whole tar through tarfile_read in 7-byte reads, then list it. */
static int read_tar(struct tarfile *t, struct tlist *l)
{
    strbuf sb = STRBUF_INIT;
    char buf[7];
    long n;
    berr *err = NULL;
    memset(l, 0, sizeof *l);
    if (!t->f)
        return 0;
    while ((n = tarfile_read(t, buf, sizeof buf, &err)) > 0)
        sb_add(&sb, buf, (size_t)n);
    int good = n == 0 && (long long)sb.len == t->size && sb.len > 0;
    struct archive *a = archive_read_new();
    archive_read_support_format_all(a);
    archive_read_open_memory(a, sb.buf, sb.len);
    struct archive_entry *e;
    while (l->n < 64 && archive_read_next_header(a, &e) == ARCHIVE_OK) {
        struct tentry *x = &l->v[l->n++];
        snprintf(x->name, sizeof x->name, "%s", archive_entry_pathname(e));
        unsigned ft = archive_entry_filetype(e);
        x->type = archive_entry_hardlink(e) ? 'h' : ft == AE_IFDIR ? 'd' : ft == AE_IFLNK ? 'l' : 'f';
        x->perm = archive_entry_perm(e);
        x->uid = archive_entry_uid(e);
        const char *link = x->type == 'h' ? archive_entry_hardlink(e) : archive_entry_symlink(e);
        snprintf(x->link, sizeof x->link, "%s", link ? link : "");
        la_ssize_t got = archive_read_data(a, x->data, sizeof x->data - 1);
        x->data[got > 0 ? got : 0] = '\0';
        size_t len = strlen(l->names);
        snprintf(l->names + len, sizeof l->names - len, "%s%s", len ? "," : "", x->name);
    }
    archive_read_free(a);
    sb_release(&sb);
    berr_free(err);
    return good;
}

static const struct tentry *find(const struct tlist *l, const char *name)
{
    for (int i = 0; i < l->n; i++)
        if (streq(l->v[i].name, name))
            return &l->v[i];
    return NULL;
}

/* The hash of dir's tar with the given rules text (NULL: none). */
static void folder_hash(const char *dir, const char *rules, char out[65])
{
    struct ignore_rules *r = NULL;
    struct tar_opts o = {.uid = -1, .gid = -1};
    struct tarfile t;
    berr *err = NULL;
    if (rules && ignore_parse(rules, &r, &err) < 0)
        abort();
    o.ignore = r;
    strcpy(out, tar_folder(dir, &o, &t, &err) == 0 ? t.hash : "error");
    tarfile_close(&t);
    ignore_free(r);
    berr_free(err);
}

static void test_folder(const char *dir)
{
    struct ignore_rules *rules = NULL;
    berr *err = NULL;
    struct tarfile t;
    struct tlist l;
    ignore_parse("*.o\n!keep.o\n", &rules, &err);
    struct tar_opts o = {.ignore = rules, .uid = 1234, .gid = 1234};
    is_int(tar_folder(dir, &o, &t, &err), 0, "tar a folder");
    if (err)
        printf("# %s\n", err->msg);
    ok(read_tar(&t, &l), "tarfile_read gives the whole tar in 7-byte reads, then 0");
    is_str(l.names, "a.txt,keep.o,link,run.sh,sub/,sub/b.txt,sub/c.o,sub-file",
           "entries in tar order, ignored ones left out, '!' re-included present");
    const struct tentry *e = find(&l, "a.txt");
    ok(e && e->type == 'f' && e->perm == 0644 && streq(e->data, "hello"), "a file: type, mode, content");
    e = find(&l, "run.sh");
    ok(e && e->perm == 0755, "an executable keeps its mode");
    e = find(&l, "link");
    ok(e && e->type == 'l' && streq(e->link, "a.txt"), "a symlink stays a link with its target");
    e = find(&l, "sub/");
    ok(e && e->type == 'd' && e->perm == 0750, "a folder with its mode");
    int owned = 0;
    for (int i = 0; i < l.n; i++)
        owned += l.v[i].uid == 1234;
    is_int(owned, l.n, "every entry gets the overriding owner");
    ok(tarfile_rewind(&t, &err) == 0 && read_tar(&t, &l) && l.n == 8, "rewind reads it again");
    tarfile_close(&t);
    tarfile_close(&t);
    ok(t.f == NULL, "close twice is harmless");

    ignore_free(rules);
    ignore_parse("sub\n!sub/b.txt\n", &rules, &err);
    o = (struct tar_opts){.ignore = rules, .uid = -1, .gid = -1};
    is_int(tar_folder(dir, &o, &t, &err), 0, "tar with an excluded folder");
    read_tar(&t, &l);
    ok(find(&l, "sub/b.txt") && !find(&l, "sub/") && !find(&l, "sub/c.o"),
       "a '!' rule re-includes a file below an excluded folder, and only it");
    tarfile_close(&t);

    is_int(tar_folder(dir, NULL, &t, &err), 0, "tar without options");
    read_tar(&t, &l);
    ok(find(&l, "skip.o") && find(&l, "a.txt")->uid == (long)getuid(), "no rules, own owners");
    tarfile_close(&t);

    o = (struct tar_opts){.uid = 0, .gid = 0, .prefix = "/app/srv/"};
    is_int(tar_folder(dir, &o, &t, &err), 0, "tar under a prefix");
    read_tar(&t, &l);
    ok(starts_with(l.names, "app/,app/srv/,app/srv/a.txt,"), "entries sit under the prefix, its folders first");
    ok(find(&l, "app/") && find(&l, "app/")->perm == 0755, "prefix folders are 0755");
    tarfile_close(&t);

    char extra[] = "/tmp/berth-extra-XXXXXX";
    int fd = mkstemp(extra);
    ok(fd >= 0 && write(fd, "FROM scratch\n", 13) == 13, "an extra file outside the folder");
    close(fd);
    o = (struct tar_opts){.uid = -1, .gid = -1, .extra_path = extra, .extra_name = "Dockerfile.berth"};
    is_int(tar_folder(dir, &o, &t, &err), 0, "tar with an extra file");
    read_tar(&t, &l);
    e = find(&l, "Dockerfile.berth");
    ok(e && e->type == 'f' && streq(e->data, "FROM scratch\n"), "the extra file is in, under its name");
    ok(starts_with(l.names, "Dockerfile.berth,a.txt"), "in tar order");
    tarfile_close(&t);
    o.extra_name = "a.txt";
    tar_folder(dir, &o, &t, &err);
    read_tar(&t, &l);
    ok(find(&l, "a.txt") && streq(find(&l, "a.txt")->data, "FROM scratch\n") && l.n == 9,
       "an extra file replaces a same-named one, once");
    tarfile_close(&t);
    unlink(extra);

    is_int(tar_folder("/nonexistent/ctx", NULL, &t, &err), -1, "a missing folder fails");
    ok(err && err->code == BERR_NOTFOUND, "as not found");
    has_str(err ? err->msg : NULL, "/nonexistent/ctx", "naming it");
    ok(t.f == NULL, "and leaves no tar");
    berr_freep(&err);
    o = (struct tar_opts){.uid = -1, .gid = -1, .extra_path = "/nonexistent/Dockerfile", .extra_name = "D"};
    is_int(tar_folder(dir, &o, &t, &err), -1, "a missing extra file fails");
    has_str(err ? err->msg : NULL, "/nonexistent/Dockerfile", "naming it");
    berr_freep(&err);
    o = (struct tar_opts){.uid = -1, .gid = -1, .extra_path = at(dir, "a.txt"), .extra_name = "../x"};
    is_int(tar_folder(dir, &o, &t, &err), -1, "an extra name climbing out is refused");
    berr_freep(&err);
    if (geteuid() != 0) {
        chmod(at(dir, "a.txt"), 0);
        is_int(tar_folder(dir, NULL, &t, &err), -1, "an unreadable file fails");
        has_str(err ? err->msg : NULL, at(dir, "a.txt"), "naming it");
        berr_freep(&err);
        chmod(at(dir, "a.txt"), 0644);
    } else {
        ok(1, "# SKIP unreadable files: running as root");
    }
    ignore_free(rules);
}

static void test_hash(const char *dir)
{
    char h0[65], h[65];
    const char *rules = "*.o\n!keep.o\n";
    folder_hash(dir, rules, h0);
    ok(strlen(h0) == 64, "a folder has a hash");
    folder_hash(dir, rules, h);
    is_str(h, h0, "the same tree hashes the same");
    struct timeval tv[2] = {{1000000, 0}, {1000000, 0}};
    utimes(at(dir, "a.txt"), tv);
    utimes(at(dir, "sub"), tv);
    folder_hash(dir, rules, h);
    is_str(h, h0, "touching files does not change the hash");
    put(dir, "skip.o", "changed", 0644);
    folder_hash(dir, rules, h);
    is_str(h, h0, "editing an ignored file does not either");
    put(dir, "a.txt", "hellO", 0644);
    folder_hash(dir, rules, h);
    ok(!streq(h, h0), "editing content does");
    put(dir, "a.txt", "hello", 0644);
    folder_hash(dir, rules, h);
    is_str(h, h0, "restoring content restores the hash");
    chmod(at(dir, "a.txt"), 0755);
    folder_hash(dir, rules, h);
    ok(!streq(h, h0), "chmod +x does");
    chmod(at(dir, "a.txt"), 0644);
    rename(at(dir, "sub/b.txt"), at(dir, "sub/b2.txt"));
    folder_hash(dir, rules, h);
    ok(!streq(h, h0), "renaming does");
    rename(at(dir, "sub/b2.txt"), at(dir, "sub/b.txt"));
    put(dir, "new.txt", "", 0644);
    folder_hash(dir, rules, h);
    ok(!streq(h, h0), "adding a file does");
    unlink(at(dir, "new.txt"));
    folder_hash(dir, rules, h);
    is_str(h, h0, "and all back is the first hash");
    folder_hash(dir, NULL, h);
    ok(!streq(h, h0), "different rules, different hash");
}

/* Make an archive; each entry is "name", type ('f','d','h','l') and data (or link). */
struct aentry {
    const char *name;
    char type;
    const char *data;
};
static void make_archive(const char *path, bool gz, const struct aentry *v)
{
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    if (gz)
        archive_write_add_filter_gzip(a);
    if (archive_write_open_filename(a, path) != ARCHIVE_OK)
        abort();
    for (; v->name; v++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, v->name);
        archive_entry_set_filetype(e, v->type == 'd' ? AE_IFDIR : v->type == 'l' ? AE_IFLNK : AE_IFREG);
        archive_entry_set_perm(e, v->type == 'd' ? 0755 : 0644);
        if (v->type == 'h')
            archive_entry_set_hardlink(e, v->data);
        if (v->type == 'l')
            archive_entry_set_symlink(e, v->data);
        archive_entry_set_size(e, v->type == 'f' ? (la_int64_t)strlen(v->data) : 0);
        archive_write_header(a, e);
        if (v->type == 'f')
            archive_write_data(a, v->data, strlen(v->data));
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
}

static void file_sha256(const char *path, char out[65])
{
    strbuf sb = STRBUF_INIT;
    char buf[4096];
    size_t n;
    FILE *f = fopen(path, "rb");
    while (f && (n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_add(&sb, buf, n);
    if (f)
        fclose(f);
    sha256_hex(sb.buf, sb.len, out);
    sb_release(&sb);
}

static void test_merge(const char *tmp)
{
    static const struct aentry base[] = {
        {"./", 'd', NULL},         {"./etc/", 'd', NULL},       {"./etc/conf", 'f', "one"},
        {"./etc/keep", 'f', "k1"}, {"./bin/tool", 'f', "tool1"}, {"./bin/tool-link", 'h', "./bin/tool"},
        {"./var/", 'd', NULL},     {"./var/old", 'f', "old"},    {"./sh", 'l', "/bin/busybox"},
        {NULL, 0, NULL}};
    static const struct aentry over[] = {
        {"etc/conf", 'f', "two"}, {"opt/x", 'f', "x2"}, {"var", 'f', "now a file"}, {NULL, 0, NULL}};
    static const struct aentry evil[] = {{"ok", 'f', "fine"}, {"../evil", 'f', "bad"}, {NULL, 0, NULL}};
    static const struct aentry abs[] = {{"/etc/passwd", 'f', "root"}, {NULL, 0, NULL}};
    char *p1 = xasprintf("%s/base.tar", tmp), *p2 = xasprintf("%s/over.tar.gz", tmp);
    char *p3 = xasprintf("%s/evil.tar", tmp), *p4 = xasprintf("%s/abs.tar", tmp);
    char *layout = xasprintf("%s/layout", tmp), *missing = xasprintf("%s/missing.tar", tmp);
    make_archive(p1, false, base);
    make_archive(p2, true, over);
    make_archive(p3, false, evil);
    make_archive(p4, false, abs);
    mkdir(layout, 0755);
    mkdir(at(layout, "etc"), 0755);
    put(layout, "etc/conf", "three", 0600);
    char d1[65], d2[65], h0[65];
    file_sha256(p1, d1);
    file_sha256(p2, d2);

    struct tar_source src[] = {{p1, d1}, {p2, NULL}};
    struct tar_opts lo = {.uid = 1234, .gid = 1234};
    struct tarfile t;
    struct tlist l;
    berr *err = NULL;
    is_int(tar_merge(src, 2, layout, &lo, &t, &err), 0, "merge a .tar, a .tar.gz and a layout folder");
    if (err)
        printf("# %s\n", err->msg);
    ok(read_tar(&t, &l), "read the merged tar");
    strcpy(h0, t.hash);
    tarfile_close(&t);
    is_str(l.names, "etc/keep,bin/tool,bin/tool-link,sh,opt/x,var,etc/,etc/conf",
           "each path once, the last source's version, in source order, root and './' dropped");
    const struct tentry *e = find(&l, "etc/conf");
    ok(e && streq(e->data, "three") && e->uid == 1234 && e->perm == 0600, "the layout overrides both archives");
    ok(find(&l, "opt/x") && streq(find(&l, "opt/x")->data, "x2"), "the second archive adds");
    ok(find(&l, "etc/keep") && streq(find(&l, "etc/keep")->data, "k1"), "the first archive's own paths stay");
    ok(find(&l, "var") && find(&l, "var")->type == 'f' && !find(&l, "var/old"),
       "a file replacing a folder drops what the folder held");
    e = find(&l, "bin/tool-link");
    ok(e && e->type == 'h' && streq(e->link, "bin/tool"), "hard links are kept, names cleaned");
    ok(find(&l, "sh") && streq(find(&l, "sh")->link, "/bin/busybox"), "absolute symlink targets are fine");

    src[1].sha256 = d2;
    is_int(tar_merge(src, 2, layout, &lo, &t, &err), 0, "merge again with both digests");
    is_str(t.hash, h0, "the same inputs give the same hash");
    tarfile_close(&t);
    put(layout, "etc/conf", "four", 0600);
    tar_merge(src, 2, layout, &lo, &t, &err);
    ok(!streq(t.hash, h0), "a layout change changes the hash");
    tarfile_close(&t);
    is_int(tar_merge(src, 1, NULL, NULL, &t, &err), 0, "one archive, no layout");
    read_tar(&t, &l);
    ok(find(&l, "var/old") && find(&l, "etc/conf") && streq(find(&l, "etc/conf")->data, "one"), "is that archive");
    ok(!streq(t.hash, h0), "with its own hash");
    tarfile_close(&t);

    const char *wrong = "0000000000000000000000000000000000000000000000000000000000000000";
    src[1].sha256 = wrong;
    is_int(tar_merge(src, 2, layout, &lo, &t, &err), -1, "a wrong sha256 fails");
    has_str(err ? err->msg : NULL, p2, "naming the archive");
    has_str(err ? err->msg : NULL, wrong, "the expected digest");
    has_str(err ? err->msg : NULL, d2, "and the actual one");
    ok(t.f == NULL, "and leaves no tar");
    berr_freep(&err);

    struct tar_source gone[] = {{p1, NULL}, {missing, NULL}};
    is_int(tar_merge(gone, 2, NULL, NULL, &t, &err), -1, "a missing archive fails");
    ok(err && err->code == BERR_NOTFOUND, "as not found");
    has_str(err ? err->msg : NULL, missing, "naming it");
    berr_freep(&err);
    is_int(tar_merge(src, 1, missing, NULL, &t, &err), -1, "a missing layout folder fails");
    ok(err && err->code == BERR_NOTFOUND, "as not found");
    berr_freep(&err);

    struct tar_source bad[] = {{p3, NULL}};
    is_int(tar_merge(bad, 1, NULL, NULL, &t, &err), -1, "an archive with '../evil' is refused");
    has_str(err ? err->msg : NULL, "../evil", "naming the entry");
    berr_freep(&err);
    bad[0].path = p4;
    is_int(tar_merge(bad, 1, NULL, NULL, &t, &err), -1, "an archive with an absolute name is refused");
    has_str(err ? err->msg : NULL, "/etc/passwd", "naming the entry");
    berr_freep(&err);

    unlink(at(layout, "etc/conf"));
    rmdir(at(layout, "etc"));
    rmdir(layout);
    unlink(p1), unlink(p2), unlink(p3), unlink(p4);
    free(p1), free(p2), free(p3), free(p4), free(layout), free(missing);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    umask(022);
    char dir[] = "/tmp/berth-tar-XXXXXX", tmp[] = "/tmp/berth-merge-XXXXXX";
    if (!mkdtemp(dir) || !mkdtemp(tmp))
        abort();
    put(dir, "a.txt", "hello", 0644);
    put(dir, "run.sh", "#!/bin/sh\n", 0755);
    put(dir, "skip.o", "obj", 0644);
    put(dir, "keep.o", "obj", 0644);
    put(dir, "sub-file", "", 0644);
    mkdir(at(dir, "sub"), 0750);
    put(dir, "sub/b.txt", "b", 0644);
    put(dir, "sub/c.o", "c", 0644);
    if (symlink("a.txt", at(dir, "link")) < 0)
        abort();

    test_folder(dir);
    test_hash(dir);
    test_merge(tmp);

    const char *files[] = {"a.txt", "run.sh", "skip.o", "keep.o", "sub-file", "sub/b.txt", "sub/c.o", "link"};
    for (size_t i = 0; i < ARRAY_SIZE(files); i++)
        unlink(at(dir, files[i]));
    rmdir(at(dir, "sub"));
    rmdir(dir);
    rmdir(tmp);
    return tap_done();
}
