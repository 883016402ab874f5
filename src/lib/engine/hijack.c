#include "engine/hijack.h"

#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <strings.h>
#include <sys/socket.h>

#include "engine/stream.h"
#include "base/strbuf.h"
#include "base/util.h"

#define HEAD_MAX (64u << 10)       /* an answer head longer than this is not the engine's */
#define ERROR_BODY_MAX (1u << 20)  /* an error answer's body we keep to show */
#define SETUP_TIMEOUT_MS 30000     /* sending the request and reading the head */

struct hijack {
    CURL *h;
    curl_socket_t fd;
    strbuf early; /* stream bytes that came with the head */
    char *display;
};

/* ---- pure parsing ---- */

static bool header_is(const char *line, size_t n, const char *name, const char **val,
                      size_t *vlen)
{
    size_t k = strlen(name);
    if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
        return false;
    const char *v = line + k + 1, *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *val = v;
    *vlen = (size_t)(end - v);
    return true;
}

static bool word_is(const char *v, size_t n, const char *word)
{
    return n == strlen(word) && strncasecmp(v, word, n) == 0;
}

long hijack_parse_head(const char *buf, size_t len, struct hijack_head *h)
{
    memset(h, 0, sizeof *h);
    h->content_length = -1;
    /* The status line: "HTTP/1.x NNN reason". Check what is there before
     * waiting for more, so garbage fails at once. */
    static const char proto[] = "HTTP/1.";
    size_t pl = sizeof proto - 1;
    if (memcmp(buf, proto, len < pl ? len : pl) != 0)
        return -1;
    const char *eol = memchr(buf, '\n', len);
    if (!eol)
        return len > HEAD_MAX ? -1 : 0;
    size_t n = (size_t)(eol - buf);
    if (n && buf[n - 1] == '\r')
        n--;
    if (n < pl + 1 + 4 || (buf[pl] != '0' && buf[pl] != '1') || buf[pl + 1] != ' ')
        return -1;
    const char *code = buf + pl + 2;
    if (code[0] < '1' || code[0] > '5' || code[1] < '0' || code[1] > '9' || code[2] < '0' ||
        code[2] > '9' || (n > pl + 5 && code[3] != ' '))
        return -1;
    h->status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');

    const char *p = eol + 1, *end = buf + len;
    for (;;) {
        eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            return len > HEAD_MAX ? -1 : 0;
        n = (size_t)(eol - p);
        if (n && p[n - 1] == '\r')
            n--;
        if (n == 0)
            return (long)(eol + 1 - buf);
        if (p[0] == ' ' || p[0] == '\t' || !memchr(p, ':', n))
            return -1; /* folded or nameless header lines: not what an engine sends */
        const char *v;
        size_t vl;
        if (header_is(p, n, "Content-Length", &v, &vl)) {
            long long cl = 0;
            if (vl == 0 || vl > 18)
                return -1;
            for (size_t i = 0; i < vl; i++) {
                if (v[i] < '0' || v[i] > '9')
                    return -1;
                cl = cl * 10 + (v[i] - '0');
            }
            h->content_length = cl;
        } else if (header_is(p, n, "Transfer-Encoding", &v, &vl)) {
            h->chunked = vl >= 7 && strncasecmp(v + vl - 7, "chunked", 7) == 0;
        } else if (header_is(p, n, "Upgrade", &v, &vl)) {
            h->upgrade_tcp = word_is(v, vl, "tcp");
        } else if (header_is(p, n, "Content-Type", &v, &vl)) {
            size_t k = vl < sizeof h->content_type - 1 ? vl : sizeof h->content_type - 1;
            memcpy(h->content_type, v, k);
            h->content_type[k] = '\0';
        }
        p = eol + 1;
    }
}

int hijack_dechunk(const char *buf, size_t len, char **out, size_t *out_len)
{
    strbuf sb = STRBUF_INIT;
    const char *p = buf, *end = buf + len;
    for (;;) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            goto fail;
        unsigned long long size = 0;
        const char *q = p;
        int digits = 0;
        for (; q < eol; q++, digits++) {
            int d = (*q >= '0' && *q <= '9') ? *q - '0'
                  : (*q >= 'a' && *q <= 'f') ? *q - 'a' + 10
                  : (*q >= 'A' && *q <= 'F') ? *q - 'A' + 10 : -1;
            if (d < 0)
                break;
            if (digits >= 15)
                goto fail;
            size = size * 16 + (unsigned)d;
        }
        if (!digits || (q < eol && *q != ';' && *q != '\r'))
            goto fail;
        p = eol + 1;
        if (size == 0) {
            *out = sb_detach(&sb, out_len); /* trailers, if any, are of no use here */
            return 0;
        }
        if ((unsigned long long)(end - p) < size + 1)
            goto fail;
        sb_add(&sb, p, (size_t)size);
        p += size;
        if (*p == '\r')
            p++;
        if (p >= end || *p != '\n')
            goto fail;
        p++;
    }
