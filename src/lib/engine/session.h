/* Processes in containers that talk to berth's own stdin and stdout: exec
 * sessions (berth exec, shell) and attached containers (berth run -i).
 * The typed Engine API calls they need; the byte streams themselves go
 * through hijack.h. Never prints. */
#ifndef BERTH_SESSION_H
#define BERTH_SESSION_H

#include <stdbool.h>

#include "engine/api.h"
#include "engine/engine.h"
#include "base/error.h"
#include "engine/hijack.h"

/* Start it with its streams on a hijacked connection. */
int session_exec_attach(engine *e, const char *exec_id, bool tty, hijack **out, berr **err);
/* Start it detached: returns once it runs. */
int session_exec_detach(engine *e, const char *exec_id, berr **err);
int session_exec_resize(engine *e, const char *exec_id, int rows, int cols, berr **err);
/* After its stream ended: the exit code, waiting up to wait_ms for the
 * engine to record it. *running is true (and *exit_code -1) when the
 * process still runs then (the session was detached). */
int session_exec_result(engine *e, const char *exec_id, long wait_ms, int *exit_code,
                        bool *running, berr **err);

/* Attach to a container's stdin, stdout and stderr (before starting it, so
 * that nothing it prints is lost). */
int session_attach(engine *e, const char *container, hijack **out, berr **err);
int session_container_resize(engine *e, const char *container, int rows, int cols, berr **err);

#endif
