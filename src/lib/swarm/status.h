/* A deployed project as the swarm sees it (ps), its services' output
 * (logs), and its removal (down --swarm). */
#ifndef BERTH_SWARM_STATUS_H
#define BERTH_SWARM_STATUS_H

#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"
#include "base/report.h"
#include "engine/engine.h"
#include "engine/http.h"

/* GET /KIND (services, networks, secrets, configs, volumes, containers)
 * with the berth.swarm.project=PROJECT filter; *out is always an array. */
int swarm_list(engine *e, const char *kind, const char *project, json_t **out, berr **err);

/* The project's services, by name: [{"service", "id", "part", "instance"
 * (absent for replicas), "image", "replicas": {"running", "desired"},
 * "update": swarm's update state or null, "ports": ["32768->8080/tcp"],
 * "tasks": [{"id", "name" ("svc.slot"), "node" (host name), "node_id", "state",
 * "desired", "error", "since"}]}], tasks newest first per slot. */
int swarm_status(engine *e, const char *project, json_t **out, berr **err);

/* A service's output (all its tasks, on every node), each line handed to
 * on_line with the task's name ("svc.1"). follow lasts until cancelled. */
typedef int swarm_line_cb(void *ud, const char *task, int stream, const char *line, size_t len,
                          berr **err);
int swarm_logs(engine *e, const char *service_id, const char *tail, bool follow,
               swarm_line_cb *on_line, void *ud, berr **err);

/* Remove the project's services (their tasks' containers gone first), then
 * its secrets, configs and networks; its volumes with volumes (those on
 * this node: a volume lives on the node its task ran on). Services with
 * keep = true stay (and what they use). */
int swarm_down(engine *e, const char *project, bool volumes, reporter *rep, berr **err);

#endif
