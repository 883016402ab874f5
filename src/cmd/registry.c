/* berth login, logout and push: registries with the docker CLI's
 * credentials (~/.docker/config.json, DOCKER_CONFIG honoured). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <fcntl.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "cmd.h"
#include "converge/converge.h"
#include "engine/engine.h"
#include "progress.h"
#include "registry/creds.h"
#include "registry/pullpush.h"
#include "workspace.h"

static const char login_usage[] =
    "usage: berth login [-u USER] [--password-stdin] [REGISTRY]\n"
    "\n"
    "Log in to a registry (default: docker.io) as the docker CLI does: the\n"
    "engine checks the credentials with the registry, then they are kept in\n"
    "config.json ($DOCKER_CONFIG, else ~/.docker) - in its credential helper\n"
    "(credsStore, credHelpers) when it names one, else in its auths. Pulls and\n"
    "pushes (parts, and images containers need) then use them.\n"
    "\n"
    "options:\n"
    "  -u, --username USER   the user (asked on the terminal when not given)\n"
    "  --password-stdin      read the password from stdin (else asked, not echoed)\n"
    "  -h, --help            this help\n";

static const char logout_usage[] =
    "usage: berth logout [REGISTRY]\n"
    "\n"
    "Forget the login for a registry (default: docker.io): from the credential\n"
    "helper config.json names, and from its auths.\n";

static const char push_usage[] =
    "usage: berth push [targets]\n"
    "\n"
    "Run the project's push parts (or those the targets name), with what they\n"
    "need: the parts that make their images first. Each tag is pushed unless the\n"
    "registry already holds that image for it.\n";

static const char pull_usage[] =
    "usage: berth pull [targets]\n"
    "\n"
    "Run the project's pull parts (or those the targets name), each as its\n"
    "pull-policy says (missing: only when the engine lacks the image; always;\n"
    "never). Logins come from config.json, as for the docker CLI.\n";

/* Ask on fd, and read one line without its newline; a secret with echo
 * off on a terminal. Echo goes off before the prompt shows, and nothing
 * typed is flushed: an answer typed (or pasted) right after the prompt was
 * thrown away by a flush, and berth then waited for ever. */
static char *read_line(int fd, const char *prompt, bool secret)
{
    struct termios old, quiet;
    bool tty = isatty(fd) && tcgetattr(fd, &old) == 0;
    if (tty && secret) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fd, TCSANOW, &quiet);
    }
    ssize_t w = write(fd, prompt, strlen(prompt));
    (void)w;
    strbuf sb = STRBUF_INIT;
    char c;
    ssize_t n;
    while ((n = read(fd, &c, 1)) == 1 && c != '\n')
        sb_addc(&sb, c);
    if (tty && secret) {
        tcsetattr(fd, TCSANOW, &old);
        w = write(fd, "\n", 1);
        (void)w;
    }
    if (sb.len && sb.buf[sb.len - 1] == '\r')
        sb_truncate(&sb, sb.len - 1);
    return sb_detach(&sb, NULL);
}

static char *read_all_stdin(void)
{
    strbuf sb = STRBUF_INIT;
    char buf[512];
    ssize_t n;
    while ((n = read(STDIN_FILENO, buf, sizeof buf)) > 0 && sb.len < 65536)
        sb_add(&sb, buf, (size_t)n);
    explicit_bzero(buf, sizeof buf);
    while (sb.len && (sb.buf[sb.len - 1] == '\n' || sb.buf[sb.len - 1] == '\r'))
        sb_truncate(&sb, sb.len - 1);
    return sb_detach(&sb, NULL);
}

static char *ask(const char *prompt, bool secret, berr **err)
{
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        berr_set(err, BERR_USAGE,
                 "login: no terminal to ask the %s on: give -u USER and --password-stdin",
                 secret ? "password" : "user");
        return NULL;
    }
    char *s = read_line(fd, prompt, secret);
    close(fd);
    return s;
}

