#include "engine/owner.h"

#include <string.h>

#include "engine/api.h"
#include "base/util.h"

static const char *lab(json_t *labels, const char *key)
{
    return json_string_value(json_object_get(labels, key));
}

const char *owner_of_container(json_t *labels, const char *name)
{
    const char *project = lab(labels, LABEL_PROJECT), *part = lab(labels, LABEL_PART),
               *inst = lab(labels, LABEL_INSTANCE);
    /* no image carries an instance (nor did images of older berths) */
    if (!project || !part || !inst || !name)
        return NULL;
    if (name[0] == '/')
        name++;
    /* <project>-<part>-<instance>, compared piece by piece */
    size_t lp = strlen(project), lt = strlen(part);
    if (strncmp(name, project, lp) || name[lp] != '-' || strncmp(name + lp + 1, part, lt) ||
        name[lp + 1 + lt] != '-' || !streq(name + lp + lt + 2, inst))
        return NULL;
    return project;
}

bool owner_container_is(json_t *labels, const char *name, const char *project)
{
    return streq(owner_of_container(labels, name), project);
}

bool owner_listed_container_is(json_t *c, const char *project)
{
    json_t *labels = json_object_get(c, "Labels"), *n;
    size_t i;
    json_array_foreach(json_object_get(c, "Names"), i, n)
        if (owner_container_is(labels, json_string_value(n), project) ||
            owner_bootstrap_is(labels, json_string_value(n), project) ||
            owner_work_is(labels, json_string_value(n), project))
            return true;
    return false;
}

char *owner_tagged_ref(const char *ref)
{
    const char *slash = strrchr(ref, '/');
    const char *last = slash ? slash + 1 : ref;
    return strchr(last, ':') || strchr(ref, '@') ? xstrdup(ref) : xasprintf("%s:latest", ref);
}

static json_t *image_labels(json_t *img)
{
    json_t *l = json_object_get(img, "Labels");
    return json_is_object(l) ? l : json_object_get(json_object_get(img, "Config"), "Labels");
}

/* A listed tag as the project names it: Podman lists a short name fully
 * qualified ("docker.io/demo/base:latest" for "demo/base"). */
const char *owner_short_tag(const char *t)
{
    static const char *const prefixes[] = {"docker.io/library/", "docker.io/", "localhost/"};
    for (size_t i = 0; t && i < ARRAY_SIZE(prefixes); i++)
        if (starts_with(t, prefixes[i]))
            return t + strlen(prefixes[i]);
    return t;
}

static bool tagged(json_t *img, const char *ref)
{
    cleanup_free char *want = owner_tagged_ref(ref);
    json_t *t;
    size_t i;
    json_array_foreach(json_object_get(img, "RepoTags"), i, t)
        if (streq(json_string_value(t), want) || streq(owner_short_tag(json_string_value(t)), want))
            return true;
    return false;
}

/* Made before images had their own keys: berth.project + berth.kind=image. */
static bool legacy(json_t *labels, const char *project)
{
    return !lab(labels, LABEL_IMAGE_PROJECT) && streq(lab(labels, LABEL_PROJECT), project) &&
           streq(lab(labels, "berth.kind"), "image");
}

bool owner_image_claims(json_t *img, const char *project)
{
    json_t *labels = image_labels(img);
    return streq(lab(labels, LABEL_IMAGE_PROJECT), project) || legacy(labels, project);
}

bool owner_image_is(json_t *img, const char *project)
{
    json_t *labels = image_labels(img);
    if (streq(lab(labels, LABEL_IMAGE_PROJECT), project))
        return lab(labels, LABEL_IMAGE_REF) && tagged(img, lab(labels, LABEL_IMAGE_REF));
    if (!legacy(labels, project) || !lab(labels, LABEL_PART))
        return false;
    /* the default name of a part's image */
    cleanup_free char *ref = xasprintf("%s/%s", project, lab(labels, LABEL_PART));
    return tagged(img, ref);
}

bool owner_image_kept(json_t *img)
{
    json_t *labels = image_labels(img);
    if (lab(labels, LABEL_IMAGE_PROJECT))
        return streq(lab(labels, LABEL_IMAGE_KEEP), "true");
    return streq(lab(labels, "berth.keep"), "true");
}

bool owner_bootstrap_is(json_t *labels, const char *name, const char *project)
{
    if (name && name[0] == '/')
        name++;
    if (streq(lab(labels, LABEL_BOOTSTRAP), project))
        return name && streq(lab(labels, LABEL_BOOTSTRAP_NAME), name);
    return !lab(labels, LABEL_BOOTSTRAP) && streq(lab(labels, LABEL_PROJECT), project) &&
           streq(lab(labels, "berth.kind"), "bootstrap");
}

bool owner_work_is(json_t *labels, const char *name, const char *project)
{
    if (name && name[0] == '/')
        name++;
    return name && streq(lab(labels, LABEL_WORK), project) &&
           streq(lab(labels, LABEL_WORK_NAME), name);
}

char *owner_image_ref(json_t *img)
{
    json_t *labels = image_labels(img);
    const char *ref = lab(labels, LABEL_IMAGE_REF);
    if (ref)
        return owner_tagged_ref(ref);
    const char *project = lab(labels, LABEL_PROJECT), *part = lab(labels, LABEL_PART);
    if (!project || !part || !legacy(labels, project))
        return NULL;
    cleanup_free char *r = xasprintf("%s/%s", project, part);
    return owner_tagged_ref(r);
}
