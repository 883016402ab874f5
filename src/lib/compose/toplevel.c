/* The top level of a Compose file: name, networks and volumes as berth
 * parts, secrets and configs checked (services.c mounts them); and the
 * small helpers that hand keys to the sink. */
#include <ctype.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "compose/compose_int.h"
#include "project/values.h"

const char *escape_dollar(struct creader *R, const char *s)
{
    if (!strchr(s, '$'))
        return s;
    strbuf sb = STRBUF_INIT;
    for (; *s; s++) {
        if (*s == '$')
            sb_addc(&sb, '$');
        sb_addc(&sb, *s);
    }
    const char *r = arena_strdup(R->a, sb.buf);
    sb_release(&sb);
    return r;
}

/* Parts are handed over only when the Compose files had no problem (a dry
 * run looks for them first): else the loader's own checks would report the
 * same values again, and parts left out would look missing. */
void emit_section(struct creader *R, const char *name, const struct ynode *at, const char *origin)
{
    if (R->dry || R->d->n > R->diags_before)
        return;
    R->k->section(R->k, name, (struct loc){at->file, at->line}, origin);
}

void emit_key(struct creader *R, const struct ynode *at, const char *key, const char *value)
{
    if (R->dry || R->d->n > R->diags_before)
        return;
    R->k->key(R->k, key, value, (struct loc){at->file, at->line}, R->dir);
}

const char *want_scalar(struct creader *R, const struct ynode *n, const char *part, const char *key)
{
    if (n->kind == Y_SCALAR)
        return n->str;
    cproblem(R, n, part, key, "must be a single value, not %s", ykind_name(n->kind));
    return NULL;
}

bool want_bool(struct creader *R, const struct ynode *n, const char *part, const char *key,
               bool *out)
{
    static const char *const yes[] = {"true", "True", "TRUE", "yes", "on", NULL};
    static const char *const no[] = {"false", "False", "FALSE", "no", "off", NULL};
    if (n->kind == Y_SCALAR) {
        for (size_t i = 0; yes[i]; i++)
            if (streq(n->str, yes[i]))
                return *out = true;
        for (size_t i = 0; no[i]; i++)
            if (streq(n->str, no[i])) {
                *out = false;
                return true;
            }
    }
    cproblem(R, n, part, key, "must be true or false, not %s",
             n->kind == Y_SCALAR ? arena_printf(R->a, "'%s'", n->str) : ykind_name(n->kind));
    return false;
}

const char *part_name_for(struct creader *R, const char *name)
{
    char *p = arena_strdup(R->a, name);
    for (char *c = p; *c; c++)
        *c = *c == '-' || *c == '.' ? '_' : (char)tolower((unsigned char)*c);
    return p;
}

/* A volume or network part: its own name, unless a service (or a service's
 * build part) has that name: then <name>_volume, <name>_network. */
const char *object_part(struct creader *R, const char *what, const char *name)
{
    const char *p = part_name_for(R, name);
    struct ynode *svcs = ymap_get(R->doc, "services");
    for (size_t i = 0; svcs && svcs->kind == Y_MAP && i < svcs->n; i++) {
        const char *s = part_name_for(R, svcs->k[i]);
        if (streq(s, p) || streq(arena_printf(R->a, "%s_image", s), p))
            return arena_printf(R->a, "%s_%s", p, what);
    }
    if (streq(what, "volume")) { /* a volume and a network of one name */
        struct ynode *nets = ymap_get(R->doc, "networks");
        if (ymap_get(nets, name))
            return arena_printf(R->a, "%s_%s", p, what);
    }
    return p;
}

