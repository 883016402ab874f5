/* Progress views. All output goes to stderr, so stdout stays for results.
 *  tty:   one line per subject (state, elapsed time), redrawn in place;
 *         the last output line of a running subject shown after its state.
 *  plain: one line per state change ("web:one  created  0.4s").
 *  json:  one JSON object per event, for programs.
 *  quiet: failures only. */
#include "progress.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/util.h"

enum mode { MODE_TTY, MODE_PLAIN, MODE_JSON, MODE_QUIET };

struct row {
    char *subject;
    char *state;
    char *line; /* the latest output line */
    long long started, ended;
    bool failed, done;
};

struct progress {
    reporter base;
    enum mode mode;
    pthread_mutex_t lock;
    struct row *rows;
    int nrows;
    int drawn; /* lines drawn last time (tty) */
    bool color; /* tty: coloured marks, unless NO_COLOR is set */
    long long t0;
};

static struct row *row_for(progress *p, const char *subject)
{
    for (int i = 0; i < p->nrows; i++)
        if (streq(p->rows[i].subject, subject))
            return &p->rows[i];
    p->rows = xrealloc(p->rows, sizeof *p->rows * (size_t)(p->nrows + 1));
    struct row *r = &p->rows[p->nrows++];
    *r = (struct row){.subject = xstrdup(subject), .state = xstrdup(""), .started = now_ms()};
    return r;
}

static void set(char **slot, const char *v)
{
    free(*slot);
    *slot = v ? xstrdup(v) : NULL;
}

/* The terminal's width: a row longer than it would wrap onto two lines,
 * and moving back up by the number of rows would then redraw below what
 * was drawn, showing lines twice. */
static int columns(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 8)
        return ws.ws_col;
    return 80;
}

/* Write at most max characters of s (UTF-8: a character is its first byte
 * and its continuation bytes). */
static void put_cut(const char *s, int max)
{
    const char *e = s;
    for (int n = 0; *e; e++)
        if (((unsigned char)*e & 0xC0) != 0x80 && n++ == max)
            break;
    fwrite(s, 1, (size_t)(e - s), stderr);
}

/* Back to the first row of the view, and clear it and all below. */
static void erase_view(progress *p)
{
    if (p->drawn)
        fprintf(stderr, "\033[%dA\r\033[J", p->drawn);
    p->drawn = 0;
}

static void redraw(progress *p)
{
    int width = 0, cols = columns();
    for (int i = 0; i < p->nrows; i++) {
        int w = (int)strlen(p->rows[i].subject);
        width = w > width ? w : width;
    }
    if (p->drawn)
        fprintf(stderr, "\033[%dA", p->drawn); /* back to the first row */
    for (int i = 0; i < p->nrows; i++) {
        struct row *r = &p->rows[i];
        long long t = (r->ended ? r->ended : now_ms()) - r->started;
        const char *mark = r->failed ? (p->color ? "\033[31m✗\033[0m" : "✗")
                           : r->done ? (p->color ? "\033[32m✓\033[0m" : "✓")
                                     : "…";
        char *text = NULL;
        if (asprintf(&text, "%-*s  %-12s %5.1fs%s%.60s", width, r->subject, r->state,
                     (double)t / 1000.0, !r->done && r->line ? "  " : "",
                     !r->done && r->line ? r->line : "") < 0)
            text = NULL;
        fprintf(stderr, "\r\033[2K %s ", mark);
        put_cut(text ? text : r->subject, cols - 4); /* " ✓ " before, one column spare */
        free(text);
        fputc('\n', stderr);
    }
    p->drawn = p->nrows;
    fflush(stderr);
}

static void emit_json(const struct event *ev, long long elapsed)
{
    static const char *kinds[] = {"state", "line", "done", "fail", "note", "progress"};
    json_t *o = json_pack("{s:s, s:I}", "event", kinds[ev->kind], "elapsed_ms", (json_int_t)elapsed);
    if (ev->subject)
        json_object_set_new(o, "subject", json_string(ev->subject));
    if (ev->state)
        json_object_set_new(o, "state", json_string(ev->state));
    if (ev->text)
        json_object_set_new(o, "text", json_string(ev->text));
    char *s = json_dumps(o, JSON_COMPACT);
    fprintf(stderr, "%s\n", s);
    free(s);
    json_decref(o);
}

