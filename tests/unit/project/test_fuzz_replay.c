/* The fuzz target, run briefly in every build (gcc included) and under the
 * sanitizers: a few hand-written seeds, then a few thousand deterministic
 * mutations of them. A crash, a leak or an abort fails the suite. */
#include "../../fuzz/fuzz_ini.c"

#include <stdio.h>

#include "../tap.h"
#include "base/util.h"

static const char *const seeds[] = {
    "[web]\nrecipe = container\nimage = busybox\ninstances = one two\n[web:two]\npublish_ports = "
    "yes\n",
    "[project]\nname = p\n[vars]\nv = ${env:TAG:-0}\n[b]\nrecipe = build\nsource = .\nimage = "
    "${project:name}/b:${vars:v}\n[c]\nrecipe = container\nbuild = b\ndepends = c\n",
    "[n]\nrecipe = network\nsubnet = 10.0.0.0/24\ngateway = 10.0.0.1\n[v]\nrecipe = volume\n[c]\n"
    "recipe = container\nimage = x\nvolumes = v:/d\nnetworks = n\nports = 80 1.2.3.4:8:8/udp\n",
    "[a]\nrecipe = volume\nname = ${b:name}\n[b]\nrecipe = volume\nname = ${a:name}\n",
    "[c]\nrecipe = container\nimage = x\nscript =\n    echo $$HOME\n\n    if x; then\n      y\n"
    "    fi\ncommand = [\"a\", \"b\"]\n",
    "[t]\nrecipe = task\nbuild = ./x\ncommand = sh -c 'echo \"hi\"'\n[e]\nrecipe = engine\n"
    "private = true\ndir = /tmp/e\n[p]\nrecipe = pull\nimage = a\nusername = u\npassword = s\n",
    "[cp]\nrecipe = copy\ncontainer-from = a:one\ncontainer-to = b\npaths = /x /y\n[a]\nrecipe = "
    "container\nimage = x\ninstances = one\n[b]\nrecipe = container\nimage = x\nlinks = a:one al\n",
    "k = v\n[\n[x:y:z]\n  stray\n[ok]\nrecipe += container\n",
};

static const char *const tokens[] = {"${", "}", "[", "]", "=", "\n", "    ", ":", "$$", "${env:",
                                     "${:", "recipe = container\n", "+=", "#", "\r", "\0",
                                     "depends = ", "instances = ", "${web:image}", "[web:two]\n"};

static unsigned long long rng = 88172645463325252ULL;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static size_t mutate(char *buf, size_t len, size_t cap)
{
    int edits = 1 + (int)rnd(4);
    for (int e = 0; e < edits; e++) {
        switch (rnd(4)) {
        case 0: /* flip a byte */
            if (len)
                buf[rnd((unsigned)len)] = (char)rnd(256);
            break;
        case 1: { /* delete a run */
            if (!len)
                break;
            size_t at = rnd((unsigned)len), n = 1 + rnd(8);
            if (at + n > len)
                n = len - at;
            memmove(buf + at, buf + at + n, len - at - n);
            len -= n;
            break;
        }
        default: { /* insert a token */
            const char *t = tokens[rnd(ARRAY_SIZE(tokens))];
            size_t n = *t ? strlen(t) : 1, at = len ? rnd((unsigned)len + 1) : 0;
            if (len + n >= cap)
                break;
            memmove(buf + at + n, buf + at, len - at);
            memcpy(buf + at, t, n);
            len += n;
            break;
        }
        }
    }
    return len;
}

int main(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(seeds); i++)
        LLVMFuzzerTestOneInput((const uint8_t *)seeds[i], strlen(seeds[i]));
    ok(1, "every seed loads without a crash");
    char buf[4096];
    int runs = 3000;
    for (int r = 0; r < runs; r++) {
        const char *s = seeds[rnd(ARRAY_SIZE(seeds))];
        size_t len = strlen(s);
        memcpy(buf, s, len);
        for (int k = 0; k < 1 + (int)rnd(3); k++)
            len = mutate(buf, len, sizeof buf);
        LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
    }
    ok(1, "3000 mutated inputs load without a crash");
    rmdir(fuzz_dir());
    return tap_done();
}
