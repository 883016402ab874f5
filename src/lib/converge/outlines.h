/* A subject's output (a build, a script, a container's log) shown line by
 * line through the reporter, with its last lines kept so that an error can
 * show what went wrong. Terminal control sequences and carriage returns are
 * dropped, so lines read the same in a log, a progress view and a message. */
#ifndef BERTH_OUTLINES_H
#define BERTH_OUTLINES_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "base/report.h"
#include "engine/stream.h"

#define OUTLINES_TAIL 15

struct outlines {
    reporter *rep;       /* NULL: keep the tail only */
    const char *subject;
    bool muxed;          /* input is the engine's multiplexed stdout/stderr frames */
    struct line_splitter ls;
    struct demux dm;
    char *tail[OUTLINES_TAIL];
    int next, n;
};

void outlines_init(struct outlines *o, reporter *rep, const char *subject, bool muxed);
void outlines_release(struct outlines *o);
/* Feed bytes as they arrive (an http_data_cb for ud = struct outlines *). */
int outlines_feed(void *ud, const char *data, size_t len, berr **err);
/* Flush a last line without '\n'; an error if a frame was cut off. */
int outlines_finish(struct outlines *o, berr **err);
/* "\n  | line" per kept line (malloc'd; "" when none). */
char *outlines_tail(const struct outlines *o);
/* The end of a script's output: rc (the run's) when it failed, else the
 * last line flushed, and a non-zero exit code an error showing the last
 * lines ("the script exited with 3\n  | ..."). Releases o. */
int outlines_script_end(struct outlines *o, int rc, int code, berr **err);

/* Pure: line without control sequences and '\r' (malloc'd). */
char *plain_text(const char *line, size_t len);

#endif
