/* Unit tests for docker contexts (engine/context.h): which context the
 * docker CLI's order picks, and what a context folder as `docker context
 * create` writes it gives. Files go in a temporary $DOCKER_CONFIG. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "engine/context.h"
#include "engine/engine.h"
#include "base/hash.h"
#include "../tap.h"
#include "base/util.h"

static char cfg[] = "/tmp/berth-ctx-test.XXXXXX";

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void make_context(const char *name, const char *meta, bool tls)
{
    char sum[65];
    sha256_hex(name, strlen(name), sum);
    cleanup_free char *d = xasprintf("%s/contexts/meta/%s", cfg, sum);
    cleanup_free char *cmd = xasprintf("mkdir -p %s", d);
    (void)!system(cmd);
    cleanup_free char *m = xasprintf("%s/meta.json", d);
    write_file(m, meta);
    if (tls) {
        cleanup_free char *t = xasprintf("mkdir -p %s/contexts/tls/%s/docker", cfg, sum);
        (void)!system(t);
    }
}

static void check_choose(void)
{
    char *name, *origin;
    berr *err = NULL;
    unsetenv("DOCKER_HOST");
    unsetenv("DOCKER_CONTEXT");
    ok(engine_context_choose(cfg, NULL, &name, &origin, &err) == 0 && !name,
       "no config.json, no variables: no context");
    cleanup_free char *cj = xasprintf("%s/config.json", cfg);
    write_file(cj, "{\"currentContext\":\"cur\"}");
    engine_context_choose(cfg, NULL, &name, &origin, &err);
    is_str(name, "cur", "currentContext is used");
    has_str(origin, "currentContext in", "and named as its origin");
    free(name), free(origin);
    setenv("DOCKER_CONTEXT", "env", 1);
    engine_context_choose(cfg, NULL, &name, &origin, &err);
    is_str(name, "env", "DOCKER_CONTEXT beats currentContext");
    free(name), free(origin);
    engine_context_choose(cfg, "flag", &name, &origin, &err);
    is_str(name, "flag", "--context beats DOCKER_CONTEXT");
    is_str(origin, "--context", "origin --context");
    free(name), free(origin);
    setenv("DOCKER_HOST", "unix:///x.sock", 1);
    engine_context_choose(cfg, NULL, &name, &origin, &err);
    ok(!name, "DOCKER_HOST beats DOCKER_CONTEXT and currentContext");
    engine_context_choose(cfg, "flag", &name, &origin, &err);
    is_str(name, "flag", "--context beats DOCKER_HOST");
    free(name), free(origin);
    engine_context_choose(cfg, "default", &name, &origin, &err);
    ok(!name, "the context 'default' is no context");
    free(origin);
    unsetenv("DOCKER_HOST");
    unsetenv("DOCKER_CONTEXT");
    write_file(cj, "{not json");
    ok(engine_context_choose(cfg, NULL, &name, &origin, &err) < 0 && err, "a broken config.json is an error");
    berr_free(err);
    unlink(cj);
}

static void check_load(void)
{
    struct engine_context c;
    berr *err = NULL;
    make_context("plain", "{\"Name\":\"plain\",\"Endpoints\":{\"docker\":{\"Host\":\"unix:///p.sock\"}}}",
                 false);
    ok(engine_context_load(cfg, "plain", &c, &err) == 0, "a context loads");
    is_str(c.host, "unix:///p.sock", "its host");
    ok(!c.tls_dir && !c.skip_tls_verify, "no TLS");
    engine_context_clear(&c);

    make_context("sec", "{\"Name\":\"sec\",\"Endpoints\":{\"docker\":{\"Host\":\"tcp://h:2376\","
                        "\"SkipTLSVerify\":false}}}", true);
    ok(engine_context_load(cfg, "sec", &c, &err) == 0, "a TLS context loads");
    has_str(c.tls_dir, "/contexts/tls/", "its TLS folder");
    engine_context_clear(&c);

    struct engine_env env;
    ok(engine_env_from_context(&env, "sec", "--context", &err) == 0, "env from the TLS context");
    struct http_endpoint ep;
    char *display = NULL;
    ok(engine_parse_address(&env, &ep, &display, &err) == 0, "its address parses");
    ok(ep.tls && ep.tls_verify, "TLS, verified");
    has_str(ep.ca, "/docker/ca.pem", "ca from the context's TLS folder");
    has_str(ep.key, "/docker/key.pem", "key from the context's TLS folder");
    http_endpoint_clear(&ep);
    free(display);
    engine_env_clear(&env);

    ok(engine_context_load(cfg, "missing", &c, &err) < 0 && err && err->code == BERR_UNREACHABLE,
       "a missing context is an error");
    has_str(err->msg, "docker context 'missing' does not exist", "saying so");
    berr_free(err);
}

int main(void)
{
    if (!mkdtemp(cfg))
        return 1;
    setenv("DOCKER_CONFIG", cfg, 1);
    check_choose();
    check_load();
    cleanup_free char *rm = xasprintf("rm -rf %s", cfg);
    (void)!system(rm);
    return tap_done();
}
