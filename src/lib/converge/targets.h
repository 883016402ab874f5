/* What the lifecycle commands (ps, stop, start, restart, down) act on: the
 * containers one list call finds by the project label, narrowed to what the
 * command-line targets name ("all", "web", "web:two").
 *
 * Matching is on the berth.part and berth.instance labels of the listed
 * containers, not on the project model, so orphans (labelled containers
 * whose part left the project) stay reachable by name, and nothing without
 * the project label is ever touched. */
#ifndef BERTH_TARGETS_H
#define BERTH_TARGETS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine/engine.h"
#include "base/error.h"
#include "project/project.h"

#define STOP_TIMEOUT_DEFAULT 10

/* One listed container. Strings borrow from the listed JSON except subject. */
struct target {
    json_t *c;            /* the container as the engine listed it */
    const char *id;
    const char *name;     /* without the engine's leading '/' */
    const char *part;     /* berth.part label, "" when missing */
    const char *instance; /* berth.instance label, "" when missing */
    const char *state;    /* running, exited, created, paused, restarting, dead */
    char *subject;        /* "web:one" for progress lines and errors */
    int stop_timeout;     /* berth.stop-timeout label, else STOP_TIMEOUT_DEFAULT */
    bool keep;            /* berth.keep=true */
    bool selected;        /* named by the targets */
    engine *e;            /* the engine it lives on (the scope's) */
    const char *engine_name; /* its engine part's name, else the engine's address */
};

/* Everything a lifecycle command starts from. */
struct scope {
    struct project *p;   /* NULL when loading failed and the -p name stood in */
    const char *name;    /* the project name the labels carry */
    berr *load_err;      /* why p is NULL (for a note), else NULL */
    engine *e;           /* the one engine of the project, or of the selected containers;
                            NULL when they live on several (see engines) */
    const char *engine_name; /* the engine part e came from, else e's address */
    /* The engines the project's parts live on (one, unless parts say
     * `engine =`), each listed: targets carry theirs. */
    struct engine_set *es;
    engine **engines;
    const char **engine_names;
    size_t nengines;
    berr *down;          /* an engine that did not answer or list, naming it */
    json_t *listed;      /* every container with the project label, any state */
    struct target *all;  /* one per listed container, sorted by part, instance, name */
    size_t nall;
    bool whole;          /* no targets, or "all": the whole project */
};

struct scope_opts {
    struct project_opts project;
    const char *engine_url;
    bool name_fallback;  /* down: when loading fails, go on with project.name if given */
    const char *const *targets;
    int ntargets;
};

/* Load the project, open the engine, list the project's containers and
 * mark those the targets select. An unknown target is a BERR_USAGE error
 * suggesting the nearest part or instance name. scope_close is safe (and
 * needed) after a failed scope_open too. */
int scope_open(const struct scope_opts *o, struct scope *s, berr **err);
void scope_close(struct scope *s);

/* The share of the scope on its k-th engine (k < s->nengines): e, the
 * engine's name and its containers (copies of the targets); the rest
 * borrowed. Release with scope_share_release (never scope_close). */
void scope_share(const struct scope *s, size_t k, struct scope *share);
void scope_share_release(struct scope *share);

/* Pure: mark list[i].selected for targets (none or "all": all of them).
 * p may be NULL (names then come from the labels alone). */
int targets_select(const struct project *p, const char *project_name, struct target *list,
                   size_t n, const char *const *targets, int ntargets, bool *whole, berr **err);

/* Run fn over the given containers, at most parallel at once (task graph,
 * no dependencies). Returns 0 when all succeeded; otherwise -1 with *err
 * naming the first failure by its subject and how many failed. */
typedef int target_fn(void *ud, struct target *t, berr **err);
int targets_each(struct target **v, size_t n, int parallel, target_fn *fn, void *ud, berr **err);

/* A stop grace in whole seconds, 0 to STOP_TIMEOUT_MAX: 0, or -1 when s is
 * not one (the berth.stop-timeout label and -t/--timeout). */
#define STOP_TIMEOUT_MAX 86400
int stop_timeout_parse(const char *s, int *out);

/* States in which a container holds a process to stop. */
bool target_is_up(const struct target *t);

#endif
