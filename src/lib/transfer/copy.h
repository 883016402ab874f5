/* Copying files between the host and containers, and between containers,
 * as tars streamed end to end (GET and PUT /containers/{id}/archive): a
 * copy never holds more than a few blocks in memory and never stages the
 * archive on disk.
 *
 * Semantics (docker cp's, with dockeroo's trailing slash):
 *  - SRC names a file, a folder or a symbolic link (copied as a link);
 *    "SRC/" names a folder's contents rather than the folder itself.
 *  - DST an existing folder: SRC goes into it under its own name (its
 *    contents, for "SRC/").
 *  - DST missing (its parent must exist): SRC is copied as DST, i.e.
 *    renamed. A DST ending in '/' must then be for a folder.
 *  - DST an existing file: a file SRC replaces it; a folder cannot.
 * Modes, owners and times are kept. Extraction on the host never writes
 * outside DST's folder: see copy_map_entry. */
#ifndef BERTH_COPY_H
#define BERTH_COPY_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/engine.h"
#include "base/error.h"

/* One side of a copy. */
struct copy_end {
    const char *container; /* engine id or name; NULL: the host */
    engine *e;             /* the container's engine (borrowed); NULL: copy_run's */
    const char *display;   /* how messages name the container ("web:one") */
    const char *path;      /* as given: a trailing '/' matters */
};

struct copy_opts {
    /* Container to host: keep symbolic links whose target leaves the
     * destination (absolute ones included) instead of refusing them. */
    bool allow_links_out;
    /* DST names the copy itself, even when it is an existing folder (copy
     * parts: "/lib" copies /lib onto /lib, not into it); a DST ending in '/'
     * is still a folder to copy into. Between containers, missing parent
     * folders of DST are then made, as dockeroo's copy did. */
    bool exact_dst;
    /* Told the bytes moved so far, from the calling thread, every block. */
    void (*progress)(void *ud, long long bytes);
    void *progress_ud;
};

/* Copy src to dst (at most one side on the host). The two containers may
 * live on two engines: the source's archive streams from its engine into
 * the destination's. */
int copy_run(engine *e, const struct copy_end *src, const struct copy_end *dst,
             const struct copy_opts *o, berr **err);

/* ---- pure helpers (unit-tested) ---- */

/* What a destination is. */
enum copy_kind { COPY_MISSING, COPY_FILE, COPY_DIR };

/* Where the copied tree goes: extracted in folder `root`, its top entry
 * renamed to `top` ("" when SRC's contents go straight into root). */
struct copy_plan {
    char *root;
    char *top;
};
void copy_plan_clear(struct copy_plan *pl);

/* Decide the plan from SRC as given (for its trailing slash and its last
 * component), whether SRC is a folder, DST as given and what DST is (exact:
 * see copy_opts.exact_dst). Errors (BERR_FAILURE, or BERR_NOTFOUND) say
 * what is wrong with which path. */
int copy_decide(const char *src, bool src_is_dir, const char *dst, enum copy_kind dst_kind,
                bool exact, struct copy_plan *out, berr **err);

/* Rename one entry of a tar whose first entry's name was first (the copied
 * tree's top, "" for a "./" root): name (and a hard link's target) must be
 * first or below it; the top part is replaced with plan_top. *out is the new
 * name, "" for the top itself when plan_top is "" (to skip). Entries that
 * would land outside the destination are refused, naming them: absolute
 * names, ".." parts, hard links to such names or outside the copied tree,
 * and (unless allow_links_out) symbolic links whose target is absolute or
 * climbs above the destination folder, or has ".." after a name (a link
 * could stand there), and devices: those checks only when to_host (the
 * engine guards its own extraction). type is an AE_IF* file type; *out_link
 * gets the mapped hard link target, or NULL. */
struct copy_entry {
    const char *name;
    unsigned type;
    const char *hardlink; /* or NULL */
    const char *symlink;  /* or NULL */
};
int copy_map_entry(const struct copy_entry *in, const char *first, const char *plan_top,
                   bool to_host, bool allow_links_out, char **out_name, char **out_link,
                   berr **err);

/* "web:one:/etc/x" -> container part "web:one", path "/etc/x"; NULL target
 * for a host path (anything else: "./a:b" is a host path). */
bool copy_split_arg(const char *arg, char **target, const char **path);

#endif
