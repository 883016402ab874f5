/* diskimage parts: a disk image file from an image's file system (see
 * diskimage.c for both flows, and what is recorded to skip unchanged ones). */
#ifndef BERTH_DISKIMAGE_H
#define BERTH_DISKIMAGE_H

#include "base/strbuf.h"
#include "converge/converge_int.h"

int diskimage_part_converge(struct cv *cv, const struct part *pt, berr **err);

/* down --rmi: the outputs of the selected diskimage parts (all when sel is
 * NULL), except keep = true ones unless include_kept, and only while each is
 * still the file berth wrote; each removed path goes on a line of removed. */
int diskimage_remove_outputs(const struct project *p, const struct project_sel *sel,
                             bool include_kept, bool dry_run, strbuf *removed, berr **err);

#endif
