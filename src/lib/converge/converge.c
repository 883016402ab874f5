#include "converge/converge.h"

#include <pthread.h>
#include <stdio.h>

#include "engine/api.h"
#include "engine/http.h"
#include "converge/assemble.h"
#include "engine/owner.h"
#include "converge/converge_int.h"
#include "converge/diskimage.h"
#include "converge/desired.h"
#include "base/strbuf.h"
#include "base/taskgraph.h"
#include "converge/linkaddr.h"
#include "transfer/tarball.h"
#include "base/util.h"
#include "project/values.h"

void plan_clear(struct plan *pl)
{
    for (size_t i = 0; i < pl->n; i++) {
        free(pl->v[i].subject);
        free(pl->v[i].verb);
        free(pl->v[i].reason);
        free(pl->v[i].engine);
    }
    free(pl->v);
    pl->v = NULL;
    pl->n = 0;
}

void cv_noted_action(struct cv *cv, const char *subject, const char *verb, const char *reason,
                     enum action_note note, int level)
{
    const char *engine = engines_name(cv->es, cv->slot);
    pthread_mutex_lock(cv->plan_lock);
    struct plan *pl = cv->plan;
    pl->v = xrealloc(pl->v, sizeof *pl->v * (pl->n + 1));
    pl->v[pl->n++] = (struct action){.subject = xstrdup(subject), .verb = xstrdup(verb),
                                     .reason = xstrdup(reason ? reason : ""), .level = level,
                                     .note = note, .engine = xstrdup(engine)};
    pthread_mutex_unlock(cv->plan_lock);
    if (!cv->o->dry_run && !streq(verb, "none") && !streq(verb, "skip"))
        report(cv->o->rep, EV_ACTION, subject, verb, reason);
}

long long cv_deadline_begin(struct cv *cv, const struct part *pt)
{
    const char *t = part_value(pt, "timeout");
    long long ms = 0;
    if (cv->o->dry_run || !t || parse_duration(t, &ms) || ms <= 0)
        return http_deadline_set(0);
    return http_deadline_set(now_ms() + ms);
}

int cv_deadline_end(const struct part *pt, long long saved, int rc, berr **err)
{
    long long mine = http_deadline_set(saved);
    if (rc == 0 || !mine || now_ms() < mine || !err || !*err ||
        (*err)->code == BERR_INTERRUPTED)
        return rc;
    (*err)->code = BERR_TIMEOUT;
    return berr_wrap(err, "timeout = %s passed (the part's deadline; see its 'timeout' key)",
                     part_value(pt, "timeout"));
}

int cv_dry_outcome(struct cv *cv, const char *subject, int level, int rc, berr **err)
{
    if (rc == 0 || !cv->o->dry_run || !err || !*err || (*err)->code == BERR_UNREACHABLE ||
        (*err)->code == BERR_INTERRUPTED)
        return rc;
    cleanup_free char *why = xasprintf("would fail: %s", (*err)->msg);
    cv_action(cv, subject, "fail", why, level);
    berr_freep(err);
    return 0;
}

void cv_action(struct cv *cv, const char *subject, const char *verb, const char *reason, int level)
{
    cv_noted_action(cv, subject, verb, reason, NOTE_NONE, level);
}

/* What a run knows of images is keyed by the normal form of their
 * references (project/values.h): a part makes demo/web, a container runs
 * demo/web:latest, and they are one image; demo/web:1 is not demo/web:2. */
int cv_image(struct cv *cv, const char *ref, json_t **facts, berr **err)
{
    char key[IMAGE_REF_NORMAL_MAX];
    image_ref_normal(ref, key);
    pthread_mutex_lock(&cv->lock);
    json_t *f = json_incref(json_object_get(cv->images, key));
    pthread_mutex_unlock(&cv->lock);
    if (!f) {
        json_t *img = NULL;
        if (api_image_inspect(cv->e, ref, &img, err) < 0)
            return -1;
        f = img ? json_pack("{s:O*, s:O*}", "Id", json_object_get(img, "Id"), "Config",
                            json_object_get(img, "Config"))
                : json_null();
        json_decref(img);
        pthread_mutex_lock(&cv->lock);
        json_object_set(cv->images, key, f);
        pthread_mutex_unlock(&cv->lock);
    }
    if (json_is_null(f)) {
        json_decref(f);
        f = NULL;
    }
    *facts = f;
    return 0;
}

void cv_image_forget(struct cv *cv, const char *ref)
{
    char key[IMAGE_REF_NORMAL_MAX];
    image_ref_normal(ref, key);
    pthread_mutex_lock(&cv->lock);
    json_object_del(cv->images, key);
    pthread_mutex_unlock(&cv->lock);
}

void cv_image_changed(struct cv *cv, const char *ref)
{
    char key[IMAGE_REF_NORMAL_MAX];
    image_ref_normal(ref, key);
    pthread_mutex_lock(&cv->lock);
    json_object_del(cv->images, key);
    json_object_set_new(cv->rebuilt, key, json_true());
    pthread_mutex_unlock(&cv->lock);
}

bool cv_image_rebuilt(struct cv *cv, const char *ref)
{
    char key[IMAGE_REF_NORMAL_MAX];
    image_ref_normal(ref, key);
    pthread_mutex_lock(&cv->lock);
    bool r = json_object_get(cv->rebuilt, key) != NULL;
    pthread_mutex_unlock(&cv->lock);
    return r;
}

/* ---- the engines of a run ---- */

struct cv *cv_peer(struct cv *cv, size_t slot)
{
    for (size_t i = 0; i < cv->npeers; i++)
        if (cv->peers[i].slot == slot)
            return &cv->peers[i];
    return NULL;
}

bool cv_part_here(const struct cv *cv, size_t part)
{
    return engines_slot_of(cv->es, cv->p, part) == cv->slot;
}

/* ---- what exists ---- */

const char *cv_label_of(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(json_object_get(obj, "Labels"), key));
}

/* Container name -> its listed entry: one lookup per instance instead of a
 * scan of the list each (a no-op up of 200 containers spent more time
 * scanning than hashing). */
