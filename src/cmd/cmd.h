/* What every command sees: the global options and a common signature.
 *
 * A command returns the process exit code (>= 0), or -1 with *err set; main.c
 * prints the error and maps its category to the exit code. Commands may print
 * their results; the library under src/lib never does. */
#ifndef BERTH_CMD_H
#define BERTH_CMD_H

#include <stdbool.h>

#include "base/error.h"
#include "compose/compose.h"

typedef struct cli {
    const char *dir;        /* -C DIR: project folder (default ".") */
    const char *file;       /* -f FILE: project file (default DIR/berth.ini) */
    const char *project;    /* -p NAME: project name override */
    const char *engine_url; /* --engine URL: overrides DOCKER_HOST */
    const char *progress;   /* --progress auto|tty|plain|json|quiet */
    int parallel;           /* --parallel N (0 = default) */
    int verbose;            /* -v, repeatable */
    const char **sets;      /* -s/--set PART[:INSTANCE].KEY=VALUE, repeatable: beats the file */
    int nsets;
    struct compose_opts compose; /* every -f (Compose files merge in order), --profile */
    struct project_reader reader; /* reads them: project_opts.reader */
} cli;

typedef int cmd_fn(cli *g, int argc, char **argv, berr **err);

struct cmd {
    const char *name;
    cmd_fn *fn;
    const char *summary; /* NULL: hidden (not listed, no man page) */
};

/* The table lives in main.c. */
extern const struct cmd berth_commands[];
const struct cmd *cmd_find(const char *name);

/* Output format of listing commands: --format text|json. */
enum out_format { FORMAT_TEXT, FORMAT_JSON };
int parse_format(const char *s, enum out_format *out, berr **err);
/* The options of a command that has only --format and --help: 1 when --help
 * printed usage (the command is done), 0 to go on (optind at the first
 * operand), -1 with *err set. */
int parse_format_options(const char *cmd, const char *usage, int argc, char **argv,
                         enum out_format *fmt, berr **err);

/* A --OPTION DURATION ("10s", "2m", "500ms"): more than zero, or a usage error. */
int parse_duration_option(const char *cmd, const char *opt, const char *arg, long *ms, berr **err);

/* Each command's usage text: printed for --help, and named in usage errors. */
int cmd_usage_error(berr **err, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* What getopt_long's c (after an optstring that starts with ':') says went
 * wrong with argv[optind - 1]: a missing value (':') or an unknown option. */
int cmd_option_error(berr **err, const char *cmd, char **argv, int c);

cmd_fn cmd_help, cmd_version, cmd_info, cmd_engine;
/* engineinstall.c: berth engine install / uninstall (docker.io through apt). */
int engine_install(const char *dir, long timeout_ms, berr **err);
int engine_uninstall(const char *dir, bool purge_data, bool yes, long timeout_ms, berr **err);
cmd_fn cmd_config, cmd_plan, cmd_up, cmd_build, cmd_ps, cmd_ip, cmd_down, cmd_stop, cmd_start, cmd_restart;
cmd_fn cmd_exec, cmd_shell, cmd_run;
/* up TARGET, when TARGET is an interactive or safemode instance: berth run
 * -i runs it (*handled) and returns its exit code. */
int run_route(cli *g, int ntargets, char **targets, bool *handled, berr **err);
cmd_fn cmd_logs, cmd_cp;
cmd_fn cmd_login, cmd_logout, cmd_push, cmd_pull;

/* version.c: "berth 0.1.0 (git ca912a9-dirty)" on stdout. */
void print_version_line(void);
/* Hidden: complete.c answers the shell completion scripts; man.c prints
 * the manual pages (roff) from the commands' --help texts. */
cmd_fn cmd_complete, cmd_man;
cmd_fn cmd_task;
/* berth NAME ARGS, when NAME is no command: the project's task NAME runs
 * (*handled), and its exit code is returned. */
int task_route(cli *g, int argc, char **argv, bool *handled, berr **err);
/* The project's tasks, for berth --help (nothing when there is no project). */
#include <stdio.h>
void task_help_list(const cli *g, FILE *out);
cmd_fn cmd_import;
/* Swarm (deploy.c): deploy, and plan/ps/logs/down with --swarm. */
cmd_fn cmd_deploy, cmd_swarm_plan, cmd_swarm_ps, cmd_swarm_logs, cmd_swarm_down;
bool cmd_wants_swarm(int argc, char **argv);

#endif
