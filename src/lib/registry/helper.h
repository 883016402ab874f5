/* The docker credential helper protocol: docker-credential-NAME ACTION,
 * the request on its stdin, the answer on its stdout, found on PATH and run
 * without a shell. */
#ifndef BERTH_REGISTRY_HELPER_H
#define BERTH_REGISTRY_HELPER_H

#include "base/error.h"

/* Run the helper: *out gets its stdout (malloc'd; it may hold a secret:
 * never put it in a message unless the helper failed), *status its exit
 * status. An error only when it could not be run at all. */
int reg_helper_run(const char *name, const char *action, const char *input, char **out,
                   int *status, berr **err);

#endif
