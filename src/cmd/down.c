/* berth down (alias clean): stop and remove what berth made for a project.
 *
 * Everything is found by the berth.project label (one list call per kind)
 * and nothing else is touched: a foreign container called like ours stays.
 * Work is planned before anything is removed, so the confirmation for
 * --volumes can name how much it deletes, and a "no" removes nothing. */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/api.h"
#include "engine/owner.h"
#include "cmd.h"
#include "converge/converge.h"
#include "converge/desired.h"
#include "converge/diskimage.h"
#include "progress.h"
#include "converge/targets.h"
#include "base/taskgraph.h"
#include "base/util.h"
#include "workspace.h"

#define PARALLEL_DEFAULT 8

static const char usage[] =
    "usage: berth down [--volumes] [--include-kept] [--yes] [--rmi] [-t SECONDS] [TARGET...]\n"
    "       berth clean ...  (the same)\n"
    "\n"
    "Stop the project's containers in parallel, each with its own grace (label\n"
    "berth.stop-timeout, default 10 seconds), and remove them; for the whole\n"
    "project (no targets, or all) also its networks. Only objects labelled\n"
    "berth.project=NAME are touched; those of parts set keep = true are kept\n"
    "(-s PART.keep=false, or --include-kept, removes them too).\n"
    "When the project cannot be loaded, -p NAME still names what to remove.\n"
    "\n"
    "targets: all (the default), PART, or PART:INSTANCE; several at once.\n"
    "\n"
    "options:\n"
    "  --volumes              also remove the project's volumes (of the targets:\n"
    "                         their persistent ones) and delete the host data\n"
    "                         folders of persistent volumes; asks first\n"
    "  --include-kept         also remove what keep = true keeps; asks first\n"
    "  -y, --yes              do not ask (needed for --volumes and --include-kept\n"
    "                         without a terminal)\n"
    "  --rmi                  also remove the project's images no kept container uses\n"
    "  -t, --timeout SECONDS  grace for every container, overriding their own\n"
    "  --wait-timeout D       how long to wait until every removed object is really\n"
    "                         gone from the engine (default 30s; exit 6 past it)\n"
    "  --wait-lock            when another berth is converging this project (up or\n"
    "                         down), wait for it to finish instead of failing\n"
    "  --swarm                the deployed project (berth deploy): its services, then\n"
    "                         secrets, configs and networks (--volumes: volumes too)\n";

enum kind { K_NETWORK, K_VOLUME, K_IMAGE, K_COUNT };
static const char *const kind_list[] = {"networks", "volumes", "images"};
static const char *const kind_one[] = {"network", "volume", "image"};

struct down;

/* A network, volume or image to remove. Strings borrow from the listed JSON. */
struct obj {
    struct down *d;
    enum kind kind;
    const char *id;     /* network id, volume name, image id */
    json_t *j;
    char *subject;      /* "network P-default" */
    const char *device; /* persistent volumes: the host folder holding the data */
    bool untag_only;    /* images: another tag (a user's) keeps it; only berth's goes */
};

struct down {
    struct scope s;
    reporter *rep;
    int timeout; /* -t, or -1 */
    bool include_kept; /* --include-kept: nothing is kept */
    size_t nkept;      /* objects removed that keep = true would have kept */
    long wait_ms; /* --wait-timeout */
    json_t *lists[K_COUNT];
    json_t *layers; /* image id -> its RootFS layers, inspected once */
    struct target **ctr; /* containers to remove */
    size_t nctr;
    struct obj *objs;
    size_t nobjs;
    size_t removed[K_COUNT + 1]; /* [K_COUNT]: containers */
    pthread_mutex_t lock;        /* guards removed[] */
    const char *const *targets;  /* as given (disk image files are not engine objects) */
    int ntargets;
};

static const char *label(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(json_object_get(o, "Labels"), key));
    return s ? s : "";
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static void count(struct down *d, int slot)
{
    pthread_mutex_lock(&d->lock);
    d->removed[slot]++;
    pthread_mutex_unlock(&d->lock);
}

