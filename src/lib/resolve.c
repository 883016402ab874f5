/* From substituted text to typed settings: every key's value is checked
 * against its type (with a message saying what is accepted), relative host
 * paths are made absolute, and references to other parts are checked for
 * existence and kind and recorded as dependencies. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "project_int.h"
#include "strbuf.h"
#include "util.h"
#include "values.h"

#define IMAGE_MAKERS                                                                       \
    ((1u << PART_BUILD) | (1u << PART_BOOTSTRAP) | (1u << PART_ASSEMBLE) | (1u << PART_PULL))

/* What a check works on: one key of one part. */
struct ck {
    struct loader *L;
    struct part *pt;
    int pi;
    struct rsec *s;
    struct rkv *kv;
};

static void bad(struct ck *c, const char *item, const char *why)
{
    report(c->L, c->s, c->kv, "'%s' %s", item, why);
}

void add_dep(struct loader *L, int from, int to, const char *key, struct loc loc)
{
    struct part *pt = &L->p->parts[from];
    for (size_t i = 0; i < pt->ndeps; i++)
        if (pt->deps[i].part == to)
            return;
    struct dep *d = ARENA_PUSH(L->a, pt->deps, pt->ndeps, L->dep_cap[from]);
    d->part = to;
    d->key = arena_strdup(L->a, key);
    d->loc = loc;
}

int find_image_maker(struct loader *L, const char *ref)
{
    const char *repo = image_repo(L->a, ref);
    for (size_t i = 0; i < L->p->nparts; i++) {
        struct part *pt = &L->p->parts[i];
        if ((IMAGE_MAKERS & (1u << pt->kind)) && pt->image &&
            streq(image_repo(L->a, pt->image), repo))
            return (int)i;
    }
    return -1;
}

static const char *kinds_text(unsigned mask)
{
    switch (mask) {
    case 1u << PART_CONTAINER: return "a container part";
    case 1u << PART_NETWORK: return "a network part";
    case 1u << PART_VOLUME: return "a volume part";
    case 1u << PART_ENGINE: return "an engine part";
    case IMAGE_MAKERS: return "a build, bootstrap, assemble or pull part";
    default: return "a part";
    }
}

/* name must be a part of one of the kinds in mask: report and return -1 if not. */
static int ref_part(struct ck *c, const char *name, unsigned mask)
{
    int i = project_find(c->L->p, name);
    if (i < 0) {
        struct rsec *t = loader_find_sec(c->L, name, NULL);
        if (t && t->invalid)
            return -1; /* reported already */
        report(c->L, c->s, c->kv, "no part '%s' in this project%s (it must name %s)", name,
               suggest_part(c->L, name, mask), kinds_text(mask));
        return -1;
    }
    if (mask && !(mask & (1u << c->L->p->parts[i].kind))) {
        report(c->L, c->s, c->kv, "'%s' is a %s part, but this must name %s", name,
               part_kind_name(c->L->p->parts[i].kind), kinds_text(mask));
        return -1;
    }
    add_dep(c->L, c->pi, i, c->kv->key, c->kv->loc);
    return i;
}

