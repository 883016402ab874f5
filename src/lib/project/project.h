/* The project model: what berth.ini (or a folder of container folders)
 * describes, validated, with every default, instance type and substitution
 * applied. docs/project-format.md is the user's side of this file.
 *
 * Loading never prints and never exits: every problem of one pass is
 * collected and returned as ONE berr with code BERR_PROJECT whose message is
 * the list of "FILE:LINE: part 'x': key 'y': problem (fix)" lines.
 *
 * A loaded project is immutable and owns all its memory (one arena):
 * project_free releases everything at once. */
#ifndef BERTH_PROJECT_H
#define BERTH_PROJECT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "base/strmap.h" /* struct strmap: the parts by name */
#include "base/words.h" /* struct strv */

enum part_kind {
    PART_BUILD,     /* an image from a Dockerfile */
    PART_BOOTSTRAP, /* an image from archives + layout + script, committed */
    PART_CONTAINER, /* one or more running containers (instances) */
    PART_NETWORK,
    PART_VOLUME,
    PART_COPY,      /* paths from one container to another */
    PART_PULL,
    PART_PUSH,
    PART_ASSEMBLE,  /* an image assembled from what a builder container made */
    PART_DISKIMAGE, /* a disk image file from an image */
    PART_TASK,      /* a command run on demand in a throw-away container */
    PART_ENGINE,    /* a Docker engine other parts can be placed on */
    PART_KIND_COUNT
};
const char *part_kind_name(enum part_kind k);

/* The DockerOps instance types (seed 001) and their property defaults:
 *
 *   type         linked publish_ports persistent_data persistent_opt persistent_log
 *   standard     yes    no            no              no             yes
 *   published    yes    yes           no              no             no
 *   master       yes    yes           yes             no             no
 *   interactive  yes    no            no              no             no
 *   safemode     no     no            no              no             no          */
enum instance_type {
    INSTANCE_STANDARD,
    INSTANCE_PUBLISHED,
    INSTANCE_MASTER,
    INSTANCE_INTERACTIVE,
    INSTANCE_SAFEMODE,
    INSTANCE_TYPE_COUNT
};
const char *instance_type_name(enum instance_type t);
/* -1 when s names no type. */
int instance_type_from_name(const char *s);

/* Where something was written: file as shown to the user (relative to the
 * folder berth was pointed at when inside it), line 1-based; line 0 when the
 * file has no lines to point at; file "command line" for -s/-p, line = the
 * option's position among the -s options. */
struct loc {
    const char *file;
    int line;
};

enum setting_shape {
    SHAPE_STRING,
    SHAPE_BOOL, /* value is "true" or "false" */
    SHAPE_INT,  /* value is decimal digits */
    SHAPE_LIST, /* items: one per entry */
    SHAPE_TEXT, /* a script: lines kept verbatim */
    SHAPE_ARGV, /* a command: items is its argv */
};

/* One resolved key of a part. The settings of a part are in the order of
 * the part kind's key table (recipe first), then x-* keys in file order. */
struct setting {
    const char *key;   /* canonical spelling */
    const char *value; /* substituted text; normalised for bools (true/false) */
    struct strv items; /* SHAPE_LIST and SHAPE_ARGV: the parsed items */
    enum setting_shape shape;
    bool secret;       /* a password, or made from one: never print it */
    bool is_default;   /* not written anywhere: a default */
    struct loc loc;    /* where it was written (the part's loc for defaults) */
};

struct port {
    const char *host_ip; /* NULL: the container's publish address */
    int host_port;       /* 0: any free port */
    int container_port;
    const char *proto;   /* "tcp", "udp" or "sctp" */
};

struct mount {
    const char *source; /* absolute host path, engine volume name, or NULL (anonymous) */
    const char *target; /* absolute path inside the container */
    bool read_only;
    int volume_part;    /* the volume part named by source, or -1 */
};

/* A container part, and optionally one of its instances. */
struct cref {
    int part;
    int instance;      /* -1: not named (links and volumes-from use the first instance) */
    const char *alias; /* links: the name the target is known by (default: its part name) */
    bool read_only;    /* volumes-from ':ro' */
};

struct netref {
    const char *name; /* engine network name */
    int part;         /* network part, or -1 for the engine's host, bridge or none */
    const char *ipv4, *ipv6; /* network-addresses: fixed addresses on it, or NULL */
};

