/* Problems found while loading a project, collected rather than returned
 * one at a time, so that one pass reports every mistake. Each reads
 *
 *   FILE:LINE: part 'x': key 'y': what is wrong (the likely fix)
 *
 * FILE:LINE is left out when unknown (line 0 prints FILE: only); part and key
 * are left out when they do not apply. */
#ifndef BERTH_DIAG_H
#define BERTH_DIAG_H

#include <stddef.h>

#include "base/error.h"

struct diag {
    char *file, *part, *key, *msg;
    int line;
    int col;    /* 0: not known (berth.ini points at lines) */
    size_t seq; /* insertion order: keeps the sort stable */
};

struct diags {
    struct diag *v;
    size_t n, cap;
};

void diag_add(struct diags *d, const char *file, int line, const char *part, const char *key,
              const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* The same, at a column too: "FILE:LINE:COLUMN: ..." (YAML sources). */
void diag_add_col(struct diags *d, const char *file, int line, int col, const char *part,
                  const char *key, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* Sort by file and line, drop repeats, and turn the list into one berr with
 * code (newline-separated lines, a count line when there are several).
 * Returns -1 when there was any problem, 0 when there was none. */
int diags_to_berr(struct diags *d, int code, berr **err);
void diags_free(struct diags *d);

#endif
