/* berth logs: the selected containers' output, merged, each line prefixed
 * with the instance it came from; -f keeps following. Each container is
 * read from the engine it lives on (parts with `engine =`), the lines of
 * all engines merged by time. src/lib/transfer/logs.c and logfollow.c
 * fetch, merge and follow; this file prints. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "engine/api.h"
#include "cmd.h"
#include "engine/http.h"
#include "transfer/logs.h"
#include "engine/stream.h"
#include "base/strbuf.h"
#include "converge/targets.h"
#include "base/taskgraph.h"
#include "base/util.h"

static const char usage[] =
    "usage: berth logs [options] [TARGET...]\n"
    "\n"
    "Show the output of the project's containers (or of the targets: all, web,\n"
    "web:two, ...), merged in time order, each line prefixed with the instance\n"
    "it came from, as 'part:instance | line'. What a container wrote to stdout\n"
    "goes to stdout, what it wrote to stderr to stderr.\n"
    "\n"
    "options:\n"
    "  -f, --follow         keep printing new lines until Ctrl-C, also of\n"
    "                       containers that restart or that `berth up` re-creates\n"
    "  -n, --tail N         only the last N lines of each container (then follow)\n"
    "  --since T            lines since T: a duration back from now (10m, 1h30m,\n"
    "                       2d), a time (2024-05-01T10:00:00Z), a date or Unix\n"
    "                       seconds\n"
    "  -t, --timestamps     show each line's time (UTC, as the engine recorded it)\n"
    "  --no-color           no colours (also when NO_COLOR is set, or stdout is\n"
    "                       not a terminal)\n"
    "  --format text|json   json: one object a line, all on stdout:\n"
    "                       {\"part\", \"instance\", \"stream\", \"time\", \"line\"}\n"
    "  --swarm              the deployed project's services (berth deploy); with -f\n"
    "                       one service\n"
    "  -h, --help           this help\n"
    "\n"
    "examples:\n"
    "  berth logs --tail 20 web\n"
    "  berth logs -f -t web:one db\n";

static volatile int cancelled;
/* Why: Ctrl-C, or a reader that went away, end logs with 0; the follow
 * also sets `cancelled` itself when an engine's event stream ends, which
 * is a failure. */
static volatile int left;

static void on_sigint(int sig)
{
    (void)sig;
    left = 1;
    cancelled = 1;
}

/* Colours by subject, in the order they first show up; a re-created
 * instance keeps its colour. */
static const char *const palette[] = {"36", "33", "32", "35", "34", "31", "96", "93", "92", "95"};

struct printer {
    enum out_format format;
    bool color, timestamps, follow;
    int width;
    char **subjects;
    size_t nsubjects;
    FILE *last; /* the stream written last: flushed when the other one is used */
};

static const char *color_of(struct printer *pr, const char *subject)
{
    size_t i = 0;
    for (; i < pr->nsubjects; i++)
        if (streq(pr->subjects[i], subject))
            break;
    if (i == pr->nsubjects) {
        pr->subjects = xrealloc(pr->subjects, sizeof *pr->subjects * (i + 1));
        pr->subjects[pr->nsubjects++] = xstrdup(subject);
    }
    return palette[i % ARRAY_SIZE(palette)];
}

/* JSON wants UTF-8: anything else becomes U+FFFD. */
static json_t *utf8_string(const char *s, size_t len)
{
    json_t *j = json_stringn(s, len);
    if (j)
        return j;
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        json_t *probe = n && i + n <= len ? json_stringn(s + i, n) : NULL;
        if (probe)
            sb_add(&sb, s + i, n);
        else
            sb_adds(&sb, "\xef\xbf\xbd");
        json_decref(probe);
        i += probe ? n : 1;
    }
    j = json_stringn(sb.buf, sb.len);
    sb_release(&sb);
    return j;
}

