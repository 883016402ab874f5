#include "converge/engines.h"

#include <pthread.h>
#include <stdlib.h>

#include "engine/daemon.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "project/values.h"

/* A private engine's start may take this long, unless its part's timeout
 * says otherwise. */
#define PRIVATE_START_MS 60000

/* An engine part's `timeout`, in ms; 0 when it has none. */
static long part_timeout_ms(const struct part *ep)
{
    const char *t = part_value(ep, "timeout");
    long long ms = 0;
    if (!t || parse_duration(t, &ms) || ms <= 0)
        return 0;
    return ms > 24LL * 3600 * 1000 ? 24L * 3600 * 1000 : (long)ms;
}

struct engine_set {
    const struct project *p; /* NULL: the default engine only */
    const char *flag_url;
    bool start_private;
    engine *single;          /* engines_single: every part lives here (borrowed) */
    size_t n;                /* slots */
    engine **e;              /* per slot, once opened and answering */
    berr **failed;           /* per slot, why it could not be opened */
    bool *tried;
    char **label, **name;
    pthread_mutex_t lock;    /* one opening at a time: slots are few */
};

static struct engine_set *set_alloc(size_t n)
{
    struct engine_set *es = xcalloc(1, sizeof *es);
    es->n = n;
    es->e = xcalloc(n, sizeof *es->e);
    es->failed = xcalloc(n, sizeof *es->failed);
    es->tried = xcalloc(n, sizeof *es->tried);
    es->label = xcalloc(n, sizeof *es->label);
    es->name = xcalloc(n, sizeof *es->name);
    pthread_mutex_init(&es->lock, NULL);
    return es;
}

struct engine_set *engines_new(const struct project *p, const char *flag_url, bool start_private)
{
    struct engine_set *es = set_alloc(p ? p->nparts + 1 : 1);
    es->p = p;
    es->flag_url = flag_url;
    es->start_private = start_private;
    return es;
}

struct engine_set *engines_single(engine *e)
{
    struct engine_set *es = set_alloc(1);
    es->single = e;
    es->e[0] = e;
    es->tried[0] = true;
    return es;
}

void engines_free(struct engine_set *es)
{
    if (!es)
        return;
    for (size_t i = 0; i < es->n; i++) {
        if (!es->single)
            engine_free(es->e[i]);
        berr_free(es->failed[i]);
        free(es->label[i]);
        free(es->name[i]);
    }
    free(es->e);
    free(es->failed);
    free(es->tried);
    free(es->label);
    free(es->name);
    pthread_mutex_destroy(&es->lock);
    free(es);
}

void engines_reproject(struct engine_set *es, const struct project *p)
{
    if (!es->single)
        es->p = p;
}

size_t engines_nslots(const struct engine_set *es)
{
    return es->n;
}

size_t engines_slot_of(const struct engine_set *es, const struct project *p, size_t part)
{
    if (es->single || !es->p)
        return 0;
    if (part >= p->nparts) /* the project's default */
        return p->engine_part >= 0 ? (size_t)p->engine_part : ENGINES_DEFAULT(p);
    const struct part *pt = &p->parts[part];
    if (pt->kind == PART_ENGINE)
        return part;
    return pt->engine_part >= 0 ? (size_t)pt->engine_part : ENGINES_DEFAULT(p);
}

static int start_private(const struct part *ep, const char *dir, long wait_ms, berr **err)
{
    struct daemon_conf c;
    if (daemon_conf_init(&c, dir, NULL, err) < 0)
        return berr_wrap(err, "engine part '%s' (%s:%d)", ep->name, ep->loc.file, ep->loc.line);
    bool already;
    int rc = daemon_start(&c, wait_ms, &already, err);
    daemon_conf_clear(&c);
    if (rc < 0)
        berr_wrap(err, "starting the private engine of part '%s' in %s", ep->name, dir);
    return rc;
}

/* Open (not yet contact) the engine an engine part names. */
static int open_part(const struct part *ep, bool start, engine **out, berr **err)
{
    const char *context = part_value(ep, "context");
    const char *api = part_value(ep, "api-version");
    cleanup_free char *origin = xasprintf("engine part '%s' (%s:%d)", ep->name, ep->loc.file,
                                          ep->loc.line);
    if (api && api_version_cmp(api, ENGINE_API_MIN) < 0)
        return berr_set(err, BERR_PROJECT, "%s: api-version %s is older than berth speaks (%s)",
                        origin, api, ENGINE_API_MIN);
    struct engine_env env = {0};
    cleanup_free char *tcp = NULL;
    if (context) {
        if (engine_env_from_context(&env, context, origin, err) < 0)
            return -1;
    } else {
        env.home = getenv("HOME");
        env.host = part_value(ep, "url");
        env.origin = origin;
        env.ca = part_value(ep, "tls-ca");
        env.cert = part_value(ep, "tls-cert");
        env.key = part_value(ep, "tls-key");
        env.tls_verify = streq(part_value(ep, "tls-verify"), "true");
        env.tls = env.tls_verify || env.ca || env.cert;
        /* The loader takes http:// and https:// too: the same TCP endpoint,
         * https:// with TLS on. */
        if (starts_with(env.host, "http://") || starts_with(env.host, "https://")) {
            env.tls = env.tls || env.host[4] == 's';
            tcp = xasprintf("tcp://%s", strstr(env.host, "://") + 3);
            env.host = tcp;
        }
    }
    env.api_max = api;
    /* The part's deadline is that of its work in up: the engine's start
     * and first answer. */
    long wait_ms = part_timeout_ms(ep);
    env.contact_ms = wait_ms;
    int rc = 0;
    if (streq(part_value(ep, "private"), "true") && start)
        rc = start_private(ep, part_value(ep, "dir"), wait_ms ? wait_ms : PRIVATE_START_MS, err);
    if (rc == 0)
        rc = engine_open_env(&env, out, err);
    engine_env_clear(&env);
    return rc;
}

