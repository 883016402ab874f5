/* DockerOps' run.conf and build.conf, optional JSON files in the project
 * folder, read as a source just below the project file (the folder layer).
 *
 * build.conf: a list of container (folder) names, the order DockerOps
 * built them in. Each image part then depends on the one before it, so a
 * list that disagrees with the Dockerfiles' FROM lines is a dependency
 * cycle, reported at build.conf[i].
 *
 * run.conf: a list of objects, each an instance of a container folder:
 *   {container, instance, instance_type, linked, publish_ports,
 *    persistent_data, persistent_opt, persistent_log,
 *    links: [{name, container, instance}], env_vars: {NAME: VALUE},
 *    hostname, volumes: ["HOST:/path"], sleep: SECONDS}
 * The instance keys go to [part:instance]; env_vars, links, hostname,
 * volumes and sleep are the part's in berth, so the objects of one
 * container must agree on them. Settings are located as run.conf[i] (the
 * object's index), so every message names the file, the object and the key. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "project/stages.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "project/values.h"

/* The part a DockerOps container name means: the folder's part. */
static struct rsec *folder_part(struct loader *L, struct loc loc, const char *key,
                                json_t *v)
{
    const char *name = json_string_value(v);
    if (!name || !*name) {
        report_at(L, loc, NULL, key, "must be a container folder's name (a string)");
        return NULL;
    }
    const char *part = valid_part_name(name) ? name : fix_part_name(L->a, name);
    struct rsec *s = loader_find_sec(L, part, NULL);
    if (!s || !s->folder) {
        report_at(L, loc, NULL, key, "'%s': no container folder of that name (containers/%s)",
                  name, name);
        return NULL;
    }
    return s;
}

static json_t *read_json(struct loader *L, const char *file, const char **shown)
{
    const char *path = join_path(L->a, L->p->dir, file);
    *shown = shown_path(L, file);
    json_error_t je;
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL; /* optional */
    json_t *doc = json_loadf(f, 0, &je);
    fclose(f);
    if (!doc) {
        report_at(L, (struct loc){*shown, je.line}, NULL, NULL, "not JSON: %s", je.text);
        return NULL;
    }
    if (!json_is_array(doc)) {
        report_at(L, (struct loc){*shown, 1}, NULL, NULL, "must be a JSON list");
        json_decref(doc);
        return NULL;
    }
    return doc;
}

static void build_conf(struct loader *L)
{
    const char *shown;
    json_t *doc = read_json(L, "build.conf", &shown);
    size_t i;
    json_t *v;
    struct rsec *prev = NULL;
    json_array_foreach(doc, i, v) {
        struct loc loc = {arena_printf(L->a, "%s[%zu]", shown, i), 0};
        struct rsec *s = folder_part(L, loc, NULL, v);
        struct rsec *img = s ? loader_find_sec(L, arena_printf(L->a, "%s_image", s->name), NULL)
                             : NULL;
        if (s && !img) {
            report_at(L, loc, s->name, NULL, "its folder has no Dockerfile: nothing to build");
            s = NULL;
        }
        if (img && prev) /* built after the previous one, as DockerOps did */
            sec_set(L, img, "depends", prev->name, loc, L->p->dir, L_FOLDER, false);
        prev = img ? img : prev;
    }
    json_decref(doc);
}

/* A part key from one run.conf object: the objects of a container agree. */
static void part_key(struct loader *L, struct rsec *s, const char *key, const char *val,
                     struct loc loc)
{
    struct rkv *kv = sec_find(s, key);
    if (kv && kv->layer == L_FOLDER && kv->loc.file &&
        strstr(kv->loc.file, "run.conf[")) {
        if (!streq(kv->raw, val))
            report_at(L, loc, s->name, key,
                      "differs from %s: berth sets it per container, not per instance (make "
                      "them equal, or use two container folders)",
                      kv->loc.file);
        return;
    }
    sec_set(L, s, key, val, loc, L->p->dir, L_FOLDER, false);
}

static bool want_bool(struct loader *L, struct loc loc, const char *part, const char *key,
                      json_t *v)
{
    if (!json_is_boolean(v))
        report_at(L, loc, part, key, "must be true or false");
    return json_is_boolean(v);
}

