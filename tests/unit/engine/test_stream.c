/* Unit tests for the stream decoders: the line splitter and the stdout/stderr
 * demultiplexer, each fed the same bytes cut at every possible place. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/stream.h"
#include "base/strbuf.h"
#include "../tap.h"
#include "base/util.h"

/* Show bytes readably: control bytes as \xNN. */
static void add_shown(strbuf *sb, const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c < 0x20 || c == '|' || c == '\\')
            sb_addf(sb, "\\x%02x", c);
        else
            sb_addc(sb, (char)c);
    }
}

/* ================= lines ================= */

struct lines_got {
    strbuf lines; /* each line shown, followed by '|' */
    int calls;
    const char *stop_at; /* the callback fails on this line */
    bool called_after_stop;
    bool stopped;
};

static int on_line(void *ud, const char *line, size_t len, berr **err)
{
    struct lines_got *g = ud;
    if (g->stopped)
        g->called_after_stop = true;
    g->calls++;
    if (len == 0)
        sb_adds(&g->lines, "<EMPTY>");
    if (g->stop_at && len == strlen(g->stop_at) && memcmp(line, g->stop_at, len) == 0) {
        g->stopped = true;
        return berr_set(err, BERR_FAILURE, "callback stops at '%s'", g->stop_at);
    }
    add_shown(&g->lines, line, len);
    sb_addc(&g->lines, '|');
    return 0;
}

struct line_case {
    const char *name;
    const char *in;
    size_t in_len;      /* 0: strlen(in) */
    size_t max_line;    /* 0: the default */
    const char *stop_at;
    const char *want_fed;     /* lines delivered by the feeds */
    const char *want_all;     /* after finish too (when feeding succeeded) */
    int want_rc;              /* of the feeds (the first that fails) */
    const char *want_err;     /* substring of the error */
};

/* One run: feed `in` cut at the given points (sorted, in (0, len)), then finish. */
struct line_run {
    int feed_rc, finish_rc;
    char *fed, *all, *errmsg;
    bool called_after_stop;
};

static void run_lines(const struct line_case *c, const size_t *cuts, size_t ncuts,
                      struct line_run *r)
{
    size_t len = c->in_len ? c->in_len : strlen(c->in);
    struct line_splitter ls;
    line_splitter_init(&ls, c->max_line);
    struct lines_got g = {.lines = STRBUF_INIT, .stop_at = c->stop_at};
    berr *err = NULL;
    memset(r, 0, sizeof *r);
    size_t from = 0;
    for (size_t k = 0; k <= ncuts && r->feed_rc == 0; k++) {
        size_t to = k < ncuts ? cuts[k] : len;
        r->feed_rc = line_splitter_feed(&ls, c->in + from, to - from, on_line, &g, &err);
        from = to;
    }
    r->fed = xstrdup(g.lines.buf);
    if (r->feed_rc == 0)
        r->finish_rc = line_splitter_finish(&ls, on_line, &g, &err);
    r->all = xstrdup(g.lines.buf);
    r->errmsg = err ? xstrdup(err->msg) : NULL;
    r->called_after_stop = g.called_after_stop;
    berr_free(err);
    sb_release(&g.lines);
    line_splitter_release(&ls);
}

static void run_free(struct line_run *r)
{
    free(r->fed);
    free(r->all);
    free(r->errmsg);
}

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_run(const struct line_run *a, const struct line_run *b)
{
    return a->feed_rc == b->feed_rc && a->finish_rc == b->finish_rc && same_str(a->fed, b->fed) &&
           same_str(a->all, b->all) && same_str(a->errmsg, b->errmsg) &&
           a->called_after_stop == b->called_after_stop;
}

