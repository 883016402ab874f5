/* What each part kind accepts: its keys, their types, defaults and flags.
 * One table per kind; the order of a table is the order `berth config`
 * prints keys in. */
#ifndef BERTH_SCHEMA_H
#define BERTH_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "project/project.h"

/* Section kinds besides the part kinds. */
enum {
    SCHEMA_PROJECT = PART_KIND_COUNT, /* [project] or [berth] */
    SCHEMA_INSTANCE,                  /* [part:instance] */
    SCHEMA_VARS,                      /* [vars]: free-form keys for ${vars:key} */
    SCHEMA_COUNT
};

enum ktype {
    KT_STR,       /* one line of free text */
    KT_TEXT,      /* a script: lines kept verbatim */
    KT_BOOL,
    KT_INT,
    KT_DURATION,
    KT_SIZE,
    KT_CPUS,      /* a share of CPUs: 0.5, 2 */
    KT_MEMORY,    /* a memory limit: a size of at least 6M */
    KT_ENUM,      /* one of keydef.choices */
    KT_RECIPE,    /* a part kind */
    KT_PROJECT_NAME,
    KT_NAME,      /* an engine object name */
    KT_IMAGE,     /* image reference; may name an image another part makes */
    KT_BUILD,     /* part making an image (build, bootstrap, assemble, pull), or a folder */
    KT_ENGINE,    /* an engine part */
    KT_CREF,      /* PART[:INSTANCE] of a container part */
    KT_ARGV,      /* command: shell-like words or a JSON array */
    KT_USER,      /* host, NAME, UID, NAME:GROUP, UID:GID */
    KT_RESTART,
    KT_HOSTNAME,
    KT_IP,
    KT_CIDR,
    KT_URL,       /* engine address */
    KT_CPATH,     /* absolute path inside a container */
    KT_DIR,       /* host folder that must exist; made absolute */
    KT_FILE,      /* host file that must exist; made absolute */
    KT_PATH,      /* host path, need not exist; made absolute */
    KT_SOURCE,    /* build context: a host folder or a URL */
    /* lists, whitespace-separated (one line or several) */
    KT_INSTANCES,
    KT_PARTS,     /* depends: any parts */
    KT_NETWORKS,  /* network parts, or host | bridge | none */
    KT_ALIASES,   /* DNS names */
    KT_VOLFROM,   /* PART[:INSTANCE][:ro|:rw] of container parts */
    KT_PORTS,
    KT_EXPOSE,
    KT_CPATHS,
    KT_TAGS,      /* image tags: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} */
    KT_CAPS,      /* kernel capabilities: NET_ADMIN, CAP_NET_ADMIN, ALL */
    KT_EXTRAHOSTS, /* NAME:ADDRESS */
    KT_CIDRS,     /* subnets: several, one per family (dual stack) */
    /* lists, one item per line */
    KT_ENV,       /* NAME=VALUE */
    KT_KV,        /* key=value */
    KT_FILES,     /* host files that must exist */
    KT_MOUNTS,    /* [SOURCE:]TARGET[:ro|:rw] */
    KT_LINKS,     /* PART[:INSTANCE] [ALIAS] */
    KT_ARCHIVES,  /* host file [sha256:HEX] */
    KT_HOSTFILES, /* HOST_FILE [/IMAGE_PATH] */
    KT_COPYPATHS, /* SOURCE [DESTINATION], absolute container paths */
    KT_NETADDRS,  /* NETWORK ADDRESS: a fixed address on one of the part's networks */
};

#define F_REQUIRED 1u /* must be set (container image/build: one of the two) */
#define F_SECRET 2u   /* never printed */
#define F_INSTANCE 4u /* may also be set per instance, in [part:instance] */
#define F_READONLY 8u /* computed by berth; cannot be set */

struct keydef {
    const char *name;
    enum ktype type;
    unsigned flags;
    /* Default text: "%n" stands for the part's name; ${...} is substituted. */
    const char *dflt;
    const char *choices; /* KT_ENUM: "a|b|c" */
    const char *alias;   /* another name it may be written as (dockeroo's, or berth's older) */
};

const char *schema_kind_name(int kind);
/* Part kind for a recipe name, or -1. */
int schema_kind_from_name(const char *s);
const char *const *schema_kind_names(size_t *n);
const struct keydef *schema_keys(int kind, size_t *n);
/* How many keys of kind's table have a default. */
size_t schema_ndefaults(int kind);
/* The key named s (or aliased s) in kind's table, '-' and '_' counting as one. */
const struct keydef *schema_find(int kind, const char *s);
/* The place in kind's table (schema_keys) of the key named exactly name
 * (not an alias or another spelling), or -1. */
int schema_index(int kind, const char *name);
/* The nearest key name of kind (for "did you mean"), or NULL. */
const char *schema_suggest(int kind, const char *s);
/* x-* keys are the user's own variables: accepted everywhere, never checked. */
bool schema_free_key(const char *s);
enum setting_shape ktype_shape(enum ktype t);
/* List types split on whitespace (true) or on lines (false). */
bool ktype_words(enum ktype t);
/* Whether value is one of the "|"-separated choices. */
bool enum_has(const char *choices, const char *value);

#endif
