#include "base/jsonhash.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"

enum { MAX_DEPTH = 512 };

/* The text so far, handed to the hasher a buffer at a time. */
struct writer {
    hasher *h;
    size_t n;
    char buf[4096];
};

static void put(struct writer *w, const char *s, size_t len)
{
    while (len) {
        size_t room = sizeof w->buf - w->n, k = len < room ? len : room;
        memcpy(w->buf + w->n, s, k);
        w->n += k;
        s += k;
        len -= k;
        if (w->n == sizeof w->buf) {
            hasher_add(w->h, w->buf, w->n);
            w->n = 0;
        }
    }
}

static void putc1(struct writer *w, char c)
{
    if (w->n == sizeof w->buf) {
        hasher_add(w->h, w->buf, w->n);
        w->n = 0;
    }
    w->buf[w->n++] = c;
}

/* A string as jansson's dump_string writes it without JSON_ENSURE_ASCII or
 * JSON_ESCAPE_SLASH: '"', '\\' and the control characters escaped, the
 * rest as it is. 0 when it has a byte beyond ASCII (jansson checks UTF-8
 * there, and fails the whole dump on a bad one: left to jansson). */
static int put_string(struct writer *w, const char *s, size_t len)
{
    putc1(w, '"');
    size_t from = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80)
            continue;
        if (c >= 0x80)
            return 0; /* what was written is dropped with the writer */
        put(w, s + from, i - from);
        from = i + 1;
        char esc[8];
        switch (c) {
        case '"': put(w, "\\\"", 2); break;
        case '\\': put(w, "\\\\", 2); break;
        case '\b': put(w, "\\b", 2); break;
        case '\f': put(w, "\\f", 2); break;
        case '\n': put(w, "\\n", 2); break;
        case '\r': put(w, "\\r", 2); break;
        case '\t': put(w, "\\t", 2); break;
        default:
            snprintf(esc, sizeof esc, "\\u%04X", c);
            put(w, esc, 6);
        }
    }
    put(w, s + from, len - from);
    putc1(w, '"');
    return 1;
}

struct key {
    const char *k;
    size_t len;
    const json_t *v;
};

/* jansson's order of keys: bytes, then length (compare_keys in dump.c). */
static int cmp_key(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    int r = memcmp(x->k, y->k, x->len < y->len ? x->len : y->len);
    return r ? r : (x->len > y->len) - (x->len < y->len);
}

/* 0 when j holds what is left to jansson. */
static int put_value(struct writer *w, const json_t *j, int depth)
{
    if (!j || depth > MAX_DEPTH)
        return 0;
    switch (json_typeof(j)) {
    case JSON_NULL: put(w, "null", 4); return 1;
    case JSON_TRUE: put(w, "true", 4); return 1;
    case JSON_FALSE: put(w, "false", 5); return 1;
    case JSON_REAL: return 0;
    case JSON_INTEGER: {
        char num[32];
        int n = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        put(w, num, (size_t)n);
        return 1;
    }
    case JSON_STRING:
        return put_string(w, json_string_value(j), json_string_length(j));
    case JSON_ARRAY: {
        putc1(w, '[');
        for (size_t i = 0; i < json_array_size(j); i++) {
            if (i)
                putc1(w, ',');
            if (!put_value(w, json_array_get(j, i), depth + 1))
                return 0;
        }
        putc1(w, ']');
        return 1;
    }
    case JSON_OBJECT: {
        size_t n = json_object_size(j), i = 0;
        struct key small[32];
        struct key *keys = n <= 32 ? small : malloc(n * sizeof *keys);
        if (!keys)
            abort(); /* out of memory: as xmalloc */
        for (void *it = json_object_iter((json_t *)j); it && i < n;
             it = json_object_iter_next((json_t *)j, it), i++) {
            keys[i].k = json_object_iter_key(it);
            keys[i].len = json_object_iter_key_len(it);
            keys[i].v = json_object_iter_value(it);
        }
        qsort(keys, i, sizeof *keys, cmp_key);
        int done = 1;
        putc1(w, '{');
        for (size_t k = 0; k < i && done; k++) {
            if (k)
                putc1(w, ',');
            done = put_string(w, keys[k].k, keys[k].len);
            putc1(w, ':');
            done = done && put_value(w, keys[k].v, depth + 1);
        }
        putc1(w, '}');
        if (keys != small)
            free(keys);
        return done;
    }
    }
    return 0;
}

void json_hash_hex(const json_t *j, char out[65])
{
    struct writer *w = malloc(sizeof *w);
    if (!w)
        abort();
    w->h = hasher_new();
    w->n = 0;
    if (put_value(w, j, 0)) {
        hasher_add(w->h, w->buf, w->n);
        hasher_finish(w->h, out);
        free(w);
        return;
    }
    /* jansson's own text: a real, a string beyond ASCII, a deep tree */
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    hasher_finish(w->h, out);
    sha256_hex(s ? s : "", s ? strlen(s) : 0, out);
    free(s);
    free(w);
}
