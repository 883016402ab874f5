/* Credentials as the docker CLI reads and writes them (see creds.h). */
#include "registry/creds.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "registry/helper.h"

void reg_cred_clear(struct reg_cred *c)
{
    /* Secrets are wiped before their memory goes back. */
    if (c->password)
        explicit_bzero(c->password, strlen(c->password));
    if (c->identitytoken)
        explicit_bzero(c->identitytoken, strlen(c->identitytoken));
    free(c->username);
    free(c->password);
    free(c->identitytoken);
    free(c->server);
    memset(c, 0, sizeof *c);
}

/* ---- names ---- */

char *reg_host_of(const char *ref)
{
    /* As the docker CLI: the first component is a registry when it has a
     * '.' or ':' or is "localhost"; otherwise the image is docker.io's. */
    const char *slash = strchr(ref, '/');
    if (!slash)
        return xstrdup("docker.io");
    size_t n = (size_t)(slash - ref);
    if (memchr(ref, '.', n) || memchr(ref, ':', n) || (n == 9 && !strncmp(ref, "localhost", 9)))
        return xstrndup(ref, n);
    return xstrdup("docker.io");
}

char *reg_normalize(const char *registry)
{
    const char *s = registry;
    if (starts_with(s, "https://"))
        s += 8;
    else if (starts_with(s, "http://"))
        s += 7;
    char *h = xstrndup(s, strcspn(s, "/"));
    if (streq(h, "index.docker.io") || streq(h, "registry-1.docker.io")) {
        free(h);
        h = xstrdup("docker.io");
    }
    return h;
}

/* How config.json and helpers name host. */
static const char *server_key(const char *host)
{
    return streq(host, "docker.io") ? REG_DOCKER_HUB_KEY : host;
}

/* ---- base64 ---- */

static const char b64std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *reg_base64(const void *data, size_t len, bool url)
{
    const unsigned char *p = data;
    const char *tab = url ? b64url : b64std;
    char *out = xmalloc(4 * ((len + 2) / 3) + 1), *o = out;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < len ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < len ? p[i + 2] : 0);
        *o++ = tab[v >> 18 & 63];
        *o++ = tab[v >> 12 & 63];
        *o++ = i + 1 < len ? tab[v >> 6 & 63] : '=';
        *o++ = i + 2 < len ? tab[v & 63] : '=';
    }
    *o = '\0';
    return out;
}

static int b64val(char c)
{
    const char *s = c ? strchr(b64std, c) : NULL;
    if (s)
        return (int)(s - b64std);
    return c == '-' ? 62 : c == '_' ? 63 : -1;
}

char *reg_base64_decode(const char *s, size_t *len)
{
    size_t n = strlen(s);
    char *out = xmalloc(n / 4 * 3 + 4);
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=')
            break;
        int v = b64val(s[i]);
        if (v < 0) {
            free(out);
            return NULL;
        }
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)(acc >> bits & 0xff);
        }
    }
    out[o] = '\0';
    if (len)
        *len = o;
    return out;
}

/* ---- config.json ---- */

int reg_config_load(struct reg_config *cfg, berr **err)
{
    memset(cfg, 0, sizeof *cfg);
    const char *dc = getenv("DOCKER_CONFIG"), *home = getenv("HOME");
    if (dc && *dc)
        cfg->dir = xstrdup(dc);
    else if (home && *home)
        cfg->dir = xasprintf("%s/.docker", home);
    else
        return berr_set(err, BERR_FAILURE,
                        "neither DOCKER_CONFIG nor HOME is set: no place for config.json");
    cfg->path = xasprintf("%s/config.json", cfg->dir);
    json_error_t je;
    cfg->root = json_load_file(cfg->path, 0, &je);
    if (!cfg->root) {
        if (access(cfg->path, F_OK) < 0 && errno == ENOENT) {
            cfg->root = json_object();
            return 0;
        }
        return berr_set(err, BERR_FAILURE, "%s:%d: %s", cfg->path, je.line, je.text);
    }
    if (!json_is_object(cfg->root))
        return berr_set(err, BERR_FAILURE, "%s: not a JSON object", cfg->path);
    return 0;
}

void reg_config_clear(struct reg_config *cfg)
{
    free(cfg->dir);
    free(cfg->path);
    json_decref(cfg->root);
    memset(cfg, 0, sizeof *cfg);
}

