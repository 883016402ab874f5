/* Registry credentials kept as the docker CLI keeps them: the config.json
 * in $DOCKER_CONFIG (else ~/.docker), its "auths" entries (base64 of
 * "user:password"), and credential helpers ("credsStore" for every
 * registry, "credHelpers" per registry) run as docker-credential-NAME with
 * the get/store/erase protocol on stdin/stdout.
 *
 * Secrets stay in memory only: no error message built here ever carries a
 * password, a token, or what a helper printed on success. */
#ifndef BERTH_REGISTRY_CREDS_H
#define BERTH_REGISTRY_CREDS_H

#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"

/* docker.io's key in config.json and its helpers' server URL. */
#define REG_DOCKER_HUB_KEY "https://index.docker.io/v1/"

struct reg_cred {
    char *username;
    char *password;      /* or */
    char *identitytoken; /* a helper's "<token>" user, or an auths entry's identitytoken */
    char *server;        /* the registry as the engine is told it */
};
void reg_cred_clear(struct reg_cred *c);

/* The registry host a reference names ("127.0.0.1:5000" for
 * "127.0.0.1:5000/a/b:1"), "docker.io" when it names none (malloc'd). */
char *reg_host_of(const char *ref);
/* A registry as typed (host, host:port, https://host/v1/) to its host. */
char *reg_normalize(const char *registry);

struct reg_config {
    char *dir;  /* $DOCKER_CONFIG, else $HOME/.docker */
    char *path; /* dir/config.json */
    json_t *root;
};
/* Read config.json; a missing file is an empty configuration. */
int reg_config_load(struct reg_config *cfg, berr **err);
void reg_config_clear(struct reg_config *cfg);
/* Write it back (0600, replaced atomically), other keys untouched. */
int reg_config_save(struct reg_config *cfg, berr **err);

/* The helper in charge of host, or NULL: credHelpers[host], else credsStore. */
const char *reg_helper_for(const struct reg_config *cfg, const char *host);

/* Credentials stored for host; *found false (and 0) when there are none. */
int reg_cred_get(const struct reg_config *cfg, const char *host, struct reg_cred *out,
                 bool *found, berr **err);
/* Store (login): through the helper in charge, else in auths; saves. */
int reg_cred_store(struct reg_config *cfg, const char *host, const char *user,
                   const char *password, berr **err);
/* Forget (logout); *found false when nothing was stored. Saves. */
int reg_cred_erase(struct reg_config *cfg, const char *host, bool *found, berr **err);

/* X-Registry-Auth: base64url of {"username","password","serveraddress"}
 * (or {"identitytoken"}); c may be NULL: "{}" (malloc'd). */
char *reg_auth_header(const struct reg_cred *c);
/* X-Registry-Config for builds: every registry config.json knows (auths,
 * and the hosts of credHelpers), {host: {username, password}} (malloc'd). */
int reg_config_header(const struct reg_config *cfg, char **out, berr **err);

/* Pure (unit-tested). */
char *reg_base64(const void *data, size_t len, bool url);
/* NULL when s is not base64. */
char *reg_base64_decode(const char *s, size_t *len);

#endif
