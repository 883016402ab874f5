#include "workspace.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/lockfile.h"
#include "base/util.h"

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

static void say_waiting(void *ud, long holder)
{
    (void)ud;
    if (holder)
        fprintf(stderr, "berth: waiting for pid %ld, which is converging this project\n", holder);
    else
        fprintf(stderr, "berth: waiting for another berth converging this project\n");
}

int project_lock(const char *dir, bool make, bool wait, volatile int *cancel, int *fd, berr **err)
{
    *fd = -1;
    struct stat st;
    if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
        return 0;
    cleanup_free char *path = xasprintf("%s/.berth/lock", dir);
    struct lockfile_opts o = {.path = path, .what = "converging this project", .wait = wait,
                              .cancel = cancel, .waiting = say_waiting,
                              .hint = "; wait for it with --wait-lock", .keep_out = !make};
    return lockfile_take(&o, fd, err);
}

void project_unlock(int fd)
{
    lockfile_release(fd);
}
