/* A private Docker engine of berth's own: Debian's dockerd started with its
 * state under one short folder (data root, exec root, socket, pid file, log)
 * and its own containerd namespace, so it never meets a system engine.
 *
 *   DIR/docker.sock  DIR/dockerd.pid  DIR/dockerd.log  DIR/root/  DIR/exec/
 *
 * It is stopped by its pid, and "stopped" means that no dockerd or
 * containerd process (daemon or shim) whose command line names DIR is left. */
#ifndef BERTH_DAEMON_H
#define BERTH_DAEMON_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"

#define DAEMON_DEFAULT_DIR "/var/lib/berth/engine"
#define DAEMON_DEFAULT_NAMESPACE "berth"

struct daemon_conf {
    char *dir;       /* absolute */
    char *ns;        /* containerd namespace */
    char *socket;    /* DIR/docker.sock */
    char *pidfile;   /* DIR/dockerd.pid */
    char *log;       /* DIR/dockerd.log */
};

/* dir NULL: $BERTH_ENGINE_DIR, else DAEMON_DEFAULT_DIR. name NULL: "berth". */
int daemon_conf_init(struct daemon_conf *c, const char *dir, const char *name, berr **err);
void daemon_conf_clear(struct daemon_conf *c);
/* "unix://DIR/docker.sock": what DOCKER_HOST should say. */
char *daemon_host(const struct daemon_conf *c);

/* The argument vector dockerd is started with (NULL-terminated; free with
 * daemon_argv_free). Pure, so it is unit-tested. */
char **daemon_argv(const struct daemon_conf *c, const char *dockerd);
void daemon_argv_free(char **argv);

/* Find an executable in $PATH (a standard path when unset); NULL when absent. */
char *find_program(const char *name);

/* 0 when not running; else dockerd's pid (verified to be that dockerd). */
pid_t daemon_running_pid(const struct daemon_conf *c);

/* Start and wait until /_ping answers. *already is set when it was running. */
int daemon_start(const struct daemon_conf *c, long timeout_ms, bool *already, berr **err);
/* Stop by pid and wait until every process of it is gone. */
int daemon_stop(const struct daemon_conf *c, long timeout_ms, bool *was_running, berr **err);
/* Pids of processes whose command line names DIR (up to max); the count. */
int daemon_processes(const struct daemon_conf *c, pid_t *pids, int max);

#endif
