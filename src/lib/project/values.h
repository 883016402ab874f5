/* Checkers for the value types of project keys. Each returns NULL when the
 * text is valid, otherwise a phrase that completes "'TEXT' ..." and says
 * what is accepted, e.g. "is not a boolean (use true, false, yes, no, 1 or 0)". */
#ifndef BERTH_VALUES_H
#define BERTH_VALUES_H

#include <stdbool.h>

struct arena;
struct port;

const char *parse_bool(const char *s, bool *out);
const char *parse_int(const char *s, long long lo, long long hi, long long *out);
/* 10s, 2m, 1h, 500ms, 1m30s; a bare number is seconds. */
const char *parse_duration(const char *s, long long *ms);
/* 512, 64K, 256M, 2G (binary units; a trailing B is accepted). */
const char *parse_size(const char *s, long long *bytes);
/* A share of CPUs, as the docker CLI's --cpus: 0.5, 2, 1.25 (in billionths
 * of a CPU: the engine's NanoCpus); more than 0, at most 4096. */
const char *parse_cpus(const char *s, long long *nano);
/* A memory limit: a size (parse_size) of at least 6M, the least the engine
 * gives a container. */
const char *parse_memory(const char *s, long long *bytes);
/* [IP:][HOST_PORT:]CONTAINER_PORT[/tcp|udp|sctp]; IPv6 in brackets. */
const char *parse_port(struct arena *a, const char *s, struct port *out);
/* PORT[/tcp|udp|sctp] */
const char *check_expose(const char *s);
/* family: 4 or 6 */
const char *check_ip(const char *s, int *family);
const char *check_cidr(const char *s, int *family);
/* Is the IPv4 address (or CIDR network) inside the IPv4 CIDR net? */
bool ipv4_in_cidr(const char *addr, const char *net);
const char *check_image_ref(const char *s);
/* The repository of an image reference: without :tag and @digest. */
char *image_repo(struct arena *a, const char *ref);
/* Whether ref names a tag or digest. */
bool image_has_tag(const char *ref);
/* The one spelling of an image reference that every spelling of the same
 * image shares, so that two references are one image when their normal
 * forms are equal: the registry named (docker.io when none is, as
 * index.docker.io), library/ for docker.io's one-word names, :latest when
 * neither a tag nor a digest is given. demo/web, demo/web:latest and
 * docker.io/demo/web:latest are docker.io/demo/web:latest; demo/web:1 and
 * demo/web:2 stay two. Written to buf (IMAGE_REF_NORMAL_MAX bytes, enough
 * for any reference check_image_ref accepts), which it returns. */
#define IMAGE_REF_NORMAL_MAX 320
const char *image_ref_normal(const char *ref, char buf[IMAGE_REF_NORMAL_MAX]);
/* One line of an env file, in docker's --env-file format: leading blanks
 * dropped; a blank line or a # comment adds nothing; NAME=VALUE as it is
 * (the value verbatim, spaces and quotes kept); NAME alone takes NAME's
 * value from env (environ-style), and adds nothing when env has none.
 * *item: "NAME=VALUE" (in a), or NULL when the line adds nothing. Returns
 * NULL, or why the line is wrong (a name empty or with blanks). */
const char *env_file_line(struct arena *a, const char *line, char *const *env,
                          const char **item);
const char *check_user(const char *s);
const char *check_restart(const char *s);
const char *check_hostname(const char *s);
const char *check_engine_url(const char *s);
/* Names of engine objects (networks, volumes): [A-Za-z0-9][A-Za-z0-9_.-]* */
const char *check_object_name(const char *s);
const char *check_env_item(const char *s);
const char *check_kv_item(const char *s);
/* Part and instance names: [a-z0-9_]+ */
bool valid_part_name(const char *s);
/* A name made valid, for suggestions: lower case, other characters -> '_'. */
char *fix_part_name(struct arena *a, const char *s);
bool is_url(const char *s);

#endif