/* Is a container that stays (not being removed) using this object? Then
 * removing it would fail, or pull it from under a kept container. */
static const struct target *used_by_remaining(struct down *d, enum kind k, json_t *o)
{
    for (size_t i = 0; i < d->s.nall; i++) {
        const struct target *t = &d->s.all[i];
        if (t->selected && !t->keep)
            continue;
        if (k == K_NETWORK &&
            json_object_get(json_object_get(json_object_get(t->c, "NetworkSettings"), "Networks"),
                            str(o, "Name")))
            return t;
        if (k == K_IMAGE && streq(str(t->c, "ImageID"), str(o, "Id")))
            return t;
        size_t m;
        json_t *mt;
        json_array_foreach(json_object_get(t->c, "Mounts"), m, mt) if (
            k == K_VOLUME && streq(str(mt, "Name"), str(o, "Name"))) return t;
    }
    return NULL;
}

/* With targets, only what the removed containers own goes: their
 * persistent volumes and the images only they ran. */
static bool owned_by_removed(struct down *d, enum kind k, json_t *o)
{
    for (size_t i = 0; i < d->nctr; i++) {
        const struct target *t = d->ctr[i];
        if (k == K_VOLUME && streq(label(o, LABEL_KIND), "persistent") &&
            streq(label(o, LABEL_PART), t->part) && streq(label(o, LABEL_INSTANCE), t->instance))
            return true;
        if (k == K_IMAGE && streq(str(t->c, "ImageID"), str(o, "Id")))
            return true;
    }
    return false;
}

/* The listing holds every image whose labels name the project, children
 * made FROM berth's images too (labels are inherited): berth's own are
 * tagged with the ref their labels name; an untagged one (the previous
 * build of a part) only when a container removed now ran it. */
/* An image's layers (inspected once), for ancestry. */
static json_t *layers_of(struct down *d, const char *id)
{
    if (!d->layers)
        d->layers = json_object();
    json_t *l = json_object_get(d->layers, id);
    if (l)
        return l;
    json_t *j = NULL;
    berr *e = NULL;
    if (api_image_inspect(d->s.e, id, &j, &e) < 0 || !j) {
        berr_free(e);
        return NULL;
    }
    l = json_object_get(json_object_get(j, "RootFS"), "Layers");
    json_object_set(d->layers, id, json_is_array(l) ? l : json_array());
    json_decref(j);
    return json_object_get(d->layers, id);
}

/* x's layers begin y's (as a parent's begin its child's); with the same
 * layers (a child adding only settings), x is the older. */
static bool ancestor(struct down *d, json_t *x, json_t *y)
{
    json_t *lx = layers_of(d, str(x, "Id")), *ly = layers_of(d, str(y, "Id"));
    size_t nx = json_array_size(lx), ny = json_array_size(ly);
    if (!lx || !ly || nx > ny)
        return false;
    for (size_t i = 0; i < nx; i++)
        if (!json_equal(json_array_get(lx, i), json_array_get(ly, i)))
            return false;
    return nx < ny || json_integer_value(json_object_get(x, "Created")) <
                          json_integer_value(json_object_get(y, "Created"));
}

static bool untagged(json_t *o)
{
    json_t *tags = json_object_get(o, "RepoTags");
    const char *t0 = json_string_value(json_array_get(tags, 0));
    return json_array_size(tags) <= 1 && (!t0 || streq(t0, "<none>:<none>"));
}

static bool image_ours(struct down *d, json_t *o)
{
    if (owner_image_is(o, d->s.name))
        return true;
    if (!untagged(o))
        return false;
    /* Untagged: a previous build of a part, or a child someone built FROM a
     * berth image without a tag (it inherits the labels). Ours when a
     * container removed now ran it, or when no other image made for the
     * same ref is its ancestor: a child shares its parent's layers, while
     * builds of a part share at most their base's, whose ref differs. In
     * doubt, it stays. */
    for (size_t i = 0; i < d->nctr; i++)
        if (streq(str(d->ctr[i]->c, "ImageID"), str(o, "Id")))
            return true;
    cleanup_free char *ref = owner_image_ref(o);
    size_t i;
    json_t *x;
    json_array_foreach(d->lists[K_IMAGE], i, x) {
        cleanup_free char *xref = owner_image_ref(x);
        if (x != o && ref && streq(ref, xref) && ancestor(d, x, o))
            return false;
    }
    return ref != NULL;
}

