#include "base/arena.h"

#include <stdio.h>
#include <string.h>

#include "base/util.h"

#define BLOCK_SIZE 16384
#define ALIGN 16

struct block {
    struct block *next;
    size_t used, size;
    _Alignas(ALIGN) unsigned char data[];
};

struct arena {
    struct block *head;
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

void *arena_alloc(struct arena *a, size_t n)
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
            memset(big->data, 0, n);
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
    memset(p, 0, n);
    return p;
}

void *arena_grow(struct arena *a, void *old, size_t oldsize, size_t newsize)
{
    if (newsize <= oldsize)
        return old;
    void *p = arena_alloc(a, newsize);
    if (old && oldsize)
        memcpy(p, old, oldsize);
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
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
    /* vasprintf, then a copy: vsnprintf(NULL, 0, ...) upsets gcc's
     * -Wformat-truncation under the sanitizers. */
    char *tmp = xvasprintf(fmt, ap);
    char *p = arena_strdup(a, tmp);
    free(tmp);
    return p;
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
