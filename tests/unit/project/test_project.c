/* The project model, one table row per case: the files of a project folder
 * (berth.ini and others), command-line -s/-p, and either checks on the
 * loaded model or the problem it must report, with file and line.
 *
 * Checks are lines "WHAT=VALUE"; WHAT is
 *   name | data | order                     the project; order: "part@level ..."
 *   PART.KEY                                 a resolved setting's value
 *   PART.kind|level|deps|image|from|instances|elocal
 *   PART.@cmd|@ports|@mounts|@links|@vfrom|@nets|@host   typed container fields
 *   PART:INST.type|props|container|interactive
 *   project.KEY                              a [project] setting
 * The project folder prints as $DIR. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "project/project.h"
#include "base/strbuf.h"
#include "../tap.h"
#include "base/util.h"

struct file {
    const char *path, *text; /* text NULL: a folder */
};

struct pcase {
    const char *name;
    const char *ini; /* berth.ini, or NULL */
    struct file files[6];
    const char *sets[4];
    const char *pname; /* -p */
    const char *want;  /* checks, one per line */
    const char *err;   /* substring of the error instead */
};

#define DF(name, text) {"containers/" name "/Dockerfile", text}
#define BUSY "FROM busybox\n"

static const struct pcase cases[] = {
    /* ---- zero-config folders ---- */
    {"a folder with a Dockerfile is a build and a container part", NULL, {DF("web", BUSY)}, {0},
     NULL,
     "name=demo\nweb_image.kind=build\nweb_image.image=demo/web\nweb.kind=container\n"
     "web.image=demo/web\nweb.build=web_image\nweb.instances=main\nweb.deps=web_image\n"
     "web_image.source=$DIR/containers/web",
     NULL},
    {"FROM <project>/<name> orders the builds", NULL,
     {DF("base", BUSY), DF("app", "FROM demo/base:latest AS b\nFROM b\n"),
      DF("tool", "from demo/app\n")},
     {0}, NULL,
     "order=base_image@0 app_image@1 base@1 app@2 tool_image@2 tool@3\n"
     "app_image.from=demo/base:latest\napp_image.deps=base_image\ntool_image.deps=app_image",
     NULL},
    {"apps_containers is accepted too", NULL, {{"apps_containers/db/Dockerfile", BUSY}}, {0}, NULL,
     "db.image=demo/db\ndb_image.source=$DIR/apps_containers/db", NULL},
    {"entrypoint-local.sh is noted", NULL,
     {DF("web", BUSY), {"containers/web/entrypoint-local.sh", "#!/bin/sh\n"}}, {0}, NULL,
     "web.elocal=$DIR/containers/web/entrypoint-local.sh", NULL},
    {"a folder's berth.ini adds settings", NULL,
     {DF("web", BUSY),
      {"containers/web/berth.ini",
       "instances = one two\nports = 8080\n[container:two]\npublish_ports = yes\n"
       "[build]\nbuild-args = A=1\n"}},
     {0}, NULL,
     "web.instances=one,two\nweb.ports=8080\nweb:two.props=1,1,0,0,1\nweb:one.props=1,0,0,0,1\n"
     "web_image.build-args=A=1",
     NULL},
    {"relative paths in a folder's file start in that folder", NULL,
     {DF("web", BUSY), {"containers/web/berth.ini", "env-files = web.env\n"},
      {"containers/web/web.env", "A=1\n"}},
     {0}, NULL, "web.env-files=$DIR/containers/web/web.env", NULL},
    {"the project file beats the folder's file", "[web]\ntty = true\n",
     {DF("web", BUSY), {"containers/web/berth.ini", "tty = false\nhostname = w1\n"}}, {0}, NULL,
     "web.tty=true\nweb.hostname=w1", NULL},
    {"+= appends to a lower source", "[web]\nenv += B=2\n",
     {DF("web", BUSY), {"containers/web/berth.ini", "env = A=1\n"}}, {0}, NULL,
     "web.env=A=1\\nB=2", NULL},
    {"image in the project file replaces the folder's build", "[web]\nimage = nginx:1\n",
     {DF("web", BUSY)}, {0}, NULL, "web.image=nginx:1\nweb.build=\nweb.deps=", NULL},
    {"a folder with only berth.ini is a container of an external image", NULL,
     {{"containers/redis/berth.ini", "image = redis:7\n"}}, {0}, NULL,
     "redis.image=redis:7\nredis.kind=container", NULL},
    {"folder without Dockerfile or berth.ini is ignored", "[v]\nrecipe = volume\n",
     {{"containers/notes", NULL}}, {0}, NULL, "order=v@0", NULL},

    /* ---- instances and instance types (seed 001) ---- */
    {"no instances: one called main, standard", "[c]\nrecipe = container\nimage = busybox\n",
     {{0}}, {0}, NULL,
     "c.instances=main\nc:main.type=standard\nc:main.props=1,0,0,0,1\nc:main.container=demo-c-main",
     NULL},
    {"instance named published", "[c]\nrecipe = container\nimage = busybox\ninstances = published\n",
     {{0}}, {0}, NULL, "c:published.type=published\nc:published.props=1,1,0,0,0", NULL},
    {"instance named master", "[c]\nrecipe = container\nimage = busybox\ninstances = master\n",
     {{0}}, {0}, NULL, "c:master.type=master\nc:master.props=1,1,1,0,0", NULL},
    {"instance named interactive",
     "[c]\nrecipe = container\nimage = busybox\ninstances = interactive\n", {{0}}, {0}, NULL,
     "c:interactive.type=interactive\nc:interactive.props=1,0,0,0,0\n"
     "c:interactive.interactive=true",
     NULL},
    {"instance named safemode", "[c]\nrecipe = container\nimage = busybox\ninstances = safemode\n",
     {{0}}, {0}, NULL,
     "c:safemode.type=safemode\nc:safemode.props=0,0,0,0,0\nc:safemode.interactive=true\n"
     "c:safemode.elocal=false",
     NULL},
    {"instances on several lines",
     "[c]\nrecipe = container\nimage = busybox\ninstances =\n    a b\n    c\n", {{0}}, {0}, NULL,
     "c.instances=a,b,c", NULL},
    {"type from an instance section",
     "[c]\nrecipe = container\nimage = busybox\ninstances = one\n[c:one]\ninstance-type = "
     "master\n",
     {{0}}, {0}, NULL, "c:one.type=master\nc:one.props=1,1,1,0,0", NULL},
    {"instance sections declare instances when 'instances' is not set",
     "[c]\nrecipe = container\nimage = busybox\n[c:b]\n[c:a]\n", {{0}}, {0}, NULL,
     "c.instances=b,a", NULL},
    {"the part's instance-type applies to plainly named instances",
     "[c]\nrecipe = container\nimage = busybox\ninstances = one master\ninstance-type = "
     "published\n",
     {{0}}, {0}, NULL, "c:one.type=published\nc:master.type=master", NULL},
    {"-s part.instance-type beats even a type name",
     "[c]\nrecipe = container\nimage = busybox\ninstances = one master\n", {{0}},
     {"c.instance-type=safemode"}, NULL, "c:one.type=safemode\nc:master.type=safemode", NULL},
    {"[part:inst] beats [part] for a property",
     "[c]\nrecipe = container\nimage = busybox\ninstances = a b\nlinked = false\n[c:b]\nlinked = "
     "true\n",
     {{0}}, {0}, NULL, "c:a.props=0,0,0,0,1\nc:b.props=1,0,0,0,1", NULL},
    {"-s part:inst.prop beats the file",
     "[c]\nrecipe = container\nimage = busybox\ninstances = a b\n[c:b]\npublish_ports = no\n",
     {{0}}, {"c:b.publish_ports=true"}, NULL, "c:a.props=1,0,0,0,1\nc:b.props=1,1,0,0,1", NULL},
    {"an instance section touched by -s is still declared",
     "[c]\nrecipe = container\nimage = busybox\n[c:a]\n[c:b]\n", {{0}}, {"c:b.linked=no"}, NULL,
     "c.instances=a,b\nc:b.props=0,0,0,0,1", NULL},
    {"build = a folder on a folder's container replaces its build",
     "[web]\nbuild = ./other\n", {DF("web", BUSY), {"other/Dockerfile", BUSY}}, {0}, NULL,
     "web_image.source=$DIR/other\nweb.build=web_image\nweb.image=demo/web", NULL},
    {"-s part.prop beats [part:inst] in the file",
     "[c]\nrecipe = container\nimage = busybox\n[c:x]\npersistent_data = false\n", {{0}},
     {"c.persistent_data=1"}, NULL, "c:x.props=1,0,1,0,1", NULL},
    {"property spelled with - is the same key",
     "[c]\nrecipe = container\nimage = busybox\npersistent-opt = true\n", {{0}}, {0}, NULL,
     "c:main.props=1,0,0,1,1\nc.persistent_opt=true", NULL},

    /* ---- substitution ---- */
    {"${:key} and ${part:key}",
     "[a]\nrecipe = volume\nx-base = data\nname = ${:x-base}-1\n[b]\nrecipe = volume\nname = "
     "${a:name}-copy\n",
     {{0}}, {0}, NULL, "a.name=data-1\nb.name=data-1-copy\nb.deps=a", NULL},
    {"defaults can be substituted", "[n]\nrecipe = network\n[v]\nrecipe = volume\nname = ${n:name}\n",
     {{0}}, {0}, NULL, "v.name=demo-n", NULL},
    {"${project:name} and [vars]",
     "[vars]\nv = 3\n[i]\nrecipe = build\nsource = .\nimage = ${project:name}/x:${vars:v}\n",
     {{"Dockerfile", BUSY}},
     {0}, NULL, "i.image=demo/x:3\ni.deps=", NULL},
    {"${env:NAME} and a default",
     "[v]\nrecipe = volume\nname = ${env:BERTH_TEST_SET}\n[w]\nrecipe = volume\nname = "
     "${env:BERTH_TEST_UNSET:-fallback}\n",
     {{0}}, {0}, NULL, "v.name=from-env\nw.name=fallback", NULL},
    {"a default may hold a substitution",
     "[v]\nrecipe = volume\nx-a = inner\nname = ${env:BERTH_TEST_UNSET:-${:x-a}-x}\n", {{0}}, {0},
     NULL, "v.name=inner-x", NULL},
    {"$$ is a literal $", "[t]\nrecipe = task\nimage = busybox\ncommand = echo $$HOME ${:x}$$\nx = 1\n",
     {{0}}, {0}, NULL, NULL, "key 'x': unknown key for a task part"},
    {"$$ is a literal $ (scripts)",
     "[c]\nrecipe = container\nimage = busybox\nscript = echo $$HOME $x\n", {{0}}, {0}, NULL,
     "c.script=echo $HOME $x", NULL},
    {"command line values are substituted",
     "[v]\nrecipe = volume\n", {{0}}, {"v.name=${project:name}-x"}, NULL, "v.name=demo-x", NULL},
    {"a password stays secret through substitution",
     "[p]\nrecipe = pull\nimage = busybox\nusername = u\npassword = s3cret\n[v]\nrecipe = "
     "volume\nx-copy = ${p:password}\n",
     {{0}}, {0}, NULL, "p.password=secret\nv.x-copy=secret", NULL},

    /* ---- defaults and values ---- */
    {"pull adds :latest", "[p]\nrecipe = pull\nimage = busybox\n", {{0}}, {0}, NULL,
     "p.image=busybox:latest\np.kind=pull", NULL},
    {"network and volume names", "[n]\nrecipe = network\n[v]\nrecipe = volume\n", {{0}}, {0}, NULL,
     "n.name=demo-n\nn.driver=bridge\nv.name=demo-v\nv.driver=local", NULL},
    {"container defaults", "[c]\nrecipe = container\nimage = busybox\n", {{0}}, {0}, NULL,
     "c.publish=127.0.0.1\nc.restart=no\nc.stop-timeout=10s\nc.tty=false\nc.start=true", NULL},
    {"bools are normalised", "[c]\nrecipe = container\nimage = busybox\ntty = yes\n", {{0}}, {0},
     NULL, "c.tty=true", NULL},
    {"typed container fields",
     "[v]\nrecipe = volume\n[n]\nrecipe = network\n[d]\nrecipe = container\nimage = busybox\n"
     "[c]\nrecipe = container\nimage = busybox\ncommand = sh -c 'echo hi'\nports = 8080 "
     "1.2.3.4:81:80/udp\nvolumes =\n    v:/data\n    ./x:/x:ro\n    /anon\nnetworks = n "
     "bridge\nlinks = d db\nvolumes-from = d:ro\nuser = host\n",
     {{"x", NULL}}, {0}, NULL,
     "c.@cmd=sh|-c|echo hi\nc.@ports=-:0:8080/tcp 1.2.3.4:81:80/udp\n"
     "c.@mounts=demo-v:/data:rw:0 $DIR/x:/x:ro:-1 -:/anon:rw:-1\nc.@nets=demo-n bridge\n"
     "c.@links=d:db\nc.@vfrom=d:ro\nc.@host=true\nc.deps=v,n,d",
     NULL},
    {"data folder default and override", "[project]\ndata = /srv/berth\n", {{0}}, {0}, NULL,
     "data=/srv/berth", NULL},
    {"${project:data} and ${project:dir} are absolute",
     "[v]\nrecipe = volume\nx-d = ${project:data}\nx-p = ${project:dir}\n", {{0}}, {0}, NULL,
     "data=$DIR/.berth/data\nv.x-d=$DIR/.berth/data\nv.x-p=$DIR", NULL},
    {"a private engine's url", "[e]\nrecipe = engine\nprivate = true\ndir = /tmp/eng\n", {{0}},
     {0}, NULL, "e.url=unix:///tmp/eng/docker.sock", NULL},
    {"x- keys are free", "[v]\nrecipe = volume\nx-anything = goes\n", {{0}}, {0}, NULL,
     "v.x-anything=goes", NULL},
    {"images made by parts are dependencies",
     "[b]\nrecipe = build\nsource = .\nimage = acme/app\n[c]\nrecipe = container\nimage = "
     "acme/app:latest\n[p]\nrecipe = push\nimage = acme/app\n",
     {{"Dockerfile", BUSY}}, {0}, NULL, "c.deps=b\np.deps=b\np.image=acme/app:latest", NULL},
    {"build = a folder makes a build part",
     "[c]\nrecipe = container\nbuild = ./app\n", {{"app/Dockerfile", BUSY}}, {0}, NULL,
     "c_image.kind=build\nc_image.source=$DIR/app\nc.image=demo/c\nc.deps=c_image", NULL},

    /* ---- project name ---- */
    {"folder name is the default project name", "[v]\nrecipe = volume\n", {{0}}, {0}, NULL,
     "name=demo", NULL},
    {"[project] name", "[project]\nname = shop\n[v]\nrecipe = volume\n", {{0}}, {0}, NULL,
     "name=shop\nv.name=shop-v", NULL},
    {"-p beats [project] name", "[project]\nname = shop\n[v]\nrecipe = volume\n", {{0}}, {0},
     "mine", "name=mine\nv.name=mine-v", NULL},
    {"[berth] is [project]", "[berth]\nname = shop\n", {{"containers/a/berth.ini", "image = x\n"}},
     {0}, NULL, "name=shop", NULL},

    /* ---- graph ---- */
    {"levels: independent parts share a stage",
     "[a]\nrecipe = volume\n[b]\nrecipe = volume\n[c]\nrecipe = volume\ndepends = a b\n[d]\n"
     "recipe = volume\ndepends = c\n",
     {{0}}, {0}, NULL, "order=a@0 b@0 c@1 d@2", NULL},

    /* ---- problems: INI ---- */
    {"unclosed header", "[web\n", {{0}}, {0}, NULL, NULL,
     "berth.ini:1: section header is not closed"},
    {"key outside a section", "image = x\n", {{0}}, {0}, NULL, NULL,
     "berth.ini:1: key 'image': set outside any section (add a [part] header above it)"},
    {"duplicate section", "[v]\nrecipe = volume\n[v]\n", {{0}}, {0}, NULL, NULL,
     "berth.ini:3: section [v] appears twice (first at line 1"},
    {"duplicate key", "[v]\nrecipe = volume\nrecipe = network\n", {{0}}, {0}, NULL, NULL,
     "berth.ini:3: part 'v': key 'recipe': set twice in one section (first at line 2"},

    /* ---- problems: names and kinds ---- */
    {"invalid part name", "[Web]\nrecipe = volume\n", {{0}}, {0}, NULL, NULL,
     "berth.ini:1: invalid part name 'Web' (use lower-case letters, digits and '_', like 'web')"},
    {"invalid instance name", "[c]\nrecipe = container\nimage = x\n[c:two-b]\n", {{0}}, {0}, NULL,
     NULL, "berth.ini:4: part 'c': invalid instance name 'two-b'"},
    {"reserved part name", "[all]\nrecipe = volume\n", {{0}}, {0}, NULL, NULL,
     "berth.ini:1: 'all' is reserved"},
    {"missing recipe", "[v]\nname = x\n", {{0}}, {0}, NULL, NULL,
     "berth.ini:1: part 'v': missing key 'recipe'"},
    {"unknown recipe", "[v]\nrecipe = contaner\n", {{0}}, {0}, NULL, NULL,
     "berth.ini:2: part 'v': key 'recipe': unknown recipe 'contaner' (did you mean 'container'?"},
    {"a folder's part cannot change kind", "[web]\nrecipe = volume\n", {DF("web", BUSY)}, {0},
     NULL, NULL, "berth.ini:2: part 'web': key 'recipe': 'web' is the container of folder"},
    {"instance section of a missing part", "[c:one]\nlinked = true\n", {{0}}, {0}, NULL, NULL,
     "berth.ini:1: [c:one]: no part 'c' in this project"},
    {"instance section of a volume", "[v]\nrecipe = volume\n[v:one]\n", {{0}}, {0}, NULL, NULL,
     "berth.ini:3: part 'v:one': 'v' is a volume part; only container parts have instances"},
    {"unknown key with a suggestion", "[c]\nrecipe = container\nimgae = busybox\n", {{0}}, {0},
     NULL, NULL, "berth.ini:3: part 'c': key 'imgae': unknown key (did you mean 'image'?)"},
    {"unknown key without a suggestion", "[v]\nrecipe = volume\nzzzzzz = 1\n", {{0}}, {0}, NULL,
     NULL, "berth.ini:3: part 'v': key 'zzzzzz': unknown key for a volume part"},
    {"key that cannot be set per instance",
     "[c]\nrecipe = container\nimage = x\n[c:main]\ncommand = sh\n", {{0}}, {0}, NULL, NULL,
     "berth.ini:5: part 'c:main': key 'command': cannot be set per instance (set it in [c]"},
    {"read-only key", "[project]\ndir = /x\n", {{"containers/a/berth.ini", "image = x\n"}}, {0},
     NULL, NULL, "berth.ini:2: key 'dir': is set by berth and cannot be changed"},
    {"image and build together", "[c]\nrecipe = container\nimage = x\nbuild = b\n[b]\nrecipe = "
     "build\nsource = .\n",
     {{0}}, {0}, NULL, NULL, "berth.ini:4: part 'c': key 'build': set either 'image' or 'build'"},
    {"required key missing", "[b]\nrecipe = build\n", {{0}}, {0}, NULL, NULL,
     "berth.ini:1: part 'b': key 'source': missing (build parts need it)"},
    {"container without image or build", "[c]\nrecipe = container\n", {{0}}, {0}, NULL, NULL,
     "berth.ini:1: part 'c': key 'image': missing (set 'image', or 'build'"},

    /* ---- problems: values ---- */
    {"bad boolean", "[c]\nrecipe = container\nimage = x\ntty = maybe\n", {{0}}, {0}, NULL, NULL,
     "berth.ini:4: part 'c': key 'tty': 'maybe' is not a boolean (use true, false, yes, no, 1 or "
     "0)"},
    {"bad whole number", "[a]\nrecipe = assemble\nbuilder = x\nlayout-uid = -5\n", {{0}}, {0},
     NULL, NULL, "berth.ini:4: part 'a': key 'layout-uid': '-5' is not a whole number"},
    {"bad duration", "[c]\nrecipe = container\nimage = x\nstop-timeout = soon\n", {{0}}, {0},
     NULL, NULL, "key 'stop-timeout': 'soon' is not a duration (use a number with a unit"},
    {"bad size", "[d]\nrecipe = diskimage\nimage = x\noutput = o\nsize = big\n", {{0}}, {0}, NULL,
     NULL, "berth.ini:5: part 'd': key 'size': 'big' is not a size"},
    {"bad choice", "[d]\nrecipe = diskimage\nimage = x\noutput = o\nfs = ntfs\n", {{0}}, {0}, NULL,
     NULL, "key 'fs': 'ntfs' is not accepted (use one of ext2/ext3/ext4)"},
    {"bad instance type", "[c]\nrecipe = container\nimage = x\ninstance-type = boss\n", {{0}},
     {0}, NULL, NULL,
     "key 'instance-type': 'boss' is not accepted (use one of "
     "standard/published/master/interactive/safemode)"},
    {"bad instance type in an instance section",
     "[c]\nrecipe = container\nimage = x\n[c:a]\ninstance-type = boss\n", {{0}}, {0}, NULL, NULL,
     "berth.ini:5: part 'c:a': key 'instance-type': 'boss' is not an instance type"},
    {"bad image reference", "[c]\nrecipe = container\nimage = My/Image\n", {{0}}, {0}, NULL, NULL,
     "key 'image': 'My/Image' is not an image reference (repository names must be lower case)"},
    {"build names a part of the wrong kind",
     "[v]\nrecipe = volume\n[c]\nrecipe = container\nbuild = v\n", {{0}}, {0}, NULL, NULL,
     "berth.ini:5: part 'c': key 'build': 'v' is a volume part, but this must name a build, "
     "bootstrap, assemble or pull part"},
    {"missing network part with a suggestion",
     "[backend]\nrecipe = network\n[c]\nrecipe = container\nimage = x\nnetworks = bakend\n",
     {{0}}, {0}, NULL, NULL,
     "berth.ini:6: part 'c': key 'networks': no part 'bakend' in this project (did you mean "
     "'backend'?) (it must name a network part)"},
    {"bad port", "[c]\nrecipe = container\nimage = x\nports = 8080 99999\n", {{0}}, {0}, NULL,
     NULL, "key 'ports': '99999' is not a port mapping (use CONTAINER_PORT"},
    {"bad publish address", "[c]\nrecipe = container\nimage = x\npublish = localhost\n", {{0}},
     {0}, NULL, NULL, "key 'publish': 'localhost' is not an IP address"},
    {"bad subnet", "[n]\nrecipe = network\nsubnet = 10.0.0.0\n", {{0}}, {0}, NULL, NULL,
     "berth.ini:3: part 'n': key 'subnet': '10.0.0.0' is not a CIDR subnet"},
    {"gateway outside the subnet", "[n]\nrecipe = network\nsubnet = 10.0.0.0/24\ngateway = 10.0.1.1\n",
     {{0}}, {0}, NULL, NULL, "berth.ini:4: part 'n': key 'gateway': '10.0.1.1' is outside the subnet"},
    {"ip-range without subnet", "[n]\nrecipe = network\nip-range = 10.0.0.0/25\n", {{0}}, {0},
     NULL, NULL, "key 'ip-range': needs 'subnet' to be set as well"},
    {"IPv6 subnet without ipv6", "[n]\nrecipe = network\nsubnet = fd00::/64\n", {{0}}, {0}, NULL,
     NULL, "key 'subnet': 'fd00::/64' is an IPv6 subnet: set ipv6 = true"},
    {"bad engine address", "[e]\nrecipe = engine\nurl = docker.sock\n", {{0}}, {0}, NULL, NULL,
     "key 'url': 'docker.sock' is not an engine address"},
    {"engine without url", "[e]\nrecipe = engine\n", {{0}}, {0}, NULL, NULL,
     "part 'e': key 'url': missing"},
    {"private engine without dir", "[e]\nrecipe = engine\nprivate = true\n", {{0}}, {0}, NULL,
     NULL, "a private engine needs 'dir'"},
    {"TLS certificate without key", "[e]\nrecipe = engine\nurl = tcp://h:1\ntls-cert = c.pem\n",
     {{"c.pem", "x"}}, {0}, NULL, NULL, "set both 'tls-cert' and 'tls-key', or neither"},
    {"bad restart policy", "[c]\nrecipe = container\nimage = x\nrestart = sometimes\n", {{0}},
     {0}, NULL, NULL, "'sometimes' is not a restart policy (use no, always, unless-stopped"},
    {"bad user", "[c]\nrecipe = container\nimage = x\nuser = a b\n", {{0}}, {0}, NULL, NULL,
     "'a b' is not a user (use host for the calling user"},
    {"bad host name", "[c]\nrecipe = container\nimage = x\nhostname = -web\n", {{0}}, {0}, NULL,
     NULL, "'-web' is not a host name"},
    {"relative workdir", "[c]\nrecipe = container\nimage = x\nworkdir = srv\n", {{0}}, {0}, NULL,
     NULL, "'srv' is not an absolute path inside the container"},
    {"missing layout folder", "[c]\nrecipe = container\nimage = x\nlayout = nowhere\n", {{0}},
     {0}, NULL, NULL, "berth.ini:4: part 'c': key 'layout': 'nowhere' does not exist ($DIR/nowhere)"},
    {"missing env file", "[c]\nrecipe = container\nimage = x\nenv-files = a.env\n", {{0}}, {0},
     NULL, NULL, "key 'env-files': 'a.env' does not exist"},
    {"bad environment line", "[c]\nrecipe = container\nimage = x\nenv =\n    A=1\n    B\n",
     {{0}}, {0}, NULL, NULL,
     "berth.ini:4: part 'c': key 'env': 'B' is not an environment setting (use NAME=VALUE"},
    {"bad label", "[c]\nrecipe = container\nimage = x\nlabels = no equals\n", {{0}}, {0}, NULL,
     NULL, "key 'labels': 'no equals' is not a setting (use KEY=VALUE"},
    {"relative volume target", "[c]\nrecipe = container\nimage = x\nvolumes = /a:b\n", {{0}}, {0},
     NULL, NULL, "key 'volumes': '/a:b' is not a volume"},
    {"volume naming a missing volume part", "[c]\nrecipe = container\nimage = x\nvolumes = db:/d\n",
     {{0}}, {0}, NULL, NULL, "key 'volumes': no part 'db' in this project (it must name a volume part)"},
    {"~ in a volume", "[c]\nrecipe = container\nimage = x\nvolumes = ~/x:/x\n", {{0}}, {0}, NULL,
     NULL, "starts with ~, which is not expanded"},
    {"volumes-from a missing instance",
     "[d]\nrecipe = container\nimage = x\ninstances = one\n[c]\nrecipe = container\nimage = "
     "x\nvolumes-from = d:oen\n",
     {{0}}, {0}, NULL, NULL,
     "berth.ini:8: part 'c': key 'volumes-from': part 'd' has no instance 'oen' (did you mean "
     "'one'?)"},
    {"volumes-from with four fields (issue 13: read past the fields)",
     "[d]\nrecipe = container\nimage = x\n[c]\nrecipe = container\nimage = x\nvolumes-from = "
     "d:a:b:c\n",
     {{0}}, {0}, NULL, NULL,
     "key 'volumes-from': 'd:a:b:c' is not a container reference (use PART, PART:INSTANCE, "
     "optionally followed by :ro or :rw)"},
    {"volumes-from with many fields ending in a mode",
     "[d]\nrecipe = container\nimage = x\n[c]\nrecipe = container\nimage = x\nvolumes-from = "
     "d:a:b:c:d:ro\n",
     {{0}}, {0}, NULL, NULL, "'d:a:b:c:d:ro' is not a container reference"},
    {"a link with three fields", "[d]\nrecipe = container\nimage = x\n[c]\nrecipe = container\n"
     "image = x\nlinks = d:a:b\n",
     {{0}}, {0}, NULL, NULL, "'d:a:b' is not a container reference (use PART or PART:INSTANCE)"},
    {"volumes-from a volume", "[v]\nrecipe = volume\n[c]\nrecipe = container\nimage = x\n"
     "volumes-from = v\n",
     {{0}}, {0}, NULL, NULL, "'v' is a volume part, but this must name a container part"},
    {"link alias that is not a host name",
     "[d]\nrecipe = container\nimage = x\n[c]\nrecipe = container\nimage = x\nlinks = d "
     "bad_alias\n",
     {{0}}, {0}, NULL, NULL, "key 'links': 'd bad_alias' has an alias that is not a host name"},
    {"relative copy path",
     "[a]\nrecipe = container\nimage = x\n[b]\nrecipe = container\nimage = x\n[cp]\nrecipe = "
     "copy\ncontainer-from = a\ncontainer-to = b\npaths = etc/x\n",
     {{0}}, {0}, NULL, NULL, "key 'paths': 'etc/x' is not a copy path"},
    {"copy onto itself",
     "[a]\nrecipe = container\nimage = x\n[cp]\nrecipe = copy\ncontainer-from = a\ncontainer-to "
     "= a\npaths = /x\n",
     {{0}}, {0}, NULL, NULL, "berth.ini:7: part 'cp': key 'container-to': copies 'a' onto itself"},
    {"username without password", "[p]\nrecipe = pull\nimage = x\nusername = me\n", {{0}}, {0},
     NULL, NULL, "berth.ini:4: part 'p': key 'username': is set without 'password'"},
    {"unterminated quote in a command", "[c]\nrecipe = container\nimage = x\ncommand = echo 'hi\n",
     {{0}}, {0}, NULL, NULL, "key 'command': 'echo 'hi' has an unterminated ' quote (close it with ')"},
    {"empty value", "[c]\nrecipe = container\nimage = x\ntty =\n", {{0}}, {0}, NULL, NULL,
     "berth.ini:4: part 'c': key 'tty': is empty (give a value, or leave the key out)"},
    {"one-line key spanning lines", "[v]\nrecipe = volume\ndescription =\n    a\n    b\n", {{0}},
     {0}, NULL, NULL, "key 'description': 'a\nb' spans several lines"},
    {"bad instances", "[c]\nrecipe = container\nimage = x\ninstances = one One one\n", {{0}},
     {0}, NULL, NULL,
     "berth.ini:4: part 'c': key 'instances': 'One' is not an instance name (use lower-case "
     "letters, digits and '_'; no '-'; like 'one')\nberth.ini:4: part 'c': key 'instances': "
     "instance 'one' is listed twice"},
    {"instance section not listed", "[c]\nrecipe = container\nimage = x\ninstances = one two\n"
     "[c:tow]\n",
     {{0}}, {0}, NULL, NULL, "berth.ini:5: part 'c': no instance 'tow' (did you mean 'two'?)"},
    {"two parts make one image (x/y is docker.io/x/y:latest)",
     "[a]\nrecipe = build\nsource = .\nimage = x/y\n[b]\nrecipe = pull\n"
     "image = docker.io/x/y:latest\n",
     {{0}}, {0}, NULL, NULL,
     "berth.ini:7: part 'b': key 'image': 'docker.io/x/y:latest' is made by part 'a' already"},
    /* ---- which part makes a container's image: the tag counts ---- */
    {"image demo/web:1 is not the image of a part that makes demo/web:2",
     "[b]\nrecipe = pull\nimage = demo/web:2\n[c]\nrecipe = container\nimage = demo/web:1\n",
     {{0}}, {0}, NULL, "c.deps=\nb.image=demo/web:2", NULL},
    {"two parts may make two tags of one repository",
     "[a]\nrecipe = build\nsource = .\nimage = demo/web:1\n[b]\nrecipe = pull\n"
     "image = demo/web:2\n[c]\nrecipe = container\nimage = demo/web:2\n",
     {{"Dockerfile", BUSY}}, {0}, NULL, "c.deps=b", NULL},
    {"demo/web, demo/web:latest and docker.io/demo/web:latest are one image",
     "[b]\nrecipe = pull\nimage = docker.io/demo/web:latest\n[c]\nrecipe = container\n"
     "image = demo/web\n[d]\nrecipe = container\nimage = demo/web:latest\n"
     "[e]\nrecipe = build\nsource = .\nimage = demo/e\n[f]\nrecipe = container\n"
     "image = index.docker.io/demo/e:latest\n",
     {{"Dockerfile", BUSY}}, {0}, NULL, "c.deps=b\nd.deps=b\nf.deps=e", NULL},
    {"busybox is docker.io/library/busybox:latest",
     "[b]\nrecipe = pull\nimage = docker.io/library/busybox\n[c]\nrecipe = container\n"
     "image = busybox\n[d]\nrecipe = container\nimage = localhost:5000/busybox\n",
     {{0}}, {0}, NULL, "c.deps=b\nd.deps=", NULL},
    {"tty on a bootstrap is refused until it acts",
     "[b]\nrecipe = bootstrap\ntty = true\n", {{0}}, {0}, NULL, NULL,
     "berth.ini:3: part 'b': key 'tty': not supported"},
    {"commit = false is refused",
     "[b]\nrecipe = bootstrap\ncommit = false\n", {{0}}, {0}, NULL, NULL,
     "berth.ini:3: part 'b': key 'commit': not supported"},
    {"[project] engine that is not an engine",
     "[project]\nengine = v\n[v]\nrecipe = volume\n", {{0}}, {0}, NULL, NULL,
     "berth.ini:2: key 'engine': 'v' is not an engine part of this project"},
    /* ---- [project] registry: images move between engines through it ---- */
    {"[project] registry: host:port, localhost, a path, a login",
     "[project]\nregistry = 127.0.0.1:5000\n[v]\nrecipe = volume\n", {{0}},
     {"project.registry=localhost", "project.registry-username=u",
      "project.registry-password=p"}, NULL, "name=demo", NULL},
    {"[project] registry with a path", "[project]\nregistry = registry.example.com/team-1\n"
     "[v]\nrecipe = volume\n", {{0}}, {0}, NULL, "name=demo", NULL},
    {"[project] registry without '.' or ':' is a Docker Hub user, not a registry",
     "[project]\nregistry = myregistry\n[v]\nrecipe = volume\n", {{0}}, {0}, NULL, NULL,
     "berth.ini:2: key 'registry': 'myregistry' is not a registry"},
    {"[project] registry with a scheme", "[project]\nregistry = http://r.io\n[v]\nrecipe = volume\n",
     {{0}}, {0}, NULL, NULL, "'http://r.io' is not a registry"},
    {"[project] registry with a bad port", "[project]\nregistry = r.io:50a\n[v]\nrecipe = volume\n",
     {{0}}, {0}, NULL, NULL, "'r.io:50a' is not a registry"},
    {"[project] registry with an upper-case path", "[project]\nregistry = r.io/Team\n"
     "[v]\nrecipe = volume\n", {{0}}, {0}, NULL, NULL, "'r.io/Team' is not a registry"},
    {"[project] registry with an empty path part", "[project]\nregistry = r.io//x\n"
     "[v]\nrecipe = volume\n", {{0}}, {0}, NULL, NULL, "'r.io//x' is not a registry"},
    {"[project] registry-password without its username",
     "[project]\nregistry = r.io\nregistry-password = p\n[v]\nrecipe = volume\n", {{0}}, {0},
     NULL, NULL, "berth.ini:3: key 'registry-password': registry-password needs registry-username"},
    {"[project] registry login without registry",
     "[project]\nregistry-username = u\nregistry-password = p\n[v]\nrecipe = volume\n", {{0}},
     {0}, NULL, NULL, "berth.ini:2: key 'registry-username': registry-username without registry"},
    /* ---- a copy part lives where its destination does ---- */
    {"a copy part's own engine is refused",
     "[e]\nrecipe = engine\nurl = unix:///x.sock\n[a]\nrecipe = container\nimage = x\n"
     "[b]\nrecipe = container\nimage = x\n[cp]\nrecipe = copy\ncontainer-from = a\n"
     "container-to = b\npaths = /x\nengine = e\n",
     {{0}}, {0}, NULL, NULL,
     "berth.ini:15: part 'cp': key 'engine': a copy part acts on the engines of its containers"},
    {"invalid [project] name", "[project]\nname = My Shop\n[v]\nrecipe = volume\n", {{0}}, {0},
     NULL, NULL, "berth.ini:2: key 'name': 'My Shop' is not a project name"},

    /* ---- problems: command line ---- */
    {"-s without a key", "[v]\nrecipe = volume\n", {{0}}, {"v=1"}, NULL, NULL,
     "command line:1: -s 'v=1': expected PART[:INSTANCE].KEY=VALUE"},
    {"-s of a missing part", "[web]\nrecipe = volume\n", {{0}}, {"wbe.keep=true"}, NULL, NULL,
     "command line:1: -s 'wbe.keep=true': no part 'wbe' in this project (did you mean 'web'?)"},
    {"-s of an unknown key", "[v]\nrecipe = volume\n", {{0}}, {"v.keep=1", "v.kep=1"}, NULL, NULL,
     "command line:2: part 'v': key 'kep': unknown key (did you mean 'keep'?)"},
    {"-s of an undeclared instance", "[c]\nrecipe = container\nimage = x\ninstances = a\n", {{0}},
     {"c:b.linked=true"}, NULL, NULL, "command line:1: part 'c': no instance 'b'"},
    {"-s with a bad value", "[c]\nrecipe = container\nimage = x\n", {{0}}, {"c.tty=perhaps"},
     NULL, NULL, "command line:1: part 'c': key 'tty': 'perhaps' is not a boolean"},
    {"-p with a bad name", "[v]\nrecipe = volume\n", {{0}}, {0}, "Bad Name", NULL,
     "command line: key 'name': 'Bad Name' is not a project name"},

    /* ---- problems: substitution ---- */
    {"unterminated substitution", "[v]\nrecipe = volume\nname = ${:x\n", {{0}}, {0}, NULL, NULL,
     "berth.ini:3: part 'v': key 'name': unterminated substitution '${:x' (close it with '}'"},
    {"substitution cycle",
     "[a]\nrecipe = volume\nname = ${b:name}\n[b]\nrecipe = volume\nname = ${c:name}\n[c]\n"
     "recipe = volume\nname = ${a:name}\n",
     {{0}}, {0}, NULL, NULL,
     "berth.ini:3: part 'a': key 'name': substitution cycle: a:name -> b:name -> c:name -> "
     "a:name"},
    {"substitution of itself", "[a]\nrecipe = volume\nname = x${:name}\n", {{0}}, {0}, NULL, NULL,
     "substitution cycle: a:name -> a:name"},
    {"substitution of a missing part", "[web]\nrecipe = volume\n[v]\nrecipe = volume\nname = "
     "${wbe:name}\n",
     {{0}}, {0}, NULL, NULL,
     "berth.ini:5: part 'v': key 'name': '${wbe:name}': no part 'wbe' in this project (did you "
     "mean 'web'?)"},
    {"substitution of a missing key", "[a]\nrecipe = volume\n[v]\nrecipe = volume\nname = "
     "${a:nme}\n",
     {{0}}, {0}, NULL, NULL, "'${a:nme}': part 'a' has no key 'nme' (did you mean 'name'?)"},
    {"unset environment variable", "[v]\nrecipe = volume\nname = ${env:BERTH_TEST_UNSET}\n",
     {{0}}, {0}, NULL, NULL,
     "berth.ini:3: part 'v': key 'name': environment variable BERTH_TEST_UNSET is not set (set "
     "it, or give a default: ${env:BERTH_TEST_UNSET:-VALUE})"},
    {"substitution without a colon", "[c]\nrecipe = container\nimage = x\nscript = echo ${HOME}\n",
     {{0}}, {0}, NULL, NULL,
     "key 'script': '${HOME}' is not a substitution (use ${part:key}, ${:key} or ${env:NAME}; "
     "write $${ for a literal ${)"},

    /* ---- problems: graph ---- */
    {"dependency cycle names every part",
     "[a]\nrecipe = volume\ndepends = b\n[b]\nrecipe = volume\ndepends = c\n[c]\nrecipe = "
     "volume\ndepends = a\n",
     {{0}}, {0}, NULL, NULL,
     "berth.ini:3: part 'a': key 'depends': dependency cycle: a -> b -> c -> a (remove one of "
     "these dependencies)"},
    {"a part that needs itself", "[a]\nrecipe = volume\ndepends = a\n", {{0}}, {0}, NULL, NULL,
     "dependency cycle: a -> a"},
    {"a cycle through substitutions and links",
     "[a]\nrecipe = container\nimage = x\nhostname = ha\nlinks = b\n[b]\nrecipe = container\nimage = x\n"
     "hostname = ${a:hostname}x\n[z]\nrecipe = volume\n",
     {{0}}, {0}, NULL, NULL, "dependency cycle: a -> b -> a"},
    {"FROM a sibling that does not exist", NULL,
     {DF("base", BUSY), DF("web", "FROM demo/bse\n")}, {0}, NULL, NULL,
     "containers/web/Dockerfile:1: part 'web_image': FROM demo/bse: no part of this project "
     "makes that image (did you mean 'demo/base'?)"},
    {"folder name that cannot name a part", NULL, {DF("My-App", BUSY)}, {0}, NULL, NULL,
     "containers/My-App: folder name 'My-App' cannot name a part (use lower-case letters, "
     "digits and '_': rename it 'my_app')"},
    {"run.conf: instances with their settings, a link with its alias, a sleep", NULL,
     {DF("db", BUSY), DF("web", BUSY),
      {"run.conf",
       "[{\"container\": \"db\", \"instance\": \"one\", \"sleep\": 2},\n"
       " {\"container\": \"web\", \"instance\": \"nodea\", \"instance_type\": \"master\",\n"
       "  \"links\": [{\"name\": \"database\", \"container\": \"db\", \"instance\": \"one\"}],\n"
       "  \"env_vars\": {\"A\": \"1\"}, \"persistent_log\": true},\n"
       " {\"container\": \"web\", \"instance\": \"nodeb\", \"env_vars\": {\"A\": \"1\"}}]\n"}},
     {0}, NULL,
     "db.instances=one\nweb.instances=nodea,nodeb\nweb:nodea.type=master\n"
     "web:nodea.props=1,1,1,0,1\nweb:nodeb.type=standard\nweb.@links=db:database\n"
     "web.env=A=1\ndb.ready=[\"sleep\", \"2\"]\nweb.deps=db,web_image",
     NULL},
    {"run.conf: an unknown key names the file, the object's index and the key", NULL,
     {DF("web", BUSY), {"run.conf", "[{\"container\": \"web\"}, {\"container\": \"web\", "
                                    "\"instance\": \"b\", \"ports\": 80}]"}},
     {0}, NULL, NULL, "run.conf[1]: key 'ports': unknown key"},
    {"run.conf: a per-container key that differs between instances", NULL,
     {DF("web", BUSY), {"run.conf", "[{\"container\": \"web\", \"instance\": \"a\", "
                                    "\"hostname\": \"x\"}, {\"container\": \"web\", "
                                    "\"instance\": \"b\", \"hostname\": \"y\"}]"}},
     {0}, NULL, NULL,
     "run.conf[1]: part 'web': key 'hostname': differs from run.conf[0]: berth sets it per "
     "container"},
    {"run.conf: a container with no folder", NULL,
     {DF("web", BUSY), {"run.conf", "[{\"container\": \"wbe\"}]"}}, {0}, NULL, NULL,
     "run.conf[0]: key 'container': 'wbe': no container folder of that name"},
    {"build.conf: the order builds follow", NULL,
     {DF("dockerops-base", BUSY), DF("a", BUSY), DF("b", BUSY),
      {"build.conf", "[\"dockerops-base\", \"b\", \"a\"]"}},
     {0}, NULL, "b_image.deps=dockerops_base_image\na_image.deps=b_image", NULL},
    {"build.conf: an order against the FROM lines is a cycle at build.conf", NULL,
     {DF("base", BUSY), DF("web", "FROM demo/base\n"), {"build.conf", "[\"web\", \"base\"]"}},
     {0}, NULL, NULL, "build.conf[1]: part 'base_image': key 'depends': dependency cycle"},
    {"a DockerOps folder with '-': part with '_', image with the folder's name", NULL,
     {DF("dockerops-base", BUSY), DF("web", "FROM demo/dockerops-base\n")}, {0}, NULL,
     "dockerops_base_image.image=demo/dockerops-base\ndockerops_base.image=demo/dockerops-base\n"
     "web_image.deps=dockerops_base_image",
     NULL},
    {"bad section in a folder's file", NULL,
     {DF("web", BUSY), {"containers/web/berth.ini", "[web]\ntty = true\n"}}, {0}, NULL, NULL,
     "containers/web/berth.ini:1: section [web] is not allowed in a container folder's settings"},
    {"nothing here", NULL, {{0}}, {0}, NULL, NULL,
     "no project here: no berth.ini and no containers/<name>/Dockerfile"},
    {"every problem in one pass, sorted",
     "[c]\nrecipe = container\nimgae = x\ntty = maybe\n[d]\nrecipe = volum\n", {{0}}, {0}, NULL,
     NULL,
     "berth.ini:1: part 'c': key 'image': missing (set 'image', or 'build' to a build part or "
     "folder)\nberth.ini:3: part 'c': key 'imgae': unknown key (did you mean 'image'?)\n"
     "berth.ini:4: part 'c': key 'tty': 'maybe' is not a boolean (use true, false, yes, no, 1 or "
     "0)\nberth.ini:6: part 'd': key 'recipe': unknown recipe 'volum' (did you mean 'volume'? use "
     "one of build, bootstrap, container, network, volume, copy, pull, push, assemble, "
     "diskimage, task, engine)\n4 problems found"},
};

