/* A Compose file read with libfyaml into berth's own small tree. libfyaml
 * because it keeps every node's token, hence its line and column, and
 * resolves anchors, aliases and merge keys (<<: *common) itself; libyaml
 * gives marks only on events. (Aliases and merge keys are resolved here,
 * below: libfyaml 0.7's own resolution refuses a valid case.) Our own tree (rather than libfyaml's document) because files are
 * merged, services extended and short forms rewritten, and every node must
 * keep the file it came from. */
#include <errno.h>
#include <fcntl.h>
#include <libfyaml.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "compose/compose_int.h"

const char *ykind_name(enum ykind k)
{
    switch (k) {
    case Y_NULL: return "nothing (null)";
    case Y_SCALAR: return "a single value";
    case Y_MAP: return "a mapping";
    case Y_SEQ: return "a list";
    }
    return "?";
}

void cproblem(struct creader *R, const struct ynode *n, const char *part, const char *key,
              const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = arena_vprintf(R->a, fmt, ap);
    va_end(ap);
    diag_add_col(R->d, n ? n->file : NULL, n ? n->line : 0, n ? n->col : 0, part, key, "%s", msg);
}

struct ynode *ynew(struct creader *R, enum ykind kind, const struct ynode *where)
{
    struct ynode *n = arena_alloc(R->a, sizeof *n);
    n->kind = kind;
    if (where) {
        n->file = where->file;
        n->dir = where->dir;
        n->line = where->line;
        n->col = where->col;
    }
    return n;
}

struct ynode *yscalar(struct creader *R, const char *s, const struct ynode *where)
{
    struct ynode *n = ynew(R, Y_SCALAR, where);
    n->str = arena_strdup(R->a, s);
    return n;
}

struct ynode *ymap_get(const struct ynode *m, const char *key)
{
    if (!m || m->kind != Y_MAP)
        return NULL;
    for (size_t i = 0; i < m->n; i++)
        if (streq(m->k[i], key))
            return m->v[i];
    return NULL;
}

static void grow(struct creader *R, struct ynode *m)
{
    if (m->n < m->cap)
        return;
    size_t cap = m->cap ? m->cap * 2 : 8;
    m->v = arena_grow(R->a, m->v, m->cap * sizeof *m->v, cap * sizeof *m->v);
    if (m->kind == Y_MAP) {
        m->k = arena_grow(R->a, m->k, m->cap * sizeof *m->k, cap * sizeof *m->k);
        m->kn = arena_grow(R->a, m->kn, m->cap * sizeof *m->kn, cap * sizeof *m->kn);
    }
    m->cap = cap;
}

void ymap_put(struct creader *R, struct ynode *m, const char *key, struct ynode *keynode,
              struct ynode *v)
{
    for (size_t i = 0; i < m->n; i++) {
        if (streq(m->k[i], key)) {
            m->v[i] = v;
            if (keynode)
                m->kn[i] = keynode;
            return;
        }
    }
    grow(R, m);
    m->k[m->n] = arena_strdup(R->a, key);
    m->kn[m->n] = keynode ? keynode : v;
    m->v[m->n++] = v;
}

void yseq_push(struct creader *R, struct ynode *s, struct ynode *v)
{
    grow(R, s);
    s->v[s->n++] = v;
}

/* Where a node was written: scalars by their token; a mapping or a list by
 * its first entry (libfyaml 0.7 keeps no mark on collections), else by
 * the key it is the value of (the caller's fallback). */
static bool token_mark(struct fy_token *t, int *line, int *col)
{
    const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
    if (!m)
        return false;
    *line = m->line + 1;
    *col = m->column + 1;
    return true;
}

