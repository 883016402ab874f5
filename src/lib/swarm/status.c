#include "swarm/status.h"

#include <stdio.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "converge/desired.h"
#include "engine/api.h"
#include "engine/stream.h"
#include "swarm/deploy.h"
#include "swarm/spec.h"

static json_t *jget(json_t *o, const char *path)
{
    /* "A.B.C": nested objects; NULL when any step is missing. */
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    char *save = NULL;
    for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
        o = json_object_get(o, k);
    return o;
}

static const char *jstr(json_t *o, const char *path)
{
    return json_string_value(jget(o, path));
}

/* One call per kind: the objects carrying berth.swarm.project=P. */
int swarm_list(engine *e, const char *kind, const char *project, json_t **out, berr **err)
{
    strbuf path = STRBUF_INIT;
    sb_addf(&path, "/%s", kind);
    cleanup_free char *label = xasprintf("%s=%s", LABEL_SWARM_PROJECT, project);
    const char *labels[] = {label, NULL};
    query_add_label_filters(&path, labels);
    int rc = engine_get(e, path.buf, out, err);
    sb_release(&path);
    if (rc == 0 && json_is_array(json_object_get(*out, "Volumes"))) { /* GET /volumes */
        json_t *v = json_incref(json_object_get(*out, "Volumes"));
        json_decref(*out);
        *out = v;
    }
    if (rc == 0 && !json_is_array(*out)) {
        json_decref(*out);
        *out = json_array();
    }
    return rc;
}

/* GET /tasks of the named services (one call). */
static int list_tasks(engine *e, json_t *service_ids, json_t **out, berr **err)
{
    strbuf path = STRBUF_INIT;
    sb_adds(&path, "/tasks");
    json_t *f = json_pack("{s:O}", "service", service_ids);
    char *s = json_dumps(f, JSON_COMPACT);
    query_add(&path, "filters", s);
    free(s);
    json_decref(f);
    int rc = engine_get(e, path.buf, out, err);
    sb_release(&path);
    if (rc == 0 && !json_is_array(*out)) {
        json_decref(*out);
        *out = json_array();
    }
    return rc;
}

/* Engine times compare as (seconds text, fraction as a number). */
static int ts_cmp(const char *a, const char *b)
{
    if (!a || !b)
        return a ? 1 : b ? -1 : 0;
    const char *da = strchr(a, '.'), *db = strchr(b, '.');
    size_t la = da ? (size_t)(da - a) : strcspn(a, "Z"), lb = db ? (size_t)(db - b) : strcspn(b, "Z");
    int c = strncmp(a, b, la < lb ? la : lb);
    if (c || la != lb)
        return c ? c : (la < lb ? -1 : 1);
    char fa[10] = "000000000", fb[10] = "000000000";
    for (int i = 0; da && i < 9 && da[1 + i] >= '0' && da[1 + i] <= '9'; i++)
        fa[i] = da[1 + i];
    for (int i = 0; db && i < 9 && db[1 + i] >= '0' && db[1 + i] <= '9'; i++)
        fb[i] = db[1 + i];
    return strcmp(fa, fb);
}

static int cmp_task(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_int_t sx = json_integer_value(json_object_get(x, "Slot")),
               sy = json_integer_value(json_object_get(y, "Slot"));
    if (sx != sy)
        return sx < sy ? -1 : 1;
    const char *cx = jstr(x, "CreatedAt"), *cy = jstr(y, "CreatedAt");
    return -ts_cmp(cx, cy); /* newest first */
}

static const char *node_name(json_t *nodes, const char *id)
{
    size_t i;
    json_t *n;
    json_array_foreach(nodes, i, n)
        if (streq(jstr(n, "ID"), id))
            return jstr(n, "Description.Hostname");
    return id;
}

