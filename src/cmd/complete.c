/* berth __complete WORD...: what the shell completion scripts (completions/)
 * offer. The words are the command line after "berth" up to the cursor, the
 * last one being the word under it (maybe empty). Prints one candidate a
 * line, those starting with that word; a line ":files" (or ":dirs") asks
 * the shell to offer file (folder) names as well.
 *
 * Commands come from the command table, options and their values from each
 * command's --help (helptext.h), what a positional argument is from its
 * synopsis (TARGET, PART[:INSTANCE], start|stop|status, SRC DST, ...), and
 * parts and instances from the project in the folder the command line
 * names (-C, -f, -p, -s as berth itself reads them). Nothing is printed on
 * error: a project that does not load completes no targets. No engine is
 * asked: completion must be instant. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "helptext.h"
#include "base/util.h"
#include "compose/compose.h"
#include "project/project.h"

struct completion {
    const char *cur;             /* the word being completed */
    const char *prefix;          /* "--format=": printed before each candidate */
    struct project_opts project; /* from -C, -f, -p, -s */
    const char *sets[64];
    const char *files[16];       /* every -f: Compose files merge */
    struct compose_opts compose; /* and --profile */
    const char *profiles[16];
    struct project_reader reader;
};

static void offer(const struct completion *c, const char *s)
{
    if (starts_with(s, c->cur))
        printf("%s%s\n", c->prefix, s);
}

static const struct help_option *find_option(const struct help_option *v, size_t n,
                                             const char *word)
{
    size_t len = strcspn(word, "=");
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < v[i].nnames; j++)
            if (strlen(v[i].names[j]) == len && strncmp(v[i].names[j], word, len) == 0)
                return &v[i];
    return NULL;
}

/* The values of an option's argument: "text|json" lists them; a folder or a
 * file is the shell's to complete. */
static void offer_values(const struct completion *c, const struct help_option *o)
{
    const char *arg = o->arg;
    if (streq(o->names[o->nnames - 1], "--progress"))
        arg = "auto|tty|plain|json|quiet";
    else if (streq(o->names[o->nnames - 1], "--format") && !strchr(arg, '|'))
        arg = "text|json";
    if (strchr(arg, '|')) {
        cleanup_free char *copy = xstrdup(arg);
        char *save = NULL;
        for (char *v = strtok_r(copy, "|", &save); v; v = strtok_r(NULL, "|", &save))
            offer(c, v);
    } else if (streq(arg, "DIR")) {
        puts(":dirs");
    } else if (streq(arg, "FILE") || streq(arg, "PATH")) {
        puts(":files");
    }
}

enum target_kind { T_ALL, T_CONTAINERS, T_TASKS, T_ENGINES, T_CP };

static void offer_targets(struct completion *c, enum target_kind k)
{
    struct project *p = NULL;
    berr *err = NULL;
    if (project_load(&c->project, &p, &err) < 0) {
        berr_free(err);
        return;
    }
    if (k == T_ALL)
        offer(c, "all");
    for (size_t i = 0; i < p->nparts; i++) {
        const struct part *pt = &p->parts[i];
        bool container = pt->kind == PART_CONTAINER;
        if ((k == T_TASKS && pt->kind != PART_TASK) || (k == T_ENGINES && pt->kind != PART_ENGINE) ||
            ((k == T_CONTAINERS || k == T_CP) && !container))
            continue;
        cleanup_free char *name = xasprintf(k == T_CP ? "%s:" : "%s", pt->name);
        offer(c, name);
        if (!container || k == T_TASKS || k == T_ENGINES)
            continue;
        for (size_t j = 0; j < pt->container->ninstances; j++) {
            cleanup_free char *inst = xasprintf(k == T_CP ? "%s:%s:" : "%s:%s", pt->name,
                                                pt->container->instances[j].name);
            offer(c, inst);
        }
    }
    project_free(p);
}

/* The synopsis slot of positional argument number npos, from the first
 * usage line after "berth CMD": words and bracketed groups, less options
 * ("-i|--safemode", "[-t SECONDS]", "[--]", "[options]"). A slot ending in
 * "..." (or "[targets]") takes the rest. NULL: no such argument. */
