#include "swarm/deploy.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "converge/desired.h"
#include "engine/api.h"
#include "registry/creds.h"
#include "registry/pullpush.h"
#include "swarm/spec.h"
#include "swarm/status.h"

int swarm_check_manager(engine *e, berr **err)
{
    json_t *info = NULL;
    if (engine_get(e, "/info", &info, err) < 0)
        return -1;
    json_t *sw = json_object_get(info, "Swarm");
    const char *state = json_string_value(json_object_get(sw, "LocalNodeState"));
    bool manager = json_is_true(json_object_get(sw, "ControlAvailable"));
    int rc = 0;
    if (!streq(state, "active"))
        rc = berr_set(err, BERR_FAILURE,
                      "the engine at %s is not part of a swarm (its state: %s); make one with "
                      "`docker swarm init --advertise-addr ADDRESS` (POST /swarm/init), or point "
                      "berth at a manager",
                      engine_address(e), state && *state ? state : "unknown");
    else if (!manager)
        rc = berr_set(err, BERR_FAILURE,
                      "the engine at %s is a swarm worker; berth deploy talks to a manager",
                      engine_address(e));
    json_decref(info);
    return rc;
}

static json_t *find_by_name(json_t *list, const char *name, bool spec_name)
{
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o) {
        json_t *n = spec_name ? json_object_get(json_object_get(o, "Spec"), "Name")
                              : json_object_get(o, "Name");
        if (streq(json_string_value(n), name))
            return o;
    }
    return NULL;
}

static const char *label_of(json_t *obj, bool in_spec, const char *key)
{
    json_t *labels = in_spec ? json_object_get(json_object_get(obj, "Spec"), "Labels")
                             : json_object_get(obj, "Labels");
    return json_string_value(json_object_get(labels, key));
}

static void noted_action(struct plan *pl, reporter *rep, const char *subject, const char *verb,
                         const char *reason, int level, enum action_note note)
{
    pl->v = xrealloc(pl->v, sizeof *pl->v * (pl->n + 1));
    pl->v[pl->n++] = (struct action){.subject = xstrdup(subject), .verb = xstrdup(verb),
                                     .reason = xstrdup(reason ? reason : ""), .level = level,
                                     .note = note};
    if (!streq(verb, "none"))
        reportf(rep, EV_DONE, subject, verb, "%s%s%s", verb, reason && *reason ? ": " : "",
                reason ? reason : "");
}

static void action(struct plan *pl, reporter *rep, const char *subject, const char *verb,
                   const char *reason, int level)
{
    noted_action(pl, rep, subject, verb, reason, level, NOTE_NONE);
}

/* What the services run: per container part, the image's id and its
 * EXPOSE ports when the image is on this engine. */
struct images {
    const struct project *p;
    json_t **facts; /* by part: {"Id", "ExposedPorts"} or NULL */
    int *push;      /* by part: the push part its image came from, or -1 */
};

static const char *image_of(void *ud, int part, json_t **exposed)
{
    struct images *im = ud;
    json_t *f = im->facts[part];
    *exposed = f ? json_object_get(f, "ExposedPorts") : NULL;
    return f ? json_string_value(json_object_get(f, "Id")) : NULL;
}

/* The image a container part runs, as a selected push part pushed it: the
 * registry's digest the engine recorded in RepoDigests, "REGISTRY/
 * REPOSITORY@sha256:...", which every node can pull and which names exactly
 * this content. NULL when no push part pushes it (or it was not pushed). */
