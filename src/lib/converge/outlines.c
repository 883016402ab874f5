#include "converge/outlines.h"

#include <string.h>

#include "base/util.h"

void outlines_init(struct outlines *o, reporter *rep, const char *subject, bool muxed)
{
    memset(o, 0, sizeof *o);
    o->rep = rep;
    o->subject = subject;
    o->muxed = muxed;
    line_splitter_init(&o->ls, 0);
    demux_init(&o->dm);
}

void outlines_release(struct outlines *o)
{
    line_splitter_release(&o->ls);
    for (int i = 0; i < OUTLINES_TAIL; i++)
        free(o->tail[i]);
    memset(o->tail, 0, sizeof o->tail);
    o->n = o->next = 0;
}

static int one_line(void *ud, const char *line, size_t len, berr **err)
{
    (void)err;
    struct outlines *o = ud;
    char *s = plain_text(line, len);
    free(o->tail[o->next]);
    o->tail[o->next] = s;
    o->next = (o->next + 1) % OUTLINES_TAIL;
    if (o->n < OUTLINES_TAIL)
        o->n++;
    report(o->rep, EV_LINE, o->subject, NULL, s);
    return 0;
}

static int one_frame(void *ud, int stream, const char *data, size_t len, berr **err)
{
    (void)stream; /* both streams are shown alike, in the order they came */
    struct outlines *o = ud;
    return line_splitter_feed(&o->ls, data, len, one_line, o, err);
}

int outlines_feed(void *ud, const char *data, size_t len, berr **err)
{
    struct outlines *o = ud;
    if (o->muxed)
        return demux_feed(&o->dm, data, len, one_frame, o, err);
    return line_splitter_feed(&o->ls, data, len, one_line, o, err);
}

int outlines_finish(struct outlines *o, berr **err)
{
    if (o->muxed && demux_finish(&o->dm, err) < 0)
        return -1;
    return line_splitter_finish(&o->ls, one_line, o, err);
}

char *outlines_tail(const struct outlines *o)
{
    strbuf sb = STRBUF_INIT;
    sb_adds(&sb, "");
    for (int i = 0; i < o->n; i++)
        sb_addf(&sb, "\n  | %s", o->tail[(o->next - o->n + i + OUTLINES_TAIL) % OUTLINES_TAIL]);
    return sb_detach(&sb, NULL);
}

/* The classic builder colours a step's stderr (ESC[91m ... ESC[0m). */
char *plain_text(const char *line, size_t len)
{
    char *out = xmalloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c == 0x1b) {
            if (i + 1 < len && line[i + 1] == '[') {
                /* CSI: parameters and intermediates, then one final byte. */
                i += 2;
                while (i < len && !((unsigned char)line[i] >= 0x40 && (unsigned char)line[i] <= 0x7e))
                    i++;
            } else if (i + 1 < len) {
                i++;
            }
            continue;
        }
        if (c == '\r')
            continue;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return out;
}

int outlines_script_end(struct outlines *o, int rc, int code, berr **err)
{
    if (rc == 0)
        rc = outlines_finish(o, err);
    if (rc == 0 && code != 0) {
        char *t = outlines_tail(o);
        rc = berr_set(err, BERR_FAILURE, "the script exited with %d%s", code, t);
        free(t);
    }
    outlines_release(o);
    return rc;
}
