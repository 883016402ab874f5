/* Inside the Compose reader: the YAML tree every stage works on (yaml.c),
 * interpolation (interp.c), merging, extends and the short forms made long
 * (merge.c), and the parts berth gets (services.c, toplevel.c). */
#ifndef BERTH_COMPOSE_INT_H
#define BERTH_COMPOSE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/diag.h"
#include "compose/compose.h"

enum ykind { Y_NULL, Y_SCALAR, Y_MAP, Y_SEQ };

/* A YAML node, with where it was written. Maps keep their keys in order. */
struct ynode {
    enum ykind kind;
    const char *str;  /* scalar text */
    bool plain;       /* an unquoted scalar: true, 12 are a bool, a number */
    const char *file; /* as shown */
    const char *dir;  /* absolute folder of that file: relative paths start there */
    int line, col;
    const char **k;       /* map keys */
    struct ynode **kn;    /* map key nodes (where each key was written) */
    struct ynode **v;     /* map values, sequence items */
    size_t n, cap;
};

/* The state of one read. */
struct creader {
    struct arena *a;
    struct diags *d;
    struct source_sink *k;
    const struct compose_opts *o;
    const char *dir;          /* absolute project folder */
    char *const *env;         /* the process's environment */
    const char **dotenv;      /* .env of the project folder: NAME=VALUE */
    size_t ndotenv;
    struct ynode *doc;        /* the merged document */
    const char *project_name; /* name: of the file, else NULL */
    size_t nodes;             /* YAML nodes made so far (a budget) */
    const void *path[66];     /* the libfyaml nodes being converted, outermost first */
    size_t diags_before;      /* problems found before this reader started */
    bool dry;                 /* looking for problems: hand nothing over */
};

/* yaml.c */
struct ynode *yaml_load(struct creader *R, const char *path, const char *shown);
/* text (len bytes) as the file path would be read: path names its folder. */
struct ynode *yaml_parse(struct creader *R, const char *text, size_t len, const char *path,
                         const char *shown);
struct ynode *ynew(struct creader *R, enum ykind kind, const struct ynode *where);
struct ynode *ymap_get(const struct ynode *m, const char *key);
/* Set (replace or add) key in map m. */
void ymap_put(struct creader *R, struct ynode *m, const char *key, struct ynode *keynode,
              struct ynode *v);
void yseq_push(struct creader *R, struct ynode *s, struct ynode *v);
struct ynode *yscalar(struct creader *R, const char *s, const struct ynode *where);
const char *ykind_name(enum ykind k);
/* Report a problem at node n (file:line:column), about key (may be NULL). */
void cproblem(struct creader *R, const struct ynode *n, const char *part, const char *key,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* interp.c */
void read_dotenv(struct creader *R);
const char *getvar(struct creader *R, const char *name);
/* ${VAR}, ${VAR:-x}, ${VAR-x}, ${VAR:?e}, ${VAR?e}, $VAR, $$ in every scalar of n. */
void interpolate(struct creader *R, struct ynode *n, const char *part);
/* Parse an env file (NAME=VALUE lines) into out; false with *why. */
bool parse_env_text(struct creader *R, const char *text, const char ***out, size_t *n,
                    const char **why);

/* merge.c */
/* The long form of a service's short forms (environment and labels as maps,
 * build as a map, depends_on and networks as maps). */
void normalise_service(struct creader *R, struct ynode *svc, const char *name);
/* over onto base, as Compose merges an override file into a service. */
struct ynode *merge_service(struct creader *R, struct ynode *base, struct ynode *over);
/* over onto base: whole files. */
void merge_docs(struct creader *R, struct ynode *base, struct ynode *over);
/* Resolve every service's extends. */
void resolve_extends(struct creader *R, struct ynode *doc);

/* services.c */
void emit_services(struct creader *R);
/* toplevel.c */
void emit_toplevel(struct creader *R);
/* A part name for a Compose name: lower case, '-' and '.' become '_'. */
const char *part_name_for(struct creader *R, const char *name);
/* The part name of a top-level volume, network, ... (suffixed on a clash with a service). */
const char *object_part(struct creader *R, const char *what, const char *name);
/* Emit helpers. */
void emit_key(struct creader *R, const struct ynode *at, const char *key, const char *value);
void emit_section(struct creader *R, const char *name, const struct ynode *at, const char *origin);
/* value with '$' written '$$' (berth's syntax). */
const char *escape_dollar(struct creader *R, const char *s);
/* A scalar's text; a problem (and NULL) when n is not a scalar. */
const char *want_scalar(struct creader *R, const struct ynode *n, const char *part,
                        const char *key);
bool want_bool(struct creader *R, const struct ynode *n, const char *part, const char *key,
               bool *out);

#endif
