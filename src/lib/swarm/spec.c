#include "swarm/spec.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>

#include "base/diag.h"
#include "base/hash.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "converge/desired.h"
#include "engine/api.h"
#include "project/values.h"

void swarm_desired_clear(struct swarm_desired *d)
{
    for (size_t i = 0; i < d->nsvc; i++) {
        free(d->svc[i].name);
        json_decref(d->svc[i].spec);
        free(d->svc[i].fields);
    }
    free(d->svc);
    json_decref(d->networks);
    struct swarm_file *lists[2] = {d->secrets, d->configs};
    size_t ns[2] = {d->nsecrets, d->nconfigs};
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < ns[k]; i++) {
            free(lists[k][i].name);
            free(lists[k][i].path);
            free(lists[k][i].target);
        }
        free(lists[k]);
    }
    memset(d, 0, sizeof *d);
}

char *swarm_network_name(const struct project *p)
{
    return project_network_name(p);
}

static void hash_json(json_t *j, char out[65])
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    sha256_hex(s, strlen(s), out);
    free(s);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Per-field hashes: what a user would name when asking "what changed":
 * the container's fields (Env, Args, Image...), the task's (RestartPolicy,
 * Networks, Limits.MemoryBytes...), and the service's (Mode, UpdateConfig,
 * EndpointSpec). */
static char *spec_fields(json_t *spec)
{
    json_t *flat = json_object();
    const char *key, *k2;
    json_t *val, *v2;
    json_object_foreach(spec, key, val) {
        if (streq(key, "Labels") || streq(key, "Name"))
            continue;
        if (streq(key, "TaskTemplate")) {
            json_object_foreach(val, k2, v2) {
                const char *k3;
                json_t *v3;
                if (streq(k2, "ContainerSpec")) {
                    json_object_foreach(v2, k3, v3)
                        json_object_set(flat, k3, v3);
                } else if (streq(k2, "Resources")) {
                    /* each limit on its own: "changed: Limits.MemoryBytes" */
                    json_object_foreach(json_object_get(v2, "Limits"), k3, v3) {
                        cleanup_free char *nm = xasprintf("Limits.%s", k3);
                        json_object_set(flat, nm, v3);
                    }
                } else {
                    json_object_set(flat, k2, v2);
                }
            }
            continue;
        }
        json_object_set(flat, key, val);
    }
    json_t *user = json_object();
    json_object_foreach(json_object_get(spec, "Labels"), key, val)
        if (!starts_with(key, "berth."))
            json_object_set(user, key, val);
    json_object_set_new(flat, "ServiceLabels", user);
    size_t n = json_object_size(flat), i = 0;
    const char **keys = xcalloc(n, sizeof *keys);
    json_object_foreach(flat, key, val)
        keys[i++] = key;
    qsort(keys, n, sizeof *keys, cmp_str);
    strbuf f = STRBUF_INIT;
    char h[65];
    for (i = 0; i < n; i++) {
        hash_json(json_object_get(flat, keys[i]), h);
        sb_addf(&f, "%s%s:%.8s", f.len ? "," : "", keys[i], h);
    }
    free(keys);
    json_decref(flat);
    return sb_detach(&f, NULL);
}

/* A secret or config: its name carries the file's content hash, so a
 * changed file makes a new object and an update of the services using it. */
static int add_file(const struct project *p, struct diags *dg, const struct part *pt,
                    const struct setting *s, const char *path, struct swarm_file **list, size_t *n,
                    bool secret, const char **name_out)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_add(dg, s->loc.file, s->loc.line, pt->name, s->key, "cannot read '%s': %s", path,
                 strerror(errno));
        return -1;
    }
    hasher *h = hasher_new();
    char buf[8192];
    size_t got, total = 0;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        hasher_add(h, buf, got);
        total += got;
    }
    fclose(f);
    char hex[65];
    hasher_finish(h, hex);
    if (total > 500 * 1024) {
        diag_add(dg, s->loc.file, s->loc.line, pt->name, s->key,
                 "'%s' is %zu bytes; the engine takes at most 500 KiB", path, total);
        return -1;
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    /* Object names: [a-zA-Z0-9_.-], at most 64 characters. */
    strbuf nm = STRBUF_INIT;
    sb_addf(&nm, "%s-", p->name);
    for (const char *c = base; *c && nm.len < 40; c++)
        sb_addc(&nm, (isalnum((unsigned char)*c) || *c == '-' || *c == '_' || *c == '.') ? *c : '_');
    sb_addf(&nm, "-%.12s", hex);
    for (size_t i = 0; i < *n; i++)
        if (streq((*list)[i].name, nm.buf)) {
            *name_out = (*list)[i].name;
            sb_release(&nm);
            return 0;
        }
    *list = xrealloc(*list, (*n + 1) * sizeof **list);
    struct swarm_file *sf = &(*list)[(*n)++];
    sf->name = sb_detach(&nm, NULL);
    sf->path = xstrdup(path);
    sf->target = secret ? xstrdup(base) : xasprintf("/%s", base);
    *name_out = sf->name;
    return 0;
}

