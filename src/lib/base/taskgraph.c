#include "base/taskgraph.h"

#include <pthread.h>
#include <time.h>

#include "base/util.h"

/* A worker thread is added when a task that could start has waited this
 * long with every worker busy: a run of quick tasks (a no-op up) stays on
 * one or two threads, each new one costing about a millisecond (its stack,
 * its malloc arena, its engine connection), while tasks that wait on the
 * engine for seconds get all `parallel` threads within a few milliseconds. */
#define SPAWN_AFTER_MS 2

struct run {
    struct sched_task *tasks;
    int n;
    const struct sched_opts *o;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int running;
    int idle;       /* workers waiting for a task */
    int alive;      /* workers not yet returned */
    int unfinished; /* tasks not yet in a final state */
    int first;      /* no task before this one is pending (a task never
                     * becomes pending again): where pick starts looking */
};

static bool final(enum task_state s)
{
    return s != TASK_PENDING && s != TASK_RUNNING;
}

static void set_state(struct run *r, struct sched_task *t, enum task_state s)
{
    t->state = s;
    if (s == TASK_RUNNING)
        t->started_ms = now_ms();
    if (final(s)) {
        t->ended_ms = now_ms();
        r->unfinished--;
    }
    if (r->o->observe)
        r->o->observe(r->o->observe_ud, t);
}

/* With the lock held: settle tasks that can no longer run, and return the
 * index of a task that may start now, or -1. */
static int pick(struct run *r)
{
    bool cancelled = r->o->cancel && *r->o->cancel;
    bool progress = true;
    while (progress) {
        progress = false;
        while (r->first < r->n && r->tasks[r->first].state != TASK_PENDING)
            r->first++;
        for (int i = r->first; i < r->n; i++) {
            struct sched_task *t = &r->tasks[i];
            if (t->state != TASK_PENDING)
                continue;
            if (cancelled) {
                set_state(r, t, TASK_CANCELLED);
                progress = true;
                continue;
            }
            bool ready = true, doomed = false;
            for (int d = 0; d < t->ndeps; d++) {
                enum task_state ds = r->tasks[t->deps[d]].state;
                if (ds == TASK_FAILED || ds == TASK_SKIPPED || ds == TASK_CANCELLED)
                    doomed = true;
                else if (ds != TASK_DONE)
                    ready = false;
            }
            if (doomed) {
                set_state(r, t, TASK_SKIPPED);
                progress = true;
            } else if (ready) {
                return i;
            }
        }
    }
    return -1;
}

static void *worker(void *arg)
{
    struct run *r = arg;
    pthread_mutex_lock(&r->lock);
    for (;;) {
        int i = pick(r);
        if (i < 0) {
            /* Nothing can start: done, or wait for a running task. A pending
             * task with nothing running can only mean a cycle. */
            if (r->unfinished == 0 || r->running == 0)
                break;
            r->idle++;
            pthread_cond_wait(&r->changed, &r->lock);
            r->idle--;
            continue;
        }
        struct sched_task *t = &r->tasks[i];
        set_state(r, t, TASK_RUNNING);
        r->running++;
        pthread_mutex_unlock(&r->lock);
        berr *e = NULL;
        int rc = t->run(t->ud, t, &e);
        pthread_mutex_lock(&r->lock);
        r->running--;
        t->err = e;
        set_state(r, t, rc < 0 ? TASK_FAILED : TASK_DONE);
        pthread_cond_broadcast(&r->changed);
    }
    r->alive--;
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

int sched_run(struct sched_task *tasks, int n, const struct sched_opts *o, berr **err)
{
    struct run r = {.tasks = tasks, .n = n, .o = o, .unfinished = n};
    for (int i = 0; i < n; i++) {
        tasks[i].state = TASK_PENDING;
        tasks[i].err = NULL;
    }
    pthread_mutex_init(&r.lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r.changed, &ca);
    pthread_condattr_destroy(&ca);
    int nthreads = o->parallel < 1 ? 1 : (o->parallel > n ? n : o->parallel);
    pthread_t *th = xcalloc((size_t)(nthreads > 0 ? nthreads : 1), sizeof *th);
    int started = 0;
    r.alive = 1; /* the first worker, or this thread in its place */
    if (n > 0 && pthread_create(&th[0], NULL, worker, &r) == 0)
        started++;
    if (started == 0 && n > 0)
        worker(&r); /* no threads to be had: run in this one */
    /* Add workers while tasks wait (see SPAWN_AFTER_MS). */
    pthread_mutex_lock(&r.lock);
    long long waiting_since = -1;
    while (started > 0 && started < nthreads && r.unfinished > 0 && r.alive > 0) {
        if (pick(&r) < 0 || r.idle > 0) {
            waiting_since = -1;
            pthread_cond_wait(&r.changed, &r.lock);
            continue;
        }
        long long now = now_ms();
        if (waiting_since < 0)
            waiting_since = now;
        if (now - waiting_since >= SPAWN_AFTER_MS) {
            r.alive++;
            if (pthread_create(&th[started], NULL, worker, &r) != 0) {
                r.alive--;
                break; /* the workers there are will do */
            }
            started++;
            waiting_since = -1;
            continue;
        }
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += SPAWN_AFTER_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&r.changed, &r.lock, &until); /* woken or timed out: look again */
    }
    pthread_mutex_unlock(&r.lock);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(th);
    pthread_cond_destroy(&r.changed);
    pthread_mutex_destroy(&r.lock);

    int failed = 0, cancelled = 0, stuck = 0, first = -1;
    for (int i = 0; i < n; i++) {
        if (tasks[i].state == TASK_FAILED && failed++ == 0)
            first = i;
        cancelled += tasks[i].state == TASK_CANCELLED;
        stuck += tasks[i].state == TASK_PENDING;
    }
    if (stuck)
        return berr_set(err, BERR_FAILURE, "%d task(s) wait on each other in a cycle", stuck);
    if (failed) {
        berr_set(err, tasks[first].err ? tasks[first].err->code : BERR_FAILURE, "%s: %s",
                 tasks[first].name, tasks[first].err ? tasks[first].err->msg : "failed");
        if (failed > 1)
            berr_wrap(err, "%d tasks failed, the first", failed);
        return -1;
    }
    if (cancelled)
        return berr_set(err, BERR_INTERRUPTED, "interrupted: %d task(s) not started", cancelled);
    return 0;
}

void sched_tasks_clear(struct sched_task *tasks, int n)
{
    for (int i = 0; i < n; i++) {
        berr_free(tasks[i].err);
        tasks[i].err = NULL;
    }
}

const char *task_state_name(enum task_state s)
{
    switch (s) {
    case TASK_PENDING: return "pending";
    case TASK_RUNNING: return "running";
    case TASK_DONE: return "done";
    case TASK_FAILED: return "failed";
    case TASK_SKIPPED: return "skipped";
    case TASK_CANCELLED: return "cancelled";
    }
    return "?";
}