static char *pushed_ref(const struct project *p, const struct project_sel *sel, const char *image,
                        json_t *img, int *push_part)
{
    cleanup_free char *repo = NULL, *tag = NULL;
    reg_split_ref(image, &repo, &tag);
    for (size_t k = 0; k < p->nparts; k++) {
        const struct part *pk = &p->parts[k];
        if (!sel->part[k] || pk->kind != PART_PUSH || !pk->image)
            continue;
        cleanup_free char *prepo = NULL, *ptag = NULL;
        reg_split_ref(pk->image, &prepo, &ptag);
        if (!streq(prepo, repo) || !streq(ptag, tag))
            continue;
        /* Where it went (as the push part names it): [registry/]repository. */
        const char *registry = part_value(pk, "registry"), *repository = part_value(pk, "repository");
        cleanup_free char *host = reg_host_of(prepo);
        if (!repository)
            repository = registry && starts_with(prepo, host) && prepo[strlen(host)] == '/'
                             ? prepo + strlen(host) + 1
                             : prepo;
        cleanup_free char *want = registry ? xasprintf("%s/%s@", registry, repository)
                                           : xasprintf("%s@", repository);
        size_t i;
        json_t *d;
        json_array_foreach(json_object_get(img, "RepoDigests"), i, d)
            if (starts_with(json_string_value(d), want)) {
                *push_part = (int)k;
                return xstrdup(json_string_value(d));
            }
    }
    return NULL;
}

static int make_images(engine *e, const struct project *p, const struct project_sel *sel,
                       const struct deploy_opts *o, struct plan *out, struct images *im, berr **err)
{
    /* The parts the services need that are not services: images and volumes,
     * made as `up` makes them. */
    struct project_sel isel = *sel;
    isel.part = xcalloc(p->nparts, sizeof *isel.part);
    bool any = false;
    for (size_t i = 0; i < p->nparts; i++) {
        enum part_kind k = p->parts[i].kind;
        if (!sel->part[i] || k == PART_CONTAINER || k == PART_NETWORK)
            continue;
        if (k == PART_COPY) {
            free(isel.part);
            return berr_set(err, BERR_PROJECT,
                            "%s:%d: part '%s': berth deploy cannot act on a copy part (it copies "
                            "between containers berth makes; a swarm makes the tasks' containers)",
                            p->parts[i].loc.file, p->parts[i].loc.line, p->parts[i].name);
        }
        isel.part[i] = any = true;
    }
    int rc = 0;
    if (any) {
        struct up_opts uo = {.parallel = o->parallel > 0 ? o->parallel : 8, .dry_run = o->dry_run,
                             .force_build = o->force_build, .rep = o->rep, .cancel = o->cancel};
        struct plan ipl = {0};
        rc = converge(e, p, &isel, &uo, &ipl, err);
        for (size_t i = 0; i < ipl.n; i++) {
            out->v = xrealloc(out->v, sizeof *out->v * (out->n + 1));
            out->v[out->n++] = ipl.v[i];
        }
        free(ipl.v);
    }
    free(isel.part);
    if (rc < 0)
        return -1;
    im->facts = xcalloc(p->nparts, sizeof *im->facts);
    im->push = xcalloc(p->nparts, sizeof *im->push);
    for (size_t i = 0; i < p->nparts; i++)
        im->push[i] = -1;
    json_t *seen = json_object(); /* ref -> facts: parts often share an image */
    for (size_t i = 0; i < p->nparts; i++) {
        const struct part *pt = &p->parts[i];
        if (!sel->part[i] || pt->kind != PART_CONTAINER)
            continue;
        const char *ref = pt->container->image;
        json_t *f = json_object_get(seen, ref);
        if (!f) {
            json_t *img = NULL;
            if (api_image_inspect(e, ref, &img, err) < 0) {
                json_decref(seen);
                return berr_wrap(err, "part '%s': image %s", pt->name, ref);
            }
            /* Pushed: by digest, for every node. Else by id: on one node
             * the image is here already, and an id is never pulled. */
            int push = -1;
            cleanup_free char *pushed = img ? pushed_ref(p, sel, ref, img, &push) : NULL;
            f = img ? json_pack("{s:s, s:O*, s:i}", "Id",
                                pushed ? pushed : json_string_value(json_object_get(img, "Id")),
                                "ExposedPorts",
                                json_object_get(json_object_get(img, "Config"), "ExposedPorts"),
                                "push", push)
                    : json_null();
            json_object_set_new(seen, ref, f);
            json_decref(img);
        }
        if (!json_is_null(f)) {
            im->facts[i] = json_incref(f);
            im->push[i] = (int)json_integer_value(json_object_get(f, "push"));
        }
    }
    json_decref(seen);
    return 0;
}