static void check_line_cases(void)
{
    const struct line_case cases[] = {
        {"three lines", "a\nbb\nccc\n", 0, 0, NULL, "a|bb|ccc|", "a|bb|ccc|", 0, NULL},
        {"CRLF", "a\r\nbb\r\n", 0, 0, NULL, "a|bb|", "a|bb|", 0, NULL},
        {"blank lines skipped", "\n\na\n\n\r\n\nb\n\n", 0, 0, NULL, "a|b|", "a|b|", 0, NULL},
        {"only the CR of CRLF is dropped", "a\r\r\n", 0, 0, NULL, "a\\x0d|", "a\\x0d|", 0, NULL},
        {"a bare CR inside a line stays", "a\rb\n", 0, 0, NULL, "a\\x0db|", "a\\x0db|", 0, NULL},
        {"last line without newline only at finish", "one\ntwo", 0, 0, NULL, "one|", "one|two|",
         0, NULL},
        {"last line with CR and no newline", "one\r\ntwo\r", 0, 0, NULL, "one|", "one|two|", 0,
         NULL},
        {"only a partial line", "{\"status\":\"x\"}", 0, 0, NULL, "", "{\"status\":\"x\"}|", 0,
         NULL},
        {"empty input", "", 0, 0, NULL, "", "", 0, NULL},
        {"only newlines", "\n\r\n\n", 0, 0, NULL, "", "", 0, NULL},
        {"JSON messages", "{\"stream\":\"Step 1/2\\n\"}\r\n{\"stream\":\"ok\"}\n", 0, 0, NULL,
         "{\"stream\":\"Step 1/2\\x5cn\"}|{\"stream\":\"ok\"}|",
         "{\"stream\":\"Step 1/2\\x5cn\"}|{\"stream\":\"ok\"}|", 0, NULL},
        {"NUL bytes kept", "a\0b\nc\n", 6, 0, NULL, "a\\x00b|c|", "a\\x00b|c|", 0, NULL},
        {"UTF-8 kept", "caf\xc3\xa9\n\xe2\x82\xac\n", 0, 0, NULL, "caf\xc3\xa9|\xe2\x82\xac|",
         "caf\xc3\xa9|\xe2\x82\xac|", 0, NULL},
        {"line of exactly max_line", "abcd\nxy\n", 0, 4, NULL, "abcd|xy|", "abcd|xy|", 0, NULL},
        {"line longer than max_line", "abcd\nabcde\nz\n", 0, 4, NULL, "abcd|", NULL, -1,
         "longer than 4"},
        {"unterminated line longer than max_line", "ab\nabcdefgh", 0, 4, NULL, "ab|", NULL, -1,
         "longer than 4"},
        {"callback error stops the feed", "a\nSTOP\nc\nd\n", 0, 0, "STOP", "a|", NULL, -1,
         "callback stops at 'STOP'"},
        {"callback error on the first line", "STOP\r\nb\n", 0, 0, "STOP", "", NULL, -1,
         "callback stops at 'STOP'"},
        {"callback error at finish", "a\nSTOP", 0, 0, "STOP", "a|", "a|", 0,
         "callback stops at 'STOP'"},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const struct line_case *c = &cases[i];
        size_t len = c->in_len ? c->in_len : strlen(c->in);
        char name[300];

        /* whole */
        struct line_run whole;
        run_lines(c, NULL, 0, &whole);
        snprintf(name, sizeof name, "lines '%s': feed result", c->name);
        is_int(whole.feed_rc, c->want_rc, name);
        snprintf(name, sizeof name, "lines '%s': lines delivered by the feeds", c->name);
        is_str(whole.fed, c->want_fed, name);
        if (c->want_rc == 0) {
            bool finish_fails = c->stop_at && c->want_err;
            snprintf(name, sizeof name, "lines '%s': finish result", c->name);
            is_int(whole.finish_rc, finish_fails ? -1 : 0, name);
            snprintf(name, sizeof name, "lines '%s': lines after finish", c->name);
            is_str(whole.all, c->want_all, name);
        }
        if (c->want_err) {
            snprintf(name, sizeof name, "lines '%s': the error says why", c->name);
            has_str(whole.errmsg, c->want_err, name);
        } else {
            snprintf(name, sizeof name, "lines '%s': no error", c->name);
            ok(whole.errmsg == NULL, name);
        }
        snprintf(name, sizeof name, "lines '%s': no callback after the one that failed",
                 c->name);
        ok(!whole.called_after_stop, name);

        /* 1-byte pieces */
        size_t *cuts = xcalloc(len ? len : 1, sizeof *cuts);
        for (size_t k = 1; k < len; k++)
            cuts[k - 1] = k;
        struct line_run bytes;
        run_lines(c, cuts, len ? len - 1 : 0, &bytes);
        snprintf(name, sizeof name, "lines '%s': fed byte by byte, the same result", c->name);
        if (!ok(same_run(&whole, &bytes), name))
            printf("#   fed '%s' all '%s' rc %d/%d err '%s'\n", bytes.fed, bytes.all,
                   bytes.feed_rc, bytes.finish_rc, bytes.errmsg ? bytes.errmsg : "");
        run_free(&bytes);
        free(cuts);

        /* every split point of a 2-piece feed (including empty pieces) */
        bool all_same = true;
        for (size_t k = 0; k <= len; k++) {
            struct line_run two;
            size_t cut = k;
            run_lines(c, &cut, 1, &two);
            if (!same_run(&whole, &two)) {
                if (all_same)
                    printf("#   split at %zu: fed '%s' all '%s' rc %d/%d\n", k, two.fed, two.all,
                           two.feed_rc, two.finish_rc);
                all_same = false;
            }
            run_free(&two);
        }
        snprintf(name, sizeof name, "lines '%s': every 2-piece split, the same result", c->name);
        ok(all_same, name);
        run_free(&whole);
    }
}

