/* Images that travel: pull parts, push parts, and the pulls a container
 * needs when no part makes its image and the engine lacks it. Credentials
 * come from the docker CLI's config.json (registry/creds.h), else from the
 * part's own username/password; they only ever go into X-Registry-Auth. */
#include <pthread.h>
#include <string.h>

#include "base/util.h"
#include "converge/converge_int.h"
#include "engine/api.h"
#include "registry/pullpush.h"

/* Pulls of images containers need run one at a time: two instances of one
 * part need the same image, and the second finds it pulled. */
static pthread_mutex_t need_lock = PTHREAD_MUTEX_INITIALIZER;

static int pull_with(struct cv *cv, const char *ref, const struct part *pt,
                     const char *subject, berr **err)
{
    struct reg_cred cred;
    const char *user = pt ? part_value(pt, "username") : NULL;
    const char *pass = pt ? part_value(pt, "password") : NULL;
    const char *registry = pt ? part_value(pt, "registry") : NULL;
    if (reg_cred_for(ref, registry, user, pass, &cred, err) < 0)
        return berr_wrap(err, "%s: credentials", subject);
    int rc = reg_pull(cv->e, ref, pt ? part_value(pt, "platform") : NULL, &cred, cv->o->rep,
                      subject, err);
    reg_cred_clear(&cred);
    return rc;
}

/* Pull ref as policy says; the image counts as changed when its id did. */
static int pull_policy(struct cv *cv, const char *ref, const char *policy, const struct part *pt,
                       const char *subject, int level, berr **err)
{
    json_t *facts = NULL;
    if (cv_image(cv, ref, &facts, err) < 0)
        return -1;
    cleanup_free char *before = facts ? xstrdup(json_string_value(json_object_get(facts, "Id")))
                                      : NULL;
    json_decref(facts);
    if (streq(policy, "never") || (before && streq(policy, "missing"))) {
        if (!before)
            return berr_set(err, BERR_NOTFOUND,
                            "image '%s' is not in the engine and pull-policy = never", ref);
        cv_action(cv, subject, "none", "present", level);
        return 0;
    }
    cv_action(cv, subject, "pull", before ? "pull-policy = always" : "missing", level);
    if (cv->o->dry_run) {
        if (!before)
            cv_image_changed(cv, ref); /* its users: "to be made in this run" */
        return 0;
    }
    if (pull_with(cv, ref, pt, subject, err) < 0)
        return -1;
    /* Forget the cached facts; mark it changed only when it did. */
    json_t *after = NULL;
    cv_image_forget(cv, ref);
    if (cv_image(cv, ref, &after, err) < 0)
        return -1;
    if (!after)
        return berr_set(err, BERR_ENGINE, "pull %s: the engine has no such image afterwards", ref);
    if (!streq(before, json_string_value(json_object_get(after, "Id"))))
        cv_image_changed(cv, ref);
    json_decref(after);
    return 0;
}

int pull_part_converge(struct cv *cv, const struct part *pt, berr **err)
{
    cleanup_free char *subject = xasprintf("pull %s", pt->name);
    const char *policy = part_value(pt, "pull-policy");
    /* Errors already name the image; the task's name adds the part. */
    return pull_policy(cv, pt->image, policy ? policy : "missing", pt, subject, pt->level, err);
}

int cv_pull_needed(struct cv *cv, const struct part *pt, berr **err)
{
    const struct container *c = pt->container;
    if (c->image_part >= 0)
        return 0; /* a part of the project makes it */
    const char *policy = part_value(pt, "pull-policy");
    pthread_mutex_lock(&need_lock);
    int rc = 0;
    /* Pulled (or found) once per run: the other instances go on. Not
     * marked rebuilt for that: an image found as it was rebuilds nothing
     * made FROM it (pull_policy marks an image a pull changed). */
    if (!json_object_get(cv->pull_checked, c->image) && !cv_image_rebuilt(cv, c->image)) {
        cleanup_free char *subject = xasprintf("image %s", c->image);
        rc = pull_policy(cv, c->image, policy ? policy : "missing", pt, subject, pt->level, err);
        if (rc == 0)
            json_object_set_new(cv->pull_checked, c->image, json_true());
    }
    pthread_mutex_unlock(&need_lock);
    return rc;
}

/* ---- push ---- */