int cmd_login(cli *g, int argc, char **argv, berr **err)
{
    static const struct option opts[] = {
        {"username", required_argument, NULL, 'u'},
        {"password-stdin", no_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *user_opt = NULL;
    bool from_stdin = false;
    int c;
    while ((c = getopt_long(argc, argv, ":u:h", opts, NULL)) != -1) {
        switch (c) {
        case 'u': user_opt = optarg; break;
        case 'S': from_stdin = true; break;
        case 'h': fputs(login_usage, stdout); return 0;
        case ':':
            return cmd_usage_error(err, "login", "option '%s' needs a value", argv[optind - 1]);
        default: return cmd_option_error(err, "login", argv, c);
        }
    }
    if (argc - optind > 1)
        return cmd_usage_error(err, "login", "one registry at most ('%s' is extra)",
                               argv[optind + 1]);
    if (from_stdin && !user_opt)
        return cmd_usage_error(err, "login", "--password-stdin needs -u USER");
    cleanup_free char *host = reg_normalize(optind < argc ? argv[optind] : "docker.io");
    struct reg_cred cred = {.server = xstrdup(host)};
    cred.username = user_opt ? xstrdup(user_opt) : ask("Username: ", false, err);
    if (!cred.username) {
        reg_cred_clear(&cred);
        return -1;
    }
    cred.password = from_stdin ? read_all_stdin() : ask("Password: ", true, err);
    if (!cred.password) {
        reg_cred_clear(&cred);
        return -1;
    }
    if (!cred.username[0] || !cred.password[0]) {
        reg_cred_clear(&cred);
        return cmd_usage_error(err, "login", "the user and the password must not be empty");
    }
    engine *e = NULL;
    struct reg_config cfg = {0};
    int rc = engine_open(g->engine_url, &e, err);
    if (rc == 0)
        rc = reg_engine_login(e, &cred, err);
    if (rc == 0)
        rc = reg_config_load(&cfg, err);
    if (rc == 0)
        rc = reg_cred_store(&cfg, host, cred.username, cred.password, err);
    if (rc == 0) {
        const char *helper = reg_helper_for(&cfg, host);
        if (helper)
            printf("Login Succeeded (kept by docker-credential-%s)\n", helper);
        else
            printf("Login Succeeded (kept in %s)\n", cfg.path);
    }
    reg_config_clear(&cfg);
    reg_cred_clear(&cred);
    engine_free(e);
    return rc < 0 ? -1 : 0;
}

int cmd_logout(cli *g, int argc, char **argv, berr **err)
{
    (void)g;
    if (argc > 1 && (streq(argv[1], "-h") || streq(argv[1], "--help"))) {
        fputs(logout_usage, stdout);
        return 0;
    }
    if (argc > 2)
        return cmd_usage_error(err, "logout", "one registry at most ('%s' is extra)", argv[2]);
    if (argc == 2 && argv[1][0] == '-')
        return cmd_usage_error(err, "logout", "unknown option '%s'", argv[1]);
    cleanup_free char *host = reg_normalize(argc == 2 ? argv[1] : "docker.io");
    struct reg_config cfg;
    bool found = false;
    int rc = reg_config_load(&cfg, err);
    if (rc == 0)
        rc = reg_cred_erase(&cfg, host, &found, err);
    if (rc == 0)
        printf(found ? "Removed login credentials for %s\n" : "Not logged in to %s\n", host);
    reg_config_clear(&cfg);
    return rc;
}

/* Run the parts of one kind (the targets, else all of that kind). */
static int run_kind(cli *g, int argc, char **argv, enum part_kind kind, const char *name,
                    const char *usage, berr **err)
{
    if (argc > 1 && (streq(argv[1], "-h") || streq(argv[1], "--help"))) {
        fputs(usage, stdout);
        return 0;
    }
    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-')
            return cmd_usage_error(err, name, "unknown option '%s'", argv[i]);
    struct workspace ws;
    const char **targets = (const char **)argv + 1;
    int ntargets = argc - 1;
    const char **named = NULL;
    if (ntargets == 0) {
        /* No targets: every part of that kind. */
        struct project_opts o = {.dir = g->dir, .file = g->file, .name = g->project,
                                 .sets = g->sets, .nsets = g->nsets, .reader = &g->reader};
        struct project *p;
        if (project_load(&o, &p, err) < 0)
            return -1;
        named = xcalloc(p->nparts + 1, sizeof *named);
        for (size_t i = 0; i < p->nparts; i++)
            if (p->parts[i].kind == kind)
                named[ntargets++] = xstrdup(p->parts[i].name);
        project_free(p);
        if (ntargets == 0) {
            free(named);
            return berr_set(err, BERR_PROJECT, "%s: the project has no %s parts", name, name);
        }
        targets = named;
    }
    int rc = workspace_open(g, targets, ntargets, &ws, err);
    for (int i = 0; named && i < ntargets; i++)
        free((char *)named[i]);
    free(named);
    if (rc < 0)
        return -1;
    struct up_opts o = {.parallel = g->parallel ? g->parallel : 8};
    progress *pg = progress_new(g->progress);
    o.rep = progress_reporter(pg);
    struct plan pl;
    rc = converge(ws.engine, ws.project, ws.sel, &o, &pl, err);
    progress_end(pg);
    plan_clear(&pl);
    workspace_close(&ws);
    return rc;
}

int cmd_push(cli *g, int argc, char **argv, berr **err)
{
    return run_kind(g, argc, argv, PART_PUSH, "push", push_usage, err);
}

int cmd_pull(cli *g, int argc, char **argv, berr **err)
{
    return run_kind(g, argc, argv, PART_PULL, "pull", pull_usage, err);
}
