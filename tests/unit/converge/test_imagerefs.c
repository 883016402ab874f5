/* What a run knows of images, by reference (converge.c): an image made in
 * this run is "rebuilt" under every spelling of its reference, and only
 * under those — demo/web:1 is not demo/web:2 — so a container whose image
 * a part of this run makes is recreated, and no other. */
#include <pthread.h>

#include "../tap.h"
#include "base/util.h"
#include "converge/converge_int.h"

int main(void)
{
    struct cv cv = {.images = json_object(), .rebuilt = json_object()};
    pthread_mutex_init(&cv.lock, NULL);

    cv_image_changed(&cv, "demo/web");
    ok(cv_image_rebuilt(&cv, "demo/web"), "made as demo/web: rebuilt as demo/web");
    ok(cv_image_rebuilt(&cv, "demo/web:latest"), "... and as demo/web:latest");
    ok(cv_image_rebuilt(&cv, "docker.io/demo/web:latest"), "... and as docker.io/demo/web:latest");
    ok(!cv_image_rebuilt(&cv, "demo/web:1"), "... not as demo/web:1");
    ok(!cv_image_rebuilt(&cv, "demo/web2"), "... not as another repository");

    cv_image_changed(&cv, "demo/db:2");
    ok(cv_image_rebuilt(&cv, "docker.io/demo/db:2"),
       "made as demo/db:2: rebuilt as docker.io/demo/db:2");
    ok(!cv_image_rebuilt(&cv, "demo/db"), "... not as demo/db (that is demo/db:latest)");
    ok(!cv_image_rebuilt(&cv, "demo/db:1"), "... not as demo/db:1");

    cv_image_changed(&cv, "busybox");
    ok(cv_image_rebuilt(&cv, "docker.io/library/busybox:latest"),
       "busybox is docker.io/library/busybox:latest");

    json_decref(cv.images);
    json_decref(cv.rebuilt);
    pthread_mutex_destroy(&cv.lock);
    return tap_done();
}
