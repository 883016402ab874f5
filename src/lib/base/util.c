#include "base/util.h"

#include <stdio.h>
#include <time.h>

static void *oom(void)
{
    /* The only sane reaction to a failed small allocation in a CLI. */
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    return p ? p : oom();
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    return p ? p : oom();
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    return p ? p : oom();
}

char *xstrdup(const char *s)
{
    char *p = strdup(s);
    return p ? p : oom();
}

char *xstrndup(const char *s, size_t n)
{
    char *p = strndup(s, n);
    return p ? p : oom();
}

char *xvasprintf(const char *fmt, va_list ap)
{
    /* Most are short: formatted on the stack, then copied at their size
     * (vasprintf grows a buffer of its own: twice the work). */
    char small[256];
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(small, sizeof small, fmt, cp);
    va_end(cp);
    if (n >= 0 && (size_t)n < sizeof small) {
        char *s = xmalloc((size_t)n + 1);
        memcpy(s, small, (size_t)n + 1);
        return s;
    }
    char *s;
    if (vasprintf(&s, fmt, ap) < 0)
        return oom();
    return s;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    return s;
}

bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Length of the valid UTF-8 prefix of s (strict: no overlongs, no
 * surrogates, nothing above U+10FFFF). */
size_t utf8_valid_prefix(const char *s)
{
    const unsigned char *u = (const unsigned char *)s, *start = u;
    while (*u) {
        size_t n = *u < 0x80 ? 1 : (*u & 0xE0) == 0xC0 ? 2 : (*u & 0xF0) == 0xE0 ? 3
                 : (*u & 0xF8) == 0xF0 ? 4 : 0;
        if (!n || (n == 2 && *u < 0xC2) || (n == 4 && *u > 0xF4))
            break;
        size_t k = 1;
        while (k < n && (u[k] & 0xC0) == 0x80)
            k++;
        if (k < n)
            break;
        unsigned cp = n == 1 ? u[0] : n == 2 ? (u[0] & 0x1Fu) << 6 | (u[1] & 0x3Fu)
                    : n == 3 ? (u[0] & 0x0Fu) << 12 | (u[1] & 0x3Fu) << 6 | (u[2] & 0x3Fu)
                             : (u[0] & 0x07u) << 18 | (u[1] & 0x3Fu) << 12 | (u[2] & 0x3Fu) << 6 |
                                   (u[3] & 0x3Fu);
        if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            break;
        u += n;
    }
    return (size_t)(u - start);
}
