#include "transfer/tarball.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "base/hash.h"
#include "base/strbuf.h"
#include "base/util.h"

#define COPY_CHUNK (64 * 1024)
#define STREAM_BLOCK (128 * 1024)

/* ---- the temp file ---- */

void tarfile_close(struct tarfile *t)
{
    if (t->f)
        fclose(t->f);
    t->f = NULL;
}

long tarfile_read(void *ud, char *buf, size_t cap, berr **err)
{
    struct tarfile *t = ud;
    size_t n = fread(buf, 1, cap, t->f);
    if (n == 0 && ferror(t->f))
        return berr_errno(err, BERR_FAILURE, errno, "read the temporary tar");
    return (long)n;
}

int tarfile_rewind(struct tarfile *t, berr **err)
{
    if (fseeko(t->f, 0, SEEK_SET) < 0)
        return berr_errno(err, BERR_FAILURE, errno, "rewind the temporary tar");
    clearerr(t->f);
    return 0;
}

/* pax where ustar cannot say it (long names, big files), no padding after
 * the end-of-archive. A name the locale cannot convert to UTF-8 is written as
 * its raw bytes, which is how Go's archive/tar (the engine) reads names; the
 * header write then says ARCHIVE_WARN, which callers accept. */
static struct archive *writer_new(FILE *f, int fd, berr **err)
{
    struct archive *a = archive_write_new();
    /* A streamed tar goes out in blocks of STREAM_BLOCK, not libarchive's
     * 10 KiB: a tenth of the writes into the pipe to the engine. */
    if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
        (!f && archive_write_set_bytes_per_block(a, STREAM_BLOCK) != ARCHIVE_OK) ||
        archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
        (f ? archive_write_open_FILE(a, f) : archive_write_open_fd(a, fd)) != ARCHIVE_OK) {
        berr_set(err, BERR_FAILURE, "start a tar: %s", archive_error_string(a));
        archive_write_free(a);
        return NULL;
    }
    return a;
}

static struct archive *writer_open(FILE *f, berr **err)
{
    return writer_new(f, -1, err);
}

struct archive *tar_writer_fd(int fd, berr **err)
{
    return writer_new(NULL, fd, err);
}

/* Finish the tar and hand the temp file to out, at its start. */
static int writer_finish(struct archive *a, FILE *f, struct tarfile *out, berr **err)
{
    int rc = archive_write_close(a);
    if (rc != ARCHIVE_OK)
        berr_set(err, BERR_FAILURE, "finish the tar: %s", archive_error_string(a));
    archive_write_free(a);
    if (rc != ARCHIVE_OK)
        return -1;
    if (fflush(f) != 0 || (out->size = ftello(f)) < 0 || fseeko(f, 0, SEEK_SET) < 0)
        return berr_errno(err, BERR_FAILURE, errno, "write the temporary tar");
    out->f = f;
    return 0;
}

/* ---- names ---- */

static char *join(const char *a, const char *b)
{
    return *a ? xasprintf("%s/%s", a, b) : xstrdup(b);
}

char *tar_clean_name(const char *name)
{
    strbuf sb = STRBUF_INIT;
    if (name[0] == '/')
        return NULL;
    for (const char *p = name; *p;) {
        size_t len = strcspn(p, "/");
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            sb_release(&sb);
            return NULL;
        }
        if (len > 0 && !(len == 1 && p[0] == '.')) {
            if (sb.len)
                sb_addc(&sb, '/');
            sb_add(&sb, p, len);
        }
        p += len + (p[len] == '/');
    }
    return sb_detach(&sb, NULL);
}

/* Tar order: parents first, siblings in byte order, i.e. '/' sorts before
 * every other byte. */
static int tar_name_cmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ca = *a == '\0' ? 0 : *a == '/' ? 1 : (unsigned char)*a + 2;
        int cb = *b == '\0' ? 0 : *b == '/' ? 1 : (unsigned char)*b + 2;
        if (ca != cb || ca == 0)
            return ca - cb;
    }
}

/* ---- a folder: collect names, then write them in order ---- */

/* F_ROOT: the folder itself, under the last part of the prefix; F_PREFIX_DIR:
 * a folder of the prefix above it; F_EXTRA last, to win over a same name. */
enum fkind { F_DISK, F_ROOT, F_PREFIX_DIR, F_EXTRA };
struct fentry {
    char *name; /* inside the tar */
    char *src;  /* on disk */
    enum fkind kind;
    bool dir;
};
struct flist {
    struct fentry *v;
    size_t n, cap;
};

