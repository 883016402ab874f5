/* A map from byte strings to pointers, in an arena: the project loader
 * looks sections, parts and images up by name thousands of times, and a
 * scan of every section per lookup made a 2,000-part project quadratic.
 * Open addressing (linear probing), FNV-1a hashes, kept at most half full.
 * Keys are not copied: they must live as long as the map (the arena's
 * strings do). Nothing is ever removed; a table that grows leaves its old
 * slots in the arena, so the memory used stays under twice the last table.
 * An empty map (zeroed, or after strmap_init) allocates nothing. */
#ifndef BERTH_STRMAP_H
#define BERTH_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h> /* uintptr_t: an index + 1 kept as a value */

struct arena;

struct strmap_slot {
    const char *key; /* NULL: empty */
    void *val;
    uint32_t len;    /* keys are names: far below 4 GB */
    uint32_t hash;
};

struct strmap {
    struct arena *a;
    struct strmap_slot *slots;
    size_t cap; /* a power of two, or 0 */
    size_t n;
};

void strmap_init(struct strmap *m, struct arena *a);
/* The value of key (len bytes: it may hold NUL bytes), or NULL. */
void *strmap_getn(const struct strmap *m, const char *key, size_t len);
void *strmap_get(const struct strmap *m, const char *key);
/* Set key to val (not NULL); a key already there keeps its first value
 * unless replace. Returns the value the key has now. */
void *strmap_putn(struct strmap *m, const char *key, size_t len, void *val, bool replace);
void *strmap_put(struct strmap *m, const char *key, void *val, bool replace);

#endif
