/* What project commands set up first: the project loaded and validated
 * (nothing reaches an engine when it is invalid), the targets selected, and
 * the engine opened. */
#ifndef BERTH_WORKSPACE_H
#define BERTH_WORKSPACE_H

#include "cmd.h"
#include "converge/engines.h"
#include "engine/engine.h"
#include "project/project.h"

struct workspace {
    struct project *project;
    struct project_sel *sel;
    engine *engine; /* the one engine of the selection; NULL when on several */
    struct engine_set *engines; /* every engine of the project (converge/engines.h) */
};

/* Load the project from g (dir, file, project name, -s overrides), select
 * targets (with what they need), and open the engine they live on
 * (converge/engines.h), starting it when it is a private engine part. */
int workspace_open(const cli *g, const char *const *targets, int ntargets, struct workspace *ws,
                   berr **err);
/* The same for a command that acts on each part's own engine (up, build):
 * the selection may live on several engines (ws->engine NULL then), each
 * contacted when converge needs it. */
int workspace_open_engines(const cli *g, const char *const *targets, int ntargets,
                           struct workspace *ws, berr **err);
/* Load the project with the instances made on the fly: those the targets
 * name (web:nodea) and, when e is given, those e holds (their labels).
 * *out: NULL, or a project loaded by an earlier call without e. */
int workspace_load(const cli *g, const char *const *targets, int ntargets, engine *e,
                   struct project **out, berr **err);
void workspace_close(struct workspace *ws);

/* One converging berth per project folder at a time (issue 13): hold the
 * lock DIR/.berth/lock in *fd until project_unlock. Held by another
 * process: fail with "another berth is converging this project (pid N)",
 * or with wait (--wait-lock) say so once and wait, until *cancel. A DIR
 * that is not a folder takes no lock (*fd = -1): loading it fails anyway;
 * nor does one without .berth/ unless make (down run from anywhere with -p
 * NAME must not leave a .berth/ there; an up makes it). */
int project_lock(const char *dir, bool make, bool wait, volatile int *cancel, int *fd, berr **err);
void project_unlock(int fd);

#endif
