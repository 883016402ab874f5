/* assemble parts: an image assembled from what a build container made
 * (dockeroo's gentoo-build, seed 003): see assemble.c. */
#ifndef BERTH_ASSEMBLE_H
#define BERTH_ASSEMBLE_H

#include "converge/converge_int.h"

int assemble_part_converge(struct cv *cv, const struct part *pt, berr **err);

#endif