static struct ynode *convert(struct creader *R, struct fy_node *fn, const struct ynode *at,
                             int depth)
{
    struct ynode *n = ynew(R, Y_NULL, at);
    if (!fn || depth > 64)
        return n;
    /* Aliases are copied where they are used; a budget of nodes stops a
     * file of aliases of aliases ("billion laughs") from eating memory. */
    if (++R->nodes > 1000000) {
        if (R->nodes == 1000001)
            cproblem(R, at, NULL, NULL, "more than a million YAML nodes (aliases of aliases?)");
        return n;
    }
    R->path[depth] = fn;
    if (fy_node_is_alias(fn)) {
        struct fy_node *t = fy_node_resolve_alias(fn);
        const char *why = t ? NULL : "an alias of an unknown anchor (or a cycle of aliases)";
        /* An alias inside the node it names would be copied into itself
         * again at every level (a million nodes before the budget stops it). */
        for (int i = 0; t && !why && i < depth; i++)
            if (R->path[i] == t)
                why = "an alias inside its own anchor: the value would contain itself";
        if (why) {
            token_mark(fy_node_get_scalar_token(fn), &n->line, &n->col);
            cproblem(R, n, NULL, NULL, "%s", why);
            return n;
        }
        return convert(R, t, at, depth + 1);
    }
    switch (fy_node_get_type(fn)) {
    case FYNT_SCALAR: {
        token_mark(fy_node_get_scalar_token(fn), &n->line, &n->col);
        size_t len;
        const char *s = fy_node_get_scalar(fn, &len);
        bool plain = fy_node_get_style(fn) == FYNS_PLAIN;
        if (plain && (len == 0 || (len == 1 && s[0] == '~') || (len == 4 && !memcmp(s, "null", 4)) ||
                      (len == 4 && !memcmp(s, "Null", 4)) || (len == 4 && !memcmp(s, "NULL", 4))))
            return n; /* null */
        n->kind = Y_SCALAR;
        n->str = arena_strndup(R->a, s ? s : "", len);
        n->plain = plain;
        return n;
    }
    case FYNT_SEQUENCE: {
        n->kind = Y_SEQ;
        void *it = NULL;
        struct fy_node *c;
        bool first = true;
        while ((c = fy_node_sequence_iterate(fn, &it))) {
            struct ynode *cv = convert(R, c, n, depth + 1);
            if (first) {
                n->line = cv->line;
                n->col = cv->col;
                first = false;
            }
            yseq_push(R, n, cv);
        }
        return n;
    }
    case FYNT_MAPPING: {
        n->kind = Y_MAP;
        void *it = NULL;
        struct fy_node_pair *p;
        bool first = true;
        struct ynode *merges[16];
        size_t nmerges = 0;
        while ((p = fy_node_mapping_iterate(fn, &it))) {
            struct fy_node *fk = fy_node_pair_key(p);
            struct ynode *kn = convert(R, fk, n, depth + 1);
            if (first) {
                n->line = kn->line;
                n->col = kn->col;
                first = false;
            }
            if (kn->kind != Y_SCALAR) {
                cproblem(R, kn, NULL, NULL, "a key must be a plain name, not %s",
                         ykind_name(kn->kind));
                continue;
            }
            struct ynode *vn = convert(R, fy_node_pair_value(p), kn, depth + 1);
            if (kn->plain && streq(kn->str, "<<")) { /* a merge key: <<: *common */
                size_t count = vn->kind == Y_SEQ ? vn->n : 1;
                for (size_t i = 0; i < count; i++) {
                    struct ynode *src = vn->kind == Y_SEQ ? vn->v[i] : vn;
                    if (src->kind != Y_MAP || nmerges == 16)
                        cproblem(R, kn, NULL, "<<", "merges mappings only (at most 16)");
                    else
                        merges[nmerges++] = src;
                }
                continue;
            }
            if (ymap_get(n, kn->str)) {
                cproblem(R, kn, NULL, kn->str, "written twice in one mapping (keep one)");
                continue;
            }
            ymap_put(R, n, kn->str, kn, vn);
        }
        /* Keys written here win; of the merged ones, the first mapping's. */
        for (size_t m = 0; m < nmerges; m++)
            for (size_t i = 0; i < merges[m]->n; i++)
                if (!ymap_get(n, merges[m]->k[i]))
                    ymap_put(R, n, merges[m]->k[i], merges[m]->kn[i], merges[m]->v[i]);
        return n;
    }
    }
    return n;
}

#define MAX_YAML_SIZE (16u << 20)