struct instance {
    const char *name;
    enum instance_type type;
    const char *container_name; /* <project>-<part>-<instance> */
    const char *data_dir;       /* <project data>/<part>/<instance>: persistent folders go here */
    bool linked, publish_ports, persistent_data, persistent_opt, persistent_log;
    bool interactive;          /* interactive and safemode: a shell instead of the command */
    bool run_entrypoint_local; /* false in safemode */
    bool adhoc;                /* declared by no file: project_opts.adhoc_instance */
    bool on_the_fly;           /* declared by no file: project_opts.fly (up web:nodea) */
    bool on_demand;            /* up (all) leaves it out: the "main" of a container folder
                                * a run.conf does not name; a target naming it starts it */
    const char *fly_sets;      /* on the fly: its -s settings, a JSON list, for its label */
    struct loc loc;            /* its [part:instance] section, else where it was listed */
    struct setting *settings;  /* instance-type and the five properties, resolved */
    size_t nsettings;
};

struct container {
    const char *image;            /* image reference to run */
    int image_part;               /* part that makes it (build, bootstrap, assemble, pull), or -1 */
    struct strv command;          /* argv; n == 0: the image's default */
    struct strv entrypoint;       /* argv; n == 0: the image's default */
    struct strv env;              /* NAME=VALUE, each name once: the env-files' lines, then
                                   * env's items (which win); instances.c container_env */
    struct strv env_files;        /* absolute paths */
    struct port *ports;
    size_t nports;
    const char *publish;          /* address ports are published on (default 127.0.0.1) */
    struct mount *volumes;
    size_t nvolumes;
    struct cref *volumes_from;
    size_t nvolumes_from;
    struct netref *networks;
    size_t nnetworks;
    struct strv aliases;          /* network-aliases */
    struct cref *links;
    size_t nlinks;
    const char *hosts_file;       /* master instances: addresses of links outside the project */
    const char *user;             /* NULL: the image's default; "host": see user_is_host */
    bool user_is_host;            /* run as the calling user: host_uid:host_gid */
    unsigned host_uid, host_gid;
    bool tty, start, keep;
    bool oneshot;                 /* runs once: exited with 0 is its finished state */
    const char *hostname, *workdir; /* NULL: engine default */
    const char *restart;          /* no | always | unless-stopped | on-failure[:N] */
    struct strv labels;           /* key=value */
    struct strv healthcheck;      /* argv run by the engine; n == 0: none */
    struct strv ready;            /* argv run with exec until it succeeds; n == 0: none */
    long long healthcheck_interval_ms, ready_timeout_ms, stop_timeout_ms;
    long long healthcheck_timeout_ms;      /* -1: the interval */
    long long healthcheck_start_period_ms; /* -1: the engine's default */
    int healthcheck_retries;
    struct strv cap_add, cap_drop;  /* capability names */
    struct strv tmpfs;              /* /path[:options] */
    struct strv extra_hosts;        /* NAME:ADDRESS, added to /etc/hosts */
    struct strv expose;             /* PORT[/PROTO]: exposed, not published */
    bool privileged, init, read_only, stdin_open;
    long long nano_cpus;          /* cpus, in billionths of a CPU; 0: no limit */
    long long memory_bytes;       /* memory; 0: no limit */
    const char *layout;           /* absolute host folder copied onto / before start, or NULL */
    const char *script;           /* run with exec after start, or NULL */
    const char *script_shell, *script_user;
    const char *entrypoint_local; /* the folder's entrypoint-local.sh (absolute), or NULL */
    struct instance *instances;   /* at least one */
    size_t ninstances;
};

/* Why a part needs another: the key that named it, and where. */
struct dep {
    int part;
    const char *key; /* "depends", "image", "networks", "${db:host}", "FROM", ... */
    struct loc loc;
};

struct part {
    const char *name;
    enum part_kind kind;
    struct loc loc;            /* its section (or folder) */
    const char *folder;        /* zero-config container folder (absolute), or NULL */
    struct setting *settings;
    size_t nsettings;
    /* per key of its kind's table (schema_keys): 1 + its place in settings,
     * 0 when unset, so that part_setting is no scan; NULL (a part built
     * otherwise, a test's): part_setting scans */
    const unsigned short *setting_at;
    struct dep *deps;          /* parts this one needs: unique, by part index */
    size_t ndeps;
    int level;                 /* stage: 0 needs nothing; else 1 + the highest level it needs */
    const char *image;         /* build/bootstrap/assemble/pull: the image it makes;
                                  container/task/push/diskimage: the image it uses */
    struct strv from;          /* build: images the Dockerfile's FROM lines name */
    struct strv udp_expose;    /* build: DockerOps' "#UDP_EXPOSE 53" lines' ports */
    int engine_part;           /* engine part it runs on, or -1 for the default engine */
    struct container *container; /* PART_CONTAINER only */
};

