#include "transfer/pump.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

static void *pump_main(void *arg)
{
    struct pump *p = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    p->rc = p->fn(p, p->wfd, &p->err);
    close(p->wfd); /* the reader sees the end only after rc is set */
    p->wfd = -1;
    return NULL;
}

int pump_start(struct pump *p, pump_fn *fn, void *ud, berr **err)
{
    int fds[2];
    *p = (struct pump){.fn = fn, .ud = ud, .rfd = -1, .wfd = -1};
    if (pipe2(fds, O_CLOEXEC) < 0)
        return berr_errno(err, BERR_FAILURE, errno, "create a pipe");
    p->rfd = fds[0];
    p->wfd = fds[1];
    /* A larger pipe (64 KiB by default): the stages hand each other big
     * blocks with fewer wake-ups. Where the system caps it lower
     * (/proc/sys/fs/pipe-max-size), the default stays: only slower. */
    (void)fcntl(fds[1], F_SETPIPE_SZ, PUMP_PIPE_SIZE);
    int rc = pthread_create(&p->th, NULL, pump_main, p);
    if (rc != 0) {
        close(fds[0]);
        close(fds[1]);
        p->rfd = p->wfd = -1;
        return berr_errno(err, BERR_FAILURE, rc, "start a thread");
    }
    p->running = true;
    return 0;
}

/* Stop reading and wait for the producer. -1 with its error when it failed
 * on its own (not because the reader left first) and the error was not
 * handed on yet; the error then goes to *err. */
int pump_finish(struct pump *p, berr **err)
{
    if (p->rfd >= 0)
        close(p->rfd);
    p->rfd = -1;
    if (p->running)
        pthread_join(p->th, NULL);
    p->running = false;
    if (p->rc == 0 || p->broken || p->delivered)
        return 0;
    p->delivered = true;
    if (p->err)
        berr_move(err, &p->err);
    else
        berr_set(err, BERR_FAILURE, "a copy stage failed");
    return -1;
}

/* Up to cap bytes; 0 at the end, which is -1 when the producer failed. */
long pump_read(struct pump *p, char *buf, size_t cap, berr **err)
{
    for (;;) {
        ssize_t n = read(p->rfd, buf, cap);
        if (n > 0)
            return (long)n;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return berr_errno(err, BERR_FAILURE, errno, "read a pipe");
        /* the producer closed its end: done, or failed */
        return pump_finish(p, err) < 0 ? -1 : 0;
    }
}

int pump_write_all(struct pump *p, int fd, const char *data, size_t len, berr **err)
{
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            p->broken = errno == EPIPE;
            return berr_errno(err, BERR_FAILURE, errno, "write a pipe");
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Which error a flow reports: the producer's when it failed on its own
 * (the consumer's failure was then only its consequence), else ours. */
int pump_settle(struct pump *p, int rc, berr **err)
{
    berr *perr = NULL;
    if (pump_finish(p, &perr) < 0) {
        berr_move(err, &perr);
        return -1;
    }
    berr_free(p->err); /* a broken pipe's error: a consequence */
    p->err = NULL;
    return rc;
}

