/* Interactive and safemode instances (berth run -i): the instance made for
 * the run when no file declares it, and the container it gets from the
 * desired state: a shell in the foreground instead of the command, stdin
 * open, never restarted; entrypoint-local.sh in front (not in safemode);
 * links only for a linked instance. */
#include <stdio.h>
#include <sys/stat.h>

#include "engine/api.h"
#include "converge/desired.h"
#include "../tap.h"
#include "base/util.h"

static char root[] = "/tmp/berth-test-interactive.XXXXXX";
static char folder[128], dockerfile[160], elocal[160];

static const char text[] = "[project]\nname = shop\n"
                           "[web]\ncommand = serve --port 80\nlinks = db\n"
                           "[db]\nrecipe = container\nimage = shop/db\n"
                           "instances = one dbg\n"
                           "[db:dbg]\ninstance-type = safemode\n";

static struct project *load(const char *adhoc, enum instance_type type, const char *const *sets,
                            int nsets)
{
    struct project_opts o = {.dir = root, .file = "berth.ini", .text = text, .sets = sets,
                             .nsets = nsets, .adhoc_instance = adhoc, .adhoc_type = type};
    struct project *p = NULL;
    berr *err = NULL;
    if (project_load(&o, &p, &err) < 0) {
        printf("# load failed: %s\n", err->msg);
        berr_free(err);
        return NULL;
    }
    return p;
}

static const struct instance *inst(const struct project *p, const char *part, const char *name)
{
    int pi = project_find(p, part);
    if (pi < 0 || !p->parts[pi].container)
        return NULL;
    int ii = container_instance(p->parts[pi].container, name);
    return ii < 0 ? NULL : &p->parts[pi].container->instances[ii];
}

static void test_adhoc(void)
{
    struct project *p = load(NULL, INSTANCE_INTERACTIVE, NULL, 0);
    ok(p && !inst(p, "web", "interactive"), "without run -i, no instance is added");
    if (p)
        project_free(p);

    p = load("web:interactive", INSTANCE_INTERACTIVE, NULL, 0);
    const struct instance *in = p ? inst(p, "web", "interactive") : NULL;
    ok(in != NULL, "run -i web: web:interactive is there for the run");
    if (!in)
        return;
    ok(in->adhoc && in->interactive && in->type == INSTANCE_INTERACTIVE, "ad hoc, interactive");
    ok(in->linked && in->run_entrypoint_local, "interactive: linked, entrypoint-local.sh runs");
    is_str(in->container_name, "shop-web-interactive", "its own container name");
    ok(inst(p, "web", "main") != NULL, "the part's own instances stay");
    project_free(p);

    p = load("web:debug", INSTANCE_SAFEMODE, NULL, 0);
    in = p ? inst(p, "web", "debug") : NULL;
    ok(in && in->type == INSTANCE_SAFEMODE && !in->linked && !in->run_entrypoint_local,
       "run --safemode web:debug: safemode, not linked, no entrypoint-local.sh");
    if (p)
        project_free(p);

    p = load("web:safemode", INSTANCE_INTERACTIVE, NULL, 0);
    in = p ? inst(p, "web", "safemode") : NULL;
    ok(in && in->type == INSTANCE_SAFEMODE, "an instance named after a type has that type");
    if (p)
        project_free(p);

    p = load("db:dbg", INSTANCE_INTERACTIVE, NULL, 0);
    in = p ? inst(p, "db", "dbg") : NULL;
    ok(in && !in->adhoc && in->type == INSTANCE_SAFEMODE,
       "a declared instance is used as declared, not made again");
    is_int(p ? p->parts[project_find(p, "db")].container->ninstances : 0, 2, "no duplicate");
    if (p)
        project_free(p);

    const char *sets[] = {"web:interactive.linked=false", "web.persistent_data=true"};
    p = load("web:interactive", INSTANCE_INTERACTIVE, sets, 2);
    in = p ? inst(p, "web", "interactive") : NULL;
    ok(in && !in->linked && in->persistent_data,
       "-s settings apply to it, for the instance and for the part");
    if (p)
        project_free(p);
}

static json_t *cmdv(json_t *body, const char *key)
{
    return json_object_get(body, key);
}

static bool env_has_prefix(json_t *body, const char *prefix)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(body, "Env"), i, v)
        if (starts_with(json_string_value(v), prefix))
            return true;
    return false;
}

