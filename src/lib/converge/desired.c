#include "converge/desired.h"

#include <ctype.h>
#include <stdio.h>

#include "engine/api.h"
#include "base/hash.h"
#include "base/jsonhash.h"
#include "converge/linkaddr.h"
#include "base/strbuf.h"
#include "base/util.h"

void desired_clear(struct desired *d)
{
    free(d->name);
    json_decref(d->create);
    json_decref(d->connect);
    json_decref(d->volumes);
    json_decref(d->extra);
    json_decref(d->hash_env);
    free(d->fields);
    memset(d, 0, sizeof *d);
}

char *project_network_name(const struct project *p)
{
    return xasprintf("%s-default", p->name);
}

json_t *strv_json(const struct strv *sv)
{
    json_t *a = json_array();
    for (size_t i = 0; i < sv->n; i++)
        json_array_append_new(a, json_string(sv->v[i]));
    return a;
}

/* "k=v" items into an object. */
static void kv_into(json_t *obj, const struct strv *sv)
{
    for (size_t i = 0; i < sv->n; i++) {
        const char *eq = strchr(sv->v[i], '=');
        cleanup_free char *k = eq ? xstrndup(sv->v[i], (size_t)(eq - sv->v[i])) : xstrdup(sv->v[i]);
        json_object_set_new(obj, k, json_string(eq ? eq + 1 : ""));
    }
}

static json_t *base_labels(const struct project *p, const struct part *pt, const char *kind)
{
    json_t *l = json_object();
    json_object_set_new(l, LABEL_PROJECT, json_string(p->name));
    if (pt)
        json_object_set_new(l, LABEL_PART, json_string(pt->name));
    json_object_set_new(l, LABEL_KIND, json_string(kind));
    return l;
}

/* The hash of j's compact, key-sorted text (base/jsonhash.h: the text
 * jansson's dump writes, without its dump: seal hashes every container's
 * body, and a no-op up of hundreds of containers does it for them all). */