/* Whether keep = true keeps it: the project's setting for its part when the
 * project loaded (so -s PART.keep=false works for down as everywhere), else
 * its label. With --include-kept nothing is kept (and counted, to ask). */
static bool kept(struct down *d, const char *part, bool labelled)
{
    int pi = d->s.p && part && *part ? project_find(d->s.p, part) : -1;
    bool k = pi >= 0 ? streq(part_value(&d->s.p->parts[pi], "keep"), "true") : labelled;
    if (k && d->include_kept) {
        d->nkept++;
        return false;
    }
    return k;
}

static int plan_kind(struct down *d, enum kind k, berr **err)
{
    if (api_list(d->s.e, kind_list[k], d->s.name, &d->lists[k], err) < 0)
        return -1;
    size_t i;
    json_t *o;
    json_array_foreach(d->lists[k], i, o) {
        const char *id = str(o, k == K_VOLUME ? "Name" : "Id");
        const char *shown = k == K_IMAGE
            ? json_string_value(json_array_get(json_object_get(o, "RepoTags"), 0))
            : str(o, "Name");
        cleanup_free char *subject = xasprintf("%s %s", kind_one[k], shown && *shown ? shown : id);
        const struct target *user;
        if (!d->s.whole && !owned_by_removed(d, k, o))
            continue;
        if (k == K_IMAGE && !image_ours(d, o))
            continue;
        bool keep = k == K_IMAGE ? kept(d, *label(o, LABEL_IMAGE_PART) ? label(o, LABEL_IMAGE_PART)
                                                                       : label(o, LABEL_PART),
                                        owner_image_kept(o))
                  : streq(label(o, LABEL_KIND), "persistent") ? streq(label(o, LABEL_KEEP), "true")
                                                               : kept(d, label(o, LABEL_PART),
                                                                      streq(label(o, LABEL_KEEP), "true"));
        if (keep) {
            reportf(d->rep, EV_NOTE, NULL, NULL, "kept %s (keep = true)", subject);
        } else if ((user = used_by_remaining(d, k, o))) {
            reportf(d->rep, EV_NOTE, NULL, NULL, "kept %s: container %s uses it", subject,
                    user->subject);
        } else {
            d->objs = xrealloc(d->objs, (d->nobjs + 1) * sizeof *d->objs);
            const char *dev = json_string_value(
                json_object_get(json_object_get(o, "Options"), "device"));
            d->objs[d->nobjs++] = (struct obj){
                .d = d, .kind = k, .id = id, .j = o, .subject = xstrdup(subject),
                .device = streq(label(o, LABEL_KIND), "persistent") ? dev : NULL};
        }
    }
    return 0;
}

static int fail(struct down *d, const char *subject, berr **err)
{
    report(d->rep, EV_FAIL, subject, "failed", *err ? (*err)->msg : "failed");
    return -1;
}

/* Gone already: another down (or a user) removed it since it was listed.
 * That is what down wants, so no error. The engine says so with a 404, or,
 * for an image whose last tag went meanwhile, a 500 "unrecognized image ID". */
static bool already_gone(const berr *e)
{
    return e->http_status == 404 ||
           (e->http_status == 500 && (strstr(e->msg, "unrecognized image ID") ||
                                      strstr(e->msg, "No such image")));
}

/* rc of an engine call whose error *e is no error when the object is gone:
 * 1 when it is gone, 0 when the call succeeded, -1 (moved into *err) else. */
static int unless_gone(int rc, berr **e, berr **err)
{
    if (rc == 0)
        return 0;
    if (already_gone(*e)) {
        berr_freep(e);
        return 1;
    }
    berr_move(err, e);
    return -1;
}

