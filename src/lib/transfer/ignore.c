#include "transfer/ignore.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/util.h"

struct rule {
    char *pat;      /* cleaned, without the leading '!' */
    bool exclusion; /* a "!" line: re-includes what it matches */
};

struct ignore_rules {
    struct rule *v;
    size_t n;
    bool has_exceptions;
};

/* Go's filepath.Clean for '/'-separated paths: drop empty and "." elements,
 * resolve ".." lexically, "" becomes ".". Docker cleans every pattern so. */
static char *clean_path(const char *p)
{
    size_t n = strlen(p), r = 0, w = 0, dotdot = 0;
    bool rooted = n > 0 && p[0] == '/';
    char *out = xmalloc(n + 2);
    if (rooted) {
        out[w++] = '/';
        r = dotdot = 1;
    }
    while (r < n) {
        if (p[r] == '/') {
            r++;
        } else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) {
            r++;
        } else if (p[r] == '.' && p[r + 1] == '.' && (r + 2 == n || p[r + 2] == '/')) {
            r += 2;
            if (w > dotdot) { /* back up over the last element */
                w--;
                while (w > dotdot && out[w] != '/')
                    w--;
            } else if (!rooted) { /* cannot back up: keep the ".." */
                if (w > 0)
                    out[w++] = '/';
                out[w++] = '.';
                out[w++] = '.';
                dotdot = w;
            }
        } else {
            if ((rooted && w != 1) || (!rooted && w != 0))
                out[w++] = '/';
            for (; r < n && p[r] != '/'; r++)
                out[w++] = p[r];
        }
    }
    if (w == 0)
        out[w++] = '.';
    out[w] = '\0';
    return out;
}

/* Decode one UTF-8 character (Go matches runes, not bytes); a malformed
 * byte counts as one character. Returns the bytes used (>= 1). */
static int utf8_next(const char *s, const char *e, unsigned *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    int len = u[0] >= 0xf0 ? 4 : u[0] >= 0xe0 ? 3 : u[0] >= 0xc0 ? 2 : 1;
    if (len > e - s)
        len = 1;
    unsigned c = len == 1 ? u[0] : u[0] & (0x3f >> (len - 1));
    for (int i = 1; i < len; i++) {
        if ((u[i] & 0xc0) != 0x80) {
            *cp = u[0];
            return 1;
        }
        c = (c << 6) | (u[i] & 0x3f);
    }
    *cp = c;
    return len;
}

/* One character of a class: '-' and ']' must be escaped, as in Go. */
static const char *class_char(const char *p, unsigned *c)
{
    if (*p == '\0' || *p == '-' || *p == ']')
        return NULL;
    if (*p == '\\' && *++p == '\0')
        return NULL;
    return p + utf8_next(p, p + strlen(p), c);
}

/* p points just after '['. Sets *hit when c is in the class; returns the
 * pattern after the closing ']', or NULL when the class is malformed. */
static const char *match_class(const char *p, unsigned c, bool *hit)
{
    bool negated = *p == '^', in = false;
    int nrange = 0;
    if (negated)
        p++;
    while (!(*p == ']' && nrange > 0)) {
        unsigned lo, hi;
        if (!(p = class_char(p, &lo)))
            return NULL;
        hi = lo;
        if (*p == '-' && !(p = class_char(p + 1, &hi)))
            return NULL;
        if (lo <= c && c <= hi)
            in = true;
        nrange++;
    }
    *hit = in != negated;
    return p + 1;
}

/* Malformed patterns are refused up front (Docker checks them with
 * filepath.Match), so the matcher below can trust the syntax. */
static bool pattern_valid(const char *p)
{
    for (; *p; p++) {
        if (*p == '\\') { /* an escaped character, '[' too, is itself */
            if (*++p == '\0')
                return false;
            continue;
        }
        if (*p == '[') {
            bool hit;
            if (!(p = match_class(p + 1, 0, &hit)))
                return false;
            p--;
        }
    }
    return true;
}

/* Match pattern p against s..e with the meaning Docker's regexp gives it:
 * '*' and '?' stay within one folder, "**" spans any number of folders
 * ("**" + "/" may match nothing), a trailing "**" matches everything.
 * Backtracking is fine for the short patterns a .dockerignore holds. */
static bool glob_match(const char *p, const char *s, const char *e)
{
    while (*p) {
        if (p[0] == '*' && p[1] == '*') {
            const char *q = p + 2 + (p[2] == '/');
            if (*q == '\0')
                return true;
            if (glob_match(q, s, e))
                return true;
            for (const char *t = s; (t = memchr(t, '/', e - t)); t++)
                if (glob_match(q, t + 1, e))
                    return true;
            return false;
        }
        unsigned c;
        bool hit;
        switch (*p) {
        case '*':
            for (const char *t = s;; t++) {
                if (glob_match(p + 1, t, e))
                    return true;
                if (t == e || *t == '/')
                    return false;
            }
        case '?':
            if (s == e || *s == '/')
                return false;
            s += utf8_next(s, e, &c);
            p++;
            break;
        case '[':
            if (s == e || *s == '/')
                return false;
            s += utf8_next(s, e, &c);
            p = match_class(p + 1, c, &hit);
            if (!p || !hit)
                return false;
            break;
        case '\\':
            p++; /* never trailing: pattern_valid checked */
            /* fall through */
        default:
            if (s == e || *p != *s)
                return false;
            p++;
            s++;
        }
    }
    return s == e;
}

