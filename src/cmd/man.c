/* berth __man [COMMAND]: the manual page (roff) of berth, or of COMMAND,
 * made from the same text `--help` prints (helptext.h), so that the pages
 * the build installs never drift from the help (meson.build runs this for
 * every command in the table). The page adds only what a manual has and a
 * help text has not: NAME (from the command table's summary), and for
 * berth(1) the environment, files and the list of pages. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "helptext.h"
#include "base/strbuf.h"
#include "base/util.h"

/* Roff-escape text: backslashes, a dash that starts an option (\-), a
 * leading dot or quote; `code` becomes bold. */
static void esc(strbuf *sb, const char *s)
{
    bool bold = false;
    if (*s == '.' || *s == '\'')
        sb_adds(sb, "\\&");
    for (const char *p = s; *p; p++) {
        char prev = p == s ? ' ' : p[-1];
        switch (*p) {
        case '\\': sb_adds(sb, "\\e"); break;
        case '-':
            sb_adds(sb, (prev == ' ' || prev == '-' || prev == '[' || prev == '(' ||
                         prev == '|' || prev == '`' || prev == '"' || isdigit((unsigned char)p[1]))
                            ? "\\-"
                            : "-");
            break;
        case '`':
            sb_adds(sb, bold ? "\\fR" : "\\fB");
            bold = !bold;
            break;
        default: sb_addc(sb, *p);
        }
    }
    if (bold)
        sb_adds(sb, "\\fR");
}

static void line(strbuf *sb, const char *s)
{
    esc(sb, s);
    sb_addc(sb, '\n');
}

static void section(strbuf *sb, const char *label)
{
    sb_adds(sb, ".SH \"");
    for (const char *p = label; *p; p++)
        sb_addc(sb, (char)toupper((unsigned char)*p));
    sb_adds(sb, "\"\n");
}

/* "berth up [options] [targets]": the command words bold. */
static void synopsis(strbuf *sb, const struct help_doc *d, const char *cmd)
{
    sb_adds(sb, ".SH SYNOPSIS\n.nf\n");
    for (size_t i = 0; i < d->nusage; i++) {
        const char *u = d->usage[i];
        size_t n = strcspn(u, " ");
        if (cmd && starts_with(u, "berth ")) /* berth and the command (or alias) */
            n = 6 + strcspn(u + 6, " ");
        cleanup_free char *head = xstrndup(u, n);
        sb_adds(sb, "\\fB");
        esc(sb, head);
        sb_adds(sb, "\\fR");
        line(sb, u + n);
    }
    sb_adds(sb, ".fi\n");
}

static void block(strbuf *sb, const struct help_block *b, const char *cmd_ref)
{
    switch (b->kind) {
    case HELP_PARA:
        sb_adds(sb, ".PP\n");
        line(sb, b->text);
        break;
    case HELP_VERBATIM:
        sb_adds(sb, ".PP\n.RS 4\n.nf\n");
        for (size_t i = 0; i < b->nlines; i++)
            line(sb, b->lines[i]);
        sb_adds(sb, ".fi\n.RE\n");
        break;
    case HELP_ENTRIES:
        for (size_t i = 0; i < b->nentries; i++) {
            const struct help_entry *e = &b->entries[i];
            sb_adds(sb, ".TP\n\\fB");
            esc(sb, e->term);
            sb_adds(sb, "\\fR\n");
            esc(sb, e->text);
            /* berth(1)'s list of commands points at each command's page */
            if (cmd_ref && cmd_find(e->term) && cmd_find(e->term)->summary)
                sb_addf(sb, "; see \\fB\\%%berth\\-%s\\fR(1)", e->term);
            sb_addc(sb, '\n');
        }
        break;
    }
}

/* The description (blocks without a label), then each labelled section. */
static void body(strbuf *sb, const struct help_doc *d, bool main_page)
{
    section(sb, "description");
    for (size_t i = 0; i < d->nblocks; i++)
        if (!d->blocks[i].label)
            block(sb, &d->blocks[i], NULL);
    const char *open = NULL;
    for (size_t i = 0; i < d->nblocks; i++) {
        const struct help_block *b = &d->blocks[i];
        if (!b->label)
            continue;
        if (!streq(open, b->label))
            section(sb, b->label);
        open = b->label;
        block(sb, b, main_page && streq(b->label, "commands") ? "" : NULL);
    }
}

