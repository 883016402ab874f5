#include "engine/engine.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/stat.h>

#include "engine/apicache.h"
#include "engine/context.h"
#include "engine/stream.h"
#include "base/jsondecode.h"
#include "base/util.h"

struct engine {
    http_client *http;
    char *display;
    char *context, *context_origin;
    char *api_max;    /* an engine part's api-version, or NULL */
    char *api;        /* negotiated, e.g. "1.41" */
    char *server_api; /* the engine's maximum */
    char *podman_api;
    long timeout_ms;      /* default per-request deadline */
    long contact_ms;      /* the first contact's, when set (engine_env) */
    atomic_bool answered; /* some request got an HTTP answer */
    pthread_mutex_t lock; /* guards negotiation */
};

/* ---- address parsing ---- */

static int bad_address(const struct engine_env *env, const char *why, berr **err)
{
    return berr_set(err, BERR_UNREACHABLE,
                    "%s '%s' is not a usable engine address: %s; use "
                    "unix:///path/to/docker.sock or tcp://host:port",
                    env->origin, env->host, why);
}

static const char *flag_context;

void engine_set_flag_context(const char *name) { flag_context = name; }

void engine_env_clear(struct engine_env *env)
{
    for (size_t i = 0; i < ARRAY_SIZE(env->owned); i++)
        free(env->owned[i]);
    memset(env, 0, sizeof *env);
}

/* The endpoint of a docker context: its host, and TLS when it keeps TLS
 * material or says to skip verifying (the CLI's own rule). */
static int env_from_context(struct engine_env *env, const char *cfgdir, const char *name,
                            const char *named_by, berr **err)
{
    memset(env, 0, sizeof *env);
    env->home = getenv("HOME");
    struct engine_context c;
    if (engine_context_load(cfgdir, name, &c, err) < 0)
        return berr_wrap(err, "%s", named_by);
    env->owned[0] = c.host;
    env->owned[1] = c.tls_dir;
    env->owned[2] = xasprintf("docker context '%s' (from %s)", name, named_by);
    env->owned[3] = c.name;
    env->host = c.host;
    env->cert_path = c.tls_dir;
    env->tls = c.tls_dir || c.skip_tls_verify;
    env->tls_verify = env->tls && !c.skip_tls_verify;
    env->origin = env->owned[2];
    env->context = c.name;
    env->context_origin = env->owned[4] = xstrdup(named_by);
    free(c.meta_path);
    return 0;
}

int engine_env_from_context(struct engine_env *env, const char *name, const char *named_by,
                            berr **err)
{
    cleanup_free char *cfgdir = engine_context_config_dir();
    return env_from_context(env, cfgdir, name, named_by, err);
}

int engine_env_from_process(struct engine_env *env, const char *flag_address, berr **err)
{
    memset(env, 0, sizeof *env);
    env->home = getenv("HOME");
    if (flag_address && flag_context)
        return berr_set(err, BERR_USAGE,
                        "--engine and --context both name the engine: give one of them");
    if (!flag_address) {
        cleanup_free char *cfgdir = engine_context_config_dir();
        cleanup_free char *name = NULL, *origin = NULL;
        if (engine_context_choose(cfgdir, flag_context, &name, &origin, err) < 0)
            return -1;
        if (name)
            return env_from_context(env, cfgdir, name, origin, err);
    }
    const char *dh = getenv("DOCKER_HOST");
    if (flag_address) {
        env->host = flag_address;
        env->origin = "--engine";
    } else if (dh && *dh) {
        env->host = dh;
        env->origin = "DOCKER_HOST";
    } else {
        env->origin = "the default address";
    }
    const char *v = getenv("DOCKER_TLS_VERIFY");
    const char *t = getenv("DOCKER_TLS");
    env->tls_verify = v && *v;
    env->tls = env->tls_verify || (t && *t);
    const char *cp = getenv("DOCKER_CERT_PATH");
    env->cert_path = cp && *cp ? cp : NULL;
    return 0;
}

