/* Which engine a run acts on: the parts' own (`engine = PART`, `[project]
 * engine`), else --engine / --context / DOCKER_HOST / the docker context.
 *
 * An engine part is an address (url with its TLS files, or a docker
 * context), or a private engine berth starts in its dir. A run acts on one
 * engine so far: a selection whose parts live on several engines is refused
 * (naming them), never sent silently to one of them. */
#ifndef BERTH_ENGINES_H
#define BERTH_ENGINES_H

#include <stdbool.h>

#include "base/error.h"
#include "engine/engine.h"
#include "project/project.h"

/* p may be NULL (a project that did not load): the default engine. sel NULL:
 * every part. start_private: start a private engine part that is not
 * running (up does; plan and the lifecycle commands do not). */
int engines_open(const struct project *p, const struct project_sel *sel, const char *flag_url,
                 bool start_private, engine **out, berr **err);

/* *part: the engine part the selection's parts live on, or -1 for the
 * default. Parts on several engines: BERR_PROJECT naming two of them. */
int engines_part_of(const struct project *p, const struct project_sel *sel, int *part, berr **err);

#endif