static void test_desired(void)
{
    static const char *const shell[] = {"/bin/sh", "-c", "exec sh", NULL};
    struct link_ip links[] = {{.alias = "db", .ip = "172.18.0.5"}};
    struct image_facts f = {.id = "sha256:bbbb", .config = NULL};
    berr *err = NULL;

    struct project *p = load("web:interactive", INSTANCE_INTERACTIVE, NULL, 0);
    if (!p)
        return;
    int pi = project_find(p, "web");
    const struct container *c = p->parts[pi].container;
    ok(c->entrypoint_local != NULL, "the folder's entrypoint-local.sh is known");
    int ii = container_instance(c, "interactive");
    struct desired d = {0};
    is_int(desired_container(p, &p->parts[pi], (size_t)ii, &f, links, 1, &d, &err), 0,
           "desired state of web:interactive");
    desired_interactive(&d, c, &c->instances[ii], shell, true, "xterm-256color");
    json_t *ep = cmdv(d.create, "Entrypoint"), *cmd = cmdv(d.create, "Cmd");
    is_str(json_string_value(json_array_get(ep, 0)), "/bin/sh", "the entrypoint-local wrapper");
    has_str(json_string_value(json_array_get(ep, 2)), "berth-entrypoint-local.sh",
            "...runs entrypoint-local.sh first");
    ok(json_array_size(cmd) == 3 && streq(json_string_value(json_array_get(cmd, 2)), "exec sh"),
       "then the shell, not `serve --port 80`");
    ok(json_is_true(json_object_get(d.create, "Tty")) &&
           json_is_true(json_object_get(d.create, "OpenStdin")) &&
           json_is_true(json_object_get(d.create, "StdinOnce")) &&
           json_is_true(json_object_get(d.create, "AttachStdin")),
       "a TTY, stdin open until the session's end");
    is_str(json_string_value(json_array_get(json_object_get(d.create, "Env"), 0)),
           "TERM=xterm-256color", "the caller's TERM");
    ok(env_has_prefix(d.create, "DB_CONTAINER_IP=172.18.0.5"), "linked: the link's address");
    is_str(json_string_value(json_object_get(json_object_get(json_object_get(d.create,
                                                                              "HostConfig"),
                                                             "RestartPolicy"),
                                             "Name")),
           "no", "never restarted");
    is_str(json_string_value(json_object_get(json_object_get(d.create, "Labels"), LABEL_KIND)),
           "interactive", "labelled kind=interactive: not a container up converges");
    is_str(json_string_value(json_object_get(json_object_get(d.create, "Labels"), LABEL_TYPE)),
           "interactive", "instance type label");
    desired_clear(&d);
    project_free(p);

    p = load("web:safemode", INSTANCE_SAFEMODE, NULL, 0);
    if (!p)
        return;
    c = p->parts[pi].container;
    ii = container_instance(c, "safemode");
    is_int(desired_container(p, &p->parts[pi], (size_t)ii, &f, links, 1, &d, &err), 0,
           "desired state of web:safemode");
    desired_interactive(&d, c, &c->instances[ii], shell, false, "xterm");
    ep = cmdv(d.create, "Entrypoint");
    ok(json_array_size(ep) == 3 && streq(json_string_value(json_array_get(ep, 2)), "exec sh") &&
           !json_object_get(d.create, "Cmd"),
       "safemode: the shell is the entrypoint, no entrypoint-local.sh, no image CMD");
    ok(!env_has_prefix(d.create, "DB_CONTAINER_IP="), "safemode: no link addresses");
    ok(!json_object_get(json_object_get(d.create, "HostConfig"), "Binds"),
       "safemode: entrypoint-local.sh not even mounted");
    ok(json_is_false(json_object_get(d.create, "Tty")) && !env_has_prefix(d.create, "TERM="),
       "no TTY asked: none, and no TERM");
    ok(env_has_prefix(d.create, "SAFEMODE=true"), "SAFEMODE=true");
    desired_clear(&d);
    project_free(p);
    berr_free(err);
}

int main(void)
{
    if (!mkdtemp(root))
        return 1;
    snprintf(folder, sizeof folder, "%s/containers/web", root);
    snprintf(dockerfile, sizeof dockerfile, "%s/Dockerfile", folder);
    snprintf(elocal, sizeof elocal, "%s/entrypoint-local.sh", folder);
    char containers[128];
    snprintf(containers, sizeof containers, "%s/containers", root);
    mkdir(containers, 0755);
    mkdir(folder, 0755);
    FILE *f = fopen(dockerfile, "w");
    fputs("FROM scratch\n", f);
    fclose(f);
    f = fopen(elocal, "w");
    fputs("#!/bin/sh\n", f);
    fclose(f);
    test_adhoc();
    test_desired();
    unlink(dockerfile);
    unlink(elocal);
    rmdir(folder);
    rmdir(containers);
    rmdir(root);
    return tap_done();
}
