#include "project/values.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "project/project.h"
#include "base/util.h"

const char *parse_bool(const char *s, bool *out)
{
    static const char *yes[] = {"true", "yes", "1", "on"}, *no[] = {"false", "no", "0", "off"};
    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return NULL;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return NULL;
        }
    }
    return "is not a boolean (use true, false, yes, no, 1 or 0)";
}

/* Digits only: strtoll alone would take " 12", "+12" and "0x1f". */
static bool all_digits(const char *s, size_t n)
{
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

const char *parse_int(const char *s, long long lo, long long hi, long long *out)
{
    if (!all_digits(s, strlen(s)) || strlen(s) > 12)
        return "is not a whole number (use digits only, like 30)";
    long long v = strtoll(s, NULL, 10);
    if (v < lo || v > hi)
        return "is out of range";
    *out = v;
    return NULL;
}

const char *parse_duration(const char *s, long long *ms)
{
    static const char bad[] = "is not a duration (use a number with a unit: 500ms, 10s, 2m, 1h, "
                              "1m30s; a bare number means seconds)";
    if (all_digits(s, strlen(s)) && strlen(s) <= 9) {
        *ms = strtoll(s, NULL, 10) * 1000;
        return NULL;
    }
    long long total = 0;
    const char *p = s;
    if (!*p)
        return bad;
    while (*p) {
        const char *b = p;
        while (isdigit((unsigned char)*p))
            p++;
        if (p == b || p - b > 9)
            return bad;
        long long v = strtoll(b, NULL, 10), mult;
        if (strncmp(p, "ms", 2) == 0)
            mult = 1, p += 2;
        else if (*p == 's')
            mult = 1000, p++;
        else if (*p == 'm')
            mult = 60000, p++;
        else if (*p == 'h')
            mult = 3600000, p++;
        else
            return bad;
        total += v * mult;
        if (total > 366LL * 86400000)
            return "is too long (at most a year)";
    }
    *ms = total;
    return NULL;
}

const char *parse_size(const char *s, long long *bytes)
{
    static const char bad[] = "is not a size (use a number with an optional unit: 512K, 256M, 2G)";
    size_t n = strlen(s), d = 0;
    while (d < n && isdigit((unsigned char)s[d]))
        d++;
    if (!d || d > 12)
        return bad;
    long long v = strtoll(s, NULL, 10);
    const char *u = s + d;
    int shift = 0;
    switch (toupper((unsigned char)*u)) {
    case '\0': break;
    case 'K': shift = 10; u++; break;
    case 'M': shift = 20; u++; break;
    case 'G': shift = 30; u++; break;
    case 'T': shift = 40; u++; break;
    case 'B': break;
    default: return bad;
    }
    if (toupper((unsigned char)*u) == 'B')
        u++;
    if (*u)
        return bad;
    if (v > (1LL << (62 - shift)))
        return "is too big";
    *bytes = v << shift;
    return NULL;
}

const char *parse_cpus(const char *s, long long *nano)
{
    static const char bad[] = "is not a number of CPUs (use a decimal number: 0.5, 1, 2.25)";
    size_t n = strlen(s), d = 0;
    while (d < n && isdigit((unsigned char)s[d]))
        d++;
    if (!d || d > 4)
        return d ? "is out of range (at most 4096 CPUs)" : bad;
    long long whole = strtoll(s, NULL, 10), frac = 0;
    const char *f = s + d;
    if (*f == '.') {
        f++;
        int places = 0;
        while (isdigit((unsigned char)*f) && places < 9) {
            frac = frac * 10 + (*f - '0');
            f++;
            places++;
        }
        if (!places)
            return bad;
        if (isdigit((unsigned char)*f))
            return "has more decimals than the engine keeps (at most 9)";
        for (; places < 9; places++)
            frac *= 10;
    }
    if (*f)
        return bad;
    long long v = whole * 1000000000LL + frac;
    if (v <= 0)
        return "is not more than 0 (leave the key out for no limit)";
    if (v > 4096LL * 1000000000LL)
        return "is out of range (at most 4096 CPUs)";
    *nano = v;
    return NULL;
}

const char *parse_memory(const char *s, long long *bytes)
{
    long long b;
    const char *why = parse_size(s, &b);
    if (why)
        return why;
    if (b < 6LL << 20)
        return "is too small (the engine lets a container have 6M at least)";
    *bytes = b;
    return NULL;
}

static const char *parse_port_number(const char *s, size_t n, int *out)
{
    if (!all_digits(s, n) || n > 5)
        return "bad";
    long v = strtol(s, NULL, 10);
    if (v < 1 || v > 65535)
        return "bad";
    *out = (int)v;
    return NULL;
}

static const char *parse_proto(const char *s, const char **proto)
{
    if (streq(s, "tcp"))
        *proto = "tcp";
    else if (streq(s, "udp"))
        *proto = "udp";
    else if (streq(s, "sctp"))
        *proto = "sctp";
    else
        return "bad";
    return NULL;
}

const char *parse_port(struct arena *a, const char *s, struct port *out)
{
    static const char bad[] = "is not a port mapping (use CONTAINER_PORT, HOST_PORT:CONTAINER_PORT or "
                              "IP:HOST_PORT:CONTAINER_PORT, each optionally ending in /tcp, /udp "
                              "or /sctp; ports are 1 to 65535)";
    memset(out, 0, sizeof *out);
    out->proto = "tcp";
    char *t = arena_strdup(a, s);
    char *slash = strrchr(t, '/');
    if (slash) {
        *slash = '\0';
        if (parse_proto(slash + 1, &out->proto))
            return bad;
    }
    char *ip = NULL, *rest = t;
    if (t[0] == '[') { /* [v6]:host:container */
        char *close = strchr(t, ']');
        if (!close || close[1] != ':')
            return bad;
        *close = '\0';
        ip = t + 1;
        rest = close + 2;
        int fam;
        if (check_ip(ip, &fam) || fam != 6)
            return bad;
    }
    char *last = strrchr(rest, ':');
    if (!last) {
        if (ip)
            return bad;
        return parse_port_number(rest, strlen(rest), &out->container_port) ? bad : NULL;
    }
    if (parse_port_number(last + 1, strlen(last + 1), &out->container_port))
        return bad;
    *last = '\0';
    char *hostp = strrchr(rest, ':');
    if (hostp && ip)
        return bad;
    if (hostp) {
        *hostp = '\0';
        ip = rest;
        rest = hostp + 1;
        int fam;
        if (check_ip(ip, &fam) || fam != 4)
            return bad;
    }
    if (*rest && parse_port_number(rest, strlen(rest), &out->host_port))
        return bad;
    if (!*rest && !ip)
        return bad; /* ":80" */
    out->host_ip = ip ? arena_strdup(a, ip) : NULL;
    return NULL;
}

const char *check_expose(const char *s)
{
    static const char bad[] = "is not a port (use PORT or PORT/tcp, PORT/udp, PORT/sctp)";
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    int port;
    const char *proto;
    if (parse_port_number(s, n, &port) || (slash && parse_proto(slash + 1, &proto)))
        return bad;
    return NULL;
}

const char *check_ip(const char *s, int *family)
{
    unsigned char buf[16];
    if (inet_pton(AF_INET, s, buf) == 1) {
        *family = 4;
        return NULL;
    }
    if (inet_pton(AF_INET6, s, buf) == 1) {
        *family = 6;
        return NULL;
    }
    return "is not an IP address (use an IPv4 address like 10.0.0.1 or an IPv6 address)";
}

const char *check_cidr(const char *s, int *family)
{
    static const char bad[] = "is not a CIDR subnet (use ADDRESS/BITS, like 10.0.0.0/24 or fd00::/64)";
    const char *slash = strchr(s, '/');
    if (!slash || slash == s)
        return bad;
    char addr[64];
    size_t n = (size_t)(slash - s);
    if (n >= sizeof addr)
        return bad;
    memcpy(addr, s, n);
    addr[n] = '\0';
    if (check_ip(addr, family))
        return bad;
    long long bits;
    if (parse_int(slash + 1, 0, *family == 4 ? 32 : 128, &bits))
        return bad;
    return NULL;
}

static bool ipv4_parse_net(const char *s, unsigned long *addr, int *bits)
{
    char buf[64];
    size_t n = strcspn(s, "/");
    if (n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    struct in_addr in;
    if (inet_pton(AF_INET, buf, &in) != 1)
        return false;
    *addr = ntohl(in.s_addr);
    *bits = s[n] == '/' ? atoi(s + n + 1) : 32;
    return *bits >= 0 && *bits <= 32;
}

bool ipv4_in_cidr(const char *addr, const char *net)
{
    unsigned long a, nw;
    int abits, nbits;
    if (!ipv4_parse_net(addr, &a, &abits) || !ipv4_parse_net(net, &nw, &nbits))
        return true; /* not both IPv4: nothing to compare */
    if (abits < nbits)
        return false;
    unsigned long mask = nbits ? (0xffffffffUL << (32 - nbits)) & 0xffffffffUL : 0;
    return (a & mask) == (nw & mask);
}

/* Docker's grammar: path components [a-z0-9]+ joined by '.', '_', '__' or
 * runs of '-'; an optional registry host (with '.' or ':' or "localhost")
 * first; an optional :tag and @digest last. */
static bool valid_component(const char *s, size_t n)
{
    if (!n || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (islower(c) || isdigit(c))
            continue;
        if (c == '.' || c == '_' || c == '-') {
            if (c == '.' && !isalnum((unsigned char)s[i + 1]))
                return false;
            continue;
        }
        return false;
    }
    return true;
}

const char *check_image_ref(const char *s)
{
    static const char bad[] = "is not an image reference (use [REGISTRY/]NAME[:TAG][@DIGEST], "
                              "lower case, like busybox:1.36 or myproject/web)";
    size_t n = strlen(s);
    if (!n || n > 255)
        return bad;
    const char *at = strchr(s, '@');
    size_t body = at ? (size_t)(at - s) : n;
    if (at) {
        const char *d = at + 1, *c = strchr(d, ':');
        if (!c || c == d || strlen(c + 1) < 32)
            return bad;
        for (const char *p = c + 1; *p; p++)
            if (!isxdigit((unsigned char)*p))
                return bad;
    }
    /* tag: after the last ':' that follows the last '/' */
    const char *lastslash = NULL;
    for (size_t i = 0; i < body; i++)
        if (s[i] == '/')
            lastslash = s + i;
    const char *colon = NULL;
    for (const char *p = lastslash ? lastslash : s; p < s + body; p++)
        if (*p == ':')
            colon = p;
    size_t repo = colon ? (size_t)(colon - s) : body;
    if (colon) {
        size_t tn = body - repo - 1;
        if (!tn || tn > 128 || !(isalnum((unsigned char)colon[1]) || colon[1] == '_'))
            return bad;
        for (size_t i = 1; i <= tn; i++) {
            unsigned char c = (unsigned char)colon[i];
            if (!isalnum(c) && c != '_' && c != '.' && c != '-')
                return bad;
        }
    }
    /* components */
    size_t i = 0;
    bool first = true;
    while (i < repo) {
        size_t j = i;
        while (j < repo && s[j] != '/')
            j++;
        bool host = first && j < repo &&
                    (memchr(s + i, '.', j - i) || memchr(s + i, ':', j - i) ||
                     (j - i == 9 && memcmp(s + i, "localhost", 9) == 0));
        if (host) {
            for (size_t k = i; k < j; k++) {
                unsigned char c = (unsigned char)s[k];
                if (!isalnum(c) && c != '.' && c != '-' && c != ':')
                    return bad;
            }
        } else if (!valid_component(s + i, j - i)) {
            for (size_t k = i; k < j; k++)
                if (isupper((unsigned char)s[k]))
                    return "is not an image reference (repository names must be lower case)";
            return bad;
        }
        if (j < repo && j + 1 == repo)
            return bad; /* trailing '/' */
        first = false;
        i = j + 1;
    }
    return repo ? NULL : bad;
}

char *image_repo(struct arena *a, const char *ref)
{
    size_t n = strcspn(ref, "@");
    const char *lastslash = NULL, *colon = NULL;
    for (size_t i = 0; i < n; i++)
        if (ref[i] == '/')
            lastslash = ref + i;
    for (const char *p = lastslash ? lastslash : ref; p < ref + n; p++)
        if (*p == ':')
            colon = p;
    if (colon)
        n = (size_t)(colon - ref);
    return arena_strndup(a, ref, n);
}

bool image_has_tag(const char *ref)
{
    if (strchr(ref, '@'))
        return true;
    const char *lastslash = strrchr(ref, '/');
    return strchr(lastslash ? lastslash : ref, ':') != NULL;
}

const char *image_ref_normal(const char *ref, char buf[IMAGE_REF_NORMAL_MAX])
{
    /* A first component is a registry when it looks like a host: a dot, a
     * port, or localhost (the docker CLI's rule). */
    const char *slash = strchr(ref, '/');
    size_t hn = slash ? (size_t)(slash - ref) : 0;
    bool host = slash && (memchr(ref, '.', hn) || memchr(ref, ':', hn) ||
                          (hn == 9 && !strncmp(ref, "localhost", 9)));
    const char *registry = "docker.io", *path = ref;
    char hostbuf[IMAGE_REF_NORMAL_MAX];
    if (host) {
        snprintf(hostbuf, sizeof hostbuf, "%.*s", (int)hn, ref);
        registry = streq(hostbuf, "index.docker.io") ? "docker.io" : hostbuf;
        path = slash + 1;
    }
    bool library = streq(registry, "docker.io") && !strchr(path, '/');
    int n = snprintf(buf, IMAGE_REF_NORMAL_MAX, "%s/%s%s%s", registry, library ? "library/" : "",
                     path, image_has_tag(path) ? "" : ":latest");
    if (n < 0 || n >= IMAGE_REF_NORMAL_MAX) /* longer than any valid reference: as it is */
        snprintf(buf, IMAGE_REF_NORMAL_MAX, "%s", ref);
    return buf;
}

const char *env_file_line(struct arena *a, const char *line, char *const *env,
                          const char **item)
{
    *item = NULL;
    line += strspn(line, " \t\v\f\r");
    if (!*line || *line == '#')
        return NULL;
    size_t n = strcspn(line, "=");
    if (n == 0)
        return "has no variable name before '='";
    if (strcspn(line, " \t\v\f\r") < n)
        return "is not NAME=VALUE or NAME: the name has blanks";
    if (line[n] == '=') {
        *item = arena_strdup(a, line);
        return NULL;
    }
    for (char *const *e = env; e && *e; e++)
        if (!strncmp(*e, line, n) && (*e)[n] == '=') {
            *item = arena_strdup(a, *e);
            break;
        }
    return NULL;
}

static bool user_word(const char *s, size_t n)
{
    if (!n || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
            return false;
    return true;
}

const char *check_user(const char *s)
{
    const char *colon = strchr(s, ':');
    size_t n = colon ? (size_t)(colon - s) : strlen(s);
    if (user_word(s, n) && (!colon || user_word(colon + 1, strlen(colon + 1))))
        return NULL;
    return "is not a user (use host for the calling user, or NAME, UID, NAME:GROUP or UID:GID)";
}

const char *check_restart(const char *s)
{
    static const char bad[] = "is not a restart policy (use no, always, unless-stopped, on-failure "
                              "or on-failure:N)";
    if (streq(s, "no") || streq(s, "always") || streq(s, "unless-stopped") ||
        streq(s, "on-failure"))
        return NULL;
    if (starts_with(s, "on-failure:")) {
        long long n;
        return parse_int(s + 11, 0, 1000000, &n) ? bad : NULL;
    }
    return bad;
}

const char *check_hostname(const char *s)
{
    static const char bad[] = "is not a host name (use letters, digits and '-', in labels of at most "
                              "63 characters separated by '.')";
    size_t n = strlen(s);
    if (!n || n > 253)
        return bad;
    for (const char *p = s; *p;) {
        size_t l = strcspn(p, ".");
        if (!l || l > 63 || p[0] == '-' || p[l - 1] == '-')
            return bad;
        for (size_t i = 0; i < l; i++)
            if (!isalnum((unsigned char)p[i]) && p[i] != '-')
                return bad;
        p += l;
        if (*p == '.')
            p++;
        if (!*p && p[-1] == '.')
            return bad;
    }
    return NULL;
}

const char *check_engine_url(const char *s)
{
    static const char bad[] = "is not an engine address (use unix:///PATH, tcp://HOST:PORT, "
                              "http://HOST:PORT or https://HOST:PORT)";
    if (starts_with(s, "unix://"))
        return s[7] == '/' ? NULL : bad;
    const char *rest = NULL;
    if (starts_with(s, "tcp://"))
        rest = s + 6;
    else if (starts_with(s, "http://"))
        rest = s + 7;
    else if (starts_with(s, "https://"))
        rest = s + 8;
    if (!rest || !*rest || *rest == ':' || *rest == '/')
        return bad;
    for (const char *p = rest; *p && *p != '/'; p++)
        if (isspace((unsigned char)*p))
            return bad;
    return NULL;
}

const char *check_object_name(const char *s)
{
    static const char bad[] = "is not a valid name (use letters, digits, '_', '.' and '-', "
                              "starting with a letter or digit)";
    if (!isalnum((unsigned char)s[0]) || strlen(s) > 128)
        return bad;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
            return bad;
    return NULL;
}

const char *check_env_item(const char *s)
{
    static const char bad[] = "is not an environment setting (use NAME=VALUE, NAME made of letters, "
                              "digits and '_', not starting with a digit)";
    const char *eq = strchr(s, '=');
    if (!eq || eq == s || isdigit((unsigned char)s[0]))
        return bad;
    for (const char *p = s; p < eq; p++)
        if (!isalnum((unsigned char)*p) && *p != '_')
            return bad;
    return NULL;
}

const char *check_kv_item(const char *s)
{
    const char *eq = strchr(s, '=');
    if (!eq || eq == s)
        return "is not a setting (use KEY=VALUE, one per line)";
    for (const char *p = s; p < eq; p++)
        if (isspace((unsigned char)*p))
            return "is not a setting (use KEY=VALUE; the key cannot hold spaces)";
    return NULL;
}

bool valid_part_name(const char *s)
{
    if (!*s || strlen(s) > 64)
        return false;
    for (const char *p = s; *p; p++)
        if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_')
            return false;
    return true;
}

char *fix_part_name(struct arena *a, const char *s)
{
    char *t = arena_strdup(a, s);
    for (char *p = t; *p; p++) {
        unsigned char c = (unsigned char)*p;
        *p = isalnum(c) ? (char)tolower(c) : '_';
    }
    if (!*t)
        return arena_strdup(a, "part");
    return t;
}

bool is_url(const char *s)
{
    return strstr(s, "://") != NULL || starts_with(s, "git@");
}
