#include "transfer/logs.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "engine/api.h"
#include "engine/stream.h"
#include "base/strbuf.h"
#include "base/taskgraph.h"
#include "base/util.h"

void log_src_clear(struct log_src *s)
{
    free(s->id);
    free(s->subject);
    free(s->part);
    free(s->instance);
    memset(s, 0, sizeof *s);
}

int log_ts_cmp(const struct log_ts *a, const struct log_ts *b)
{
    if (a->sec != b->sec)
        return a->sec < b->sec ? -1 : 1;
    return a->nsec < b->nsec ? -1 : a->nsec > b->nsec;
}

void log_ts_format(const struct log_ts *ts, char out[40])
{
    time_t t = (time_t)ts->sec;
    struct tm tm;
    gmtime_r(&t, &tm);
    char date[24];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 40, "%.19s.%09uZ", date, (unsigned)(ts->nsec % 1000000000L));
}

/* n digits at s as a number, or -1. */
static long digits(const char *s, size_t avail, size_t n)
{
    if (avail < n)
        return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* "YYYY-MM-DD[THH:MM:SS[.frac](Z|+HH:MM|-HH:MM)]"; date_only allows the
 * date alone (midnight UTC). *used: bytes consumed. */
static int parse_time(const char *s, size_t len, bool date_only, struct log_ts *ts, size_t *used)
{
    long y = digits(s, len, 4), mo = len > 7 ? digits(s + 5, len - 5, 2) : -1,
         d = len > 9 ? digits(s + 8, len - 8, 2) : -1;
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || s[4] != '-' || s[7] != '-')
        return -1;
    struct tm tm = {.tm_year = (int)y - 1900, .tm_mon = (int)mo - 1, .tm_mday = (int)d};
    size_t i = 10;
    long nsec = 0, off = 0;
    if (i == len && date_only) {
        ts->sec = (long long)timegm(&tm);
        ts->nsec = 0;
        *used = i;
        return 0;
    }
    if (len < 20 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' ||
        s[16] != ':')
        return -1;
    long h = digits(s + 11, len - 11, 2), mi = digits(s + 14, len - 14, 2),
         se = digits(s + 17, len - 17, 2);
    if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60)
        return -1;
    tm.tm_hour = (int)h, tm.tm_min = (int)mi, tm.tm_sec = (int)se;
    i = 19;
    if (i < len && s[i] == '.') {
        long scale = 100000000;
        size_t start = ++i;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, scale /= 10)
            nsec += scale * (s[i] - '0');
        if (i == start)
            return -1;
    }
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < len && (s[i] == '+' || s[i] == '-')) {
        long oh = digits(s + i + 1, len - i - 1, 2), om = len > i + 4 ? digits(s + i + 4, len - i - 4, 2) : -1;
        if (oh < 0 || om < 0 || s[i + 3] != ':')
            return -1;
        off = (oh * 3600 + om * 60) * (s[i] == '+' ? 1 : -1);
        i += 6;
    } else {
        return -1;
    }
    ts->sec = (long long)timegm(&tm) - off;
    ts->nsec = nsec;
    *used = i;
    return 0;
}

int log_ts_parse(const char *s, size_t len, struct log_ts *ts, size_t *used)
{
    size_t n;
    if (parse_time(s, len, false, ts, &n) < 0)
        return -1;
    if (n < len && s[n] == ' ')
        n++;
    else if (n != len)
        return -1;
    *used = n;
    return 0;
}

/* "1h30m", "90s", "2d", "500ms" -> nanoseconds; -1 when s is not one. */
static long long duration_ns(const char *s)
{
    long long total = 0;
    if (!*s)
        return -1;
    while (*s) {
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (end == s || errno || v < 0)
            return -1;
        s = end;
        long long unit;
        if (starts_with(s, "ms"))
            unit = 1000000LL, s += 2;
        else if (*s == 's')
            unit = 1000000000LL, s++;
        else if (*s == 'm')
            unit = 60 * 1000000000LL, s++;
        else if (*s == 'h')
            unit = 3600 * 1000000000LL, s++;
        else if (*s == 'd')
            unit = 86400 * 1000000000LL, s++;
        else
            return -1;
        total += (long long)(v * (double)unit);
    }
    return total;
}

