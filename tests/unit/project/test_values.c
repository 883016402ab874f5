/* Value types of project keys, "did you mean" and argv splitting: one table
 * row per input, with whether it is valid and, for some, what it becomes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "project/project.h"
#include "../tap.h"
#include "base/util.h"
#include "project/values.h"
#include "base/words.h"

struct vcase {
    const char *type;
    const char *in;
    int valid;
    const char *want; /* normalised form, when checked */
};

static const struct vcase cases[] = {
    {"bool", "yes", 1, "true"},
    {"bool", "0", 1, "false"},
    {"bool", "TRUE", 1, "true"},
    {"bool", "maybe", 0, NULL},
    {"int", "42", 1, "42"},
    {"int", "-1", 0, NULL},
    {"int", "0x10", 0, NULL},
    {"duration", "10s", 1, "10000"},
    {"duration", "2m", 1, "120000"},
    {"duration", "1m30s", 1, "90000"},
    {"duration", "500ms", 1, "500"},
    {"duration", "7", 1, "7000"},
    {"duration", "10 s", 0, NULL},
    {"duration", "s", 0, NULL},
    {"duration", "1d", 0, NULL},
    {"size", "64M", 1, "67108864"},
    {"size", "1GB", 1, "1073741824"},
    {"size", "512", 1, "512"},
    {"size", "12Q", 0, NULL},
    {"cpus", "0.5", 1, "500000000"},
    {"cpus", "2", 1, "2000000000"},
    {"cpus", "1.25", 1, "1250000000"},
    {"cpus", "0.000000001", 1, "1"},
    {"cpus", "0", 0, NULL},
    {"cpus", "0.0", 0, NULL},
    {"cpus", "-1", 0, NULL},
    {"cpus", "1.", 0, NULL},
    {"cpus", ".5", 0, NULL},
    {"cpus", "1,5", 0, NULL},
    {"cpus", "0.5cpu", 0, NULL},
    {"cpus", "0.0000000001", 0, NULL},
    {"cpus", "5000", 0, NULL},
    {"memory", "256m", 1, "268435456"},
    {"memory", "1g", 1, "1073741824"},
    {"memory", "6M", 1, "6291456"},
    {"memory", "5M", 0, NULL},
    {"memory", "4096", 0, NULL},
    {"memory", "lots", 0, NULL},
    {"port", "8080", 1, "-:0:8080/tcp"},
    {"port", "8080:80", 1, "-:8080:80/tcp"},
    {"port", "127.0.0.1:8080:80/tcp", 1, "127.0.0.1:8080:80/tcp"},
    {"port", "127.0.0.1::53/udp", 1, "127.0.0.1:0:53/udp"},
    {"port", "[::1]:8080:80", 1, "::1:8080:80/tcp"},
    {"port", "70000", 0, NULL},
    {"port", "80/icmp", 0, NULL},
    {"port", "http", 0, NULL},
    {"port", "1.2.3:80:80", 0, NULL},
    {"port", ":80", 0, NULL},
    {"expose", "9000/udp", 1, NULL},
    {"expose", "9000:1", 0, NULL},
    {"ip", "10.0.0.1", 1, NULL},
    {"ip", "fd00::1", 1, NULL},
    {"ip", "10.0.0.256", 0, NULL},
    {"cidr", "10.0.0.0/24", 1, NULL},
    {"cidr", "fd00::/64", 1, NULL},
    {"cidr", "10.0.0.0/33", 0, NULL},
    {"cidr", "10.0.0.0", 0, NULL},
    {"image", "busybox", 1, "busybox"},
    {"image", "busybox:1.36", 1, "busybox"},
    {"image", "demo/web", 1, "demo/web"},
    {"image", "localhost:5000/demo/web:v2", 1, "localhost:5000/demo/web"},
    {"image", "registry.example.com/a_b/c-d.e", 1, "registry.example.com/a_b/c-d.e"},
    {"image",
     "busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 1,
     "busybox"},
    {"image", "Busybox", 0, NULL},
    {"image", "demo/", 0, NULL},
    {"image", "demo//web", 0, NULL},
    {"image", "web:", 0, NULL},
    {"image", "-web", 0, NULL},
    {"user", "host", 0, NULL}, /* host is handled by the key, not the checker */
    {"user", "1000:1000", 1, NULL},
    {"user", "www-data", 1, NULL},
    {"user", "a b", 0, NULL},
    {"restart", "on-failure:3", 1, NULL},
    {"restart", "unless-stopped", 1, NULL},
    {"restart", "sometimes", 0, NULL},
    {"restart", "on-failure:x", 0, NULL},
    {"hostname", "web-1.local", 1, NULL},
    {"hostname", "-web", 0, NULL},
    {"hostname", "a..b", 0, NULL},
    {"url", "unix:///var/run/docker.sock", 1, NULL},
    {"url", "tcp://127.0.0.1:2376", 1, NULL},
    {"url", "https://engine.example.com:2376", 1, NULL},
    {"url", "unix://relative.sock", 0, NULL},
    {"url", "ftp://x", 0, NULL},
    {"env", "A_B=1", 1, NULL},
    {"env", "A=", 1, NULL},
    {"env", "1A=x", 0, NULL},
    {"env", "NOVALUE", 0, NULL},
    {"kv", "org.example.x=1 2", 1, NULL},
    {"kv", "a b=1", 0, NULL},
    {"name", "my_net.1-x", 1, NULL},
    {"name", "_x", 0, NULL},
    {"part", "web_2", 1, NULL},
    {"part", "Web", 0, NULL},
    {"part", "web-2", 0, NULL},
    {"argv", "sh -c \"echo 'hi there'\"", 1, "sh|-c|echo 'hi there'"},
    {"argv", "a\\ b 'c d' \"e\\\"f\"", 1, "a b|c d|e\"f"},
    {"argv", "[\"a b\", \"c\"]", 1, "a b|c"},
    {"argv", "echo 'unterminated", 0, NULL},
    {"argv", "[1, 2]", 0, NULL},
    {"argv", "[\"a\"", 0, NULL},
    {"nearest", "imgae", 1, "image"},
    {"nearest", "contaner", 1, "container"},
    {"nearest", "xyz", 0, NULL},
    {"repo", "localhost:5000/web:1", 1, "localhost:5000/web"},
};