static json_t *index_by_name(json_t *list)
{
    json_t *idx = json_object(), *c, *n;
    size_t i, j;
    json_array_foreach(list, i, c) {
        json_array_foreach(json_object_get(c, "Names"), j, n) {
            const char *s = json_string_value(n);
            if (s && s[0] == '/')
                json_object_set(idx, s + 1, c);
        }
    }
    return idx;
}

/* name -> the first entry of that "Name" in a list of networks or volumes:
 * every task of a run looks its names up there (a scan of the list each
 * time was 5 M instructions of a no-op up of 200 containers). */
static json_t *index_by_Name(json_t *list)
{
    json_t *idx = json_object(), *o;
    size_t i;
    json_array_foreach(list, i, o) {
        const char *s = json_string_value(json_object_get(o, "Name"));
        if (s && !json_object_get(idx, s))
            json_object_set(idx, s, o);
    }
    return idx;
}

static int seen_kind(const char *what)
{
    return streq(what, "container") ? 0 : streq(what, "network") ? 1 : 2;
}

bool cv_container_seen(struct cv *cv, const char *name)
{
    return !cv->seen[0] || json_object_get(cv->seen[0], name);
}

/* The error of a name held by an object that is not this project's. */
static int foreign_error(const char *what, const char *name, const char *owner, berr **err)
{
    int rc = berr_set(err, BERR_FAILURE,
                      "a %s named '%s' already exists and %s; berth never touches it: "
                      "remove or rename it, or choose another name",
                      what, name,
                      owner ? "belongs to another berth project" : "was not made by berth");
    if (owner)
        berr_wrap(err, "project '%s'", owner);
    return rc;
}

/* Is an object of that name there without our label? The run's listings
 * only hold what carries the project label: the unfiltered list preflight
 * took tells whether the name was free (a project of 2,000 parts planned
 * against an empty engine sent an inspect per missing object, 5,900
 * requests); a name it holds is inspected for its owner. */
int cv_foreign_check(struct cv *cv, const char *what, const char *path, const char *name,
                     berr **err)
{
    json_t *seen = cv->seen[seen_kind(what)];
    if (seen && !json_object_get(seen, name))
        return 0;
    json_t *j = NULL;
    if (api_get_found(cv->e, path, &j, err) < 0)
        return -1;
    if (!j)
        return 0;
    /* A container's labels may be its image's: berth's only by its name too. */
    const char *owner = streq(what, "container")
                            ? owner_of_container(json_object_get(json_object_get(j, "Config"), "Labels"), name)
                            : cv_label_of(j, LABEL_PROJECT);
    int rc = foreign_error(what, name, owner, err);
    json_decref(j);
    return rc;
}

/* The name was free when the run listed, so the check did not ask: an
 * object made since (by someone else) makes the create fail with a
 * conflict (409), told as the check tells a clash. Anything else (the engine's
 * own error, or the name held by this project: another run) stays. */
int cv_foreign_after(struct cv *cv, const char *what, const char *path, const char *name,
                     int rc, berr **err)
{
    if (rc == 0 || !err || !*err || (*err)->http_status != 409)
        return rc;
    /* The engine reserves a name before the object that takes it can be
     * looked at: while another client's create is under way, the name
     * conflicts and is not found yet. Look again for a moment. */
    json_t *j = NULL;
    for (int tries = 0; !j && tries < 40; tries++) {
        berr *e2 = NULL;
        if (tries)
            sleep_ms(50);
        CV_NO_DEADLINE(api_get_found(cv->e, path, &j, &e2));
        bool failed = e2 != NULL;
        berr_free(e2);
        if (failed)
            break;
    }
    if (!j)
        return rc;
    const char *owner = streq(what, "container")
                            ? owner_of_container(json_object_get(json_object_get(j, "Config"), "Labels"), name)
                            : cv_label_of(j, LABEL_PROJECT);
    if (!streq(owner, cv->p->name)) {
        berr_freep(err);
        foreign_error(what, name, owner, err);
    }
    json_decref(j);
    return rc;
}

/* ---- name clashes, before any write ---- */

static bool inst_selected(const struct cv *cv, size_t part, size_t inst)
{
    const struct project_sel *sel = cv->sel;
    return sel->part[part] &&
           !(sel->instance && sel->instance[part] && !sel->instance[part][inst] && !sel->needed[part]);
}

/* Every name this run may create, by kind ("container", "network",
 * "volume"): the containers of the selected instances, their persistent
 * volumes, the project network, network and volume parts, bootstrap work
 * containers. */
struct wanted {
    const char *kind;
    char *name;
};

static void want(struct wanted **v, size_t *n, const char *kind, char *name)
{
    *v = xrealloc(*v, sizeof **v * (*n + 1));
    (*v)[(*n)++] = (struct wanted){kind, name};
}

/* A name one of ours may take, held by something else: every such clash is
 * reported at once, before anything is written, so a failed `up` leaves the
 * engine as it found it. Costs nothing when every name is already ours; else
 * one list call per kind that has a missing name. */
/* What `berth build` runs: the parts that make images. */
static bool is_image_part(const struct part *pt)
{
    return pt->kind == PART_BUILD || pt->kind == PART_BOOTSTRAP;
}