int swarm_status(engine *e, const char *project, json_t **out, berr **err)
{
    json_t *services = NULL, *tasks = NULL, *nodes = NULL;
    *out = NULL;
    if (swarm_list(e, "services", project, &services, err) < 0)
        return -1;
    json_t *ids = json_array();
    size_t i;
    json_t *s;
    json_array_foreach(services, i, s)
        json_array_append(ids, json_object_get(s, "ID"));
    int rc = -1;
    if (json_array_size(ids) &&
        (list_tasks(e, ids, &tasks, err) < 0 || engine_get(e, "/nodes", &nodes, err) < 0))
        goto done;
    json_t *result = json_array();
    json_array_foreach(services, i, s) {
        const char *sid = jstr(s, "ID");
        json_t *labels = jget(s, "Spec.Labels");
        json_int_t desired = json_integer_value(jget(s, "Spec.Mode.Replicated.Replicas"));
        size_t nt = 0, k;
        json_t *t;
        json_t **mine = xcalloc(json_array_size(tasks) + 1, sizeof *mine);
        json_array_foreach(tasks, k, t)
            if (streq(jstr(t, "ServiceID"), sid))
                mine[nt++] = t;
        qsort(mine, nt, sizeof *mine, cmp_task);
        json_int_t running = 0;
        json_t *tj = json_array(), *ports = json_array();
        for (k = 0; k < nt; k++) {
            t = mine[k];
            bool run = streq(jstr(t, "Status.State"), "running") && streq(jstr(t, "DesiredState"), "running");
            running += run;
            cleanup_free char *tname = xasprintf("%s.%lld", jstr(s, "Spec.Name"),
                                                 (long long)json_integer_value(json_object_get(t, "Slot")));
            const char *errs = jstr(t, "Status.Err");
            json_array_append_new(tj, json_pack("{s:s?, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}", "id",
                                                jstr(t, "ID"), "name", tname, "node",
                                                node_name(nodes, jstr(t, "NodeID")), "node_id",
                                                jstr(t, "NodeID"), "state",
                                                jstr(t, "Status.State"), "desired",
                                                jstr(t, "DesiredState"), "error",
                                                errs && *errs ? errs : NULL, "since",
                                                jstr(t, "Status.Timestamp")));
            size_t pi;
            json_t *pp;
            json_array_foreach(jget(t, "Status.PortStatus.Ports"), pi, pp) {
                if (!run)
                    continue;
                cleanup_free char *ps = xasprintf(
                    "%lld->%lld/%s", (long long)json_integer_value(json_object_get(pp, "PublishedPort")),
                    (long long)json_integer_value(json_object_get(pp, "TargetPort")),
                    jstr(pp, "Protocol") ? jstr(pp, "Protocol") : "tcp");
                bool dup = false;
                size_t q;
                json_t *have;
                json_array_foreach(ports, q, have)
                    dup |= streq(json_string_value(have), ps);
                if (!dup)
                    json_array_append_new(ports, json_string(ps));
            }
        }
        free(mine);
        size_t pi;
        json_t *pp;
        json_array_foreach(jget(s, "Endpoint.Ports"), pi, pp) {
            if (!streq(jstr(pp, "PublishMode"), "ingress"))
                continue;
            cleanup_free char *ps = xasprintf(
                "*:%lld->%lld/%s", (long long)json_integer_value(json_object_get(pp, "PublishedPort")),
                (long long)json_integer_value(json_object_get(pp, "TargetPort")), jstr(pp, "Protocol"));
            json_array_append_new(ports, json_string(ps));
        }
        json_t *row = json_pack("{s:s?, s:s?, s:s?, s:s?, s:{s:I, s:I}, s:s?, s:o, s:o}", "service",
                                jstr(s, "Spec.Name"), "id", sid, "part",
                                json_string_value(json_object_get(labels, LABEL_PART)), "image",
                                jstr(s, "Spec.TaskTemplate.ContainerSpec.Image"), "replicas",
                                "running", running, "desired", desired, "update",
                                jstr(s, "UpdateStatus.State"), "ports", ports, "tasks", tj);
        const char *inst = json_string_value(json_object_get(labels, LABEL_INSTANCE));
        if (inst)
            json_object_set_new(row, "instance", json_string(inst));
        json_array_append_new(result, row);
    }
    *out = result;
    rc = 0;
done:
    json_decref(ids);
    json_decref(services);
    json_decref(tasks);
    json_decref(nodes);
    return rc;
}

/* ---- wait ---- */

