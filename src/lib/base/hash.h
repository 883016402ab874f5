/* SHA-256 through OpenSSL's libcrypto: content hashes of build contexts and
 * of desired configurations (kept as labels), and archive checksums. */
#ifndef BERTH_HASH_H
#define BERTH_HASH_H

#include <stddef.h>

typedef struct hasher hasher;

hasher *hasher_new(void);
void hasher_add(hasher *h, const void *data, size_t len);
/* Adds a string and its terminating NUL, so "ab"+"c" != "a"+"bc". */
void hasher_add_str(hasher *h, const char *s);
/* Writes 64 hex digits and a NUL into out, and frees h. */
void hasher_finish(hasher *h, char out[65]);

void sha256_hex(const void *data, size_t len, char out[65]);

#endif
