#include "engine/api.h"

#include <openssl/evp.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "engine/owner.h"
#include "engine/stream.h"
#include "base/strbuf.h"
#include "base/util.h"

/* "/prefix/<escaped id>suffix": ids and names never steer the path. */
char *api_path(const char *prefix, const char *id, const char *suffix)
{
    strbuf sb = STRBUF_INIT;
    sb_adds(&sb, prefix);
    sb_addc(&sb, '/');
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~:", *p))
            sb_addc(&sb, (char)*p);
        else
            sb_addf(&sb, "%%%02X", *p);
    }
    sb_adds(&sb, suffix);
    return sb_detach(&sb, NULL);
}

static int list_labelled(engine *e, const char *kind, const char *key, const char *project,
                         const char *also, json_t **out, berr **err);

int api_list(engine *e, const char *kind, const char *project, json_t **out, berr **err)
{
    if (!streq(kind, "images"))
        return list_labelled(e, kind, LABEL_PROJECT, project, NULL, out, err);
    /* Images have their own keys; those made before them carry the
     * project's (berth.project): both, once each. */
    json_t *old = NULL;
    if (list_labelled(e, kind, LABEL_IMAGE_PROJECT, project, NULL, out, err) < 0)
        return -1;
    if (list_labelled(e, kind, LABEL_PROJECT, project, NULL, &old, err) < 0) {
        json_decref(*out);
        *out = NULL;
        return -1;
    }
    size_t i;
    json_t *img;
    json_array_foreach(old, i, img)
        if (owner_image_claims(img, project) &&
            !json_object_get(json_object_get(img, "Labels"), LABEL_IMAGE_PROJECT))
            json_array_append(*out, img);
    json_decref(old);
    return 0;
}

int api_list_also(engine *e, const char *kind, const char *project, const char *label,
                  json_t **out, berr **err)
{
    if (streq(kind, "images"))
        return berr_set(err, BERR_FAILURE, "api_list_also: images have two project keys");
    return list_labelled(e, kind, LABEL_PROJECT, project, label, out, err);
}

/* also: one more label the engine must find on each (NULL: none). */
static int list_labelled(engine *e, const char *kind, const char *key, const char *project,
                         const char *also, json_t **out, berr **err)
{
    cleanup_free char *label = xasprintf("%s=%s", key, project);
    const char *labels[] = {label, also, NULL};
    strbuf path = STRBUF_INIT;
    if (streq(kind, "containers"))
        sb_adds(&path, "/containers/json?all=1");
    else if (streq(kind, "images"))
        sb_adds(&path, "/images/json");
    else
        sb_addf(&path, "/%s", kind);
    query_add_label_filters(&path, labels);
    json_t *j = NULL;
    int rc = engine_get(e, path.buf, &j, err);
    sb_release(&path);
    if (rc < 0)
        return -1;
    /* /volumes wraps its list: {"Volumes": [...], "Warnings": [...]} */
    if (streq(kind, "volumes") && json_is_object(j)) {
        json_t *v = json_incref(json_object_get(j, "Volumes"));
        json_decref(j);
        j = json_is_array(v) ? v : (json_decref(v), json_array());
    }
    if (!j)
        j = json_array();
    if (!json_is_array(j)) {
        json_decref(j);
        return berr_set(err, BERR_ENGINE, "listing %s: the engine's answer is not a list", kind);
    }
    /* The label filter also finds containers made by others from a berth
     * image (they inherit its labels): only those berth made stay. */
    if (streq(kind, "containers")) {
        for (size_t i = json_array_size(j); i-- > 0;)
            if (!owner_listed_container_is(json_array_get(j, i), project))
                json_array_remove(j, i);
    }
    *out = j;
    return 0;
}

static int take_id(json_t *j, const char *key, char **id)
{
    const char *s = json_string_value(json_object_get(j, key));
    if (id)
        *id = s ? xstrdup(s) : NULL;
    return 0;
}

int api_container_create(engine *e, const char *name, json_t *config, char **id, berr **err)
{
    strbuf path = STRBUF_INIT;
    sb_adds(&path, "/containers/create");
    query_add(&path, "name", name);
    json_t *j = NULL;
    int rc = engine_post(e, path.buf, config, &j, err);
    sb_release(&path);
    if (rc == 0)
        take_id(j, "Id", id);
    json_decref(j);
    return rc;
}

