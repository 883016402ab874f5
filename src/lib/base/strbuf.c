#include "base/strbuf.h"

#include <stdio.h>
#include <string.h>

#include "base/util.h"

char strbuf_empty[1];

void sb_init(strbuf *sb)
{
    sb->buf = strbuf_empty;
    sb->len = sb->cap = 0;
}

void sb_release(strbuf *sb)
{
    if (sb->cap)
        free(sb->buf);
    sb_init(sb);
}

void sb_reset(strbuf *sb)
{
    sb_truncate(sb, 0);
}

void sb_grow(strbuf *sb, size_t extra)
{
    if (sb->len + extra + 1 <= sb->cap)
        return;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < sb->len + extra + 1)
        cap *= 2;
    char *p = sb->cap ? sb->buf : NULL;
    p = xrealloc(p, cap);
    if (!sb->cap)
        p[0] = '\0';
    sb->buf = p;
    sb->cap = cap;
}

void sb_add(strbuf *sb, const void *data, size_t n)
{
    if (!n)
        return;
    sb_grow(sb, n);
    memcpy(sb->buf + sb->len, data, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void sb_adds(strbuf *sb, const char *s)
{
    sb_add(sb, s, strlen(s));
}

void sb_addc(strbuf *sb, char c)
{
    sb_add(sb, &c, 1);
}

void sb_vaddf(strbuf *sb, const char *fmt, va_list ap)
{
    /* Most pieces are short: format on the stack, grow only when needed. */
    char small[256];
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(small, sizeof small, fmt, cp);
    va_end(cp);
    if (n <= 0)
        return;
    if ((size_t)n < sizeof small) {
        sb_add(sb, small, (size_t)n);
        return;
    }
    sb_grow(sb, (size_t)n);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void sb_addf(strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vaddf(sb, fmt, ap);
    va_end(ap);
}

void sb_consume(strbuf *sb, size_t n)
{
    if (n >= sb->len) {
        sb_truncate(sb, 0);
        return;
    }
    memmove(sb->buf, sb->buf + n, sb->len - n);
    sb_truncate(sb, sb->len - n);
}

void sb_truncate(strbuf *sb, size_t len)
{
    if (len > sb->len)
        return;
    sb->len = len;
    if (sb->cap)
        sb->buf[len] = '\0';
}

char *sb_detach(strbuf *sb, size_t *len)
{
    char *p = sb->cap ? sb->buf : xstrdup("");
    if (len)
        *len = sb->len;
    sb_init(sb);
    return p;
}
