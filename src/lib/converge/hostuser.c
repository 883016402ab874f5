#include "converge/hostuser.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "engine/api.h"

#define FILE_MAX (1u << 20) /* an /etc/passwd larger than this is not one */

char *hostuser_home(const struct caller *c)
{
    return c->uid == 0 ? xstrdup("/root") : xasprintf("/home/%s", c->name);
}

/* Field n (0-based) of a colon-separated line, as a fresh string. */
static char *field(const char *line, size_t len, int n)
{
    const char *p = line, *end = line + len;
    for (int i = 0; i < n; i++) {
        const char *c = memchr(p, ':', (size_t)(end - p));
        if (!c)
            return NULL;
        p = c + 1;
    }
    const char *c = memchr(p, ':', (size_t)(end - p));
    return xstrndup(p, (size_t)((c ? c : end) - p));
}

/* Each line of text (without its newline) to fn; stops when fn says so. */
static void each_line(const char *text, void (*fn)(void *, const char *, size_t), void *ud)
{
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        fn(ud, p, n);
        p += n + (p[n] == '\n');
    }
}

struct pw_edit {
    const struct caller *c;
    strbuf out;
};

static void pw_line(void *ud, const char *line, size_t len)
{
    struct pw_edit *ed = ud;
    cleanup_free char *name = field(line, len, 0);
    cleanup_free char *uid = field(line, len, 2);
    cleanup_free char *mine = xasprintf("%u", ed->c->uid);
    if (len == 0 || streq(name, ed->c->name) || streq(uid, mine))
        return; /* replaced by the caller's entry (blank lines dropped) */
    sb_add(&ed->out, line, len);
    sb_addc(&ed->out, '\n');
}

char *hostuser_passwd(const char *old, const struct caller *c)
{
    struct pw_edit ed = {c, STRBUF_INIT};
    sb_adds(&ed.out, ""); /* "" rather than NULL when nothing is kept */
    each_line(old, pw_line, &ed);
    cleanup_free char *home = hostuser_home(c);
    sb_addf(&ed.out, "%s:x:%u:%u:%s:%s:/bin/sh\n", c->name, c->uid, c->gid, c->name, home);
    return sb_detach(&ed.out, NULL);
}

struct gr_scan {
    const struct caller *c;
    bool have_gid, have_name;
};

static void gr_line(void *ud, const char *line, size_t len)
{
    struct gr_scan *sc = ud;
    cleanup_free char *name = field(line, len, 0);
    cleanup_free char *gid = field(line, len, 2);
    cleanup_free char *mine = xasprintf("%u", sc->c->gid);
    sc->have_gid = sc->have_gid || streq(gid, mine);
    sc->have_name = sc->have_name || streq(name, sc->c->group);
}

char *hostuser_group(const char *old, const struct caller *c)
{
    struct gr_scan sc = {c, false, false};
    each_line(old, gr_line, &sc);
    strbuf out = STRBUF_INIT;
    sb_adds(&out, old);
    if (out.len && out.buf[out.len - 1] != '\n')
        sb_addc(&out, '\n');
    if (!sc.have_gid) {
        if (sc.have_name)
            sb_addf(&out, "host%u:x:%u:\n", c->gid, c->gid);
        else
            sb_addf(&out, "%s:x:%u:\n", c->group, c->gid);
    }
    return sb_detach(&out, NULL);
}

/* ---- the container's side ---- */

static int collect(void *ud, const char *data, size_t len, berr **err)
{
    strbuf *sb = ud;
    if (sb->len + len > FILE_MAX + 65536)
        return berr_set(err, BERR_FAILURE, "the file is larger than %u KiB", FILE_MAX >> 10);
    sb_add(sb, data, len);
    return 0;
}

