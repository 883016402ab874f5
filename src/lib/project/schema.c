#include "project/schema.h"

#include <assert.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "base/util.h"
#include "base/words.h"

#define K(n, t, ...) {.name = (n), .type = (t), __VA_ARGS__}
#define HEAD K("recipe", KT_RECIPE, .flags = F_REQUIRED), K("description", KT_STR)
#define TAIL K("depends", KT_PARTS), K("engine", KT_ENGINE), K("timeout", KT_DURATION)
#define IMAGE_OUT K("image", KT_IMAGE, .dflt = "${project:name}/%n")
#define SCRIPT(prefix)                                                                     \
    K(prefix "script", KT_TEXT), K(prefix "script-shell", KT_CPATH, .dflt = "/bin/sh"),   \
        K(prefix "script-user", KT_USER)

static const struct keydef build_keys[] = {
    HEAD,
    K("source", KT_SOURCE, .flags = F_REQUIRED),
    K("dockerfile", KT_STR, .dflt = "Dockerfile"),
    IMAGE_OUT,
    K("build-args", KT_KV),
    K("target", KT_STR),
    K("labels", KT_KV),
    K("pull", KT_BOOL, .dflt = "false"),
    K("no-cache", KT_BOOL, .dflt = "false"),
    K("squash", KT_BOOL, .dflt = "false"),
    K("keep", KT_BOOL, .dflt = "false"),
    TAIL,
};

static const struct keydef bootstrap_keys[] = {
    HEAD,
    IMAGE_OUT,
    K("archives", KT_ARCHIVES),
    K("files", KT_HOSTFILES),
    K("container", KT_NAME, .dflt = "${project:name}-%n-bootstrap"),
    K("layout", KT_DIR),
    K("layout-uid", KT_INT, .dflt = "0"),
    K("layout-gid", KT_INT, .dflt = "0"),
    SCRIPT(""),
    K("command", KT_ARGV),
    K("entrypoint", KT_ARGV),
    K("env", KT_ENV),
    K("workdir", KT_CPATH),
    K("user", KT_USER),
    K("labels", KT_KV),
    K("expose", KT_EXPOSE),
    K("commit", KT_BOOL, .dflt = "true"),
    K("squash", KT_BOOL, .dflt = "false"),
    K("tty", KT_BOOL, .dflt = "false"),
    K("volumes", KT_MOUNTS),
    K("volumes-from", KT_VOLFROM),
    K("keep", KT_BOOL, .dflt = "false"),
    TAIL,
};

