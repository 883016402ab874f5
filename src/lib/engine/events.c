#include "engine/events.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/util.h"

#define RECONNECT_MS 500 /* between two tries to open a broken stream */
/* The first stream starts this long before the watch was opened: the
 * engine's clock may lag ours a little (an event's time is the engine's). */
#define SINCE_SLACK_S 2

struct evwatch {
    engine *e;
    char *label;
    pthread_t thread;
    int wake[2];                /* written once by evwatch_close: ends the stream */
    pthread_mutex_t lock;       /* guards what follows */
    pthread_cond_t changed;     /* an event came, the stream broke, or stop */
    json_t *seen;               /* container id -> events seen */
    long long since_s, since_ns; /* where the next stream starts (the last event's time) */
    bool live, stopping;
};

static int on_event(void *ud, json_t *msg, berr **err)
{
    (void)err;
    evwatch *w = ud;
    const char *id = json_string_value(json_object_get(msg, "id"));
    json_int_t t = json_integer_value(json_object_get(msg, "timeNano"));
    pthread_mutex_lock(&w->lock);
    if (id) {
        json_int_t n = json_integer_value(json_object_get(w->seen, id));
        json_object_set_new(w->seen, id, json_integer(n + 1));
    }
    if (t > 0) {
        w->since_s = t / 1000000000;
        w->since_ns = t % 1000000000;
    }
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
    return 0;
}

static void set_live(evwatch *w, bool live)
{
    pthread_mutex_lock(&w->lock);
    w->live = live;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
}

/* ms from now, on the clock pthread_cond_timedwait reads. */
static struct timespec in_ms(long ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

/* Sleep ms unless the watch is stopped meanwhile; true when stopping. */
static bool nap(evwatch *w, long ms)
{
    struct timespec until = in_ms(ms);
    pthread_mutex_lock(&w->lock);
    while (!w->stopping && pthread_cond_timedwait(&w->changed, &w->lock, &until) == 0)
        ;
    bool stop = w->stopping;
    pthread_mutex_unlock(&w->lock);
    return stop;
}

static void *reader(void *ud)
{
    evwatch *w = ud;
    json_t *filters = json_pack("{s:[s], s:[s], s:[sss]}", "type", "container", "label", w->label,
                                "event", "health_status", "die", "destroy");
    char *fs = json_dumps(filters, JSON_COMPACT);
    json_decref(filters);
    for (;;) {
        pthread_mutex_lock(&w->lock);
        bool stop = w->stopping;
        strbuf q = STRBUF_INIT;
        sb_addf(&q, "/events?since=%lld.%09lld", w->since_s, w->since_ns);
        pthread_mutex_unlock(&w->lock);
        if (stop) {
            sb_release(&q);
            break;
        }
        query_add(&q, "filters", fs);
        struct engine_req r = {.method = "GET", .path = q.buf, .on_msg = on_event, .ud = w,
                               .timeout_ms = -1, .wake_fd = &w->wake[0]};
        berr *e = NULL;
        set_live(w, true);
        engine_call(w->e, &r, NULL, NULL, &e); /* returns when the stream ends */
        set_live(w, false);
        /* An engine that answers the request with an error (it has no
         * such filter, or no events) would answer it again: waits poll. */
        bool refused = e && e->http_status >= 400;
        berr_free(e);
        sb_release(&q);
        if (refused || nap(w, RECONNECT_MS))
            break;
    }
    free(fs);
    return NULL;
}

int evwatch_open(engine *e, const char *label, evwatch **out, berr **err)
{
    *out = NULL;
    evwatch *w = xcalloc(1, sizeof *w);
    w->e = e;
    w->label = xstrdup(label);
    w->seen = json_object();
    w->since_s = (long long)time(NULL) - SINCE_SLACK_S;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->changed, NULL);
    int rc = pipe2(w->wake, O_CLOEXEC | O_NONBLOCK);
    if (rc == 0 && (rc = pthread_create(&w->thread, NULL, reader, w)) != 0) {
        close(w->wake[0]);
        close(w->wake[1]);
        errno = rc;
        rc = -1;
    }
    if (rc < 0) {
        berr_set(err, BERR_FAILURE, "cannot watch the engine's events: %s", strerror(errno));
        json_decref(w->seen);
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->changed);
        free(w->label);
        free(w);
        return -1;
    }
    *out = w;
    return 0;
}

void evwatch_close(evwatch *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
    ssize_t n = write(w->wake[1], "x", 1);
    (void)n; /* a full pipe is woken already */
    pthread_join(w->thread, NULL);
    close(w->wake[0]);
    close(w->wake[1]);
    json_decref(w->seen);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->changed);
    free(w->label);
    free(w);
}

unsigned long evwatch_seen(evwatch *w, const char *id)
{
    pthread_mutex_lock(&w->lock);
    unsigned long n = (unsigned long)json_integer_value(json_object_get(w->seen, id));
    pthread_mutex_unlock(&w->lock);
    return n;
}

bool evwatch_live(evwatch *w)
{
    pthread_mutex_lock(&w->lock);
    bool live = w->live;
    pthread_mutex_unlock(&w->lock);
    return live;
}

bool evwatch_wait(evwatch *w, const char *id, unsigned long seen, long timeout_ms)
{
    struct timespec until = in_ms(timeout_ms);
    pthread_mutex_lock(&w->lock);
    bool came = false;
    for (;;) {
        came = (unsigned long)json_integer_value(json_object_get(w->seen, id)) != seen;
        if (came || !w->live || w->stopping ||
            pthread_cond_timedwait(&w->changed, &w->lock, &until) != 0)
            break;
    }
    pthread_mutex_unlock(&w->lock);
    return came;
}