/* The errors of a service's tasks that failed since `since`. */
/* A task that ended although its service wants it running: failed or
 * rejected (with the engine's error), or complete (its command ended, or the
 * swarm stopped it for failing its healthcheck). */
static bool task_ended(const char *state)
{
    return streq(state, "failed") || streq(state, "rejected") || streq(state, "complete");
}

/* Why a task ended, in words: the engine's error, else its exit code; and,
 * when its container is on this node, its last healthcheck output. */
static void task_why(engine *e, strbuf *msg, json_t *t)
{
    const char *er = jstr(t, "Status.Err");
    if (er && *er)
        sb_adds(msg, er);
    else
        sb_addf(msg, "exited with code %lld",
                (long long)json_integer_value(jget(t, "Status.ContainerStatus.ExitCode")));
    const char *cid = jstr(t, "Status.ContainerStatus.ContainerID");
    if (!cid || !*cid)
        return;
    cleanup_free char *path = api_path("/containers", cid, "/json");
    json_t *c = NULL;
    berr *ignored = NULL;
    if (api_get_found(e, path, &c, &ignored) < 0) { /* only a better message is lost */
        berr_free(ignored);
        return;
    }
    if (streq(jstr(c, "State.Health.Status"), "unhealthy")) {
        /* The newest run that ended by itself: as the swarm stops an
         * unhealthy task, the run under way is killed (137) or cut off (-1)
         * and logged last, hiding the failure that made it unhealthy.
         * When no run ended by itself, the newest one. */
        json_t *log = jget(c, "State.Health.Log");
        size_t n = json_array_size(log);
        json_t *last = json_array_get(log, n - 1);
        for (size_t i = n; i-- > 0;) {
            json_int_t code = json_integer_value(json_object_get(json_array_get(log, i), "ExitCode"));
            if (code >= 0 && code != 137) {
                last = json_array_get(log, i);
                break;
            }
        }
        const char *out = jstr(last, "Output");
        sb_addf(msg, "; unhealthy: its healthcheck exited %lld",
                (long long)json_integer_value(json_object_get(last, "ExitCode")));
        if (out && *out) {
            size_t n = strcspn(out, "\n");
            sb_addf(msg, ": %.*s", (int)(n > 200 ? 200 : n), out);
        }
    }
    json_decref(c);
}

static bool task_current(json_t *task, json_t *service);

/* The ended tasks made since `since` from the service's current spec (or,
 * after a rollback, from the spec it left). */
static void task_errors(engine *e, strbuf *msg, json_t *tasks, json_t *service, const char *since,
                        bool rolled_back)
{
    size_t k, shown = 0;
    json_t *t;
    const char *sid = jstr(service, "ID"), *name = jstr(service, "Spec.Name");
    json_array_foreach(tasks, k, t) {
        const char *st = jstr(t, "Status.State");
        const char *er = jstr(t, "Status.Err");
        if (!streq(jstr(t, "ServiceID"), sid) || ts_cmp(jstr(t, "CreatedAt"), since) < 0 ||
            task_current(t, service) == rolled_back)
            continue;
        if (!((er && *er) || task_ended(st)))
            continue;
        if (shown++ >= 3)
            break;
        sb_addf(msg, "\n  task %s.%lld: %s: ", name,
                (long long)json_integer_value(json_object_get(t, "Slot")), st);
        task_why(e, msg, t);
    }
}

/* Is the task made from the service's current spec? The engine copies
 * the task template into each task (all but the Runtime it infers). */
static bool task_current(json_t *task, json_t *service)
{
    json_t *tmpl = jget(service, "Spec.TaskTemplate"), *spec = json_object_get(task, "Spec");
    const char *k;
    json_t *v;
    json_object_foreach(tmpl, k, v)
        if (!streq(k, "Runtime") && !json_equal(v, json_object_get(spec, k)))
            return false;
    return true;
}