static void flist_add(struct flist *l, char *name, char *src, enum fkind kind, bool dir)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = (struct fentry){name, src, kind, dir};
}

static void flist_free(struct flist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].name);
        free(l->v[i].src);
    }
    free(l->v);
    *l = (struct flist){0};
}

static int fentry_cmp(const void *pa, const void *pb)
{
    const struct fentry *a = pa, *b = pb;
    int c = tar_name_cmp(a->name, b->name);
    return c ? c : (int)a->kind - (int)b->kind; /* the extra file after a same-named one */
}

/* rel: the folder's path relative to the root ("" for the root itself). */
static int walk(const char *root, const char *rel, bool excluded, const struct tar_opts *o,
                const char *prefix, struct flist *l, berr **err)
{
    cleanup_free char *path = *rel ? xasprintf("%s/%s", root, rel) : xstrdup(root);
    DIR *d = opendir(path);
    if (!d) /* an excluded folder is entered only for '!' rules: not worth failing */
        return excluded ? 0 : berr_errno(err, BERR_FAILURE, errno, "open folder %s", path);
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (errno = 0, de = readdir(d))) {
        if (streq(de->d_name, ".") || streq(de->d_name, ".."))
            continue;
        char *crel = join(rel, de->d_name);
        char *src = xasprintf("%s/%s", path, de->d_name);
        struct stat st;
        bool cexcluded = ignore_match(o->ignore, crel);
        if (lstat(src, &st) < 0) {
            if (errno != ENOENT && !cexcluded) /* gone since readdir: not there */
                rc = berr_errno(err, BERR_FAILURE, errno, "stat %s", src);
        } else if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) {
            if (!cexcluded) {
                flist_add(l, join(prefix, crel), src, F_DISK, S_ISDIR(st.st_mode));
                src = NULL;
            }
            if (S_ISDIR(st.st_mode) && (!cexcluded || ignore_has_exceptions(o->ignore)))
                rc = walk(root, crel, cexcluded, o, prefix, l, err);
        }
        free(src);
        free(crel);
    }
    if (rc == 0 && errno != 0)
        rc = berr_errno(err, BERR_FAILURE, errno, "read folder %s", path);
    closedir(d);
    return rc;
}

static const struct tar_opts default_opts = {.uid = -1, .gid = -1};

/* Every name the tar of dir will hold, in tar order, each once. */
static int collect_folder(const char *dir, const struct tar_opts *o, struct flist *l, berr **err)
{
    struct stat st;
    if (stat(dir, &st) < 0)
        return berr_errno(err, errno == ENOENT ? BERR_NOTFOUND : BERR_FAILURE, errno, "folder %s", dir);
    if (!S_ISDIR(st.st_mode))
        return berr_set(err, BERR_PROJECT, "%s is not a folder", dir);
    const char *want = o->prefix ? o->prefix : "";
    while (*want == '/') /* "/app" means the folder app at the tar's root */
        want++;
    cleanup_free char *prefix = tar_clean_name(want);
    if (!prefix)
        return berr_set(err, BERR_PROJECT, "tar prefix %s: must be relative, without '..'", o->prefix);
    /* The prefix's folders, so that they get the owner too. */
    for (const char *p = prefix; *p; p += strcspn(p, "/") + (p[strcspn(p, "/")] == '/')) {
        size_t end = (size_t)(p - prefix) + strcspn(p, "/");
        bool last = prefix[end] == '\0';
        flist_add(l, xstrndup(prefix, end), xstrdup(dir), last ? F_ROOT : F_PREFIX_DIR, true);
    }
    if (walk(dir, "", false, o, prefix, l, err) < 0)
        return -1;
    if (o->extra_path) {
        cleanup_free char *name = tar_clean_name(o->extra_name ? o->extra_name : "");
        if (!name || !*name)
            return berr_set(err, BERR_PROJECT, "extra tar entry name '%s': must be a relative file name",
                            o->extra_name ? o->extra_name : "");
        if (stat(o->extra_path, &st) < 0)
            return berr_errno(err, errno == ENOENT ? BERR_NOTFOUND : BERR_FAILURE, errno, "%s", o->extra_path);
        if (!S_ISREG(st.st_mode))
            return berr_set(err, BERR_PROJECT, "%s is not a regular file", o->extra_path);
        flist_add(l, join(prefix, name), xstrdup(o->extra_path), F_EXTRA, false);
    }
    qsort(l->v, l->n, sizeof *l->v, fentry_cmp);
    size_t w = 0; /* of same-named entries keep the last: the extra file */
    for (size_t i = 0; i < l->n; i++) {
        if (i + 1 < l->n && streq(l->v[i].name, l->v[i + 1].name)) {
            free(l->v[i].name);
            free(l->v[i].src);
            continue;
        }
        l->v[w++] = l->v[i];
    }
    l->n = w;
    return 0;
}

