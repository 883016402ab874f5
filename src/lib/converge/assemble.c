/* assemble parts (dockeroo's gentoo-build, seed 003, for any distribution):
 *
 *  1. an optional build container from build-image, with build-env,
 *     build-volumes-from and build-layout, runs build-command and/or
 *     build-script (its shell and user settable) to make files;
 *  2. an assemble container from base-image, or from archives, or empty;
 *  3. the paths in `copy` streamed from the build container into it
 *     ("SRC/" a folder's contents, "SRC DST" renamed), then its layout
 *     (owned by layout-uid:layout-gid), then its script;
 *  4. a commit with the image settings (command, entrypoint, env, user,
 *     workdir, labels, expose, volumes).
 *
 * Skipped when unchanged: the image carries a hash of every input (images
 * by id, layouts and archives by content, every setting) and, per input, a
 * short hash, so `plan` says which inputs changed. The temporary containers
 * (and the imported root of archives) go on success and on failure, unless
 * --keep-failed keeps a failed one to look into. */
#include <jansson.h>
#include <stdio.h>

#include "base/hash.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "converge/assemble.h"
#include "converge/desired.h"
#include "converge/outlines.h"
#include "engine/api.h"
#include "engine/owner.h"
#include "transfer/copy.h"
#include "transfer/tarball.h"

#define LABEL_BUILD_HASH "berth.build-hash"
#define LABEL_BUILD_INPUTS "berth.build-inputs"

/* ---- inputs and their hashes ---- */

/* The image's labels: an image's keys, as a build's (images.c), and which
 * input changed, for plan. */
static json_t *image_labels(struct cv *cv, const struct part *pt, const char *hash,
                            const char *fields)
{
    json_t *l = cv_image_labels(cv, pt, hash);
    json_object_set_new(l, LABEL_BUILD_INPUTS, json_string(fields));
    return l;
}

/* The archives ("PATH [sha256:HEX]") merged into one root file system. */
static int archives_tar(const struct setting *as, struct tarfile *tf, berr **err)
{
    size_t n = as ? as->items.n : 0;
    struct tar_source *src = xcalloc(n + 1, sizeof *src);
    char **paths = xcalloc(n + 1, sizeof *paths);
    for (size_t i = 0; i < n; i++) {
        const char *item = as->items.v[i];
        size_t plen = strcspn(item, " \t");
        paths[i] = xstrndup(item, plen);
        const char *sum = item + plen + strspn(item + plen, " \t");
        src[i] = (struct tar_source){paths[i], *sum ? sum : NULL};
    }
    int rc = tar_merge(src, n, NULL, NULL, tf, err);
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    free(src);
    return rc;
}

static int layout_tar(const char *dir, int uid, int gid, struct tarfile *tf, berr **err)
{
    struct tar_opts o = {.uid = uid, .gid = gid};
    if (tar_folder(dir, &o, tf, err) < 0)
        return berr_wrap(err, "layout %s", dir);
    return 0;
}

/* ---- the work containers ---- */

/* A leftover of an interrupted run is ours when labelled so; anything else
 * by that name is not berth's to remove. */
static int clear_leftover(struct cv *cv, const char *name, berr **err)
{
    json_t *j = NULL;
    if (api_container_inspect(cv->e, name, &j, err) < 0)
        return -1;
    if (!j)
        return 0;
    json_t *labels = json_object_get(json_object_get(j, "Config"), "Labels");
    bool ours = owner_work_is(labels, name, cv->p->name);
    json_decref(j);
    if (!ours)
        return berr_set(err, BERR_FAILURE,
                        "a container named '%s' exists and is not berth's assemble work "
                        "container: remove or rename it, or set another name",
                        name);
    return api_container_remove(cv->e, name, true, err);
}

