/* The parts of the model: one per valid section, with its settings in the
 * order of its kind's key table, the images parts make (known before any
 * use of one is checked), dependencies from references and substitutions,
 * checks that involve several keys, and the [project] settings. */

#include <string.h>

#include "project/stages.h"
#include "base/util.h"
#include "project/values.h"

/* Keys the schema knows but nothing acts on yet: refused where they are
 * written, never accepted and ignored. Written with the value that means
 * "as without it" (commit = true, tty = false) they are accepted. */
static const struct {
    unsigned kinds;    /* bit per part kind */
    const char *key;
    const char *inert; /* the value that changes nothing, or NULL: any value is refused */
    const char *why;
} not_acting[] = {
    {1u << PART_BOOTSTRAP, "commit", "true",
     "a bootstrap always commits its image (commit = false is not supported)"},
    {1u << PART_BOOTSTRAP, "volumes", NULL, "a bootstrap's script runs without volumes"},
    {1u << PART_BOOTSTRAP, "volumes-from", NULL, "a bootstrap's script runs without volumes"},
    {1u << PART_BOOTSTRAP, "tty", "false", "a bootstrap's script runs without a terminal"},
};

static void refuse_not_acting(struct loader *L, struct part *pt, struct rsec *s)
{
    for (size_t i = 0; i < ARRAY_SIZE(not_acting); i++) {
        if (!(not_acting[i].kinds & (1u << pt->kind)))
            continue;
        struct rkv *kv = sec_find(s, not_acting[i].key);
        const char *v = part_value(pt, not_acting[i].key);
        if (!kv || kv->layer == L_DEFAULT || !v ||
            (not_acting[i].inert && streq(v, not_acting[i].inert)))
            continue;
        load_problem(L, s, kv, "not supported: %s (remove it%s%s)", not_acting[i].why,
                     not_acting[i].inert ? ", or set it to " : "",
                     not_acting[i].inert ? not_acting[i].inert : "");
    }
}

/* A key written with a value other than its default: one that would act,
 * were its part able to act on it. (berth config writes defaults out, so a
 * resolved file has them written: those are inert.) */
static struct rkv *written(struct part *pt, struct rsec *s, const char *key)
{
    struct rkv *kv = sec_find(s, key);
    if (!kv || kv->layer == L_DEFAULT)
        return NULL;
    const struct keydef *d = schema_find((int)pt->kind, key);
    const char *v = part_value(pt, key);
    return d && d->dflt && v && streq(v, d->dflt) ? NULL : kv;
}

