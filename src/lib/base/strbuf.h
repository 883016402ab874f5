/* A growable, always NUL-terminated byte buffer (after git's strbuf). */
#ifndef BERTH_STRBUF_H
#define BERTH_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct strbuf {
    char *buf; /* never NULL after init: points at "" when empty */
    size_t len;
    size_t cap;
} strbuf;

#define STRBUF_INIT {.buf = strbuf_empty, .len = 0, .cap = 0}
extern char strbuf_empty[];

void sb_init(strbuf *sb);
void sb_release(strbuf *sb);
void sb_reset(strbuf *sb);
void sb_grow(strbuf *sb, size_t extra);
void sb_add(strbuf *sb, const void *data, size_t n);
void sb_adds(strbuf *sb, const char *s);
void sb_addc(strbuf *sb, char c);
void sb_addf(strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vaddf(strbuf *sb, const char *fmt, va_list ap);
/* Remove the first n bytes. */
void sb_consume(strbuf *sb, size_t n);
void sb_truncate(strbuf *sb, size_t len);
/* Hand the buffer to the caller (always malloc'd) and reset sb. */
char *sb_detach(strbuf *sb, size_t *len);

#define cleanup_strbuf __attribute__((cleanup(sb_release)))

#endif
