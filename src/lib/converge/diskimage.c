/* diskimage parts: a disk image file on the host from an image's file
 * system, by one of two flows.
 *
 *  - berth's own (no build-image): the image's file system, exported from a
 *    container that never runs, made into an ext2/3/4 file system (format =
 *    ext4, ...) or a raw disk with an MBR partition table (format = raw) on
 *    the host by diskfs.c (format = qcow2: that disk converted by qemu-img):
 *    owners, modes, symbolic links and device files
 *    kept, with no privileged container and no loop device.
 *  - dockeroo's gentoo-diskimage: a build container from build-image
 *    (privileged when asked) runs prepare-script; the image's file system
 *    is unpacked into its build-root; build-script runs; image-file is
 *    copied out to output.
 *
 * The output is written under a temporary name in its own folder and
 * renamed into place, so it is either the old file or the whole new one.
 * What made it is recorded in .berth/diskimage/<part>.json (a hash of every
 * input, per-input hashes for plan's reasons, and the output's identity):
 * an unchanged part whose output is still the file berth wrote is skipped.
 * `down --rmi` removes an output only while it is that file, unless keep. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <sys/stat.h>

#include "base/hash.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "converge/desired.h"
#include "converge/diskfs.h"
#include "converge/diskimage.h"
#include "converge/outlines.h"
#include "engine/api.h"
#include "project/values.h"
#include "transfer/copy.h"
#include "transfer/tarball.h"

/* dockeroo's default build-command is its "freeze": keep the container up. */
static const char *const keepalive[] = {"/bin/sh", "-c", "while :; do sleep 3600; done", NULL};

/* ---- the record of what was made ---- */

static char *record_path(const struct project *p, const struct part *pt)
{
    return xasprintf("%s/.berth/diskimage/%s.json", p->dir, pt->name);
}

static json_t *record_read(const struct project *p, const struct part *pt)
{
    cleanup_free char *path = record_path(p, pt);
    return json_load_file(path, 0, NULL);
}

