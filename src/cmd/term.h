/* The terminal berth runs in, for interactive sessions.
 *
 * Raw mode while a session runs (every key, Ctrl-C and Ctrl-D included,
 * goes to the process in the container), restored on every way out: the
 * normal return, an error, exit() (atexit), and the signals that end berth
 * (the handler restores it at once, before anything else runs).
 *
 * Signals a session reacts to become events on a self-pipe that the
 * session's poll loop watches (hijack_io.wake_fd): SIGWINCH (send the new
 * size), SIGINT, SIGTERM, SIGHUP, SIGQUIT (stop: clean up, exit 130). A
 * second stopping signal exits at once. */
#ifndef BERTH_TERM_H
#define BERTH_TERM_H

#include <stdbool.h>

#include "base/error.h"

enum { TERM_EV_WINCH = 1, TERM_EV_STOP = 2 };

/* Install the handlers and the self-pipe; term_events_end puts back what
 * was there. */
int term_events_begin(berr **err);
void term_events_end(void);
int term_wake_fd(void);
/* The events since the last call (TERM_EV_* bits); clears them. */
int term_take_events(void);

/* Raw mode on fd (a terminal); term_raw_end restores it (idempotent). */
int term_raw_begin(int fd, berr **err);
void term_raw_end(void);

/* The window size of the first of fds 0, 1, 2 that is a terminal. */
bool term_size(int *rows, int *cols);

#endif
