#include "attach.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "engine/api.h"
#include "engine/stream.h"
#include "term.h"
#include "base/util.h"

#define CAPTURE_MAX (64u << 20) /* per stream, for --format json */

const char *const attach_shell_argv[] = {
    "/bin/sh", "-c",
    "if command -v bash >/dev/null 2>&1; then exec bash; fi; exec sh", NULL};

bool attach_stdin_usable(void)
{
    if (fcntl(STDIN_FILENO, F_GETFD) < 0)
        return false; /* closed */
    /* A terminal berth is in the background of (`berth exec ... &`):
     * reading it would stop berth (SIGTTIN); what is typed is not for it. */
    return !isatty(STDIN_FILENO) || tcgetpgrp(STDIN_FILENO) == getpgrp();
}

const char *attach_term(void)
{
    const char *t = getenv("TERM");
    return t && *t && !streq(t, "dumb") ? t : "xterm";
}

/* ---- which container ---- */

int attach_find(const cli *g, const char *cmd, const char *target, struct scope *s,
                const struct target **out, berr **err)
{
    memset(s, 0, sizeof *s);
    if (streq(target, "all"))
        return cmd_usage_error(err, cmd, "'all' names many containers; %s needs one: "
                               "PART or PART:INSTANCE", cmd);
    const char *targets[] = {target};
    struct scope_opts so = {
        .project = {.dir = g->dir, .file = g->file, .name = g->project, .sets = g->sets,
                    .nsets = g->nsets, .reader = &g->reader},
        .engine_url = g->engine_url,
        .targets = targets,
        .ntargets = 1,
    };
    if (scope_open(&so, s, err) < 0) {
        if (*err && (*err)->code == BERR_USAGE)
            berr_wrap(err, "%s", cmd);
        return -1;
    }
    const struct target *found = NULL, *first = NULL;
    size_t n = 0;
    strbuf names = STRBUF_INIT;
    for (size_t i = 0; i < s->nall; i++) {
        if (!s->all[i].selected)
            continue;
        found = &s->all[i];
        first = first ? first : found;
        sb_addf(&names, "%s%s", n++ ? ", " : "", found->subject);
    }
    int rc = 0;
    if (n == 0)
        rc = berr_set(err, BERR_NOTFOUND, "%s: %s has no container: `berth up %s` creates it",
                      cmd, target, target);
    else if (n > 1)
        /* Which one is a choice berth does not make for the user: a command
         * run in the wrong instance is worse than a question. */
        rc = cmd_usage_error(err, cmd, "'%s' has %zu containers (%s): name one, as in "
                             "'berth %s %s'", target, n, names.buf, cmd, first->subject);
    else if (streq(found->state, "paused"))
        rc = berr_set(err, BERR_FAILURE, "%s: %s is paused: unpause it first", cmd,
                      found->subject);
    else if (!streq(found->state, "running"))
        rc = berr_set(err, BERR_FAILURE, "%s: %s is not running (%s): `berth start %s` or "
                      "`berth up %s` starts it", cmd, found->subject, found->state,
                      found->subject, found->subject);
    sb_release(&names);
    *out = rc == 0 ? found : NULL;
    return rc;
}

/* ---- the bytes ---- */

