#include "base/hash.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct hasher {
    EVP_MD_CTX *ctx;
};

/* OpenSSL 3 looks the algorithm up on every init given EVP_sha256(): a
 * third of the cost of hashing a short string. Fetched once, kept for the
 * process's life (a no-op up hashes every field of every container). */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA2-256", NULL);
}

hasher *hasher_new(void)
{
    pthread_once(&sha256_once, fetch_sha256);
    hasher *h = malloc(sizeof *h);
    if (!h || !(h->ctx = EVP_MD_CTX_new()) ||
        !EVP_DigestInit_ex(h->ctx, sha256_md ? sha256_md : EVP_sha256(), NULL))
        abort(); /* out of memory: as xmalloc */
    return h;
}

void hasher_add(hasher *h, const void *data, size_t len)
{
    EVP_DigestUpdate(h->ctx, data, len);
}

void hasher_add_str(hasher *h, const char *s)
{
    hasher_add(h, s, strlen(s) + 1);
}

void hasher_finish(hasher *h, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(h->ctx, md, &n);
    static const char hex[] = "0123456789abcdef";
    for (unsigned int i = 0; i < n && i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
    EVP_MD_CTX_free(h->ctx);
    free(h);
}

void sha256_hex(const void *data, size_t len, char out[65])
{
    hasher *h = hasher_new();
    hasher_add(h, data, len);
    hasher_finish(h, out);
}
