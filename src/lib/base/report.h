/* Progress events. The library reports what it does through this interface
 * and never prints; src/cmd/progress.c renders the events (a view redrawn
 * in place on a terminal, plain lines, JSON lines, or nothing). */
#ifndef BERTH_REPORT_H
#define BERTH_REPORT_H

enum event_kind {
    EV_STATE, /* subject moved to a new state ("building", "created", "running") */
    EV_LINE,  /* a line of output from the subject's work (a build step) */
    EV_DONE,  /* subject finished: state says how ("up to date", "created") */
    EV_FAIL,  /* subject failed: text holds the error */
    EV_NOTE,  /* a message about the whole run (text) */
    EV_PROGRESS, /* how far a transfer is (text: "layer: 3.1 MB / 10 MB"); a
                    terminal view shows it in place, line outputs skip it */
};

struct event {
    enum event_kind kind;
    const char *subject; /* "web:one", "net:front", NULL for notes */
    const char *state;
    const char *text;
};

typedef struct reporter {
    void (*emit)(struct reporter *r, const struct event *ev);
} reporter;

/* Safe with r == NULL (reports go nowhere). */
void report(reporter *r, enum event_kind kind, const char *subject, const char *state,
            const char *text);
void reportf(reporter *r, enum event_kind kind, const char *subject, const char *state,
             const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