static void run_object(struct loader *L, json_t *o, struct loc loc)
{
    static const char *const known[] = {
        "container", "instance", "instance_type", "linked", "publish_ports", "persistent_data",
        "persistent_opt", "persistent_log", "links", "env_vars", "hostname", "volumes", "sleep"};
    const char *key;
    json_t *v;
    bool ok = true;
    json_object_foreach(o, key, v) {
        bool found = false;
        for (size_t k = 0; k < ARRAY_SIZE(known); k++)
            found = found || streq(key, known[k]);
        if (!found) {
            report_at(L, loc, NULL, key, "unknown key (use %s)",
                      "container, instance, instance_type, linked, publish_ports, "
                      "persistent_data, persistent_opt, persistent_log, links, env_vars, "
                      "hostname, volumes or sleep");
            ok = false;
        }
    }
    json_t *cv = json_object_get(o, "container");
    if (!cv) {
        report_at(L, loc, NULL, "container", "missing (the container folder's name)");
        return;
    }
    struct rsec *s = folder_part(L, loc, "container", cv);
    if (!s || !ok)
        return;
    json_t *iv = json_object_get(o, "instance");
    const char *inst = iv ? json_string_value(iv) : "main";
    if (!inst || !valid_part_name(inst)) {
        report_at(L, loc, s->name, "instance",
                  "must be an instance name (lower-case letters, digits and '_')");
        return;
    }
    struct rsec *is = loader_find_sec(L, s->name, inst);
    if (is && is->in_file && is->loc.file && strstr(is->loc.file, "run.conf[")) {
        report_at(L, loc, s->name, "instance", "'%s:%s' is declared already by %s", s->name,
                  inst, is->loc.file);
        return;
    }
    is = sec_get(L, s->name, inst, loc, L_FOLDER);
    is->in_file = true;
    if ((v = json_object_get(o, "instance_type"))) {
        if (json_is_string(v))
            sec_set(L, is, "instance-type", json_string_value(v), loc, L->p->dir, L_FOLDER, false);
        else
            report_at(L, loc, s->name, "instance_type", "must be a string (standard, published, "
                                                        "master, interactive or safemode)");
    }
    static const char *const flags[] = {"linked", "publish_ports", "persistent_data",
                                        "persistent_opt", "persistent_log"};
    for (size_t k = 0; k < ARRAY_SIZE(flags); k++)
        if ((v = json_object_get(o, flags[k])) && want_bool(L, loc, s->name, flags[k], v))
            sec_set(L, is, flags[k], json_is_true(v) ? "true" : "false", loc, L->p->dir,
                    L_FOLDER, false);

    strbuf sb = STRBUF_INIT;
    if ((v = json_object_get(o, "env_vars"))) {
        const char *name;
        json_t *x;
        if (!json_is_object(v))
            report_at(L, loc, s->name, "env_vars", "must be an object of NAME: VALUE");
        json_object_foreach(v, name, x) {
            if (json_is_string(x))
                sb_addf(&sb, "%s%s=%s", sb.len ? "\n" : "", name, json_string_value(x));
            else if (json_is_number(x))
                sb_addf(&sb, "%s%s=%g", sb.len ? "\n" : "", name, json_number_value(x));
            else
                report_at(L, loc, s->name, "env_vars", "'%s': must be a string or a number",
                          name);
        }
        part_key(L, s, "env", sb.len ? sb.buf : "", loc);
        sb_reset(&sb);
    }
    if ((v = json_object_get(o, "links"))) {
        size_t i;
        json_t *x;
        if (!json_is_array(v))
            report_at(L, loc, s->name, "links", "must be a list of {name, container, instance}");
        json_array_foreach(v, i, x) {
            json_t *ln = json_object_get(x, "name"), *lc = json_object_get(x, "container"),
                   *li = json_object_get(x, "instance");
            struct rsec *to = lc ? folder_part(L, loc, "links", lc) : NULL;
            if (!json_is_object(x) || !to || (ln && !json_is_string(ln)) ||
                (li && !json_is_string(li))) {
                if (!lc || to)
                    report_at(L, loc, s->name, "links",
                              "link %zu: must be {\"name\": ALIAS, \"container\": NAME, "
                              "\"instance\": NAME}",
                              i);
                continue;
            }
            sb_addf(&sb, "%s%s%s%s %s", sb.len ? "\n" : "", to->name, li ? ":" : "",
                    li ? json_string_value(li) : "", ln ? json_string_value(ln) : to->name);
        }
        part_key(L, s, "links", sb.len ? sb.buf : "", loc);
        sb_reset(&sb);
    }
    if ((v = json_object_get(o, "volumes"))) {
        size_t i;
        json_t *x;
        if (!json_is_array(v))
            report_at(L, loc, s->name, "volumes", "must be a list of \"HOST:/path\"");
        json_array_foreach(v, i, x) {
            if (json_is_string(x))
                sb_addf(&sb, "%s%s", sb.len ? "\n" : "", json_string_value(x));
            else
                report_at(L, loc, s->name, "volumes", "item %zu: must be a string", i);
        }
        part_key(L, s, "volumes", sb.len ? sb.buf : "", loc);
        sb_reset(&sb);
    }
    sb_release(&sb);
    if ((v = json_object_get(o, "hostname"))) {
        if (json_is_string(v))
            part_key(L, s, "hostname", json_string_value(v), loc);
        else
            report_at(L, loc, s->name, "hostname", "must be a string");
    }
    if ((v = json_object_get(o, "sleep"))) {
        /* A pause after it starts: its readiness, which what needs it awaits. */
        double secs = json_number_value(v);
        if (!json_is_number(v) || secs < 0 || secs > 3600 || isnan(secs)) {
            report_at(L, loc, s->name, "sleep", "must be a number of seconds (0 to 3600)");
        } else if (secs > 0) {
            part_key(L, s, "ready", arena_printf(L->a, "[\"sleep\", \"%g\"]", secs), loc);
            part_key(L, s, "ready-timeout", arena_printf(L->a, "%.0fs", secs + 60), loc);
        }
    }
}

static void run_conf(struct loader *L)
{
    const char *shown;
    json_t *doc = read_json(L, "run.conf", &shown);
    size_t i;
    json_t *o;
    L->run_conf = doc != NULL;
    json_array_foreach(doc, i, o) {
        struct loc loc = {arena_printf(L->a, "%s[%zu]", shown, i), 0};
        if (!json_is_object(o))
            report_at(L, loc, NULL, NULL, "must be an object {container, instance, ...}");
        else
            run_object(L, o, loc);
    }
    json_decref(doc);
}

void dockerops_conf(struct loader *L)
{
    build_conf(L);
    run_conf(L);
}
