/* What converge.c shares with images.c: one run's context. */
#ifndef BERTH_CONVERGE_INT_H
#define BERTH_CONVERGE_INT_H

#include <jansson.h>
#include <pthread.h>

#include "converge/converge.h"
#include "converge/engines.h"
#include "base/hash.h"
#include "base/strbuf.h"
#include "engine/http.h"

/* One engine's share of a run: a run across several engines has one cv per
 * engine a selected part lives on, and each task works with its part's. */
struct cv {
    engine *e;       /* NULL when the engine could not be reached: see down */
    const struct project *p;
    const struct project_sel *sel; /* the parts this engine converges */
    const struct up_opts *o;
    struct engine_set *es;
    size_t slot;                   /* this engine's slot in es */
    struct cv *peers;              /* every engine's share of the run, npeers of them */
    size_t npeers;
    berr *down;                    /* why e is NULL: fails each of its tasks */
    bool down_said;                /* a plan said why in full once */
    pthread_mutex_t *plan_lock;    /* the run's: guards plan, shared by the peers */
    pthread_mutex_t *net_lock;     /* the run's: one network created at a time */
    json_t *containers, *networks, *volumes; /* what exists, listed once */
    json_t *by_name;                          /* container name -> its entry in containers */
    json_t *network_names, *volume_names;     /* name -> its entry in networks, volumes */
    /* Every name the engine held when the run began, whoever's, by kind
     * (0 containers, 1 networks, 2 volumes): name -> true, NULL when that
     * kind was not listed. Made by preflight from the unfiltered lists it
     * takes anyway, read-only after: a missing object's foreign check is
     * then a lookup, not an inspect per name. */
    json_t *seen[3];
    pthread_mutex_t lock;                     /* guards what follows */
    struct plan *plan;                        /* the run's (plan_lock) */
    /* keyed by a reference's normal form (image_ref_normal): any spelling */
    json_t *images;  /* ref -> {"Id", "Config"}: what each image is now */
    json_t *rebuilt; /* ref -> true: made (or, in a dry run, to be made) in this run */
    json_t *remade;  /* container name -> true: (to be) created or recreated in this run */
    json_t *pull_checked; /* ref -> true: a container's image no part makes, pulled or
                           * found in this run (once for all its instances) */
    bool *awaited;   /* per part: a selected part needs it, so its start waits for readiness */
    long long last_start_ms; /* when this run last started a container (settle.c) */
    struct evwatch *watch;   /* the engine's events of the project, opened by the first
                              * wait for readiness (startup.c) */
    bool watch_failed;       /* it could not be opened: waits poll */
};

/* The share of the run of the engine part slot lives on (NULL: none). */
struct cv *cv_peer(struct cv *cv, size_t slot);
/* Whether part i acts on cv's engine. */
bool cv_part_here(const struct cv *cv, size_t part);

/* Shared by converge.c and converge_container.c. */
const char *cv_label_of(json_t *obj, const char *key);
/* Is an object of that name there without our label? An error saying so.
 * A name absent from the run's unfiltered list (cv->seen) costs no request;
 * one that was there, or of a kind not listed, is inspected. */
int cv_foreign_check(struct cv *cv, const char *what, const char *path, const char *name,
                     berr **err);
/* A create that failed (rc < 0): when the name turns out to be held by an
 * object that is not ours (made by someone else since the run's list), the
 * error says so as cv_foreign_check does, not as the engine's conflict. */
int cv_foreign_after(struct cv *cv, const char *what, const char *path, const char *name,
                     int rc, berr **err);
/* Whether a container of that name may exist: false only when the run's
 * unfiltered list was taken and does not hold it. */
bool cv_container_seen(struct cv *cv, const char *name);
/* A volume the project needs: made when missing, never recreated. */
int cv_ensure_volume(struct cv *cv, json_t *body, const char *subject, int level, berr **err);

/* Stop (with its grace) and remove a container; gone already is fine. */
int cv_remove_container(struct cv *cv, const char *id, int stop_s, berr **err);

/* One instance's task (converge_container.c): ud is a struct inst_task. */
struct inst_task {
    struct cv *cv;
    int part;
    int instance;
};
struct sched_task;
int instance_converge(void *ud, struct sched_task *t, berr **err);

/* Record an action (and report it). */
void cv_action(struct cv *cv, const char *subject, const char *verb, const char *reason,
               int level);
/* ... with a note the commands show beyond the verb (converge.h). */
void cv_noted_action(struct cv *cv, const char *subject, const char *verb, const char *reason,
                     enum action_note note, int level);
/* A part's timeout: the calling thread's deadline (http_deadline_set) from
 * now on, until cv_deadline_end sets the saved one back. A step that failed
 * once its deadline passed is a BERR_TIMEOUT saying so. */
long long cv_deadline_begin(struct cv *cv, const struct part *pt);
int cv_deadline_end(const struct part *pt, long long saved, int rc, berr **err);
/* Clean-up after a failure must reach the engine even past the deadline. */
#define CV_NO_DEADLINE(stmt)                                                                 \
    do {                                                                                     \
        long long cv_saved_ = http_deadline_set(0);                                          \
        stmt;                                                                                \
        http_deadline_set(cv_saved_);                                                        \
    } while (0)