/* Limits (README "Limits"): past one, loading fails at once with exit 3, so
 * no project file makes the loader work for long (issue 13). */
/* (and ini.h: INI_MAX_SECTIONS sections, INI_MAX_KEYS keys in one file) */
#define PROJECT_MAX_FOLDERS 1000   /* container folders */
#define PROJECT_MAX_INSTANCES 1000 /* instances of one part */
#define PROJECT_MAX_DEPTH 64       /* substitutions within or through one another */
#define PROJECT_MAX_IMAGE_NAME 255 /* an image a Dockerfile's FROM names */

struct project {
    const char *name;      /* [a-z0-9][a-z0-9_-]* */
    const char *dir;       /* absolute project folder */
    const char *data_dir;  /* absolute; default <dir>/.berth/data */
    const char *file;      /* the project file as shown, or NULL (folders only) */
    int engine_part;       /* [project] engine, or -1 */
    struct setting *settings; /* [project], resolved (name, dir, data, ...) */
    size_t nsettings;
    struct part *parts;    /* folders first (by name), then the file's sections in order */
    size_t nparts;
    int nlevels;           /* stages: 1 + the highest part level */
    struct arena *arena;
    /* name -> part index + 1 for project_find, made with the parts; a
     * project built otherwise (a test's) leaves it empty: a scan then */
    struct strmap part_index;
};

struct project_opts {
    const char *dir;           /* project folder; NULL: "." */
    const char *file;          /* project file, relative to dir; NULL: dir/berth.ini if present */
    const char *text;          /* when set: the project file's content (file only names it) */
    const char *name;          /* -p: beats [project] name, which beats the folder's name */
    const char *const *sets;   /* -s PART[:INSTANCE].KEY[+]=VALUE: beats every file */
    int nsets;
    char *const *env;          /* environ-style, for ${env:NAME}; NULL: the process's */
    /* berth run -i: "part:instance", an instance added to that container part
     * when no file declares it (struct instance.adhoc), of type adhoc_type
     * unless its name is a type's name or settings say otherwise. */
    const char *adhoc_instance;
    enum instance_type adhoc_type;
    /* A reader of another project format (compose.yaml: compose/compose.h),
     * read before the project file, which beats it (project/source.h). */
    const struct project_reader *reader;
    /* up web:nodea (DockerOps): "part:instance" entries added to their
     * container part when no file declares them (struct instance.on_the_fly),
     * of the type their name or their settings say, else standard; those
     * already made are found by their labels (src/cmd/workspace.c). */
    const char *const *fly;
    int nfly;
};

int project_load(const struct project_opts *o, struct project **out, berr **err);
void project_free(struct project *p);

/* The index of the part named name, or -1. */
int project_find(const struct project *p, const char *name);
/* A part's resolved setting (or value) for key, NULL when unset. */
const struct setting *part_setting(const struct part *pt, const char *key);
const char *part_value(const struct part *pt, const char *key);
/* A [project] key's value, or NULL. */
const char *project_value(const struct project *p, const char *key);
/* The index of a container part's instance, or -1. */
int container_instance(const struct container *c, const char *name);

/* Targets from the command line: "all", "web", "web:two", several at once;
 * none means all. With with_deps, every part a selected part needs
 * (transitively) is selected too, marked in needed[]. Unknown names are a
 * BERR_USAGE error that suggests the nearest name. */
struct project_sel {
    size_t nparts;
    bool *part;      /* part[i]: part i is selected */
    bool *needed;    /* selected only because a selected part needs it */
    bool **instance; /* container parts: instance[i][j]; NULL for other kinds */
};
int project_select(const struct project *p, const char *const *targets, int ntargets,
                   bool with_deps, struct project_sel **out, berr **err);
void project_sel_free(struct project_sel *s);

/* The selected parts (all when sel is NULL) in dependency order: by level,
 * then by name. Parts of one level need nothing from each other and may run
 * in parallel. *order is malloc'd (free it). Fails only on a cycle, which a
 * loaded project cannot have. */
int project_order(const struct project *p, const struct project_sel *sel, size_t **order,
                  size_t *n, berr **err);

#endif