/* The whole file, at most 16 MiB, or NULL with *why. */
static char *read_text(const char *path, size_t *len, const char **why)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        *why = strerror(errno);
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode) || (size_t)st.st_size > MAX_YAML_SIZE) {
        *why = S_ISREG(st.st_mode) ? "larger than 16 MiB" : "not a regular file";
        close(fd);
        return NULL;
    }
    strbuf sb = STRBUF_INIT;
    char buf[8192];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0 && sb.len <= MAX_YAML_SIZE)
        sb_add(&sb, buf, (size_t)n);
    close(fd);
    if (n < 0 || sb.len > MAX_YAML_SIZE) {
        *why = n < 0 ? strerror(errno) : "larger than 16 MiB";
        sb_release(&sb);
        return NULL;
    }
    if (!sb.buf) { /* an empty file */
        *len = 0;
        return xstrdup("");
    }
    return sb_detach(&sb, len);
}

struct ynode *yaml_load(struct creader *R, const char *path, const char *shown)
{
    size_t len;
    const char *why;
    char *text = read_text(path, &len, &why);
    if (!text) {
        diag_add(R->d, shown, 0, NULL, NULL, "cannot read this Compose file: %s", why);
        return NULL;
    }
    struct ynode *root = yaml_parse(R, text, len, path, shown);
    free(text);
    return root;
}

struct ynode *yaml_parse(struct creader *R, const char *text, size_t len, const char *path,
                         const char *shown)
{
    /* YAML is UTF-8 text, and libfyaml 0.7.12 loops for ever on a directive
     * line ('%') holding bytes that are not (found by fuzz_compose): check
     * the text before it sees it. */
    size_t ok = utf8_valid_prefix(text);
    if (ok < len) {
        int line = 1, col = 1;
        for (size_t i = 0; i < ok; i++) {
            if (text[i] == '\n')
                line++, col = 1;
            else if (((unsigned char)text[i] & 0xC0) != 0x80)
                col++;
        }
        diag_add_col(R->d, shown, line, col, NULL, NULL,
                     "not UTF-8 text (byte 0x%02x): a YAML file is UTF-8",
                     (unsigned char)text[ok]);
        return NULL;
    }
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = NULL;
    dcfg.colorize = false;
    struct fy_diag *diag = fy_diag_create(&dcfg);
    if (!diag) {
        diag_add(R->d, shown, 0, NULL, NULL, "cannot read: out of memory");
        return NULL;
    }
    fy_diag_set_collect_errors(diag, true);
    /* Not FYPCF_RESOLVE_DOCUMENT: libfyaml 0.7 refuses a key written
     * beside a merge key that brings the same key (which YAML allows: the
     * written one wins), so convert() resolves aliases and merges. Not
     * FYPCF_DISABLE_MMAP_OPT either: with it, 0.7.12 reads past its buffer. */
    struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG | FYPCF_ALLOW_DUPLICATE_KEYS,
                               .diag = diag};
    struct fy_document *fyd = fy_document_build_from_string(&cfg, text, len);
    struct ynode *root = NULL;
    bool reported = false;
    void *it = NULL;
    struct fy_diag_error *e;
    while ((e = fy_diag_errors_iterate(diag, &it))) {
        if (e->type < FYET_ERROR)
            continue;
        diag_add_col(R->d, shown, e->line + 1, e->column + 1, NULL, NULL,
                     "not valid YAML: %s", e->msg);
        reported = true;
    }
    if (!fyd) {
        if (!reported)
            diag_add(R->d, shown, 0, NULL, NULL, "holds no YAML document (a Compose file holds services:)");
    } else if (!reported) {
        struct ynode file = {.file = arena_strdup(R->a, shown), .line = 1, .col = 1};
        const char *slash = strrchr(path, '/');
        file.dir = slash ? arena_strndup(R->a, path, (size_t)(slash - path)) : R->dir;
        root = convert(R, fy_document_root(fyd), &file, 0);
        if (root->kind == Y_NULL) {
            root->kind = Y_MAP; /* an empty file: nothing in it */
        } else if (root->kind != Y_MAP) {
            cproblem(R, root, NULL, NULL, "a Compose file is a mapping (services:, volumes:, ...), "
                     "not %s", ykind_name(root->kind));
            root = NULL;
        }
    }
    fy_document_destroy(fyd);
    fy_diag_destroy(diag);
    return root;
}
