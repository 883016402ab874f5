#include "converge/engines.h"

#include "engine/daemon.h"
#include "base/strbuf.h"
#include "base/util.h"

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
                            "%s:%d: part '%s' lives on %s and part '%s' (%s:%d) on %s: berth acts "
                            "on one engine per run so far; name the parts of one engine as targets",
                            p->parts[i].loc.file, p->parts[i].loc.line, pt->name, b,
                            p->parts[first].name, p->parts[first].loc.file,
                            p->parts[first].loc.line, a);
        }
    }
    *part = found < 0 ? -1 : found;
    return 0;
}

static int start_private(const struct part *ep, const char *dir, berr **err)
{
    struct daemon_conf c;
    if (daemon_conf_init(&c, dir, NULL, err) < 0)
        return berr_wrap(err, "engine part '%s' (%s:%d)", ep->name, ep->loc.file, ep->loc.line);
    bool already;
    int rc = daemon_start(&c, 60000, &already, err);
    daemon_conf_clear(&c);
    if (rc < 0)
        berr_wrap(err, "starting the private engine of part '%s' in %s", ep->name, dir);
    return rc;
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
    const struct part *ep = &p->parts[ei];
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
    int rc = 0;
    if (streq(part_value(ep, "private"), "true") && start)
        rc = start_private(ep, part_value(ep, "dir"), err);
    if (rc == 0)
        rc = engine_open_env(&env, out, err);
    /* Contacted now, so that a refusal names the part that placed it. */
    if (rc == 0 && engine_connect(*out, err) < 0) {
        berr_wrap(err, "%s", origin);
        engine_free(*out);
        *out = NULL;
        rc = -1;
    }
    engine_env_clear(&env);
    return rc;
}