static void check_combinations(struct loader *L, struct part *pt, struct rsec *s)
{
    const char *ha = pt->kind == PART_ENGINE ? part_value(pt, "host-address") : NULL;
    int family = 0;
    const char *bad = ha ? check_ip(ha, &family) : NULL;
    if (bad)
        load_problem(L, s, sec_find(s, "host-address"),
                     "'%s' %s (links across engines put it in /etc/hosts)", ha, bad);
    const char *user = part_value(pt, "username"), *pass = part_value(pt, "password");
    if ((pt->kind == PART_PULL || pt->kind == PART_PUSH) && (!user) != (!pass))
        load_problem(L, s, sec_find(s, user ? "username" : "password"),
               "is set without '%s' (a registry login needs both, or neither)",
               user ? "password" : "username");
    if (pt->kind == PART_NETWORK) {
        /* Several subnets make a dual-stack network, as the engine's IPAM
         * takes them: at most one per family; gateway and ip-range belong to
         * the subnet of their family. */
        const struct setting *sn = part_setting(pt, "subnet");
        const char *v4 = NULL, *v6 = NULL;
        for (size_t i = 0; sn && i < sn->items.n; i++) {
            const char **slot = strchr(sn->items.v[i], ':') ? &v6 : &v4;
            if (*slot)
                load_problem(L, s, sec_find(s, "subnet"),
                             "'%s' is a second %s subnet (give at most one IPv4 and one IPv6)",
                             sn->items.v[i], slot == &v6 ? "IPv6" : "IPv4");
            *slot = sn->items.v[i];
        }
        const char *keys[] = {"gateway", "ip-range"};
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
            const char *v = part_value(pt, keys[i]);
            const char *subnet = v && strchr(v, ':') ? v6 : v4;
            if (v && !subnet)
                load_problem(L, s, sec_find(s, keys[i]), "needs 'subnet' to be set as well (%s)",
                             strchr(v, ':') ? "an IPv6 one" : "an IPv4 one");
            else if (v && !strchr(v, ':') && !ipv4_in_cidr(v, subnet))
                load_problem(L, s, sec_find(s, keys[i]), "'%s' is outside the subnet %s", v, subnet);
        }
        if (v6 && !streq(part_value(pt, "ipv6"), "true"))
            load_problem(L, s, sec_find(s, "subnet"), "'%s' is an IPv6 subnet: set ipv6 = true", v6);
    }
    if (pt->kind == PART_ENGINE) {
        bool priv = streq(part_value(pt, "private"), "true");
        if (priv && !part_value(pt, "dir"))
            load_problem(L, s, NULL, "a private engine needs 'dir' (the folder its state lives in)");
        const char *ctx = part_value(pt, "context");
        if (!priv && !ctx && !part_value(pt, "url"))
            load_problem(L, s, NULL, "key 'url': missing (the engine's address, like "
                               "unix:///var/run/docker.sock; or a docker context = NAME; or "
                               "private = true and dir)");
        if (ctx && (priv || sec_find(s, "url")))
            load_problem(L, s, sec_find(s, "context"),
                         "'context' names the engine: give it, or url, or private = true, not two");
        if (!part_value(pt, "tls-cert") != !part_value(pt, "tls-key"))
            load_problem(L, s, NULL, "set both 'tls-cert' and 'tls-key', or neither");
    }
    if (pt->kind == PART_TASK) {
        const struct setting *cmd = part_setting(pt, "command");
        for (size_t i = 0; cmd && i < cmd->items.n; i++)
            if (strstr(cmd->items.v[i], "${args}") && !streq(cmd->items.v[i], "${args}"))
                load_problem(L, s, sec_find(s, "command"),
                             "'${args}' must be a word of its own (the task's arguments go "
                             "there, one word each): write sh -c 'make \"$@\"' sh ${args}");
    }
    if (pt->kind == PART_ASSEMBLE) {
        if (part_value(pt, "base-image") && part_value(pt, "archives"))
            load_problem(L, s, sec_find(s, "archives"),
                         "the assemble container starts from 'base-image' or from 'archives', "
                         "not both");
        static const char *const needs_build[] = {"copy", "build-script", "build-command",
                                                  "build-layout", "build-env",
                                                  "build-volumes-from"};
        for (size_t i = 0; i < ARRAY_SIZE(needs_build) && !part_value(pt, "build-image"); i++)
            if (written(pt, s, needs_build[i]))
                load_problem(L, s, written(pt, s, needs_build[i]),
                             "needs 'build-image' (the build container it is about)");
        static const char *const owner[] = {"layout-uid", "layout-gid"};
        for (size_t i = 0; i < ARRAY_SIZE(owner) && !part_value(pt, "layout"); i++)
            if (written(pt, s, owner[i]))
                load_problem(L, s, written(pt, s, owner[i]), "needs 'layout' (the files it owns)");
        if (streq(part_value(pt, "squash"), "true"))
            load_problem(L, s, sec_find(s, "squash"),
                         "not supported on assemble parts in this version (remove it, or set it "
                         "to false)");
    }
    if (pt->kind == PART_DISKIMAGE) {
        /* Each flow's keys: one written for the other flow would do nothing. */
        bool builder = part_value(pt, "build-image") != NULL;
        const char *fmt = part_value(pt, "format");
        if (builder && !part_value(pt, "image-file"))
            load_problem(L, s, sec_find(s, "build-image"),
                         "needs 'image-file' (the disk image the build script makes in the "
                         "build container)");
        static const char *const builder_only[] = {
            "image-file", "prepare-script", "build-script", "build-command",
            "build-volumes-from", "privileged", "build-root", "build-script-shell",
            "build-script-user"};
        static const char *const builtin_only[] = {"format", "size", "fs", "label",
                                                   "partition-table"};
        const char *const *keys = builder ? builtin_only : builder_only;
        size_t nkeys = builder ? ARRAY_SIZE(builtin_only) : ARRAY_SIZE(builder_only);
        for (size_t i = 0; i < nkeys; i++) {
            struct rkv *kv = written(pt, s, keys[i]);
            if (kv)
                load_problem(L, s, kv, builder ? "is for berth's own flow, not with "
                                                 "'build-image' (whose build script makes the "
                                                 "file): remove it"
                                               : "needs 'build-image' (the build container of "
                                                 "dockeroo's flow)");
        }
        static const char *const disk_only[] = {"fs", "partition-table"};
        for (size_t i = 0; i < ARRAY_SIZE(disk_only) && !builder && fmt &&
                           strncmp(fmt, "ext", 3) == 0; i++) {
            struct rkv *kv = written(pt, s, disk_only[i]);
            if (kv)
                load_problem(L, s, kv, "is for format = raw or qcow2 (format = %s is the file "
                                       "system itself): remove it", fmt);
        }
    }
    if (pt->kind == PART_COPY) {
        const char *from = part_value(pt, "container-from"), *to = part_value(pt, "container-to");
        if (from && to && streq(from, to))
            load_problem(L, s, sec_find(s, "container-to"), "copies '%s' onto itself", to);
    }
}

