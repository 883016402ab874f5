/* The desired engine objects of a project, as the exact bodies berth sends
 * to create them, each labelled with the project, part, instance and a hash
 * of the desired configuration (not of inspected state: engine-filled
 * defaults never cause a recreate). Pure: no engine calls, unit-tested. */
#ifndef BERTH_DESIRED_H
#define BERTH_DESIRED_H

#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"
#include "project/project.h"

#define LABEL_FIELDS "berth.config-fields"
#define LABEL_STOP_TIMEOUT "berth.stop-timeout"
#define LABEL_KEEP "berth.keep"
#define LABEL_KIND "berth.kind"

/* What berth learned before making a container's body: the image it runs,
 * and the content of its layout folder. */
struct image_facts {
    const char *id;          /* "sha256:..." */
    json_t *config;          /* the image's Config: ExposedPorts, Entrypoint, Cmd (borrowed) */
    const char *layout_hash; /* the layout folder's tar hash, NULL when it has none */
};

/* The address of a linked container, for <ALIAS>_CONTAINER_IP.
 *
 * A linked container of the project gets an address from the engine each
 * time it starts (Podman always a new one, Docker when it is made anew), so
 * the address is not part of the desired configuration: what is hashed is
 * which container the link names (target). A dependent is not recreated
 * because its link came back elsewhere; its variable holds the address at
 * its creation, and the link's name (the part's DNS alias on the project
 * network) always resolves to the current one. */
struct link_ip {
    const char *alias;
    const char *ip;     /* NULL in a dry run when the linked container has none yet */
    bool outside;       /* a master's link to a container outside the project: also a hosts entry */
    const char *target; /* the linked container's name (not outside) */
};

struct desired {
    char *name;        /* engine name */
    json_t *create;    /* create body, labels included */
    json_t *connect;   /* containers: [{"network": name, "aliases": [...]}] to join after create */
    json_t *volumes;   /* containers: persistent volumes to make first: [create bodies] */
    char hash[65];
    json_t *labels;    /* create's Labels (borrowed) */
    json_t *extra;     /* what else the hash covers (image id, layout, script) */
    json_t *hash_env;  /* Env as hashed: a link's address replaced by its target (struct link_ip) */
    char *fields;      /* "Cmd:1a2b3c4d,Env:...": see desired_fields */
};
void desired_clear(struct desired *d);

/* The network every linked instance joins, with DNS aliases <part> and
 * <part>-<instance>: "<project>-default". */
char *project_network_name(const struct project *p);
int desired_project_network(const struct project *p, struct desired *out);
int desired_network(const struct project *p, const struct part *pt, struct desired *out);
int desired_volume(const struct project *p, const struct part *pt, struct desired *out);
int desired_container(const struct project *p, const struct part *pt, size_t instance,
                      const struct image_facts *img, const struct link_ip *links, size_t nlinks,
                      struct desired *out, berr **err);

/* The persistent volumes of a container instance, as desired_container's
 * out->volumes holds them: for a dry run of a container that does not
 * exist yet, whose plan needs its name and these, not its body. */
json_t *desired_volumes(const struct project *p, const struct part *pt, size_t instance);

/* An interactive or safemode instance's container, from its desired state:
 * argv (a shell) in the foreground instead of the command, stdin open, a
 * TTY when tty (with TERM=term first in its environment), never restarted,
 * labelled berth.kind=interactive (not a converged container: berth run
 * removes it when argv exits). */
void desired_interactive(struct desired *d, const struct container *c, const struct instance *in,
                         const char *const *argv, bool tty, const char *term);

/* The per-field hashes ("Cmd:1a2b3c4d,Env:..."), made on first use and
 * put in the create body's labels: call it before creating the object and
 * to explain a change (desired_changed_fields). */
const char *desired_fields(struct desired *d);

/* Which fields differ between a "fields" label and a desired one:
 * "Env, Cmd" (malloc'd), or NULL when the label is missing or equal. */
char *desired_changed_fields(const char *old_fields, const char *new_fields);

/* A JSON array of the strings of sv. */
json_t *strv_json(const struct strv *sv);

#endif