static char *slot(const struct help_doc *d, size_t npos, bool *repeats)
{
    if (!d->nusage)
        return NULL;
    const char *s = d->usage[0];
    for (int skip = 2; skip > 0 && *s; skip--) { /* "berth", "CMD" */
        s += strcspn(s, " ");
        s += strspn(s, " ");
    }
    size_t pos = 0;
    while (*s) {
        /* one word, or a bracketed group of words */
        const char *start = s;
        int depth = 0;
        do {
            for (; *s && *s != ' '; s++)
                depth += *s == '[' ? 1 : *s == ']' ? -1 : 0;
            if (depth > 0)
                s += strspn(s, " ");
        } while (depth > 0 && *s);
        cleanup_free char *group = xstrndup(start, (size_t)(s - start));
        s += strspn(s, " ");
        const char *inner = group + (group[0] == '[');
        if (inner[0] == '-' || inner[0] == '(' || strstr(group, "options"))
            continue;
        *repeats = strstr(group, "...") || strstr(group, "targets");
        if (pos++ == npos || *repeats) {
            char *word = xstrdup(inner);
            word[strcspn(word, "]")] = '\0';
            return word;
        }
    }
    return NULL;
}

static void offer_positional(struct completion *c, const char *cmd, const struct help_doc *d,
                             size_t npos)
{
    if (streq(cmd, "help")) {
        for (const struct cmd *k = berth_commands; npos == 0 && k->name; k++)
            if (k->summary)
                offer(c, k->name);
        return;
    }
    bool repeats = false;
    cleanup_free char *s = slot(d, npos, &repeats);
    if (!s)
        return;
    if (strstr(s, "TARGET") || strstr(s, "targets"))
        offer_targets(c, repeats ? T_ALL : T_CONTAINERS);
    else if (strstr(s, "PART"))
        offer_targets(c, T_CONTAINERS);
    else if (strstr(s, "TASK") || streq(cmd, "task"))
        offer_targets(c, T_TASKS);
    else if (strstr(s, "ENGINE"))
        offer_targets(c, T_ENGINES);
    else if (strstr(s, "SRC") || strstr(s, "DST")) {
        /* "web:", "web:one:" lead to a container; the path inside one is
         * not known without the engine */
        if (!strchr(c->cur, ':'))
            puts(":files");
        if (!strchr(c->cur, '/'))
            offer_targets(c, T_CP);
    } else if (strchr(s, '|')) {
        char *save = NULL;
        for (char *v = strtok_r(s, "|", &save); v; v = strtok_r(NULL, "|", &save))
            offer(c, v);
    }
}

/* The option word w names ("--user", "--user=x", "-u", "-ux"), and where
 * its value is when it is in the same word (else *inline_value = NULL). */
static const struct help_option *option_of(const struct help_option *opts, size_t nopts,
                                           const char *w, const char **inline_value)
{
    *inline_value = NULL;
    const struct help_option *o = find_option(opts, nopts, w);
    if (o) {
        if (strchr(w, '='))
            *inline_value = strchr(w, '=') + 1;
        return o;
    }
    if (w[1] != '-' && w[2]) { /* "-Cdir": a short option and its value */
        char flag[3] = {'-', w[1], '\0'};
        o = find_option(opts, nopts, flag);
        if (o && o->arg)
            *inline_value = w + 2;
        return o && o->arg ? o : NULL;
    }
    return NULL;
}

/* Walk words[from, n-1) (words[n-1] is c->cur) through the options of
 * berth (global: until the command word, whose index it returns) or of a
 * command. Sets *value when cur is the value of an option, counts the
 * positional words in *npos, and notes a `--` in *dashdash. berth's own -C,
 * -f, -p and -s go to c->project: the project to complete targets from. */
