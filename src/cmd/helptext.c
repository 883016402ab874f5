/* Reading the commands' --help texts back (see helptext.h for the layout). */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "helptext.h"
#include "base/arena.h"
#include "base/strbuf.h"
#include "base/util.h"

char *help_capture(const struct cmd *c)
{
    /* Each command prints its usage with fputs(usage, stdout); glibc's
     * stdout is an ordinary variable, so pointing it at a memory stream for
     * the call captures exactly that, with no change to the commands. */
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem)
        return xstrdup("");
    fflush(stdout);
    FILE *saved = stdout;
    stdout = mem;
    cli g = {.dir = ".", .progress = "auto"};
    berr *err = NULL;
    char *argv_help[] = {"help", NULL};
    char *argv_cmd[] = {c ? (char *)c->name : "help", "--help", NULL};
    optind = 0;
    opterr = 0;
    if (c)
        c->fn(&g, 2, argv_cmd, &err);
    else
        cmd_help(&g, 1, argv_help, &err);
    berr_free(err);
    stdout = saved;
    fclose(mem);
    return buf ? buf : xstrdup("");
}

static size_t indent_of(const char *line)
{
    size_t n = 0;
    while (line[n] == ' ')
        n++;
    return n;
}

static bool blank(const char *line) { return line[indent_of(line)] == '\0'; }

/* "options:" or "exit codes: 0 ok, ...": a lower-case label of a few words
 * at column 0. Returns the label's length, 0 when the line is no label. */
static size_t label_len(const char *line)
{
    size_t n = 0;
    while (line[n] && (islower((unsigned char)line[n]) || line[n] == ' '))
        n++;
    if (n == 0 || n > 20 || line[n] != ':' || line[n - 1] == ' ')
        return 0;
    if (line[n + 1] != '\0' && line[n + 1] != ' ')
        return 0; /* "web:two" is no label */
    return n;
}

/* Where the two-space gap between a term and its text starts, or NULL. */
static const char *gap(const char *s)
{
    const char *g = strstr(s, "  ");
    return g;
}

static const char *trimmed(struct arena *a, const char *s, size_t n)
{
    while (n && s[0] == ' ')
        s++, n--;
    while (n && s[n - 1] == ' ')
        n--;
    return arena_strndup(a, s, n);
}

static void join(strbuf *sb, const char *s)
{
    s += indent_of(s);
    if (!*s)
        return;
    if (sb->len)
        sb_addc(sb, ' ');
    sb_adds(sb, s);
}

/* Indented lines [i, end) as entries: a line at the block's first
 * indentation starts an entry, deeper ones continue its text. */
static void parse_entries(struct help_doc *d, struct help_block *b, char **lines, size_t i,
                          size_t end)
{
    size_t base = indent_of(lines[i]);
    cleanup_strbuf strbuf text = STRBUF_INIT;
    struct help_entry *cur = NULL;
    for (; i < end; i++) {
        const char *l = lines[i];
        if (indent_of(l) <= base || !cur) {
            if (cur)
                cur->text = arena_strdup(d->arena, text.buf);
            sb_reset(&text);
            cur = ARENA_PUSH(d->arena, b->entries, b->nentries, b->entries_cap);
            const char *t = l + indent_of(l), *g = gap(t);
            cur->term = trimmed(d->arena, t, g ? (size_t)(g - t) : strlen(t));
            if (g)
                join(&text, g);
        } else {
            join(&text, l);
        }
    }
    if (cur)
        cur->text = arena_strdup(d->arena, text.buf);
}

