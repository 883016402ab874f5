/* The last step of build and bootstrap parts: berth's labels without
 * LABEL build steps, and squash to one layer on any engine
 * (imagefinish.c says how). */
#ifndef BERTH_IMAGEFINISH_H
#define BERTH_IMAGEFINISH_H

#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"
#include "project/project.h"

struct cv;

/* The settings of an image's Config that a commit carries: Cmd,
 * Entrypoint, Env, WorkingDir, User, ExposedPorts, Volumes, Labels, ... */
json_t *image_config_subset(json_t *config);
/* Commit a never-started container of base as ref with config. */
int image_commit_config(struct cv *cv, const char *base, json_t *config, const char *ref,
                        berr **err);
/* Export container cid's file system and import it as tmp_ref
 * ("repo:tag"), one layer, streamed. */
int image_squash_container(struct cv *cv, const char *cid, const char *tmp_ref, berr **err);
/* The built image (an id) as pt->image: its config with labels added,
 * squashed to one layer when asked. */
int image_finish(struct cv *cv, const struct part *pt, const char *built, json_t *labels,
                 bool squash, berr **err);

#endif
