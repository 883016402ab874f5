#include "registry/pullpush.h"

#include <string.h>

#include "base/util.h"
#include "engine/api.h"

void reg_split_ref(const char *ref, char **repo, char **tag)
{
    const char *at = strchr(ref, '@');
    if (at) {
        *repo = xstrndup(ref, (size_t)(at - ref));
        *tag = xstrdup(at + 1);
        return;
    }
    const char *colon = strrchr(ref, ':');
    if (colon && !strchr(colon, '/')) {
        *repo = xstrndup(ref, (size_t)(colon - ref));
        *tag = xstrdup(colon + 1);
    } else {
        *repo = xstrdup(ref);
        *tag = xstrdup("latest");
    }
}

int reg_cred_for(const char *ref, const char *registry, const char *user, const char *password,
                 struct reg_cred *out, berr **err)
{
    memset(out, 0, sizeof *out);
    cleanup_free char *host = registry ? reg_normalize(registry) : reg_host_of(ref);
    struct reg_config cfg;
    bool found = false;
    int rc = reg_config_load(&cfg, err);
    if (rc == 0)
        rc = reg_cred_get(&cfg, host, out, &found, err);
    reg_config_clear(&cfg);
    if (rc < 0)
        return -1;
    if (!found && user && password) {
        out->server = xstrdup(host);
        out->username = xstrdup(user);
        out->password = xstrdup(password);
    } else if (!found) {
        out->server = xstrdup(host);
    }
    return 0;
}

/* ---- progress ---- */

struct progress {
    reporter *rep;
    const char *subject;
    json_t *phase;     /* layer id -> its last status */
    char *digest;      /* from "digest: sha256:..." (push) or "Digest: ..." (pull) */
    long long last_ms; /* byte counts at most every 100 ms */
};

static void human(char *buf, size_t n, double v)
{
    const char *u[] = {"B", "kB", "MB", "GB", "TB"};
    int i = 0;
    while (v >= 1000 && i < 4) {
        v /= 1000;
        i++;
    }
    snprintf(buf, n, i ? "%.1f %s" : "%.0f %s", v, u[i]);
}

static int on_progress(void *ud, json_t *msg, berr **err)
{
    (void)err;
    struct progress *pg = ud;
    const char *status = json_string_value(json_object_get(msg, "status"));
    const char *id = json_string_value(json_object_get(msg, "id"));
    json_t *aux = json_object_get(msg, "aux");
    if (json_string_value(json_object_get(aux, "Digest"))) {
        free(pg->digest);
        pg->digest = xstrdup(json_string_value(json_object_get(aux, "Digest")));
    }
    if (!status)
        return 0;
    const char *d = strstr(status, "igest: sha256:");
    if (d && !pg->digest)
        pg->digest = xstrndup(d + 7, strcspn(d + 7, " "));
    if (!id) {
        report(pg->rep, EV_LINE, pg->subject, NULL, status);
        return 0;
    }
    json_t *detail = json_object_get(msg, "progressDetail");
    json_int_t cur = json_integer_value(json_object_get(detail, "current"));
    json_int_t tot = json_integer_value(json_object_get(detail, "total"));
    if (!streq(json_string_value(json_object_get(pg->phase, id)), status)) {
        json_object_set_new(pg->phase, id, json_string(status));
        if (tot > 0) {
            char t[32];
            human(t, sizeof t, (double)tot);
            reportf(pg->rep, EV_LINE, pg->subject, NULL, "%s: %s (%s)", id, status, t);
        } else {
            reportf(pg->rep, EV_LINE, pg->subject, NULL, "%s: %s", id, status);
        }
    } else if (tot > 0 && now_ms() - pg->last_ms >= 100) {
        char c[32], t[32];
        human(c, sizeof c, (double)cur);
        human(t, sizeof t, (double)tot);
        reportf(pg->rep, EV_PROGRESS, pg->subject, NULL, "%s: %s %s / %s", id, status, c, t);
        pg->last_ms = now_ms();
    }
    return 0;
}

/* A call that streams progress, with the registry credentials attached. */
static int progress_call(engine *e, const char *method, const char *path,
                         const struct reg_cred *cred, struct progress *pg, berr **err)
{
    char *auth = reg_auth_header(cred);
    char *hdr = xasprintf("X-Registry-Auth: %s", auth);
    const char *headers[] = {hdr, NULL};
    struct engine_req r = {.method = method, .path = path, .headers = headers,
                           .timeout_ms = -1, .on_msg = on_progress, .ud = pg};
    int rc = engine_call(e, &r, NULL, NULL, err);
    explicit_bzero(hdr, strlen(hdr));
    explicit_bzero(auth, strlen(auth));
    free(hdr);
    free(auth);
    return rc;
}

