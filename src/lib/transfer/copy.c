/* Copies as streamed tars. Each flow is a chain of stages joined by pipes,
 * one thread per producing stage, so memory holds a pipe's worth and a few
 * blocks whatever the size:
 *   host -> container:      tar writer thread | PUT (this thread)
 *   container -> host:      GET thread | libarchive disk writer (this thread)
 *   container -> container: GET thread | rename thread | PUT (this thread)
 * A stage that fails closes its end; its neighbour then fails too, and the
 * error reported is the first cause, not the broken pipe it led to. Worker
 * threads block every signal: a write to a closed pipe is then EPIPE, not
 * SIGPIPE, and Ctrl-C reaches the main thread (the HTTP cancel flag stops
 * the transfers, and with them the chain). */
#include "transfer/copy.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>

#include "engine/api.h"
#include "transfer/pump.h"
#include "transfer/tarball.h"
#include "base/util.h"

#define BLOCK PUMP_BLOCK

/* ---- stages ---- */

struct get_job {
    engine *e;
    const char *id, *path, *display;
    struct pump *self;
    int fd;
    char *buf; /* BLOCK bytes: what came, not yet in the pipe */
    size_t used;
};

/* The engine's chunks come to us in pieces of 16 KiB or less: gathered
 * into blocks, the pipe and the reader behind it see a sixteenth of the
 * writes and reads (bench/datapaths.sh, cp out). */
static int get_data(void *ud, const char *data, size_t len, berr **err)
{
    struct get_job *g = ud;
    if (g->used + len > BLOCK) {
        if (g->used && pump_write_all(g->self, g->fd, g->buf, g->used, err) < 0)
            return -1;
        g->used = 0;
        if (len >= BLOCK)
            return pump_write_all(g->self, g->fd, data, len, err);
    }
    memcpy(g->buf + g->used, data, len);
    g->used += len;
    return 0;
}

static int get_stage(struct pump *p, int wfd, berr **err)
{
    struct get_job *g = p->ud;
    g->self = p;
    g->fd = wfd;
    g->buf = xmalloc(BLOCK);
    g->used = 0;
    int rc = api_container_get_archive(g->e, g->id, g->path, get_data, g, err);
    if (rc == 0 && g->used)
        rc = pump_write_all(p, wfd, g->buf, g->used, err);
    free(g->buf);
    g->buf = NULL;
    if (rc < 0)
        return p->broken ? -1 : berr_wrap(err, "read %s:%s", g->display, g->path);
    return 0;
}

struct host_job {
    const char *path, *top;
};

static int host_tar_stage(struct pump *p, int wfd, berr **err)
{
    struct host_job *h = p->ud;
    struct archive *a = tar_writer_fd(wfd, err);
    if (!a)
        return -1;
    int rc = tar_write_path(a, h->path, h->top, err);
    if (rc == 0 && archive_write_close(a) != ARCHIVE_OK)
        rc = berr_set(err, BERR_FAILURE, "finish the tar: %s", archive_error_string(a));
    p->broken = rc < 0 && archive_errno(a) == EPIPE;
    archive_write_free(a);
    return rc;
}

/* libarchive reads a pump. */
struct tar_in {
    struct pump *src;
    char *buf;
    berr *err;
    void (*progress)(void *ud, long long bytes);
    void *progress_ud;
    long long total;
};

static la_ssize_t tar_in_read(struct archive *a, void *ud, const void **out)
{
    (void)a;
    struct tar_in *t = ud;
    long n = pump_read(t->src, t->buf, BLOCK, &t->err);
    *out = t->buf;
    if (n > 0) {
        t->total += n;
        if (t->progress)
            t->progress(t->progress_ud, t->total);
    }
    return n < 0 ? -1 : n;
}

static struct archive *tar_in_open(struct tar_in *t, berr **err)
{
    struct archive *r = archive_read_new();
    archive_read_support_format_tar(r);
    archive_read_support_format_gnutar(r);
    t->buf = xmalloc(BLOCK);
    if (archive_read_open(r, t, NULL, tar_in_read, NULL) != ARCHIVE_OK) {
        if (t->err)
            berr_move(err, &t->err);
        else
            berr_set(err, BERR_FAILURE, "read the copied tar: %s", archive_error_string(r));
        archive_read_free(r);
        return NULL;
    }
    return r;
}

