/* Typed access to one Docker Engine API endpoint.
 *
 * engine_open() resolves the address (--engine, else DOCKER_HOST with
 * DOCKER_TLS_VERIFY / DOCKER_TLS / DOCKER_CERT_PATH as the docker CLI reads
 * them, else unix:///var/run/docker.sock) without contacting it. The first
 * request pings the engine and negotiates the API version; every later
 * request goes to /v<version>/... on reused connections. Engine error
 * answers become berr values carrying the engine's message and status. */
#ifndef BERTH_ENGINE_H
#define BERTH_ENGINE_H

#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"
#include "engine/http.h"
#include "base/strbuf.h"

#define ENGINE_API_MIN "1.40"
#define ENGINE_API_MAX "1.44"
#define ENGINE_DEFAULT_ADDRESS "unix:///var/run/docker.sock"
#define ENGINE_DEFAULT_TIMEOUT_MS 120000L
/* The first contact (/_ping) waits at most this, or the request deadline
 * when that is shorter: an engine that does not answer is told early. */
#define ENGINE_CONTACT_MS 15000L

typedef struct engine engine;

/* Where the address came from, for messages: "--engine", "DOCKER_HOST". */
struct engine_env {
    const char *host;      /* the address, or NULL for the default */
    const char *origin;
    bool tls;              /* DOCKER_TLS or DOCKER_TLS_VERIFY set */
    bool tls_verify;       /* DOCKER_TLS_VERIFY set */
    const char *cert_path; /* DOCKER_CERT_PATH, or NULL for ~/.docker */
    const char *home;
    const char *context;   /* the docker context it came from (context.h), or NULL */
    const char *context_origin; /* what named that context: "--context", ... */
    const char *ca, *cert, *key; /* TLS files named one by one (beat cert_path) */
    const char *api_max;   /* use no newer API than this (an engine part's api-version) */
    long contact_ms;       /* how long the first contact may wait (an engine part's
                              timeout); 0: ENGINE_CONTACT_MS */
    char *owned[5];        /* strings the env holds; engine_env_clear frees them */
};
void engine_env_clear(struct engine_env *env);

/* Pure: parse an address into an endpoint. Errors are BERR_UNREACHABLE and
 * name the address, its origin and the accepted forms. */
int engine_parse_address(const struct engine_env *env, struct http_endpoint *ep, char **display,
                         berr **err);
/* Read --engine (may be NULL), --context (engine_set_flag_context), the
 * environment and the docker CLI's configured context, in the CLI's order:
 * --engine, --context, DOCKER_HOST, DOCKER_CONTEXT, currentContext. */
int engine_env_from_process(struct engine_env *env, const char *flag_address, berr **err);
/* The endpoint of docker context `name` (named_by says who named it). */
int engine_env_from_context(struct engine_env *env, const char *name, const char *named_by,
                            berr **err);
/* Open the engine env describes (engine_open reads it from the process). */
int engine_open_env(const struct engine_env *env, engine **out, berr **err);
/* The global --context NAME (main.c sets it once; NULL: none). Naming both
 * --engine and --context is refused when an engine is opened. */
void engine_set_flag_context(const char *name);

int engine_open(const char *flag_address, engine **out, berr **err);
void engine_free(engine *e);
static inline void engine_freep(engine **e) { engine_free(*e); *e = NULL; }
#define cleanup_engine __attribute__((cleanup(engine_freep)))

/* Negotiate the API version (done once; later calls return at once): from
 * /_ping, or, for a unix socket whose engine answered before (the same
 * socket: engine/apicache.h), from what it said then, with no request. */
int engine_connect(engine *e, berr **err);
/* Whether an engine answers now: always a /_ping (then negotiated as
 * engine_connect does). For a liveness check, not before a request. */
int engine_ping(engine *e, berr **err);
/* Whether any request to it got an HTTP answer (with a remembered version,
 * the first request is the first contact: a dead engine that left its
 * socket fails there, not in engine_connect). */
bool engine_answered(const engine *e);
const char *engine_address(const engine *e);
/* The docker context the address came from, or NULL; and where that was
 * named ("--context", "DOCKER_CONTEXT", "currentContext in ..."). */
const char *engine_context(const engine *e);
const char *engine_context_origin(const engine *e);
/* The resolved address, for a connection berth makes itself (hijack.c). */
const struct http_endpoint *engine_endpoint(const engine *e);
const char *engine_api_version(const engine *e);  /* negotiated */
const char *engine_server_api(const engine *e);   /* the engine's own maximum */
const char *engine_podman_api(const engine *e);   /* NULL unless Podman */

/* Handed each decoded message of a JSON-lines stream that is not an error. */
typedef int engine_msg_cb(void *ud, json_t *msg, berr **err);

struct engine_req {
    const char *method;
    const char *path;          /* below the version prefix: "/containers/json?all=1" */
    json_t *json;              /* request body as JSON, or */
    const void *body;          /* a raw body, or */
    size_t body_len;
    http_read_cb *read;        /* a streamed body */
    void *read_ud;
    const char *content_type;  /* for body/read (json sets application/json) */
    long timeout_ms;           /* 0 = the engine's default (ENGINE_DEFAULT_TIMEOUT_MS,
                                  or $BERTH_ENGINE_TIMEOUT seconds), <0 = none */
    long idle_timeout_ms;
    size_t max_body;
    engine_msg_cb *on_msg;     /* decode a 2xx body as JSON lines, or */
    http_data_cb *on_data;     /* take a 2xx body raw */
    void *ud;
    const char *want_header;   /* a response header to hand back in *header_out */
    char **header_out;         /* (malloc'd, NULL when the answer had none) */
    const char *const *headers; /* more request headers ("X-Registry-Auth: ..."), NULL-terminated */
    const int *wake_fd;        /* readable: the transfer ends at once (http.h) */
};

/* One request. On 2xx: *out (if out and the body was buffered) gets the
 * decoded JSON body (NULL for an empty body); *status (if given) the code.
 * Otherwise an error whose message carries the engine's own words.
 * A message in a 2xx JSON-lines stream with "error" is an error too (the
 * engine reports build, pull and push failures that way). */
int engine_call(engine *e, const struct engine_req *r, json_t **out, long *status, berr **err);
/* Shorthands. */
int engine_get(engine *e, const char *path, json_t **out, berr **err);
int engine_post(engine *e, const char *path, json_t *body, json_t **out, berr **err);

/* Pure helpers (unit-tested). */
/* Text from the engine made fit for one terminal line: no escape sequence or
 * control character, '?' for bytes that are not UTF-8, at most
 * ENGINE_MESSAGE_MAX bytes, then " ... (N more bytes not shown)". */
#define ENGINE_MESSAGE_MAX 1024
char *engine_clean_text(const char *s, size_t len);
/* Engine error answer -> berr: "engine said (HTTP 404): No such container: x",
 * its text cleaned by engine_clean_text. */
int engine_error_from_answer(long status, const char *body, size_t len, berr **err);
/* Error carried in a JSON-lines message, or 0 when there is none. */
int engine_error_from_message(json_t *msg, berr **err);
/* Append "?key=value" or "&key=value", percent-encoding value. */
void query_add(strbuf *path, const char *key, const char *value);
/* Append filters={"label":[...]} for the given "k=v" labels (NULL-terminated). */
void query_add_label_filters(strbuf *path, const char *const *labels);
/* Compare "1.41" and "1.9" numerically: <0, 0, >0. */
int api_version_cmp(const char *a, const char *b);

#endif
