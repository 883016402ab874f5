#include "engine/http.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/util.h"

#define POOL_MAX 16
/* libcurl's buffers for streamed bodies (its defaults: 16 KiB down, 64 KiB
 * up): a 1 GiB copy then takes a few thousand reads and writes each way,
 * not some 65,000 (bench/datapaths.sh). */
#define STREAM_BUFFER (512L * 1024)

struct http_client {
    struct http_endpoint ep;
    char *display;
    char *base_url; /* "http://localhost" or "https://host:port" */
    pthread_mutex_t lock;
    CURL *pool[POOL_MAX]; /* idle handles, each with its live connection */
    int npool;
};

static volatile int *cancel_flag;

void http_set_cancel_flag(volatile int *flag)
{
    cancel_flag = flag;
}

/* The calling thread's deadline (now_ms() clock), 0: none. Each task of a
 * run is one thread's work, so a part's timeout is its thread's deadline. */
static _Thread_local long long thread_deadline;

long long http_deadline_set(long long deadline_ms)
{
    long long old = thread_deadline;
    thread_deadline = deadline_ms;
    return old;
}

static bool deadline_passed(void)
{
    return thread_deadline && now_ms() >= thread_deadline;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void http_endpoint_clear(struct http_endpoint *ep)
{
    free(ep->path);
    free(ep->host);
    free(ep->ca);
    free(ep->cert);
    free(ep->key);
    memset(ep, 0, sizeof *ep);
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

http_client *http_client_new(const struct http_endpoint *ep, const char *display)
{
    pthread_once(&curl_once, curl_init_once);
    http_client *c = xcalloc(1, sizeof *c);
    c->ep = *ep;
    c->ep.path = dup_or_null(ep->path);
    c->ep.host = dup_or_null(ep->host);
    c->ep.ca = dup_or_null(ep->ca);
    c->ep.cert = dup_or_null(ep->cert);
    c->ep.key = dup_or_null(ep->key);
    c->display = xstrdup(display);
    if (ep->unix_socket)
        c->base_url = xstrdup("http://localhost");
    else if (strchr(ep->host, ':')) /* IPv6 literal */
        c->base_url = xasprintf("%s://[%s]:%d", ep->tls ? "https" : "http", ep->host, ep->port);
    else
        c->base_url = xasprintf("%s://%s:%d", ep->tls ? "https" : "http", ep->host, ep->port);
    pthread_mutex_init(&c->lock, NULL);
    return c;
}

void http_client_free(http_client *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->npool; i++)
        curl_easy_cleanup(c->pool[i]);
    http_endpoint_clear(&c->ep);
    free(c->display);
    free(c->base_url);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

const char *http_client_display(const http_client *c)
{
    return c->display;
}

const struct http_endpoint *http_client_endpoint(const http_client *c)
{
    return &c->ep;
}

void http_resp_clear(struct http_resp *r)
{
    sb_release(&r->body);
    free(r->api_version);
    free(r->podman_api);
    free(r->server);
    free(r->header);
    memset(r, 0, sizeof *r);
    sb_init(&r->body);
}

static CURL *borrow(http_client *c)
{
    CURL *h = NULL;
    pthread_mutex_lock(&c->lock);
    if (c->npool > 0)
        h = c->pool[--c->npool];
    pthread_mutex_unlock(&c->lock);
    return h ? h : curl_easy_init();
}

static void give_back(http_client *c, CURL *h)
{
    pthread_mutex_lock(&c->lock);
    if (c->npool < POOL_MAX) {
        c->pool[c->npool++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&c->lock);
    if (h)
        curl_easy_cleanup(h);
}

/* Per-transfer state shared by the callbacks. */
struct xfer {
    CURL *h;
    const struct http_req *req;
    struct http_resp *resp;
    size_t max_body;
    berr *cb_err;  /* set when a callback aborted the transfer */
    bool too_big;
};

static bool is_2xx(CURL *h)
{
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    return code >= 200 && code < 300;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    if (x->req->on_data && is_2xx(x->h)) {
        if (x->req->on_data(x->req->data_ud, data, n, &x->cb_err) < 0)
            return CURL_WRITEFUNC_ERROR;
        return n;
    }
    if (x->resp->body.len + n > x->max_body) {
        x->too_big = true;
        return CURL_WRITEFUNC_ERROR;
    }
    sb_add(&x->resp->body, data, n);
    return n;
}

static size_t on_read(char *buf, size_t size, size_t nitems, void *ud)
{
    struct xfer *x = ud;
    long n = x->req->read(x->req->read_ud, buf, size * nitems, &x->cb_err);
    return n < 0 ? CURL_READFUNC_ABORT : (size_t)n;
}

static void take_header(char **slot, const char *line, size_t n, const char *name)
{
    size_t k = strlen(name);
    if (n <= k + 1 || strncasecmp(line, name, k) != 0 || line[k] != ':')
        return;
    const char *v = line + k + 1, *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    free(*slot);
    *slot = xstrndup(v, (size_t)(end - v));
}

static size_t on_header(char *line, size_t size, size_t nitems, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nitems;
    take_header(&x->resp->api_version, line, n, "Api-Version");
    take_header(&x->resp->podman_api, line, n, "Libpod-Api-Version");
    take_header(&x->resp->server, line, n, "Server");
    if (x->req->want_header)
        take_header(&x->resp->header, line, n, x->req->want_header);
    return n;
}

static int on_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)ud, (void)a, (void)b, (void)c, (void)d;
    return (cancel_flag && *cancel_flag) || deadline_passed() ? 1 : 0;
}

static void setup(http_client *c, struct xfer *x, struct curl_slist *hdrs, const char *url)
{
    CURL *h = x->h;
    const struct http_req *req = x->req;
    curl_easy_reset(h); /* keeps the connection cache */
    curl_easy_setopt(h, CURLOPT_URL, url);
    if (c->ep.unix_socket)
        curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, c->ep.path);
    if (c->ep.tls) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, c->ep.tls_verify ? 1L : 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, c->ep.tls_verify ? 2L : 0L);
        if (c->ep.ca)
            curl_easy_setopt(h, CURLOPT_CAINFO, c->ep.ca);
        if (c->ep.cert)
            curl_easy_setopt(h, CURLOPT_SSLCERT, c->ep.cert);
        if (c->ep.key)
            curl_easy_setopt(h, CURLOPT_SSLKEY, c->ep.key);
    }
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* thread-safe timeouts */
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    long timeout = req->timeout_ms > 0 ? req->timeout_ms : 0;
    if (thread_deadline) {
        long long left = thread_deadline - now_ms();
        if (left < 1)
            left = 1;
        if (!timeout || left < timeout)
            timeout = (long)left;
    }
    if (timeout > 0)
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
    if (req->idle_timeout_ms > 0) {
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (req->idle_timeout_ms + 999) / 1000);
    }
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    if (req->body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    } else if (req->read) {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, STREAM_BUFFER);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(h, CURLOPT_READDATA, x);
    } else if (streq(req->method, "HEAD")) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    if (req->on_data) /* a big answer (an archive, logs): fewer, larger reads */
        curl_easy_setopt(h, CURLOPT_BUFFERSIZE, STREAM_BUFFER);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
}

