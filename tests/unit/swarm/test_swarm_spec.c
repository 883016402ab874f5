/* The service specs berth deploy sends, from small projects: names, replicas,
 * ports in host mode, links as DNS aliases, secrets by content-addressed
 * name (never their content), the hash moving exactly when the desired
 * spec does, and what swarm cannot do refused with FILE:LINE. */
#include <stdio.h>
#include <sys/stat.h>

#include "../tap.h"
#include "base/util.h"
#include "converge/desired.h"
#include "engine/api.h"
#include "swarm/refuse.h"
#include "swarm/spec.h"

static char root[] = "/tmp/berth-test-swarm.XXXXXX";

static struct project *load(const char *text)
{
    struct project_opts o = {.dir = root, .file = "berth.ini", .text = text};
    struct project *p = NULL;
    berr *err = NULL;
    if (project_load(&o, &p, &err) < 0) {
        printf("# load failed: %s\n", err->msg);
        berr_free(err);
        return NULL;
    }
    return p;
}

static const char *image(void *ud, int part, json_t **exposed)
{
    (void)part;
    *exposed = ud;
    return "sha256:abcd";
}

static int desired(const char *text, struct swarm_desired *d, berr **err)
{
    struct project *p = load(text);
    if (!p)
        return -2;
    json_t *exposed = json_pack("{s:{}}", "8080/tcp");
    int rc = swarm_desired(p, NULL, image, exposed, d, err);
    json_decref(exposed);
    project_free(p);
    return rc;
}

static json_t *cs(const struct swarm_service *s)
{
    return json_object_get(json_object_get(s->spec, "TaskTemplate"), "ContainerSpec");
}

static const char base[] = "[project]\nname = shop\n"
                           "[web]\nrecipe = container\nimage = shop/web\n"
                           "instances = one published\n"
                           "env = MODE=prod\n"
                           "[db]\nrecipe = container\nimage = shop/db\nlinks = web\nreplicas = 3\n";

static void test_services(void)
{
    struct swarm_desired d;
    berr *err = NULL;
    ok(desired(base, &d, &err) == 0, "a project deploys");
    is_int(d.nsvc, 3, "two instances and one replicated part: three services");
    is_str(d.svc[0].name, "shop-web-one", "an instance's service is <project>-<part>-<instance>");
    is_str(d.svc[2].name, "shop-db", "a replicated part's service is <project>-<part>");
    is_int(json_integer_value(json_object_get(json_object_get(json_object_get(d.svc[2].spec, "Mode"),
                                                               "Replicated"), "Replicas")),
           3, "replicas = 3");
    is_str(json_string_value(json_object_get(cs(&d.svc[0]), "Image")), "sha256:abcd",
           "the service runs the image by id");
    json_t *ports = json_object_get(json_object_get(d.svc[1].spec, "EndpointSpec"), "Ports");
    is_int(json_array_size(ports), 1, "the published instance publishes the image's EXPOSE port");
    is_str(json_string_value(json_object_get(json_array_get(ports, 0), "PublishMode")), "host",
           "in host mode (the node's bind address, not the routing mesh on every address)");
    ports = json_object_get(json_object_get(d.svc[0].spec, "EndpointSpec"), "Ports");
    is_int(json_array_size(ports), 0, "the standard instance publishes nothing");
    json_t *net = json_array_get(json_object_get(json_object_get(d.svc[0].spec, "TaskTemplate"),
                                                 "Networks"), 0);
    is_str(json_string_value(json_object_get(net, "Target")), "shop-default", "on the project network");
    is_str(json_string_value(json_array_get(json_object_get(net, "Aliases"), 0)), "web",
           "found by its part's name (links are DNS names)");
    is_str(json_string_value(json_object_get(json_array_get(d.networks, 0), "Driver")), "overlay",
           "the project network is an overlay network");
    ok(json_is_true(json_object_get(json_array_get(d.networks, 0), "Attachable")), "attachable");
    json_t *labels = json_object_get(d.svc[0].spec, "Labels");
    is_str(json_string_value(json_object_get(labels, LABEL_SWARM_PROJECT)), "shop", "labelled");
    is_str(json_string_value(json_object_get(labels, LABEL_HASH)), d.svc[0].hash,
           "the hash of the asked spec is a label");
    ok(!json_object_get(labels, "berth.project"),
       "no berth.project label: up, ps and down of containers never take it for theirs");
    swarm_desired_clear(&d);
}

