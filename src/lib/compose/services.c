/* Compose services as berth parts: each service is a container part (and a
 * build part <service>_image when it has build:), its keys written as the
 * berth.ini keys that do the same. A key berth cannot do is an error at its
 * line and column, never dropped. docs/compose.md lists the mapping. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "base/words.h"
#include "compose/service_int.h"
#include "project/values.h"

static void k_image(struct svc *S, struct ynode *n)
{
    const char *s = scalar(S, n, "image");
    if (s && !ymap_get(S->node, "build"))
        set1(S, "image", s, n);
}

static void k_build(struct svc *S, struct ynode *n)
{
    struct creader *R = S->R;
    if (n->kind != Y_MAP) {
        bad(S, n, "build", "must be a folder or a mapping (context, dockerfile, args, target, "
            "labels), not %s", ykind_name(n->kind));
        return;
    }
    const char *bpart = arena_printf(R->a, "%s_image", S->part);
    struct ynode *ctx = ymap_get(n, "context");
    emit_section(R, bpart, n, arena_printf(R->a, "service %s: build", S->name));
    emit_key(R, n, "recipe", "build");
    emit_key(R, ctx ? ctx : n, "source",
             ctx ? (scalar(S, ctx, "build.context") ? host_path(S, ctx, ctx->str) : "") : ".");
    struct ynode *img = ymap_get(S->node, "image");
    if (img && img->kind == Y_SCALAR)
        emit_key(R, img, "image", escape_dollar(R, img->str));
    for (size_t i = 0; i < n->n; i++) {
        const char *k = n->k[i];
        struct ynode *v = n->v[i];
        const char *full = arena_printf(R->a, "build.%s", k);
        if (streq(k, "context")) {
            continue;
        } else if (streq(k, "dockerfile") || streq(k, "target")) {
            const char *s = scalar(S, v, full);
            if (s)
                emit_key(R, v, k, escape_dollar(R, s));
        } else if (streq(k, "args") || streq(k, "labels")) {
            if (v->kind != Y_MAP) {
                bad(S, v, full, "must be a list of KEY=VALUE or a mapping, not %s",
                    ykind_name(v->kind));
                continue;
            }
            strbuf sb = STRBUF_INIT;
            for (size_t j = 0; j < v->n; j++) {
                const char *val = v->v[j]->kind == Y_NULL ? getvar(R, v->k[j]) : scalar(S, v->v[j], full);
                if (!val && v->v[j]->kind == Y_NULL)
                    continue; /* an arg named without a value, unset here: Compose leaves it out */
                if (!val)
                    continue;
                if (sb.len)
                    sb_addc(&sb, '\n');
                sb_addf(&sb, "%s=%s", v->k[j], val);
            }
            if (sb.len)
                emit_key(R, v, streq(k, "args") ? "build-args" : "labels",
                         escape_dollar(R, sb.buf));
            sb_release(&sb);
        } else if (streq(k, "no_cache") || streq(k, "pull")) {
            bool b;
            if (want_bool(R, v, S->name, full, &b))
                emit_key(R, v, streq(k, "no_cache") ? "no-cache" : "pull", b ? "true" : "false");
        } else {
            bad(S, n->kn[i], full, "berth does not support build.%s (supported: context, "
                "dockerfile, args, target, labels, no_cache, pull)", k);
        }
    }
    set1(S, "build", bpart, n);
}

static void k_command(struct svc *S, struct ynode *n, const char *key, const char *berth_key)
{
    if (n->kind == Y_NULL)
        return;
    const char *j = argv_json(S, n, key, NULL);
    if (j)
        set1(S, berth_key, j, n);
}

static void k_environment(struct svc *S, struct ynode *n)
{
    if (n->kind != Y_MAP) {
        bad(S, n, "environment", "must be a list of NAME=VALUE or a mapping, not %s",
            ykind_name(n->kind));
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        const char *v;
        if (n->v[i]->kind == Y_NULL) {
            v = getvar(S->R, n->k[i]); /* NAME alone: from berth's environment, if set */
            if (!v)
                continue;
        } else if (!(v = scalar(S, n->v[i], "environment"))) {
            continue;
        }
        if (strchr(v, '\n')) {
            bad(S, n->v[i], "environment", "%s: a value of several lines cannot be passed "
                "(berth's env holds one line per variable)", n->k[i]);
            continue;
        }
        add_line(S, "env", arena_printf(S->R->a, "%s=%s", n->k[i], v), n);
    }
}

