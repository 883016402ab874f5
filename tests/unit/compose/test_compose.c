/* The Compose reader through the project loader, one row per case: the
 * files of a folder (compose.yaml and others), the environment, and either
 * resolved settings ("PART.KEY=VALUE" lines; lists joined by '|') or the
 * problem it must report (a substring, with FILE:LINE:COLUMN). The folder
 * prints as $DIR. No engine. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "compose/compose.h"
#include "project/project.h"

struct file {
    const char *path, *text;
};

struct ccase {
    const char *name;
    struct file files[4];
    const char *files_opt[3]; /* -f */
    const char *profiles[2];
    const char *env[4];
    const char *want;
    const char *err;
};

static const struct ccase cases[] = {
    {"bytes that are not UTF-8 are an error at their line and column (a '%' line with them "
     "made libfyaml 0.7.12 loop for ever)",
     {{"compose.yaml", "services:\n%\xc3\n"}},
     {0}, {0}, {0}, NULL, "compose.yaml:2:2: not UTF-8 text (byte 0xc3)"},
    {"an alias inside its own anchor is an error at the alias (a file of such aliases made "
     "fuzz_compose time out: each level copied the mapping again, a million nodes deep)",
     {{"compose.yaml", "x-common: &common\n  image: busybox\n  environment: &env\n"
                       "    T: *common\n    again:\n      <<: *env\n"
                       "services:\n  web: *common\n"}},
     {0}, {0}, {0}, NULL, "compose.yaml:4:9: an alias inside its own anchor"},
    {"interpolation: defaults, required, $$ and unbraced names",
     {{"compose.yaml", "services:\n  web:\n    image: busybox:${TAG:-1.36}\n"
                       "    command: echo $$HOME ${A-dflt} $A ${B:-b-empty} ${C?} ${C:+plus}\n"}},
     {0}, {0}, {"A=", "B=", "C=c"},
     "web.image=busybox:1.36\nweb.command=echo|$HOME|b-empty|c|plus", NULL},
    {"${VAR:?message} unset is an error at its line and column",
     {{"compose.yaml", "services:\n  web:\n    image: x\n    user: \"${WHO:?who runs it}\"\n"}},
     {0}, {0}, {0}, NULL,
     "compose.yaml:4:12: part 'web': required variable WHO is missing a value: who runs it"},
    {"${VAR?} set but empty is accepted; ${VAR:?} empty is not",
     {{"compose.yaml", "services:\n  web:\n    image: x${E?}\n    user: ${E:?no}\n"}},
     {0}, {0}, {"E="}, NULL, "required variable E is empty: no"},
    {".env is read; the environment beats it",
     {{"compose.yaml", "services:\n  web:\n    image: ${IMG}\n    user: ${WHO}\n"},
      {".env", "IMG=from-dotenv\nexport WHO='quoted'\n"}},
     {0}, {0}, {"IMG=from-env"}, "web.image=from-env\nweb.user=quoted", NULL},
    {"merge keys: a written key beats a merged one",
     {{"compose.yaml", "x-c: &c\n  image: busybox\n  user: merged\nservices:\n  web:\n"
                       "    <<: *c\n    user: written\n"}},
     {0}, {0}, {0}, "web.image=busybox\nweb.user=written", NULL},
    {"several -f: volumes merge by their target, environment by name, command is replaced",
     {{"a.yaml", "services:\n  web:\n    image: x\n    command: one\n    environment: [A=1, B=1]\n"
                 "    volumes: [/h/a:/srv, /h/b:/data]\nvolumes: {}\n"},
      {"b.yaml", "services:\n  web:\n    command: [two]\n    environment: {B: 2}\n"
                 "    volumes: ['/h/c:/srv:ro']\n"}},
     {"a.yaml", "b.yaml"}, {0}, {0},
     "web.command=two\nweb.env=A=1|B=2\nweb.volumes=/h/c:/srv:ro|/h/b:/data", NULL},
    {"the override file is merged when no -f is given",
     {{"compose.yaml", "services:\n  web:\n    image: x\n    ports: ['8080:80']\n"},
      {"compose.override.yaml", "services:\n  web:\n    ports: ['9090:90']\n"}},
     {0}, {0}, {0}, "web.ports=8080:80|9090:90", NULL},
    {"extends of a service of another file: its paths stay its own",
     {{"compose.yaml", "services:\n  web:\n    extends: {file: sub/base.yaml, service: b}\n"
                       "    user: me\n"},
      {"sub/base.yaml", "services:\n  b:\n    image: x\n    env_file: b.env\n    user: base\n"},
      {"sub/b.env", "X=1\n"}},
     {0}, {0}, {0}, "web.image=x\nweb.user=me\nweb.env-files=$DIR/sub/b.env", NULL},
    {"extends in a circle is an error",
     {{"compose.yaml", "services:\n  a:\n    extends: b\n    image: x\n  b:\n    extends: a\n"}},
     {0}, {0}, {0}, NULL, "extends goes round in a circle"},
    {"profiles: a service of a profile not enabled is left out",
     {{"compose.yaml", "services:\n  web:\n    image: x\n  dbg:\n    image: x\n"
                       "    profiles: [debug]\n"}},
     {0}, {0}, {0}, "web.image=x\ndbg.image=(none)", NULL},
    {"profiles: --profile enables it",
     {{"compose.yaml", "services:\n  web:\n    image: x\n  dbg:\n    image: x\n"
                       "    profiles: [debug]\n"}},
     {0}, {"debug"}, {0}, "dbg.image=x", NULL},
    {"a service name with '-' is a part with '_', known by both names",
     {{"compose.yaml", "services:\n  web-app:\n    image: x\n    depends_on: [my.db]\n"
                       "  my.db:\n    image: x\n"}},
     {0}, {0}, {0}, "web_app.network-aliases=web-app\nweb_app.depends=my_db", NULL},
    {"two services of one part name are refused",
     {{"compose.yaml", "services:\n  web-1:\n    image: x\n  web_1:\n    image: x\n"}},
     {0}, {0}, {0}, NULL, "compose.yaml:4:3: part 'web_1': makes the same berth part name 'web_1'"},
    {"a volume named like a service gets a suffix",
     {{"compose.yaml", "services:\n  db:\n    image: x\n    volumes: [db:/data]\nvolumes:\n  db:\n"}},
     {0}, {0}, {0}, "db.volumes=db_volume:/data\ndb_volume.recipe=volume", NULL},
    {"replicas make instances 1..N",
     {{"compose.yaml", "services:\n  web:\n    image: x\n    deploy: {replicas: 3}\n"}},
     {0}, {0}, {0}, "web.instances=1|2|3", NULL},
    {"cpus and mem_limit, or deploy.resources.limits, are the part's cpus and memory",
     {{"compose.yaml", "services:\n  web:\n    image: x\n    cpus: 0.5\n    mem_limit: 64m\n"
                       "  db:\n    image: x\n    deploy: {resources: {limits: {cpus: '1.5', memory: 1g}}}\n"}},
     {0}, {0}, {0}, "web.cpus=0.5\nweb.memory=64m\ndb.cpus=1.5\ndb.memory=1g", NULL},
    {"deploy.resources.reservations is refused, naming it",
     {{"compose.yaml", "services:\n  web:\n    image: x\n    deploy: {resources: {reservations: {cpus: '1'}}}\n"}},
     {0}, {0}, {0}, NULL, "berth does not support deploy.resources.reservations"},
    {"a duplicate key is an error at the second one",
     {{"compose.yaml", "services:\n  web:\n    image: x\n    image: y\n"}},
     {0}, {0}, {0}, NULL, "compose.yaml:4:5: key 'image': written twice"},
    {"an undeclared named volume is an error",
     {{"compose.yaml", "services:\n  web:\n    image: x\n    volumes: ['data:/d']\n"}},
     {0}, {0}, {0}, NULL, "named volume 'data' is not declared"},
    {"an unknown top-level key is an error",
     {{"compose.yaml", "services: {}\nservice:\n  web: {}\n"}},
     {0}, {0}, {0}, NULL, "compose.yaml:2:1: key 'service': not a top-level key"},
    {"berth.ini beside it beats it",
     {{"compose.yaml", "services:\n  web:\n    image: x\n    user: compose\n"},
      {"berth.ini", "[web]\nuser = ini\n"}},
     {0}, {0}, {0}, "web.user=ini\nweb.image=x", NULL},
    {"a port range becomes one line per port; the long form too",
     {{"compose.yaml", "services:\n  web:\n    image: x\n    ports:\n      - 127.0.0.1:8000-8001:80-81/udp\n"
                       "      - {target: 90, published: 9090}\n"}},
     {0}, {0}, {0}, "web.ports=127.0.0.1:8000:80/udp|127.0.0.1:8001:81/udp|9090:90", NULL},
    {"COMPOSE_FILE names the files, ':'-separated",
     {{"a.yaml", "services:\n  web:\n    image: a\n"},
      {"b.yaml", "services:\n  web:\n    image: b\n"}},
     {0}, {0}, {"COMPOSE_FILE=a.yaml:b.yaml"}, "web.image=b", NULL},
    {"durations as Go writes them become milliseconds",
     {{"compose.yaml", "services:\n  web:\n    image: x\n    stop_grace_period: 1.5s\n"
                       "    healthcheck: {test: [CMD, 'true'], interval: 1m30s, timeout: 250ms}\n"}},
     {0}, {0}, {0},
     "web.stop-timeout=1500ms\nweb.healthcheck-interval=1m30s\nweb.healthcheck-timeout=250ms", NULL},
    {"links and volumes_from name services",
     {{"compose.yaml", "services:\n  web:\n    image: x\n    links: ['db:database']\n"
                       "    volumes_from: ['db:ro']\n  db:\n    image: x\n"}},
     {0}, {0}, {0}, "web.links=db database\nweb.volumes-from=db:ro", NULL},
    {"expose ranges become single ports; extra_hosts as a mapping",
     {{"compose.yaml", "services:\n  web:\n    image: x\n    expose: ['8000-8001', 53/udp]\n"
                       "    extra_hosts: {db.local: 10.0.0.5}\n"}},
     {0}, {0}, {0}, "web.expose=8000|8001|53/udp\nweb.extra-hosts=db.local:10.0.0.5", NULL},
    {"env_file: the long form; an optional file that is missing is left out",
     {{"compose.yaml", "services:\n  web:\n    image: x\n    env_file:\n      - a.env\n"
                       "      - {path: b.env, required: false}\n      - {path: c.env, required: false}\n"},
      {"a.env", "A=1\n"}, {"c.env", "C=1\n"}},
     {0}, {0}, {0}, "web.env-files=$DIR/a.env|$DIR/c.env", NULL},
    {"a fixed address on the default network is refused",
     {{"compose.yaml", "services:\n  web:\n    image: x\n    networks:\n      default:\n"
                       "        ipv4_address: 10.0.0.5\n"}},
     {0}, {0}, {0}, NULL, "compose.yaml:6:9: part 'web': key 'networks.default.ipv4_address'"},
};