/* PART[:INSTANCE][:ro|:rw] */
static bool check_cref(struct ck *c, const char *text, bool allow_mode, struct cref *out)
{
    memset(out, 0, sizeof *out);
    out->instance = -1;
    char *t = arena_strdup(c->L->a, text);
    char *parts[3] = {t, NULL, NULL};
    int n = 1;
    for (char *p = t; *p && n <= 3; p++) {
        if (*p == ':') {
            *p = '\0';
            if (n == 3) {
                n = 4;
                break;
            }
            parts[n++] = p + 1;
        }
    }
    if (n > 1 && allow_mode && (streq(parts[n - 1], "ro") || streq(parts[n - 1], "rw"))) {
        out->read_only = streq(parts[n - 1], "ro");
        n--;
    }
    if (n > 2) {
        bad(c, text, allow_mode ? "is not a container reference (use PART, PART:INSTANCE, "
                                  "optionally followed by :ro or :rw)"
                                : "is not a container reference (use PART or PART:INSTANCE)");
        return false;
    }
    out->part = ref_part(c, parts[0], 1u << PART_CONTAINER);
    if (out->part < 0)
        return false;
    struct container *ct = c->L->p->parts[out->part].container;
    if (n == 2 && ct) {
        out->instance = container_instance(ct, parts[1]);
        if (out->instance < 0) {
            const char **names = arena_alloc(c->L->a, (ct->ninstances + 1) * sizeof *names);
            for (size_t i = 0; i < ct->ninstances; i++)
                names[i] = ct->instances[i].name;
            const char *near = nearest_word(parts[1], names, ct->ninstances);
            report(c->L, c->s, c->kv, "part '%s' has no instance '%s'%s%s%s", parts[0], parts[1],
                   near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
            return false;
        }
    }
    return true;
}

static const char *host_path(struct ck *c, const char *v)
{
    return join_path(c->L->a, c->kv->base ? c->kv->base : c->L->p->dir, v);
}

/* kind: 'd' folder, 'f' file, 0 anything */
static const char *existing(struct ck *c, const char *v, int kind)
{
    const char *path = host_path(c, v);
    struct stat st;
    if (stat(path, &st) != 0) {
        report(c->L, c->s, c->kv, "'%s' does not exist%s%s%s", v, streq(path, v) ? "" : " (",
               streq(path, v) ? "" : path, streq(path, v) ? "" : ")");
        return NULL;
    }
    if (kind == 'd' && !S_ISDIR(st.st_mode)) {
        bad(c, v, "is not a folder");
        return NULL;
    }
    if (kind == 'f' && !S_ISREG(st.st_mode)) {
        bad(c, v, "is not a regular file");
        return NULL;
    }
    return path;
}

static bool check_mount(struct ck *c, const char *item, const char **norm)
{
    static const char why[] = "is not a volume (use /PATH, SOURCE:/PATH or SOURCE:/PATH:ro, where "
                              "SOURCE is a host path or a volume part)";
    char *t = arena_strdup(c->L->a, item);
    const char *mode = NULL;
    char *last = strrchr(t, ':');
    if (last && (streq(last + 1, "ro") || streq(last + 1, "rw"))) {
        mode = last + 1;
        *last = '\0';
    }
    char *colon = strchr(t, ':');
    const char *src = colon ? t : NULL, *dst = colon ? colon + 1 : t;
    if (colon)
        *colon = '\0';
    if (dst[0] != '/' || strchr(dst, ':') || (src && !*src)) {
        bad(c, item, why);
        return false;
    }
    if (src && (src[0] == '/' || src[0] == '.' || src[0] == '~')) {
        if (src[0] == '~') {
            bad(c, item, "starts with ~, which is not expanded (write the path out, or use "
                         "${env:HOME})");
            return false;
        }
        src = host_path(c, src);
    } else if (src && ref_part(c, src, 1u << PART_VOLUME) < 0) {
        return false;
    }
    *norm = arena_printf(c->L->a, "%s%s%s%s%s", src ? src : "", src ? ":" : "", dst,
                         mode ? ":" : "", mode ? mode : "");
    return true;
}

/* One item of a list (or a scalar): check it, maybe rewrite it (*norm). */
static bool check_item(struct ck *c, enum ktype t, const char *v, const char **norm)
{
    const char *why = NULL;
    struct arena *a = c->L->a;
    int fam;
    *norm = v;
    switch (t) {
    case KT_STR:
        if (strchr(v, '\n'))
            why = "spans several lines, but must fit on one";
        break;
    case KT_TEXT:
    case KT_RECIPE:
    case KT_INSTANCES:
    case KT_PROJECT_NAME:
        break;
    case KT_BOOL: {
        bool b;
        why = parse_bool(v, &b);
        if (!why)
            *norm = b ? "true" : "false";
        break;
    }
    case KT_INT: {
        long long n;
        why = parse_int(v, 0, 2147483647, &n);
        break;
    }
    case KT_DURATION: {
        long long ms;
        why = parse_duration(v, &ms);
        break;
    }
    case KT_SIZE: {
        long long b;
        why = parse_size(v, &b);
        break;
    }
    case KT_ENUM:
        if (!enum_has(c->kv->def->choices, v)) {
            char *ch = arena_strdup(a, c->kv->def->choices);
            for (char *p = ch; *p; p++)
                if (*p == '|')
                    *p = '/';
            why = arena_printf(a, "is not accepted (use one of %s)", ch);
        }
        break;
    case KT_NAME: why = check_object_name(v); break;
    case KT_IMAGE:
        why = check_image_ref(v);
        if (!why && (c->pt->kind == PART_PULL || c->pt->kind == PART_PUSH) && !image_has_tag(v))
            *norm = arena_printf(a, "%s:latest", v); /* untagged pulls pull every tag */
        break;
    case KT_BUILD: return ref_part(c, v, IMAGE_MAKERS) >= 0;
    case KT_ENGINE: return ref_part(c, v, 1u << PART_ENGINE) >= 0;
    case KT_PARTS: return ref_part(c, v, 0) >= 0;
    case KT_CREF: {
        struct cref r;
        return check_cref(c, v, false, &r);
    }
    case KT_VOLFROM: {
        struct cref r;
        return check_cref(c, v, true, &r);
    }
    case KT_ARGV: {
        struct strv sv;
        why = split_argv(a, v, &sv);
        if (!why && sv.n == 0)
            why = "is an empty command (give one, or leave the key out)";
        break;
    }
    case KT_USER: why = streq(v, "host") ? NULL : check_user(v); break;
    case KT_RESTART: why = check_restart(v); break;
    case KT_HOSTNAME:
    case KT_ALIASES: why = check_hostname(v); break;
    case KT_IP: why = check_ip(v, &fam); break;
    case KT_CIDR: why = check_cidr(v, &fam); break;
    case KT_URL: why = check_engine_url(v); break;
    case KT_CPATH:
    case KT_CPATHS:
        if (v[0] != '/')
            why = "is not an absolute path inside the container (start it with /)";
        break;
    case KT_DIR: return (*norm = existing(c, v, 'd')) != NULL;
    case KT_FILE:
    case KT_FILES: return (*norm = existing(c, v, 'f')) != NULL;
    case KT_PATH: *norm = host_path(c, v); break;
    case KT_SOURCE:
    case KT_ARCHIVES:
        if (is_url(v))
            break;
        return (*norm = existing(c, v, t == KT_SOURCE ? 'd' : 'f')) != NULL;
    case KT_NETWORKS:
        if (streq(v, "host") || streq(v, "bridge") || streq(v, "none"))
            break;
        return ref_part(c, v, 1u << PART_NETWORK) >= 0;
    case KT_PORTS: {
        struct port pt;
        why = parse_port(a, v, &pt);
        break;
    }
    case KT_EXPOSE: why = check_expose(v); break;
    case KT_ENV: why = check_env_item(v); break;
    case KT_KV: why = check_kv_item(v); break;
    case KT_MOUNTS: return check_mount(c, v, norm);
    case KT_LINKS: {
        struct strv w;
        split_words(a, v, &w);
        struct cref r;
        if (w.n > 2) {
            why = "is not a link (use PART[:INSTANCE] [ALIAS])";
            break;
        }
        if (!check_cref(c, w.v[0], false, &r))
            return false;
        if (w.n == 2 && check_hostname(w.v[1]))
            why = "has an alias that is not a host name (use letters, digits and '-')";
        break;
    }
    case KT_COPYPATHS: {
        struct strv w;
        split_words(a, v, &w);
        if (w.n > 2 || w.v[0][0] != '/' || (w.n == 2 && w.v[1][0] != '/'))
            why = "is not a copy path (use /SOURCE or /SOURCE /DESTINATION, absolute paths "
                  "inside the containers; end a folder with /)";
        break;
    }
    }
    if (why)
        bad(c, v, why);
    return why == NULL;
}

/* Split an "# ..." comment line out of list values, then check each item. */
static bool check_setting(struct ck *c, struct setting *st)
{
    const struct keydef *d = c->kv->def;
    st->key = d->name;
    st->shape = ktype_shape(d->type);
    st->secret = c->kv->secret;
    st->loc = c->kv->loc;
    st->is_default = c->kv->layer == L_DEFAULT;
    const char *v = c->kv->val;
    if (st->shape != SHAPE_LIST) {
        if (!*v && d->type != KT_TEXT && d->type != KT_STR) {
            report(c->L, c->s, c->kv, "is empty (give a value, or leave the key out)");
            return false;
        }
        if (!check_item(c, d->type, v, &st->value))
            return false;
        if (st->shape == SHAPE_ARGV)
            split_argv(c->L->a, st->value, &st->items);
        return true;
    }
    struct strv raw;
    if (ktype_words(d->type)) {
        /* whitespace-separated, but a line starting with # is a comment */
        struct strv lines;
        split_lines(c->L->a, v, &lines);
        strbuf sb = STRBUF_INIT;
        for (size_t i = 0; i < lines.n; i++)
            if (lines.v[i][0] != '#')
                sb_addf(&sb, "%s\n", lines.v[i]);
        split_words(c->L->a, sb.buf, &raw);
        sb_release(&sb);
    } else {
        split_lines(c->L->a, v, &raw);
    }
    size_t cap = 0;
    bool ok = true;
    strbuf joined = STRBUF_INIT;
    for (size_t i = 0; i < raw.n; i++) {
        if (!ktype_words(d->type) && raw.v[i][0] == '#')
            continue;
        const char *norm;
        if (!check_item(c, d->type, raw.v[i], &norm)) {
            ok = false;
            continue;
        }
        strv_push(c->L->a, &st->items, &cap, norm);
        sb_addf(&joined, "%s%s", joined.len ? "\n" : "", norm);
    }
    if (!st->items.v)
        split_words(c->L->a, "", &st->items);
    st->value = arena_strdup(c->L->a, joined.buf);
    sb_release(&joined);
    return ok;
}

/* Checks that involve several keys of one part. */
static void check_combinations(struct loader *L, struct part *pt, struct rsec *s)
{
    const char *user = part_value(pt, "username"), *pass = part_value(pt, "password");
    if ((pt->kind == PART_PULL || pt->kind == PART_PUSH) && (!user) != (!pass))
        report(L, s, sec_find(s, user ? "username" : "password"),
               "is set without '%s' (a registry login needs both, or neither)",
               user ? "password" : "username");
    if (pt->kind == PART_NETWORK) {
        const char *subnet = part_value(pt, "subnet");
        const char *keys[] = {"gateway", "ip-range"};
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
            const char *v = part_value(pt, keys[i]);
            if (v && !subnet)
                report(L, s, sec_find(s, keys[i]), "needs 'subnet' to be set as well");
            else if (v && !ipv4_in_cidr(v, subnet))
                report(L, s, sec_find(s, keys[i]), "'%s' is outside the subnet %s", v, subnet);
        }
        if (subnet && strchr(subnet, ':') && !streq(part_value(pt, "ipv6"), "true"))
            report(L, s, sec_find(s, "subnet"), "'%s' is an IPv6 subnet: set ipv6 = true", subnet);
    }
    if (pt->kind == PART_ENGINE) {
        bool priv = streq(part_value(pt, "private"), "true");
        if (priv && !part_value(pt, "dir"))
            report(L, s, NULL, "a private engine needs 'dir' (the folder its state lives in)");
        if (!priv && !part_value(pt, "url"))
            report(L, s, NULL, "key 'url': missing (the engine's address, like "
                               "unix:///var/run/docker.sock; or set private = true and dir)");
        if (!part_value(pt, "tls-cert") != !part_value(pt, "tls-key"))
            report(L, s, NULL, "set both 'tls-cert' and 'tls-key', or neither");
    }
    if (pt->kind == PART_COPY) {
        const char *from = part_value(pt, "container-from"), *to = part_value(pt, "container-to");
        if (from && to && streq(from, to))
            report(L, s, sec_find(s, "container-to"), "copies '%s' onto itself", to);
    }
}

