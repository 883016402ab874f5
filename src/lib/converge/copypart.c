/* copy parts (dockeroo's docker.copy) as part of `up`: paths from one
 * container to another, once both exist (the task depends on both parts).
 *
 * Re-applied only when it matters. Labels cannot be added to an existing
 * container, so the record of what was applied lives in the destination
 * container itself: a marker file /.berth-copy-<part> holding a hash of the
 * paths, both container names and the source container's id. A re-created
 * destination has no marker (it is copied again); a re-created source has a
 * new id; changed paths give a new hash. Keeping the record in the engine,
 * next to what it describes, means no host state that could go stale or
 * belong to another checkout; its cost is one small archive read per copy
 * part per run.
 *
 * The two containers may live on two engines: the part acts on
 * container-to's (the loader puts it there) and reads container-from on
 * its own engine's share of the run. */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <stdio.h>

#include "engine/api.h"
#include "converge/converge_int.h"
#include "transfer/copy.h"
#include "base/hash.h"
#include "base/strbuf.h"
#include "base/util.h"

#define MARKER_MAX 4096

/* "web" or "web:one" -> the instance's container name. */
static const char *container_of(const struct project *p, const char *ref)
{
    const char *colon = strchr(ref, ':');
    cleanup_free char *part = colon ? xstrndup(ref, (size_t)(colon - ref)) : xstrdup(ref);
    int pi = project_find(p, part);
    if (pi < 0 || p->parts[pi].kind != PART_CONTAINER)
        return NULL;
    const struct container *c = p->parts[pi].container;
    int ii = colon ? container_instance(c, colon + 1) : 0;
    return ii < 0 ? NULL : c->instances[ii].container_name;
}

static int collect(void *ud, const char *data, size_t len, berr **err)
{
    strbuf *sb = ud;
    if (sb->len + len > MARKER_MAX)
        return berr_set(err, BERR_FAILURE, "the copy marker is larger than expected");
    sb_add(sb, data, len);
    return 0;
}

