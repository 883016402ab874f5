#include "base/hash.h"

/* SHA-256 through libcrypto's own functions, not EVP: EVP's first use in a
 * process fetches the algorithm from the provider store, which it builds
 * then, about 1 ms of CPU (measured: EVP_MD_fetch alone 0.9-1.0 ms, the
 * first SHA256_Init/Update/Final 0.01 ms) in every no-op `berth up`, whose
 * whole budget is a few tens of ms. The digest is the same, computed by the
 * same code. These functions are deprecated by OpenSSL 3 in favour of EVP,
 * not removed. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

struct hasher {
    SHA256_CTX ctx;
};

hasher *hasher_new(void)
{
    hasher *h = malloc(sizeof *h);
    if (!h || !SHA256_Init(&h->ctx))
        abort(); /* out of memory: as xmalloc */
    return h;
}

void hasher_add(hasher *h, const void *data, size_t len)
{
    SHA256_Update(&h->ctx, data, len);
}

void hasher_add_str(hasher *h, const char *s)
{
    hasher_add(h, s, strlen(s) + 1);
}

void hasher_finish(hasher *h, char out[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256_Final(md, &h->ctx);
    static const char hex[] = "0123456789abcdef";
    for (unsigned int i = 0; i < SHA256_DIGEST_LENGTH; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
    free(h);
}

void sha256_hex(const void *data, size_t len, char out[65])
{
    hasher *h = hasher_new();
    hasher_add(h, data, len);
    hasher_finish(h, out);
}
