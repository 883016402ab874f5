#!/usr/bin/env bats
# exec, shell/ssh and run -i against the real engine: exit codes, stdout and
# stderr kept apart, stdin, --expect-exit, --format json, and terminals
# driven through a pseudo-terminal (pty.py): tty, window size and resizes,
# Ctrl-C and Ctrl-D, the terminal restored; interactive and safemode
# instances made, attached and removed.
#
# One project for the file: web (a folder with a Dockerfile whose image has
# a fake bash that says so, and an entrypoint-local.sh), linked to db (plain
# busybox, no bash), and multi (instances one and two, created but not
# started, and a declared interactive dbg).
load helpers

IMG=berth-e2e-busybox
QUICK='sh -c "trap \"exit 0\" TERM; sleep 1000 & wait"'

setup_file() {
    export P=te$$
    export D=$(mktemp -d /tmp/bte.XXXXXX)
    export SOCK=${DOCKER_HOST#unix://}
    busybox_image "$IMG"
    mkdir -p "$D/containers/web"
    cat > "$D/containers/web/Dockerfile" <<EOF
FROM $IMG
RUN printf '#!/bin/sh\necho BASH-PICKED >&2\nexec /bin/sh "\$@"\n' > /bin/bash && chmod 755 /bin/bash
EOF
    printf '#!/bin/sh\necho ran > /tmp/elocal\n' > "$D/containers/web/entrypoint-local.sh"
    chmod 755 "$D/containers/web/entrypoint-local.sh"
    cat > "$D/berth.ini" <<EOF
[web]
command = $QUICK
links = db

[db]
recipe = container
image = $IMG
command = $QUICK

[multi]
recipe = container
image = $IMG
command = $QUICK
instances = one two dbg
start = false

[multi:dbg]
instance-type = interactive
EOF
    "$BERTH" -C "$D" -p "$P" --progress quiet up
}

teardown_file() {
    "$BERTH" -C "$D" -p "$P" down --volumes --yes --rmi >/dev/null 2>&1 || true
    rm -rf "$D"
}

b() { "$BERTH" -C "$D" -p "$P" "$@"; }
pty() { python3 "$E2E_DIR/pty.py" "$@"; }
# Does the engine have a container by this name?
absent() { ! curl -sf --unix-socket "$SOCK" "http://e/containers/$1/json" >/dev/null; }

@test "exec: berth exits with the command's exit code" {
    run b exec web -- sh -c 'exit 3'
    [ "$status" -eq 3 ]
    run b exec web -- true
    [ "$status" -eq 0 ]
    run b exec web -- false
    [ "$status" -eq 1 ]
    [ -z "$output" ]
}

@test "exec: stdout and stderr stay apart" {
    b exec web -- sh -c 'echo to-out; echo to-err >&2; echo out2' >"$D/o" 2>"$D/e"
    [ "$(cat "$D/o")" = "to-out
out2" ]
    [ "$(cat "$D/e")" = "to-err" ]
}

@test "exec --expect-exit: 0 when the code matches, else 1 with both codes" {
    run b exec --expect-exit 3 web -- sh -c 'exit 3'
    [ "$status" -eq 0 ]
    run b exec --expect-exit 0 web -- sh -c 'echo partial; exit 4'
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = partial ]
    [[ "${lines[1]}" == "berth: exec web:main: the command exited with 4, expected 0" ]]
    run b exec --expect-exit 256 web -- true
    [ "$status" -eq 2 ]
}

@test "exec --format json: exit code and both outputs, any bytes" {
    run b exec --format json web -- sh -c 'echo a; printf "b\377\n" >&2; exit 3'
    [ "$status" -eq 3 ]
    jq -e '. == {"exit_code": 3, "stdout": "a\n", "stderr": "b\ufffd\n"}' <<<"$output"
    run b exec --format json --expect-exit 3 web -- sh -c 'exit 3'
    [ "$status" -eq 0 ]
    [ "$(jq .exit_code <<<"$output")" = 3 ]
    run b exec --format json -t web -- true
    [ "$status" -eq 2 ]
}

@test "exec: stdin is forwarded to its end (a pipe, 1 MB), and not with -n" {
    run bash -c "printf 'l1\nl2\n' | '$BERTH' -C '$D' -p '$P' exec web -- wc -l"
    [ "$status" -eq 0 ]
    [ "$output" -eq 2 ]
    run bash -c "head -c 1000000 /dev/urandom | tee '$D/in' | '$BERTH' -C '$D' -p '$P' exec web -- md5sum"
    [ "$status" -eq 0 ]
    [ "${output%% *}" = "$(md5sum < "$D/in" | cut -d' ' -f1)" ]
    run bash -c "echo hi | '$BERTH' -C '$D' -p '$P' exec -n web -- cat"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

@test "exec: env, user and workdir" {
    run b exec -e A=1 -e B='two words' -u 1234:5678 -w /tmp web -- \
        sh -c 'echo "$A|$B|$(id -u):$(id -g)|$(pwd)"'
    [ "$status" -eq 0 ]
    [ "$output" = "1|two words|1234:5678|/tmp" ]
    # options after TARGET, before --
    run b exec web -w /data -- pwd
    [ "$output" = /data ]
}

@test "exec: no terminal unless on one; -t forces one, -T refuses" {
    run b exec web -- tty
    [ "$status" -eq 1 ]
    [ "$output" = "not a tty" ]
    run b exec -t web -- tty
    [ "$status" -eq 0 ]
    [[ "$output" == /dev/pts/* ]]
    run pty -- "$BERTH" -C "$D" -p "$P" exec web -- tty
    [[ "$output" == */dev/pts/* ]]
    run pty -- "$BERTH" -C "$D" -p "$P" exec -T web -- tty
    [[ "$output" == *"not a tty"*"[pty] exit=1 restored=yes" ]]
    run b exec -t -T web -- tty
    [ "$status" -eq 2 ]
}

@test "exec -d: returns at once, the command runs on" {
    # The command waits for /tmp/go: berth returning before it exists proves
    # it did not wait for the command.
    run b exec -d web -- sh -c 'while [ ! -e /tmp/go ]; do sleep 0.05; done; touch /tmp/done'
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    b exec web -- touch /tmp/go
    for i in $(seq 100); do
        b exec web -- test -e /tmp/done && break
        sleep 0.05
    done
    b exec web -- test -e /tmp/done
}

@test "exec: which container, and clear errors when it is not one running container" {
    run b exec multi -- true
    [ "$status" -eq 2 ]
    [[ "$output" == *"'multi' has 2 containers (multi:one, multi:two): name one"* ]]
    run b exec multi:two -- true
    [ "$status" -eq 1 ]
    [[ "$output" == *"multi:two is not running (created): \`berth start multi:two\`"* ]]
    run b exec wbe -- true
    [ "$status" -eq 2 ]
    [[ "$output" == *"did you mean 'web'?"* ]]
    run b exec multi:dbg -- true
    [ "$status" -eq 7 ]
    [[ "$output" == *"multi:dbg has no container"* ]]
    run b exec all -- true
    [ "$status" -eq 2 ]
    run b exec web
    [ "$status" -eq 2 ]
}

@test "up leaves a declared interactive instance to run -i" {
    run b --progress plain up
    [ "$status" -eq 0 ]
    [[ "$output" == *"multi:dbg: interactive instance: \`berth run -i multi:dbg\` runs it"* ]]
    absent "$P-multi-dbg"
}

@test "shell: a real terminal: tty, window size, resize, Ctrl-C passed, exit code, restored" {
    # (Patterns never match the echo of what was typed.)
    run pty --rows 30 --cols 100 'expect:# ' 'send:tty\r' 'expect:/dev/pts/[0-9]' \
        'send:stty size\r' 'expect:30 100' 'resize:40x120' \
        'send:until [ "$(stty size)" = "40 $((100 + 20))" ]; do sleep 0.1; done; echo resized\r' \
        'expect:resized\r?\n' \
        "send:sh -c 'echo started; exec sleep 100'\\r" 'expect:started\r?\n' 'send:\x03' \
        'send:echo rc=$?\r' 'expect:rc=130' 'send:exit 7\r' -- "$BERTH" -C "$D" -p "$P" shell web
    [ "$status" -eq 0 ]
    [[ "$output" == *"[pty] exit=7 restored=yes" ]]
}

@test "shell: Ctrl-D ends it, and berth exits with the shell's code" {
    # Ctrl-D only once the prompt after the command is there: typed while a
    # command runs, a terminal takes it as that command's end of input.
    run pty 'expect:# ' 'send:(exit 5)\r' 'expect:exit 5\)\r?\n[^\n]*# ' 'send:\x04' -- \
        "$BERTH" -C "$D" -p "$P" ssh db
    [ "$status" -eq 0 ]
    [[ "$output" == *"[pty] exit=5 restored=yes" ]]
}

@test "shell: a signal to berth gives the terminal back" {
    run pty 'expect:# ' 'signal:TERM' -- "$BERTH" -C "$D" -p "$P" shell db
    [ "$status" -eq 0 ]
    [[ "$output" == *"[pty] exit=130 restored=yes" ]]
}

@test "shell: bash when the image has it, else sh; commands from stdin without a terminal" {
    run bash -c "echo 'echo in-\$INSTANCE; exit 3' | '$BERTH' -C '$D' -p '$P' shell web"
    [ "$status" -eq 3 ]
    # BASH-PICKED comes on stderr, in-main on stdout: the engine copies the
    # two streams separately, so their order in the merged output may vary.
    [ "${#lines[@]}" -eq 2 ]
    [[ " ${lines[*]} " == *" BASH-PICKED "* ]]
    [[ " ${lines[*]} " == *" in-main "* ]]
    run bash -c "echo 'echo in-\$INSTANCE' | '$BERTH' -C '$D' -p '$P' ssh db"
    [ "$status" -eq 0 ]
    [ "$output" = in-main ]
}

@test "run -i: a shell in the instance's own container, linked, entrypoint-local.sh run; removed on exit" {
    run pty 'expect:# ' 'send:echo "$INSTANCE/$INSTANCE_TYPE/${DB_CONTAINER_IP:+linked}/$(cat /tmp/elocal)/$(tty)"\r' \
        'expect:interactive/interactive/linked/ran//dev/pts' 'expect:# ' 'send:exit 5\r' -- \
        "$BERTH" -C "$D" -p "$P" run -i web
    [ "$status" -eq 0 ]
    [[ "$output" == *"[pty] exit=5 restored=yes" ]]
    absent "$P-web-interactive"
    # ended with Ctrl-D, a declared one
    run pty 'expect:# ' 'send:echo ready\r' 'expect:ready\r?\n[^\n]*# ' 'send:\x04' -- \
        "$BERTH" -C "$D" -p "$P" run -i multi:dbg
    [[ "$output" == *"[pty] exit=0 restored=yes" ]]
    absent "$P-multi-dbg"
}

@test "run --safemode: no entrypoint-local.sh, no links; removed on exit" {
    run b run --safemode web -- sh -c \
        'echo "$INSTANCE_TYPE $SAFEMODE ${DB_CONTAINER_IP:-unlinked} $(cat /tmp/elocal 2>/dev/null || echo skipped)"; exit 4'
    [ "$status" -eq 4 ]
    [ "$output" = "safemode true unlinked skipped" ]
    absent "$P-web-safemode"
}

@test "up PART:interactive is run -i; run -i refuses a standard instance" {
    # (stdout only: the image's bash writes BASH-PICKED to stderr, and the
    # engine reads a container's two streams apart, so their order may vary)
    run bash -c "echo 'echo \$INSTANCE_TYPE; exit 6' | '$BERTH' -C '$D' -p '$P' up web:interactive 2>/dev/null"
    [ "$status" -eq 6 ]
    [ "${lines[-1]}" = interactive ]
    absent "$P-web-interactive"
    run b run -i web:main
    [ "$status" -eq 2 ]
    [[ "$output" == *"web:main is a standard instance"* ]]
}

@test "run -i: interrupted, the container is removed and the terminal restored" {
    # (HUP: the terminal window was closed)
    run pty 'expect:# ' 'signal:HUP' -- "$BERTH" -C "$D" -p "$P" run -i web
    [[ "$output" == *"[pty] exit=130 restored=yes" ]]
    absent "$P-web-interactive"
}