int engine_parse_address(const struct engine_env *env_in, struct http_endpoint *ep, char **display,
                         berr **err)
{
    struct engine_env env = *env_in;
    if (!env.host)
        env.host = ENGINE_DEFAULT_ADDRESS;
    memset(ep, 0, sizeof *ep);
    const char *a = env.host;
    if (starts_with(a, "unix://")) {
        const char *path = a + strlen("unix://");
        if (path[0] != '/')
            return bad_address(&env, "a unix socket path must be absolute", err);
        if (strlen(path) >= 108)
            return bad_address(&env, "a unix socket path must be shorter than 108 bytes", err);
        ep->unix_socket = true;
        ep->path = xstrdup(path);
    } else if (starts_with(a, "tcp://")) {
        const char *hp = a + strlen("tcp://");
        if (memchr(hp, '@', strcspn(hp, "/")))
            return bad_address(&env, "berth takes no user name or password in the address "
                               "(the engine authenticates clients by TLS certificates: "
                               "DOCKER_TLS_VERIFY, DOCKER_CERT_PATH)", err);
        size_t hostlen;
        const char *portp;
        if (hp[0] == '[') { /* [ipv6]:port */
            const char *close = strchr(hp, ']');
            if (!close)
                return bad_address(&env, "an IPv6 address needs its closing ']'", err);
            hp++;
            hostlen = (size_t)(close - hp);
            portp = close[1] == ':' ? close + 2 : (close[1] ? NULL : "");
            if (!portp)
                return bad_address(&env, "garbage after the IPv6 address", err);
        } else {
            hostlen = strcspn(hp, ":/"); /* a ':' after a '/' is not a port */
            portp = hp[hostlen] == ':' ? hp + hostlen + 1 : "";
            if (hp[hostlen] == ':' && !*portp)
                return bad_address(&env, "the port after ':' is missing", err);
        }
        if (hostlen == 0)
            return bad_address(&env, "it names no host", err);
        int port = env.tls ? 2376 : 2375;
        if (*portp) {
            char *end;
            long p = strtol(portp, &end, 10);
            if (portp[0] < '0' || portp[0] > '9' || (*end && *end != '/') || p < 1 || p > 65535)
                return bad_address(&env, "the port must be a number from 1 to 65535", err);
            port = (int)p;
        }
        ep->host = xstrndup(hp, hostlen);
        ep->port = port;
        ep->tls = env.tls;
        ep->tls_verify = env.tls_verify;
        if (env.tls) {
            cleanup_free char *dir = env.cert_path ? xstrdup(env.cert_path)
                                                   : xasprintf("%s/.docker", env.home ? env.home : "");
            ep->ca = env.ca ? xstrdup(env.ca) : xasprintf("%s/ca.pem", dir);
            ep->cert = env.cert ? xstrdup(env.cert) : xasprintf("%s/cert.pem", dir);
            ep->key = env.key ? xstrdup(env.key) : xasprintf("%s/key.pem", dir);
        }
    } else if (strstr(a, "://")) {
        return bad_address(&env, "berth speaks to engines over unix:// and tcp:// only", err);
    } else {
        return bad_address(&env, "it has no unix:// or tcp:// scheme", err);
    }
    *display = xstrdup(a);
    return 0;
}

int engine_open(const char *flag_address, engine **out, berr **err)
{
    struct engine_env env;
    int rc = engine_env_from_process(&env, flag_address, err);
    if (rc == 0)
        rc = engine_open_env(&env, out, err);
    engine_env_clear(&env);
    return rc;
}

int engine_open_env(const struct engine_env *envp, engine **out, berr **err)
{
    const struct engine_env env = *envp;
    struct http_endpoint ep;
    char *display = NULL;
    if (engine_parse_address(&env, &ep, &display, err) < 0)
        return -1;
    if (ep.unix_socket) {
        /* Say precisely what is wrong with the path before curl says "could
         * not connect". */
        struct stat st;
        int rc = 0;
        if (stat(ep.path, &st) < 0)
            rc = berr_set(err, BERR_UNREACHABLE,
                          "no engine at %s (from %s): %s; start one with 'berth engine start' "
                          "or point DOCKER_HOST at a running engine",
                          display, env.origin, strerror(errno));
        else if (!S_ISSOCK(st.st_mode))
            rc = berr_set(err, BERR_UNREACHABLE,
                          "no engine at %s (from %s): that path is not a unix socket; "
                          "point DOCKER_HOST at the engine's socket",
                          display, env.origin);
        if (rc < 0) {
            http_endpoint_clear(&ep);
            free(display);
            return -1;
        }
    }
    engine *e = xcalloc(1, sizeof *e);
    e->http = http_client_new(&ep, display);
    e->display = display;
    e->context = env.context ? xstrdup(env.context) : NULL;
    e->context_origin = env.context ? xstrdup(env.context_origin) : NULL;
    e->api_max = env.api_max ? xstrdup(env.api_max) : NULL;
    e->contact_ms = env.contact_ms;
    pthread_mutex_init(&e->lock, NULL);
    e->timeout_ms = ENGINE_DEFAULT_TIMEOUT_MS;
    const char *t = getenv("BERTH_ENGINE_TIMEOUT");
    if (t && *t) {
        char *end;
        double secs = strtod(t, &end);
        if (*end || secs <= 0) {
            engine_free(e);
            return berr_set(err, BERR_USAGE,
                            "BERTH_ENGINE_TIMEOUT='%s' is not a positive number of seconds", t);
        }
        e->timeout_ms = (long)(secs * 1000);
    }
    http_endpoint_clear(&ep);
    *out = e;
    return 0;
}