static void make_settings(struct loader *L, int pi)
{
    struct part *pt = &L->p->parts[pi];
    struct rsec *s = L->part_sec[pi];
    size_t n;
    const struct keydef *keys = schema_keys((int)pt->kind, &n);
    pt->settings = arena_alloc(L->a, (n + s->nkv) * sizeof *pt->settings);
    for (size_t k = 0; k < n; k++) {
        struct rkv *kv = sec_find(s, keys[k].name);
        if (!kv && streq(keys[k].name, "recipe")) {
            struct setting *st = &pt->settings[pt->nsettings++];
            *st = (struct setting){.key = "recipe", .value = part_kind_name(pt->kind),
                                   .is_default = true, .loc = pt->loc};
            continue;
        }
        if (!kv && pt->kind == PART_ENGINE && streq(keys[k].name, "url")) {
            /* A private engine listens where berth starts it: in its dir. */
            struct rkv *priv = sec_find(s, "private"), *dir = sec_find(s, "dir");
            bool on = false;
            if (priv && priv->val && !parse_bool(priv->val, &on) && on && dir && dir->val) {
                struct setting *st = &pt->settings[pt->nsettings++];
                *st = (struct setting){
                    .key = "url", .is_default = true, .loc = pt->loc,
                    .value = arena_printf(L->a, "unix://%s/docker.sock",
                                          join_path(L->a, dir->base ? dir->base : L->p->dir,
                                                    dir->val))};
            }
            continue;
        }
        if (!kv && (keys[k].flags & F_REQUIRED)) {
            bool either = streq(keys[k].name, "image") &&
                          (pt->kind == PART_CONTAINER || pt->kind == PART_TASK);
            report(L, s, NULL, "key '%s': missing (%s)", keys[k].name,
                   either ? "set 'image', or 'build' to a build part or folder"
                          : arena_printf(L->a, "%s parts need it", part_kind_name(pt->kind)));
            continue;
        }
        if (!kv || !kv->val)
            continue;
        struct ck c = {L, pt, pi, s, kv};
        struct setting st = {0};
        if (check_setting(&c, &st))
            pt->settings[pt->nsettings++] = st;
    }
    for (size_t k = 0; k < s->nkv; k++) {
        struct rkv *kv = &s->kv[k];
        if (kv->def || kv->dropped || !kv->val)
            continue;
        pt->settings[pt->nsettings++] = (struct setting){
            .key = kv->key, .value = kv->val, .secret = kv->secret, .loc = kv->loc};
    }
    check_combinations(L, pt, s);
}

