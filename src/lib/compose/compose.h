/* Compose files as a project source: compose.yaml (or compose.yml,
 * docker-compose.yaml, docker-compose.yml, or the files -f names, merged in
 * order as Compose merges them, plus compose.override.yaml when no -f is
 * given) read into berth's parts, as if written in berth.ini. The loader
 * calls it through project_opts.reader (project/source.h); berth import
 * calls it with a sink that writes berth.ini. docs/compose.md is the
 * user's side: what maps to what, and what berth does differently. */
#ifndef BERTH_COMPOSE_H
#define BERTH_COMPOSE_H

#include <stdbool.h>

#include "project/source.h"

struct compose_opts {
    const char *const *files; /* -f, relative to the project folder; none: the defaults */
    int nfiles;
    const char *const *profiles; /* --profile; none: $COMPOSE_PROFILES */
    int nprofiles;
};

/* A reader for project_opts.reader; o must outlive it. */
struct project_reader compose_reader(const struct compose_opts *o);

/* True when path names a Compose file by its name (.yaml, .yml). */
bool compose_file_name(const char *path);

#endif
