/* A pump: a producer running in its own thread, writing into a pipe whose
 * other end the caller reads (copies chain them: GET | rename | PUT). The
 * producer's thread blocks every signal: a write to a pipe whose reader left
 * is then EPIPE, not SIGPIPE, and Ctrl-C reaches the main thread.
 *
 * Errors: a producer that failed on its own hands its error to the reader
 * (pump_read at the end, or pump_finish); one that failed only because its
 * reader left first (broken) does not, as that is a consequence. */
#ifndef BERTH_PUMP_H
#define BERTH_PUMP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

/* The pipe between two stages, and the block each stage moves at once. */
#define PUMP_PIPE_SIZE (1024 * 1024)
#define PUMP_BLOCK (256 * 1024)

struct pump;
/* Write everything into wfd (the pump closes it); set p->broken on EPIPE. */
typedef int pump_fn(struct pump *p, int wfd, berr **err);

struct pump {
    pump_fn *fn;
    void *ud;
    int rfd, wfd;
    pthread_t th;
    bool running;
    int rc;
    berr *err;
    bool broken;    /* it failed because its reader went away */
    bool delivered; /* its error was handed on (through a read) */
};

int pump_start(struct pump *p, pump_fn *fn, void *ud, berr **err);
/* Up to cap bytes; 0 at the end, which is -1 when the producer failed. */
long pump_read(struct pump *p, char *buf, size_t cap, berr **err);
/* Stop reading and wait for the producer. -1 with its error when it failed
 * on its own and the error was not handed on yet. */
int pump_finish(struct pump *p, berr **err);
/* Finish p; the producer's own error replaces *err, else rc stands. */
int pump_settle(struct pump *p, int rc, berr **err);
/* write(2) all of data to fd, for producers; EPIPE marks p broken. */
int pump_write_all(struct pump *p, int fd, const char *data, size_t len, berr **err);

#endif