static int post_simple(engine *e, const char *path, long *status, berr **err)
{
    struct engine_req r = {.method = "POST", .path = path};
    return engine_call(e, &r, NULL, status, err);
}

/* For start and stop, 304 Not Modified means "already started" / "already
 * stopped": the state asked for holds, which is success. It happens
 * whenever something else (a restart policy, a crash, another client)
 * changes the container between berth's look and its act. */
static int already_done(int rc, berr **err, berr **e2)
{
    if (rc < 0 && (*e2)->http_status == 304) {
        berr_free(*e2);
        return 0;
    }
    if (rc < 0)
        berr_move(err, e2);
    return rc;
}

int api_container_start(engine *e, const char *id, berr **err)
{
    cleanup_free char *p = api_path("/containers", id, "/start");
    berr *e2 = NULL;
    return already_done(post_simple(e, p, NULL, &e2), err, &e2);
}

int api_container_stop(engine *e, const char *id, int timeout_s, berr **err)
{
    cleanup_free char *base = api_path("/containers", id, "/stop");
    cleanup_free char *p = xasprintf("%s?t=%d", base, timeout_s);
    /* The engine waits out the grace itself: allow it plus a margin. */
    struct engine_req r = {.method = "POST", .path = p,
                           .timeout_ms = (long)timeout_s * 1000 + 60000};
    berr *e2 = NULL;
    return already_done(engine_call(e, &r, NULL, NULL, &e2), err, &e2);
}

int api_container_remove(engine *e, const char *id, bool force, berr **err)
{
    cleanup_free char *base = api_path("/containers", id, "");
    /* v=1: its anonymous volumes are its own and go with it (else every
     * recreate leaves one behind, unlabelled, reachable by nothing);
     * named volumes and bind mounts are never touched by it */
    cleanup_free char *p = xasprintf("%s?force=%d&v=1", base, force ? 1 : 0);
    struct engine_req r = {.method = "DELETE", .path = p};
    return engine_call(e, &r, NULL, NULL, err);
}

int api_get_found(engine *e, const char *path, json_t **out, berr **err)
{
    berr *e2 = NULL;
    *out = NULL;
    if (engine_get(e, path, out, &e2) == 0)
        return 0;
    if (e2->http_status == 404) {
        berr_free(e2);
        return 0;
    }
    berr_move(err, &e2);
    return -1;
}

static int inspect(engine *e, const char *prefix, const char *id, json_t **out, berr **err)
{
    cleanup_free char *p = api_path(prefix, id, "/json");
    return api_get_found(e, p, out, err);
}

int api_container_inspect(engine *e, const char *id, json_t **out, berr **err)
{
    return inspect(e, "/containers", id, out, err);
}

int api_container_wait(engine *e, const char *id, long timeout_ms, int *exit_code, berr **err)
{
    cleanup_free char *p = api_path("/containers", id, "/wait");
    struct engine_req r = {.method = "POST", .path = p, .timeout_ms = timeout_ms < 0 ? -1 : timeout_ms};
    json_t *j = NULL;
    if (engine_call(e, &r, &j, NULL, err) < 0)
        return -1;
    *exit_code = (int)json_integer_value(json_object_get(j, "StatusCode"));
    json_decref(j);
    return 0;
}

/* "/containers/<id>/archive?path=<path>" */
static void archive_path(strbuf *p, const char *id, const char *path)
{
    cleanup_free char *base = api_path("/containers", id, "/archive");
    sb_adds(p, base);
    query_add(p, "path", path);
}

int api_container_put_archive(engine *e, const char *id, const char *path, http_read_cb *rd,
                              void *ud, berr **err)
{
    strbuf p = STRBUF_INIT;
    archive_path(&p, id, path);
    struct engine_req r = {.method = "PUT", .path = p.buf, .read = rd, .read_ud = ud,
                           .content_type = "application/x-tar", .timeout_ms = -1,
                           .idle_timeout_ms = 120000};
    int rc = engine_call(e, &r, NULL, NULL, err);
    sb_release(&p);
    return rc;
}

