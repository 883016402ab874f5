#include "base/arena.h"

#include <stdio.h>
#include <string.h>

#include "base/util.h"

/* Under AddressSanitizer an array left behind by arena_grow is poisoned
 * while it waits for reuse, so a pointer still into it fails the tests. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define BLOCK_SIZE 16384
#define ALIGN 16
/* Arrays arena_grow leaves behind, by size: most arrays of a project grow
 * the same way (8, 16, 32 elements of one struct), so the next one takes
 * the one a previous array outgrew. Without it, the copies a 2,000-part
 * project's key arrays left behind were 8 of its 31 MB. */
#define FREE_CLASSES 64

struct block {
    struct block *next;
    size_t used, size;
    _Alignas(ALIGN) unsigned char data[];
};

struct freed {
    struct freed *next;
    size_t size;
};

struct arena {
    struct block *head;
    struct freed *freed[FREE_CLASSES]; /* by size / ALIGN, modulo the count */
};

struct arena *arena_new(void)
{
    return xcalloc(1, sizeof(struct arena));
}

void arena_free(struct arena *a)
{
    if (!a)
        return;
    for (struct block *b = a->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(a);
}

/* n bytes, not zeroed. */
static void *bump(struct arena *a, size_t n)
{
    n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (n == 0)
        n = ALIGN;
    struct block *b = a->head;
    if (!b || b->size - b->used < n) {
        if (n > BLOCK_SIZE / 4) {
            /* Large: a block of its own, behind the current one so the
             * current block keeps serving small requests. */
            struct block *big = xmalloc(sizeof *big + n);
            big->used = big->size = n;
            if (b) {
                big->next = b->next;
                b->next = big;
            } else {
                big->next = NULL;
                a->head = big;
            }
            return big->data;
        }
        b = xmalloc(sizeof *b + BLOCK_SIZE);
        b->used = 0;
        b->size = BLOCK_SIZE;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

void *arena_alloc(struct arena *a, size_t n)
{
    void *p = bump(a, n);
    memset(p, 0, n ? n : 1);
    return p;
}

static size_t rounded(size_t n)
{
    n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    return n ? n : ALIGN;
}

/* A zeroed array of n bytes: one an earlier array outgrew when one of that
 * size waits, else new. */
static void *alloc_array(struct arena *a, size_t n)
{
    n = rounded(n);
    for (struct freed **f = &a->freed[(n / ALIGN) % FREE_CLASSES]; *f; f = &(*f)->next) {
        if ((*f)->size != n)
            continue;
        struct freed *hit = *f;
        *f = hit->next;
        UNPOISON((char *)hit + sizeof *hit, n - sizeof *hit);
        memset(hit, 0, n);
        return hit;
    }
    return arena_alloc(a, n);
}

/* old (oldsize bytes, from alloc_array) is no longer used: keep it for the
 * next array of its size. */
static void release_array(struct arena *a, void *old, size_t oldsize)
{
    size_t n = rounded(oldsize);
    struct freed *f = old;
    f->size = n;
    f->next = a->freed[(n / ALIGN) % FREE_CLASSES];
    a->freed[(n / ALIGN) % FREE_CLASSES] = f;
    POISON((char *)f + sizeof *f, n - sizeof *f);
}

void *arena_grow(struct arena *a, void *old, size_t oldsize, size_t newsize)
{
    if (newsize <= oldsize)
        return old;
    if (old && rounded(newsize) == rounded(oldsize)) {
        /* Room enough already (sizes are rounded up): most lists of a
         * project grow from one item to two in one 16-byte slot. */
        memset((char *)old + oldsize, 0, newsize - oldsize);
        return old;
    }
    void *p = alloc_array(a, newsize);
    if (old && oldsize) {
        memcpy(p, old, oldsize);
        release_array(a, old, oldsize);
    }
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = bump(a, n + 1); /* not zeroed: every byte is written */
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
    /* Most are short: formatted on the stack, then copied. */
    char small[256];
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(small, sizeof small, fmt, cp);
    va_end(cp);
    if (n >= 0 && (size_t)n < sizeof small)
        return arena_strndup(a, small, (size_t)n);
    /* Longer: vasprintf, then a copy (vsnprintf(NULL, 0, ...) upsets gcc's
     * -Wformat-truncation under the sanitizers). */
    char *tmp = xvasprintf(fmt, ap);
    char *p = arena_strdup(a, tmp);
    free(tmp);
    return p;
}

char *arena_concat(struct arena *a, ...)
{
    va_list ap;
    size_t n = 0;
    va_start(ap, a);
    for (const char *s; (s = va_arg(ap, const char *));)
        n += strlen(s);
    va_end(ap);
    char *out = bump(a, n + 1), *at = out;
    va_start(ap, a);
    for (const char *s; (s = va_arg(ap, const char *));) {
        size_t m = strlen(s);
        memcpy(at, s, m);
        at += m;
    }
    va_end(ap);
    *at = '\0';
    return out;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

void *arena_push(struct arena *a, void *vec, size_t *count, size_t *cap, size_t elsize)
{
    if (*count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        vec = arena_grow(a, vec, *cap * elsize, ncap * elsize);
        *cap = ncap;
    }
    (*count)++;
    return vec;
}
