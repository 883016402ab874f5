/* arena_grow: the copy keeps what the array held and zeroes the rest; the
 * array it outgrew goes to the next array of that size (zeroed), which is
 * what keeps a 2,000-part project's key arrays from piling up. */
#include <stdint.h>
#include <string.h>

#include "../tap.h"
#include "base/arena.h"

struct kv { const char *key; long n[8]; };

int main(void)
{
    struct arena *a = arena_new();
    struct kv *v = NULL;
    size_t n = 0, cap = 0;
    struct kv *first = NULL;
    for (int i = 0; i < 20; i++) {
        ARENA_PUSH(a, v, n, cap)->n[0] = i;
        if (i == 0)
            first = v;
    }
    int kept = 0;
    for (int i = 0; i < 20; i++)
        kept += v[i].n[0] == i;
    is_int(kept, 20, "20 pushes through two growths keep every element");
    is_int(cap, 32, "capacity doubled from 8 to 32");
    ok(v[20].key == NULL && v[31].n[7] == 0, "the room past the elements is zeroed");

    /* The 8- and 16-element arrays v outgrew wait for arrays of their size. */
    struct kv *w = NULL;
    size_t wn = 0, wcap = 0;
    (void)ARENA_PUSH(a, w, wn, wcap);
    ok(w == first, "a new array of 8 is the one v outgrew");
    int zero = 1;
    for (size_t i = 0; i < wcap; i++)
        zero = zero && w[i].key == NULL && w[i].n[0] == 0 && w[i].n[7] == 0;
    ok(zero, "a new array of 8 comes zeroed, though it is the one v outgrew");
    for (int i = 0; i < 9; i++)
        ARENA_PUSH(a, w, wn, wcap)->n[1] = 100 + i;
    ok(w[9].n[1] == 108 && v[19].n[0] == 19, "the two arrays do not share memory");

    /* Growing to a size nobody freed: a fresh array, the old one copied. */
    char *s = arena_grow(a, NULL, 0, 24);
    memcpy(s, "hello", 6);
    s = arena_grow(a, s, 24, 4000);
    is_str(s, "hello", "a grown buffer keeps its bytes");
    ok(s[3999] == 0 && s[6] == 0, "and the added tail is zeroed");
    ok(arena_grow(a, s, 4000, 10) == s, "growing to less is the same array");

    /* Within its rounded size (16 bytes) an array grows in place, its new
     * bytes zeroed: a list going from one item to two. */
    char *t = arena_alloc(a, 8);
    memset(t, 'x', 8);
    char *t2 = arena_grow(a, t, 8, 16);
    ok(t2 == t && t2[7] == 'x' && t2[8] == 0 && t2[15] == 0,
       "growing within the rounded size is in place, the added bytes zeroed");

    /* arena_concat: the strings one after the other. */
    is_str(arena_concat(a, "shop", "-", "web", "-", "main", NULL), "shop-web-main",
           "arena_concat joins its strings");
    is_str(arena_concat(a, NULL), "", "... none gives an empty string");
    arena_free(a);
    return tap_done();
}