static void k_healthcheck(struct svc *S, struct ynode *n)
{
    if (n->kind != Y_MAP) {
        bad(S, n, "healthcheck", "must be a mapping (test, interval, ...), not %s",
            ykind_name(n->kind));
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        const char *k = n->k[i], *full = arena_printf(S->R->a, "healthcheck.%s", k);
        struct ynode *v = n->v[i];
        if (streq(k, "test")) {
            const char *j = NULL;
            if (v->kind == Y_SCALAR) {
                struct ynode *l = ynew(S->R, Y_SEQ, v);
                yseq_push(S->R, l, yscalar(S->R, "/bin/sh", v));
                yseq_push(S->R, l, yscalar(S->R, "-c", v));
                yseq_push(S->R, l, v);
                j = argv_json(S, l, full, NULL);
            } else if (v->kind == Y_SEQ && v->n >= 1 && v->v[0]->kind == Y_SCALAR) {
                const char *how = v->v[0]->str;
                struct ynode rest = *v;
                rest.v = v->v + 1;
                rest.n = v->n - 1;
                if (streq(how, "CMD") && rest.n) {
                    j = argv_json(S, &rest, full, NULL);
                } else if (streq(how, "CMD-SHELL") && rest.n == 1) {
                    struct ynode *l = ynew(S->R, Y_SEQ, v);
                    yseq_push(S->R, l, yscalar(S->R, "/bin/sh", v));
                    yseq_push(S->R, l, yscalar(S->R, "-c", v));
                    yseq_push(S->R, l, rest.v[0]);
                    j = argv_json(S, l, full, NULL);
                } else {
                    bad(S, v, full, "berth takes [\"CMD\", ARGS...], [\"CMD-SHELL\", \"COMMAND\"] "
                        "or a string (NONE is not supported)");
                }
            } else {
                bad(S, v, full, "must be a string or a list starting with CMD or CMD-SHELL");
            }
            if (j)
                set1(S, "healthcheck", j, v);
        } else if (streq(k, "interval") || streq(k, "timeout") || streq(k, "retries") ||
                   streq(k, "start_period")) {
            const char *s = streq(k, "retries") ? scalar(S, v, full) : duration_of(S, v, full);
            if (s)
                set1(S, streq(k, "interval")   ? "healthcheck-interval"
                        : streq(k, "timeout")  ? "healthcheck-timeout"
                        : streq(k, "retries")  ? "healthcheck-retries"
                                               : "healthcheck-start-period",
                     s, v);
        } else {
            bad(S, n->kn[i], full, "berth does not support healthcheck.%s (supported: test, "
                "interval, timeout, retries, start_period)", k);
        }
    }
}

/* A list of words (cap_add, tmpfs); tmpfs may be one string. */
static void k_words(struct svc *S, struct ynode *n, const char *key, const char *berth_key,
                    bool one_ok)
{
    if (n->kind == Y_SCALAR && one_ok) {
        add_line(S, berth_key, n->str, n);
        return;
    }
    if (n->kind != Y_SEQ) {
        bad(S, n, key, "must be a list, not %s", ykind_name(n->kind));
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        const char *s = scalar(S, n->v[i], key);
        if (s && strchr(s, ' '))
            bad(S, n->v[i], key, "'%s' holds a space", s);
        else if (s)
            add_line(S, berth_key, s, n);
    }
}

static void k_labels(struct svc *S, struct ynode *n)
{
    if (n->kind != Y_MAP) {
        bad(S, n, "labels", "must be a list of KEY=VALUE or a mapping, not %s", ykind_name(n->kind));
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        const char *v = n->v[i]->kind == Y_NULL ? "" : scalar(S, n->v[i], "labels");
        if (v)
            add_line(S, "labels", arena_printf(S->R->a, "%s=%s", n->k[i], v), n);
    }
}

static void k_instances(struct svc *S, struct ynode *n, const char *key)
{
    const char *s = scalar(S, n, key);
    if (!s)
        return;
    char *e;
    long v = strtol(s, &e, 10);
    if (e == s || *e || v < 1 || v > 1000) {
        bad(S, n, key, "'%s' is not a number of replicas from 1 to 1000 (0 is not supported)", s);
        return;
    }
    strbuf sb = STRBUF_INIT;
    for (long i = 1; i <= v; i++)
        sb_addf(&sb, i > 1 ? " %ld" : "%ld", i);
    set1(S, "instances", sb.buf, n);
    sb_release(&sb);
}

static void k_plain(struct svc *S, struct ynode *n, const char *key, const char *berth_key)
{
    const char *s = scalar(S, n, key);
    if (s)
        set1(S, berth_key, s, n);
}

/* deploy.resources.limits: cpus and memory, the container's own limits
 * (berth's cpus and memory, as mem_limit and cpus say outside deploy). */
