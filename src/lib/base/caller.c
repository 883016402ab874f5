#include "base/caller.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static const char *env_get(char *const *env, const char *name)
{
    size_t n = strlen(name);
    for (; env && *env; env++)
        if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
            return *env + n + 1;
    return NULL;
}

static bool whole(const char *s, unsigned *out)
{
    if (!s || !*s || strlen(s) > 9)
        return false;
    unsigned v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (unsigned)(*s - '0');
    }
    *out = v;
    return true;
}

/* A name fit for /etc/passwd: no ':' or newline could break the file. */
static void copy_name(char *dst, size_t cap, const char *src, const char *fallback, unsigned id)
{
    bool ok = src && *src && strlen(src) < cap && !strpbrk(src, ":\n\r,") && src[0] != '-';
    if (ok)
        snprintf(dst, cap, "%s", src);
    else
        snprintf(dst, cap, "%s%u", fallback, id);
}

void caller_identify(struct caller *out, char *const *env)
{
    if (!env)
        env = environ;
    memset(out, 0, sizeof *out);
    out->uid = (unsigned)getuid();
    out->gid = (unsigned)getgid();
    unsigned su, sg;
    const char *sudo_user = NULL;
    if (out->uid == 0 && whole(env_get(env, "SUDO_UID"), &su) &&
        whole(env_get(env, "SUDO_GID"), &sg)) {
        out->uid = su;
        out->gid = sg;
        out->via_sudo = true;
        sudo_user = env_get(env, "SUDO_USER");
    }
    struct passwd *pw = getpwuid(out->uid);
    copy_name(out->name, sizeof out->name, pw ? pw->pw_name : sudo_user, "user", out->uid);
    struct group *gr = getgrgid(out->gid);
    copy_name(out->group, sizeof out->group, gr ? gr->gr_name : NULL, "group", out->gid);
}
