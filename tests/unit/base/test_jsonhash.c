/* json_hash_hex hashes exactly the text jansson's compact, key-sorted dump
 * writes: the hash labels of every container berth made depend on it, so a
 * different byte would make a no-op up recreate them all. Each value here,
 * and thousands of random ones, hash as sha256(json_dumps(...)) does. */
#include <stdio.h>
#include <stdlib.h>

#include "../tap.h"
#include "base/hash.h"
#include "base/jsonhash.h"

enum { FLAGS = JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY };

static int same_as_jansson(const json_t *j)
{
    char want[65], got[65];
    char *s = json_dumps(j, FLAGS);
    sha256_hex(s ? s : "", s ? strlen(s) : 0, want);
    free(s);
    json_hash_hex(j, got);
    return strcmp(want, got) == 0;
}

static void check(json_t *j, const char *desc)
{
    ok(same_as_jansson(j), desc);
    json_decref(j);
}

/* A random tree of the kinds a desired state holds, strings of any ASCII
 * byte (control characters, quotes, backslashes), keys that are prefixes
 * of one another, now and then a real or a character beyond ASCII. */
static json_t *random_value(unsigned *seed, int depth)
{
    int kind = rand_r(seed) % (depth > 4 ? 5 : 8);
    switch (kind) {
    case 0: return json_null();
    case 1: return json_boolean(rand_r(seed) % 2);
    case 2: return json_integer((json_int_t)rand_r(seed) * (rand_r(seed) % 2 ? -1 : 1) *
                                (json_int_t)rand_r(seed));
    case 3:
        if (rand_r(seed) % 20 == 0)
            return json_real((double)rand_r(seed) / 7.0);
        /* fall through */
    case 4: {
        char s[40];
        size_t n = (size_t)rand_r(seed) % sizeof s;
        for (size_t i = 0; i < n; i++)
            s[i] = (char)(rand_r(seed) % 4 ? 'a' + rand_r(seed) % 4 : rand_r(seed) % 128);
        if (n && rand_r(seed) % 30 == 0)
            return json_string("caf\xc3\xa9");
        return json_stringn(s, n);
    }
    case 5: case 6: {
        json_t *o = json_object();
        int n = rand_r(seed) % 9;
        for (int i = 0; i < n; i++) {
            char k[8];
            int kn = 1 + rand_r(seed) % 4;
            for (int c = 0; c < kn; c++)
                k[c] = (char)("ab\"\\\n_"[rand_r(seed) % 6]);
            json_object_setn_new(o, k, (size_t)kn, random_value(seed, depth + 1));
        }
        return o;
    }
    default: {
        json_t *a = json_array();
        int n = rand_r(seed) % 6;
        for (int i = 0; i < n; i++)
            json_array_append_new(a, random_value(seed, depth + 1));
        return a;
    }
    }
}

int main(void)
{
    /* the digest itself (base/hash.c): FIPS 180-2's vectors, and pieces */
    char h[65];
    sha256_hex("", 0, h);
    is_str(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sha256 of nothing");
    sha256_hex("abc", 3, h);
    is_str(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256 of abc");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hasher *hs = hasher_new();
    for (const char *p = two; *p; p += 7)
        hasher_add(hs, p, strlen(p) < 7 ? strlen(p) : 7);
    hasher_finish(hs, h);
    is_str(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
           "sha256 of two blocks, added in pieces of 7 bytes");

    check(json_object(), "{}");
    check(json_array(), "[]");
    check(json_null(), "null at the top");
    check(json_true(), "true");
    check(json_false(), "false");
    check(json_integer(0), "0");
    check(json_integer(-9223372036854775807LL - 1), "the smallest integer");
    check(json_integer(9223372036854775807LL), "the largest integer");
    check(json_real(1.5), "a real (jansson's text)");
    check(json_real(3.0), "a real that looks whole");
    check(json_string(""), "the empty string");
    check(json_string("plain"), "a plain string");
    check(json_string("q\"uo\\te / slash"), "quotes, backslashes, a slash");
    char ctl[40];
    for (int i = 1; i < 32; i++)
        ctl[i - 1] = (char)i;
    ctl[31] = 0x7f;
    ctl[32] = '\0';
    check(json_string(ctl), "every control character, and DEL");
    check(json_stringn("a\0b", 3), "a NUL inside a string");
    check(json_string("caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80"), "beyond ASCII (jansson's text)");
    check(json_pack("{s:i, s:i, s:i, s:i, s:{s:[s, n, b]}}", "b", 1, "a", 2, "ab", 3, "", 4,
                    "z", "y", "x", 1),
          "keys sorted, a prefix before the longer key, the empty key first");
    json_t *nulkey = json_object();
    json_object_setn_new(nulkey, "a\0b", 3, json_integer(1));
    json_object_setn_new(nulkey, "a", 1, json_integer(2));
    check(nulkey, "a key with a NUL inside");

    json_t *many = json_object();
    for (int i = 0; i < 300; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%03d", (i * 7919) % 300);
        json_object_set_new(many, k, json_integer(i));
    }
    check(many, "300 keys (more than the writer keeps on its stack)");

    char *big = malloc(20000);
    for (int i = 0; i < 19999; i++)
        big[i] = (char)(i % 97 == 0 ? '"' : 'a' + i % 26);
    big[19999] = '\0';
    check(json_pack("{s:s, s:[s, s]}", "big", big, "more", big, big),
          "a text far longer than the writer's buffer");
    free(big);

    json_t *deep = json_array(), *in = deep;
    for (int i = 0; i < 600; i++) {
        json_t *next = json_array();
        json_array_append_new(in, next);
        in = next;
    }
    check(deep, "600 levels of nesting (jansson's text)");

    /* a container's desired body, as desired.c makes it */
    check(json_pack("{s:{s:s, s:[s, s, s], s:[s, s], s:{s:s, s:s}, s:b, s:{s:s, s:{s:s}}}, "
                    "s:{s:{s:[s]}}}",
                    "create", "Image", "bench/busybox", "Cmd", "sh", "-c", "trap 'exit 0' TERM",
                    "Env", "CONTAINER=p-s001-main", "INSTANCE=main", "Labels", "berth.project",
                    "p", "berth.part", "s001", "Tty", 0, "HostConfig", "NetworkMode",
                    "p-default", "RestartPolicy", "Name", "unless-stopped", "connect",
                    "p-default", "Aliases", "s001"),
          "a container's desired body");

    unsigned seed = 20;
    int agree = 0, total = 3000;
    for (int i = 0; i < total; i++) {
        json_t *v = random_value(&seed, 0);
        agree += same_as_jansson(v);
        json_decref(v);
    }
    is_int(agree, total, "3,000 random values hash as jansson's text does");
    return tap_done();
}
