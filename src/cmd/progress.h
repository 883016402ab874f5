/* Renders progress events on stderr in the mode --progress chose. */
#ifndef BERTH_PROGRESS_H
#define BERTH_PROGRESS_H

#include "base/report.h"

typedef struct progress progress;

/* mode: auto (tty when stderr is a terminal, else plain), tty, plain, json, quiet. */
progress *progress_new(const char *mode);
reporter *progress_reporter(progress *p);
/* Final redraw; frees p. */
void progress_end(progress *p);

/* A filter for commands whose work is something else (run -i, task): the
 * steps that did something (a state, its output, a failure), not every part
 * that was already up to date. */
reporter *progress_quiet_new(reporter *to);
void progress_quiet_free(reporter *q);

#endif