static void kv_lines(struct creader *R, struct ynode *m, const char *part, const char *key,
                     const char *berth_key)
{
    if (m->kind == Y_SEQ) {
        strbuf sb = STRBUF_INIT;
        for (size_t i = 0; i < m->n; i++) {
            const char *s = want_scalar(R, m->v[i], part, key);
            if (s)
                sb_addf(&sb, "%s%s", sb.len ? "\n" : "", s);
        }
        if (sb.len)
            emit_key(R, m, berth_key, escape_dollar(R, sb.buf));
        sb_release(&sb);
        return;
    }
    if (m->kind != Y_MAP) {
        cproblem(R, m, part, key, "must be a mapping, not %s", ykind_name(m->kind));
        return;
    }
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < m->n; i++) {
        const char *v = m->v[i]->kind == Y_NULL ? "" : want_scalar(R, m->v[i], part, key);
        if (v)
            sb_addf(&sb, "%s%s=%s", sb.len ? "\n" : "", m->k[i], v);
    }
    if (sb.len)
        emit_key(R, m, berth_key, escape_dollar(R, sb.buf));
    sb_release(&sb);
}

static void scalar_key(struct creader *R, struct ynode *v, const char *part, const char *key,
                       const char *berth_key)
{
    const char *s = want_scalar(R, v, part, key);
    if (s)
        emit_key(R, v, berth_key, escape_dollar(R, s));
}

static void bool_key(struct creader *R, struct ynode *v, const char *part, const char *key,
                     const char *berth_key)
{
    bool b;
    if (want_bool(R, v, part, key, &b))
        emit_key(R, v, berth_key, b ? "true" : "false");
}

static void ipam(struct creader *R, struct ynode *m, const char *part)
{
    if (m->kind != Y_MAP) {
        cproblem(R, m, part, "ipam", "must be a mapping, not %s", ykind_name(m->kind));
        return;
    }
    for (size_t i = 0; i < m->n; i++) {
        struct ynode *v = m->v[i];
        if (streq(m->k[i], "driver")) {
            const char *s = want_scalar(R, v, part, "ipam.driver");
            if (s && !streq(s, "default"))
                cproblem(R, v, part, "ipam.driver", "berth uses the engine's default IPAM driver "
                         "only");
        } else if (streq(m->k[i], "config")) {
            if (v->kind != Y_SEQ || v->n > 1) {
                cproblem(R, v, part, "ipam.config", "berth takes one subnet: a list of one "
                         "mapping (subnet, gateway, ip_range)");
                continue;
            }
            for (size_t j = 0; j < v->n; j++) {
                struct ynode *c = v->v[j];
                for (size_t k = 0; c->kind == Y_MAP && k < c->n; k++) {
                    const char *ck = c->k[k];
                    const char *full = arena_printf(R->a, "ipam.config.%s", ck);
                    if (streq(ck, "subnet"))
                        scalar_key(R, c->v[k], part, full, "subnet");
                    else if (streq(ck, "gateway"))
                        scalar_key(R, c->v[k], part, full, "gateway");
                    else if (streq(ck, "ip_range"))
                        scalar_key(R, c->v[k], part, full, "ip-range");
                    else
                        cproblem(R, c->kn[k], part, full, "berth does not support %s", full);
                }
                if (c->kind != Y_MAP)
                    cproblem(R, c, part, "ipam.config", "must be a mapping, not %s",
                             ykind_name(c->kind));
            }
        } else {
            cproblem(R, m->kn[i], part, arena_printf(R->a, "ipam.%s", m->k[i]),
                     "berth does not support ipam.%s", m->k[i]);
        }
    }
}