int swarm_wait(engine *e, json_t *services, long timeout_ms, reporter *rep,
               volatile int *cancel, berr **err)
{
    size_t n = json_array_size(services);
    if (!n)
        return 0;
    long long deadline = now_ms() + timeout_ms;
    json_t *service_ids = json_array();
    const char **since = xcalloc(n, sizeof *since);
    for (size_t i = 0; i < n; i++) {
        json_t *sv = json_array_get(services, i);
        json_array_append(service_ids, json_object_get(sv, "id"));
        since[i] = json_string_value(json_object_get(sv, "since"));
        if (!since[i])
            since[i] = "";
    }
    int rc = 0;
    strbuf pending = STRBUF_INIT, last = STRBUF_INIT;
    for (;;) {
        json_t *tasks = NULL;
        if (list_tasks(e, service_ids, &tasks, err) < 0) {
            rc = -1;
            break;
        }
        sb_reset(&pending);
        strbuf fail = STRBUF_INIT;
        for (size_t i = 0; i < n && rc == 0; i++) {
            const char *sid = json_string_value(json_array_get(service_ids, i));
            cleanup_free char *path = api_path("/services", sid, "");
            json_t *s = NULL;
            if (engine_get(e, path, &s, err) < 0) {
                rc = -1;
                break;
            }
            const char *name = jstr(s, "Spec.Name");
            /* An update state from before this run's write is stale. */
            bool fresh = ts_cmp(jstr(s, "UpdateStatus.StartedAt"), since[i]) > 0;
            const char *us = fresh ? jstr(s, "UpdateStatus.State") : NULL;
            const char *um = jstr(s, "UpdateStatus.Message");
            json_int_t desired = json_integer_value(jget(s, "Spec.Mode.Replicated.Replicas"));
            json_int_t running = 0;
            bool failed = false;
            size_t k;
            json_t *t;
            json_array_foreach(tasks, k, t) {
                if (!streq(jstr(t, "ServiceID"), sid))
                    continue;
                const char *st = jstr(t, "Status.State");
                bool current = task_current(t, s) && ts_cmp(jstr(t, "CreatedAt"), since[i]) >= 0;
                if (streq(st, "running") && streq(jstr(t, "DesiredState"), "running") &&
                    task_current(t, s))
                    running++;
                else if (current && task_ended(st))
                    failed = true;
            }
            if (streq(us, "paused") || streq(us, "rollback_paused") ||
                streq(us, "rollback_completed")) {
                sb_addf(&fail, "\nservice %s: update %s: %s", name,
                        streq(us, "rollback_completed") ? "rolled back to the previous spec"
                        : streq(us, "paused") ? "paused" : "rollback paused",
                        um ? um : "");
                task_errors(e, &fail, tasks, s, since[i],
                            streq(us, "rollback_completed") || streq(us, "rollback_paused"));
            } else if (streq(us, "updating") || streq(us, "rollback_started")) {
                sb_addf(&pending, "%s%s (%s)", pending.len ? ", " : "", name, us);
            } else if (failed) {
                sb_addf(&fail, "\nservice %s: %lld of %lld task(s) running; failed:", name,
                        (long long)running, (long long)desired);
                task_errors(e, &fail, tasks, s, since[i], false);
            } else if (running != desired) {
                sb_addf(&pending, "%s%s (%lld/%lld running)", pending.len ? ", " : "", name,
                        (long long)running, (long long)desired);
            }
            json_decref(s);
        }
        json_decref(tasks);
        if (rc == 0 && fail.len) {
            rc = berr_set(err, BERR_FAILURE, "deploy --wait: %s", fail.buf + 1);
        } else if (rc == 0 && !pending.len) {
            report(rep, EV_NOTE, NULL, NULL, "every service has converged");
        } else if (rc == 0 && now_ms() > deadline) {
            rc = berr_set(err, BERR_TIMEOUT, "deploy --wait: not converged after %lds: %s",
                          timeout_ms / 1000, pending.buf);
        } else if (rc == 0 && cancel && *cancel) {
            rc = berr_set(err, BERR_INTERRUPTED, "deploy --wait: interrupted; waiting for %s",
                          pending.buf);
        } else if (rc == 0) {
            sb_release(&fail);
            if (!streq(pending.buf, last.buf)) { /* a line per change, not per poll */
                reportf(rep, EV_STATE, "services", "waiting", "waiting for %s", pending.buf);
                sb_reset(&last);
                sb_adds(&last, pending.buf);
            }
            sleep_ms(500);
            continue;
        }
        sb_release(&fail);
        break;
    }
    sb_release(&pending);
    sb_release(&last);
    free(since);
    json_decref(service_ids);
    return rc;
}

