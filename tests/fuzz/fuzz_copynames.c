/* libFuzzer target for what stands between a hostile archive and the host:
 * copy_map_entry, which renames and vets each entry before extraction.
 *
 * The input is split on NUL into an entry name, a link target, the copied
 * tree's top and the new top; its first byte picks the entry type, hard or
 * symbolic link, and --allow-links-out. Whatever is accepted must be a clean
 * relative name, and an accepted symbolic link (links not allowed out) must
 * resolve, by its text alone, inside the destination. Also fed to the log
 * timestamp parser, which must never read past the input. */
#include <archive_entry.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "transfer/copy.h"
#include "transfer/logs.h"
#include "transfer/tarball.h"
#include "base/util.h"

static bool clean(const char *s)
{
    char *c = tar_clean_name(s);
    bool same = c && streq(c, s);
    free(c);
    return same;
}

/* Does target, from the folder holding name, stay inside the root? */
static bool inside(const char *name, const char *target)
{
    if (target[0] == '/')
        return false;
    int depth = 0;
    for (const char *p = name; (p = strchr(p, '/')); p++)
        depth++;
    for (const char *p = target; *p;) {
        size_t len = strcspn(p, "/");
        if (len == 2 && p[0] == '.' && p[1] == '.')
            depth--;
        else if (len && !(len == 1 && p[0] == '.'))
            depth++;
        if (depth < 0)
            return false;
        p += len + (p[len] == '/');
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t ctl = data[0];
    char *buf = xmalloc(size + 4);
    memcpy(buf, data + 1, size - 1);
    memset(buf + size - 1, 0, 5);
    const char *parts[4];
    const char *p = buf, *end = buf + size - 1;
    for (int i = 0; i < 4; i++) {
        parts[i] = p <= end ? p : "";
        p += strlen(p) + 1;
    }
    static const unsigned types[] = {AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFCHR, AE_IFBLK, AE_IFIFO};
    struct copy_entry e = {.name = parts[0], .type = types[(ctl & 7) % 6]};
    if (ctl & 8)
        e.hardlink = parts[1];
    else if (e.type == AE_IFLNK)
        e.symlink = parts[1];
    bool allow = ctl & 16;
    char *first = tar_clean_name(parts[2]);
    char *top = tar_clean_name(parts[3]);
    char *name = NULL, *link = NULL;
    berr *err = NULL;
    if (first && top &&
        copy_map_entry(&e, first, top, true, allow, &name, &link, &err) == 0) {
        if (!clean(name) || (link && (!*link || !clean(link))))
            abort();
        if (e.type == AE_IFCHR || e.type == AE_IFBLK)
            abort();
        if (e.symlink && !allow && !inside(name, e.symlink))
            abort();
    }
    free(name);
    free(link);
    free(first);
    free(top);
    berr_free(err);

    struct log_ts ts;
    size_t used;
    if (log_ts_parse(buf, size - 1, &ts, &used) == 0 && used > size - 1)
        abort();
    free(buf);
    return 0;
}