static void objects(struct creader *R, const char *what)
{
    const char *plural = arena_printf(R->a, "%ss", what);
    struct ynode *top = ymap_get(R->doc, plural);
    bool network = streq(what, "network");
    if (!top || top->kind == Y_NULL)
        return;
    if (top->kind != Y_MAP) {
        cproblem(R, top, NULL, plural, "must be a mapping, not %s", ykind_name(top->kind));
        return;
    }
    for (size_t i = 0; i < top->n; i++) {
        const char *name = top->k[i];
        struct ynode *def = top->v[i];
        if (network && streq(name, "default")) {
            if (def->kind == Y_MAP && def->n)
                cproblem(R, top->kn[i], NULL, "networks.default", "berth makes the project's "
                         "default network itself (<project>-default): its settings cannot be "
                         "changed; declare another network");
            continue;
        }
        const char *p = object_part(R, what, name);
        if (def->kind != Y_MAP && def->kind != Y_NULL) {
            cproblem(R, def, p, NULL, "a %s must be a mapping, not %s", what, ykind_name(def->kind));
            continue;
        }
        emit_section(R, p, top->kn[i], arena_printf(R->a, "%s %s", what, name));
        emit_key(R, top->kn[i], "recipe", what);
        for (size_t k = 0; def->kind == Y_MAP && k < def->n; k++) {
            const char *key = def->k[k];
            struct ynode *v = def->v[k];
            if (starts_with(key, "x-"))
                continue;
            if (streq(key, "name"))
                scalar_key(R, v, p, key, "name");
            else if (streq(key, "driver"))
                scalar_key(R, v, p, key, "driver");
            else if (streq(key, "driver_opts"))
                kv_lines(R, v, p, key, "options");
            else if (streq(key, "labels"))
                kv_lines(R, v, p, key, "labels");
            else if (network && streq(key, "internal"))
                bool_key(R, v, p, key, "internal");
            else if (network && streq(key, "enable_ipv6"))
                bool_key(R, v, p, key, "ipv6");
            else if (network && streq(key, "ipam"))
                ipam(R, v, p);
            else if (streq(key, "external"))
                cproblem(R, def->kn[k], p, key, "berth does not support external %ss (berth "
                         "makes the %ss of its project)", what, what);
            else
                cproblem(R, def->kn[k], p, key, "berth does not support %s of a %s", key, what);
        }
    }
}

/* secrets, configs: files of this machine only. */
static void files(struct creader *R, const char *what)
{
    struct ynode *top = ymap_get(R->doc, what);
    if (!top || top->kind == Y_NULL)
        return;
    if (top->kind != Y_MAP) {
        cproblem(R, top, NULL, what, "must be a mapping, not %s", ykind_name(top->kind));
        return;
    }
    for (size_t i = 0; i < top->n; i++) {
        struct ynode *def = top->v[i];
        if (def->kind != Y_MAP) {
            cproblem(R, top->kn[i], NULL, what, "%s: must be a mapping (file: PATH), not %s",
                     top->k[i], ykind_name(def->kind));
            continue;
        }
        for (size_t k = 0; k < def->n; k++) {
            if (streq(def->k[k], "file"))
                want_scalar(R, def->v[k], NULL, arena_printf(R->a, "%s.%s.file", what, top->k[i]));
            else
                cproblem(R, def->kn[k], NULL, arena_printf(R->a, "%s.%s.%s", what, top->k[i],
                                                           def->k[k]),
                         "berth takes %s from files only (file: PATH)", what);
        }
        if (!ymap_get(def, "file"))
            cproblem(R, top->kn[i], NULL, what, "%s: needs file: PATH", top->k[i]);
    }
}

void emit_toplevel(struct creader *R)
{
    struct ynode *doc = R->doc;
    for (size_t i = 0; i < doc->n; i++) {
        const char *k = doc->k[i];
        if (streq(k, "services") || streq(k, "volumes") || streq(k, "networks") ||
            streq(k, "secrets") || streq(k, "configs") || streq(k, "version") ||
            starts_with(k, "x-"))
            continue;
        if (streq(k, "name")) {
            R->project_name = want_scalar(R, doc->v[i], NULL, "name");
            continue;
        }
        cproblem(R, doc->kn[i], NULL, k, "not a top-level key of a Compose file (services, "
                 "networks, volumes, secrets, configs, name, version, x-...)");
    }
    if (!R->project_name)
        R->project_name = getvar(R, "COMPOSE_PROJECT_NAME");
    if (R->project_name) {
        struct ynode *n = ymap_get(doc, "name");
        struct ynode at = {.file = doc->file, .line = n ? n->line : 0, .col = n ? n->col : 0};
        emit_section(R, "project", n ? n : &at, "name");
        emit_key(R, n ? n : &at, "name", escape_dollar(R, R->project_name));
    }
    objects(R, "volume");
    objects(R, "network");
    files(R, "secrets");
    files(R, "configs");
}