/* Copy exactly size bytes of fd into the tar and the hash. A file that grew
 * is cut at the size its header announced; one that shrank is an error. */
static int copy_file(struct archive *a, int fd, long long size, const char *src, hasher *h, berr **err)
{
    cleanup_free char *buf = xmalloc(COPY_CHUNK);
    while (size > 0) {
        ssize_t n = read(fd, buf, size < COPY_CHUNK ? (size_t)size : COPY_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return berr_errno(err, BERR_FAILURE, errno, "read %s", src);
        if (n == 0)
            return berr_set(err, BERR_FAILURE, "read %s: the file shrank while being read", src);
        if (archive_write_data(a, buf, (size_t)n) != n)
            return berr_set(err, BERR_FAILURE, "write %s into the tar: %s", src, archive_error_string(a));
        if (h)
            hasher_add(h, buf, (size_t)n);
        size -= n;
    }
    return 0;
}

static int write_fentry(struct archive *a, const struct fentry *fe, const struct tar_opts *o, hasher *h,
                        berr **err)
{
    struct stat st;
    char target[PATH_MAX];
    cleanup_close int fd = -1;
    if (fe->kind == F_DISK && !fe->dir) {
        /* Open before stat so that the header's size is the opened file's. */
        fd = open(fe->src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0 && errno != ELOOP)
            return berr_errno(err, BERR_FAILURE, errno, "open %s", fe->src);
    } else if (fe->kind == F_EXTRA && (fd = open(fe->src, O_RDONLY | O_CLOEXEC)) < 0) {
        return berr_errno(err, BERR_FAILURE, errno, "open %s", fe->src);
    }
    if (fd >= 0 ? fstat(fd, &st) : fe->kind == F_DISK ? lstat(fe->src, &st) : stat(fe->src, &st))
        return berr_errno(err, BERR_FAILURE, errno, "stat %s", fe->src);

    unsigned perm = fe->kind == F_PREFIX_DIR ? 0755 : st.st_mode & 07777;
    char type = S_ISDIR(st.st_mode) ? 'd' : S_ISLNK(st.st_mode) ? 'l' : S_ISREG(st.st_mode) ? 'f' : '?';
    if (type == '?' || (type == 'd') != fe->dir)
        return berr_set(err, BERR_FAILURE, "%s changed type while the tar was written", fe->src);
    target[0] = '\0';
    if (type == 'l') {
        ssize_t n = readlink(fe->src, target, sizeof target);
        if (n < 0 || n >= (ssize_t)sizeof target)
            return berr_errno(err, BERR_FAILURE, n < 0 ? errno : ENAMETOOLONG, "read link %s", fe->src);
        target[n] = '\0';
    }
    long long size = type == 'f' ? (long long)st.st_size : 0;

    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, fe->name);
    archive_entry_set_filetype(e, type == 'd' ? AE_IFDIR : type == 'l' ? AE_IFLNK : AE_IFREG);
    archive_entry_set_perm(e, perm);
    archive_entry_set_size(e, size);
    archive_entry_set_mtime(e, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    archive_entry_set_uid(e, o->uid >= 0 ? (la_int64_t)o->uid : (la_int64_t)st.st_uid);
    archive_entry_set_gid(e, o->gid >= 0 ? (la_int64_t)o->gid : (la_int64_t)st.st_gid);
    if (type == 'l')
        archive_entry_set_symlink(e, target);
    int rc = archive_write_header(a, e);
    archive_entry_free(e);
    if (rc < ARCHIVE_WARN)
        return berr_set(err, BERR_FAILURE, "add %s to the tar: %s", fe->src, archive_error_string(a));

    /* One self-delimiting record per entry, then the content: times and
     * owners the tar merely copies from disk stay out of the hash. */
    if (h) {
        char owner[64] = "-";
        if (o->uid >= 0 || o->gid >= 0)
            snprintf(owner, sizeof owner, "%d:%d", o->uid, o->gid);
        cleanup_free char *rec = xasprintf("%c %04o %s %lld", type, perm, owner, size);
        hasher_add_str(h, rec);
        hasher_add_str(h, fe->name);
        hasher_add_str(h, target);
    }
    return type == 'f' ? copy_file(a, fd, size, fe->src, h, err) : 0;
}

/* Write the collected entries; *hash_out gets the folder's hash. */
static int write_folder(struct archive *a, const struct flist *l, const struct tar_opts *o, char hash_out[65],
                        berr **err)
{
    hasher *h = hasher_new();
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < l->n; i++)
        rc = write_fentry(a, &l->v[i], o, h, err);
    hasher_finish(h, hash_out);
    return rc;
}

