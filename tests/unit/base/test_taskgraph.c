#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "base/taskgraph.h"
#include "../tap.h"
#include "base/util.h"

/* Each task records when it ran; some fail on purpose. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int order[64], norder, concurrent, max_concurrent;
static volatile int cancel;

struct spec {
    int fail;
    int cancel_after; /* set the cancel flag when this task runs */
};

static struct sched_task *base;
static int index_of(const struct sched_task *t) { return (int)(t - base); }

static int run_recording(void *ud, struct sched_task *t, berr **err)
{
    struct spec *s = ud;
    pthread_mutex_lock(&mu);
    order[norder++] = index_of(t);
    concurrent++;
    if (concurrent > max_concurrent)
        max_concurrent = concurrent;
    pthread_mutex_unlock(&mu);
    usleep(20000);
    pthread_mutex_lock(&mu);
    concurrent--;
    pthread_mutex_unlock(&mu);
    if (s->cancel_after)
        cancel = 1;
    return s->fail ? berr_set(err, BERR_ENGINE, "boom in %s", t->name) : 0;
}

static int pos(int task)
{
    for (int i = 0; i < norder; i++)
        if (order[i] == task)
            return i;
    return -1;
}

static void reset(void)
{
    norder = concurrent = max_concurrent = 0;
    cancel = 0;
}

int main(void)
{
    /* a diamond: 0 -> {1, 2} -> 3, and 4 independent */
    int d1[] = {0}, d3[] = {1, 2};
    struct spec ok_spec = {0}, fail_spec = {.fail = 1}, cancel_spec = {.cancel_after = 1};
    struct sched_task t[5] = {
        {.name = "a", .run = run_recording, .ud = &ok_spec},
        {.name = "b", .run = run_recording, .ud = &ok_spec, .deps = d1, .ndeps = 1},
        {.name = "c", .run = run_recording, .ud = &ok_spec, .deps = d1, .ndeps = 1},
        {.name = "d", .run = run_recording, .ud = &ok_spec, .deps = d3, .ndeps = 2},
        {.name = "e", .run = run_recording, .ud = &ok_spec},
    };
    base = t;
    struct sched_opts o = {.parallel = 4, .cancel = &cancel};
    berr *err = NULL;

    reset();
    is_int(sched_run(t, 5, &o, &err), 0, "a diamond with an independent task succeeds");
    is_int(norder, 5, "every task ran once");
    ok(pos(0) < pos(1) && pos(0) < pos(2), "dependencies run before their dependents");
    ok(pos(1) < pos(3) && pos(2) < pos(3), "a task waits for all its dependencies");
    ok(max_concurrent >= 2, "independent tasks run in parallel");
    for (int i = 0; i < 5; i++)
        ok(t[i].state == TASK_DONE, "each task is done");
    sched_tasks_clear(t, 5);

    reset();
    o.parallel = 1;
    is_int(sched_run(t, 5, &o, &err), 0, "parallel 1 succeeds");
    is_int(max_concurrent, 1, "parallel 1 runs one task at a time");
    sched_tasks_clear(t, 5);

    reset();
    o.parallel = 4;
    t[1].ud = &fail_spec;
    is_int(sched_run(t, 5, &o, &err), -1, "a failing task fails the run");
    is_int(t[1].state, TASK_FAILED, "the failing task is failed");
    is_int(t[3].state, TASK_SKIPPED, "its dependent is skipped");
    is_int(t[2].state, TASK_DONE, "a sibling still completes");
    is_int(t[4].state, TASK_DONE, "an independent task still completes");
    has_str(err ? err->msg : NULL, "b: boom in b", "the error names the failed task and its cause");
    is_int(err ? err->code : 0, BERR_ENGINE, "the run's error keeps the task's category");
    berr_freep(&err);
    sched_tasks_clear(t, 5);
    t[1].ud = &ok_spec;

    reset();
    o.parallel = 1;
    t[0].ud = &cancel_spec;
    is_int(sched_run(t, 5, &o, &err), -1, "a cancelled run reports failure");
    is_int(t[0].state, TASK_DONE, "the running task finishes after cancel");
    is_int(t[3].state, TASK_CANCELLED, "pending tasks are not started after cancel");
    is_int(err ? err->code : 0, BERR_INTERRUPTED, "cancellation is reported as interrupted");
    berr_freep(&err);
    sched_tasks_clear(t, 5);
    t[0].ud = &ok_spec;

    reset();
    int c0[] = {1}, c1[] = {0};
    struct sched_task cyc[2] = {
        {.name = "x", .run = run_recording, .ud = &ok_spec, .deps = c0, .ndeps = 1},
        {.name = "y", .run = run_recording, .ud = &ok_spec, .deps = c1, .ndeps = 1},
    };
    base = cyc;
    is_int(sched_run(cyc, 2, &o, &err), -1, "a cycle does not hang");
    has_str(err ? err->msg : NULL, "cycle", "a cycle is reported");
    berr_freep(&err);

    is_int(sched_run(NULL, 0, &o, &err), 0, "no tasks is success");
    return tap_done();
}
