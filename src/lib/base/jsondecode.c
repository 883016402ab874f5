#include "base/jsondecode.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

/* jansson's limit (JSON_PARSER_MAX_DEPTH), so a text reads the same way. */
enum { MAX_DEPTH = 2048 };

struct reader {
    size_t flags;
    json_t *root;
    json_t **stack; /* the open objects and arrays, innermost last */
    size_t depth, cap;
    char *key; /* the key whose value comes next (yajl's copy does not last) */
    size_t key_len, key_cap;
    const char *why; /* set when a callback stops the parse */
    char why_buf[JSON_ERROR_TEXT_LENGTH];
    const char *text; /* the whole text, and the handle reading it */
    size_t len;
    yajl_handle h;
};

/* A string with escapes, as jansson decodes it. yajl hands over a string
 * with no escape as a pointer into the text; one with escapes it decodes
 * into a buffer of its own, and not as strictly as jansson: a lone UTF-16
 * surrogate (\ud800) comes out as '?', a wrong character or bytes that
 * are not UTF-8. Such strings are few (the engine escapes '"', '\\', '<',
 * '>', '&'): jansson reads the token again, the one yajl just read, which
 * ends where yajl stopped and starts at the first quote before that no
 * backslash escapes. */
static int escaped(const struct reader *r, const unsigned char *s)
{
    return (const char *)s < r->text || (const char *)s >= r->text + r->len;
}

static json_t *reread_string(struct reader *r)
{
    size_t end = yajl_get_bytes_consumed(r->h), i = end ? end - 1 : 0;
    if (end < 2 || end > r->len || r->text[end - 1] != '"') {
        r->why = "a string yajl read is not where it said";
        return NULL;
    }
    while (i-- > 0) {
        if (r->text[i] != '"')
            continue;
        size_t bs = 0;
        while (bs < i && r->text[i - 1 - bs] == '\\')
            bs++;
        if (bs % 2 == 0)
            break;
    }
    json_error_t je;
    json_t *v = json_loadb(r->text + i, end - i, JSON_DECODE_ANY, &je);
    if (!json_is_string(v)) {
        json_decref(v);
        snprintf(r->why_buf, sizeof r->why_buf, "%s", v ? "not a string" : je.text);
        r->why = r->why_buf;
        return NULL;
    }
    return v;
}

/* v into the innermost open container (or as the root); takes v. */
static int put(struct reader *r, json_t *v)
{
    if (!v) {
        r->why = "out of memory";
        return 0;
    }
    if (r->depth == 0) {
        if (!(r->flags & JSON_DECODE_ANY) && !json_is_object(v) && !json_is_array(v)) {
            json_decref(v);
            r->why = "'[' or '{' expected";
            return 0;
        }
        r->root = v;
        return 1;
    }
    json_t *in = r->stack[r->depth - 1];
    if ((r->flags & JSON_REJECT_DUPLICATES) && json_is_object(in) &&
        json_object_getn(in, r->key, r->key_len)) {
        json_decref(v);
        r->why = "duplicate object key";
        return 0;
    }
    int rc = json_is_array(in) ? json_array_append_new(in, v)
                               : json_object_setn_new_nocheck(in, r->key, r->key_len, v);
    if (rc < 0) {
        r->why = "out of memory";
        return 0;
    }
    return 1;
}

static int open_container(struct reader *r, json_t *v)
{
    if (r->depth == MAX_DEPTH) {
        json_decref(v);
        r->why = "maximum parsing depth reached";
        return 0;
    }
    if (!put(r, json_incref(v))) {
        json_decref(v);
        return 0;
    }
    if (r->depth == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 16;
        json_t **s = realloc(r->stack, cap * sizeof *s);
        if (!s) {
            json_decref(v);
            r->why = "out of memory";
            return 0;
        }
        r->stack = s;
        r->cap = cap;
    }
    r->stack[r->depth++] = v;
    return 1;
}

static int close_container(void *ud)
{
    struct reader *r = ud;
    json_decref(r->stack[--r->depth]);
    return 1;
}

static int on_null(void *ud)
{
    return put(ud, json_null());
}

static int on_boolean(void *ud, int b)
{
    return put(ud, json_boolean(b));
}

/* Numbers as jansson makes them: an integer unless it has a fraction or an
 * exponent, converted by strtoll and strtod, one out of range an error
 * (yajl's own integers stop short of LLONG_MIN). */