int tar_folder(const char *dir, const struct tar_opts *o, struct tarfile *out, berr **err)
{
    struct flist l = {0};
    struct archive *a = NULL;
    FILE *f = NULL;
    *out = (struct tarfile){0};
    if (!o)
        o = &default_opts;
    if (collect_folder(dir, o, &l, err) < 0)
        goto fail;
    if (!(f = tmpfile())) {
        berr_errno(err, BERR_FAILURE, errno, "create a temporary file");
        goto fail;
    }
    if (!(a = writer_open(f, err)) || write_folder(a, &l, o, out->hash, err) < 0)
        goto fail;
    struct archive *done = a;
    a = NULL;
    if (writer_finish(done, f, out, err) < 0)
        goto fail;
    flist_free(&l);
    return 0;
fail:
    if (a)
        archive_write_free(a);
    if (f)
        fclose(f);
    flist_free(&l);
    *out = (struct tarfile){0};
    return -1;
}

/* ---- merging archives and a layout folder ---- */

/* Which source wins each path: archives are 0..n-1, the layout is n. */
struct slot {
    char *path;
    int src;        /* the source of the winning entry */
    long ord;       /* its position in that source */
    int nondir_src; /* the last source that had a non-folder here, or -1 */
};
struct pindex {
    struct slot *v;
    size_t cap, n; /* cap: a power of two, at most half full */
};

static size_t name_hash(const char *s)
{
    uint64_t h = 14695981039346656037ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h;
}

static struct slot *pindex_get(struct pindex *ix, const char *path, bool add)
{
    if (add && 2 * (ix->n + 1) > ix->cap) {
        struct pindex big = {xcalloc(ix->cap ? 2 * ix->cap : 1024, sizeof *big.v), ix->cap ? 2 * ix->cap : 1024, 0};
        for (size_t i = 0; i < ix->cap; i++) {
            if (!ix->v[i].path)
                continue;
            size_t j = name_hash(ix->v[i].path) & (big.cap - 1);
            while (big.v[j].path)
                j = (j + 1) & (big.cap - 1);
            big.v[j] = ix->v[i];
        }
        big.n = ix->n;
        free(ix->v);
        *ix = big;
    }
    if (!ix->cap)
        return NULL;
    size_t i = name_hash(path) & (ix->cap - 1);
    for (; ix->v[i].path; i = (i + 1) & (ix->cap - 1))
        if (streq(ix->v[i].path, path))
            return &ix->v[i];
    if (!add)
        return NULL;
    ix->n++;
    ix->v[i] = (struct slot){xstrdup(path), -1, -1, -1};
    return &ix->v[i];
}

static void pindex_note(struct pindex *ix, const char *path, int src, long ord, bool dir)
{
    struct slot *s = pindex_get(ix, path, true);
    s->src = src;
    s->ord = ord;
    if (!dir)
        s->nondir_src = src;
}

/* Is entry ord of source src the version of path to write? Not when a later
 * entry has the same path, nor when a later source put a non-folder at one of
 * its parents (a file replacing a folder replaces what the folder held). */
static bool pindex_wins(struct pindex *ix, const char *path, int src, long ord)
{
    struct slot *s = pindex_get(ix, path, false);
    if (!s || s->src != src || s->ord != ord)
        return false;
    cleanup_free char *parent = xstrdup(path);
    for (char *p = parent; (p = strchr(p, '/')); *p++ = '/') {
        *p = '\0';
        struct slot *a = pindex_get(ix, parent, false);
        if (a && a->nondir_src > src)
            return false;
    }
    return true;
}

