/* The create bodies berth sends, from small projects: what a user would see
 * in `docker inspect` — environment, ports on 127.0.0.1, persistent volumes,
 * networks and aliases, the entrypoint-local wrapper — and that the hash
 * moves exactly when the desired configuration does. */
#include <stdio.h>
#include <sys/stat.h>

#include "converge/desired.h"
#include "../tap.h"
#include "base/util.h"

static char root[] = "/tmp/berth-test-desired.XXXXXX";

static struct project *load(const char *text, const char *const *sets, int nsets)
{
    struct project_opts o = {.dir = root, .file = "berth.ini", .text = text, .sets = sets,
                             .nsets = nsets};
    struct project *p = NULL;
    berr *err = NULL;
    if (project_load(&o, &p, &err) < 0) {
        printf("# load failed: %s\n", err->msg);
        berr_free(err);
        return NULL;
    }
    return p;
}

static const char base[] = "[project]\nname = shop\n"
                           "[web]\nrecipe = container\nimage = shop/web\n"
                           "instances = one master safemode\n"
                           "ports = 8443:443\n"
                           "env = MODE=prod\n"
                           "[db]\nrecipe = container\nimage = shop/db\nlinks = web\n";

static bool env_has(json_t *body, const char *item)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(body, "Env"), i, v)
        if (streq(json_string_value(v), item))
            return true;
    return false;
}

static int make(const struct project *p, const char *part, const char *inst, json_t *img_cfg,
                const struct link_ip *links, size_t nlinks, struct desired *d)
{
    int pi = project_find(p, part);
    int ii = container_instance(p->parts[pi].container, inst);
    struct image_facts f = {.id = "sha256:aaaa", .config = img_cfg};
    berr *err = NULL;
    int rc = desired_container(p, &p->parts[pi], (size_t)ii, &f, links, nlinks, d, &err);
    berr_free(err);
    return rc;
}

static const char *host_ip(json_t *body, const char *port)
{
    json_t *b = json_object_get(json_object_get(json_object_get(body, "HostConfig"),
                                                "PortBindings"), port);
    return json_string_value(json_object_get(json_array_get(b, 0), "HostIp"));
}

