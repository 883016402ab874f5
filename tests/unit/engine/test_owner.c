/* Unit tests for engine/owner.c: what berth made, decided on labels no image
 * passes on to its containers and children, and on names. Table-driven. */
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>

#include "engine/owner.h"
#include "../tap.h"
#include "base/util.h"

struct ctr_case {
    const char *labels; /* JSON */
    const char *name;
    const char *owner;  /* NULL: not berth's */
    const char *what;
};

static const struct ctr_case ctr_cases[] = {
    {"{\"berth.project\":\"demo\",\"berth.part\":\"web\",\"berth.instance\":\"one\"}",
     "/demo-web-one", "demo", "made by berth: labels and name agree"},
    {"{\"berth.project\":\"demo\",\"berth.part\":\"web\",\"berth.instance\":\"one\"}",
     "demo-web-one", "demo", "a name without the engine's '/'"},
    {"{\"berth.project\":\"demo\",\"berth.part\":\"web\",\"berth.instance\":\"one\"}",
     "/mine", NULL, "another name (a container of an image committed from one of berth's)"},
    {"{\"berth.image.project\":\"demo\",\"berth.image.part\":\"web_image\"}", "/demo-web-one",
     NULL, "a docker run of a berth image: image keys only"},
    {"{\"berth.project\":\"demo\",\"berth.part\":\"web_image\",\"berth.kind\":\"image\"}",
     "/demo-web_image-x", NULL, "a docker run of an older berth image: no instance"},
    {"{\"berth.project\":\"demo-web\",\"berth.part\":\"x\",\"berth.instance\":\"one\"}",
     "/demo-web-x-one", "demo-web", "project names with '-' compare piece by piece"},
    {"{\"berth.project\":\"demo\",\"berth.part\":\"web-x\",\"berth.instance\":\"one\"}",
     "/demo-web-x-onex", NULL, "a longer instance is another name"},
    {"{\"berth.project\":\"demo\",\"berth.part\":\"web\"}", "/demo-web-", NULL,
     "no instance label"},
    {"{}", "/demo-web-one", NULL, "no labels"},
};

struct img_case {
    const char *img; /* JSON: a /images/json entry */
    bool ours, claims, kept;
    const char *ref; /* owner_image_ref */
    const char *what;
};

static const struct img_case img_cases[] = {
    {"{\"RepoTags\":[\"demo/web:latest\"],\"Labels\":{\"berth.image.project\":\"demo\","
     "\"berth.image.ref\":\"demo/web:latest\",\"berth.image.keep\":\"false\"}}",
     true, true, false, "demo/web:latest", "berth's image, tagged with its ref"},
    {"{\"RepoTags\":[\"thirdparty/app:1\"],\"Labels\":{\"berth.image.project\":\"demo\","
     "\"berth.image.ref\":\"demo/web:latest\",\"berth.image.keep\":\"true\"}}",
     false, true, true, "demo/web:latest", "a child FROM it: another tag"},
    {"{\"RepoTags\":[\"demo/web:latest\"],\"Labels\":{\"berth.image.project\":\"other\","
     "\"berth.image.ref\":\"demo/web:latest\"}}",
     false, false, false, "demo/web:latest", "another project's"},
    {"{\"RepoTags\":[\"demo/base:latest\"],\"Labels\":{\"berth.project\":\"demo\","
     "\"berth.part\":\"base\",\"berth.kind\":\"image\",\"berth.keep\":\"true\"}}",
     true, true, true, "demo/base:latest", "an older berth's image, tagged <project>/<part>"},
    {"{\"RepoTags\":[\"x/y:1\"],\"Labels\":{\"berth.project\":\"demo\",\"berth.part\":\"base\","
     "\"berth.kind\":\"image\"}}",
     false, true, false, "demo/base:latest", "a child of an older berth's image"},
    {"{\"RepoTags\":[\"demo/web:latest\"],\"Labels\":{\"berth.project\":\"demo\","
     "\"berth.part\":\"web\",\"berth.instance\":\"one\",\"berth.kind\":\"container\"}}",
     false, false, false, NULL, "an image committed from a container: not an image of berth's"},
    {"{\"Config\":{\"Labels\":{\"berth.image.project\":\"demo\",\"berth.image.ref\":"
     "\"demo/web\"}},\"RepoTags\":[\"demo/web:latest\"]}",
     true, true, false, "demo/web:latest", "an inspect answer; a ref without a tag is :latest"},
};

int main(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(ctr_cases); i++) {
        const struct ctr_case *c = &ctr_cases[i];
        json_t *l = json_loads(c->labels, 0, NULL);
        const char *o = owner_of_container(l, c->name);
        if (c->owner)
            is_str(o, c->owner, c->what);
        else
            ok(o == NULL, c->what);
        ok(owner_container_is(l, c->name, "demo") == streq(c->owner, "demo"), c->what);
        json_decref(l);
    }
    for (size_t i = 0; i < ARRAY_SIZE(img_cases); i++) {
        const struct img_case *c = &img_cases[i];
        json_t *img = json_loads(c->img, 0, NULL);
        ok(owner_image_is(img, "demo") == c->ours, c->what);
        ok(owner_image_claims(img, "demo") == c->claims, c->what);
        ok(owner_image_kept(img) == c->kept, c->what);
        char *ref = owner_image_ref(img);
        if (c->ref)
            is_str(ref, c->ref, c->what);
        else
            ok(ref == NULL, c->what);
        free(ref);
        json_decref(img);
    }
    struct { const char *in, *out; } refs[] = {
        {"demo/web", "demo/web:latest"},
        {"demo/web:v1", "demo/web:v1"},
        {"127.0.0.1:5000/demo/web", "127.0.0.1:5000/demo/web:latest"},
        {"127.0.0.1:5000/demo/web:2", "127.0.0.1:5000/demo/web:2"},
        {"demo/web@sha256:abc", "demo/web@sha256:abc"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(refs); i++) {
        char *r = owner_tagged_ref(refs[i].in);
        is_str(r, refs[i].out, refs[i].in);
        free(r);
    }
    json_t *boot = json_pack("{s:s, s:s}", "berth.bootstrap", "demo", "berth.bootstrap.name",
                             "demo-base-bootstrap");
    ok(owner_bootstrap_is(boot, "/demo-base-bootstrap", "demo"), "a bootstrap work container");
    ok(!owner_bootstrap_is(boot, "/demo-base-bootstrap", "other"), "of its project only");
    ok(!owner_bootstrap_is(boot, "/mine", "demo"), "a container of the bootstrapped image");
    json_decref(boot);
    boot = json_pack("{s:s, s:s}", "berth.project", "demo", "berth.kind", "bootstrap");
    ok(owner_bootstrap_is(boot, "/demo-base-bootstrap", "demo"), "an older berth's work container");
    json_decref(boot);
    return tap_done();
}