int api_network_create(engine *e, json_t *config, char **id, berr **err)
{
    json_t *j = NULL;
    int rc = engine_post(e, "/networks/create", config, &j, err);
    if (rc == 0)
        take_id(j, "Id", id);
    json_decref(j);
    return rc;
}

int api_network_remove(engine *e, const char *id, berr **err)
{
    cleanup_free char *p = api_path("/networks", id, "");
    struct engine_req r = {.method = "DELETE", .path = p};
    return engine_call(e, &r, NULL, NULL, err);
}

static int force_disconnect(engine *e, const char *net, const char *endpoint, berr **err)
{
    cleanup_free char *path = api_path("/networks", net, "/disconnect");
    json_t *body = json_pack("{s:s, s:b}", "Container", endpoint, "Force", 1);
    int rc = engine_post(e, path, body, NULL, err);
    json_decref(body);
    return rc;
}

int api_network_remove_clearing(engine *e, const char *id, bool every_endpoint, berr **err)
{
    if (api_network_remove(e, id, err) == 0)
        return 0;
    if ((*err)->http_status != 403 || !strstr((*err)->msg, "active endpoints"))
        return -1;
    json_t *net = NULL;
    berr *e2 = NULL;
    cleanup_free char *path = api_path("/networks", id, "");
    if (api_get_found(e, path, &net, &e2) < 0 || !net) {
        berr_free(e2);
        return -1; /* the first error says more */
    }
    const char *cid, *name = json_string_value(json_object_get(net, "Name"));
    json_t *ep;
    strbuf users = STRBUF_INIT;
    int rc = 0;
    json_object_foreach(json_object_get(net, "Containers"), cid, ep) {
        const char *epname = json_string_value(json_object_get(ep, "Name"));
        json_t *c = NULL;
        if (!every_endpoint && (api_container_inspect(e, cid, &c, &e2) < 0 || c)) {
            berr_freep(&e2);
            sb_addf(&users, "%s%s", users.len ? ", " : "", epname ? epname : cid);
            json_decref(c);
            continue;
        }
        /* the engine finds a stale endpoint by its container's name */
        if (force_disconnect(e, id, epname ? epname : cid, &e2) < 0) {
            berr_move(err, &e2);
            rc = -1;
            break;
        }
    }
    if (rc == 0 && users.len) {
        berr_freep(err);
        rc = berr_set(err, BERR_FAILURE,
                      "still used by %s, which berth did not make: disconnect each (docker "
                      "network disconnect %s CONTAINER) or remove it, then run this again",
                      users.buf, name ? name : id);
    } else if (rc == 0) {
        berr_freep(err);
        rc = api_network_remove(e, id, err);
    }
    sb_release(&users);
    json_decref(net);
    return rc;
}

int api_volume_folder(json_t *config, berr **err)
{
    const char *dev =
        json_string_value(json_object_get(json_object_get(config, "DriverOpts"), "device"));
    struct stat st;
    if (dev && dev[0] == '/' && stat(dev, &st) < 0) {
        cleanup_free char *tmp = xstrdup(dev);
        for (char *s = tmp + 1; *s; s++)
            if (*s == '/') {
                *s = '\0';
                mkdir(tmp, 0755);
                *s = '/';
            }
        if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
            return berr_errno(err, BERR_FAILURE, errno, "cannot create data folder %s", dev);
    }
    return 0;
}

int api_volume_create(engine *e, json_t *config, berr **err)
{
    /* A local volume bound to a host folder needs the folder first. */
    if (api_volume_folder(config, err) < 0)
        return -1;
    json_t *j = NULL;
    int rc = engine_post(e, "/volumes/create", config, &j, err);
    json_decref(j);
    return rc;
}

int api_volume_remove(engine *e, const char *name, bool force, berr **err)
{
    cleanup_free char *base = api_path("/volumes", name, "");
    cleanup_free char *p = xasprintf("%s?force=%d", base, force ? 1 : 0);
    struct engine_req r = {.method = "DELETE", .path = p};
    return engine_call(e, &r, NULL, NULL, err);
}

int api_image_inspect(engine *e, const char *name, json_t **out, berr **err)
{
    return inspect(e, "/images", name, out, err);
}

