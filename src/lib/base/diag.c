#include "base/diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/util.h"

/* A broken file can produce thousands of problems; past this many the rest
 * only repeat the lesson. */
#define MAX_SHOWN 100

/* A problem quotes what it is about, which may be a 1 MB name: past this,
 * the middle is left out (the start says what, the end how to fix it). */
#define MAX_TEXT 1024

/* s (malloc'd), or a shortened copy of it: head, "[... N bytes ...]", tail,
 * cut at UTF-8 character boundaries. */
static char *shorten(char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return s;
    size_t head = max / 2, tail = n - max / 2;
    while (head && (s[head] & 0xc0) == 0x80)
        head--;
    while (tail < n && (s[tail] & 0xc0) == 0x80)
        tail++;
    char *r = xasprintf("%.*s[... %zu bytes ...]%s", (int)head, s, tail - head, s + tail);
    free(s);
    return r;
}

static struct diag *diag_vadd(struct diags *d, const char *file, int line, const char *part,
                              const char *key, const char *fmt, va_list ap)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->v = xrealloc(d->v, d->cap * sizeof *d->v);
    }
    struct diag *g = &d->v[d->n];
    g->msg = shorten(xvasprintf(fmt, ap), MAX_TEXT);
    g->col = 0;
    g->file = file ? shorten(xstrdup(file), MAX_TEXT) : NULL;
    g->part = part ? shorten(xstrdup(part), MAX_TEXT / 4) : NULL;
    g->key = key ? shorten(xstrdup(key), MAX_TEXT / 4) : NULL;
    g->line = line;
    g->seq = d->n++;
    return g;
}

void diag_add(struct diags *d, const char *file, int line, const char *part, const char *key,
              const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(d, file, line, part, key, fmt, ap);
    va_end(ap);
}

void diag_add_col(struct diags *d, const char *file, int line, int col, const char *part,
                  const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(d, file, line, part, key, fmt, ap)->col = col;
    va_end(ap);
}

static int strcmp_null(const char *a, const char *b)
{
    if (!a || !b)
        return a ? 1 : b ? -1 : 0; /* problems without a file come first */
    return strcmp(a, b);
}

static int cmp_diag(const void *x, const void *y)
{
    const struct diag *a = x, *b = y;
    int c = strcmp_null(a->file, b->file);
    if (c)
        return c;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void format_one(strbuf *sb, const struct diag *g)
{
    if (g->file && g->line > 0 && g->col > 0)
        sb_addf(sb, "%s:%d:%d: ", g->file, g->line, g->col);
    else if (g->file && g->line > 0)
        sb_addf(sb, "%s:%d: ", g->file, g->line);
    else if (g->file)
        sb_addf(sb, "%s: ", g->file);
    if (g->part)
        sb_addf(sb, "part '%s': ", g->part);
    if (g->key)
        sb_addf(sb, "key '%s': ", g->key);
    sb_adds(sb, g->msg);
}

int diags_to_berr(struct diags *d, int code, berr **err)
{
    if (d->n == 0)
        return 0;
    qsort(d->v, d->n, sizeof *d->v, cmp_diag);
    strbuf all = STRBUF_INIT, line = STRBUF_INIT, prev = STRBUF_INIT;
    size_t shown = 0, unique = 0;
    for (size_t i = 0; i < d->n; i++) {
        sb_reset(&line);
        format_one(&line, &d->v[i]);
        if (i > 0 && strcmp(line.buf, prev.buf) == 0)
            continue;
        unique++;
        sb_reset(&prev);
        sb_adds(&prev, line.buf);
        if (shown == MAX_SHOWN)
            continue;
        if (shown++)
            sb_addc(&all, '\n');
        sb_adds(&all, line.buf);
    }
    if (unique > shown)
        sb_addf(&all, "\n... and %zu more", unique - shown);
    if (unique > 1)
        sb_addf(&all, "\n%zu problems found", unique);
    berr_set(err, code, "%s", all.buf);
    sb_release(&all);
    sb_release(&line);
    sb_release(&prev);
    return -1;
}

void diags_free(struct diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].file);
        free(d->v[i].part);
        free(d->v[i].key);
        free(d->v[i].msg);
    }
    free(d->v);
    d->v = NULL;
    d->n = d->cap = 0;
}
