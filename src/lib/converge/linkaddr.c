#include "converge/linkaddr.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "engine/api.h"
#include "converge/desired.h"
#include "base/util.h"
#include "project/values.h"

char *link_env_name(const char *alias)
{
    strbuf sb = STRBUF_INIT;
    for (const char *c = alias; *c; c++)
        sb_addc(&sb, isalnum((unsigned char)*c) ? (char)toupper((unsigned char)*c) : '_');
    sb_adds(&sb, "_CONTAINER_IP");
    return sb_detach(&sb, NULL);
}

const char *link_alias(const struct project *p, const struct cref *r)
{
    return r->alias ? r->alias : p->parts[r->part].name;
}

/* The address hosts(5) gives name, or NULL. */
static char *hosts_lookup(const char *file, const char *name, int *line_no, berr **err)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return berr_errno(err, BERR_NOTFOUND, errno, "hosts-file %s", file), NULL;
    char line[1024];
    char *found = NULL;
    *line_no = 0;
    while (!found && fgets(line, sizeof line, f)) {
        (*line_no)++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *save = NULL, *addr = strtok_r(line, " \t\r\n", &save);
        for (char *w = addr ? strtok_r(NULL, " \t\r\n", &save) : NULL; w && !found;
             w = strtok_r(NULL, " \t\r\n", &save))
            if (streq(w, name))
                found = xstrdup(addr);
    }
    fclose(f);
    return found;
}

int link_outside(const struct container *c, const char *alias, char **ip, berr **err)
{
    *ip = NULL;
    cleanup_free char *var = link_env_name(alias);
    const char *v = getenv(var);
    cleanup_free char *where = NULL;
    char *addr = NULL;
    if (v && *v) {
        addr = xstrdup(v);
        where = xasprintf("%s in the environment", var);
    } else if (c->hosts_file) {
        int line = 0;
        berr *e2 = NULL;
        addr = hosts_lookup(c->hosts_file, alias, &line, &e2);
        if (e2) {
            berr_move(err, &e2);
            return -1;
        }
        where = xasprintf("%s:%d", c->hosts_file, line);
    }
    if (!addr)
        return 0;
    int family = 0;
    const char *bad = check_ip(addr, &family);
    if (bad) {
        berr_set(err, BERR_USAGE, "%s: link '%s': '%s' %s", where, alias, addr, bad);
        free(addr);
        return -1;
    }
    *ip = addr;
    return 0;
}

bool links_all_outside(const struct project *p, const struct container *c, size_t j, int to)
{
    if (c->instances[j].type != INSTANCE_MASTER)
        return false;
    bool any = false;
    for (size_t i = 0; i < c->nlinks; i++) {
        if (c->links[i].part != to)
            continue;
        char *ip = NULL;
        berr *e2 = NULL;
        int rc = link_outside(c, link_alias(p, &c->links[i]), &ip, &e2);
        berr_free(e2);
        free(ip);
        /* An address given but not an IP is still meant to be outside: the
         * master fails on it (link_addresses says why), and the linked part
         * is not brought up for nothing. */
        if (rc == 0 && !ip)
            return false;
        any = true;
    }
    return any;
}

int link_addresses(engine *e, const struct project *p, const struct container *c,
                   const struct instance *in, bool dry_run, struct link_ip **out, size_t *n,
                   berr **err)
{
    return link_addresses_known(e, p, c, in, dry_run, NULL, NULL, out, n, err);
}

/* The address of a container on net, from a listing's entry or an inspect
 * (both carry NetworkSettings.Networks), or NULL. */
static const char *address_on(json_t *j, const char *net)
{
    return json_string_value(json_object_get(
        json_object_get(json_object_get(json_object_get(j, "NetworkSettings"), "Networks"), net),
        "IPAddress"));
}

static int engine_part_of(const struct project *p, const struct container *c)
{
    for (size_t i = 0; i < p->nparts; i++)
        if (p->parts[i].container == c)
            return p->parts[i].engine_part;
    return -1;
}

int link_addresses_known(engine *e, const struct project *p, const struct container *c,
                         const struct instance *in, bool dry_run, link_known_fn known, void *ud,
                         struct link_ip **out, size_t *n, berr **err)
{
    *out = xcalloc(c->nlinks ? c->nlinks : 1, sizeof **out);
    *n = 0;
    cleanup_free char *net = project_network_name(p);
    /* The engine part c lives on (-1: the default), looked up only when a
     * linked part is on an engine part: a scan of every part for every
     * linked container made the plan of 2,000 parts quadratic. */
    int here = -2;
    for (size_t i = 0; i < c->nlinks; i++) {
        const struct cref *r = &c->links[i];
        int there = p->parts[r->part].engine_part;
        if (there >= 0 && here == -2)
            here = engine_part_of(p, c);
        if (there != here && there >= 0) {
            /* On another engine: its published port, at the host-address of
             * its engine part (the loader made sure there is one), taken
             * as a master's link outside the project is. */
            const char *ha = part_value(&p->parts[there], "host-address");
            (*out)[(*n)++] = (struct link_ip){link_alias(p, r), xstrdup(ha ? ha : ""), true, NULL};
            continue;
        }
        if (in->type == INSTANCE_MASTER) {
            char *ip = NULL;
            if (link_outside(c, link_alias(p, r), &ip, err) < 0)
                return -1;
            if (ip) {
                (*out)[(*n)++] = (struct link_ip){link_alias(p, r), ip, true, NULL};
                continue;
            }
        }
        const struct container *lc = p->parts[r->part].container;
        const struct instance *li = &lc->instances[r->instance < 0 ? 0 : r->instance];
        /* A plan of 2,000 parts inspected each linked container though
         * the run's list held it (or held that it does not exist). */
        json_t *j = NULL, *entry = NULL;
        const char *ip = NULL;
        bool listed = known && known(ud, li->container_name, &entry);
        if (listed && entry)
            ip = address_on(entry, net);
        if (!listed || (entry && !(ip && *ip))) {
            if (api_container_inspect(e, li->container_name, &j, err) < 0)
                return -1;
            ip = address_on(j, net);
        }
        if ((ip && *ip) || dry_run) {
            /* In a dry run a linked container to be made has no address
             * yet: its target is what the desired state hashes. */
            (*out)[*n].alias = link_alias(p, r);
            (*out)[*n].ip = ip && *ip ? xstrdup(ip) : NULL;
            (*out)[*n].target = li->container_name;
            (*n)++;
        } else {
            json_decref(j);
            return berr_set(err, BERR_FAILURE, "linked container %s has no address on %s: is it running?",
                            li->container_name, net);
        }
        json_decref(j);
    }
    return 0;
}

void link_addresses_free(struct link_ip *l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free((char *)l[i].ip);
    free(l);
}