static json_t *shell_argv(const char *shell, const char *script)
{
    json_t *cmd = json_array();
    cleanup_free char *sh = xstrdup(shell ? shell : "/bin/sh");
    char *save = NULL;
    for (char *w = strtok_r(sh, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
        json_array_append_new(cmd, json_string(w));
    json_array_append_new(cmd, json_string("-c"));
    json_array_append_new(cmd, json_string(script));
    return cmd;
}

/* Start the container, wait for its end, show its output: a non-zero exit
 * is an error with the last lines. */
static int run_to_end(struct cv *cv, const char *id, bool tty, const char *subject, berr **err)
{
    if (api_container_start(cv->e, id, err) < 0)
        return berr_wrap(err, "start");
    int code = 0;
    if (api_container_wait(cv->e, id, -1, &code, err) < 0)
        return -1;
    struct outlines out;
    outlines_init(&out, cv->o->rep, subject, !tty);
    cleanup_free char *path = api_path("/containers", id, "/logs?stdout=1&stderr=1");
    struct engine_req r = {.method = "GET", .path = path, .on_data = outlines_feed, .ud = &out};
    int rc = engine_call(cv->e, &r, NULL, NULL, err);
    return outlines_script_end(&out, rc, code, err);
}

static int exec_output(void *ud, int stream, const char *data, size_t len, berr **err)
{
    (void)stream;
    return outlines_feed(ud, data, len, err);
}

/* "part[:instance][:ro]" -> the instance's container name (first instance
 * when none is named), with ":ro" kept. */
static char *volfrom_name(const struct project *p, const char *item)
{
    cleanup_free char *t = xstrdup(item);
    bool ro = false;
    char *last = strrchr(t, ':');
    if (last && (streq(last + 1, "ro") || streq(last + 1, "rw"))) {
        ro = streq(last + 1, "ro");
        *last = '\0';
    }
    char *colon = strchr(t, ':');
    if (colon)
        *colon = '\0';
    int pi = project_find(p, t);
    const char *name = t;
    if (pi >= 0 && p->parts[pi].kind == PART_CONTAINER) {
        const struct container *c = p->parts[pi].container;
        int ii = colon ? container_instance(c, colon + 1) : 0;
        name = c->instances[ii < 0 ? 0 : ii].container_name;
    }
    return xasprintf("%s%s", name, ro ? ":ro" : "");
}

struct work {
    char *build_id, *asm_id, *tmp_ref; /* what to remove at the end */
    bool failed;
};

static int build_stage(struct cv *cv, const struct part *pt, struct tarfile *blayout,
                       struct work *w, const char *subject, berr **err)
{
    const char *name = part_value(pt, "build-container");
    const char *script = part_value(pt, "build-script");
    const struct setting *cmd = part_setting(pt, "build-command");
    bool tty = streq(part_value(pt, "tty"), "true");
    /* On the engine's default network: a build may need to fetch. */
    json_t *body = json_pack("{s:s, s:b, s:{}, s:o}", "Image", part_value(pt, "build-image"),
                             "Tty", tty, "HostConfig", "Labels", cv_work_labels(cv, name));
    /* build-command is the container's own (dockeroo's "freeze": it keeps the
     * container up while the script runs in it); without it the script is. */
    if (cmd && cmd->items.n)
        json_object_set_new(body, "Cmd", strv_json(&cmd->items));
    else if (script)
        json_object_set_new(body, "Cmd",
                            shell_argv(part_value(pt, "build-script-shell"), script));
    else
        json_object_set_new(body, "Cmd", json_pack("[s]", "/berth-never-runs"));
    if (part_value(pt, "build-script-user") && !(cmd && cmd->items.n))
        json_object_set_new(body, "User", json_string(part_value(pt, "build-script-user")));
    const struct setting *s;
    if ((s = part_setting(pt, "build-env")) && s->items.n)
        json_object_set_new(body, "Env", strv_json(&s->items));
    if ((s = part_setting(pt, "build-volumes-from")) && s->items.n) {
        json_t *vf = json_array();
        for (size_t i = 0; i < s->items.n; i++) {
            char *n = volfrom_name(cv->p, s->items.v[i]);
            json_array_append_new(vf, json_string(n));
            free(n);
        }
        json_object_set_new(json_object_get(body, "HostConfig"), "VolumesFrom", vf);
    }
    int rc = clear_leftover(cv, name, err);
    if (rc == 0)
        rc = api_container_create(cv->e, name, body, &w->build_id, err);
    json_decref(body);
    if (rc == 0 && blayout->f) {
        rc = tarfile_rewind(blayout, err);
        if (rc == 0 && api_container_put_archive(cv->e, w->build_id, "/", tarfile_read, blayout,
                                                 err) < 0)
            rc = berr_wrap(err, "copy the build layout in");
    }
    if (rc < 0)
        return berr_wrap(err, "build container");
    if (cmd && cmd->items.n) {
        report(cv->o->rep, EV_STATE, subject, "building", NULL);
        if (api_container_start(cv->e, w->build_id, err) < 0)
            return berr_wrap(err, "build container: start");
        if (!script)
            return 0;
        const char *argv[] = {part_value(pt, "build-script-shell"), "-c", script, NULL};
        struct exec_opts eo = {.argv = argv, .user = part_value(pt, "build-script-user"),
                               .timeout_ms = -1};
        struct outlines out;
        outlines_init(&out, cv->o->rep, subject, false);
        int code = 0;
        rc = api_exec(cv->e, w->build_id, &eo, exec_output, &out, &code, err);
        rc = outlines_script_end(&out, rc, code, err);
        /* The container runs on; the copy reads it as it is now. */
        return rc < 0 ? berr_wrap(err, "build script") : 0;
    }
    if (script) {
        report(cv->o->rep, EV_STATE, subject, "building", NULL);
        if (run_to_end(cv, w->build_id, tty, subject, err) < 0)
            return berr_wrap(err, "build script");
    }
    return 0;
}

static int assemble_stage(struct cv *cv, const struct part *pt, struct tarfile *root,
                          struct tarfile *layout, struct work *w, const char *subject,
                          berr **err)
{
    int rc = 0;
    const char *image = part_value(pt, "base-image");
    /* From archives, or empty: imported under a temporary tag first. */
    if (!image) {
        report(cv->o->rep, EV_STATE, subject, "importing", NULL);
        cleanup_free char *repo = xasprintf("%s-assemble", cv->p->name);
        w->tmp_ref = xasprintf("%s:%s", repo, pt->name);
        /* Labelled as a temporary import (leftovers.c): the image committed
         * from it sets every berth.image.* key of its own. */
        cleanup_free char *id = NULL; /* used by name: w->tmp_ref */
        json_t *tmp_labels = leftover_import_labels(cv, w->tmp_ref);
        rc = tarfile_rewind(root, err);
        if (rc == 0)
            rc = api_image_import(cv->e, repo, pt->name, tmp_labels, tarfile_read, root, &id, err);
        json_decref(tmp_labels);
        if (rc < 0)
            return berr_wrap(err, "import the assemble container's file system");
        image = w->tmp_ref;
    }
    const char *script = part_value(pt, "script");
    const char *name = part_value(pt, "assemble-container");
    bool tty = streq(part_value(pt, "tty"), "true");
    json_t *body = json_pack("{s:s, s:o, s:b, s:{s:s}, s:o}", "Image", image, "Cmd",
                             script ? shell_argv(part_value(pt, "script-shell"), script)
                                    : json_pack("[s]", "/berth-never-runs"),
                             "Tty", tty, "HostConfig", "NetworkMode", "none", "Labels",
                             cv_work_labels(cv, name));
    if (part_value(pt, "script-user"))
        json_object_set_new(body, "User", json_string(part_value(pt, "script-user")));
    rc = clear_leftover(cv, name, err);
    if (rc == 0)
        rc = api_container_create(cv->e, name, body, &w->asm_id, err);
    json_decref(body);
    if (rc < 0)
        return berr_wrap(err, "assemble container");

    const struct setting *copy = part_setting(pt, "copy");
    if (copy && copy->items.n)
        report(cv->o->rep, EV_STATE, subject, "copying", NULL);
    for (size_t i = 0; copy && i < copy->items.n; i++) {
        const char *line = copy->items.v[i];
        size_t n1 = strcspn(line, " \t");
        cleanup_free char *src = xstrndup(line, n1);
        const char *rest = line + n1 + strspn(line + n1, " \t");
        cleanup_free char *dst = *rest ? xstrndup(rest, strcspn(rest, " \t")) : xstrdup(src);
        struct copy_end se = {.container = w->build_id, .display = "build container", .path = src};
        struct copy_end de = {.container = w->asm_id, .display = "assemble container",
                              .path = dst};
        struct copy_opts o = {.exact_dst = true};
        if (copy_run(cv->e, &se, &de, &o, err) < 0)
            return berr_wrap(err, "copy %s", line);
    }
    if (layout->f) {
        if (tarfile_rewind(layout, err) < 0 ||
            api_container_put_archive(cv->e, w->asm_id, "/", tarfile_read, layout, err) < 0)
            return berr_wrap(err, "copy the layout in");
    }
    if (script) {
        report(cv->o->rep, EV_STATE, subject, "script", NULL);
        if (run_to_end(cv, w->asm_id, tty, subject, err) < 0)
            return berr_wrap(err, "script");
    }
    return 0;
}

static void remove_work(struct cv *cv, struct work *w, bool keep, berr **err)
{
    berr *ignored = NULL;
    if (keep) {
        cleanup_free char *what = xasprintf("\n  (kept for --keep-failed: %s%s%s)",
                                            w->build_id ? "the build container" : "",
                                            w->build_id && w->asm_id ? " and " : "",
                                            w->asm_id ? "the assemble container" : "");
        if (err && *err && (w->build_id || w->asm_id))
            berr_append(err, what);
    }
    if (!keep && w->build_id)
        api_container_remove(cv->e, w->build_id, true, &ignored);
    berr_freep(&ignored);
    if (!keep && w->asm_id)
        api_container_remove(cv->e, w->asm_id, true, &ignored);
    berr_freep(&ignored);
    if (w->tmp_ref && !(keep && w->asm_id))
        api_image_remove(cv->e, w->tmp_ref, true, &ignored);
    berr_freep(&ignored);
    free(w->build_id);
    free(w->asm_id);
    free(w->tmp_ref);
}

int assemble_part_converge(struct cv *cv, const struct part *pt, berr **err)
{
    cleanup_free char *subject = xasprintf("image %s", pt->name);
    struct tarfile root = {0}, layout = {0}, blayout = {0};
    struct cv_inputs in = {STRBUF_INIT, hasher_new()};
    int rc = 0;
    /* Files by content. */
    if (!part_value(pt, "base-image"))
        rc = archives_tar(part_setting(pt, "archives"), &root, err);
    if (rc == 0 && part_value(pt, "layout"))
        rc = layout_tar(part_value(pt, "layout"), atoi(part_value(pt, "layout-uid")),
                        atoi(part_value(pt, "layout-gid")), &layout, err);
    if (rc == 0 && part_value(pt, "build-layout"))
        rc = layout_tar(part_value(pt, "build-layout"), -1, -1, &blayout, err);
    cv_input(&in, "archives", root.f ? root.hash : "");
    cv_input(&in, "layout", layout.f ? layout.hash : "");
    cv_input(&in, "build-layout", blayout.f ? blayout.hash : "");
    /* Images by id. */
    if (rc == 0)
        rc = cv_image_input(cv, &in, "build-image", part_value(pt, "build-image"), err);
    if (rc == 0)
        rc = cv_image_input(cv, &in, "base-image", part_value(pt, "base-image"), err);
    /* Every setting that shapes the result. */
    static const char *const keys[] = {
        "build-command", "build-env", "build-script", "build-script-shell",
        "build-script-user", "build-volumes-from", "copy", "layout-uid", "layout-gid",
        "script", "script-shell", "script-user", "labels", "tty"};
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
        cv_input(&in, keys[i], part_value(pt, keys[i]));
    json_t *cfg = cv_image_settings(pt);
    char *cfg_s = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS);
    cv_input(&in, "image settings", cfg_s);
    free(cfg_s);
    char hash[65];
    hasher_finish(in.all, hash);

    const char *why = NULL;
    cleanup_free char *why_buf = NULL;
    if (rc == 0) {
        json_t *facts = NULL;
        rc = cv_image(cv, pt->image, &facts, err);
        json_t *labels = json_object_get(json_object_get(facts, "Config"), "Labels");
        const char *old = json_string_value(json_object_get(labels, LABEL_BUILD_HASH));
        if (rc == 0 && !facts) {
            why = "missing";
        } else if (rc == 0 && !streq(old, hash)) {
            char *ch = desired_changed_fields(
                json_string_value(json_object_get(labels, LABEL_BUILD_INPUTS)), in.fields.buf);
            why = why_buf = ch ? xasprintf("changed: %s", ch) : xstrdup("inputs changed");
            free(ch);
        } else if (rc == 0 && cv->o->force_build) {
            why = "--force";
        }
        json_decref(facts);
    }
    if (rc == 0 && !why)
        cv_action(cv, subject, "none", "up to date", pt->level);
    if (rc < 0 || !why || cv->o->dry_run) {
        if (rc == 0 && why) {
            cv_action(cv, subject, "build", why, pt->level);
            cv_image_changed(cv, pt->image);
        }
        goto out;
    }
    cv_action(cv, subject, "build", why, pt->level);
    cv_image_changed(cv, pt->image);

    struct work w = {0};
    if (part_value(pt, "build-image"))
        rc = build_stage(cv, pt, &blayout, &w, subject, err);
    if (rc == 0)
        rc = assemble_stage(cv, pt, &root, &layout, &w, subject, err);
    if (rc == 0) {
        report(cv->o->rep, EV_STATE, subject, "committing", NULL);
        json_object_set_new(cfg, "Labels", image_labels(cv, pt, hash, in.fields.buf));
        /* Commit keeps the work container's Cmd unless told: the image's own, or none. */
        if (!json_object_get(cfg, "Cmd"))
            json_object_set_new(cfg, "Cmd", json_null());
        cleanup_free char *repo = xstrdup(pt->image);
        char *colon = strrchr(repo, ':');
        const char *tag = "latest";
        if (colon && !strchr(colon, '/')) {
            *colon = '\0';
            tag = colon + 1;
        }
        rc = api_commit(cv->e, w.asm_id, repo, tag, cfg, NULL, err);
    }
    remove_work(cv, &w, rc < 0 && cv->o->keep_failed && (!*err || (*err)->code != BERR_INTERRUPTED),
                err);
    if (rc < 0)
        berr_wrap(err, "assemble %s", pt->image);
    else
        cv_image_changed(cv, pt->image);
out:
    json_decref(cfg);
    sb_release(&in.fields);
    tarfile_close(&root);
    tarfile_close(&layout);
    tarfile_close(&blayout);
    return rc;
}