/* Turn a transport failure into one line that says what to do. */
static int transport_error(http_client *c, struct xfer *x, CURLcode rc, const char *detail,
                           berr **err)
{
    const char *what = detail[0] ? detail : curl_easy_strerror(rc);
    if (x->cb_err) {
        berr_move(err, &x->cb_err);
        return -1;
    }
    if (x->too_big)
        return berr_set(err, BERR_ENGINE,
                        "the engine at %s sent more than the %zu MiB this request allows",
                        c->display, x->max_body >> 20);
    if (deadline_passed() && (rc == CURLE_ABORTED_BY_CALLBACK || rc == CURLE_OPERATION_TIMEDOUT))
        return berr_set(err, BERR_TIMEOUT, "the deadline passed while waiting for the engine");
    long os_errno = 0;
    curl_easy_getinfo(x->h, CURLINFO_OS_ERRNO, &os_errno);
    if (rc == CURLE_COULDNT_CONNECT && os_errno == 0) {
        /* curl leaves no errno when it could not even make a socket: try
         * one, to learn why (out of file descriptors, mostly). */
        int fd = socket(c->ep.unix_socket ? AF_UNIX : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            os_errno = errno;
        else
            close(fd);
    }
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
        /* curl's own words name "localhost port 80" for a unix socket, and
         * hide a local cause: say what really failed. */
        if (os_errno == EMFILE || os_errno == ENFILE)
            return berr_set(err, BERR_FAILURE,
                            "cannot connect to the engine at %s: too many open files (%s); "
                            "raise the limit (ulimit -n) or run fewer operations at once",
                            c->display, strerror((int)os_errno));
        if (c->ep.unix_socket && os_errno == ECONNREFUSED)
            return berr_set(err, BERR_UNREACHABLE,
                            "cannot reach the engine at %s: nothing listens on that socket "
                            "(connection refused; an engine that stopped may have left it "
                            "behind): 'berth engine start' starts one; --engine or DOCKER_HOST "
                            "names another",
                            c->display);
        if (c->ep.unix_socket && os_errno)
            return berr_set(err, BERR_UNREACHABLE, "cannot reach the engine at %s: %s",
                            c->display, strerror((int)os_errno));
        break;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL: /* "Received HTTP/0.9 when not allowed" */
        return berr_set(err, BERR_ENGINE,
                        "what answers at %s is not a Docker engine: its answer is not HTTP (%s)",
                        c->display, what);
    default:
        break;
    }
    if (os_errno == EMFILE || os_errno == ENFILE)
        return berr_set(err, BERR_FAILURE, "talking to the engine at %s: too many open files; "
                        "raise the limit (ulimit -n) or run fewer operations at once",
                        c->display);
    switch (rc) {
    case CURLE_ABORTED_BY_CALLBACK:
        return berr_set(err, BERR_INTERRUPTED, "interrupted");
    case CURLE_OPERATION_TIMEDOUT:
        return berr_set(err, BERR_TIMEOUT, "the engine at %s did not answer in time: %s",
                        c->display, what);
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
        return berr_set(err, BERR_UNREACHABLE,
                        "cannot reach the engine at %s: %s (is it running? "
                        "'berth engine start' starts one; --engine or DOCKER_HOST names another)",
                        c->display, what);
    default:
        return berr_set(err, BERR_UNREACHABLE, "lost the engine at %s: %s", c->display, what);
    }
}

