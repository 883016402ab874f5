/* A service's mounts: volumes (short and long forms), secrets and configs
 * (files of this machine, mounted read-only), env_file. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "base/words.h"
#include "compose/service_int.h"
#include "project/values.h"

void k_env_file(struct svc *S, struct ynode *n)
{
    size_t count = n->kind == Y_SEQ ? n->n : 1;
    for (size_t i = 0; i < count; i++) {
        struct ynode *it = n->kind == Y_SEQ ? n->v[i] : n;
        bool required = true;
        if (it->kind == Y_MAP) { /* {path: FILE, required: false} */
            for (size_t j = 0; j < it->n; j++)
                if (!streq(it->k[j], "path") && !streq(it->k[j], "required"))
                    bad(S, it->kn[j], "env_file", "'%s' is not a key of an env_file (path, "
                        "required)", it->k[j]);
            struct ynode *p = ymap_get(it, "path"), *req = ymap_get(it, "required");
            if (req && !want_bool(S->R, req, S->name, "env_file.required", &required))
                continue;
            if (!p) {
                bad(S, it, "env_file", "names no path");
                continue;
            }
            it = p;
        }
        const char *s = scalar(S, it, "env_file");
        if (!s)
            continue;
        const char *path = host_path(S, it, s);
        /* An optional file that is not there is left out, as Compose does. */
        const char *abs = path[0] == '/' ? path : arena_printf(S->R->a, "%s/%s", S->R->dir, path);
        if (!required && access(abs, F_OK) != 0)
            continue;
        add_line(S, "env-files", path, n);
    }
}

/* A named volume's part; a problem when the file declares none. */
static const char *volume_ref(struct svc *S, const struct ynode *at, const char *name)
{
    struct ynode *top = ymap_get(S->R->doc, "volumes");
    bool found = false;
    for (size_t i = 0; top && top->kind == Y_MAP && i < top->n; i++)
        found |= streq(top->k[i], name);
    if (!found) {
        bad(S, at, "volumes", "named volume '%s' is not declared in the top-level volumes:", name);
        return NULL;
    }
    return object_part(S->R, "volume", name);
}

static void volume_line(struct svc *S, const struct ynode *at, const char *source,
                        const char *target, bool ro)
{
    const char *src = NULL;
    if (source && *source) {
        src = looks_like_path(source) ? host_path(S, at, source) : volume_ref(S, at, source);
        if (!src)
            return;
    }
    if (target[0] != '/') {
        bad(S, at, "volumes", "'%s': the path in the container must be absolute", target);
        return;
    }
    add_line(S, "volumes",
             src ? arena_printf(S->R->a, "%s:%s%s", src, target, ro ? ":ro" : "") : target, at);
}

void k_volumes(struct svc *S, struct ynode *n)
{
    if (n->kind != Y_SEQ) {
        bad(S, n, "volumes", "must be a list, not %s", ykind_name(n->kind));
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        struct ynode *it = n->v[i];
        if (it->kind == Y_SCALAR) {
            char *t = arena_strdup(S->R->a, it->str);
            char *parts[4] = {0};
            int np = 0;
            for (char *p = t; p && np < 4;) {
                parts[np++] = p;
                p = strchr(p, ':');
                if (p)
                    *p++ = '\0';
            }
            bool ro = false;
            if (np == 3) {
                for (char *m = strtok(parts[2], ","); m; m = strtok(NULL, ",")) {
                    if (streq(m, "ro"))
                        ro = true;
                    else if (!streq(m, "rw"))
                        bad(S, it, "volumes", "berth does not support the volume option '%s' "
                            "(only ro and rw)", m);
                }
            }
            if (np == 1)
                volume_line(S, it, NULL, parts[0], false);
            else if (np == 2 || np == 3)
                volume_line(S, it, parts[0], parts[1], ro);
            else
                bad(S, it, "volumes", "'%s' is not SOURCE:TARGET[:MODE]", it->str);
        } else if (it->kind == Y_MAP) {
            const char *type = NULL, *source = NULL, *target = NULL;
            bool ro = false;
            for (size_t j = 0; j < it->n; j++) {
                const char *k = it->k[j], *full = arena_printf(S->R->a, "volumes.%s", k);
                if (streq(k, "read_only")) {
                    want_bool(S->R, it->v[j], S->name, full, &ro);
                    continue;
                }
                const char *v = streq(k, "type") || streq(k, "source") || streq(k, "target")
                                    ? scalar(S, it->v[j], full)
                                    : NULL;
                if (streq(k, "type"))
                    type = v;
                else if (streq(k, "source"))
                    source = v;
                else if (streq(k, "target"))
                    target = v;
                else
                    bad(S, it->kn[j], full, "berth does not support volumes.%s (supported: type "
                        "volume or bind, source, target, read_only)", k);
            }
            if (!type || !target) {
                bad(S, it, "volumes", "a volume in the long form needs type: and target:");
                continue;
            }
            if (streq(type, "bind")) {
                if (!source)
                    bad(S, it, "volumes", "a bind mount needs source:");
                else
                    volume_line(S, it, looks_like_path(source) ? source
                                                               : arena_printf(S->R->a, "./%s", source),
                                target, ro);
            } else if (streq(type, "volume")) {
                if (source && looks_like_path(source))
                    bad(S, it, "volumes", "type volume names a volume, not a path ('%s')", source);
                else
                    volume_line(S, it, source, target, ro);
            } else {
                bad(S, it, "volumes.type", "berth does not support volumes of type '%s' (only "
                    "volume and bind)", type);
            }
        } else {
            bad(S, it, "volumes", "must be SOURCE:TARGET or a mapping, not %s",
                ykind_name(it->kind));
        }
    }
}

/* secrets and configs: a file of this machine, mounted read-only. */
void k_files(struct svc *S, struct ynode *n, const char *what, const char *dir)
{
    struct creader *R = S->R;
    struct ynode *top = ymap_get(R->doc, what);
    if (n->kind != Y_SEQ) {
        bad(S, n, what, "must be a list, not %s", ykind_name(n->kind));
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        struct ynode *it = n->v[i];
        const char *source = NULL, *target = NULL;
        if (it->kind == Y_SCALAR) {
            source = it->str;
        } else if (it->kind == Y_MAP) {
            for (size_t j = 0; j < it->n; j++) {
                const char *k = it->k[j], *full = arena_printf(R->a, "%s.%s", what, k);
                const char *v = scalar(S, it->v[j], full);
                if (streq(k, "source"))
                    source = v;
                else if (streq(k, "target"))
                    target = v;
                else
                    bad(S, it->kn[j], full, "berth does not support %s.%s (supported: source, "
                        "target)", what, k);
            }
        } else {
            bad(S, it, what, "must be a name or a mapping, not %s", ykind_name(it->kind));
            continue;
        }
        if (!source) {
            bad(S, it, what, "names no source");
            continue;
        }
        struct ynode *def = ymap_get(top, source);
        struct ynode *file = def ? ymap_get(def, "file") : NULL;
        if (!def) {
            bad(S, it, what, "'%s' is not declared in the top-level %s:", source, what);
            continue;
        }
        if (!file || file->kind != Y_SCALAR)
            continue; /* toplevel.c says what is wrong with it */
        if (!target)
            target = arena_printf(R->a, "%s/%s", dir, source);
        else if (target[0] != '/')
            target = arena_printf(R->a, "%s/%s", dir, target);
        add_line(S, "volumes",
                 arena_printf(R->a, "%s:%s:ro", host_path(S, file, file->str), target), it);
    }
}
