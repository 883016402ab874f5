/* The project loader's stages, in the order project_load runs them. Each
 * works on what the stages before it left in the loader state (loader.h)
 * and calls only the helpers of loader.c and model.c, never back into
 * project.c nor into another stage (tools/loader-calls.sh checks it).
 *
 *   1. read the sources, merged by precedence into sections (L->sec)
 *   2. kinds, keys against their tables, defaults
 *   3. substitution: every key's value (kv->val), references (L->refs)
 *   4. resolve: the typed parts, their settings and dependencies (L->p)
 *   5. graph: levels, cycles */
#ifndef BERTH_PROJECT_STAGES_H
#define BERTH_PROJECT_STAGES_H

#include "project/loader.h"

/* 1. Sources, lowest precedence first (folders come first in part order).
 * Read: the options (L->o), the folder. Leave: L->sec, raw values by layer.
 * zeroconf.c: container folders and their settings files */
void zeroconf_scan(struct loader *L);
/* dockeropsconf.c: DockerOps' build.conf and run.conf, at the folder layer */
void dockerops_conf(struct loader *L);
/* sources.c: the project file; -s and -p */
void load_project_file(struct loader *L);
void add_sets(struct loader *L);

/* 2. keys.c: each section's kind, its keys checked against the kind's
 * table, inline builds, defaults. Leave: rsec.kind and .invalid, rkv.def,
 * .dropped and .secret, default keys at L_DEFAULT. */
void keys_check(struct loader *L);

/* 3. subst.c: the project name first (checked before anything uses it),
 * then ${part:key}, ${:key}, ${env:NAME[:-default]}, $$ in every value.
 * Leave: rkv.val (NULL where it failed), L->refs. */
void subst_all(struct loader *L);

/* 4. resolve.c: the parts, their typed settings, references, dependencies;
 * it runs the steps below. Leave: L->p's parts, settings, deps. */
void resolve_parts(struct loader *L);

/* 5. graph.c: cycles and levels. Leave: part.level, p->nlevels. */
void graph_check(struct loader *L);

/* ---- the steps of stage 4, called by resolve.c only ---- */

/* checks.c: one key's value checked against its type; false when reported */
bool check_setting(struct loader *L, struct part *pt, int pi, struct rsec *s, struct rkv *kv,
                   struct setting *st);
/* instances.c: instance names (before settings are checked: references
 * name them), then per-instance properties and the typed container */
void instances_names(struct loader *L);
void instances_resolve(struct loader *L);
/* dockerfile.c: a build part's Dockerfile FROM lines, as dependencies */
void dockerfile_froms(struct loader *L, struct part *pt, const char *path, const char *shown);

#endif
