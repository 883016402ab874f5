/* Project sources in another format than berth.ini (compose.yaml: see
 * src/lib/compose). The loader knows no such format: project_opts carries a
 * reader, and the loader calls it once where it reads the project file. The
 * reader hands over sections and keys exactly as a berth.ini would hold them
 * (values written with berth's syntax: '$$' for a literal '$'), through a
 * sink, so that every later stage (kinds and keys, substitution, checks,
 * graph) applies unchanged. The same reader may write into another sink
 * (berth import writes them as a berth.ini).
 *
 * Precedence: what a reader gives loses to berth.ini (and to -s), and beats
 * a container folder's settings file. */
#ifndef BERTH_SOURCE_H
#define BERTH_SOURCE_H

#include <stdbool.h>

#include "project/project.h" /* struct loc */

struct arena;
struct diags;

struct source_sink {
    /* Begin the section [name] (a part, "project" or "vars"). */
    void (*section)(struct source_sink *k, const char *name, struct loc loc, const char *origin);
    /* A key of the current section; base: the folder relative paths in it start from. */
    void (*key)(struct source_sink *k, const char *key, const char *value, struct loc loc,
                const char *base);
    /* The file the project is read from, as shown (the first one read). */
    void (*file)(struct source_sink *k, const char *shown);
    struct arena *a;        /* lives as long as the project (or the import) */
    struct diags *d;        /* problems: "FILE:LINE:COLUMN: part: key: what" */
    const char *dir;        /* absolute project folder */
    const char *shown_dir;  /* the folder as the user named it: "" for "." */
    char *const *env;       /* environ-style */
    void *impl;
};

struct project_reader {
    /* Read the reader's files (or its default files in k->dir) into k.
     * Returns false, having done nothing, when there is nothing for it to
     * read: no file of its format is named nor present. */
    bool (*read)(const struct project_reader *r, struct source_sink *k);
    const void *arg;
};

#endif