/* The hash the marker holds, "" when there is none. */
static int marker_read(engine *e, const char *container, const char *path, char out[65],
                       berr **err)
{
    out[0] = '\0';
    strbuf tar = STRBUF_INIT;
    berr *e2 = NULL;
    if (api_container_get_archive(e, container, path, collect, &tar, &e2) < 0) {
        sb_release(&tar);
        if (e2->http_status == 404) { /* no marker (or no container yet) */
            berr_free(e2);
            return 0;
        }
        berr_move(err, &e2);
        return -1;
    }
    struct archive *a = archive_read_new();
    archive_read_support_format_tar(a);
    struct archive_entry *ent;
    char buf[80] = "";
    if (archive_read_open_memory(a, tar.buf, tar.len) == ARCHIVE_OK &&
        archive_read_next_header(a, &ent) == ARCHIVE_OK) {
        la_ssize_t n = archive_read_data(a, buf, sizeof buf - 1);
        buf[n > 0 ? n : 0] = '\0';
    }
    archive_read_free(a);
    sb_release(&tar);
    size_t n = 0;
    while (n < 64 && isxdigit((unsigned char)buf[n]))
        n++;
    if (n == 64) {
        memcpy(out, buf, 64);
        out[64] = '\0';
    }
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

static int marker_write(engine *e, const char *container, const char *name, const char *hash,
                        berr **err)
{
    char tar[16384];
    size_t used = 0;
    cleanup_free char *body = xasprintf("%s\n", hash);
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    struct archive_entry *ent = archive_entry_new();
    archive_entry_set_pathname(ent, name);
    archive_entry_set_filetype(ent, AE_IFREG);
    archive_entry_set_perm(ent, 0644);
    archive_entry_set_size(ent, (la_int64_t)strlen(body));
    int ok = archive_write_open_memory(a, tar, sizeof tar, &used) == ARCHIVE_OK &&
             archive_write_header(a, ent) == ARCHIVE_OK &&
             archive_write_data(a, body, strlen(body)) == (la_ssize_t)strlen(body) &&
             archive_write_close(a) == ARCHIVE_OK;
    archive_entry_free(ent);
    archive_write_free(a);
    if (!ok)
        return berr_set(err, BERR_FAILURE, "make the copy marker");
    struct membody m = {tar, used};
    return api_container_put_archive(e, container, "/", mem_read, &m, err);
}

/* "SRC [DST]": DST defaults to SRC (the same place in the other container). */
static void split_line(const char *line, char **src, char **dst)
{
    while (isspace((unsigned char)*line))
        line++;
    size_t n = strcspn(line, " \t");
    *src = xstrndup(line, n);
    line += n;
    while (isspace((unsigned char)*line))
        line++;
    n = strcspn(line, " \t");
    *dst = n ? xstrndup(line, n) : xstrdup(*src);
}

static bool remade(struct cv *cv, const char *name)
{
    pthread_mutex_lock(&cv->lock);
    bool r = json_object_get(cv->remade, name) != NULL;
    pthread_mutex_unlock(&cv->lock);
    return r;
}

/* The share of the run of the engine the container a reference names
 * lives on ("web:one" -> web's engine). */
static struct cv *share_of(struct cv *cv, const char *ref, berr **err)
{
    cleanup_free char *part = xstrndup(ref, strcspn(ref, ":"));
    int pi = project_find(cv->p, part);
    struct cv *peer = pi < 0 ? cv : cv_peer(cv, engines_slot_of(cv->es, cv->p, (size_t)pi));
    if (!peer)
        berr_set(err, BERR_FAILURE, "%s: its engine is not part of this run", ref);
    else if (!peer->e)
        berr_set(err, peer->down ? peer->down->code : BERR_UNREACHABLE, "%s: %s", ref,
                 peer->down ? peer->down->msg : "its engine did not answer");
    return peer && peer->e ? peer : NULL;
}

int copy_part_converge(struct cv *cv, const struct part *pt, berr **err)
{
    struct cv *src_cv = share_of(cv, part_value(pt, "container-from"), err);
    if (!src_cv)
        return -1;
    const char *from = container_of(cv->p, part_value(pt, "container-from"));
    const char *to = container_of(cv->p, part_value(pt, "container-to"));
    const struct setting *paths = part_setting(pt, "paths");
    cleanup_free char *subject = xasprintf("copy %s", pt->name);
    if (!from || !to || !paths)
        return berr_set(err, BERR_PROJECT, "copy part %s: containers or paths missing", pt->name);
    cleanup_free char *marker_name = xasprintf(".berth-copy-%s", pt->name);
    cleanup_free char *marker_path = xasprintf("/%s", marker_name);

    /* In a plan, containers this run (re)creates have no files yet. */
    const char *why = NULL;
    if (cv->o->dry_run && (remade(src_cv, from) || remade(cv, to)))
        why = remade(cv, to) ? "destination container (re)created" : "source container (re)created";
    json_t *src = NULL;
    if (!why && api_container_inspect(src_cv->e, from, &src, err) < 0)
        return -1;
    if (!why && !src)
        return berr_set(err, BERR_NOTFOUND, "copy part %s: container %s does not exist",
                        pt->name, from);
    hasher *h = hasher_new();
    hasher_add_str(h, "copy 1");
    for (size_t i = 0; i < paths->items.n; i++)
        hasher_add_str(h, paths->items.v[i]);
    hasher_add_str(h, from);
    const char *src_id = json_string_value(json_object_get(src, "Id"));
    hasher_add_str(h, src_id ? src_id : "");
    hasher_add_str(h, to);
    char want[65], have[65] = "";
    hasher_finish(h, want);
    json_decref(src);
    if (!why && marker_read(cv->e, to, marker_path, have, err) < 0)
        return -1; /* the task, "copy PART", names the part */
    if (!why && streq(have, want)) {
        cv_action(cv, subject, "none", "up to date", pt->level);
        return 0;
    }
    if (!why)
        why = *have ? "changed" : "not yet copied to this destination";
    cv_action(cv, subject, "copy", why, pt->level);
    if (cv->o->dry_run)
        return 0;
    report(cv->o->rep, EV_STATE, subject, "copying", NULL);
    struct copy_opts o = {.exact_dst = true};
    for (size_t i = 0; i < paths->items.n; i++) {
        cleanup_free char *s = NULL, *d = NULL;
        split_line(paths->items.v[i], &s, &d);
        struct copy_end se = {.container = from, .e = src_cv->e,
                              .display = part_value(pt, "container-from"), .path = s};
        struct copy_end de = {.container = to, .e = cv->e,
                              .display = part_value(pt, "container-to"), .path = d};
        if (copy_run(cv->e, &se, &de, &o, err) < 0)
            return berr_wrap(err, "%s", paths->items.v[i]);
    }
    if (marker_write(cv->e, to, marker_name, want, err) < 0)
        return berr_wrap(err, "record what was copied");
    return 0;
}