static const struct keydef container_keys[] = {
    HEAD,
    K("image", KT_IMAGE, .flags = F_REQUIRED),
    K("build", KT_BUILD),
    K("pull-policy", KT_ENUM, .dflt = "missing", .choices = "missing|always|never"),
    K("platform", KT_STR),
    K("instances", KT_INSTANCES),
    K("instance-type", KT_ENUM, .flags = F_INSTANCE,
      .choices = "standard|published|master|interactive|safemode"),
    K("command", KT_ARGV),
    K("entrypoint", KT_ARGV),
    K("env", KT_ENV),
    K("env-files", KT_FILES),
    K("ports", KT_PORTS),
    K("publish", KT_IP, .dflt = "127.0.0.1"),
    K("volumes", KT_MOUNTS),
    K("volumes-from", KT_VOLFROM),
    K("networks", KT_NETWORKS),
    K("network-aliases", KT_ALIASES),
    K("network-addresses", KT_NETADDRS),
    K("links", KT_LINKS),
    K("hosts-file", KT_FILE),
    K("user", KT_USER),
    K("tty", KT_BOOL, .dflt = "false"),
    K("hostname", KT_HOSTNAME),
    K("workdir", KT_CPATH),
    K("labels", KT_KV),
    K("restart", KT_RESTART, .dflt = "no"),
    K("healthcheck", KT_ARGV),
    K("healthcheck-interval", KT_DURATION, .dflt = "10s"),
    K("healthcheck-timeout", KT_DURATION),
    K("healthcheck-retries", KT_INT, .dflt = "3"),
    K("healthcheck-start-period", KT_DURATION),
    K("ready", KT_ARGV),
    K("ready-timeout", KT_DURATION, .dflt = "60s"),
    K("stop-timeout", KT_DURATION, .dflt = "10s"),
    K("cap-add", KT_CAPS),
    K("cap-drop", KT_CAPS),
    K("privileged", KT_BOOL, .dflt = "false"),
    K("init", KT_BOOL, .dflt = "false"),
    K("read-only", KT_BOOL, .dflt = "false"),
    K("tmpfs", KT_CPATHS),
    K("extra-hosts", KT_EXTRAHOSTS),
    K("expose", KT_EXPOSE),
    K("stdin-open", KT_BOOL, .dflt = "false"),
    K("linked", KT_BOOL, .flags = F_INSTANCE),
    K("publish_ports", KT_BOOL, .flags = F_INSTANCE),
    K("persistent_data", KT_BOOL, .flags = F_INSTANCE),
    K("persistent_opt", KT_BOOL, .flags = F_INSTANCE),
    K("persistent_log", KT_BOOL, .flags = F_INSTANCE),
    K("layout", KT_DIR),
    K("layout-uid", KT_INT, .dflt = "0"),
    K("layout-gid", KT_INT, .dflt = "0"),
    SCRIPT(""),
    K("start", KT_BOOL, .dflt = "true"),
    K("oneshot", KT_BOOL, .dflt = "false"),
    K("keep", KT_BOOL, .dflt = "false"),
    /* limits: HostConfig NanoCpus/Memory for up, Resources.Limits for deploy */
    K("cpus", KT_CPUS),
    K("memory", KT_MEMORY),
    /* berth deploy (a swarm service) only: up refuses them (swarm/refuse.c) */
    K("replicas", KT_INT),
    K("update-parallelism", KT_INT),
    K("update-delay", KT_DURATION),
    K("update-order", KT_ENUM, .choices = "start-first|stop-first"),
    K("failure-action", KT_ENUM, .choices = "rollback|pause|continue"),
    K("secrets", KT_FILES),
    K("configs", KT_FILES),
    TAIL,
};

static const struct keydef network_keys[] = {
    HEAD,
    K("name", KT_NAME, .dflt = "${project:name}-%n"),
    K("driver", KT_NAME, .dflt = "bridge"),
    K("subnet", KT_CIDRS),
    K("gateway", KT_IP),
    K("ip-range", KT_CIDR),
    K("ipv6", KT_BOOL, .dflt = "false"),
    K("internal", KT_BOOL, .dflt = "false"),
    K("options", KT_KV),
    K("labels", KT_KV),
    K("keep", KT_BOOL, .dflt = "false"),
    TAIL,
};

static const struct keydef volume_keys[] = {
    HEAD,
    K("name", KT_NAME, .dflt = "${project:name}-%n"),
    K("driver", KT_NAME, .dflt = "local"),
    K("options", KT_KV),
    K("labels", KT_KV),
    K("keep", KT_BOOL, .dflt = "false"),
    TAIL,
};

static const struct keydef copy_keys[] = {
    HEAD,
    K("container-from", KT_CREF, .flags = F_REQUIRED),
    K("container-to", KT_CREF, .flags = F_REQUIRED),
    K("paths", KT_COPYPATHS, .flags = F_REQUIRED),
    TAIL,
};

#define REGISTRY K("registry", KT_STR), K("username", KT_STR), K("password", KT_STR, .flags = F_SECRET)

#define PULL_POLICY K("pull-policy", KT_ENUM, .dflt = "missing", .choices = "missing|always|never")

static const struct keydef pull_keys[] = {
    HEAD,
    K("image", KT_IMAGE, .flags = F_REQUIRED),
    REGISTRY,
    K("platform", KT_STR),
    PULL_POLICY,
    K("keep", KT_BOOL, .dflt = "false"),
    TAIL,
};

static const struct keydef push_keys[] = {
    HEAD,
    K("image", KT_IMAGE, .flags = F_REQUIRED),
    REGISTRY,
    K("repository", KT_STR),
    K("tags", KT_TAGS),
    TAIL,
};

/* dockeroo's gentoo-build (seed 003), for any distribution: its option
 * names are the documented ones; berth's earlier builder/base are aliases. */
