/* Addresses of linked containers: <ALIAS>_CONTAINER_IP, and where a master
 * instance finds a linked container that runs outside the project (seed
 * 001: "the linking in an instance of type master requires a proper setting
 * of the env vars"). */
#ifndef BERTH_LINKADDR_H
#define BERTH_LINKADDR_H

#include <stdbool.h>

#include "converge/desired.h"
#include "engine/engine.h"
#include "base/error.h"
#include "project/project.h"

/* "<ALIAS>_CONTAINER_IP": the alias upper-cased, other characters as '_'. */
char *link_env_name(const char *alias);

/* The outside address of the link: <ALIAS>_CONTAINER_IP in berth's
 * environment, else the alias's line in the container's hosts-file
 * (hosts(5): "ADDRESS NAME..."). 0 with *ip NULL when neither names it (the
 * link is to the project's own container); an address that is not an IP is
 * an error naming where it came from. */
int link_outside(const struct container *c, const char *alias, char **ip, berr **err);

/* Whether instance j of c takes every link to part `to` from outside (an
 * address is given for each, valid or not). */
bool links_all_outside(const struct project *p, const struct container *c, size_t j, int to);

/* The name a link is known by: its alias, else the linked part's name. */
const char *link_alias(const struct project *p, const struct cref *r);

/* The address of each of c's links for instance in: a master instance's
 * from outside (link_outside) when named there, else the linked container's
 * on the project network (inspected). A linked container without an address
 * is an error, except in a dry run (it is left out). */
int link_addresses(engine *e, const struct project *p, const struct container *c,
                   const struct instance *in, bool dry_run, struct link_ip **out, size_t *n,
                   berr **err);
/* What the caller knows of a linked container, to spare the inspect: 1
 * with *entry its entry in a container list (GET /containers/json, whose
 * NetworkSettings.Networks carry the addresses) that still holds, or 1 with
 * *entry NULL when it is known not to exist; 0: ask the engine. */
typedef int (*link_known_fn)(void *ud, const char *name, json_t **entry);
/* link_addresses, asking known first: the address a listed entry carries
 * is taken as is; the engine is asked only when it carries none. */
int link_addresses_known(engine *e, const struct project *p, const struct container *c,
                         const struct instance *in, bool dry_run, link_known_fn known, void *ud,
                         struct link_ip **out, size_t *n, berr **err);
void link_addresses_free(struct link_ip *l, size_t n);

#endif
