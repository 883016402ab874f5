#include "engine/context.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "base/hash.h"
#include "base/util.h"

void engine_context_clear(struct engine_context *c)
{
    free(c->name);
    free(c->host);
    free(c->tls_dir);
    free(c->meta_path);
    memset(c, 0, sizeof *c);
}

char *engine_context_config_dir(void)
{
    const char *d = getenv("DOCKER_CONFIG");
    if (d && *d)
        return xstrdup(d);
    const char *home = getenv("HOME");
    return xasprintf("%s/.docker", home && *home ? home : "");
}

static bool is_default(const char *name) { return !name || !*name || streq(name, "default"); }

int engine_context_choose(const char *config_dir, const char *flag, char **name, char **origin,
                          berr **err)
{
    *name = NULL;
    *origin = NULL;
    if (flag) {
        *name = is_default(flag) ? NULL : xstrdup(flag);
        *origin = xstrdup("--context");
        return 0;
    }
    /* As the docker CLI: DOCKER_HOST names the engine outright, and beats
     * both DOCKER_CONTEXT and the configured context. */
    const char *dh = getenv("DOCKER_HOST");
    if (dh && *dh)
        return 0;
    const char *env = getenv("DOCKER_CONTEXT");
    if (env && *env) {
        *name = is_default(env) ? NULL : xstrdup(env);
        *origin = xstrdup("DOCKER_CONTEXT");
        return 0;
    }
    cleanup_free char *cfg = xasprintf("%s/config.json", config_dir);
    struct stat st;
    if (stat(cfg, &st) < 0)
        return 0; /* no configuration: the default */
    json_error_t jerr;
    json_t *j = json_load_file(cfg, 0, &jerr);
    if (!j)
        return berr_set(err, BERR_USAGE, "%s:%d: not JSON: %s", cfg, jerr.line, jerr.text);
    const char *cur = json_string_value(json_object_get(j, "currentContext"));
    if (!is_default(cur)) {
        *name = xstrdup(cur);
        *origin = xasprintf("currentContext in %s", cfg);
    }
    json_decref(j);
    return 0;
}

int engine_context_load(const char *config_dir, const char *name, struct engine_context *c,
                        berr **err)
{
    memset(c, 0, sizeof *c);
    char sum[65];
    sha256_hex(name, strlen(name), sum);
    c->name = xstrdup(name);
    c->meta_path = xasprintf("%s/contexts/meta/%s/meta.json", config_dir, sum);
    json_error_t jerr;
    json_t *j = json_load_file(c->meta_path, 0, &jerr);
    if (!j) {
        struct stat st;
        int rc = stat(c->meta_path, &st) < 0
                     ? berr_set(err, BERR_UNREACHABLE,
                                "docker context '%s' does not exist (no %s); 'docker context ls' "
                                "lists the contexts",
                                name, c->meta_path)
                     : berr_set(err, BERR_UNREACHABLE, "docker context '%s': %s:%d: %s", name,
                                c->meta_path, jerr.line, jerr.text);
        engine_context_clear(c);
        return rc;
    }
    json_t *ep = json_object_get(json_object_get(j, "Endpoints"), "docker");
    const char *host = json_string_value(json_object_get(ep, "Host"));
    c->host = host && *host ? xstrdup(host) : NULL;
    c->skip_tls_verify = json_is_true(json_object_get(ep, "SkipTLSVerify"));
    json_decref(j);
    char *tls = xasprintf("%s/contexts/tls/%s/docker", config_dir, sum);
    struct stat st;
    if (stat(tls, &st) == 0 && S_ISDIR(st.st_mode))
        c->tls_dir = tls;
    else
        free(tls);
    return 0;
}