static void test_mesh(void)
{
    struct swarm_desired d;
    berr *err = NULL;
    ok(desired("[project]\nname = shop\n[web]\nrecipe = container\nimage = x\n"
               "publish = 0.0.0.0\nports = 8080:80\n", &d, &err) == 0,
       "publish = 0.0.0.0 deploys");
    json_t *ep = json_object_get(d.svc[0].spec, "EndpointSpec");
    json_t *port = json_array_get(json_object_get(ep, "Ports"), 0);
    is_str(json_string_value(json_object_get(port, "PublishMode")), "ingress",
           "through the routing mesh (every node, every address)");
    is_int(json_integer_value(json_object_get(port, "PublishedPort")), 8080, "on the port asked");
    is_str(json_string_value(json_object_get(ep, "Mode")), "vip", "which needs the service's VIP");
    swarm_desired_clear(&d);
    ok(desired("[project]\nname = shop\n[web]\nrecipe = container\nimage = x\nports = 80\n",
               &d, &err) == 0, "the default publish address deploys");
    ep = json_object_get(d.svc[0].spec, "EndpointSpec");
    is_str(json_string_value(json_object_get(ep, "Mode")), "dnsrr",
           "links resolve to the tasks' addresses (no VIP: no IPVS needed)");
    swarm_desired_clear(&d);
}

static void test_hash(void)
{
    struct swarm_desired a, b;
    berr *err = NULL;
    desired(base, &a, &err);
    desired(base, &b, &err);
    is_str(a.svc[0].hash, b.svc[0].hash, "the same project: the same hash");
    swarm_desired_clear(&b);
    cleanup_free char *changed_text = xstrdup(base);
    char *m = strstr(changed_text, "MODE=prod");
    memcpy(m, "MODE=test", 9);
    desired(changed_text, &b, &err);
    ok(!streq(a.svc[0].hash, b.svc[0].hash), "an env change: another hash");
    is_str(a.svc[2].hash, b.svc[2].hash, "the other part's hash is unchanged");
    cleanup_free char *what = desired_changed_fields(a.svc[0].fields, b.svc[0].fields);
    is_str(what, "Env", "and the fields say it is Env");
    swarm_desired_clear(&a);
    swarm_desired_clear(&b);
}

static json_t *limits(const struct swarm_service *s)
{
    return json_object_get(json_object_get(json_object_get(s->spec, "TaskTemplate"), "Resources"),
                           "Limits");
}

static void test_resources(void)
{
    static const char text[] = "[project]\nname = shop\n[web]\nrecipe = container\nimage = x\n"
                               "cpus = 0.5\nmemory = 256m\n[db]\nrecipe = container\nimage = y\n";
    struct swarm_desired a, b;
    berr *err = NULL;
    ok(desired(text, &a, &err) == 0, "cpus and memory deploy");
    is_int(json_integer_value(json_object_get(limits(&a.svc[0]), "NanoCPUs")), 500000000,
           "cpus = 0.5: Limits.NanoCPUs");
    is_int(json_integer_value(json_object_get(limits(&a.svc[0]), "MemoryBytes")), 256 << 20,
           "memory = 256m: Limits.MemoryBytes");
    ok(!json_object_get(json_object_get(a.svc[1].spec, "TaskTemplate"), "Resources"),
       "a part without limits sends no Resources (its hash stays what it was)");
    cleanup_free char *changed_text = xstrdup(text);
    memcpy(strstr(changed_text, "256m"), "512m", 4);
    ok(desired(changed_text, &b, &err) == 0, "memory changed");
    ok(!streq(a.svc[0].hash, b.svc[0].hash), "a memory change: another hash");
    is_str(a.svc[1].hash, b.svc[1].hash, "the other part's hash is unchanged");
    cleanup_free char *what = desired_changed_fields(a.svc[0].fields, b.svc[0].fields);
    is_str(what, "Limits.MemoryBytes", "and the fields name the limit");
    swarm_desired_clear(&a);
    swarm_desired_clear(&b);
    struct project *p = load("[project]\nname = shop\n[web]\nrecipe = container\nimage = x\n"
                             "cpus = 0\nmemory = 1k\n");
    ok(!p, "cpus = 0 and memory = 1k do not load");
}

