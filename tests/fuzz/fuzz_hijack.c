/* libFuzzer target for the hand-written parts of a hijacked connection: the
 * engine's answer head and chunked error bodies. What must hold for any
 * bytes: no crash or leak; a complete head ends at an empty line; every
 * shorter prefix of a complete head asks for more (as bytes trickle in,
 * the parser never fails early on what turns out fine); a decoded chunked
 * body is never longer than its encoding. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/hijack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct hijack_head h;
    long r = hijack_parse_head(s, size, &h);
    if (r < -1 || r > (long)size)
        abort();
    if (r > 0) {
        if (s[r - 1] != '\n' || !(s[r - 2] == '\n' || (s[r - 2] == '\r' && s[r - 3] == '\n')))
            abort(); /* a head ends with its empty line */
        if (h.status < 100 || h.status > 599 || h.content_length < -1)
            abort();
        for (long n = 0; n < r && n <= 65536; n += 1 + n / 16)
            if (hijack_parse_head(s, (size_t)n, &h) != 0)
                abort();
    }
    char *out = NULL;
    size_t n = 0;
    if (hijack_dechunk(s, size, &out, &n) == 0) {
        if (n > size)
            abort();
        free(out);
    }
    return 0;
}
