/* libFuzzer target for the project language: the INI parser alone, then the
 * whole loader (substitution, validation, graph) on the same text as a
 * project file in an empty folder. Build: CC=clang meson setup build-fuzz
 * -Dfuzz=true; run: build-fuzz/fuzz_ini -max_total_time=20 CORPUS tests/fuzz/seeds/ini
 * (tests/unit/project/test_fuzz_replay.c replays seeds and mutations in every build). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/diag.h"
#include "project/ini.h"
#include "project/project.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *fuzz_dir(void)
{
    static char dir[] = "/tmp/berth-fuzz-XXXXXX";
    static const char *made;
    if (!made)
        made = mkdtemp(dir);
    return made ? made : "/tmp";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    struct diags d = {0};
    struct ini_doc *doc = ini_parse("fuzz.ini", (const char *)data, size, &d);
    ini_free(doc);
    diags_free(&d);

    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    static char *const env[] = {"HOME=/home/fuzz", "TAG=1", NULL};
    static const char *const sets[] = {"web.tty=true", "project.data=d"};
    struct project_opts o = {.dir = fuzz_dir(), .file = "berth.ini", .text = text, .env = env,
                             .sets = sets, .nsets = (size & 1) ? 2 : 0};
    struct project *p = NULL;
    berr *err = NULL;
    if (project_load(&o, &p, &err) == 0) {
        struct project_sel *sel = NULL;
        const char *targets[] = {"web:two", "all"};
        if (project_select(p, targets, (size & 2) ? 1 : 2, true, &sel, &err) == 0) {
            size_t *order = NULL, n = 0;
            project_order(p, sel, &order, &n, &err);
            free(order);
        }
        project_sel_free(sel);
    }
    berr_free(err);
    project_free(p);
    free(text);
    return 0;
}
