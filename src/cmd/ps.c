/* berth ps: the project's containers, from one list call (no per-container
 * inspect: that is what keeps it fast for hundreds of containers). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/api.h"
#include "cmd.h"
#include "base/strbuf.h"
#include "converge/targets.h"
#include "base/util.h"

static const char usage[] =
    "usage: berth ps [-a] [--format text|json] [TARGET...]\n"
    "\n"
    "List the project's containers (found by their berth.project label, so\n"
    "containers whose part left the project show too), sorted by part and\n"
    "instance: PART, INSTANCE, TYPE, STATE, HEALTH, IP, PORTS, IMAGE, ENGINE, STATUS.\n"
    "IP is the address on the project network (<project>-default), else on the\n"
    "first network that gave one; ENGINE the engine part it lives on, else the\n"
    "engine's address.\n"
    "\n"
    "targets: all (the default), PART, or PART:INSTANCE; several at once.\n"
    "\n"
    "options:\n"
    "  -a, --all            include stopped containers (default: running ones)\n"
    "  --format text|json   json: an array of objects with the columns in lower\n"
    "                       case plus id and name; ports as a list\n"
    "  --swarm              the services of the deployed project (berth deploy):\n"
    "                       replicas running/desired, tasks with node, state, error\n";

/* "healthy", "unhealthy", "starting", or NULL (no health check). API 1.52+
 * lists Health; older engines only append it to the Status text. */
static const char *health_of(json_t *c)
{
    const char *h = json_string_value(json_object_get(json_object_get(c, "Health"), "Status"));
    if (h)
        return streq(h, "none") || !*h ? NULL : h;
    const char *st = json_string_value(json_object_get(c, "Status"));
    if (!st)
        return NULL;
    if (strstr(st, "(unhealthy)"))
        return "unhealthy";
    if (strstr(st, "(healthy)"))
        return "healthy";
    if (strstr(st, "(health: starting)"))
        return "starting";
    return NULL;
}

/* The Status text without the health note, which has its own column. */
static char *status_of(json_t *c)
{
    const char *st = json_string_value(json_object_get(c, "Status"));
    if (!st)
        return xstrdup("");
    const char *paren = strstr(st, " (health");
    if (!paren)
        paren = strstr(st, " (unhealthy)");
    return paren ? xstrndup(st, (size_t)(paren - st)) : xstrdup(st);
}

static int by_port(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_int_t px = json_integer_value(json_object_get(x, "PrivatePort"));
    json_int_t py = json_integer_value(json_object_get(y, "PrivatePort"));
    if (px != py)
        return px < py ? -1 : 1;
    const char *tx = json_string_value(json_object_get(x, "Type"));
    const char *ty = json_string_value(json_object_get(y, "Type"));
    return strcmp(tx ? tx : "", ty ? ty : "");
}

/* "127.0.0.1:49153->80/tcp" for published ports, "80/tcp" for others, by
 * port (the engine's order changes from call to call); the engine may list
 * one binding twice (IPv4 and IPv6): shown once. */
static json_t *ports_of(json_t *c)
{
    json_t *out = json_array(), *list = json_object_get(c, "Ports");
    size_t n = json_array_size(list);
    json_t **sorted = xcalloc(n ? n : 1, sizeof *sorted);
    for (size_t i = 0; i < n; i++)
        sorted[i] = json_array_get(list, i);
    qsort(sorted, n, sizeof *sorted, by_port);
    for (size_t i = 0; i < n; i++) {
        json_t *pt = sorted[i];
        const char *ip = json_string_value(json_object_get(pt, "IP"));
        const char *type = json_string_value(json_object_get(pt, "Type"));
        json_int_t priv = json_integer_value(json_object_get(pt, "PrivatePort"));
        json_int_t pub = json_integer_value(json_object_get(pt, "PublicPort"));
        char *s = pub ? xasprintf("%s%s%lld->%lld/%s", ip && *ip ? ip : "", ip && *ip ? ":" : "",
                                  (long long)pub, (long long)priv, type ? type : "tcp")
                      : xasprintf("%lld/%s", (long long)priv, type ? type : "tcp");
        bool dup = false;
        size_t j;
        json_t *seen;
        json_array_foreach(out, j, seen) dup = dup || streq(json_string_value(seen), s);
        if (!dup)
            json_array_append_new(out, json_string(s));
        free(s);
    }
    free(sorted);
    return out;
}