static const struct keydef assemble_keys[] = {
    HEAD,
    K("image", KT_IMAGE, .dflt = "${project:name}/%n", .alias = "name"),
    K("build-image", KT_IMAGE, .alias = "builder"),
    K("build-container", KT_NAME, .dflt = "${project:name}-%n-build"),
    K("build-command", KT_ARGV),
    K("build-env", KT_ENV),
    K("build-layout", KT_DIR),
    SCRIPT("build-"),
    K("build-volumes-from", KT_VOLFROM),
    K("base-image", KT_IMAGE, .alias = "base"),
    K("archives", KT_ARCHIVES),
    K("assemble-container", KT_NAME, .dflt = "${project:name}-%n-assemble"),
    K("layout", KT_DIR),
    K("layout-uid", KT_INT, .dflt = "0"),
    K("layout-gid", KT_INT, .dflt = "0"),
    K("copy", KT_COPYPATHS),
    K("script", KT_TEXT),
    K("script-shell", KT_CPATH, .dflt = "/bin/sh", .alias = "shell"), /* dockeroo's `shell` */
    K("script-user", KT_USER),
    K("command", KT_ARGV),
    K("entrypoint", KT_ARGV),
    K("user", KT_USER),
    K("workdir", KT_CPATH),
    K("env", KT_ENV),
    K("labels", KT_KV),
    K("expose", KT_EXPOSE),
    K("volumes", KT_CPATHS),
    K("squash", KT_BOOL, .dflt = "false"),
    K("tty", KT_BOOL, .dflt = "false"),
    K("keep", KT_BOOL, .dflt = "false"),
    TAIL,
};

/* dockeroo's gentoo-diskimage (builder flow: build-image, prepare-script,
 * build-root, build-script, image-file), and berth's own flow that needs no
 * builder: format, size, fs. */
static const struct keydef diskimage_keys[] = {
    HEAD,
    K("base-image", KT_IMAGE, .flags = F_REQUIRED, .alias = "image"),
    K("output", KT_PATH, .flags = F_REQUIRED, .alias = "location"),
    K("format", KT_ENUM, .dflt = "ext4", .choices = "ext2|ext3|ext4|raw|qcow2"),
    K("size", KT_SIZE, .dflt = "256M"),
    K("fs", KT_ENUM, .dflt = "ext4", .choices = "ext2|ext3|ext4"),
    K("partition-table", KT_ENUM, .dflt = "msdos", .choices = "msdos|gpt"),
    K("label", KT_STR),
    K("build-image", KT_IMAGE, .alias = "builder"),
    K("build-command", KT_ARGV),
    K("build-volumes-from", KT_VOLFROM),
    K("privileged", KT_BOOL, .dflt = "false"),
    K("build-root", KT_CPATH, .dflt = "/mnt"),
    K("image-file", KT_CPATH),
    K("prepare-script", KT_TEXT),
    SCRIPT("build-"),
    K("keep", KT_BOOL, .dflt = "false"),
    TAIL,
};

static const struct keydef task_keys[] = {
    HEAD,
    K("image", KT_IMAGE, .flags = F_REQUIRED),
    K("build", KT_BUILD),
    K("command", KT_ARGV, .flags = F_REQUIRED),
    K("entrypoint", KT_ARGV),
    K("user", KT_USER, .dflt = "host"),
    K("mount-source", KT_BOOL, .dflt = "true"),
    K("workdir", KT_CPATH, .dflt = "${project:dir}"),
    K("env", KT_ENV),
    K("env-files", KT_FILES),
    K("volumes", KT_MOUNTS),
    K("networks", KT_NETWORKS),
    K("tty", KT_BOOL, .dflt = "false"),
    TAIL,
};

static const struct keydef engine_keys[] = {
    HEAD,
    K("url", KT_URL), /* required unless private or context: resolve.c */
    K("context", KT_STR), /* a docker context's name (engine/context.h) */
    K("private", KT_BOOL, .dflt = "false"),
    K("dir", KT_PATH),
    K("api-version", KT_STR),
    K("tls-verify", KT_BOOL, .dflt = "false"),
    K("tls-ca", KT_FILE),
    K("tls-cert", KT_FILE),
    K("tls-key", KT_FILE),
    /* the address other engines' containers reach this engine's published
     * ports on: links across engines resolve to it (converge/linkaddr.c) */
    K("host-address", KT_STR),
    K("depends", KT_PARTS),
    K("timeout", KT_DURATION),
};