static void check_line_misc(void)
{
    struct line_splitter ls;
    line_splitter_init(&ls, 0);
    is_int(ls.max_line, 1u << 20, "max_line 0 means 1 MiB");
    struct lines_got g = {.lines = STRBUF_INIT};
    berr *err = NULL;
    is_int(line_splitter_feed(&ls, "", 0, on_line, &g, &err), 0, "an empty feed is fine");
    is_int(line_splitter_feed(&ls, "par", 3, on_line, &g, &err), 0, "a partial line is kept");
    is_int(g.calls, 0, "nothing delivered before the newline");
    is_int(line_splitter_finish(&ls, on_line, &g, &err), 0, "finish delivers it");
    is_str(g.lines.buf, "par|", "the partial line came out at finish");
    is_int(line_splitter_finish(&ls, on_line, &g, &err), 0, "a second finish is a no-op");
    is_int(g.calls, 1, "the second finish delivers nothing again");
    line_splitter_feed(&ls, "next\n", 5, on_line, &g, &err);
    is_str(g.lines.buf, "par|next|", "the splitter is reusable after finish");
    ok(err == NULL, "no error along the way");

    /* a 1 MiB + 1 line is refused by default; 1 MiB exactly is fine */
    size_t big = (1u << 20);
    char *buf = xmalloc(big + 2);
    memset(buf, 'x', big + 1);
    buf[big] = '\n';
    sb_reset(&g.lines);
    g.calls = 0;
    is_int(line_splitter_feed(&ls, buf, big + 1, on_line, &g, &err), 0,
           "a 1 MiB line passes the default limit");
    is_int(g.calls, 1, "and is delivered once");
    buf[big] = 'x';
    buf[big + 1] = '\n';
    is_int(line_splitter_feed(&ls, buf, big + 2, on_line, &g, &err), -1,
           "a 1 MiB + 1 byte line fails the default limit");
    ok(err && err->code == BERR_ENGINE, "the long-line error is BERR_ENGINE");
    free(buf);
    berr_free(err);
    sb_release(&g.lines);
    line_splitter_release(&ls);
}

/* ================= multiplexed frames ================= */

static void add_frame(strbuf *sb, int stream, const char *payload, size_t len)
{
    unsigned char h[8] = {(unsigned char)stream, 0, 0, 0, (unsigned char)(len >> 24),
                          (unsigned char)(len >> 16), (unsigned char)(len >> 8),
                          (unsigned char)len};
    sb_add(sb, h, 8);
    sb_add(sb, payload, len);
}

struct demux_got {
    strbuf out, err, in;
    strbuf log; /* "1:...|2:...|" with consecutive pieces of one stream merged */
    int last_stream;
    int calls;
    size_t fail_after; /* fail once this many payload bytes came (0: never) */
    size_t bytes;
};

static int on_frame(void *ud, int stream, const char *data, size_t len, berr **err)
{
    struct demux_got *g = ud;
    g->calls++;
    strbuf *dst = stream == STREAM_STDOUT ? &g->out : stream == STREAM_STDERR ? &g->err : &g->in;
    sb_add(dst, data, len);
    if (len) {
        if (stream != g->last_stream) {
            if (g->last_stream >= 0)
                sb_addc(&g->log, '|');
            sb_addf(&g->log, "%d:", stream);
            g->last_stream = stream;
        }
        add_shown(&g->log, data, len);
    }
    g->bytes += len;
    if (g->fail_after && g->bytes >= g->fail_after)
        return berr_set(err, BERR_FAILURE, "writer failed");
    return 0;
}

