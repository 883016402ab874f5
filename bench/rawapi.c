/* rawapi: the benchmark's raw-API baseline. It does what `berth up`, `plan`,
 * `ps` and `down` do for the benchmark's project, with nothing else: plain
 * libcurl requests over the engine's unix socket, P worker threads that each
 * keep one connection, the same create bodies berth sends (same image,
 * command, environment, labels, network and aliases), the same order
 * (network first), the same stop semantics (stop with the container's grace,
 * then remove). It reads no project file, computes no plan beyond comparing
 * one label, and prints almost nothing: the engine's own limit.
 *
 *   rawapi SOCKET PROJECT N up|plan|ps|down [--parallel P] [--change K]
 *          [--image IMAGE] [--api VERSION]
 *
 * Containers are PROJECT-sNNN-main (NNN = 001..N), on the network
 * PROJECT-default with aliases sNNN and sNNN-main. --change K adds
 * BENCH_CHANGE=1 to the environment of container K, as the benchmark's
 * "change one part" step does for berth and docker-compose.
 *
 * up: list the project's containers and networks (one call each), create
 * the network if missing, then in parallel: create+start the missing
 * containers, stop+remove+create+start those whose configuration label
 * differs, start stopped ones. plan: the same lists and comparison, no
 * writes. ps: one list, printed sorted. down: one list, in parallel
 * stop+remove each container, then remove the network.
 *
 * Built by bench/run.sh: cc -O2 rawapi.c $(pkg-config --cflags --libs
 * libcurl jansson) -lpthread. */
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CMD "trap 'exit 0' TERM; sleep 2147483647 & wait"

