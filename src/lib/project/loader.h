/* Inside project_load: the loader's state, the raw merged sections every
 * source contributes to before they become the typed model of project.h,
 * and the helpers every stage shares (loader.c: paths, files, diagnostics,
 * sections, dependencies). The stages themselves are in stages.h; this
 * header knows none of them, and loader.c calls none of them back.
 * Nothing outside the project loader includes it. */
#ifndef BERTH_PROJECT_LOADER_H
#define BERTH_PROJECT_LOADER_H

#include "base/arena.h"
#include "project/ini.h"
#include "base/diag.h"
#include "base/strmap.h"
#include "project/project.h"
#include "project/schema.h"

/* Precedence of sources: a higher layer beats a lower one. */
enum layer {
    L_DEFAULT = 0,  /* key table defaults, instance-type defaults */
    L_IMPLICIT = 1, /* what a container folder implies (build = containers/web) */
    L_FOLDER = 2,   /* containers/<name>/berth.ini */
    L_READER = 3,   /* another format's files (compose.yaml): project/source.h */
    L_FILE = 4,     /* the project file */
    L_CLI = 5,      /* -s and -p */
};

enum subst_state { S_TODO, S_BUSY, S_DONE, S_FAILED };

/* One key of a section, merged over every source. */
struct rkv {
    const char *key;          /* as written; canonical once its kind is known */
    const char *raw;          /* before substitution */
    const char *val;          /* after substitution: NULL until then, or on failure */
    const struct keydef *def; /* NULL: x-* and [vars] keys */
    struct loc loc;
    const char *base;         /* folder that relative paths in it start from */
    signed char layer;        /* enum layer (small fields: a 2,000-part project has 60,000 keys) */
    unsigned char state;      /* enum subst_state */
    bool secret;              /* a password, or substituted from one */
    bool dropped;             /* rejected (unknown key, ...): ignore from now on */
};

/* One section ([web], [web:two], [project], [vars]) merged over sources. */
struct rsec {
    const char *name;  /* part name, "project" or "vars" */
    const char *inst;  /* instance name of [name:inst], else NULL */
    struct rsec *parent; /* an instance section's part section */
    int kind;          /* part kind, SCHEMA_PROJECT/INSTANCE/VARS, or -1 */
    struct loc loc;    /* where it was first declared */
    int layer;         /* highest layer declaring it */
    const char *folder;        /* zero-config folder (absolute) */
    const char *folder_shown;  /* the same, as shown in messages */
    bool invalid;      /* bad name or kind: reported, no further checks */
    bool in_file;      /* declared by a file (not only by -s or a folder) */
    int part;          /* index in project parts, or -1 */
    /* a part's instance sections ([name:inst]), in the order of L->sec */
    struct rsec **insts;
    size_t ninsts, insts_cap;
    struct rkv *kv;
    size_t nkv, cap;
    /* from KEY_INDEX_FROM keys on: key ('_' as '-') -> index + 1 in kv of
     * its first live one, so that sec_find of a section of 1,000 keys is
     * not a scan (loader.c) */
    struct strmap *keys;
};

/* A ${part:key} reference from one part to another: a dependency. */
struct sref {
    struct rsec *from, *to;
    struct loc loc;
    const char *what; /* "${db:hostname}" */
};

/* What the stages share: the context (arena, diagnostics, options, the
 * project being built), and each stage's result for the next: the merged
 * sections (stage 1; kinds and defaults from 2, values from 3), the
 * references between parts (3, for 4), the parts (4, for 5). */
