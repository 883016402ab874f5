/* One error type threaded through every library call.
 *
 * Library functions return 0 on success and -1 on failure; on failure they
 * fill *err (when err is not NULL) with a berr carrying a category (which is
 * also berth's exit code), the HTTP status when the engine answered, and a
 * message built from the root cause outwards: each caller may wrap it with
 * its own context ("up: part 'web': create container: engine said 409: ...").
 * Only main.c prints errors. */
#ifndef BERTH_ERROR_H
#define BERTH_ERROR_H

#include <stdarg.h>
#include <stddef.h>

/* Categories double as documented exit codes (README "Exit codes"). */
enum berr_code {
    BERR_FAILURE = 1,     /* generic failure, a command did not succeed */
    BERR_USAGE = 2,       /* bad command line */
    BERR_PROJECT = 3,     /* invalid project file or folder layout */
    BERR_UNREACHABLE = 4, /* no engine at the address (or a bad address) */
    BERR_ENGINE = 5,      /* the engine answered with an error */
    BERR_TIMEOUT = 6,     /* a deadline passed */
    BERR_NOTFOUND = 7,    /* an object or file that must exist does not */
    BERR_INTERRUPTED = 130,
};

typedef struct berr {
    int code;
    int http_status; /* 0 when the engine did not answer */
    char *msg;
} berr;

/* Set *err (if err) and return -1. fmt is printf-style. */
int berr_set(berr **err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int berr_vset(berr **err, int code, const char *fmt, va_list ap);
/* Like berr_set, appending ": strerror(errnum)". */
int berr_errno(berr **err, int code, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Prefix the existing error's message with "context: "; return -1. */
int berr_wrap(berr **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Add text after the message (the last lines of an output, say). */
void berr_append(berr **err, const char *text);
void berr_free(berr *e);
/* Move ownership: *dst = src (freeing any previous *dst). */
void berr_move(berr **dst, berr **src);

static inline void berr_freep(berr **e) { berr_free(*e); *e = NULL; }
#define cleanup_berr __attribute__((cleanup(berr_freep)))

#endif
