/* The --help layout read back (src/cmd/helptext.c): the structure the
 * manual pages and the completion are made from. */
#include "helptext.h"
#include "../tap.h"
#include "base/util.h"

/* helptext.c captures `berth --help` through cmd_help; not used here. */
int cmd_help(cli *g, int argc, char **argv, berr **err)
{
    (void)g, (void)argc, (void)argv, (void)err;
    fputs("usage: berth [global options] COMMAND [args]\n", stdout);
    return 0;
}

static const char text[] =
    "usage: berth shell [options] TARGET\n"
    "       berth ssh [options] TARGET\n"
    "\n"
    "Open a shell in the running container TARGET (PART, or PART:INSTANCE when\n"
    "the part has several).\n"
    "\n"
    "  SRC        copies SRC itself\n"
    "  SRC/       copies the folder's contents\n"
    "             (into DST, made if missing)\n"
    "\n"
    "targets: all (the default), PART, or PART:INSTANCE;\n"
    "several at once.\n"
    "\n"
    "options:\n"
    "  -u, --user USER[:GROUP]  log in as this user\n"
    "  -s, --set PART[:INSTANCE].KEY=VALUE\n"
    "                           override a setting\n"
    "  --format text|json (status)\n"
    "  -h, --help               this help\n"
    "\n"
    "examples:\n"
    "  berth cp ./site/ web:/var/www/        # the folder's contents\n"
    "    berth cp a b\n"
    "\n"
    "The instance: PART:INSTANCE when given.\n";

int main(void)
{
    struct help_doc *d = help_parse(text);
    is_int(d->nusage, 2, "two synopsis lines");
    is_str(d->usage[0], "berth shell [options] TARGET", "'usage: ' is not part of the synopsis");
    is_str(d->usage[1], "berth ssh [options] TARGET", "a second synopsis line, unindented");
    is_int(d->nblocks, 6, "six blocks");

    const struct help_block *b = &d->blocks[0];
    ok(b->kind == HELP_PARA && !b->label, "a paragraph of the description");
    is_str(b->text, "Open a shell in the running container TARGET (PART, or PART:INSTANCE when "
                    "the part has several).", "its lines joined");

    b = &d->blocks[1];
    ok(b->kind == HELP_ENTRIES && !b->label, "indented entries outside a label: description");
    is_int(b->nentries, 2, "two entries");
    is_str(b->entries[1].term, "SRC/", "a term ends at two spaces");
    is_str(b->entries[1].text, "copies the folder's contents (into DST, made if missing)",
           "a deeper line continues the text");

    b = &d->blocks[2];
    is_str(b->label, "targets", "'label: text' is a labelled paragraph");
    is_str(b->text, "all (the default), PART, or PART:INSTANCE; several at once.",
           "the text after the label, and the lines below it");

    b = &d->blocks[3];
    is_str(b->label, "options", "'options:' alone labels the entries below it");
    is_int(b->nentries, 4, "four options");
    is_str(b->entries[1].term, "-s, --set PART[:INSTANCE].KEY=VALUE", "a term alone on its line");
    is_str(b->entries[1].text, "override a setting", "its text on the next line");
    is_str(b->entries[2].text, "", "a term with no text");

    b = &d->blocks[4];
    ok(b->kind == HELP_VERBATIM && streq(b->label, "examples"), "examples are kept verbatim");
    is_str(b->lines[0], "berth cp ./site/ web:/var/www/        # the folder's contents",
           "the block's indentation removed, the spaces inside kept");
    is_str(b->lines[1], "  berth cp a b", "deeper indentation kept");

    b = &d->blocks[5];
    ok(b->kind == HELP_PARA && !b->label, "a paragraph at column 0 ends the section");
    is_str(b->text, "The instance: PART:INSTANCE when given.",
           "a capitalised phrase before ':' is no label");

    struct help_option *o = NULL;
    size_t n = help_options(d, &o);
    is_int(n, 4, "four options read from the options section");
    is_int(o[0].nnames, 2, "-u and --user");
    is_str(o[0].names[1], "--user", "the long name");
    is_str(o[0].arg, "USER[:GROUP]", "the argument");
    is_str(o[2].names[0], "--format", "an option whose term has a remark");
    is_str(o[2].arg, "text|json", "its argument, without the remark");
    ok(o[3].arg == NULL, "-h, --help takes no argument");
    help_free(d);

    d = help_parse("no usage line\n\nweb:two is no label\n");
    is_int(d->nusage, 0, "a text without 'usage:' has no synopsis");
    is_int(d->nblocks, 2, "two paragraphs");
    ok(d->blocks[1].label == NULL, "'web:two' is no label");
    help_free(d);

    char *captured = help_capture(NULL);
    is_str(captured, "usage: berth [global options] COMMAND [args]\n",
           "help_capture returns what the command printed on stdout");
    free(captured);
    return tap_done();
}
