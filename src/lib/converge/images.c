/* Image parts: build (a Dockerfile) and bootstrap (archives + layout +
 * script, committed). Each is skipped when the hash of everything that
 * makes it — context content, Dockerfile, arguments, parent images, script,
 * image settings — equals the label on the existing image. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <sys/stat.h>

#include "engine/api.h"
#include "engine/owner.h"
#include "converge/converge_int.h"
#include "converge/desired.h"
#include "base/hash.h"
#include "converge/outlines.h"
#include "engine/stream.h"
#include "transfer/tarball.h"
#include "base/util.h"
#include "converge/imagefinish.h"
#include "converge/remotesrc.h"
#include "project/values.h"
#include "registry/creds.h"

#define LABEL_BUILD_HASH "berth.build-hash"
static const char *image_label(json_t *facts, const char *key)
{
    return json_string_value(
        json_object_get(json_object_get(json_object_get(facts, "Config"), "Labels"), key));
}

/* Up to date, or why not ("missing", "inputs changed", "--force"). */
static const char *staleness(struct cv *cv, const char *ref, const char *hash, berr **err,
                             int *rc)
{
    json_t *facts = NULL;
    *rc = cv_image(cv, ref, &facts, err);
    if (*rc < 0)
        return NULL;
    const char *why = !facts ? "missing"
                      : !streq(image_label(facts, LABEL_BUILD_HASH), hash) ? "inputs changed"
                      : cv->o->force_build ? "--force"
                                           : NULL;
    json_decref(facts);
    return why;
}

/* Image keys only (engine/owner.h): a container made from the image must not
 * look like one of berth's. Every key is set, keep too, so none is left
 * inherited from the parent image. */
json_t *cv_image_labels(struct cv *cv, const struct part *pt, const char *hash)
{
    cleanup_free char *ref = owner_tagged_ref(pt->image);
    json_t *l = json_pack("{s:s, s:s, s:s, s:s, s:s}", LABEL_IMAGE_PROJECT, cv->p->name,
                          LABEL_IMAGE_PART, pt->name, LABEL_IMAGE_REF, ref, LABEL_BUILD_HASH, hash,
                          LABEL_IMAGE_KEEP, streq(part_value(pt, "keep"), "true") ? "true" : "false");
    const struct setting *ul = part_setting(pt, "labels");
    for (size_t i = 0; ul && i < ul->items.n; i++) {
        const char *eq = strchr(ul->items.v[i], '=');
        cleanup_free char *k = eq ? xstrndup(ul->items.v[i], (size_t)(eq - ul->items.v[i]))
                                  : xstrdup(ul->items.v[i]);
        json_object_set_new(l, k, json_string(eq ? eq + 1 : ""));
    }
    return l;
}

/* ---- build ---- */

/* A build's messages carry its output as "stream" (or "status") text, and
 * the built image's id as {"aux": {"ID": ...}}. */
struct build_out {
    struct outlines lines;
    char *id;
};

static int build_msg(void *ud, json_t *msg, berr **err)
{
    struct build_out *bo = ud;
    const char *id = json_string_value(json_object_get(json_object_get(msg, "aux"), "ID"));
    if (id) {
        free(bo->id);
        bo->id = xstrdup(id);
    }
    const char *s = json_string_value(json_object_get(msg, "stream"));
    if (!s)
        s = json_string_value(json_object_get(msg, "status"));
    return s ? outlines_feed(&bo->lines, s, strlen(s), err) : 0;
}

/* POST /build with the registries' credentials (X-Registry-Config: the
 * engine pulls base images with them). */
