/* libarchive, loaded the first time a tar archive is read or written.
 *
 * Only builds, bootstraps and copies use tar archives, yet linking
 * libarchive made every command load it and the eleven libraries it needs
 * (libxml2, ICU, libstdc++, ...): about 10 ms and 3 MB more for each
 * `berth ps` on the benchmark machine (bench/README.md). This file defines
 * the libarchive functions berth calls, checked against libarchive's own
 * headers; each forwards to the real one, found with dlopen/dlsym on first
 * use. tarball.c is written against plain libarchive and does not know.
 *
 * A function berth starts to call must be added to FUNCS below (the link
 * fails otherwise). If libarchive cannot be loaded, the process aborts
 * with a message, as it would have failed to start before. */
#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define LIBARCHIVE_SONAME "libarchive.so.13"

/* X(return type, name, parameters, arguments) */
#define FUNCS(X)                                                                           \
    X(struct archive *, archive_read_new, (void), ())                                      \
    X(int, archive_read_support_filter_all, (struct archive * a), (a))                     \
    X(int, archive_read_support_format_all, (struct archive * a), (a))                     \
    X(int, archive_read_open_fd, (struct archive * a, int fd, size_t bs), (a, fd, bs))     \
    X(int, archive_read_next_header, (struct archive * a, struct archive_entry * *e),      \
      (a, e))                                                                              \
    X(la_ssize_t, archive_read_data, (struct archive * a, void *b, size_t n), (a, b, n))   \
    X(int, archive_read_free, (struct archive * a), (a))                                   \
    X(struct archive *, archive_write_new, (void), ())                                     \
    X(int, archive_write_set_format_pax_restricted, (struct archive * a), (a))             \
    X(int, archive_write_set_bytes_in_last_block, (struct archive * a, int n), (a, n))     \
    X(int, archive_write_open_FILE, (struct archive * a, FILE * f), (a, f))                \
    X(int, archive_write_header, (struct archive * a, struct archive_entry * e), (a, e))   \
    X(la_ssize_t, archive_write_data, (struct archive * a, const void *b, size_t n),       \
      (a, b, n))                                                                           \
    X(int, archive_write_close, (struct archive * a), (a))                                 \
    X(int, archive_write_free, (struct archive * a), (a))                                  \
    X(const char *, archive_error_string, (struct archive * a), (a))                       \
    X(struct archive_entry *, archive_entry_new, (void), ())                               \
    X(void, archive_entry_free, (struct archive_entry * e), (e))                           \
    X(__LA_MODE_T, archive_entry_filetype, (struct archive_entry * e), (e))                \
    X(const char *, archive_entry_pathname, (struct archive_entry * e), (e))               \
    X(const char *, archive_entry_hardlink, (struct archive_entry * e), (e))               \
    X(void, archive_entry_set_filetype, (struct archive_entry * e, unsigned int t), (e, t)) \
    X(void, archive_entry_set_pathname, (struct archive_entry * e, const char *s), (e, s)) \
    X(void, archive_entry_set_hardlink, (struct archive_entry * e, const char *s), (e, s)) \
    X(void, archive_entry_set_symlink, (struct archive_entry * e, const char *s), (e, s))  \
    X(void, archive_entry_set_perm, (struct archive_entry * e, __LA_MODE_T m), (e, m))     \
    X(void, archive_entry_set_uid, (struct archive_entry * e, la_int64_t v), (e, v))       \
    X(void, archive_entry_set_gid, (struct archive_entry * e, la_int64_t v), (e, v))       \
    X(void, archive_entry_set_size, (struct archive_entry * e, la_int64_t v), (e, v))      \
    X(void, archive_entry_set_mtime, (struct archive_entry * e, time_t s, long ns),        \
      (e, s, ns))                                                                          \
    X(void, archive_entry_sparse_clear, (struct archive_entry * e), (e))

/* The real functions, filled once for all threads. */
#define POINTER(ret, name, params, args) ret(*name) params;
static struct {
    FUNCS(POINTER)
} real;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void *must(void *lib, const char *name)
{
    void *f = lib ? dlsym(lib, name) : NULL;
    if (!f) {
        /* Like a failed start of a program linked to a missing library. */
        fprintf(stderr, "berth: cannot load %s from %s: %s (install Debian's libarchive13)\n",
                name, LIBARCHIVE_SONAME, dlerror());
        abort();
    }
    return f;
}

static void load(void)
{
    void *lib = dlopen(LIBARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);
#define RESOLVE(ret, name, params, args) *(void **)&real.name = must(lib, #name);
    FUNCS(RESOLVE)
}

#define FORWARD(ret, name, params, args)                                                   \
    ret name params                                                                        \
    {                                                                                      \
        pthread_once(&once, load);                                                         \
        return real.name args;                                                             \
    }
FUNCS(FORWARD)