static int write_all(int fd, const char *data, size_t len, berr **err)
{
    while (len) {
        ssize_t w = write(fd, data, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return berr_errno(err, BERR_FAILURE, errno, "writing the command's output");
        data += w;
        len -= (size_t)w;
    }
    return 0;
}

static int on_output(void *ud, int stream, const char *data, size_t len, berr **err)
{
    struct session_io *io = ud;
    if (io->capture) {
        strbuf *b = stream == STREAM_STDERR ? &io->err : &io->out;
        if (b->len + len > CAPTURE_MAX)
            return berr_set(err, BERR_FAILURE, "the command wrote more than %u MiB to %s: "
                            "--format json keeps output in memory; use text output for this",
                            CAPTURE_MAX >> 20, stream == STREAM_STDERR ? "stderr" : "stdout");
        sb_add(b, data, len);
        return 0;
    }
    return write_all(stream == STREAM_STDERR ? STDERR_FILENO : STDOUT_FILENO, data, len, err);
}

struct waker {
    engine *e;
    const char *id;
    bool exec; /* id is an exec's, else a container's */
    bool tty;
};

static void send_size(struct waker *w)
{
    int rows, cols;
    if (!w->tty || !term_size(&rows, &cols))
        return;
    berr *ignored = NULL; /* a resize racing the end of the process is no failure */
    if (w->exec)
        session_exec_resize(w->e, w->id, rows, cols, &ignored);
    else
        session_container_resize(w->e, w->id, rows, cols, &ignored);
    berr_free(ignored);
}

static int on_wake(void *ud, berr **err)
{
    int ev = term_take_events();
    if (ev & TERM_EV_STOP)
        return berr_set(err, BERR_INTERRUPTED, "interrupted");
    if (ev & TERM_EV_WINCH)
        send_size(ud);
    return 0;
}

/* Raw mode, when the terminal is ours to hand over. */
static int begin(struct session_io *io, berr **err)
{
    if (term_events_begin(err) < 0)
        return -1;
    if (io->tty && io->forward_stdin && isatty(STDIN_FILENO) &&
        term_raw_begin(STDIN_FILENO, err) < 0) {
        term_events_end();
        return -1;
    }
    return 0;
}

static void end_terminal(void)
{
    term_raw_end();
    term_events_end();
}

static int pump(hijack *h, struct session_io *io, struct waker *w, berr **err)
{
    struct hijack_io hio = {
        .in_fd = io->forward_stdin ? STDIN_FILENO : -1,
        .raw = io->tty,
        .out = on_output,
        .out_ud = io,
        .wake_fd = term_wake_fd(),
        .wake = on_wake,
        .wake_ud = w,
    };
    /* A stop that came before the loop began is still pending in the pipe. */
    return hijack_pump(h, &hio, err);
}

/* rc: whether the connection h is up. If so, the size is sent and the
 * streams pumped until either side ends; either way h is closed and the
 * terminal restored. */
static int converse(hijack *h, int rc, struct session_io *io, struct waker *w, berr **err)
{
    if (rc == 0) {
        send_size(w);
        rc = pump(h, io, w, err);
    }
    hijack_close(h);
    end_terminal();
    return rc;
}

int attach_exec(engine *e, const char *container, struct exec_spec *spec, struct session_io *io,
                struct session_end *end, berr **err)
{
    spec->tty = io->tty;
    spec->attach_stdin = io->forward_stdin;
    spec->detach = false;
    cleanup_free char *id = NULL;
    if (api_exec_create(e, container, spec, &id, err) < 0)
        return -1;
    if (begin(io, err) < 0)
        return -1;
    struct waker w = {.e = e, .id = id, .exec = true, .tty = io->tty};
    hijack *h = NULL;
    int rc = session_exec_attach(e, id, io->tty, &h, err);
    if (converse(h, rc, io, &w, err) < 0)
        return -1;
    bool running;
    if (session_exec_result(e, id, 2000, &end->exit_code, &running, err) < 0)
        return -1;
    end->detached = running;
    return 0;
}

int attach_container(engine *e, const char *id, struct session_io *io, struct session_end *end,
                     berr **err)
{
    if (begin(io, err) < 0)
        return -1;
    struct waker w = {.e = e, .id = id, .exec = false, .tty = io->tty};
    hijack *h = NULL;
    /* Attached before it starts: nothing it prints first is lost. */
    int rc = session_attach(e, id, &h, err);
    if (rc == 0 && (rc = api_container_start(e, id, err)) < 0)
        berr_wrap(err, "start");
    if (converse(h, rc, io, &w, err) < 0)
        return -1;
    /* The stream ends a moment before the engine records the exit. */
    long long deadline = now_ms() + 2000;
    for (;;) {
        json_t *j = NULL;
        if (api_container_inspect(e, id, &j, err) < 0)
            return -1;
        if (!j)
            return berr_set(err, BERR_NOTFOUND, "the container went away before it ended");
        json_t *st = json_object_get(j, "State");
        bool running = json_is_true(json_object_get(st, "Running"));
        int code = (int)json_integer_value(json_object_get(st, "ExitCode"));
        json_decref(j);
        if (!running || now_ms() >= deadline) {
            end->detached = running;
            end->exit_code = running ? -1 : code;
            return 0;
        }
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* ---- exec and shell ---- */

/* Text for JSON: invalid UTF-8 becomes U+FFFD, so any output fits. */
static json_t *json_text(const char *s, size_t n)
{
    strbuf sb = STRBUF_INIT;
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        unsigned c = *p;
        size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        bool ok = k && (size_t)(end - p) >= k;
        for (size_t i = 1; ok && i < k; i++)
            ok = (p[i] & 0xC0) == 0x80;
        if (ok && k > 1) {
            unsigned cp = c & (0x7F >> k);
            for (size_t i = 1; i < k; i++)
                cp = cp << 6 | (p[i] & 0x3F);
            static const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
            ok = cp >= min[k] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
        }
        if (ok) {
            sb_add(&sb, p, k);
            p += k;
        } else {
            sb_adds(&sb, "\xEF\xBF\xBD");
            p++;
        }
    }
    json_t *j = json_stringn(sb.buf, sb.len);
    sb_release(&sb);
    return j;
}

static void print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    if (s)
        printf("%s\n", s);
    free(s);
    fflush(stdout);
}

int exec_session(cli *g, const char *cmd, struct exec_request *r, berr **err)
{
    struct scope s;
    const struct target *t;
    if (attach_find(g, cmd, r->target, &s, &t, err) < 0) {
        scope_close(&s);
        return -1;
    }
    /* stdin goes along unless -n, -d, or there is none. */
    bool in_ok = !r->no_stdin && !r->detach && attach_stdin_usable();
    bool tty = r->tty > 0 ||
               (r->tty == 0 && !r->json && in_ok && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO));
    /* The caller's TERM first: a -e TERM=... given after it wins. */
    size_t ne = 0;
    while (r->spec.env && r->spec.env[ne])
        ne++;
    const char **env = xcalloc(ne + 2, sizeof *env);
    cleanup_free char *term = tty ? xasprintf("TERM=%s", attach_term()) : NULL;
    size_t k = 0;
    if (term)
        env[k++] = term;
    for (size_t i = 0; i < ne; i++)
        env[k++] = r->spec.env[i];
    r->spec.env = env;

    int rc = 0;
    if (r->detach) {
        r->spec.detach = true;
        r->spec.tty = tty;
        cleanup_free char *id = NULL;
        rc = api_exec_create(s.e, t->id, &r->spec, &id, err);
        if (rc == 0)
            rc = session_exec_detach(s.e, id, err);
        if (rc == 0 && r->json) {
            json_t *j = json_pack("{s:s, s:s, s:b}", "container", t->name, "exec_id", id,
                                  "detached", 1);
            print_json(j);
            json_decref(j);
        }
    } else {
        struct session_io io = {.tty = tty, .forward_stdin = in_ok, .capture = r->json,
                                .out = STRBUF_INIT, .err = STRBUF_INIT};
        struct session_end end = {0};
        rc = attach_exec(s.e, t->id, &r->spec, &io, &end, err);
        if (rc == 0 && r->json) {
            json_t *j = json_pack("{s:i, s:o, s:o}", "exit_code", end.exit_code, "stdout",
                                  json_text(io.out.buf, io.out.len), "stderr",
                                  json_text(io.err.buf, io.err.len));
            if (end.detached)
                json_object_set_new(j, "detached", json_true());
            print_json(j);
            json_decref(j);
        }
        if (rc == 0 && end.detached) {
            if (!r->json)
                fprintf(stderr, "berth: detached from %s; the command runs on\n", t->subject);
        } else if (rc == 0 && r->expect_exit >= 0 && end.exit_code != r->expect_exit) {
            rc = berr_set(err, BERR_FAILURE, "the command exited with %d, expected %d",
                          end.exit_code, r->expect_exit);
        } else if (rc == 0 && r->expect_exit < 0) {
            rc = end.exit_code;
        }
        sb_release(&io.out);
        sb_release(&io.err);
    }
    if (rc < 0 && *err && (*err)->code != BERR_INTERRUPTED)
        berr_wrap(err, "%s %s", cmd, t->subject);
    free(env);
    scope_close(&s);
    return rc;
}