int log_since_parse(const char *s, long long now_sec, struct log_ts *out, berr **err)
{
    size_t used;
    if (parse_time(s, strlen(s), true, out, &used) == 0 && used == strlen(s))
        return 0;
    char *end;
    errno = 0;
    long long sec = strtoll(s, &end, 10);
    if (end != s && !errno && sec >= 0 && (!*end || *end == '.')) {
        long nsec = 0;
        if (*end == '.') {
            long scale = 100000000;
            for (end++; *end >= '0' && *end <= '9'; end++, scale /= 10)
                nsec += scale * (*end - '0');
        }
        if (!*end) {
            *out = (struct log_ts){sec, nsec};
            return 0;
        }
    }
    long long ns = duration_ns(s);
    if (ns >= 0) {
        long long back_s = ns / 1000000000LL;
        long back_ns = (long)(ns % 1000000000LL);
        *out = (struct log_ts){now_sec - back_s - (back_ns ? 1 : 0),
                               back_ns ? 1000000000L - back_ns : 0};
        return 0;
    }
    return berr_set(err, BERR_USAGE, "--since: '%s' is not a time: use a duration back from "
                    "now (10m, 1h30m, 2d), a time (2024-05-01T10:00:00Z), a date (2024-05-01) "
                    "or Unix seconds", s);
}

/* ---- one request ---- */

struct fetch {
    struct log_src *src;
    struct demux dm;
    struct line_splitter ls[3];
    log_line_cb *cb;
    void *ud;
    int stream; /* of the frame being split */
    struct log_ts resume; /* a resumed request: lines up to here were shown */
    bool resuming;
};

static int on_line(void *ud, const char *line, size_t len, berr **err)
{
    struct fetch *f = ud;
    struct log_line l = {.src = f->src, .stream = f->stream, .text = line, .len = len};
    size_t used;
    if (log_ts_parse(line, len, &l.ts, &used) == 0) {
        l.text += used;
        l.len -= used;
    }
    /* a resumed request starts at the last line shown (the engine's since
     * is inclusive): skip it and anything older */
    if (f->resuming && log_ts_cmp(&l.ts, &f->resume) <= 0)
        return 0;
    if (f->cb(f->ud, &l, err) < 0)
        return -1;
    f->src->last = l.ts;
    f->src->has_last = true;
    return 0;
}

static int on_frame(void *ud, int stream, const char *data, size_t len, berr **err)
{
    struct fetch *f = ud;
    if (stream != STREAM_STDOUT && stream != STREAM_STDERR)
        return 0;
    f->stream = stream;
    return line_splitter_feed(&f->ls[stream], data, len, on_line, f, err);
}

static int on_data(void *ud, const char *data, size_t len, berr **err)
{
    struct fetch *f = ud;
    if (f->src->tty)
        return on_frame(f, STREAM_STDOUT, data, len, err);
    return demux_feed(&f->dm, data, len, on_frame, f, err);
}

int logs_fetch(engine *e, struct log_src *src, const struct logs_query *q, bool follow,
               log_line_cb *cb, void *ud, berr **err)
{
    struct fetch f = {.src = src, .cb = cb, .ud = ud, .resume = src->last,
                      .resuming = src->has_last};
    demux_init(&f.dm);
    for (int i = 0; i < 3; i++)
        line_splitter_init(&f.ls[i], 0);
    strbuf qs = STRBUF_INIT;
    sb_addf(&qs, "?stdout=1&stderr=1&timestamps=1&follow=%d", follow ? 1 : 0);
    if (src->has_last)
        sb_addf(&qs, "&since=%lld.%09ld", src->last.sec, src->last.nsec);
    else if (q->has_since)
        sb_addf(&qs, "&since=%lld.%09ld", q->since.sec, q->since.nsec);
    if (!src->has_last && !src->from_start && q->tail)
        query_add(&qs, "tail", q->tail);
    int rc = api_container_logs(e, src->id, qs.buf, on_data, &f, err);
    for (int s = STREAM_STDOUT; rc == 0 && s <= STREAM_STDERR; s++) {
        f.stream = s;
        rc = line_splitter_finish(&f.ls[s], on_line, &f, err);
    }
    if (rc == 0 && !src->tty)
        rc = demux_finish(&f.dm, err);
    for (int i = 0; i < 3; i++)
        line_splitter_release(&f.ls[i]);
    sb_release(&qs);
    return rc;
}

/* ---- history: spooled per container, merged by time ---- */

struct rec {
    int64_t sec;
    int32_t nsec;
    int32_t stream;
    uint64_t len;
};

struct spool {
    engine *e;
    struct log_src *src;
    const struct logs_query *q;
    FILE *f;
};

static int spool_line(void *ud, const struct log_line *l, berr **err)
{
    struct spool *s = ud;
    struct rec r = {l->ts.sec, (int32_t)l->ts.nsec, l->stream, l->len};
    if (fwrite(&r, sizeof r, 1, s->f) != 1 || (l->len && fwrite(l->text, l->len, 1, s->f) != 1))
        return berr_errno(err, BERR_FAILURE, errno, "write a temporary file");
    return 0;
}

