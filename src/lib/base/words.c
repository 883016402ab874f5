#include "base/words.h"

#include <ctype.h>
#include <jansson.h>
#include <string.h>

#include "base/arena.h"
#include "base/jsondecode.h"
#include "base/strbuf.h"
#include "base/util.h"

size_t edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 64 || m > 64) /* names, not essays: keep the table small */
        return n > m ? n : m;
    size_t d[65][65];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[n][m];
}

const char *nearest_word(const char *word, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    size_t len = strlen(word);
    /* A third of the word may be wrong, at least one letter, at most three. */
    size_t limit = len / 3;
    if (limit < 1)
        limit = 1;
    if (limit > 3)
        limit = 3;
    for (size_t i = 0; i < n; i++) {
        if (!cands[i] || streq(cands[i], word))
            continue;
        size_t d = edit_distance(word, cands[i]);
        if (d < best_d && d <= limit && d < strlen(cands[i])) {
            best = cands[i];
            best_d = d;
        }
    }
    return best;
}

void strv_push(struct arena *a, struct strv *sv, size_t *cap, const char *s)
{
    /* Keep room for the NULL terminator. */
    if (sv->n + 1 >= *cap) {
        /* from 2: most lists of a project (a setting's items) hold one */
        size_t ncap = *cap ? *cap * 2 : 2;
        sv->v = arena_grow(a, sv->v, *cap * sizeof *sv->v, ncap * sizeof *sv->v);
        *cap = ncap;
    }
    sv->v[sv->n++] = s;
    sv->v[sv->n] = NULL;
}

static void strv_init(struct arena *a, struct strv *out, size_t *cap)
{
    *cap = 1;
    out->v = arena_alloc(a, sizeof *out->v);
    out->n = 0;
}

void split_words(struct arena *a, const char *s, struct strv *out)
{
    size_t cap;
    strv_init(a, out, &cap);
    while (s && *s) {
        while (*s && isspace((unsigned char)*s))
            s++;
        const char *b = s;
        while (*s && !isspace((unsigned char)*s))
            s++;
        if (s > b)
            strv_push(a, out, &cap, arena_strndup(a, b, (size_t)(s - b)));
    }
}

void split_lines(struct arena *a, const char *s, struct strv *out)
{
    size_t cap;
    strv_init(a, out, &cap);
    while (s && *s) {
        const char *e = strchr(s, '\n');
        if (!e)
            e = s + strlen(s);
        const char *b = s, *t = e;
        while (b < t && isspace((unsigned char)*b))
            b++;
        while (t > b && isspace((unsigned char)t[-1]))
            t--;
        if (t > b)
            strv_push(a, out, &cap, arena_strndup(a, b, (size_t)(t - b)));
        s = *e ? e + 1 : e;
    }
}

static const char *split_json_argv(struct arena *a, const char *s, struct strv *out, size_t *cap)
{
    json_error_t jerr;
    json_t *j = json_decode(s, strlen(s), JSON_REJECT_DUPLICATES, &jerr);
    const char *why = NULL;
    if (!j || !json_is_array(j)) {
        why = "is not a JSON array of strings (a command starting with '[' must be one, "
              "like [\"/bin/sh\", \"-c\", \"echo hi\"])";
    } else {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) {
            if (!json_is_string(v)) {
                why = "has an item that is not a string (every item of a JSON command must "
                      "be one, like [\"sleep\", \"10\"])";
                break;
            }
            strv_push(a, out, cap, arena_strdup(a, json_string_value(v)));
        }
    }
    json_decref(j);
    return why;
}

const char *split_argv(struct arena *a, const char *s, struct strv *out)
{
    size_t cap;
    strv_init(a, out, &cap);
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '[')
        return split_json_argv(a, s, out, &cap);
    strbuf w = STRBUF_INIT;
    const char *why = NULL;
    for (;;) {
        while (isspace((unsigned char)*s))
            s++;
        if (!*s)
            break;
        sb_reset(&w);
        while (*s && !isspace((unsigned char)*s)) {
            if (*s == '\'') {
                const char *e = strchr(s + 1, '\'');
                if (!e) {
                    why = "has an unterminated ' quote (close it with ')";
                    goto out;
                }
                sb_add(&w, s + 1, (size_t)(e - s - 1));
                s = e + 1;
            } else if (*s == '"') {
                s++;
                while (*s && *s != '"') {
                    if (*s == '\\' && (s[1] == '"' || s[1] == '\\' || s[1] == '$'))
                        s++;
                    sb_addc(&w, *s++);
                }
                if (*s != '"') {
                    why = "has an unterminated \" quote (close it with \")";
                    goto out;
                }
                s++;
            } else if (*s == '\\' && s[1]) {
                sb_addc(&w, s[1]);
                s += 2;
            } else {
                sb_addc(&w, *s++);
            }
        }
        strv_push(a, out, &cap, arena_strndup(a, w.buf, w.len));
    }
out:
    sb_release(&w);
    return why;
}
