#include "base/strmap.h"

#include <stdint.h>
#include <string.h>

#include "base/arena.h"

static uint32_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return (uint32_t)(h ^ (h >> 32));
}

void strmap_init(struct strmap *m, struct arena *a)
{
    *m = (struct strmap){.a = a};
}

static struct strmap_slot *probe(struct strmap_slot *slots, size_t cap, const char *key,
                                 size_t len, uint32_t hash)
{
    for (size_t i = hash & (cap - 1);; i = (i + 1) & (cap - 1)) {
        struct strmap_slot *s = &slots[i];
        if (!s->key || (s->hash == hash && s->len == len && memcmp(s->key, key, len) == 0))
            return s;
    }
}

void *strmap_getn(const struct strmap *m, const char *key, size_t len)
{
    if (!m->n)
        return NULL;
    struct strmap_slot *s = probe(m->slots, m->cap, key, len, fnv1a(key, len));
    return s->key ? s->val : NULL;
}

void *strmap_get(const struct strmap *m, const char *key)
{
    return strmap_getn(m, key, strlen(key));
}

static void grow(struct strmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 16;
    struct strmap_slot *slots = arena_alloc(m->a, cap * sizeof *slots);
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key)
            *probe(slots, cap, m->slots[i].key, m->slots[i].len, m->slots[i].hash) =
                m->slots[i];
    m->slots = slots;
    m->cap = cap;
}

void *strmap_putn(struct strmap *m, const char *key, size_t len, void *val, bool replace)
{
    if (2 * (m->n + 1) > m->cap)
        grow(m);
    uint32_t hash = fnv1a(key, len);
    struct strmap_slot *s = probe(m->slots, m->cap, key, len, hash);
    if (!s->key) {
        *s = (struct strmap_slot){.key = key, .val = val, .len = (uint32_t)len, .hash = hash};
        m->n++;
    } else if (replace) {
        s->val = val;
    }
    return s->val;
}

void *strmap_put(struct strmap *m, const char *key, void *val, bool replace)
{
    return strmap_putn(m, key, strlen(key), val, replace);
}
