#include "engine/session.h"

#include <jansson.h>
#include <stdio.h>
#include <time.h>

#include "engine/api.h"
#include "base/strbuf.h"
#include "base/util.h"

int session_exec_attach(engine *e, const char *exec_id, bool tty, hijack **out, berr **err)
{
    cleanup_free char *path = api_path("/exec", exec_id, "/start");
    cleanup_free char *body = xasprintf("{\"Detach\":false,\"Tty\":%s}", tty ? "true" : "false");
    return hijack_open(e, "POST", path, body, out, err);
}

int session_exec_detach(engine *e, const char *exec_id, berr **err)
{
    cleanup_free char *path = api_path("/exec", exec_id, "/start");
    json_t *body = json_pack("{s:b, s:b}", "Detach", 1, "Tty", 0);
    int rc = engine_post(e, path, body, NULL, err);
    json_decref(body);
    return rc;
}

static int resize(engine *e, const char *prefix, const char *id, int rows, int cols, berr **err)
{
    cleanup_free char *base = api_path(prefix, id, "/resize");
    cleanup_free char *path = xasprintf("%s?h=%d&w=%d", base, rows, cols);
    struct engine_req r = {.method = "POST", .path = path, .timeout_ms = 10000};
    return engine_call(e, &r, NULL, NULL, err);
}

int session_exec_resize(engine *e, const char *exec_id, int rows, int cols, berr **err)
{
    return resize(e, "/exec", exec_id, rows, cols, err);
}

int session_container_resize(engine *e, const char *container, int rows, int cols, berr **err)
{
    return resize(e, "/containers", container, rows, cols, err);
}

int session_exec_result(engine *e, const char *exec_id, long wait_ms, int *exit_code,
                        bool *running, berr **err)
{
    cleanup_free char *path = api_path("/exec", exec_id, "/json");
    long long deadline = now_ms() + wait_ms;
    /* The stream ends when the process closes its output, which may be a
     * moment before the engine records how it exited. */
    for (long delay = 5;; delay = delay < 100 ? delay * 2 : 100) {
        json_t *j = NULL;
        if (engine_get(e, path, &j, err) < 0)
            return berr_wrap(err, "exec %.12s", exec_id);
        bool run = json_is_true(json_object_get(j, "Running"));
        json_t *code = json_object_get(j, "ExitCode");
        if (!run && json_is_integer(code)) {
            *exit_code = (int)json_integer_value(code);
            *running = false;
            json_decref(j);
            return 0;
        }
        json_decref(j);
        if (now_ms() >= deadline) {
            *exit_code = -1;
            *running = run;
            if (!run)
                return berr_set(err, BERR_ENGINE, "exec %.12s ended without an exit code",
                                exec_id);
            return 0;
        }
        struct timespec ts = {0, delay * 1000000L};
        nanosleep(&ts, NULL);
    }
}

int session_attach(engine *e, const char *container, hijack **out, berr **err)
{
    cleanup_free char *path =
        api_path("/containers", container, "/attach?stream=1&stdin=1&stdout=1&stderr=1");
    return hijack_open(e, "POST", path, NULL, out, err);
}
