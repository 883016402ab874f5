/* berth config: the resolved project, with every default, instance type
 * and substitution applied, as INI (which loads back to the same project)
 * or JSON. Passwords print as ********. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "workspace.h"
#include "project/project.h"
#include "base/strbuf.h"
#include "base/util.h"

static const char usage[] =
    "usage: berth config [--format text|json] [TARGET...]\n"
    "\n"
    "Print the resolved project: every part with every key, defaults, instance\n"
    "types and substitutions applied. TARGETs (all, web, web:two) limit the output\n"
    "to those parts and instances; the default is all. The text form is a valid\n"
    "project file. Passwords are shown as ********.\n"
    "\n"
    "options:\n"
    "  --format FORMAT   text (INI, the default) or json\n"
    "  -h, --help        this help\n";

#define SECRET "********"

/* Values are already substituted: a '$' in them is literal, so it is
 * written back as '$$' for the output to load as the same project. The n
 * bytes of s, by runs between dollars. */
static void put_escaped(strbuf *o, const char *s, size_t n)
{
    for (const char *end = s + n;;) {
        const char *d = memchr(s, '$', (size_t)(end - s));
        sb_add(o, s, (size_t)((d ? d : end) - s));
        if (!d)
            return;
        sb_add(o, "$$", 2);
        s = d + 1;
    }
}

static void put_setting(strbuf *o, const struct setting *st)
{
    /* DockerOps' run.conf and build.conf: say which object a setting is from */
    if (!st->is_default && st->loc.file &&
        (strstr(st->loc.file, "run.conf[") || strstr(st->loc.file, "build.conf[")))
        sb_addf(o, "# from %s\n", st->loc.file);
    sb_adds(o, st->key);
    sb_adds(o, " =");
    if (st->secret) {
        sb_adds(o, " " SECRET "\n");
        return;
    }
    if (st->shape == SHAPE_LIST && st->items.n > 1) {
        for (size_t i = 0; i < st->items.n; i++) {
            sb_adds(o, "\n    ");
            put_escaped(o, st->items.v[i], strlen(st->items.v[i]));
        }
        sb_addc(o, '\n');
        return;
    }
    const char *v = st->shape == SHAPE_LIST ? (st->items.n ? st->items.v[0] : "") : st->value;
    if (!strchr(v, '\n')) {
        if (*v)
            sb_addc(o, ' ');
        put_escaped(o, v, strlen(v));
        sb_addc(o, '\n');
        return;
    }
    /* Multi-line text: indented continuation lines, blank lines kept. */
    for (const char *l = v; l;) {
        const char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        sb_adds(o, n ? "\n    " : "\n");
        put_escaped(o, l, n);
        l = e ? e + 1 : NULL;
    }
    sb_addc(o, '\n');
}

/* Computed, not settable: printed as a comment so the output loads back as
 * the same project (the folder; an image that follows from `build`). */
static bool computed(const struct part *pt, const struct setting *st)
{
    if (!pt)
        return streq(st->key, "dir");
    return streq(st->key, "image") && st->is_default && part_setting(pt, "build") &&
           (pt->kind == PART_CONTAINER || pt->kind == PART_TASK);
}

static void put_settings(strbuf *o, const struct part *pt, const struct setting *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (computed(pt, &s[i]))
            sb_adds(o, "# ");
        put_setting(o, &s[i]);
    }
}

/* Each part's text is made in o, then written at once: a call to stdio
 * per piece was a seventh of `berth config` of 2,000 parts. */
static void put_ini(FILE *f, const struct project *p, const struct project_sel *sel)
{
    strbuf o = STRBUF_INIT;
    sb_addf(&o, "# project '%s' in %s%s%s\n[project]\n", p->name, p->dir,
            p->file ? ", file " : " (container folders only)", p->file ? p->file : "");
    put_settings(&o, NULL, p->settings, p->nsettings);
    for (size_t i = 0; i < p->nparts; i++) {
        const struct part *pt = &p->parts[i];
        if (!sel->part[i])
            continue;
        fwrite(o.buf, 1, o.len, f);
        sb_reset(&o);
        sb_adds(&o, "\n# ");
        sb_adds(&o, part_kind_name(pt->kind));
        sb_adds(&o, " part, from ");
        sb_adds(&o, pt->loc.file);
        if (pt->loc.line)
            sb_addf(&o, ":%d", pt->loc.line);
        sb_adds(&o, "\n[");
        sb_adds(&o, pt->name);
        sb_adds(&o, "]\n");
        put_settings(&o, pt, pt->settings, pt->nsettings);
        if (!pt->container)
            continue;
        for (size_t j = 0; j < pt->container->ninstances; j++) {
            const struct instance *in = &pt->container->instances[j];
            if (!sel->instance[i][j] && in->on_demand) {
                /* shown as a comment: as a section, the output would run it */
                sb_addf(&o,
                        "\n# [%s:%s] is not started by `berth up`: run.conf does not name %s "
                        "(`berth up %s` starts it)\n",
                        pt->name, in->name, pt->name, pt->name);
                continue;
            }
            if (!sel->instance[i][j])
                continue;
            const char *head[] = {"\n# container ", in->container_name,
                                  ", persistent folders in ", in->data_dir,
                                  in->on_the_fly ? " (made on the fly: `berth up` keeps it)" : "",
                                  "\n[", pt->name, ":", in->name, "]\n"};
            for (size_t h = 0; h < ARRAY_SIZE(head); h++)
                sb_adds(&o, head[h]);
            for (size_t k = 0; k < in->nsettings; k++)
                put_setting(&o, &in->settings[k]);
        }
    }
    fwrite(o.buf, 1, o.len, f);
    sb_release(&o);
}

