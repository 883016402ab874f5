/* A hijacked connection to the engine: one HTTP request ("Connection:
 * Upgrade", "Upgrade: tcp") whose answer turns the connection into a raw
 * byte stream both ways, as exec start and container attach use it: stdin
 * goes one way, the process's output (raw with a TTY, multiplexed frames
 * without) comes back the other.
 *
 * libcurl connects (unix socket, TCP or TLS, set up as http.c does for every
 * request) with CURLOPT_CONNECT_ONLY; berth writes the request and reads the
 * answer's head itself (curl_easy_send/recv), since no library parses an
 * HTTP/1.1 101 and hands the socket back. Never prints. */
#ifndef BERTH_HIJACK_H
#define BERTH_HIJACK_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/engine.h"
#include "base/error.h"
#include "engine/http.h"

/* The head of an HTTP/1.x answer. */
struct hijack_head {
    int status;              /* 101, 200, 404, ... */
    long long content_length; /* -1 when the head has none */
    bool chunked;            /* Transfer-Encoding: chunked */
    bool upgrade_tcp;        /* Upgrade: tcp */
    char content_type[80];   /* "" when absent; cut at 79 bytes */
};

/* Pure: parse the answer head at the start of buf. Returns the length of
 * the head (through the empty line) when it is complete, 0 when more bytes
 * are needed, -1 when buf does not start an HTTP/1.x answer or a header is
 * malformed. Lines may end in CRLF or LF. */
long hijack_parse_head(const char *buf, size_t len, struct hijack_head *h);

/* Pure: the body of a chunked answer, decoded; -1 when it is not complete
 * and well-formed. *out is malloc'd. */
int hijack_dechunk(const char *buf, size_t len, char **out, size_t *out_len);

typedef struct hijack hijack;

/* Send method path (below the API version prefix, "/exec/ID/start") with a
 * JSON body, and read the answer's head. A 101 or 2xx answer leaves the
 * connection hijacked (*out); any other answer is the engine's error (its
 * message, as engine_call reports it). */
int hijack_open(engine *e, const char *method, const char *path, const char *json_body,
                hijack **out, berr **err);
void hijack_close(hijack *h);

/* Called with each piece of output: stream is STREAM_STDOUT or
 * STREAM_STDERR (always STREAM_STDOUT for a raw stream). */
typedef int hijack_out_cb(void *ud, int stream, const char *data, size_t len, berr **err);
/* Called when wake_fd is readable (after it was drained): a signal handler's
 * self-pipe, so that resizes and interruptions reach the loop. */
typedef int hijack_wake_cb(void *ud, berr **err);

struct hijack_io {
    int in_fd;              /* forwarded until it ends, then the write side is shut
                               (with a TTY, Ctrl-D is typed instead: the engine
                               would end the session); -1: nothing to send */
    bool raw;               /* TTY: output is raw bytes; else multiplexed frames */
    hijack_out_cb *out;
    void *out_ud;
    int wake_fd;            /* -1 for none */
    hijack_wake_cb *wake;
    void *wake_ud;
};

/* Move bytes both ways until the engine ends the stream (the process
 * exited or the session was detached). Returns 0 then; -1 with *err when
 * the connection failed, a callback failed or in_fd could not be read. */
int hijack_pump(hijack *h, const struct hijack_io *io, berr **err);

#endif