static int preflight(struct cv *cv, berr **err)
{
    const struct project *p = cv->p;
    struct wanted *w = NULL;
    size_t nw = 0;
    bool linked = false;
    for (size_t i = 0; i < p->nparts; i++) {
        const struct part *pt = &p->parts[i];
        if (!cv->sel->part[i] || (cv->o->images_only && !is_image_part(pt)))
            continue;
        if (pt->kind == PART_CONTAINER) {
            for (size_t j = 0; j < pt->container->ninstances; j++) {
                const struct instance *in = &pt->container->instances[j];
                linked = linked || in->linked; /* as build_graph decides it */
                if (!inst_selected(cv, i, j))
                    continue;
                want(&w, &nw, "container", xstrdup(in->container_name));
                if (in->persistent_data)
                    want(&w, &nw, "volume", xasprintf("%s-data", in->container_name));
                if (in->persistent_opt)
                    want(&w, &nw, "volume", xasprintf("%s-opt", in->container_name));
                if (in->persistent_log)
                    want(&w, &nw, "volume", xasprintf("%s-log", in->container_name));
            }
        } else if (pt->kind == PART_NETWORK || pt->kind == PART_VOLUME) {
            want(&w, &nw, pt->kind == PART_NETWORK ? "network" : "volume",
                 xstrdup(part_value(pt, "name")));
        } else if (pt->kind == PART_BOOTSTRAP && part_value(pt, "container")) {
            want(&w, &nw, "bootstrap", xstrdup(part_value(pt, "container")));
        }
    }
    if (linked)
        want(&w, &nw, "network", project_network_name(p));

    static const char *const kinds[] = {"container", "network", "volume"};
    /* all[k]: every object of kind k on the engine, by name (index_by_name, index_by_Name): a
     * scan of the list per missing name made a plan of 2,000 parts on an
     * engine of many objects quadratic. */
    json_t *all[3] = {NULL, NULL, NULL};
    strbuf msg = STRBUF_INIT;
    int nclash = 0, rc = 0;
    for (size_t k = 0; k < nw && rc == 0; k++) {
        /* A bootstrap work container exists only while its bootstrap runs,
         * or as the leftover of an interrupted one, which is ours (labelled
         * kind=bootstrap) and which the bootstrap removes: one inspect. */
        bool boot = streq(w[k].kind, "bootstrap");
        const char *kind = boot ? "container" : w[k].kind;
        int ki = streq(kind, "container") ? 0 : streq(kind, "network") ? 1 : 2;
        json_t *o = NULL, *inspected = NULL;
        if (boot) {
            rc = api_container_inspect(cv->e, w[k].name, &inspected, err);
            if (rc < 0 || !inspected)
                continue;
            o = json_object_get(inspected, "Config");
        } else if (json_object_get(ki == 0   ? cv->by_name
                                   : ki == 1 ? cv->network_names
                                             : cv->volume_names,
                                   w[k].name)) {
            continue;
        } else if (!all[ki]) {
            const char *path = ki == 0 ? "/containers/json?all=1" : ki == 1 ? "/networks" : "/volumes";
            rc = engine_get(cv->e, path, &all[ki], err);
            if (rc == 0 && ki == 2) {
                json_t *v = json_incref(json_object_get(all[ki], "Volumes"));
                json_decref(all[ki]);
                all[ki] = json_is_array(v) ? v : (json_decref(v), json_array());
            }
            if (rc < 0) {
                berr_wrap(err, "listing %ss", kinds[ki]);
                break;
            }
            json_t *list = all[ki];
            all[ki] = ki == 0 ? index_by_name(list) : index_by_Name(list);
            json_decref(list);
        }
        if (!boot)
            o = json_object_get(all[ki], w[k].name);
        json_t *ol = o ? json_object_get(o, "Labels") : NULL;
        const char *owner = !o ? NULL
                            : boot ? (owner_bootstrap_is(ol, w[k].name, p->name) ? p->name : NULL)
                            : ki == 0 ? owner_of_container(ol, w[k].name)
                                      : cv_label_of(o, LABEL_PROJECT);
        bool clash = o && !streq(owner, p->name);
        if (clash) {
            sb_addf(&msg, "%sa %s named '%s' already exists and ", nclash ? "; " : "", kind,
                    w[k].name);
            if (owner)
                sb_addf(&msg, "belongs to another berth project ('%s')", owner);
            else if (boot)
                sb_adds(&msg, "is not this project's bootstrap container");
            else
                sb_adds(&msg, "was not made by berth");
            nclash++;
        }
        json_decref(inspected);
    }
    for (size_t k = 0; k < 3; k++)
        if (rc == 0 && all[k])
            cv->seen[k] = json_incref(all[k]);
    if (rc == 0 && nclash)
        rc = berr_set(err, BERR_FAILURE,
                      "%s; berth never touches %s: remove or rename %s, or choose another "
                      "project name (-p)",
                      msg.buf, nclash > 1 ? "them" : "it", nclash > 1 ? "them" : "it");
    sb_release(&msg);
    for (size_t k = 0; k < 3; k++)
        json_decref(all[k]);
    for (size_t k = 0; k < nw; k++)
        free(w[k].name);
    free(w);
    return rc;
}

/* ---- networks and volumes ---- */

static int ensure_network(struct cv *cv, struct desired *d, const char *subject, int level,
                          berr **err)
{
    json_t *have = json_object_get(cv->network_names, d->name);
    if (have) {
        const char *old = cv_label_of(have, LABEL_HASH);
        if (streq(old, d->hash)) {
            cv_action(cv, subject, "none", "up to date", level);
            return 0;
        }
        /* Recreating a network would cut off running containers: say so. */
        cleanup_free char *why =
        desired_changed_fields(cv_label_of(have, LABEL_FIELDS), desired_fields(d));
        return berr_set(err, BERR_FAILURE,
                        "network '%s' changed (%s); the engine cannot change a network in place: "
                        "run 'berth down' and 'berth up' to recreate it",
                        d->name, why ? why : "settings");
    }
    cleanup_free char *path = xasprintf("/networks/%s", d->name);
    if (cv_foreign_check(cv, "network", path, d->name, err) < 0)
        return -1;
    cv_action(cv, subject, "create", "missing", level);
    if (cv->o->dry_run)
        return 0;
    report(cv->o->rep, EV_STATE, subject, "creating", NULL);
    desired_fields(d);
    /* Engines on one host each pick a free subnet for a network by the
     * host's routes: two picking at once took the same one (and traffic
     * between them went astray), so the engines of a run make their
     * networks one at a time. */
    pthread_mutex_lock(cv->net_lock);
    int rc = api_network_create(cv->e, d->create, NULL, err);
    pthread_mutex_unlock(cv->net_lock);
    return cv_foreign_after(cv, "network", path, d->name, rc, err);
}

int cv_ensure_volume(struct cv *cv, json_t *body, const char *subject, int level, berr **err)
{
    const char *name = json_string_value(json_object_get(body, "Name"));
    if (json_object_get(cv->volume_names, name))
        return 0; /* volumes hold data: never recreated behind the user's back */
    cleanup_free char *path = xasprintf("/volumes/%s", name);
    if (cv_foreign_check(cv, "volume", path, name, err) < 0)
        return -1;
    cv_action(cv, subject, "create", "missing", level);
    if (cv->o->dry_run)
        return 0;
    /* The engine answers a create of a name that exists with that volume,
     * whoever's: one made since the run's list is told by its labels. */
    json_t *made = NULL;
    if (api_volume_folder(body, err) < 0 ||
        engine_post(cv->e, "/volumes/create", body, &made, err) < 0)
        return -1;
    const char *owner = cv_label_of(made, LABEL_PROJECT);
    int rc = streq(owner, cv->p->name) ? 0 : foreign_error("volume", name, owner, err);
    json_decref(made);
    return rc;
}

