/* .dockerignore rules, read and matched as Docker does (moby/patternmatcher):
 * one pattern per line, lines starting with '#' are comments, whitespace
 * trimmed, patterns cleaned like Go's filepath.Clean (leading "/" and "./"
 * dropped), filepath.Match syntax ('*', '?', '[a-z]', '\' escape) plus '**'
 * for any number of folders, "!pattern" re-includes, the last matching line
 * wins, and a pattern matching a folder also matches everything below it. */
#ifndef BERTH_IGNORE_H
#define BERTH_IGNORE_H

#include <stdbool.h>

#include "base/error.h"

struct ignore_rules;

/* Read a .dockerignore file. A missing file gives empty rules (not an
 * error); a malformed pattern is BERR_PROJECT naming the file and line. */
int ignore_load(const char *path, struct ignore_rules **out, berr **err);
/* The same, and the paths in keep (NULL-terminated) are never excluded:
 * docker always sends the Dockerfile and .dockerignore, even when the file
 * lists them. */
int ignore_load_keeping(const char *path, const char *const *keep, struct ignore_rules **out,
                        berr **err);
/* Parse rules from text (what ignore_load does after reading the file). */
int ignore_parse(const char *text, struct ignore_rules **out, berr **err);
/* True when relpath ("src/a.o", no leading "./") is excluded. NULL rules
 * exclude nothing. */
bool ignore_match(const struct ignore_rules *r, const char *relpath);
/* True when some "!" rule exists, i.e. something below an excluded folder
 * may be re-included, so a walker must still descend into it. */
bool ignore_has_exceptions(const struct ignore_rules *r);
void ignore_free(struct ignore_rules *r);

#endif
