/* Typed Engine API calls for the objects berth manages. Thin on purpose:
 * each builds one request, and error answers keep the engine's words.
 * Names and ids are percent-encoded into paths. */
#ifndef BERTH_API_H
#define BERTH_API_H

#include <jansson.h>
#include <stdbool.h>

#include "engine/engine.h"
#include "base/error.h"
#include "engine/http.h"

/* Labels every berth object carries. */
#define LABEL_PROJECT "berth.project"
#define LABEL_PART "berth.part"
#define LABEL_INSTANCE "berth.instance"
#define LABEL_TYPE "berth.instance-type"
#define LABEL_HASH "berth.config-hash"
/* made on the fly (up web:nodea); its value: its -s settings, one a line */
#define LABEL_ON_THE_FLY "berth.on-the-fly"

/* "PREFIX/<id percent-encoded>SUFFIX": ids and names never steer a path. */
char *api_path(const char *prefix, const char *id, const char *suffix);

/* GET path; the engine's 404 is no error: *out is NULL then. */
int api_get_found(engine *e, const char *path, json_t **out, berr **err);

/* GET the objects of one kind carrying berth.project=PROJECT (one call).
 * kind: "containers" (all states; only those berth made for the project,
 * engine/owner.h), "networks", "volumes", "images" (those whose labels
 * name the project: two calls, for the image keys and the older ones;
 * owner_image_is says which of them berth made).
 * *out is always an array. */
int api_list(engine *e, const char *kind, const char *project, json_t **out, berr **err);

/* The same list (containers, networks or volumes) narrowed by the engine to
 * those that also carry LABEL ("key" or "key=value"): the engine sends only
 * those, so a question about a few of hundreds costs what the few cost. */
int api_list_also(engine *e, const char *kind, const char *project, const char *label,
                  json_t **out, berr **err);

/* Containers. */
int api_container_create(engine *e, const char *name, json_t *config, char **id, berr **err);
/* Start and stop succeed when the container already is in that state (the
 * engine's 304): something else may change it between berth's look and act. */
int api_container_start(engine *e, const char *id, berr **err);
/* Stop with a grace of timeout_s seconds, then the engine kills it. */
int api_container_stop(engine *e, const char *id, int timeout_s, berr **err);
/* With its anonymous volumes (never named ones). */
int api_container_remove(engine *e, const char *id, bool force, berr **err);
/* NULL *out (and 0) when it does not exist. */
int api_container_inspect(engine *e, const char *id, json_t **out, berr **err);
/* Block until it stops; its exit code. timeout_ms < 0: no limit. */
int api_container_wait(engine *e, const char *id, long timeout_ms, int *exit_code, berr **err);
/* Upload a tar (read from rd) and unpack it at path inside the container. */
int api_container_put_archive(engine *e, const char *id, const char *path, http_read_cb *rd,
                              void *ud, berr **err);

/* Networks and volumes. */
int api_network_create(engine *e, json_t *config, char **id, berr **err);
int api_network_remove(engine *e, const char *id, berr **err);
/* Remove a network that the engine says still has endpoints: an endpoint
 * whose container is gone (left by an engine killed or a container removed
 * mid-connect) is force-disconnected; one of a container that exists is
 * too when every_endpoint (nothing of the engine is kept), else the remove
 * fails naming those containers, which are left as they are. */
int api_network_remove_clearing(engine *e, const char *id, bool every_endpoint, berr **err);
/* A local volume bound to a host folder (DriverOpts device) gets the folder
 * made first. */
int api_volume_create(engine *e, json_t *config, berr **err);
/* The host folder of a volume bound to one (its create body's DriverOpts
 * device), made when missing: a deleted .berth/ leaves the engine's volume
 * pointing at nothing, and its mount fails. */
int api_volume_folder(json_t *config, berr **err);
int api_volume_remove(engine *e, const char *name, bool force, berr **err);

/* Images. NULL *out (and 0) when it does not exist. */
int api_image_inspect(engine *e, const char *name, json_t **out, berr **err);
int api_image_remove(engine *e, const char *name, bool force, berr **err);
/* Import a root file system tar as image repo:tag, with labels (a JSON
 * object of strings, or NULL); *image_id (malloc'd) names it. Use the id,
 * not the name: Podman 4.3 ignores the tag (it names the image repo:latest). */
int api_image_import(engine *e, const char *repo, const char *tag, json_t *labels,
                     http_read_cb *rd, void *ud, char **image_id, berr **err);
/* Commit a container as repo:tag with the given image config overrides. */
int api_commit(engine *e, const char *container, const char *repo, const char *tag,
               json_t *config, char **image_id, berr **err);

/* Build from a tar context. query holds the already-encoded parameters
 * ("?t=...&labels=..."). Each JSON message is handed to on_msg (the
 * engine's own error messages become the returned error). */
int api_build(engine *e, const char *query, http_read_cb *rd, void *ud, engine_msg_cb *on_msg,
              void *msg_ud, berr **err);

/* Run a command in a running container, collecting stdout and stderr
 * (demultiplexed) through on_output, and its exit code. */
typedef int output_cb(void *ud, int stream, const char *data, size_t len, berr **err);
struct exec_spec {
    const char *const *argv; /* NULL-terminated, at least one word */
    const char *user;        /* NULL: the container's */
    const char *workdir;     /* NULL: the container's */
    const char *const *env;  /* "K=V", NULL-terminated; may be NULL */
    bool tty;                /* a terminal in the container: one raw output stream */
    bool attach_stdin;       /* the process reads what berth forwards */
    bool detach;             /* run it in the background: no streams at all */
};

/* Create the exec in a running container; *exec_id is malloc'd. */
int api_exec_create(engine *e, const char *container, const struct exec_spec *s, char **exec_id,
                    berr **err);
struct exec_opts {
    const char *const *argv;
    const char *user;
    const char *workdir;
    const char *const *env; /* "K=V", NULL-terminated; may be NULL */
    long timeout_ms;        /* <0: no limit */
};
int api_exec(engine *e, const char *container, const struct exec_opts *o, output_cb *on_output,
             void *ud, int *exit_code, berr **err);

/* Files in containers (cp, copy parts). The tar of path (a file, folder or
 * link, named by its last component; "DIR/." gives a folder's contents as
 * "./...") streamed to on_data. */
int api_container_get_archive(engine *e, const char *id, const char *path, http_data_cb *on_data,
                              void *ud, berr **err);
/* What path is in the container: *out gets the engine's {"name", "size",
 * "mode" (Go's FileMode bits), "mtime", "linkTarget"}; NULL (and 0) when the
 * path does not exist. */
int api_container_stat_path(engine *e, const char *id, const char *path, json_t **out,
                            berr **err);

/* Logs, raw (multiplexed unless the container has a TTY), streamed to
 * on_data; query is the encoded "?stdout=1&..." part. */
int api_container_logs(engine *e, const char *id, const char *query, http_data_cb *on_data,
                       void *ud, berr **err);
/* The engine's event stream (query: "?since=...&filters=..."), one decoded
 * message at a time, until the engine or the cancel flag ends it. */
int api_events(engine *e, const char *query, engine_msg_cb *on_msg, void *ud, berr **err);

#endif