/* ---- logs ---- */

struct logctx {
    const char *task;
    struct demux dm;
    struct line_splitter ls[3];
    bool tty;
    swarm_line_cb *cb;
    void *ud;
    int stream;
};

static int on_line(void *ud, const char *line, size_t len, berr **err)
{
    struct logctx *x = ud;
    return x->cb(x->ud, x->task, x->stream, line, len, err);
}

static int on_frame(void *ud, int stream, const char *data, size_t len, berr **err)
{
    struct logctx *x = ud;
    x->stream = stream == STREAM_STDERR ? STREAM_STDERR : STREAM_STDOUT;
    return line_splitter_feed(&x->ls[x->stream], data, len, on_line, x, err);
}

static int on_data(void *ud, const char *data, size_t len, berr **err)
{
    struct logctx *x = ud;
    if (x->tty)
        return on_frame(x, STREAM_STDOUT, data, len, err);
    return demux_feed(&x->dm, data, len, on_frame, x, err);
}

int swarm_logs(engine *e, const char *service_id, const char *tail, bool follow,
               swarm_line_cb *cb, void *ud, berr **err)
{
    cleanup_free char *ipath = api_path("/services", service_id, "");
    json_t *s = NULL;
    if (engine_get(e, ipath, &s, err) < 0)
        return -1;
    struct logctx x = {.task = jstr(s, "Spec.Name"), .cb = cb, .ud = ud,
                       .tty = json_is_true(jget(s, "Spec.TaskTemplate.ContainerSpec.TTY"))};
    demux_init(&x.dm);
    for (int i = 0; i < 3; i++)
        line_splitter_init(&x.ls[i], 0);
    strbuf path = STRBUF_INIT;
    sb_adds(&path, ipath);
    sb_adds(&path, "/logs");
    query_add(&path, "stdout", "1");
    query_add(&path, "stderr", "1");
    if (tail)
        query_add(&path, "tail", tail);
    if (follow)
        query_add(&path, "follow", "1");
    int rc = engine_call(e, &(struct engine_req){.method = "GET", .path = path.buf,
                                                 .on_data = on_data, .ud = &x,
                                                 .timeout_ms = follow ? -1 : 0},
                         NULL, NULL, err);
    for (int i = 1; i < 3 && rc == 0; i++) {
        x.stream = i;
        rc = line_splitter_finish(&x.ls[i], on_line, &x, err);
    }
    for (int i = 0; i < 3; i++)
        line_splitter_release(&x.ls[i]);
    sb_release(&path);
    json_decref(s);
    return rc;
}

/* ---- down ---- */

static int delete(engine *e, const char *kind, const char *id, berr **err)
{
    cleanup_free char *prefix = xasprintf("/%s", kind);
    cleanup_free char *path = api_path(prefix, id, "");
    long status = 0;
    berr *e2 = NULL;
    int rc = engine_call(e, &(struct engine_req){.method = "DELETE", .path = path}, NULL, &status, &e2);
    if (rc < 0 && e2 && e2->http_status == 404) { /* gone already */
        berr_free(e2);
        return 0;
    }
    if (rc < 0)
        berr_move(err, &e2);
    return rc;
}