void engine_free(engine *e)
{
    if (!e)
        return;
    http_client_free(e->http);
    free(e->display);
    free(e->context);
    free(e->context_origin);
    free(e->api_max);
    free(e->api);
    free(e->server_api);
    free(e->podman_api);
    pthread_mutex_destroy(&e->lock);
    free(e);
}

const char *engine_address(const engine *e) { return e->display; }
const char *engine_context(const engine *e) { return e->context; }
const char *engine_context_origin(const engine *e) { return e->context_origin; }
const struct http_endpoint *engine_endpoint(const engine *e) { return http_client_endpoint(e->http); }
const char *engine_api_version(const engine *e) { return e->api; }
const char *engine_server_api(const engine *e) { return e->server_api; }
const char *engine_podman_api(const engine *e) { return e->podman_api; }
bool engine_answered(const engine *e) { return atomic_load(&e->answered); }

/* ---- pure helpers ---- */

int api_version_cmp(const char *a, const char *b)
{
    for (;;) {
        char *ea, *eb;
        long x = strtol(a, &ea, 10), y = strtol(b, &eb, 10);
        if (x != y)
            return x < y ? -1 : 1;
        if (*ea != '.' && *eb != '.')
            return 0;
        a = *ea == '.' ? ea + 1 : ea;
        b = *eb == '.' ? eb + 1 : eb;
    }
}

/* The engine's words, made safe to print on one terminal line: escape
 * sequences (CSI, OSC and the rest) and other control characters go, line
 * breaks and tabs become spaces, bytes that are not UTF-8 become '?', and
 * past ENGINE_MESSAGE_MAX bytes the rest is counted, not shown. An engine
 * (or what pretends to be one) must not steer the terminal or flood it. */
char *engine_clean_text(const char *s, size_t len)
{
    strbuf sb = STRBUF_INIT;
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end && sb.len < ENGINE_MESSAGE_MAX) {
        unsigned char c = *p;
        if (c == 0x1b) { /* ESC: skip the whole sequence */
            p++;
            if (p < end && *p == '[') { /* CSI: parameters, then one final byte */
                for (p++; p < end && (*p < 0x40 || *p > 0x7e); p++)
                    ;
                p += p < end;
            } else if (p < end && *p == ']') { /* OSC: up to BEL or ESC \ */
                for (p++; p < end && *p != 0x07 && *p != 0x1b; p++)
                    ;
                p += p < end && *p == 0x07;
                p += (p + 1 < end && p[0] == 0x1b && p[1] == '\\') ? 2 : 0;
            } else {
                p += p < end;
            }
            continue;
        }
        if (c == '\n' || c == '\r' || c == '\t') {
            if (sb.len && sb.buf[sb.len - 1] != ' ')
                sb_addc(&sb, ' ');
            p++;
            continue;
        }
        if (c < 0x20 || c == 0x7f) {
            p++;
            continue;
        }
        if (c < 0x80) {
            sb_addc(&sb, (char)c);
            p++;
            continue;
        }
        /* UTF-8: a whole well-formed sequence, and not a C1 control (U+0080..U+009F) */
        size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
        bool good = n && p + n <= end;
        for (size_t k = 1; good && k < n; k++)
            good = (p[k] & 0xc0) == 0x80;
        if (good && c == 0xc2 && p[1] < 0xa0) {
            p += 2; /* a C1 control, such as the one-byte CSI */
            continue;
        }
        if (good) {
            sb_add(&sb, (const char *)p, n);
            p += n;
        } else {
            sb_addc(&sb, '?');
            p++;
        }
    }
    while (sb.len && sb.buf[sb.len - 1] == ' ')
        sb.len--;
    sb.buf[sb.len] = '\0';
    if (p < end)
        sb_addf(&sb, " ... (%zu more bytes not shown)", (size_t)(end - p));
    return sb_detach(&sb, NULL);
}

static const char *status_meaning(long status)
{
    switch (status) {
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 406: return "Not Acceptable";
    case 409: return "Conflict";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return status >= 500 ? "a server error" : status >= 400 ? "a request error"
                                                                        : "not a success";
    }
}