static char *tmp_root;

static void write_file(const char *dir, const char *rel, const char *text)
{
    char *path = xasprintf("%s/%s", dir, rel);
    for (char *p = path + strlen(dir) + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    }
    if (!text) {
        mkdir(path, 0755);
    } else {
        FILE *f = fopen(path, "w");
        fputs(text, f);
        fclose(f);
    }
    free(path);
}

static void rm_rf(const char *path)
{
    char *cmd = xasprintf("rm -rf '%s'", path);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", path);
    free(cmd);
}

/* Replace the project folder by $DIR. */
static char *undir(const char *s, const char *dir)
{
    strbuf sb = STRBUF_INIT;
    size_t n = strlen(dir);
    while (*s) {
        if (strncmp(s, dir, n) == 0) {
            sb_adds(&sb, "$DIR");
            s += n;
        } else {
            sb_addc(&sb, *s++);
        }
    }
    return sb_detach(&sb, NULL);
}

static void join_strv(strbuf *sb, const struct strv *sv, const char *sep)
{
    for (size_t i = 0; i < sv->n; i++)
        sb_addf(sb, "%s%s", i ? sep : "", sv->v[i]);
}

static const char *b01(bool b)
{
    return b ? "1" : "0";
}

/* The model's answer for one WHAT of the check language (see the top). */
static void lookup(const struct project *p, const char *what, strbuf *sb)
{
    if (streq(what, "name")) {
        sb_adds(sb, p->name);
        return;
    }
    if (streq(what, "data")) {
        sb_adds(sb, p->data_dir);
        return;
    }
    if (streq(what, "order")) {
        size_t *o, n;
        project_order(p, NULL, &o, &n, NULL);
        for (size_t i = 0; i < n; i++)
            sb_addf(sb, "%s%s@%d", i ? " " : "", p->parts[o[i]].name, p->parts[o[i]].level);
        free(o);
        return;
    }
    const char *dot = strchr(what, '.');
    char *target = xstrndup(what, (size_t)(dot - what));
    const char *key = dot + 1;
    char *colon = strchr(target, ':');
    if (colon)
        *colon = '\0';
    if (streq(target, "project")) {
        for (size_t i = 0; i < p->nsettings; i++)
            if (streq(p->settings[i].key, key))
                sb_adds(sb, p->settings[i].value);
        free(target);
        return;
    }
    int pi = project_find(p, target);
    if (pi < 0) {
        sb_addf(sb, "<no part %s>", target);
        free(target);
        return;
    }
    const struct part *pt = &p->parts[pi];
    const struct container *c = pt->container;
    if (colon) {
        int j = c ? container_instance(c, colon + 1) : -1;
        if (j < 0) {
            sb_addf(sb, "<no instance %s>", colon + 1);
        } else {
            const struct instance *in = &c->instances[j];
            if (streq(key, "type"))
                sb_adds(sb, instance_type_name(in->type));
            else if (streq(key, "props"))
                sb_addf(sb, "%s,%s,%s,%s,%s", b01(in->linked), b01(in->publish_ports),
                        b01(in->persistent_data), b01(in->persistent_opt),
                        b01(in->persistent_log));
            else if (streq(key, "container"))
                sb_adds(sb, in->container_name);
            else if (streq(key, "interactive"))
                sb_adds(sb, in->interactive ? "true" : "false");
            else if (streq(key, "elocal"))
                sb_adds(sb, in->run_entrypoint_local ? "true" : "false");
        }
    } else if (streq(key, "kind")) {
        sb_adds(sb, part_kind_name(pt->kind));
    } else if (streq(key, "level")) {
        sb_addf(sb, "%d", pt->level);
    } else if (streq(key, "deps")) {
        for (size_t i = 0; i < pt->ndeps; i++)
            sb_addf(sb, "%s%s", i ? "," : "", p->parts[pt->deps[i].part].name);
    } else if (streq(key, "image")) {
        sb_adds(sb, pt->image ? pt->image : "");
    } else if (streq(key, "from")) {
        join_strv(sb, &pt->from, ",");
    } else if (streq(key, "instances") && c) {
        for (size_t i = 0; i < c->ninstances; i++)
            sb_addf(sb, "%s%s", i ? "," : "", c->instances[i].name);
    } else if (streq(key, "elocal") && c) {
        sb_adds(sb, c->entrypoint_local ? c->entrypoint_local : "");
    } else if (streq(key, "@cmd") && c) {
        join_strv(sb, &c->command, "|");
    } else if (streq(key, "@ports") && c) {
        for (size_t i = 0; i < c->nports; i++)
            sb_addf(sb, "%s%s:%d:%d/%s", i ? " " : "",
                    c->ports[i].host_ip ? c->ports[i].host_ip : "-", c->ports[i].host_port,
                    c->ports[i].container_port, c->ports[i].proto);
    } else if (streq(key, "@mounts") && c) {
        for (size_t i = 0; i < c->nvolumes; i++)
            sb_addf(sb, "%s%s:%s:%s:%d", i ? " " : "",
                    c->volumes[i].source ? c->volumes[i].source : "-", c->volumes[i].target,
                    c->volumes[i].read_only ? "ro" : "rw", c->volumes[i].volume_part);
    } else if (streq(key, "@links") && c) {
        for (size_t i = 0; i < c->nlinks; i++)
            sb_addf(sb, "%s%s:%s", i ? " " : "", p->parts[c->links[i].part].name,
                    c->links[i].alias);
    } else if (streq(key, "@vfrom") && c) {
        for (size_t i = 0; i < c->nvolumes_from; i++)
            sb_addf(sb, "%s%s:%s", i ? " " : "", p->parts[c->volumes_from[i].part].name,
                    c->volumes_from[i].read_only ? "ro" : "rw");
    } else if (streq(key, "@nets") && c) {
        for (size_t i = 0; i < c->nnetworks; i++)
            sb_addf(sb, "%s%s", i ? " " : "", c->networks[i].name);
    } else if (streq(key, "@host") && c) {
        sb_adds(sb, c->user_is_host ? "true" : "false");
    } else {
        const struct setting *st = part_setting(pt, key);
        if (st)
            sb_adds(sb, st->secret ? "secret" : st->value);
    }
    free(target);
}

