/* A service on the network: ports (short and long forms, ranges), expose,
 * networks and aliases, depends_on, links, volumes_from, extra_hosts. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "base/words.h"
#include "compose/service_int.h"
#include "project/values.h"

/* One port mapping, ranges made single ports. */
static void port_lines(struct svc *S, const struct ynode *at, const char *ip, const char *host,
                       const char *cont, const char *proto)
{
    int clo, chi, hlo = 0, hhi = 0;
    if (!port_range(cont, &clo, &chi) || (host && *host && !port_range(host, &hlo, &hhi))) {
        bad(S, at, "ports", "'%s' is not a port or a range of ports (like 8080, 8080:80, "
            "127.0.0.1:8000-8001:80-81/udp)", at->kind == Y_SCALAR ? at->str : cont);
        return;
    }
    if (host && *host && hhi - hlo != chi - clo && hlo != hhi) {
        bad(S, at, "ports", "the host range and the container range differ in length");
        return;
    }
    for (int p = clo; p <= chi; p++) {
        strbuf sb = STRBUF_INIT;
        if (ip && *ip)
            sb_addf(&sb, strchr(ip, ':') ? "[%s]:" : "%s:", ip);
        if (host && *host)
            sb_addf(&sb, "%d:", hlo == hhi ? hlo : hlo + (p - clo));
        else if (ip && *ip)
            sb_adds(&sb, ":");
        sb_addf(&sb, "%d", p);
        if (proto && !streq(proto, "tcp"))
            sb_addf(&sb, "/%s", proto);
        add_line(S, "ports", sb.buf, at);
        sb_release(&sb);
    }
}

void k_ports(struct svc *S, struct ynode *n)
{
    if (n->kind != Y_SEQ) {
        bad(S, n, "ports", "must be a list, not %s", ykind_name(n->kind));
        return;
    }
    /* Compose publishes what ports lists; berth's instances publish their
     * ports only where publish_ports says so (a standard instance does not). */
    if (n->n)
        set1(S, "publish_ports", "true", n);
    for (size_t i = 0; i < n->n; i++) {
        struct ynode *it = n->v[i];
        if (it->kind == Y_SCALAR) {
            char *t = arena_strdup(S->R->a, it->str);
            const char *proto = "tcp";
            char *slash = strrchr(t, '/');
            if (slash) {
                *slash = '\0';
                proto = slash + 1;
            }
            const char *ip = NULL, *host = NULL, *cont;
            char *last = strrchr(t, ':');
            if (t[0] == '[') {
                char *close = strchr(t, ']');
                if (!close || close[1] != ':' || !last || last <= close + 1) {
                    bad(S, it, "ports", "'%s' is not a port mapping", it->str);
                    continue;
                }
                *close = '\0';
                ip = t + 1;
                *last = '\0';
                host = close + 2;
                cont = last + 1;
            } else if (!last) {
                cont = t;
            } else {
                *last = '\0';
                cont = last + 1;
                char *prev = strrchr(t, ':');
                if (prev) {
                    *prev = '\0';
                    ip = t;
                    host = prev + 1;
                } else {
                    host = t;
                }
            }
            port_lines(S, it, ip, host, cont, proto);
        } else if (it->kind == Y_MAP) {
            const char *target = NULL, *published = NULL, *ip = NULL, *proto = "tcp";
            for (size_t j = 0; j < it->n; j++) {
                const char *k = it->k[j];
                const char *v = scalar(S, it->v[j], arena_printf(S->R->a, "ports.%s", k));
                if (!v)
                    continue;
                if (streq(k, "target"))
                    target = v;
                else if (streq(k, "published"))
                    published = v;
                else if (streq(k, "host_ip"))
                    ip = v;
                else if (streq(k, "protocol"))
                    proto = v;
                else if (streq(k, "mode") && streq(v, "host"))
                    ; /* host mode: a port of this host, which is what berth does */
                else
                    bad(S, it->kn[j], arena_printf(S->R->a, "ports.%s", k),
                        "berth does not support ports.%s (supported: target, published, "
                        "host_ip, protocol, mode: host)", k);
            }
            if (!target)
                bad(S, it, "ports", "a port in the long form needs target:");
            else
                port_lines(S, it, ip, published, target, proto);
        } else {
            bad(S, it, "ports", "must be a port mapping or a mapping, not %s",
                ykind_name(it->kind));
        }
    }
}