/* A regular file of the created container ("" when it has none). */
static int read_file(engine *e, const char *id, const char *path, char **out, berr **err)
{
    *out = NULL;
    strbuf tar = STRBUF_INIT;
    berr *e2 = NULL;
    if (api_container_get_archive(e, id, path, collect, &tar, &e2) < 0) {
        sb_release(&tar);
        if (e2->http_status == 404) {
            berr_free(e2);
            *out = xstrdup("");
            return 0;
        }
        berr_move(err, &e2);
        return berr_wrap(err, "read %s", path);
    }
    struct archive *a = archive_read_new();
    archive_read_support_format_tar(a);
    struct archive_entry *ent;
    strbuf text = STRBUF_INIT;
    sb_adds(&text, "");
    int rc = 0;
    if (archive_read_open_memory(a, tar.buf, tar.len) == ARCHIVE_OK &&
        archive_read_next_header(a, &ent) == ARCHIVE_OK &&
        archive_entry_filetype(ent) == AE_IFREG) {
        char buf[8192];
        la_ssize_t n;
        while ((n = archive_read_data(a, buf, sizeof buf)) > 0)
            sb_add(&text, buf, (size_t)n);
        if (n < 0)
            rc = berr_set(err, BERR_FAILURE, "read %s: %s", path, archive_error_string(a));
    }
    archive_read_free(a);
    sb_release(&tar);
    if (rc < 0) {
        sb_release(&text);
        return -1;
    }
    *out = sb_detach(&text, NULL);
    return 0;
}

struct membody {
    const char *p;
    size_t left;
};

static long mem_read(void *ud, char *buf, size_t cap, berr **err)
{
    (void)err;
    struct membody *m = ud;
    size_t n = m->left < cap ? m->left : cap;
    memcpy(buf, m->p, n);
    m->p += n;
    m->left -= n;
    return (long)n;
}

static bool add_entry(struct archive *a, const char *name, unsigned type, unsigned mode,
                      unsigned uid, unsigned gid, const char *data)
{
    struct archive_entry *ent = archive_entry_new();
    archive_entry_set_pathname(ent, name);
    archive_entry_set_filetype(ent, type);
    archive_entry_set_perm(ent, mode);
    archive_entry_set_uid(ent, uid);
    archive_entry_set_gid(ent, gid);
    size_t len = data ? strlen(data) : 0;
    archive_entry_set_size(ent, (la_int64_t)len);
    bool ok = archive_write_header(a, ent) == ARCHIVE_OK &&
              (!len || archive_write_data(a, data, len) == (la_ssize_t)len);
    archive_entry_free(ent);
    return ok;
}

int hostuser_install(engine *e, const char *id, const struct caller *c, berr **err)
{
    cleanup_free char *old_pw = NULL, *old_gr = NULL;
    if (read_file(e, id, "/etc/passwd", &old_pw, err) < 0 ||
        read_file(e, id, "/etc/group", &old_gr, err) < 0)
        return berr_wrap(err, "run as the host user");
    cleanup_free char *pw = hostuser_passwd(old_pw, c);
    cleanup_free char *gr = hostuser_group(old_gr, c);
    cleanup_free char *home = hostuser_home(c);
    size_t cap = strlen(pw) + strlen(gr) + 16384;
    cleanup_free char *tar = xmalloc(cap);
    size_t used = 0;
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    /* Missing parent folders (/etc, /home) are made by the engine, root's. */
    bool ok = archive_write_open_memory(a, tar, cap, &used) == ARCHIVE_OK &&
              add_entry(a, "etc/passwd", AE_IFREG, 0644, 0, 0, pw) &&
              add_entry(a, "etc/group", AE_IFREG, 0644, 0, 0, gr) &&
              add_entry(a, home + 1, AE_IFDIR, 0755, c->uid, c->gid, NULL) &&
              archive_write_close(a) == ARCHIVE_OK;
    archive_write_free(a);
    if (!ok)
        return berr_set(err, BERR_FAILURE, "run as the host user: could not make the files");
    struct membody m = {tar, used};
    if (api_container_put_archive(e, id, "/", mem_read, &m, err) < 0)
        return berr_wrap(err, "run as the host user: place /etc/passwd, /etc/group and %s", home);
    return 0;
}