static char *const test_env[] = {"BERTH_TEST_SET=from-env", "HOME=/home/u", NULL};

static void run_case(const struct pcase *c)
{
    char *dir = xasprintf("%s/demo", tmp_root);
    rm_rf(dir);
    mkdir(dir, 0755);
    if (c->ini)
        write_file(dir, "berth.ini", c->ini);
    for (size_t i = 0; i < ARRAY_SIZE(c->files) && c->files[i].path; i++)
        write_file(dir, c->files[i].path, c->files[i].text);
    int nsets = 0;
    while (nsets < (int)ARRAY_SIZE(c->sets) && c->sets[nsets])
        nsets++;
    /* Load from inside the folder, as `berth config` run there: files are
     * named relative to it, and its name "demo" is the project's. */
    char *real = realpath(dir, NULL);
    if (chdir(real) != 0)
        perror("chdir");
    struct project_opts o = {.dir = NULL, .name = c->pname, .sets = c->sets, .nsets = nsets,
                             .env = test_env};
    struct project *p = NULL;
    berr *err = NULL;
    int rc = project_load(&o, &p, &err);
    if (c->err) {
        char *msg = err ? undir(err->msg, real) : NULL;
        ok(rc == -1 && err && err->code == BERR_PROJECT, c->name);
        has_str(msg, c->err, c->name);
        free(msg);
    } else {
        if (!ok(rc == 0, c->name))
            printf("#   %s\n", err ? err->msg : "?");
        for (const char *l = c->want; rc == 0 && l && *l;) {
            const char *e = strchr(l, '\n');
            char *line = xstrndup(l, e ? (size_t)(e - l) : strlen(l));
            char *eq = strchr(line, '=');
            *eq = '\0';
            strbuf got = STRBUF_INIT, flat = STRBUF_INIT;
            lookup(p, line, &got);
            for (const char *q = got.buf; *q; q++) /* multi-line values: \n */
                sb_adds(&flat, *q == '\n' ? "\\n" : (char[]){*q, 0});
            char *norm = undir(flat.buf, real);
            sb_release(&flat);
            char *desc = xasprintf("%s: %s", c->name, line);
            is_str(norm, eq + 1, desc);
            free(desc);
            free(norm);
            sb_release(&got);
            free(line);
            l = e ? e + 1 : NULL;
        }
    }
    berr_free(err);
    project_free(p);
    if (chdir("/") != 0)
        perror("chdir");
    free(real);
    free(dir);
}