/* A rule matches the path itself or any folder above it. */
static bool rule_matches(const struct rule *r, const char *path)
{
    const char *e = path + strlen(path);
    if (glob_match(r->pat, path, e))
        return true;
    for (const char *t = path; (t = strchr(t, '/')); t++)
        if (glob_match(r->pat, path, t))
            return true;
    return false;
}

bool ignore_match(const struct ignore_rules *r, const char *relpath)
{
    bool matched = false;
    if (!r)
        return false;
    for (size_t i = 0; i < r->n; i++) {
        /* Only a rule that could flip the answer needs testing: the last
         * matching line wins. */
        if (r->v[i].exclusion != matched)
            continue;
        if (rule_matches(&r->v[i], relpath))
            matched = !r->v[i].exclusion;
    }
    return matched;
}

bool ignore_has_exceptions(const struct ignore_rules *r)
{
    return r && r->has_exceptions;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static char *trim(const char *s, size_t len)
{
    while (len > 0 && is_space(*s))
        s++, len--;
    while (len > 0 && is_space(s[len - 1]))
        len--;
    return xstrndup(s, len);
}

/* One line as Docker's ignorefile.ReadAll and NewPatternMatcher treat it:
 * returns 0 with *r->pat NULL for a line that holds no rule. */
static int parse_line(const char *line, size_t len, int lineno, struct rule *r, berr **err)
{
    r->pat = NULL;
    r->exclusion = false;
    if (len > 0 && line[0] == '#') /* a comment only when '#' is the first byte */
        return 0;
    cleanup_free char *text = trim(line, len);
    const char *pat = text;
    if (*pat == '\0')
        return 0;
    if (*pat == '!') {
        r->exclusion = true;
        while (is_space(*++pat))
            ;
        if (*pat == '\0')
            return berr_set(err, BERR_PROJECT, "line %d: illegal exclusion pattern: \"!\"", lineno);
    }
    char *clean = clean_path(pat);
    if (strlen(clean) > 1 && clean[0] == '/')
        memmove(clean, clean + 1, strlen(clean));
    if (!pattern_valid(clean)) {
        berr_set(err, BERR_PROJECT, "line %d: bad pattern \"%s\"", lineno, text);
        free(clean);
        return -1;
    }
    r->pat = clean;
    return 0;
}

int ignore_parse(const char *text, struct ignore_rules **out, berr **err)
{
    struct ignore_rules *r = xcalloc(1, sizeof *r);
    size_t cap = 0;
    *out = NULL;
    if (starts_with(text, "\xef\xbb\xbf")) /* a UTF-8 byte order mark */
        text += 3;
    for (int lineno = 1; *text; lineno++) {
        const char *nl = strchr(text, '\n');
        size_t len = nl ? (size_t)(nl - text) : strlen(text);
        struct rule rule;
        if (parse_line(text, len, lineno, &rule, err) < 0) {
            ignore_free(r);
            return -1;
        }
        if (rule.pat) {
            if (r->n == cap) {
                cap = cap ? 2 * cap : 8;
                r->v = xrealloc(r->v, cap * sizeof *r->v);
            }
            r->v[r->n++] = rule;
            r->has_exceptions |= rule.exclusion;
        }
        text += len + (nl != NULL);
    }
    *out = r;
    return 0;
}

int ignore_load(const char *path, struct ignore_rules **out, berr **err)
{
    return ignore_load_keeping(path, NULL, out, err);
}

int ignore_load_keeping(const char *path, const char *const *keep, struct ignore_rules **out,
                        berr **err)
{
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT)
            return ignore_parse("", out, err);
        return berr_errno(err, BERR_FAILURE, errno, "open %s", path);
    }
    strbuf sb = STRBUF_INIT;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_add(&sb, buf, n);
    int rc = 0;
    if (ferror(f))
        rc = berr_errno(err, BERR_FAILURE, errno, "read %s", path);
    fclose(f);
    if (rc == 0 && memchr(sb.buf, '\0', sb.len))
        rc = berr_set(err, BERR_PROJECT, "%s: holds a NUL byte", path);
    /* "!NAME" last: the last matching rule wins, so they are always sent;
     * pattern characters in NAME escaped, so it matches only itself */
    for (size_t i = 0; rc == 0 && keep && keep[i]; i++) {
        sb_adds(&sb, "\n!");
        for (const char *c = keep[i]; *c; c++) {
            if (strchr("*?[]\\", *c))
                sb_addc(&sb, '\\');
            sb_addc(&sb, *c);
        }
    }
    if (rc == 0 && ignore_parse(sb.buf, out, err) < 0)
        rc = berr_wrap(err, "%s", path);
    sb_release(&sb);
    return rc;
}

void ignore_free(struct ignore_rules *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->v[i].pat);
    free(r->v);
    free(r);
}