/* ---- the task graph ---- */

struct part_task {
    struct cv *cv;
    int part;
};

static int network_part(void *ud, struct sched_task *t, berr **err)
{
    (void)t;
    struct part_task *pt = ud;
    const struct part *part = &pt->cv->p->parts[pt->part];
    struct desired d;
    desired_network(pt->cv->p, part, &d);
    cleanup_free char *subject = xasprintf("network %s", part->name);
    long long saved = cv_deadline_begin(pt->cv, part);
    int rc = cv_deadline_end(part, saved, ensure_network(pt->cv, &d, subject, part->level, err),
                             err);
    desired_clear(&d);
    return cv_dry_outcome(pt->cv, subject, part->level, rc, err);
}

static int volume_part(void *ud, struct sched_task *t, berr **err)
{
    (void)t;
    struct part_task *pt = ud;
    const struct part *part = &pt->cv->p->parts[pt->part];
    struct desired d;
    desired_volume(pt->cv->p, part, &d);
    cleanup_free char *subject = xasprintf("volume %s", part->name);
    json_t *have = json_object_get(pt->cv->volume_names, d.name);
    desired_fields(&d);
    long long saved = cv_deadline_begin(pt->cv, part);
    int rc = cv_deadline_end(part, saved,
                             cv_ensure_volume(pt->cv, d.create, subject, part->level, err), err);
    rc = cv_dry_outcome(pt->cv, subject, part->level, rc, err);
    if (rc == 0 && have) {
        const char *old = cv_label_of(have, LABEL_HASH);
        if (streq(old, d.hash))
            cv_action(pt->cv, subject, "none", "up to date", part->level);
        else
            cv_noted_action(pt->cv, subject, "none",
                            "settings changed; kept with its data (down --volumes recreates it)",
                            NOTE_KEPT, part->level);
    }
    desired_clear(&d);
    return rc;
}

static int image_part(void *ud, struct sched_task *t, berr **err)
{
    (void)t;
    struct part_task *pt = ud;
    const struct part *part = &pt->cv->p->parts[pt->part];
    cleanup_free char *subject = xasprintf("image %s", part->name);
    long long saved = cv_deadline_begin(pt->cv, part);
    int rc = cv_deadline_end(part, saved, image_part_converge(pt->cv, part, err), err);
    return cv_dry_outcome(pt->cv, subject, part->level, rc, err);
}

/* A part's work within its deadline; in a dry run a failure is a step of
 * the plan. what names it in the plan ("image x"; NULL: its kind). */
static int guarded_part(struct part_task *pt, const char *what,
                        int (*fn)(struct cv *, const struct part *, berr **), berr **err)
{
    const struct part *part = &pt->cv->p->parts[pt->part];
    cleanup_free char *subject =
        xasprintf("%s %s", what ? what : part_kind_name(part->kind), part->name);
    long long saved = cv_deadline_begin(pt->cv, part);
    int rc = cv_deadline_end(part, saved, fn(pt->cv, part, err), err);
    return cv_dry_outcome(pt->cv, subject, part->level, rc, err);
}

static int pull_part(void *ud, struct sched_task *t, berr **err)
{
    (void)t;
    return guarded_part(ud, NULL, pull_part_converge, err);
}

static int push_part(void *ud, struct sched_task *t, berr **err)
{
    (void)t;
    return guarded_part(ud, NULL, push_part_converge, err);
}

/* After both containers: the part depends on both container parts. */
static int copy_part(void *ud, struct sched_task *t, berr **err)
{
    (void)t;
    struct part_task *pt = ud;
    const struct part *part = &pt->cv->p->parts[pt->part];
    cleanup_free char *subject = xasprintf("copy %s", part->name);
    long long saved = cv_deadline_begin(pt->cv, part);
    int rc = cv_deadline_end(part, saved, copy_part_converge(pt->cv, part, err), err);
    return cv_dry_outcome(pt->cv, subject, part->level, rc, err);
}

static int assemble_part(void *ud, struct sched_task *t, berr **err)
{
    (void)t;
    return guarded_part(ud, "image", assemble_part_converge, err);
}

static int diskimage_part(void *ud, struct sched_task *t, berr **err)
{
    (void)t;
    return guarded_part(ud, NULL, diskimage_part_converge, err);
}

static int project_network(void *ud, struct sched_task *t, berr **err)
{
    (void)t;
    struct cv *cv = ud;
    struct desired d;
    desired_project_network(cv->p, &d);
    int rc = ensure_network(cv, &d, "network (project)", 0, err);
    desired_clear(&d);
    return cv_dry_outcome(cv, "network (project)", 0, rc, err);
}

/* The engine part answered when its share of the run began (engines.c):
 * nothing is left to do here. Its dependents wait for it, so when it does
 * not answer (engine_down) they are skipped. */
static int engine_part(void *ud, struct sched_task *t, berr **err)
{
    (void)ud, (void)t, (void)err;
    return 0;
}

/* A task of an engine that could not be reached or listed: it fails with
 * the engine's error (the engine part and its address); in a dry run, a
 * step of the plan that would fail. */
static int engine_down(void *ud, struct sched_task *t, berr **err)
{
    struct cv *cv = ud;
    const struct part *ep = cv->slot < cv->p->nparts ? &cv->p->parts[cv->slot] : NULL;
    if (cv->o->dry_run && ep && streq(part_value(ep, "private"), "true")) {
        /* A private engine that is not running: up starts it, then makes
         * everything on it. */
        bool self = streq(t->name, "engine") || starts_with(t->name, "engine ");
        cleanup_free char *why = self ? xasprintf("not running: up starts it in %s",
                                                  part_value(ep, "dir"))
                                      : xasprintf("its engine %s is not running yet", ep->name);
        cv_action(cv, t->name, self ? "start" : "create", why, 0);
        return 0;
    }
    if (cv->o->dry_run) { /* the plan goes on with the other engines */
        pthread_mutex_lock(&cv->lock);
        bool first = !cv->down_said;
        cv->down_said = true;
        pthread_mutex_unlock(&cv->lock);
        cleanup_free char *why =
            first ? xasprintf("would fail: %s", cv->down->msg)
                  : xasprintf("would fail: engine %s does not answer", engines_name(cv->es, cv->slot));
        cv_action(cv, t->name, "fail", why, 0);
        return 0;
    }
    return berr_set(err, cv->down->code, "%s", cv->down->msg);
}

