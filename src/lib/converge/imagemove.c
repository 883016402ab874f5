/* An image made on one engine and used by a part on another: moved by
 * berth, so that it is never silently missing there.
 *
 * With no registry named, the image streams from GET /images/{name}/get on
 * the engine that made it into POST /images/load on the one that needs it,
 * through a socket pair between two threads: never held whole in memory,
 * its size shown as it goes. With `[project] registry`, it travels through
 * that registry instead (engines far apart share no socket, and a registry
 * sends only the layers the other side lacks): tagged REGISTRY/NAME:TAG
 * and pushed by the engine that made it, pulled by the one that needs it
 * and tagged there under its own name; the REGISTRY/ tags berth added are
 * taken off again on both engines. The login goes into X-Registry-Auth
 * only. Either way it moves only when the other engine lacks it or holds
 * another id under that name, so a second up moves nothing. */
#include <errno.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "converge/converge_int.h"
#include "engine/api.h"
#include "registry/pullpush.h"
#include "base/strbuf.h"
#include "base/util.h"

struct feed {
    struct cv *from;
    const char *path;   /* /images/get?names=REF */
    int fd;             /* our end: written, then closed */
    const char *subject;
    long long sent, shown;
    berr *err;
    int rc;
};

static int feed_data(void *ud, const char *data, size_t len, berr **err)
{
    struct feed *f = ud;
    while (len) {
        ssize_t w = send(f->fd, data, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return berr_errno(err, BERR_FAILURE, errno, "the receiving engine stopped reading");
        data += w;
        len -= (size_t)w;
        f->sent += w;
    }
    if (f->sent - f->shown >= 4 << 20) { /* every 4 MB */
        f->shown = f->sent;
        reportf(f->from->o->rep, EV_PROGRESS, f->subject, NULL, "%.1f MB sent",
                (double)f->sent / 1e6);
    }
    return 0;
}

static void *feed_run(void *ud)
{
    struct feed *f = ud;
    struct engine_req r = {.method = "GET", .path = f->path, .timeout_ms = -1,
                           .on_data = feed_data, .ud = f};
    f->rc = engine_call(f->from->e, &r, NULL, NULL, &f->err);
    close(f->fd); /* the end of the tar: the load finishes */
    f->fd = -1;
    return NULL;
}

static long load_read(void *ud, char *buf, size_t cap, berr **err)
{
    int fd = *(int *)ud;
    for (;;) {
        ssize_t n = read(fd, buf, cap);
        if (n >= 0)
            return n;
        if (errno != EINTR)
            return berr_errno(err, BERR_FAILURE, errno, "reading the image stream"), -1;
    }
}

static int load_msg(void *ud, json_t *msg, berr **err)
{
    (void)ud, (void)msg, (void)err;
    return 0; /* "Loaded image: ..."; an error in it fails the call */
}

static int stream_image(struct cv *from, struct cv *to, const char *ref, const char *subject,
                        berr **err)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return berr_errno(err, BERR_FAILURE, errno, "socketpair");
    /* ?names= keeps the name with the image (a save by path does too, but
     * a name with '/' in a path is redirected by the engine). */
    strbuf path = STRBUF_INIT;
    sb_adds(&path, "/images/get");
    query_add(&path, "names", ref);
    struct feed f = {.from = from, .path = path.buf, .fd = sv[0], .subject = subject};
    pthread_t th;
    if (pthread_create(&th, NULL, feed_run, &f) != 0) {
        close(sv[0]);
        close(sv[1]);
        sb_release(&path);
        return berr_set(err, BERR_FAILURE, "cannot start a thread to move image %s", ref);
    }
    struct engine_req r = {.method = "POST", .path = "/images/load?quiet=1", .timeout_ms = -1,
                           .read = load_read, .read_ud = &sv[1],
                           .content_type = "application/x-tar", .on_msg = load_msg};
    berr *lerr = NULL;
    int rc = engine_call(to->e, &r, NULL, NULL, &lerr);
    /* The sender blocked on a load that gave up stops on the closed end. */
    shutdown(sv[1], SHUT_RDWR);
    pthread_join(th, NULL);
    close(sv[1]);
    sb_release(&path);
    if (f.rc < 0) { /* the sending side's error says more than a cut tar */
        berr_free(lerr);
        berr_move(err, &f.err);
        return berr_wrap(err, "saving image %s on %s", ref, engines_label(from->es, from->slot));
    }
    if (rc < 0) {
        berr_move(err, &lerr);
        return berr_wrap(err, "loading image %s on %s", ref, engines_label(to->es, to->slot));
    }
    reportf(from->o->rep, EV_PROGRESS, subject, NULL, "%.1f MB moved", (double)f.sent / 1e6);
    return 0;
}

/* Where the image goes in the registry: REGISTRY/REPOSITORY:TAG, its
 * repository without the registry its own name may hold. NULL for an image
 * named by digest (it could not be tagged so on the other engine). */
