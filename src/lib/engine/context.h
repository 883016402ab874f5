/* docker contexts, read as the docker CLI writes them, so that berth talks
 * to the engine `docker` would talk to.
 *
 * A context NAME lives in $DOCKER_CONFIG (default ~/.docker):
 *   contexts/meta/<sha256 of NAME>/meta.json
 *       {"Name":NAME,"Endpoints":{"docker":{"Host":"tcp://...","SkipTLSVerify":false}}}
 *   contexts/tls/<sha256 of NAME>/docker/{ca,cert,key}.pem   (when it has TLS)
 * and config.json's "currentContext" names the one in use. The context
 * "default" is the CLI's built-in one: DOCKER_HOST, else the local socket. */
#ifndef BERTH_CONTEXT_H
#define BERTH_CONTEXT_H

#include <stdbool.h>

#include "base/error.h"

struct engine_context {
    char *name;
    char *host;      /* the docker endpoint's Host; NULL: the default address */
    bool skip_tls_verify;
    char *tls_dir;   /* the folder with ca.pem, cert.pem, key.pem, or NULL */
    char *meta_path; /* where it was read, for messages */
};
void engine_context_clear(struct engine_context *c);

/* $DOCKER_CONFIG, else $HOME/.docker (malloc'd). */
char *engine_context_config_dir(void);

/* Which context the docker CLI would use, when no engine address is named:
 * flag (--context), else none when DOCKER_HOST is set, else DOCKER_CONTEXT,
 * else config.json's currentContext. *name is NULL for none or "default";
 * *origin (static or malloc'd into *origin_owned) says where it came from. */
int engine_context_choose(const char *config_dir, const char *flag, char **name, char **origin,
                          berr **err);

/* Read context `name` from config_dir. A missing context is BERR_UNREACHABLE
 * naming the file looked for. */
int engine_context_load(const char *config_dir, const char *name, struct engine_context *c,
                        berr **err);

#endif