int api_image_remove(engine *e, const char *name, bool force, berr **err)
{
    cleanup_free char *base = api_path("/images", name, "");
    cleanup_free char *p = xasprintf("%s?force=%d", base, force ? 1 : 0);
    struct engine_req r = {.method = "DELETE", .path = p};
    return engine_call(e, &r, NULL, NULL, err);
}

/* Pull, import and push answer in JSON lines and report failures inside a
 * 200: decode them even when nobody wants the messages. */
static int ignore_msg(void *ud, json_t *msg, berr **err)
{
    (void)ud, (void)msg, (void)err;
    return 0;
}

/* An import's messages name the new image by id: Docker in "status"
 * ("sha256:..."), Podman in "id" as well. Keep the last one seen. */
static int import_msg(void *ud, json_t *msg, berr **err)
{
    (void)err;
    char **id = ud;
    const char *v = json_string_value(json_object_get(msg, "id"));
    if (!v || !starts_with(v, "sha256:"))
        v = json_string_value(json_object_get(msg, "status"));
    if (v && starts_with(v, "sha256:")) {
        free(*id);
        *id = xstrdup(v);
    }
    return 0;
}

int api_image_import(engine *e, const char *repo, const char *tag, json_t *labels,
                     http_read_cb *rd, void *ud, char **image_id, berr **err)
{
    strbuf p = STRBUF_INIT;
    sb_adds(&p, "/images/create?fromSrc=-");
    query_add(&p, "repo", repo);
    query_add(&p, "tag", tag);
    char *id = NULL;
    /* Labels go in as a Dockerfile LABEL instruction ("changes"), each key
     * and value a JSON string, which that instruction reads as quoted. */
    const char *k;
    json_t *v;
    json_object_foreach(labels, k, v) {
        json_t *kj = json_string(k);
        char *ks = json_dumps(kj, JSON_ENCODE_ANY), *vs = json_dumps(v, JSON_ENCODE_ANY);
        cleanup_free char *change = xasprintf("LABEL %s=%s", ks, vs);
        query_add(&p, "changes", change);
        free(ks);
        free(vs);
        json_decref(kj);
    }
    struct engine_req r = {.method = "POST", .path = p.buf, .read = rd, .read_ud = ud,
                           .content_type = "application/x-tar", .timeout_ms = -1,
                           .idle_timeout_ms = 300000, .on_msg = import_msg, .ud = &id};
    int rc = engine_call(e, &r, NULL, NULL, err);
    sb_release(&p);
    if (rc == 0 && !id)
        rc = berr_set(err, BERR_ENGINE, "the engine imported the image without naming its id");
    if (rc == 0)
        *image_id = id;
    else
        free(id);
    return rc;
}

/* Podman (4.3) takes a commit's settings only as Dockerfile instructions
 * ("changes"), not as the body's config: the same settings, spelled so.
 * Cmd null (none) is CMD [], so the image does not keep the container's. */
static void commit_changes(strbuf *p, json_t *config)
{
    const char *key;
    json_t *v;
    strbuf c = STRBUF_INIT;
    json_object_foreach(json_object_get(config, "Labels"), key, v) {
        json_t *kj = json_string(key);
        char *k = json_dumps(kj, JSON_ENCODE_ANY);
        char *val = json_dumps(v, JSON_ENCODE_ANY);
        sb_reset(&c);
        sb_addf(&c, "LABEL %s=%s", k ? k : "\"\"", val ? val : "\"\"");
        query_add(p, "changes", c.buf);
        json_decref(kj);
        free(k);
        free(val);
    }
    static const char *const argvs[][2] = {{"Cmd", "CMD"}, {"Entrypoint", "ENTRYPOINT"}};
    for (size_t i = 0; i < 2; i++) {
        json_t *a = json_object_get(config, argvs[i][0]);
        if (!a)
            continue;
        char *t = json_is_array(a) ? json_dumps(a, JSON_COMPACT) : xstrdup("[]");
        sb_reset(&c);
        sb_addf(&c, "%s %s", argvs[i][1], t);
        query_add(p, "changes", c.buf);
        free(t);
    }
    size_t i;
    json_array_foreach(json_object_get(config, "Env"), i, v) {
        const char *item = json_string_value(v), *eq = item ? strchr(item, '=') : NULL;
        if (!eq)
            continue;
        json_t *val = json_string(eq + 1);
        char *q = json_dumps(val, JSON_ENCODE_ANY);
        sb_reset(&c);
        sb_addf(&c, "ENV %.*s=%s", (int)(eq - item), item, q);
        query_add(p, "changes", c.buf);
        free(q);
        json_decref(val);
    }
    static const char *const words[][2] = {{"WorkingDir", "WORKDIR"}, {"User", "USER"}};
    for (size_t k = 0; k < 2; k++) {
        const char *w = json_string_value(json_object_get(config, words[k][0]));
        if (!w || !*w)
            continue; /* "" is the default; Podman refuses an empty instruction */
        sb_reset(&c);
        sb_addf(&c, "%s %s", words[k][1], w);
        query_add(p, "changes", c.buf);
    }
    json_object_foreach(json_object_get(config, "ExposedPorts"), key, v) {
        sb_reset(&c);
        sb_addf(&c, "EXPOSE %s", key);
        query_add(p, "changes", c.buf);
    }
    sb_release(&c);
}

