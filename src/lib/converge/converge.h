/* Bring the engine to the state a project describes, and no further.
 *
 * One list call per object kind finds what exists (by the project label);
 * each part's desired state is compared with it by configuration hash; only
 * the difference is applied: create what is missing, recreate what changed,
 * start what is stopped. Work runs as a task graph: dependencies first,
 * independent parts in parallel. A dry run (berth plan) computes the same
 * actions and writes nothing. */
#ifndef BERTH_CONVERGE_H
#define BERTH_CONVERGE_H

#include <stdbool.h>

#include "engine/engine.h"
#include "base/error.h"
#include "project/project.h"
#include "base/report.h"

struct up_opts {
    int parallel;           /* tasks at once (>= 1) */
    bool dry_run;           /* plan only: no engine writes */
    bool force_build;       /* rebuild images even when unchanged */
    bool remove_orphans;    /* remove labelled containers no longer in the project */
    bool wait;              /* wait until every container is healthy and ready */
    long wait_timeout_ms;   /* > 0: instead of each container's ready-timeout */
    bool keep_failed;       /* leave a container that failed its script or readiness */
    bool images_only;       /* berth build: the build and bootstrap parts only */
    reporter *rep;
    volatile int *cancel;   /* first Ctrl-C: start nothing new */
};

/* What the user is told about an action beyond its verb, decided where the
 * action is made: commands choose on this, never on the reason's wording. */
enum action_note {
    NOTE_NONE = 0, /* nothing more: done, or up to date */
    NOTE_SKIPPED,  /* left to another command (an interactive instance: berth run -i) */
    NOTE_ORPHAN,   /* a labelled container the project no longer has */
    NOTE_KEPT,     /* changed, yet kept as it is (a volume keeps its data) */
};

struct action {
    char *subject; /* "web:one", "network front", "image base" */
    char *verb;    /* create, recreate, start, build, remove, none, skip */
    char *reason;  /* why, for people: "missing", "changed: Env, Cmd", "orphan" */
    int level;     /* the part's stage, for display */
    enum action_note note;
    char *engine;  /* the engine it acts on, for people (engines_name) */
};

struct plan {
    struct action *v;
    size_t n;
};
void plan_clear(struct plan *pl);

/* The refs the project's push parts tag image (its ref, as parts name it)
 * with: tags berth made. NULL-terminated, each and the array malloc'd. */
char **push_tags_of(const struct project *p, const char *image);

/* Converge on the one engine e: every part acts there. */
int converge(engine *e, const struct project *p, const struct project_sel *sel,
             const struct up_opts *o, struct plan *out, berr **err);

/* Converge each selected part on its own engine (converge/engines.h), in
 * one task graph: an engine is contacted only when a selected part lives
 * there; one that cannot be reached fails its own parts (and what needs
 * them), the others converge. Networks and volumes are made on every engine
 * that has a part needing them; an image made on one engine and used on
 * another is moved there (imagemove.c). */
struct engine_set;
int converge_engines(struct engine_set *es, const struct project *p,
                     const struct project_sel *sel, const struct up_opts *o, struct plan *out,
                     berr **err);

#endif