static char *read_base64(const char *path, berr **err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        berr_errno(err, BERR_NOTFOUND, errno, "cannot read '%s'", path);
        return NULL;
    }
    strbuf raw = STRBUF_INIT;
    char buf[8192];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        sb_add(&raw, buf, got);
    fclose(f);
    char *b64 = xmalloc(4 * ((raw.len + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)raw.buf, (int)raw.len);
    /* The secret's bytes leave no copy behind in berth's memory. */
    memset(raw.buf, 0, raw.len);
    sb_release(&raw);
    return b64;
}

/* Secrets and configs: made when missing (their names carry the content's
 * hash: a changed file is a new object); ids collected by name. */
static int ensure_files(engine *e, const struct project *p, const char *kind,
                        const struct swarm_file *files, size_t n, bool dry_run, struct plan *pl,
                        reporter *rep, json_t *ids, berr **err)
{
    if (!n) /* nothing to look up: a no-op deploy stays one call shorter */
        return 0;
    json_t *have = NULL;
    if (swarm_list(e, kind, p->name, &have, err) < 0)
        return -1;
    size_t i;
    json_t *o;
    json_array_foreach(have, i, o)
        json_object_set(ids, json_string_value(json_object_get(json_object_get(o, "Spec"), "Name")),
                        json_object_get(o, "ID"));
    json_decref(have);
    const char *one = streq(kind, "secrets") ? "secret" : "config";
    for (size_t k = 0; k < n; k++) {
        cleanup_free char *subject = xasprintf("%s %s", one, files[k].target);
        if (json_object_get(ids, files[k].name)) {
            action(pl, rep, subject, "none", "up to date", 0);
            continue;
        }
        action(pl, rep, subject, "create", "missing", 0);
        if (dry_run)
            continue;
        cleanup_free char *data = read_base64(files[k].path, err);
        if (!data)
            return -1;
        json_t *body = json_pack("{s:s, s:s, s:{s:s, s:s}}", "Name", files[k].name, "Data", data,
                                 "Labels", LABEL_SWARM_PROJECT, p->name, LABEL_KIND, one);
        json_t *ans = NULL;
        cleanup_free char *path = xasprintf("/%s/create", kind);
        int rc = engine_post(e, path, body, &ans, err);
        memset(data, 0, strlen(data));
        json_decref(body);
        if (rc < 0)
            return berr_wrap(err, "%s", subject);
        json_object_set(ids, files[k].name, json_object_get(ans, "ID"));
        json_decref(ans);
    }
    return 0;
}