static const char *sock, *project, *image = "bench/busybox", *api = "1.41";
static int n, parallel = 8, change;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("rawapi: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

/* ---- HTTP: one handle (one kept-alive connection) per thread ---- */

struct buf {
    char *p;
    size_t len, cap;
};

static size_t on_write(char *d, size_t sz, size_t nm, void *ud)
{
    struct buf *b = ud;
    size_t k = sz * nm;
    if (b->len + k + 1 > b->cap) {
        b->cap = (b->len + k + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            die("out of memory");
    }
    memcpy(b->p + b->len, d, k);
    b->len += k;
    b->p[b->len] = '\0';
    return k;
}

/* One request; returns the status, the body in *out (NUL-terminated). */
static long req(CURL *h, const char *method, const char *path, const char *body,
                struct buf *out)
{
    char url[512];
    snprintf(url, sizeof url, "http://localhost/v%s%s", api, path);
    out->len = 0;
    if (out->p)
        out->p[0] = '\0';
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, sock);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    struct curl_slist *hd = NULL;
    hd = curl_slist_append(hd, "Expect:");
    if (body) {
        hd = curl_slist_append(hd, "Content-Type: application/json");
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(hd);
    if (rc != CURLE_OK)
        die("%s %s: %s", method, path, curl_easy_strerror(rc));
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

static void expect(long got, long ok1, long ok2, const char *what, const struct buf *b)
{
    if (got != ok1 && got != ok2)
        die("%s: HTTP %ld: %s", what, got, b->p ? b->p : "");
}

/* ---- the desired containers ---- */

static char *name_of(int i)
{
    static __thread char s[256];
    snprintf(s, sizeof s, "%s-s%03d-main", project, i);
    return s;
}

/* FNV-1a: enough to tell one configuration from another. */
static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The create body of container i, as berth makes it for the same part. */
static char *body_of(int i)
{
    char part[16];
    snprintf(part, sizeof part, "s%03d", i);
    json_t *env = json_pack("[s+, s, s, s, s, s, s]", "CONTAINER=", part, "INSTANCE=main",
                            "INSTANCE_TYPE=standard", "PERSISTENT_DATA=false",
                            "PERSISTENT_OPT=false", "PERSISTENT_LOG=false", "SAFEMODE=false");
    if (i == change)
        json_array_append_new(env, json_string("BENCH_CHANGE=1"));
    char net[256];
    snprintf(net, sizeof net, "%s-default", project);
    json_t *labels = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "bench.project", project,
                               "bench.part", part, "bench.kind", "container", "bench.instance",
                               "main", "bench.instance-type", "standard", "bench.stop-timeout",
                               "10");
    json_t *b = json_pack(
        "{s:s, s:[s, s, s], s:o, s:b, s:b, s:b, s:i, s:{s:s, s:{s:s}}, s:{s:{s:{s:[s, s+]}}}}",
        "Image", image, "Cmd", "sh", "-c", CMD, "Env", env, "Tty", 0, "OpenStdin", 0,
        "AttachStdin", 0, "StopTimeout", 10, "HostConfig", "NetworkMode", net, "RestartPolicy",
        "Name", "no", "NetworkingConfig", "EndpointsConfig", net, "Aliases", part, part,
        "-main");
    /* The configuration's hash and a per-field list, as long as berth's. */
    char *plain = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
    char hash[65];
    uint64_t h = fnv(plain);
    snprintf(hash, sizeof hash, "%016llx%016llx%016llx%016llx", (unsigned long long)h,
             (unsigned long long)~h, (unsigned long long)(h * 3), (unsigned long long)(h * 5));
    free(plain);
    char fields[400];
    snprintf(fields, sizeof fields,
             "AttachStdin:%.8s,Cmd:%.8s,Env:%.8s,HostConfig.NetworkMode:%.8s,"
             "HostConfig.RestartPolicy:%.8s,Image:%.8s,Labels:%.8s,NetworkingConfig:%.8s,"
             "OpenStdin:%.8s,StopTimeout:%.8s,Tty:%.8s,image:%.8s,networks:%.8s",
             hash, hash + 8, hash + 16, hash + 24, hash + 32, hash + 40, hash + 48, hash + 56,
             hash, hash + 8, hash + 16, hash + 24, hash + 32);
    json_object_set_new(labels, "bench.config-hash", json_string(hash));
    json_object_set_new(labels, "bench.config-fields", json_string(fields));
    json_object_set_new(b, "Labels", labels);
    char *s = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    return s;
}

/* ---- what exists ---- */

static char *filter_query(void)
{
    static char q[512];
    /* {"label":["bench.project=P"]}, URL-encoded */
    snprintf(q, sizeof q, "filters=%%7B%%22label%%22%%3A%%5B%%22bench.project%%3D%s%%22%%5D%%7D",
             project);
    return q;
}

static json_t *list(CURL *h, const char *what)
{
    char path[640];
    snprintf(path, sizeof path, "/%s%s%s", what,
             strcmp(what, "containers/json") == 0 ? "?all=1&" : "?", filter_query());
    struct buf b = {0};
    expect(req(h, "GET", path, NULL, &b), 200, 200, path, &b);
    json_error_t je;
    json_t *j = json_loadb(b.p, b.len, 0, &je);
    free(b.p);
    if (!json_is_array(j))
        die("%s: not a list", path);
    return j;
}

static json_t *find(json_t *containers, const char *name)
{
    size_t i;
    json_t *c;
    json_array_foreach(containers, i, c) {
        const char *s = json_string_value(json_array_get(json_object_get(c, "Names"), 0));
        if (s && s[0] == '/' && strcmp(s + 1, name) == 0)
            return c;
    }
    return NULL;
}

static const char *first_name(json_t *c)
{
    const char *s = json_string_value(json_array_get(json_object_get(c, "Names"), 0));
    return s ? s : "/";
}

static int by_name(const void *a, const void *b)
{
    return strcmp(first_name(*(json_t *const *)a), first_name(*(json_t *const *)b));
}

/* ---- the work, in parallel ---- */

enum op { CREATE, RECREATE, START, REMOVE };
struct job {
    enum op op;
    int i;
    char *id;
    int running;
};
static struct job *jobs;
static int njobs, next_job;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void stop_remove(CURL *h, struct buf *b, const char *id, int running)
{
    char path[512];
    if (running) {
        snprintf(path, sizeof path, "/containers/%s/stop?t=10", id);
        expect(req(h, "POST", path, NULL, b), 204, 304, path, b);
    }
    snprintf(path, sizeof path, "/containers/%s?force=1", id);
    expect(req(h, "DELETE", path, NULL, b), 204, 404, path, b);
}

static void create_start(CURL *h, struct buf *b, int i)
{
    char path[512];
    char *body = body_of(i);
    snprintf(path, sizeof path, "/containers/create?name=%s", name_of(i));
    expect(req(h, "POST", path, body, b), 201, 201, path, b);
    free(body);
    json_t *j = json_loads(b->p, 0, NULL);
    snprintf(path, sizeof path, "/containers/%s/start",
             json_string_value(json_object_get(j, "Id")));
    json_decref(j);
    expect(req(h, "POST", path, NULL, b), 204, 304, path, b);
}

static void *worker(void *ud)
{
    (void)ud;
    CURL *h = curl_easy_init();
    struct buf b = {0};
    for (;;) {
        pthread_mutex_lock(&lock);
        int k = next_job < njobs ? next_job++ : -1;
        pthread_mutex_unlock(&lock);
        if (k < 0)
            break;
        struct job *jb = &jobs[k];
        char path[512];
        switch (jb->op) {
        case RECREATE:
            stop_remove(h, &b, jb->id, jb->running);
            /* fall through */
        case CREATE:
            create_start(h, &b, jb->i);
            break;
        case START:
            snprintf(path, sizeof path, "/containers/%s/start", jb->id);
            expect(req(h, "POST", path, NULL, &b), 204, 304, path, &b);
            break;
        case REMOVE:
            stop_remove(h, &b, jb->id, jb->running);
            break;
        }
    }
    free(b.p);
    curl_easy_cleanup(h);
    return NULL;
}

static void run_jobs(void)
{
    int t = parallel < njobs ? parallel : njobs;
    pthread_t th[256];
    for (int k = 0; k < t; k++)
        if (pthread_create(&th[k], NULL, worker, NULL) != 0)
            die("cannot start a thread");
    for (int k = 0; k < t; k++)
        pthread_join(th[k], NULL);
}

static void add_job(enum op op, int i, json_t *c)
{
    const char *id = c ? json_string_value(json_object_get(c, "Id")) : NULL;
    const char *state = c ? json_string_value(json_object_get(c, "State")) : NULL;
    jobs[njobs++] = (struct job){op, i, id ? strdup(id) : NULL,
                                 state && strcmp(state, "running") == 0};
}

int main(int argc, char **argv)
{
    if (argc < 5)
        die("usage: rawapi SOCKET PROJECT N up|plan|ps|down [--parallel P] [--change K] "
            "[--image IMAGE] [--api VERSION]");
    sock = argv[1], project = argv[2], n = atoi(argv[3]);
    const char *cmd = argv[4];
    for (int k = 5; k + 1 < argc; k += 2) {
        if (strcmp(argv[k], "--parallel") == 0)
            parallel = atoi(argv[k + 1]);
        else if (strcmp(argv[k], "--change") == 0)
            change = atoi(argv[k + 1]);
        else if (strcmp(argv[k], "--image") == 0)
            image = argv[k + 1];
        else if (strcmp(argv[k], "--api") == 0)
            api = argv[k + 1];
        else
            die("unknown option %s", argv[k]);
    }
    if (parallel < 1 || parallel > 256)
        die("--parallel: 1 to 256");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *h = curl_easy_init();
    struct buf b = {0};
    char net[256], path[512];
    snprintf(net, sizeof net, "%s-default", project);
    json_t *cs = list(h, "containers/json");
    jobs = calloc((size_t)(n > 0 ? n : 1) + json_array_size(cs), sizeof *jobs);

    if (strcmp(cmd, "ps") == 0) {
        /* sorted by name, like every tool's ps */
        size_t m = json_array_size(cs);
        json_t **v = calloc(m ? m : 1, sizeof *v);
        for (size_t k = 0; k < m; k++)
            v[k] = json_array_get(cs, k);
        qsort(v, m, sizeof *v, by_name);
        for (size_t k = 0; k < m; k++)
            printf("%s\t%s\t%s\n", first_name(v[k]) + 1,
                   json_string_value(json_object_get(v[k], "State")),
                   json_string_value(json_object_get(v[k], "Status")));
        free(v);
    } else if (strcmp(cmd, "up") == 0 || strcmp(cmd, "plan") == 0) {
        int dry = strcmp(cmd, "plan") == 0;
        json_t *nets = list(h, "networks");
        int have_net = 0;
        size_t k;
        json_t *o;
        json_array_foreach(nets, k, o)
            have_net |= strcmp(json_string_value(json_object_get(o, "Name")), net) == 0;
        json_decref(nets);
        if (!have_net && dry) {
            printf("network %s: create\n", net);
        } else if (!have_net) {
            snprintf(path, sizeof path,
                     "{\"Name\":\"%s\",\"Driver\":\"bridge\",\"CheckDuplicate\":true,"
                     "\"Labels\":{\"bench.project\":\"%s\",\"bench.kind\":\"network\"}}",
                     net, project);
            expect(req(h, "POST", "/networks/create", path, &b), 201, 201, "network create", &b);
        }
        for (int i = 1; i <= n; i++) {
            json_t *c = find(cs, name_of(i));
            if (!c) {
                add_job(CREATE, i, NULL);
                continue;
            }
            char *body = body_of(i);
            json_t *bj = json_loads(body, 0, NULL);
            const char *want = json_string_value(
                json_object_get(json_object_get(bj, "Labels"), "bench.config-hash"));
            const char *have = json_string_value(
                json_object_get(json_object_get(c, "Labels"), "bench.config-hash"));
            if (!have || strcmp(want, have) != 0)
                add_job(RECREATE, i, c);
            else if (strcmp(json_string_value(json_object_get(c, "State")), "running") != 0)
                add_job(START, i, c);
            json_decref(bj);
            free(body);
        }
        if (dry) {
            static const char *const verb[] = {"create", "recreate", "start", "remove"};
            for (int j = 0; j < njobs; j++)
                printf("%s: %s\n", name_of(jobs[j].i), verb[jobs[j].op]);
            printf("%d change(s)\n", njobs);
        } else {
            run_jobs();
        }
    } else if (strcmp(cmd, "down") == 0) {
        size_t k;
        json_t *c;
        json_array_foreach(cs, k, c)
            add_job(REMOVE, 0, c);
        run_jobs();
        json_t *nets = list(h, "networks");
        json_t *o;
        json_array_foreach(nets, k, o) {
            snprintf(path, sizeof path, "/networks/%s",
                     json_string_value(json_object_get(o, "Id")));
            expect(req(h, "DELETE", path, NULL, &b), 204, 404, path, &b);
        }
        json_decref(nets);
    } else {
        die("unknown command %s", cmd);
    }
    for (int j = 0; j < njobs; j++)
        free(jobs[j].id);
    free(jobs);
    json_decref(cs);
    free(b.p);
    curl_easy_cleanup(h);
    curl_global_cleanup();
    return 0;
}