/* Targets: all, a part, a part's instance, several; unknown names. */
static void test_select(void)
{
    char *dir = xasprintf("%s/demo", tmp_root);
    rm_rf(dir);
    mkdir(dir, 0755);
    write_file(dir, "berth.ini",
               "[db]\nrecipe = container\nimage = x\n[web]\nrecipe = container\nimage = x\n"
               "instances = one two\nlinks = db\n[net]\nrecipe = network\n");
    struct project_opts o = {.dir = dir};
    struct project *p;
    berr *err = NULL;
    if (project_load(&o, &p, &err) < 0) {
        ok(0, err->msg);
        berr_free(err);
        free(dir);
        return;
    }
    struct project_sel *s;
    const char *t1[] = {"web:two"};
    ok(project_select(p, t1, 1, false, &s, &err) == 0, "select web:two");
    ok(s->part[1] && !s->part[0] && !s->instance[1][0] && s->instance[1][1],
       "web:two selects one instance of one part");
    project_sel_free(s);
    ok(project_select(p, t1, 1, true, &s, &err) == 0 && s->part[0] && s->needed[0] &&
           !s->needed[1],
       "with dependencies, db comes along as needed");
    project_sel_free(s);
    const char *t2[] = {"web", "net"};
    ok(project_select(p, t2, 2, false, &s, &err) == 0 && s->part[1] && s->part[2] &&
           !s->part[0] && s->instance[1][0] && s->instance[1][1],
       "several targets at once");
    project_sel_free(s);
    const char *t3[] = {"all"};
    ok(project_select(p, t3, 1, false, &s, &err) == 0 && s->part[0] && s->part[1] && s->part[2],
       "all selects every part");
    project_sel_free(s);
    ok(project_select(p, NULL, 0, false, &s, &err) == 0 && s->part[0] && s->part[2],
       "no target means all");
    project_sel_free(s);
    const char *t4[] = {"wbe", "web:tow", "net:x"};
    ok(project_select(p, t4, 3, false, &s, &err) == -1 && err->code == BERR_USAGE,
       "unknown targets are a usage error");
    has_str(err->msg, "target 'wbe': no part 'wbe' in project 'demo' (did you mean 'web'?)",
            "unknown part with a suggestion");
    has_str(err->msg, "target 'web:tow': part 'web' has no instance 'tow' (did you mean 'two'?)",
            "unknown instance with a suggestion");
    has_str(err->msg, "target 'net:x': 'net' is a network part; only container parts have",
            "instance of a part that has none");
    berr_free(err);
    project_free(p);
    free(dir);
}

