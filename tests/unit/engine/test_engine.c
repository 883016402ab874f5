/* Unit tests for the engine client's pure parts: address parsing, query
 * strings, API version comparison and the mapping of engine error answers. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "base/strbuf.h"
#include "../tap.h"
#include "base/util.h"

/* ---- address parsing ---- */

struct addr_case {
    const char *host;   /* NULL: the default address */
    const char *origin;
    bool tls, tls_verify;
    const char *cert_path;
    const char *home;
    /* expected */
    bool ok;
    bool unix_socket;
    const char *path;   /* unix */
    const char *ep_host; /* tcp */
    int port;
    const char *ca, *cert, *key; /* NULL: no TLS files */
    const char *display;
};

static char long_socket[160];

static void check_address_cases(void)
{
    /* "unix://" + "/" + 119 x's = a 120-byte socket path */
    memcpy(long_socket, "unix:///", 8);
    memset(long_socket + 8, 'x', 119);
    long_socket[8 + 119] = '\0';

    const struct addr_case cases[] = {
        {.host = "unix:///var/run/docker.sock", .origin = "DOCKER_HOST", .ok = true,
         .unix_socket = true, .path = "/var/run/docker.sock",
         .display = "unix:///var/run/docker.sock"},
        {.host = "unix:///tmp/e/docker.sock", .origin = "--engine", .ok = true,
         .unix_socket = true, .path = "/tmp/e/docker.sock", .display = "unix:///tmp/e/docker.sock"},
        {.host = NULL, .origin = "the default address", .ok = true, .unix_socket = true,
         .path = "/var/run/docker.sock", .display = ENGINE_DEFAULT_ADDRESS},
        {.host = "unix://relative/docker.sock", .origin = "DOCKER_HOST", .ok = false},
        {.host = "unix://", .origin = "DOCKER_HOST", .ok = false},
        {.host = long_socket, .origin = "DOCKER_HOST", .ok = false},
        {.host = "tcp://host:2375", .origin = "DOCKER_HOST", .ok = true, .ep_host = "host",
         .port = 2375, .display = "tcp://host:2375"},
        {.host = "tcp://host:12345", .origin = "--engine", .ok = true, .ep_host = "host",
         .port = 12345, .display = "tcp://host:12345"},
        {.host = "tcp://host", .origin = "DOCKER_HOST", .ok = true, .ep_host = "host",
         .port = 2375, .display = "tcp://host"},
        {.host = "tcp://host", .origin = "DOCKER_HOST", .tls = true, .home = "/home/u", .ok = true,
         .ep_host = "host", .port = 2376, .ca = "/home/u/.docker/ca.pem",
         .cert = "/home/u/.docker/cert.pem", .key = "/home/u/.docker/key.pem",
         .display = "tcp://host"},
        {.host = "tcp://10.0.0.1:2375/", .origin = "DOCKER_HOST", .ok = true,
         .ep_host = "10.0.0.1", .port = 2375, .display = "tcp://10.0.0.1:2375/"},
        {.host = "tcp://[::1]:2376", .origin = "DOCKER_HOST", .ok = true, .ep_host = "::1",
         .port = 2376, .display = "tcp://[::1]:2376"},
        {.host = "tcp://[::1]", .origin = "DOCKER_HOST", .ok = true, .ep_host = "::1",
         .port = 2375, .display = "tcp://[::1]"},
        {.host = "tcp://[::1", .origin = "DOCKER_HOST", .ok = false},
        {.host = "tcp://[::1]x", .origin = "DOCKER_HOST", .ok = false},
        {.host = "tcp://[]:2375", .origin = "DOCKER_HOST", .ok = false},
        {.host = "tcp://", .origin = "DOCKER_HOST", .ok = false},
        {.host = "tcp://:2375", .origin = "DOCKER_HOST", .ok = false},
        {.host = "tcp://h:0", .origin = "DOCKER_HOST", .ok = false},
        {.host = "tcp://h:70000", .origin = "DOCKER_HOST", .ok = false},
        {.host = "tcp://h:65536", .origin = "DOCKER_HOST", .ok = false},
        {.host = "tcp://h:65535", .origin = "DOCKER_HOST", .ok = true, .ep_host = "h",
         .port = 65535, .display = "tcp://h:65535"},
        {.host = "tcp://h:abc", .origin = "DOCKER_HOST", .ok = false},
        {.host = "tcp://h:12x", .origin = "DOCKER_HOST", .ok = false},
        {.host = "tcp://h:99999999999999999999999", .origin = "DOCKER_HOST", .ok = false},
        {.host = "foo://x", .origin = "DOCKER_HOST", .ok = false},
        {.host = "ssh://x", .origin = "--engine", .ok = false},
        {.host = "relative", .origin = "DOCKER_HOST", .ok = false},
        {.host = "", .origin = "--engine", .ok = false},
        /* TLS: verify with a cert path puts the three files under it */
        {.host = "tcp://h:2376", .origin = "DOCKER_HOST", .tls = true, .tls_verify = true,
         .cert_path = "/certs", .home = "/home/u", .ok = true, .ep_host = "h", .port = 2376,
         .ca = "/certs/ca.pem", .cert = "/certs/cert.pem", .key = "/certs/key.pem",
         .display = "tcp://h:2376"},
        /* TLS without a cert path: $HOME/.docker */
        {.host = "tcp://h:2376", .origin = "DOCKER_HOST", .tls = true, .tls_verify = true,
         .home = "/home/u", .ok = true, .ep_host = "h", .port = 2376,
         .ca = "/home/u/.docker/ca.pem", .cert = "/home/u/.docker/cert.pem",
         .key = "/home/u/.docker/key.pem", .display = "tcp://h:2376"},
        /* TLS on a unix socket means nothing: no files */
        {.host = "unix:///s.sock", .origin = "DOCKER_HOST", .tls = true, .home = "/home/u",
         .ok = true, .unix_socket = true, .path = "/s.sock", .display = "unix:///s.sock"},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const struct addr_case *c = &cases[i];
        struct engine_env env = {.host = c->host, .origin = c->origin, .tls = c->tls,
                                 .tls_verify = c->tls_verify, .cert_path = c->cert_path,
                                 .home = c->home};
        struct http_endpoint ep;
        char *display = NULL;
        berr *err = NULL;
        char name[300];
        const char *shown = c->host ? (strlen(c->host) > 60 ? "<120-byte unix path>" : c->host)
                                    : "(default)";
        int rc = engine_parse_address(&env, &ep, &display, &err);
        if (c->ok) {
            snprintf(name, sizeof name, "address '%s'%s parses", shown, c->tls ? " (tls)" : "");
            if (!ok(rc == 0 && err == NULL, name)) {
                printf("#   error: %s\n", err ? err->msg : "(none)");
                berr_free(err);
                continue;
            }
            snprintf(name, sizeof name, "address '%s': transport", shown);
            is_int(ep.unix_socket, c->unix_socket, name);
            snprintf(name, sizeof name, "address '%s': display", shown);
            is_str(display, c->display, name);
            if (c->unix_socket) {
                snprintf(name, sizeof name, "address '%s': socket path", shown);
                is_str(ep.path, c->path, name);
                snprintf(name, sizeof name, "address '%s': no host", shown);
                ok(ep.host == NULL, name);
            } else {
                snprintf(name, sizeof name, "address '%s': host", shown);
                is_str(ep.host, c->ep_host, name);
                snprintf(name, sizeof name, "address '%s': port", shown);
                is_int(ep.port, c->port, name);
                snprintf(name, sizeof name, "address '%s': tls flags", shown);
                ok(ep.tls == c->tls && ep.tls_verify == c->tls_verify, name);
            }
            snprintf(name, sizeof name, "address '%s': ca file", shown);
            is_str(ep.ca, c->ca, name);
            snprintf(name, sizeof name, "address '%s': cert file", shown);
            is_str(ep.cert, c->cert, name);
            snprintf(name, sizeof name, "address '%s': key file", shown);
            is_str(ep.key, c->key, name);
            http_endpoint_clear(&ep);
            free(display);
        } else {
            snprintf(name, sizeof name, "address '%s' is rejected", shown);
            ok(rc == -1 && err != NULL, name);
            snprintf(name, sizeof name, "address '%s': nothing handed back", shown);
            ok(display == NULL && ep.path == NULL && ep.host == NULL, name);
            if (!err)
                continue;
            snprintf(name, sizeof name, "address '%s': BERR_UNREACHABLE", shown);
            is_int(err->code, BERR_UNREACHABLE, name);
            snprintf(name, sizeof name, "address '%s': message names the address", shown);
            has_str(err->msg, c->host, name);
            snprintf(name, sizeof name, "address '%s': message names the origin", shown);
            has_str(err->msg, c->origin, name);
            snprintf(name, sizeof name, "address '%s': message shows the accepted forms", shown);
            has_str(err->msg, "unix://", name);
            berr_free(err);
        }
    }
}

