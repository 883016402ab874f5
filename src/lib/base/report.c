#include "base/report.h"

#include <stdarg.h>
#include <stdlib.h>

#include "base/util.h"

void report(reporter *r, enum event_kind kind, const char *subject, const char *state,
            const char *text)
{
    if (!r || !r->emit)
        return;
    struct event ev = {.kind = kind, .subject = subject, .state = state, .text = text};
    r->emit(r, &ev);
}

void reportf(reporter *r, enum event_kind kind, const char *subject, const char *state,
             const char *fmt, ...)
{
    if (!r || !r->emit)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *text = xvasprintf(fmt, ap);
    va_end(ap);
    report(r, kind, subject, state, text);
    free(text);
}
