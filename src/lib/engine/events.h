/* A watch on containers through the engine's event stream: one stream
 * (GET /events, filtered by a label and by the events that end a wait:
 * health_status, die, destroy), read by a thread of its own, that wakes
 * whoever waits on a container as soon as the engine reports something of
 * it. The watch only wakes: the waiter then asks the engine (an inspect)
 * what state the container is in, so a duplicate or a missed event costs a
 * look, never a wrong answer.
 *
 * The stream can break (an engine restart, a proxy that drops it): the
 * thread opens it again from the last event it saw (`since`, the engine's
 * own clock), and while it is down evwatch_live() says so, and waiters go
 * back to polling. */
#ifndef BERTH_EVENTS_H
#define BERTH_EVENTS_H

#include <stdbool.h>

#include "base/error.h"
#include "engine/engine.h"

typedef struct evwatch evwatch;

/* Start watching the containers labelled `label` ("key=value"). Returns at
 * once; the stream is opened by the watch's thread, from a moment before
 * this call, so that an event that comes before it is connected is still
 * seen. */
int evwatch_open(engine *e, const char *label, evwatch **out, berr **err);
/* Stop the thread (at once: its transfer is woken) and free the watch. */
void evwatch_close(evwatch *w);

/* How many events the watch has seen for container id (its full id): take
 * it before looking at the container, then wait for more than that. */
unsigned long evwatch_seen(evwatch *w, const char *id);
/* Whether the stream is open now (false: waiters should poll). */
bool evwatch_live(evwatch *w);
/* Sleep until the watch sees an event for id beyond `seen`, the stream
 * breaks, or timeout_ms pass. True when woken by an event. */
bool evwatch_wait(evwatch *w, const char *id, unsigned long seen, long timeout_ms);

#endif
