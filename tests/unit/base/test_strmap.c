/* The loader's name index: what is put is found, by its bytes (not its
 * pointer), through every growth of the table; the first value stays
 * unless replaced; keys differing only past a NUL or in length differ. */
#include <stdint.h>
#include <stdio.h>

#include "../tap.h"
#include "base/arena.h"
#include "base/strmap.h"

#define V(i) ((void *)(uintptr_t)(i))

int main(void)
{
    struct arena *a = arena_new();
    struct strmap m;
    strmap_init(&m, a);
    ok(strmap_get(&m, "web") == NULL, "an empty map finds nothing");
    is_int(m.cap, 0, "an empty map allocates nothing");

    /* 5,000 keys: the table grows nine times */
    char buf[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(buf, sizeof buf, "p%04d", i);
        strmap_put(&m, arena_strdup(a, buf), V(i + 1), false);
    }
    is_int(m.n, 5000, "5,000 keys put, 5,000 held");
    ok(m.n * 2 <= m.cap, "the table is at most half full");
    int found = 0;
    for (int i = 0; i < 5000; i++) {
        snprintf(buf, sizeof buf, "p%04d", i); /* another copy: found by content */
        found += strmap_get(&m, buf) == V(i + 1);
    }
    is_int(found, 5000, "each key is found by its bytes, with its value");
    ok(strmap_get(&m, "p5000") == NULL, "a key never put is not found");
    ok(strmap_get(&m, "p000") == NULL, "a prefix of a key is not the key");
    ok(strmap_get(&m, "") == NULL, "the empty key is not there");

    ok(strmap_put(&m, "p0007", V(99), false) == V(8), "put keeps the first value");
    ok(strmap_get(&m, "p0007") == V(8), "... and the map still holds it");
    ok(strmap_put(&m, "p0007", V(99), true) == V(99), "put with replace sets the new one");
    ok(strmap_get(&m, "p0007") == V(99), "... and the map holds it");
    is_int(m.n, 5000, "neither added a key");

    /* a section and its instance: "web" and "web\0one" */
    strmap_putn(&m, "web", 3, V(1), false);
    strmap_putn(&m, "web\0one", 7, V(2), false);
    ok(strmap_getn(&m, "web", 3) == V(1), "web is one key");
    ok(strmap_getn(&m, "web\0one", 7) == V(2), "web NUL one is another");
    ok(strmap_getn(&m, "web\0two", 7) == NULL, "bytes after a NUL count");
    strmap_put(&m, "", V(3), false);
    ok(strmap_get(&m, "") == V(3), "the empty string is a key like another");
    arena_free(a);
    return tap_done();
}
