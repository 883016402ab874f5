#include "workspace.h"

#include <string.h>

int workspace_open(const cli *g, const char *const *targets, int ntargets, struct workspace *ws,
                   berr **err)
{
    memset(ws, 0, sizeof *ws);
    struct project_opts po = {.dir = g->dir, .file = g->file, .name = g->project,
                              .sets = g->sets, .nsets = g->nsets, .reader = &g->reader};
    if (project_load(&po, &ws->project, err) < 0)
        return -1;
    if (project_select(ws->project, targets, ntargets, true, &ws->sel, err) < 0 ||
        engine_open(g->engine_url, &ws->engine, err) < 0) {
        workspace_close(ws);
        return -1;
    }
    return 0;
}

void workspace_close(struct workspace *ws)
{
    engine_free(ws->engine);
    project_sel_free(ws->sel);
    project_free(ws->project);
    memset(ws, 0, sizeof *ws);
}
