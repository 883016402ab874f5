/* Several files made one, and extends, merged as Compose merges them
 * (docker-compose 1.29, config.py merge_service_dicts):
 *   - environment, labels, build, depends_on, networks, deploy, healthcheck,
 *     logging and the like: mappings, merged key by key (deeper mappings too);
 *   - volumes (and devices): merged by their path in the container;
 *   - ports, expose, cap_add, dns, env_file, ...: the union of both lists;
 *   - secrets, configs: merged by their source;
 *   - anything else: the later file's value replaces the earlier one's.
 * Short forms are made long first (normalise_service), so that a list in
 * one file and a mapping in the other merge. */
#include <string.h>

#include "base/util.h"
#include "compose/compose_int.h"

static struct ynode *copy_map(struct creader *R, const struct ynode *m)
{
    struct ynode *c = ynew(R, Y_MAP, m);
    for (size_t i = 0; i < m->n; i++)
        ymap_put(R, c, m->k[i], m->kn[i], m->v[i]);
    return c;
}

/* "K=V" / "K" items as a mapping K: V (null for "K"); a mapping's values
 * stay. Anything else is left for services.c to refuse. */
static struct ynode *list_to_map(struct creader *R, struct ynode *n)
{
    if (!n || n->kind != Y_SEQ)
        return n;
    struct ynode *m = ynew(R, Y_MAP, n);
    for (size_t i = 0; i < n->n; i++) {
        struct ynode *it = n->v[i];
        if (it->kind != Y_SCALAR)
            return n;
        const char *eq = strchr(it->str, '=');
        struct ynode *v = eq ? yscalar(R, eq + 1, it) : ynew(R, Y_NULL, it);
        const char *k = eq ? arena_strndup(R->a, it->str, (size_t)(eq - it->str)) : it->str;
        ymap_put(R, m, k, it, v);
    }
    return m;
}

/* A list of names as a mapping name: fill (null, or {condition: ...}). */
static struct ynode *names_to_map(struct creader *R, struct ynode *n, const char *cond)
{
    if (!n || n->kind != Y_SEQ)
        return n;
    struct ynode *m = ynew(R, Y_MAP, n);
    for (size_t i = 0; i < n->n; i++) {
        struct ynode *it = n->v[i];
        if (it->kind != Y_SCALAR)
            return n;
        struct ynode *v = ynew(R, cond ? Y_MAP : Y_NULL, it);
        if (cond)
            ymap_put(R, v, "condition", NULL, yscalar(R, cond, it));
        ymap_put(R, m, it->str, it, v);
    }
    return m;
}

static void replace(struct creader *R, struct ynode *svc, const char *key, struct ynode *v)
{
    for (size_t i = 0; i < svc->n; i++)
        if (streq(svc->k[i], key)) {
            svc->v[i] = v;
            return;
        }
    ymap_put(R, svc, key, NULL, v);
}

void normalise_service(struct creader *R, struct ynode *svc, const char *name)
{
    (void)name;
    if (!svc || svc->kind != Y_MAP)
        return;
    struct ynode *n;
    if ((n = ymap_get(svc, "environment")))
        replace(R, svc, "environment", list_to_map(R, n));
    if ((n = ymap_get(svc, "labels")))
        replace(R, svc, "labels", list_to_map(R, n));
    if ((n = ymap_get(svc, "depends_on")))
        replace(R, svc, "depends_on", names_to_map(R, n, "service_started"));
    if ((n = ymap_get(svc, "networks")))
        replace(R, svc, "networks", names_to_map(R, n, NULL));
    if ((n = ymap_get(svc, "build"))) {
        if (n->kind == Y_SCALAR) {
            struct ynode *m = ynew(R, Y_MAP, n);
            ymap_put(R, m, "context", NULL, n);
            replace(R, svc, "build", m);
        } else if (n->kind == Y_MAP) {
            struct ynode *args = ymap_get(n, "args");
            if (args)
                ymap_put(R, n, "args", NULL, list_to_map(R, args));
            struct ynode *labels = ymap_get(n, "labels");
            if (labels)
                ymap_put(R, n, "labels", NULL, list_to_map(R, labels));
        }
    }
}