static int ensure_networks(engine *e, const struct project *p, json_t *want, bool dry_run,
                           struct plan *pl, reporter *rep, berr **err)
{
    json_t *have = NULL;
    if (swarm_list(e, "networks", p->name, &have, err) < 0)
        return -1;
    size_t i;
    json_t *body;
    int rc = 0;
    json_array_foreach(want, i, body) {
        const char *name = json_string_value(json_object_get(body, "Name"));
        cleanup_free char *subject = xasprintf("network %s", name);
        json_t *ex = find_by_name(have, name, false);
        const char *hash = json_string_value(json_object_get(json_object_get(body, "Labels"), LABEL_HASH));
        if (ex) {
            if (streq(label_of(ex, false, LABEL_HASH), hash)) {
                action(pl, rep, subject, "none", "up to date", 0);
            } else {
                rc = berr_set(err, BERR_FAILURE,
                              "%s changed: a swarm network is never changed in place (its services "
                              "would lose it); remove the project with `berth down --swarm`, then "
                              "deploy", subject);
                break;
            }
            continue;
        }
        /* One of that name without our label is not ours to touch. */
        cleanup_free char *path = api_path("/networks", name, "");
        json_t *other = NULL;
        if (api_get_found(e, path, &other, err) < 0) {
            rc = -1;
            break;
        }
        if (other) {
            const char *driver = json_string_value(json_object_get(other, "Driver"));
            rc = berr_set(err, BERR_FAILURE,
                          "%s: a %s network of that name exists without berth's swarm label "
                          "(berth up made it? `berth down` removes it) ; berth deploy leaves it alone",
                          subject, driver ? driver : "");
            json_decref(other);
            break;
        }
        action(pl, rep, subject, "create", "missing", 0);
        if (!dry_run && engine_post(e, "/networks/create", body, NULL, err) < 0) {
            rc = berr_wrap(err, "%s", subject);
            break;
        }
    }
    json_decref(have);
    return rc;
}

/* The push part's credentials, for the nodes that pull the service's image
 * (X-Registry-Auth: the engine keeps them with the service, out of its spec
 * as the API shows it). NULL when the image was not pushed by a part. */
static char *pull_auth(const struct project *p, int push, const char *image, berr **err)
{
    if (push < 0)
        return NULL;
    const struct part *pk = &p->parts[push];
    struct reg_cred cred;
    if (reg_cred_for(image, NULL, part_value(pk, "username"), part_value(pk, "password"), &cred,
                     err) < 0)
        return NULL;
    if (!cred.username && !cred.identitytoken) { /* none: the nodes pull anonymously */
        reg_cred_clear(&cred);
        return NULL;
    }
    char *auth = reg_auth_header(&cred);
    reg_cred_clear(&cred);
    char *hdr = xasprintf("X-Registry-Auth: %s", auth);
    memset(auth, 0, strlen(auth));
    free(auth);
    return hdr;
}

static int write_service(engine *e, const struct swarm_service *sv, json_t *existing,
                         json_t *secret_ids, json_t *config_ids, const char *auth, char **id,
                         berr **err)
{
    json_t *spec = json_deep_copy(sv->spec);
    int rc = swarm_spec_fill_ids(spec, secret_ids, config_ids, err);
    json_t *ans = NULL;
    const char *headers[] = {auth, NULL};
    if (rc == 0 && !existing) {
        rc = engine_call(e, &(struct engine_req){.method = "POST", .path = "/services/create",
                                                 .json = spec, .headers = auth ? headers : NULL},
                         &ans, NULL, err);
        if (rc == 0)
            *id = xstrdup(json_string_value(json_object_get(ans, "ID")));
    } else if (rc == 0) {
        const char *sid = json_string_value(json_object_get(existing, "ID"));
        json_int_t version = json_integer_value(
            json_object_get(json_object_get(existing, "Version"), "Index"));
        cleanup_free char *base = api_path("/services", sid, "/update");
        cleanup_free char *path = xasprintf("%s?version=%lld", base, (long long)version);
        rc = engine_call(e, &(struct engine_req){.method = "POST", .path = path, .json = spec,
                                                 .headers = auth ? headers : NULL},
                         &ans, NULL, err);
        if (rc == 0)
            *id = xstrdup(sid);
    }
    json_decref(ans);
    json_decref(spec);
    return rc;
}

/* A host-mode port binds the address of the node's docker_gwbridge network
 * (its host_binding_ipv4 option, else every address): a service spec cannot
 * name one. So berth's 127.0.0.1 default holds only where that bridge was
 * made with the option before the node joined; on this node it is checked,
 * and refused when it would publish on every address. */