static json_t *file_identity(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
        return NULL;
    return json_pack("{s:I, s:I, s:I, s:I}", "dev", (json_int_t)st.st_dev, "ino",
                     (json_int_t)st.st_ino, "size", (json_int_t)st.st_size, "mtime_ns",
                     (json_int_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec);
}

/* Is output still exactly the file the record describes? */
static bool record_owns(json_t *rec, const char *output)
{
    json_t *now = file_identity(output);
    bool same = now && streq(json_string_value(json_object_get(rec, "output")), output) &&
                json_equal(now, json_object_get(rec, "file"));
    json_decref(now);
    return same;
}

static int mkdirs(const char *path)
{
    cleanup_free char *p = xstrdup(path);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0755) < 0 && errno != EEXIST)
                return -1;
            *s = '/';
        }
    return mkdir(p, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static int record_write(const struct project *p, const struct part *pt, const char *hash,
                        const char *fields, const char *output, berr **err)
{
    cleanup_free char *path = record_path(p, pt);
    cleanup_free char *dir = xstrndup(path, (size_t)(strrchr(path, '/') - path));
    cleanup_free char *tmp = xasprintf("%s.tmp", path);
    json_t *rec = json_pack("{s:s, s:s, s:s, s:o*}", "hash", hash, "inputs", fields, "output",
                            output, "file", file_identity(output));
    int rc = 0;
    if (mkdirs(dir) < 0 || json_dump_file(rec, tmp, JSON_INDENT(1)) < 0 || rename(tmp, path) < 0)
        rc = berr_errno(err, BERR_FAILURE, errno, "record the disk image in %s", path);
    json_decref(rec);
    return rc;
}

/* ---- inputs ---- */


/* ---- the image's file system ---- */

static int to_file(void *ud, const char *data, size_t len, berr **err)
{
    if (fwrite(data, 1, len, ud) != len)
        return berr_errno(err, BERR_FAILURE, errno, "write the exported file system");
    return 0;
}

/* The image's file system as a tar in a temporary file (rewound), from a
 * container that is created, exported and removed, never started. */
static int export_image(struct cv *cv, const struct part *pt, FILE **out, berr **err)
{
    *out = NULL;
    cleanup_free char *name = xasprintf("%s-%s-export-%ld", cv->p->name, pt->name, (long)getpid());
    json_t *body = json_pack("{s:s, s:[s], s:{s:s}, s:o}", "Image", pt->image, "Cmd",
                             "/berth-never-runs", "HostConfig", "NetworkMode", "none", "Labels",
                             cv_work_labels(cv, name));
    cleanup_free char *id = NULL;
    int rc = api_container_create(cv->e, name, body, &id, err);
    json_decref(body);
    if (rc < 0)
        return berr_wrap(err, "export %s", pt->image);
    FILE *f = tmpfile();
    if (!f)
        rc = berr_errno(err, BERR_FAILURE, errno, "a temporary file for the export");
    cleanup_free char *path = api_path("/containers", id, "/export");
    struct engine_req r = {.method = "GET", .path = path, .on_data = to_file, .ud = f,
                           .timeout_ms = -1, .idle_timeout_ms = 120000};
    if (rc == 0)
        rc = engine_call(cv->e, &r, NULL, NULL, err);
    if (rc == 0 && (fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0))
        rc = berr_errno(err, BERR_FAILURE, errno, "the exported file system");
    berr *ignored = NULL;
    api_container_remove(cv->e, id, true, &ignored);
    berr_free(ignored);
    if (rc < 0) {
        if (f)
            fclose(f);
        return berr_wrap(err, "export %s", pt->image);
    }
    *out = f;
    return 0;
}

/* ---- dockeroo's flow ---- */

static int exec_output(void *ud, int stream, const char *data, size_t len, berr **err)
{
    (void)stream;
    return outlines_feed(ud, data, len, err);
}

static int exec_script(struct cv *cv, const struct part *pt, const char *id, const char *key,
                       const char *subject, berr **err)
{
    const char *script = part_value(pt, key);
    if (!script)
        return 0;
    report(cv->o->rep, EV_STATE, subject, key, NULL);
    const char *argv[] = {part_value(pt, "build-script-shell"), "-c", script, NULL};
    struct exec_opts eo = {.argv = argv, .user = part_value(pt, "build-script-user"),
                           .timeout_ms = -1};
    struct outlines out;
    outlines_init(&out, cv->o->rep, subject, false);
    int code = 0;
    int rc = api_exec(cv->e, id, &eo, exec_output, &out, &code, err);
    rc = outlines_script_end(&out, rc, code, err);
    return rc < 0 ? berr_wrap(err, "%s", key) : 0;
}

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

static int builder_flow(struct cv *cv, const struct part *pt, const char *tmp_out,
                        const char *subject, berr **err)
{
    const struct setting *cmd = part_setting(pt, "build-command");
    json_t *argv = json_array();
    if (cmd && cmd->items.n)
        for (size_t i = 0; i < cmd->items.n; i++)
            json_array_append_new(argv, json_string(cmd->items.v[i]));
    else
        for (const char *const *a = keepalive; *a; a++)
            json_array_append_new(argv, json_string(*a));
    cleanup_free char *name = xasprintf("%s-%s-build-%ld", cv->p->name, pt->name, (long)getpid());
    json_t *body = json_pack("{s:s, s:o, s:{s:b}, s:o}", "Image", part_value(pt, "build-image"),
                             "Cmd", argv, "HostConfig", "Privileged",
                             streq(part_value(pt, "privileged"), "true"), "Labels",
                             cv_work_labels(cv, name));
    const struct setting *s = part_setting(pt, "build-volumes-from");
    if (s && s->items.n) {
        json_t *vf = json_array();
        for (size_t i = 0; i < s->items.n; i++) {
            char *n = volfrom_name(cv->p, s->items.v[i]);
            json_array_append_new(vf, json_string(n));
            free(n);
        }
        json_object_set_new(json_object_get(body, "HostConfig"), "VolumesFrom", vf);
    }
    cleanup_free char *id = NULL;
    int rc = api_container_create(cv->e, name, body, &id, err);
    json_decref(body);
    if (rc < 0)
        return berr_wrap(err, "build container");
    report(cv->o->rep, EV_STATE, subject, "starting", NULL);
    rc = api_container_start(cv->e, id, err);
    if (rc < 0)
        berr_wrap(err, "build container: start");
    if (rc == 0)
        rc = exec_script(cv, pt, id, "prepare-script", subject, err);
    FILE *fs = NULL;
    if (rc == 0) {
        report(cv->o->rep, EV_STATE, subject, "extracting", NULL);
        rc = export_image(cv, pt, &fs, err);
    }
    if (rc == 0) {
        struct tarfile tf = {.f = fs};
        const char *root = part_value(pt, "build-root");
        if (api_container_put_archive(cv->e, id, root, tarfile_read, &tf, err) < 0)
            rc = berr_wrap(err, "extract %s into %s (build-root must be a folder in the build "
                           "container)", pt->image, root);
        fclose(fs);
    }
    if (rc == 0)
        rc = exec_script(cv, pt, id, "build-script", subject, err);
    if (rc == 0) {
        report(cv->o->rep, EV_STATE, subject, "copying", NULL);
        struct copy_end src = {.container = id, .display = "build container",
                               .path = part_value(pt, "image-file")};
        struct copy_end dst = {.container = NULL, .path = tmp_out};
        struct copy_opts co = {0};
        if (copy_run(cv->e, &src, &dst, &co, err) < 0)
            rc = berr_wrap(err, "image-file");
        struct stat st;
        if (rc == 0 && (stat(tmp_out, &st) < 0 || !S_ISREG(st.st_mode)))
            rc = berr_set(err, BERR_FAILURE, "image-file %s is not a file",
                          part_value(pt, "image-file"));
    }
    berr *ignored = NULL;
    api_container_remove(cv->e, id, true, &ignored);
    berr_free(ignored);
    return rc;
}

/* ---- berth's flow ---- */

static int builtin_flow(struct cv *cv, const struct part *pt, const char *work,
                        const char *tmp_out, const char *subject, berr **err)
{
    FILE *fs = NULL;
    report(cv->o->rep, EV_STATE, subject, "exporting", NULL);
    if (export_image(cv, pt, &fs, err) < 0)
        return -1;
    long long size = 0;
    parse_size(part_value(pt, "size"), &size);
    const char *format = part_value(pt, "format");
    bool qcow2 = streq(format, "qcow2"), raw = qcow2 || streq(format, "raw");
    struct diskfs_opts o = {.fs = raw ? part_value(pt, "fs") : format, .size = size,
                            .label = part_value(pt, "label"), .raw = raw, .qcow2 = qcow2,
                            .gpt = streq(part_value(pt, "partition-table"), "gpt"),
                            .work = work};
    report(cv->o->rep, EV_STATE, subject, "writing", NULL);
    int rc = diskfs_make(fs, tmp_out, &o, err);
    fclose(fs);
    return rc;
}

/* Remove the work folder the image was unpacked in. Its links are the
 * image's: an absolute one names a host path (busybox --install -s /bin
 * makes /bin/sh -> /bin/busybox), so nothing here follows one; a folder is
 * opened without following, and made writable (an unpacked read-only one)
 * through its own descriptor. */
static void remove_tree(int parent, const char *name)
{
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        unlinkat(parent, name, 0); /* not a folder (or a link to one) */
        return;
    }
    if (fchmod(fd, 0700) < 0) {
        /* not ours to change: removing what is inside may still work */
    }
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)))
        if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
            remove_tree(dirfd(d), de->d_name);
    closedir(d);
    unlinkat(parent, name, AT_REMOVEDIR);
}