int api_commit(engine *e, const char *container, const char *repo, const char *tag,
               json_t *config, char **image_id, berr **err)
{
    strbuf p = STRBUF_INIT;
    sb_adds(&p, "/commit");
    query_add(&p, "container", container);
    query_add(&p, "repo", repo);
    query_add(&p, "tag", tag);
    if (engine_podman_api(e))
        commit_changes(&p, config);
    json_t *j = NULL;
    int rc = engine_post(e, p.buf, config, &j, err);
    sb_release(&p);
    if (rc == 0)
        take_id(j, "Id", image_id);
    json_decref(j);
    return rc;
}

int api_build(engine *e, const char *query, http_read_cb *rd, void *ud, engine_msg_cb *on_msg,
              void *msg_ud, berr **err)
{
    cleanup_free char *p = xasprintf("/build%s", query);
    struct engine_req r = {.method = "POST", .path = p, .read = rd, .read_ud = ud,
                           .content_type = "application/x-tar", .timeout_ms = -1,
                           .on_msg = on_msg ? on_msg : ignore_msg, .ud = msg_ud};
    return engine_call(e, &r, NULL, NULL, err);
}

static json_t *string_array(const char *const *v)
{
    json_t *a = json_array();
    for (; v && *v; v++)
        json_array_append_new(a, json_string(*v));
    return a;
}

struct exec_out {
    struct demux dm;
    output_cb *cb;
    void *ud;
};

static int exec_frame(void *ud, int stream, const char *data, size_t len, berr **err)
{
    struct exec_out *o = ud;
    return o->cb ? o->cb(o->ud, stream, data, len, err) : 0;
}

static int exec_data(void *ud, const char *data, size_t len, berr **err)
{
    struct exec_out *o = ud;
    return demux_feed(&o->dm, data, len, exec_frame, o, err);
}

int api_exec_create(engine *e, const char *container, const struct exec_spec *s, char **exec_id,
                    berr **err)
{
    *exec_id = NULL;
    bool streams = !s->detach;
    json_t *cfg = json_pack("{s:b, s:b, s:b, s:b, s:o}", "AttachStdin",
                            streams && s->attach_stdin, "AttachStdout", streams, "AttachStderr",
                            streams, "Tty", s->tty, "Cmd", string_array(s->argv));
    if (s->user)
        json_object_set_new(cfg, "User", json_string(s->user));
    if (s->workdir)
        json_object_set_new(cfg, "WorkingDir", json_string(s->workdir));
    if (s->env && *s->env)
        json_object_set_new(cfg, "Env", string_array(s->env));
    cleanup_free char *path = api_path("/containers", container, "/exec");
    json_t *j = NULL;
    int rc = engine_post(e, path, cfg, &j, err);
    json_decref(cfg);
    if (rc < 0)
        return -1;
    take_id(j, "Id", exec_id);
    json_decref(j);
    if (!*exec_id)
        return berr_set(err, BERR_ENGINE, "the engine created an exec without an id");
    return 0;
}

