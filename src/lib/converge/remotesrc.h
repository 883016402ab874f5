/* Build contexts that are URLs, as docs/project-format.md promises:
 *  - a git repository (git://..., git@..., https://....git, with the
 *    engine's "#ref:folder" suffix): the engine clones it (the build API's
 *    `remote`); berth asks `git ls-remote` which commit the ref is, so an
 *    unchanged commit is not rebuilt;
 *  - any other http(s) URL: an archive of the context (tar, maybe
 *    compressed), which berth fetches, hashes and sends as the body. */
#ifndef BERTH_REMOTESRC_H
#define BERTH_REMOTESRC_H

#include <stdbool.h>

#include "base/error.h"
#include "transfer/tarball.h"

bool remote_is_git(const char *url);
/* The commit the URL's ref (default HEAD) names now (malloc'd hex). */
int remote_git_commit(const char *url, char **commit, berr **err);
/* Fetch url into a temporary file; tf->hash is its content's SHA-256. */
int remote_download(const char *url, struct tarfile *tf, berr **err);

#endif
