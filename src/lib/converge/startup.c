/* Around a container's start: its layout copied in before, its script run
 * after, and the wait until it is ready (seed 000's "set up a container and
 * wait until it is ready"; dockeroo's run layout and script). */
#include <stdlib.h>
#include <string.h>

#include "engine/api.h"
#include "engine/events.h"
#include "converge/converge_int.h"
#include "converge/outlines.h"
#include "transfer/tarball.h"
#include "base/util.h"

#define POLL_MS 200
/* While the event stream is open, a wait on the healthcheck alone looks
 * again this often even with no event: a safety net, never the path. */
#define SAFETY_MS 5000
#define READY_TRY_MS 10000 /* one ready command may take this long */
#define LOG_TAIL "15"

int startup_layout_tar(const struct part *pt, struct tarfile *out, berr **err)
{
    const char *uid = part_value(pt, "layout-uid"), *gid = part_value(pt, "layout-gid");
    struct tar_opts o = {.uid = uid ? atoi(uid) : 0, .gid = gid ? atoi(gid) : 0};
    if (tar_folder(pt->container->layout, &o, out, err) < 0)
        return berr_wrap(err, "layout %s", pt->container->layout);
    return 0;
}

int startup_layout_put(struct cv *cv, const char *id, struct tarfile *tf, berr **err)
{
    if (tarfile_rewind(tf, err) < 0)
        return -1;
    if (api_container_put_archive(cv->e, id, "/", tarfile_read, tf, err) < 0)
        return berr_wrap(err, "copy the layout in");
    return 0;
}

static int script_output(void *ud, int stream, const char *data, size_t len, berr **err)
{
    (void)stream; /* shown alike, in the order they came */
    return outlines_feed(ud, data, len, err);
}

int startup_script(struct cv *cv, const struct container *c, const char *id, const char *subject,
                   berr **err)
{
    report(cv->o->rep, EV_STATE, subject, "script", NULL);
    const char *argv[] = {c->script_shell ? c->script_shell : "/bin/sh", "-c", c->script, NULL};
    struct exec_opts eo = {.argv = argv, .user = c->script_user, .timeout_ms = -1};
    struct outlines out;
    outlines_init(&out, cv->o->rep, subject, false);
    int code = 0;
    int rc = api_exec(cv->e, id, &eo, script_output, &out, &code, err);
    rc = outlines_script_end(&out, rc, code, err);
    return rc < 0 ? berr_wrap(err, "script") : 0;
}

bool startup_has_wait(const struct container *c)
{
    return c->healthcheck.n || c->ready.n || c->oneshot;
}

/* The container's last log lines, appended to *err: why it did not start. */
void startup_blame_logs(struct cv *cv, const struct container *c, const char *id, berr **err)
{
    cleanup_free char *path = xasprintf("/containers/%s/logs?stdout=1&stderr=1&tail=" LOG_TAIL, id);
    struct outlines out;
    outlines_init(&out, NULL, NULL, !c->tty);
    struct engine_req r = {.method = "GET", .path = path, .on_data = outlines_feed, .ud = &out,
                           .timeout_ms = 10000};
    berr *ignored = NULL;
    if (engine_call(cv->e, &r, NULL, NULL, &ignored) == 0 && outlines_finish(&out, &ignored) == 0 &&
        out.n) {
        cleanup_free char *t = outlines_tail(&out);
        cleanup_free char *s = xasprintf("\n  its last log lines:%s", t);
        berr_append(err, s);
    }
    berr_free(ignored);
    outlines_release(&out);
}

/* The last health probe's output, trimmed to one line. */
static char *last_probe(json_t *health)
{
    json_t *log = json_object_get(health, "Log");
    const char *o = json_string_value(json_object_get(json_array_get(log, json_array_size(log) - 1),
                                                      "Output"));
    if (!o || !*o)
        return xstrdup("");
    char *s = plain_text(o, strlen(o));
    for (char *p = s; *p; p++)
        if (*p == '\n')
            *p = ' ';
    for (size_t n = strlen(s); n && s[n - 1] == ' ';)
        s[--n] = '\0';
    char *out = xasprintf(" (last probe: %s)", s);
    free(s);
    return out;
}

static int stopped(json_t *state, berr **err)
{
    return berr_set(err, BERR_FAILURE, "the container stopped (exit code %lld)",
                    (long long)json_integer_value(json_object_get(state, "ExitCode")));
}