fail:
    sb_release(&sb);
    return -1;
}

/* ---- the connection ---- */

static int wait_fd(curl_socket_t fd, short events, int timeout_ms)
{
    struct pollfd pf = {.fd = fd, .events = events};
    int r;
    do
        r = poll(&pf, 1, timeout_ms);
    while (r < 0 && errno == EINTR);
    return r;
}

static int lost(hijack *h, const char *what, CURLcode rc, berr **err)
{
    return berr_set(err, BERR_UNREACHABLE, "lost the engine at %s while %s: %s", h->display, what,
                    curl_easy_strerror(rc));
}

/* Send all of data, waiting while the socket is full (up to timeout_ms;
 * -1: no limit). */
static int send_all(hijack *h, const char *data, size_t len, int timeout_ms, berr **err)
{
    while (len) {
        size_t n = 0;
        CURLcode rc = curl_easy_send(h->h, data, len, &n);
        if (rc == CURLE_AGAIN) {
            int r = wait_fd(h->fd, POLLOUT, timeout_ms);
            if (r == 0)
                return berr_set(err, BERR_TIMEOUT, "the engine at %s took no request for %d s",
                                h->display, timeout_ms / 1000);
            continue;
        }
        if (rc != CURLE_OK)
            return lost(h, "sending", rc, err);
        data += n;
        len -= n;
    }
    return 0;
}

/* Up to cap bytes; *got = 0 at the end of the stream. */
static int recv_some(hijack *h, char *buf, size_t cap, int timeout_ms, size_t *got, berr **err)
{
    for (;;) {
        size_t n = 0;
        CURLcode rc = curl_easy_recv(h->h, buf, cap, &n);
        if (rc == CURLE_OK) {
            *got = n;
            return 0;
        }
        if (rc != CURLE_AGAIN)
            return lost(h, "reading its answer", rc, err);
        if (wait_fd(h->fd, POLLIN, timeout_ms) == 0)
            return berr_set(err, BERR_TIMEOUT, "the engine at %s did not answer in %d s",
                            h->display, timeout_ms / 1000);
    }
}

static int connect_endpoint(hijack *h, engine *e, berr **err)
{
    const struct http_endpoint *ep = engine_endpoint(e);
    cleanup_free char *url = NULL;
    if (ep->unix_socket)
        url = xstrdup("http://localhost/");
    else if (strchr(ep->host, ':'))
        url = xasprintf("%s://[%s]:%d/", ep->tls ? "https" : "http", ep->host, ep->port);
    else
        url = xasprintf("%s://%s:%d/", ep->tls ? "https" : "http", ep->host, ep->port);
    CURL *c = h->h;
    curl_easy_setopt(c, CURLOPT_URL, url);
    if (ep->unix_socket)
        curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, ep->path);
    if (ep->tls) {
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, ep->tls_verify ? 1L : 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, ep->tls_verify ? 2L : 0L);
        if (ep->ca)
            curl_easy_setopt(c, CURLOPT_CAINFO, ep->ca);
        if (ep->cert)
            curl_easy_setopt(c, CURLOPT_SSLCERT, ep->cert);
        if (ep->key)
            curl_easy_setopt(c, CURLOPT_SSLKEY, ep->key);
    }
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
    char detail[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, detail);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
    if (rc != CURLE_OK)
        return berr_set(err, BERR_UNREACHABLE, "cannot reach the engine at %s: %s", h->display,
                        detail[0] ? detail : curl_easy_strerror(rc));
    if (curl_easy_getinfo(c, CURLINFO_ACTIVESOCKET, &h->fd) != CURLE_OK ||
        h->fd == CURL_SOCKET_BAD)
        return berr_set(err, BERR_UNREACHABLE, "the connection to %s has no socket", h->display);
    return 0;
}

