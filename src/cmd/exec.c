/* berth exec: one command in a running container, wired to berth's stdin,
 * stdout and stderr (kept apart), exiting with the command's exit code. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "attach.h"
#include "cmd.h"
#include "base/util.h"

static const char usage[] =
    "usage: berth exec [options] TARGET [--] COMMAND [ARG...]\n"
    "\n"
    "Run COMMAND in the running container TARGET (PART, or PART:INSTANCE when\n"
    "the part has several) and exit with COMMAND's exit code. Its stdout and\n"
    "stderr stay apart; berth's stdin is forwarded to it (`echo hi | berth exec\n"
    "web -- cat`). It gets a terminal when berth's stdin and stdout both are one.\n"
    "Options go before TARGET, or anywhere before `--`.\n"
    "\n"
    "options:\n"
    "  -u, --user USER[:GROUP]  run as this user (default: the container's)\n"
    "  -w, --workdir DIR        run in this folder (default: the container's)\n"
    "  -e, --env NAME=VALUE     set a variable (repeatable); NAME alone passes\n"
    "                           berth's own value of NAME\n"
    "  -t, --tty                a terminal even when berth is not on one\n"
    "  -T, --no-tty             never a terminal\n"
    "  -n, --no-stdin           do not forward stdin (in loops that read their own)\n"
    "  -d, --detach             start COMMAND in the background, return at once\n"
    "  --expect-exit N          exit 0 when COMMAND exits with N, else fail (1)\n"
    "  --format text|json       json: capture the output and print\n"
    "                           {\"exit_code\":N,\"stdout\":\"...\",\"stderr\":\"...\"}\n"
    "  -h, --help               this help\n"
    "\n"
    "exit codes: COMMAND's own (0 and 1 with --expect-exit); when COMMAND could\n"
    "not run, berth's: 1 not running, 2 usage, 4 engine unreachable, 7 no such\n"
    "container, 130 interrupted.\n";

/* "-e NAME": berth's value, as docker does; unset: not passed. */
static const char *env_item(const char *arg, char **owned)
{
    if (strchr(arg, '='))
        return arg;
    const char *v = getenv(arg);
    if (!v)
        return NULL;
    *owned = xasprintf("%s=%s", arg, v);
    return *owned;
}

int cmd_exec(cli *g, int argc, char **argv, berr **err)
{
    static const struct option opts[] = {
        {"user", required_argument, NULL, 'u'},
        {"workdir", required_argument, NULL, 'w'},
        {"env", required_argument, NULL, 'e'},
        {"tty", no_argument, NULL, 't'},
        {"no-tty", no_argument, NULL, 'T'},
        {"no-stdin", no_argument, NULL, 'n'},
        {"detach", no_argument, NULL, 'd'},
        {"expect-exit", required_argument, NULL, 'X'},
        {"format", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    /* With `--`, options may sit anywhere before it; without, they end at
     * TARGET, and everything after TARGET is the command's. */
    int dd = -1;
    for (int i = 1; i < argc && dd < 0; i++)
        if (streq(argv[i], "--"))
            dd = i;
    int optc = dd >= 0 ? dd : argc;
    struct exec_request r = {.expect_exit = -1};
    const char **env = xcalloc((size_t)argc + 1, sizeof *env);
    char **owned = xcalloc((size_t)argc + 1, sizeof *owned);
    int nenv = 0, rc = 0;
    enum out_format fmt = FORMAT_TEXT;
    int c;
    while (rc == 0 && (c = getopt_long(optc, argv, dd >= 0 ? ":u:w:e:tTndh" : "+:u:w:e:tTndh",
                                       opts, NULL)) != -1) {
        switch (c) {
        case 'u': r.spec.user = optarg; break;
        case 'w': r.spec.workdir = optarg; break;
        case 'e':
            if (!*optarg || *optarg == '=')
                rc = cmd_usage_error(err, "exec", "--env: '%s' is not NAME=VALUE", optarg);
            else if ((env[nenv] = env_item(optarg, &owned[nenv])))
                nenv++;
            break;
        case 't': r.tty = r.tty < 0 ? 2 : 1; break;
        case 'T': r.tty = r.tty > 0 ? 2 : -1; break;
        case 'n': r.no_stdin = true; break;
        case 'd': r.detach = true; break;
        case 'X': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < 0 || v > 255)
                rc = cmd_usage_error(err, "exec", "--expect-exit: '%s' is not an exit code "
                                     "from 0 to 255", optarg);
            r.expect_exit = (int)v;
            break;
        }
        case 'F':
            if (parse_format(optarg, &fmt, err) < 0)
                rc = -1;
            break;
        case 'h':
            fputs(usage, stdout);
            rc = 1;
            break;
        case ':':
            rc = cmd_usage_error(err, "exec", "option '%s' needs a value", argv[optind - 1]);
            break;
        default:
            rc = cmd_usage_error(err, "exec", "unknown option '%s'", argv[optind - 1]);
        }
    }
    r.json = fmt == FORMAT_JSON;
    r.spec.env = env;
    char **cmdv = NULL;
    if (rc == 0) {
        int left = optc - optind; /* non-options before `--` (or all of them) */
        if (left < 1)
            rc = cmd_usage_error(err, "exec", "name the container: berth exec TARGET -- COMMAND");
        else if (dd >= 0 && left > 1)
            rc = cmd_usage_error(err, "exec", "'%s' before `--`: only TARGET goes there",
                                 argv[optind + 1]);
        else {
            r.target = argv[optind];
            cmdv = dd >= 0 ? argv + dd + 1 : argv + optind + 1;
            if (!*cmdv)
                rc = cmd_usage_error(err, "exec", "no command to run in %s: berth exec %s -- "
                                     "COMMAND [ARG...]", r.target, r.target);
        }
    }
    if (rc == 0 && r.tty == 2)
        rc = cmd_usage_error(err, "exec", "-t and -T contradict each other: choose one");
    if (rc == 0 && r.json && r.tty > 0)
        rc = cmd_usage_error(err, "exec", "--format json captures stdout and stderr apart, "
                             "which a terminal cannot: drop -t");
    if (rc == 0 && r.detach && r.expect_exit >= 0)
        rc = cmd_usage_error(err, "exec", "--detach returns before the command ends: "
                             "--expect-exit cannot check it");
    if (rc == 0) {
        r.spec.argv = (const char *const *)cmdv;
        rc = exec_session(g, "exec", &r, err);
    } else if (rc > 0) {
        rc = 0; /* --help */
    }
    for (int i = 0; i < nenv; i++)
        free(owned[i]);
    free(owned);
    free(env);
    return rc;
}
