/* Which engine each part acts on: its own (`engine = PART`, `[project]
 * engine`), else --engine / --context / DOCKER_HOST / the docker context.
 *
 * An engine part is an address (url with its TLS files, or a docker
 * context), or a private engine berth starts in its dir. One run may act on
 * several engines: an engine set holds one connection (pool) per engine,
 * opened the first time a part living there asks for it, so an engine no
 * selected part lives on is never contacted; one that does not answer fails
 * only its own parts, with an error naming the engine part and its address. */
#ifndef BERTH_ENGINES_H
#define BERTH_ENGINES_H

#include <stdbool.h>

#include "base/error.h"
#include "engine/engine.h"
#include "project/project.h"

/* The slot of the default engine (no engine part) in an engine set's table:
 * slots 0 .. nparts-1 are engine parts by index. */
#define ENGINES_DEFAULT(p) ((p)->nparts)

struct engine_set;

/* p may be NULL (a project that did not load): the default engine only.
 * start_private: start a private engine part that is not running when it is
 * first asked for (up does; plan and the lifecycle commands do not). */
struct engine_set *engines_new(const struct project *p, const char *flag_url, bool start_private);
/* A set in which every part lives on e (borrowed): one-engine callers. */
struct engine_set *engines_single(engine *e);
void engines_free(struct engine_set *es);
/* The project was loaded again (the same parts, instances added). */
void engines_reproject(struct engine_set *es, const struct project *p);

/* The slot a part acts on: an engine part's own slot for itself, else its
 * engine part's, else ENGINES_DEFAULT; part p->nparts: the project's default
 * ([project] engine, else ENGINES_DEFAULT). 0 for every part in a single set. */
size_t engines_slot_of(const struct engine_set *es, const struct project *p, size_t part);
/* The number of slots (nparts + 1; 1 in a single set). */
size_t engines_nslots(const struct engine_set *es);

/* The slot's engine, opened and contacted on the first call (a private
 * engine part started first when asked); a failure is kept and given again
 * to every later caller of that slot (a copy in *err). Thread-safe. */
int engines_get(struct engine_set *es, size_t slot, engine **out, berr **err);
/* Whether the slot's engine has answered a request (without contacting it). */
bool engines_answered(const struct engine_set *es, size_t slot);
/* For people: "engine part 'b' (berth.ini:4) at unix:///tmp/b/docker.sock",
 * or "the engine at ADDRESS". Owned by the set. */
const char *engines_label(struct engine_set *es, size_t slot);
/* Short, for columns: the engine part's name, or the default's address. */
const char *engines_name(struct engine_set *es, size_t slot);

/* One engine for a whole command that acts on one (berth run, berth task,
 * berth deploy): the selection's parts must live on one engine. */
int engines_open(const struct project *p, const struct project_sel *sel, const char *flag_url,
                 bool start_private, engine **out, berr **err);

/* *part: the engine part the selection's parts live on, or -1 for the
 * default. Parts on several engines: BERR_PROJECT naming two of them (the
 * commands that act on one engine refuse them). */
int engines_part_of(const struct project *p, const struct project_sel *sel, int *part, berr **err);

#endif