static void on_event(reporter *base, const struct event *ev)
{
    progress *p = (progress *)base;
    /* Byte counts only make sense redrawn in place. */
    if (ev->kind == EV_PROGRESS && p->mode != MODE_TTY)
        return;
    pthread_mutex_lock(&p->lock);
    if (p->mode == MODE_JSON) {
        emit_json(ev, now_ms() - p->t0);
        goto out;
    }
    if (!ev->subject) {
        if (p->mode != MODE_QUIET || ev->kind == EV_FAIL) {
            /* while something runs, a note goes above the view, which is
             * drawn again below it; once all is done (a summary), below */
            bool running = false;
            for (int i = 0; i < p->nrows; i++)
                running = running || !p->rows[i].done;
            bool view = p->mode == MODE_TTY && p->drawn && running;
            if (view)
                erase_view(p);
            else
                p->drawn = 0;
            fprintf(stderr, "%s\n", ev->text ? ev->text : "");
            if (view)
                redraw(p);
        }
        goto out;
    }
    struct row *r = row_for(p, ev->subject);
    if (ev->state)
        set(&r->state, ev->state);
    if (ev->kind == EV_LINE || ev->kind == EV_PROGRESS)
        set(&r->line, ev->text);
    if (ev->kind == EV_DONE || ev->kind == EV_FAIL) {
        r->ended = now_ms();
        r->done = true;
        r->failed = ev->kind == EV_FAIL;
    }
    long long t = (r->ended ? r->ended : now_ms()) - r->started;
    switch (p->mode) {
    case MODE_TTY:
        if (ev->kind == EV_FAIL && ev->text) {
            /* the whole message above the view; its row says failed */
            erase_view(p);
            fprintf(stderr, "%s: %s\n", ev->subject, ev->text);
        }
        redraw(p);
        break;
    case MODE_PLAIN:
        if (ev->kind == EV_LINE)
            fprintf(stderr, "%s | %s\n", ev->subject, ev->text ? ev->text : "");
        else
            fprintf(stderr, "%-24s %-12s %.1fs%s%s\n", ev->subject, r->state, (double)t / 1000.0,
                    ev->kind == EV_FAIL && ev->text ? "  " : "",
                    ev->kind == EV_FAIL && ev->text ? ev->text : "");
        break;
    case MODE_QUIET:
        /* nothing: the command's error, which berth prints last, says
         * what failed (printing the failure here too showed it twice) */
        break;
    case MODE_JSON:
        break;
    }
out:
    pthread_mutex_unlock(&p->lock);
}

progress *progress_new(const char *mode)
{
    progress *p = xcalloc(1, sizeof *p);
    p->base.emit = on_event;
    p->t0 = now_ms();
    pthread_mutex_init(&p->lock, NULL);
    if (streq(mode, "tty"))
        p->mode = MODE_TTY;
    else if (streq(mode, "plain"))
        p->mode = MODE_PLAIN;
    else if (streq(mode, "json"))
        p->mode = MODE_JSON;
    else if (streq(mode, "quiet"))
        p->mode = MODE_QUIET;
    else
        p->mode = isatty(STDERR_FILENO) ? MODE_TTY : MODE_PLAIN;
    const char *nc = getenv("NO_COLOR"); /* https://no-color.org: set and not empty */
    p->color = !(nc && *nc);
    return p;
}

reporter *progress_reporter(progress *p)
{
    return &p->base;
}

void progress_end(progress *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->nrows; i++) {
        free(p->rows[i].subject);
        free(p->rows[i].state);
        free(p->rows[i].line);
    }
    free(p->rows);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

/* ---- what changed, not every part that was already fine ---- */

struct quiet_rep {
    reporter base; /* first: the reporter is the struct */
    reporter *to;
    pthread_mutex_t lock;
    json_t *busy; /* subjects that reported a state */
};

static void quiet_emit(reporter *r, const struct event *ev)
{
    struct quiet_rep *q = (struct quiet_rep *)r;
    pthread_mutex_lock(&q->lock);
    bool pass = ev->kind == EV_FAIL || ev->kind == EV_LINE;
    if (ev->kind == EV_STATE && ev->subject) {
        json_object_set_new(q->busy, ev->subject, json_true());
        pass = true;
    }
    if (ev->kind == EV_DONE && ev->subject && json_object_get(q->busy, ev->subject))
        pass = true;
    pthread_mutex_unlock(&q->lock);
    if (pass)
        q->to->emit(q->to, ev);
}

reporter *progress_quiet_new(reporter *to)
{
    struct quiet_rep *q = xcalloc(1, sizeof *q);
    q->base.emit = quiet_emit;
    q->to = to;
    q->busy = json_object();
    pthread_mutex_init(&q->lock, NULL);
    return &q->base;
}

void progress_quiet_free(reporter *r)
{
    struct quiet_rep *q = (struct quiet_rep *)r;
    if (!q)
        return;
    pthread_mutex_destroy(&q->lock);
    json_decref(q->busy);
    free(q);
}