static void pindex_free(struct pindex *ix)
{
    for (size_t i = 0; i < ix->cap; i++)
        free(ix->v[i].path);
    free(ix->v);
}

struct merge {
    const struct tar_source *archives;
    size_t n;
    int *fds;
    char (*digests)[65];
    struct pindex ix;
    struct archive *w; /* the output, in the second pass */
};

/* Open an archive and check its digest on the same descriptor we read later,
 * so the checked bytes are the used bytes. */
static int source_open(const struct tar_source *s, int *fd, char digest[65], berr **err)
{
    if ((*fd = open(s->path, O_RDONLY | O_CLOEXEC)) < 0)
        return berr_errno(err, errno == ENOENT ? BERR_NOTFOUND : BERR_FAILURE, errno, "archive %s", s->path);
    cleanup_free char *buf = xmalloc(COPY_CHUNK);
    hasher *h = hasher_new();
    ssize_t n;
    while ((n = read(*fd, buf, COPY_CHUNK)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0)
            hasher_add(h, buf, (size_t)n);
    int saved = errno;
    hasher_finish(h, digest);
    if (n < 0)
        return berr_errno(err, BERR_FAILURE, saved, "read archive %s", s->path);
    const char *want = s->sha256;
    if (want && starts_with(want, "sha256:"))
        want += 7;
    if (want && strcasecmp(want, digest) != 0)
        return berr_set(err, BERR_FAILURE, "archive %s: sha256 mismatch: expected %s, got %s", s->path, want,
                        digest);
    return 0;
}

int tar_copy_entry(struct archive *r, struct archive *w, struct archive_entry *e, const char *name,
                   const char *link, berr **err)
{
    archive_entry_set_pathname(e, name);
    archive_entry_sparse_clear(e); /* archive_read_data fills the holes */
    if (link) {
        archive_entry_set_hardlink(e, link);
        archive_entry_set_size(e, 0);
    }
    if (archive_write_header(w, e) < ARCHIVE_WARN)
        return berr_set(err, BERR_FAILURE, "copy %s: %s", name, archive_error_string(w));
    if (link || archive_entry_filetype(e) != AE_IFREG)
        return 0;
    cleanup_free char *buf = xmalloc(COPY_CHUNK);
    la_ssize_t n;
    while ((n = archive_read_data(r, buf, COPY_CHUNK)) > 0)
        if (archive_write_data(w, buf, (size_t)n) != n)
            return berr_set(err, BERR_FAILURE, "copy %s: %s", name, archive_error_string(w));
    if (n < 0)
        return berr_set(err, BERR_FAILURE, "read %s: %s", name, archive_error_string(r));
    return 0;
}

/* One pass over archive i: index its names (m->w NULL) or copy its winners. */
static int merge_pass(struct merge *m, int i, berr **err)
{
    const char *path = m->archives[i].path;
    if (lseek(m->fds[i], 0, SEEK_SET) < 0)
        return berr_errno(err, BERR_FAILURE, errno, "archive %s", path);
    struct archive *r = archive_read_new();
    archive_read_support_filter_all(r);
    archive_read_support_format_all(r);
    int rc = archive_read_open_fd(r, m->fds[i], COPY_CHUNK);
    struct archive_entry *e;
    long ord = 0;
    while (rc == ARCHIVE_OK && ((rc = archive_read_next_header(r, &e)) == ARCHIVE_OK || rc == ARCHIVE_WARN)) {
        rc = ARCHIVE_OK;
        ord++;
        const char *raw = archive_entry_pathname(e), *rawlink = archive_entry_hardlink(e);
        cleanup_free char *name = tar_clean_name(raw ? raw : "/");
        cleanup_free char *link = rawlink ? tar_clean_name(rawlink) : NULL;
        if (!name || (rawlink && (!link || !*link))) {
            berr_set(err, BERR_FAILURE, "archive %s: entry '%s'%s%s refused: absolute or with '..'", path,
                     raw ? raw : "?", rawlink ? " linked to " : "", rawlink ? rawlink : "");
            archive_read_free(r); /* after the message: it frees raw */
            return -1;
        }
        if (!*name) /* the root folder itself ("./") */
            continue;
        if (!m->w) {
            pindex_note(&m->ix, name, i, ord, archive_entry_filetype(e) == AE_IFDIR);
            continue;
        }
        if (!pindex_wins(&m->ix, name, i, ord))
            continue;
        struct slot *t = link ? pindex_get(&m->ix, link, false) : NULL;
        if (link && !(t && t->src == i && t->ord < ord && pindex_wins(&m->ix, link, i, t->ord))) {
            archive_read_free(r);
            return berr_set(err, BERR_FAILURE, "archive %s: hard link %s to %s: the target was replaced by a later source",
                            path, name, link);
        }
        if (tar_copy_entry(r, m->w, e, name, link, err) < 0) {
            archive_read_free(r);
            return berr_wrap(err, "archive %s", path);
        }
    }
    if (rc != ARCHIVE_EOF)
        berr_set(err, BERR_FAILURE, "read archive %s: %s", path, archive_error_string(r));
    archive_read_free(r);
    return rc == ARCHIVE_EOF ? 0 : -1;
}

int tar_merge(const struct tar_source *archives, size_t n, const char *layout_dir,
              const struct tar_opts *layout_opts, struct tarfile *out, berr **err)
{
    struct merge m = {.archives = archives, .n = n};
    struct flist layout = {0};
    char layout_hash[65] = "";
    FILE *f = NULL;
    int rc = -1;
    *out = (struct tarfile){0};
    if (!layout_opts)
        layout_opts = &default_opts;
    m.fds = xmalloc((n ? n : 1) * sizeof *m.fds);
    m.digests = xcalloc(n ? n : 1, sizeof *m.digests);
    for (size_t i = 0; i < n; i++)
        m.fds[i] = -1;
    for (size_t i = 0; i < n; i++)
        if (source_open(&archives[i], &m.fds[i], m.digests[i], err) < 0)
            goto out;
    if (layout_dir && collect_folder(layout_dir, layout_opts, &layout, err) < 0)
        goto out;
    for (size_t i = 0; i < n; i++)
        if (merge_pass(&m, (int)i, err) < 0)
            goto out;
    for (size_t i = 0; i < layout.n; i++)
        pindex_note(&m.ix, layout.v[i].name, (int)n, (long)i, layout.v[i].dir);
    if (!(f = tmpfile())) {
        berr_errno(err, BERR_FAILURE, errno, "create a temporary file");
        goto out;
    }
    if (!(m.w = writer_open(f, err)))
        goto out;
    for (size_t i = 0; i < n; i++)
        if (merge_pass(&m, (int)i, err) < 0)
            goto out;
    if (layout_dir && write_folder(m.w, &layout, layout_opts, layout_hash, err) < 0)
        goto out;
    hasher *h = hasher_new();
    for (size_t i = 0; i < n; i++)
        hasher_add_str(h, m.digests[i]);
    hasher_add_str(h, layout_dir ? "layout" : "no layout");
    hasher_add_str(h, layout_hash);
    hasher_finish(h, out->hash);
    struct archive *w = m.w;
    m.w = NULL;
    rc = writer_finish(w, f, out, err);
out:
    if (m.w)
        archive_write_free(m.w);
    if (rc < 0) {
        if (f)
            fclose(f);
        *out = (struct tarfile){0};
    }
    for (size_t i = 0; i < n; i++)
        if (m.fds[i] >= 0)
            close(m.fds[i]);
    free(m.fds);
    free(m.digests);
    pindex_free(&m.ix);
    flist_free(&layout);
    return rc;
}

/* ---- one host path, streamed ---- */

int tar_write_path(struct archive *a, const char *path, const char *name, berr **err)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return berr_errno(err, errno == ENOENT ? BERR_NOTFOUND : BERR_FAILURE, errno, "%s", path);
    struct flist l = {0};
    int rc = 0;
    if (S_ISDIR(st.st_mode)) {
        struct tar_opts o = default_opts;
        o.prefix = name;
        rc = collect_folder(path, &o, &l, err);
    } else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) {
        cleanup_free char *clean = tar_clean_name(name);
        if (!clean || !*clean)
            rc = berr_set(err, BERR_FAILURE, "tar entry name '%s': must be a relative name", name);
        else
            flist_add(&l, xstrdup(clean), xstrdup(path), F_DISK, false);
    } else {
        rc = berr_set(err, BERR_FAILURE, "%s is not a file, folder or symbolic link", path);
    }
    for (size_t i = 0; rc == 0 && i < l.n; i++)
        rc = write_fentry(a, &l.v[i], &default_opts, NULL, err);
    flist_free(&l);
    return rc;
}