/* In a dry run, a step that fails (rc < 0) is part of the plan: recorded
 * as "fail" with "would fail: <why>", and the plan goes on (0). Else rc. */
int cv_dry_outcome(struct cv *cv, const char *subject, int level, int rc, berr **err);
/* The image's id and config, inspecting it once per run. *facts is a new
 * reference, NULL (and 0) when the image does not exist. */
int cv_image(struct cv *cv, const char *ref, json_t **facts, berr **err);
/* Forget what is known of ref: the next cv_image inspects it. */
void cv_image_forget(struct cv *cv, const char *ref);
/* Forget what is known of ref (it was just made); mark it rebuilt. */
void cv_image_changed(struct cv *cv, const char *ref);
bool cv_image_rebuilt(struct cv *cv, const char *ref);

/* What an interrupted run leaves (leftovers.c): work containers (a
 * bootstrap's, an assemble's, a disk image's: engine/owner.h) and images
 * imported under a temporary tag <project>-bootstrap|squash|assemble:<part>,
 * labelled with leftover_import_labels (berth.image.project, and the
 * temporary tag as berth.image.ref: the committed image's own labels
 * replace both). The next up removes them before anything else; down
 * --rmi finds the images as the project's. */
json_t *leftover_import_labels(struct cv *cv, const char *tmp_ref);
int cv_clear_leftovers(struct cv *cv, berr **err);

/* Build and bootstrap parts (images.c). */
int image_part_converge(struct cv *cv, const struct part *pt, berr **err);
/* The labels of an image a part makes: image keys only (engine/owner.h),
 * every one set, so that none is left inherited from its parent. */
json_t *cv_image_labels(struct cv *cv, const struct part *pt, const char *hash);
/* The labels of a work container named name (assemble, diskimage): the
 * project (for the run's one list call) and the name-bound work keys. */
json_t *cv_work_labels(struct cv *cv, const char *name);
/* Pull and push parts, and the pull of a container's image that no part
 * makes, as its pull-policy says (registryparts.c). */
int pull_part_converge(struct cv *cv, const struct part *pt, berr **err);
int push_part_converge(struct cv *cv, const struct part *pt, berr **err);
int cv_pull_needed(struct cv *cv, const struct part *pt, berr **err);
/* An image part made on one engine (from), moved to another that uses it
 * (imagemove.c): a task of the graph; ud is a struct move_task. */
struct move_task {
    struct cv *from, *to;
    int part; /* the part that makes the image */
};
int image_move_task(void *ud, struct sched_task *t, berr **err);

/* Copy parts (copypart.c). */
int copy_part_converge(struct cv *cv, const struct part *pt, berr **err);

/* Around a container's start (startup.c). */
struct tarfile;
/* The layout folder, tarred with its owner: the hash goes into the desired
 * state, the tar onto / of the created container before it starts. */
int startup_layout_tar(const struct part *pt, struct tarfile *out, berr **err);
int startup_layout_put(struct cv *cv, const char *id, struct tarfile *tf, berr **err);
/* Run the part's script in the started container, its output shown; a
 * non-zero exit is an error carrying the output's last lines. */
int startup_script(struct cv *cv, const struct container *c, const char *id, const char *subject,
                   berr **err);
/* Wait until the container is healthy (healthcheck) and ready (the ready
 * command succeeds), within the ready timeout. Fails early when it stops or
 * turns unhealthy; the error carries its last log lines. */
int startup_wait(struct cv *cv, const struct container *c, const char *id, const char *subject,
                 berr **err);
bool startup_has_wait(const struct container *c);
/* Stop the run's event watch, if a wait opened one (at the end of the run). */
void startup_watch_close(struct cv *cv);
/* The container's last log lines, appended to *err: why it did not start. */
void startup_blame_logs(struct cv *cv, const struct container *c, const char *id, berr **err);

/* When up ends (settle.c): every selected container that should run, does;
 * a oneshot part may have exited with 0. Else an error naming each, with its
 * exit code and last log lines. One list call. */
int settle_check(struct cv *cv, berr **err);
/* A container was started now (for settle_check's grace). */
void settle_started(struct cv *cv);
/* "Exited (N) ..." in a listing: N, or -1. */
int settle_listed_exit(json_t *c);

/* The settings an image that a part commits gets: command, entrypoint,
 * env, workdir, user, expose, volumes (images.c). */
json_t *cv_image_settings(const struct part *pt);

/* The inputs of a part that makes a thing (assemble, diskimage): each
 * one's short hash in fields ("name:8hex,..." as desired_fields makes
 * them, for plan's "changed:"), and all of them in one hash. */
struct cv_inputs {
    strbuf fields;
    hasher *all;
};
void cv_input(struct cv_inputs *in, const char *name, const char *value);
/* An image input by id: a rebuilt base rebuilds what is made from it. In a
 * dry run an image this run rebuilds counts as changed. */
int cv_image_input(struct cv *cv, struct cv_inputs *in, const char *name, const char *ref,
                   berr **err);

#endif
