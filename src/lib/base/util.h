/* Allocation that cannot fail (abort on out-of-memory, as git's xmalloc),
 * cleanup attributes (as crun's utils.h), and small string helpers. */
#ifndef BERTH_UTIL_H
#define BERTH_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void freep(void *p) { free(*(void **)p); }
static inline void closep(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}
#define cleanup_free __attribute__((cleanup(freep)))
#define cleanup_close __attribute__((cleanup(closep)))

static inline bool streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}
static inline bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}
bool ends_with(const char *s, const char *suffix);
/* Length of the valid UTF-8 prefix of s (strict: no overlongs, no
 * surrogates, nothing above U+10FFFF); stops at the first NUL. */
size_t utf8_valid_prefix(const char *s);

/* Monotonic clock in milliseconds. */
long long now_ms(void);
void sleep_ms(long ms);

#endif
