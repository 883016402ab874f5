/* The INI dialect: each case is a file's text and either the document it
 * parses to (sections, keys, values with \n shown as '\n', lines) or the
 * problems it reports. */
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "project/ini.h"
#include "base/strbuf.h"
#include "../tap.h"
#include "base/util.h"

struct icase {
    const char *name;
    const char *text;
    const char *want; /* dump: "[sec]@line key@line=value ..." */
    const char *err;  /* substring of the problems, NULL: none allowed */
};

static const struct icase cases[] = {
    {"key and value", "[web]\nimage = busybox\n", "[web]@1 image@2=busybox", NULL},
    {"an indented key is a stray continuation", "[a]\n  key   =   v v  \n", NULL,
     "indented line outside a value"},
    {"trailing spaces trimmed", "[a]\nk =   v v   \n", "[a]@1 k@2=v v", NULL},
    {"empty value", "[a]\nk =\n", "[a]@1 k@2=", NULL},
    {"value on following lines", "[a]\nk =\n    one\n    two\n", "[a]@1 k@2=one\\ntwo", NULL},
    {"first line and continuation", "[a]\nk = one\n  two\n", "[a]@1 k@2=one\\ntwo", NULL},
    {"relative indentation kept", "[a]\ns =\n    if x; then\n      y\n    fi\n",
     "[a]@1 s@2=if x; then\\n  y\\nfi", NULL},
    {"inner blank line kept, trailing dropped", "[a]\ns =\n    a\n\n    b\n\n\n[b]\n",
     "[a]@1 s@2=a\\n\\nb [b]@8", NULL},
    {"blank line before the value dropped", "[a]\ns =\n\n    a\n", "[a]@1 s@2=a", NULL},
    {"column-0 comment inside a value is skipped", "[a]\ns =\n    a\n# note\n    b\n",
     "[a]@1 s@2=a\\nb", NULL},
    {"indented comment inside a value is kept", "[a]\ns =\n    a\n    # keep\n",
     "[a]@1 s@2=a\\n# keep", NULL},
    {"comments with # and ;", "# top\n; also\n[a]\n# c\nk = v\n", "[a]@3 k@5=v", NULL},
    {"indented comment outside a value", "[a]\n   # fine\nk = v\n", "[a]@1 k@3=v", NULL},
    {"append operator", "[a]\nenv += X=1\n", "[a]@1 env+@2=X=1", NULL},
    {"= inside the value", "[a]\nk = a=b=c\n", "[a]@1 k@2=a=b=c", NULL},
    {"CRLF line ends", "[a]\r\nk = v\r\n", "[a]@1 k@2=v", NULL},
    {"UTF-8 byte order mark", "\xEF\xBB\xBF[a]\nk = v\n", "[a]@1 k@2=v", NULL},
    {"no final newline", "[a]\nk = v", "[a]@1 k@2=v", NULL},
    {"section name trimmed", "[ web ]\n", "[web]@1", NULL},
    {"instance section", "[web:two]\nlinked = no\n", "[web:two]@1 linked@2=no", NULL},
    {"keys before any section", "k = v\n[a]\n", "[]@1 k@1=v [a]@2", NULL},
    {"comment after header", "[a] # c\n", "[a]@1", NULL},
    {"dotted and dashed keys", "[a]\nx-my.var_1 = v\n", "[a]@1 x-my.var_1@2=v", NULL},
    /* problems */
    {"unclosed header", "[web\nk = v\n", NULL, "-:1: section header is not closed (add ']'"},
    {"empty section name", "[]\n", NULL, "-:1: empty section name"},
    {"text after header", "[web] image\n", NULL, "-:1: unexpected text 'image' after ']'"},
    {"line without =", "[a]\nimage busybox\n", NULL,
     "-:2: expected 'key = value', found 'image busybox'"},
    {"missing key name", "[a]\n= v\n", NULL, "-:2: missing key name before '='"},
    {"invalid character in key", "[a]\nim$ge = v\n", NULL,
     "-:2: key 'im$ge' has an invalid character '$'"},
    {"indented line outside a value", "[a]\n  stray\n", NULL,
     "-:2: indented line outside a value"},
    {"key twice in a section", "[a]\nk = 1\nk = 2\n", NULL,
     "-:3: part 'a': key 'k': set twice in one section (first at line 2"},
    {"section twice", "[a]\n[b]\n[a]\n", NULL,
     "-:3: section [a] appears twice (first at line 1; merge the two)"},
    {"NUL byte", "[a]\nk = v\0w\n", NULL, "-:2: line holds a NUL byte"},
    {"several problems, sorted by line", "[a\nx\n[]\n", NULL,
     "-:1: section header is not closed (add ']' at the end)\n-:2: expected 'key = value', "
     "found 'x'\n-:3: empty section name (write [name])\n3 problems found"},
};

/* Sections and keys, in order, with their lines; '+' marks an append. */
static char *dump(const struct ini_doc *doc)
{
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < doc->nsec; i++) {
        const struct ini_section *s = &doc->sec[i];
        sb_addf(&sb, "%s[%s]@%d", i ? " " : "", s->name ? s->name : "", s->line);
        for (size_t k = 0; k < s->nkv; k++) {
            sb_addf(&sb, " %s%s@%d=", s->kv[k].key, s->kv[k].append ? "+" : "", s->kv[k].line);
            for (const char *v = s->kv[k].value; *v; v++) {
                if (*v == '\n')
                    sb_adds(&sb, "\\n");
                else
                    sb_addc(&sb, *v);
            }
        }
    }
    return sb_detach(&sb, NULL);
}

static size_t case_len(const struct icase *c)
{
    /* the NUL-byte case holds an inner NUL: measure up to the final newline */
    if (strstr(c->name, "NUL"))
        return strlen(c->text) + 1 + strlen(c->text + strlen(c->text) + 1);
    return strlen(c->text);
}

int main(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const struct icase *c = &cases[i];
        struct diags d = {0};
        struct ini_doc *doc = ini_parse(NULL, c->text, case_len(c), &d);
        berr *err = NULL;
        diags_to_berr(&d, 3, &err);
        if (c->err) {
            has_str(err ? err->msg : NULL, c->err, c->name);
        } else {
            char *got = dump(doc);
            if (err)
                printf("# unexpected: %s\n", err->msg);
            is_str(got, c->want, c->name);
            free(got);
        }
        berr_free(err);
        diags_free(&d);
        ini_free(doc);
    }
    /* ini_find returns the last value for a key */
    struct diags d = {0};
    struct ini_doc *doc = ini_parse("f.ini", "[a]\nx = 1\ny = 2\n", 16, &d);
    ok(doc->nsec == 1 && ini_find(&doc->sec[0], "y") && streq(ini_find(&doc->sec[0], "y")->value, "2"),
       "ini_find finds a key");
    ok(ini_find(&doc->sec[0], "z") == NULL, "ini_find misses an absent key");
    is_str(doc->file, "f.ini", "the document remembers its file name");
    ini_free(doc);
    diags_free(&d);
    return tap_done();
}