static const char *const key_names[] = {"image", "instances", "container", "command", "volumes"};

/* Returns NULL when valid; *norm gets a comparable form. */
static const char *check(struct arena *a, const struct vcase *c, char **norm)
{
    const char *why = NULL;
    *norm = NULL;
    int fam;
    long long n;
    bool b;
    if (streq(c->type, "bool")) {
        why = parse_bool(c->in, &b);
        *norm = arena_strdup(a, b ? "true" : "false");
    } else if (streq(c->type, "int")) {
        why = parse_int(c->in, 0, 1000, &n);
        *norm = arena_printf(a, "%lld", n);
    } else if (streq(c->type, "duration")) {
        why = parse_duration(c->in, &n);
        *norm = arena_printf(a, "%lld", n);
    } else if (streq(c->type, "size")) {
        why = parse_size(c->in, &n);
        *norm = arena_printf(a, "%lld", n);
    } else if (streq(c->type, "cpus")) {
        why = parse_cpus(c->in, &n);
        *norm = arena_printf(a, "%lld", n);
    } else if (streq(c->type, "memory")) {
        why = parse_memory(c->in, &n);
        *norm = arena_printf(a, "%lld", n);
    } else if (streq(c->type, "port")) {
        struct port p;
        why = parse_port(a, c->in, &p);
        *norm = arena_printf(a, "%s:%d:%d/%s", p.host_ip ? p.host_ip : "-", p.host_port,
                             p.container_port, p.proto);
    } else if (streq(c->type, "expose")) {
        why = check_expose(c->in);
    } else if (streq(c->type, "ip")) {
        why = check_ip(c->in, &fam);
    } else if (streq(c->type, "cidr")) {
        why = check_cidr(c->in, &fam);
    } else if (streq(c->type, "image")) {
        why = check_image_ref(c->in);
        *norm = image_repo(a, c->in);
    } else if (streq(c->type, "user")) {
        why = streq(c->in, "host") ? "host" : check_user(c->in);
    } else if (streq(c->type, "restart")) {
        why = check_restart(c->in);
    } else if (streq(c->type, "hostname")) {
        why = check_hostname(c->in);
    } else if (streq(c->type, "url")) {
        why = check_engine_url(c->in);
    } else if (streq(c->type, "env")) {
        why = check_env_item(c->in);
    } else if (streq(c->type, "kv")) {
        why = check_kv_item(c->in);
    } else if (streq(c->type, "name")) {
        why = check_object_name(c->in);
    } else if (streq(c->type, "part")) {
        why = valid_part_name(c->in) ? NULL : "invalid";
    } else if (streq(c->type, "argv")) {
        struct strv sv;
        why = split_argv(a, c->in, &sv);
        char *j = arena_strdup(a, "");
        for (size_t i = 0; !why && i < sv.n; i++)
            j = arena_printf(a, "%s%s%s", j, i ? "|" : "", sv.v[i]);
        *norm = j;
    } else if (streq(c->type, "nearest")) {
        const char *near = nearest_word(c->in, key_names, ARRAY_SIZE(key_names));
        why = near ? NULL : "none";
        *norm = (char *)near;
    } else if (streq(c->type, "repo")) {
        *norm = image_repo(a, c->in);
    }
    return why;
}