static void make_settings(struct loader *L, int pi)
{
    struct part *pt = &L->p->parts[pi];
    struct rsec *s = L->part_sec[pi];
    size_t n;
    const struct keydef *keys = schema_keys((int)pt->kind, &n);
    /* Room for every key of the kind, of which a part sets a few: made in
     * a buffer of the heap, then copied to the arena at its size (the
     * room left unused was 6 of the 31 MB of a 2,000-part project). */
    struct setting *room = xmalloc((n + s->nkv) * sizeof *room); /* each written whole */
    pt->settings = room;
    /* the part's keys by their place in the table, in one pass over them */
    struct rkv **have = xcalloc(n + 1, sizeof *have);
    sec_by_def(s, keys, n, have);
    unsigned short *at = arena_alloc(L->a, (n + 1) * sizeof *at);
    for (size_t k = 0; k < n; k++) {
        struct rkv *kv = have[k];
        if (!kv && streq(keys[k].name, "recipe")) {
            at[k] = (unsigned short)(pt->nsettings + 1);
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
                at[k] = (unsigned short)(pt->nsettings + 1);
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
            load_problem(L, s, NULL, "key '%s': missing (%s)", keys[k].name,
                   either ? "set 'image', or 'build' to a build part or folder"
                          : arena_printf(L->a, "%s parts need it", part_kind_name(pt->kind)));
            continue;
        }
        if (!kv || !kv->val)
            continue;
        struct setting st = {0};
        if (!check_setting(L, pt, pi, s, kv, &st))
            continue;
        at[k] = (unsigned short)(pt->nsettings + 1);
        pt->settings[pt->nsettings++] = st;
    }
    for (size_t k = 0; k < s->nkv; k++) {
        struct rkv *kv = &s->kv[k];
        if (kv->def || kv->dropped || !kv->val)
            continue;
        pt->settings[pt->nsettings++] = (struct setting){
            .key = kv->key, .value = kv->val, .secret = kv->secret, .loc = kv->loc};
    }
    pt->settings = arena_alloc(L->a, (pt->nsettings + 1) * sizeof *pt->settings);
    memcpy(pt->settings, room, pt->nsettings * sizeof *pt->settings);
    pt->setting_at = at; /* (the settings are where they will stay) */
    free(room);
    free(have);
    check_combinations(L, pt, s);
    refuse_not_acting(L, pt, s);
}

/* A link to a part on another engine reaches that part's published port at
 * its engine part's host-address: both must be there, or the link could
 * not resolve (refused here rather than failing at up). */
