/* libarchive, loaded when first used rather than at every start.
 *
 * Linked as usual, libarchive brings libxml2, ICU and libstdc++ (11 more
 * libraries) into every process: 1.5 ms of CPU at each start (a program
 * that links libcurl, jansson, libcrypto and libfyaml starts in 4.9 ms,
 * with libarchive too in 6.4 ms: perf stat, 60 runs each), which
 * `berth ps`, `plan` and a no-op `up`, whose whole budget is a few tens of
 * ms, paid for nothing: only copies, build contexts, layouts and disk
 * images write or read archives. So the binary does not link it: this
 * file defines each libarchive function berth calls, with libarchive's
 * own prototypes (archive.h is included, so the compiler checks each one),
 * and each opens the library on its first call and calls the real one.
 *
 * The library is a dependency of the package as before (debian/control).
 * When it cannot be opened the process exits with the loader's message, as
 * it would have failed to start before: no caller has a way to be told. A function berth starts to
 * call must be added to the table, or the link fails. */
#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* meson.build reads it from the library the build found (13 since
 * libarchive 3.0, 2011) */
#ifndef LIBARCHIVE_SONAME
#define LIBARCHIVE_SONAME "libarchive.so.13"
#endif

#define ARCHIVE_FUNCTIONS(F, V) \
    F(mode_t, archive_entry_filetype, (struct archive_entry *a0), (a0)) \
    V(void, archive_entry_free, (struct archive_entry *a0), (a0)) \
    F(la_int64_t, archive_entry_gid, (struct archive_entry *a0), (a0)) \
    F(const char *, archive_entry_hardlink, (struct archive_entry *a0), (a0)) \
    F(mode_t, archive_entry_mode, (struct archive_entry *a0), (a0)) \
    F(struct archive_entry *, archive_entry_new, (void), ()) \
    F(const char *, archive_entry_pathname, (struct archive_entry *a0), (a0)) \
    F(mode_t, archive_entry_perm, (struct archive_entry *a0), (a0)) \
    F(dev_t, archive_entry_rdevmajor, (struct archive_entry *a0), (a0)) \
    F(dev_t, archive_entry_rdevminor, (struct archive_entry *a0), (a0)) \
    V(void, archive_entry_set_filetype, (struct archive_entry *a0, unsigned int a1), (a0, a1)) \
    V(void, archive_entry_set_gid, (struct archive_entry *a0, la_int64_t a1), (a0, a1)) \
    V(void, archive_entry_set_hardlink, (struct archive_entry *a0, const char *a1), (a0, a1)) \
    V(void, archive_entry_set_mtime, (struct archive_entry *a0, time_t a1, long a2), (a0, a1, a2)) \
    V(void, archive_entry_set_pathname, (struct archive_entry *a0, const char *a1), (a0, a1)) \
    V(void, archive_entry_set_perm, (struct archive_entry *a0, mode_t a1), (a0, a1)) \
    V(void, archive_entry_set_size, (struct archive_entry *a0, la_int64_t a1), (a0, a1)) \
    V(void, archive_entry_set_symlink, (struct archive_entry *a0, const char *a1), (a0, a1)) \
    V(void, archive_entry_set_uid, (struct archive_entry *a0, la_int64_t a1), (a0, a1)) \
    F(la_int64_t, archive_entry_size, (struct archive_entry *a0), (a0)) \
    V(void, archive_entry_sparse_clear, (struct archive_entry *a0), (a0)) \
    F(const char *, archive_entry_symlink, (struct archive_entry *a0), (a0)) \
    F(la_int64_t, archive_entry_uid, (struct archive_entry *a0), (a0)) \
    F(int, archive_errno, (struct archive *a0), (a0)) \
    F(const char *, archive_error_string, (struct archive *a0), (a0)) \
    F(la_ssize_t, archive_read_data, (struct archive *a0, void *a1, size_t a2), (a0, a1, a2)) \
    F(int, archive_read_data_block, (struct archive *a0, const void **a1, size_t *a2, la_int64_t *a3), (a0, a1, a2, a3)) \
    F(int, archive_read_free, (struct archive *a0), (a0)) \
    F(struct archive *, archive_read_new, (void), ()) \
    F(int, archive_read_next_header, (struct archive *a0, struct archive_entry **a1), (a0, a1)) \
    F(int, archive_read_open, (struct archive *a0, void *a1, archive_open_callback *a2, archive_read_callback *a3, archive_close_callback *a4), (a0, a1, a2, a3, a4)) \
    F(int, archive_read_open_FILE, (struct archive *a0, FILE *a1), (a0, a1)) \
    F(int, archive_read_open_fd, (struct archive *a0, int a1, size_t a2), (a0, a1, a2)) \
    F(int, archive_read_open_memory, (struct archive *a0, const void *a1, size_t a2), (a0, a1, a2)) \
    F(int, archive_read_support_filter_all, (struct archive *a0), (a0)) \
    F(int, archive_read_support_format_all, (struct archive *a0), (a0)) \
    F(int, archive_read_support_format_gnutar, (struct archive *a0), (a0)) \
    F(int, archive_read_support_format_tar, (struct archive *a0), (a0)) \
    F(const char *, archive_version_details, (void), ()) \
    F(const char *, archive_version_string, (void), ()) \
    F(int, archive_write_close, (struct archive *a0), (a0)) \
    F(la_ssize_t, archive_write_data, (struct archive *a0, const void *a1, size_t a2), (a0, a1, a2)) \
    F(la_ssize_t, archive_write_data_block, (struct archive *a0, const void *a1, size_t a2, la_int64_t a3), (a0, a1, a2, a3)) \
    F(struct archive *, archive_write_disk_new, (void), ()) \
    F(int, archive_write_disk_set_options, (struct archive *a0, int a1), (a0, a1)) \
    F(int, archive_write_finish_entry, (struct archive *a0), (a0)) \
    F(int, archive_write_free, (struct archive *a0), (a0)) \
    F(int, archive_write_header, (struct archive *a0, struct archive_entry *a1), (a0, a1)) \
    F(struct archive *, archive_write_new, (void), ()) \
    F(int, archive_write_open_FILE, (struct archive *a0, FILE *a1), (a0, a1)) \
    F(int, archive_write_open_fd, (struct archive *a0, int a1), (a0, a1)) \
    F(int, archive_write_open_memory, (struct archive *a0, void *a1, size_t a2, size_t *a3), (a0, a1, a2, a3)) \
    F(int, archive_write_set_bytes_in_last_block, (struct archive *a0, int a1), (a0, a1)) \
    F(int, archive_write_set_bytes_per_block, (struct archive *a0, int a1), (a0, a1)) \
    F(int, archive_write_set_format_pax_restricted, (struct archive *a0), (a0))