static int check_loopback_ports(engine *e, const struct swarm_desired *d, berr **err)
{
    const char *first = NULL;
    for (size_t i = 0; i < d->nsvc && !first; i++) {
        size_t k;
        json_t *pp;
        json_array_foreach(json_object_get(json_object_get(d->svc[i].spec, "EndpointSpec"), "Ports"), k, pp)
            if (streq(json_string_value(json_object_get(pp, "PublishMode")), "host"))
                first = d->svc[i].name;
    }
    if (!first)
        return 0;
    json_t *gw = NULL;
    if (api_get_found(e, "/networks/docker_gwbridge", &gw, err) < 0)
        return -1;
    const char *ip = json_string_value(json_object_get(json_object_get(gw, "Options"),
                                                       "com.docker.network.bridge.host_binding_ipv4"));
    bool loopback = ip && starts_with(ip, "127.");
    json_decref(gw);
    if (loopback)
        return 0;
    return berr_set(err, BERR_FAILURE,
                    "service %s publishes a port on 127.0.0.1 (the default), but this node's "
                    "docker_gwbridge network binds %s: make docker_gwbridge with the option "
                    "com.docker.network.bridge.host_binding_ipv4=127.0.0.1 before the node joins "
                    "the swarm (README, \"Running on a cluster\"), or set publish = 0.0.0.0 to "
                    "publish through the routing mesh on every address",
                    first, ip ? ip : "every address (0.0.0.0)");
}

static char *subject_of(const struct project *p, const struct swarm_service *sv)
{
    const struct part *pt = &p->parts[sv->part];
    if (sv->instance < 0)
        return xasprintf("service %s", pt->name);
    return xasprintf("service %s:%s", pt->name, pt->container->instances[sv->instance].name);
}