int api_exec(engine *e, const char *container, const struct exec_opts *o, output_cb *on_output,
             void *ud, int *exit_code, berr **err)
{
    struct exec_spec spec = {.argv = o->argv, .user = o->user, .workdir = o->workdir,
                             .env = o->env};
    cleanup_free char *id = NULL;
    if (api_exec_create(e, container, &spec, &id, err) < 0)
        return -1;

    /* Without an Upgrade header the engine streams the multiplexed output
     * as the body of the answer until the command ends. */
    cleanup_free char *sp = api_path("/exec", id, "/start");
    json_t *start = json_pack("{s:b, s:b}", "Detach", 0, "Tty", 0);
    struct exec_out out = {.cb = on_output, .ud = ud};
    demux_init(&out.dm);
    struct engine_req r = {.method = "POST", .path = sp, .json = start,
                           .timeout_ms = o->timeout_ms < 0 ? -1 : o->timeout_ms,
                           .on_data = exec_data, .ud = &out};
    int rc = engine_call(e, &r, NULL, NULL, err);
    json_decref(start);
    if (rc == 0)
        rc = demux_finish(&out.dm, err);
    if (rc < 0)
        return -1;
    cleanup_free char *ip = api_path("/exec", id, "/json");
    json_t *j = NULL;
    if (engine_get(e, ip, &j, err) < 0)
        return -1;
    json_t *code = json_object_get(j, "ExitCode");
    rc = json_is_integer(code) ? 0 : berr_set(err, BERR_ENGINE, "the exec ended without an exit code");
    if (rc == 0)
        *exit_code = (int)json_integer_value(code);
    json_decref(j);
    return rc;
}

int api_container_get_archive(engine *e, const char *id, const char *path, http_data_cb *on_data,
                              void *ud, berr **err)
{
    strbuf p = STRBUF_INIT;
    archive_path(&p, id, path);
    struct engine_req r = {.method = "GET", .path = p.buf, .on_data = on_data, .ud = ud,
                           .timeout_ms = -1, .idle_timeout_ms = 120000};
    int rc = engine_call(e, &r, NULL, NULL, err);
    sb_release(&p);
    return rc;
}

int api_container_stat_path(engine *e, const char *id, const char *path, json_t **out,
                            berr **err)
{
    *out = NULL;
    strbuf p = STRBUF_INIT;
    archive_path(&p, id, path);
    cleanup_free char *hdr = NULL;
    struct engine_req r = {.method = "HEAD", .path = p.buf,
                           .want_header = "X-Docker-Container-Path-Stat", .header_out = &hdr};
    berr *e2 = NULL;
    int rc = engine_call(e, &r, NULL, NULL, &e2);
    sb_release(&p);
    if (rc < 0 && e2->http_status == 404) {
        berr_free(e2);
        return 0;
    }
    if (rc < 0) {
        berr_move(err, &e2);
        return -1;
    }
    /* base64 of a small JSON object */
    size_t n = hdr ? strlen(hdr) : 0;
    cleanup_free unsigned char *raw = xmalloc(n / 4 * 3 + 4);
    int len = n ? EVP_DecodeBlock(raw, (const unsigned char *)hdr, (int)n) : -1;
    while (len > 0 && raw[len - 1] == '\0') /* padding decodes to NULs */
        len--;
    json_error_t jerr;
    *out = len > 0 ? json_loadb((const char *)raw, (size_t)len, 0, &jerr) : NULL;
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return berr_set(err, BERR_ENGINE, "the engine described %s without a readable "
                        "X-Docker-Container-Path-Stat header", path);
    }
    return 0;
}

int api_container_logs(engine *e, const char *id, const char *query, http_data_cb *on_data,
                       void *ud, berr **err)
{
    cleanup_free char *p = api_path("/containers", id, "/logs");
    cleanup_free char *pq = xasprintf("%s%s", p, query);
    struct engine_req r = {.method = "GET", .path = pq, .on_data = on_data, .ud = ud,
                           .timeout_ms = -1};
    return engine_call(e, &r, NULL, NULL, err);
}

int api_events(engine *e, const char *query, engine_msg_cb *on_msg, void *ud, berr **err)
{
    cleanup_free char *p = xasprintf("/events%s", query);
    struct engine_req r = {.method = "GET", .path = p, .on_msg = on_msg, .ud = ud,
                           .timeout_ms = -1};
    return engine_call(e, &r, NULL, NULL, err);
}