static json_t *setting_json(const struct setting *st)
{
    if (st->secret)
        return json_string(SECRET);
    switch (st->shape) {
    case SHAPE_BOOL: return json_boolean(streq(st->value, "true"));
    case SHAPE_INT: return json_integer(strtoll(st->value, NULL, 10));
    case SHAPE_LIST:
    case SHAPE_ARGV: {
        json_t *a = json_array();
        for (size_t i = 0; i < st->items.n; i++)
            json_array_append_new(a, json_string(st->items.v[i]));
        return a;
    }
    default: return json_string(st->value);
    }
}

static json_t *settings_json(const struct setting *s, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; i < n; i++)
        json_object_set_new(o, s[i].key, setting_json(&s[i]));
    return o;
}

static json_t *instance_json(const struct instance *in)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(in->name));
    json_object_set_new(o, "type", json_string(instance_type_name(in->type)));
    json_object_set_new(o, "container", json_string(in->container_name));
    json_object_set_new(o, "data_dir", json_string(in->data_dir));
    json_object_set_new(o, "linked", json_boolean(in->linked));
    json_object_set_new(o, "publish_ports", json_boolean(in->publish_ports));
    json_object_set_new(o, "persistent_data", json_boolean(in->persistent_data));
    json_object_set_new(o, "persistent_opt", json_boolean(in->persistent_opt));
    json_object_set_new(o, "persistent_log", json_boolean(in->persistent_log));
    json_object_set_new(o, "interactive", json_boolean(in->interactive));
    json_object_set_new(o, "run_entrypoint_local", json_boolean(in->run_entrypoint_local));
    /* true: `berth up` leaves it out (a folder run.conf does not name) */
    json_object_set_new(o, "on_demand", json_boolean(in->on_demand));
    return o;
}

static json_t *part_json(const struct project *p, const struct part *pt, const bool *inst_sel)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(pt->name));
    json_object_set_new(o, "kind", json_string(part_kind_name(pt->kind)));
    json_object_set_new(o, "file", json_string(pt->loc.file));
    json_object_set_new(o, "line", json_integer(pt->loc.line));
    json_object_set_new(o, "level", json_integer(pt->level));
    if (pt->folder)
        json_object_set_new(o, "folder", json_string(pt->folder));
    if (pt->image)
        json_object_set_new(o, "image", json_string(pt->image));
    json_t *deps = json_array();
    for (size_t i = 0; i < pt->ndeps; i++)
        json_array_append_new(deps, json_string(p->parts[pt->deps[i].part].name));
    json_object_set_new(o, "depends", deps);
    if (pt->from.n) {
        json_t *from = json_array();
        for (size_t i = 0; i < pt->from.n; i++)
            json_array_append_new(from, json_string(pt->from.v[i]));
        json_object_set_new(o, "from", from);
    }
    json_object_set_new(o, "settings", settings_json(pt->settings, pt->nsettings));
    if (pt->container) {
        const struct container *c = pt->container;
        if (c->entrypoint_local)
            json_object_set_new(o, "entrypoint_local", json_string(c->entrypoint_local));
        json_t *insts = json_array();
        for (size_t j = 0; j < c->ninstances; j++)
            if (inst_sel[j] || c->instances[j].on_demand)
                json_array_append_new(insts, instance_json(&c->instances[j]));
        json_object_set_new(o, "instances", insts);
    }
    return o;
}

static int put_json(FILE *f, const struct project *p, const struct project_sel *sel)
{
    json_t *root = json_object();
    json_object_set_new(root, "name", json_string(p->name));
    json_object_set_new(root, "dir", json_string(p->dir));
    json_object_set_new(root, "data", json_string(p->data_dir));
    json_object_set_new(root, "file", p->file ? json_string(p->file) : json_null());
    json_object_set_new(root, "settings", settings_json(p->settings, p->nsettings));
    json_t *parts = json_array();
    for (size_t i = 0; i < p->nparts; i++)
        if (sel->part[i])
            json_array_append_new(parts, part_json(p, &p->parts[i], sel->instance[i]));
    json_object_set_new(root, "parts", parts);
    int rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', f);
    json_decref(root);
    return rc;
}

int cmd_config(cli *g, int argc, char **argv, berr **err)
{
    enum out_format fmt;
    int parsed = parse_format_options("config", usage, argc, argv, &fmt, err);
    if (parsed != 0)
        return parsed < 0 ? -1 : 0;
    /* With the instances made on the fly that exist, when an engine
     * answers; with none, the project as its files say. */
    struct project *p = NULL;
    if (workspace_load(g, NULL, 0, NULL, &p, err) < 0)
        return -1; /* an invalid project reaches no engine */
    engine *fly_e = NULL;
    int loaded = 0;
    if (engine_open(g->engine_url, &fly_e, NULL) == 0)
        loaded = workspace_load(g, NULL, 0, fly_e, &p, err);
    engine_free(fly_e);
    if (loaded < 0)
        return -1;
    struct project_sel *sel;
    if (project_select(p, (const char *const *)argv + optind, argc - optind, false, &sel, err) <
        0) {
        project_free(p);
        return -1;
    }
    int rc = 0;
    if (fmt == FORMAT_JSON)
        rc = put_json(stdout, p, sel);
    else
        put_ini(stdout, p, sel);
    project_sel_free(sel);
    project_free(p);
    if (rc < 0 || fflush(stdout) != 0)
        return berr_set(err, BERR_FAILURE, "config: cannot write the output");
    return 0;
}