struct help_doc *help_parse(const char *input)
{
    struct arena *a = arena_new();
    struct help_doc *d = arena_alloc(a, sizeof(*d));
    d->arena = a;
    /* Split into lines (in the arena). */
    char **lines = NULL;
    size_t nlines = 0, cap = 0;
    for (const char *s = input; *s;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        *ARENA_PUSH(a, lines, nlines, cap) = arena_strndup(a, s, n);
        s += n + (nl ? 1 : 0);
    }
    size_t i = 0;
    if (nlines && starts_with(lines[0], "usage: ")) {
        *ARENA_PUSH(a, d->usage, d->nusage, d->usage_cap) = lines[0] + strlen("usage: ");
        for (i = 1; i < nlines && !blank(lines[i]) && indent_of(lines[i]) > 0; i++)
            *ARENA_PUSH(a, d->usage, d->nusage, d->usage_cap) = lines[i] + indent_of(lines[i]);
    }
    const char *label = NULL; /* of the section an indented block belongs to */
    while (i < nlines) {
        if (blank(lines[i])) {
            i++;
            continue;
        }
        size_t end = i + 1;
        while (end < nlines && !blank(lines[end]))
            end++;
        size_t ll = indent_of(lines[i]) == 0 ? label_len(lines[i]) : 0;
        struct help_block *b = ARENA_PUSH(a, d->blocks, d->nblocks, d->blocks_cap);
        if (ll) {
            b->label = arena_strndup(a, lines[i], ll);
            const char *rest = lines[i] + ll + 1;
            if (!blank(rest)) { /* "targets: all (the default), ..." */
                cleanup_strbuf strbuf sb = STRBUF_INIT;
                join(&sb, rest);
                for (size_t j = i + 1; j < end; j++)
                    join(&sb, lines[j]);
                b->kind = HELP_PARA;
                b->text = arena_strdup(a, sb.buf);
                label = NULL;
                i = end;
                continue;
            }
            label = b->label;
            i++;
            if (i == end)
                continue; /* a label whose entries follow a blank line */
        } else if (indent_of(lines[i]) > 0) {
            b->label = label; /* entries after a blank line stay in their section */
        } else {
            label = NULL; /* prose at column 0 ends a section */
        }
        if (indent_of(lines[i]) == 0) {
            cleanup_strbuf strbuf sb = STRBUF_INIT;
            for (size_t j = i; j < end; j++)
                join(&sb, lines[j]);
            b->kind = HELP_PARA;
            b->text = arena_strdup(a, sb.buf);
        } else if (b->label && streq(b->label, "examples")) {
            b->kind = HELP_VERBATIM;
            size_t base = indent_of(lines[i]);
            for (size_t j = i; j < end; j++)
                *ARENA_PUSH(a, b->lines, b->nlines, b->lines_cap) =
                    lines[j] + (indent_of(lines[j]) < base ? indent_of(lines[j]) : base);
        } else {
            b->kind = HELP_ENTRIES;
            parse_entries(d, b, lines, i, end);
        }
        i = end;
    }
    return d;
}

void help_free(struct help_doc *d)
{
    if (d)
        arena_free(d->arena);
}

/* "-u, --user USER[:GROUP]" -> names -u --user, arg USER[:GROUP];
 * "--format text|json (status)" -> --format, arg text|json. */
static void parse_option_term(struct arena *a, const char *term, struct help_option *o)
{
    const char *s = term;
    while (*s) {
        while (*s == ' ' || *s == ',')
            s++;
        size_t n = strcspn(s, " ,");
        if (n == 0)
            break;
        if (s[0] == '-' && o->nnames < ARRAY_SIZE(o->names)) {
            o->names[o->nnames++] = arena_strndup(a, s, n);
        } else if (s[0] != '-') {
            o->arg = arena_strndup(a, s, n);
            break;
        }
        s += n;
    }
}

size_t help_options(struct help_doc *d, struct help_option **out)
{
    struct help_option *v = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < d->nblocks; i++) {
        const struct help_block *b = &d->blocks[i];
        if (b->kind != HELP_ENTRIES || !b->label || !ends_with(b->label, "options"))
            continue;
        for (size_t j = 0; j < b->nentries; j++) {
            if (b->entries[j].term[0] != '-')
                continue;
            struct help_option *o = ARENA_PUSH(d->arena, v, n, cap);
            parse_option_term(d->arena, b->entries[j].term, o);
        }
    }
    *out = v;
    return n;
}