void k_networks(struct svc *S, struct ynode *n, bool *joined)
{
    struct creader *R = S->R;
    if (n->kind != Y_MAP) {
        bad(S, n, "networks", "must be a list or a mapping, not %s", ykind_name(n->kind));
        return;
    }
    struct ynode *top = ymap_get(R->doc, "networks");
    for (size_t i = 0; i < n->n; i++) {
        const char *net = n->k[i];
        bool found = streq(net, "default");
        for (size_t j = 0; top && top->kind == Y_MAP && j < top->n; j++)
            found |= streq(top->k[j], net);
        if (!found) {
            bad(S, n->kn[i], "networks", "network '%s' is not declared in the top-level "
                "networks:", net);
            continue;
        }
        /* Compose's default network is berth's project network, which
         * every container joins (named <project>-default, by berth). */
        if (!streq(net, "default"))
            add_line(S, "networks", object_part(R, "network", net), n);
        *joined = true;
        struct ynode *v = n->v[i];
        if (v->kind == Y_NULL)
            continue;
        if (v->kind != Y_MAP) {
            bad(S, v, "networks", "%s: must be a mapping (aliases), not %s", net,
                ykind_name(v->kind));
            continue;
        }
        for (size_t j = 0; j < v->n; j++) {
            const char *full = arena_printf(R->a, "networks.%s.%s", net, v->k[j]);
            if (streq(v->k[j], "ipv4_address") || streq(v->k[j], "ipv6_address")) {
                const char *ip = scalar(S, v->v[j], full);
                if (ip && streq(net, "default"))
                    bad(S, v->kn[j], full, "berth gives the addresses on the project's own "
                        "network (declare a network with a subnet for fixed addresses)");
                else if (ip)
                    add_line(S, "network-addresses",
                             arena_printf(R->a, "%s %s", object_part(R, "network", net), ip),
                             v->v[j]);
                continue;
            }
            if (!streq(v->k[j], "aliases")) {
                bad(S, v->kn[j], full, "berth does not support %s (a network of a service "
                    "takes aliases, ipv4_address and ipv6_address)", v->k[j]);
                continue;
            }
            struct ynode *al = v->v[j];
            if (al->kind != Y_SEQ) {
                bad(S, al, full, "must be a list, not %s", ykind_name(al->kind));
                continue;
            }
            for (size_t a = 0; a < al->n; a++) {
                const char *s = scalar(S, al->v[a], full);
                if (s)
                    add_line(S, "network-aliases", s, al->v[a]);
            }
        }
    }
}

void k_depends_on(struct svc *S, struct ynode *n)
{
    struct creader *R = S->R;
    if (n->kind != Y_MAP) {
        bad(S, n, "depends_on", "must be a list or a mapping, not %s", ykind_name(n->kind));
        return;
    }
    struct ynode *svcs = ymap_get(R->doc, "services");
    for (size_t i = 0; i < n->n; i++) {
        const char *dep = n->k[i];
        struct ynode *v = n->v[i];
        if (!ymap_get(svcs, dep)) {
            bad(S, n->kn[i], "depends_on", "no service '%s' (or its profile is not active)", dep);
            continue;
        }
        if (v->kind == Y_MAP) {
            for (size_t j = 0; j < v->n; j++) {
                const char *full = arena_printf(R->a, "depends_on.%s.%s", dep, v->k[j]);
                const char *c = scalar(S, v->v[j], full);
                if (!c)
                    continue;
                if (!streq(v->k[j], "condition"))
                    bad(S, v->kn[j], full, "berth does not support %s (only condition)",
                        v->k[j]);
                else if (!streq(c, "service_started") && !streq(c, "service_healthy") &&
                         !streq(c, "service_completed_successfully"))
                    bad(S, v->v[j], full, "'%s' is not a condition (service_started, "
                        "service_healthy, service_completed_successfully)", c);
            }
        } else if (v->kind != Y_NULL) {
            bad(S, v, "depends_on", "%s: must be a mapping (condition), not %s", dep,
                ykind_name(v->kind));
        }
        add_line(S, "depends", part_name_for(R, dep), n);
    }
}