static int print_line(void *ud, const struct log_line *l, berr **err)
{
    struct printer *pr = ud;
    char ts[40];
    log_ts_format(&l->ts, ts);
    FILE *out = stdout;
    if (pr->format == FORMAT_JSON) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o}", "part", l->src->part ? l->src->part : "",
                              "instance", l->src->instance ? l->src->instance : "",
                              "stream", l->stream == STREAM_STDERR ? "stderr" : "stdout",
                              "time", ts, "line", utf8_string(l->text, l->len));
        char *s = json_dumps(o, JSON_COMPACT);
        fprintf(out, "%s\n", s);
        free(s);
        json_decref(o);
    } else {
        out = l->stream == STREAM_STDERR ? stderr : stdout;
        if (pr->last && pr->last != out)
            fflush(pr->last);
        const char *subject = l->src->subject;
        if (pr->color)
            fprintf(out, "\033[%sm%-*s |\033[0m ", color_of(pr, subject), pr->width, subject);
        else
            fprintf(out, "%-*s | ", pr->width, subject);
        if (pr->timestamps)
            fprintf(out, "%s ", ts);
        fwrite(l->text, 1, l->len, out);
        fputc('\n', out);
    }
    pr->last = out;
    if (pr->follow)
        fflush(out);
    /* A reader that went away (`berth logs -f | head`) ends a follow: its
     * threads write with signals blocked, so this is EPIPE, not SIGPIPE. */
    if (ferror(out)) {
        left = 1;
        cancelled = 1;
        return berr_errno(err, BERR_FAILURE, errno, "write the logs");
    }
    return 0;
}

struct picker {
    struct scope *s;
    const char *const *targets;
    int ntargets;
};

/* A container that starts while following: is it one the targets name? */
static bool pick(void *ud, const char *id, const char *part, const char *instance,
                 struct log_src *src)
{
    (void)id;
    struct picker *pk = ud;
    struct target t = {.part = part, .instance = instance, .name = id, .id = id};
    bool whole;
    berr *e = NULL;
    int rc = targets_select(pk->s->p, pk->s->name, &t, 1, pk->targets, pk->ntargets, &whole, &e);
    berr_free(e);
    if (rc < 0 || !t.selected)
        return false;
    src->part = xstrdup(part);
    src->instance = xstrdup(instance);
    src->subject = *part && *instance ? xasprintf("%s:%s", part, instance) : xstrdup(id);
    return true;
}

static void on_note(void *ud, const char *subject, const char *msg)
{
    (void)ud;
    fprintf(stderr, "berth: logs: %s: %s\n", subject, msg);
}

static int tail_arg(const char *s, berr **err)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (streq(s, "all"))
        return 0;
    if (!*s || *end || v < 0)
        return cmd_usage_error(err, "logs", "--tail: '%s' is not a number of lines (or all)", s);
    return 0;
}

/* Whether each selected container has a TTY (its logs are then one raw
 * stream): inspected all at once, not one after another. */
struct probe {
    engine *e;
    const char *id;
    json_t *j; /* NULL: not selected, or gone since it was listed */
};

static int probe_one(void *ud, struct sched_task *t, berr **err)
{
    (void)t;
    struct probe *p = ud;
    return api_container_inspect(p->e, p->id, &p->j, err);
}

static int probe_all(struct scope *s, int parallel, struct probe **out, berr **err)
{
    struct probe *p = xcalloc(s->nall ? s->nall : 1, sizeof *p);
    struct sched_task *tasks = xcalloc(s->nall ? s->nall : 1, sizeof *tasks);
    int nt = 0;
    for (size_t i = 0; i < s->nall; i++) {
        if (!s->all[i].selected)
            continue;
        p[i] = (struct probe){.e = s->all[i].e, .id = s->all[i].id};
        tasks[nt++] = (struct sched_task){.name = s->all[i].subject, .run = probe_one, .ud = &p[i]};
    }
    struct sched_opts so = {.parallel = parallel > 0 ? parallel : 1};
    int rc = nt ? sched_run(tasks, nt, &so, err) : 0;
    sched_tasks_clear(tasks, nt);
    free(tasks);
    *out = p;
    return rc;
}

