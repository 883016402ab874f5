/* A bump allocator: everything a loaded project (or a parsed INI file) holds
 * lives in one arena and is freed at once. The project model is a web of
 * strings and small arrays; one owner makes it leak-proof and cheap to free. */
#ifndef BERTH_ARENA_H
#define BERTH_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

struct arena *arena_new(void);
void arena_free(struct arena *a);
/* Zeroed memory, 16-byte aligned; never fails (aborts on out-of-memory). */
void *arena_alloc(struct arena *a, size_t n);
/* A bigger copy of old (oldsize bytes); the added tail is zeroed. old must
 * be an array of this arena of at least oldsize bytes, and dead from now
 * on: the arena hands it to the next array of its size (arena.c). */
void *arena_grow(struct arena *a, void *old, size_t oldsize, size_t newsize);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The strings given, up to a NULL, one after the other (what arena_printf
 * of "%s%s..." makes, without parsing a format: names made thousands of
 * times in a large project). */
char *arena_concat(struct arena *a, ...) __attribute__((sentinel));
char *arena_vprintf(struct arena *a, const char *fmt, va_list ap);

/* Append one zeroed element to an arena-backed array (vec, count, cap) and
 * return a pointer to it. */
void *arena_push(struct arena *a, void *vec, size_t *count, size_t *cap, size_t elsize);
#define ARENA_PUSH(ar, vec, count, cap)                                                    \
    ((vec) = arena_push((ar), (vec), &(count), &(cap), sizeof(*(vec))), &(vec)[(count) - 1])

#endif
