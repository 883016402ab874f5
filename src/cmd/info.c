/* berth info: what engine berth talks to, and what it holds. */
#include <jansson.h>
#include <stdio.h>

#include "cmd.h"
#include "engine/engine.h"
#include "base/util.h"

static const char usage[] =
    "usage: berth info [--format text|json]\n"
    "\n"
    "Describe the engine at --engine, --context, $DOCKER_HOST, $DOCKER_CONTEXT, the\n"
    "docker CLI's current context or unix:///var/run/docker.sock: which context,\n"
    "its version and API version (the engine's and the one berth negotiated), OS,\n"
    "kernel, storage driver, counts of containers and images, and the address.\n";

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "?";
}

int cmd_info(cli *g, int argc, char **argv, berr **err)
{
    enum out_format fmt;
    int parsed = parse_format_options("info", usage, argc, argv, &fmt, err);
    if (parsed != 0)
        return parsed < 0 ? -1 : 0;
    if (optind < argc)
        return cmd_usage_error(err, "info", "unexpected argument '%s'", argv[optind]);

    cleanup_engine engine *e = NULL;
    json_t *info = NULL, *ver = NULL;
    if (engine_open(g->engine_url, &e, err) < 0 || engine_get(e, "/version", &ver, err) < 0 ||
        engine_get(e, "/info", &info, err) < 0) {
        json_decref(ver);
        return -1;
    }
    if (!json_is_object(info) || !json_is_object(ver)) {
        json_decref(info);
        json_decref(ver);
        return berr_set(err, BERR_ENGINE, "the engine at %s answered /info or /version with "
                        "something that is not an object", engine_address(e));
    }
    json_int_t running = json_integer_value(json_object_get(info, "ContainersRunning"));
    json_int_t total = json_integer_value(json_object_get(info, "Containers"));
    json_int_t images = json_integer_value(json_object_get(info, "Images"));
    if (fmt == FORMAT_JSON) {
        json_t *o = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:I, s:I}, s:I, s:b}",
            "address", engine_address(e), "engine_version", str(ver, "Version"),
            "api_version", engine_api_version(e), "engine_api_version", engine_server_api(e),
            "os", str(info, "OperatingSystem"), "os_type", str(info, "OSType"),
            "kernel", str(info, "KernelVersion"), "storage_driver", str(info, "Driver"),
            "containers", "total", total, "running", running, "images", images,
            "podman", engine_podman_api(e) != NULL);
        json_object_set_new(o, "context", engine_context(e) ? json_string(engine_context(e))
                                                             : json_null());
        char *s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
        puts(s);
        free(s);
        json_decref(o);
    } else {
        if (engine_context(e))
            printf("context:        %s (from %s)\n", engine_context(e),
                   engine_context_origin(e));
        else
            printf("context:        none\n");
        printf("address:        %s\n", engine_address(e));
        printf("engine:         %s %s\n", engine_podman_api(e) ? "Podman" : "Docker",
               str(ver, "Version"));
        printf("API version:    %s (engine supports up to %s)\n", engine_api_version(e),
               engine_server_api(e));
        printf("OS:             %s (%s)\n", str(info, "OperatingSystem"), str(info, "OSType"));
        printf("kernel:         %s\n", str(info, "KernelVersion"));
        printf("storage driver: %s\n", str(info, "Driver"));
        printf("containers:     %lld (%lld running)\n", (long long)total, (long long)running);
        printf("images:         %lld\n", (long long)images);
    }
    json_decref(info);
    json_decref(ver);
    return 0;
}
