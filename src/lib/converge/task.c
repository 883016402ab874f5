/* The one-off container of a task: what `berth task` creates (pure). */
#include "converge/task.h"

#include <errno.h>
#include <stdio.h>

#include "base/util.h"
#include "converge/desired.h"
#include "converge/hostuser.h"
#include "engine/api.h"

#define ARGS_WORD "${args}"

bool task_as_host(const struct part *pt)
{
    return streq(part_value(pt, "user"), "host");
}

json_t *task_argv(const struct part *pt, const char *const *args)
{
    json_t *a = json_array();
    const struct setting *cmd = part_setting(pt, "command");
    bool placed = false;
    for (size_t i = 0; cmd && i < cmd->items.n; i++) {
        if (!streq(cmd->items.v[i], ARGS_WORD)) {
            json_array_append_new(a, json_string(cmd->items.v[i]));
            continue;
        }
        for (const char *const *x = args; x && *x; x++)
            json_array_append_new(a, json_string(*x));
        placed = true;
    }
    for (const char *const *x = args; !placed && x && *x; x++)
        json_array_append_new(a, json_string(*x));
    return a;
}

/* NAME=VALUE lines of an env file; blank lines and # comments skipped. */
static int env_file(const char *path, json_t *env, berr **err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return berr_errno(err, errno == ENOENT ? BERR_NOTFOUND : BERR_FAILURE, errno,
                          "env-files: %s", path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    while ((n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        const char *s = line + strspn(line, " \t");
        if (!*s || *s == '#')
            continue;
        if (!strchr(s, '=') || *s == '=') {
            rc = berr_set(err, BERR_PROJECT, "env-files: %s: '%s' is not NAME=VALUE", path, s);
            break;
        }
        json_array_append_new(env, json_string(s));
    }
    free(line);
    fclose(f);
    return rc;
}

int task_container(const struct project *p, const struct part *pt, const struct task_call *call,
                   char **name, json_t **body, json_t **networks, berr **err)
{
    *name = NULL;
    *body = NULL;
    *networks = json_array();
    json_t *env = json_array();
    bool host = task_as_host(pt) && call->who;
    if (host) {
        cleanup_free char *home = hostuser_home(call->who);
        cleanup_free char *h = xasprintf("HOME=%s", home);
        json_array_append_new(env, json_string(h));
        cleanup_free char *u = xasprintf("USER=%s", call->who->name);
        json_array_append_new(env, json_string(u));
    }
    if (call->tty && call->term) {
        cleanup_free char *t = xasprintf("TERM=%s", call->term);
        json_array_append_new(env, json_string(t));
    }
    const struct setting *s = part_setting(pt, "env-files");
    for (size_t i = 0; s && i < s->items.n; i++)
        if (env_file(s->items.v[i], env, err) < 0) {
            json_decref(env);
            return berr_wrap(err, "task %s", pt->name);
        }
    s = part_setting(pt, "env");
    for (size_t i = 0; s && i < s->items.n; i++)
        json_array_append_new(env, json_string(s->items.v[i]));

    json_t *cfg = json_pack("{s:s, s:o, s:o, s:b, s:b, s:b, s:b, s:b, s:b}", "Image", pt->image,
                            "Cmd", task_argv(pt, call->args), "Env", env, "Tty", call->tty,
                            "OpenStdin", 1, "StdinOnce", 1, "AttachStdin", 1, "AttachStdout", 1,
                            "AttachStderr", 1);
    if ((s = part_setting(pt, "entrypoint")) && s->items.n) {
        json_t *ep = json_array();
        for (size_t i = 0; i < s->items.n; i++)
            json_array_append_new(ep, json_string(s->items.v[i]));
        json_object_set_new(cfg, "Entrypoint", ep);
    }
    if (host) {
        cleanup_free char *u = xasprintf("%u:%u", call->who->uid, call->who->gid);
        json_object_set_new(cfg, "User", json_string(u));
    } else if (part_value(pt, "user") && !task_as_host(pt)) {
        json_object_set_new(cfg, "User", json_string(part_value(pt, "user")));
    }
    if (part_value(pt, "workdir"))
        json_object_set_new(cfg, "WorkingDir", json_string(part_value(pt, "workdir")));

    json_t *binds = json_array();
    if (streq(part_value(pt, "mount-source"), "true")) {
        cleanup_free char *b = xasprintf("%s:%s", p->dir, p->dir);
        json_array_append_new(binds, json_string(b));
    }
    /* volumes: "/PATH", "SOURCE:/PATH[:ro]"; a volume part's source is its name. */
    json_t *anon = json_object();
    s = part_setting(pt, "volumes");
    for (size_t i = 0; s && i < s->items.n; i++) {
        const char *v = s->items.v[i];
        const char *colon = strchr(v, ':');
        if (!colon) {
            json_object_set_new(anon, v, json_object());
            continue;
        }
        cleanup_free char *src = xstrndup(v, (size_t)(colon - v));
        int vp = src[0] == '/' ? -1 : project_find(p, src);
        const char *real = vp >= 0 ? part_value(&p->parts[vp], "name") : src;
        cleanup_free char *b = xasprintf("%s%s", real, colon);
        json_array_append_new(binds, json_string(b));
    }
    if (json_object_size(anon))
        json_object_set_new(cfg, "Volumes", anon);
    else
        json_decref(anon);
    json_t *hostcfg = json_pack("{s:o, s:{s:s}}", "Binds", binds, "RestartPolicy", "Name", "no");
    s = part_setting(pt, "networks");
    for (size_t i = 0; s && i < s->items.n; i++) {
        int np = project_find(p, s->items.v[i]);
        const char *net = np >= 0 && p->parts[np].kind == PART_NETWORK
                              ? part_value(&p->parts[np], "name") : s->items.v[i];
        if (i == 0)
            json_object_set_new(hostcfg, "NetworkMode", json_string(net));
        else
            json_array_append_new(*networks, json_string(net));
    }
    json_object_set_new(cfg, "HostConfig", hostcfg);
    json_object_set_new(cfg, "Labels",
                        json_pack("{s:s, s:s, s:s}", LABEL_PROJECT, p->name, LABEL_PART, pt->name,
                                  LABEL_KIND, "task"));
    *name = xasprintf("%s-%s-task-%s", p->name, pt->name, call->suffix ? call->suffix : "0");
    *body = cfg;
    return 0;
}