static int build_call(struct cv *cv, const char *query, struct tarfile *tf, struct build_out *bo,
                      berr **err)
{
    struct reg_config cfg;
    char *rc_hdr = NULL;
    int rc = reg_config_load(&cfg, err);
    if (rc == 0)
        rc = reg_config_header(&cfg, &rc_hdr, err);
    reg_config_clear(&cfg);
    if (rc < 0)
        return berr_wrap(err, "registry credentials");
    char *hdr = xasprintf("X-Registry-Config: %s", rc_hdr);
    const char *headers[] = {hdr, NULL};
    cleanup_free char *path = xasprintf("/build%s", query);
    struct engine_req r = {.method = "POST", .path = path, .read = tf->f ? tarfile_read : NULL,
                           .read_ud = tf, .content_type = "application/x-tar", .timeout_ms = -1,
                           .on_msg = build_msg, .ud = bo, .headers = headers};
    rc = engine_call(cv->e, &r, NULL, NULL, err);
    explicit_bzero(hdr, strlen(hdr));
    explicit_bzero(rc_hdr, strlen(rc_hdr));
    free(hdr);
    free(rc_hdr);
    return rc;
}

/* A whole small file as text (NULL when it cannot be read). */
static char *file_text(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return NULL;
    strbuf sb = STRBUF_INIT;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0 && sb.len < (1u << 20))
        sb_add(&sb, buf, n);
    fclose(f);
    return sb_detach(&sb, NULL);
}

/* A folder's berth.ini (and a project file at the context's root)
 * configures berth, not the image: sent along, every change of a setting
 * (keep, env) would rebuild the image and recreate its containers. It is
 * left out of the context unless the Dockerfile names it (a COPY or ADD of
 * berth.ini), the one way an image can use it. */
static bool berth_ini_used(const char *dockerfile)
{
    cleanup_free char *df = file_text(dockerfile);
    return df && strstr(df, "berth.ini");
}