/* With a run.conf, all selects exactly its instances: a folder it does not
 * name is on demand, selected when a target names it or a part that runs
 * needs it (a link). */
static void test_select_run_conf(void)
{
    char *dir = xasprintf("%s/demo", tmp_root);
    rm_rf(dir);
    mkdir(dir, 0755);
    write_file(dir, "containers/web/Dockerfile", BUSY);
    write_file(dir, "containers/db/Dockerfile", BUSY);
    write_file(dir, "containers/cache/Dockerfile", BUSY);
    write_file(dir, "run.conf",
               "[{\"container\": \"web\", \"instance\": \"a\", \"links\": "
               "[{\"name\": \"c\", \"container\": \"cache\"}]}]\n");
    struct project_opts o = {.dir = dir};
    struct project *p;
    berr *err = NULL;
    if (project_load(&o, &p, &err) < 0) {
        ok(0, err->msg);
        berr_free(err);
        free(dir);
        return;
    }
    int web = project_find(p, "web"), db = project_find(p, "db"), cache = project_find(p, "cache");
    ok(web >= 0 && db >= 0 && cache >= 0, "three folders, three container parts");
    if (web < 0 || db < 0 || cache < 0)
        goto out;
    ok(!p->parts[web].container->instances[0].on_demand, "web:a, named by run.conf, runs");
    ok(p->parts[db].container->ninstances == 1 && p->parts[db].container->instances[0].on_demand,
       "db:main, in no run.conf object, is on demand");
    struct project_sel *s;
    ok(project_select(p, NULL, 0, true, &s, &err) == 0 && s->instance[web][0] &&
           !s->instance[db][0],
       "all: web:a, not db:main");
    ok(s->instance[cache][0], "all: cache:main, which web:a links to, comes along");
    project_sel_free(s);
    const char *t1[] = {"db"};
    ok(project_select(p, t1, 1, true, &s, &err) == 0 && s->instance[db][0] && !s->part[web],
       "db named: db:main is selected");
    project_sel_free(s);
out:
    project_free(p);
    rm_rf(dir);
    free(dir);
}

