/* What an interrupted run left behind (issue 13): a work container (a
 * bootstrap's, an assemble's, a disk image's export) and an image imported
 * under a temporary tag (a bootstrap's, a squash's, an assemble's) stay
 * when berth or the engine is killed meanwhile. The next up finds them by
 * their labels and removes them before it does anything else; down --rmi
 * finds the images as the project's (engine/owner.h). The project lock (one
 * up or down at a time) makes every one found a leftover: no other berth of
 * this project is using it. */
#include "engine/api.h"
#include "engine/owner.h"
#include "converge/converge_int.h"
#include "converge/desired.h"
#include "base/strbuf.h"
#include "base/util.h"

/* The repositories of temporary tags: <project>-NAME. */
static const char *const tmp_repos[] = {"bootstrap", "squash", "assemble"};

json_t *cv_work_labels(struct cv *cv, const char *name)
{
    return json_pack("{s:s, s:s, s:s}", LABEL_PROJECT, cv->p->name, LABEL_WORK, cv->p->name,
                     LABEL_WORK_NAME, name);
}

json_t *leftover_import_labels(struct cv *cv, const char *tmp_ref)
{
    return json_pack("{s:s, s:s}", LABEL_IMAGE_PROJECT, cv->p->name, LABEL_IMAGE_REF, tmp_ref);
}

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

/* A work container of this project, by its own name: a bootstrap's, or one
 * of assemble.c's or diskimage.c's. */
static bool work_container(struct cv *cv, json_t *c, const char *name)
{
    json_t *labels = json_object_get(c, "Labels");
    return owner_bootstrap_is(labels, name, cv->p->name) ||
           owner_work_is(labels, name, cv->p->name);
}

static int clear_work_containers(struct cv *cv, bool *found, berr **err)
{
    size_t i;
    json_t *c;
    json_array_foreach(cv->containers, i, c) {
        const char *name = json_string_value(json_array_get(json_object_get(c, "Names"), 0));
        if (!name || !work_container(cv, c, name))
            continue;
        *found = true;
        const char *id = json_string_value(json_object_get(c, "Id"));
        cleanup_free char *subject = xasprintf("container %s", *name == '/' ? name + 1 : name);
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

/* ref is <project>-<one of tmp_repos>:<tag> */
static bool temporary_ref(const char *project, const char *ref)
{
    size_t n = strlen(project);
    if (!ref || strncmp(ref, project, n) != 0 || ref[n] != '-')
        return false;
    for (size_t i = 0; i < ARRAY_SIZE(tmp_repos); i++) {
        size_t k = strlen(tmp_repos[i]);
        if (!strncmp(ref + n + 1, tmp_repos[i], k) && ref[n + 1 + k] == ':')
            return true;
    }
    return false;
}

static int clear_imports(struct cv *cv, berr **err)
{
    cleanup_free char *project = xasprintf(LABEL_IMAGE_PROJECT "=%s", cv->p->name);
    const char *labels[] = {project, NULL};
    strbuf path = STRBUF_INIT;
    sb_adds(&path, "/images/json");
    query_add_label_filters(&path, labels);
    json_t *list = NULL;
    int rc = engine_get(cv->e, path.buf, &list, err);
    sb_release(&path);
    size_t i;
    json_t *img;
    json_array_foreach(rc == 0 ? list : NULL, i, img) {
        /* berth's own (tagged with the ref its label names), and that ref
         * a temporary one: a committed image names its own ref instead */
        cleanup_free char *ref = owner_image_ref(img);
        if (!ref || !temporary_ref(cv->p->name, ref) || !owner_image_is(img, cv->p->name))
            continue;
        cleanup_free char *subject = xasprintf("image %s", ref);
        cv_action(cv, subject, "remove", "left by an interrupted run", 0);
        if (cv->o->dry_run)
            continue;
        /* By its tag: the image itself may be the parent of the one
         * committed from it, which stays. */
        berr *e2 = NULL;
        if (api_image_remove(cv->e, ref, false, &e2) < 0 && e2->http_status != 404) {
            berr_move(err, &e2);
            rc = berr_wrap(err, "remove %s", subject);
            break;
        }
        berr_free(e2);
    }
    json_decref(list);
    return rc;
}

int cv_clear_leftovers(struct cv *cv, berr **err)
{
    bool found = false;
    if (clear_work_containers(cv, &found, err) < 0)
        return -1;
    /* Imports are only looked for where one could have been made: a no-op
     * up of a project without such parts asks nothing more. */
    if (!found && !imports(cv->p))
        return 0;
    return clear_imports(cv, err);
}
