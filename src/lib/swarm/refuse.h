/* Keys only berth deploy acts on (replicas, update-*, failure-action,
 * secrets, configs): a command that runs containers itself (up, plan)
 * refuses them with FILE:LINE rather than ignore them. */
#ifndef BERTH_SWARM_REFUSE_H
#define BERTH_SWARM_REFUSE_H

#include "base/error.h"
#include "project/project.h"

/* BERR_PROJECT listing each swarm-only key set on a selected part. */
int swarm_refuse_outside_deploy(const struct project *p, const struct project_sel *sel,
                                const char *command, berr **err);

#endif
