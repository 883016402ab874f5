/* Runs a graph of tasks: a task starts when all its dependencies are done,
 * at most `parallel` at once (threads, each with its own engine connection
 * from the HTTP pool). A failed task fails nothing else that runs, but its
 * dependents are skipped. Cancelling (the first Ctrl-C) starts nothing new
 * and lets running tasks finish, so the engine is left in a state a later
 * run converges from; aborting transfers (a second Ctrl-C) is the HTTP
 * layer's cancel flag. */
#ifndef BERTH_TASKGRAPH_H
#define BERTH_TASKGRAPH_H

#include "base/error.h"

enum task_state {
    TASK_PENDING,
    TASK_RUNNING,
    TASK_DONE,
    TASK_FAILED,
    TASK_SKIPPED,   /* a dependency failed or was skipped */
    TASK_CANCELLED, /* never started: the run was cancelled */
};

struct sched_task;
typedef int task_fn(void *ud, struct sched_task *t, berr **err);
/* Told when a task changes state (from a worker thread; serialised). */
typedef void task_observer(void *ud, const struct sched_task *t);

struct sched_task {
    const char *name;
    task_fn *run;
    void *ud;
    const int *deps; /* indices of tasks that must be done first */
    int ndeps;
    /* filled by sched_run */
    enum task_state state;
    berr *err;
    long long started_ms, ended_ms;
};

struct sched_opts {
    int parallel;              /* >= 1 */
    volatile int *cancel;      /* non-zero: start nothing new */
    task_observer *observe;
    void *observe_ud;
};

/* Runs every task it can. Returns 0 when all are done; otherwise -1 with
 * *err naming the first failed task in index order (or the cancellation),
 * each task's own error staying in its err field. Dependencies must form
 * no cycle (the project graph guarantees it; a cycle here is reported). */
int sched_run(struct sched_task *tasks, int n, const struct sched_opts *o, berr **err);
void sched_tasks_clear(struct sched_task *tasks, int n);
const char *task_state_name(enum task_state s);

#endif