/* A read failure: the pump's own error when it has one. */
static int tar_in_error(struct tar_in *t, struct archive *r, berr **err)
{
    if (t->err) {
        berr_move(err, &t->err);
        return -1;
    }
    return berr_set(err, BERR_FAILURE, "read the copied tar: %s", archive_error_string(r));
}

/* The entries of r, each renamed by the plan, handed to put(). */
typedef int put_fn(void *ud, struct archive *r, struct archive_entry *e, const char *name,
                   const char *link, berr **err);

static int each_entry(struct tar_in *t, struct archive *r, const struct copy_plan *pl,
                      bool to_host, bool allow_links_out, put_fn *put, void *ud, berr **err)
{
    cleanup_free char *first = NULL;
    struct archive_entry *e;
    int rc;
    while ((rc = archive_read_next_header(r, &e)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
        const char *raw = archive_entry_pathname(e);
        if (!first && !(first = tar_clean_name(raw ? raw : "/")))
            return berr_set(err, BERR_FAILURE, "entry '%s' refused: an absolute name or one "
                            "with '..' would land outside the destination", raw ? raw : "?");
        struct copy_entry ce = {
            .name = raw ? raw : "",
            .type = archive_entry_filetype(e),
            .hardlink = archive_entry_hardlink(e),
            .symlink = archive_entry_symlink(e),
        };
        cleanup_free char *name = NULL, *link = NULL;
        if (copy_map_entry(&ce, first, pl->top, to_host, allow_links_out, &name, &link, err) < 0)
            return -1;
        if (!*name)
            continue; /* the copied folder itself, when only its contents go */
        if (put(ud, r, e, name, link, err) < 0) {
            if (t->err) /* the data stopped coming: say why */
                berr_move(err, &t->err);
            return -1;
        }
    }
    return rc == ARCHIVE_EOF ? 0 : tar_in_error(t, r, err);
}

/* Container to container: rename entries into a new tar. */
struct rename_job {
    struct pump *get;
    const struct copy_plan *pl;
    struct archive *w;
};

static int rename_put(void *ud, struct archive *r, struct archive_entry *e, const char *name,
                      const char *link, berr **err)
{
    struct rename_job *j = ud;
    return tar_copy_entry(r, j->w, e, name, link, err);
}

static int rename_stage(struct pump *p, int wfd, berr **err)
{
    struct rename_job *j = p->ud;
    struct tar_in t = {.src = j->get};
    struct archive *r = tar_in_open(&t, err);
    int rc = r ? 0 : -1;
    if (rc == 0 && !(j->w = tar_writer_fd(wfd, err)))
        rc = -1;
    if (rc == 0)
        rc = each_entry(&t, r, j->pl, false, true, rename_put, j, err);
    if (rc == 0 && archive_write_close(j->w) != ARCHIVE_OK)
        rc = berr_set(err, BERR_FAILURE, "finish the tar: %s", archive_error_string(j->w));
    if (j->w) {
        p->broken = rc < 0 && archive_errno(j->w) == EPIPE;
        archive_write_free(j->w);
    }
    if (r)
        archive_read_free(r);
    berr_free(t.err);
    free(t.buf);
    return pump_settle(j->get, rc, err);
}

/* Container to host: libarchive's disk writer, under the real (symlink
 * free) path of the destination folder. libarchive's secure flags are a
 * second guard behind copy_map_entry: no extraction through a symbolic link
 * (a later entry cannot write through a link an earlier one made, nor
 * through one already in the destination), no ".." in a path. Absolute
 * names cannot be refused by libarchive here, as every name is made
 * absolute below the destination; copy_map_entry refuses them. */
struct disk_job {
    struct archive *w;
    const char *root;
};

static int disk_put(void *ud, struct archive *r, struct archive_entry *e, const char *name,
                    const char *link, berr **err)
{
    struct disk_job *j = ud;
    const char *pn = archive_entry_pathname(e);
    cleanup_free char *raw = xstrdup(pn ? pn : "");
    cleanup_free char *path = xasprintf("%s/%s", streq(j->root, "/") ? "" : j->root, name);
    archive_entry_set_pathname(e, path);
    cleanup_free char *lpath = NULL;
    if (link) {
        lpath = xasprintf("%s/%s", streq(j->root, "/") ? "" : j->root, link);
        archive_entry_set_hardlink(e, lpath);
    }
    int rc = archive_write_header(j->w, e);
    if (rc < ARCHIVE_WARN)
        return berr_set(err, BERR_FAILURE, "entry '%s' not written: %s", raw,
                        archive_error_string(j->w));
    if (archive_entry_size(e) > 0 && archive_entry_filetype(e) == AE_IFREG) {
        const void *buf;
        size_t size;
        la_int64_t off;
        while ((rc = archive_read_data_block(r, &buf, &size, &off)) == ARCHIVE_OK)
            if (archive_write_data_block(j->w, buf, size, off) < ARCHIVE_WARN)
                return berr_set(err, BERR_FAILURE, "write %s: %s", path,
                                archive_error_string(j->w));
        if (rc != ARCHIVE_EOF)
            return berr_set(err, BERR_FAILURE, "read %s: %s", raw,
                            archive_error_string(r) ? archive_error_string(r) : "cut short");
    }
    if (archive_write_finish_entry(j->w) < ARCHIVE_WARN)
        return berr_set(err, BERR_FAILURE, "write %s: %s", path, archive_error_string(j->w));
    return 0;
}

/* ---- what the ends are ---- */

static bool ends_in_slash(const char *p)
{
    size_t n = strlen(p);
    return n > 1 && p[n - 1] == '/';
}


/* A container path's kind; with follow, through a symbolic link at its end
 * (the engine resolves the links on the way). */
static int container_kind(const struct copy_end *c, const char *path, bool follow,
                          enum copy_kind *kind, berr **err)
{
    json_t *st = NULL;
    /* "file/" is an engine error: ask for the name, judge the slash later */
    cleanup_free char *bare = xstrdup(path);
    for (size_t n = strlen(bare); n > 1 && bare[n - 1] == '/'; n--)
        bare[n - 1] = '\0';
    if (api_container_stat_path(c->e, c->container, bare, &st, err) < 0)
        return berr_wrap(err, "%s:%s", c->display, path);
    *kind = COPY_MISSING;
    if (st) {
        json_int_t mode = json_integer_value(json_object_get(st, "mode"));
        const char *target = json_string_value(json_object_get(st, "linkTarget"));
        bool is_link = mode & (1LL << 27); /* Go's os.ModeSymlink */
        if (follow && is_link && target && *target && !streq(target, bare)) {
            json_decref(st);
            return container_kind(c, target, false, kind, err);
        }
        *kind = (mode & (1LL << 31)) ? COPY_DIR : COPY_FILE; /* os.ModeDir */
    }
    json_decref(st);
    return 0;
}

static int host_kind(const char *path, bool follow, enum copy_kind *kind, berr **err)
{
    struct stat st;
    if ((follow ? stat(path, &st) : lstat(path, &st)) < 0) {
        if (errno != ENOENT)
            return berr_errno(err, BERR_FAILURE, errno, "%s", path);
        *kind = COPY_MISSING;
        return 0;
    }
    *kind = S_ISDIR(st.st_mode) ? COPY_DIR : COPY_FILE;
    return 0;
}

/* The archive path to ask the engine for: a folder's contents as "DIR/.". */
static char *get_path(const char *src)
{
    size_t n = strlen(src);
    while (n > 1 && src[n - 1] == '/')
        n--;
    if (n == 1 && src[0] == '/')
        return xstrdup("/.");
    return ends_in_slash(src) ? xasprintf("%.*s/.", (int)n, src) : xstrndup(src, n);
}

struct put_src {
    struct pump *p;
    const struct copy_opts *o;
    long long total;
};

static long put_read(void *ud, char *buf, size_t cap, berr **err)
{
    struct put_src *s = ud;
    long n = pump_read(s->p, buf, cap, err);
    if (n > 0) {
        s->total += n;
        if (s->o->progress)
            s->o->progress(s->o->progress_ud, s->total);
    }
    return n;
}

static int put_from(const struct copy_end *dst, const char *root, struct pump *p,
                    const struct copy_opts *o, berr **err)
{
    struct put_src s = {.p = p, .o = o};
    int rc = api_container_put_archive(dst->e, dst->container, root, put_read, &s, err);
    rc = pump_settle(p, rc, err);
    /* the producer's own error speaks for itself; the engine's needs a place */
    if (rc < 0 && !p->delivered)
        berr_wrap(err, "write %s:%s", dst->display, root);
    return rc;
}

/* Copy parts write as dockeroo did: the whole destination path inside the
 * tar, extracted at "/", so that missing parent folders are made. */
static void rebase_on_root(struct copy_plan *pl)
{
    const char *root = pl->root;
    while (*root == '/')
        root++;
    char *top = !*root ? xstrdup(pl->top)
                       : *pl->top ? xasprintf("%s/%s", root, pl->top) : xstrdup(root);
    copy_plan_clear(pl);
    pl->root = xstrdup("/");
    pl->top = top;
}

/* What each end is, and where the copy lands (*pl, to clear). */
static int plan_ends(const struct copy_end *src, const struct copy_end *dst,
                     const struct copy_opts *o, struct copy_plan *pl, berr **err)
{
    enum copy_kind sk, dk;
    bool slash = ends_in_slash(src->path);
    if ((src->container ? container_kind(src, src->path, slash, &sk, err)
                        : host_kind(src->path, slash, &sk, err)) < 0)
        return -1;
    if (sk == COPY_MISSING && src->container)
        return berr_set(err, BERR_NOTFOUND, "%s:%s does not exist", src->display, src->path);
    if (sk == COPY_MISSING)
        return berr_set(err, BERR_NOTFOUND, "%s does not exist", src->path);
    if ((dst->container ? container_kind(dst, dst->path, true, &dk, err)
                        : host_kind(dst->path, true, &dk, err)) < 0)
        return -1;
    return copy_decide(src->path, sk == COPY_DIR, dst->path, dk, o->exact_dst, pl, err);
}

static int to_container(const struct copy_end *src, const struct copy_end *dst,
                        const struct copy_opts *o, berr **err)
{
    struct copy_plan pl;
    if (plan_ends(src, dst, o, &pl, err) < 0)
        return -1;
    cleanup_free char *path = xstrdup(src->path);
    for (size_t n = strlen(path); n > 1 && path[n - 1] == '/'; n--)
        path[n - 1] = '\0';
    struct host_job h = {.path = path, .top = pl.top};
    struct pump p;
    int rc = pump_start(&p, host_tar_stage, &h, err);
    if (rc == 0)
        rc = put_from(dst, pl.root, &p, o, err);
    copy_plan_clear(&pl);
    return rc;
}

static int from_container(const struct copy_end *src, const struct copy_end *dst,
                          const struct copy_opts *o, berr **err)
{
    struct copy_plan pl;
    if (plan_ends(src, dst, o, &pl, err) < 0)
        return -1;
    enum copy_kind rk;
    char real[PATH_MAX];
    int rc = host_kind(pl.root, true, &rk, err);
    if (rc == 0 && rk != COPY_DIR)
        rc = berr_set(err, BERR_NOTFOUND, "folder %s does not exist: create it first", pl.root);
    if (rc == 0 && !realpath(pl.root, real))
        rc = berr_errno(err, BERR_FAILURE, errno, "%s", pl.root);
    if (rc < 0) {
        copy_plan_clear(&pl);
        return -1;
    }
    cleanup_free char *gpath = get_path(src->path);
    struct get_job g = {.e = src->e, .id = src->container, .path = gpath, .display = src->display};
    struct pump p;
    rc = pump_start(&p, get_stage, &g, err);
    if (rc < 0) {
        copy_plan_clear(&pl);
        return -1;
    }
    struct tar_in t = {.src = &p, .progress = o->progress, .progress_ud = o->progress_ud};
    struct archive *r = tar_in_open(&t, err);
    struct disk_job dj = {.root = real, .w = archive_write_disk_new()};
    archive_write_disk_set_options(dj.w, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                                             ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_XATTR |
                                             ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                             ARCHIVE_EXTRACT_SECURE_NODOTDOT);
    rc = r ? each_entry(&t, r, &pl, true, o->allow_links_out, disk_put, &dj, err) : -1;
    /* folders get their times and modes last, once their contents are in */
    if (archive_write_close(dj.w) != ARCHIVE_OK && rc == 0)
        rc = berr_set(err, BERR_FAILURE, "finish writing %s: %s", dst->path,
                      archive_error_string(dj.w));
    archive_write_free(dj.w);
    if (r)
        archive_read_free(r);
    berr_free(t.err);
    free(t.buf);
    copy_plan_clear(&pl);
    return pump_settle(&p, rc, err);
}

/* Reads the temp file of a copy within one container. */
struct spool {
    FILE *f;
    const struct copy_opts *o;
    long long total;
};

static long spool_read(void *ud, char *buf, size_t cap, berr **err)
{
    struct spool *s = ud;
    size_t n = fread(buf, 1, cap, s->f);
    if (n == 0 && ferror(s->f))
        return berr_errno(err, BERR_FAILURE, errno, "read the temporary tar");
    s->total += (long long)n;
    if (n && s->o->progress)
        s->o->progress(s->o->progress_ud, s->total);
    return (long)n;
}

/* Within one container the engine holds the container's lock for as long
 * as an archive GET streams, so a PUT to it waits until the GET is over:
 * the renamed tar goes through an unlinked temp file, never memory. */
static int within_container(const struct copy_end *dst, const struct copy_plan *pl,
                            struct pump *get, const struct copy_opts *o, berr **err)
{
    FILE *f = tmpfile();
    if (!f) {
        berr_errno(err, BERR_FAILURE, errno, "create a temporary file");
        return pump_settle(get, -1, NULL);
    }
    struct rename_job rj = {.get = get, .pl = pl};
    struct pump self = {.ud = &rj, .rfd = -1, .wfd = -1};
    int rc = rename_stage(&self, fileno(f), err);
    if (rc == 0 && fflush(f) == 0 && fseeko(f, 0, SEEK_SET) < 0)
        rc = berr_errno(err, BERR_FAILURE, errno, "rewind the temporary tar");
    struct spool sp = {.f = f, .o = o};
    if (rc == 0 && api_container_put_archive(dst->e, dst->container, pl->root, spool_read, &sp, err) < 0)
        rc = berr_wrap(err, "write %s:%s", dst->display, pl->root);
    fclose(f);
    return rc;
}

static int between_containers(const struct copy_end *src, const struct copy_end *dst,
                              const struct copy_opts *o, berr **err)
{
    struct copy_plan pl;
    if (plan_ends(src, dst, o, &pl, err) < 0)
        return -1;
    if (o->exact_dst)
        rebase_on_root(&pl);
    cleanup_free char *gpath = get_path(src->path);
    struct get_job g = {.e = src->e, .id = src->container, .path = gpath, .display = src->display};
    struct pump get, ren;
    struct rename_job rj = {.get = &get, .pl = &pl};
    int rc = pump_start(&get, get_stage, &g, err);
    /* Two engines never share a container, even with equal names. */
    if (rc == 0 && src->e == dst->e && streq(src->container, dst->container)) {
        rc = within_container(dst, &pl, &get, o, err);
    } else if (rc == 0) {
        if (pump_start(&ren, rename_stage, &rj, err) < 0)
            rc = pump_settle(&get, -1, NULL);
        else
            rc = put_from(dst, pl.root, &ren, o, err);
    }
    copy_plan_clear(&pl);
    return rc;
}

int copy_run(engine *e, const struct copy_end *src, const struct copy_end *dst,
             const struct copy_opts *o, berr **err)
{
    static const struct copy_opts none = {0};
    if (!o)
        o = &none;
    if (!src->container && !dst->container)
        return berr_set(err, BERR_USAGE, "both %s and %s are on the host: name a container "
                        "side as PART:/path or PART:INSTANCE:/path", src->path, dst->path);
    const struct copy_end *ends[] = {src, dst};
    for (int i = 0; i < 2; i++)
        if (ends[i]->container && ends[i]->path[0] != '/')
            return berr_set(err, BERR_USAGE, "%s:%s: paths inside containers are absolute "
                            "(start with '/')", ends[i]->display, ends[i]->path);
    /* Each container side on its own engine, else the one given. */
    struct copy_end s = *src, d = *dst;
    s.e = s.e ? s.e : e;
    d.e = d.e ? d.e : e;
    if (!d.container)
        return from_container(&s, &d, o, err);
    if (!s.container)
        return to_container(&s, &d, o, err);
    return between_containers(&s, &d, o, err);
}
