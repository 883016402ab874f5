/* Container parts: their instances and instance types (DockerOps, seed
 * 001), and the typed struct container built from checked settings.
 *
 * Which instances: the `instances` key; else the [part:NAME] sections of
 * the files; else one instance named "main" (on demand when a run.conf
 * does not name the folder: `berth up` leaves it out, `berth up web`
 * starts it).
 *
 * Each instance property (instance-type and the five below) is taken from
 * the first of: -s part:inst.KEY, -s part.KEY, [part:inst] (project file,
 * then the folder's [container:inst]), [part] (project file, then folder
 * file), the instance type's default. For instance-type, an instance named
 * like a type (master, published, interactive, safemode) has that type
 * unless [part:inst] or the command line says otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/caller.h"
#include "project/loader.h"
#include "base/util.h"
#include "project/values.h"

enum { P_LINKED, P_PUBLISH, P_DATA, P_OPT, P_LOG, P_COUNT };

static const char *const prop_names[P_COUNT] = {
    "linked", "publish_ports", "persistent_data", "persistent_opt", "persistent_log",
};

/* The table of seed 001. */
static const bool type_defaults[INSTANCE_TYPE_COUNT][P_COUNT] = {
    [INSTANCE_STANDARD] = {true, false, false, false, true},
    [INSTANCE_PUBLISHED] = {true, true, false, false, false},
    [INSTANCE_MASTER] = {true, true, true, false, false},
    [INSTANCE_INTERACTIVE] = {true, false, false, false, false},
    [INSTANCE_SAFEMODE] = {false, false, false, false, false},
};

static const char *const type_names[INSTANCE_TYPE_COUNT] = {
    "standard", "published", "master", "interactive", "safemode",
};

const char *instance_type_name(enum instance_type t)
{
    return t < INSTANCE_TYPE_COUNT ? type_names[t] : "?";
}

int instance_type_from_name(const char *s)
{
    for (int t = 0; t < INSTANCE_TYPE_COUNT; t++)
        if (streq(type_names[t], s))
            return t;
    return -1;
}

/* up web:nodea: entry "part:inst" adds inst to part when no file lists it. */
static void add_on_the_fly(struct loader *L, const struct part *pt, const char *entry,
                           struct strv *names, size_t *cap)
{
    const char *colon = strchr(entry, ':');
    if (!colon || strlen(pt->name) != (size_t)(colon - entry) ||
        strncmp(entry, pt->name, (size_t)(colon - entry)) || !valid_part_name(colon + 1))
        return;
    for (size_t j = 0; j < names->n; j++)
        if (streq(names->v[j], colon + 1))
            return;
    strv_push(L->a, names, cap, arena_strdup(L->a, colon + 1));
}

/* The -s settings of an instance made on the fly, one a line, so its label
 * remembers them and the next `up` (which has none) makes the same one. */
static const char *fly_sets(struct loader *L, const char *part, const char *inst)
{
    size_t lp = strlen(part), li = strlen(inst), len = 0;
    for (int i = 0; i < L->o->nsets; i++)
        len += strlen(L->o->sets[i]) + 1;
    char *out = arena_alloc(L->a, len + 1), *at = out;
    for (int i = 0; i < L->o->nsets; i++) {
        const char *e = L->o->sets[i];
        if (strncmp(e, part, lp) || e[lp] != ':' || strncmp(e + lp + 1, inst, li) ||
            e[lp + 1 + li] != '.')
            continue;
        at += sprintf(at, "%s%s", at == out ? "" : "\n", e);
    }
    *at = 0;
    return out;
}

