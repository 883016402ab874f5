/* berth deploy: converge a Swarm to the project, as `up` converges one engine.
 *
 * The images the services need are made first (converge, on the manager
 * this berth talks to: a single node needs no registry, services run the
 * image by id). Then one list call per kind (services, networks, secrets,
 * configs, by the berth.swarm.project label) finds what exists; a service
 * whose spec hash label equals the desired one is left alone (a second
 * deploy makes no writes), a changed one is updated in place (same id; the
 * swarm rolls it out as its update-* settings say), a missing one made. */
#ifndef BERTH_SWARM_DEPLOY_H
#define BERTH_SWARM_DEPLOY_H

#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"
#include "base/report.h"
#include "converge/converge.h"
#include "engine/engine.h"
#include "project/project.h"

struct deploy_opts {
    bool dry_run;         /* plan --swarm: no engine writes (images are not built) */
    bool wait;            /* return when every service has converged, or fail with
                             its tasks' errors */
    long wait_timeout_ms; /* > 0: the limit for --wait (default 120 s) */
    bool remove_orphans;  /* remove services of the project it no longer has */
    bool force_build;
    int parallel;
    reporter *rep;
    volatile int *cancel;
};

/* Is the engine a swarm manager? An error saying how to make one if not. */
int swarm_check_manager(engine *e, berr **err);

int swarm_deploy(engine *e, const struct project *p, const struct project_sel *sel,
                 const struct deploy_opts *o, struct plan *out, berr **err);

/* services: [{"id", "since"}], since the service's UpdatedAt before berth
 * wrote it ("" for a new one): the swarm's update state and failed tasks
 * from before count for nothing.
 * Wait until the named services have converged: every desired task running
 * (and healthy: a swarm task with a healthcheck runs once healthy), no update
 * in progress. Fails with each failing task's error; a rolled-back update
 * fails with the swarm's message. */
int swarm_wait(engine *e, json_t *services, long timeout_ms, reporter *rep,
               volatile int *cancel, berr **err);

#endif
