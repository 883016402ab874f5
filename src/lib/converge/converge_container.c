/* Converge one container instance: compare its desired state with what
 * exists, then create, recreate or start it (layout, networks, script,
 * readiness), or leave it alone. On failure nothing half-made is left. */
#include "engine/api.h"
#include "converge/converge_int.h"
#include "converge/desired.h"
#include "converge/hostuser.h"
#include "converge/linkaddr.h"
#include "converge/persistdirs.h"
#include "transfer/tarball.h"
#include "base/taskgraph.h"
#include "base/util.h"

int cv_remove_container(struct cv *cv, const char *id, int stop_s, berr **err)
{
    berr *e2 = NULL;
    if (api_container_stop(cv->e, id, stop_s, &e2) < 0 && e2->http_status != 304 &&
        e2->http_status != 404) {
        berr_move(err, &e2);
        return -1;
    }
    berr_free(e2);
    e2 = NULL;
    if (api_container_remove(cv->e, id, true, &e2) < 0 && e2->http_status != 404) {
        berr_move(err, &e2);
        return -1;
    }
    berr_free(e2);
    return 0;
}

/* Whether this part's start waits until it is ready: with --wait, or when a
 * selected part needs it. */
static bool waits(struct cv *cv, const struct part *pt)
{
    /* A oneshot part is a job: its result is up's result, however long it
     * runs (the settle look after up sees only what fails at once). */
    if (pt->container->oneshot)
        return true;
    return startup_has_wait(pt->container) && (cv->o->wait || cv->awaited[pt - cv->p->parts]);
}

/* After a start made in this run: the script, then readiness. A container
 * that fails either is removed (unless --keep-failed), so the next up makes
 * it anew; one interrupted while waiting is left for the next up. */
static int after_start(struct cv *cv, const struct part *pt, const char *id, bool fresh,
                       const char *subject, berr **err)
{
    const struct container *c = pt->container;
    int rc = 0;
    if (fresh && c->script)
        rc = startup_script(cv, c, id, subject, err);
    if (rc == 0 && waits(cv, pt))
        rc = startup_wait(cv, c, id, subject, err);
    if (rc == 0)
        return 0;
    if ((*err)->code == BERR_INTERRUPTED)
        return -1;
    if (cv->o->keep_failed) {
        berr_append(err, "\n  (kept: --keep-failed)");
        return -1;
    }
    berr *ignored = NULL;
    int removed;
    CV_NO_DEADLINE(removed = api_container_remove(cv->e, id, true, &ignored));
    if (removed < 0)
        berr_append(err, "\n  (could not remove it)");
    berr_free(ignored);
    return -1;
}

/* Create, copy the layout in, join networks, start, run the script, wait
 * until ready; on any failure remove what was made, so no half-made
 * container is left behind. */
static int create_and_start(struct cv *cv, const struct part *pt, struct desired *d,
                            struct tarfile *layout, const char *subject, berr **err)
{
    const struct container *c = pt->container;
    size_t i;
    json_t *v;
    report(cv->o->rep, EV_STATE, subject, "creating", NULL);
    cleanup_free char *id = NULL;
    desired_fields(d);
    if (api_container_create(cv->e, d->name, d->create, &id, err) < 0) {
        cleanup_free char *path = xasprintf("/containers/%s/json", d->name);
        return cv_foreign_after(cv, "container", path, d->name, -1, err);
    }
    int rc = 0;
    json_array_foreach(d->connect, i, v) {
        if (i == 0)
            continue; /* joined at create */
        const char *net = json_string_value(json_object_get(v, "network"));
        cleanup_free char *path = xasprintf("/networks/%s/connect", net);
        json_t *body = json_pack("{s:s, s:{s:O}}", "Container", id, "EndpointConfig", "Aliases",
                                 json_object_get(v, "aliases"));
        if (json_object_get(v, "ipam")) /* network-addresses */
            json_object_set(json_object_get(body, "EndpointConfig"), "IPAMConfig",
                            json_object_get(v, "ipam"));
        rc = engine_post(cv->e, path, body, NULL, err);
        json_decref(body);
        if (rc < 0) {
            berr_wrap(err, "join network %s", net);
            break;
        }
    }
    if (rc == 0 && c->user_is_host) {
        /* user = host: the caller exists inside it before it starts. */
        struct caller who;
        caller_identify(&who, NULL);
        rc = hostuser_install(cv->e, id, &who, err);
    }
    if (rc == 0 && layout && layout->f)
        rc = startup_layout_put(cv, id, layout, err);
    if (rc == 0 && c->start) {
        report(cv->o->rep, EV_STATE, subject, "starting", NULL);
        rc = api_container_start(cv->e, id, err);
        settle_started(cv);
        if (rc < 0)
            berr_wrap(err, "start");
        else
            return after_start(cv, pt, id, true, subject, err);
    }
    if (rc < 0) {
        berr *ignored = NULL;
        CV_NO_DEADLINE(api_container_remove(cv->e, id, true, &ignored));
        berr_free(ignored);
    }
    return rc;
}