static void test_healthcheck(void)
{
    struct swarm_desired d;
    berr *err = NULL;
    ok(desired("[project]\nname = shop\n[web]\nrecipe = container\nimage = x\n"
               "healthcheck = true\nhealthcheck-interval = 2s\nhealthcheck-timeout = 1s\n"
               "healthcheck-retries = 5\nhealthcheck-start-period = 20s\n"
               "[db]\nrecipe = container\nimage = y\nhealthcheck = true\n", &d, &err) == 0,
       "healthchecks deploy");
    json_t *hc = json_object_get(cs(&d.svc[0]), "Healthcheck");
    is_int(json_integer_value(json_object_get(hc, "Interval")), 2000000000LL, "its interval");
    is_int(json_integer_value(json_object_get(hc, "Timeout")), 1000000000LL, "healthcheck-timeout");
    is_int(json_integer_value(json_object_get(hc, "Retries")), 5, "healthcheck-retries");
    is_int(json_integer_value(json_object_get(hc, "StartPeriod")), 20000000000LL,
           "healthcheck-start-period");
    hc = json_object_get(cs(&d.svc[1]), "Healthcheck");
    is_int(json_integer_value(json_object_get(hc, "Timeout")), 10000000000LL,
           "no timeout: the interval (as up)");
    is_int(json_integer_value(json_object_get(hc, "Retries")), 3, "no retries: 3");
    ok(!json_object_get(hc, "StartPeriod"), "no start period: the engine's");
    swarm_desired_clear(&d);
}

/* Container settings a task can have: in the container spec; the ones it
 * cannot: refused where written (never accepted and dropped). */
static void test_container_settings(void)
{
    struct swarm_desired d;
    berr *err = NULL;
    ok(desired("[project]\nname = shop\n[web]\nrecipe = container\nimage = x\n"
               "init = true\nread-only = true\nstdin-open = true\n"
               "cap-add = NET_ADMIN\ncap-drop = CAP_CHOWN\n"
               "extra-hosts = db.example:10.1.2.3\n"
               "tmpfs = /run\n    /tmp:size=64m,noexec\n", &d, &err) == 0,
       "settings a task can have deploy");
    json_t *c = cs(&d.svc[0]);
    ok(json_is_true(json_object_get(c, "Init")), "init: Init");
    ok(json_is_true(json_object_get(c, "ReadOnly")), "read-only: ReadOnly");
    ok(json_is_true(json_object_get(c, "OpenStdin")), "stdin-open: OpenStdin");
    is_str(json_string_value(json_array_get(json_object_get(c, "CapabilityAdd"), 0)), "CAP_NET_ADMIN",
           "cap-add: CapabilityAdd, as the engine names them");
    is_str(json_string_value(json_array_get(json_object_get(c, "CapabilityDrop"), 0)), "CAP_CHOWN",
           "cap-drop: CapabilityDrop");
    is_str(json_string_value(json_array_get(json_object_get(c, "Hosts"), 0)), "10.1.2.3 db.example",
           "extra-hosts: Hosts, as hosts(5) lines");
    json_t *mounts = json_array(), *m;
    size_t i;
    json_array_foreach(json_object_get(c, "Mounts"), i, m)
        if (streq(json_string_value(json_object_get(m, "Type")), "tmpfs"))
            json_array_append(mounts, m);
    is_int(json_array_size(mounts), 2, "tmpfs: two tmpfs mounts");
    m = json_array_get(mounts, 1);
    is_str(json_string_value(json_object_get(m, "Type")), "tmpfs", "of type tmpfs");
    is_str(json_string_value(json_object_get(m, "Target")), "/tmp", "at their path");
    is_int(json_integer_value(json_object_get(json_object_get(m, "TmpfsOptions"), "SizeBytes")),
           64 << 20, "size=64m: SizeBytes");
    ok(!json_object_get(json_array_get(mounts, 0), "TmpfsOptions"), "no options: none sent");
    json_decref(mounts);
    swarm_desired_clear(&d);

    int rc = desired("[project]\nname = shop\n[web]\nrecipe = container\nimage = x\n"
                     "privileged = true\noneshot = true\ntmpfs = /tmp:mode=1777\n"
                     "networks = lan\nnetwork-addresses = lan 10.9.0.5\n"
                     "[lan]\nrecipe = network\nsubnet = 10.9.0.0/24\n", &d, &err);
    is_int(rc, -1, "settings a task cannot have are refused");
    ok(err && strstr(err->msg, "berth.ini:6: part 'web': key 'privileged'"), "privileged, file:line");
    ok(err && strstr(err->msg, "berth.ini:7: part 'web': key 'oneshot'"), "oneshot, file:line");
    ok(err && strstr(err->msg, "berth.ini:8: part 'web': key 'tmpfs': berth deploy cannot act on "
                               "'mode=1777'"), "a tmpfs option swarm ignores, file:line");
    ok(err && strstr(err->msg, "berth.ini:10: part 'web': key 'network-addresses'"),
       "network-addresses, file:line");
    berr_free(err);
    err = NULL;
    rc = desired("[project]\nname = shop\n[web]\nrecipe = container\nimage = x\n"
                 "pull-policy = always\nplatform = linux/arm64\n", &d, &err);
    is_int(rc, -1, "pull-policy other than missing, and platform, are refused");
    ok(err && strstr(err->msg, "berth.ini:6: part 'web': key 'pull-policy'"), "pull-policy, file:line");
    ok(err && strstr(err->msg, "berth.ini:7: part 'web': key 'platform'"), "platform, file:line");
    berr_free(err);
}