/* The project file given as text (as tests and the fuzzer do). */
static void test_text(void)
{
    char *dir = xasprintf("%s/demo", tmp_root);
    rm_rf(dir);
    mkdir(dir, 0755);
    struct project_opts o = {.dir = dir, .file = "other.ini",
                             .text = "[v]\nrecipe = volume\nkeep = nah\n"};
    struct project *p;
    berr *err = NULL;
    ok(project_load(&o, &p, &err) == -1, "text given in opts is parsed");
    has_str(err ? err->msg : NULL, "other.ini:3: part 'v': key 'keep': 'nah' is not a boolean",
            "and named by opts.file");
    berr_free(err);
    err = NULL;
    struct project_opts o2 = {.dir = dir, .file = "missing.ini"};
    ok(project_load(&o2, &p, &err) == -1, "a missing -f file fails");
    has_str(err ? err->msg : NULL, "missing.ini: cannot read the project file", "and says so");
    berr_free(err);
    err = NULL;
    struct project_opts o3 = {.dir = "/nonexistent/berth"};
    ok(project_load(&o3, &p, &err) == -1 && err->code == BERR_PROJECT,
       "a missing project folder fails");
    berr_free(err);
    free(dir);
}

/* The stages' order: the project name is checked before any value is
 * substituted with it, and the folder's name stands in for a wrong one, so
 * one mistake gives one message (not one more per default that uses it). */
