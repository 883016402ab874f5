#include "engine/stream.h"

#include <string.h>

#include "base/util.h"

void line_splitter_init(struct line_splitter *ls, size_t max_line)
{
    sb_init(&ls->partial);
    ls->max_line = max_line ? max_line : (1u << 20);
}

void line_splitter_release(struct line_splitter *ls)
{
    sb_release(&ls->partial);
}

static int emit(const char *line, size_t len, line_cb *cb, void *ud, berr **err)
{
    if (len && line[len - 1] == '\r')
        len--;
    if (!len)
        return 0;
    return cb(ud, line, len, err);
}

int line_splitter_feed(struct line_splitter *ls, const char *data, size_t len, line_cb *cb,
                       void *ud, berr **err)
{
    while (len) {
        const char *nl = memchr(data, '\n', len);
        size_t take = nl ? (size_t)(nl - data) : len;
        if (ls->partial.len + take > ls->max_line)
            return berr_set(err, BERR_ENGINE, "a streamed message is longer than %zu bytes",
                            ls->max_line);
        if (!nl) {
            sb_add(&ls->partial, data, take);
            return 0;
        }
        int rc;
        if (ls->partial.len) {
            sb_add(&ls->partial, data, take);
            rc = emit(ls->partial.buf, ls->partial.len, cb, ud, err);
            sb_reset(&ls->partial);
        } else {
            rc = emit(data, take, cb, ud, err); /* the common case: no copy */
        }
        if (rc < 0)
            return -1;
        data += take + 1;
        len -= take + 1;
    }
    return 0;
}

int line_splitter_finish(struct line_splitter *ls, line_cb *cb, void *ud, berr **err)
{
    if (!ls->partial.len)
        return 0;
    int rc = emit(ls->partial.buf, ls->partial.len, cb, ud, err);
    sb_reset(&ls->partial);
    return rc;
}

void demux_init(struct demux *d)
{
    memset(d, 0, sizeof *d);
}

int demux_feed(struct demux *d, const char *data, size_t len, frame_cb *cb, void *ud, berr **err)
{
    while (len) {
        if (d->remaining == 0) {
            size_t need = sizeof d->hdr - d->hdr_have;
            size_t take = len < need ? len : need;
            memcpy(d->hdr + d->hdr_have, data, take);
            d->hdr_have += take;
            data += take;
            len -= take;
            if (d->hdr_have < sizeof d->hdr)
                return 0;
            d->hdr_have = 0;
            if (d->hdr[0] > STREAM_STDERR || d->hdr[1] || d->hdr[2] || d->hdr[3])
                return berr_set(err, BERR_ENGINE,
                                "the engine's output stream is not multiplexed as expected "
                                "(frame header starts 0x%02x%02x%02x%02x)",
                                d->hdr[0], d->hdr[1], d->hdr[2], d->hdr[3]);
            d->stream = d->hdr[0];
            d->remaining = (uint32_t)d->hdr[4] << 24 | (uint32_t)d->hdr[5] << 16 |
                           (uint32_t)d->hdr[6] << 8 | (uint32_t)d->hdr[7];
            continue;
        }
        size_t take = len < d->remaining ? len : d->remaining;
        if (cb(ud, d->stream, data, take, err) < 0)
            return -1;
        d->remaining -= (uint32_t)take;
        data += take;
        len -= take;
    }
    return 0;
}

int demux_finish(const struct demux *d, berr **err)
{
    if (d->remaining || d->hdr_have)
        return berr_set(err, BERR_ENGINE, "the engine's output stream ended inside a frame");
    return 0;
}
