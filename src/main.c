/* berth: the command table, global options, and the only place that prints
 * an error. Everything else is a command (src/cmd) or the library (src/lib). */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "engine/engine.h"
#include "base/util.h"
#include "project/values.h"

const struct cmd berth_commands[] = {
    {"up", cmd_up, "bring the project to the state it describes (only the difference)"},
    {"config", cmd_config, "print the resolved project (every default and substitution applied)"},
    {"plan", cmd_plan, "show what `up` would do, in dependency order"},
    {"build", cmd_build, "build only the images (DockerOps' build), skipping unchanged ones"},
    {"import", cmd_import, "write a Compose project as the equivalent berth.ini"},
    {"ps", cmd_ps, "list the project's containers"},
    {"ip", cmd_ip, "print a container's IP address on the project network"},
    {"stop", cmd_stop, "stop containers (each with its own grace)"},
    {"start", cmd_start, "start stopped containers"},
    {"restart", cmd_restart, "stop, then start containers"},
    {"exec", cmd_exec, "run a command in a running container"},
    {"shell", cmd_shell, "open a shell in a running container"},
    {"ssh", cmd_shell, "the same as shell"},
    {"run", cmd_run, "run an interactive or safemode instance in the foreground (-i)"},
    {"deploy", cmd_deploy, "deploy the project to a Docker Swarm as services (only the difference)"},
    {"down", cmd_down, "stop and remove the project's containers and networks"},
    {"clean", cmd_down, "the same as down"},
    {"logs", cmd_logs, "show the containers' output, merged (-f follows)"},
    {"cp", cmd_cp, "copy files between the host and containers, or between containers"},
    {"pull", cmd_pull, "run the pull parts: fetch images from registries"},
    {"push", cmd_push, "run the push parts: tag and push images to registries"},
    {"login", cmd_login, "log in to a registry (kept as the docker CLI keeps it)"},
    {"logout", cmd_logout, "forget a registry login"},
    {"task", cmd_task, "run a task of the project (--list lists them)"},
    {"engine", cmd_engine, "start, stop or query a private Docker engine"},
    {"info", cmd_info, "describe the engine berth talks to"},
    {"version", cmd_version, "print berth's version"},
    {"help", cmd_help, "show help for berth or a command"},
    /* Hidden (no summary): for the shell completion scripts and the build. */
    {"__complete", cmd_complete, NULL},
    {"__man", cmd_man, NULL},
    {NULL, NULL, NULL},
};

const struct cmd *cmd_find(const char *name)
{
    for (const struct cmd *c = berth_commands; c->name; c++)
        if (streq(c->name, name))
            return c;
    return NULL;
}

static const char usage[] =
    "usage: berth [global options] COMMAND [args]\n"
    "\n"
    "Build, run, link, inspect and tear down a platform of Docker containers\n"
    "described by one project file (berth.ini), talking to the Docker Engine\n"
    "API directly.\n"
    "\n"
    "global options:\n"
    "  -C DIR             run as if started in DIR\n"
    "  -f FILE            project file (default: DIR/berth.ini, and DIR/compose.yaml or\n"
    "                     docker-compose.yml); several -f: Compose files merged in order\n"
    "  --profile NAME     a Compose profile to enable (repeatable)\n"
    "  -p NAME            project name (default: the folder's name)\n"
    "  --engine URL       engine address (default: $DOCKER_HOST, else unix:///var/run/docker.sock)\n"
    "  --context NAME     the docker context NAME's engine (default: $DOCKER_CONTEXT, else\n"
    "                     currentContext in ~/.docker/config.json, when DOCKER_HOST is unset)\n"
    "  --progress MODE    auto, tty, plain, json or quiet\n"
    "  --parallel N       how many engine operations may run at once\n"
    "  -s, --set PART[:INSTANCE].KEY=VALUE\n"
    "                     override a project setting (repeatable; beats every file)\n"
    "  -v                 more detail (repeatable)\n"
    "  -h, --help         this help; `berth COMMAND --help` for a command's\n"
    "  --version          print the version\n";

static void print_usage(const cli *g, FILE *out)
{
    fputs(usage, out);
    fputs("\ncommands:\n", out);
    for (const struct cmd *c = berth_commands; c->name; c++)
        if (c->summary)
            fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fputs("\nexit codes: 0 ok, 1 failure, 2 usage, 3 invalid project, 4 engine unreachable,\n"
          "            5 engine error, 6 timeout, 7 not found, 130 interrupted\n",
          out);
    if (g)
        task_help_list(g, out);
}

int cmd_help(cli *g, int argc, char **argv, berr **err)
{
    if (argc > 1 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
        puts("usage: berth help [COMMAND]\n\nShow berth's usage, or COMMAND's.");
        return 0;
    }
    if (argc > 1) {
        const struct cmd *c = cmd_find(argv[1]);
        if (!c)
            return cmd_usage_error(err, "help", "unknown command '%s'", argv[1]);
        char *sub[] = {argv[1], "--help", NULL};
        return c->fn(g, 2, sub, err);
    }
    print_usage(g, stdout);
    return 0;
}

int parse_format(const char *s, enum out_format *out, berr **err)
{
    if (streq(s, "text"))
        *out = FORMAT_TEXT;
    else if (streq(s, "json"))
        *out = FORMAT_JSON;
    else
        return berr_set(err, BERR_USAGE, "--format: '%s' is not a format; use text or json", s);
    return 0;
}

int cmd_option_error(berr **err, const char *cmd, char **argv, int c)
{
    if (c == ':')
        return cmd_usage_error(err, cmd, "option '%s' needs a value", argv[optind - 1]);
    return cmd_usage_error(err, cmd, "unknown option '%s'", argv[optind - 1]);
}

