/* berth cp: files between the host and the project's containers, and
 * between containers, streamed (src/lib/transfer/copy.c does the work).
 * Each container side acts on the engine its container lives on: two
 * containers on two engines copy from one engine's archive into the
 * other's. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "cmd.h"
#include "transfer/copy.h"
#include "engine/http.h"
#include "converge/targets.h"
#include "base/util.h"

static const char usage[] =
    "usage: berth cp [options] SRC DST\n"
    "\n"
    "Copy files and folders between the host and the project's containers, or\n"
    "from one container to another. A container side is PART:/path, or\n"
    "PART:INSTANCE:/path when the part has several instances; anything else is\n"
    "a host path (write ./a:b for a host file whose name has a colon).\n"
    "\n"
    "  SRC        copies SRC itself: into DST when DST is a folder, else as DST\n"
    "  SRC/       copies the folder's contents (into DST, made if missing)\n"
    "\n"
    "Modes, owners and times are kept. Data is streamed end to end: memory\n"
    "stays small whatever the size, and nothing is staged on disk. Copying to\n"
    "the host never writes outside DST: entries with absolute names or '..',\n"
    "hard links out of the copied tree, symbolic links pointing outside DST and\n"
    "device files are refused, naming the entry.\n"
    "\n"
    "options:\n"
    "  --allow-links-out  keep symbolic links that point outside DST (absolute\n"
    "                     ones included) when copying to the host\n"
    "  --progress         show bytes copied on stderr even when it is not a\n"
    "                     terminal (on a terminal it is shown anyway)\n"
    "  -h, --help         this help\n"
    "\n"
    "examples:\n"
    "  berth cp ./site/ web:/var/www/        # the folder's contents\n"
    "  berth cp web:one:/var/log/app.log .   # a file to the current folder\n"
    "  berth cp db:/etc/hostname web:/srv/db-hostname\n";

static volatile int cancelled;

static void on_sigint(int sig)
{
    (void)sig;
    cancelled = 1;
}

/* A container side: the one container its target names. */
struct side {
    char *target;     /* "web" or "web:one", NULL for the host */
    const char *path;
    struct target *t; /* the container */
};

static int resolve(struct scope *s, struct side *sd, berr **err)
{
    bool whole;
    const char *targets[] = {sd->target};
    if (targets_select(s->p, s->name, s->all, s->nall, targets, 1, &whole, err) < 0)
        return -1;
    size_t n = 0;
    strbuf names = STRBUF_INIT;
    for (size_t i = 0; i < s->nall; i++) {
        if (!s->all[i].selected)
            continue;
        if (!n)
            sd->t = &s->all[i];
        sb_addf(&names, "%s%s", n++ ? ", " : "", s->all[i].subject);
    }
    int rc = 0;
    if (n == 0 && s->down) /* its engine may be the one that did not answer */
        rc = berr_set(err, s->down->code, "%s: %s", sd->target, s->down->msg);
    else if (n == 0)
        rc = berr_set(err, BERR_NOTFOUND, "%s has no container: run 'berth up %s' first",
                      sd->target, sd->target);
    else if (n > 1)
        rc = berr_set(err, BERR_USAGE, "%s has %zu containers (%s): name one, as in %s:%s",
                      sd->target, n, names.buf, sd->t->subject, sd->path);
    sb_release(&names);
    return rc;
}

struct meter {
    bool on, tty, json;
    long long last_ms, start_ms, bytes;
    const char *what;
};

static void show(struct meter *m, bool final)
{
    double secs = (double)(now_ms() - m->start_ms) / 1000.0;
    double mib = (double)m->bytes / (1024.0 * 1024.0);
    if (m->json)
        fprintf(stderr, "{\"copied\":%lld,\"seconds\":%.1f,\"done\":%s}\n", m->bytes, secs,
                final ? "true" : "false");
    else
        fprintf(stderr, "%s%s: %.1f MiB (%.1f MiB/s)%s", m->tty ? "\r\033[K" : "", m->what,
                mib, secs > 0 ? mib / secs : 0.0, m->tty && !final ? "" : "\n");
    fflush(stderr);
}

static void on_progress(void *ud, long long bytes)
{
    struct meter *m = ud;
    m->bytes = bytes;
    long long now = now_ms();
    if (now - m->last_ms >= (m->tty ? 200 : 1000)) {
        m->last_ms = now;
        show(m, false);
    }
}

int cmd_cp(cli *g, int argc, char **argv, berr **err)
{
    static const struct option opts[] = {
        {"allow-links-out", no_argument, NULL, 'L'},
        {"progress", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct copy_opts co = {0};
    bool force_progress = false;
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'L': co.allow_links_out = true; break;
        case 'P': force_progress = true; break;
        case 'h': fputs(usage, stdout); return 0;
        default: return cmd_option_error(err, "cp", argv, c);
        }
    }
    if (argc - optind != 2)
        return cmd_usage_error(err, "cp", "needs a source and a destination");
    struct side sides[2] = {{0}};
    for (int i = 0; i < 2; i++)
        copy_split_arg(argv[optind + i], &sides[i].target, &sides[i].path);
    int rc = 0;
    struct scope s = {0};
    if (!sides[0].target && !sides[1].target) {
        rc = cmd_usage_error(err, "cp", "both sides are host paths: name a container side as "
                             "PART:/path or PART:INSTANCE:/path");
        goto out;
    }
    struct scope_opts so = {
        .project = {.dir = g->dir, .file = g->file, .name = g->project, .sets = g->sets,
                    .nsets = g->nsets, .reader = &g->reader},
        .engine_url = g->engine_url,
    };
    if (scope_open(&so, &s, err) < 0) {
        rc = -1;
        goto out;
    }
    struct copy_end ends[2];
    for (int i = 0; i < 2; i++) {
        if (sides[i].target && resolve(&s, &sides[i], err) < 0) {
            rc = berr_wrap(err, "cp");
            goto out;
        }
        ends[i] = (struct copy_end){.container = sides[i].t ? sides[i].t->id : NULL,
                                    .e = sides[i].t ? sides[i].t->e : NULL,
                                    .display = sides[i].t ? sides[i].t->subject : NULL,
                                    .path = sides[i].path};
    }
    bool stderr_tty = isatty(STDERR_FILENO);
    struct meter m = {.what = argv[optind + 1], .start_ms = now_ms(), .last_ms = now_ms()};
    if (streq(g->progress, "json"))
        m.on = m.json = true;
    else if (!streq(g->progress, "quiet"))
        m.on = force_progress || streq(g->progress, "tty") || streq(g->progress, "plain") ||
               stderr_tty;
    m.tty = m.on && !m.json && stderr_tty && !streq(g->progress, "plain");
    if (m.on) {
        co.progress = on_progress;
        co.progress_ud = &m;
    }
    struct sigaction sa = {.sa_handler = on_sigint}, old_int, old_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    http_set_cancel_flag(&cancelled);
    rc = copy_run(NULL, &ends[0], &ends[1], &co, err);
    http_set_cancel_flag(NULL);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (rc == 0 && m.on)
        show(&m, true);
    else if (m.on && m.tty && m.bytes)
        fputs("\n", stderr);
    if (rc < 0 && cancelled && *err)
        (*err)->code = BERR_INTERRUPTED;
    if (rc < 0)
        berr_wrap(err, "cp");
out:
    scope_close(&s);
    free(sides[0].target);
    free(sides[1].target);
    return rc;
}