static struct ynode *deep_merge(struct creader *R, struct ynode *base, struct ynode *over)
{
    if (!base || base->kind != Y_MAP || !over || over->kind != Y_MAP)
        return over;
    struct ynode *m = copy_map(R, base);
    for (size_t i = 0; i < over->n; i++) {
        struct ynode *b = ymap_get(m, over->k[i]);
        ymap_put(R, m, over->k[i], over->kn[i], b ? deep_merge(R, b, over->v[i]) : over->v[i]);
    }
    return m;
}

/* What identifies an item of a list merged by key: a volume's path in the
 * container, a secret's source; else the item's text. */
static const char *item_key(struct creader *R, const struct ynode *it, const char *field)
{
    bool by_target = streq(field, "volumes") || streq(field, "devices");
    if (it->kind == Y_MAP) {
        struct ynode *k = ymap_get(it, by_target ? "target" : "source");
        return k && k->kind == Y_SCALAR ? k->str : arena_printf(R->a, "%p", (const void *)it);
    }
    if (it->kind != Y_SCALAR)
        return arena_printf(R->a, "%p", (const void *)it);
    if (!by_target)
        return it->str;
    const char *c1 = strchr(it->str, ':');
    if (!c1)
        return it->str;
    const char *c2 = strchr(c1 + 1, ':');
    return c2 ? arena_strndup(R->a, c1 + 1, (size_t)(c2 - c1 - 1)) : c1 + 1;
}

static struct ynode *merge_list(struct creader *R, struct ynode *base, struct ynode *over,
                                const char *field)
{
    if (!base || base->kind != Y_SEQ || !over || over->kind != Y_SEQ)
        return over;
    struct ynode *s = ynew(R, Y_SEQ, base);
    for (size_t i = 0; i < base->n; i++) {
        const char *k = item_key(R, base->v[i], field);
        struct ynode *v = base->v[i];
        for (size_t j = 0; j < over->n; j++)
            if (streq(item_key(R, over->v[j], field), k))
                v = over->v[j];
        yseq_push(R, s, v);
    }
    for (size_t j = 0; j < over->n; j++) {
        const char *k = item_key(R, over->v[j], field);
        bool seen = false;
        for (size_t i = 0; i < s->n && !seen; i++)
            seen = streq(item_key(R, s->v[i], field), k);
        if (!seen)
            yseq_push(R, s, over->v[j]);
    }
    return s;
}

static bool in_list(const char *k, const char *const *list)
{
    for (; *list; list++)
        if (streq(k, *list))
            return true;
    return false;
}

struct ynode *merge_service(struct creader *R, struct ynode *base, struct ynode *over)
{
    static const char *const maps[] = {"environment", "labels",   "build",   "depends_on",
                                       "networks",    "deploy",   "healthcheck", "logging",
                                       "ulimits",     "sysctls",  "extra_hosts", "storage_opt",
                                       NULL};
    static const char *const lists[] = {"volumes", "devices", "ports",   "expose",  "cap_add",
                                        "cap_drop", "dns",    "dns_search", "env_file",
                                        "external_links", "volumes_from", "tmpfs", "profiles",
                                        "secrets", "configs", "security_opt", NULL};
    if (!base || base->kind != Y_MAP || !over || over->kind != Y_MAP)
        return over;
    struct ynode *m = copy_map(R, base);
    for (size_t i = 0; i < over->n; i++) {
        const char *k = over->k[i];
        struct ynode *b = ymap_get(m, k), *v = over->v[i];
        if (b && in_list(k, maps))
            v = deep_merge(R, b, v);
        else if (b && in_list(k, lists))
            v = merge_list(R, b, v, k);
        ymap_put(R, m, k, over->kn[i], v);
    }
    return m;
}

void merge_docs(struct creader *R, struct ynode *base, struct ynode *over)
{
    for (size_t i = 0; i < over->n; i++) {
        const char *k = over->k[i];
        struct ynode *b = ymap_get(base, k), *v = over->v[i];
        if (b && b->kind == Y_MAP && v->kind == Y_MAP && streq(k, "services")) {
            struct ynode *m = copy_map(R, b);
            for (size_t j = 0; j < v->n; j++) {
                struct ynode *bs = ymap_get(m, v->k[j]);
                normalise_service(R, v->v[j], v->k[j]);
                ymap_put(R, m, v->k[j], v->kn[j], bs ? merge_service(R, bs, v->v[j]) : v->v[j]);
            }
            v = m;
        } else if (b && b->kind == Y_MAP && v->kind == Y_MAP &&
                   (streq(k, "volumes") || streq(k, "networks") || streq(k, "secrets") ||
                    streq(k, "configs"))) {
            v = deep_merge(R, b, v);
        }
        ymap_put(R, base, k, over->kn[i], v);
    }
}