static void write_file(const char *dir, const char *path, const char *text)
{
    char *full = xasprintf("%s/%s", dir, path);
    /* the folders on the way */
    for (char *s = full + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
        *s = '\0';
        mkdir(full, 0755);
        *s = '/';
    }
    FILE *f = fopen(full, "w");
    fputs(text, f);
    fclose(f);
    free(full);
}

/* A setting's value: lists joined by '|'; "(none)" when unset or no part. */
static char *value_of(const struct project *p, const char *spec)
{
    const char *dot = strchr(spec, '.');
    char *part = xstrndup(spec, (size_t)(dot - spec));
    int pi = project_find(p, part);
    free(part);
    if (pi < 0)
        return xstrdup("(none)");
    const struct setting *st = part_setting(&p->parts[pi], dot + 1);
    if (!st)
        return xstrdup("(none)");
    if (st->shape != SHAPE_LIST && st->shape != SHAPE_ARGV)
        return xstrdup(st->value);
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < st->items.n; i++)
        sb_addf(&sb, "%s%s", i ? "|" : "", st->items.v[i]);
    return sb.buf ? sb_detach(&sb, NULL) : xstrdup("");
}

static char *replace_dir(const char *s, const char *dir)
{
    strbuf sb = STRBUF_INIT;
    for (const char *p = s; *p;) {
        if (starts_with(p, "$DIR")) {
            sb_adds(&sb, dir);
            p += 4;
        } else {
            sb_addc(&sb, *p++);
        }
    }
    return sb_detach(&sb, NULL);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(path);
}

