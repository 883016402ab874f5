/* project_load: the project loader, a pipeline of stages (stages.h), each
 * working on what the ones before it left in the loader state:
 *
 *   zeroconf.c, sources.c  the sources, merged by precedence into sections
 *   keys.c                 kinds, keys checked against their tables, defaults
 *   subst.c                substitution in every value
 *   resolve.c              the typed parts (with checks.c, instances.c and
 *                          dockerfile.c), their settings and dependencies
 *   graph.c                levels and cycles
 *
 * The helpers the stages share are in loader.c, the model's accessors in
 * model.c; no stage calls back into this file. */
#include "project/project.h"

#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <string.h>

#include "project/stages.h"
#include "base/util.h"

static void free_loader(struct loader *L)
{
    diags_free(&L->d);
    free(L->stack);
    free(L->stack_sec);
    free(L->dep_cap);
    arena_free(L->scratch);
    /* Give the pages of what was freed back: what runs next (a plan's
     * tasks) allocates in its threads' own heaps, not in these. */
    malloc_trim(0);
}

int project_load(const struct project_opts *o, struct project **out, berr **err)
{
    *out = NULL;
    struct arena *a = arena_new();
    struct project *p = arena_alloc(a, sizeof *p);
    p->arena = a;
    p->engine_part = -1;
    struct loader L = {.a = a, .scratch = arena_new(), .o = o, .p = p};
    extern char **environ;
    L.env = o->env ? o->env : environ;
    strmap_init(&L.sec_index, L.scratch);
    strmap_init(&L.image_index, L.scratch);
    const char *dir = o->dir ? o->dir : ".";
    char real[PATH_MAX];
    if (!realpath(dir, real)) {
        berr_errno(err, BERR_PROJECT, errno, "project folder '%s'", dir);
        arena_free(L.scratch);
        arena_free(a);
        return -1;
    }
    p->dir = arena_strdup(a, real);
    L.shown_dir = streq(dir, ".") ? "" : arena_strdup(a, dir);

    /* 1. the sources, merged by precedence: folders, the file, -s and -p */
    zeroconf_scan(&L);
    dockerops_conf(&L);
    load_project_file(&L);
    if (!p->file && L.nsec == 0 && L.d.n == 0)
        report_at(&L, (struct loc){*L.shown_dir ? L.shown_dir : ".", 0}, NULL, NULL,
                  "no project here: no berth.ini and no containers/<name>/Dockerfile "
                  "(or apps_containers/<name>/Dockerfile)");
    add_sets(&L);
    /* 2. kinds, keys, defaults; 3. substitution; 4. typed parts; 5. graph */
    keys_check(&L);
    subst_all(&L);
    resolve_parts(&L);
    graph_check(&L);

    int rc = diags_to_berr(&L.d, BERR_PROJECT, err);
    free_loader(&L);
    if (rc < 0) {
        project_free(p);
        return -1;
    }
    *out = p;
    return 0;
}

void project_free(struct project *p)
{
    if (p)
        arena_free(p->arena);
}
