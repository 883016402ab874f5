/* Run as the host user: the passwd and group files placed into a task's
 * container (converge/hostuser.c), the caller under sudo (base/caller.c),
 * and the argv and body of a task's container (converge/task.c). */
#include <stdio.h>

#include "../tap.h"
#include "base/caller.h"
#include "base/util.h"
#include "converge/desired.h"
#include "converge/hostuser.h"
#include "converge/task.h"
#include "engine/api.h"

static const struct caller ann = {.uid = 1000, .gid = 1000, .name = "ann", .group = "ann"};
static const struct caller rootc = {.uid = 0, .gid = 0, .name = "root", .group = "root"};

static void passwd(void)
{
    char *s = hostuser_passwd("", &ann);
    is_str(s, "ann:x:1000:1000:ann:/home/ann:/bin/sh\n", "no passwd file: the caller's entry alone");
    free(s);
    s = hostuser_passwd("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false",
                        &ann);
    is_str(s,
           "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n"
           "ann:x:1000:1000:ann:/home/ann:/bin/sh\n",
           "other entries kept, the caller's appended");
    free(s);
    s = hostuser_passwd("root:x:0:0::/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/bash\n"
                        "ann:x:1500:1500::/home/x:/bin/false\n",
                        &ann);
    is_str(s, "root:x:0:0::/root:/bin/sh\nann:x:1000:1000:ann:/home/ann:/bin/sh\n",
           "the image's user of the same uid, and of the same name, replaced");
    free(s);
    s = hostuser_passwd("root:x:0:0::/root:/bin/ash\n", &rootc);
    is_str(s, "root:x:0:0:root:/root:/bin/sh\n", "root stays root, HOME /root");
    free(s);
}

static void group(void)
{
    char *s = hostuser_group("", &ann);
    is_str(s, "ann:x:1000:\n", "no group file: the caller's group");
    free(s);
    s = hostuser_group("root:x:0:\nstaff:x:1000:", &ann);
    is_str(s, "root:x:0:\nstaff:x:1000:\n", "the image's group of that gid is kept");
    free(s);
    s = hostuser_group("ann:x:50:\n", &ann);
    is_str(s, "ann:x:50:\nhost1000:x:1000:\n", "a name taken by another gid: host<GID>");
    free(s);
}

static void sudo(void)
{
    struct caller c;
    char *env[] = {"SUDO_UID=1234", "SUDO_GID=2345", "SUDO_USER=bob", NULL};
    caller_identify(&c, env);
    if (getuid() == 0) {
        is_int(c.uid, 1234, "as root under sudo: SUDO_UID");
        is_int(c.gid, 2345, "... and SUDO_GID");
        ok(c.via_sudo, "... marked");
    } else {
        is_int(c.uid, getuid(), "not root: SUDO_* ignored");
        ok(!c.via_sudo, "... not marked");
    }
    char *bad[] = {"SUDO_UID=12x", "SUDO_GID=1", NULL};
    caller_identify(&c, bad);
    is_int(c.uid, getuid(), "a SUDO_UID that is no number is ignored");
    char *none[] = {NULL};
    caller_identify(&c, none);
    is_int(c.uid, getuid(), "no sudo: the process's uid");
    ok(strlen(c.name) > 0 && !strchr(c.name, ':'), "a name fit for /etc/passwd");
}

static void task(void)
{
    static const char text[] = "[project]\nname = shop\n"
                               "[t]\nrecipe = task\nimage = busybox\n"
                               "command = sh -c 'echo \"$@\"' sh ${args} end\n"
                               "volumes = /cache\n    /srv/data:/data:ro\n"
                               "env = A=1\n"
                               "[u]\nrecipe = task\nimage = busybox\ncommand = make\n"
                               "user = 0\nmount-source = false\n";
    struct project_opts o = {.dir = "/tmp", .file = "berth.ini", .text = text};
    struct project *p = NULL;
    berr *err = NULL;
    if (!ok(project_load(&o, &p, &err) == 0, "task project loads")) {
        printf("# %s\n", err->msg);
        berr_free(err);
        return;
    }
    const struct part *t = &p->parts[project_find(p, "t")];
    const struct part *u = &p->parts[project_find(p, "u")];
    const char *args[] = {"a b", "c", NULL};
    json_t *a = task_argv(t, args);
    char *s = json_dumps(a, JSON_COMPACT);
    is_str(s, "[\"sh\",\"-c\",\"echo \\\"$@\\\"\",\"sh\",\"a b\",\"c\",\"end\"]",
           "args in place of ${args}, one word each");
    free(s);
    json_decref(a);
    a = task_argv(u, args);
    s = json_dumps(a, JSON_COMPACT);
    is_str(s, "[\"make\",\"a b\",\"c\"]", "no ${args}: appended");
    free(s);
    json_decref(a);

    struct task_call call = {.args = args, .who = &ann, .suffix = "42"};
    char *name = NULL;
    json_t *body = NULL, *nets = NULL;
    ok(task_container(p, t, &call, &name, &body, &nets, &err) == 0, "task body made");
    is_str(name, "shop-t-task-42", "its name");
    is_str(json_string_value(json_object_get(body, "User")), "1000:1000", "runs as the caller");
    is_str(json_string_value(json_array_get(json_object_get(body, "Env"), 0)), "HOME=/home/ann",
           "HOME of the caller first");
    is_str(json_string_value(json_object_get(body, "WorkingDir")), "/tmp",
           "workdir: the project folder");
    json_t *binds = json_object_get(json_object_get(body, "HostConfig"), "Binds");
    is_str(json_string_value(json_array_get(binds, 0)), "/tmp:/tmp",
           "the project folder at the same path");
    is_str(json_string_value(json_array_get(binds, 1)), "/srv/data:/data:ro", "a host folder");
    ok(json_object_get(json_object_get(body, "Volumes"), "/cache") != NULL, "an anonymous volume");
    is_str(json_string_value(json_object_get(json_object_get(body, "Labels"), LABEL_KIND)), "task",
           "labelled a task");
    ok(json_is_true(json_object_get(body, "OpenStdin")), "stdin open");
    free(name);
    json_decref(body);
    json_decref(nets);
    ok(task_container(p, u, &call, &name, &body, &nets, &err) == 0, "second body made");
    is_str(json_string_value(json_object_get(body, "User")), "0", "user = 0: not the caller");
    is_int(json_array_size(json_object_get(json_object_get(body, "HostConfig"), "Binds")), 0,
           "mount-source = false: no project folder");
    free(name);
    json_decref(body);
    json_decref(nets);
    project_free(p);
}

int main(void)
{
    passwd();
    group();
    sudo();
    task();
    return tap_done();
}