static int gone_done(struct down *d, const char *subject)
{
    report(d->rep, EV_DONE, subject, "gone", "already removed");
    return 0;
}

/* Another down is removing it (409 "already in progress"): wait until it is
 * gone, so that its volumes and networks are free when this one goes on. */
static int await_removal(struct down *d, struct target *t, berr **err)
{
    long long deadline = now_ms() + d->wait_ms;
    for (;;) {
        json_t *j = NULL;
        if (api_container_inspect(d->s.e, t->id, &j, err) < 0)
            return -1;
        if (!j)
            return 0;
        json_decref(j);
        if (now_ms() >= deadline)
            return berr_set(err, BERR_TIMEOUT, "container %s is still being removed %.1f s later",
                            t->name, d->wait_ms / 1000.0);
        sleep_ms(100);
    }
}

static int remove_container(void *ud, struct target *t, berr **err)
{
    struct down *d = ud;
    berr *e = NULL;
    int rc;
    if (target_is_up(t)) {
        report(d->rep, EV_STATE, t->subject, "stopping", NULL);
        rc = api_container_stop(d->s.e, t->id, d->timeout >= 0 ? d->timeout : t->stop_timeout, &e);
        if (rc < 0 && e->http_status == 304) /* stopped meanwhile */
            rc = 0, berr_freep(&e);
        if ((rc = unless_gone(rc, &e, err)) != 0)
            return rc > 0 ? gone_done(d, t->subject) : fail(d, t->subject, err);
    }
    report(d->rep, EV_STATE, t->subject, "removing", NULL);
    /* force: it was given its grace; a restart policy racing us changes nothing */
    rc = api_container_remove(d->s.e, t->id, true, &e);
    if (rc < 0 && e->http_status == 409 && strstr(e->msg, "already in progress")) {
        berr_freep(&e);
        if (await_removal(d, t, err) < 0)
            return fail(d, t->subject, err);
        return gone_done(d, t->subject);
    }
    if ((rc = unless_gone(rc, &e, err)) != 0)
        return rc > 0 ? gone_done(d, t->subject) : fail(d, t->subject, err);
    count(d, K_COUNT);
    report(d->rep, EV_DONE, t->subject, "removed", NULL);
    return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* Delete a persistent volume's host folder, only when it lies strictly
 * inside the project's data folder: the device option came from the
 * engine, and a volume re-labelled by hand must not steer an rm -r. */
static int delete_data(struct down *d, const char *device, berr **err)
{
    if (!d->s.p)
        return berr_set(err, BERR_FAILURE, "volume removed, but its data folder %s was kept: "
                        "the project did not load, so its data folder is unknown", device);
    char root[PATH_MAX], dev[PATH_MAX];
    if (!realpath(device, dev))
        return errno == ENOENT ? 0 : berr_errno(err, BERR_FAILURE, errno, "%s", device);
    if (!realpath(d->s.p->data_dir, root) || !starts_with(dev, root) ||
        dev[strlen(root)] != '/')
        return berr_set(err, BERR_FAILURE, "volume removed, but its data folder %s was kept: "
                        "it is not inside the project's data folder %s", dev,
                        d->s.p->data_dir);
    if (nftw(dev, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        return berr_errno(err, BERR_FAILURE, errno, "volume removed, but deleting %s failed",
                          dev);
    /* <data>/<part>/<instance>/data: drop the parents it leaves empty */
    for (char *slash; (slash = strrchr(dev, '/')) && slash > dev + strlen(root);) {
        *slash = '\0';
        if (rmdir(dev) < 0)
            break;
    }
    return 0;
}

/* The tags berth gave an image: its own ref, and those the project's push
 * parts gave it (when the project loaded). */
static char **berth_tags(struct down *d, json_t *img)
{
    json_t *labels = json_object_get(img, "Labels");
    const char *part = json_string_value(json_object_get(labels, LABEL_IMAGE_PART));
    int pi = d->s.p && part ? project_find(d->s.p, part) : -1;
    if (pi < 0 || !d->s.p->parts[pi].image)
        return xcalloc(1, sizeof(char *));
    return push_tags_of(d->s.p, d->s.p->parts[pi].image);
}

static bool berth_tag(const char *tag, const char *ref, char **pushed)
{
    if (streq(tag, ref) || streq(owner_short_tag(tag), ref))
        return true;
    for (; *pushed; pushed++)
        if (streq(tag, *pushed))
            return true;
    return false;
}

static int remove_obj(void *ud, struct sched_task *task, berr **err)
{
    struct obj *o = ud;
    struct down *d = o->d;
    (void)task;
    report(d->rep, EV_STATE, o->subject, "removing", NULL);
    int rc = 0;
    berr *e = NULL;
    if (o->kind == K_NETWORK) {
        rc = unless_gone(api_network_remove_clearing(d->s.e, o->id, false, &e), &e, err);
    } else if (o->kind == K_VOLUME) {
        rc = unless_gone(api_volume_remove(d->s.e, o->id, false, &e), &e, err);
        if (rc >= 0 && o->device) {
            if (rc == 0)
                count(d, o->kind);
            /* gone or not, its data folder goes with it */
            if (delete_data(d, o->device, err) < 0)
                return fail(d, o->subject, err);
            report(d->rep, EV_DONE, o->subject, rc ? "gone" : "removed", NULL);
            return 0;
        }
    } else {
        /* by the tag berth gave it: removing the last tag deletes the image,
         * and one a user added (docker tag) is theirs, and keeps it; an id
         * with several tags would need force, which also hits such tags */
        json_t *tags = json_object_get(o->j, "RepoTags");
        size_t i, ntags = 0, ngone = 0;
        json_t *tag;
        cleanup_free char *ref = owner_image_ref(o->j);
        char **pushed = berth_tags(d, o->j);
        json_array_foreach(tags, i, tag)
            if (!berth_tag(json_string_value(tag), ref, pushed) &&
                !streq(json_string_value(tag), "<none>:<none>"))
                o->untag_only = true;
        json_array_foreach(tags, i, tag) {
            if (streq(json_string_value(tag), "<none>:<none>") || rc < 0 ||
                !berth_tag(json_string_value(tag), ref, pushed))
                continue;
            ntags++;
            rc = unless_gone(api_image_remove(d->s.e, json_string_value(tag), false, &e), &e, err);
            ngone += rc > 0;
        }
        for (char **t = pushed; *t; t++)
            free(*t);
        free(pushed);
        if (!ntags && untagged(o->j)) {
            rc = unless_gone(api_image_remove(d->s.e, o->id, false, &e), &e, err);
        } else if (rc >= 0 && ngone == ntags) {
            /* Every tag gone already: someone else removed it, or untagged
             * it only (docker rmi -f on an image a container uses), leaving
             * the image berth made dangling: remove that, by its id, unless
             * something still uses it (then it is not berth's to wait for). */
            rc = unless_gone(api_image_remove(d->s.e, o->id, false, &e), &e, err);
            if (rc < 0 && (*err)->http_status == 409) {
                berr_freep(err);
                o->untag_only = true;
            }
            rc = rc < 0 && !o->untag_only ? -1 : 1;
        }
    }
    if (rc < 0)
        return fail(d, o->subject, err);
    if (rc > 0)
        return gone_done(d, o->subject);
    if (o->untag_only) {
        report(d->rep, EV_DONE, o->subject, "untagged", "another tag keeps the image");
        return 0;
    }
    count(d, o->kind);
    report(d->rep, EV_DONE, o->subject, "removed", NULL);
    return 0;
}

/* On a terminal: ask before deleting data. Without one, cmd_down refused
 * earlier unless --yes: a script must say so explicitly. */
static bool confirm(size_t nvol, size_t nkept)
{
    if (nvol)
        fprintf(stderr, "delete %zu volume%s and %s data", nvol, nvol == 1 ? "" : "s",
                nvol == 1 ? "its" : "their");
    if (nkept)
        fprintf(stderr, "%sremove %zu object%s set keep = true", nvol ? ", and " : "", nkept,
                nkept == 1 ? "" : "s");
    fputs("? [y/N] ", stderr);
    fflush(stderr);
    cleanup_free char *line = NULL;
    size_t cap = 0;
    if (getline(&line, &cap, stdin) < 0)
        return false;
    line[strcspn(line, "\r\n")] = '\0';
    return !strcasecmp(line, "y") || !strcasecmp(line, "yes");
}

/* The engine's DELETE answers once the object is gone; one more list per
 * kind makes sure nothing we removed is still there (a removal racing an
 * `up`, or an engine still tearing down). *left names the first one. */
static int still_there(struct down *d, char **left, berr **err)
{
    json_t *now = NULL;
    *left = NULL;
    if (d->nctr) {
        if (api_list(d->s.e, "containers", d->s.name, &now, err) < 0)
            return -1;
        for (size_t i = 0; i < d->nctr && !*left; i++) {
            size_t j;
            json_t *c;
            json_array_foreach(now, j, c) if (streq(str(c, "Id"), d->ctr[i]->id)) {
                *left = xasprintf("container %s", d->ctr[i]->name);
                break;
            }
        }
        json_decref(now);
    }
    for (int k = 0; k < K_COUNT && !*left; k++) {
        if (!d->lists[k] || !d->removed[k])
            continue;
        if (api_list(d->s.e, kind_list[k], d->s.name, &now, err) < 0)
            return -1;
        for (size_t i = 0; i < d->nobjs && !*left; i++) {
            if (d->objs[i].kind != (enum kind)k || d->objs[i].untag_only)
                continue;
            size_t j;
            json_t *o;
            json_array_foreach(now, j, o) if (streq(str(o, k == K_VOLUME ? "Name" : "Id"),
                                                    d->objs[i].id)) {
                *left = xstrdup(d->objs[i].subject);
                break;
            }
        }
        json_decref(now);
    }
    return 0;
}

/* Wait until everything removed is really gone, within the timeout. */
static int verify(struct down *d, long timeout_ms, berr **err)
{
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        cleanup_free char *left = NULL;
        if (still_there(d, &left, err) < 0)
            return -1;
        if (!left)
            return 0;
        if (now_ms() >= deadline)
            return berr_set(err, BERR_TIMEOUT, "%s is still there %.1f s after its removal", left,
                            timeout_ms / 1000.0);
        sleep_ms(100);
    }
}

/* "removed 3 containers, 1 network" */
static void summary(struct down *d)
{
    static const char *const names[] = {"network", "volume", "image", "container"};
    static const int order[] = {K_COUNT, K_NETWORK, K_VOLUME, K_IMAGE};
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
        size_t n = d->removed[order[i]];
        if (n)
            sb_addf(&sb, "%s%zu %s%s", sb.len ? ", " : "removed ", n, names[order[i]],
                    n == 1 ? "" : "s");
    }
    report(d->rep, EV_NOTE, NULL, NULL, sb.len ? sb.buf : "removed nothing");
    sb_release(&sb);
}

static int run_objects(struct down *d, int parallel, berr **err)
{
    if (!d->nobjs)
        return 0;
    struct sched_task *tasks = xcalloc(d->nobjs, sizeof *tasks);
    for (size_t i = 0; i < d->nobjs; i++)
        tasks[i] = (struct sched_task){.name = d->objs[i].subject, .run = remove_obj,
                                       .ud = &d->objs[i]};
    struct sched_opts so = {.parallel = parallel};
    int rc = sched_run(tasks, (int)d->nobjs, &so, err);
    sched_tasks_clear(tasks, (int)d->nobjs);
    free(tasks);
    return rc;
}

/* --rmi: the disk image files diskimage parts wrote (not kept ones), while
 * each is still the file berth wrote. */
static int disk_outputs(struct down *d, size_t *n, berr **err)
{
    struct project_sel *sel = NULL;
    if (!d->s.whole && project_select(d->s.p, d->targets, d->ntargets, false, &sel, err) < 0)
        return -1;
    strbuf removed = STRBUF_INIT;
    int rc = diskimage_remove_outputs(d->s.p, sel, false, false, &removed, err);
    project_sel_free(sel);
    for (const char *p = removed.buf; rc == 0 && p && *p;) {
        size_t len = strcspn(p, "\n");
        cleanup_free char *f = xstrndup(p, len);
        reportf(d->rep, EV_NOTE, NULL, NULL, "removed disk image %s", f);
        (*n)++;
        p += len + (p[len] == '\n');
    }
    sb_release(&removed);
    return rc;
}

static int down(struct down *d, bool volumes, bool rmi, bool yes, int parallel, berr **err)
{
    if (d->s.load_err)
        reportf(d->rep, EV_NOTE, NULL, NULL, "the project did not load (%s); removing what "
                "is labelled " LABEL_PROJECT "=%s", d->s.load_err->msg, d->s.name);
    d->ctr = xcalloc(d->s.nall ? d->s.nall : 1, sizeof *d->ctr);
    for (size_t i = 0; i < d->s.nall; i++) {
        struct target *t = &d->s.all[i];
        if (t->selected)
            t->keep = kept(d, t->part, t->keep);
        if (t->selected && t->keep)
            reportf(d->rep, EV_NOTE, NULL, NULL, "kept container %s (keep = true)",
                    t->subject);
        else if (t->selected)
            d->ctr[d->nctr++] = t;
    }
    /* networks are the project's, not a part's: only a whole-project down */
    if ((d->s.whole && plan_kind(d, K_NETWORK, err) < 0) ||
        (volumes && plan_kind(d, K_VOLUME, err) < 0) || (rmi && plan_kind(d, K_IMAGE, err) < 0))
        return -1;
    size_t nfiles = 0;
    if (rmi && d->s.p && disk_outputs(d, &nfiles, err) < 0)
        return -1;
    if (!d->nctr && !d->nobjs) {
        if (nfiles)
            return 0;
        reportf(d->rep, EV_NOTE, NULL, NULL, "nothing to remove for project '%s'", d->s.name);
        return 0;
    }
    size_t nvol = 0;
    for (size_t i = 0; i < d->nobjs; i++)
        nvol += d->objs[i].kind == K_VOLUME;
    if ((nvol || d->nkept) && !yes && !confirm(nvol, d->nkept))
        return berr_set(err, BERR_FAILURE, "not confirmed: nothing removed");

    berr *e1 = NULL, *e2 = NULL;
    targets_each(d->ctr, d->nctr, parallel, remove_container, d, &e1);
    run_objects(d, parallel, &e2);
    summary(d);
    if (e1 || e2) {
        berr_move(err, e1 ? &e1 : &e2);
        berr_free(e1);
        berr_free(e2);
        return -1;
    }
    return verify(d, d->wait_ms, err);
}

static void down_clear(struct down *d)
{
    for (size_t i = 0; i < d->nobjs; i++)
        free(d->objs[i].subject);
    free(d->objs);
    free(d->ctr);
    for (int k = 0; k < K_COUNT; k++)
        json_decref(d->lists[k]);
    json_decref(d->layers);
}

int cmd_down(cli *g, int argc, char **argv, berr **err)
{
    if (cmd_wants_swarm(argc, argv)) /* the deployed project (deploy.c) */
        return cmd_swarm_down(g, argc, argv, err);
    static const struct option opts[] = {
        {"volumes", no_argument, NULL, 'V'},
        {"rmi", no_argument, NULL, 'R'},
        {"yes", no_argument, NULL, 'y'},
        {"include-kept", no_argument, NULL, 'K'},
        {"timeout", required_argument, NULL, 't'},
        {"wait-timeout", required_argument, NULL, 'W'},
        {"wait-lock", no_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool volumes = false, rmi = false, yes = false, wait_lock = false;
    struct down d = {.timeout = -1, .wait_ms = 30000};
    int c;
    while ((c = getopt_long(argc, argv, ":yt:h", opts, NULL)) != -1) {
        switch (c) {
        case 'V': volumes = true; break;
        case 'R': rmi = true; break;
        case 'y': yes = true; break;
        case 'K': d.include_kept = true; break;
        case 't':
            if (stop_timeout_parse(optarg, &d.timeout) < 0)
                return cmd_usage_error(err, "down", "--timeout: '%s' is not a whole number of "
                                       "seconds from 0 to %d", optarg, STOP_TIMEOUT_MAX);
            break;
        case 'W':
            if (parse_duration_option("down", "--wait-timeout", optarg, &d.wait_ms, err) < 0)
                return -1;
            break;
        case 'L': wait_lock = true; break;
        case 'h': fputs(usage, stdout); return 0;
        default: return cmd_option_error(err, "down", argv, c);
        }
    }
    /* decided before looking at the engine, so a script fails the same way
     * whether or not there happen to be volumes today */
    if (d.include_kept && !yes && !isatty(STDIN_FILENO))
        return cmd_usage_error(err, "down", "--include-kept removes what keep = true keeps; "
                               "without a terminal to ask on, confirm with --yes");
    if (volumes && !yes && !isatty(STDIN_FILENO))
        return cmd_usage_error(err, "down", "--volumes deletes the project's volumes and their "
                               "data; without a terminal to ask on, confirm with --yes");
    struct scope_opts so = {
        .project = {.dir = g->dir, .file = g->file, .name = g->project, .sets = g->sets,
                    .nsets = g->nsets, .reader = &g->reader},
        .engine_url = g->engine_url,
        .name_fallback = true,
        .targets = (const char *const *)argv + optind,
        .ntargets = argc - optind,
    };
    d.targets = so.targets;
    d.ntargets = so.ntargets;
    /* Taken before the engine is listed: what an up in progress makes is
     * seen once it has finished (issue 13). */
    int lock = -1;
    if (project_lock(g->dir, false, wait_lock, NULL, &lock, err) < 0)
        return berr_wrap(err, "down");
    int rc = scope_open(&so, &d.s, err);
    if (rc < 0 && *err && (*err)->code == BERR_USAGE)
        berr_wrap(err, "down");
    progress *pg = NULL;
    if (rc == 0) {
        pthread_mutex_init(&d.lock, NULL);
        pg = progress_new(g->progress);
        d.rep = progress_reporter(pg);
        int parallel = g->parallel ? g->parallel : PARALLEL_DEFAULT;
        if (d.s.nengines <= 1) {
            rc = down(&d, volumes, rmi, yes, parallel, err);
        } else {
            /* Parts on several engines: each engine's share goes down in
             * turn; one that fails does not stop the others. */
            for (size_t k = 0; k < d.s.nengines; k++) {
                struct down dk = {.rep = d.rep, .timeout = d.timeout,
                                  .include_kept = d.include_kept, .wait_ms = d.wait_ms,
                                  .targets = d.targets, .ntargets = d.ntargets};
                pthread_mutex_init(&dk.lock, NULL);
                scope_share(&d.s, k, &dk.s);
                berr *ek = NULL;
                if (down(&dk, volumes, rmi, yes, parallel, &ek) < 0) {
                    berr_wrap(&ek, "engine %s", dk.s.engine_name);
                    if (rc == 0)
                        berr_move(err, &ek);
                    rc = -1;
                }
                berr_free(ek);
                down_clear(&dk);
                scope_share_release(&dk.s);
                pthread_mutex_destroy(&dk.lock);
            }
        }
        /* An engine that did not answer: the others went down. */
        if (rc == 0 && d.s.down)
            rc = berr_set(err, d.s.down->code, "%s", d.s.down->msg);
        if (rc < 0)
            berr_wrap(err, "down");
        pthread_mutex_destroy(&d.lock);
    }
    progress_end(pg);
    down_clear(&d);
    scope_close(&d.s);
    project_unlock(lock);
    return rc;
}
