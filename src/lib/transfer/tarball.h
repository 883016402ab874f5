/* Tar streams for the engine: build contexts and bootstrap root file systems.
 *
 * A tar is written once into an unlinked temp file (tmpfile()), so an upload
 * can be retried from the start and big trees never sit in memory; its hash
 * (over paths, types, modes, owners, link targets and contents, never times)
 * tells whether anything that matters changed since the last build. */
#ifndef BERTH_TARBALL_H
#define BERTH_TARBALL_H

#include <stddef.h>
#include <stdio.h>

#include "base/error.h"
#include "transfer/ignore.h"

/* A finished tar in an unlinked temp file, positioned at its start. */
struct tarfile {
    FILE *f;
    long long size;
    char hash[65]; /* hex SHA-256, see tar_folder and tar_merge */
};
/* Close the temp file (which frees it); safe on a zeroed or closed tarfile. */
void tarfile_close(struct tarfile *t);
/* An http_read_cb over a struct tarfile *: up to cap bytes, 0 at the end. */
long tarfile_read(void *ud, char *buf, size_t cap, berr **err);
/* Go back to the start (to send it again). */
int tarfile_rewind(struct tarfile *t, berr **err);

struct tar_opts {
    const struct ignore_rules *ignore; /* skip matching paths (NULL: none) */
    int uid, gid;                      /* >= 0: every entry gets this owner; -1: keep the file's own */
    const char *prefix;                /* put entries under this folder inside the tar; NULL or "" = the root */
    const char *extra_path;            /* optional: one more file added (following symlinks) ... */
    const char *extra_name;            /* ... under this name, below prefix, replacing a same-named entry;
                                          ignore rules do not apply to it (a Dockerfile kept outside the context) */
};

/* Tar a folder recursively into a temp file: regular files, folders and
 * symlinks (kept as links) with their modes and times; other file types
 * (sockets, fifos, devices) are skipped. Entries come parents first, siblings
 * in byte order, so the same tree always gives the same tar. Folders named by
 * prefix are added (mode 0755 above the folder itself) so the owner applies.
 * Ignored paths are left out; an excluded folder is entered only when a "!"
 * rule might re-include something below it.
 *
 * out->hash: SHA-256 over each entry in that order: its path, type,
 * permission bits, link target, owner when overridden, and content; not
 * times. A missing folder is BERR_NOTFOUND; an unreadable file, or one that
 * changes size while read, is an error naming it. On error *out is zeroed. */
int tar_folder(const char *dir, const struct tar_opts *o, struct tarfile *out, berr **err);

struct tar_source {
    const char *path;   /* an archive libarchive reads: .tar, .tar.gz, .tar.xz, .tar.bz2, ... */
    const char *sha256; /* expected hex digest of the file ("sha256:" prefix allowed), or NULL */
};

/* One tar from several archives and then an optional layout folder (tarred
 * as tar_folder does with layout_opts). A later entry replaces an earlier one
 * of the same path, and a later non-folder replaces everything an earlier
 * source had below that path; each path is written once, in the order the
 * sources give. Archives are read twice (an index of paths, then a copy of
 * the winners), so memory holds paths, never contents. "./" is dropped from
 * names and the root entry skipped.
 *
 * A sha256 mismatch is BERR_FAILURE naming the file, expected and actual
 * digests; a missing archive or layout folder BERR_NOTFOUND. Entries with an
 * absolute name or a ".." component, or hard links to such names or to a file
 * a later source replaced, are refused naming the entry. out->hash covers the
 * archives' digests (in order), the layout's hash and its options. */
int tar_merge(const struct tar_source *archives, size_t n, const char *layout_dir,
              const struct tar_opts *layout_opts, struct tarfile *out, berr **err);

/* A name inside a tar, cleaned: no "", "." or trailing '/' parts; "" for the
 * root. Absolute names and ".." parts are refused (NULL): they would write
 * outside the root when extracted. */
char *tar_clean_name(const char *name);

/* Streaming, for copies (cp and copy parts): nothing goes through a temp
 * file or memory beyond a block. */
struct archive;
struct archive_entry;
/* A tar writer in the same format as the temp-file tars, onto fd. */
struct archive *tar_writer_fd(int fd, berr **err);
/* Add path (a file, a symbolic link kept as a link, or a folder with
 * everything below it, as tar_folder walks it) to a under name; a folder's
 * name may be "" to put its contents at the tar's root. Modes, owners and
 * times are the files' own; nothing is hashed. */
int tar_write_path(struct archive *a, const char *path, const char *name, berr **err);
/* Copy entry e (just read from r) and its data to w as name; a hard link to
 * link when link is not NULL. */
int tar_copy_entry(struct archive *r, struct archive *w, struct archive_entry *e, const char *name,
                   const char *link, berr **err);

#endif
