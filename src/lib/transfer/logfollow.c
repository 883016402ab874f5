/* Following logs across restarts and re-creations.
 *
 * Each followed container has a thread holding one streaming logs request;
 * the engine ends it when the container stops. The calling thread reads the
 * engine's event stream (start events of the project's containers): a start
 * of a known container re-opens its stream, resuming after the last line
 * shown; a start of a new one (`up` re-created it: a new id) adds it when
 * the selection wants it. Ctrl-C (the cancel flag, which is also the HTTP
 * layer's) ends every request; the threads are then joined.
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

struct follow {
    engine *e;
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

static bool is_running(struct follow *f, const char *id)
{
    json_t *j = NULL;
    berr *e = NULL;
    bool up = false;
    if (api_container_inspect(f->e, id, &j, &e) == 0 && j)
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
        int rc = logs_fetch(f->e, &fs->s, f->q, true, serial_line, f, &e);
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
        if (!again && is_running(f, fs->s.id))
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
    struct follow *f = ud;
    json_t *actor = json_object_get(msg, "Actor");
    const char *action = json_string_value(json_object_get(msg, "Action"));
    const char *id = json_string_value(json_object_get(actor, "ID"));
    json_t *attrs = json_object_get(actor, "Attributes");
    if (!streq(action, "start") || !id)
        return 0;
    pthread_mutex_lock(&f->lock);
    struct fsrc *fs = NULL;
    for (size_t i = 0; i < f->n && !fs; i++)
        if (streq(f->v[i]->s.id, id))
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
    if (api_container_inspect(f->e, id, &j, &e) == 0 && j)
        s.tty = json_is_true(json_object_get(json_object_get(j, "Config"), "Tty"));
    json_decref(j);
    berr_free(e);
    s.id = (char *)id;
    s.from_start = true; /* a new container: all of it (from --since) */
    pthread_mutex_lock(&f->lock);
    spawn(f, add_src(f, &s));
    pthread_mutex_unlock(&f->lock);
    s.id = NULL;
    log_src_clear(&s);
    return 0;
}

int logs_follow(engine *e, struct log_src *srcs, size_t n, const struct logs_query *q,
                const struct logs_follow_opts *o, log_line_cb *cb, void *ud, berr **err)
{
    struct follow f = {.e = e, .q = q, .o = o, .cb = cb, .ud = ud};
    pthread_mutex_init(&f.lock, NULL);
    pthread_mutex_init(&f.out, NULL);
    pthread_mutex_lock(&f.lock);
    for (size_t i = 0; i < n; i++)
        spawn(&f, add_src(&f, &srcs[i]));
    pthread_mutex_unlock(&f.lock);

    json_t *filters = json_pack("{s:[s], s:[s], s:[s+]}", "type", "container", "event", "start",
                                "label", LABEL_PROJECT "=", o->project);
    char *fs = json_dumps(filters, JSON_COMPACT);
    strbuf qs = STRBUF_INIT;
    sb_addf(&qs, "?since=%lld", o->events_since);
    query_add(&qs, "filters", fs);
    free(fs);
    json_decref(filters);
    berr *e2 = NULL;
    int rc = api_events(e, qs.buf, on_event, &f, &e2);
    sb_release(&qs);
    if (rc < 0 && cancelled(&f)) {
        rc = 0;
    } else {
        /* the event stream ended without Ctrl-C: stop the streams too */
        if (rc == 0)
            berr_set(&e2, BERR_ENGINE, "the engine ended its event stream");
        berr_move(err, &e2);
        rc = -1;
        if (o->cancel)
            *o->cancel = 1;
    }
    berr_free(e2);
    for (size_t i = 0; i < f.nthreads; i++)
        pthread_join(f.threads[i], NULL);
    for (size_t i = 0; i < f.n; i++) {
        log_src_clear(&f.v[i]->s);
        free(f.v[i]);
    }
    free(f.v);
    free(f.threads);
    pthread_mutex_destroy(&f.lock);
    pthread_mutex_destroy(&f.out);
    return rc;
}