static void project_settings(struct loader *L)
{
    struct project *p = L->p;
    struct rsec *s = loader_find_sec(L, "project", NULL);
    size_t n;
    const struct keydef *keys = schema_keys(SCHEMA_PROJECT, &n);
    p->settings = arena_alloc(L->a, (n + s->nkv) * sizeof *p->settings);
    p->name = "project";
    for (size_t k = 0; k < s->nkv; k++) {
        struct rkv *kv = &s->kv[k];
        if (kv->dropped || !kv->val)
            continue;
        struct setting *st = &p->settings[p->nsettings];
        *st = (struct setting){.key = kv->key, .value = kv->val, .loc = kv->loc,
                               .is_default = kv->layer == L_DEFAULT, .secret = kv->secret};
        if (streq(kv->key, "data")) {
            st->value = join_path(L->a, kv->base ? kv->base : p->dir, kv->val);
            p->data_dir = st->value;
        } else if (streq(kv->key, "engine")) {
            int i = project_find(p, kv->val);
            if (i < 0 || p->parts[i].kind != PART_ENGINE) {
                report(L, s, kv, "'%s' is not an engine part of this project%s", kv->val,
                       suggest_part(L, kv->val, 1u << PART_ENGINE));
                continue;
            }
            p->engine_part = i;
        } else if (streq(kv->key, "name")) {
            p->name = kv->val;
        }
        p->nsettings++;
    }
    /* keep table order: name, dir, data, engine, description, then x-* */
    struct setting *sorted = arena_alloc(L->a, (p->nsettings + 1) * sizeof *sorted);
    size_t m = 0;
    for (size_t k = 0; k <= n; k++)
        for (size_t i = 0; i < p->nsettings; i++)
            if (k < n ? streq(p->settings[i].key, keys[k].name)
                      : !schema_find(SCHEMA_PROJECT, p->settings[i].key))
                sorted[m++] = p->settings[i];
    p->settings = sorted;
    p->nsettings = m;
}