int reg_config_save(struct reg_config *cfg, berr **err)
{
    if (mkdir(cfg->dir, 0700) < 0 && errno != EEXIST)
        return berr_errno(err, BERR_FAILURE, errno, "cannot make %s", cfg->dir);
    cleanup_free char *tmp = xasprintf("%s.berth-%d", cfg->path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return berr_errno(err, BERR_FAILURE, errno, "cannot write %s", tmp);
    char *text = json_dumps(cfg->root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    size_t n = strlen(text);
    bool ok = write(fd, text, n) == (ssize_t)n && write(fd, "\n", 1) == 1;
    explicit_bzero(text, n);
    free(text);
    ok = fsync(fd) == 0 && ok;
    close(fd);
    if (!ok || rename(tmp, cfg->path) < 0) {
        int e = errno;
        unlink(tmp);
        return berr_errno(err, BERR_FAILURE, e, "cannot write %s", cfg->path);
    }
    return 0;
}

const char *reg_helper_for(const struct reg_config *cfg, const char *host)
{
    const char *h = json_string_value(
        json_object_get(json_object_get(cfg->root, "credHelpers"), server_key(host)));
    if (!h)
        h = json_string_value(json_object_get(json_object_get(cfg->root, "credHelpers"), host));
    if (!h)
        h = json_string_value(json_object_get(cfg->root, "credsStore"));
    return h && *h ? h : NULL;
}

/* The auths entry for host: its key may be spelt "host", "https://host",
 * "http://host/v1/"... (the docker CLI writes several forms over time). */
static const char *auths_key(const struct reg_config *cfg, const char *host)
{
    json_t *auths = json_object_get(cfg->root, "auths");
    const char *k;
    json_t *v;
    json_object_foreach(auths, k, v) {
        cleanup_free char *h = reg_normalize(k);
        if (streq(h, host))
            return k;
    }
    return NULL;
}

static int helper_get(const char *helper, const char *host, struct reg_cred *out, bool *found,
                      berr **err)
{
    cleanup_free char *answer = NULL;
    int status;
    if (reg_helper_run(helper, "get", server_key(host), &answer, &status, err) < 0)
        return -1;
    if (status != 0) {
        /* Not found is no error: the registry may need no login. */
        bool notfound = strstr(answer, "credentials not found") != NULL;
        int rc = 0;
        if (!notfound)
            rc = berr_set(err, BERR_FAILURE,
                          "credential helper docker-credential-%s get %s failed (exit %d): %.200s",
                          helper, server_key(host), status, answer);
        return rc;
    }
    json_t *j = json_loads(answer, 0, NULL);
    explicit_bzero(answer, strlen(answer));
    const char *user = json_string_value(json_object_get(j, "Username"));
    const char *secret = json_string_value(json_object_get(j, "Secret"));
    if (!j || !secret) {
        json_decref(j);
        return berr_set(err, BERR_FAILURE,
                        "credential helper docker-credential-%s get %s: its answer is not "
                        "{\"Username\", \"Secret\"} JSON",
                        helper, server_key(host));
    }
    out->server = xstrdup(host);
    if (user && streq(user, "<token>")) {
        out->identitytoken = xstrdup(secret);
    } else {
        out->username = xstrdup(user ? user : "");
        out->password = xstrdup(secret);
    }
    *found = true;
    json_decref(j); /* jansson's copy of the secret goes with it */
    return 0;
}

int reg_cred_get(const struct reg_config *cfg, const char *host, struct reg_cred *out,
                 bool *found, berr **err)
{
    memset(out, 0, sizeof *out);
    *found = false;
    const char *helper = reg_helper_for(cfg, host);
    if (helper)
        return helper_get(helper, host, out, found, err);
    const char *k = auths_key(cfg, host);
    if (!k)
        return 0;
    json_t *e = json_object_get(json_object_get(cfg->root, "auths"), k);
    const char *auth = json_string_value(json_object_get(e, "auth"));
    const char *tok = json_string_value(json_object_get(e, "identitytoken"));
    out->server = xstrdup(host);
    if (auth && *auth) {
        char *plain = reg_base64_decode(auth, NULL);
        char *colon = plain ? strchr(plain, ':') : NULL;
        if (!colon) {
            free(plain);
            reg_cred_clear(out);
            return berr_set(err, BERR_FAILURE,
                            "%s: auths entry '%s' is not base64 of \"user:password\"", cfg->path,
                            k);
        }
        out->username = xstrndup(plain, (size_t)(colon - plain));
        out->password = xstrdup(colon + 1);
        explicit_bzero(plain, strlen(plain));
        free(plain);
    }
    if (tok && *tok)
        out->identitytoken = xstrdup(tok);
    *found = out->password || out->identitytoken;
    if (!*found)
        reg_cred_clear(out);
    return 0;
}

int reg_cred_store(struct reg_config *cfg, const char *host, const char *user,
                   const char *password, berr **err)
{
    const char *helper = reg_helper_for(cfg, host);
    json_t *auths = json_object_get(cfg->root, "auths");
    if (!json_is_object(auths)) {
        auths = json_object();
        json_object_set_new(cfg->root, "auths", auths);
    }
    const char *old = auths_key(cfg, host);
    if (old)
        json_object_del(auths, old);
    if (helper) {
        json_t *req = json_pack("{s:s, s:s, s:s}", "ServerURL", server_key(host), "Username", user,
                                "Secret", password);
        char *in = json_dumps(req, JSON_COMPACT);
        json_decref(req);
        cleanup_free char *answer = NULL;
        int status;
        int rc = reg_helper_run(helper, "store", in, &answer, &status, err);
        explicit_bzero(in, strlen(in));
        free(in);
        if (rc < 0)
            return -1;
        if (status != 0)
            return berr_set(err, BERR_FAILURE,
                            "credential helper docker-credential-%s store %s failed (exit %d): "
                            "%.200s",
                            helper, server_key(host), status, answer);
        /* As the CLI: an empty entry says a login exists, the helper has it. */
        json_object_set_new(auths, server_key(host), json_object());
    } else {
        cleanup_free char *up = xasprintf("%s:%s", user, password);
        char *b = reg_base64(up, strlen(up), false);
        explicit_bzero(up, strlen(up));
        json_object_set_new(auths, server_key(host), json_pack("{s:s}", "auth", b));
        explicit_bzero(b, strlen(b));
        free(b);
    }
    return reg_config_save(cfg, err);
}

int reg_cred_erase(struct reg_config *cfg, const char *host, bool *found, berr **err)
{
    *found = false;
    const char *helper = reg_helper_for(cfg, host);
    if (helper) {
        cleanup_free char *answer = NULL;
        int status;
        if (reg_helper_run(helper, "erase", server_key(host), &answer, &status, err) < 0)
            return -1;
        if (status == 0)
            *found = true;
        else if (!strstr(answer, "not found"))
            return berr_set(err, BERR_FAILURE,
                            "credential helper docker-credential-%s erase %s failed (exit %d): "
                            "%.200s",
                            helper, server_key(host), status, answer);
    }
    const char *k = auths_key(cfg, host);
    if (k) {
        json_object_del(json_object_get(cfg->root, "auths"), k);
        *found = true;
    }
    return *found ? reg_config_save(cfg, err) : 0;
}

/* ---- headers for the engine ---- */

static json_t *cred_json(const struct reg_cred *c)
{
    json_t *j = json_object();
    if (c && c->identitytoken)
        json_object_set_new(j, "identitytoken", json_string(c->identitytoken));
    if (c && c->password) {
        json_object_set_new(j, "username", json_string(c->username ? c->username : ""));
        json_object_set_new(j, "password", json_string(c->password));
    }
    if (c && c->server)
        json_object_set_new(j, "serveraddress", json_string(c->server));
    return j;
}

static char *encode_wiped(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    char *b = reg_base64(s, strlen(s), true);
    explicit_bzero(s, strlen(s));
    free(s);
    return b;
}

char *reg_auth_header(const struct reg_cred *c)
{
    json_t *j = cred_json(c);
    char *b = encode_wiped(j);
    json_decref(j);
    return b;
}

int reg_config_header(const struct reg_config *cfg, char **out, berr **err)
{
    *out = NULL;
    json_t *all = json_object();
    const char *k;
    json_t *v;
    /* Every registry a login exists for: auths keys and credHelpers keys. */
    json_t *sources[] = {json_object_get(cfg->root, "auths"),
                         json_object_get(cfg->root, "credHelpers")};
    for (size_t s = 0; s < 2; s++) {
        json_object_foreach(sources[s], k, v) {
            cleanup_free char *host = reg_normalize(k);
            if (json_object_get(all, server_key(host)))
                continue;
            struct reg_cred c;
            bool found;
            if (reg_cred_get(cfg, host, &c, &found, err) < 0) {
                json_decref(all);
                return -1;
            }
            if (found) {
                free(c.server);
                c.server = xstrdup(server_key(host));
                json_object_set_new(all, server_key(host), cred_json(&c));
            }
            reg_cred_clear(&c);
        }
    }
    *out = encode_wiped(all);
    json_decref(all);
    return 0;
}