/* ---- query strings ---- */

struct query_case {
    const char *start; /* what the path already holds */
    const char *key, *value;
    const char *want;
};

static void check_query_cases(void)
{
    const struct query_case cases[] = {
        {"/containers/json", "all", "1", "/containers/json?all=1"},
        {"/containers/json?all=1", "limit", "5", "/containers/json?all=1&limit=5"},
        {"/x", "q", "a b", "/x?q=a%20b"},
        {"/x", "q", "a=b", "/x?q=a%3Db"},
        {"/x", "q", "a&b", "/x?q=a%26b"},
        {"/x", "q", "a/b", "/x?q=a%2Fb"},
        {"/x", "q", "{\"k\":1}", "/x?q=%7B%22k%22%3A1%7D"},
        {"/x", "q", "a?b#c+d%e", "/x?q=a%3Fb%23c%2Bd%25e"},
        {"/x", "q", "caf\xc3\xa9", "/x?q=caf%C3%A9"},
        {"/x", "q", "\xe2\x82\xac", "/x?q=%E2%82%AC"},
        {"/x", "q", "AZaz09-._~", "/x?q=AZaz09-._~"},
        {"/x", "q", "", "/x?q="},
        {"", "t", "v", "?t=v"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const struct query_case *c = &cases[i];
        strbuf sb = STRBUF_INIT;
        sb_adds(&sb, c->start);
        query_add(&sb, c->key, c->value);
        char name[200];
        snprintf(name, sizeof name, "query_add '%s' + %s='%s'", c->start, c->key, c->value);
        is_str(sb.buf, c->want, name);
        sb_release(&sb);
    }

    /* several in a row: '?' once, then '&' */
    strbuf sb = STRBUF_INIT;
    sb_adds(&sb, "/images/json");
    query_add(&sb, "a", "1");
    query_add(&sb, "b", "2");
    query_add(&sb, "c", "x y");
    is_str(sb.buf, "/images/json?a=1&b=2&c=x%20y", "query_add: '?' first, then '&'");
    sb_release(&sb);
}

/* Decode %XX escapes (for checking what the engine will read). */
static char *pct_decode(const char *s)
{
    strbuf out = STRBUF_INIT;
    for (; *s; s++) {
        if (*s == '%' && s[1] && s[2]) {
            char hex[3] = {s[1], s[2], 0};
            sb_addc(&out, (char)strtol(hex, NULL, 16));
            s += 2;
        } else {
            sb_addc(&out, *s);
        }
    }
    return sb_detach(&out, NULL);
}

struct filter_case {
    const char *start;
    const char *labels[4];
    const char *want;         /* exact */
    const char *want_decoded; /* what the engine sees */
};

static void check_filter_cases(void)
{
    const struct filter_case cases[] = {
        {"", {"a=b", NULL}, "?filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D",
         "?filters={\"label\":[\"a=b\"]}"},
        {"/containers/json?all=1", {"berth.project=web", "berth.part=db", NULL},
         "/containers/json?all=1&filters=%7B%22label%22%3A%5B%22berth.project%3Dweb%22%2C%22"
         "berth.part%3Ddb%22%5D%7D",
         "/containers/json?all=1&filters={\"label\":[\"berth.project=web\",\"berth.part=db\"]}"},
        {"/x", {"k", NULL}, "/x?filters=%7B%22label%22%3A%5B%22k%22%5D%7D",
         "/x?filters={\"label\":[\"k\"]}"},
        {"/x", {NULL}, "/x?filters=%7B%22label%22%3A%5B%5D%7D", "/x?filters={\"label\":[]}"},
        {"/x", {"a=b c&d", NULL}, "/x?filters=%7B%22label%22%3A%5B%22a%3Db%20c%26d%22%5D%7D",
         "/x?filters={\"label\":[\"a=b c&d\"]}"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const struct filter_case *c = &cases[i];
        strbuf sb = STRBUF_INIT;
        sb_adds(&sb, c->start);
        query_add_label_filters(&sb, c->labels);
        char name[200];
        snprintf(name, sizeof name, "label filters #%zu: exact query", i);
        is_str(sb.buf, c->want, name);
        char *dec = pct_decode(sb.buf);
        snprintf(name, sizeof name, "label filters #%zu: decodes to the JSON filter", i);
        is_str(dec, c->want_decoded, name);
        free(dec);
        sb_release(&sb);
    }
}

/* ---- API versions ---- */

struct version_case {
    const char *a, *b;
    int want; /* sign */
};

static int sign(int v) { return v < 0 ? -1 : v > 0; }

static void check_version_cases(void)
{
    const struct version_case cases[] = {
        {"1.41", "1.41", 0},   {"1.9", "1.41", -1},   {"1.41", "1.9", 1},
        {"1.44", "1.41", 1},   {"1.41", "1.44", -1},  {"2", "1.99", 1},
        {"1.99", "2", -1},     {"1.41", "1.41.0", 0}, {"1.41.0", "1.41", 0},
        {"1.41.1", "1.41", 1}, {"1.40", "1.4", 1},    {"1.10", "1.9", 1},
        {"2.0", "2", 0},       {"10.0", "9.99", 1},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const struct version_case *c = &cases[i];
        char name[100];
        snprintf(name, sizeof name, "api_version_cmp(%s, %s) is %s", c->a, c->b,
                 c->want < 0 ? "<0" : c->want > 0 ? ">0" : "0");
        is_int(sign(api_version_cmp(c->a, c->b)), c->want, name);
    }
}

/* ---- engine error answers ---- */

struct answer_case {
    long status;
    const char *body; /* NULL: use the big body */
    int code;
    const char *has[3];
    const char *hasnt;
    size_t max_msg; /* 0: no limit checked */
};

static void check_answer_cases(void)
{
    static char big[10 * 1024 + 1];
    memset(big, 'z', sizeof big - 1);
    memcpy(big, "START", 5);
    memcpy(big + sizeof big - 4, "END", 3);

    const struct answer_case cases[] = {
        {404, "{\"message\":\"No such container: x\"}", BERR_NOTFOUND,
         {"No such container: x", "404", NULL}, NULL, 0},
        {409, "{\"message\":\"Conflict. The container name is in use\"}", BERR_ENGINE,
         {"Conflict. The container name is in use", "409", NULL}, NULL, 0},
        {500, "{\"message\":\"driver failed\"}\n", BERR_ENGINE, {"driver failed", "500", NULL},
         NULL, 0},
        {400, "{\"message\":\"bad\",\"other\":1}", BERR_ENGINE, {"bad", "400", NULL}, NULL, 0},
        {502, "<html>\nBad\r\nGateway\n</html>\n", BERR_ENGINE,
         {"<html> Bad", "Gateway </html>", "502"}, "\n", 0},
        {500, "plain text error\n", BERR_ENGINE, {"plain text error", "500", NULL}, "\n", 0},
        {500, "{\"nomessage\":true}", BERR_ENGINE, {"nomessage", "500", NULL}, NULL, 0},
        {500, "[1,2]", BERR_ENGINE, {"[1,2]", NULL, NULL}, NULL, 0},
        /* issue 13: an empty answer says the status and what it means */
        {404, "", BERR_NOTFOUND,
         {"the engine answered HTTP 404 (Not Found) with an empty body", NULL, NULL}, "no message",
         0},
        {503, "\n\r\n", BERR_ENGINE, {"HTTP 503 (Service Unavailable) with an empty body", NULL,
         NULL}, "no message", 0},
        /* issue 13: escape sequences and control characters never reach the terminal */
        {500, "{\"message\":\"\\u001b]0;title\\u0007\\u001b[2J\\u001b[31mred\\u001b[0m\\u0001 "
              "bell\\u0007 c1\\u009b31m end\"}",
         BERR_ENGINE, {"engine said (HTTP 500): red bell c131m end", NULL, NULL}, "\x1b", 0},
        {500, "\x1b[31mraw\x1b[0m \xff\x9b body", BERR_ENGINE,
         {"engine said (HTTP 500): raw ?? body", NULL, NULL}, "\x1b", 0},
        {500, NULL, BERR_ENGINE, {"START", "500", NULL}, "END", 1024},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const struct answer_case *c = &cases[i];
        const char *body = c->body ? c->body : big;
        berr *err = NULL;
        char name[200];
        int rc = engine_error_from_answer(c->status, body, strlen(body), &err);
        snprintf(name, sizeof name, "answer #%zu (HTTP %ld) is an error", i, c->status);
        ok(rc == -1 && err, name);
        if (!err)
            continue;
        snprintf(name, sizeof name, "answer #%zu: category", i);
        is_int(err->code, c->code, name);
        snprintf(name, sizeof name, "answer #%zu: http_status", i);
        is_int(err->http_status, c->status, name);
        for (int k = 0; k < 3 && c->has[k]; k++) {
            snprintf(name, sizeof name, "answer #%zu: message shows '%s'", i, c->has[k]);
            has_str(err->msg, c->has[k], name);
        }
        if (c->hasnt) {
            snprintf(name, sizeof name, "answer #%zu: message leaves out the rest", i);
            if (!ok(strstr(err->msg, c->hasnt) == NULL, name))
                printf("#   msg: '%s'\n", err->msg);
        }
        if (c->max_msg) {
            snprintf(name, sizeof name, "answer #%zu: message is truncated", i);
            if (!ok(strlen(err->msg) < c->max_msg, name))
                printf("#   message is %zu bytes\n", strlen(err->msg));
        }
        berr_free(err);
    }

    /* issue 13: a 1 MB JSON message is capped, and says how much is left out */
    {
        size_t n = 1 << 20;
        strbuf huge = STRBUF_INIT;
        sb_adds(&huge, "{\"message\":\"");
        for (size_t i = 0; i < n; i++)
            sb_addc(&huge, 'A');
        sb_adds(&huge, "TAIL\"}");
        berr *err = NULL;
        engine_error_from_answer(500, huge.buf, huge.len, &err);
        ok(err && strlen(err->msg) < ENGINE_MESSAGE_MAX + 100, "a 1 MB message is capped");
        has_str(err ? err->msg : NULL, " ... (", "and says it is");
        has_str(err ? err->msg : NULL, "more bytes not shown)", "with how much is not shown");
        ok(err && !strstr(err->msg, "TAIL"), "its end is not shown");
        berr_free(err);
        sb_release(&huge);
    }

    /* err NULL: still -1, no crash, no leak */
    is_int(engine_error_from_answer(500, "x", 1, NULL), -1, "answer with err NULL returns -1");
}

/* ---- errors inside JSON-lines messages ---- */

struct message_case {
    const char *json;
    int rc;
    const char *has;
    const char *hasnt;
};

static void check_message_cases(void)
{
    const struct message_case cases[] = {
        {"{\"stream\":\"x\"}", 0, NULL, NULL},
        {"{\"status\":\"Pulling\",\"progressDetail\":{}}", 0, NULL, NULL},
        {"{}", 0, NULL, NULL},
        {"{\"error\":\"boom\"}", -1, "boom", NULL},
        {"{\"errorDetail\":{\"message\":\"m\"},\"error\":\"e\"}", -1, ": m", ": e"},
        {"{\"errorDetail\":{\"message\":\"detailed\"}}", -1, "detailed", NULL},
        {"{\"errorDetail\":{\"code\":1},\"error\":\"plain\"}", -1, "plain", NULL},
        {"{\"errorDetail\":{}}", -1, NULL, NULL},
        {"{\"error\":null}", -1, NULL, NULL},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const struct message_case *c = &cases[i];
        json_error_t jerr;
        json_t *msg = json_loads(c->json, 0, &jerr);
        berr *err = NULL;
        char name[200];
        int rc = engine_error_from_message(msg, &err);
        snprintf(name, sizeof name, "message %s -> %d", c->json, c->rc);
        is_int(rc, c->rc, name);
        if (c->rc == 0) {
            snprintf(name, sizeof name, "message %s: no error set", c->json);
            ok(err == NULL, name);
        } else {
            snprintf(name, sizeof name, "message %s: BERR_ENGINE", c->json);
            ok(err && err->code == BERR_ENGINE, name);
            if (err && c->has) {
                snprintf(name, sizeof name, "message %s: shows '%s'", c->json, c->has);
                has_str(err->msg, c->has, name);
            }
            if (err && c->hasnt) {
                snprintf(name, sizeof name, "message %s: leaves out '%s'", c->json, c->hasnt);
                if (!ok(strstr(err->msg, c->hasnt) == NULL, name))
                    printf("#   msg: '%s'\n", err->msg);
            }
        }
        berr_free(err);
        json_decref(msg);
    }
}

int main(void)
{
    check_address_cases();
    check_query_cases();
    check_filter_cases();
    check_version_cases();
    check_answer_cases();
    check_message_cases();
    return tap_done();
}
