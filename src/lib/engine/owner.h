/* What berth made, and for which project.
 *
 * A container inherits every label of its image, and an image every label
 * of its parent, so a label alone proves nothing: `docker run` of a berth
 * image, or `docker build` FROM one, would otherwise make objects that look
 * like the project's. Ownership is decided by what only berth's own create
 * call gives an object:
 *
 * - images carry their own keys (berth.image.*), never berth.instance, so
 *   a container made from one does not look like one of berth's; and an
 *   image is berth's only when it is tagged with the very ref its
 *   berth.image.ref label names (a child built FROM it has another tag);
 * - a container is berth's when its labels name project, part and instance
 *   (keys no image carries) and its name is the one berth gives that
 *   instance, <project>-<part>-<instance> (a container made from an image
 *   committed from one of berth's has the labels but not the name).
 *
 * Objects of the previous scheme (images labelled berth.project and
 * berth.kind=image) are recognised by their tag: <project>/<part>. */
#ifndef BERTH_OWNER_H
#define BERTH_OWNER_H

#include <jansson.h>
#include <stdbool.h>

/* Image keys: never the same as a container's. */
#define LABEL_IMAGE_PROJECT "berth.image.project"
#define LABEL_IMAGE_PART "berth.image.part"
#define LABEL_IMAGE_REF "berth.image.ref"
#define LABEL_IMAGE_KEEP "berth.image.keep"
/* A bootstrap's work container: its project, and its own name (the commit
 * copies both into the image, so a container of that image has them too,
 * under another name). */
#define LABEL_BOOTSTRAP "berth.bootstrap"
#define LABEL_BOOTSTRAP_NAME "berth.bootstrap.name"
/* The same for the work containers of assemble and diskimage parts. */
#define LABEL_WORK "berth.work"
#define LABEL_WORK_NAME "berth.work.name"

/* The project that made this container, from its labels and name (with or
 * without the engine's leading '/'); NULL when berth did not make it as a
 * container. */
const char *owner_of_container(json_t *labels, const char *name);
bool owner_container_is(json_t *labels, const char *name, const char *project);
/* A listed container (/containers/json entry), by any of its Names: an
 * instance, or a work container (a bootstrap's, an assemble's, a disk
 * image's). */
bool owner_listed_container_is(json_t *c, const char *project);

/* An image (a /images/json entry, or an inspect answer) that berth made
 * for project: tagged with its own ref. */
bool owner_image_is(json_t *img, const char *project);
/* Its labels name project (it, or its parent, was made by berth for it). */
bool owner_image_claims(json_t *img, const char *project);
/* The ref (repo:tag) berth made the image as, from its labels (the older
 * scheme's: <project>/<part>); NULL when they name none. malloc'd. */
char *owner_image_ref(json_t *img);
/* A listed tag as the project names it: Podman lists short names fully
 * qualified ("docker.io/demo/base:latest" for "demo/base:latest"). */
const char *owner_short_tag(const char *tag);
/* keep = true was set on this very image (not inherited from its parent). */
bool owner_image_kept(json_t *img);

/* A bootstrap work container of project named name (a leftover of an
 * interrupted run); an older berth's (berth.kind=bootstrap) by its labels. */
bool owner_bootstrap_is(json_t *labels, const char *name, const char *project);
/* A work container of an assemble or diskimage part of project, named name.
 * (An older berth's, labelled berth.project and berth.kind only, is not
 * taken for one: a container a user made from an image committed from it
 * has the same labels.) */
bool owner_work_is(json_t *labels, const char *name, const char *project);

/* "repo:tag" for a ref without a tag ("repo" -> "repo:latest"); malloc'd. */
char *owner_tagged_ref(const char *ref);

#endif