struct demux_run {
    int feed_rc, finish_rc;
    char *out, *err, *in, *log, *errmsg;
};

static void demux_run_free(struct demux_run *r)
{
    free(r->out);
    free(r->err);
    free(r->in);
    free(r->log);
    free(r->errmsg);
}

static bool same_demux(const struct demux_run *a, const struct demux_run *b)
{
    return a->feed_rc == b->feed_rc && a->finish_rc == b->finish_rc && same_str(a->out, b->out) &&
           same_str(a->err, b->err) && same_str(a->in, b->in) && same_str(a->log, b->log) &&
           same_str(a->errmsg, b->errmsg);
}

/* Feed data in pieces ending at cuts (or, when step, in step-byte pieces). */
static void run_demux(const char *data, size_t len, const size_t *cuts, size_t ncuts, size_t step,
                      size_t fail_after, struct demux_run *r)
{
    struct demux d;
    demux_init(&d);
    struct demux_got g = {.out = STRBUF_INIT, .err = STRBUF_INIT, .in = STRBUF_INIT,
                          .log = STRBUF_INIT, .last_stream = -1, .fail_after = fail_after};
    berr *err = NULL;
    memset(r, 0, sizeof *r);
    if (step) {
        for (size_t from = 0; from < len && r->feed_rc == 0; from += step) {
            size_t n = len - from < step ? len - from : step;
            r->feed_rc = demux_feed(&d, data + from, n, on_frame, &g, &err);
        }
    } else {
        size_t from = 0;
        for (size_t k = 0; k <= ncuts && r->feed_rc == 0; k++) {
            size_t to = k < ncuts ? cuts[k] : len;
            r->feed_rc = demux_feed(&d, data + from, to - from, on_frame, &g, &err);
            from = to;
        }
    }
    if (r->feed_rc == 0)
        r->finish_rc = demux_finish(&d, &err);
    r->out = sb_detach(&g.out, NULL);
    r->err = sb_detach(&g.err, NULL);
    r->in = sb_detach(&g.in, NULL);
    r->log = sb_detach(&g.log, NULL);
    r->errmsg = err ? xstrdup(err->msg) : NULL;
    if (err && err->code != BERR_ENGINE && err->code != BERR_FAILURE)
        r->feed_rc = 99; /* an unexpected category shows up as a mismatch */
    berr_free(err);
}

struct demux_case {
    const char *name;
    void (*build)(strbuf *sb);
    size_t fail_after;
    const char *want_out, *want_err, *want_in, *want_log;
    int want_feed_rc, want_finish_rc;
    const char *want_errmsg;
};

static void b_interleaved(strbuf *sb)
{
    add_frame(sb, 1, "hello\n", 6);
    add_frame(sb, 2, "oops\n", 5);
    add_frame(sb, 1, "bye", 3);
    add_frame(sb, 2, "!", 1);
    add_frame(sb, 1, "\n", 1);
}
static void b_zero_len(strbuf *sb)
{
    add_frame(sb, 1, "a", 1);
    add_frame(sb, 2, "", 0);
    add_frame(sb, 1, "", 0);
    add_frame(sb, 2, "b", 1);
    add_frame(sb, 1, "", 0);
}
static void b_only_zero(strbuf *sb) { add_frame(sb, 2, "", 0); }
static void b_empty(strbuf *sb) { (void)sb; }
static void b_stdin(strbuf *sb)
{
    add_frame(sb, 0, "in", 2);
    add_frame(sb, 1, "out", 3);
}
static void b_binary(strbuf *sb)
{
    add_frame(sb, 1, "\0\1\2\x80\xff", 5);
    add_frame(sb, 2, "\x01\0\0\0\0\0\0\x05", 8); /* a payload that looks like a header */
}
static void b_stream3(strbuf *sb)
{
    add_frame(sb, 1, "ok", 2);
    add_frame(sb, 3, "bad", 3);
    add_frame(sb, 1, "never", 5);
}
static void b_pad1(strbuf *sb)
{
    sb_add(sb, "\x01\x01\0\0\0\0\0\x01x", 9);
}
static void b_pad2(strbuf *sb)
{
    sb_add(sb, "\x02\0\x01\0\0\0\0\x01x", 9);
}
static void b_pad3(strbuf *sb)
{
    sb_add(sb, "\x01\0\0\x01\0\0\0\x01x", 9);
}
static void b_plain(strbuf *sb) { sb_adds(sb, "hello world, this is a tty stream\n"); }
static void b_mid_header(strbuf *sb)
{
    add_frame(sb, 1, "abc", 3);
    sb_add(sb, "\x01\0\0", 3);
}
static void b_mid_payload(strbuf *sb)
{
    add_frame(sb, 1, "abc", 3);
    sb_add(sb, "\x02\0\0\0\0\0\0\x0a" "12345", 13);
}
static void b_header_only(strbuf *sb) { sb_add(sb, "\x01\0\0\0\0\0\0\x03", 8); }
static void b_writer_fails(strbuf *sb)
{
    add_frame(sb, 1, "abc", 3);
    add_frame(sb, 2, "def", 3);
    add_frame(sb, 1, "ghi", 3);
}