struct loader {
    struct arena *a; /* the project's arena */
    /* The loader's own structures (the sections, their keys, the indexes
     * and references between them), which no part of the loaded project
     * points into: freed when loading ends (5 MB at 2,000 parts). */
    struct arena *scratch;
    struct diags d;
    const struct project_opts *o;
    struct project *p;
    const char *shown_dir; /* the folder as the user named it: "" for "." */
    char *const *env;
    struct rsec **sec;
    size_t nsec, cap;
    /* the same sections by name: "name", or "name\0inst" (loader_find_sec) */
    struct strmap sec_index;
    /* the image repository each image maker makes -> its part index + 1
     * (find_image_maker; filled as the resolve stage names the images) */
    struct strmap image_index;
    /* substitution in progress, to name a cycle when one closes */
    struct rkv **stack;
    struct rsec **stack_sec;
    size_t depth, stack_cap;
    bool subst_too_deep; /* PROJECT_MAX_DEPTH passed: reported once, substitution ends */
    struct sref *refs;
    size_t nrefs, refs_cap;
    /* per part: its merged section */
    struct rsec **part_sec;
    /* per part: dependencies found so far */
    size_t *dep_cap;
    /* The project has a run.conf (dockeropsconf.c): it says what runs, so a
     * container folder it does not name runs only when a target names it
     * (struct instance.on_demand, instances.c). */
    bool run_conf;
};

/* ---- loader.c: the helpers every stage shares ---- */

/* Paths: rel joined to base (absolute rel as it is); a path relative to the
 * project folder, and an absolute one inside it, as messages show them. */
const char *join_path(struct arena *a, const char *base, const char *rel);
const char *shown_path(struct loader *L, const char *rel);
const char *shown_abs(struct loader *L, const char *path);
/* A whole regular file (malloc'd, NUL-terminated), or NULL with *why. */
char *slurp_file(const char *path, size_t *len, const char **why);
/* The project's name when nothing names it: the folder's, normalised. */
const char *folder_project_name(struct loader *L);

/* Diagnostics: a problem about a section (and key, when kv), or at loc. */
void load_problem(struct loader *L, struct rsec *s, struct rkv *kv, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void report_at(struct loader *L, struct loc loc, const char *part, const char *key,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* " (did you mean 'x'?)" for the nearest part name, optionally only of the
 * kinds in mask (bit per part kind), or "". */
const char *suggest_part(struct loader *L, const char *name, unsigned mask);

/* Sections: lookup, and the merge of one source's key by precedence. */
bool key_eq(const char *a, const char *b);
struct rsec *loader_find_sec(struct loader *L, const char *name, const char *inst);
struct rkv *sec_find(struct rsec *s, const char *key);
/* kv's key was respelled (an alias made canonical): s's index follows. */
void sec_rekey(struct loader *L, struct rsec *s, struct rkv *kv);
/* Add or override key in s from a source of the given layer (key copied,
 * except for L_DEFAULT: a string that lives as long as the project). */
void sec_set(struct loader *L, struct rsec *s, const char *key, const char *value,
             struct loc loc, const char *base, int layer, bool append);
struct rsec *sec_get(struct loader *L, const char *name, const char *inst, struct loc loc,
                     int layer);
/* Room for n keys in s: a section sized once for what its source holds
 * and its kind's defaults leaves no outgrown arrays behind (2 MB of a
 * 2,000-part project). */
void sec_reserve(struct loader *L, struct rsec *s, size_t n);
/* The default of def in s, which has no key of that name (checked by the
 * caller): value is not copied (a string of the key tables, or of the
 * arena). */
void sec_add_default(struct loader *L, struct rsec *s, const struct keydef *def,
                     const char *value);
/* out[k]: s's live key of keys[k] (the first, as sec_find finds it), or
 * NULL; for n keys of one key table (schema_keys), in one pass over s
 * rather than a lookup per key of the table. */
void sec_by_def(const struct rsec *s, const struct keydef *keys, size_t n, struct rkv **out);

/* Parts that make images: build, bootstrap, assemble, pull (bit per kind). */
#define IMAGE_MAKERS                                                                       \
    ((1u << PART_BUILD) | (1u << PART_BOOTSTRAP) | (1u << PART_ASSEMBLE) | (1u << PART_PULL))

/* Dependencies between parts (once the parts exist): record one, and find
 * the part that makes the image ref names (matched on the repository, tags
 * ignored), or -1. */
void add_dep(struct loader *L, int from, int to, const char *key, struct loc loc);
int find_image_maker(struct loader *L, const char *ref);
/* Part i makes pt->image from now on (set just before): find_image_maker
 * finds it, unless a part before it makes the same repository. */
void note_image_maker(struct loader *L, int i);

#endif
