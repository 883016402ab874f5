#include "project/ini.h"

#include <ctype.h>
#include <string.h>

#include "base/arena.h"
#include "base/diag.h"
#include "base/strmap.h"
#include "base/strbuf.h"
#include "base/util.h"

bool ini_key_char(int c)
{
    return isalnum(c) || c == '_' || c == '-' || c == '.';
}

/* Parser state: the key whose value may still continue on the next lines. */
struct parser {
    struct ini_doc *doc;
    struct diags *d;
    struct ini_section *sec; /* current section, NULL before any */
    struct ini_kv *kv;       /* current key, NULL when no value is open */
    strbuf first;            /* the value's text on the key's own line */
    strbuf cont;             /* continuation lines, raw, '\n'-terminated */
    size_t pending_blank;    /* blank lines seen inside the value so far */
    size_t nkeys;            /* in the whole file, for INI_MAX_KEYS */
    struct strmap names;     /* section name -> index + 1 of its first section */
    struct strmap keys;      /* section number + key -> index + 1 in its section */
    bool stop;               /* a limit passed: reported, the rest is not read */
};

static bool is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)s[i]))
            return false;
    return true;
}

static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s))
        (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* Length of the whitespace prefix shared by every non-blank line of buf. */
static size_t common_indent(const char *buf)
{
    const char *ref = NULL;
    size_t common = 0;
    for (const char *l = buf; *l;) {
        const char *e = strchr(l, '\n');
        size_t n = (size_t)(e - l), ind = 0;
        while (ind < n && (l[ind] == ' ' || l[ind] == '\t'))
            ind++;
        if (ind < n) {
            if (!ref) {
                ref = l;
                common = ind;
            } else {
                size_t k = 0;
                while (k < common && k < ind && l[k] == ref[k])
                    k++;
                common = k;
            }
        }
        l = e + 1;
    }
    return common;
}

#define KEYS_SCANNED 16

static void finish_value(struct parser *P)
{
    if (!P->kv)
        return;
    if (!P->cont.len) { /* one line (most values): its text as it is */
        P->kv->value = arena_strndup(P->doc->a, P->first.buf, P->first.len);
        sb_reset(&P->first);
        P->pending_blank = 0;
        P->kv = NULL;
        return;
    }
    strbuf v = STRBUF_INIT;
    bool any = P->first.len > 0;
    sb_add(&v, P->first.buf, P->first.len);
    size_t ind = common_indent(P->cont.buf);
    for (const char *l = P->cont.buf; *l;) {
        const char *e = strchr(l, '\n');
        size_t n = (size_t)(e - l);
        const char *s = l;
        if (is_blank(s, n)) {
            n = 0;
        } else {
            s += ind;
            n -= ind;
            while (n && isspace((unsigned char)s[n - 1]))
                n--;
        }
        l = e + 1;
        if (!any && n == 0)
            continue; /* blank lines before the first value line */
        if (any)
            sb_addc(&v, '\n');
        sb_add(&v, s, n);
        any = true;
    }
    P->kv->value = arena_strndup(P->doc->a, v.buf, v.len);
    sb_release(&v);
    sb_reset(&P->first);
    sb_reset(&P->cont);
    P->pending_blank = 0;
    P->kv = NULL;
}

static struct ini_section *add_section(struct parser *P, const char *name, int line)
{
    struct ini_doc *doc = P->doc;
    int dup = -1;
    /* the first section of each name, by P->names: "" stands for the keys
     * before any header (name NULL); an empty [] is never a duplicate */
    const char *key = name ? arena_strdup(doc->a, name) : "";
    if (!name || *name) {
        uintptr_t me = doc->nsec + 1;
        uintptr_t first = (uintptr_t)strmap_put(&P->names, key, (void *)me, false);
        if (first != me)
            dup = (int)first - 1;
    }
    struct ini_section *s = ARENA_PUSH(doc->a, doc->sec, doc->nsec, doc->cap);
    s->name = name ? key : NULL;
    s->line = line;
    s->dup_of = dup;
    if (dup >= 0 && name)
        diag_add(P->d, doc->file, line, NULL, NULL,
                 "section [%s] appears twice (first at line %d; merge the two)", name,
                 doc->sec[dup].line);
    return s;
}

static void parse_header(struct parser *P, const char *l, size_t n, int line)
{
    const char *close = memchr(l, ']', n);
    if (!close) {
        diag_add(P->d, P->doc->file, line, NULL, NULL,
                 "section header is not closed (add ']' at the end)");
        /* Keys up to the next header go to a section consumers skip. */
        P->sec = add_section(P, "", line);
        P->sec->dup_of = INI_BROKEN;
        return;
    }
    const char *rest = close + 1;
    size_t rn = n - (size_t)(rest - l);
    trim(&rest, &rn);
    if (rn && rest[0] != '#' && rest[0] != ';')
        diag_add(P->d, P->doc->file, line, NULL, NULL,
                 "unexpected text '%.*s' after ']' (put comments on their own line)", (int)rn,
                 rest);
    const char *name = l + 1;
    size_t nn = (size_t)(close - name);
    trim(&name, &nn);
    cleanup_free char *nm = xstrndup(name, nn);
    if (!nn)
        diag_add(P->d, P->doc->file, line, NULL, NULL,
                 "empty section name (write [name])");
    if (P->doc->nsec == INI_MAX_SECTIONS) {
        diag_add(P->d, P->doc->file, line, NULL, NULL,
                 "more than %d sections: berth's limit for a file", INI_MAX_SECTIONS);
        P->stop = true;
        return;
    }
    P->sec = add_section(P, nm, line);
    if (!nn)
        P->sec->dup_of = INI_BROKEN;
}

static void parse_key(struct parser *P, const char *l, size_t n, int line)
{
    const char *eq = memchr(l, '=', n);
    if (!eq) {
        diag_add(P->d, P->doc->file, line, NULL, NULL,
                 "expected 'key = value', found '%.*s'", (int)(n > 40 ? 40 : n), l);
        return;
    }
    const char *k = l;
    size_t kn = (size_t)(eq - l);
    trim(&k, &kn);
    bool append = false;
    if (kn && k[kn - 1] == '+') {
        append = true;
        kn--;
        trim(&k, &kn);
    }
    if (!kn) {
        diag_add(P->d, P->doc->file, line, NULL, NULL, "missing key name before '='");
        return;
    }
    for (size_t i = 0; i < kn; i++) {
        if (!ini_key_char((unsigned char)k[i])) {
            diag_add(P->d, P->doc->file, line, NULL, NULL,
                     "key '%.*s' has an invalid character '%c' (keys use letters, digits, "
                     "'-', '_' and '.')",
                     (int)kn, k, isprint((unsigned char)k[i]) ? k[i] : '?');
            return;
        }
    }
    if (P->nkeys++ == INI_MAX_KEYS) {
        diag_add(P->d, P->doc->file, line, NULL, NULL,
                 "more than %d keys: berth's limit for a file", INI_MAX_KEYS);
        P->stop = true;
        return;
    }
    if (!P->sec)
        P->sec = add_section(P, NULL, line);
    struct ini_section *s = P->sec;
    if (s->nkv == INI_MAX_SECTION_KEYS) {
        diag_add(P->d, P->doc->file, line, NULL, NULL,
                 "more than %d keys in section [%s]: berth's limit", INI_MAX_SECTION_KEYS,
                 s->name ? s->name : "");
        P->stop = true;
        return;
    }
    /* The key after its section's number, in P->keys: a key set twice in a
     * section of 1,000 keys is found without a scan. A section of a few
     * keys (most) is scanned, and indexed once it has KEYS_SCANNED. */
    uint32_t sec = (uint32_t)(s - P->doc->sec);
    char *sk = arena_alloc(P->doc->a, sizeof sec + kn + 1);
    memcpy(sk, &sec, sizeof sec);
    memcpy(sk + sizeof sec, k, kn);
    uintptr_t me = s->nkv + 1, first = me;
    if (s->nkv < KEYS_SCANNED) {
        for (size_t i = 0; i < s->nkv && first == me; i++)
            if (!strncmp(s->kv[i].key, k, kn) && !s->kv[i].key[kn])
                first = i + 1;
    } else {
        for (size_t i = 0; s->nkv == KEYS_SCANNED && i < s->nkv; i++)
            strmap_putn(&P->keys, s->kv[i].key - sizeof sec, sizeof sec + strlen(s->kv[i].key),
                        (void *)(uintptr_t)(i + 1), false);
        first = (uintptr_t)strmap_putn(&P->keys, sk, sizeof sec + kn, (void *)me, false);
    }
    if (first != me) {
        diag_add(P->d, P->doc->file, line, s->name && *s->name ? s->name : NULL,
                 s->kv[first - 1].key, "set twice in one section (first at line %d; keep one)",
                 s->kv[first - 1].line);
        return;
    }
    struct ini_kv *kv = ARENA_PUSH(P->doc->a, s->kv, s->nkv, s->cap);
    kv->key = sk + sizeof sec;
    kv->line = line;
    kv->append = append;
    kv->value = "";
    const char *v = eq + 1;
    size_t vn = n - (size_t)(v - l);
    trim(&v, &vn);
    P->kv = kv;
    sb_add(&P->first, v, vn);
}

static void parse_line(struct parser *P, const char *l, size_t n, int line)
{
    if (n && l[n - 1] == '\r')
        n--;
    if (memchr(l, '\0', n)) {
        diag_add(P->d, P->doc->file, line, NULL, NULL,
                 "line holds a NUL byte (is this a text file?)");
        return;
    }
    if (n && (l[0] == '#' || l[0] == ';'))
        return; /* a comment, even inside a value */
    if (is_blank(l, n)) {
        if (P->kv)
            P->pending_blank++;
        return;
    }
    if (isspace((unsigned char)l[0])) {
        if (P->kv) {
            for (; P->pending_blank; P->pending_blank--)
                sb_addc(&P->cont, '\n');
            sb_add(&P->cont, l, n);
            sb_addc(&P->cont, '\n');
            return;
        }
        const char *t = l;
        size_t tn = n;
        trim(&t, &tn);
        if (t[0] == '#' || t[0] == ';')
            return;
        diag_add(P->d, P->doc->file, line, NULL, NULL,
                 "indented line outside a value (continuation lines follow a 'key =' line; "
                 "start keys at column 0)");
        return;
    }
    finish_value(P);
    if (l[0] == '[')
        parse_header(P, l, n, line);
    else
        parse_key(P, l, n, line);
}

struct ini_doc *ini_parse(const char *file, const char *text, size_t len, struct diags *d)
{
    struct arena *a = arena_new();
    struct ini_doc *doc = arena_alloc(a, sizeof *doc);
    doc->a = a;
    doc->file = arena_strdup(a, file ? file : "-");
    struct parser P = {.doc = doc, .d = d, .first = STRBUF_INIT, .cont = STRBUF_INIT};
    strmap_init(&P.names, doc->a);
    strmap_init(&P.keys, doc->a);
    int line = 0;
    size_t off = 0;
    /* A UTF-8 byte order mark is noise some editors add. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        off = 3;
    while (off < len && !P.stop) {
        const char *l = text + off;
        const char *e = memchr(l, '\n', len - off);
        size_t n = e ? (size_t)(e - l) : len - off;
        parse_line(&P, l, n, ++line);
        off += n + (e ? 1 : 0);
    }
    finish_value(&P);
    sb_release(&P.first);
    sb_release(&P.cont);
    return doc;
}

void ini_free(struct ini_doc *doc)
{
    if (doc)
        arena_free(doc->a);
}

const struct ini_kv *ini_find(const struct ini_section *s, const char *key)
{
    for (size_t i = s->nkv; i-- > 0;)
        if (streq(s->kv[i].key, key))
            return &s->kv[i];
    return NULL;
}