/* A task acts when `berth task NAME` runs it; up makes what it needs (its
 * image, networks, volumes: its dependencies) and says so. */
static int task_part(void *ud, struct sched_task *t, berr **err)
{
    (void)t, (void)err;
    struct part_task *pt = ud;
    const struct part *part = &pt->cv->p->parts[pt->part];
    cleanup_free char *subject = xasprintf("task %s", part->name);
    cleanup_free char *why = xasprintf("runs on demand: `berth task %s`", part->name);
    cv_action(pt->cv, subject, "none", why, part->level);
    return 0;
}

static void observe(void *ud, const struct sched_task *t)
{
    struct cv *cv = ud;
    if (t->state == TASK_FAILED)
        report(cv->o->rep, EV_FAIL, t->name, "failed", t->err ? t->err->msg : NULL);
    else if (t->state == TASK_SKIPPED)
        report(cv->o->rep, EV_DONE, t->name, "skipped", "a dependency failed");
    else if (t->state == TASK_DONE && !cv->o->dry_run)
        report(cv->o->rep, EV_DONE, t->name, "done", NULL);
}

/* Orphans: labelled containers whose part or instance the project no longer has. */
static int orphans(struct cv *cv, berr **err)
{
    size_t i;
    json_t *c;
    json_array_foreach(cv->containers, i, c) {
        const char *part = cv_label_of(c, LABEL_PART), *inst = cv_label_of(c, LABEL_INSTANCE);
        if (!streq(cv_label_of(c, LABEL_KIND), "container"))
            continue;
        int pi = part ? project_find(cv->p, part) : -1;
        if (pi >= 0 && cv->p->parts[pi].kind == PART_CONTAINER && inst &&
            container_instance(cv->p->parts[pi].container, inst) >= 0 &&
            cv_part_here(cv, (size_t)pi))
            continue;
        cleanup_free char *subject = xasprintf("%s:%s", part ? part : "?", inst ? inst : "?");
        if (!cv->o->remove_orphans) {
            cv_noted_action(cv, subject, "none",
                            "orphan: no longer in the project (--remove-orphans removes it)",
                            NOTE_ORPHAN, 0);
            continue;
        }
        cv_noted_action(cv, subject, "remove", "orphan", NOTE_ORPHAN, 0);
        if (cv->o->dry_run)
            continue;
        const char *to = cv_label_of(c, LABEL_STOP_TIMEOUT);
        if (cv_remove_container(cv, json_string_value(json_object_get(c, "Id")), to ? atoi(to) : 10,
                                err) < 0)
            return berr_wrap(err, "remove orphan %s", subject);
    }
    return 0;
}

struct graph {
    struct sched_task *t;
    int n, cap;
    int **deps; /* owned dependency arrays */
    void **uds;
    struct cv **cv;     /* per task: the engine's share it acts on */
    int *first, *count; /* per part: its tasks [first, first+count), on every engine */
    int *net;           /* per peer: its project network task, or -1 */
    /* image moves: part made on one engine, used on another (to) */
    struct move_task **moves;
    int *move_task;
    int nmoves;
};

static int add_task(struct graph *g, struct cv *cv, const char *name, task_fn *fn, void *ud)
{
    if (g->n == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 16;
        g->t = xrealloc(g->t, sizeof *g->t * (size_t)g->cap);
        g->deps = xrealloc(g->deps, sizeof *g->deps * (size_t)g->cap);
        g->uds = xrealloc(g->uds, sizeof *g->uds * (size_t)g->cap);
        g->cv = xrealloc(g->cv, sizeof *g->cv * (size_t)g->cap);
    }
    /* On an engine that did not answer, every task fails with its error. */
    g->t[g->n] = (struct sched_task){.name = xstrdup(name), .run = cv->down ? engine_down : fn,
                                     .ud = cv->down ? (void *)cv : ud};
    g->deps[g->n] = NULL;
    g->uds[g->n] = ud;
    g->cv[g->n] = cv;
    return g->n++;
}

static void graph_free(struct graph *g)
{
    for (int i = 0; i < g->n; i++) {
        free((char *)g->t[i].name);
        free(g->deps[i]);
        if (g->uds[i] != g->cv[i]) /* the run's context is not the graph's to free */
            free(g->uds[i]);
    }
    sched_tasks_clear(g->t, g->n);
    free(g->t);
    free(g->deps);
    free(g->uds);
    free(g->cv);
    free(g->first);
    free(g->count);
    free(g->net);
    free(g->moves);
    free(g->move_task);
}

static bool makes_image(const struct part *pt)
{
    return pt->image && (pt->kind == PART_BUILD || pt->kind == PART_BOOTSTRAP ||
                         pt->kind == PART_ASSEMBLE || pt->kind == PART_PULL);
}

/* Whether part `user` runs or builds on the image part `maker` makes. */
static bool uses_image_of(const struct part *user, const struct part *maker)
{
    if (user->image && streq(user->image, maker->image))
        return true;
    for (size_t k = 0; k < user->from.n; k++)
        if (streq(user->from.v[k], maker->image))
            return true;
    return false;
}