/* expose: ports, or ranges of them, exposed and not published. */
void k_expose(struct svc *S, struct ynode *n)
{
    if (n->kind != Y_SEQ) {
        bad(S, n, "expose", "must be a list, not %s", ykind_name(n->kind));
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        const char *s = scalar(S, n->v[i], "expose");
        if (!s)
            continue;
        const char *slash = strchr(s, '/');
        const char *proto = slash ? slash + 1 : NULL;
        char *num = slash ? arena_strndup(S->R->a, s, (size_t)(slash - s)) : arena_strdup(S->R->a, s);
        int lo, hi;
        if (!port_range(num, &lo, &hi) || lo < 1) {
            bad(S, n->v[i], "expose", "'%s' is not a port or a range of ports (like 3000, "
                "8000-8010, 53/udp)", s);
            continue;
        }
        for (int p = lo; p <= hi; p++)
            add_line(S, "expose", proto ? arena_printf(S->R->a, "%d/%s", p, proto)
                                        : arena_printf(S->R->a, "%d", p), n->v[i]);
    }
}

/* links: SERVICE or SERVICE:ALIAS (berth: PART ALIAS); volumes_from:
 * SERVICE[:ro|:rw]. Both name services of this file. */
void k_service_refs(struct svc *S, struct ynode *n, const char *key)
{
    struct creader *R = S->R;
    bool links = streq(key, "links");
    if (n->kind != Y_SEQ) {
        bad(S, n, key, "must be a list, not %s", ykind_name(n->kind));
        return;
    }
    struct ynode *svcs = ymap_get(R->doc, "services");
    for (size_t i = 0; i < n->n; i++) {
        const char *s = scalar(S, n->v[i], key);
        if (!s)
            continue;
        const char *colon = strchr(s, ':');
        const char *name = colon ? arena_strndup(R->a, s, (size_t)(colon - s)) : s;
        const char *rest = colon ? colon + 1 : NULL;
        if (streq(name, "container")) {
            bad(S, n->v[i], key, "'%s': berth takes services of this project only", s);
            continue;
        }
        if (!ymap_get(svcs, name)) {
            bad(S, n->v[i], key, "no service '%s' (or its profile is not active)", name);
            continue;
        }
        const char *part = part_name_for(R, name);
        if (links)
            add_line(S, "links", rest ? arena_printf(R->a, "%s %s", part, rest) : part, n);
        else if (!rest || streq(rest, "rw"))
            add_line(S, "volumes-from", part, n);
        else if (streq(rest, "ro"))
            add_line(S, "volumes-from", arena_printf(R->a, "%s:ro", part), n);
        else
            bad(S, n->v[i], key, "'%s': use SERVICE, SERVICE:ro or SERVICE:rw", s);
    }
}

/* extra_hosts: ["NAME:IP"] or {NAME: IP}; NAME=IP too (Compose v2). */
void k_extra_hosts(struct svc *S, struct ynode *n)
{
    if (n->kind == Y_MAP) {
        for (size_t i = 0; i < n->n; i++) {
            const char *ip = scalar(S, n->v[i], "extra_hosts");
            if (ip)
                add_line(S, "extra-hosts", arena_printf(S->R->a, "%s:%s", n->k[i], ip), n);
        }
        return;
    }
    if (n->kind != Y_SEQ) {
        bad(S, n, "extra_hosts", "must be a list or a mapping, not %s", ykind_name(n->kind));
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        const char *s = scalar(S, n->v[i], "extra_hosts");
        if (!s)
            continue;
        char *t = arena_strdup(S->R->a, s);
        char *eq = strchr(t, '=');
        if (eq)
            *eq = ':';
        add_line(S, "extra-hosts", t, n->v[i]);
    }
}
