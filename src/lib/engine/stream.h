/* Decoders for what the engine streams, fed piece by piece as bytes arrive
 * (no assumption about where a read boundary falls):
 *  - newline-delimited messages (build, pull, push, events, JSON progress);
 *  - multiplexed stdout/stderr frames (logs and attach without a TTY):
 *    an 8-byte header {stream, 0, 0, 0, size as big-endian u32} per frame.
 * Pure code: no I/O, unit-tested and fuzzed. */
#ifndef BERTH_STREAM_H
#define BERTH_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/strbuf.h"

/* --- lines --- */
typedef int line_cb(void *ud, const char *line, size_t len, berr **err);

struct line_splitter {
    strbuf partial;
    size_t max_line; /* a line longer than this is an error (0 = 1 MiB) */
};
void line_splitter_init(struct line_splitter *ls, size_t max_line);
void line_splitter_release(struct line_splitter *ls);
/* Calls cb once per complete line (without its '\n'; a trailing '\r' is
 * dropped too). Blank lines are skipped. */
int line_splitter_feed(struct line_splitter *ls, const char *data, size_t len, line_cb *cb,
                       void *ud, berr **err);
/* Flushes a last line that had no '\n'. */
int line_splitter_finish(struct line_splitter *ls, line_cb *cb, void *ud, berr **err);

/* --- multiplexed frames --- */
enum { STREAM_STDIN = 0, STREAM_STDOUT = 1, STREAM_STDERR = 2 };
typedef int frame_cb(void *ud, int stream, const char *data, size_t len, berr **err);

struct demux {
    unsigned char hdr[8];
    size_t hdr_have;
    int stream;
    uint32_t remaining; /* payload bytes left in the current frame */
};
void demux_init(struct demux *d);
/* Calls cb with payload pieces as they arrive (a frame may come in several
 * pieces). An unknown stream type is an error: the data is not multiplexed. */
int demux_feed(struct demux *d, const char *data, size_t len, frame_cb *cb, void *ud, berr **err);
/* Error when the stream ended inside a frame. */
int demux_finish(const struct demux *d, berr **err);

#endif
