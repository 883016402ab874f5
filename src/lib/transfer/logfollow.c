/* Following logs across restarts and re-creations.
 *
 * Each followed container has a thread holding one streaming logs request
 * to its own engine; the engine ends it when the container stops. Each
 * engine's event stream (start events of the project's containers) is read
 * by a thread of its own, the first engine's by the calling thread: a start
 * of a known container re-opens its stream, resuming after the last line
 * shown; a start of a new one (`up` re-created it: a new id) adds it, on the
 * engine that told, when the selection wants it. Ctrl-C (the cancel flag,
 * which is also the HTTP layer's) ends every request; so does an event
 * stream that ends by itself (the engine stopped: following the others
 * would hide that). The threads are then joined.
 *
 * States, under f->lock: following (a thread streams it) and pending (a
 * start event came while it streamed: the stream may have ended for the
 * stop before that start, so look again when it ends). */
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "engine/api.h"
#include "engine/owner.h"
#include "transfer/logs.h"
#include "base/strbuf.h"
#include "base/util.h"

struct fsrc {
    struct log_src s;
    struct follow *f;
    bool following, pending;
};

struct watch;

struct follow {
    const struct logs_query *q;
    const struct logs_follow_opts *o;
    log_line_cb *cb;
    void *ud;
    pthread_mutex_t lock; /* the sources and their states */
    pthread_mutex_t out;  /* one line at a time through cb */
    struct fsrc **v;
    size_t n;
    pthread_t *threads; /* every thread started, joined at the end */
    size_t nthreads;
    berr *ended;        /* the first event stream that failed (under lock) */
};

/* One engine's event stream. */
struct watch {
    struct follow *f;
    engine *e;
};

static bool cancelled(struct follow *f)
{
    return f->o->cancel && *f->o->cancel;
}

static int serial_line(void *ud, const struct log_line *l, berr **err)
{
    struct follow *f = ud;
    pthread_mutex_lock(&f->out);
    int rc = f->cb(f->ud, l, err);
    pthread_mutex_unlock(&f->out);
    return rc;
}

static void note(struct follow *f, const char *subject, const char *msg)
{
    if (!f->o->note)
        return;
    pthread_mutex_lock(&f->out);
    f->o->note(f->o->note_ud, subject, msg);
    pthread_mutex_unlock(&f->out);
}

static bool is_running(engine *en, const char *id)
{
    json_t *j = NULL;
    berr *e = NULL;
    bool up = false;
    if (api_container_inspect(en, id, &j, &e) == 0 && j)
        up = json_is_true(json_object_get(json_object_get(j, "State"), "Running"));
    json_decref(j);
    berr_free(e);
    return up;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void *stream_main(void *arg)
{
    struct fsrc *fs = arg;
    struct follow *f = fs->f;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL); /* Ctrl-C is the main thread's */
    for (;;) {
        berr *e = NULL;
        long long t0 = now_ms();
        int rc = logs_fetch(fs->s.e, &fs->s, f->q, true, serial_line, f, &e);
        if (rc < 0 && !cancelled(f)) {
            note(f, fs->s.subject, e->msg);
            /* not readable (a logging driver without reads, ...): give up on it */
            pthread_mutex_lock(&f->lock);
            fs->following = fs->pending = false;
            pthread_mutex_unlock(&f->lock);
        }
        berr_free(e);
        if (rc < 0 || cancelled(f))
            break;
        /* the container stopped, or is stopping and starting again */
        pthread_mutex_lock(&f->lock);
        bool again = fs->pending;
        fs->pending = false;
        pthread_mutex_unlock(&f->lock);
        if (!again && is_running(fs->s.e, fs->s.id))
            again = true;
        if (again) {
            if (now_ms() - t0 < 200) /* it stopped at once: do not spin on it */
                pause_ms(200);
            if (!cancelled(f))
                continue;
            break;
        }
        pthread_mutex_lock(&f->lock);
        again = fs->pending; /* a start that came while we looked */
        fs->pending = false;
        fs->following = again;
        pthread_mutex_unlock(&f->lock);
        if (!again)
            break;
    }
    return NULL;
}

/* Under f->lock. */
static void spawn(struct follow *f, struct fsrc *fs)
{
    fs->following = true;
    fs->pending = false;
    f->threads = xrealloc(f->threads, sizeof *f->threads * (f->nthreads + 1));
    if (pthread_create(&f->threads[f->nthreads], NULL, stream_main, fs) == 0)
        f->nthreads++;
    else
        fs->following = false;
}

static struct fsrc *add_src(struct follow *f, const struct log_src *s)
{
    struct fsrc *fs = xcalloc(1, sizeof *fs);
    fs->f = f;
    fs->s = *s;
    fs->s.id = xstrdup(s->id);
    fs->s.subject = xstrdup(s->subject ? s->subject : s->id);
    fs->s.part = s->part ? xstrdup(s->part) : NULL;
    fs->s.instance = s->instance ? xstrdup(s->instance) : NULL;
    f->v = xrealloc(f->v, sizeof *f->v * (f->n + 1));
    f->v[f->n++] = fs;
    return fs;
}