/* An answer other than 101/2xx: read its body and make the engine's error. */
static int error_answer(hijack *h, const struct hijack_head *hd, strbuf *body, berr **err)
{
    char buf[16384];
    for (;;) {
        if (hd->content_length >= 0 && body->len >= (size_t)hd->content_length)
            break;
        char *tmp;
        size_t tl;
        if (hd->chunked && hijack_dechunk(body->buf, body->len, &tmp, &tl) == 0) {
            sb_reset(body);
            sb_add(body, tmp, tl);
            free(tmp);
            break;
        }
        size_t got;
        if (body->len > ERROR_BODY_MAX || recv_some(h, buf, sizeof buf, SETUP_TIMEOUT_MS, &got,
                                                    err) < 0 || got == 0)
            break; /* show what came */
        sb_add(body, buf, got);
    }
    size_t n = hd->content_length >= 0 && (size_t)hd->content_length < body->len
                   ? (size_t)hd->content_length : body->len;
    return engine_error_from_answer(hd->status, body->buf, n, err);
}

int hijack_open(engine *e, const char *method, const char *path, const char *json_body,
                hijack **out, berr **err)
{
    *out = NULL;
    if (engine_connect(e, err) < 0)
        return -1;
    hijack *h = xcalloc(1, sizeof *h);
    sb_init(&h->early);
    h->display = xstrdup(engine_address(e));
    h->fd = CURL_SOCKET_BAD;
    h->h = curl_easy_init();
    if (!h->h) {
        hijack_close(h);
        return berr_set(err, BERR_FAILURE, "cannot create an HTTP handle");
    }
    if (connect_endpoint(h, e, err) < 0) {
        hijack_close(h);
        return -1;
    }
    const struct http_endpoint *ep = engine_endpoint(e);
    strbuf req = STRBUF_INIT;
    size_t blen = json_body ? strlen(json_body) : 0;
    sb_addf(&req, "%s /v%s%s HTTP/1.1\r\n", method, engine_api_version(e), path);
    if (ep->unix_socket)
        sb_adds(&req, "Host: localhost\r\n");
    else
        sb_addf(&req, strchr(ep->host, ':') ? "Host: [%s]:%d\r\n" : "Host: %s:%d\r\n", ep->host,
                ep->port);
    sb_addf(&req, "User-Agent: berth/%s\r\nContent-Type: application/json\r\n"
                  "Content-Length: %zu\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n",
            BERTH_VERSION, blen);
    if (blen)
        sb_add(&req, json_body, blen);
    int rc = send_all(h, req.buf, req.len, SETUP_TIMEOUT_MS, err);
    sb_release(&req);

    strbuf in = STRBUF_INIT;
    struct hijack_head hd;
    long head = 0;
    char buf[16384];
    while (rc == 0) {
        head = hijack_parse_head(in.buf, in.len, &hd);
        if (head != 0)
            break;
        size_t got;
        rc = recv_some(h, buf, sizeof buf, SETUP_TIMEOUT_MS, &got, err);
        if (rc == 0 && got == 0)
            rc = berr_set(err, BERR_ENGINE, "the engine at %s closed the connection before "
                          "answering %s %s", h->display, method, path);
        if (rc == 0)
            sb_add(&in, buf, got);
    }
    if (rc == 0 && head < 0)
        rc = berr_set(err, BERR_ENGINE, "the engine at %s answered %s %s with something that "
                      "is not HTTP: %.40s", h->display, method, path, in.buf);
    if (rc == 0) {
        sb_consume(&in, (size_t)head);
        if (hd.status == 101 || (hd.status >= 200 && hd.status < 300)) {
            sb_add(&h->early, in.buf, in.len);
        } else {
            rc = error_answer(h, &hd, &in, err);
        }
    }
    sb_release(&in);
    if (rc < 0) {
        hijack_close(h);
        return -1;
    }
    *out = h;
    return 0;
}

void hijack_close(hijack *h)
{
    if (!h)
        return;
    if (h->h)
        curl_easy_cleanup(h->h);
    sb_release(&h->early);
    free(h->display);
    free(h);
}

/* ---- the pump ---- */

struct sink {
    const struct hijack_io *io;
    struct demux dm;
};

