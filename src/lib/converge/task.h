/* Task parts (seed 004's per-image sub-commands): `berth task NAME [ARGS]`
 * runs the part's command in a one-off container of its image, as the
 * calling host user by default, with the project folder mounted at the same
 * path, the caller's terminal and stdin, and its exit code; the container
 * is removed when the command ends. The image (or the part that makes it)
 * is brought up first, as `up` would. */
#ifndef BERTH_TASK_H
#define BERTH_TASK_H

#include <jansson.h>
#include <stdbool.h>

#include "base/caller.h"
#include "base/error.h"
#include "project/project.h"

struct task_call {
    const char *const *args; /* the user's ARGS, NULL-terminated (may be empty) */
    bool tty;                /* a terminal in the container */
    const char *term;        /* its TERM when tty */
    const struct caller *who; /* the host user, when the task runs as `host` */
    const char *suffix;      /* makes the container's name unique: the pid */
};

/* The argv the task runs: its command with args in place of a word
 * "${args}" (each arg one word), or appended when no word is "${args}". */
json_t *task_argv(const struct part *pt, const char *const *args);

/* Pure: the container's name ("<project>-<part>-task-<suffix>") and its
 * create body: image, argv, entrypoint, env (HOME of the host user first,
 * then env-files, then env), user, workdir, mounts (the project folder at
 * the same path unless mount-source = false, then volumes), first network,
 * terminal and stdin, labels project/part/kind=task. *networks gets the
 * further networks to join after create (names). Reading env-files may
 * fail (BERR_NOTFOUND naming the file). *networks is a JSON array. */
int task_container(const struct project *p, const struct part *pt, const struct task_call *call,
                   char **name, json_t **body, json_t **networks, berr **err);

/* Does the task run as the calling host user? */
bool task_as_host(const struct part *pt);

#endif