static int remove_all(engine *e, const char *project, const char *kind, const char *one,
                      const char *id_key, reporter *rep, json_t *keep_names, berr **err)
{
    json_t *list = NULL;
    if (swarm_list(e, kind, project, &list, err) < 0)
        return -1;
    size_t i;
    json_t *o;
    int rc = 0;
    json_array_foreach(list, i, o) {
        const char *name = jstr(o, "Spec.Name") ? jstr(o, "Spec.Name") : jstr(o, "Name");
        if (keep_names && json_object_get(keep_names, name ? name : ""))
            continue;
        /* A network still has the endpoints of tasks that are stopping: the
         * engine frees them a moment after the containers go. */
        for (int attempt = 0;; attempt++) {
            berr *e2 = NULL;
            if (delete(e, kind, jstr(o, id_key), &e2) == 0) {
                reportf(rep, EV_DONE, name, "removed", "%s %s removed", one, name);
                break;
            }
            if (attempt >= 40 || !streq(kind, "networks")) {
                berr_move(err, &e2);
                berr_wrap(err, "remove %s %s", one, name);
                rc = -1;
                break;
            }
            berr_free(e2);
            sleep_ms(250);
        }
        if (rc < 0)
            break;
    }
    json_decref(list);
    return rc;
}

int swarm_down(engine *e, const char *project, bool volumes, reporter *rep, berr **err)
{
    json_t *services = NULL, *keep = json_object();
    if (swarm_list(e, "services", project, &services, err) < 0) {
        json_decref(keep);
        return -1;
    }
    size_t i;
    json_t *s;
    int rc = 0;
    json_t *keep_files = json_object();
    json_array_foreach(services, i, s) {
        const char *name = jstr(s, "Spec.Name");
        if (streq(json_string_value(json_object_get(jget(s, "Spec.Labels"), LABEL_KEEP)), "true")) {
            reportf(rep, EV_NOTE, NULL, NULL, "note: service %s kept (keep = true)", name);
            json_object_set_new(keep, name, json_true());
            /* and the networks, secrets and configs it uses */
            size_t k;
            json_t *r;
            json_array_foreach(jget(s, "Spec.TaskTemplate.Networks"), k, r)
                json_object_set_new(keep_files, jstr(r, "Target"), json_true());
            json_array_foreach(jget(s, "Spec.TaskTemplate.ContainerSpec.Secrets"), k, r)
                json_object_set_new(keep_files, jstr(r, "SecretName"), json_true());
            json_array_foreach(jget(s, "Spec.TaskTemplate.ContainerSpec.Configs"), k, r)
                json_object_set_new(keep_files, jstr(r, "ConfigName"), json_true());
            continue;
        }
        if (delete(e, "services", jstr(s, "ID"), err) < 0) {
            rc = berr_wrap(err, "remove service %s", name);
            goto done;
        }
        reportf(rep, EV_DONE, name, "removed", "service %s removed", name);
    }
    /* The tasks' containers go after their services: wait for them, so that
     * networks and volumes are free. */
    for (long long deadline = now_ms() + 120000;;) {
        json_t *left = NULL;
        if (swarm_list(e, "containers/json?all=1", project, &left, err) < 0) {
            rc = -1;
            goto done;
        }
        size_t n = 0, k;
        json_t *c;
        json_array_foreach(left, k, c)
            n += !json_object_get(keep, json_string_value(json_object_get(
                                            json_object_get(c, "Labels"), "com.docker.swarm.service.name")) ?: "");
        json_decref(left);
        if (!n)
            break;
        if (now_ms() > deadline) {
            rc = berr_set(err, BERR_TIMEOUT, "down --swarm: %zu task container(s) still there after 120s", n);
            goto done;
        }
        sleep_ms(250);
    }
    if (remove_all(e, project, "secrets", "secret", "ID", rep, keep_files, err) < 0 ||
        remove_all(e, project, "configs", "config", "ID", rep, keep_files, err) < 0 ||
        remove_all(e, project, "networks", "network", "Id", rep, keep_files, err) < 0) {
        rc = -1;
        goto done;
    }
    if (volumes) {
        json_t *list = NULL;
        if (swarm_list(e, "volumes", project, &list, err) < 0) {
            rc = -1;
            goto done;
        }
        json_array_foreach(list, i, s) {
            if (delete(e, "volumes", jstr(s, "Name"), err) < 0) {
                rc = berr_wrap(err, "remove volume %s", jstr(s, "Name"));
                break;
            }
            reportf(rep, EV_DONE, jstr(s, "Name"), "removed", "volume %s removed", jstr(s, "Name"));
        }
        json_decref(list);
    }
done:
    json_decref(services);
    json_decref(keep);
    json_decref(keep_files);
    return rc;
}