static void k_resources(struct svc *S, struct ynode *n)
{
    for (size_t i = 0; n->kind == Y_MAP && i < n->n; i++) {
        struct ynode *lim = n->v[i];
        if (!streq(n->k[i], "limits") || lim->kind != Y_MAP) {
            bad(S, n->kn[i], arena_printf(S->R->a, "deploy.resources.%s", n->k[i]),
                "berth does not support deploy.resources.%s (only limits: cpus, memory)",
                n->k[i]);
            continue;
        }
        for (size_t j = 0; j < lim->n; j++) {
            const char *k = lim->k[j];
            if (streq(k, "cpus") || streq(k, "memory"))
                k_plain(S, lim->v[j], k, k);
            else
                bad(S, lim->kn[j], arena_printf(S->R->a, "deploy.resources.limits.%s", k),
                    "berth does not support deploy.resources.limits.%s (only cpus, memory)", k);
        }
    }
    if (n->kind != Y_MAP)
        bad(S, n, "deploy.resources", "must be a mapping, not %s", ykind_name(n->kind));
}

static void k_deploy(struct svc *S, struct ynode *n)
{
    if (n->kind != Y_MAP) {
        bad(S, n, "deploy", "must be a mapping, not %s", ykind_name(n->kind));
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        if (streq(n->k[i], "replicas"))
            k_instances(S, n->v[i], "deploy.replicas");
        else if (streq(n->k[i], "resources"))
            k_resources(S, n->v[i]);
        else
            bad(S, n->kn[i], arena_printf(S->R->a, "deploy.%s", n->k[i]),
                "berth does not support deploy.%s (only replicas and resources.limits)",
                n->k[i]);
    }
}

static void k_bool(struct svc *S, struct ynode *n, const char *key, const char *berth_key)
{
    bool b;
    if (want_bool(S->R, n, S->name, key, &b))
        set1(S, berth_key, b ? "true" : "false", n);
    else
        S->bad = true;
}

/* Compose keys berth cannot do yet, and why not, for the message. */
static const char *const unsupported[] = {
    "container_name", "berth names containers <project>-<part>-<instance>",
    "network_mode", "use networks",
    NULL,
};

/* Keys of the Compose specification berth has nothing for yet. */
static const char *const spec_keys[] = {
    "annotations", "attach", "blkio_config", "cpu_count", "cpu_percent", "cpu_shares",
    "cpu_period", "cpu_quota", "cpu_rt_runtime", "cpu_rt_period", "cpuset", "cgroup",
    "cgroup_parent", "credential_spec", "device_cgroup_rules", "devices", "dns", "dns_opt",
    "dns_search", "domainname", "external_links", "group_add", "ipc", "isolation", "logging",
    "mac_address", "mem_reservation", "mem_swappiness", "memswap_limit",
    "oom_kill_disable", "oom_score_adj", "pid", "pids_limit", "platform", "pull_policy",
    "runtime", "security_opt", "shm_size", "stop_signal", "storage_opt", "sysctls", "ulimits",
    "userns_mode", "uts", "develop", "gpus", "post_start", "pre_stop", "label_file", NULL,
};

/* Whether some service depends on name with service_completed_successfully. */
static bool completes_for(struct creader *R, const char *name)
{
    struct ynode *svcs = ymap_get(R->doc, "services");
    for (size_t i = 0; svcs && svcs->kind == Y_MAP && i < svcs->n; i++) {
        struct ynode *cond = ymap_get(ymap_get(ymap_get(svcs->v[i], "depends_on"), name),
                                      "condition");
        if (cond && cond->kind == Y_SCALAR && streq(cond->str, "service_completed_successfully"))
            return true;
    }
    return false;
}

