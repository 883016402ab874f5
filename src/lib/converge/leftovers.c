/* What an interrupted run left behind (issue 13): a bootstrap's (or an
 * image's finishing) work container and the image a bootstrap or a squash
 * imported under a temporary tag stay when berth (or the engine) is killed
 * meanwhile. Both carry the project's label and a berth.kind of their own,
 * so the next up finds them and removes them before it does anything else,
 * and down --rmi finds them too. The project lock (one up or down at a
 * time) makes every one found a leftover: no other berth of this project
 * is using it. */
#include "engine/api.h"
#include "converge/converge_int.h"
#include "converge/desired.h"
#include "base/strbuf.h"
#include "base/util.h"

/* Parts that import an image under a temporary tag: bootstraps, assembles
 * from archives, and squashed builds (imagefinish.c). */
static bool imports(const struct project *p)
{
    for (size_t i = 0; i < p->nparts; i++)
        if (p->parts[i].kind == PART_BOOTSTRAP || p->parts[i].kind == PART_ASSEMBLE ||
            streq(part_value(&p->parts[i], "squash"), "true"))
            return true;
    return false;
}

/* The berth.kind of temporary work containers: bootstrap and image
 * finishing (LEFTOVER_WORK), assemble.c's and diskimage.c's (KIND_WORK). */
static bool work_kind(const char *kind)
{
    return kind && (streq(kind, LEFTOVER_WORK) || streq(kind, "assemble") ||
                    streq(kind, "diskimage"));
}

static int clear_work_containers(struct cv *cv, bool *found, berr **err)
{
    size_t i;
    json_t *c;
    json_array_foreach(cv->containers, i, c) {
        if (!work_kind(cv_label_of(c, LABEL_KIND)))
            continue;
        *found = true;
        const char *name = json_string_value(json_array_get(json_object_get(c, "Names"), 0));
        const char *id = json_string_value(json_object_get(c, "Id"));
        cleanup_free char *subject = xasprintf("container %s", name && *name == '/' ? name + 1
                                                               : name ? name : id);
        cv_action(cv, subject, "remove", "left by an interrupted run", 0);
        if (cv->o->dry_run)
            continue;
        berr *e2 = NULL;
        if (api_container_remove(cv->e, id, true, &e2) < 0 && e2->http_status != 404) {
            berr_move(err, &e2);
            return berr_wrap(err, "remove %s", subject);
        }
        berr_free(e2);
    }
    return 0;
}

static int clear_imports(struct cv *cv, berr **err)
{
    cleanup_free char *project = xasprintf(LABEL_PROJECT "=%s", cv->p->name);
    const char *labels[] = {project, LABEL_KIND "=" LEFTOVER_IMPORT, NULL};
    strbuf path = STRBUF_INIT;
    sb_adds(&path, "/images/json");
    query_add_label_filters(&path, labels);
    json_t *list = NULL;
    int rc = engine_get(cv->e, path.buf, &list, err);
    sb_release(&path);
    size_t i, k;
    json_t *img, *tag;
    json_array_foreach(rc == 0 ? list : NULL, i, img) {
        json_array_foreach(json_object_get(img, "RepoTags"), k, tag) {
            const char *t = json_string_value(tag);
            if (!t || streq(t, "<none>:<none>"))
                continue;
            cleanup_free char *subject = xasprintf("image %s", t);
            cv_action(cv, subject, "remove", "left by an interrupted run", 0);
            if (cv->o->dry_run)
                continue;
            /* By its tag: the image itself may be the parent of the one
             * committed from it, which stays. */
            berr *e2 = NULL;
            if (api_image_remove(cv->e, t, false, &e2) < 0 && e2->http_status != 404) {
                berr_move(err, &e2);
                rc = berr_wrap(err, "remove %s", subject);
                break;
            }
            berr_free(e2);
        }
        if (rc < 0)
            break;
    }
    json_decref(list);
    return rc;
}

int cv_clear_leftovers(struct cv *cv, berr **err)
{
    bool found = false;
    if (clear_work_containers(cv, &found, err) < 0)
        return -1;
    /* Imports are only looked for where a bootstrap could have made one:
     * a no-op up of a project without any asks nothing more. */
    if (!found && !imports(cv->p))
        return 0;
    return clear_imports(cv, err);
}