static int feed(struct sink *s, const char *data, size_t len, berr **err)
{
    if (!len)
        return 0;
    if (s->io->raw)
        return s->io->out(s->io->out_ud, STREAM_STDOUT, data, len, err);
    return demux_feed(&s->dm, data, len, s->io->out, s->io->out_ud, err);
}

static void shut_write(hijack *h, const struct hijack_io *io)
{
    /* Without a TTY the engine closes the process's stdin when our side of
     * the stream ends, and the output keeps coming until the process is
     * done. With one, it ends the whole session instead: leave our side
     * open, and the session ends with the process. */
    if (!io->raw)
        shutdown(h->fd, SHUT_WR);
    /* (A TTY's own end of input is Ctrl-D: the pump types it instead, which
     * ends a shell or a reader at the start of a line as at a terminal.) */
}

int hijack_pump(hijack *h, const struct hijack_io *io, berr **err)
{
    struct sink s = {.io = io};
    demux_init(&s.dm);
    if (feed(&s, h->early.buf, h->early.len, err) < 0)
        return -1;
    sb_reset(&h->early);
    bool in_open = io->in_fd >= 0, shut = false;
    strbuf outq = STRBUF_INIT; /* read from in_fd, not yet sent */
    char buf[32768];
    int rc = 0;
    if (!in_open) {
        shut_write(h, io);
        shut = true;
    }
    for (;;) {
        struct pollfd pf[3];
        int n = 0, iw = -1, ii = -1;
        pf[n++] = (struct pollfd){.fd = h->fd, .events = POLLIN | (outq.len ? POLLOUT : 0)};
        if (in_open && !outq.len) {
            ii = n;
            pf[n++] = (struct pollfd){.fd = io->in_fd, .events = POLLIN};
        }
        if (io->wake_fd >= 0) {
            iw = n;
            pf[n++] = (struct pollfd){.fd = io->wake_fd, .events = POLLIN};
        }
        if (poll(pf, (nfds_t)n, -1) < 0) {
            if (errno == EINTR)
                continue;
            rc = berr_errno(err, BERR_FAILURE, errno, "waiting for the session");
            break;
        }
        if (iw >= 0 && pf[iw].revents) {
            while (read(io->wake_fd, buf, sizeof buf) > 0)
                ; /* the fd is non-blocking */
            if (io->wake && (rc = io->wake(io->wake_ud, err)) < 0)
                break;
        }
        if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            /* Drain until the connection has nothing more: TLS may hold
             * decrypted bytes the socket no longer shows. */
            bool ended = false;
            for (;;) {
                size_t got = 0;
                CURLcode cr = curl_easy_recv(h->h, buf, sizeof buf, &got);
                if (cr == CURLE_AGAIN)
                    break;
                if (cr != CURLE_OK) {
                    rc = lost(h, "streaming", cr, err);
                    break;
                }
                if (got == 0) {
                    ended = true;
                    break;
                }
                if ((rc = feed(&s, buf, got, err)) < 0)
                    break;
            }
            if (rc < 0)
                break;
            if (ended) {
                rc = io->raw ? 0 : demux_finish(&s.dm, err);
                break;
            }
        }
        if (ii >= 0 && pf[ii].revents) {
            ssize_t r = read(io->in_fd, buf, sizeof buf);
            if (r > 0) {
                sb_add(&outq, buf, (size_t)r);
            } else if (r == 0 || errno == EIO) {
                in_open = false; /* the end of stdin (EIO: the terminal hung up) */
                /* With a TTY the end is typed as Ctrl-D (see shut_write). */
                if (io->raw)
                    sb_addc(&outq, '\x04');
            } else if (errno != EINTR && errno != EAGAIN) {
                rc = berr_errno(err, BERR_FAILURE, errno, "reading stdin");
                break;
            }
        }
        if (outq.len && ((pf[0].revents & POLLOUT) || ii >= 0)) {
            size_t sent = 0;
            CURLcode cr = curl_easy_send(h->h, outq.buf, outq.len, &sent);
            if (cr != CURLE_OK && cr != CURLE_AGAIN) {
                /* The engine stopped reading: the process is ending; its
                 * output (and the stream's end) still comes. */
                sb_reset(&outq);
                in_open = false;
            } else {
                sb_consume(&outq, sent);
            }
        }
        if (!in_open && !outq.len && !shut) {
            shut_write(h, io);
            shut = true;
        }
    }
    sb_release(&outq);
    return rc;
}