/* The container's address on the project network, else on its first
 * network with one; NULL when it has none (stopped, network none). */
static const char *ip_of(const struct target *t, const char *project)
{
    json_t *nets = json_object_get(json_object_get(t->c, "NetworkSettings"), "Networks");
    cleanup_free char *own = xasprintf("%s-default", project);
    const char *ip = json_string_value(json_object_get(json_object_get(nets, own), "IPAddress"));
    if (ip && *ip)
        return ip;
    const char *key;
    json_t *n;
    json_object_foreach(nets, key, n) {
        ip = json_string_value(json_object_get(n, "IPAddress"));
        if (ip && *ip)
            return ip;
    }
    return NULL;
}

static json_t *row_of(const struct target *t, const char *project, const char *engine)
{
    const char *type = json_string_value(
        json_object_get(json_object_get(t->c, "Labels"), LABEL_TYPE));
    const char *image = json_string_value(json_object_get(t->c, "Image"));
    const char *health = health_of(t->c);
    char *status = status_of(t->c);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s}",
                          "id", t->id, "name", t->name, "part", t->part, "instance", t->instance,
                          "type", type ? type : "", "state", t->state, "health",
                          health ? json_string(health) : json_null(), "ports", ports_of(t->c),
                          "image", image ? image : "", "status", status);
    const char *ip = ip_of(t, project);
    json_object_set_new(o, "ip", ip ? json_string(ip) : json_null());
    json_object_set_new(o, "engine", json_string(engine));
    free(status);
    return o;
}

static void print_text(json_t *rows)
{
    static const char *cols[] = {"PART", "INSTANCE", "TYPE", "STATE", "HEALTH", "IP", "PORTS",
                                 "IMAGE", "ENGINE", "STATUS"};
    static const char *keys[] = {"part", "instance", "type", "state", "health", "ip", "ports",
                                 "image", "engine", "status"};
    enum { NCOL = ARRAY_SIZE(cols) };
    size_t nrows = json_array_size(rows);
    /* cells[r][c], row 0 the header */
    char **cells = xcalloc((nrows + 1) * NCOL, sizeof *cells);
    int width[NCOL] = {0};
    for (size_t r = 0; r <= nrows; r++) {
        json_t *row = r ? json_array_get(rows, r - 1) : NULL;
        for (int c = 0; c < NCOL; c++) {
            char *cell;
            json_t *v = row ? json_object_get(row, keys[c]) : NULL;
            if (!row) {
                cell = xstrdup(cols[c]);
            } else if (json_is_array(v)) {
                strbuf sb = STRBUF_INIT;
                size_t i;
                json_t *p;
                json_array_foreach(v, i, p) sb_addf(&sb, "%s%s", i ? "," : "", json_string_value(p));
                cell = sb.len ? sb_detach(&sb, NULL) : xstrdup("-");
            } else {
                const char *s = json_string_value(v);
                cell = xstrdup(s && *s ? s : "-");
            }
            int w = (int)strlen(cell);
            width[c] = w > width[c] ? w : width[c];
            cells[r * NCOL + (size_t)c] = cell;
        }
    }
    for (size_t r = 0; r <= nrows; r++) {
        for (int c = 0; c < NCOL; c++) {
            const char *cell = cells[r * NCOL + (size_t)c];
            if (c == NCOL - 1)
                printf("%s\n", cell); /* no trailing blanks */
            else
                printf("%-*s  ", width[c], cell);
            free(cells[r * NCOL + (size_t)c]);
        }
    }
    free(cells);
}

