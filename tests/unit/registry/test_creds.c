/* Registry names, base64, config.json round trips and the X-Registry-Auth
 * encoding, without an engine or a registry. */
#include <stdlib.h>
#include <unistd.h>

#include "../tap.h"
#include "base/util.h"
#include "registry/creds.h"
#include "registry/pullpush.h"

static void names(void)
{
    char *h;
    h = reg_host_of("busybox");
    is_str(h, "docker.io", "a bare name is docker.io's");
    free(h);
    h = reg_host_of("library/busybox:1");
    is_str(h, "docker.io", "a path without a host too");
    free(h);
    h = reg_host_of("127.0.0.1:5000/a/b:1");
    is_str(h, "127.0.0.1:5000", "host:port");
    free(h);
    h = reg_host_of("localhost/x");
    is_str(h, "localhost", "localhost");
    free(h);
    h = reg_host_of("reg.example/x@sha256:00");
    is_str(h, "reg.example", "a dotted host");
    free(h);
    h = reg_normalize("https://index.docker.io/v1/");
    is_str(h, "docker.io", "the hub's key");
    free(h);
    h = reg_normalize("http://127.0.0.1:5000/v2/");
    is_str(h, "127.0.0.1:5000", "scheme and path go");
    free(h);
    char *repo, *tag;
    reg_split_ref("127.0.0.1:5000/a/b", &repo, &tag);
    is_str(repo, "127.0.0.1:5000/a/b", "a port is not a tag");
    is_str(tag, "latest", "no tag: latest");
    free(repo);
    free(tag);
    reg_split_ref("a/b:v1.2", &repo, &tag);
    is_str(tag, "v1.2", "tag");
    free(repo);
    free(tag);
    reg_split_ref("a/b@sha256:abc", &repo, &tag);
    is_str(repo, "a/b", "digest: repository");
    is_str(tag, "sha256:abc", "digest: as the tag");
    free(repo);
    free(tag);
}

static void base64(void)
{
    char *b;
    b = reg_base64("user:pass", 9, false);
    is_str(b, "dXNlcjpwYXNz", "standard");
    free(b);
    b = reg_base64("\xfb\xff", 2, true);
    is_str(b, "-_8=", "url-safe alphabet");
    free(b);
    b = reg_base64("", 0, false);
    is_str(b, "", "empty");
    free(b);
    size_t n;
    b = reg_base64_decode("dXNlcjpwYXNz", &n);
    is_str(b, "user:pass", "decodes");
    free(b);
    is_int(n, 9, "decoded length");
    ok(reg_base64_decode("no*base64", NULL) == NULL, "a bad character is refused");
}

static void config_round_trip(void)
{
    char dir[] = "/tmp/berth-creds.XXXXXX";
    ok(mkdtemp(dir) != NULL, "temp folder");
    setenv("DOCKER_CONFIG", dir, 1);
    struct reg_config cfg;
    berr *err = NULL;
    ok(reg_config_load(&cfg, &err) == 0, "a missing config.json is empty");
    ok(reg_cred_store(&cfg, "127.0.0.1:5000", "me", "pw:with:colons", &err) == 0, "store");
    reg_config_clear(&cfg);
    ok(reg_config_load(&cfg, &err) == 0, "reload");
    is_str(json_string_value(json_object_get(
               json_object_get(json_object_get(cfg.root, "auths"), "127.0.0.1:5000"), "auth")),
           "bWU6cHc6d2l0aDpjb2xvbnM=", "auths entry as the docker CLI writes it");
    struct reg_cred c;
    bool found;
    ok(reg_cred_get(&cfg, "127.0.0.1:5000", &c, &found, &err) == 0 && found, "found again");
    is_str(c.username, "me", "user");
    is_str(c.password, "pw:with:colons", "a password may hold ':'");
    char *h = reg_auth_header(&c);
    size_t n;
    char *j = reg_base64_decode(h, &n);
    ok(j != NULL, "the header is base64url");
    json_t *hj = json_loads(j, 0, NULL);
    is_str(json_string_value(json_object_get(hj, "password")), "pw:with:colons",
           "X-Registry-Auth carries the password as JSON");
    json_decref(hj);
    free(h);
    free(j);
    reg_cred_clear(&c);
    ok(reg_cred_get(&cfg, "other:1", &c, &found, &err) == 0 && !found, "other registry: none");
    ok(reg_cred_erase(&cfg, "127.0.0.1:5000", &found, &err) == 0 && found, "erase");
    ok(reg_cred_get(&cfg, "127.0.0.1:5000", &c, &found, &err) == 0 && !found, "gone");
    reg_config_clear(&cfg);
    h = reg_auth_header(NULL);
    j = reg_base64_decode(h, NULL);
    is_str(j, "{}", "no credentials: {}");
    free(h);
    free(j);
    cleanup_free char *path = xasprintf("%s/config.json", dir);
    unlink(path);
    rmdir(dir);
    berr_free(err);
}

int main(void)
{
    names();
    base64();
    config_round_trip();
    return tap_done();
}