static void test_instances(void)
{
    struct project *p = load(base, NULL, 0);
    ok(p != NULL, "the shop project loads");
    if (!p)
        return;
    json_t *img = json_pack("{s:{s:{}}, s:[s]}", "ExposedPorts", "80/tcp", "Cmd", "serve");
    struct desired one = {0}, master = {0}, safe = {0};
    is_int(make(p, "web", "one", img, NULL, 0, &one), 0, "standard instance");
    is_int(make(p, "web", "master", img, NULL, 0, &master), 0, "master instance");
    is_int(make(p, "web", "safemode", img, NULL, 0, &safe), 0, "safemode instance");

    is_str(one.name, "shop-web-one", "containers are named <project>-<part>-<instance>");
    ok(env_has(one.create, "CONTAINER=web") && env_has(one.create, "INSTANCE=one") &&
           env_has(one.create, "INSTANCE_TYPE=standard"),
       "CONTAINER, INSTANCE and INSTANCE_TYPE are set");
    ok(env_has(one.create, "PERSISTENT_LOG=true") && env_has(one.create, "PERSISTENT_DATA=false"),
       "standard: persistent log only");
    ok(env_has(master.create, "PERSISTENT_DATA=true") && env_has(master.create, "SAFEMODE=false"),
       "master: persistent data");
    ok(env_has(safe.create, "SAFEMODE=true"), "safemode says so");
    ok(env_has(one.create, "MODE=prod"), "the part's env follows");

    is_str(host_ip(master.create, "443/tcp"), "127.0.0.1", "declared ports bind to 127.0.0.1");
    ok(host_ip(one.create, "443/tcp") == NULL,
       "a standard instance (publish_ports = false) does not publish its declared ports");
    ok(json_object_get(json_object_get(one.create, "ExposedPorts"), "443/tcp") != NULL,
       "... it exposes them");
    ok(host_ip(one.create, "80/tcp") == NULL, "standard does not publish the image's EXPOSE");
    is_str(host_ip(master.create, "80/tcp"), "127.0.0.1", "master publishes EXPOSE on 127.0.0.1");

    json_t *mh = json_object_get(master.create, "HostConfig");
    json_t *m0 = json_array_get(json_object_get(mh, "Mounts"), 0);
    is_str(json_string_value(json_object_get(m0, "Target")), "/data", "master mounts /data");
    is_str(json_string_value(json_object_get(m0, "Source")), "shop-web-master-data",
           "from a volume named after the container");
    json_t *v0 = json_array_get(master.volumes, 0);
    const char *dev = json_string_value(
        json_object_get(json_object_get(v0, "DriverOpts"), "device"));
    cleanup_free char *want = xasprintf("%s/.berth/data/web/master/data", root);
    is_str(dev, want, "bound to the project's data folder, per part and instance");
    /* What a dry run of a container to be made shows: the same volumes. */
    const struct desired *each[] = {&one, &master, &safe};
    for (size_t i = 0; i < ARRAY_SIZE(each); i++) {
        json_t *vols = desired_volumes(p, &p->parts[project_find(p, "web")], i);
        ok(json_array_size(vols) == json_array_size(each[i]->volumes) &&
               json_equal(vols, each[i]->volumes),
           "desired_volumes: the persistent volumes desired_container makes");
        json_decref(vols);
    }

    is_str(json_string_value(json_object_get(json_object_get(one.create, "HostConfig"),
                                             "NetworkMode")),
           "shop-default", "linked instances join the project network");
    json_t *al = json_object_get(json_object_get(json_object_get(json_object_get(
                                     one.create, "NetworkingConfig"), "EndpointsConfig"),
                                                 "shop-default"),
                                 "Aliases");
    is_str(json_string_value(json_array_get(al, 0)), "web", "with the alias <part>");
    is_str(json_string_value(json_array_get(al, 1)), "web-one", "and <part>-<instance>");
    is_str(json_string_value(json_object_get(json_object_get(safe.create, "HostConfig"),
                                             "NetworkMode")),
           "none", "safemode is not linked: no network");
    is_str(json_string_value(json_object_get(json_object_get(one.create, "Labels"),
                                             "berth.project")),
           "shop", "labelled with the project");
    ok(strlen(one.hash) == 64, "a 64-digit hash");
    ok(!streq(one.hash, master.hash), "instances hash differently");

    struct link_ip l = {.alias = "web", .ip = "172.20.0.3"};
    struct desired db = {0};
    is_int(make(p, "db", "main", img, &l, 1, &db), 0, "a linking container");
    ok(env_has(db.create, "WEB_CONTAINER_IP=172.20.0.3"), "a link sets <ALIAS>_CONTAINER_IP");
    ok(!json_object_get(json_object_get(db.create, "HostConfig"), "ExtraHosts"),
       "a link inside the project needs no hosts entry (the network's DNS has it)");
    struct link_ip out = {.alias = "web", .ip = "10.9.8.7", .outside = true};
    struct desired dbo = {0};
    make(p, "db", "main", img, &out, 1, &dbo);
    ok(env_has(dbo.create, "WEB_CONTAINER_IP=10.9.8.7"), "an outside link sets the variable too");
    is_str(json_string_value(json_array_get(
               json_object_get(json_object_get(dbo.create, "HostConfig"), "ExtraHosts"), 0)),
           "web:10.9.8.7", "and a hosts entry, so the name resolves");
    ok(!streq(dbo.hash, db.hash), "an outside link's address is part of the hash");
    desired_clear(&dbo);

    /* A link inside the project: its target is hashed, not its address,
     * which the engine may change on every start (issue 12.4). */
    struct link_ip t1 = {.alias = "web", .ip = "172.20.0.3", .target = "shop-web-one"};
    struct link_ip t2 = {.alias = "web", .ip = "172.20.0.9", .target = "shop-web-one"};
    struct link_ip t3 = {.alias = "web", .ip = NULL, .target = "shop-web-one"};
    struct link_ip t4 = {.alias = "web", .ip = "172.20.0.3", .target = "shop-web-two"};
    struct desired d1 = {0}, d2 = {0}, d3 = {0}, d4 = {0};
    make(p, "db", "main", img, &t1, 1, &d1);
    make(p, "db", "main", img, &t2, 1, &d2);
    make(p, "db", "main", img, &t3, 1, &d3);
    make(p, "db", "main", img, &t4, 1, &d4);
    ok(env_has(d2.create, "WEB_CONTAINER_IP=172.20.0.9"), "the variable holds the address");
    is_str(d2.hash, d1.hash, "another address of the same linked container: the same hash");
    is_str(d3.hash, d1.hash, "... and none yet (a dry run) too");
    is_str(desired_fields(&d2), desired_fields(&d1), "... and the same fields");
    ok(!streq(d4.hash, d1.hash), "another linked container changes the hash");
    desired_clear(&d1);
    desired_clear(&d2);
    desired_clear(&d3);
    desired_clear(&d4);

    /* Same project again: the same hash (nothing recreated). */
    struct desired again = {0};
    make(p, "web", "one", img, NULL, 0, &again);
    is_str(again.hash, one.hash, "the same desired state hashes the same");
    desired_clear(&again);
    /* Another image id: a rebuilt image recreates. */
    int pi = project_find(p, "web");
    struct image_facts f2 = {.id = "sha256:bbbb", .config = img};
    berr *err = NULL;
    desired_container(p, &p->parts[pi], 0, &f2, NULL, 0, &again, &err);
    ok(!streq(again.hash, one.hash), "a new image id changes the hash");
    desired_clear(&again);

    desired_clear(&one);
    desired_clear(&master);
    desired_clear(&safe);
    desired_clear(&db);
    json_decref(img);
    project_free(p);
}