void emit_service(struct creader *R, const char *name, struct ynode *node);
void emit_service(struct creader *R, const char *name, struct ynode *node)
{
    struct svc S = {.R = R, .name = name, .part = part_name_for(R, name), .node = node};
    sb_init(&S.spill.val);
    bool joined = false;
    for (size_t i = 0; i < node->n; i++) {
        const char *k = node->k[i];
        struct ynode *v = node->v[i];
        if (starts_with(k, "x-") || streq(k, "profiles"))
            continue;
        if (streq(k, "image")) k_image(&S, v);
        else if (streq(k, "build")) k_build(&S, v);
        else if (streq(k, "command")) k_command(&S, v, k, "command");
        else if (streq(k, "entrypoint")) k_command(&S, v, k, "entrypoint");
        else if (streq(k, "environment")) k_environment(&S, v);
        else if (streq(k, "env_file")) k_env_file(&S, v);
        else if (streq(k, "ports")) k_ports(&S, v);
        else if (streq(k, "volumes")) k_volumes(&S, v);
        else if (streq(k, "secrets")) k_files(&S, v, "secrets", "/run/secrets");
        else if (streq(k, "configs")) k_files(&S, v, "configs", "");
        else if (streq(k, "networks")) k_networks(&S, v, &joined);
        else if (streq(k, "depends_on")) k_depends_on(&S, v);
        else if (streq(k, "healthcheck")) k_healthcheck(&S, v);
        else if (streq(k, "labels")) k_labels(&S, v);
        else if (streq(k, "deploy")) k_deploy(&S, v);
        else if (streq(k, "scale")) k_instances(&S, v, "scale");
        else if (streq(k, "restart")) k_plain(&S, v, k, "restart");
        else if (streq(k, "user")) k_plain(&S, v, k, "user");
        else if (streq(k, "working_dir")) k_plain(&S, v, k, "workdir");
        else if (streq(k, "hostname")) k_plain(&S, v, k, "hostname");
        else if (streq(k, "cpus")) k_plain(&S, v, k, "cpus");
        else if (streq(k, "mem_limit")) k_plain(&S, v, k, "memory");
        else if (streq(k, "stop_grace_period")) {
            const char *d = duration_of(&S, v, k);
            if (d)
                set1(&S, "stop-timeout", d, v);
        }
        else if (streq(k, "tty")) k_bool(&S, v, k, "tty");
        else if (streq(k, "privileged")) k_bool(&S, v, k, "privileged");
        else if (streq(k, "init")) k_bool(&S, v, k, "init");
        else if (streq(k, "read_only")) k_bool(&S, v, k, "read-only");
        else if (streq(k, "cap_add")) k_words(&S, v, k, "cap-add", false);
        else if (streq(k, "cap_drop")) k_words(&S, v, k, "cap-drop", false);
        else if (streq(k, "tmpfs")) k_words(&S, v, k, "tmpfs", true);
        else if (streq(k, "extra_hosts")) k_extra_hosts(&S, v);
        else if (streq(k, "stdin_open")) k_bool(&S, v, k, "stdin-open");
        else if (streq(k, "expose")) k_expose(&S, v);
        else if (streq(k, "links") || streq(k, "volumes_from")) k_service_refs(&S, v, k);
        else {
            const char *why = NULL;
            for (size_t u = 0; unsupported[u]; u += 2)
                if (streq(unsupported[u], k))
                    why = unsupported[u + 1];
            for (size_t u = 0; !why && spec_keys[u]; u++)
                if (streq(spec_keys[u], k))
                    why = "no berth setting does this yet";
            if (why)
                bad(&S, node->kn[i], k, "berth does not support %s (%s)", k, why);
            else
                bad(&S, node->kn[i], k, "not a key of a Compose service");
        }
    }
    if (!ymap_get(node, "image") && !ymap_get(node, "build"))
        bad(&S, node, NULL, "has neither image: nor build:");
    (void)joined;
    /* On the project network a container is known by its part name; the
     * service's own name too, when that differs (web-app: web_app). */
    if (!streq(name, S.part))
        add_line(&S, "network-aliases", name, node);

    /* The part, keys in a fixed order (berth config prints its own). */
    emit_section(R, S.part, node, arena_printf(R->a, "service %s", name));
    emit_key(R, node, "recipe", "container");
    if (!slot(&S, "instances", node)->val.len)
        set1(&S, "instances", "1", node);
    /* A service another waits for with service_completed_successfully
     * runs to completion (berth: oneshot). */
    if (completes_for(R, name))
        set1(&S, "oneshot", "true", node);
    /* Compose keeps nothing of a container's /var/log on the host. */
    set1(&S, "persistent_log", "false", node);
    for (size_t i = 0; i < S.nkv; i++) {
        struct okv *o = &S.kv[i];
        emit_key(R, o->at, o->key, escape_dollar(R, o->val.buf ? o->val.buf : ""));
        sb_release(&o->val);
    }
    sb_release(&S.spill.val);
}

void emit_services(struct creader *R)
{
    struct ynode *svcs = ymap_get(R->doc, "services");
    if (!svcs)
        return;
    if (svcs->kind != Y_MAP) {
        cproblem(R, svcs, NULL, "services", "must be a mapping of services, not %s",
                 ykind_name(svcs->kind));
        return;
    }
    for (size_t i = 0; i < svcs->n; i++) {
        if (svcs->v[i]->kind != Y_MAP) {
            cproblem(R, svcs->kn[i], svcs->k[i], NULL, "a service must be a mapping, not %s",
                     ykind_name(svcs->v[i]->kind));
            continue;
        }
        emit_service(R, svcs->k[i], svcs->v[i]);
    }
}
