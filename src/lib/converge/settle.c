/* The end of up: a container that exits during up (a crashing command, an
 * entrypoint-local.sh that cannot run) is a failure, not "done". One list
 * call tells every container's state; only those not running cost more (an
 * inspect for the exit code, their last log lines). */
#include <stdio.h>
#include <stdlib.h>

#include "engine/api.h"
#include "converge/converge_int.h"
#include "base/strbuf.h"
#include "base/util.h"

/* A process that fails at once (exec format error, a missing file, a
 * permission) is gone within milliseconds of its start; up waits this long
 * after its last start before looking, so that such a failure is seen. */
#define SETTLE_MS 500
#define MAX_NAMED 5

void settle_started(struct cv *cv)
{
    pthread_mutex_lock(&cv->lock);
    cv->last_start_ms = now_ms();
    pthread_mutex_unlock(&cv->lock);
}

int settle_listed_exit(json_t *c)
{
    const char *st = json_string_value(json_object_get(c, "Status"));
    int code;
    if (st && sscanf(st, "Exited (%d)", &code) == 1)
        return code;
    return -1;
}

static json_t *by_name(json_t *list, const char *name)
{
    size_t i, j;
    json_t *c, *n;
    json_array_foreach(list, i, c)
        json_array_foreach(json_object_get(c, "Names"), j, n)
            if (json_string_value(n) && streq(json_string_value(n) + 1, name))
                return c;
    return NULL;
}

/* "web:one is not running: it exited with code 3" and its log lines. */
static void explain(struct cv *cv, const struct container *c, json_t *have, const char *subject,
                    strbuf *msg)
{
    const char *id = json_string_value(json_object_get(have, "Id"));
    const char *state = json_string_value(json_object_get(have, "State"));
    json_t *j = NULL;
    berr *e = NULL;
    int code = settle_listed_exit(have);
    if (api_container_inspect(cv->e, id, &j, &e) == 0 && j) {
        json_t *s = json_object_get(j, "State");
        code = (int)json_integer_value(json_object_get(s, "ExitCode"));
        const char *why = json_string_value(json_object_get(s, "Error"));
        if (why && *why)
            state = NULL, sb_addf(msg, "%s%s is not running: %s (exit code %d)",
                                  msg->len ? "\n" : "", subject, why, code);
    }
    json_decref(j);
    berr_freep(&e);
    if (state && streq(state, "exited"))
        sb_addf(msg, "%s%s is not running: it exited with code %d", msg->len ? "\n" : "",
                subject, code);
    else if (state)
        sb_addf(msg, "%s%s is not running: it is %s (exit code %d)", msg->len ? "\n" : "",
                subject, state, code);
    berr *logs = NULL;
    berr_set(&logs, BERR_FAILURE, "%s", "");
    startup_blame_logs(cv, c, id, &logs);
    sb_adds(msg, logs->msg);
    berr_free(logs);
}

int settle_check(struct cv *cv, berr **err)
{
    const struct project *p = cv->p;
    pthread_mutex_lock(&cv->lock);
    long long last = cv->last_start_ms;
    pthread_mutex_unlock(&cv->lock);
    /* Nothing started in this run: every container that should run was
     * running when listed (up starts any that is not), so a no-op up stays
     * at its one list call. */
    if (!last)
        return 0;
    long long wait = last + SETTLE_MS - now_ms();
    if (wait > 0)
        sleep_ms(wait);
    json_t *list = NULL;
    if (api_list(cv->e, "containers", p->name, &list, err) < 0)
        return berr_wrap(err, "listing the containers after up");
    strbuf msg = STRBUF_INIT;
    int nbad = 0;
    for (size_t i = 0; i < p->nparts; i++) {
        const struct part *pt = &p->parts[i];
        if (!cv->sel->part[i] || pt->kind != PART_CONTAINER || !pt->container->start)
            continue;
        const struct container *c = pt->container;
        for (size_t j = 0; j < c->ninstances; j++) {
            const struct instance *in = &c->instances[j];
            const struct project_sel *sel = cv->sel;
            if (in->interactive ||
                (sel->instance && sel->instance[i] && !sel->instance[i][j] && !sel->needed[i]))
                continue;
            json_t *have = by_name(list, in->container_name);
            const char *state = json_string_value(json_object_get(have, "State"));
            if (!have || streq(state, "running"))
                continue;
            if (c->oneshot && streq(state, "exited") && settle_listed_exit(have) == 0)
                continue;
            if (++nbad > MAX_NAMED)
                continue;
            cleanup_free char *subject = xasprintf("%s:%s", pt->name, in->name);
            explain(cv, c, have, subject, &msg);
        }
    }
    json_decref(list);
    int rc = 0;
    if (nbad) {
        if (nbad > MAX_NAMED)
            sb_addf(&msg, "\n(and %d more)", nbad - MAX_NAMED);
        rc = berr_set(err, BERR_FAILURE, "%s", msg.buf);
    }
    sb_release(&msg);
    return rc;
}