int cmd_ps(cli *g, int argc, char **argv, berr **err)
{
    if (cmd_wants_swarm(argc, argv)) /* the deployed project (deploy.c) */
        return cmd_swarm_ps(g, argc, argv, err);
    static const struct option opts[] = {
        {"all", no_argument, NULL, 'a'},
        {"format", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    enum out_format fmt = FORMAT_TEXT;
    bool all = false;
    int c;
    while ((c = getopt_long(argc, argv, ":ah", opts, NULL)) != -1) {
        switch (c) {
        case 'a': all = true; break;
        case 'F':
            if (parse_format(optarg, &fmt, err) < 0)
                return -1;
            break;
        case 'h': fputs(usage, stdout); return 0;
        default: return cmd_option_error(err, "ps", argv, c);
        }
    }
    struct scope_opts so = {
        .project = {.dir = g->dir, .file = g->file, .name = g->project, .sets = g->sets,
                    .nsets = g->nsets, .reader = &g->reader},
        .engine_url = g->engine_url,
        .targets = (const char *const *)argv + optind,
        .ntargets = argc - optind,
    };
    struct scope s;
    if (scope_open(&so, &s, err) < 0) {
        if (*err && (*err)->code == BERR_USAGE)
            berr_wrap(err, "ps");
        scope_close(&s);
        return -1;
    }
    json_t *rows = json_array();
    for (size_t i = 0; i < s.nall; i++)
        if (s.all[i].selected && (all || target_is_up(&s.all[i])))
            json_array_append_new(rows, row_of(&s.all[i], s.name, s.all[i].engine_name));
    if (fmt == FORMAT_JSON) {
        char *out = json_dumps(rows, JSON_INDENT(2) | JSON_SORT_KEYS);
        puts(out);
        free(out);
    } else {
        print_text(rows);
        if (!json_array_size(rows) && !all && s.nall)
            fputs("(no running containers; -a shows stopped ones too)\n", stderr);
    }
    json_decref(rows);
    /* An engine that did not answer: the others' containers are shown, and
     * ps fails naming it. */
    int rc = s.down ? berr_set(err, s.down->code, "ps: %s", s.down->msg) : 0;
    scope_close(&s);
    return rc;
}

static const char ip_usage[] =
    "usage: berth ip TARGET...\n"
    "\n"
    "Print the IP address of each container the targets name (PART or\n"
    "PART:INSTANCE), on the project network (as ps shows it): the address alone\n"
    "for one container, else PART:INSTANCE and the address, one a line.\n"
    "DockerOps' `ip`.\n"
    "\n"
    "options:\n"
    "  -h, --help   this help\n";

int cmd_ip(cli *g, int argc, char **argv, berr **err)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(ip_usage, stdout);
            return 0;
        }
        return cmd_option_error(err, "ip", argv, c);
    }
    if (optind >= argc)
        return cmd_usage_error(err, "ip", "name a target: berth ip web:main");
    struct scope_opts so = {
        .project = {.dir = g->dir, .file = g->file, .name = g->project, .sets = g->sets,
                    .nsets = g->nsets},
        .engine_url = g->engine_url,
        .targets = (const char *const *)argv + optind,
        .ntargets = argc - optind,
    };
    struct scope s;
    if (scope_open(&so, &s, err) < 0) {
        if (*err && (*err)->code == BERR_USAGE)
            berr_wrap(err, "ip");
        scope_close(&s);
        return -1;
    }
    size_t n = 0;
    for (size_t i = 0; i < s.nall; i++)
        n += s.all[i].selected;
    int rc = 0;
    for (size_t i = 0; i < s.nall && rc == 0; i++) {
        if (!s.all[i].selected)
            continue;
        const char *ip = ip_of(&s.all[i], s.name);
        if (!ip)
            rc = berr_set(err, BERR_FAILURE, "%s has no IP address (it is %s)", s.all[i].subject,
                          s.all[i].state);
        else if (n == 1)
            printf("%s\n", ip);
        else
            printf("%s %s\n", s.all[i].subject, ip);
    }
    if (rc == 0 && n == 0)
        rc = berr_set(err, BERR_FAILURE, "no container of the project matches");
    scope_close(&s);
    return rc;
}
