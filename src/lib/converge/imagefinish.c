/* The last step of an image part: berth's labels, and squash.
 *
 * Labels: the build API's `labels` parameter makes the engine's classic
 * builder append one LABEL step per label, each with its own intermediate
 * container. Instead the image is built without them, then a container of
 * it is created (never started) and committed with the image's own config
 * plus the labels: one container, no layer added (an unchanged file system
 * commits as an empty layer, which the engine leaves out), and the built
 * image stays the parent, so the engine's build cache still finds it.
 *
 * Squash: any engine, no experimental flag. The file system of a container
 * of the image is exported and imported as one layer, streamed through a
 * pipe (bounded memory whatever the size), then committed as above with the
 * original image's config. */
#include <string.h>

#include "base/util.h"
#include "converge/converge_int.h"
#include "converge/desired.h"
#include "converge/imagefinish.h"
#include "engine/api.h"
#include "engine/owner.h"
#include "transfer/pump.h"

/* The image settings a commit carries over (the rest is the engine's). */
static const char *const config_keys[] = {
    "Cmd", "Entrypoint", "Env", "WorkingDir", "User", "ExposedPorts", "Volumes",
    "Labels", "StopSignal", "Healthcheck", "OnBuild", "Shell",
};

json_t *image_config_subset(json_t *config)
{
    json_t *c = json_object();
    for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++) {
        json_t *v = json_object_get(config, config_keys[i]);
        if (v && !json_is_null(v))
            json_object_set(c, config_keys[i], v);
    }
    return c;
}

/* A container of image that is never started, labelled as berth's work
 * container, with the Cmd and Entrypoint config gives. With neither, it
 * gets a placeholder entrypoint (the engine refuses a container without a
 * command); the commit below then gives Entrypoint [] (the engine's "none")
 * so that it never reaches the image. */
static int work_container(struct cv *cv, const char *image, json_t *config, char **id,
                          berr **err)
{
    /* The commit copies the container's labels into the image (and every
     * container of it inherits them): one key only, that no container berth
     * converges has (engine/owner.h). */
    json_t *body = json_pack("{s:s, s:{s:s}, s:{s:s}}", "Image", image, "HostConfig",
                             "NetworkMode", "none", "Labels", LABEL_BOOTSTRAP, cv->p->name);
    /* The command the image is to have: the commit takes it from the
     * container (an imported file system has none of its own). */
    json_t *cmd = json_object_get(config, "Cmd"), *ep = json_object_get(config, "Entrypoint");
    if (json_array_size(cmd))
        json_object_set(body, "Cmd", cmd);
    if (json_array_size(ep))
        json_object_set(body, "Entrypoint", ep);
    if (!json_array_size(cmd) && !json_array_size(ep))
        json_object_set_new(body, "Entrypoint", json_pack("[s]", "/berth-never-runs"));
    json_t *j = NULL;
    int rc = engine_post(cv->e, "/containers/create", body, &j, err); /* no name: anonymous */
    json_decref(body);
    if (rc == 0 && !json_string_value(json_object_get(j, "Id")))
        rc = berr_set(err, BERR_ENGINE, "the engine created a container and gave no id");
    if (rc == 0)
        *id = xstrdup(json_string_value(json_object_get(j, "Id")));
    json_decref(j);
    return rc;
}

int image_commit_config(struct cv *cv, const char *base, json_t *config, const char *ref,
                        berr **err)
{
    char *cid = NULL;
    if (work_container(cv, base, config, &cid, err) < 0)
        return -1;
    json_t *cfg = json_deep_copy(config);
    /* The commit fills what it is not given from the container: with the
     * placeholder there, an empty entrypoint (the engine's "none") keeps it
     * out of the image. */
    if (!json_array_size(json_object_get(cfg, "Cmd")) &&
        !json_array_size(json_object_get(cfg, "Entrypoint")))
        json_object_set_new(cfg, "Entrypoint", json_array());
    cleanup_free char *repo = xstrdup(ref);
    char *colon = strrchr(repo, ':');
    const char *tag = "latest";
    if (colon && !strchr(colon, '/')) {
        *colon = '\0';
        tag = colon + 1;
    }
    int rc = api_commit(cv->e, cid, repo, tag, cfg, NULL, err);
    json_decref(cfg);
    berr *ignored = NULL;
    api_container_remove(cv->e, cid, true, &ignored);
    berr_free(ignored);
    free(cid);
    return rc;
}

