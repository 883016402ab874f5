#!/usr/bin/env bats
# berth logs against the real engine: several instances merged in time order
# with their prefixes, stdout and stderr kept apart, --tail, --since, -t,
# JSON lines, colours only on a terminal, a TTY container, and -f following
# a restart and a re-creation by `up`, ended by Ctrl-C with status 0.
# One project for the file (setup_file); the tests that change containers
# come last.
load helpers

IMG=berth-e2e-busybox

setup_file() {
    export P="tl$$"
    export DIR=$(mktemp -d /tmp/btl.XXXXXX)
    busybox_image "$IMG"
    # Three lines to stdout and three to stderr, a last one to stdout, then
    # wait; X tells a re-created container (env changed with -s) from the
    # first one.
    cat > "$DIR/berth.ini" <<EOF
[web]
recipe = container
image = $IMG
instances = one two
command = sh -c "trap 'exit 0' TERM; for i in 1 2 3; do echo out-\$i X=\$X; echo err-\$i >&2; sleep 0.1; done; sleep 0.1; echo last X=\$X; sleep 1000 & wait"

[term]
recipe = container
image = $IMG
tty = true
command = sh -c "trap 'exit 0' TERM; echo tty-line; sleep 1000 & wait"
EOF
    berth -C "$DIR" -p "$P" up >/dev/null 2>&1
    wait_lines 4 web:one && wait_lines 4 web:two && wait_lines 1 term
}

teardown_file() {
    berth -C "$DIR" -p "$P" down --yes >/dev/null 2>&1 || true
    rm -rf "$DIR"
}

bl() { berth -C "$DIR" -p "$P" "$@"; }

# a follow a failed test left running
teardown() {
    if [ -n "${FOLLOW:-}" ]; then
        kill -INT "$FOLLOW" 2>/dev/null || true
        wait "$FOLLOW" 2>/dev/null || true
    fi
}

# wait_lines N TARGET: until TARGET has logged at least N stdout lines.
wait_lines() {
    local i
    for i in $(seq 100); do
        [ "$(bl logs --no-color "$2" 2>/dev/null | wc -l)" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

@test "logs merges every instance, each line prefixed with part:instance" {
    run bl logs
    [ "$status" -eq 0 ]
    for who in web:one web:two; do
        for i in 1 2 3; do
            echo "$output" | grep -qx "$who *| out-$i X="
            echo "$output" | grep -qx "$who *| err-$i"
        done
    done
    [[ "$output" == *"term:main | tty-line"* ]]
    # prefixes padded to one width, so the lines align
    [[ "$output" == *"web:one   | out-1"* ]]
    [[ "$output" == *"web:two   | last X="* ]]
    [ "$(echo "$output" | grep -c ' | ')" -eq 15 ]
}

@test "logs orders the lines of all containers by time" {
    bl logs -t >"$BATS_TEST_TMPDIR/out" 2>&1
    [ "$(wc -l < "$BATS_TEST_TMPDIR/out")" -eq 15 ]
    # all on one stream (stdout and stderr to one file): the times, in order
    awk -F' [|] ' '{split($2, a, " "); print a[1]}' "$BATS_TEST_TMPDIR/out" > "$BATS_TEST_TMPDIR/ts"
    grep -Eqx '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z' "$BATS_TEST_TMPDIR/ts"
    [ "$(grep -Ecvx '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z' "$BATS_TEST_TMPDIR/ts")" -eq 0 ]
    sort -c "$BATS_TEST_TMPDIR/ts"
}

@test "logs keeps a container's stdout on stdout and its stderr on stderr" {
    bl logs web >"$BATS_TEST_TMPDIR/o" 2>"$BATS_TEST_TMPDIR/e"
    [ "$(grep -c 'out-' "$BATS_TEST_TMPDIR/o")" -eq 6 ]
    [ "$(grep -c 'err-' "$BATS_TEST_TMPDIR/e")" -eq 6 ]
    run grep -c 'err-' "$BATS_TEST_TMPDIR/o"
    [ "$output" = 0 ]
    run grep -c 'out-' "$BATS_TEST_TMPDIR/e"
    [ "$output" = 0 ]
}

@test "logs of a TTY container: one raw stream, no carriage returns" {
    run bl logs term
    [ "$status" -eq 0 ]
    [ "$output" = "term:main | tty-line" ]
}

@test "logs --tail N: the last N lines of each container" {
    run bl logs --tail 1 web
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | grep -c '^web:one | ')" -eq 1 ]
    [ "$(echo "$output" | grep -c '^web:two | ')" -eq 1 ]
    [[ "$output" == *"web:one | last X="* ]]
    [[ "$output" == *"web:two | last X="* ]]
    run bl logs --tail 0 web
    [ -z "$output" ]
    run bl logs --tail x
    [ "$status" -eq 2 ]
}

@test "logs -t shows the engine's timestamps, only when asked" {
    run bl logs -t term
    [[ "$output" =~ ^term:main\ \|\ [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z\ tty-line$ ]]
    run bl logs term
    [ "$output" = "term:main | tty-line" ]
}

@test "logs --since: a duration, a date, and a time after every line" {
    run bl logs --since 1h term
    [ "$output" = "term:main | tty-line" ]
    run bl logs --since 2000-01-01 term
    [ "$output" = "term:main | tty-line" ]
    run bl logs --since "$(( $(date +%s) + 60 ))" term
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    run bl logs --since soon
    [ "$status" -eq 2 ]
    [[ "$output" == *"--since: 'soon' is not a time"* ]]
}

@test "logs --format json: one object a line with part, instance, stream, time, line" {
    run bl logs --format json web:two
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | wc -l)" -eq 7 ]
    echo "$output" | jq -e -s 'all(.[]; .part == "web" and .instance == "two" and
        (.time | test("^[0-9-]{10}T[0-9:]{8}\\.[0-9]{9}Z$")))'
    echo "$output" | jq -e -s '[.[] | select(.stream == "stderr") | .line] == ["err-1", "err-2", "err-3"]'
    echo "$output" | jq -e -s '[.[] | select(.stream == "stdout") | .line] == ["out-1 X=", "out-2 X=", "out-3 X=", "last X="]'
}

