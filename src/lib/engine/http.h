/* HTTP/1.1 to the engine through libcurl: over a unix socket, or TCP with
 * optional TLS. Bodies can be buffered (with a cap) or handed to a callback
 * as they arrive; uploads can be streamed from a callback (chunked).
 *
 * A client is safe to use from several threads: each request borrows an easy
 * handle from a small pool, and each handle keeps its connection alive, so
 * sequential requests reuse connections. */
#ifndef BERTH_HTTP_H
#define BERTH_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "base/strbuf.h"

typedef struct http_client http_client;

struct http_endpoint {
    bool unix_socket;  /* true: path is the socket; false: host/port */
    char *path;
    char *host;
    int port;
    bool tls;          /* https */
    bool tls_verify;   /* check the server certificate against ca */
    char *ca, *cert, *key;
};
void http_endpoint_clear(struct http_endpoint *ep);

/* Called with each piece of a 2xx response body as it arrives. Return 0 to go
 * on, -1 (with *err set) to abort the transfer with that error. */
typedef int http_data_cb(void *ud, const char *data, size_t len, berr **err);
/* Fills buf with up to cap bytes of request body; returns the count, 0 at the
 * end, or -1 with *err set. */
typedef long http_read_cb(void *ud, char *buf, size_t cap, berr **err);

struct http_req {
    const char *method;       /* "GET", "POST", ... */
    const char *path;         /* "/v1.41/containers/json?all=1" */
    const char *content_type; /* for body or read */
    const void *body;         /* whole body, or */
    size_t body_len;
    http_read_cb *read;       /* a streamed body (sent chunked) */
    void *read_ud;
    long timeout_ms;          /* whole request; 0 = none (streams) */
    long idle_timeout_ms;     /* abort when nothing moves this long; 0 = none */
    size_t max_body;          /* cap on a buffered body; 0 = HTTP_DEFAULT_MAX_BODY */
    http_data_cb *on_data;    /* stream a 2xx body here instead of buffering */
    void *data_ud;
    const char *want_header;  /* one more response header to keep in resp->header */
    const char *const *headers; /* more request headers, "Name: value", NULL-terminated
                                   (may carry secrets: never shown) */
    const int *wake_fd;       /* when set: the transfer ends (BERR_INTERRUPTED) as soon as
                                 this fd turns readable, from another thread (a stream
                                 that is read until its reader is told to stop) */
};

#define HTTP_DEFAULT_MAX_BODY (64u << 20)

struct http_resp {
    long status;
    strbuf body;        /* buffered body (always, for non-2xx answers) */
    char *api_version;  /* "Api-Version" header, if any */
    char *podman_api;   /* "Libpod-Api-Version" header, if any */
    char *server;       /* "Server" header, if any */
    char *header;       /* the req->want_header header, if asked for and sent */
};
void http_resp_clear(struct http_resp *r);

/* display is how errors name the engine ("unix:///run/docker.sock"). */
http_client *http_client_new(const struct http_endpoint *ep, const char *display);
void http_client_free(http_client *c);
const char *http_client_display(const http_client *c);
/* Where the client connects (for connections it does not make: hijack.c). */
const struct http_endpoint *http_client_endpoint(const http_client *c);

/* Install a flag that, once non-zero, aborts every transfer (Ctrl-C). */
void http_set_cancel_flag(volatile int *flag);
/* The calling thread's deadline, on the now_ms() clock (0: none): every
 * transfer the thread makes ends by then, failing with BERR_TIMEOUT. Returns
 * the previous one (set it back after; clean-up after a missed deadline
 * sets 0 first). */
long long http_deadline_set(long long deadline_ms);

/* Perform one request. Fails (-1) only when no complete HTTP answer came:
 * the engine could not be reached, timed out, the body exceeded its cap, a
 * callback failed or the transfer was cancelled. Any HTTP status is a
 * success here: the caller maps statuses to errors. */
int http_do(http_client *c, const struct http_req *req, struct http_resp *resp, berr **err);

#endif