/* The task moving the image part dp makes to cv's engine, made once. */
static int move_to(struct graph *g, struct cv *from, struct cv *to, int dp)
{
    for (int k = 0; k < g->nmoves; k++)
        if (g->moves[k]->part == dp && g->moves[k]->to == to)
            return g->move_task[k];
    struct move_task *mt = xcalloc(1, sizeof *mt);
    *mt = (struct move_task){.from = from, .to = to, .part = dp};
    const struct part *pt = &to->p->parts[dp];
    cleanup_free char *name = xasprintf("image %s to %s", pt->name,
                                        engines_name(to->es, to->slot));
    int t = add_task(g, to, name, image_move_task, mt);
    /* It needs every task of the part that makes the image. */
    int *deps = xcalloc((size_t)g->count[dp] + 1, sizeof *deps);
    for (int x = 0; x < g->count[dp]; x++)
        deps[x] = g->first[dp] + x;
    g->deps[t] = deps;
    g->t[t].deps = deps;
    g->t[t].ndeps = g->count[dp];
    g->moves = xrealloc(g->moves, sizeof *g->moves * (size_t)(g->nmoves + 1));
    g->move_task = xrealloc(g->move_task, sizeof *g->move_task * (size_t)(g->nmoves + 1));
    g->moves[g->nmoves] = mt;
    g->move_task[g->nmoves++] = t;
    return t;
}

/* The tasks of one part on one engine. */
static void part_tasks(struct cv *cv, struct graph *g, size_t i)
{
    const struct project *p = cv->p;
    const struct part *pt = &p->parts[i];
    if (pt->kind == PART_CONTAINER) {
        for (size_t j = 0; j < pt->container->ninstances; j++) {
            if (!inst_selected(cv, i, j))
                continue;
            const struct instance *in = &pt->container->instances[j];
            if (in->interactive) { /* berth run -i runs these, not up */
                cleanup_free char *s = xasprintf("%s:%s", pt->name, in->name);
                cleanup_free char *why = xasprintf("%s instance: `berth run -i %s` runs it",
                                                   instance_type_name(in->type), s);
                cv_noted_action(cv, s, "skip", why, NOTE_SKIPPED, pt->level);
                continue;
            }
            struct inst_task *it = xcalloc(1, sizeof *it);
            *it = (struct inst_task){cv, (int)i, (int)j};
            cleanup_free char *name = xasprintf("%s:%s", pt->name, pt->container->instances[j].name);
            add_task(g, cv, name, instance_converge, it);
        }
        return;
    }
    struct part_task *ptk = xcalloc(1, sizeof *ptk);
    *ptk = (struct part_task){cv, (int)i};
    task_fn *fn = pt->kind == PART_NETWORK ? network_part
                : pt->kind == PART_VOLUME  ? volume_part
                : (pt->kind == PART_BUILD || pt->kind == PART_BOOTSTRAP) ? image_part
                : pt->kind == PART_PULL ? pull_part
                : pt->kind == PART_PUSH ? push_part
                : pt->kind == PART_TASK ? task_part
                : pt->kind == PART_ASSEMBLE ? assemble_part
                : pt->kind == PART_DISKIMAGE ? diskimage_part
                : pt->kind == PART_ENGINE ? engine_part
                                         : copy_part; /* PART_COPY, the only kind left */
    /* Named as the part's progress lines are; a network or volume made on
     * an engine other than its own says which. */
    const char *kind = (pt->kind == PART_BUILD || pt->kind == PART_BOOTSTRAP ||
                        pt->kind == PART_ASSEMBLE)
                           ? "image" : part_kind_name(pt->kind);
    cleanup_free char *name =
        cv_part_here(cv, i) ? xasprintf("%s %s", kind, pt->name)
                            : xasprintf("%s %s on %s", kind, pt->name, engines_name(cv->es, cv->slot));
    add_task(g, cv, name, fn, ptk);
}

static void build_graph(struct cv *peers, size_t npeers, struct graph *g)
{
    const struct project *p = peers[0].p;
    const struct up_opts *o = peers[0].o;
    g->first = xcalloc(p->nparts, sizeof *g->first);
    g->count = xcalloc(p->nparts, sizeof *g->count);
    g->net = xcalloc(npeers, sizeof *g->net);
    /* On each engine, the project network when a selected instance there is linked. */
    for (size_t k = 0; k < npeers; k++) {
        struct cv *cv = &peers[k];
        bool linked = false;
        for (size_t i = 0; i < p->nparts && !o->images_only; i++) {
            if (!cv->sel->part[i] || p->parts[i].kind != PART_CONTAINER)
                continue;
            for (size_t j = 0; j < p->parts[i].container->ninstances; j++)
                linked = linked || p->parts[i].container->instances[j].linked;
        }
        g->net[k] = -1;
        if (linked) {
            cleanup_free char *name =
                npeers > 1 ? xasprintf("network (project) on %s", engines_name(cv->es, cv->slot))
                           : xstrdup("network (project)");
            g->net[k] = add_task(g, cv, name, project_network, cv);
        }
    }
    for (size_t i = 0; i < p->nparts; i++) {
        const struct part *pt = &p->parts[i];
        g->first[i] = g->n;
        for (size_t k = 0; k < npeers; k++)
            if (peers[k].sel->part[i] && !(o->images_only && !is_image_part(pt)))
                part_tasks(&peers[k], g, i);
        g->count[i] = g->n - g->first[i];
    }
    /* Each task needs every task of every part its part needs: of a network
     * or volume, the one on its own engine; of an image made on another
     * engine, its move here too. A part a selected part needs is awaited
     * (ready before its dependents start). */
    int nparts_tasks = g->n;
    for (size_t i = 0; i < p->nparts; i++) {
        const struct part *pt = &p->parts[i];
        for (size_t d = 0; d < pt->ndeps && g->count[i]; d++)
            peers[0].awaited[pt->deps[d].part] = true;
        for (int k = g->first[i]; k < g->first[i] + g->count[i] && k < nparts_tasks; k++) {
            struct cv *cv = g->cv[k];
            /* Room for the tasks of the parts it needs (an image move more
             * is added below) and the network: sized to this task, not to
             * the whole graph (at 2,000 parts, a graph-sized array per task
             * was 16 MB of plan's 56). */
            int nd = 0, cap = 1;
            for (size_t d = 0; d < pt->ndeps; d++)
                cap += g->count[pt->deps[d].part];
            int *deps = xcalloc((size_t)cap, sizeof *deps);
            for (size_t d = 0; d < pt->ndeps; d++) {
                int dp = pt->deps[d].part;
                const struct part *dpt = &p->parts[dp];
                bool shared = dpt->kind == PART_NETWORK || dpt->kind == PART_VOLUME;
                for (int x = g->first[dp]; x < g->first[dp] + g->count[dp]; x++)
                    if (!shared || g->cv[x] == cv)
                        deps[nd++] = x;
                if (makes_image(dpt) && uses_image_of(pt, dpt) && g->count[dp] &&
                    !cv_part_here(cv, (size_t)dp) && !cv->down) {
                    struct cv *from = cv_peer(cv, engines_slot_of(cv->es, p, (size_t)dp));
                    if (from) {
                        int mt = move_to(g, from, cv, dp);
                        deps = xrealloc(deps, sizeof *deps * (size_t)(cap + 1));
                        cap++;
                        deps[nd++] = mt;
                    }
                }
            }
            int net = (int)(cv - peers);
            if (pt->kind == PART_CONTAINER && g->net[net] >= 0)
                deps[nd++] = g->net[net];
            g->deps[k] = deps;
            g->t[k].deps = deps;
            g->t[k].ndeps = nd;
        }
    }
}

