/* Gathering a service's berth keys: the keys and their lines, problems
 * about them, and the value forms shared by every handler (scalars,
 * durations, commands, host paths). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "base/words.h"
#include "compose/service_int.h"
#include "project/values.h"

struct okv *slot(struct svc *S, const char *key, const struct ynode *at)
{
    for (size_t i = 0; i < S->nkv; i++)
        if (streq(S->kv[i].key, key))
            return &S->kv[i];
    /* Each handler sets its own few keys: fewer than the slots, by design. */
    if (S->nkv == sizeof S->kv / sizeof S->kv[0]) {
        bad(S, at, key, "one key too many for a part (a bug of berth's: report it)");
        sb_reset(&S->spill.val);
        return &S->spill;
    }
    struct okv *o = &S->kv[S->nkv++];
    o->key = key;
    sb_init(&o->val);
    o->at = at;
    return o;
}

void set1(struct svc *S, const char *key, const char *val, const struct ynode *at)
{
    struct okv *o = slot(S, key, at);
    sb_reset(&o->val);
    sb_adds(&o->val, val);
}

void add_line(struct svc *S, const char *key, const char *line, const struct ynode *at)
{
    struct okv *o = slot(S, key, at);
    if (o->val.len)
        sb_addc(&o->val, '\n');
    sb_adds(&o->val, line);
}

void bad(struct svc *S, const struct ynode *n, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = arena_vprintf(S->R->a, fmt, ap);
    va_end(ap);
    cproblem(S->R, n, S->name, key, "%s", msg);
    S->bad = true;
}

const char *scalar(struct svc *S, const struct ynode *n, const char *key)
{
    if (n->kind == Y_SCALAR)
        return n->str;
    bad(S, n, key, "must be a single value, not %s", ykind_name(n->kind));
    return NULL;
}

/* A Compose duration (Go's: 1m30s, 1.5s, 250ms, 10us) in berth's terms:
 * as written when berth reads it so, else in milliseconds. */
const char *duration_of(struct svc *S, const struct ynode *n, const char *key)
{
    const char *s = scalar(S, n, key);
    if (!s)
        return NULL;
    if (!strchr(s, '.') && !strstr(s, "us"))
        return s; /* berth's checks say what is wrong with it, if anything */
    double ms = 0;
    const char *p = s;
    while (*p) {
        char *e;
        double v = strtod(p, &e);
        if (e == p || v < 0)
            break;
        p = e;
        if (starts_with(p, "ms")) { ms += v; p += 2; }
        else if (starts_with(p, "us")) { ms += v / 1000; p += 2; }
        else if (*p == 's') { ms += v * 1000; p++; }
        else if (*p == 'm') { ms += v * 60000; p++; }
        else if (*p == 'h') { ms += v * 3600000; p++; }
        else break;
    }
    if (*p || ms < 1) {
        bad(S, n, key, "'%s' is not a duration (like 1m30s, 1.5s, 250ms)", s);
        return NULL;
    }
    return arena_printf(S->R->a, "%.0fms", ms);
}

static void json_str(strbuf *sb, const char *s)
{
    sb_addc(sb, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            sb_addf(sb, "\\%c", c);
        else if (c == '\n')
            sb_adds(sb, "\\n");
        else if (c == '\t')
            sb_adds(sb, "\\t");
        else if (c < 0x20)
            sb_addf(sb, "\\u%04x", c);
        else
            sb_addc(sb, (char)c);
    }
    sb_addc(sb, '"');
}

/* A command (string: split as a shell would, as Compose does; or a list)
 * as berth's exec form, a JSON array. */
const char *argv_json(struct svc *S, const struct ynode *n, const char *key,
                             const char *first)
{
    struct strv argv = {0};
    size_t cap = 0;
    if (first)
        strv_push(S->R->a, &argv, &cap, first);
    if (n->kind == Y_SCALAR) {
        struct strv w = {0};
        const char *why = split_argv(S->R->a, n->str, &w);
        if (why) {
            bad(S, n, key, "%s", why);
            return NULL;
        }
        for (size_t i = 0; i < w.n; i++)
            strv_push(S->R->a, &argv, &cap, w.v[i]);
    } else if (n->kind == Y_SEQ) {
        for (size_t i = 0; i < n->n; i++) {
            const char *s = scalar(S, n->v[i], key);
            if (!s)
                return NULL;
            strv_push(S->R->a, &argv, &cap, s);
        }
    } else {
        bad(S, n, key, "must be a string or a list of strings, not %s", ykind_name(n->kind));
        return NULL;
    }
    strbuf sb = STRBUF_INIT;
    sb_addc(&sb, '[');
    for (size_t i = 0; i < argv.n; i++) {
        if (i)
            sb_adds(&sb, ", ");
        json_str(&sb, argv.v[i]);
    }
    sb_addc(&sb, ']');
    const char *r = arena_strdup(S->R->a, sb.buf);
    sb_release(&sb);
    return r;
}

/* A host path as berth should read it: relative paths of the project
 * folder's files stay as written (berth reads them from there); others
 * become absolute; ~ is the home folder. */
const char *host_path(struct svc *S, const struct ynode *n, const char *p)
{
    struct creader *R = S->R;
    if (p[0] == '~' && (p[1] == '/' || !p[1])) {
        const char *home = getvar(R, "HOME");
        return arena_printf(R->a, "%s%s", home ? home : "", p + 1);
    }
    if (p[0] == '/' || is_url(p))
        return p;
    if (n->dir && !streq(n->dir, R->dir)) {
        while (p[0] == '.' && p[1] == '/')
            p += 2;
        return streq(p, ".") ? n->dir : arena_printf(R->a, "%s/%s", n->dir, p);
    }
    return p;
}

bool looks_like_path(const char *s)
{
    return s[0] == '/' || s[0] == '.' || s[0] == '~';
}

bool port_range(const char *s, int *lo, int *hi)
{
    char *e;
    long a = strtol(s, &e, 10);
    if (e == s || a < 0 || a > 65535)
        return false;
    long b = a;
    if (*e == '-') {
        const char *t = e + 1;
        b = strtol(t, &e, 10);
        if (e == t || b < a || b > 65535)
            return false;
    }
    if (*e)
        return false;
    *lo = (int)a;
    *hi = (int)b;
    return true;
}