static int build_part(struct cv *cv, const struct part *pt, berr **err)
{
    const char *source = part_value(pt, "source");
    const char *dockerfile = part_value(pt, "dockerfile");
    cleanup_free char *subject = xasprintf("image %s", pt->name);
    bool remote = is_url(source), git = remote && remote_is_git(source);
    /* A Dockerfile outside the context is sent inside it under a name of ours. */
    cleanup_free char *df_abs = dockerfile[0] == '/' || remote
                                    ? xstrdup(dockerfile)
                                    : xasprintf("%s/%s", source, dockerfile);
    cleanup_free char *src_slash = xasprintf("%s/", source);
    bool inside = remote || starts_with(df_abs, src_slash);
    struct tarfile tf = {0};
    int rc = 0;
    if (git) {
        /* The engine clones it; its commit stands for the content. */
        cleanup_free char *commit = NULL;
        rc = remote_git_commit(source, &commit, err);
        if (rc == 0)
            snprintf(tf.hash, sizeof tf.hash, "%s", commit);
    } else if (remote) {
        rc = remote_download(source, &tf, err);
    } else {
        cleanup_free char *ignore_path = xasprintf("%s/.dockerignore", source);
        /* sent even when .dockerignore lists them, as docker does */
        const char *keep[] = {".dockerignore", inside ? df_abs + strlen(src_slash) : NULL, NULL};
        /* berth's own state (.berth/: the lock, records, persistent data)
         * is no build input, when the context holds the project's folder */
        cleanup_free char *state = xasprintf("%s/.berth", cv->p->dir);
        const char *state_rel = starts_with(state, src_slash) ? state + strlen(src_slash) : NULL;
        const char *drop[3] = {0};
        size_t ndrop = 0;
        if (state_rel)
            drop[ndrop++] = state_rel;
        if (!berth_ini_used(df_abs))
            drop[ndrop++] = "berth.ini";
        struct ignore_rules *ign = NULL;
        if (ignore_load_adjusted(ignore_path, drop, keep, &ign, err) < 0)
            return -1; /* the task, "image PART", names the part */
        struct tar_opts to = {.ignore = ign, .uid = -1, .gid = -1,
                              .extra_path = inside ? NULL : df_abs,
                              .extra_name = inside ? NULL : ".berth.Dockerfile"};
        rc = tar_folder(source, &to, &tf, err);
        ignore_free(ign);
    }
    if (rc < 0)
        return berr_wrap(err, "build context");

    /* The hash: context, Dockerfile name, args, target, labels, and the ids of
     * the images its FROM lines name (a rebuilt parent rebuilds the child). */
    hasher *h = hasher_new();
    hasher_add_str(h, tf.hash);
    hasher_add_str(h, remote ? df_abs : inside ? df_abs + strlen(src_slash) : ".berth.Dockerfile");
    const char *keys[] = {"build-args", "target", "labels", "no-cache"};
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        const char *v = part_value(pt, keys[i]);
        hasher_add_str(h, v ? v : "");
    }
    if (streq(part_value(pt, "squash"), "true"))
        hasher_add_str(h, "squash"); /* only then: other builds keep their hash */
    for (size_t i = 0; i < pt->from.n && rc == 0; i++) {
        json_t *f = NULL;
        rc = cv_image(cv, pt->from.v[i], &f, err);
        hasher_add_str(h, f ? json_string_value(json_object_get(f, "Id")) : pt->from.v[i]);
        json_decref(f);
    }
    char hash[65];
    hasher_finish(h, hash);
    const char *why = rc == 0 ? staleness(cv, pt->image, hash, err, &rc) : NULL;
    /* A parent this run (re)builds gets a new id, so the child's inputs
     * change with it; a dry run cannot know that id: say so from the
     * parent, in both runs alike. */
    for (size_t i = 0; i < pt->from.n && rc == 0 && (!why || streq(why, "inputs changed")); i++)
        if (cv_image_rebuilt(cv, pt->from.v[i]))
            why = "base image rebuilt";
    if (rc < 0 || !why) {
        if (rc == 0)
            cv_action(cv, subject, "none", "up to date", pt->level);
        tarfile_close(&tf);
        return rc;
    }
    cv_action(cv, subject, "build", why, pt->level);
    cv_image_changed(cv, pt->image);
    if (cv->o->dry_run) {
        tarfile_close(&tf);
        return 0;
    }

    /* No "t": the name moves to the image only once it is finished. */
    strbuf q = STRBUF_INIT;
    query_add(&q, "dockerfile",
              remote ? df_abs : inside ? df_abs + strlen(src_slash) : ".berth.Dockerfile");
    if (git)
        query_add(&q, "remote", source);
    query_add(&q, "rm", "1");
    query_add(&q, "forcerm", "1"); /* no intermediate containers left, even on failure */
    if (streq(part_value(pt, "no-cache"), "true"))
        query_add(&q, "nocache", "1");
    if (part_value(pt, "target"))
        query_add(&q, "target", part_value(pt, "target"));
    if (streq(part_value(pt, "pull"), "true"))
        query_add(&q, "pull", "1");
    const struct setting *ba = part_setting(pt, "build-args");
    if (ba && ba->items.n) {
        json_t *args = json_object();
        for (size_t i = 0; i < ba->items.n; i++) {
            const char *eq = strchr(ba->items.v[i], '=');
            cleanup_free char *k = eq ? xstrndup(ba->items.v[i], (size_t)(eq - ba->items.v[i]))
                                      : xstrdup(ba->items.v[i]);
            json_object_set_new(args, k, json_string(eq ? eq + 1 : ""));
        }
        char *aj = json_dumps(args, JSON_COMPACT);
        query_add(&q, "buildargs", aj);
        free(aj);
        json_decref(args);
    }
    report(cv->o->rep, EV_STATE, subject, "building", NULL);
    struct build_out bo = {0};
    outlines_init(&bo.lines, cv->o->rep, subject, false);
    rc = build_call(cv, q.buf, &tf, &bo, err);
    if (rc == 0)
        rc = outlines_finish(&bo.lines, err);
    if (rc < 0 && bo.lines.n) {
        cleanup_free char *t = outlines_tail(&bo.lines);
        berr_append(err, t);
    }
    outlines_release(&bo.lines);
    sb_release(&q);
    tarfile_close(&tf);
    if (rc == 0 && !bo.id)
        rc = berr_set(err, BERR_ENGINE, "the engine's build did not say which image it made");
    /* berth's labels (and squash) in one commit, not as LABEL steps. */
    if (rc == 0) {
        json_t *labels = cv_image_labels(cv, pt, hash);
        rc = image_finish(cv, pt, bo.id, labels, streq(part_value(pt, "squash"), "true"), err);
        json_decref(labels);
    }
    free(bo.id);
    if (rc < 0)
        return berr_wrap(err, "build %s", pt->image);
    cv_image_changed(cv, pt->image);
    return 0;
}