/* A persistent volume is bound to a host folder under the project's data
 * folder. A fresh clone or a cleaned checkout has lost that folder while the
 * engine keeps the volume, and mounting it then fails: make it again. Empty,
 * so the engine seeds it from the image when the container is made, as on a
 * first run. */
static int ensure_data_folders(struct cv *cv, struct desired *d, berr **err)
{
    size_t i;
    json_t *v;
    json_array_foreach(d->volumes, i, v)
        if (!cv->o->dry_run && api_volume_folder(v, err) < 0)
            return -1;
    return 0;
}

/* The instance's persistent volumes (bound to its host folders), before its
 * container is made: in a dry run too, so plan lists what up makes. */
static int ensure_persistent(struct cv *cv, const struct part *pt, struct desired *d, int level,
                             berr **err)
{
    size_t i;
    json_t *v;
    /* user = host: berth makes the folders, the caller's, before the engine
     * (root) would make them root's. */
    const struct container *c = pt->container;
    if (c->user_is_host && !cv->o->dry_run && json_array_size(d->volumes)) {
        if (persist_dirs_make(d->volumes, cv->p->data_dir, c->host_uid, c->host_gid, err) < 0)
            return -1;
    }
    json_array_foreach(d->volumes, i, v) {
        cleanup_free char *subject =
            xasprintf("volume %s", json_string_value(json_object_get(v, "Name")));
        if (cv_ensure_volume(cv, v, subject, level, err) < 0)
            return -1;
    }
    return ensure_data_folders(cv, d, err);
}

static void mark_remade(struct cv *cv, const char *name)
{
    pthread_mutex_lock(&cv->lock);
    json_object_set_new(cv->remade, name, json_true());
    pthread_mutex_unlock(&cv->lock);
}

/* Compare one desired container with what exists and apply the difference. */
static int apply_container(struct cv *cv, const struct part *pt, struct desired *d, bool rebuilt,
                           struct tarfile *layout, const char *subject, berr **err)
{
    const struct container *c = pt->container;
    json_t *have = json_object_get(cv->by_name, d->name);
    if (!have) {
        cleanup_free char *path = xasprintf("/containers/%s/json", d->name);
        if (cv_foreign_check(cv, "container", path, d->name, err) < 0)
            return -1;
        if (ensure_persistent(cv, pt, d, pt->level, err) < 0)
            return -1;
        cv_action(cv, subject, "create", "missing", pt->level);
        mark_remade(cv, d->name);
        return cv->o->dry_run ? 0 : create_and_start(cv, pt, d, layout, subject, err);
    }
    const char *id = json_string_value(json_object_get(have, "Id"));
    const char *state = json_string_value(json_object_get(have, "State"));
    /* A dry run cannot know a rebuilt image's id: an image this run
     * rebuilds always gets a new one (its labels carry the new input
     * hash), so up recreates the container. (A linked container's address
     * is not part of the desired state: see struct link_ip.) */
    bool same = streq(cv_label_of(have, LABEL_HASH), d->hash);
    /* Created but never started, though it should run: a run killed between
     * create and start (or an engine killed meanwhile) left it, maybe
     * before its networks or layout were added. Made anew, not trusted. */
    bool never_started = same && c->start && streq(state, "created");
    if (same && cv->o->dry_run && rebuilt) {
        cv_action(cv, subject, "recreate", "image rebuilt", pt->level);
        mark_remade(cv, d->name);
        return 0;
    }
    if (same && !never_started) {
        /* a oneshot part that ran and exited 0 is done: not run again */
        if (c->oneshot && streq(state, "exited") && settle_listed_exit(have) == 0) {
            cv_action(cv, subject, "none", "ran once (oneshot), exited 0", pt->level);
            return 0;
        }
        if (streq(state, "running") || !c->start) {
            cv_action(cv, subject, "none", "up to date", pt->level);
            /* Ready when it started; --wait asks again (it may have turned
             * unhealthy since), without removing what this run did not make. */
            if (cv->o->dry_run || !cv->o->wait || !startup_has_wait(c) || !streq(state, "running"))
                return 0;
            return startup_wait(cv, c, id, subject, err);
        }
        cv_action(cv, subject, "start", state ? state : "stopped", pt->level);
        if (cv->o->dry_run)
            return 0;
        report(cv->o->rep, EV_STATE, subject, "starting", NULL);
        if (ensure_data_folders(cv, d, err) < 0 || api_container_start(cv->e, id, err) < 0)
            return -1;
        settle_started(cv);
        return after_start(cv, pt, id, false, subject, err);
    }
    cleanup_free char *why =
        desired_changed_fields(cv_label_of(have, LABEL_FIELDS), desired_fields(d));
    cleanup_free char *reason = never_started ? xstrdup("never started (left by an interrupted run)")
                                : rebuilt     ? xstrdup("image rebuilt")
                                              : xasprintf("changed: %s", why ? why : "configuration");
    if (ensure_persistent(cv, pt, d, pt->level, err) < 0)
        return -1;
    cv_action(cv, subject, "recreate", reason, pt->level);
    mark_remade(cv, d->name);
    if (cv->o->dry_run)
        return 0;
    report(cv->o->rep, EV_STATE, subject, "stopping", NULL);
    /* Remove, then create: an interruption in between leaves the container
     * missing, which the next run creates; never a renamed leftover. */
    if (cv_remove_container(cv, id, (int)((c->stop_timeout_ms + 999) / 1000), err) < 0)
        return -1;
    return create_and_start(cv, pt, d, layout, subject, err);
}