static void check_links_across_engines(struct loader *L)
{
    const struct project *p = L->p;
    for (size_t i = 0; i < p->nparts; i++) {
        const struct part *pt = &p->parts[i];
        if (pt->kind != PART_CONTAINER)
            continue;
        for (size_t k = 0; k < pt->container->nlinks; k++) {
            const struct cref *r = &pt->container->links[k];
            if (r->part < 0 || p->parts[r->part].kind != PART_CONTAINER)
                continue;
            const struct part *to = &p->parts[r->part];
            if (to->engine_part == pt->engine_part)
                continue;
            struct rsec *s = L->part_sec[i];
            struct rkv *kv = sec_find(s, "links");
            const char *here = pt->engine_part >= 0 ? p->parts[pt->engine_part].name : "the default engine";
            if (to->engine_part < 0)
                load_problem(L, s, kv,
                             "link to '%s', which lives on the default engine while this part "
                             "lives on '%s': a link across engines reaches the linked part's "
                             "published port at its engine part's host-address; put '%s' on "
                             "an engine part (engine = NAME) that sets host-address",
                             to->name, here, to->name);
            else if (!part_value(&p->parts[to->engine_part], "host-address"))
                load_problem(L, s, kv,
                             "link to '%s' on engine part '%s' (%s:%d), which has no "
                             "host-address: set host-address = the address this host's other "
                             "engines' containers reach its published ports on",
                             to->name, p->parts[to->engine_part].name,
                             p->parts[to->engine_part].loc.file,
                             p->parts[to->engine_part].loc.line);
            const struct instance *ti =
                &to->container->instances[r->instance < 0 ? 0 : r->instance];
            if (to->container->nports == 0 || !ti->publish_ports)
                load_problem(L, s, kv,
                             "link to '%s', which lives on another engine and publishes no "
                             "port: a link across engines reaches a published port; give "
                             "'%s' ports = ADDRESS:PORT:PORT bound to an address the other "
                             "engine's containers reach (and publish_ports = true, or an "
                             "instance type that publishes)",
                             to->name, to->name);
        }
    }
}

/* [project] registry: HOST[:PORT][/PATH], a registry the engines reach.
 * The engine reads a first part without '.' or ':' (other than localhost)
 * as a Docker Hub user, so such a name is no registry. */
static bool registry_shape(const char *v)
{
    size_t host = strcspn(v, "/");
    if (!host || strstr(v, "://"))
        return false;
    bool dot_or_colon = false;
    for (size_t i = 0; i < host; i++) {
        char c = v[i];
        if (c == '.' || c == ':')
            dot_or_colon = true;
        else if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') &&
                 c != '-')
            return false;
    }
    const char *colon = memchr(v, ':', host);
    if (colon && !v[colon - v + 1])
        return false;
    for (const char *c = colon ? colon + 1 : v + host; colon && c < v + host; c++)
        if (*c < '0' || *c > '9')
            return false;
    if (!dot_or_colon && !(host == 9 && !strncmp(v, "localhost", 9)))
        return false;
    /* the path: lower-case repository components */
    for (const char *c = v + host; *c; c++) {
        if (*c == '/' && (!c[1] || c[1] == '/'))
            return false;
        if (*c != '/' && !(*c >= 'a' && *c <= 'z') && !(*c >= '0' && *c <= '9') && *c != '.' &&
            *c != '_' && *c != '-')
            return false;
    }
    return true;
}

/* The registry images move through, and its login: the three keys go
 * together (a login with no registry would do nothing). */