int cmd_logs(cli *g, int argc, char **argv, berr **err)
{
    if (cmd_wants_swarm(argc, argv)) /* the deployed project (deploy.c) */
        return cmd_swarm_logs(g, argc, argv, err);
    static const struct option opts[] = {
        {"follow", no_argument, NULL, 'f'},
        {"tail", required_argument, NULL, 'n'},
        {"since", required_argument, NULL, 'S'},
        {"timestamps", no_argument, NULL, 't'},
        {"no-color", no_argument, NULL, 'C'},
        {"format", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct printer pr = {.color = isatty(STDOUT_FILENO)};
    const char *nc = getenv("NO_COLOR");
    if (nc && *nc)
        pr.color = false;
    struct logs_query q = {.parallel = g->parallel ? g->parallel : 8};
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int c;
    while ((c = getopt_long(argc, argv, ":fn:th", opts, NULL)) != -1) {
        switch (c) {
        case 'f': pr.follow = true; break;
        case 'n':
            if (tail_arg(optarg, err) < 0)
                return -1;
            q.tail = streq(optarg, "all") ? NULL : optarg;
            break;
        case 'S':
            if (log_since_parse(optarg, now.tv_sec, &q.since, err) < 0)
                return berr_wrap(err, "logs");
            q.has_since = true;
            break;
        case 't': pr.timestamps = true; break;
        case 'C': pr.color = false; break;
        case 'F':
            if (parse_format(optarg, &pr.format, err) < 0)
                return berr_wrap(err, "logs");
            break;
        case 'h': fputs(usage, stdout); return 0;
        default: return cmd_option_error(err, "logs", argv, c);
        }
    }
    const char *const *targets = (const char *const *)argv + optind;
    int ntargets = argc - optind;
    struct scope_opts so = {
        .project = {.dir = g->dir, .file = g->file, .name = g->project, .sets = g->sets,
                    .nsets = g->nsets, .reader = &g->reader},
        .engine_url = g->engine_url,
        .targets = targets,
        .ntargets = ntargets,
    };
    struct scope s;
    if (scope_open(&so, &s, err) < 0) {
        if (*err && (*err)->code == BERR_USAGE)
            berr_wrap(err, "logs");
        scope_close(&s);
        return -1;
    }
    if (s.nengines == 0) { /* every engine the targets live on is down */
        berr_set(err, s.down->code, "logs: %s", s.down->msg);
        scope_close(&s);
        return -1;
    }
    struct log_src *srcs = xcalloc(s.nall ? s.nall : 1, sizeof *srcs);
    size_t n = 0;
    struct probe *probes = NULL;
    int rc = probe_all(&s, q.parallel, &probes, err);
    for (size_t i = 0; i < s.nall && rc == 0; i++) {
        struct target *t = &s.all[i];
        json_t *j = probes[i].j;
        if (!t->selected || !j)
            continue; /* not asked for, or gone since it was listed */
        srcs[n] = (struct log_src){.id = xstrdup(t->id), .e = t->e, .subject = xstrdup(t->subject),
                                   .part = xstrdup(t->part), .instance = xstrdup(t->instance),
                                   .tty = json_is_true(json_object_get(json_object_get(j, "Config"), "Tty"))};
        if ((int)strlen(t->subject) > pr.width)
            pr.width = (int)strlen(t->subject);
        color_of(&pr, t->subject);
        n++;
    }
    for (size_t i = 0; probes && i < s.nall; i++)
        json_decref(probes[i].j);
    free(probes);
    if (rc == 0 && n == 0 && !pr.follow)
        fprintf(stderr, "berth: logs: no containers of project '%s'%s\n", s.name,
                s.whole ? "" : " match");
    struct sigaction sa = {.sa_handler = on_sigint}, old_int, old_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    http_set_cancel_flag(&cancelled);
    if (rc == 0)
        rc = logs_history(s.engines[0], srcs, n, &q, print_line, &pr, err);
    fflush(stdout);
    fflush(stderr);
    if (rc == 0 && pr.follow && !cancelled) {
        struct picker pk = {.s = &s, .targets = targets, .ntargets = ntargets};
        struct logs_follow_opts fo = {
            .project = s.name, .events_since = (long long)now.tv_sec - 1,
            .select = pick, .select_ud = &pk, .note = on_note, .cancel = &cancelled};
        rc = logs_follow(s.engines, s.nengines, srcs, n, &q, &fo, print_line, &pr, err);
    }
    if (rc < 0 && left) { /* Ctrl-C ends logs: that is how -f is left */
        berr_freep(err);
        rc = 0;
    }
    /* An engine that did not answer: the others' lines are shown, and the
     * command still fails, naming it. */
    if (rc == 0 && s.down)
        rc = berr_set(err, s.down->code, "%s", s.down->msg);
    http_set_cancel_flag(NULL);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    fflush(stdout);
    for (size_t i = 0; i < n; i++)
        log_src_clear(&srcs[i]);
    free(srcs);
    for (size_t i = 0; i < pr.nsubjects; i++)
        free(pr.subjects[i]);
    free(pr.subjects);
    if (rc < 0)
        berr_wrap(err, "logs");
    scope_close(&s);
    return rc;
}
