/* Inside the Compose reader: one service being turned into a berth part.
 * The keys it will have are gathered first (service_gather.c), by the
 * handlers of each Compose key (services.c: image, build, commands,
 * environment, healthcheck, ...; service_mounts.c: volumes, secrets,
 * configs, env_file; service_net.c: ports, expose, networks, depends_on,
 * links, extra_hosts), then handed over in one go. */
#ifndef BERTH_COMPOSE_SERVICE_INT_H
#define BERTH_COMPOSE_SERVICE_INT_H

#include <stdbool.h>

#include "base/strbuf.h"
#include "compose/compose_int.h"

/* One berth key being gathered for a part: lists grow a line at a time. */
struct okv {
    const char *key;
    strbuf val;
    const struct ynode *at;
};

struct svc {
    struct creader *R;
    const char *name; /* as in the file */
    const char *part;
    struct ynode *node;
    struct okv kv[64]; /* berth keys of one part: about 40 exist */
    struct okv spill;  /* never handed over */
    size_t nkv;
    bool bad;
};

/* service_gather.c */
struct okv *slot(struct svc *S, const char *key, const struct ynode *at);
void set1(struct svc *S, const char *key, const char *val, const struct ynode *at);
void add_line(struct svc *S, const char *key, const char *line, const struct ynode *at);
void bad(struct svc *S, const struct ynode *n, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
const char *scalar(struct svc *S, const struct ynode *n, const char *key);
const char *duration_of(struct svc *S, const struct ynode *n, const char *key);
/* A command (string: split as a shell would; or a list) as a JSON array. */
const char *argv_json(struct svc *S, const struct ynode *n, const char *key, const char *first);
const char *host_path(struct svc *S, const struct ynode *n, const char *p);
bool looks_like_path(const char *s);
bool port_range(const char *s, int *lo, int *hi);

/* service_mounts.c */
void k_env_file(struct svc *S, struct ynode *n);
void k_volumes(struct svc *S, struct ynode *n);
void k_files(struct svc *S, struct ynode *n, const char *what, const char *dir);

/* service_net.c */
void k_ports(struct svc *S, struct ynode *n);
void k_expose(struct svc *S, struct ynode *n);
void k_networks(struct svc *S, struct ynode *n, bool *joined);
void k_depends_on(struct svc *S, struct ynode *n);
void k_service_refs(struct svc *S, struct ynode *n, const char *key);
void k_extra_hosts(struct svc *S, struct ynode *n);

#endif
