#include "term.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define NSTOP (int)(sizeof stop_signals / sizeof stop_signals[0])

static int pipefd[2] = {-1, -1};
static volatile sig_atomic_t events, stops;
static struct sigaction old_winch, old_stop[NSTOP];
static bool handlers_on;

static struct termios saved;
static int raw_fd = -1;
static volatile sig_atomic_t raw_on;
static bool atexit_done;

void term_raw_end(void)
{
    if (raw_on) {
        tcsetattr(raw_fd, TCSAFLUSH, &saved);
        raw_on = 0;
    }
}

static void wake(int ev)
{
    int saved_errno = errno;
    events |= ev;
    if (pipefd[1] >= 0) {
        ssize_t w = write(pipefd[1], "x", 1); /* full pipe: an event is pending anyway */
        (void)w;
    }
    errno = saved_errno;
}

static void on_winch(int sig)
{
    (void)sig;
    wake(TERM_EV_WINCH);
}

static void on_stop(int sig)
{
    /* The terminal first: whatever happens next, the user gets it back. */
    if (raw_on) {
        tcsetattr(raw_fd, TCSANOW, &saved);
        raw_on = 0;
    }
    if (stops++) { /* the second: the cleanup is stuck, leave now */
        signal(sig, SIG_DFL);
        _exit(128 + sig);
    }
    wake(TERM_EV_STOP);
}

int term_events_begin(berr **err)
{
    if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0)
        return berr_errno(err, BERR_FAILURE, errno, "cannot create a pipe");
    events = 0;
    stops = 0;
    struct sigaction sa = {.sa_handler = on_winch};
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGWINCH, &sa, &old_winch);
    sa.sa_handler = on_stop;
    for (int i = 0; i < NSTOP; i++)
        sigaction(stop_signals[i], &sa, &old_stop[i]);
    handlers_on = true;
    return 0;
}

void term_events_end(void)
{
    if (handlers_on) {
        sigaction(SIGWINCH, &old_winch, NULL);
        for (int i = 0; i < NSTOP; i++)
            sigaction(stop_signals[i], &old_stop[i], NULL);
        handlers_on = false;
    }
    for (int i = 0; i < 2; i++) {
        if (pipefd[i] >= 0)
            close(pipefd[i]);
        pipefd[i] = -1;
    }
}

int term_wake_fd(void)
{
    return pipefd[0];
}

int term_take_events(void)
{
    /* Signals are blocked while reading and clearing, so none is lost. */
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    int ev = events;
    events = 0;
    sigprocmask(SIG_SETMASK, &old, NULL);
    return ev;
}

int term_raw_begin(int fd, berr **err)
{
    if (raw_on)
        return 0;
    struct termios t;
    if (tcgetattr(fd, &saved) < 0)
        return berr_errno(err, BERR_FAILURE, errno, "cannot read the terminal's settings");
    t = saved;
    cfmakeraw(&t);
    raw_fd = fd;
    if (!atexit_done) {
        atexit(term_raw_end);
        atexit_done = true;
    }
    if (tcsetattr(fd, TCSAFLUSH, &t) < 0)
        return berr_errno(err, BERR_FAILURE, errno, "cannot put the terminal in raw mode");
    raw_on = 1;
    return 0;
}

bool term_size(int *rows, int *cols)
{
    for (int fd = 0; fd < 3; fd++) {
        struct winsize ws;
        if (isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
            *rows = ws.ws_row;
            *cols = ws.ws_col;
            return true;
        }
    }
    return false;
}