static void make_parts(struct loader *L)
{
    struct project *p = L->p;
    size_t n = 0;
    for (size_t i = 0; i < L->nsec; i++)
        if (!L->sec[i]->invalid && L->sec[i]->kind >= 0 && L->sec[i]->kind < PART_KIND_COUNT)
            n++;
    p->parts = arena_alloc(L->a, (n + 1) * sizeof *p->parts);
    L->part_sec = arena_alloc(L->a, (n + 1) * sizeof *L->part_sec);
    L->dep_cap = xcalloc(n + 1, sizeof *L->dep_cap);
    for (size_t i = 0; i < L->nsec; i++) {
        struct rsec *s = L->sec[i];
        if (s->invalid || s->kind < 0 || s->kind >= PART_KIND_COUNT)
            continue;
        struct part *pt = &p->parts[p->nparts];
        pt->name = s->name;
        pt->kind = (enum part_kind)s->kind;
        pt->loc = s->loc;
        pt->folder = s->folder;
        pt->engine_part = -1;
        s->part = (int)p->nparts;
        L->part_sec[p->nparts++] = s;
    }
}

/* The images parts make, known before anything that uses one is checked. */
static void image_makers(struct loader *L)
{
    for (size_t i = 0; i < L->p->nparts; i++) {
        struct part *pt = &L->p->parts[i];
        if (!(IMAGE_MAKERS & (1u << pt->kind)))
            continue;
        struct rkv *kv = sec_find(L->part_sec[i], "image");
        if (!kv || !kv->val || check_image_ref(kv->val))
            continue; /* reported with the other settings */
        int other = find_image_maker(L, kv->val);
        if (other >= 0) {
            report(L, L->part_sec[i], kv, "'%s' is made by part '%s' already (give this one "
                                          "another image name)",
                   kv->val, L->p->parts[other].name);
            continue;
        }
        pt->image = pt->kind == PART_PULL && !image_has_tag(kv->val)
                        ? arena_printf(L->a, "%s:latest", kv->val)
                        : kv->val;
    }
}