int parse_format_options(const char *cmd, const char *usage, int argc, char **argv,
                         enum out_format *fmt, berr **err)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *fmt = FORMAT_TEXT;
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'F':
            if (parse_format(optarg, fmt, err) < 0)
                return -1;
            break;
        case 'h': fputs(usage, stdout); return 1;
        default: return cmd_option_error(err, cmd, argv, c);
        }
    }
    return 0;
}

int parse_duration_option(const char *cmd, const char *opt, const char *arg, long *ms, berr **err)
{
    long long v = 0;
    const char *bad = parse_duration(arg, &v);
    if (bad || v <= 0)
        return cmd_usage_error(err, cmd, "%s '%s': %s", opt, arg, bad ? bad : "must be more than zero");
    *ms = (long)v;
    return 0;
}

int cmd_usage_error(berr **err, const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    berr_vset(err, BERR_USAGE, fmt, ap);
    va_end(ap);
    if (err && *err) {
        char *msg = xasprintf("%s: %s (see 'berth %s --help')", cmd, (*err)->msg, cmd);
        free((*err)->msg);
        (*err)->msg = msg;
    }
    return -1;
}

static int parse_int_arg(const char *opt, const char *s, int *out, berr **err)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 1 || v > 10000)
        return berr_set(err, BERR_USAGE, "%s: '%s' is not a whole number from 1 to 10000", opt, s);
    *out = (int)v;
    return 0;
}

static int run(int argc, char **argv, berr **err)
{
    static const struct option opts[] = {
        {"engine", required_argument, NULL, 'E'},
        {"context", required_argument, NULL, 'X'},
        {"progress", required_argument, NULL, 'P'},
        {"parallel", required_argument, NULL, 'j'},
        {"set", required_argument, NULL, 's'},
        {"file", required_argument, NULL, 'f'},
        {"profile", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    cli g = {.dir = ".", .progress = "auto"};
    g.reader = compose_reader(&g.compose); /* reads g.compose when called: -f and --profile below */
    cleanup_free const char **sets_owner = NULL; /* frees g.sets on every return */
    cleanup_free const char **files_owner = NULL, **profiles_owner = NULL;
    int c;
    /* '+': stop at the first non-option, the command name. */
    opterr = 0;
    /* leading ':': a missing value is told from an unknown option */
    while ((c = getopt_long(argc, argv, "+:C:f:p:s:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'C': g.dir = optarg; break;
        case 'f':
            if (!g.file)
                g.file = optarg;
            files_owner = xrealloc(files_owner, sizeof(*files_owner) * (size_t)(g.compose.nfiles + 1));
            files_owner[g.compose.nfiles++] = optarg;
            g.compose.files = files_owner;
            break;
        case 'F':
            profiles_owner =
                xrealloc(profiles_owner, sizeof(*profiles_owner) * (size_t)(g.compose.nprofiles + 1));
            profiles_owner[g.compose.nprofiles++] = optarg;
            g.compose.profiles = profiles_owner;
            break;
        case 'p': g.project = optarg; break;
        case 'E': g.engine_url = optarg; break;
        case 'X': engine_set_flag_context(optarg); break;
        case 'P':
            if (!streq(optarg, "auto") && !streq(optarg, "tty") && !streq(optarg, "plain") &&
                !streq(optarg, "json") && !streq(optarg, "quiet"))
                return berr_set(err, BERR_USAGE,
                                "--progress: '%s' is not a mode; use auto, tty, plain, json or quiet",
                                optarg);
            g.progress = optarg;
            break;
        case 'j':
            if (parse_int_arg("--parallel", optarg, &g.parallel, err) < 0)
                return -1;
            break;
        case 's':
            g.sets = xrealloc(g.sets, sizeof(*g.sets) * (size_t)(g.nsets + 1));
            g.sets[g.nsets++] = optarg;
            sets_owner = g.sets;
            break;
        case 'v': g.verbose++; break;
        case 'h': print_usage(&g, stdout); return 0;
        case 'V': print_version_line(); return 0;
        case ':':
            return berr_set(err, BERR_USAGE, "option '%s' needs a value (see 'berth --help')",
                            argv[optind - 1]);
        default:
            return berr_set(err, BERR_USAGE, "unknown option '%s' (see 'berth --help')",
                            argv[optind - 1]);
        }
    }
    if (g.compose.nfiles > 1 && !compose_file_name(g.file))
        return berr_set(err, BERR_USAGE, "-f: several files are Compose files (.yaml, .yml) "
                        "merged in order; a berth project file is one");
    if (optind >= argc) {
        print_usage(NULL, stderr);
        return BERR_USAGE;
    }
    const struct cmd *cmd = cmd_find(argv[optind]);
    /* Commands parse their own options with getopt: reset it. */
    int sub_argc = argc - optind;
    char **sub_argv = argv + optind;
    optind = 0;
    opterr = 0;
    if (!cmd) {
        /* The wrapper's `<image> <command>`: a task of the project. */
        bool handled = false;
        int rc = task_route(&g, sub_argc, sub_argv, &handled, err);
        if (handled || rc < 0)
            return rc;
        return berr_set(err, BERR_USAGE, "'%s' is not a berth command or task (see 'berth --help')",
                        sub_argv[0]);
    }
    return cmd->fn(&g, sub_argc, sub_argv, err);
}

int main(int argc, char **argv)
{
    berr *err = NULL;
    int rc = run(argc, argv, &err);
    if (rc < 0) {
        fprintf(stderr, "berth: %s\n", err ? err->msg : "unknown error");
        rc = err ? err->code : BERR_FAILURE;
    }
    berr_free(err);
    return rc;
}
