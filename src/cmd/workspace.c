#include "workspace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/lockfile.h"
#include "base/util.h"
#include "converge/engines.h"
#include "engine/api.h"

static void push(char ***v, int *n, char *s)
{
    *v = xrealloc(*v, sizeof **v * (size_t)(*n + 1));
    (*v)[(*n)++] = s;
}

/* The instances made on the fly (DockerOps' `up web:nodea`): those the
 * targets name and, when e is given, those the engine holds with the
 * berth.on-the-fly label, whose remembered -s settings come before the
 * command line's (which beat them). *out already loaded (from the targets
 * alone) is only loaded again when the engine holds some. */
int workspace_load(const cli *g, const char *const *targets, int ntargets, engine *e,
                   struct project **out, berr **err)
{
    char **fly = NULL, **sets = NULL;
    int nfly = 0, nsets = 0;
    for (int i = 0; i < ntargets; i++)
        if (strchr(targets[i], ':'))
            push(&fly, &nfly, xstrdup(targets[i]));
    struct project_opts po = {.dir = g->dir, .file = g->file, .name = g->project,
                              .sets = g->sets, .nsets = g->nsets, .reader = &g->reader,
                              .fly = (const char *const *)fly, .nfly = nfly};
    int rc = *out ? 0 : project_load(&po, out, err);
    json_t *listed = NULL;
    /* Only those the engine finds with the label: a project of hundreds of
     * containers and no instance made on the fly gets an empty list. */
    if (rc == 0 && e &&
        api_list_also(e, "containers", (*out)->name, LABEL_ON_THE_FLY, &listed, NULL) == 0) {
        int before = nfly;
        size_t i;
        json_t *c;
        json_array_foreach(listed, i, c) {
            json_t *labels = json_object_get(c, "Labels");
            const char *remembered = json_string_value(json_object_get(labels, LABEL_ON_THE_FLY));
            const char *part = json_string_value(json_object_get(labels, LABEL_PART));
            const char *inst = json_string_value(json_object_get(labels, LABEL_INSTANCE));
            if (!remembered || !part || !inst)
                continue;
            push(&fly, &nfly, xasprintf("%s:%s", part, inst));
            for (const char *at = remembered; *at;) {
                size_t len = strcspn(at, "\n");
                if (len)
                    push(&sets, &nsets, xstrndup(at, len));
                at += len + (at[len] == '\n');
            }
        }
        if (nfly > before) {
            for (int k = 0; k < g->nsets; k++)
                push(&sets, &nsets, xstrdup(g->sets[k]));
            po.sets = (const char *const *)sets;
            po.nsets = nsets;
            po.fly = (const char *const *)fly;
            po.nfly = nfly;
            project_free(*out);
            *out = NULL;
            rc = project_load(&po, out, err);
        }
    }
    json_decref(listed);
    for (int k = 0; k < nfly; k++)
        free(fly[k]);
    for (int k = 0; k < nsets; k++)
        free(sets[k]);
    free(fly);
    free(sets);
    return rc;
}

/* many: the selection's parts may live on several engines (up), each
 * opened by the engine set as a part living there needs it; else they must
 * live on one, opened now. */
static int open_ws(const cli *g, const char *const *targets, int ntargets, bool many,
                   struct workspace *ws, berr **err)
{
    memset(ws, 0, sizeof *ws);
    /* The project first: nothing reaches an engine while it is invalid;
     * then the instances made on the fly that the engine holds. */
    if (workspace_load(g, targets, ntargets, NULL, &ws->project, err) < 0)
        return -1;
    if (project_select(ws->project, targets, ntargets, true, &ws->sel, err) < 0)
        goto fail;
    int ei = -1;
    bool one = engines_part_of(ws->project, ws->sel, &ei, many ? NULL : err) == 0;
    if (!one && !many)
        goto fail;
    ws->engines = engines_new(ws->project, g->engine_url, true);
    if (one && engines_get(ws->engines, ei < 0 ? ENGINES_DEFAULT(ws->project) : (size_t)ei,
                           &ws->engine, err) < 0)
        goto fail;
    if (!ws->engine)
        return 0; /* several engines: the instances made on the fly are those the targets name */
    /* Then the instances made on the fly that this engine holds: the project
     * may be loaded again with them, so the selection is made again. */
    project_sel_free(ws->sel);
    ws->sel = NULL;
    if (workspace_load(g, targets, ntargets, ws->engine, &ws->project, err) < 0 ||
        project_select(ws->project, targets, ntargets, true, &ws->sel, err) < 0)
        goto fail;
    engines_reproject(ws->engines, ws->project);
    return 0;
fail:
    workspace_close(ws);
    return -1;
}

int workspace_open(const cli *g, const char *const *targets, int ntargets, struct workspace *ws,
                   berr **err)
{
    return open_ws(g, targets, ntargets, false, ws, err);
}

int workspace_open_engines(const cli *g, const char *const *targets, int ntargets,
                           struct workspace *ws, berr **err)
{
    return open_ws(g, targets, ntargets, true, ws, err);
}

void workspace_close(struct workspace *ws)
{
    engines_free(ws->engines); /* with ws->engine, one of its */
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