static size_t walk(struct completion *c, char **words, size_t from, size_t n,
                   const struct help_option *opts, size_t nopts, bool global,
                   const struct help_option **value, size_t *npos, bool *dashdash)
{
    size_t i = from;
    while (i + 1 < n) {
        const char *w = words[i];
        if (*dashdash) {
            (*npos)++, i++;
            continue;
        }
        if (streq(w, "--") && !global) {
            *dashdash = true;
            i++;
            continue;
        }
        if (w[0] != '-' || w[1] == '\0') {
            if (global)
                return i; /* the command */
            (*npos)++, i++;
            continue;
        }
        const char *v = NULL;
        const struct help_option *o = option_of(opts, nopts, w, &v);
        bool next_is_value = o && o->arg && !v;
        if (next_is_value) {
            if (i + 2 == n) {
                *value = o; /* cur is its value */
                return n;
            }
            v = words[i + 1];
        }
        if (global && o && v) {
            const char *name = o->names[0];
            if (streq(name, "-C"))
                c->project.dir = v;
            else if (streq(name, "-f")) {
                if (!c->project.file)
                    c->project.file = v;
                if (c->compose.nfiles < (int)ARRAY_SIZE(c->files))
                    c->files[c->compose.nfiles++] = v;
            } else if (streq(name, "--profile") && c->compose.nprofiles < (int)ARRAY_SIZE(c->profiles))
                c->profiles[c->compose.nprofiles++] = v;
            else if (streq(name, "-p"))
                c->project.name = v;
            else if (streq(name, "-s") && c->project.nsets < (int)ARRAY_SIZE(c->sets))
                c->sets[c->project.nsets++] = v;
        }
        i += next_is_value ? 2 : 1;
    }
    return i;
}

/* cur is "--format=j": the option's values, each after "--format=".
 * Returns false when cur is no such word. */
static bool offer_inline_values(struct completion *c, const struct help_option *opts, size_t nopts)
{
    const char *eq = strchr(c->cur, '=');
    if (c->cur[0] != '-' || c->cur[1] != '-' || !eq)
        return false;
    const struct help_option *o = find_option(opts, nopts, c->cur);
    if (o && o->arg) {
        cleanup_free char *prefix = xstrndup(c->cur, (size_t)(eq - c->cur) + 1);
        const char *saved = c->cur;
        c->prefix = prefix, c->cur = eq + 1;
        offer_values(c, o);
        c->prefix = "", c->cur = saved;
    }
    return true;
}

int cmd_complete(cli *g, int argc, char **argv, berr **err)
{
    (void)g, (void)err;
    /* argv[0] is "__complete"; at least the current word follows. */
    size_t n = argc > 1 ? (size_t)argc - 1 : 0;
    char **words = argv + 1;
    char *empty[] = {""};
    if (n == 0)
        words = empty, n = 1;
    struct completion c = {.cur = words[n - 1], .prefix = ""};
    c.project.sets = c.sets;
    c.compose.files = c.files;
    c.compose.profiles = c.profiles;
    c.reader = compose_reader(&c.compose);
    c.project.reader = &c.reader;

    cleanup_free char *gtext = help_capture(NULL);
    struct help_doc *gdoc = help_parse(gtext);
    struct help_option *gopts = NULL;
    size_t ngopts = help_options(gdoc, &gopts);
    const struct help_option *value = NULL;
    size_t npos = 0;
    bool dashdash = false;
    size_t i = walk(&c, words, 0, n, gopts, ngopts, true, &value, &npos, &dashdash);
    if (value) {
        offer_values(&c, value);
    } else if (i + 1 >= n) { /* no command yet: cur is one, or a global option */
        if (offer_inline_values(&c, gopts, ngopts)) {
            /* --progress=p */
        } else if (c.cur[0] == '-') {
            for (size_t k = 0; k < ngopts; k++)
                for (size_t j = 0; j < gopts[k].nnames; j++)
                    offer(&c, gopts[k].names[j]);
        } else {
            for (const struct cmd *k = berth_commands; k->name; k++)
                if (k->summary)
                    offer(&c, k->name);
        }
    } else {
        const struct cmd *cmd = cmd_find(words[i]);
        if (cmd && cmd->summary) {
            cleanup_free char *text = help_capture(cmd);
            struct help_doc *doc = help_parse(text);
            struct help_option *opts = NULL;
            size_t nopts = help_options(doc, &opts);
            walk(&c, words, i + 1, n, opts, nopts, false, &value, &npos, &dashdash);
            if (value)
                offer_values(&c, value);
            else if (dashdash)
                ; /* a command for the container: not ours to complete */
            else if (offer_inline_values(&c, opts, nopts))
                ; /* --format=j */
            else if (c.cur[0] == '-')
                for (size_t k = 0; k < nopts; k++)
                    for (size_t j = 0; j < opts[k].nnames; j++)
                        offer(&c, opts[k].names[j]);
            else
                offer_positional(&c, cmd->name, doc, npos);
            help_free(doc);
        }
    }
    help_free(gdoc);
    fflush(stdout);
    return 0;
}