/* ---- bootstrap ---- */

/* The settings an image that a part commits gets (bootstrap, assemble). */
json_t *cv_image_settings(const struct part *pt)
{
    json_t *cfg = json_object();
    const struct setting *s;
    if ((s = part_setting(pt, "command")) && s->items.n)
        json_object_set_new(cfg, "Cmd", strv_json(&s->items));
    if ((s = part_setting(pt, "entrypoint")) && s->items.n)
        json_object_set_new(cfg, "Entrypoint", strv_json(&s->items));
    if ((s = part_setting(pt, "env")) && s->items.n)
        json_object_set_new(cfg, "Env", strv_json(&s->items));
    if (part_value(pt, "workdir"))
        json_object_set_new(cfg, "WorkingDir", json_string(part_value(pt, "workdir")));
    if (part_value(pt, "user"))
        json_object_set_new(cfg, "User", json_string(part_value(pt, "user")));
    if ((s = part_setting(pt, "expose")) && s->items.n) {
        json_t *ex = json_object();
        for (size_t i = 0; i < s->items.n; i++) {
            cleanup_free char *k = strchr(s->items.v[i], '/') ? xstrdup(s->items.v[i])
                                                              : xasprintf("%s/tcp", s->items.v[i]);
            json_object_set_new(ex, k, json_object());
        }
        json_object_set_new(cfg, "ExposedPorts", ex);
    }
    if ((s = part_setting(pt, "volumes")) && s->items.n) {
        json_t *v = json_object();
        for (size_t i = 0; i < s->items.n; i++)
            json_object_set_new(v, s->items.v[i], json_object());
        json_object_set_new(cfg, "Volumes", v);
    }
    return cfg;
}

/* Run the script in a container of the imported image and show its output. */
static int run_script(struct cv *cv, const char *id, const char *subject, berr **err)
{
    report(cv->o->rep, EV_STATE, subject, "script", NULL);
    if (api_container_start(cv->e, id, err) < 0)
        return -1;
    int code = 0;
    if (api_container_wait(cv->e, id, -1, &code, err) < 0)
        return -1;
    struct outlines out;
    outlines_init(&out, cv->o->rep, subject, true);
    cleanup_free char *path = xasprintf("/containers/%s/logs?stdout=1&stderr=1", id);
    struct engine_req r = {.method = "GET", .path = path, .on_data = outlines_feed, .ud = &out};
    int rc = engine_call(cv->e, &r, NULL, NULL, err);
    return outlines_script_end(&out, rc, code, err);
}

/* Copy one host file into the staging folder at its image path. */
static int stage_file(const char *stage, const char *host, const char *img, berr **err)
{
    cleanup_free char *dst = xasprintf("%s%s", stage, img);
    for (char *s = dst + strlen(stage) + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(dst, 0755);
            *s = '/';
        }
    struct stat st;
    cleanup_close int in = open(host, O_RDONLY | O_CLOEXEC);
    if (in < 0 || fstat(in, &st) < 0)
        return berr_errno(err, BERR_NOTFOUND, errno, "files: %s", host);
    cleanup_close int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st.st_mode & 07777);
    if (out < 0)
        return berr_errno(err, BERR_FAILURE, errno, "files: cannot stage %s", img);
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n)
            return berr_errno(err, BERR_FAILURE, errno, "files: cannot stage %s", img);
    if (n < 0)
        return berr_errno(err, BERR_FAILURE, errno, "files: cannot read %s", host);
    fchmod(out, st.st_mode & 07777);
    return 0;
}

