/* The desired Swarm objects of a project (berth deploy): one service per
 * container instance (<project>-<part>-<instance>), or one service of N
 * replicas (<project>-<part>) when the part says `replicas = N`; the
 * project's networks as attachable overlay networks; secrets and configs
 * made from files. Each service carries the hash of the spec berth asks
 * for (not of what the engine reports back), and per-field hashes, so that
 * an unchanged service is never written and a changed one says what changed.
 *
 * Swarm objects carry berth.swarm.project instead of berth.project: `up`,
 * `ps` and `down` of containers never see them, and task containers (which
 * inherit the container labels) are never taken for berth's own.
 * Pure: no engine calls, unit-tested. */
#ifndef BERTH_SWARM_SPEC_H
#define BERTH_SWARM_SPEC_H

#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"
#include "project/project.h"

#define LABEL_SWARM_PROJECT "berth.swarm.project"

struct swarm_service {
    char *name;
    int part;
    int instance;        /* -1: a replicated part (replicas = N) */
    json_t *spec;        /* ServiceSpec, labels included; secret/config ids left out */
    char hash[65];
    char *fields;        /* "Env:1a2b3c4d,Image:...": see desired_changed_fields */
    int level;           /* the part's stage, for display */
};

struct swarm_file {      /* a secret or a config */
    char *name;          /* <project>-<file name>-<content hash 12>: content-addressed,
                            since the engine never changes one */
    char *path;          /* the host file */
    char *target;        /* file name (secrets: under /run/secrets) or path (configs) */
};

struct swarm_desired {
    struct swarm_service *svc;
    size_t nsvc;
    json_t *networks;    /* [network create bodies] */
    struct swarm_file *secrets, *configs;
    size_t nsecrets, nconfigs;
};
void swarm_desired_clear(struct swarm_desired *d);

/* The image each container part runs, as the engine knows it (its id when
 * the image is on this engine: a single node needs no registry), by part
 * index, and its EXPOSE ports (*exposed, borrowed; NULL when unknown) that
 * published instances publish; NULL: run the part's image reference as
 * written. */
typedef const char *swarm_image_fn(void *ud, int part, json_t **exposed);

/* The desired objects for the selected container parts. Settings swarm
 * cannot honour are refused with FILE:LINE (BERR_PROJECT), never skipped.
 * Secret and config files are read (for their hash, never shown). */
int swarm_desired(const struct project *p, const struct project_sel *sel, swarm_image_fn *image,
                  void *image_ud, struct swarm_desired *out, berr **err);

/* The network's name in a project: "<project>-default" for the project
 * network, the network part's name otherwise. */
char *swarm_network_name(const struct project *p);

/* Fill each secret/config reference of spec (a copy of a service's spec)
 * with the id of the object of that name: ids maps name -> id. */
int swarm_spec_fill_ids(json_t *spec, json_t *secret_ids, json_t *config_ids, berr **err);

#endif
