/* The API version an engine on a unix socket answered /_ping with,
 * remembered per socket, so that a short command (ps, a no-op up) starts
 * with its first real request instead of a /_ping round trip. */
#ifndef BERTH_ENGINE_APICACHE_H
#define BERTH_ENGINE_APICACHE_H

/* 0 and the remembered versions (*podman_api NULL for a Docker engine) when
 * the socket at path is the very one they were learnt from: same device,
 * inode and change time. A restarted engine makes a new socket, so what an
 * older one said is never used for it. -1: ask the engine. */
int apicache_get(const char *path, char **server_api, char **podman_api);

/* Remember what the engine on the socket at path said (best effort: a cache
 * that cannot be written only costs the next command its /_ping). */
void apicache_put(const char *path, const char *server_api, const char *podman_api);

#endif
