/* libFuzzer target for the stream decoders.
 *
 * The input's first bytes steer the run: a small line limit, which callback
 * call should fail, and a seed for the piece sizes; the rest is the stream.
 * It is fed to a line splitter and to a demultiplexer in pieces whose sizes
 * come from the input too, and the results are checked against a feed of the
 * whole stream at once: how it is cut must never change what comes out. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/stream.h"
#include "base/strbuf.h"

struct out {
    strbuf got;      /* everything delivered, with separators */
    unsigned calls;
    unsigned fail_at; /* this call (1-based) fails; 0: never */
};

static int on_line(void *ud, const char *line, size_t len, berr **err)
{
    struct out *o = ud;
    if (len == 0 || memchr(line, '\n', len))
        abort(); /* the splitter promised no blank line and no '\n' */
    o->calls++;
    if (o->fail_at && o->calls == o->fail_at)
        return berr_set(err, BERR_FAILURE, "stop");
    sb_add(&o->got, line, len);
    sb_addc(&o->got, '\n');
    return 0;
}

static int on_frame(void *ud, int stream, const char *data, size_t len, berr **err)
{
    struct out *o = ud;
    if (stream < STREAM_STDIN || stream > STREAM_STDERR || len == 0)
        abort();
    o->calls++;
    if (o->fail_at && o->calls == o->fail_at)
        return berr_set(err, BERR_FAILURE, "stop");
    /* pieces of one frame may be split differently: record bytes per stream
     * tagged byte by byte so any cut gives the same record */
    for (size_t i = 0; i < len; i++) {
        sb_addc(&o->got, (char)('0' + stream));
        sb_addc(&o->got, data[i]);
    }
    return 0;
}

/* Next piece size from the steering bytes (1..64, or a big one now and then). */
static size_t next_piece(const uint8_t *steer, size_t nsteer, size_t *k, size_t left)
{
    size_t n = 1;
    if (nsteer) {
        uint8_t b = steer[(*k)++ % nsteer];
        n = b >= 0xf0 ? left : (size_t)(b & 63) + 1;
    }
    return n < left ? n : left;
}

static int run_lines(const char *s, size_t len, size_t max_line, unsigned fail_at,
                     const uint8_t *steer, size_t nsteer, strbuf *result)
{
    struct line_splitter ls;
    line_splitter_init(&ls, max_line);
    struct out o = {.got = STRBUF_INIT, .fail_at = fail_at};
    berr *err = NULL;
    int rc = 0;
    size_t k = 0;
    for (size_t off = 0; off < len && rc == 0;) {
        size_t n = steer ? next_piece(steer, nsteer, &k, len - off) : len;
        rc = line_splitter_feed(&ls, s + off, n, on_line, &o, &err);
        off += n;
    }
    if (rc == 0)
        rc = line_splitter_finish(&ls, on_line, &o, &err);
    if ((rc < 0) != (err != NULL))
        abort(); /* a failure always comes with its error, and only then */
    berr_free(err);
    line_splitter_release(&ls);
    *result = o.got;
    return rc;
}

static int run_demux(const char *s, size_t len, unsigned fail_at, const uint8_t *steer,
                     size_t nsteer, strbuf *result)
{
    struct demux d;
    demux_init(&d);
    struct out o = {.got = STRBUF_INIT, .fail_at = fail_at};
    berr *err = NULL;
    int rc = 0;
    size_t k = 0;
    for (size_t off = 0; off < len && rc == 0;) {
        size_t n = steer ? next_piece(steer, nsteer, &k, len - off) : len;
        rc = demux_feed(&d, s + off, n, on_frame, &o, &err);
        off += n;
    }
    if (rc == 0)
        rc = demux_finish(&d, &err);
    if ((rc < 0) != (err != NULL))
        abort();
    berr_free(err);
    *result = o.got;
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    size_t max_line = data[0] & 0x80 ? (size_t)(data[0] & 0x7f) + 1 : 0; /* 0: 1 MiB */
    unsigned fail_at = data[1] & 0x0f;         /* 0: callbacks never fail */
    size_t nsteer = (size_t)(data[2] & 0x0f);  /* steering bytes after the header */
    data += 3;
    size -= 3;
    if (nsteer > size)
        nsteer = size;
    const uint8_t *steer = data;
    const char *s = (const char *)data + nsteer;
    size_t len = size - nsteer;
    /* with no steering bytes, feed byte by byte */
    static const uint8_t one = 0;

    strbuf a, b;
    int ra = run_lines(s, len, max_line, fail_at, NULL, 0, &a);
    int rb = run_lines(s, len, max_line, fail_at, nsteer ? steer : &one, nsteer ? nsteer : 1, &b);
    if (ra != rb || a.len != b.len || memcmp(a.buf, b.buf, a.len) != 0)
        abort(); /* the cut changed the lines */
    sb_release(&a);
    sb_release(&b);

    ra = run_demux(s, len, 0, NULL, 0, &a);
    rb = run_demux(s, len, 0, nsteer ? steer : &one, nsteer ? nsteer : 1, &b);
    if (ra != rb || a.len != b.len || memcmp(a.buf, b.buf, a.len) != 0)
        abort(); /* the cut changed the frames */
    sb_release(&a);
    sb_release(&b);

    /* a failing writer stops the demultiplexer wherever it falls */
    if (fail_at) {
        ra = run_demux(s, len, fail_at, nsteer ? steer : &one, nsteer ? nsteer : 1, &a);
        sb_release(&a);
    }
    return 0;
}
