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
#include "compose/compose_int.h"
#include "project/values.h"

/* One berth key being gathered for a part: lists grow a line at a time. */
struct okv {
    const char *key;
    strbuf val;
    const struct ynode *at;
};

struct svc {
    struct creader *R;
    const char *name; /* as in the file */
    const char *part;
    struct ynode *node;
    struct okv kv[40];
    size_t nkv;
    bool bad;
};

static struct okv *slot(struct svc *S, const char *key, const struct ynode *at)
{
    for (size_t i = 0; i < S->nkv; i++)
        if (streq(S->kv[i].key, key))
            return &S->kv[i];
    struct okv *o = &S->kv[S->nkv++];
    o->key = key;
    sb_init(&o->val);
    o->at = at;
    return o;
}

static void set1(struct svc *S, const char *key, const char *val, const struct ynode *at)
{
    struct okv *o = slot(S, key, at);
    sb_reset(&o->val);
    sb_adds(&o->val, val);
}

static void add_line(struct svc *S, const char *key, const char *line, const struct ynode *at)
{
    struct okv *o = slot(S, key, at);
    if (o->val.len)
        sb_addc(&o->val, '\n');
    sb_adds(&o->val, line);
}

static void bad(struct svc *S, const struct ynode *n, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void bad(struct svc *S, const struct ynode *n, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = arena_vprintf(S->R->a, fmt, ap);
    va_end(ap);
    cproblem(S->R, n, S->name, key, "%s", msg);
    S->bad = true;
}

static const char *scalar(struct svc *S, const struct ynode *n, const char *key)
{
    if (n->kind == Y_SCALAR)
        return n->str;
    bad(S, n, key, "must be a single value, not %s", ykind_name(n->kind));
    return NULL;
}

/* A Compose duration (Go's: 1m30s, 1.5s, 250ms, 10us) in berth's terms:
 * as written when berth reads it so, else in milliseconds. */
static const char *duration_of(struct svc *S, const struct ynode *n, const char *key)
{
    const char *s = scalar(S, n, key);
    if (!s)
        return NULL;
    if (!strchr(s, '.') && !strstr(s, "us"))
        return s; /* berth's checks say what is wrong with it, if anything */
    double ms = 0;
    const char *p = s;
    while (*p) {
        char *e;
        double v = strtod(p, &e);
        if (e == p || v < 0)
            break;
        p = e;
        if (starts_with(p, "ms")) { ms += v; p += 2; }
        else if (starts_with(p, "us")) { ms += v / 1000; p += 2; }
        else if (*p == 's') { ms += v * 1000; p++; }
        else if (*p == 'm') { ms += v * 60000; p++; }
        else if (*p == 'h') { ms += v * 3600000; p++; }
        else break;
    }
    if (*p || ms < 1) {
        bad(S, n, key, "'%s' is not a duration (like 1m30s, 1.5s, 250ms)", s);
        return NULL;
    }
    return arena_printf(S->R->a, "%.0fms", ms);
}

/* ---- commands ---- */

static void json_str(strbuf *sb, const char *s)
{
    sb_addc(sb, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            sb_addf(sb, "\\%c", c);
        else if (c == '\n')
            sb_adds(sb, "\\n");
        else if (c == '\t')
            sb_adds(sb, "\\t");
        else if (c < 0x20)
            sb_addf(sb, "\\u%04x", c);
        else
            sb_addc(sb, (char)c);
    }
    sb_addc(sb, '"');
}

/* A command (string: split as a shell would, as Compose does; or a list)
 * as berth's exec form, a JSON array. */
static const char *argv_json(struct svc *S, const struct ynode *n, const char *key,
                             const char *first)
{
    struct strv argv = {0};
    size_t cap = 0;
    if (first)
        strv_push(S->R->a, &argv, &cap, first);
    if (n->kind == Y_SCALAR) {
        struct strv w = {0};
        const char *why = split_argv(S->R->a, n->str, &w);
        if (why) {
            bad(S, n, key, "%s", why);
            return NULL;
        }
        for (size_t i = 0; i < w.n; i++)
            strv_push(S->R->a, &argv, &cap, w.v[i]);
    } else if (n->kind == Y_SEQ) {
        for (size_t i = 0; i < n->n; i++) {
            const char *s = scalar(S, n->v[i], key);
            if (!s)
                return NULL;
            strv_push(S->R->a, &argv, &cap, s);
        }
    } else {
        bad(S, n, key, "must be a string or a list of strings, not %s", ykind_name(n->kind));
        return NULL;
    }
    strbuf sb = STRBUF_INIT;
    sb_addc(&sb, '[');
    for (size_t i = 0; i < argv.n; i++) {
        if (i)
            sb_adds(&sb, ", ");
        json_str(&sb, argv.v[i]);
    }
    sb_addc(&sb, ']');
    const char *r = arena_strdup(S->R->a, sb.buf);
    sb_release(&sb);
    return r;
}

/* ---- paths ---- */

/* A host path as berth should read it: relative paths of the project
 * folder's files stay as written (berth reads them from there); others
 * become absolute; ~ is the home folder. */
static const char *host_path(struct svc *S, const struct ynode *n, const char *p)
{
    struct creader *R = S->R;
    if (p[0] == '~' && (p[1] == '/' || !p[1])) {
        const char *home = getvar(R, "HOME");
        return arena_printf(R->a, "%s%s", home ? home : "", p + 1);
    }
    if (p[0] == '/' || is_url(p))
        return p;
    if (n->dir && !streq(n->dir, R->dir)) {
        while (p[0] == '.' && p[1] == '/')
            p += 2;
        return streq(p, ".") ? n->dir : arena_printf(R->a, "%s/%s", n->dir, p);
    }
    return p;
}

static bool looks_like_path(const char *s)
{
    return s[0] == '/' || s[0] == '.' || s[0] == '~';
}

/* ---- the keys ---- */

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

static void k_env_file(struct svc *S, struct ynode *n)
{
    struct ynode one = *n, *items[1] = {&one};
    struct ynode list = {.kind = Y_SEQ, .v = items, .n = 1};
    const struct ynode *l = n->kind == Y_SEQ ? n : &list;
    for (size_t i = 0; i < l->n; i++) {
        struct ynode *it = l->v[i];
        if (it->kind == Y_MAP) {
            struct ynode *p = ymap_get(it, "path"), *req = ymap_get(it, "required");
            if (req || !p) {
                bad(S, it, "env_file", "berth takes env_file as paths (the long form with "
                    "required: is not supported)");
                continue;
            }
            it = p;
        }
        const char *s = scalar(S, it, "env_file");
        if (s)
            add_line(S, "env-files", host_path(S, it, s), n);
    }
}

static bool port_range(const char *s, int *lo, int *hi)
{
    char *e;
    long a = strtol(s, &e, 10);
    if (e == s || a < 0 || a > 65535)
        return false;
    long b = a;
    if (*e == '-') {
        const char *t = e + 1;
        b = strtol(t, &e, 10);
        if (e == t || b < a || b > 65535)
            return false;
    }
    if (*e)
        return false;
    *lo = (int)a;
    *hi = (int)b;
    return true;
}

/* One port mapping, ranges made single ports. */
static void port_lines(struct svc *S, const struct ynode *at, const char *ip, const char *host,
                       const char *cont, const char *proto)
{
    int clo, chi, hlo = 0, hhi = 0;
    if (!port_range(cont, &clo, &chi) || (host && *host && !port_range(host, &hlo, &hhi))) {
        bad(S, at, "ports", "'%s' is not a port or a range of ports (like 8080, 8080:80, "
            "127.0.0.1:8000-8001:80-81/udp)", at->kind == Y_SCALAR ? at->str : cont);
        return;
    }
    if (host && *host && hhi - hlo != chi - clo && hlo != hhi) {
        bad(S, at, "ports", "the host range and the container range differ in length");
        return;
    }
    for (int p = clo; p <= chi; p++) {
        strbuf sb = STRBUF_INIT;
        if (ip && *ip)
            sb_addf(&sb, strchr(ip, ':') ? "[%s]:" : "%s:", ip);
        if (host && *host)
            sb_addf(&sb, "%d:", hlo == hhi ? hlo : hlo + (p - clo));
        else if (ip && *ip)
            sb_adds(&sb, ":");
        sb_addf(&sb, "%d", p);
        if (proto && !streq(proto, "tcp"))
            sb_addf(&sb, "/%s", proto);
        add_line(S, "ports", sb.buf, at);
        sb_release(&sb);
    }
}

static void k_ports(struct svc *S, struct ynode *n)
{
    if (n->kind != Y_SEQ) {
        bad(S, n, "ports", "must be a list, not %s", ykind_name(n->kind));
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        struct ynode *it = n->v[i];
        if (it->kind == Y_SCALAR) {
            char *t = arena_strdup(S->R->a, it->str);
            const char *proto = "tcp";
            char *slash = strrchr(t, '/');
            if (slash) {
                *slash = '\0';
                proto = slash + 1;
            }
            const char *ip = NULL, *host = NULL, *cont;
            char *last = strrchr(t, ':');
            if (t[0] == '[') {
                char *close = strchr(t, ']');
                if (!close || close[1] != ':' || !last || last <= close + 1) {
                    bad(S, it, "ports", "'%s' is not a port mapping", it->str);
                    continue;
                }
                *close = '\0';
                ip = t + 1;
                *last = '\0';
                host = close + 2;
                cont = last + 1;
            } else if (!last) {
                cont = t;
            } else {
                *last = '\0';
                cont = last + 1;
                char *prev = strrchr(t, ':');
                if (prev) {
                    *prev = '\0';
                    ip = t;
                    host = prev + 1;
                } else {
                    host = t;
                }
            }
            port_lines(S, it, ip, host, cont, proto);
        } else if (it->kind == Y_MAP) {
            const char *target = NULL, *published = NULL, *ip = NULL, *proto = "tcp";
            for (size_t j = 0; j < it->n; j++) {
                const char *k = it->k[j];
                const char *v = scalar(S, it->v[j], arena_printf(S->R->a, "ports.%s", k));
                if (!v)
                    continue;
                if (streq(k, "target"))
                    target = v;
                else if (streq(k, "published"))
                    published = v;
                else if (streq(k, "host_ip"))
                    ip = v;
                else if (streq(k, "protocol"))
                    proto = v;
                else if (streq(k, "mode") && streq(v, "host"))
                    ; /* host mode: a port of this host, which is what berth does */
                else
                    bad(S, it->kn[j], arena_printf(S->R->a, "ports.%s", k),
                        "berth does not support ports.%s (supported: target, published, "
                        "host_ip, protocol, mode: host)", k);
            }
            if (!target)
                bad(S, it, "ports", "a port in the long form needs target:");
            else
                port_lines(S, it, ip, published, target, proto);
        } else {
            bad(S, it, "ports", "must be a port mapping or a mapping, not %s",
                ykind_name(it->kind));
        }
    }
}

/* A named volume's part; a problem when the file declares none. */
static const char *volume_ref(struct svc *S, const struct ynode *at, const char *name)
{
    struct ynode *top = ymap_get(S->R->doc, "volumes");
    bool found = false;
    for (size_t i = 0; top && top->kind == Y_MAP && i < top->n; i++)
        found |= streq(top->k[i], name);
    if (!found) {
        bad(S, at, "volumes", "named volume '%s' is not declared in the top-level volumes:", name);
        return NULL;
    }
    return object_part(S->R, "volume", name);
}

static void volume_line(struct svc *S, const struct ynode *at, const char *source,
                        const char *target, bool ro)
{
    const char *src = NULL;
    if (source && *source) {
        src = looks_like_path(source) ? host_path(S, at, source) : volume_ref(S, at, source);
        if (!src)
            return;
    }
    if (target[0] != '/') {
        bad(S, at, "volumes", "'%s': the path in the container must be absolute", target);
        return;
    }
    add_line(S, "volumes",
             src ? arena_printf(S->R->a, "%s:%s%s", src, target, ro ? ":ro" : "") : target, at);
}

static void k_volumes(struct svc *S, struct ynode *n)
{
    if (n->kind != Y_SEQ) {
        bad(S, n, "volumes", "must be a list, not %s", ykind_name(n->kind));
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        struct ynode *it = n->v[i];
        if (it->kind == Y_SCALAR) {
            char *t = arena_strdup(S->R->a, it->str);
            char *parts[4] = {0};
            int np = 0;
            for (char *p = t; p && np < 4;) {
                parts[np++] = p;
                p = strchr(p, ':');
                if (p)
                    *p++ = '\0';
            }
            bool ro = false;
            if (np == 3) {
                for (char *m = strtok(parts[2], ","); m; m = strtok(NULL, ",")) {
                    if (streq(m, "ro"))
                        ro = true;
                    else if (!streq(m, "rw"))
                        bad(S, it, "volumes", "berth does not support the volume option '%s' "
                            "(only ro and rw)", m);
                }
            }
            if (np == 1)
                volume_line(S, it, NULL, parts[0], false);
            else if (np == 2 || np == 3)
                volume_line(S, it, parts[0], parts[1], ro);
            else
                bad(S, it, "volumes", "'%s' is not SOURCE:TARGET[:MODE]", it->str);
        } else if (it->kind == Y_MAP) {
            const char *type = NULL, *source = NULL, *target = NULL;
            bool ro = false;
            for (size_t j = 0; j < it->n; j++) {
                const char *k = it->k[j], *full = arena_printf(S->R->a, "volumes.%s", k);
                if (streq(k, "read_only")) {
                    want_bool(S->R, it->v[j], S->name, full, &ro);
                    continue;
                }
                const char *v = streq(k, "type") || streq(k, "source") || streq(k, "target")
                                    ? scalar(S, it->v[j], full)
                                    : NULL;
                if (streq(k, "type"))
                    type = v;
                else if (streq(k, "source"))
                    source = v;
                else if (streq(k, "target"))
                    target = v;
                else
                    bad(S, it->kn[j], full, "berth does not support volumes.%s (supported: type "
                        "volume or bind, source, target, read_only)", k);
            }
            if (!type || !target) {
                bad(S, it, "volumes", "a volume in the long form needs type: and target:");
                continue;
            }
            if (streq(type, "bind")) {
                if (!source)
                    bad(S, it, "volumes", "a bind mount needs source:");
                else
                    volume_line(S, it, looks_like_path(source) ? source
                                                               : arena_printf(S->R->a, "./%s", source),
                                target, ro);
            } else if (streq(type, "volume")) {
                if (source && looks_like_path(source))
                    bad(S, it, "volumes", "type volume names a volume, not a path ('%s')", source);
                else
                    volume_line(S, it, source, target, ro);
            } else {
                bad(S, it, "volumes.type", "berth does not support volumes of type '%s' (only "
                    "volume and bind)", type);
            }
        } else {
            bad(S, it, "volumes", "must be SOURCE:TARGET or a mapping, not %s",
                ykind_name(it->kind));
        }
    }
}

/* secrets and configs: a file of this machine, mounted read-only. */
static void k_files(struct svc *S, struct ynode *n, const char *what, const char *dir)
{
    struct creader *R = S->R;
    struct ynode *top = ymap_get(R->doc, what);
    if (n->kind != Y_SEQ) {
        bad(S, n, what, "must be a list, not %s", ykind_name(n->kind));
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        struct ynode *it = n->v[i];
        const char *source = NULL, *target = NULL;
        if (it->kind == Y_SCALAR) {
            source = it->str;
        } else if (it->kind == Y_MAP) {
            for (size_t j = 0; j < it->n; j++) {
                const char *k = it->k[j], *full = arena_printf(R->a, "%s.%s", what, k);
                const char *v = scalar(S, it->v[j], full);
                if (streq(k, "source"))
                    source = v;
                else if (streq(k, "target"))
                    target = v;
                else
                    bad(S, it->kn[j], full, "berth does not support %s.%s (supported: source, "
                        "target)", what, k);
            }
        } else {
            bad(S, it, what, "must be a name or a mapping, not %s", ykind_name(it->kind));
            continue;
        }
        if (!source) {
            bad(S, it, what, "names no source");
            continue;
        }
        struct ynode *def = ymap_get(top, source);
        struct ynode *file = def ? ymap_get(def, "file") : NULL;
        if (!def) {
            bad(S, it, what, "'%s' is not declared in the top-level %s:", source, what);
            continue;
        }
        if (!file || file->kind != Y_SCALAR)
            continue; /* toplevel.c says what is wrong with it */
        if (!target)
            target = arena_printf(R->a, "%s/%s", dir, source);
        else if (target[0] != '/')
            target = arena_printf(R->a, "%s/%s", dir, target);
        add_line(S, "volumes",
                 arena_printf(R->a, "%s:%s:ro", host_path(S, file, file->str), target), it);
    }
}

static void k_networks(struct svc *S, struct ynode *n, bool *joined)
{
    struct creader *R = S->R;
    if (n->kind != Y_MAP) {
        bad(S, n, "networks", "must be a list or a mapping, not %s", ykind_name(n->kind));
        return;
    }
    struct ynode *top = ymap_get(R->doc, "networks");
    for (size_t i = 0; i < n->n; i++) {
        const char *net = n->k[i];
        bool found = streq(net, "default");
        for (size_t j = 0; top && top->kind == Y_MAP && j < top->n; j++)
            found |= streq(top->k[j], net);
        if (!found) {
            bad(S, n->kn[i], "networks", "network '%s' is not declared in the top-level "
                "networks:", net);
            continue;
        }
        /* Compose's default network is berth's project network, which
         * every container joins (named <project>-default, by berth). */
        if (!streq(net, "default"))
            add_line(S, "networks", object_part(R, "network", net), n);
        *joined = true;
        struct ynode *v = n->v[i];
        if (v->kind == Y_NULL)
            continue;
        if (v->kind != Y_MAP) {
            bad(S, v, "networks", "%s: must be a mapping (aliases), not %s", net,
                ykind_name(v->kind));
            continue;
        }
        for (size_t j = 0; j < v->n; j++) {
            const char *full = arena_printf(R->a, "networks.%s.%s", net, v->k[j]);
            if (!streq(v->k[j], "aliases")) {
                bad(S, v->kn[j], full, "berth does not support %s (a network of a service "
                    "takes aliases only; berth gives addresses itself)", v->k[j]);
                continue;
            }
            struct ynode *al = v->v[j];
            if (al->kind != Y_SEQ) {
                bad(S, al, full, "must be a list, not %s", ykind_name(al->kind));
                continue;
            }
            for (size_t a = 0; a < al->n; a++) {
                const char *s = scalar(S, al->v[a], full);
                if (s)
                    add_line(S, "network-aliases", s, al->v[a]);
            }
        }
    }
}

static void k_depends_on(struct svc *S, struct ynode *n)
{
    struct creader *R = S->R;
    if (n->kind != Y_MAP) {
        bad(S, n, "depends_on", "must be a list or a mapping, not %s", ykind_name(n->kind));
        return;
    }
    struct ynode *svcs = ymap_get(R->doc, "services");
    for (size_t i = 0; i < n->n; i++) {
        const char *dep = n->k[i];
        struct ynode *v = n->v[i];
        if (!ymap_get(svcs, dep)) {
            bad(S, n->kn[i], "depends_on", "no service '%s' (or its profile is not active)", dep);
            continue;
        }
        if (v->kind == Y_MAP) {
            for (size_t j = 0; j < v->n; j++) {
                const char *full = arena_printf(R->a, "depends_on.%s.%s", dep, v->k[j]);
                const char *c = scalar(S, v->v[j], full);
                if (!c)
                    continue;
                if (!streq(v->k[j], "condition"))
                    bad(S, v->kn[j], full, "berth does not support %s (only condition)",
                        v->k[j]);
                else if (!streq(c, "service_started") && !streq(c, "service_healthy"))
                    bad(S, v->v[j], full, "berth does not support the condition '%s' (it "
                        "starts a part once those it needs are running and healthy: "
                        "service_started, service_healthy)", c);
            }
        } else if (v->kind != Y_NULL) {
            bad(S, v, "depends_on", "%s: must be a mapping (condition), not %s", dep,
                ykind_name(v->kind));
        }
        add_line(S, "depends", part_name_for(R, dep), n);
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

/* expose: ports, or ranges of them, exposed and not published. */
static void k_expose(struct svc *S, struct ynode *n)
{
    if (n->kind != Y_SEQ) {
        bad(S, n, "expose", "must be a list, not %s", ykind_name(n->kind));
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        const char *s = scalar(S, n->v[i], "expose");
        if (!s)
            continue;
        const char *slash = strchr(s, '/');
        const char *proto = slash ? slash + 1 : NULL;
        char *num = slash ? arena_strndup(S->R->a, s, (size_t)(slash - s)) : arena_strdup(S->R->a, s);
        int lo, hi;
        if (!port_range(num, &lo, &hi) || lo < 1) {
            bad(S, n->v[i], "expose", "'%s' is not a port or a range of ports (like 3000, "
                "8000-8010, 53/udp)", s);
            continue;
        }
        for (int p = lo; p <= hi; p++)
            add_line(S, "expose", proto ? arena_printf(S->R->a, "%d/%s", p, proto)
                                        : arena_printf(S->R->a, "%d", p), n->v[i]);
    }
}

/* links: SERVICE or SERVICE:ALIAS (berth: PART ALIAS); volumes_from:
 * SERVICE[:ro|:rw]. Both name services of this file. */
static void k_service_refs(struct svc *S, struct ynode *n, const char *key)
{
    struct creader *R = S->R;
    bool links = streq(key, "links");
    if (n->kind != Y_SEQ) {
        bad(S, n, key, "must be a list, not %s", ykind_name(n->kind));
        return;
    }
    struct ynode *svcs = ymap_get(R->doc, "services");
    for (size_t i = 0; i < n->n; i++) {
        const char *s = scalar(S, n->v[i], key);
        if (!s)
            continue;
        const char *colon = strchr(s, ':');
        const char *name = colon ? arena_strndup(R->a, s, (size_t)(colon - s)) : s;
        const char *rest = colon ? colon + 1 : NULL;
        if (streq(name, "container")) {
            bad(S, n->v[i], key, "'%s': berth takes services of this project only", s);
            continue;
        }
        if (!ymap_get(svcs, name)) {
            bad(S, n->v[i], key, "no service '%s' (or its profile is not active)", name);
            continue;
        }
        const char *part = part_name_for(R, name);
        if (links)
            add_line(S, "links", rest ? arena_printf(R->a, "%s %s", part, rest) : part, n);
        else if (!rest || streq(rest, "rw"))
            add_line(S, "volumes-from", part, n);
        else if (streq(rest, "ro"))
            add_line(S, "volumes-from", arena_printf(R->a, "%s:ro", part), n);
        else
            bad(S, n->v[i], key, "'%s': use SERVICE, SERVICE:ro or SERVICE:rw", s);
    }
}

/* extra_hosts: ["NAME:IP"] or {NAME: IP}; NAME=IP too (Compose v2). */
static void k_extra_hosts(struct svc *S, struct ynode *n)
{
    if (n->kind == Y_MAP) {
        for (size_t i = 0; i < n->n; i++) {
            const char *ip = scalar(S, n->v[i], "extra_hosts");
            if (ip)
                add_line(S, "extra-hosts", arena_printf(S->R->a, "%s:%s", n->k[i], ip), n);
        }
        return;
    }
    if (n->kind != Y_SEQ) {
        bad(S, n, "extra_hosts", "must be a list or a mapping, not %s", ykind_name(n->kind));
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        const char *s = scalar(S, n->v[i], "extra_hosts");
        if (!s)
            continue;
        char *t = arena_strdup(S->R->a, s);
        char *eq = strchr(t, '=');
        if (eq)
            *eq = ':';
        add_line(S, "extra-hosts", t, n->v[i]);
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

static void k_deploy(struct svc *S, struct ynode *n)
{
    if (n->kind != Y_MAP) {
        bad(S, n, "deploy", "must be a mapping, not %s", ykind_name(n->kind));
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        if (streq(n->k[i], "replicas"))
            k_instances(S, n->v[i], "deploy.replicas");
        else
            bad(S, n->kn[i], arena_printf(S->R->a, "deploy.%s", n->k[i]),
                "berth does not support deploy.%s (only replicas)", n->k[i]);
    }
}

static void k_plain(struct svc *S, struct ynode *n, const char *key, const char *berth_key)
{
    const char *s = scalar(S, n, key);
    if (s)
        set1(S, berth_key, s, n);
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
    "cpu_period", "cpu_quota", "cpu_rt_runtime", "cpu_rt_period", "cpus", "cpuset", "cgroup",
    "cgroup_parent", "credential_spec", "device_cgroup_rules", "devices", "dns", "dns_opt",
    "dns_search", "domainname", "external_links", "group_add", "ipc", "isolation", "logging",
    "mac_address", "mem_limit", "mem_reservation", "mem_swappiness", "memswap_limit",
    "oom_kill_disable", "oom_score_adj", "pid", "pids_limit", "platform", "pull_policy",
    "runtime", "security_opt", "shm_size", "stop_signal", "storage_opt", "sysctls", "ulimits",
    "userns_mode", "uts", "develop", "gpus", "post_start", "pre_stop", "label_file", NULL,
};

void emit_service(struct creader *R, const char *name, struct ynode *node);
void emit_service(struct creader *R, const char *name, struct ynode *node)
{
    struct svc S = {.R = R, .name = name, .part = part_name_for(R, name), .node = node};
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
    /* Compose keeps nothing of a container's /var/log on the host. */
    set1(&S, "persistent_log", "false", node);
    for (size_t i = 0; i < S.nkv; i++) {
        struct okv *o = &S.kv[i];
        emit_key(R, o->at, o->key, escape_dollar(R, o->val.buf ? o->val.buf : ""));
        sb_release(&o->val);
    }
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