static void title(strbuf *sb, const char *page, const char *summary)
{
    cleanup_free char *upper = xstrdup(page);
    for (char *p = upper; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    sb_adds(sb, ".TH \"");
    esc(sb, upper);
    sb_addf(sb, "\" 1 \"\" \"berth %s\" \"berth manual\"\n", BERTH_VERSION);
    sb_adds(sb, ".SH NAME\n");
    esc(sb, page);
    sb_adds(sb, " \\- ");
    line(sb, summary);
}

static void main_page(strbuf *sb)
{
    cleanup_free char *text = help_capture(NULL);
    struct help_doc *d = help_parse(text);
    title(sb, "berth", "run a platform of Docker containers from one project file");
    synopsis(sb, d, NULL);
    body(sb, d, true);
    help_free(d);
    sb_adds(sb, ".SH ENVIRONMENT\n"
                ".TP\n\\fBDOCKER_HOST\\fR\n"
                "The engine's address when \\fB\\-\\-engine\\fR is not given "
                "(unix://PATH, tcp://HOST:PORT); else unix:///var/run/docker.sock.\n"
                ".TP\n\\fBDOCKER_TLS_VERIFY\\fR, \\fBDOCKER_TLS\\fR, \\fBDOCKER_CERT_PATH\\fR\n"
                "TLS to a tcp:// engine, read as the docker CLI reads them.\n"
                ".TP\n\\fBBERTH_ENGINE_DIR\\fR\n"
                "The state folder of \\fBberth engine\\fR (default /var/lib/berth/engine).\n"
                ".TP\n\\fBNO_COLOR\\fR\n"
                "No colours in the output.\n"
                ".SH FILES\n"
                ".TP\n\\fBberth.ini\\fR\n"
                "The project file, in the project folder (\\fB\\-C\\fR DIR, else the current "
                "folder); see \\fBberth.ini\\fR(5).\n"
                ".TP\n\\fB.berth/\\fR\n"
                "The project's own state beside it, such as persistent instance data.\n"
                ".SH \"SEE ALSO\"\n");
    for (const struct cmd *c = berth_commands; c->name; c++)
        if (c->summary)
            sb_addf(sb, "\\fBberth\\-%s\\fR(1), ", c->name);
    sb_adds(sb, "\\fBberth.ini\\fR(5), \\fBdockerd\\fR(8)\n");
}

static void command_page(strbuf *sb, const struct cmd *c)
{
    /* An alias (ssh, clean: another name of the same command) is a link
     * to the page of the name it stands for. */
    for (const struct cmd *o = berth_commands; o < c; o++)
        if (o->fn == c->fn) {
            sb_addf(sb, ".so man1/berth-%s.1\n", o->name);
            return;
        }
    cleanup_free char *text = help_capture(c);
    struct help_doc *d = help_parse(text);
    cleanup_free char *page = xasprintf("berth-%s", c->name);
    title(sb, page, c->summary);
    synopsis(sb, d, c->name);
    body(sb, d, false);
    help_free(d);
    sb_adds(sb, ".SH \"SEE ALSO\"\n\\fBberth\\fR(1) for the global options and exit codes, "
                "\\fBberth.ini\\fR(5)\n");
}

int cmd_man(cli *g, int argc, char **argv, berr **err)
{
    (void)g;
    if (argc > 2)
        return cmd_usage_error(err, "__man", "one page at a time");
    cleanup_strbuf strbuf sb = STRBUF_INIT;
    if (argc < 2 || streq(argv[1], "berth")) {
        main_page(&sb);
    } else {
        const struct cmd *c = cmd_find(argv[1]);
        if (!c || !c->summary)
            return cmd_usage_error(err, "__man", "'%s' is not a berth command", argv[1]);
        command_page(&sb, c);
    }
    fputs(sb.buf, stdout);
    return 0;
}