static void check_demux_cases(void)
{
    const struct demux_case cases[] = {
        {"interleaved stdout and stderr", b_interleaved, 0, "hello\nbye\n", "oops\n!", "",
         "1:hello\\x0a|2:oops\\x0a|1:bye|2:!|1:\\x0a", 0, 0, NULL},
        {"zero-length frames", b_zero_len, 0, "a", "b", "", "1:a|2:b", 0, 0, NULL},
        {"a lone zero-length frame", b_only_zero, 0, "", "", "", "", 0, 0, NULL},
        {"no data at all", b_empty, 0, "", "", "", "", 0, 0, NULL},
        {"stdin frames are passed on", b_stdin, 0, "out", "", "in", "0:in|1:out", 0, 0, NULL},
        {"binary payloads", b_binary, 0, "\0\1\2\x80\xff", "\x01\0\0\0\0\0\0\x05", "",
         "1:\\x00\\x01\\x02\x80\xff|2:\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x05", 0, 0, NULL},
        {"stream type 3", b_stream3, 0, "ok", "", "", "1:ok", -1, 0, "not multiplexed"},
        {"non-zero padding byte 1", b_pad1, 0, "", "", "", "", -1, 0, "not multiplexed"},
        {"non-zero padding byte 2", b_pad2, 0, "", "", "", "", -1, 0, "not multiplexed"},
        {"non-zero padding byte 3", b_pad3, 0, "", "", "", "", -1, 0, "not multiplexed"},
        {"a plain (tty) stream", b_plain, 0, "", "", "", "", -1, 0, "not multiplexed"},
        {"ends mid-header", b_mid_header, 0, "abc", "", "", "1:abc", 0, -1,
         "ended inside a frame"},
        {"ends mid-payload", b_mid_payload, 0, "abc", "12345", "", "1:abc|2:12345", 0, -1,
         "ended inside a frame"},
        {"ends after a header", b_header_only, 0, "", "", "", "", 0, -1, "ended inside a frame"},
        {"writer error stops the feed", b_writer_fails, 6, "abc", "def", "", "1:abc|2:def", -1, 0,
         "writer failed"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const struct demux_case *c = &cases[i];
        strbuf in = STRBUF_INIT;
        c->build(&in);
        char name[300];
        struct demux_run whole;
        run_demux(in.buf, in.len, NULL, 0, 0, c->fail_after, &whole);

        snprintf(name, sizeof name, "demux '%s': feed result", c->name);
        is_int(whole.feed_rc, c->want_feed_rc, name);
        snprintf(name, sizeof name, "demux '%s': finish result", c->name);
        is_int(whole.finish_rc, c->want_finish_rc, name);
        snprintf(name, sizeof name, "demux '%s': order of the pieces", c->name);
        is_str(whole.log, c->want_log, name);
        /* (payloads with NUL bytes are checked byte for byte through the log) */
        snprintf(name, sizeof name, "demux '%s': stdout", c->name);
        is_str(whole.out, c->want_out, name);
        snprintf(name, sizeof name, "demux '%s': stderr", c->name);
        is_str(whole.err, c->want_err, name);
        snprintf(name, sizeof name, "demux '%s': stdin", c->name);
        is_str(whole.in, c->want_in, name);
        if (c->want_errmsg) {
            snprintf(name, sizeof name, "demux '%s': the error says '%s'", c->name,
                     c->want_errmsg);
            has_str(whole.errmsg, c->want_errmsg, name);
        } else {
            snprintf(name, sizeof name, "demux '%s': no error", c->name);
            ok(whole.errmsg == NULL, name);
        }

        struct demux_run bytes;
        run_demux(in.buf, in.len, NULL, 0, 1, c->fail_after, &bytes);
        snprintf(name, sizeof name, "demux '%s': byte by byte, the same result", c->name);
        if (!ok(same_demux(&whole, &bytes), name))
            printf("#   log '%s' rc %d/%d err '%s'\n", bytes.log, bytes.feed_rc, bytes.finish_rc,
                   bytes.errmsg ? bytes.errmsg : "");
        demux_run_free(&bytes);

        bool all_same = true;
        for (size_t k = 0; k <= in.len; k++) {
            struct demux_run two;
            run_demux(in.buf, in.len, &k, 1, 0, c->fail_after, &two);
            if (!same_demux(&whole, &two)) {
                if (all_same)
                    printf("#   split at %zu: log '%s' rc %d/%d\n", k, two.log, two.feed_rc,
                           two.finish_rc);
                all_same = false;
            }
            demux_run_free(&two);
        }
        snprintf(name, sizeof name, "demux '%s': every 2-piece split, the same result", c->name);
        ok(all_same, name);

        demux_run_free(&whole);
        sb_release(&in);
    }
}

/* A frame bigger than 64 KiB: the size is big-endian over all four bytes. */
static void check_demux_big(void)
{
    size_t n = 70000;
    char *payload = xmalloc(n);
    for (size_t i = 0; i < n; i++)
        payload[i] = (char)('a' + i % 26);
    strbuf in = STRBUF_INIT;
    add_frame(&in, 2, payload, n);
    add_frame(&in, 1, "tail", 4);
    static const size_t steps[] = {0, 1, 7, 4096, 65536};
    for (size_t s = 0; s < ARRAY_SIZE(steps); s++) {
        struct demux_run r;
        run_demux(in.buf, in.len, NULL, 0, steps[s], 0, &r);
        char name[100];
        snprintf(name, sizeof name, "demux a 70000-byte frame in %zu-byte pieces: ok", steps[s]);
        ok(r.feed_rc == 0 && r.finish_rc == 0, name);
        snprintf(name, sizeof name, "demux a 70000-byte frame in %zu-byte pieces: stderr",
                 steps[s]);
        ok(strlen(r.err) == n && memcmp(r.err, payload, n) == 0, name);
        snprintf(name, sizeof name, "demux a 70000-byte frame in %zu-byte pieces: stdout",
                 steps[s]);
        is_str(r.out, "tail", name);
        demux_run_free(&r);
    }
    free(payload);
    sb_release(&in);

    /* NUL-bearing payloads land on the right stream byte for byte */
    strbuf b = STRBUF_INIT;
    b_binary(&b);
    struct demux_run r;
    run_demux(b.buf, b.len, NULL, 0, 1, 0, &r);
    ok(memcmp(r.out, "\0\1\2\x80\xff", 5) == 0, "demux binary stdout payload byte for byte");
    ok(memcmp(r.err, "\x01\0\0\0\0\0\0\x05", 8) == 0, "demux binary stderr payload byte for byte");
    demux_run_free(&r);
    sb_release(&b);

    /* the bad-header error is BERR_ENGINE */
    struct demux d;
    demux_init(&d);
    berr *err = NULL;
    struct demux_got g = {.out = STRBUF_INIT, .err = STRBUF_INIT, .in = STRBUF_INIT,
                          .log = STRBUF_INIT, .last_stream = -1};
    is_int(demux_feed(&d, "\x03\0\0\0\0\0\0\0", 8, on_frame, &g, &err), -1,
           "demux header with stream 3 fails");
    ok(err && err->code == BERR_ENGINE, "demux bad header is BERR_ENGINE");
    is_int(g.calls, 0, "demux bad header: no callback");
    berr_free(err);
    err = NULL;
    demux_init(&d);
    demux_feed(&d, "\x01\0\0", 3, on_frame, &g, &err);
    is_int(demux_finish(&d, &err), -1, "demux_finish mid-header fails");
    ok(err && err->code == BERR_ENGINE, "demux truncated stream is BERR_ENGINE");
    berr_free(err);
    is_int(demux_finish(&d, NULL), -1, "demux_finish with err NULL still reports -1");
    sb_release(&g.out);
    sb_release(&g.err);
    sb_release(&g.in);
    sb_release(&g.log);
}

int main(void)
{
    check_line_cases();
    check_line_misc();
    check_demux_cases();
    check_demux_big();
    return tap_done();
}