static const struct keydef project_keys[] = {
    K("name", KT_PROJECT_NAME),
    K("dir", KT_STR, .flags = F_READONLY),
    K("data", KT_PATH, .dflt = ".berth/data"),
    K("engine", KT_ENGINE),
    /* images made on one engine and used on another move through it, and
     * its login (converge/imagemove.c); none: streamed engine to engine */
    K("registry", KT_STR),
    K("registry-username", KT_STR),
    K("registry-password", KT_STR, .flags = F_SECRET),
    K("description", KT_STR),
};

static const struct keydef instance_keys[] = {
    K("instance-type", KT_ENUM, .choices = "standard|published|master|interactive|safemode"),
    K("linked", KT_BOOL),
    K("publish_ports", KT_BOOL),
    K("persistent_data", KT_BOOL),
    K("persistent_opt", KT_BOOL),
    K("persistent_log", KT_BOOL),
    K("description", KT_STR),
};

static const struct {
    const char *name;
    const struct keydef *keys;
    size_t n;
} tables[SCHEMA_COUNT] = {
#define T(k, n, t) [k] = {n, t, ARRAY_SIZE(t)}
    T(PART_BUILD, "build", build_keys),
    T(PART_BOOTSTRAP, "bootstrap", bootstrap_keys),
    T(PART_CONTAINER, "container", container_keys),
    T(PART_NETWORK, "network", network_keys),
    T(PART_VOLUME, "volume", volume_keys),
    T(PART_COPY, "copy", copy_keys),
    T(PART_PULL, "pull", pull_keys),
    T(PART_PUSH, "push", push_keys),
    T(PART_ASSEMBLE, "assemble", assemble_keys),
    T(PART_DISKIMAGE, "diskimage", diskimage_keys),
    T(PART_TASK, "task", task_keys),
    T(PART_ENGINE, "engine", engine_keys),
    T(SCHEMA_PROJECT, "project", project_keys),
    T(SCHEMA_INSTANCE, "instance", instance_keys),
    [SCHEMA_VARS] = {"vars", NULL, 0},
#undef T
};

static const char *const kind_names[PART_KIND_COUNT] = {
    "build", "bootstrap", "container", "network", "volume", "copy",
    "pull", "push", "assemble", "diskimage", "task", "engine",
};

const char *schema_kind_name(int kind)
{
    return kind >= 0 && kind < SCHEMA_COUNT ? tables[kind].name : "?";
}

const char *part_kind_name(enum part_kind k)
{
    return schema_kind_name((int)k);
}

int schema_kind_from_name(const char *s)
{
    for (int k = 0; k < PART_KIND_COUNT; k++)
        if (streq(kind_names[k], s))
            return k;
    return -1;
}

const char *const *schema_kind_names(size_t *n)
{
    *n = PART_KIND_COUNT;
    return kind_names;
}

size_t schema_ndefaults(int kind)
{
    size_t n = 0;
    for (size_t i = 0; i < tables[kind].n; i++)
        n += tables[kind].keys[i].dflt != NULL;
    return n;
}

const struct keydef *schema_keys(int kind, size_t *n)
{
    *n = tables[kind].n;
    return tables[kind].keys;
}

/* '-' and '_' are the same letter in key names: DockerOps spells its
 * properties publish_ports, dockeroo spells its options volumes-from. */
static bool same_key(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a == '_' ? '-' : *a, y = *b == '_' ? '-' : *b;
        if (x != y)
            return false;
    }
    return *a == *b;
}

/* Every spelling (name, alias) of each kind's keys in a hash table, made
 * once: the loader looks keys up hundreds of thousands of times in a large
 * project, and a scan of the table per lookup was a tenth of its time.
 * Open addressing; a spelling already there (an earlier key's) is kept, so
 * a lookup finds what a scan in table order would. */
#define SPELLINGS 512 /* a power of two, over twice the spellings of any table */