void resolve_parts(struct loader *L)
{
    struct project *p = L->p;
    make_parts(L);
    project_settings(L);
    image_makers(L);
    instances_names(L);
    for (size_t i = 0; i < p->nparts; i++)
        make_settings(L, (int)i);
    for (size_t i = 0; i < L->nrefs; i++)
        if (L->refs[i].from->part >= 0 && L->refs[i].to->part >= 0)
            add_dep(L, L->refs[i].from->part, L->refs[i].to->part, L->refs[i].what,
                    L->refs[i].loc);
    for (size_t i = 0; i < p->nparts; i++) {
        struct part *pt = &p->parts[i];
        const char *eng = part_value(pt, "engine");
        pt->engine_part = eng ? project_find(p, eng) : -1;
        if (!eng && pt->kind != PART_ENGINE && p->engine_part >= 0) {
            pt->engine_part = p->engine_part;
            add_dep(L, (int)i, p->engine_part, "engine", p->parts[p->engine_part].loc);
        }
        if (!pt->image && (pt->kind == PART_CONTAINER || pt->kind == PART_TASK ||
                           pt->kind == PART_PUSH || pt->kind == PART_DISKIMAGE))
            pt->image = part_value(pt, "image");
        if (pt->kind == PART_BUILD) {
            const char *src = part_value(pt, "source"), *df = part_value(pt, "dockerfile");
            if (src && df && !is_url(src)) {
                const char *path = join_path(L->a, src, df);
                dockerfile_froms(L, pt, path, shown_abs(L, path));
            }
        }
        /* image users depend on the part that makes their image */
        static const char *const uses[] = {"image", "builder", "base"};
        for (size_t k = 0; k < ARRAY_SIZE(uses); k++) {
            const struct setting *st = part_setting(pt, uses[k]);
            if (!st || (streq(uses[k], "image") && (IMAGE_MAKERS & (1u << pt->kind))))
                continue;
            int maker = find_image_maker(L, st->value);
            if (maker >= 0 && maker != (int)i)
                add_dep(L, (int)i, maker, uses[k], st->loc);
        }
    }
    instances_resolve(L);
}
