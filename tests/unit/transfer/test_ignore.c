/* .dockerignore parsing and matching, checked against Docker's behaviour. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "transfer/ignore.h"
#include "../tap.h"
#include "base/util.h"

struct match_case {
    const char *rules; /* .dockerignore text */
    const char *path;
    bool excluded;
};

static const struct match_case cases[] = {
    {"*.o", "a.o", true},
    {"*.o", "src/a.o", false}, /* '*' does not cross '/' */
    {"*.o", "a.c", false},
    {"*/temp*", "src/temporary", true},
    {"*/temp*", "temp", false},
    {"*/temp*", "a/b/temp", false},
    {"**/*.go", "main.go", true}, /* "**" may match no folder at all */
    {"**/*.go", "a/b/c/main.go", true},
    {"**/*.go", "a/b/main.c", false},
    {"**", "anything/at/all", true},
    {"a/**/z", "a/z", true},
    {"a/**/z", "a/b/c/z", true},
    {"a/**", "a/b", true},
    {"build", "build", true},
    {"build", "build/x/y", true}, /* a matched folder takes its contents */
    {"build", "src/build", false},
    {"build", "builder", false},
    {"*.o\n!keep.o", "keep.o", false},
    {"*.o\n!keep.o", "drop.o", true},
    {"!keep.o\n*.o", "keep.o", true}, /* the last matching line wins */
    {"build\n!build/keep", "build/keep", false},
    {"build\n!build/keep", "build/other", true},
    {"# comment\n\n   \nsecret", "secret", true},
    {"# secret", "# secret", false}, /* a comment, not a pattern */
    {"#secret\nsecret2", "#secret", false},
    {"  spaced.txt  \t", "spaced.txt", true},
    {"/rooted", "rooted", true},
    {"./dotted", "dotted", true},
    {"a//b/./c", "a/b/c", true},
    {"a/../b", "b", true},
    {"dir/", "dir/file", true}, /* trailing '/' is cleaned away */
    {"file[abc]", "fileb", true},
    {"file[abc]", "filed", false},
    {"file[a-c]", "filec", true},
    {"file[^a-c]", "filed", true},
    {"file[^a-c]", "filea", false},
    {"?.txt", "a.txt", true},
    {"?.txt", "ab.txt", false},
    {"?.txt", "\xc3\xa9.txt", true}, /* '?' is one character, not one byte */
    {"a?b", "a/b", false},
    {"\\*.txt", "*.txt", true}, /* escaped '*' is a literal star */
    {"\\*.txt", "a.txt", false},
    {"*.log\r\n!important.log\r\n", "important.log", false}, /* CRLF lines */
    {"\xef\xbb\xbf" "bom", "bom", true},
    {"! keep\n*", "keep", true},
    {"*\n! keep", "keep", false},
};

struct bad_case {
    const char *rules;
    const char *why;
};

static const struct bad_case bad[] = {
    {"!", "illegal exclusion pattern"},
    {"ok\n  !  \n", "line 2"},
    {"file[abc", "bad pattern"},
    {"file[]", "bad pattern"},
    {"trailing\\", "bad pattern"},
};

int main(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const struct match_case *c = &cases[i];
        struct ignore_rules *r = NULL;
        berr *err = NULL;
        char desc[256];
        /* TAP descriptions are one line: show line breaks as '|'. */
        snprintf(desc, sizeof desc, "rules '%s' %s '%s'", c->rules,
                 c->excluded ? "exclude" : "keep", c->path);
        for (char *p = desc; *p; p++)
            if (*p == '\n' || *p == '\r')
                *p = '|';
        if (ignore_parse(c->rules, &r, &err) < 0) {
            ok(0, desc);
            printf("#   parse failed: %s\n", err->msg);
            berr_free(err);
            continue;
        }
        ok(ignore_match(r, c->path) == c->excluded, desc);
        ignore_free(r);
    }

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct ignore_rules *r = NULL;
        berr *err = NULL;
        is_int(ignore_parse(bad[i].rules, &r, &err), -1, "malformed rules are refused");
        ok(r == NULL, "no rules come back on error");
        has_str(err ? err->msg : NULL, bad[i].why, "the error says why");
        ok(err && err->code == BERR_PROJECT, "malformed rules are a project error");
        berr_free(err);
    }

    struct ignore_rules *r = NULL;
    berr *err = NULL;
    is_int(ignore_parse("a\n", &r, &err), 0, "parse");
    ok(!ignore_has_exceptions(r), "no '!' rule, no exceptions");
    ignore_free(r);
    is_int(ignore_parse("a\n!a/b\n", &r, &err), 0, "parse with '!'");
    ok(ignore_has_exceptions(r), "a '!' rule is an exception");
    ignore_free(r);
    ok(!ignore_match(NULL, "x"), "no rules exclude nothing");

    /* ignore_load: a missing file is no rules; a real file is read. */
    is_int(ignore_load("/nonexistent/.dockerignore", &r, &err), 0, "missing file is fine");
    ok(r && !ignore_match(r, "anything"), "missing file excludes nothing");
    ignore_free(r);
    char path[] = "/tmp/berth-ignore-XXXXXX";
    int fd = mkstemp(path);
    ok(fd >= 0 && write(fd, "*.tmp\n[bad\n", 11) == 11, "write a .dockerignore");
    close(fd);
    is_int(ignore_load(path, &r, &err), -1, "a bad file is refused");
    has_str(err ? err->msg : NULL, path, "the error names the file");
    has_str(err ? err->msg : NULL, "line 2", "and the line");
    berr_freep(&err);
    ok(truncate(path, 6) == 0, "keep only the good line");
    is_int(ignore_load(path, &r, &err), 0, "load a file");
    ok(r && ignore_match(r, "x.tmp") && !ignore_match(r, "x.txt"), "loaded rules apply");
    ignore_free(r);

    /* ignore_load_keeping: the Dockerfile and .dockerignore stay, whatever the
     * file says; a kept name matches only itself. */
    fd = open(path, O_WRONLY | O_TRUNC);
    ok(fd >= 0 && write(fd, "Dockerfile\n.dockerignore\n*\n", 26) == 26, "rules excluding both");
    close(fd);
    const char *keep[] = {".dockerignore", "build/Docker[file]*", NULL};
    is_int(ignore_load_keeping(path, keep, &r, &err), 0, "load, keeping two names");
    ok(r && !ignore_match(r, ".dockerignore"), ".dockerignore is kept");
    ok(r && !ignore_match(r, "build/Docker[file]*"), "a name with pattern characters is kept");
    ok(r && ignore_match(r, "build/Dockerf"), "and matches only itself");
    ok(r && ignore_match(r, "Dockerfile") && ignore_match(r, "other"), "the rest is excluded");
    ignore_free(r);
    unlink(path);
    return tap_done();
}