int diskimage_part_converge(struct cv *cv, const struct part *pt, berr **err)
{
    cleanup_free char *subject = xasprintf("diskimage %s", pt->name);
    const char *output = part_value(pt, "output");
    struct cv_inputs in = {STRBUF_INIT, hasher_new()};
    int rc = cv_image_input(cv, &in, "base-image", pt->image, err);
    if (rc == 0)
        rc = cv_image_input(cv, &in, "build-image", part_value(pt, "build-image"), err);
    static const char *const keys[] = {"output", "format", "size", "fs", "partition-table",
                                       "label", "build-command", "build-volumes-from",
                                       "privileged", "build-root", "image-file",
                                       "prepare-script", "build-script", "build-script-shell",
                                       "build-script-user"};
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
        cv_input(&in, keys[i], part_value(pt, keys[i]));
    char hash[65];
    hasher_finish(in.all, hash);
    if (rc < 0) {
        sb_release(&in.fields);
        return rc;
    }

    json_t *rec = record_read(cv->p, pt);
    cleanup_free char *why = NULL;
    struct stat st;
    if (stat(output, &st) < 0)
        why = xstrdup("missing");
    else if (!rec || !record_owns(rec, output))
        why = xstrdup("the file is not the one berth wrote");
    else if (!streq(json_string_value(json_object_get(rec, "hash")), hash)) {
        char *ch = desired_changed_fields(json_string_value(json_object_get(rec, "inputs")),
                                          in.fields.buf);
        why = ch ? xasprintf("changed: %s", ch) : xstrdup("inputs changed");
        free(ch);
    } else if (cv->o->force_build)
        why = xstrdup("--force");
    json_decref(rec);
    if (!why) {
        cv_action(cv, subject, "none", "up to date", pt->level);
        sb_release(&in.fields);
        return 0;
    }
    cv_action(cv, subject, "write", why, pt->level);
    if (cv->o->dry_run) {
        sb_release(&in.fields);
        return 0;
    }

    /* Work next to the output: the rename into place stays on one file system. */
    cleanup_free char *dir = strrchr(output, '/') ? xstrndup(output, (size_t)(strrchr(output, '/') - output))
                                                  : xstrdup(".");
    if (!*dir) {
        free(dir);
        dir = xstrdup("/");
    }
    cleanup_free char *work = xasprintf("%s/.%s.berth-XXXXXX", dir, strrchr(output, '/') ? strrchr(output, '/') + 1 : output);
    if (mkdirs(dir) < 0 || !mkdtemp(work)) {
        sb_release(&in.fields);
        return berr_errno(err, BERR_FAILURE, errno, "%s: a work folder next to %s", subject,
                          output);
    }
    cleanup_free char *tmp_out = xasprintf("%s/out.img", work);
    rc = part_value(pt, "build-image") ? builder_flow(cv, pt, tmp_out, subject, err)
                                       : builtin_flow(cv, pt, work, tmp_out, subject, err);
    if (rc == 0 && rename(tmp_out, output) < 0)
        rc = berr_errno(err, BERR_FAILURE, errno, "rename into %s", output);
    if (rc == 0)
        rc = record_write(cv->p, pt, hash, in.fields.buf, output, err);
    remove_tree(AT_FDCWD, work);
    sb_release(&in.fields);
    if (rc < 0)
        return berr_wrap(err, "write %s", output);
    return 0;
}

int diskimage_remove_outputs(const struct project *p, const struct project_sel *sel,
                             bool include_kept, bool dry_run, strbuf *removed, berr **err)
{
    (void)err;
    for (size_t i = 0; i < p->nparts; i++) {
        const struct part *pt = &p->parts[i];
        if (pt->kind != PART_DISKIMAGE || (sel && !sel->part[i]))
            continue;
        if (streq(part_value(pt, "keep"), "true") && !include_kept)
            continue;
        const char *output = part_value(pt, "output");
        json_t *rec = record_read(p, pt);
        bool ours = rec && record_owns(rec, output);
        json_decref(rec);
        if (!ours)
            continue; /* not there, or not the file berth wrote: not ours to remove */
        if (!dry_run) {
            cleanup_free char *path = record_path(p, pt);
            if (unlink(output) < 0 && errno != ENOENT)
                return berr_errno(err, BERR_FAILURE, errno, "remove %s", output);
            unlink(path);
        }
        sb_addf(removed, "%s%s", removed->len ? "\n" : "", output);
    }
    return 0;
}