/* Where an engine part points, before it is opened (for errors). */
static char *part_address(const struct part *ep)
{
    const char *v;
    if ((v = part_value(ep, "context")))
        return xasprintf("docker context %s", v);
    if (streq(part_value(ep, "private"), "true") && (v = part_value(ep, "dir")))
        return xasprintf("unix://%s/docker.sock", v);
    return xstrdup((v = part_value(ep, "url")) ? v : "?");
}

static void set_labels(struct engine_set *es, size_t slot, engine *e)
{
    const struct part *ep = es->p && slot < es->p->nparts ? &es->p->parts[slot] : NULL;
    cleanup_free char *addr = e ? xstrdup(engine_address(e)) : ep ? part_address(ep) : NULL;
    free(es->label[slot]);
    free(es->name[slot]);
    if (ep) {
        es->label[slot] = xasprintf("engine part '%s' (%s:%d) at %s", ep->name, ep->loc.file,
                                    ep->loc.line, addr);
        es->name[slot] = xstrdup(ep->name);
    } else {
        es->label[slot] = addr ? xasprintf("the engine at %s", addr) : xstrdup("the default engine");
        es->name[slot] = xstrdup(addr ? addr : "default");
    }
}

static int open_slot(struct engine_set *es, size_t slot, engine **out, berr **err)
{
    engine *e = NULL;
    const struct part *ep = es->p && slot < es->p->nparts ? &es->p->parts[slot] : NULL;
    int rc = ep ? open_part(ep, es->start_private, &e, err)
                : engine_open(es->flag_url, &e, err);
    set_labels(es, slot, e);
    /* Contacted now, so that a refusal names the part that placed it (the
     * default engine is contacted by its first call, as it always was). */
    if (rc == 0 && ep && engine_connect(e, err) < 0)
        rc = -1;
    if (rc < 0) {
        if (ep && part_timeout_ms(ep) && *err && (*err)->code == BERR_TIMEOUT)
            berr_wrap(err, "timeout = %s passed (the engine part's 'timeout')",
                      part_value(ep, "timeout"));
        if (ep)
            berr_wrap(err, "%s", es->label[slot]);
        engine_free(e);
        return -1;
    }
    *out = e;
    return 0;
}

int engines_get(struct engine_set *es, size_t slot, engine **out, berr **err)
{
    *out = NULL;
    if (slot >= es->n)
        return berr_set(err, BERR_FAILURE, "no engine slot %zu", slot);
    pthread_mutex_lock(&es->lock);
    if (!es->tried[slot]) {
        es->tried[slot] = true;
        if (open_slot(es, slot, &es->e[slot], &es->failed[slot]) < 0)
            es->e[slot] = NULL;
    }
    int rc = 0;
    if (es->e[slot])
        *out = es->e[slot];
    else
        rc = berr_set(err, es->failed[slot] ? es->failed[slot]->code : BERR_UNREACHABLE, "%s",
                      es->failed[slot] ? es->failed[slot]->msg : "engine not opened");
    pthread_mutex_unlock(&es->lock);
    return rc;
}

bool engines_answered(const struct engine_set *es, size_t slot)
{
    /* Opened is not enough: with a remembered API version, opening an
     * engine sends nothing (engine/apicache.h). */
    return slot < es->n && es->e[slot] && engine_answered(es->e[slot]);
}

const char *engines_label(struct engine_set *es, size_t slot)
{
    pthread_mutex_lock(&es->lock);
    if (!es->label[slot])
        set_labels(es, slot, es->e[slot]);
    pthread_mutex_unlock(&es->lock);
    return es->label[slot];
}

const char *engines_name(struct engine_set *es, size_t slot)
{
    pthread_mutex_lock(&es->lock);
    if (!es->name[slot])
        set_labels(es, slot, es->e[slot]);
    pthread_mutex_unlock(&es->lock);
    return es->name[slot];
}

/* The engine part each part that acts on an engine lives on: engine parts
 * themselves are addresses, not occupants. */
int engines_part_of(const struct project *p, const struct project_sel *sel, int *part, berr **err)
{
    int found = -2;
    size_t first = 0;
    for (size_t i = 0; i < p->nparts; i++) {
        const struct part *pt = &p->parts[i];
        if (pt->kind == PART_ENGINE || (sel && !sel->part[i]))
            continue;
        if (found == -2) {
            found = pt->engine_part;
            first = i;
        } else if (pt->engine_part != found) {
            const char *a = found < 0 ? "the default engine" : p->parts[found].name;
            const char *b = pt->engine_part < 0 ? "the default engine" : p->parts[pt->engine_part].name;
            return berr_set(err, BERR_PROJECT,
                            "%s:%d: part '%s' lives on %s and part '%s' (%s:%d) on %s: this "
                            "command acts on one engine; name the parts of one engine as targets",
                            p->parts[i].loc.file, p->parts[i].loc.line, pt->name, b,
                            p->parts[first].name, p->parts[first].loc.file,
                            p->parts[first].loc.line, a);
        }
    }
    *part = found < 0 ? -1 : found;
    return 0;
}

int engines_open(const struct project *p, const struct project_sel *sel, const char *flag_url,
                 bool start, engine **out, berr **err)
{
    *out = NULL;
    int ei = -1;
    if (p && engines_part_of(p, sel, &ei, err) < 0)
        return -1;
    if (ei < 0)
        return engine_open(flag_url, out, err);
    struct engine_set *es = engines_new(p, flag_url, start);
    int rc = open_slot(es, (size_t)ei, out, err);
    engines_free(es);
    return rc;
}