/* Settings a service cannot honour: refused where they are written. */
static void refuse_unsupported(struct diags *dg, const struct project *p, const struct part *pt)
{
    static const struct {
        const char *key, *why;
    } no[] = {
        {"volumes-from", "a swarm task cannot mount another container's volumes; use a volume part"},
        {"layout", "is copied into a container berth makes; the swarm makes the tasks' containers"},
        {"script", "runs with exec after berth starts the container; a swarm task has no such step"},
        {"ready", "is run by berth with exec; under swarm use healthcheck (a task runs when healthy)"},
        {"hosts-file", "is written for containers berth makes; not for swarm tasks"},
        {"engine", "berth deploy sends every service to the swarm manager it talks to"},
        {"platform", "a service runs the image berth found or the nodes pull; it chooses no "
                     "platform"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(no); i++) {
        const struct setting *s = part_setting(pt, no[i].key);
        if (s && !s->is_default && (s->value || s->items.n))
            diag_add(dg, s->loc.file, s->loc.line, pt->name, s->key, "berth deploy cannot act on it: %s",
                     no[i].why);
    }
    const struct setting *ef = part_setting(pt, "env-files");
    if (ef && ef->items.n)
        diag_add(dg, ef->loc.file, ef->loc.line, pt->name, "env-files",
                 "berth deploy does not read env files; write the variables in env");
    /* Links are DNS names on the project network, which every service of
     * it shares: a link cannot give one service its own name for another,
     * nor single out one instance under the part's name. */
    const struct setting *ls = part_setting(pt, "links");
    for (size_t i = 0; ls && i < pt->container->nlinks; i++) {
        const struct cref *r = &pt->container->links[i];
        const char *target = p->parts[r->part].name;
        if (r->instance >= 0)
            diag_add(dg, ls->loc.file, ls->loc.line, pt->name, "links",
                     "under swarm '%s' names every instance of %s; link to the part, and reach "
                     "one instance by its DNS name %s-<instance>", target, target, target);
        else if (r->alias && !streq(r->alias, target))
            diag_add(dg, ls->loc.file, ls->loc.line, pt->name, "links",
                     "under swarm a link is the linked part's DNS name ('%s'), not '%s': give %s "
                     "network-aliases = %s instead", target, r->alias, target, r->alias);
    }
    static const struct {
        const char *key, *why;
    } yes[] = {
        {"privileged", "a swarm service cannot run privileged; add the capabilities it needs "
                       "with cap-add"},
        {"oneshot", "a service's tasks are kept running; run a job with `berth task` or `up`"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        const struct setting *s = part_setting(pt, yes[i].key);
        if (s && !s->is_default && streq(s->value, "true"))
            diag_add(dg, s->loc.file, s->loc.line, pt->name, s->key, "berth deploy cannot act on it: %s",
                     yes[i].why);
    }
    /* missing is what deploy does: the image here is used, else the nodes
     * pull it; always and never would need a pull policy swarm does not have. */
    const struct setting *pp = part_setting(pt, "pull-policy");
    if (pp && !pp->is_default && !streq(pp->value, "missing"))
        diag_add(dg, pp->loc.file, pp->loc.line, pt->name, "pull-policy",
                 "berth deploy cannot act on '%s': it runs the image found on the manager, or "
                 "the nodes pull it when missing", pp->value);
    const struct setting *na = part_setting(pt, "network-addresses");
    if (na && na->items.n)
        diag_add(dg, na->loc.file, na->loc.line, pt->name, "network-addresses",
                 "berth deploy cannot act on it: the swarm gives each task its address");
    const struct setting *st = part_setting(pt, "start");
    if (st && !st->is_default && streq(st->value, "false"))
        diag_add(dg, st->loc.file, st->loc.line, pt->name, "start",
                 "berth deploy cannot act on it: a service's tasks always run (use replicas = 0)");
    if (pt->container->entrypoint_local)
        diag_add(dg, pt->loc.file, pt->loc.line, pt->name, NULL,
                 "berth deploy cannot run '%s' (entrypoint-local.sh): it is mounted from this host",
                 pt->container->entrypoint_local);
}

static long long setting_ms(const struct part *pt, const char *key, long long dflt)
{
    const char *v = part_value(pt, key);
    long long ms = dflt;
    if (v && parse_duration(v, &ms))
        ms = dflt;
    return ms;
}

static long long setting_int(const struct part *pt, const char *key, long long dflt)
{
    const char *v = part_value(pt, key);
    long long n = dflt;
    if (v && parse_int(v, 0, 1000000, &n))
        n = dflt;
    return n;
}

static json_t *update_config(const struct part *pt)
{
    const char *order = part_value(pt, "update-order");
    const char *fail = part_value(pt, "failure-action");
    return json_pack("{s:I, s:I, s:s, s:s, s:I, s:f}", "Parallelism",
                     (json_int_t)setting_int(pt, "update-parallelism", 1), "Delay",
                     (json_int_t)setting_ms(pt, "update-delay", 0) * 1000000, "Order",
                     order ? order : "stop-first", "FailureAction", fail ? fail : "pause", "Monitor",
                     (json_int_t)5000 * 1000000, "MaxFailureRatio", 0.0);
}

/* Ports: host mode, so that each task publishes on its own node through the
 * node's default bind address (berth engine start: 127.0.0.1); publish =
 * 0.0.0.0 asks for the routing mesh (ingress: every node, every address). */
static json_t *endpoint_spec(struct diags *dg, const struct part *pt, const struct instance *in,
                             json_t *exposed)
{
    const struct container *c = pt->container;
    const struct setting *pub = part_setting(pt, "publish");
    bool mesh = streq(c->publish, "0.0.0.0");
    if (!mesh && !streq(c->publish, "127.0.0.1"))
        diag_add(dg, pub->loc.file, pub->loc.line, pt->name, "publish",
                 "a swarm service cannot publish on %s: 127.0.0.1 (host mode, the node's bind "
                 "address) or 0.0.0.0 (routing mesh)", c->publish);
    json_t *ports = json_array();
    for (size_t i = 0; i < c->nports; i++) {
        const struct port *pp = &c->ports[i];
        if (pp->host_ip && !streq(pp->host_ip, c->publish)) {
            const struct setting *s = part_setting(pt, "ports");
            diag_add(dg, s->loc.file, s->loc.line, pt->name, "ports",
                     "a swarm service cannot publish one port on its own address (%s)", pp->host_ip);
        }
        json_t *pj = json_pack("{s:s, s:i, s:s}", "Protocol", pp->proto, "TargetPort",
                               pp->container_port, "PublishMode", mesh ? "ingress" : "host");
        if (pp->host_port)
            json_object_set_new(pj, "PublishedPort", json_integer(pp->host_port));
        json_array_append_new(ports, pj);
    }
    if (in->publish_ports && json_is_object(exposed)) {
        const char *key;
        json_t *v;
        json_object_foreach(exposed, key, v) {
            int port = atoi(key);
            const char *slash = strchr(key, '/');
            const char *proto = slash ? slash + 1 : "tcp";
            bool declared = false;
            for (size_t i = 0; i < c->nports; i++)
                declared |= c->ports[i].container_port == port && streq(c->ports[i].proto, proto);
            if (!declared && port > 0)
                json_array_append_new(ports, json_pack("{s:s, s:i, s:s}", "Protocol", proto,
                                                       "TargetPort", port, "PublishMode",
                                                       mesh ? "ingress" : "host"));
        }
    }
    /* Links resolve to the tasks' own addresses (dnsrr): a virtual IP needs
     * the kernel's IPVS in every task, which engines without iptables (as
     * berth's private ones) do not set up; the routing mesh needs the VIP. */
    return json_pack("{s:s, s:o}", "Mode", mesh ? "vip" : "dnsrr", "Ports", ports);
}

/* Persistent folders become named volumes (seeded from the image on first
 * use, kept by down unless --volumes); a replicated service's tasks each
 * get their own, by slot. */
static void add_persistent(json_t *mounts, const char *base, const char *what, const char *target,
                           json_t *vlabels)
{
    cleanup_free char *src = xasprintf("%s-%s", base, what);
    json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:{s:O}}", "Type", "volume", "Source",
                                            src, "Target", target, "VolumeOptions", "Labels",
                                            vlabels));
}

