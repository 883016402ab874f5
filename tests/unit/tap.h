/* A tiny TAP producer for unit tests: meson runs each test binary with
 * protocol 'tap', and tools/test.sh counts the results.
 *
 *   int main(void) { ok(1 + 1 == 2, "sum"); is_str(a, "x", "name"); return tap_done(); }
 */
#ifndef BERTH_TAP_H
#define BERTH_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int tap_ok(int cond, const char *file, int line, const char *desc)
{
    tap_n++;
    printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, desc);
    if (!cond) {
        tap_failed++;
        printf("#   failed at %s:%d\n", file, line);
    }
    return cond;
}

#define ok(cond, desc) tap_ok(!!(cond), __FILE__, __LINE__, (desc))

#define is_int(got, want, desc)                                                          \
    do {                                                                                 \
        long long g_ = (long long)(got), w_ = (long long)(want);                         \
        if (!ok(g_ == w_, desc))                                                         \
            printf("#   got %lld, want %lld\n", g_, w_);                                 \
    } while (0)

#define is_str(got, want, desc)                                                          \
    do {                                                                                 \
        const char *g_ = (got), *w_ = (want);                                            \
        int same_ = (g_ == NULL && w_ == NULL) || (g_ && w_ && strcmp(g_, w_) == 0);     \
        if (!ok(same_, desc))                                                            \
            printf("#   got  '%s'\n#   want '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
    } while (0)

/* Passes when `hay` contains `needle`. */
#define has_str(hay, needle, desc)                                                       \
    do {                                                                                 \
        const char *h_ = (hay), *n_ = (needle);                                          \
        if (!ok(h_ && n_ && strstr(h_, n_), desc))                                       \
            printf("#   '%s'\n#   does not contain '%s'\n", h_ ? h_ : "(null)", n_);     \
    } while (0)

static inline int tap_done(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}

#endif