struct spelling {
    const char *as; /* NULL: empty */
    const struct keydef *def;
};

static struct spelling spellings[SCHEMA_COUNT][SPELLINGS];
/* Each kind's key names exactly as written in its table (schema_index):
 * 1 + the place in the table, 0 empty; hashed on the length and the first
 * and last letters, which is all a lookup of a canonical name needs. */
#define NAMES 256
static unsigned char names[SCHEMA_COUNT][NAMES];

static size_t name_hash(const char *s, size_t n)
{
    return (n * 31u + (unsigned char)s[0] * 7u + (unsigned char)s[n - 1]) & (NAMES - 1);
}
static pthread_once_t spellings_once = PTHREAD_ONCE_INIT;

/* FNV-1a of s with '_' as '-' (same_key's spelling). */
static uint32_t spelling_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)(*s == '_' ? '-' : *s);
        h *= 16777619u;
    }
    return h;
}

static void add_spelling(struct spelling *t, const char *as, const struct keydef *def)
{
    size_t i = spelling_hash(as) & (SPELLINGS - 1);
    for (; t[i].as; i = (i + 1) & (SPELLINGS - 1))
        if (same_key(t[i].as, as))
            return;
    t[i] = (struct spelling){as, def};
}

static void make_spellings(void)
{
    for (int k = 0; k < SCHEMA_COUNT; k++) {
        assert(2 * 2 * tables[k].n <= SPELLINGS); /* (a name and an alias each) */
        assert(2 * tables[k].n < NAMES);
        for (size_t i = 0; i < tables[k].n; i++) {
            const char *nm = tables[k].keys[i].name;
            size_t h = name_hash(nm, strlen(nm));
            while (names[k][h])
                h = (h + 1) & (NAMES - 1);
            names[k][h] = (unsigned char)(i + 1);
            add_spelling(spellings[k], tables[k].keys[i].name, &tables[k].keys[i]);
            if (tables[k].keys[i].alias)
                add_spelling(spellings[k], tables[k].keys[i].alias, &tables[k].keys[i]);
        }
    }
}

int schema_index(int kind, const char *name)
{
    pthread_once(&spellings_once, make_spellings);
    size_t n = strlen(name);
    if (!n)
        return -1;
    for (size_t h = name_hash(name, n); names[kind][h]; h = (h + 1) & (NAMES - 1))
        if (streq(tables[kind].keys[names[kind][h] - 1].name, name))
            return names[kind][h] - 1;
    return -1;
}

const struct keydef *schema_find(int kind, const char *s)
{
    pthread_once(&spellings_once, make_spellings);
    const struct spelling *t = spellings[kind];
    for (size_t i = spelling_hash(s) & (SPELLINGS - 1); t[i].as; i = (i + 1) & (SPELLINGS - 1))
        if (same_key(t[i].as, s))
            return t[i].def;
    return NULL;
}

const char *schema_suggest(int kind, const char *s)
{
    const char *names[64];
    size_t n = 0;
    for (size_t i = 0; i < tables[kind].n && n < ARRAY_SIZE(names); i++)
        if (!(tables[kind].keys[i].flags & F_READONLY))
            names[n++] = tables[kind].keys[i].name;
    return nearest_word(s, names, n);
}

bool schema_free_key(const char *s)
{
    return starts_with(s, "x-") || starts_with(s, "x_");
}

enum setting_shape ktype_shape(enum ktype t)
{
    switch (t) {
    case KT_BOOL: return SHAPE_BOOL;
    case KT_INT: return SHAPE_INT;
    case KT_TEXT: return SHAPE_TEXT;
    case KT_ARGV: return SHAPE_ARGV;
    default: return t >= KT_INSTANCES ? SHAPE_LIST : SHAPE_STRING;
    }
}

bool ktype_words(enum ktype t)
{
    return t >= KT_INSTANCES && t < KT_ENV;
}

bool enum_has(const char *choices, const char *value)
{
    size_t n = strlen(value);
    for (const char *p = choices; *p;) {
        size_t l = strcspn(p, "|");
        if (l == n && strncmp(p, value, n) == 0)
            return true;
        p += l;
        if (*p)
            p++;
    }
    return false;
}