/* Capabilities as the engine names them for services (CAP_NET_ADMIN); the
 * project accepts them with or without the prefix. */
static json_t *capabilities(const struct strv *caps)
{
    json_t *a = json_array();
    for (size_t i = 0; i < caps->n; i++) {
        const char *v = caps->v[i];
        bool bare = !streq(v, "ALL") && !starts_with(v, "CAP_");
        cleanup_free char *name = xasprintf("%s%s", bare ? "CAP_" : "", v);
        json_array_append_new(a, json_string(name));
    }
    return a;
}

/* tmpfs = /path[:size=N]: a tmpfs mount of the task. The size is the only
 * option a swarm applies: its tmpfs mounts are always rw, noexec, nosuid,
 * nodev (those are accepted, being what happens), and it ignores a mode
 * (moby/swarmkit#3226: 0750 asked, 0755 got, on this machine's 20.10);
 * anything else is refused, not dropped. */
static void add_tmpfs(struct diags *dg, const struct part *pt, const char *item, json_t *mounts)
{
    static const char *const implied[] = {"rw", "noexec", "nosuid", "nodev"};
    const struct setting *s = part_setting(pt, "tmpfs");
    const char *colon = strchr(item, ':');
    cleanup_free char *path = colon ? xstrndup(item, (size_t)(colon - item)) : xstrdup(item);
    json_t *m = json_pack("{s:s, s:s}", "Type", "tmpfs", "Target", path);
    cleanup_free char *list = xstrdup(colon ? colon + 1 : "");
    char *save = NULL;
    for (char *o = strtok_r(list, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
        long long n;
        bool known = false;
        for (size_t i = 0; i < ARRAY_SIZE(implied); i++)
            known |= streq(o, implied[i]);
        if (known)
            continue;
        if (starts_with(o, "size=") && !parse_size(o + 5, &n))
            json_object_set_new(m, "TmpfsOptions", json_pack("{s:I}", "SizeBytes", (json_int_t)n));
        else
            diag_add(dg, s->loc.file, s->loc.line, pt->name, "tmpfs",
                     "berth deploy cannot act on '%s' (a swarm's tmpfs takes size=SIZE only; it is "
                     "always rw, noexec, nosuid, nodev, and it ignores a mode)", o);
    }
    json_array_append_new(mounts, m);
}

/* restart unset: swarm's own default (any), since a service is meant to
 * keep running (and come back after its node restarts); written "no": none. */
static json_t *restart_policy(const struct part *pt)
{
    const struct container *c = pt->container;
    const struct setting *s = part_setting(pt, "restart");
    if (!s || s->is_default)
        return json_pack("{s:s}", "Condition", "any");
    const char *r = c->restart ? c->restart : "no";
    if (streq(r, "no"))
        return json_pack("{s:s}", "Condition", "none");
    if (streq(r, "always") || streq(r, "unless-stopped"))
        return json_pack("{s:s}", "Condition", "any");
    json_t *rp = json_pack("{s:s}", "Condition", "on-failure");
    const char *colon = strchr(r, ':');
    if (colon)
        json_object_set_new(rp, "MaxAttempts", json_integer(atoi(colon + 1)));
    return rp;
}

struct ctx {
    const struct project *p;
    struct diags *dg;
    struct swarm_desired *out;
};

static int one_service(struct ctx *x, int pi, int ii, long long replicas, const char *image,
                       json_t *exposed)
{
    const struct project *p = x->p;
    const struct part *pt = &p->parts[pi];
    const struct container *c = pt->container;
    const struct instance *in = &c->instances[ii < 0 ? 0 : ii];
    cleanup_free char *name = ii < 0 ? xasprintf("%s-%s", p->name, pt->name)
                                     : xstrdup(in->container_name);

    json_t *labels = json_pack("{s:s, s:s, s:s}", LABEL_SWARM_PROJECT, p->name, LABEL_PART,
                               pt->name, LABEL_KIND, "service");
    if (ii >= 0)
        json_object_set_new(labels, LABEL_INSTANCE, json_string(in->name));
    if (c->keep)
        json_object_set_new(labels, LABEL_KEEP, json_string("true"));
    json_t *clabels = json_object();
    for (size_t i = 0; i < c->labels.n; i++) {
        const char *eq = strchr(c->labels.v[i], '=');
        cleanup_free char *k = eq ? xstrndup(c->labels.v[i], (size_t)(eq - c->labels.v[i]))
                                  : xstrdup(c->labels.v[i]);
        json_object_set_new(clabels, k, json_string(eq ? eq + 1 : ""));
    }
    json_object_set_new(clabels, LABEL_SWARM_PROJECT, json_string(p->name));

    json_t *env = json_array();
    char *fixed[] = {
        xasprintf("CONTAINER=%s", pt->name),
        ii < 0 ? xstrdup("INSTANCE={{.Task.Slot}}") : xasprintf("INSTANCE=%s", in->name),
        xasprintf("INSTANCE_TYPE=%s", instance_type_name(in->type)),
        xasprintf("PERSISTENT_DATA=%s", in->persistent_data ? "yes" : "no"),
        xasprintf("PERSISTENT_OPT=%s", in->persistent_opt ? "yes" : "no"),
        xasprintf("PERSISTENT_LOG=%s", in->persistent_log ? "yes" : "no"),
        xasprintf("SAFEMODE=no"),
    };
    for (size_t i = 0; i < ARRAY_SIZE(fixed); i++) {
        json_array_append_new(env, json_string(fixed[i]));
        free(fixed[i]);
    }
    for (size_t i = 0; i < c->env.n; i++)
        json_array_append_new(env, json_string(c->env.v[i]));

    json_t *cs = json_pack("{s:s, s:o, s:o, s:I}", "Image", image ? image : c->image, "Env", env,
                           "Labels", clabels, "StopGracePeriod",
                           (json_int_t)c->stop_timeout_ms * 1000000);
    if (c->entrypoint.n)
        json_object_set_new(cs, "Command", strv_json(&c->entrypoint));
    if (c->command.n)
        json_object_set_new(cs, "Args", strv_json(&c->command));
    if (c->user_is_host) {
        cleanup_free char *u = xasprintf("%u:%u", c->host_uid, c->host_gid);
        json_object_set_new(cs, "User", json_string(u));
    } else if (c->user) {
        json_object_set_new(cs, "User", json_string(c->user));
    }
    if (c->hostname)
        json_object_set_new(cs, "Hostname", json_string(c->hostname));
    if (c->workdir)
        json_object_set_new(cs, "Dir", json_string(c->workdir));
    if (c->tty)
        json_object_set_new(cs, "TTY", json_true());
    if (c->healthcheck.n) {
        json_t *test = json_pack("[s]", "CMD");
        json_t *argv = strv_json(&c->healthcheck);
        json_array_extend(test, argv);
        json_decref(argv);
        /* As up sends it (converge/desired.c): the same defaults, so a
         * service's hash does not move when a key is written as its default. */
        long long timeout = c->healthcheck_timeout_ms > 0 ? c->healthcheck_timeout_ms
                                                          : c->healthcheck_interval_ms;
        json_t *hc = json_pack("{s:o, s:I, s:I, s:i}", "Test", test, "Interval",
                               (json_int_t)c->healthcheck_interval_ms * 1000000, "Timeout",
                               (json_int_t)timeout * 1000000, "Retries",
                               c->healthcheck_retries > 0 ? c->healthcheck_retries : 3);
        if (c->healthcheck_start_period_ms > 0)
            json_object_set_new(hc, "StartPeriod",
                                json_integer((json_int_t)c->healthcheck_start_period_ms * 1000000));
        json_object_set_new(cs, "Healthcheck", hc);
    }

    /* Set only when asked for, so the hash of a service that asks for none
     * of them stays what it was. */
    if (c->init)
        json_object_set_new(cs, "Init", json_true());
    if (c->read_only)
        json_object_set_new(cs, "ReadOnly", json_true());
    if (c->stdin_open)
        json_object_set_new(cs, "OpenStdin", json_true());
    if (c->cap_add.n)
        json_object_set_new(cs, "CapabilityAdd", capabilities(&c->cap_add));
    if (c->cap_drop.n)
        json_object_set_new(cs, "CapabilityDrop", capabilities(&c->cap_drop));
    if (c->extra_hosts.n) {
        json_t *hosts = json_array();
        for (size_t i = 0; i < c->extra_hosts.n; i++) {
            /* NAME:ADDRESS (the address may hold colons) as hosts(5) has it */
            const char *h = c->extra_hosts.v[i], *colon = strchr(h, ':');
            cleanup_free char *line = xasprintf("%s %.*s", colon + 1, (int)(colon - h), h);
            json_array_append_new(hosts, json_string(line));
        }
        json_object_set_new(cs, "Hosts", hosts);
    }

    json_t *mounts = json_array();
    json_t *vlabels = json_pack("{s:s, s:s, s:s}", LABEL_SWARM_PROJECT, p->name, LABEL_PART,
                                pt->name, LABEL_KIND, "persistent");
    cleanup_free char *vbase = ii < 0 ? xasprintf("%s-{{.Task.Slot}}", name) : xstrdup(name);
    if (in->persistent_data)
        add_persistent(mounts, vbase, "data", "/data", vlabels);
    if (in->persistent_opt)
        add_persistent(mounts, vbase, "opt", "/opt", vlabels);
    if (in->persistent_log)
        add_persistent(mounts, vbase, "log", "/var/log", vlabels);
    for (size_t i = 0; i < c->nvolumes; i++) {
        const struct mount *m = &c->volumes[i];
        bool bind = m->source && m->source[0] == '/';
        json_t *mj = json_pack("{s:s, s:s, s:b}", "Type", bind ? "bind" : "volume", "Target",
                               m->target, "ReadOnly", m->read_only);
        if (m->source)
            json_object_set_new(mj, "Source", json_string(m->source));
        if (!bind)
            json_object_set_new(mj, "VolumeOptions", json_pack("{s:O}", "Labels", vlabels));
        json_array_append_new(mounts, mj);
    }
    json_decref(vlabels);
    for (size_t i = 0; i < c->tmpfs.n; i++)
        add_tmpfs(x->dg, pt, c->tmpfs.v[i], mounts);
    if (json_array_size(mounts))
        json_object_set_new(cs, "Mounts", mounts);
    else
        json_decref(mounts);

    /* Secrets under /run/secrets/<file name>, configs at /<file name>; the
     * ids are filled in when sending (swarm_spec_fill_ids): the hash covers
     * the content-addressed names. */
    const char *kinds[2] = {"secrets", "configs"};
    for (int k = 0; k < 2; k++) {
        const struct setting *s = part_setting(pt, kinds[k]);
        if (!s || !s->items.n)
            continue;
        json_t *refs = json_array();
        for (size_t i = 0; i < s->items.n; i++) {
            const char *oname = NULL;
            struct swarm_file **list = k ? &x->out->configs : &x->out->secrets;
            size_t *n = k ? &x->out->nconfigs : &x->out->nsecrets;
            if (add_file(p, x->dg, pt, s, s->items.v[i], list, n, k == 0, &oname) < 0)
                continue;
            const struct swarm_file *sf = NULL;
            for (size_t j = 0; j < *n; j++)
                if (streq((*list)[j].name, oname))
                    sf = &(*list)[j];
            json_array_append_new(refs, json_pack("{s:{s:s, s:s, s:s, s:i}, s:s}", "File", "Name",
                                                  sf->target, "UID", "0", "GID", "0", "Mode",
                                                  0444, k ? "ConfigName" : "SecretName",
                                                  oname));
        }
        json_object_set_new(cs, k ? "Configs" : "Secrets", refs);
    }

    /* Networks: the project network (aliases <part>, <part>-<instance> and
     * network-aliases: links are service DNS names), then declared ones. */
    json_t *nets = json_array(), *aliases = json_array();
    json_array_append_new(aliases, json_string(pt->name));
    if (ii >= 0) {
        cleanup_free char *a2 = xasprintf("%s-%s", pt->name, in->name);
        json_array_append_new(aliases, json_string(a2));
    }
    for (size_t i = 0; i < c->aliases.n; i++)
        json_array_append_new(aliases, json_string(c->aliases.v[i]));
    if (in->linked) {
        cleanup_free char *pn = swarm_network_name(p);
        json_array_append_new(nets, json_pack("{s:s, s:O}", "Target", pn, "Aliases", aliases));
    }
    for (size_t i = 0; i < c->nnetworks; i++) {
        if (c->networks[i].part < 0) {
            const struct setting *s = part_setting(pt, "networks");
            diag_add(x->dg, s->loc.file, s->loc.line, pt->name, "networks",
                     "a swarm service cannot join the engine's '%s' network; name a network part",
                     c->networks[i].name);
            continue;
        }
        json_array_append_new(nets, json_pack("{s:s, s:O}", "Target", c->networks[i].name,
                                              "Aliases", aliases));
    }
    json_decref(aliases);

    json_t *tt = json_pack("{s:o, s:o, s:o}", "ContainerSpec", cs, "RestartPolicy",
                           restart_policy(pt), "Networks", nets);
    /* Limits only when asked for, so the hash of a service that asks for
     * none stays what it was. */
    if (c->nano_cpus || c->memory_bytes) {
        json_t *lim = json_object();
        if (c->nano_cpus)
            json_object_set_new(lim, "NanoCPUs", json_integer(c->nano_cpus));
        if (c->memory_bytes)
            json_object_set_new(lim, "MemoryBytes", json_integer(c->memory_bytes));
        json_object_set_new(tt, "Resources", json_pack("{s:o}", "Limits", lim));
    }
    json_t *spec = json_pack("{s:s, s:o, s:o, s:{s:{s:I}}, s:o, s:o}", "Name", name, "Labels",
                             labels, "TaskTemplate", tt, "Mode", "Replicated", "Replicas",
                             (json_int_t)replicas, "UpdateConfig", update_config(pt),
                             "RollbackConfig", update_config(pt));
    json_object_set_new(spec, "EndpointSpec", endpoint_spec(x->dg, pt, in, exposed));

    struct swarm_desired *o = x->out;
    o->svc = xrealloc(o->svc, (o->nsvc + 1) * sizeof *o->svc);
    struct swarm_service *sv = &o->svc[o->nsvc++];
    memset(sv, 0, sizeof *sv);
    sv->name = xstrdup(name);
    sv->part = pi;
    sv->instance = ii;
    sv->level = pt->level;
    hash_json(spec, sv->hash);
    sv->fields = spec_fields(spec);
    json_object_set_new(labels, LABEL_HASH, json_string(sv->hash));
    json_object_set_new(labels, LABEL_FIELDS, json_string(sv->fields));
    sv->spec = spec;
    return 0;
}

static json_t *network_body(const struct project *p, const struct part *pt, const char *name)
{
    json_t *labels = json_pack("{s:s, s:s}", LABEL_SWARM_PROJECT, p->name, LABEL_KIND, "network");
    json_t *body = json_pack("{s:s, s:s, s:b, s:b, s:o}", "Name", name, "Driver", "overlay",
                             "Attachable", 1, "CheckDuplicate", 1, "Labels", labels);
    if (pt) {
        json_object_set_new(labels, LABEL_PART, json_string(pt->name));
        json_object_set_new(body, "Internal", json_boolean(streq(part_value(pt, "internal"), "true")));
        const char *subnet = part_value(pt, "subnet"), *gw = part_value(pt, "gateway"),
                   *range = part_value(pt, "ip-range");
        if (subnet || gw || range) {
            json_t *cfg = json_object();
            if (subnet)
                json_object_set_new(cfg, "Subnet", json_string(subnet));
            if (gw)
                json_object_set_new(cfg, "Gateway", json_string(gw));
            if (range)
                json_object_set_new(cfg, "IPRange", json_string(range));
            json_object_set_new(body, "IPAM", json_pack("{s:s, s:[o]}", "Driver", "default",
                                                        "Config", cfg));
        }
    }
    char h[65];
    hash_json(body, h);
    json_object_set_new(labels, LABEL_HASH, json_string(h));
    return body;
}

static void refuse_network_part(struct diags *dg, const struct part *pt)
{
    const struct setting *d = part_setting(pt, "driver");
    if (d && !d->is_default && !streq(d->value, "overlay"))
        diag_add(dg, d->loc.file, d->loc.line, pt->name, "driver",
                 "berth deploy makes overlay networks (a swarm spans nodes); '%s' cannot be one",
                 d->value);
    const struct setting *s = part_setting(pt, "ipv6");
    if (s && streq(s->value, "true"))
        diag_add(dg, s->loc.file, s->loc.line, pt->name, "ipv6",
                 "berth deploy cannot act on it: overlay networks here are IPv4");
    s = part_setting(pt, "options");
    if (s && s->items.n)
        diag_add(dg, s->loc.file, s->loc.line, pt->name, "options",
                 "berth deploy cannot act on it: driver options are the bridge driver's");
}

int swarm_desired(const struct project *p, const struct project_sel *sel, swarm_image_fn *image,
                  void *image_ud, struct swarm_desired *out, berr **err)
{
    memset(out, 0, sizeof *out);
    out->networks = json_array();
    struct diags dg = {0};
    struct ctx x = {.p = p, .dg = &dg, .out = out};
    bool any_linked = false;
    bool *net_used = xcalloc(p->nparts, sizeof *net_used);
    for (size_t pi = 0; pi < p->nparts; pi++) {
        const struct part *pt = &p->parts[pi];
        if (sel && !sel->part[pi])
            continue;
        if (pt->kind != PART_CONTAINER)
            continue;
        const struct container *c = pt->container;
        refuse_unsupported(&dg, p, pt);
        for (size_t i = 0; i < c->nnetworks; i++)
            if (c->networks[i].part >= 0)
                net_used[c->networks[i].part] = true;
        json_t *exposed = NULL; /* the image's EXPOSE ports, for published instances */
        const char *img = image ? image(image_ud, (int)pi, &exposed) : NULL;
        const struct setting *rs = part_setting(pt, "replicas");
        if (rs && rs->value) {
            long long n = setting_int(pt, "replicas", 1);
            if (c->ninstances > 1)
                diag_add(&dg, rs->loc.file, rs->loc.line, pt->name, "replicas",
                         "a part with replicas is one service of identical tasks; it cannot also "
                         "have %zu instances", c->ninstances);
            if (c->instances[0].interactive)
                diag_add(&dg, rs->loc.file, rs->loc.line, pt->name, "replicas",
                         "an interactive or safemode instance runs in the foreground (berth run -i)");
            any_linked |= c->instances[0].linked;
            one_service(&x, (int)pi, -1, n, img, exposed);
            continue;
        }
        for (size_t ii = 0; ii < c->ninstances; ii++) {
            if (sel && sel->instance && sel->instance[pi] && !sel->instance[pi][ii] && !sel->needed[pi])
                continue;
            /* Interactive and safemode instances run in the foreground with
             * berth run -i, never as part of a converged platform (as in up). */
            if (c->instances[ii].interactive)
                continue;
            any_linked |= c->instances[ii].linked;
            one_service(&x, (int)pi, (int)ii, 1, img, exposed);
        }
    }
    if (any_linked) {
        cleanup_free char *pn = swarm_network_name(p);
        json_array_append_new(out->networks, network_body(p, NULL, pn));
    }
    for (size_t pi = 0; pi < p->nparts; pi++) {
        const struct part *pt = &p->parts[pi];
        if (pt->kind != PART_NETWORK || !(net_used[pi] || (sel ? sel->part[pi] : true)))
            continue;
        refuse_network_part(&dg, pt);
        json_array_append_new(out->networks, network_body(p, pt, part_value(pt, "name")));
    }
    free(net_used);
    if (diags_to_berr(&dg, BERR_PROJECT, err) < 0) {
        diags_free(&dg);
        swarm_desired_clear(out);
        return -1;
    }
    diags_free(&dg);
    return 0;
}

static int fill(json_t *refs, const char *name_key, const char *id_key, json_t *ids, berr **err)
{
    size_t i;
    json_t *r;
    json_array_foreach(refs, i, r) {
        const char *name = json_string_value(json_object_get(r, name_key));
        const char *id = json_string_value(json_object_get(ids, name ? name : ""));
        if (!id)
            return berr_set(err, BERR_FAILURE, "no %s named '%s' on the engine", name_key, name);
        json_object_set_new(r, id_key, json_string(id));
    }
    return 0;
}

int swarm_spec_fill_ids(json_t *spec, json_t *secret_ids, json_t *config_ids, berr **err)
{
    json_t *cs = json_object_get(json_object_get(spec, "TaskTemplate"), "ContainerSpec");
    if (fill(json_object_get(cs, "Secrets"), "SecretName", "SecretID", secret_ids, err) < 0 ||
        fill(json_object_get(cs, "Configs"), "ConfigName", "ConfigID", config_ids, err) < 0)
        return -1;
    return 0;
}