static void test_secrets(void)
{
    cleanup_free char *path = xasprintf("%s/db_password", root);
    FILE *f = fopen(path, "w");
    fputs("s3cret-value\n", f);
    fclose(f);
    cleanup_free char *text = xasprintf("[project]\nname = shop\n[db]\nrecipe = container\n"
                                        "image = shop/db\nsecrets = %s\n", path);
    struct swarm_desired d;
    berr *err = NULL;
    ok(desired(text, &d, &err) == 0, "secrets from a file");
    is_int(d.nsecrets, 1, "one secret");
    ok(starts_with(d.secrets[0].name, "shop-db_password-"), "named after the project and file");
    json_t *ref = json_array_get(json_object_get(cs(&d.svc[0]), "Secrets"), 0);
    is_str(json_string_value(json_object_get(json_object_get(ref, "File"), "Name")), "db_password",
           "read at /run/secrets/db_password");
    char *dump = json_dumps(d.svc[0].spec, 0);
    ok(!strstr(dump, "s3cret"), "the secret's content is nowhere in the spec");
    free(dump);
    swarm_desired_clear(&d);
    unlink(path);
}

static void test_refused(void)
{
    struct swarm_desired d;
    berr *err = NULL;
    int rc = desired("[project]\nname = shop\n[web]\nrecipe = container\nimage = x\n"
                     "publish = 10.0.0.1\nports = 80\nready = true\n", &d, &err);
    is_int(rc, -1, "what swarm cannot honour is refused");
    is_int(err ? err->code : 0, BERR_PROJECT, "as a project error (exit 3)");
    ok(err && strstr(err->msg, "berth.ini:6: part 'web': key 'publish'"), "publish: with file:line");
    ok(err && strstr(err->msg, "berth.ini:8: part 'web': key 'ready'"), "ready: with file:line");
    berr_free(err);
    err = NULL;
    rc = desired("[project]\nname = shop\n[web]\nrecipe = container\nimage = x\n"
                 "[db]\nrecipe = container\nimage = y\nlinks = web site\n", &d, &err);
    is_int(rc, -1, "a link alias other than the part's name is refused");
    ok(err && strstr(err->msg, "berth.ini:9: part 'db': key 'links': under swarm a link is the "
                               "linked part's DNS name ('web'), not 'site'"),
       "with file:line and the way to get it (network-aliases)");
    berr_free(err);
    err = NULL;
    struct project *p = load(base);
    is_int(swarm_refuse_outside_deploy(p, NULL, "up", &err), -1, "up refuses replicas");
    ok(err && strstr(err->msg, "berth.ini:12: part 'db': key 'replicas': only `berth deploy`"),
       "with file:line");
    berr_free(err);
    project_free(p);
}

int main(void)
{
    if (!mkdtemp(root))
        return 1;
    test_services();
    test_mesh();
    test_hash();
    test_resources();
    test_healthcheck();
    test_container_settings();
    test_secrets();
    test_refused();
    rmdir(root);
    return tap_done();
}
