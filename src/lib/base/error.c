#include "base/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

int berr_vset(berr **err, int code, const char *fmt, va_list ap)
{
    if (!err)
        return -1;
    berr *e = xcalloc(1, sizeof *e);
    e->code = code;
    e->msg = xvasprintf(fmt, ap);
    berr_free(*err);
    *err = e;
    return -1;
}

int berr_set(berr **err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    berr_vset(err, code, fmt, ap);
    va_end(ap);
    return -1;
}

int berr_errno(berr **err, int code, int errnum, const char *fmt, ...)
{
    if (!err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    char *head = xvasprintf(fmt, ap);
    va_end(ap);
    berr_set(err, code, "%s: %s", head, strerror(errnum));
    free(head);
    return -1;
}

int berr_wrap(berr **err, const char *fmt, ...)
{
    if (!err || !*err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    char *ctx = xvasprintf(fmt, ap);
    va_end(ap);
    char *msg = xasprintf("%s: %s", ctx, (*err)->msg);
    free(ctx);
    free((*err)->msg);
    (*err)->msg = msg;
    return -1;
}

void berr_append(berr **err, const char *text)
{
    if (!err || !*err || !text || !*text)
        return;
    char *msg = xasprintf("%s%s", (*err)->msg, text);
    free((*err)->msg);
    (*err)->msg = msg;
}

void berr_free(berr *e)
{
    if (!e)
        return;
    free(e->msg);
    free(e);
}

void berr_move(berr **dst, berr **src)
{
    if (!dst) {
        berr_freep(src);
        return;
    }
    berr_free(*dst);
    *dst = *src;
    *src = NULL;
}