static int instance_apply(struct cv *cv, const struct part *pt, int idx, const char *subject,
                          berr **err);

int instance_converge(void *ud, struct sched_task *t, berr **err)
{
    (void)t;
    struct inst_task *it = ud;
    struct cv *cv = it->cv;
    const struct part *pt = &cv->p->parts[it->part];
    const struct container *c = pt->container;
    const struct instance *in = &c->instances[it->instance];
    cleanup_free char *subject = xasprintf("%s:%s", pt->name, in->name);
    long long saved = cv_deadline_begin(cv, pt);
    int rc = cv_deadline_end(pt, saved, instance_apply(cv, pt, it->instance, subject, err), err);
    return cv_dry_outcome(cv, subject, pt->level, rc, err);
}

/* What the run knows of a linked container (link_known_fn): its entry in
 * the run's list, if it ran then and this run did not make it anew;
 * in a dry run nothing is made, so a name neither we nor anyone else held
 * does not exist. */
static int known_container(void *ud, const char *name, json_t **entry)
{
    struct cv *cv = ud;
    pthread_mutex_lock(&cv->lock);
    bool remade = json_object_get(cv->remade, name) != NULL;
    pthread_mutex_unlock(&cv->lock);
    *entry = json_object_get(cv->by_name, name);
    if (cv->o->dry_run)
        return *entry || !cv_container_seen(cv, name);
    /* A container listed stopped and started by this run has an address
     * the list could not carry. */
    return *entry && !remade &&
           streq(json_string_value(json_object_get(*entry, "State")), "running");
}

/* The instance's desired state, then the difference applied. */
static int instance_apply(struct cv *cv, const struct part *pt, int idx, const char *subject,
                          berr **err)
{
    const struct container *c = pt->container;
    const struct instance *in = &c->instances[idx];
    json_t *img = NULL;
    if (cv_pull_needed(cv, pt, err) < 0 || cv_image(cv, c->image, &img, err) < 0)
        return -1;
    bool rebuilt = cv_image_rebuilt(cv, c->image);
    if (!img && !(cv->o->dry_run && rebuilt))
        return berr_set(err, BERR_NOTFOUND,
                        "image '%s' does not exist: add a build, bootstrap or pull part that makes "
                        "it, or name an existing image",
                        c->image);
    struct image_facts facts = {
        .id = json_string_value(json_object_get(img, "Id")),
        .config = json_object_get(img, "Config"),
    };
    struct tarfile layout = {0};
    struct link_ip *links = NULL;
    size_t nlinks = 0;
    struct desired d = {0};
    int rc = c->layout ? startup_layout_tar(pt, &layout, err) : 0;
    if (rc == 0 && layout.f)
        facts.layout_hash = layout.hash;
    if (rc == 0 && in->linked)
        rc = link_addresses_known(cv->e, cv->p, c, in, cv->o->dry_run, known_container, cv,
                                  &links, &nlinks, err);
    /* In a dry run, a container that does not exist is shown as made, with
     * the volumes it needs: its body and hash are for the run that makes
     * it (building and hashing them was most of the plan of 2,000
     * containers on an empty engine). */
    if (rc == 0 && cv->o->dry_run && !json_object_get(cv->by_name, in->container_name)) {
        d.name = xstrdup(in->container_name);
        d.volumes = desired_volumes(cv->p, pt, (size_t)idx);
    } else if (rc == 0) {
        rc = desired_container(cv->p, pt, (size_t)idx, &facts, links, nlinks, &d, err);
    }
    link_addresses_free(links, nlinks);
    if (rc == 0)
        rc = apply_container(cv, pt, &d, rebuilt, &layout, subject, err);
    tarfile_close(&layout);
    json_decref(img);
    desired_clear(&d);
    return rc;
}