static int on_number(void *ud, const char *s, size_t len)
{
    struct reader *r = ud;
    char small[64];
    char *text = len < sizeof small ? small : malloc(len + 1);
    if (!text) {
        r->why = "out of memory";
        return 0;
    }
    memcpy(text, s, len);
    text[len] = '\0';
    json_t *v = NULL;
    errno = 0;
    if (!memchr(s, '.', len) && !memchr(s, 'e', len) && !memchr(s, 'E', len)) {
        long long i = strtoll(text, NULL, 10);
        if (errno == ERANGE)
            r->why = i < 0 ? "too big negative integer" : "too big integer";
        else
            v = json_integer((json_int_t)i);
    } else {
        double d = strtod(text, NULL);
        if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL))
            r->why = "real number overflow";
        else
            v = json_real(d);
    }
    if (text != small)
        free(text);
    return r->why ? 0 : put(r, v);
}

static int on_string(void *ud, const unsigned char *s, size_t len)
{
    struct reader *r = ud;
    if (escaped(r, s)) {
        json_t *v = reread_string(r);
        return v ? put(r, v) : 0;
    }
    if (memchr(s, '\0', len)) {
        r->why = "\\u0000 is not allowed without JSON_ALLOW_NUL";
        return 0;
    }
    /* yajl has checked the UTF-8 */
    return put(r, json_stringn_nocheck((const char *)s, len));
}

static int on_start_map(void *ud)
{
    return open_container(ud, json_object());
}

static int on_start_array(void *ud)
{
    return open_container(ud, json_array());
}

static int on_map_key(void *ud, const unsigned char *s, size_t len)
{
    struct reader *r = ud;
    json_t *again = NULL;
    if (escaped(r, s)) {
        if (!(again = reread_string(r)))
            return 0;
        s = (const unsigned char *)json_string_value(again);
        len = json_string_length(again);
    }
    if (memchr(s, '\0', len)) {
        json_decref(again);
        r->why = "NUL byte in object key not supported";
        return 0;
    }
    if (len >= r->key_cap) {
        size_t cap = len + 64;
        char *k = realloc(r->key, cap);
        if (!k) {
            json_decref(again);
            r->why = "out of memory";
            return 0;
        }
        r->key = k;
        r->key_cap = cap;
    }
    memcpy(r->key, s, len);
    r->key[len] = '\0';
    r->key_len = len;
    json_decref(again);
    return 1;
}

static const yajl_callbacks callbacks = {
    .yajl_null = on_null,
    .yajl_boolean = on_boolean,
    .yajl_number = on_number,
    .yajl_string = on_string,
    .yajl_start_map = on_start_map,
    .yajl_map_key = on_map_key,
    .yajl_end_map = close_container,
    .yajl_start_array = on_start_array,
    .yajl_end_array = close_container,
};

static void set_error(json_error_t *err, yajl_handle h, const struct reader *r,
                      const char *buf, size_t len)
{
    if (!err)
        return;
    memset(err, 0, sizeof *err);
    err->line = -1;
    err->column = -1;
    err->position = (int)yajl_get_bytes_consumed(h);
    const char *why = r->why;
    unsigned char *msg = NULL;
    if (!why && len == 0)
        why = "'[' or '{' expected near end of file";
    if (!why) {
        msg = yajl_get_error(h, 0, (const unsigned char *)buf, len);
        why = msg ? (const char *)msg : "not JSON";
    }
    snprintf(err->text, sizeof err->text, "%s", why);
    /* yajl ends its messages with a newline; one line here */
    size_t n = strlen(err->text);
    while (n && (err->text[n - 1] == '\n' || err->text[n - 1] == ' '))
        err->text[--n] = '\0';
    if (msg)
        yajl_free_error(h, msg);
}

json_t *json_decode(const char *buf, size_t len, size_t flags, json_error_t *err)
{
    struct reader r = {.flags = flags, .text = buf, .len = len};
    yajl_handle h = r.h = yajl_alloc(&callbacks, NULL, &r);
    if (!h) {
        if (err) {
            memset(err, 0, sizeof *err);
            snprintf(err->text, sizeof err->text, "out of memory");
        }
        return NULL;
    }
    yajl_status st = len ? yajl_parse(h, (const unsigned char *)buf, len) : yajl_status_error;
    if (st == yajl_status_ok)
        st = yajl_complete_parse(h);
    if (st == yajl_status_ok && !r.root) {
        r.why = "'[' or '{' expected near end of file";
        st = yajl_status_error;
    }
    if (st != yajl_status_ok)
        set_error(err, h, &r, buf, len);
    /* what is still open belongs to the root too: one reference each */
    while (r.depth)
        close_container(&r);
    free(r.stack);
    free(r.key);
    yajl_free(h);
    if (st != yajl_status_ok) {
        json_decref(r.root);
        return NULL;
    }
    return r.root;
}