static void hash_json(json_t *j, char out[65])
{
    json_hash_hex(j, out);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Hash the body (without the hash labels). The per-field hashes are left
 * to desired_fields: only a container that is made or explained needs them,
 * and a no-op up of hundreds of containers would spend most of its time on
 * them. */
static void seal(struct desired *d, json_t *labels, json_t *extra)
{
    json_t *whole = json_object();
    json_t *create = d->create;
    if (d->hash_env) {
        create = json_copy(d->create);
        json_object_set(create, "Env", d->hash_env);
    }
    json_object_set_new(whole, "create", create == d->create ? json_incref(create) : create);
    if (d->connect)
        json_object_set(whole, "connect", d->connect);
    if (d->volumes)
        json_object_set(whole, "volumes", d->volumes);
    if (extra)
        json_object_set(whole, "extra", extra);
    hash_json(whole, d->hash);
    json_decref(whole);
    d->labels = labels;
    d->extra = json_incref(extra);
    json_object_set_new(labels, LABEL_HASH, json_string(d->hash));
}

/* Per-field hashes: top-level fields, and HostConfig's fields as
 * "HostConfig.X", sorted by name for a stable label. */
const char *desired_fields(struct desired *d)
{
    if (d->fields)
        return d->fields;
    strbuf f = STRBUF_INIT;
    const char *key;
    json_t *val;
    char h[65];
    json_t *flat = json_object();
    json_object_foreach(d->create, key, val) {
        if (streq(key, "Labels"))
            continue;
        if (streq(key, "Env") && d->hash_env)
            val = d->hash_env;
        if (streq(key, "HostConfig") && json_is_object(val)) {
            const char *k2;
            json_t *v2;
            json_object_foreach(val, k2, v2) {
                cleanup_free char *name = xasprintf("HostConfig.%s", k2);
                json_object_set(flat, name, v2);
            }
            continue;
        }
        json_object_set(flat, key, val);
    }
    if (d->connect)
        json_object_set(flat, "networks", d->connect);
    if (d->extra) {
        json_object_foreach(d->extra, key, val)
            json_object_set(flat, key, val);
    }
    /* User labels count as one field. */
    json_t *user_labels = json_object();
    json_object_foreach(d->labels, key, val)
        if (!starts_with(key, "berth."))
            json_object_set(user_labels, key, val);
    json_object_set_new(flat, "Labels", user_labels);
    size_t n = json_object_size(flat), i = 0;
    const char **keys = xcalloc(n, sizeof *keys);
    json_object_foreach(flat, key, val)
        keys[i++] = key;
    qsort(keys, n, sizeof *keys, cmp_str);
    for (i = 0; i < n; i++) {
        hash_json(json_object_get(flat, keys[i]), h);
        sb_addf(&f, "%s%s:%.8s", f.len ? "," : "", keys[i], h);
    }
    free(keys);
    json_decref(flat);
    d->fields = sb_detach(&f, NULL);
    json_object_set_new(d->labels, LABEL_FIELDS, json_string(d->fields));
    return d->fields;
}

int desired_project_network(const struct project *p, struct desired *out)
{
    memset(out, 0, sizeof *out);
    out->name = project_network_name(p);
    json_t *labels = base_labels(p, NULL, "network");
    out->create = json_pack("{s:s, s:s, s:b, s:o}", "Name", out->name, "Driver", "bridge",
                            "CheckDuplicate", 1, "Labels", labels);
    seal(out, labels, NULL);
    return 0;
}

static bool flag(const struct part *pt, const char *key)
{
    return streq(part_value(pt, key), "true");
}

static void opt_kv(json_t *obj, const char *field, const struct part *pt, const char *key)
{
    const struct setting *s = part_setting(pt, key);
    if (s && s->items.n) {
        json_t *o = json_object();
        kv_into(o, &s->items);
        json_object_set_new(obj, field, o);
    }
}

int desired_network(const struct project *p, const struct part *pt, struct desired *out)
{
    memset(out, 0, sizeof *out);
    out->name = xstrdup(part_value(pt, "name"));
    json_t *labels = base_labels(p, pt, "network");
    const struct setting *ul = part_setting(pt, "labels");
    if (ul)
        kv_into(labels, &ul->items);
    if (flag(pt, "keep"))
        json_object_set_new(labels, LABEL_KEEP, json_string("true"));
    out->create = json_pack("{s:s, s:s, s:b, s:b, s:b}", "Name", out->name, "Driver",
                            part_value(pt, "driver"), "CheckDuplicate", 1, "Internal",
                            flag(pt, "internal"), "EnableIPv6", flag(pt, "ipv6"));
    /* One IPAM entry per subnet (dual stack: one per family); the gateway
     * and range go with the subnet of their family. */
    const struct setting *sn = part_setting(pt, "subnet");
    const char *gw = part_value(pt, "gateway"), *range = part_value(pt, "ip-range");
    if (sn && sn->items.n) {
        json_t *list = json_array();
        for (size_t i = 0; i < sn->items.n; i++) {
            bool v6 = strchr(sn->items.v[i], ':') != NULL;
            json_t *cfg = json_pack("{s:s}", "Subnet", sn->items.v[i]);
            if (gw && (strchr(gw, ':') != NULL) == v6)
                json_object_set_new(cfg, "Gateway", json_string(gw));
            if (range && (strchr(range, ':') != NULL) == v6)
                json_object_set_new(cfg, "IPRange", json_string(range));
            json_array_append_new(list, cfg);
        }
        json_object_set_new(out->create, "IPAM",
                            json_pack("{s:s, s:o}", "Driver", "default", "Config", list));
    }
    opt_kv(out->create, "Options", pt, "options");
    json_object_set_new(out->create, "Labels", labels);
    seal(out, labels, NULL);
    return 0;
}

int desired_volume(const struct project *p, const struct part *pt, struct desired *out)
{
    memset(out, 0, sizeof *out);
    out->name = xstrdup(part_value(pt, "name"));
    json_t *labels = base_labels(p, pt, "volume");
    const struct setting *ul = part_setting(pt, "labels");
    if (ul)
        kv_into(labels, &ul->items);
    if (flag(pt, "keep"))
        json_object_set_new(labels, LABEL_KEEP, json_string("true"));
    out->create = json_pack("{s:s, s:s}", "Name", out->name, "Driver", part_value(pt, "driver"));
    opt_kv(out->create, "DriverOpts", pt, "options");
    json_object_set_new(out->create, "Labels", labels);
    seal(out, labels, NULL);
    return 0;
}

static char *link_env(const struct link_ip *l, bool hashed)
{
    cleanup_free char *name = link_env_name(l->alias);
    if (hashed && !l->outside && l->target)
        return xasprintf("%s=@%s", name, l->target);
    return xasprintf("%s=%s", name, l->ip ? l->ip : "");
}

static const char *yes(bool b)
{
    return b ? "true" : "false";
}

/* One persistent volume: its create body into vols, its mount into mounts
 * (unless NULL). Built key by key: json_pack's format parsing was most of
 * a plan's time for a container to be made. */
static void add_persistent(json_t *mounts, json_t *vols, const json_t *labels,
                           const struct instance *in, const char *what, const char *target,
                           bool host_user)
{
    char *name = xasprintf("%s-%s", in->container_name, what);
    cleanup_free char *dir = xasprintf("%s/%s", in->data_dir, what);
    /* A local volume bound to the host folder: the engine seeds an empty
     * volume from the image's content on first use, and never again. */
    json_t *opts = json_object(), *v = json_object();
    json_object_set_new(opts, "type", json_string("none"));
    json_object_set_new(opts, "o", json_string("bind"));
    json_object_set_new(opts, "device", json_string(dir));
    json_object_set_new(v, "Name", json_string(name));
    json_object_set_new(v, "Driver", json_string("local"));
    json_object_set_new(v, "DriverOpts", opts);
    json_object_set_new(v, "Labels", json_copy((json_t *)labels));
    json_array_append_new(vols, v);
    if (mounts) {
        json_t *m = json_object();
        json_object_set_new(m, "Type", json_string("volume"));
        json_object_set_new(m, "Source", json_string(name));
        json_object_set_new(m, "Target", json_string(target));
        /* user = host: the folder is the caller's (berth makes it so).
         * Seeding would also give it the image's owner (root): not seeded. */
        if (host_user)
            json_object_set_new(m, "VolumeOptions", json_pack("{s:b}", "NoCopy", 1));
        json_array_append_new(mounts, m);
    }
    free(name);
}

/* The instance's persistent volumes: their create bodies into vols, their
 * mounts into mounts (unless NULL). */
static void persistent_into(const struct project *p, const struct part *pt,
                            const struct instance *in, json_t *mounts, json_t *vols)
{
    if (!in->persistent_data && !in->persistent_opt && !in->persistent_log)
        return;
    bool host_user = pt->container->user_is_host;
    json_t *plabels = base_labels(p, pt, "persistent");
    json_object_set_new(plabels, LABEL_INSTANCE, json_string(in->name));
    if (in->persistent_data)
        add_persistent(mounts, vols, plabels, in, "data", "/data", host_user);
    if (in->persistent_opt)
        add_persistent(mounts, vols, plabels, in, "opt", "/opt", host_user);
    if (in->persistent_log)
        add_persistent(mounts, vols, plabels, in, "log", "/var/log", host_user);
    json_decref(plabels);
}

json_t *desired_volumes(const struct project *p, const struct part *pt, size_t instance)
{
    json_t *vols = json_array();
    persistent_into(p, pt, &pt->container->instances[instance], NULL, vols);
    return vols;
}

/* Ports: declared ones, plus the image's EXPOSE ports, published when
 * publish_ports; declared ones are exposed in any case. */
static void ports_into(json_t *cfg, json_t *host, const struct container *c,
                       const struct instance *in, const struct image_facts *img,
                       const struct strv *udp)
{
    json_t *exposed = json_object(), *bindings = json_object();
    for (size_t i = 0; i < c->nports; i++) {
        const struct port *pp = &c->ports[i];
        cleanup_free char *key = xasprintf("%d/%s", pp->container_port, pp->proto);
        json_object_set_new(exposed, key, json_object());
        /* publish_ports governs declared ports as it does EXPOSEd ones
         * (DockerOps: only published and master instances publish); the
         * others expose them to the project network only. */
        if (!in->publish_ports)
            continue;
        json_t *list = json_object_get(bindings, key);
        if (!list) {
            list = json_array();
            json_object_set_new(bindings, key, list);
        }
        char hp[16] = "";
        if (pp->host_port)
            snprintf(hp, sizeof hp, "%d", pp->host_port);
        json_array_append_new(list, json_pack("{s:s, s:s}", "HostIp",
                                              pp->host_ip ? pp->host_ip : c->publish, "HostPort", hp));
    }
    json_t *img_exposed = img && img->config ? json_object_get(img->config, "ExposedPorts") : NULL;
    if (in->publish_ports && json_is_object(img_exposed)) {
        const char *key;
        json_t *v;
        json_object_foreach(img_exposed, key, v) {
            if (json_object_get(bindings, key))
                continue; /* declared explicitly */
            json_object_set_new(bindings, key,
                                json_pack("[{s:s, s:s}]", "HostIp", c->publish, "HostPort", ""));
        }
    }
    for (size_t i = 0; i < c->expose.n; i++) { /* exposed only: no binding */
        const char *e = c->expose.v[i];
        cleanup_free char *key = strchr(e, '/') ? xstrdup(e) : xasprintf("%s/tcp", e);
        json_object_set_new(exposed, key, json_object());
    }
    /* DockerOps' "#UDP_EXPOSE 53": published as the image's EXPOSE ports are. */
    for (size_t i = 0; in->publish_ports && udp && i < udp->n; i++) {
        cleanup_free char *key = xasprintf("%s/udp", udp->v[i]);
        if (json_object_get(bindings, key))
            continue;
        json_object_set_new(exposed, key, json_object());
        json_object_set_new(bindings, key,
                            json_pack("[{s:s, s:s}]", "HostIp", c->publish, "HostPort", ""));
    }
    if (json_object_size(exposed))
        json_object_set_new(cfg, "ExposedPorts", exposed);
    else
        json_decref(exposed);
    if (json_object_size(bindings))
        json_object_set_new(host, "PortBindings", bindings);
    else
        json_decref(bindings);
}

/* entrypoint-local.sh runs before the command: berth mounts it read-only
 * and starts a fixed wrapper; the command's words pass as arguments ("$@"),
 * never through a shell line. */
#define LOCAL_ENTRYPOINT "/usr/local/bin/berth-entrypoint-local.sh"

static void command_into(json_t *cfg, json_t *binds, const struct container *c,
                         const struct instance *in, const struct image_facts *img)
{
    json_t *ep = c->entrypoint.n ? strv_json(&c->entrypoint) : NULL;
    json_t *cmd = c->command.n ? strv_json(&c->command) : NULL;
    if (in->run_entrypoint_local && c->entrypoint_local) {
        json_t *full = json_array();
        json_t *iep = ep ? ep : (img && img->config ? json_object_get(img->config, "Entrypoint") : NULL);
        json_t *icmd = cmd ? cmd : (img && img->config ? json_object_get(img->config, "Cmd") : NULL);
        if (json_is_array(iep))
            json_array_extend(full, iep);
        if (json_is_array(icmd))
            json_array_extend(full, icmd);
        json_decref(ep);
        json_decref(cmd);
        /* A script without the execute bit (DockerOps ran it with a shell
         * either way) runs with sh rather than failing the instance. */
        ep = json_pack("[s, s, s, s]", "/bin/sh", "-c",
                       "if [ -x " LOCAL_ENTRYPOINT " ]; then " LOCAL_ENTRYPOINT "; else sh "
                       LOCAL_ENTRYPOINT "; fi && exec \"$@\"", "berth-entrypoint");
        cmd = full;
        cleanup_free char *bind = xasprintf("%s:" LOCAL_ENTRYPOINT ":ro", c->entrypoint_local);
        json_array_append_new(binds, json_string(bind));
    }
    if (ep)
        json_object_set_new(cfg, "Entrypoint", ep);
    if (cmd)
        json_object_set_new(cfg, "Cmd", cmd);
}

int desired_container(const struct project *p, const struct part *pt, size_t idx,
                      const struct image_facts *img, const struct link_ip *links, size_t nlinks,
                      struct desired *out, berr **err)
{
    (void)err;
    const struct container *c = pt->container;
    const struct instance *in = &c->instances[idx];
    memset(out, 0, sizeof *out);
    out->name = xstrdup(in->container_name);

    json_t *labels = base_labels(p, pt, "container");
    kv_into(labels, &c->labels);
    json_object_set_new(labels, LABEL_INSTANCE, json_string(in->name));
    json_object_set_new(labels, LABEL_TYPE, json_string(instance_type_name(in->type)));
    cleanup_free char *st = xasprintf("%lld", (c->stop_timeout_ms + 999) / 1000);
    json_object_set_new(labels, LABEL_STOP_TIMEOUT, json_string(st));
    if (c->keep)
        json_object_set_new(labels, LABEL_KEEP, json_string("true"));
    else if (img && img->config &&
             streq(json_string_value(json_object_get(json_object_get(img->config, "Labels"),
                                                     LABEL_KEEP)), "true"))
        /* an image made before images had their own keys says keep for
         * itself: its containers must not inherit it */
        json_object_set_new(labels, LABEL_KEEP, json_string("false"));
    if (in->on_the_fly) /* the next load finds it by this label */
        json_object_set_new(labels, LABEL_ON_THE_FLY, json_string(in->fly_sets));

    json_t *env = json_array();
    cleanup_free char *e1 = xasprintf("CONTAINER=%s", pt->name);
    cleanup_free char *e2 = xasprintf("INSTANCE=%s", in->name);
    cleanup_free char *e3 = xasprintf("INSTANCE_TYPE=%s", instance_type_name(in->type));
    cleanup_free char *e4 = xasprintf("PERSISTENT_DATA=%s", yes(in->persistent_data));
    cleanup_free char *e5 = xasprintf("PERSISTENT_OPT=%s", yes(in->persistent_opt));
    cleanup_free char *e6 = xasprintf("PERSISTENT_LOG=%s", yes(in->persistent_log));
    cleanup_free char *e7 = xasprintf("SAFEMODE=%s", yes(in->type == INSTANCE_SAFEMODE));
    const char *fixed[] = {e1, e2, e3, e4, e5, e6, e7};
    for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
        json_array_append_new(env, json_string(fixed[i]));
    json_t *hash_env = json_copy(env);
    bool by_target = false;
    /* Only a linked instance is on the network its links' addresses are on. */
    for (size_t i = 0; in->linked && i < nlinks; i++) {
        char *s = link_env(&links[i], false), *h = link_env(&links[i], true);
        by_target = by_target || !streq(s, h);
        json_array_append_new(env, json_string(s));
        json_array_append_new(hash_env, json_string(h));
        free(s);
        free(h);
    }
    for (size_t i = 0; i < c->env.n; i++) {
        json_array_append_new(env, json_string(c->env.v[i]));
        json_array_append_new(hash_env, json_string(c->env.v[i]));
    }
    if (by_target)
        out->hash_env = hash_env;
    else
        json_decref(hash_env);

    json_t *cfg = json_pack("{s:s, s:o, s:b, s:b, s:b}", "Image", c->image, "Env", env, "Tty",
                            c->tty, "OpenStdin", c->tty, "AttachStdin", 0);
    if (c->user_is_host) {
        cleanup_free char *u = xasprintf("%u:%u", c->host_uid, c->host_gid);
        json_object_set_new(cfg, "User", json_string(u));
    } else if (c->user) {
        json_object_set_new(cfg, "User", json_string(c->user));
    }
    if (c->hostname) {
        json_object_set_new(cfg, "Hostname", json_string(c->hostname));
    } else if (strlen(pt->name) + strlen(in->name) < 63) {
        /* DockerOps' <container>-<instance>, with '-' for '_' (a host name) */
        char *h = xasprintf("%s-%s", pt->name, in->name);
        for (char *q = h; *q; q++)
            *q = *q == '_' ? '-' : *q;
        json_object_set_new(cfg, "Hostname", json_string(h));
        free(h);
    }
    if (c->workdir)
        json_object_set_new(cfg, "WorkingDir", json_string(c->workdir));
    json_object_set_new(cfg, "StopTimeout", json_integer((c->stop_timeout_ms + 999) / 1000));
    if (c->healthcheck.n) {
        json_t *test = json_array();
        json_array_append_new(test, json_string("CMD"));
        json_t *argv = strv_json(&c->healthcheck);
        json_array_extend(test, argv);
        json_decref(argv);
        long long timeout = c->healthcheck_timeout_ms > 0 ? c->healthcheck_timeout_ms
                                                          : c->healthcheck_interval_ms;
        json_t *hc = json_pack("{s:o, s:I, s:I, s:i}", "Test", test, "Interval",
                               (json_int_t)c->healthcheck_interval_ms * 1000000, "Timeout",
                               (json_int_t)timeout * 1000000, "Retries",
                               c->healthcheck_retries > 0 ? c->healthcheck_retries : 3);
        if (c->healthcheck_start_period_ms > 0)
            json_object_set_new(hc, "StartPeriod",
                                json_integer((json_int_t)c->healthcheck_start_period_ms * 1000000));
        json_object_set_new(cfg, "Healthcheck", hc);
    }

    json_t *host = json_object();
    json_t *extra_hosts = json_array();
    for (size_t i = 0; i < nlinks; i++)
        if (links[i].outside) {
            cleanup_free char *h = xasprintf("%s:%s", links[i].alias, links[i].ip);
            json_array_append_new(extra_hosts, json_string(h));
        }
    for (size_t i = 0; i < c->extra_hosts.n; i++)
        json_array_append_new(extra_hosts, json_string(c->extra_hosts.v[i]));
    if (json_array_size(extra_hosts))
        json_object_set_new(host, "ExtraHosts", extra_hosts);
    else
        json_decref(extra_hosts);
    json_t *binds = json_array(), *mounts = json_array();
    command_into(cfg, binds, c, in, img);
    ports_into(cfg, host, c, in, img,
               c->image_part >= 0 ? &p->parts[c->image_part].udp_expose : NULL);
    out->volumes = json_array();
    persistent_into(p, pt, in, mounts, out->volumes);
    for (size_t i = 0; i < c->nvolumes; i++) {
        const struct mount *m = &c->volumes[i];
        bool bind = m->source && m->source[0] == '/';
        json_t *mj = json_pack("{s:s, s:s, s:b}", "Type", bind ? "bind" : "volume", "Target",
                               m->target, "ReadOnly", m->read_only);
        if (m->source)
            json_object_set_new(mj, "Source", json_string(m->source));
        json_array_append_new(mounts, mj);
    }
    if (json_array_size(binds))
        json_object_set_new(host, "Binds", binds);
    else
        json_decref(binds);
    if (json_array_size(mounts))
        json_object_set_new(host, "Mounts", mounts);
    else
        json_decref(mounts);
    if (c->nvolumes_from) {
        json_t *vf = json_array();
        for (size_t i = 0; i < c->nvolumes_from; i++) {
            const struct cref *r = &c->volumes_from[i];
            const struct container *rc = p->parts[r->part].container;
            const struct instance *ri = &rc->instances[r->instance < 0 ? 0 : r->instance];
            cleanup_free char *s = xasprintf("%s%s", ri->container_name, r->read_only ? ":ro" : "");
            json_array_append_new(vf, json_string(s));
        }
        json_object_set_new(host, "VolumesFrom", vf);
    }
    /* Set only when asked for, so the hash of a container that asks for
     * none of them stays what it was. */
    if (c->cap_add.n)
        json_object_set_new(host, "CapAdd", strv_json(&c->cap_add));
    if (c->cap_drop.n)
        json_object_set_new(host, "CapDrop", strv_json(&c->cap_drop));
    if (c->privileged)
        json_object_set_new(host, "Privileged", json_true());
    if (c->init)
        json_object_set_new(host, "Init", json_true());
    if (c->read_only)
        json_object_set_new(host, "ReadonlyRootfs", json_true());
    if (c->nano_cpus)
        json_object_set_new(host, "NanoCpus", json_integer(c->nano_cpus));
    if (c->memory_bytes)
        json_object_set_new(host, "Memory", json_integer(c->memory_bytes));
    if (c->stdin_open)
        json_object_set_new(cfg, "OpenStdin", json_true());
    if (c->tmpfs.n) {
        json_t *t = json_object();
        for (size_t i = 0; i < c->tmpfs.n; i++) {
            const char *colon = strchr(c->tmpfs.v[i], ':');
            cleanup_free char *path = colon ? xstrndup(c->tmpfs.v[i], (size_t)(colon - c->tmpfs.v[i]))
                                            : xstrdup(c->tmpfs.v[i]);
            json_object_set_new(t, path, json_string(colon ? colon + 1 : ""));
        }
        json_object_set_new(host, "Tmpfs", t);
    }
    const char *restart = c->restart ? c->restart : "no";
    const char *colon = strchr(restart, ':');
    cleanup_free char *rname = colon ? xstrndup(restart, (size_t)(colon - restart)) : xstrdup(restart);
    json_t *rp = json_pack("{s:s}", "Name", rname);
    if (colon)
        json_object_set_new(rp, "MaximumRetryCount", json_integer(atoi(colon + 1)));
    json_object_set_new(host, "RestartPolicy", rp);

    /* Networks: the project network when linked (aliases <part> and
     * <part>-<instance>), then the declared ones. The first is joined at
     * create; the engine (API 1.41) takes the others one by one after. */
    out->connect = json_array();
    json_t *aliases = json_array();
    cleanup_free char *alias2 = xasprintf("%s-%s", pt->name, in->name);
    json_array_append_new(aliases, json_string(pt->name));
    json_array_append_new(aliases, json_string(alias2));
    for (size_t i = 0; i < c->aliases.n; i++)
        json_array_append_new(aliases, json_string(c->aliases.v[i]));
    if (in->linked) {
        cleanup_free char *pn = project_network_name(p);
        json_array_append_new(out->connect, json_pack("{s:s, s:O}", "network", pn, "aliases", aliases));
    }
    for (size_t i = 0; i < c->nnetworks; i++) {
        json_t *cn = json_pack("{s:s, s:O}", "network", c->networks[i].name, "aliases", aliases);
        /* network-addresses: only when set, so other containers keep their hash */
        if (c->networks[i].ipv4 || c->networks[i].ipv6) {
            json_t *ipam = json_object();
            if (c->networks[i].ipv4)
                json_object_set_new(ipam, "IPv4Address", json_string(c->networks[i].ipv4));
            if (c->networks[i].ipv6)
                json_object_set_new(ipam, "IPv6Address", json_string(c->networks[i].ipv6));
            json_object_set_new(cn, "ipam", ipam);
        }
        json_array_append_new(out->connect, cn);
    }
    json_decref(aliases);
    json_t *first = json_array_get(out->connect, 0);
    const char *mode = first ? json_string_value(json_object_get(first, "network")) : "none";
    json_object_set_new(host, "NetworkMode", json_string(mode));
    if (first) {
        json_t *ec = json_object();
        json_t *ep = json_pack("{s:O}", "Aliases", json_object_get(first, "aliases"));
        if (json_object_get(first, "ipam"))
            json_object_set(ep, "IPAMConfig", json_object_get(first, "ipam"));
        json_object_set_new(ec, mode, ep);
        json_object_set_new(cfg, "NetworkingConfig", json_pack("{s:o}", "EndpointsConfig", ec));
    }
    json_object_set_new(cfg, "HostConfig", host);
    json_object_set_new(cfg, "Labels", labels);
    out->create = cfg;

    /* The image's id is part of the desired state: a rebuilt image recreates.
     * So are the layout's content and the script: a container gets them once,
     * when it is made, so changing either makes it anew. */
    json_t *extra = json_pack("{s:s}", "image", img && img->id ? img->id : c->image);
    if (img && img->layout_hash)
        json_object_set_new(extra, "layout", json_string(img->layout_hash));
    if (c->script)
        json_object_set_new(extra, "script",
                            json_pack("[s, s?, s?]", c->script, c->script_shell, c->script_user));
    seal(out, labels, extra);
    json_decref(extra);
    return 0;
}

void desired_interactive(struct desired *d, const struct container *c, const struct instance *in,
                         const char *const *argv, bool tty, const char *term)
{
    json_t *cfg = d->create, *cmd = json_array();
    for (; *argv; argv++)
        json_array_append_new(cmd, json_string(*argv));
    /* The entrypoint-local.sh wrapper (not in safemode) runs first, then
     * execs what it is given: the shell instead of the part's command. */
    if (in->run_entrypoint_local && c->entrypoint_local) {
        json_object_set_new(cfg, "Cmd", cmd);
    } else {
        json_object_set_new(cfg, "Entrypoint", cmd);
        json_object_del(cfg, "Cmd"); /* the image's CMD would be the shell's arguments */
    }
    json_object_set_new(cfg, "Tty", json_boolean(tty));
    json_object_set_new(cfg, "OpenStdin", json_true());
    json_object_set_new(cfg, "StdinOnce", json_true());
    json_object_set_new(cfg, "AttachStdin", json_true());
    json_object_set_new(cfg, "AttachStdout", json_true());
    json_object_set_new(cfg, "AttachStderr", json_true());
    json_object_del(cfg, "Healthcheck");
    if (tty && term) {
        cleanup_free char *t = xasprintf("TERM=%s", term);
        json_array_insert_new(json_object_get(cfg, "Env"), 0, json_string(t));
    }
    json_t *host = json_object_get(cfg, "HostConfig");
    json_object_set_new(host, "RestartPolicy", json_pack("{s:s}", "Name", "no"));
    json_object_set_new(json_object_get(cfg, "Labels"), LABEL_KIND, json_string("interactive"));
}

char *desired_changed_fields(const char *old_fields, const char *new_fields)
{
    if (!old_fields || !new_fields || streq(old_fields, new_fields))
        return NULL;
    strbuf out = STRBUF_INIT;
    /* Fields in either list whose "name:hash" item is not in the other. */
    const char *lists[2] = {new_fields, old_fields};
    for (int side = 0; side < 2; side++) {
        cleanup_free char *copy = xstrdup(lists[side]);
        char *save = NULL;
        for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
            cleanup_free char *needle = xasprintf(",%s,", item);
            cleanup_free char *hay = xasprintf(",%s,", lists[1 - side]);
            if (strstr(hay, needle))
                continue;
            char *colon = strchr(item, ':');
            if (colon)
                *colon = '\0';
            cleanup_free char *word = xasprintf(", %s,", item);
            cleanup_free char *have = xasprintf(", %s,", out.buf);
            if (!strstr(have, word))
                sb_addf(&out, "%s%s", out.len ? ", " : "", item);
        }
    }
    if (!out.len) {
        sb_release(&out);
        return NULL;
    }
    return sb_detach(&out, NULL);
}
