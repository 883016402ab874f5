/* Containers' logs: fetched with the engine's timestamps (which order the
 * lines of several containers), demultiplexed into stdout and stderr lines
 * (TTY containers send one raw stream), merged, or followed across restarts
 * and re-creations.
 *
 * Memory stays bounded: history is spooled per container into an unlinked
 * temp file and merged from there, a line at a time per container. */
#ifndef BERTH_LOGS_H
#define BERTH_LOGS_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/engine.h"
#include "base/error.h"

/* An engine timestamp: seconds since the epoch (UTC) and nanoseconds. */
struct log_ts {
    long long sec;
    long nsec;
};
int log_ts_cmp(const struct log_ts *a, const struct log_ts *b);
/* "2024-05-01T10:00:00.123456789Z": always 9 digits, UTC. out: 31 bytes. */
void log_ts_format(const struct log_ts *ts, char out[40]);

/* Parse the RFC 3339 timestamp (as the engine writes it, fractions of any
 * length, Z or an offset) at the start of s and the one space after it;
 * *used gets how many bytes that took. -1 when s does not start with one. */
int log_ts_parse(const char *s, size_t len, struct log_ts *ts, size_t *used);

/* --since: a duration back from now ("90s", "10m", "1h30m", "2d"), an RFC
 * 3339 time or date ("2024-05-01T10:00:00Z", "2024-05-01"), or Unix seconds
 * ("1714557600", "1714557600.5"). */
int log_since_parse(const char *s, long long now_sec, struct log_ts *out, berr **err);

/* One container whose logs are shown. */
struct log_src {
    char *id;
    engine *e;     /* the engine it lives on (borrowed); NULL: the caller's */
    char *subject; /* "web:one" */
    char *part, *instance;
    bool tty;      /* one raw stream: everything is stdout */
    bool from_start; /* new since the command started: all of it, whatever the tail */
    /* the last line delivered: a follow resumes after it */
    struct log_ts last;
    bool has_last;
};

/* A line, without its newline; text is not NUL-terminated. */
struct log_line {
    const struct log_src *src;
    int stream; /* STREAM_STDOUT or STREAM_STDERR */
    struct log_ts ts;
    const char *text;
    size_t len;
};
typedef int log_line_cb(void *ud, const struct log_line *l, berr **err);

struct logs_query {
    const char *tail;      /* "N", or NULL for all */
    struct log_ts since;   /* lines at or after this (has_since) */
    bool has_since;
    int parallel;          /* containers fetched at once (>= 1) */
};

/* One request for src's lines (after src->last when it has one, else from
 * q's since and tail), each handed to cb; src->last follows them. With
 * follow it lasts until the container stops (or the cancel flag). */
int logs_fetch(engine *e, struct log_src *src, const struct logs_query *q, bool follow,
               log_line_cb *cb, void *ud, berr **err);

/* What the engines have logged so far for each source (each on its own
 * engine, else e), merged in time order (a container's own lines keep
 * their order). */
int logs_history(engine *e, struct log_src *srcs, size_t n, const struct logs_query *q,
                 log_line_cb *cb, void *ud, berr **err);

/* Decides whether a container that starts while following is shown: fills
 * *src's subject, part and instance (malloc'd) and returns true to follow. */
typedef bool log_select_fn(void *ud, const char *id, const char *part, const char *instance,
                           struct log_src *src);
/* A problem with one container that does not end the follow ("web:one:
 * cannot read its logs: ..."). */
typedef void log_note_fn(void *ud, const char *subject, const char *msg);

struct logs_follow_opts {
    const char *project;     /* events are filtered by its label */
    long long events_since;  /* Unix seconds: events from then on are replayed */
    log_select_fn *select;
    void *select_ud;
    log_note_fn *note;
    void *note_ud;
    volatile int *cancel;    /* set (by Ctrl-C) to end; the HTTP cancel flag as well */
};

/* Follow srcs (as logs_history left them: each resumes after its last
 * line; each on its own engine, which must be one of engines) and any
 * container one of the engines starts meanwhile that select accepts: one
 * streaming request per container, re-opened when the container starts
 * again; a new container (re-created by `up`) is followed from its first
 * line. The events come from one stream per engine. Lines come through cb
 * one at a time (serialised). Returns 0 when cancelled, -1 when an engine's
 * event stream fails (naming that engine; the others are then ended too).
 * srcs stays the caller's; the follow's own sources are freed before
 * returning. */
int logs_follow(engine *const *engines, size_t nengines, struct log_src *srcs, size_t n,
                const struct logs_query *q, const struct logs_follow_opts *o, log_line_cb *cb,
                void *ud, berr **err);

void log_src_clear(struct log_src *s);

#endif
