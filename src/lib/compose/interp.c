/* Interpolation as Compose does it, on every value of the file (not on
 * keys), before anything else reads them: ${VAR}, $VAR, ${VAR:-default}
 * (unset or empty), ${VAR-default} (unset), ${VAR:?message} (an error when
 * unset or empty), ${VAR?message} (when unset), ${VAR:+other}, ${VAR+other},
 * and $$ for a literal $. Variables come from the environment, then from
 * the project folder's .env. As Compose, an unset variable without a
 * default is the empty string. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "compose/compose_int.h"

/* NAME=VALUE lines; '#' comments, blank lines and an "export " prefix
 * allowed; a value in '...' or "..." loses its quotes. */
bool parse_env_text(struct creader *R, const char *text, const char ***out, size_t *n,
                    const char **why)
{
    size_t cap = 0;
    int lineno = 0;
    for (const char *l = text; l && *l;) {
        const char *e = strchr(l, '\n');
        char *line = arena_strndup(R->a, l, e ? (size_t)(e - l) : strlen(l));
        l = e ? e + 1 : NULL;
        lineno++;
        size_t len = strlen(line);
        while (len && (line[len - 1] == '\r' || isspace((unsigned char)line[len - 1])))
            line[--len] = '\0';
        char *s = line;
        while (isspace((unsigned char)*s))
            s++;
        if (!*s || *s == '#')
            continue;
        if (starts_with(s, "export "))
            s += 7;
        char *eq = strchr(s, '=');
        if (!eq || eq == s) {
            *why = arena_printf(R->a, "line %d: expected NAME=VALUE", lineno);
            return false;
        }
        char *name_end = eq;
        while (name_end > s && isspace((unsigned char)name_end[-1]))
            name_end--;
        *name_end = '\0';
        char *v = eq + 1;
        while (isspace((unsigned char)*v))
            v++;
        size_t vl = strlen(v);
        if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
            v[vl - 1] = '\0';
            v++;
        }
        *ARENA_PUSH(R->a, *out, *n, cap) = arena_printf(R->a, "%s=%s", s, v);
    }
    return true;
}

void read_dotenv(struct creader *R)
{
    const char *path = arena_printf(R->a, "%s/.env", R->dir);
    if (access(path, F_OK) != 0)
        return;
    FILE *f = fopen(path, "re");
    if (!f) {
        diag_add(R->d, ".env", 0, NULL, NULL, "cannot read it: %s", strerror(errno));
        return;
    }
    strbuf sb = STRBUF_INIT;
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0 && sb.len < (1u << 20))
        sb_add(&sb, buf, got);
    fclose(f);
    const char *why;
    if (!parse_env_text(R, sb.buf ? sb.buf : "", &R->dotenv, &R->ndotenv, &why))
        diag_add(R->d, ".env", 0, NULL, NULL, "%s", why);
    sb_release(&sb);
}

static const char *lookup(const char *const *list, size_t n, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < n; i++)
        if (strncmp(list[i], name, len) == 0 && list[i][len] == '=')
            return list[i] + len + 1;
    return NULL;
}

const char *getvar(struct creader *R, const char *name)
{
    size_t n = 0;
    while (R->env && R->env[n])
        n++;
    const char *v = lookup((const char *const *)R->env, n, name);
    return v ? v : lookup(R->dotenv, R->ndotenv, name);
}

static bool name_start(int c) { return isalpha(c) || c == '_'; }
static bool name_char(int c) { return isalnum(c) || c == '_'; }

/* One scalar. False (reported) on ${VAR:?} or a malformed ${...}. */
static bool interp_one(struct creader *R, struct ynode *n, const char *part)
{
    const char *s = n->str;
    if (!strchr(s, '$'))
        return true;
    strbuf out = STRBUF_INIT;
    bool ok = true;
    for (const char *p = s; *p;) {
        if (*p != '$') {
            sb_addc(&out, *p++);
            continue;
        }
        if (p[1] == '$') {
            sb_addc(&out, '$');
            p += 2;
            continue;
        }
        if (name_start((unsigned char)p[1])) {
            const char *b = p + 1, *e = b;
            while (name_char((unsigned char)*e))
                e++;
            const char *v = getvar(R, arena_strndup(R->a, b, (size_t)(e - b)));
            sb_adds(&out, v ? v : "");
            p = e;
            continue;
        }
        if (p[1] != '{') {
            sb_addc(&out, *p++); /* "$ " or a trailing '$': kept, as Compose */
            continue;
        }
        /* ${NAME[op word]} with nested ${...} in word. */
        const char *b = p + 2, *e = b;
        while (name_char((unsigned char)*e))
            e++;
        const char *name = arena_strndup(R->a, b, (size_t)(e - b));
        int depth = 1;
        const char *q = e;
        for (; *q && depth; q++) {
            if (*q == '{')
                depth++;
            else if (*q == '}')
                depth--;
        }
        if (depth || e == b || !name_start((unsigned char)*b)) {
            cproblem(R, n, part, NULL, "invalid interpolation format in \"%s\" (write $${ for a "
                     "literal ${, or ${NAME}, ${NAME:-default}, ${NAME:?message})", s);
            ok = false;
            break;
        }
        const char *close = q - 1; /* the matching '}' */
        const char *op = e;
        const char *v = getvar(R, name);
        bool set = v != NULL, nonempty = v && *v;
        const char *word = NULL;
        char kind = 0;
        bool colon = false;
        if (op == close) {
            kind = 0;
        } else if (op[0] == ':' && (op[1] == '-' || op[1] == '?' || op[1] == '+')) {
            colon = true;
            kind = op[1];
            word = arena_strndup(R->a, op + 2, (size_t)(close - op - 2));
        } else if (op[0] == '-' || op[0] == '?' || op[0] == '+') {
            kind = op[0];
            word = arena_strndup(R->a, op + 1, (size_t)(close - op - 1));
        } else {
            cproblem(R, n, part, NULL, "invalid interpolation format in \"%s\" (after the name: "
                     "'}', ':-', '-', ':?', '?', ':+' or '+')", s);
            ok = false;
            break;
        }
        bool present = colon ? nonempty : set;
        /* The word may itself hold ${...}: interpolate it the same way. */
        if (word && strchr(word, '$')) {
            struct ynode w = *n;
            w.str = word;
            if (!interp_one(R, &w, part)) {
                ok = false;
                break;
            }
            word = w.str;
        }
        switch (kind) {
        case 0: sb_adds(&out, v ? v : ""); break;
        case '-': sb_adds(&out, present ? v : word); break;
        case '+': sb_adds(&out, present ? word : ""); break;
        case '?':
            if (!present) {
                cproblem(R, n, part, NULL, "required variable %s is %s: %s", name,
                         set ? "empty" : "missing a value", *word ? word : "(no message)");
                ok = false;
            } else {
                sb_adds(&out, v);
            }
            break;
        }
        if (!ok)
            break;
        p = close + 1;
    }
    if (ok)
        n->str = arena_strdup(R->a, out.buf ? out.buf : "");
    sb_release(&out);
    return ok;
}

void interpolate(struct creader *R, struct ynode *n, const char *part)
{
    if (!n)
        return;
    switch (n->kind) {
    case Y_SCALAR: interp_one(R, n, part); break;
    case Y_MAP:
    case Y_SEQ:
        for (size_t i = 0; i < n->n; i++)
            interpolate(R, n->v[i], part);
        break;
    case Y_NULL: break;
    }
}