int engine_error_from_answer(long status, const char *body, size_t len, berr **err)
{
    json_error_t jerr;
    json_t *j = len ? json_loadb(body, len, 0, &jerr) : NULL;
    json_t *m = j ? json_object_get(j, "message") : NULL;
    const char *msg = json_string_value(m);
    /* One error, one line: the engine's own message may span several; when
     * it is not the engine's JSON error shape, the raw body is shown. */
    cleanup_free char *text = msg ? engine_clean_text(msg, json_string_length(m))
                                  : engine_clean_text(body ? body : "", len > 200 ? 200 : len);
    int code = status == 404 ? BERR_NOTFOUND : BERR_ENGINE;
    if (*text)
        berr_set(err, code, "engine said (HTTP %ld): %s", status, text);
    else
        berr_set(err, code, "the engine answered HTTP %ld (%s) with an empty body", status,
                 status_meaning(status));
    if (err && *err)
        (*err)->http_status = (int)status;
    json_decref(j);
    return -1;
}

int engine_error_from_message(json_t *msg, berr **err)
{
    json_t *detail = json_object_get(msg, "errorDetail");
    const char *text = json_string_value(json_object_get(detail, "message"));
    if (!text)
        text = json_string_value(json_object_get(msg, "error"));
    if (!text && !detail && !json_object_get(msg, "error"))
        return 0;
    cleanup_free char *clean = text ? engine_clean_text(text, strlen(text)) : NULL;
    return berr_set(err, BERR_ENGINE, "engine said: %s",
                    clean && *clean ? clean : "an error, with no message");
}

void query_add(strbuf *path, const char *key, const char *value)
{
    static const char hex[] = "0123456789ABCDEF";
    sb_addc(path, strchr(path->buf, '?') ? '&' : '?');
    sb_adds(path, key);
    sb_addc(path, '=');
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p)) {
            sb_addc(path, (char)*p);
        } else {
            sb_addc(path, '%');
            sb_addc(path, hex[*p >> 4]);
            sb_addc(path, hex[*p & 15]);
        }
    }
}

void query_add_label_filters(strbuf *path, const char *const *labels)
{
    json_t *arr = json_array();
    for (; *labels; labels++)
        json_array_append_new(arr, json_string(*labels));
    json_t *f = json_pack("{s:o}", "label", arr);
    char *s = json_dumps(f, JSON_COMPACT);
    query_add(path, "filters", s);
    free(s);
    json_decref(f);
}

/* ---- requests ---- */

/* The version berth speaks to an engine that speaks up to server_api. */
static void take_versions(engine *e, const char *server_api, const char *podman_api)
{
    e->server_api = xstrdup(server_api);
    const char *cap = ENGINE_API_MAX;
    if (e->api_max && api_version_cmp(e->api_max, cap) < 0)
        cap = e->api_max;
    e->api = xstrdup(api_version_cmp(server_api, cap) > 0 ? cap : server_api);
    e->podman_api = podman_api ? xstrdup(podman_api) : NULL;
}

static int negotiate(engine *e, bool cached, berr **err)
{
    const struct http_endpoint *ep = http_client_endpoint(e->http);
    cleanup_free char *known = NULL, *known_podman = NULL;
    pthread_mutex_lock(&e->lock);
    int rc = 0;
    if (e->api && cached)
        goto out;
    bool had = e->api != NULL; /* a liveness check of an engine already negotiated */
    /* The engine on this very socket answered before: no /_ping round trip
     * (a short command's wait is mostly its round trips). */
    if (cached && ep->unix_socket && apicache_get(ep->path, &known, &known_podman) == 0 &&
        api_version_cmp(known, ENGINE_API_MIN) >= 0) {
        take_versions(e, known, known_podman);
        goto out;
    }
    struct http_resp resp = {0};
    sb_init(&resp.body);
    struct http_req req = {.method = "GET", .path = "/_ping", .max_body = 4096,
                           .timeout_ms = e->contact_ms > 0 ? e->contact_ms
                                         : e->timeout_ms < ENGINE_CONTACT_MS ? e->timeout_ms
                                                                              : ENGINE_CONTACT_MS};
    rc = http_do(e->http, &req, &resp, err);
    if (rc == 0)
        atomic_store(&e->answered, true);
    if (rc == 0 && resp.status != 200)
        rc = engine_error_from_answer(resp.status, resp.body.buf, resp.body.len, err);
    if (rc == 0 && !resp.api_version)
        rc = berr_set(err, BERR_ENGINE,
                      "%s answered /_ping without an Api-Version header: is it a Docker engine?",
                      e->display);
    if (rc == 0 && api_version_cmp(resp.api_version, ENGINE_API_MIN) < 0)
        rc = berr_set(err, BERR_ENGINE, "the engine at %s speaks API %s; berth needs %s or newer",
                      e->display, resp.api_version, ENGINE_API_MIN);
    if (rc == 0) {
        if (!had) /* other threads may be reading e->api */
            take_versions(e, resp.api_version, resp.podman_api);
        if (ep->unix_socket)
            apicache_put(ep->path, resp.api_version, resp.podman_api);
    }
    http_resp_clear(&resp);
    sb_release(&resp.body);
out:
    pthread_mutex_unlock(&e->lock);
    return rc;
}

