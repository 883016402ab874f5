/* The part of a hijacked connection no library does: the engine's answer
 * head (101 UPGRADED, 200 with a raw stream, errors with a body), read
 * byte by byte as it may arrive, and chunked error bodies. */
#include <stdio.h>

#include "engine/hijack.h"
#include "../tap.h"
#include "base/util.h"

static const char upgraded[] = "HTTP/1.1 101 UPGRADED\r\n"
                               "Content-Type: application/vnd.docker.raw-stream\r\n"
                               "Connection: Upgrade\r\n"
                               "Upgrade: tcp\r\n"
                               "\r\n"
                               "\x01\0\0\0\0\0\0\x03hi\n";

static void test_upgraded(void)
{
    struct hijack_head h;
    size_t head = strlen("HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream"
                         "\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
    is_int(hijack_parse_head(upgraded, sizeof upgraded - 1, &h), head,
           "101: the head's length, the stream's first bytes after it");
    is_int(h.status, 101, "status 101");
    ok(h.upgrade_tcp, "Upgrade: tcp seen");
    is_str(h.content_type, "application/vnd.docker.raw-stream", "content type kept");
    is_int(h.content_length, -1, "no Content-Length: -1");
    ok(!h.chunked, "not chunked");

    /* Every prefix of the head: more bytes needed, never an error. */
    int incomplete = 0;
    for (size_t n = 0; n < head; n++)
        incomplete += hijack_parse_head(upgraded, n, &h) == 0;
    is_int(incomplete, (long long)head, "each prefix of the head asks for more");
}

static void test_variants(void)
{
    struct hijack_head h;
    const char *old = "HTTP/1.0 200 OK\nContent-Type: application/vnd.docker.raw-stream\n\nxy";
    is_int(hijack_parse_head(old, strlen(old), &h), (long long)strlen(old) - 2,
           "HTTP/1.0, LF line ends, 200: accepted");
    is_int(h.status, 200, "status 200");
    ok(!h.upgrade_tcp, "no Upgrade header");

    const char *err = "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\n"
                      "CONTENT-LENGTH: 38\r\n\r\n{\"message\":\"No such container: web\"}\n";
    ok(hijack_parse_head(err, strlen(err), &h) > 0, "an error answer parses");
    is_int(h.status, 404, "status 404");
    is_int(h.content_length, 38, "header names in any case: Content-Length");
    is_str(h.content_type, "application/json", "content-type");

    const char *ch = "HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n";
    ok(hijack_parse_head(ch, strlen(ch), &h) > 0 && h.chunked && h.status == 500,
       "Transfer-Encoding: chunked");

    const char *no_reason = "HTTP/1.1 409\r\n\r\n";
    ok(hijack_parse_head(no_reason, strlen(no_reason), &h) > 0 && h.status == 409,
       "a status line without a reason phrase");
}

static void test_garbage(void)
{
    struct hijack_head h;
    const char *bad[] = {
        "SSH-2.0-OpenSSH\r\n\r\n",           /* not HTTP */
        "HTTP/2 200\r\n\r\n",                 /* not 1.x */
        "HTTP/1.1 2x0 OK\r\n\r\n",            /* status not a number */
        "HTTP/1.1 200OK\r\n\r\n",             /* no space after the status */
        "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\n folded: header\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
        "\x16\x03\x01\x02", /* a TLS handshake where HTTP was expected */
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char name[64];
        snprintf(name, sizeof name, "garbage %zu is refused", i);
        is_int(hijack_parse_head(bad[i], strlen(bad[i]), &h), -1, name);
    }
    /* Garbage is refused from its first bytes, without waiting for a line. */
    is_int(hijack_parse_head("HTTX", 4, &h), -1, "a wrong first byte fails at once");
    is_int(hijack_parse_head("HTT", 3, &h), 0, "a right prefix waits");
    /* A head that never ends is refused once it is too long to be one. */
    size_t n = 70000;
    char *big = xmalloc(n + 1);
    memcpy(big, "HTTP/1.1 200 OK\r\n", 17);
    memset(big + 17, 'a', n - 17);
    big[n] = '\0';
    is_int(hijack_parse_head(big, n, &h), -1, "an endless header line is refused");
    free(big);
}

static void test_dechunk(void)
{
    char *out = NULL;
    size_t n = 0;
    const char *body = "7\r\n{\"messa\r\n1C;ext=1\r\nge\":\"No such exec instance\"}\r\n0\r\n\r\n";
    is_int(hijack_dechunk(body, strlen(body), &out, &n), 0, "a chunked body decodes");
    is_str(out, "{\"message\":\"No such exec instance\"}", "chunks joined, extensions ignored");
    is_int(n, 35, "its length");
    free(out);
    is_int(hijack_dechunk("5\r\nabc", 6, &out, &n), -1, "a cut chunk is incomplete");
    is_int(hijack_dechunk("5\r\nabcde\r\n", 10, &out, &n), -1, "no last chunk yet");
    is_int(hijack_dechunk("zz\r\n", 4, &out, &n), -1, "a size that is not hex");
    is_int(hijack_dechunk("3\r\nabcX\r\n0\r\n\r\n", 14, &out, &n), -1, "no line end after data");
    is_int(hijack_dechunk("0\n\n", 3, &out, &n), 0, "LF-only chunked empty body");
    is_int(n, 0, "empty");
    free(out);
}

int main(void)
{
    test_upgraded();
    test_variants();
    test_garbage();
    test_dechunk();
    return tap_done();
}