int reg_pull(engine *e, const char *ref, const char *platform, const struct reg_cred *cred,
             reporter *rep, const char *subject, berr **err)
{
    strbuf q = STRBUF_INIT;
    sb_adds(&q, "/images/create");
    cleanup_free char *repo = NULL, *tag = NULL;
    reg_split_ref(ref, &repo, &tag);
    query_add(&q, "fromImage", repo);
    query_add(&q, "tag", tag); /* never empty: an empty tag pulls every tag */
    if (platform && *platform)
        query_add(&q, "platform", platform);
    struct progress pg = {.rep = rep, .subject = subject, .phase = json_object()};
    report(rep, EV_STATE, subject, "pulling", NULL);
    int rc = progress_call(e, "POST", q.buf, cred, &pg, err);
    json_decref(pg.phase);
    free(pg.digest);
    sb_release(&q);
    if (rc < 0)
        return berr_wrap(err, "pull %s", ref);
    return 0;
}

int reg_tag(engine *e, const char *src, const char *ref, berr **err)
{
    cleanup_free char *repo = NULL, *tag = NULL;
    reg_split_ref(ref, &repo, &tag);
    cleanup_free char *base = api_path("/images", src, "/tag");
    strbuf q = STRBUF_INIT;
    sb_adds(&q, base);
    query_add(&q, "repo", repo);
    query_add(&q, "tag", tag);
    int rc = engine_post(e, q.buf, NULL, NULL, err);
    sb_release(&q);
    return rc < 0 ? berr_wrap(err, "tag %s as %s", src, ref) : 0;
}

int reg_push(engine *e, const char *ref, const struct reg_cred *cred, reporter *rep,
             const char *subject, char **digest, berr **err)
{
    if (digest)
        *digest = NULL;
    cleanup_free char *repo = NULL, *tag = NULL;
    reg_split_ref(ref, &repo, &tag);
    cleanup_free char *base = api_path("/images", repo, "/push");
    strbuf q = STRBUF_INIT;
    sb_adds(&q, base);
    query_add(&q, "tag", tag);
    struct progress pg = {.rep = rep, .subject = subject, .phase = json_object()};
    report(rep, EV_STATE, subject, "pushing", NULL);
    int rc = progress_call(e, "POST", q.buf, cred, &pg, err);
    json_decref(pg.phase);
    sb_release(&q);
    if (rc == 0 && digest)
        *digest = pg.digest;
    else
        free(pg.digest);
    return rc < 0 ? berr_wrap(err, "push %s", ref) : 0;
}

int reg_remote_digest(engine *e, const char *ref, const struct reg_cred *cred, char **digest,
                      berr **err)
{
    *digest = NULL;
    cleanup_free char *path = api_path("/distribution", ref, "/json");
    char *auth = reg_auth_header(cred);
    char *hdr = xasprintf("X-Registry-Auth: %s", auth);
    const char *headers[] = {hdr, NULL};
    struct engine_req r = {.method = "GET", .path = path, .headers = headers};
    json_t *out = NULL;
    long status = 0;
    berr *e2 = NULL;
    int rc = engine_call(e, &r, &out, &status, &e2);
    explicit_bzero(hdr, strlen(hdr));
    explicit_bzero(auth, strlen(auth));
    free(hdr);
    free(auth);
    if (rc < 0) {
        /* The engine answers "manifest unknown" / "not found" as an error:
         * the registry holds nothing for that tag yet. Other errors stand. */
        bool none = e2 && e2->msg &&
                    (strstr(e2->msg, "manifest unknown") || strstr(e2->msg, "not found") ||
                     strstr(e2->msg, "name unknown"));
        if (none) {
            berr_free(e2);
            return 0;
        }
        berr_move(err, &e2);
        return berr_wrap(err, "ask the registry about %s", ref);
    }
    const char *d = json_string_value(json_object_get(json_object_get(out, "Descriptor"), "digest"));
    if (d)
        *digest = xstrdup(d);
    json_decref(out);
    return 0;
}

int reg_engine_login(engine *e, const struct reg_cred *cred, berr **err)
{
    json_t *body = json_pack("{s:s, s:s, s:s}", "username", cred->username ? cred->username : "",
                             "password", cred->password ? cred->password : "", "serveraddress",
                             cred->server ? cred->server : "");
    struct engine_req r = {.method = "POST", .path = "/auth", .json = body};
    int rc = engine_call(e, &r, NULL, NULL, err);
    json_decref(body);
    return rc < 0 ? berr_wrap(err, "login to %s", cred->server) : 0;
}
