/* Images to and from registries through the engine: pull, tag, push, and
 * what a registry holds for a tag. Credentials go in the X-Registry-Auth
 * header only; progress is reported per layer (a line each time a layer
 * changes phase; byte counts as progress events, which only a terminal
 * view shows). Errors inside the engine's 200 stream (unknown tag, denied)
 * fail the call with the registry's message. */
#ifndef BERTH_REGISTRY_PULLPUSH_H
#define BERTH_REGISTRY_PULLPUSH_H

#include "base/error.h"
#include "base/report.h"
#include "engine/engine.h"
#include "registry/creds.h"

/* Credentials for the registry ref names: config.json's login (helpers
 * included) first, else user/password (a part's own), else none
 * (out->server set, no secret). */
int reg_cred_for(const char *ref, const char *registry, const char *user, const char *password,
                 struct reg_cred *out, berr **err);

/* Pull ref ("repo:tag" or "repo@sha256:..."); platform may be NULL. */
int reg_pull(engine *e, const char *ref, const char *platform, const struct reg_cred *cred,
             reporter *rep, const char *subject, berr **err);
/* Tag image src as ref ("host/repo:tag"). */
int reg_tag(engine *e, const char *src, const char *ref, berr **err);
/* Push ref ("host/repo:tag"); *digest (if given) gets the manifest digest
 * the registry now has for it (malloc'd, NULL if the engine did not say). */
int reg_push(engine *e, const char *ref, const struct reg_cred *cred, reporter *rep,
             const char *subject, char **digest, berr **err);
/* The manifest digest the registry holds for ref; NULL (and 0) when it
 * holds none (unknown repository or tag). */
int reg_remote_digest(engine *e, const char *ref, const struct reg_cred *cred, char **digest,
                      berr **err);

/* Check credentials with the registry, as the engine's POST /auth does
 * for the docker CLI's login: an error (BERR_ENGINE) carries the
 * registry's refusal. */
int reg_engine_login(engine *e, const struct reg_cred *cred, berr **err);

/* Pure: split "host/repo:tag" into repository and tag ("latest" when
 * none); "repo@sha256:..." gives the digest as tag. malloc'd. */
void reg_split_ref(const char *ref, char **repo, char **tag);

#endif