@test "logs colours prefixes on a terminal only, and never with NO_COLOR" {
    run bl logs term
    [[ "$output" != *$'\e['* ]]
    local cmd="'$BERTH' -C '$DIR' -p '$P' logs term"
    run script -qec "$cmd" /dev/null
    [[ "$output" == *$'\e[36mterm:main |\e[0m tty-line'* ]]
    run env NO_COLOR=1 script -qec "$cmd" /dev/null
    [[ "$output" == *"term:main | tty-line"* ]]
    [[ "$output" != *$'\e[3'* ]]
}

@test "logs: an unknown target is a usage error naming it" {
    run bl logs wbe
    [ "$status" -eq 2 ]
    [[ "$output" == *"'wbe' (did you mean 'web'?)"* ]]
}

# until FILE has N lines matching PATTERN (5 s)
wait_grep() {
    local i
    for i in $(seq 100); do
        [ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
        sleep 0.05
    done
    cat "$1" >&3
    return 1
}

@test "logs -f follows a restart and a re-creation by up, and Ctrl-C ends it with 0" {
    local out=$BATS_TEST_TMPDIR/f.out err=$BATS_TEST_TMPDIR/f.err
    # the binary itself in the background (not a function's subshell): the
    # signal must reach it
    "$BERTH" -C "$DIR" -p "$P" logs -f --tail 1 web:one >"$out" 2>"$err" &
    FOLLOW=$!
    wait_grep "$out" '^web:one | last X=$' 1
    [ "$(wc -l < "$out")" -eq 1 ] # --tail 1
    [ "$(wc -l < "$err")" -eq 0 ]
    # the same container again: its new lines, not the old ones twice
    bl restart -t 1 web:one >/dev/null 2>&1
    wait_grep "$out" '^web:one | last X=$' 2
    # a new container (env changed): followed from its first line
    bl -s web.env=X=1 up web >/dev/null 2>&1
    wait_grep "$out" '^web:one | last X=1$' 1
    wait_grep "$err" 'err-3' 2
    kill -INT "$FOLLOW"
    local rc=0
    wait "$FOLLOW" || rc=$?
    FOLLOW=
    [ "$rc" -eq 0 ]
    [ "$(grep -c '^web:one | out-[123] X=$' "$out")" -eq 3 ]
    [ "$(grep -c '^web:one | last X=$' "$out")" -eq 2 ]
    [ "$(grep -c '^web:one | out-[123] X=1$' "$out")" -eq 3 ]
    [ "$(grep -c '^web:one | last X=1$' "$out")" -eq 1 ]
    [ "$(wc -l < "$out")" -eq 9 ]
    [ "$(grep -c '^web:one | err-[123]$' "$err")" -eq 6 ]
    [ "$(wc -l < "$err")" -eq 6 ]
}

@test "logs -f with several containers prints history first, then new lines, until Ctrl-C" {
    local out=$BATS_TEST_TMPDIR/g.out
    "$BERTH" -C "$DIR" -p "$P" logs -f --no-color >"$out" 2>&1 &
    FOLLOW=$!
    wait_grep "$out" 'tty-line' 1
    wait_grep "$out" 'web:two *| last' 1
    wait_grep "$out" 'web:one *| last' 1
    bl restart -t 1 web:two >/dev/null 2>&1
    wait_grep "$out" 'web:two *| last' 2
    kill -INT "$FOLLOW"
    local rc=0
    wait "$FOLLOW" || rc=$?
    FOLLOW=
    [ "$rc" -eq 0 ]
    [ "$(grep -c 'web:one *| last' "$out")" -eq 1 ]
}