int engine_connect(engine *e, berr **err)
{
    return negotiate(e, true, err);
}

int engine_ping(engine *e, berr **err)
{
    return negotiate(e, false, err);
}

struct lines_ctx {
    struct line_splitter ls;
    engine_msg_cb *cb;
    void *ud;
};

static int on_line(void *ud, const char *line, size_t len, berr **err)
{
    struct lines_ctx *lc = ud;
    json_error_t jerr;
    json_t *msg = json_loadb(line, len, 0, &jerr);
    if (!msg) {
        cleanup_free char *text = engine_clean_text(line, len > 120 ? 120 : len);
        return berr_set(err, BERR_ENGINE, "the engine sent a message that is not JSON: %s", text);
    }
    int rc = engine_error_from_message(msg, err);
    if (rc == 0 && lc->cb)
        rc = lc->cb(lc->ud, msg, err);
    json_decref(msg);
    return rc;
}

static int on_lines_data(void *ud, const char *data, size_t len, berr **err)
{
    struct lines_ctx *lc = ud;
    return line_splitter_feed(&lc->ls, data, len, on_line, lc, err);
}

int engine_call(engine *e, const struct engine_req *r, json_t **out, long *status, berr **err)
{
    if (out)
        *out = NULL;
    if (engine_connect(e, err) < 0)
        return -1;
    cleanup_free char *path = xasprintf("/v%s%s", e->api, r->path);
    cleanup_free char *json_body = r->json ? json_dumps(r->json, JSON_COMPACT) : NULL;
    struct lines_ctx lc = {.cb = r->on_msg, .ud = r->ud};
    line_splitter_init(&lc.ls, 0);
    struct http_req req = {
        .method = r->method,
        .path = path,
        .content_type = json_body ? "application/json" : r->content_type,
        .body = json_body ? json_body : r->body,
        .body_len = json_body ? strlen(json_body) : r->body_len,
        .read = r->read,
        .read_ud = r->read_ud,
        .timeout_ms = r->timeout_ms == 0 ? e->timeout_ms
                                         : (r->timeout_ms < 0 ? 0 : r->timeout_ms),
        .idle_timeout_ms = r->idle_timeout_ms,
        .max_body = r->max_body,
        .on_data = r->on_msg ? on_lines_data : r->on_data,
        .data_ud = r->on_msg ? (void *)&lc : r->ud,
        .want_header = r->want_header,
        .headers = r->headers,
        .wake_fd = r->wake_fd,
    };
    struct http_resp resp = {0};
    sb_init(&resp.body);
    int rc = http_do(e->http, &req, &resp, err);
    if (rc == 0)
        atomic_store(&e->answered, true);
    if (rc == 0 && r->on_msg && resp.status >= 200 && resp.status < 300)
        rc = line_splitter_finish(&lc.ls, on_line, &lc, err);
    if (rc == 0 && status)
        *status = resp.status;
    if (r->header_out) {
        *r->header_out = resp.header;
        resp.header = NULL;
    }
    if (rc == 0 && (resp.status < 200 || resp.status > 299))
        rc = engine_error_from_answer(resp.status, resp.body.buf, resp.body.len, err);
    if (rc == 0 && out && resp.body.len) {
        json_error_t jerr;
        *out = json_decode(resp.body.buf, resp.body.len, 0, &jerr);
        if (!*out)
            rc = berr_set(err, BERR_ENGINE, "%s %s: the engine's answer is not JSON: %s",
                          r->method, r->path, jerr.text);
    }
    line_splitter_release(&lc.ls);
    http_resp_clear(&resp);
    sb_release(&resp.body);
    return rc;
}

int engine_get(engine *e, const char *path, json_t **out, berr **err)
{
    struct engine_req r = {.method = "GET", .path = path};
    return engine_call(e, &r, out, NULL, err);
}

int engine_post(engine *e, const char *path, json_t *body, json_t **out, berr **err)
{
    struct engine_req r = {.method = "POST", .path = path, .json = body};
    return engine_call(e, &r, out, NULL, err);
}