int main(void)
{
    for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
        const struct ccase *k = &cases[c];
        char tmpl[] = "/tmp/berth-compose-unit.XXXXXX";
        char *dir = mkdtemp(tmpl);
        for (size_t i = 0; i < ARRAY_SIZE(k->files) && k->files[i].path; i++)
            write_file(dir, k->files[i].path, k->files[i].text);
        struct compose_opts co = {0};
        while (co.nfiles < 3 && k->files_opt[co.nfiles])
            co.nfiles++;
        co.files = k->files_opt;
        while (co.nprofiles < 2 && k->profiles[co.nprofiles])
            co.nprofiles++;
        co.profiles = k->profiles;
        char *env[6] = {0};
        for (size_t i = 0; i < 4 && k->env[i]; i++)
            env[i] = (char *)k->env[i];
        struct project_reader r = compose_reader(&co);
        struct project_opts po = {.dir = dir, .name = "demo", .env = env, .reader = &r,
                                  .file = co.nfiles ? co.files[0] : NULL};
        struct project *p = NULL;
        berr *err = NULL;
        int rc = project_load(&po, &p, &err);
        if (k->err) {
            if (ok(rc < 0, k->name))
                has_str(err->msg, k->err, k->name);
            else
                ok(0, "(it loaded)");
        } else if (!ok(rc == 0, k->name)) {
            printf("#   %s\n", err ? err->msg : "?");
        } else {
            char *want = xstrdup(k->want);
            for (char *line = strtok(want, "\n"); line; line = strtok(NULL, "\n")) {
                char *eq = strchr(line, '=');
                *eq = '\0';
                char *got = value_of(p, line);
                char *exp = replace_dir(eq + 1, p->dir);
                char *desc = xasprintf("%s: %s", k->name, line);
                is_str(got, exp, desc);
                free(desc);
                free(exp);
                free(got);
            }
            free(want);
        }
        berr_free(err);
        project_free(p);
        nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    }
    return tap_done();
}
