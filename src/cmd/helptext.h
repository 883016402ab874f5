/* A command's --help text, read back as a structure: the one source of the
 * manual pages (man.c) and of the options the completion offers (complete.c).
 *
 * The texts follow one layout, which this parser is the definition of:
 *
 *   usage: berth CMD SYNOPSIS          first line; more synopsis lines
 *          berth ALIAS SYNOPSIS        indented below it
 *
 *   A paragraph at column 0.           joined, as prose
 *
 *   label:                             a lower-case label alone on its line:
 *     -x, --long ARG   description     a section of entries (TERM, two
 *                      continued       spaces, text; deeper lines continue it)
 *
 *   label: text at once                a section that is one paragraph
 *
 *     indented lines outside a label   entries too (no label: description);
 *                                      under "examples:" kept verbatim */
#ifndef BERTH_HELPTEXT_H
#define BERTH_HELPTEXT_H

#include <stddef.h>

#include "cmd.h"

enum help_block_kind {
    HELP_PARA,    /* text: one paragraph, lines joined by spaces */
    HELP_ENTRIES, /* entries: term and text */
    HELP_VERBATIM /* lines: as written, indentation removed */
};

struct help_entry {
    const char *term; /* "-u, --user USER[:GROUP]", "up", "SRC/" */
    const char *text; /* "" when the term stands alone */
};

struct help_block {
    enum help_block_kind kind;
    const char *label; /* "options", "exit codes"; NULL: part of the description */
    const char *text;
    struct help_entry *entries;
    size_t nentries, entries_cap;
    const char **lines;
    size_t nlines, lines_cap;
};

struct help_doc {
    struct arena *arena;
    const char **usage; /* synopsis lines without "usage: " */
    size_t nusage, usage_cap;
    struct help_block *blocks;
    size_t nblocks, blocks_cap;
};

/* Parse text (never fails: what does not fit the layout is a paragraph). */
struct help_doc *help_parse(const char *text);
void help_free(struct help_doc *d);

/* What `berth CMD --help` prints (`berth --help` for c == NULL), captured;
 * malloc'd, "" when the command printed nothing. */
char *help_capture(const struct cmd *c);

/* One option of an "options" entry term: "-u, --user USER[:GROUP]" gives
 * names "-u" and "--user" and argument "USER[:GROUP]" (NULL: a flag). */
struct help_option {
    const char *names[4];
    size_t nnames;
    const char *arg;
};
/* Every option in the doc's sections whose label ends in "options". */
size_t help_options(struct help_doc *d, struct help_option **out);

#endif