static void list_instances(struct loader *L, struct part *pt, struct rsec *s)
{
    struct container *ct = pt->container;
    struct rkv *kv = sec_find(s, "instances");
    struct strv names = {0};
    size_t cap = 0;
    struct loc at = pt->loc;
    if (kv && kv->val) {
        struct strv lines, w;
        split_lines(L->a, kv->val, &lines);
        at = kv->loc;
        for (size_t i = 0; i < lines.n; i++) {
            if (lines.v[i][0] == '#')
                continue;
            split_words(L->a, lines.v[i], &w);
            for (size_t k = 0; k < w.n; k++) {
                const char *n = w.v[k];
                if (names.n == PROJECT_MAX_INSTANCES) {
                    load_problem(L, s, kv, "more than %d instances: berth's limit for a part",
                                 PROJECT_MAX_INSTANCES);
                    break;
                }
                bool dup = false;
                for (size_t j = 0; j < names.n; j++)
                    dup = dup || streq(names.v[j], n);
                if (!valid_part_name(n))
                    load_problem(L, s, kv, "'%s' is not an instance name (use lower-case letters, "
                                     "digits and '_'; no '-'; like '%s')",
                           n, fix_part_name(L->a, n));
                else if (dup)
                    load_problem(L, s, kv, "instance '%s' is listed twice", n);
                else
                    strv_push(L->a, &names, &cap, n);
            }
        }
    } else {
        for (size_t i = 0; i < s->ninsts; i++) {
            struct rsec *is = s->insts[i];
            if (!is->invalid && is->in_file)
                strv_push(L->a, &names, &cap, is->inst);
        }
    }
    /* With a run.conf, DockerOps ran exactly what it lists: the implied
     * main of a folder it does not name runs only when a target names it. */
    bool on_demand = names.n == 0 && L->run_conf && pt->folder;
    if (names.n == 0)
        strv_push(L->a, &names, &cap, "main");
    /* berth run -i web:debug: an instance no file declares, for this run. */
    const char *adhoc = L->o->adhoc_instance, *colon = adhoc ? strchr(adhoc, ':') : NULL;
    size_t adhoc_at = (size_t)-1;
    if (colon && strlen(pt->name) == (size_t)(colon - adhoc) &&
        !strncmp(adhoc, pt->name, (size_t)(colon - adhoc)) && valid_part_name(colon + 1)) {
        bool dup = false;
        for (size_t j = 0; j < names.n; j++)
            dup = dup || streq(names.v[j], colon + 1);
        if (!dup) {
            adhoc_at = names.n;
            strv_push(L->a, &names, &cap, arena_strdup(L->a, colon + 1));
        }
    }
    size_t fly_from = names.n;
    for (int f = 0; f < L->o->nfly; f++)
        add_on_the_fly(L, pt, L->o->fly[f], &names, &cap);
    ct->ninstances = names.n;
    ct->instances = arena_alloc(L->a, names.n * sizeof *ct->instances);
    for (size_t i = 0; i < names.n; i++) {
        ct->instances[i].name = names.v[i];
        struct rsec *is = loader_find_sec(L, pt->name, names.v[i]);
        ct->instances[i].loc = is && is->loc.file ? is->loc : at;
        ct->instances[i].adhoc = i == adhoc_at;
        ct->instances[i].on_demand = on_demand && i == 0;
        if (i >= fly_from) {
            ct->instances[i].on_the_fly = true;
            ct->instances[i].fly_sets = fly_sets(L, pt->name, names.v[i]);
        }
    }
    /* Every [part:inst] must name a listed instance. */
    for (size_t i = 0; i < s->ninsts; i++) {
        struct rsec *is = s->insts[i];
        if (is->invalid || container_instance(ct, is->inst) >= 0)
            continue;
        const char *near = nearest_word(is->inst, names.v, names.n);
        report_at(L, is->loc, pt->name, NULL,
                  "no instance '%s'%s%s%s (instances are listed by the 'instances' key)", is->inst,
                  near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
        is->invalid = true;
    }
}

void instances_names(struct loader *L)
{
    for (size_t i = 0; i < L->p->nparts; i++) {
        struct part *pt = &L->p->parts[i];
        if (pt->kind != PART_CONTAINER)
            continue;
        pt->container = arena_alloc(L->a, sizeof *pt->container);
        list_instances(L, pt, L->part_sec[i]);
    }
}

/* The property's winning source, by the order in the comment on top. */
static struct rkv *pick(struct rsec *is, struct rsec *s, const char *key, bool *from_instance)
{
    struct rkv *ik = is ? sec_find(is, key) : NULL, *ck = sec_find(s, key);
    *from_instance = false;
    if (ik && ik->val && ik->layer == L_CLI)
        return *from_instance = true, ik;
    if (ck && ck->val && ck->layer == L_CLI)
        return ck;
    if (ik && ik->val)
        return *from_instance = true, ik;
    return ck && ck->val ? ck : NULL;
}

static void add_setting(struct instance *in, const char *key, const char *value,
                        struct loc loc, bool dflt)
{
    struct setting *st = &in->settings[in->nsettings++];
    *st = (struct setting){.key = key, .value = value, .loc = loc, .is_default = dflt,
                           .shape = streq(key, "instance-type") || streq(key, "description")
                                        ? SHAPE_STRING
                                        : SHAPE_BOOL};
}

static void resolve_instance(struct loader *L, struct part *pt, struct rsec *s, struct instance *in)
{
    struct rsec *is = loader_find_sec(L, pt->name, in->name);
    if (is && is->invalid)
        is = NULL;
    in->settings = arena_alloc(L->a, (P_COUNT + 2) * sizeof *in->settings);
    bool from_inst;
    struct rkv *tk = pick(is, s, "instance-type", &from_inst);
    int named = instance_type_from_name(in->name);
    if (in->adhoc && named < 0)
        named = (int)L->o->adhoc_type; /* as if named after its type */
    int type = INSTANCE_STANDARD;
    if (tk && (from_inst || tk->layer == L_CLI || named < 0)) {
        type = instance_type_from_name(tk->val);
        if (type < 0) {
            if (from_inst) /* the part's own value was checked with its settings */
                load_problem(L, is, tk, "'%s' is not an instance type (use standard, published, "
                                  "master, interactive or safemode)",
                       tk->val);
            type = INSTANCE_STANDARD;
        }
        add_setting(in, "instance-type", type_names[type], tk->loc, false);
    } else {
        type = named >= 0 ? named : INSTANCE_STANDARD;
        add_setting(in, "instance-type", type_names[type], in->loc, true);
    }
    in->type = (enum instance_type)type;
    bool *props[P_COUNT] = {&in->linked, &in->publish_ports, &in->persistent_data,
                            &in->persistent_opt, &in->persistent_log};
    for (int k = 0; k < P_COUNT; k++) {
        struct rkv *kv = pick(is, s, prop_names[k], &from_inst);
        bool v = type_defaults[type][k];
        const char *why = kv ? parse_bool(kv->val, &v) : NULL;
        if (why && from_inst)
            load_problem(L, is, kv, "'%s' %s", kv->val, why);
        if (!kv || why)
            v = type_defaults[type][k];
        *props[k] = v;
        add_setting(in, prop_names[k], v ? "true" : "false", kv && !why ? kv->loc : in->loc,
                    !kv || why);
    }
    struct rkv *desc = is ? sec_find(is, "description") : NULL;
    if (desc && desc->val)
        add_setting(in, "description", desc->val, desc->loc, false);
    in->interactive = type == INSTANCE_INTERACTIVE || type == INSTANCE_SAFEMODE;
    in->run_entrypoint_local = type != INSTANCE_SAFEMODE;
    in->container_name = arena_concat(L->a, L->p->name, "-", pt->name, "-", in->name, NULL);
    in->data_dir = arena_concat(L->a, L->p->data_dir, "/", pt->name, "/", in->name, NULL);
}

static struct strv items(struct loader *L, struct part *pt, const char *key)
{
    const struct setting *st = part_setting(pt, key);
    struct strv sv;
    if (st)
        return st->items;
    split_words(L->a, "", &sv);
    return sv;
}

static bool flag(struct part *pt, const char *key)
{
    return streq(part_value(pt, key), "true");
}

static long long duration(struct part *pt, const char *key)
{
    long long ms = -1;
    const char *v = part_value(pt, key);
    if (v)
        parse_duration(v, &ms);
    return ms;
}

/* The length of an environment item's name: "A" in "A=1". */
static size_t env_name_len(const char *item)
{
    return strcspn(item, "=");
}

static bool same_name(const char *a, const char *b)
{
    size_t n = env_name_len(a);
    return n == env_name_len(b) && !strncmp(a, b, n);
}

/* The container's environment: its env-files' lines (docker's env-file
 * format, values.h env_file_line; a later line or file wins over an
 * earlier one for a name), then its env items, which win over the files.
 * Each name once: the engine keeps duplicates, and which one a process
 * sees is up to its libc. The values are in the create body, so a change
 * of a file's content recreates the container; config shows only the
 * files' names. */
static void container_env(struct loader *L, struct part *pt, struct rsec *s)
{
    struct container *ct = pt->container;
    struct strv own = items(L, pt, "env"), all = {0};
    size_t cap = 0;
    for (size_t f = 0; f < ct->env_files.n; f++) {
        const char *path = ct->env_files.v[f], *why = NULL;
        cleanup_free char *text = slurp_file(path, NULL, &why);
        if (!text) {
            load_problem(L, s, sec_find(s, "env-files"), "cannot read '%s': %s",
                         shown_abs(L, path), why);
            continue;
        }
        char *line = text;
        if (!strncmp(line, "\xEF\xBB\xBF", 3)) /* a byte order mark, as docker skips it */
            line += 3;
        for (int no = 1; line; no++) {
            char *end = strchr(line, '\n'), *next = end ? end + 1 : NULL;
            if (end)
                *end = '\0';
            else
                end = line + strlen(line);
            if (end > line && end[-1] == '\r')
                end[-1] = '\0';
            const char *item;
            why = env_file_line(L->a, line, L->env, &item);
            if (why)
                report_at(L, (struct loc){shown_abs(L, path), no}, pt->name, "env-files",
                          "'%s' %s", line + strspn(line, " \t"), why);
            size_t k = 0;
            while (item && k < all.n && !same_name(all.v[k], item))
                k++;
            if (item && k < all.n)
                all.v[k] = item;
            else if (item)
                strv_push(L->a, &all, &cap, item);
            line = next;
        }
    }
    size_t kept = 0;
    for (size_t k = 0; k < all.n; k++) {
        bool overridden = false;
        for (size_t e = 0; e < own.n && !overridden; e++)
            overridden = same_name(all.v[k], own.v[e]);
        if (!overridden)
            all.v[kept++] = all.v[k];
    }
    all.n = kept;
    if (all.v)
        all.v[kept] = NULL;
    for (size_t e = 0; e < own.n; e++)
        strv_push(L->a, &all, &cap, own.v[e]);
    if (!all.v) /* no file and no env: an empty list, as items() gives */
        split_words(L->a, "", &all);
    ct->env = all;
}

/* PART[:INSTANCE][:ro|:rw] [ALIAS], known to be valid. */
static struct cref parse_cref(struct loader *L, const char *text)
{
    struct cref r = {.part = -1, .instance = -1};
    struct strv w, f;
    split_words(L->a, text, &w);
    char *t = arena_strdup(L->a, w.n ? w.v[0] : "");
    for (char *p = t; *p; p++)
        if (*p == ':')
            *p = ' ';
    split_words(L->a, t, &f);
    if (f.n == 0)
        return r;
    r.part = project_find(L->p, f.v[0]);
    for (size_t i = 1; i < f.n; i++) {
        if (streq(f.v[i], "ro") || streq(f.v[i], "rw"))
            r.read_only = streq(f.v[i], "ro");
        else if (r.part >= 0 && L->p->parts[r.part].container)
            r.instance = container_instance(L->p->parts[r.part].container, f.v[i]);
    }
    r.alias = w.n > 1 ? w.v[1] : L->p->parts[r.part >= 0 ? r.part : 0].name;
    return r;
}

static void container_build(struct loader *L, struct part *pt, struct rsec *s)
{
    struct container *ct = pt->container;
    ct->image = part_value(pt, "image");
    ct->image_part = ct->image ? find_image_maker(L, ct->image) : -1;
    ct->command = items(L, pt, "command");
    ct->entrypoint = items(L, pt, "entrypoint");
    ct->env_files = items(L, pt, "env-files");
    container_env(L, pt, s);
    ct->labels = items(L, pt, "labels");
    ct->aliases = items(L, pt, "network-aliases");
    ct->healthcheck = items(L, pt, "healthcheck");
    ct->ready = items(L, pt, "ready");
    struct strv v = items(L, pt, "ports");
    ct->ports = arena_alloc(L->a, (v.n + 1) * sizeof *ct->ports);
    for (size_t i = 0; i < v.n; i++)
        parse_port(L->a, v.v[i], &ct->ports[ct->nports++]);
    ct->publish = part_value(pt, "publish");
    v = items(L, pt, "volumes");
    ct->volumes = arena_alloc(L->a, (v.n + 1) * sizeof *ct->volumes);
    for (size_t i = 0; i < v.n; i++) {
        struct mount *m = &ct->volumes[ct->nvolumes++];
        char *t = arena_strdup(L->a, v.v[i]), *last = strrchr(t, ':');
        m->volume_part = -1;
        if (last && (streq(last + 1, "ro") || streq(last + 1, "rw"))) {
            m->read_only = streq(last + 1, "ro");
            *last = '\0';
        }
        char *colon = strchr(t, ':');
        m->target = colon ? colon + 1 : t;
        if (colon) {
            *colon = '\0';
            m->source = t;
            if (t[0] != '/') {
                m->volume_part = project_find(L->p, t);
                if (m->volume_part >= 0)
                    m->source = part_value(&L->p->parts[m->volume_part], "name");
            }
        }
    }
    v = items(L, pt, "volumes-from");
    ct->volumes_from = arena_alloc(L->a, (v.n + 1) * sizeof *ct->volumes_from);
    for (size_t i = 0; i < v.n; i++)
        ct->volumes_from[ct->nvolumes_from++] = parse_cref(L, v.v[i]);
    v = items(L, pt, "links");
    ct->links = arena_alloc(L->a, (v.n + 1) * sizeof *ct->links);
    for (size_t i = 0; i < v.n; i++)
        ct->links[ct->nlinks++] = parse_cref(L, v.v[i]);
    v = items(L, pt, "networks");
    ct->networks = arena_alloc(L->a, (v.n + 1) * sizeof *ct->networks);
    for (size_t i = 0; i < v.n; i++) {
        struct netref *n = &ct->networks[ct->nnetworks++];
        n->part = project_find(L->p, v.v[i]);
        n->name = n->part >= 0 ? part_value(&L->p->parts[n->part], "name") : v.v[i];
    }
    /* network-addresses: NETWORK ADDRESS, for networks the part joins; a
     * fixed address belongs to one container. */
    const struct setting *na = part_setting(pt, "network-addresses");
    v = items(L, pt, "network-addresses");
    for (size_t i = 0; i < v.n; i++) {
        struct strv w;
        split_words(L->a, v.v[i], &w);
        if (w.n != 2)
            continue; /* checks.c said so */
        struct netref *n = NULL;
        for (size_t j = 0; j < ct->nnetworks; j++)
            if (ct->networks[j].part >= 0 && streq(L->p->parts[ct->networks[j].part].name, w.v[0]))
                n = &ct->networks[j];
        if (!n) {
            report_at(L, na->loc, pt->name, "network-addresses",
                      "'%s' is not one of the part's networks (add it to networks)", w.v[0]);
            continue;
        }
        if (ct->ninstances > 1) {
            report_at(L, na->loc, pt->name, "network-addresses",
                      "a fixed address fits one container, and this part has %zu instances",
                      ct->ninstances);
            continue;
        }
        if (strchr(w.v[1], ':'))
            n->ipv6 = w.v[1];
        else
            n->ipv4 = w.v[1];
    }
    ct->user = part_value(pt, "user");
    if (streq(ct->user, "host")) {
        /* The caller (under sudo, the user who ran sudo): base/caller.h. */
        struct caller who;
        caller_identify(&who, L->env);
        ct->user_is_host = true;
        ct->host_uid = who.uid;
        ct->host_gid = who.gid;
    }
    ct->tty = flag(pt, "tty");
    ct->start = flag(pt, "start");
    ct->keep = flag(pt, "keep");
    ct->oneshot = flag(pt, "oneshot");
    ct->hostname = part_value(pt, "hostname");
    ct->workdir = part_value(pt, "workdir");
    ct->restart = part_value(pt, "restart");
    /* A part that runs once and exits 0 must not be restarted by the engine:
     * up would never see it finished. */
    if (ct->oneshot && ct->restart && !streq(ct->restart, "no"))
        load_problem(L, s, sec_find(s, "oneshot"), "'oneshot = true' runs the container once: "
                     "it needs 'restart = no', not '%s'", ct->restart);
    ct->healthcheck_interval_ms = duration(pt, "healthcheck-interval");
    ct->ready_timeout_ms = duration(pt, "ready-timeout");
    ct->stop_timeout_ms = duration(pt, "stop-timeout");
    ct->healthcheck_timeout_ms = duration(pt, "healthcheck-timeout");
    ct->healthcheck_start_period_ms = duration(pt, "healthcheck-start-period");
    const char *retries = part_value(pt, "healthcheck-retries");
    ct->healthcheck_retries = retries ? atoi(retries) : 3;
    ct->cap_add = items(L, pt, "cap-add");
    ct->cap_drop = items(L, pt, "cap-drop");
    ct->tmpfs = items(L, pt, "tmpfs");
    ct->extra_hosts = items(L, pt, "extra-hosts");
    ct->privileged = flag(pt, "privileged");
    ct->init = flag(pt, "init");
    ct->read_only = flag(pt, "read-only");
    ct->stdin_open = flag(pt, "stdin-open");
    const char *cpus = part_value(pt, "cpus"), *mem = part_value(pt, "memory");
    if (cpus)
        parse_cpus(cpus, &ct->nano_cpus); /* checked with the key's type */
    if (mem)
        parse_memory(mem, &ct->memory_bytes);
    ct->expose = items(L, pt, "expose");
    ct->layout = part_value(pt, "layout");
    ct->hosts_file = part_value(pt, "hosts-file");
    ct->script = part_value(pt, "script");
    ct->script_shell = part_value(pt, "script-shell");
    ct->script_user = part_value(pt, "script-user");
    if (pt->folder) {
        const char *el = arena_printf(L->a, "%s/entrypoint-local.sh", pt->folder);
        struct stat st;
        if (stat(el, &st) == 0 && S_ISREG(st.st_mode))
            ct->entrypoint_local = el;
    }
}

void instances_resolve(struct loader *L)
{
    for (size_t i = 0; i < L->p->nparts; i++) {
        struct part *pt = &L->p->parts[i];
        if (pt->kind != PART_CONTAINER)
            continue;
        struct rsec *s = L->part_sec[i];
        for (size_t j = 0; j < pt->container->ninstances; j++)
            resolve_instance(L, pt, s, &pt->container->instances[j]);
        container_build(L, pt, s);
    }
}
