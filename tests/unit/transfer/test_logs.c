/* Log timestamps as the engine writes them, and --since. */
#include <stdlib.h>

#include "transfer/logs.h"
#include "../tap.h"
#include "base/util.h"

static void parse(const char *s, long long sec, long nsec, const char *rest)
{
    struct log_ts ts = {0};
    size_t used = 0;
    int rc = log_ts_parse(s, strlen(s), &ts, &used);
    char *desc = xasprintf("parse '%s'", s);
    if (!rest) {
        ok(rc < 0, desc);
    } else {
        ok(rc == 0, desc);
        is_int(ts.sec, sec, desc);
        is_int(ts.nsec, nsec, desc);
        is_str(s + used, rest, desc);
    }
    free(desc);
}

static void since(const char *s, long long now, long long sec, long nsec)
{
    struct log_ts ts = {0};
    berr *err = NULL;
    int rc = log_since_parse(s, now, &ts, &err);
    char *desc = xasprintf("--since %s", s);
    if (sec < 0) {
        ok(rc < 0 && err && err->code == BERR_USAGE, desc);
    } else {
        ok(rc == 0, desc);
        is_int(ts.sec, sec, desc);
        is_int(ts.nsec, nsec, desc);
    }
    free(desc);
    berr_free(err);
}

int main(void)
{
    parse("2024-05-01T10:00:00.123456789Z hello", 1714557600, 123456789, "hello");
    parse("2024-05-01T10:00:00.5Z x", 1714557600, 500000000, "x");
    parse("2024-05-01T10:00:00Z ", 1714557600, 0, "");
    parse("2024-05-01T10:00:00Z", 1714557600, 0, "");
    parse("2024-05-01T12:00:00.1+02:00 a b", 1714557600, 100000000, "a b");
    parse("2024-05-01T08:30:00-01:30 x", 1714557600, 0, "x");
    parse("hello world", 0, 0, NULL);
    parse("2024-05-01T10:00:00.Z x", 0, 0, NULL);
    parse("2024-05-01T10:00:00Zx", 0, 0, NULL);
    parse("2024-13-01T10:00:00Z x", 0, 0, NULL);
    parse("2024-05-01", 0, 0, NULL);

    struct log_ts a = {10, 5}, b = {10, 6}, c = {9, 999999999};
    ok(log_ts_cmp(&a, &b) < 0 && log_ts_cmp(&b, &a) > 0 && log_ts_cmp(&a, &a) == 0 &&
           log_ts_cmp(&c, &a) < 0, "timestamps order by seconds, then nanoseconds");
    char out[40];
    struct log_ts t = {1714557600, 1200};
    log_ts_format(&t, out);
    is_str(out, "2024-05-01T10:00:00.000001200Z", "format: nine digits, UTC");

    long long now = 1714557600;
    since("10m", now, now - 600, 0);
    since("1h30m", now, now - 5400, 0);
    since("2d", now, now - 172800, 0);
    since("1.5s", now, now - 2, 500000000);
    since("500ms", now, now - 1, 500000000);
    since("2024-05-01T10:00:00Z", now, 1714557600, 0);
    since("2024-05-01", now, 1714521600, 0);
    since("1714557600", now, 1714557600, 0);
    since("1714557600.25", now, 1714557600, 250000000);
    since("yesterday", now, -1, 0);
    since("10x", now, -1, 0);
    since("", now, -1, 0);
    return tap_done();
}