static char *registry_ref(const char *registry, const char *ref)
{
    if (strchr(ref, '@'))
        return NULL;
    cleanup_free char *repo = NULL, *tag = NULL;
    reg_split_ref(ref, &repo, &tag);
    /* docker's rule: a first part with '.' or ':', or localhost, is a host */
    const char *slash = strchr(repo, '/');
    const char *path = repo;
    if (slash) {
        cleanup_free char *first = xstrndup(repo, (size_t)(slash - repo));
        if (strpbrk(first, ".:") || streq(first, "localhost"))
            path = slash + 1;
    }
    return xasprintf("%s/%s:%s", registry, path, tag);
}

/* Take off a tag berth added for the move; the image keeps its own name.
 * Failing to is not worth failing the move: it is only a name. */
static void untag(engine *e, const char *ref)
{
    berr *ignored = NULL;
    api_image_remove(e, ref, false, &ignored);
    berr_free(ignored);
}

static bool has_image(struct cv *cv, const char *ref)
{
    json_t *j = NULL;
    berr *e = NULL;
    bool yes = api_image_inspect(cv->e, ref, &j, &e) == 0 && j;
    json_decref(j);
    berr_free(e);
    return yes;
}

static int registry_image(struct cv *from, struct cv *to, const char *ref, const char *subject,
                          berr **err)
{
    const struct project *p = to->p;
    const char *registry = project_value(p, "registry");
    cleanup_free char *remote = registry_ref(registry, ref);
    if (!remote)
        return berr_set(err, BERR_PROJECT, "image %s is named by digest: it cannot be moved "
                        "through registry %s (name it by tag)", ref, registry);
    struct reg_cred cred;
    cleanup_free char *host = xstrndup(registry, strcspn(registry, "/"));
    if (reg_cred_for(remote, host, project_value(p, "registry-username"),
                     project_value(p, "registry-password"), &cred, err) < 0)
        return berr_wrap(err, "%s: credentials for %s", subject, host);
    /* A REGISTRY/ tag that was there before is someone's: left as found. */
    bool had_from = has_image(from, remote), had_to = has_image(to, remote);
    int rc = reg_tag(from->e, ref, remote, err);
    if (rc == 0 && (rc = reg_push(from->e, remote, &cred, from->o->rep, subject, NULL, err)) < 0)
        berr_wrap(err, "pushing image %s to %s from %s", ref, registry,
                  engines_label(from->es, from->slot));
    if (!had_from)
        untag(from->e, remote);
    if (rc == 0 && (rc = reg_pull(to->e, remote, NULL, &cred, to->o->rep, subject, err)) < 0)
        berr_wrap(err, "pulling image %s from %s on %s", ref, registry,
                  engines_label(to->es, to->slot));
    if (rc == 0)
        rc = reg_tag(to->e, remote, ref, err);
    if (!had_to)
        untag(to->e, remote);
    reg_cred_clear(&cred);
    return rc;
}

int image_move_task(void *ud, struct sched_task *t, berr **err)
{
    (void)t;
    struct move_task *mt = ud;
    struct cv *from = mt->from, *to = mt->to;
    const struct part *pt = &to->p->parts[mt->part];
    const char *ref = pt->image;
    const char *registry = project_value(to->p, "registry");
    cleanup_free char *subject = xasprintf("image %s to %s", pt->name,
                                           engines_name(to->es, to->slot));
    json_t *have = NULL, *want = NULL;
    int rc = cv_image(from, ref, &want, err);
    if (rc == 0)
        rc = cv_image(to, ref, &have, err);
    const char *want_id = json_string_value(json_object_get(want, "Id"));
    const char *have_id = json_string_value(json_object_get(have, "Id"));
    if (rc < 0) {
        /* an engine's error says which */
    } else if (to->o->dry_run) {
        /* What would move counts as rebuilt there: its users would be
         * made from it (and not fail for want of it). */
        const char *why = cv_image_rebuilt(from, ref) || !want_id ? "made in this run"
                          : !have_id                               ? "missing"
                          : !streq(have_id, want_id) ? "another image has its name there"
                                                     : NULL;
        cleanup_free char *how = why && registry ? xasprintf("%s; through %s", why, registry)
                                                 : NULL;
        cv_action(to, subject, why ? "move" : "none", how ? how : why ? why : "up to date",
                  pt->level);
        if (why)
            cv_image_changed(to, ref);
    } else if (!want_id) {
        rc = berr_set(err, BERR_NOTFOUND, "image %s is not on %s, which makes it", ref,
                      engines_label(from->es, from->slot));
    } else if (have_id && streq(have_id, want_id)) {
        cv_action(to, subject, "none", "up to date", pt->level);
    } else {
        const char *why = have_id ? "another image has its name there" : "missing";
        cleanup_free char *how = registry ? xasprintf("%s; through %s", why, registry) : NULL;
        cv_action(to, subject, "move", how ? how : why, pt->level);
        report(to->o->rep, EV_STATE, subject, "moving", NULL);
        rc = registry ? registry_image(from, to, ref, subject, err)
                      : stream_image(from, to, ref, subject, err);
        if (rc == 0)
            cv_image_changed(to, ref);
    }
    json_decref(have);
    json_decref(want);
    return cv_dry_outcome(to, subject, pt->level, rc, err);
}