static void test_name_first(void)
{
    char *dir = xasprintf("%s/demo", tmp_root);
    rm_rf(dir);
    mkdir(dir, 0755);
    struct project_opts o = {.dir = dir,
                             .text = "[project]\nname = My Shop\n[v]\nrecipe = volume\n"
                                     "[n]\nrecipe = network\nname = ${project:name}_net\n"};
    struct project *p;
    berr *err = NULL;
    ok(project_load(&o, &p, &err) == -1, "a wrong project name fails the load");
    const char *msg = err ? err->msg : "";
    has_str(msg, "berth.ini:2: key 'name': 'My Shop' is not a project name",
            "the name is named");
    ok(!strstr(msg, "part 'v'") && !strstr(msg, "part 'n'"),
       "and no value substituted with it is reported: the folder's name stood in");
    if (strstr(msg, "part '"))
        printf("#   %s\n", msg);
    berr_free(err);
    free(dir);
}

/* part_setting finds a loaded part's settings by their key's place in the
 * table: the same answers as a scan of the settings, which a part built
 * otherwise (setting_at NULL) gets. */
static void test_part_setting(void)
{
    char *dir = xasprintf("%s/demo", tmp_root);
    rm_rf(dir);
    mkdir(dir, 0755);
    struct project_opts o = {.dir = dir,
                             .text = "[project]\nname = shop\n[web]\nrecipe = container\n"
                                     "image = shop/web\nstop_timeout = 3s\nx-own = mine\n"
                                     "[data]\nrecipe = volume\n"};
    struct project *p = NULL;
    berr *err = NULL;
    ok(project_load(&o, &p, &err) == 0, "a container and a volume load");
    berr_free(err);
    if (!p) {
        free(dir);
        return;
    }
    const char *keys[] = {"recipe", "image", "stop-timeout", "stop_timeout", "x-own", "x-none",
                          "tty", "pull-policy", "username", "name", "", "build"};
    for (int i = 0; i < 2; i++) {
        struct part *pt = &p->parts[project_find(p, i ? "data" : "web")];
        int same = 0;
        for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
            const struct setting *fast = part_setting(pt, keys[k]);
            const unsigned short *at = pt->setting_at;
            pt->setting_at = NULL; /* as a part built otherwise */
            same += fast == part_setting(pt, keys[k]);
            pt->setting_at = at;
        }
        is_int(same, (int)ARRAY_SIZE(keys), i ? "a volume's settings: as a scan finds them"
                                              : "a container's settings: as a scan finds them");
    }
    const struct part *web = &p->parts[project_find(p, "web")];
    is_str(part_value(web, "stop-timeout"), "3s", "a key written with '_' is set canonically");
    is_str(part_value(web, "x-own"), "mine", "an x- key is a setting");
    ok(part_value(web, "stop_timeout") == NULL && part_value(web, "username") == NULL,
       "another spelling, or a key of another kind, is no setting");
    project_free(p);
    free(dir);
}

int main(void)
{
    char tmpl[] = "/tmp/berth-test-project-XXXXXX";
    tmp_root = mkdtemp(tmpl);
    if (!tmp_root) {
        perror("mkdtemp");
        return 1;
    }
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
        run_case(&cases[i]);
    test_select();
    test_select_run_conf();
    test_text();
    test_name_first();
    test_part_setting();
    printf("# %zu table cases\n", ARRAY_SIZE(cases));
    rm_rf(tmp_root);
    return tap_done();
}