static void compare_variants(const struct project *p, const struct project *q,
                             const struct project *r)
{
    struct desired a = {0}, b = {0}, c = {0};
    make(p, "web", "one", NULL, NULL, 0, &a);
    make(q, "web", "one", NULL, NULL, 0, &b);
    make(r, "web", "one", NULL, NULL, 0, &c);
    ok(!streq(a.hash, b.hash), "another env value changes the hash");
    char *why = desired_changed_fields(desired_fields(&a), desired_fields(&b));
    is_str(why, "Env", "and names Env as the change");
    char *why2 = desired_changed_fields(a.fields, desired_fields(&c));
    is_str(why2, "Cmd", "a new command names Cmd");
    ok(desired_changed_fields(a.fields, a.fields) == NULL, "no change names nothing");
    ok(desired_changed_fields(NULL, a.fields) == NULL, "an unlabelled container names nothing");
    free(why);
    free(why2);
    desired_clear(&a);
    desired_clear(&b);
    desired_clear(&c);
}

static void test_changed_fields(void)
{
    struct project *p = load(base, NULL, 0);
    const char *sets[] = {"web.env=MODE=dev"};
    struct project *q = load(base, sets, 1);
    const char *sets2[] = {"web.command=sleep 9"};
    struct project *r = load(base, sets2, 1);
    ok(p && q && r, "three variants load");
    if (p && q && r)
        compare_variants(p, q, r);
    project_free(p);
    project_free(q);
    project_free(r);
}

static void test_networks_volumes(void)
{
    struct project *p = load("[project]\nname = shop\n"
                             "[front]\nrecipe = network\nsubnet = 10.77.0.0/16\n"
                             "gateway = 10.77.0.1\ninternal = true\n"
                             "[cache]\nrecipe = volume\nkeep = true\n",
                             NULL, 0);
    ok(p != NULL, "a network and a volume load");
    if (!p)
        return;
    struct desired n = {0}, v = {0};
    desired_network(p, &p->parts[project_find(p, "front")], &n);
    desired_volume(p, &p->parts[project_find(p, "cache")], &v);
    is_str(n.name, "shop-front", "networks are named <project>-<part>");
    json_t *cfg = json_array_get(json_object_get(json_object_get(n.create, "IPAM"), "Config"), 0);
    is_str(json_string_value(json_object_get(cfg, "Subnet")), "10.77.0.0/16", "subnet");
    is_str(json_string_value(json_object_get(cfg, "Gateway")), "10.77.0.1", "gateway");
    ok(json_is_true(json_object_get(n.create, "Internal")), "internal");
    is_str(json_string_value(json_object_get(json_object_get(v.create, "Labels"), "berth.keep")),
           "true", "keep is a label, so down honours it without the project file");
    desired_clear(&n);
    desired_clear(&v);
    project_free(p);
}

int main(void)
{
    if (!mkdtemp(root))
        return 1;
    test_instances();
    test_changed_fields();
    test_networks_volumes();
    rmdir(root);
    return tap_done();
}