#define INDEX(ret, name, params, args) I_##name,
enum { ARCHIVE_FUNCTIONS(INDEX, INDEX) N_FUNCTIONS };
#undef INDEX

#define NAME(ret, name, params, args) #name,
static const char *const names[N_FUNCTIONS] = {ARCHIVE_FUNCTIONS(NAME, NAME)};
#undef NAME

static void *fns[N_FUNCTIONS];
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* What the dynamic loader does when a linked library is missing: say so
 * on stderr and exit 127 (the one place the library writes or exits: no
 * caller can be told, and going on would call through a null pointer). */
static void cannot_load(void)
{
    const char *why = dlerror();
    fprintf(stderr, "berth: cannot load %s: %s (reinstall the libarchive13 package)\n",
            LIBARCHIVE_SONAME, why ? why : "unknown error");
    _exit(127);
}

static void load(void)
{
    void *lib = dlopen(LIBARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!lib)
        cannot_load();
    for (int i = 0; i < N_FUNCTIONS; i++)
        if (!(fns[i] = dlsym(lib, names[i])))
            cannot_load();
}

static void *fn(int i)
{
    pthread_once(&once, load);
    return fns[i];
}

#define DEFINE(ret, name, params, args)                                                 \
    ret name params                                                                    \
    {                                                                                  \
        ret(*f) params = (ret(*) params)fn(I_##name);                                  \
        return f args;                                                                 \
    }
#define DEFINE_VOID(ret, name, params, args)                                            \
    void name params                                                                   \
    {                                                                                  \
        void(*f) params = (void(*) params)fn(I_##name);                                \
        f args;                                                                        \
    }
ARCHIVE_FUNCTIONS(DEFINE, DEFINE_VOID)