/* One look: 1 ready, 0 not yet, -1 failed for good. */
static int ready_once(struct cv *cv, const struct container *c, const char *id, long left_ms,
                      berr **err)
{
    json_t *j = NULL;
    if (api_container_inspect(cv->e, id, &j, err) < 0)
        return -1;
    if (!j)
        return berr_set(err, BERR_FAILURE, "the container is gone");
    json_t *state = json_object_get(j, "State");
    int rc = 1;
    if (c->oneshot) { /* ready when it has run to completion, and succeeded */
        long long code = json_integer_value(json_object_get(state, "ExitCode"));
        if (json_is_true(json_object_get(state, "Running")))
            rc = 0;
        else if (code != 0)
            rc = berr_set(err, BERR_FAILURE, "it exited with code %lld (it must complete with 0)",
                          code);
        json_decref(j);
        return rc;
    }
    if (!json_is_true(json_object_get(state, "Running"))) {
        rc = stopped(state, err);
    } else if (c->healthcheck.n) {
        json_t *health = json_object_get(state, "Health");
        const char *st = json_string_value(json_object_get(health, "Status"));
        if (streq(st, "unhealthy")) {
            cleanup_free char *probe = last_probe(health);
            rc = berr_set(err, BERR_FAILURE, "the container is unhealthy%s", probe);
        } else if (!streq(st, "healthy")) {
            rc = 0;
        }
    }
    json_decref(j);
    if (rc != 1 || !c->ready.n)
        return rc;
    struct exec_opts eo = {.argv = (const char *const *)c->ready.v,
                           .timeout_ms = left_ms < READY_TRY_MS ? left_ms : READY_TRY_MS};
    int code = -1;
    berr *e2 = NULL;
    if (api_exec(cv->e, id, &eo, NULL, NULL, &code, &e2) < 0) {
        /* A try that hangs past its slice is "not yet"; anything else is an error. */
        if (e2->code != BERR_TIMEOUT) {
            /* The container may have stopped between the look and the
             * exec (the engine refuses it: 409, "is not running"): that
             * is what to say, with its exit code. */
            json_t *again = NULL;
            berr *e3 = NULL;
            if (api_container_inspect(cv->e, id, &again, &e3) == 0 && again &&
                !json_is_true(json_object_get(json_object_get(again, "State"), "Running"))) {
                berr_free(e2);
                rc = stopped(json_object_get(again, "State"), err);
                json_decref(again);
                return rc;
            }
            json_decref(again);
            berr_free(e3);
            berr_move(err, &e2);
            return berr_wrap(err, "ready command");
        }
        berr_free(e2);
        return 0;
    }
    return code == 0;
}

/* The run's event watch, opened by the first wait (the watch reads events
 * from a moment before: a container started earlier loses none of its
 * events), or NULL when it cannot be: then waits poll. */
static evwatch *run_watch(struct cv *cv)
{
    pthread_mutex_lock(&cv->lock);
    if (!cv->watch && !cv->watch_failed) {
        cleanup_free char *label = xasprintf(LABEL_PROJECT "=%s", cv->p->name);
        berr *e = NULL;
        if (evwatch_open(cv->e, label, &cv->watch, &e) < 0)
            cv->watch_failed = true;
        berr_free(e);
    }
    evwatch *w = cv->watch;
    pthread_mutex_unlock(&cv->lock);
    return w;
}

void startup_watch_close(struct cv *cv)
{
    evwatch_close(cv->watch);
    cv->watch = NULL;
}

/* Between two looks at a container: until the engine reports something of
 * it (its health changed, it died, it is gone), or a poll period passes. A
 * ready command is polled (no event tells that it would pass now); a
 * healthcheck or a oneshot's end is awaited on the events, with a slow poll
 * as a safety net, and polled while the stream is down. Ctrl-C is seen
 * within POLL_MS. */
static void until_next_look(struct cv *cv, const struct container *c, evwatch *w, const char *id,
                            unsigned long seen)
{
    bool events = w && evwatch_live(w);
    long long until = now_ms() + (events && !c->ready.n ? SAFETY_MS : POLL_MS);
    for (long long left; (left = until - now_ms()) > 0;) {
        if (cv->o->cancel && *cv->o->cancel)
            return;
        long slice = left < POLL_MS ? (long)left : POLL_MS;
        if (!w || !evwatch_live(w)) {
            sleep_ms(slice);
            return;
        }
        if (evwatch_wait(w, id, seen, slice))
            return;
    }
}

int startup_wait(struct cv *cv, const struct container *c, const char *id, const char *subject,
                 berr **err)
{
    long limit = cv->o->wait_timeout_ms > 0 ? cv->o->wait_timeout_ms : (long)c->ready_timeout_ms;
    long long deadline = now_ms() + limit;
    report(cv->o->rep, EV_STATE, subject, "waiting", NULL);
    evwatch *w = run_watch(cv);
    for (;;) {
        long long left = deadline - now_ms();
        /* taken before the look: an event that comes during it wakes the next wait */
        unsigned long seen = w ? evwatch_seen(w, id) : 0;
        int rc = ready_once(cv, c, id, left > 0 ? (long)left : 1, err);
        if (rc == 1)
            return 0;
        if (rc == 0 && now_ms() >= deadline)
            rc = berr_set(err, BERR_TIMEOUT,
                          "not ready within %.1f s (%s%s; --wait-timeout or the part's ready-timeout "
                          "sets the limit)",
                          limit / 1000.0, c->healthcheck.n ? "healthcheck not healthy" : "",
                          c->ready.n ? (c->healthcheck.n ? ", ready command failing"
                                                         : "ready command failing")
                                     : "");
        if (rc == 0 && cv->o->cancel && *cv->o->cancel)
            return berr_set(err, BERR_INTERRUPTED, "interrupted while waiting");
        if (rc < 0) {
            startup_blame_logs(cv, c, id, err);
            return -1;
        }
        until_next_look(cv, c, w, id, seen);
    }
}