/* The transfer through a multi handle, so that its wait also watches
 * wake_fd: a long stream (the events) ends at once when another thread
 * says so, not at the next progress callback (up to a second idle). */
static CURLcode perform_wakeable(CURL *h, int wake_fd, bool *woken)
{
    CURLM *m = curl_multi_init();
    if (!m)
        return CURLE_OUT_OF_MEMORY;
    CURLcode res = CURLE_OK;
    if (curl_multi_add_handle(m, h) != CURLM_OK) {
        curl_multi_cleanup(m);
        return CURLE_FAILED_INIT;
    }
    for (int running = 1; running;) {
        if (curl_multi_perform(m, &running) != CURLM_OK) {
            res = CURLE_RECV_ERROR;
            break;
        }
        if (!running)
            break;
        struct curl_waitfd wf = {.fd = wake_fd, .events = CURL_WAIT_POLLIN};
        if (curl_multi_poll(m, &wf, 1, 1000, NULL) != CURLM_OK) {
            res = CURLE_RECV_ERROR;
            break;
        }
        if (wf.revents) {
            *woken = true;
            res = CURLE_ABORTED_BY_CALLBACK;
            break;
        }
    }
    CURLMsg *msg;
    int left;
    while (!*woken && (msg = curl_multi_info_read(m, &left)))
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == h)
            res = msg->data.result;
    curl_multi_remove_handle(m, h);
    curl_multi_cleanup(m);
    return res;
}

int http_do(http_client *c, const struct http_req *req, struct http_resp *resp, berr **err)
{
    http_resp_clear(resp);
    struct xfer x = {.req = req, .resp = resp,
                     .max_body = req->max_body ? req->max_body : HTTP_DEFAULT_MAX_BODY};
    x.h = borrow(c);
    if (!x.h)
        return berr_set(err, BERR_FAILURE, "cannot create an HTTP handle");

    struct curl_slist *hdrs = NULL;
    cleanup_free char *ct = NULL;
    if (req->content_type) {
        ct = xasprintf("Content-Type: %s", req->content_type);
        hdrs = curl_slist_append(hdrs, ct);
    }
    hdrs = curl_slist_append(hdrs, "Expect:"); /* no 100-continue round trip */
    if (req->read)
        hdrs = curl_slist_append(hdrs, "Transfer-Encoding: chunked");
    for (const char *const *h = req->headers; h && *h; h++)
        hdrs = curl_slist_append(hdrs, *h);
    cleanup_free char *url = xasprintf("%s%s", c->base_url, req->path);
    char detail[CURL_ERROR_SIZE] = "";
    setup(c, &x, hdrs, url);
    curl_easy_setopt(x.h, CURLOPT_ERRORBUFFER, detail);

    bool woken = false;
    CURLcode rc = req->wake_fd ? perform_wakeable(x.h, *req->wake_fd, &woken)
                               : curl_easy_perform(x.h);
    curl_easy_getinfo(x.h, CURLINFO_RESPONSE_CODE, &resp->status);
    curl_easy_setopt(x.h, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(hdrs);
    int ret = 0;
    if (woken) {
        ret = berr_set(err, BERR_INTERRUPTED, "stopped by its reader");
        curl_easy_cleanup(x.h);
    } else if (rc != CURLE_OK) {
        ret = transport_error(c, &x, rc, detail, err);
        curl_easy_cleanup(x.h); /* its connection may be half-used */
    } else {
        give_back(c, x.h);
    }
    berr_free(x.cb_err);
    return ret;
}