static void check_move_registry(struct loader *L, struct rsec *s)
{
    struct rkv *reg = NULL, *user = NULL, *pass = NULL;
    for (size_t k = 0; k < s->nkv; k++) {
        struct rkv *kv = &s->kv[k];
        if (kv->dropped || !kv->val)
            continue;
        if (streq(kv->key, "registry"))
            reg = kv;
        else if (streq(kv->key, "registry-username"))
            user = kv;
        else if (streq(kv->key, "registry-password"))
            pass = kv;
    }
    if (reg && !registry_shape(reg->val))
        load_problem(L, s, reg, "'%s' is not a registry: say HOST[:PORT][/PATH] (127.0.0.1:5000, "
                     "registry.example.com/team); the engine reads a first part without '.' "
                     "or ':' (other than localhost) as a Docker Hub user", reg->val);
    struct rkv *login = user ? user : pass;
    if (login && !reg)
        load_problem(L, s, login, "%s without registry: name the registry images move "
                     "through between engines (registry = HOST[:PORT])", login->key);
    else if (user && !pass)
        load_problem(L, s, user, "registry-username needs registry-password");
    else if (pass && !user)
        load_problem(L, s, pass, "registry-password needs registry-username");
}

/* A copy part acts where its containers live: it reads container-from on
 * that one's engine and writes container-to on its own, so its task (and
 * its record, kept in the destination) goes on container-to's engine. An
 * `engine` of its own would place nothing: refused. */
static void copy_parts_engines(struct loader *L)
{
    struct project *p = L->p;
    for (size_t i = 0; i < p->nparts; i++) {
        struct part *pt = &p->parts[i];
        if (pt->kind != PART_COPY)
            continue;
        struct rsec *s = L->part_sec[i];
        struct rkv *eng = sec_find(s, "engine");
        if (eng && eng->layer != L_DEFAULT)
            load_problem(L, s, eng, "a copy part acts on the engines of its containers "
                         "(container-from's and container-to's), not on one of its own: "
                         "remove 'engine'");
        const char *to = part_value(pt, "container-to");
        if (!to)
            continue;
        cleanup_free char *name = xstrndup(to, strcspn(to, ":"));
        int t = project_find(p, name);
        if (t >= 0)
            pt->engine_part = p->parts[t].engine_part;
    }
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
                load_problem(L, s, kv, "'%s' is not an engine part of this project%s", kv->val,
                       suggest_part(L, kv->val, 1u << PART_ENGINE));
                continue;
            }
            p->engine_part = i;
        } else if (streq(kv->key, "name")) {
            p->name = kv->val;
        }
        p->nsettings++;
    }
    check_move_registry(L, s);
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
    strmap_init(&p->part_index, L->a);
    L->part_sec = arena_alloc(L->scratch, (n + 1) * sizeof *L->part_sec);
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
        strmap_put(&p->part_index, pt->name, (void *)(uintptr_t)p->nparts, false);
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
            load_problem(L, L->part_sec[i], kv, "'%s' is made by part '%s' already (give this one "
                                          "another image name)",
                   kv->val, L->p->parts[other].name);
            continue;
        }
        pt->image = pt->kind == PART_PULL && !image_has_tag(kv->val)
                        ? arena_printf(L->a, "%s:latest", kv->val)
                        : kv->val;
        note_image_maker(L, (int)i);
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
                           pt->kind == PART_PUSH))
            pt->image = part_value(pt, "image");
        if (pt->kind == PART_DISKIMAGE)
            pt->image = part_value(pt, "base-image");
        if (pt->kind == PART_BUILD) {
            const char *src = part_value(pt, "source"), *df = part_value(pt, "dockerfile");
            if (src && df && !is_url(src)) {
                const char *path = join_path(L->a, src, df);
                dockerfile_froms(L, pt, path, shown_abs(L, path));
            }
        }
        /* image users depend on the part that makes their image */
        static const char *const uses[] = {"image", "build-image", "base-image"};
        for (size_t k = 0; k < ARRAY_SIZE(uses); k++) {
            const struct setting *st = part_setting(pt, uses[k]);
            if (!st || (streq(uses[k], "image") && (IMAGE_MAKERS & (1u << pt->kind))))
                continue;
            int maker = find_image_maker(L, st->value);
            if (maker >= 0 && maker != (int)i)
                add_dep(L, (int)i, maker, uses[k], st->loc);
        }
    }
    copy_parts_engines(L);
    instances_resolve(L);
    check_links_across_engines(L);
}

