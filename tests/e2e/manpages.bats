#!/usr/bin/env bats
# Manual pages: made at build time from the --help texts (berth __man) and
# from docs/project-format.md (tools/md2man.py); checked as man renders them.
load helpers

BUILD_DIR=$(dirname "$BERTH")

# commands: what berth --help lists
commands() { "$BERTH" --help | sed -n '/^commands:/,/^$/s/^  \([a-z]*\) .*/\1/p'; }

# render FILE: the page as man shows it on an 80-column terminal; groff's
# warnings (a broken request, a line it cannot break) go to $WORK/warnings
render() { MANWIDTH=80 man --warnings -E UTF-8 -l "$1" 2> "$WORK/warnings"; }

setup() { WORK=$(mktemp -d /tmp/berth-e2e-man.XXXXXX); }
teardown() { rm -rf "$WORK"; }

@test "the build made a page for berth and for every command berth --help lists, each rendered without warnings" {
    [ -f "$BUILD_DIR/berth.1" ]
    [ -f "$BUILD_DIR/berth.ini.5" ]
    n=0
    for c in $(commands); do
        [ -f "$BUILD_DIR/berth-$c.1" ] || { echo "no page for $c"; false; }
        n=$((n + 1))
        # a page of its own, or a link to the page of the command it is an alias of
        grep -q '^\.so man1/berth-' "$BUILD_DIR/berth-$c.1" && continue
        grep -q '^\.SH SYNOPSIS' "$BUILD_DIR/berth-$c.1"
        grep -q "^.fBberth $c.fR" "$BUILD_DIR/berth-$c.1" ||
            { echo "berth-$c.1: no synopsis (does 'berth $c --help' print 'usage: berth $c ...'?)"; false; }
        render "$BUILD_DIR/berth-$c.1" > /dev/null
        [ ! -s "$WORK/warnings" ] || { echo "berth-$c.1:"; cat "$WORK/warnings"; false; }
    done
    [ "$n" -ge 19 ]
}

@test "a command's page is its --help: synopsis, description, every option, rendered without warnings" {
    for c in up exec cp logs engine down; do
        "$BERTH" __man "$c" > "$WORK/$c.1"
        render "$WORK/$c.1" > "$WORK/$c.txt"
        [ ! -s "$WORK/warnings" ] || { cat "$WORK/warnings"; false; }
        grep -q "^NAME" "$WORK/$c.txt"
        grep -Eq "^ +berth-$c +- " "$WORK/$c.txt"
        # the synopsis line of --help, as written
        synopsis=$("$BERTH" "$c" --help | head -1 | sed 's/^usage: //')
        grep -qF "$synopsis" "$WORK/$c.txt" || { echo "$c: no '$synopsis'"; false; }
        # every long option of --help is in the page
        for o in $("$BERTH" "$c" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
            grep -q -- "$o" "$WORK/$c.txt" || { echo "$c: no $o in the page"; false; }
        done
    done
    # the same text as the build installs
    cmp <("$BERTH" __man up) "$BUILD_DIR/berth-up.1"
}

@test "berth(1) has the global options, every command with its page, the exit codes" {
    render "$BUILD_DIR/berth.1" > "$WORK/berth.txt"
    [ ! -s "$WORK/warnings" ] || { cat "$WORK/warnings"; false; }
    for s in NAME SYNOPSIS DESCRIPTION "GLOBAL OPTIONS" COMMANDS "EXIT CODES" ENVIRONMENT "SEE ALSO"; do
        grep -q "^$s" "$WORK/berth.txt" || { echo "no section $s"; false; }
    done
    grep -q -- "--parallel N" "$WORK/berth.txt"
    tr '\n' ' ' < "$WORK/berth.txt" | tr -s ' ' > "$WORK/flat"
    for c in $(commands); do
        grep -q "see berth-$c(1)" "$WORK/flat" || { echo "no reference to berth-$c(1)"; false; }
    done
}

@test "an alias's page is the page of the command it names" {
    [ "$("$BERTH" __man ssh)" = ".so man1/berth-shell.1" ]
    [ "$("$BERTH" __man clean)" = ".so man1/berth-down.1" ]
    run "$BERTH" __man nosuch
    [ "$status" -eq 2 ]
}

@test "berth.ini(5) is docs/project-format.md: every section of it, rendered without warnings" {
    render "$BUILD_DIR/berth.ini.5" > "$WORK/ini.txt"
    [ ! -s "$WORK/warnings" ] || { cat "$WORK/warnings"; false; }
    grep -Eq "^ +berth.ini +- +the +berth +project +file" "$WORK/ini.txt"
    while IFS= read -r h; do
        h=${h#\#\# }
        grep -qiF "$h" "$WORK/ini.txt" || { echo "no section '$h'"; false; }
    done < <(grep '^## ' "$E2E_DIR/../../docs/project-format.md" | tr -d '`')
    # a key of a part kind's table
    grep -q "remove-orphans\|instance-type" "$WORK/ini.txt"
}