/* Staged files get fresh times; set every time to the epoch (children
 * before their folder) so the same content always makes the same tar, and an
 * unchanged bootstrap stays up to date. */
static void zero_times(const char *dir)
{
    static const struct timespec epoch[2] = {{0, 0}, {0, 0}};
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (streq(de->d_name, ".") || streq(de->d_name, ".."))
            continue;
        cleanup_free char *p = xasprintf("%s/%s", dir, de->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            zero_times(p);
        utimensat(AT_FDCWD, p, epoch, AT_SYMLINK_NOFOLLOW);
    }
    if (d)
        closedir(d);
    utimensat(AT_FDCWD, dir, epoch, 0);
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (streq(de->d_name, ".") || streq(de->d_name, ".."))
            continue;
        cleanup_free char *p = xasprintf("%s/%s", dir, de->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(p);
        else
            unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

/* The bootstrap's root file system: its archives ("PATH [sha256:HEX]"), then
 * its files (staged in a folder, tarred), then its layout, later ones
 * replacing earlier paths. */
static int bootstrap_rootfs(const struct part *pt, struct tarfile *tf, berr **err)
{
    const struct setting *as = part_setting(pt, "archives");
    const struct setting *fs = part_setting(pt, "files");
    size_t na = as ? as->items.n : 0;
    struct tar_source *src = xcalloc(na + 1, sizeof *src);
    char **paths = xcalloc(na + 1, sizeof *paths);
    for (size_t i = 0; i < na; i++) {
        const char *item = as->items.v[i];
        size_t plen = strcspn(item, " \t");
        paths[i] = xstrndup(item, plen);
        const char *sum = item + plen + strspn(item + plen, " \t");
        src[i] = (struct tar_source){paths[i], *sum ? sum : NULL};
    }
    int rc = 0;
    struct tarfile files_tar = {0};
    char stage[] = "/tmp/berth-files.XXXXXX";
    cleanup_free char *files_path = NULL;
    if (fs && fs->items.n) {
        if (!mkdtemp(stage)) {
            rc = berr_errno(err, BERR_FAILURE, errno, "files: cannot make a staging folder");
            stage[0] = '\0';
        }
        for (size_t i = 0; rc == 0 && i < fs->items.n; i++) {
            const char *item = fs->items.v[i];
            size_t hl = strcspn(item, " ");
            cleanup_free char *host = xstrndup(item, hl);
            rc = stage_file(stage, host, item[hl] ? item + hl + 1 : host, err);
        }
        if (rc == 0) {
            zero_times(stage);
            rc = tar_folder(stage, &(struct tar_opts){.uid = 0, .gid = 0}, &files_tar, err);
        }
        if (rc == 0) {
            /* tar_merge reads sources by path: name the unlinked temp file. */
            files_path = xasprintf("/proc/self/fd/%d", fileno(files_tar.f));
            src[na++] = (struct tar_source){files_path, NULL};
        }
        if (stage[0])
            remove_tree(stage);
    }
    if (rc == 0) {
        const char *uid = part_value(pt, "layout-uid"), *gid = part_value(pt, "layout-gid");
        struct tar_opts lo = {.uid = uid ? atoi(uid) : 0, .gid = gid ? atoi(gid) : 0};
        rc = tar_merge(src, na, part_value(pt, "layout"), &lo, tf, err);
    }
    tarfile_close(&files_tar);
    for (size_t i = 0; i < na; i++)
        free(paths[i]);
    free(paths);
    free(src);
    return rc;
}

/* A run killed mid-bootstrap leaves its work container: remove it when it is
 * ours (by label), refuse when the name belongs to something else. */
static int clear_leftover(struct cv *cv, const char *name, berr **err)
{
    json_t *j = NULL;
    if (api_container_inspect(cv->e, name, &j, err) < 0)
        return -1;
    if (!j)
        return 0;
    json_t *labels = json_object_get(json_object_get(j, "Config"), "Labels");
    bool ours = owner_bootstrap_is(labels, name, cv->p->name);
    json_decref(j);
    if (!ours)
        return berr_set(err, BERR_FAILURE,
                        "a container named '%s' exists and is not berth's bootstrap container: "
                        "remove or rename it",
                        name);
    return api_container_remove(cv->e, name, true, err);
}

static int bootstrap_part(struct cv *cv, const struct part *pt, berr **err)
{
    cleanup_free char *subject = xasprintf("image %s", pt->name);
    struct tarfile tf = {0};
    int rc = bootstrap_rootfs(pt, &tf, err);
    if (rc < 0)
        return -1; /* the task, "image PART", names the part */

    json_t *cfg = cv_image_settings(pt);
    char *cfg_s = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS);
    hasher *h = hasher_new();
    hasher_add_str(h, tf.hash);
    hasher_add_str(h, cfg_s);
    const char *keys[] = {"script", "script-shell", "script-user", "labels", "layout-uid",
                          "layout-gid"};
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        const char *v = part_value(pt, keys[i]);
        hasher_add_str(h, v ? v : "");
    }
    free(cfg_s);
    if (streq(part_value(pt, "squash"), "true"))
        hasher_add_str(h, "squash"); /* only then: other bootstraps keep their hash */
    char hash[65];
    hasher_finish(h, hash);
    const char *why = staleness(cv, pt->image, hash, err, &rc);
    if (rc < 0 || !why) {
        if (rc == 0)
            cv_action(cv, subject, "none", "up to date", pt->level);
        json_decref(cfg);
        tarfile_close(&tf);
        return rc;
    }
    cv_action(cv, subject, "build", why, pt->level);
    cv_image_changed(cv, pt->image);
    if (cv->o->dry_run) {
        json_decref(cfg);
        tarfile_close(&tf);
        return 0;
    }

    /* Import under a temporary tag, commit the result under the real one:
     * the image's name only ever points at a finished image. */
    report(cv->o->rep, EV_STATE, subject, "importing", NULL);
    cleanup_free char *tmp_repo = xasprintf("%s-bootstrap", cv->p->name);
    cleanup_free char *tmp_tag = xstrdup(pt->name);
    cleanup_free char *tmp_ref = xasprintf("%s:%s", tmp_repo, tmp_tag);
    /* Labelled, so that what a killed run leaves is found and removed
     * (leftovers.c, down --rmi); the committed image's own labels replace
     * these. */
    json_t *tmp_labels = leftover_import_labels(cv, tmp_ref);
    cleanup_free char *tmp_id = NULL;
    rc = api_image_import(cv->e, tmp_repo, tmp_tag, tmp_labels, tarfile_read, &tf, &tmp_id, err);
    json_decref(tmp_labels);
    tarfile_close(&tf);
    cleanup_free char *cid = NULL;
    if (rc == 0) {
        const char *script = part_value(pt, "script");
        const struct setting *sh = part_setting(pt, "script-shell");
        json_t *cmd = json_array();
        if (script) {
            cleanup_free char *shell = xstrdup(sh && sh->value ? sh->value : "/bin/sh");
            char *save = NULL;
            for (char *w = strtok_r(shell, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
                json_array_append_new(cmd, json_string(w));
            json_array_append_new(cmd, json_string("-c"));
            json_array_append_new(cmd, json_string(script));
        } else {
            json_array_append_new(cmd, json_string("/bootstrap-never-runs"));
        }
        /* The commit copies the work container's labels into the image, and
         * so into every container of it: none of the keys that make a
         * container berth's (instance), and its own name, which only it has
         * (engine/owner.h). berth.project lets down's one list call find a
         * leftover. */
        json_t *body = json_pack("{s:s, s:o, s:{s:s}, s:{s:s, s:s}}", "Image", tmp_id, "Cmd",
                                 cmd, "HostConfig", "NetworkMode", "none", "Labels",
                                 LABEL_BOOTSTRAP, cv->p->name, LABEL_PROJECT, cv->p->name);
        if (part_value(pt, "script-user"))
            json_object_set_new(body, "User", json_string(part_value(pt, "script-user")));
        /* The work container: the part's `container` (its default is
         * <project>-<part>-bootstrap). */
        const char *ckey = part_value(pt, "container");
        cleanup_free char *cname = ckey ? xstrdup(ckey)
                                        : xasprintf("%s-%s-bootstrap", cv->p->name, pt->name);
        json_object_set_new(json_object_get(body, "Labels"), LABEL_BOOTSTRAP_NAME,
                            json_string(cname));
        rc = clear_leftover(cv, cname, err);
        if (rc == 0)
            rc = api_container_create(cv->e, cname, body, &cid, err);
        json_decref(body);
        if (rc == 0 && script)
            rc = run_script(cv, cid, subject, err);
    }
    if (rc == 0) {
        report(cv->o->rep, EV_STATE, subject, "committing", NULL);
        json_object_set_new(cfg, "Labels", cv_image_labels(cv, pt, hash));
        /* Commit keeps the temporary container's Cmd unless told: give the
         * image's own (or none). */
        if (!json_object_get(cfg, "Cmd"))
            json_object_set_new(cfg, "Cmd", json_null());
        cleanup_free char *repo = xstrdup(pt->image);
        char *colon = strrchr(repo, ':');
        const char *tag = "latest";
        if (colon && !strchr(colon, '/')) {
            *colon = '\0';
            tag = colon + 1;
        }
        if (streq(part_value(pt, "squash"), "true")) {
            /* One layer: the work container's file system, exported and
             * imported, then given the image's settings. */
            report(cv->o->rep, EV_STATE, subject, "squashing", NULL);
            cleanup_free char *sq = xasprintf("%s-squash:%s", cv->p->name, pt->name);
            rc = image_squash_container(cv, cid, sq, err);
            if (rc == 0)
                rc = image_commit_config(cv, sq, cfg, pt->image, err);
            berr *ignored = NULL;
            api_image_remove(cv->e, sq, true, &ignored);
            berr_free(ignored);
        } else {
            rc = api_commit(cv->e, cid, repo, tag, cfg, NULL, err);
        }
    }
    /* The temporary container and tag go, whatever happened. */
    berr *ignored = NULL;
    long long saved = http_deadline_set(0); /* even past the part's timeout */
    if (cid)
        api_container_remove(cv->e, cid, true, &ignored);
    berr_freep(&ignored);
    /* The temporary name goes (Docker keeps the layers under the committed
     * image, which is its child: removing by id would be refused). An
     * engine that gave it another name (Podman 4.3: repo:latest) has no
     * such name: remove it by id then. */
    if (api_image_remove(cv->e, tmp_ref, true, &ignored) < 0 && tmp_id) {
        berr_freep(&ignored);
        api_image_remove(cv->e, tmp_id, true, &ignored);
    }
    berr_free(ignored);
    http_deadline_set(saved);
    json_decref(cfg);
    if (rc < 0)
        return berr_wrap(err, "bootstrap %s", pt->image);
    cv_image_changed(cv, pt->image);
    return 0;
}

int image_part_converge(struct cv *cv, const struct part *pt, berr **err)
{
    return pt->kind == PART_BUILD ? build_part(cv, pt, err) : bootstrap_part(cv, pt, err);
}