/* ---- extends ---- */

static struct ynode *find_service(struct ynode *doc, const char *name)
{
    return ymap_get(ymap_get(doc, "services"), name);
}

/* The service name in doc, with its own extends resolved first. */
static struct ynode *extended(struct creader *R, struct ynode *doc, const char *name,
                              const struct ynode *from, int depth);

static struct ynode *resolve_one(struct creader *R, struct ynode *doc, const char *name,
                                 struct ynode *svc, int depth)
{
    struct ynode *ext = ymap_get(svc, "extends");
    if (!ext)
        return svc;
    if (depth > 16) {
        cproblem(R, ext, name, "extends", "extends goes round in a circle (or deeper than 16)");
        return svc;
    }
    const char *base_name = NULL, *file = NULL;
    struct ynode *fnode = NULL;
    if (ext->kind == Y_SCALAR) {
        base_name = ext->str;
    } else if (ext->kind == Y_MAP) {
        for (size_t i = 0; i < ext->n; i++)
            if (!streq(ext->k[i], "service") && !streq(ext->k[i], "file"))
                cproblem(R, ext->kn[i], name, ext->k[i], "not a key of extends (service, file)");
        struct ynode *s = ymap_get(ext, "service");
        fnode = ymap_get(ext, "file");
        base_name = s ? want_scalar(R, s, name, "extends.service") : NULL;
        file = fnode ? want_scalar(R, fnode, name, "extends.file") : NULL;
        if (!s)
            cproblem(R, ext, name, "extends", "names no service (add service: NAME)");
    } else {
        cproblem(R, ext, name, "extends", "must be a service name or a mapping, not %s",
                 ykind_name(ext->kind));
    }
    if (!base_name)
        return svc;
    struct ynode *bdoc = doc;
    if (file) {
        const char *path = file[0] == '/' ? file : arena_printf(R->a, "%s/%s", fnode->dir, file);
        const char *shown = path;
        size_t dl = strlen(R->dir);
        if (strncmp(path, R->dir, dl) == 0 && path[dl] == '/')
            shown = path + dl + 1;
        bdoc = yaml_load(R, path, shown);
        if (!bdoc)
            return svc;
        interpolate(R, bdoc, NULL);
    }
    struct ynode *base = extended(R, bdoc, base_name, ext, depth + 1);
    if (!base)
        return svc;
    struct ynode *own = copy_map(R, svc);
    for (size_t i = 0; i < own->n; i++)
        if (streq(own->k[i], "extends")) {
            memmove(&own->k[i], &own->k[i + 1], (own->n - i - 1) * sizeof *own->k);
            memmove(&own->kn[i], &own->kn[i + 1], (own->n - i - 1) * sizeof *own->kn);
            memmove(&own->v[i], &own->v[i + 1], (own->n - i - 1) * sizeof *own->v);
            own->n--;
            break;
        }
    normalise_service(R, own, name);
    return merge_service(R, base, own);
}

static struct ynode *extended(struct creader *R, struct ynode *doc, const char *name,
                              const struct ynode *from, int depth)
{
    struct ynode *svc = find_service(doc, name);
    if (!svc || svc->kind != Y_MAP) {
        cproblem(R, from, NULL, "extends", "no service '%s' to extend%s", name,
                 svc ? " (it is not a mapping)" : "");
        return NULL;
    }
    struct ynode *r = resolve_one(R, doc, name, copy_map(R, svc), depth);
    normalise_service(R, r, name);
    return r;
}

void resolve_extends(struct creader *R, struct ynode *doc)
{
    struct ynode *svcs = ymap_get(doc, "services");
    if (!svcs || svcs->kind != Y_MAP)
        return;
    /* Each from the document as read, so the order of services does not matter. */
    struct ynode **out = arena_alloc(R->a, (svcs->n + 1) * sizeof *out);
    for (size_t i = 0; i < svcs->n; i++)
        out[i] = svcs->v[i]->kind == Y_MAP ? resolve_one(R, doc, svcs->k[i], svcs->v[i], 0)
                                           : svcs->v[i];
    for (size_t i = 0; i < svcs->n; i++)
        svcs->v[i] = out[i];
}