/* ---- squash: export | import ---- */

struct export_job {
    engine *e;
    const char *id;
    struct pump *self;
    int fd;
};

static int export_data(void *ud, const char *data, size_t len, berr **err)
{
    struct export_job *x = ud;
    return pump_write_all(x->self, x->fd, data, len, err);
}

static int export_stage(struct pump *p, int wfd, berr **err)
{
    struct export_job *x = p->ud;
    x->self = p;
    x->fd = wfd;
    cleanup_free char *path = api_path("/containers", x->id, "/export");
    struct engine_req r = {.method = "GET", .path = path, .timeout_ms = -1,
                           .idle_timeout_ms = 300000, .on_data = export_data, .ud = x};
    if (engine_call(x->e, &r, NULL, NULL, err) < 0)
        return p->broken ? -1 : berr_wrap(err, "export the file system");
    return 0;
}

static long import_read(void *ud, char *buf, size_t cap, berr **err)
{
    return pump_read(ud, buf, cap, err);
}

int image_squash_container(struct cv *cv, const char *cid, const char *tmp_ref, berr **err)
{
    struct export_job x = {.e = cv->e, .id = cid};
    struct pump p;
    if (pump_start(&p, export_stage, &x, err) < 0)
        return -1;
    cleanup_free char *repo = xstrdup(tmp_ref);
    char *colon = strrchr(repo, ':');
    *colon = '\0';
    /* Labelled as a temporary import, so that one a killed run leaves is
     * found and removed (leftovers.c, down --rmi). */
    json_t *labels = leftover_import_labels(cv, tmp_ref);
    cleanup_free char *id = NULL; /* used by name: tmp_ref */
    int rc = api_image_import(cv->e, repo, colon + 1, labels, import_read, &p, &id, err);
    json_decref(labels);
    return pump_settle(&p, rc, err);
}

int image_finish(struct cv *cv, const struct part *pt, const char *built, json_t *labels,
                 bool squash, berr **err)
{
    json_t *img = NULL;
    if (api_image_inspect(cv->e, built, &img, err) < 0)
        return -1;
    if (!img)
        return berr_set(err, BERR_ENGINE, "the engine built %s and then has no such image", built);
    json_t *cfg = image_config_subset(json_object_get(img, "Config"));
    json_decref(img);
    json_t *all = json_object();
    json_object_update(all, json_object_get(cfg, "Labels"));
    json_object_update(all, labels);
    json_object_set_new(cfg, "Labels", all);
    int rc = 0;
    cleanup_free char *tmp_ref = NULL;
    const char *base = built;
    if (squash) {
        cleanup_free char *subject = xasprintf("image %s", pt->name);
        report(cv->o->rep, EV_STATE, subject, "squashing", NULL);
        char *cid = NULL;
        tmp_ref = xasprintf("%s-squash:%s", cv->p->name, pt->name);
        rc = work_container(cv, built, cfg, &cid, err);
        if (rc == 0)
            rc = image_squash_container(cv, cid, tmp_ref, err);
        berr *ignored = NULL;
        if (cid)
            api_container_remove(cv->e, cid, true, &ignored);
        berr_free(ignored);
        free(cid);
        base = tmp_ref;
    }
    if (rc == 0)
        rc = image_commit_config(cv, base, cfg, pt->image, err);
    if (tmp_ref) {
        berr *ignored = NULL;
        api_image_remove(cv->e, tmp_ref, true, &ignored);
        berr_freep(&ignored);
        /* The squashed image is no child of the built one: remove that (no
         * force: not when anything else uses it), keeping its parents, the
         * build cache of the steps before. */
        if (rc == 0) {
            cleanup_free char *path = api_path("/images", built, "?noprune=1");
            struct engine_req r = {.method = "DELETE", .path = path};
            engine_call(cv->e, &r, NULL, NULL, &ignored);
            berr_free(ignored);
        }
    }
    json_decref(cfg);
    return rc;
}