struct listing {
    engine *e;
    const char *kind, *project;
    json_t **out;
    berr *err;
    int rc;
};

static void *list_one(void *ud)
{
    struct listing *l = ud;
    l->rc = api_list(l->e, l->kind, l->project, l->out, &l->err);
    return NULL;
}

/* The facts of the images the selected containers run that no part of the
 * project makes (cv_image's cache), asked while the lists are on their way:
 * one round trip fewer before the first task can decide. An image a part
 * makes is left to its task, after the part that makes it has run; a pull
 * (cv_pull_needed) forgets what it replaces. Errors are left for the task
 * to meet, as it would have. */
static void *prefetch_images(void *ud)
{
    struct cv *cv = ud;
    const struct project *p = cv->p;
    for (size_t i = 0; i < p->nparts && !cv->o->images_only; i++) {
        const struct part *pt = &p->parts[i];
        if (!cv->sel->part[i] || pt->kind != PART_CONTAINER || pt->container->image_part >= 0 ||
            !pt->container->image) /* (cv->sel: the parts on cv's engine) */
            continue;
        pthread_mutex_lock(&cv->lock);
        bool known = json_object_get(cv->images, pt->container->image) != NULL;
        pthread_mutex_unlock(&cv->lock);
        json_t *f = NULL;
        berr *err = NULL;
        if (!known && cv_image(cv, pt->container->image, &f, &err) < 0)
            berr_free(err);
        json_decref(f);
    }
    return NULL;
}

/* The project's containers, networks and volumes: the three lists a run
 * starts from, asked at once (each on its own connection, with the images'
 * facts on a fourth), so the run waits for the slowest answer rather than
 * the sum of them; a no-op up of hundreds of containers is mostly this
 * wait. The first failure in that order is the one told. */
static int list_state(struct cv *cv, berr **err)
{
    struct listing l[3] = {
        {cv->e, "containers", cv->p->name, &cv->containers, NULL, 0},
        {cv->e, "networks", cv->p->name, &cv->networks, NULL, 0},
        {cv->e, "volumes", cv->p->name, &cv->volumes, NULL, 0},
    };
    pthread_t th[3], images;
    bool started[3] = {false, false, false};
    for (int i = 1; i < 3; i++)
        started[i] = pthread_create(&th[i], NULL, list_one, &l[i]) == 0;
    bool prefetching = pthread_create(&images, NULL, prefetch_images, cv) == 0;
    list_one(&l[0]);
    int rc = 0;
    for (int i = 0; i < 3; i++) {
        if (i > 0 && started[i])
            pthread_join(th[i], NULL);
        else if (i > 0)
            list_one(&l[i]); /* no thread to be had: in turn */
        if (l[i].rc < 0 && rc == 0) {
            berr_move(err, &l[i].err);
            rc = -1;
        }
        berr_free(l[i].err);
    }
    if (prefetching)
        pthread_join(images, NULL);
    if (rc == 0) {
        cv->by_name = index_by_name(cv->containers);
        cv->network_names = index_by_Name(cv->networks);
        cv->volume_names = index_by_Name(cv->volumes);
    }
    return rc;
}

/* on[k], made when a part first acts on slot k. */
static bool *placement_row(bool **on, size_t k, const struct project *p)
{
    if (!on[k])
        on[k] = xcalloc(p->nparts + 1, sizeof **on);
    return on[k];
}

/* Which parts act on which engine: each selected part on its own; a
 * network or volume part on every engine a selected part that needs it
 * lives on, and on its own when it names one (`engine =`) or none of them
 * does. on[slot][part]; NULL: no part acts on that slot. */
static bool **placement(struct engine_set *es, const struct project *p,
                        const struct project_sel *sel)
{
    size_t ns = engines_nslots(es);
    bool **on = xcalloc(ns, sizeof *on);
    /* anywhere[i]: part i acts on some engine. A row per slot only where
     * a part acts: there is a slot per part (an engine part's index), and
     * a full square was 4 MB at 2,000 parts. */
    bool *anywhere = xcalloc(p->nparts + 1, sizeof *anywhere);
    for (size_t i = 0; i < p->nparts; i++) {
        const struct part *pt = &p->parts[i];
        if (!sel->part[i] || pt->kind == PART_NETWORK || pt->kind == PART_VOLUME)
            continue;
        size_t k = engines_slot_of(es, p, i);
        placement_row(on, k, p)[i] = anywhere[i] = true;
        for (size_t d = 0; d < pt->ndeps; d++) {
            int dp = pt->deps[d].part;
            if ((p->parts[dp].kind == PART_NETWORK || p->parts[dp].kind == PART_VOLUME) &&
                sel->part[dp])
                on[k][dp] = anywhere[dp] = true;
        }
    }
    for (size_t i = 0; i < p->nparts; i++)
        if (sel->part[i] && (!anywhere[i] || part_value(&p->parts[i], "engine")))
            placement_row(on, engines_slot_of(es, p, i), p)[i] = true;
    free(anywhere);
    return on;
}

/* An engine's share before the graph: list what it holds, check names,
 * clear leftovers. An engine that does not answer or list is "down": its
 * tasks fail with why. A name clash fails the run (before any write). */