static int spool_task(void *ud, struct sched_task *t, berr **err)
{
    (void)t;
    struct spool *s = ud;
    if (!(s->f = tmpfile()))
        return berr_errno(err, BERR_FAILURE, errno, "create a temporary file");
    /* the merge sets last as it hands lines on */
    struct log_src copy = *s->src;
    if (logs_fetch(s->e, &copy, s->q, false, spool_line, s, err) < 0)
        return berr_wrap(err, "%s", s->src->subject);
    if (fflush(s->f) != 0 || fseeko(s->f, 0, SEEK_SET) < 0)
        return berr_errno(err, BERR_FAILURE, errno, "rewind a temporary file");
    return 0;
}

struct head {
    struct rec r;
    strbuf text;
    bool have;
};

static int next_rec(struct spool *s, struct head *h, berr **err)
{
    h->have = false;
    if (fread(&h->r, sizeof h->r, 1, s->f) != 1)
        return ferror(s->f) ? berr_errno(err, BERR_FAILURE, errno, "read a temporary file") : 0;
    sb_reset(&h->text);
    sb_grow(&h->text, (size_t)h->r.len);
    if (h->r.len && fread(h->text.buf, (size_t)h->r.len, 1, s->f) != 1)
        return berr_set(err, BERR_FAILURE, "read a temporary file: cut short");
    h->text.len = (size_t)h->r.len;
    h->have = true;
    return 0;
}

/* The merge's heap of containers by their next line's time, the lower
 * index first on equal times (a linear scan of every container per line
 * was the merge's cost at 50 containers). */
static bool head_before(const struct head *hs, size_t a, size_t b)
{
    const struct rec *x = &hs[a].r, *y = &hs[b].r;
    if (x->sec != y->sec)
        return x->sec < y->sec;
    if (x->nsec != y->nsec)
        return x->nsec < y->nsec;
    return a < b;
}

static void heap_down(size_t *heap, size_t n, const struct head *hs, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && head_before(hs, heap[l], heap[m]))
            m = l;
        if (r < n && head_before(hs, heap[r], heap[m]))
            m = r;
        if (m == i)
            return;
        size_t t = heap[i];
        heap[i] = heap[m];
        heap[m] = t;
        i = m;
    }
}

int logs_history(engine *e, struct log_src *srcs, size_t n, const struct logs_query *q,
                 log_line_cb *cb, void *ud, berr **err)
{
    struct timespec t0;
    clock_gettime(CLOCK_REALTIME, &t0);
    struct spool *sp = xcalloc(n ? n : 1, sizeof *sp);
    struct sched_task *tasks = xcalloc(n ? n : 1, sizeof *tasks);
    struct head *heads = xcalloc(n ? n : 1, sizeof *heads);
    size_t *heap = xcalloc(n ? n : 1, sizeof *heap), nheap = 0;
    for (size_t i = 0; i < n; i++) {
        sp[i] = (struct spool){.e = srcs[i].e ? srcs[i].e : e, .src = &srcs[i], .q = q};
        tasks[i] = (struct sched_task){.name = srcs[i].subject, .run = spool_task, .ud = &sp[i]};
        sb_init(&heads[i].text);
    }
    struct sched_opts so = {.parallel = q->parallel > 0 ? q->parallel : 1};
    int rc = n ? sched_run(tasks, (int)n, &so, err) : 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = next_rec(&sp[i], &heads[i], err);
        if (rc == 0 && heads[i].have)
            heap[nheap++] = i;
    }
    for (size_t i = nheap / 2; rc == 0 && i-- > 0;)
        heap_down(heap, nheap, heads, i);
    while (rc == 0 && nheap) {
        size_t best = heap[0];
        struct head *h = &heads[best];
        struct log_line l = {.src = &srcs[best], .stream = h->r.stream,
                             .ts = {h->r.sec, h->r.nsec}, .text = h->text.buf,
                             .len = h->text.len};
        rc = cb(ud, &l, err);
        srcs[best].last = l.ts;
        srcs[best].has_last = true;
        if (rc == 0)
            rc = next_rec(&sp[best], h, err);
        if (rc == 0 && !h->have)
            heap[0] = heap[--nheap];
        heap_down(heap, nheap, heads, 0);
    }
    /* --tail 0 showed none of what is there: a follow starts from now */
    for (size_t i = 0; rc == 0 && q->tail && streq(q->tail, "0") && i < n; i++) {
        if (!srcs[i].has_last) {
            srcs[i].last = (struct log_ts){t0.tv_sec, t0.tv_nsec};
            srcs[i].has_last = true;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (sp[i].f)
            fclose(sp[i].f);
        sb_release(&heads[i].text);
    }
    sched_tasks_clear(tasks, (int)n);
    free(tasks);
    free(sp);
    free(heads);
    free(heap);
    return rc;
}
