/* The INI dialect of berth project files: a lexer and parser that remember
 * where every key was written. No globals; the parser never stops at the
 * first mistake: it reports each to a struct diags and goes on, so a file
 * with five errors gives five messages.
 *
 *   [section]            header at column 0; the name is anything but ']'
 *   key = value          '=' separates; key is [A-Za-z0-9_.-]+
 *   key += value         append to a value set by a lower-precedence source
 *   key =                value on the following, indented lines:
 *       line one         continuation lines are dedented by their common
 *         line two         indentation; inner blank lines are kept
 *   # comment            '#' or ';' at column 0 (also inside a value);
 *   ; comment            indented comment lines outside a value are comments too
 *
 * Keys before the first header belong to a section with a NULL name (the
 * per-folder settings file uses that; the project file rejects it). */
#ifndef BERTH_INI_H
#define BERTH_INI_H

#include <stdbool.h>
#include <stddef.h>

struct diags;
struct arena;

#define INI_BROKEN (-2)

/* A file with more sections or keys is reported at the first one too many
 * and read no further (README "Limits"): the parser stays fast, whatever
 * the input. */
#define INI_MAX_SECTIONS 10000
#define INI_MAX_KEYS 100000
#define INI_MAX_SECTION_KEYS 1000 /* keys of one section */

struct ini_kv {
    const char *key;
    const char *value; /* first line, then continuation lines, joined by '\n' */
    int line;          /* where the key was written */
    bool append;       /* 'key += value' */
};

struct ini_section {
    const char *name; /* NULL: keys before the first header */
    int line;         /* of the header (first key's line for the NULL section) */
    int dup_of;       /* -1; or the index of an earlier section with this name, or
                         INI_BROKEN for a bad header: consumers skip both */
    struct ini_kv *kv;
    size_t nkv, cap;
};

struct ini_doc {
    const char *file; /* as given to ini_parse: used in messages */
    struct ini_section *sec;
    size_t nsec, cap;
    struct arena *a;
};

/* Parse text (len bytes; NUL bytes are reported, not trusted). Always
 * returns a document holding everything that could be read; problems go
 * to d with file and line. */
struct ini_doc *ini_parse(const char *file, const char *text, size_t len, struct diags *d);
void ini_free(struct ini_doc *doc);

/* The last kv named key in s, or NULL. */
const struct ini_kv *ini_find(const struct ini_section *s, const char *key);

/* True when c may appear in a key. */
bool ini_key_char(int c);

#endif
