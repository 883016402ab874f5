/* Replays a fuzz target's kept inputs in every build (gcc, and the ASan/UBSan
 * build): tests/fuzz/seeds/TARGET (hand-written starting points) and
 * tests/fuzz/regress/TARGET (every input that once crashed or hung a target,
 * kept so the defect stays fixed). One TAP line per input: a crash or a
 * sanitizer report fails the test. Built once per target by meson, linked
 * with tests/fuzz/fuzz_TARGET.c. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/tap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of dir, in name order (the TAP output stays stable). */
static void replay_dir(const char *dir, int *count)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return; /* no inputs of that sort kept for this target */
        char desc[4200];
        snprintf(desc, sizeof desc, "%s can be read (%s)", dir, strerror(errno));
        ok(0, desc);
        return;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        names = realloc(names, (n + 1) * sizeof *names);
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "rb");
        uint8_t *buf = NULL;
        size_t len = 0, cap = 0, got;
        uint8_t chunk[65536];
        while (f && (got = fread(chunk, 1, sizeof chunk, f)) > 0) {
            if (len + got > cap) {
                cap = (len + got) * 2;
                buf = realloc(buf, cap);
            }
            memcpy(buf + len, chunk, got);
            len += got;
        }
        if (f)
            fclose(f);
        if (f) {
            LLVMFuzzerTestOneInput(buf ? buf : (const uint8_t *)"", len);
            (*count)++;
        }
        char desc[4200];
        snprintf(desc, sizeof desc, "%s replays without a crash", path);
        ok(f != NULL, desc);
        free(buf);
        free(names[i]);
    }
    free(names);
}

int main(void)
{
    int count = 0;
    replay_dir(FUZZ_ROOT "/seeds/" FUZZ_TARGET, &count);
    replay_dir(FUZZ_ROOT "/regress/" FUZZ_TARGET, &count);
    if (count == 0)
        ok(1, "no kept inputs for " FUZZ_TARGET " yet");
    return tap_done();
}
