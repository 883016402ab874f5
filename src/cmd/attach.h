/* What exec, shell and run share: the one container a target names, and
 * one process in a container wired to berth's stdin, stdout and stderr (or
 * captured for --format json), with a terminal when asked: raw mode, the
 * window size at start and on every SIGWINCH, restored on any way out. */
#ifndef BERTH_ATTACH_H
#define BERTH_ATTACH_H

#include <stdbool.h>

#include "cmd.h"
#include "engine/engine.h"
#include "engine/session.h"
#include "base/strbuf.h"
#include "converge/targets.h"

/* The one container TARGET ("web" or "web:two") names, running. A part with
 * several containers and no instance named is a usage error listing them;
 * none is BERR_NOTFOUND; a stopped one is an error saying how to start it.
 * scope_close(s) after, failed or not. */
int attach_find(const cli *g, const char *cmd, const char *target, struct scope *s,
                const struct target **out, berr **err);

/* How a session's bytes flow. */
struct session_io {
    bool tty;           /* a terminal in the container (one raw output stream) */
    bool forward_stdin; /* berth's stdin goes to the process; raw mode when it is a terminal */
    bool capture;       /* keep stdout and stderr below instead of writing them */
    strbuf out, err;
};

/* How the session ended. */
struct session_end {
    int exit_code;      /* the process's; -1 when detached */
    bool detached;      /* the stream ended but the process runs on */
};

/* Run an exec (its spec's tty and attach_stdin come from io) to its end. */
int attach_exec(engine *e, const char *container, struct exec_spec *spec, struct session_io *io,
                struct session_end *end, berr **err);
/* Attach to a created container, start it, and stay until it ends. */
int attach_container(engine *e, const char *id, struct session_io *io, struct session_end *end,
                     berr **err);

/* The argv that starts bash when the image has it, else sh: one exec, no
 * probe first (a fixed script, no user strings in it). */
extern const char *const attach_shell_argv[];

/* Is there a stdin to forward: open, and not a terminal berth is in the
 * background of? */
bool attach_stdin_usable(void);

/* The TERM a container's terminal gets: the caller's, else xterm. */
const char *attach_term(void);

/* exec and shell: one exec in TARGET, run as the command line asked. */
struct exec_request {
    const char *target;
    struct exec_spec spec; /* argv, user, workdir, env */
    int tty;               /* 1: -t, -1: -T, 0: when stdin and stdout are terminals */
    bool no_stdin;         /* -n: do not forward stdin */
    bool detach;           /* -d */
    bool json;             /* --format json: capture, print one object */
    int expect_exit;       /* --expect-exit N, else -1 */
};
/* Returns berth's exit code (the command's, or --expect-exit's verdict). */
int exec_session(cli *g, const char *cmd, struct exec_request *r, berr **err);

#endif