static int share_begin(struct cv *cv, berr **err)
{
    berr *e2 = NULL;
    int rc = engines_get(cv->es, cv->slot, &cv->e, &e2);
    if (rc == 0)
        rc = list_state(cv, &e2);
    if (rc < 0) {
        if (cv->npeers == 1) { /* one engine: its error is the run's, as it always was */
            berr_move(err, &e2);
            return -1;
        }
        if (cv->e && e2)
            berr_wrap(&e2, "%s", engines_label(cv->es, cv->slot));
        cv->e = NULL;
        berr_move(&cv->down, &e2);
        return 0;
    }
    rc = preflight(cv, err);
    if (rc == 0)
        rc = cv_clear_leftovers(cv, err);
    if (rc < 0 && cv->npeers > 1)
        berr_wrap(err, "%s", engines_label(cv->es, cv->slot));
    return rc;
}

static void share_end(struct cv *cv)
{
    json_decref(cv->by_name);
    json_decref(cv->network_names);
    json_decref(cv->volume_names);
    for (size_t k = 0; k < 3; k++)
        json_decref(cv->seen[k]);
    json_decref(cv->containers);
    json_decref(cv->networks);
    json_decref(cv->volumes);
    json_decref(cv->images);
    json_decref(cv->rebuilt);
    json_decref(cv->pull_checked);
    json_decref(cv->remade);
    berr_free(cv->down);
    pthread_mutex_destroy(&cv->lock);
}

int converge(engine *e, const struct project *p, const struct project_sel *sel,
             const struct up_opts *o, struct plan *out, berr **err)
{
    struct engine_set *es = engines_single(e);
    int rc = converge_engines(es, p, sel, o, out, err);
    engines_free(es);
    return rc;
}

int converge_engines(struct engine_set *es, const struct project *p,
                     const struct project_sel *sel, const struct up_opts *o, struct plan *out,
                     berr **err)
{
    memset(out, 0, sizeof *out);
    size_t ns = engines_nslots(es);
    bool **on = placement(es, p, sel);
    pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER, net_lock = PTHREAD_MUTEX_INITIALIZER;
    bool *awaited = xcalloc(p->nparts + 1, sizeof(bool));
    struct cv *peers = xcalloc(ns, sizeof *peers);
    struct project_sel *sels = xcalloc(ns, sizeof *sels);
    size_t np = 0;
    /* Nothing selected lives anywhere (a project left with no parts): the
     * default engine still gets its orphans looked at, as one engine did. */
    bool anything = false;
    for (size_t k = 0; k < ns; k++)
        anything = anything || on[k];
    size_t fallback = engines_slot_of(es, p, p->nparts);
    for (size_t k = 0; k < ns; k++) {
        if (!on[k] && !anything && k == fallback)
            placement_row(on, k, p);
        if (!on[k])
            continue; /* no selected part lives there: never contacted */
        sels[np] = (struct project_sel){.nparts = sel->nparts, .part = on[k],
                                        .needed = sel->needed, .instance = sel->instance};
        peers[np] = (struct cv){.p = p, .sel = &sels[np], .o = o, .es = es, .slot = k,
                                .plan_lock = &plan_lock, .net_lock = &net_lock, .plan = out,
                                .images = json_object(), .rebuilt = json_object(),
                                .pull_checked = json_object(), .remade = json_object(),
                                .awaited = awaited};
        pthread_mutex_init(&peers[np].lock, NULL);
        np++;
    }
    for (size_t k = 0; k < np; k++) {
        peers[k].peers = peers;
        peers[k].npeers = np;
    }
    int rc = 0;
    for (size_t k = 0; k < np && rc == 0; k++)
        rc = share_begin(&peers[k], err);
    struct graph g = {0};
    if (rc == 0 && np) {
        build_graph(peers, np, &g);
        struct sched_opts so = {.parallel = o->parallel, .cancel = o->cancel,
                                .observe = observe, .observe_ud = &peers[0]};
        rc = sched_run(g.t, g.n, &so, err);
    }
    for (size_t k = 0; k < np; k++)
        startup_watch_close(&peers[k]);
    /* Then on each engine whose tasks all went well (the others still
     * converged theirs): orphans, and whether what should run does. */
    for (size_t k = 0; k < np && (rc == 0 || np > 1); k++) {
        struct cv *cv = &peers[k];
        bool ok = !cv->down;
        for (int x = 0; x < g.n && ok; x++)
            ok = g.cv[x] != cv || g.t[x].state == TASK_DONE;
        if (!ok)
            continue;
        berr *e2 = NULL;
        int r = o->images_only ? 0 : orphans(cv, &e2);
        if (r == 0 && !o->dry_run)
            r = settle_check(cv, &e2);
        if (r < 0 && np > 1)
            berr_wrap(&e2, "%s", engines_label(es, cv->slot));
        if (r < 0 && rc == 0) {
            berr_move(err, &e2);
            rc = -1;
        }
        berr_free(e2);
    }
    graph_free(&g);
    for (size_t k = 0; k < np; k++)
        share_end(&peers[k]);
    for (size_t k = 0; k < ns; k++)
        free(on[k]);
    free(on);
    free(sels);
    free(peers);
    free(awaited);
    return rc;
}

/* ---- inputs of a part that makes a thing (assemble, diskimage) ---- */

void cv_input(struct cv_inputs *in, const char *name, const char *value)
{
    hasher *h = hasher_new();
    hasher_add_str(h, value ? value : "");
    char hex[65];
    hasher_finish(h, hex);
    sb_addf(&in->fields, "%s%s:%.8s", in->fields.len ? "," : "", name, hex);
    hasher_add_str(in->all, name);
    hasher_add_str(in->all, value ? value : "");
}

/* An image input by id: a rebuilt base rebuilds what is made from it. In a
 * dry run an image this run rebuilds counts as changed. */
int cv_image_input(struct cv *cv, struct cv_inputs *in, const char *name, const char *ref,
                   berr **err)
{
    if (!ref) {
        cv_input(in, name, "");
        return 0;
    }
    json_t *f = NULL;
    if (cv_image(cv, ref, &f, err) < 0)
        return -1;
    const char *id = json_string_value(json_object_get(f, "Id"));
    cleanup_free char *v = cv->o->dry_run && cv_image_rebuilt(cv, ref)
                               ? xasprintf("%s (rebuilt)", ref)
                               : xasprintf("%s@%s", ref, id ? id : "missing");
    json_decref(f);
    cv_input(in, name, v);
    return 0;
}