int main(void)
{
    struct arena *a = arena_new();
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const struct vcase *c = &cases[i];
        char *norm, desc[200];
        const char *why = check(a, c, &norm);
        snprintf(desc, sizeof desc, "%s '%s' is %s", c->type, c->in,
                 c->valid ? "accepted" : "rejected");
        if (!ok((why == NULL) == (c->valid != 0), desc))
            printf("#   why: %s\n", why ? why : "(accepted)");
        if (c->valid && c->want) {
            snprintf(desc, sizeof desc, "%s '%s' reads as '%s'", c->type, c->in, c->want);
            is_str(norm, c->want, desc);
        }
        /* a rejection says what is accepted */
        if (!c->valid && why && strlen(why) > 12)
            ok(strstr(why, "(") != NULL, "the rejection says what is accepted");
    }
    ok(edit_distance("imgae", "image") == 1, "a swap of two letters costs one");
    ok(edit_distance("", "abc") == 3, "distance to the empty word is the length");
    ok(ipv4_in_cidr("10.42.0.1", "10.42.0.0/24"), "an address inside its subnet");
    ok(!ipv4_in_cidr("10.43.0.1", "10.42.0.0/24"), "an address outside the subnet");
    ok(ipv4_in_cidr("10.42.0.128/25", "10.42.0.0/24"), "a range inside its subnet");
    ok(image_has_tag("a/b:1") && !image_has_tag("localhost:5000/b"), "tags vs registry ports");
    /* One spelling for one image: what matches a part to the image it makes. */
    static const char *const same[][2] = {
        {"demo/web", "docker.io/demo/web:latest"},
        {"demo/web:latest", "docker.io/demo/web:latest"},
        {"docker.io/demo/web", "docker.io/demo/web:latest"},
        {"index.docker.io/demo/web:1", "docker.io/demo/web:1"},
        {"busybox", "docker.io/library/busybox:latest"},
        {"docker.io/busybox:1.36", "docker.io/library/busybox:1.36"},
        {"localhost:5000/web", "localhost:5000/web:latest"},
        {"localhost/web:2", "localhost/web:2"},
        {"reg.example/a/b", "reg.example/a/b:latest"},
        {"demo/web@sha256:0123456789abcdef0123456789abcdef",
         "docker.io/demo/web@sha256:0123456789abcdef0123456789abcdef"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(same); i++) {
        char buf[IMAGE_REF_NORMAL_MAX], desc[200];
        snprintf(desc, sizeof desc, "image '%s' is '%s'", same[i][0], same[i][1]);
        is_str(image_ref_normal(same[i][0], buf), same[i][1], desc);
    }
    {
        char b1[IMAGE_REF_NORMAL_MAX], b2[IMAGE_REF_NORMAL_MAX];
        ok(!streq(image_ref_normal("demo/web:1", b1), image_ref_normal("demo/web:2", b2)),
           "demo/web:1 and demo/web:2 are two images");
        ok(!streq(image_ref_normal("demo/web", b1), image_ref_normal("other/web", b2)),
           "two repositories are two images");
    }
    /* Env files, line by line, as docker's --env-file reads them. */
    {
        static char *const env[] = {"HOSTV=from-berth", "EMPTY=", NULL};
        static const struct {
            const char *line, *item; /* item NULL: adds nothing */
            bool bad;
        } el[] = {
            {"A=1", "A=1", false},
            {"  A= x y ", "A= x y ", false},
            {"Q=\"quoted\"", "Q=\"quoted\"", false},
            {"EQ=a=b", "EQ=a=b", false},
            {"E=", "E=", false},
            {"", NULL, false},
            {"   ", NULL, false},
            {"# A=1", NULL, false},
            {"  # A=1", NULL, false},
            {"HOSTV", "HOSTV=from-berth", false},
            {"EMPTY", "EMPTY=", false},
            {"UNSET_HERE", NULL, false},
            {"=x", NULL, true},
            {"A B=1", NULL, true},
            {"HOSTV ", NULL, true},
        };
        for (size_t i = 0; i < ARRAY_SIZE(el); i++) {
            const char *item = "?", *why = env_file_line(a, el[i].line, env, &item);
            char desc[200];
            snprintf(desc, sizeof desc, "env file line '%s' is %s", el[i].line,
                     el[i].bad ? "refused" : el[i].item ? el[i].item : "nothing");
            if (el[i].bad)
                ok(why != NULL && item == NULL, desc);
            else if (ok(why == NULL, desc))
                is_str(item, el[i].item, desc);
        }
    }
    is_str(fix_part_name(a, "My-App"), "my_app", "a suggested part name");
    struct strv w;
    split_words(a, "  one\n two\tthree  ", &w);
    ok(w.n == 3 && streq(w.v[2], "three") && w.v[3] == NULL, "words split on any whitespace");
    split_lines(a, "a b\n\n  c  \n", &w);
    ok(w.n == 2 && streq(w.v[0], "a b") && streq(w.v[1], "c"), "lines are trimmed, blanks dropped");
    arena_free(a);
    return tap_done();
}