/* Where one tag goes: [registry/]repository:tag. */
static char *push_target(const struct part *pt, const char *tag)
{
    const char *registry = part_value(pt, "registry");
    const char *repository = part_value(pt, "repository");
    cleanup_free char *repo = NULL, *own_tag = NULL;
    reg_split_ref(pt->image, &repo, &own_tag);
    if (!repository) {
        /* The image's own repository, without the registry it names (if any). */
        cleanup_free char *host = reg_host_of(repo);
        repository = registry && starts_with(repo, host) && repo[strlen(host)] == '/'
                         ? repo + strlen(host) + 1
                         : repo;
    }
    return registry ? xasprintf("%s/%s:%s", registry, repository, tag ? tag : own_tag)
                    : xasprintf("%s:%s", repository, tag ? tag : own_tag);
}

static bool has_repo_digest(json_t *img, const char *target, const char *digest)
{
    cleanup_free char *repo = NULL, *tag = NULL;
    reg_split_ref(target, &repo, &tag);
    cleanup_free char *want = xasprintf("%s@%s", repo, digest);
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(img, "RepoDigests"), i, d)
        if (streq(json_string_value(d), want))
            return true;
    return false;
}

static int push_one(struct cv *cv, const struct part *pt, const char *target,
                    const struct reg_cred *cred, berr **err)
{
    cleanup_free char *subject = xasprintf("push %s", pt->name);
    json_t *img = NULL;
    if (api_image_inspect(cv->e, pt->image, &img, err) < 0)
        return -1;
    if (!img) {
        if (cv->o->dry_run && cv_image_rebuilt(cv, pt->image)) {
            cv_action(cv, subject, "push", "image rebuilt", pt->level);
            return 0;
        }
        return berr_set(err, BERR_NOTFOUND,
                        "image '%s' does not exist: add a part that makes it, or name an "
                        "existing image",
                        pt->image);
    }
    cleanup_free char *remote = NULL;
    int rc = reg_remote_digest(cv->e, target, cred, &remote, err);
    if (rc < 0 && cv->o->dry_run) {
        /* A plan still shows the rest: the push, and why it cannot tell. */
        cleanup_free char *why = xasprintf("%s: cannot ask the registry (%s)", target,
                                           (*err)->msg);
        berr_freep(err);
        cv_action(cv, subject, "push", why, pt->level);
        rc = 0;
    } else if (rc == 0 && remote && has_repo_digest(img, target, remote)) {
        cleanup_free char *why = xasprintf("%s has it (%.19s)", target, remote);
        cv_action(cv, subject, "none", why, pt->level);
    } else if (rc == 0) {
        cleanup_free char *why = xasprintf("%s %s", target,
                                           remote ? "holds another image" : "does not have it");
        cv_action(cv, subject, "push", why, pt->level);
        json_t *had = NULL;
        if (!cv->o->dry_run)
            rc = api_image_inspect(cv->e, target, &had, err);
        if (rc == 0 && !cv->o->dry_run)
            rc = reg_tag(cv->e, pt->image, target, err);
        if (rc == 0 && !cv->o->dry_run) {
            rc = reg_push(cv->e, target, cred, cv->o->rep, subject, NULL, err);
            if (rc < 0 && !had) {
                /* A failed push leaves no tag of ours behind. */
                berr *ignored = NULL;
                api_image_remove(cv->e, target, false, &ignored);
                berr_free(ignored);
            }
        }
        json_decref(had);
    }
    json_decref(img);
    return rc;
}

char **push_tags_of(const struct project *p, const char *image)
{
    size_t n = 0;
    char **v = xcalloc(1, sizeof *v);
    for (size_t i = 0; i < p->nparts; i++) {
        const struct part *pt = &p->parts[i];
        if (pt->kind != PART_PUSH || !pt->image || !streq(pt->image, image))
            continue;
        const struct setting *tags = part_setting(pt, "tags");
        size_t nt = tags && tags->items.n ? tags->items.n : 1;
        for (size_t t = 0; t < nt; t++) {
            v = xrealloc(v, (n + 2) * sizeof *v);
            v[n++] = push_target(pt, tags && tags->items.n ? tags->items.v[t] : NULL);
            v[n] = NULL;
        }
    }
    return v;
}

int push_part_converge(struct cv *cv, const struct part *pt, berr **err)
{
    const struct setting *tags = part_setting(pt, "tags");
    size_t n = tags && tags->items.n ? tags->items.n : 1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        cleanup_free char *target = push_target(pt, tags && tags->items.n ? tags->items.v[i] : NULL);
        struct reg_cred cred;
        rc = reg_cred_for(target, NULL, part_value(pt, "username"), part_value(pt, "password"),
                          &cred, err);
        if (rc == 0)
            rc = push_one(cv, pt, target, &cred, err);
        reg_cred_clear(&cred);
    }
    return rc;
}