static int on_event(void *ud, json_t *msg, berr **err)
{
    (void)err;
    struct watch *w = ud;
    struct follow *f = w->f;
    json_t *actor = json_object_get(msg, "Actor");
    const char *action = json_string_value(json_object_get(msg, "Action"));
    const char *id = json_string_value(json_object_get(actor, "ID"));
    json_t *attrs = json_object_get(actor, "Attributes");
    if (!streq(action, "start") || !id)
        return 0;
    pthread_mutex_lock(&f->lock);
    struct fsrc *fs = NULL;
    for (size_t i = 0; i < f->n && !fs; i++)
        if (f->v[i]->s.e == w->e && streq(f->v[i]->s.id, id))
            fs = f->v[i];
    if (fs) {
        if (fs->following)
            fs->pending = true;
        else
            spawn(f, fs);
        pthread_mutex_unlock(&f->lock);
        return 0;
    }
    pthread_mutex_unlock(&f->lock);
    struct log_src s = {0};
    const char *part = json_string_value(json_object_get(attrs, LABEL_PART));
    const char *inst = json_string_value(json_object_get(attrs, LABEL_INSTANCE));
    /* the attributes are the container's labels, and its name */
    if (!owner_container_is(attrs, json_string_value(json_object_get(attrs, "name")), f->o->project))
        return 0;
    if (!f->o->select || !f->o->select(f->o->select_ud, id, part ? part : "", inst ? inst : "", &s))
        return 0;
    /* TTY or not decides how its stream is framed */
    json_t *j = NULL;
    berr *e = NULL;
    if (api_container_inspect(w->e, id, &j, &e) == 0 && j)
        s.tty = json_is_true(json_object_get(json_object_get(j, "Config"), "Tty"));
    json_decref(j);
    berr_free(e);
    s.id = (char *)id;
    s.e = w->e;
    s.from_start = true; /* a new container: all of it (from --since) */
    pthread_mutex_lock(&f->lock);
    spawn(f, add_src(f, &s));
    pthread_mutex_unlock(&f->lock);
    s.id = NULL;
    log_src_clear(&s);
    return 0;
}

/* Read one engine's start events until cancelled; a stream that ends or
 * fails otherwise is kept as the follow's error (the first one) and ends
 * the whole follow. */
static void watch_run(struct watch *w)
{
    struct follow *f = w->f;
    const struct logs_follow_opts *o = f->o;
    json_t *filters = json_pack("{s:[s], s:[s], s:[s+]}", "type", "container", "event", "start",
                                "label", LABEL_PROJECT "=", o->project);
    char *fs = json_dumps(filters, JSON_COMPACT);
    strbuf qs = STRBUF_INIT;
    sb_addf(&qs, "?since=%lld", o->events_since);
    query_add(&qs, "filters", fs);
    free(fs);
    json_decref(filters);
    berr *e2 = NULL;
    int rc = api_events(w->e, qs.buf, on_event, w, &e2);
    sb_release(&qs);
    pthread_mutex_lock(&f->lock);
    if (!cancelled(f)) {
        /* (an engine's own errors name it: "lost the engine at ...") */
        if (rc == 0)
            berr_set(&e2, BERR_ENGINE, "the engine at %s ended its event stream",
                     engine_address(w->e));
        if (!f->ended)
            berr_move(&f->ended, &e2);
        /* the streams too, and the other engines' events */
        if (o->cancel)
            *o->cancel = 1;
    }
    pthread_mutex_unlock(&f->lock);
    berr_free(e2);
}

static void *watch_main(void *arg)
{
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL); /* Ctrl-C is the main thread's */
    watch_run(arg);
    return NULL;
}

int logs_follow(engine *const *engines, size_t nengines, struct log_src *srcs, size_t n,
                const struct logs_query *q, const struct logs_follow_opts *o, log_line_cb *cb,
                void *ud, berr **err)
{
    struct follow f = {.q = q, .o = o, .cb = cb, .ud = ud};
    pthread_mutex_init(&f.lock, NULL);
    pthread_mutex_init(&f.out, NULL);
    struct watch *ws = xcalloc(nengines ? nengines : 1, sizeof *ws);
    pthread_t *wt = xcalloc(nengines ? nengines : 1, sizeof *wt);
    bool *started = xcalloc(nengines ? nengines : 1, sizeof *started);
    pthread_mutex_lock(&f.lock);
    for (size_t i = 0; i < n; i++) {
        struct fsrc *fs = add_src(&f, &srcs[i]);
        if (!fs->s.e)
            fs->s.e = engines[0];
        spawn(&f, fs);
    }
    pthread_mutex_unlock(&f.lock);
    for (size_t k = 0; k < nengines; k++)
        ws[k] = (struct watch){.f = &f, .e = engines[k]};
    /* The first engine's events in this thread, as with one engine. */
    for (size_t k = 1; k < nengines; k++)
        started[k] = pthread_create(&wt[k], NULL, watch_main, &ws[k]) == 0;
    if (nengines)
        watch_run(&ws[0]);
    for (size_t k = 1; k < nengines; k++)
        if (started[k])
            pthread_join(wt[k], NULL);
    int rc = 0;
    if (f.ended) {
        berr_move(err, &f.ended);
        rc = -1;
    }
    for (size_t i = 0; i < f.nthreads; i++)
        pthread_join(f.threads[i], NULL);
    for (size_t i = 0; i < f.n; i++) {
        log_src_clear(&f.v[i]->s);
        free(f.v[i]);
    }
    free(f.v);
    free(f.threads);
    free(ws);
    free(wt);
    free(started);
    pthread_mutex_destroy(&f.lock);
    pthread_mutex_destroy(&f.out);
    return rc;
}
