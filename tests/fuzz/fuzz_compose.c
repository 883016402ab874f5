/* libFuzzer target for the Compose reader: the input as compose.yaml of an
 * empty folder (with a .env beside it), read through the whole loader
 * (YAML, interpolation, merging, extends, the parts, berth's own checks).
 * Build: CC=clang meson setup build-fuzz -Dfuzz=true; run:
 * build-fuzz/fuzz_compose -max_total_time=20 CORPUS tests/fuzz/seeds/compose */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compose/compose.h"
#include "project/project.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *fuzz_dir(void)
{
    static char dir[] = "/tmp/berth-fuzzc-XXXXXX";
    static const char *made;
    if (!made) {
        made = mkdtemp(dir);
        if (made) {
            char path[64];
            snprintf(path, sizeof path, "%s/.env", made);
            FILE *f = fopen(path, "w");
            if (f) {
                fputs("TAG=1.36\nPORT=8080\n", f);
                fclose(f);
            }
        }
    }
    return made ? made : "/tmp";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    char path[64];
    snprintf(path, sizeof path, "%s/compose.yaml", fuzz_dir());
    FILE *f = fopen(path, "w");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    static char *const env[] = {"HOME=/home/fuzz", "USER=fuzz", NULL};
    static const char *const profiles[] = {"debug"};
    struct compose_opts co = {.profiles = profiles, .nprofiles = 1};
    struct project_reader r = compose_reader(&co);
    struct project_opts o = {.dir = fuzz_dir(), .env = env, .reader = &r, .name = "fuzz"};
    struct project *p = NULL;
    berr *err = NULL;
    project_load(&o, &p, &err);
    project_free(p);
    berr_free(err);
    return 0;
}
