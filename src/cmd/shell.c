/* berth shell (alias ssh): an interactive shell in a running container,
 * with a real terminal when berth is on one. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "attach.h"
#include "cmd.h"
#include "base/util.h"

static const char usage[] =
    "usage: berth shell [options] TARGET\n"
    "       berth ssh [options] TARGET\n"
    "\n"
    "Open a shell in the running container TARGET (PART, or PART:INSTANCE when\n"
    "the part has several): bash when the image has it, else sh. On a terminal\n"
    "it gets a real one: raw mode (Ctrl-C, Ctrl-D and every other key go to the\n"
    "shell), the window size at start and on every resize; the terminal is\n"
    "restored however berth ends. berth exits with the shell's exit code.\n"
    "Without a terminal, the shell reads commands from stdin\n"
    "(`echo 'ls /' | berth shell web`).\n"
    "\n"
    "options:\n"
    "  -u, --user USER[:GROUP]  log in as this user (default: the container's)\n"
    "  -w, --workdir DIR        start in this folder\n"
    "  -e, --env NAME=VALUE     set a variable (repeatable)\n"
    "  -t, --tty                a terminal even when berth is not on one\n"
    "  -T, --no-tty             never a terminal\n"
    "  -h, --help               this help\n";

int cmd_shell(cli *g, int argc, char **argv, berr **err)
{
    static const struct option opts[] = {
        {"user", required_argument, NULL, 'u'},
        {"workdir", required_argument, NULL, 'w'},
        {"env", required_argument, NULL, 'e'},
        {"tty", no_argument, NULL, 't'},
        {"no-tty", no_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *name = argv[0]; /* shell or ssh */
    struct exec_request r = {.expect_exit = -1};
    const char **env = xcalloc((size_t)argc + 1, sizeof *env);
    int nenv = 0, rc = 0, c;
    while (rc == 0 && (c = getopt_long(argc, argv, ":u:w:e:tTh", opts, NULL)) != -1) {
        switch (c) {
        case 'u': r.spec.user = optarg; break;
        case 'w': r.spec.workdir = optarg; break;
        case 'e':
            if (!strchr(optarg, '=') || *optarg == '=')
                rc = cmd_usage_error(err, name, "--env: '%s' is not NAME=VALUE", optarg);
            else
                env[nenv++] = optarg;
            break;
        case 't': r.tty = r.tty < 0 ? 2 : 1; break;
        case 'T': r.tty = r.tty > 0 ? 2 : -1; break;
        case 'h': fputs(usage, stdout); rc = 1; break;
        case ':':
            rc = cmd_usage_error(err, name, "option '%s' needs a value", argv[optind - 1]);
            break;
        default: rc = cmd_usage_error(err, name, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (rc == 0 && optind >= argc)
        rc = cmd_usage_error(err, name, "name the container: berth %s TARGET", name);
    else if (rc == 0 && argc - optind > 1)
        rc = cmd_usage_error(err, name, "one container at a time; to run '%s' there, use "
                             "berth exec %s -- %s", argv[optind + 1], argv[optind],
                             argv[optind + 1]);
    if (rc == 0 && r.tty == 2)
        rc = cmd_usage_error(err, name, "-t and -T contradict each other: choose one");
    if (rc == 0) {
        r.target = argv[optind];
        r.spec.env = env;
        r.spec.argv = attach_shell_argv;
        rc = exec_session(g, name, &r, err);
    } else if (rc > 0) {
        rc = 0;
    }
    free(env);
    return rc;
}