int swarm_deploy(engine *e, const struct project *p, const struct project_sel *sel,
                 const struct deploy_opts *o, struct plan *out, berr **err)
{
    memset(out, 0, sizeof *out);
    if (swarm_check_manager(e, err) < 0)
        return -1;
    struct images im = {.p = p};
    struct swarm_desired d = {0};
    json_t *services = NULL, *secret_ids = json_object(), *config_ids = json_object();
    json_t *touched = json_array();
    int rc = -1;
    if (make_images(e, p, sel, o, out, &im, err) < 0)
        goto done;
    if (swarm_desired(p, sel, image_of, &im, &d, err) < 0)
        goto done;
    if (check_loopback_ports(e, &d, err) < 0)
        goto done;
    if (ensure_networks(e, p, d.networks, o->dry_run, out, o->rep, err) < 0 ||
        ensure_files(e, p, "secrets", d.secrets, d.nsecrets, o->dry_run, out, o->rep, secret_ids,
                     err) < 0 ||
        ensure_files(e, p, "configs", d.configs, d.nconfigs, o->dry_run, out, o->rep, config_ids,
                     err) < 0)
        goto done;
    if (swarm_list(e, "services", p->name, &services, err) < 0)
        goto done;
    for (size_t i = 0; i < d.nsvc; i++) {
        const struct swarm_service *sv = &d.svc[i];
        cleanup_free char *subject = subject_of(p, sv);
        json_t *ex = find_by_name(services, sv->name, true);
        if (ex && streq(label_of(ex, true, LABEL_HASH), sv->hash)) {
            action(out, o->rep, subject, "none", "up to date", sv->level);
            json_array_append_new(touched, json_pack("{s:O, s:O}", "id", json_object_get(ex, "ID"),
                                                     "since", json_object_get(ex, "UpdatedAt")));
            continue;
        }
        cleanup_free char *changed = ex ? desired_changed_fields(label_of(ex, true, LABEL_FIELDS),
                                                                 sv->fields)
                                        : NULL;
        cleanup_free char *why = !ex ? xstrdup("missing")
                                 : changed ? xasprintf("changed: %s", changed)
                                           : xstrdup("changed");
        if (o->cancel && *o->cancel) {
            rc = berr_set(err, BERR_INTERRUPTED, "interrupted");
            goto done;
        }
        action(out, o->rep, subject, ex ? "update" : "create", why, sv->level);
        if (o->dry_run)
            continue;
        cleanup_free char *id = NULL;
        json_t *cs = json_object_get(json_object_get(sv->spec, "TaskTemplate"), "ContainerSpec");
        berr *e2 = NULL;
        char *auth = pull_auth(p, im.push[sv->part],
                               json_string_value(json_object_get(cs, "Image")), &e2);
        if (e2) {
            berr_move(err, &e2);
            berr_wrap(err, "%s", subject);
            goto done;
        }
        int wrc = write_service(e, sv, ex, secret_ids, config_ids, auth, &id, err);
        if (auth) {
            memset(auth, 0, strlen(auth));
            free(auth);
        }
        if (wrc < 0) {
            berr_wrap(err, "%s", subject);
            goto done;
        }
        /* What the swarm did before this write is not its outcome. */
        json_t *before = ex ? json_object_get(ex, "UpdatedAt") : NULL;
        json_array_append_new(touched, json_pack("{s:s, s:s}", "id", id, "since",
                                                 json_is_string(before) ? json_string_value(before) : ""));
    }
    /* Services of the project it no longer has. */
    size_t i;
    json_t *s;
    json_array_foreach(services, i, s) {
        const char *name = json_string_value(json_object_get(json_object_get(s, "Spec"), "Name"));
        bool wanted = false;
        for (size_t k = 0; k < d.nsvc && !wanted; k++)
            wanted = streq(d.svc[k].name, name);
        const char *part = label_of(s, true, LABEL_PART), *inst = label_of(s, true, LABEL_INSTANCE);
        int pi = part ? project_find(p, part) : -1;
        const struct container *c = pi >= 0 ? p->parts[pi].container : NULL;
        int ii = c && inst ? container_instance(c, inst) : -1;
        /* A service of a part, or of an instance, this run did not select is
         * outside it: not an orphan. */
        bool outside = pi >= 0 && (!sel->part[pi] ||
                                   (ii >= 0 && sel->instance && sel->instance[pi] &&
                                    !sel->instance[pi][ii] && !sel->needed[pi]));
        if (wanted || outside)
            continue;
        cleanup_free char *subject = xasprintf("service %s", name);
        if (!o->remove_orphans) {
            noted_action(out, o->rep, subject, "skip",
                         "orphan: the project no longer has it (--remove-orphans removes it)", 0,
                         NOTE_ORPHAN);
            continue;
        }
        action(out, o->rep, subject, "remove", "orphan", 0);
        cleanup_free char *path = api_path("/services", json_string_value(json_object_get(s, "ID")), "");
        if (!o->dry_run &&
            engine_call(e, &(struct engine_req){.method = "DELETE", .path = path}, NULL, NULL, err) < 0)
            goto done;
    }
    rc = 0;
    if (o->wait && !o->dry_run) {
        /* The limit: --wait-timeout, else the longest ready-timeout a part
         * sets, else 2 minutes. */
        long limit = o->wait_timeout_ms, longest = 0;
        for (size_t k = 0; k < p->nparts && limit <= 0; k++) {
            const struct setting *rt = part_setting(&p->parts[k], "ready-timeout");
            if (sel->part[k] && p->parts[k].kind == PART_CONTAINER && rt && !rt->is_default &&
                p->parts[k].container->ready_timeout_ms > longest)
                longest = (long)p->parts[k].container->ready_timeout_ms;
        }
        if (limit <= 0)
            limit = longest;
        rc = swarm_wait(e, touched, limit > 0 ? limit : 120000, o->rep, o->cancel, err);
    }
done:
    if (im.facts) {
        for (size_t k = 0; k < p->nparts; k++)
            json_decref(im.facts[k]);
        free(im.facts);
    }
    free(im.push);
    swarm_desired_clear(&d);
    json_decref(services);
    json_decref(secret_ids);
    json_decref(config_ids);
    json_decref(touched);
    return rc;
}
