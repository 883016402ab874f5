#!/usr/bin/env bats
# Task parts and `berth task` against the real engine (issue 16.3-4): a task
# runs as the calling host user (a real non-root user made for the file,
# `useradd`, reaching the engine through the docker group), with its name in
# the container's /etc/passwd and a writable HOME; files it writes in the
# project folder are the user's; its exit code, stdin and ARGS reach it;
# `berth NAME ARGS` finds it; a task on a part's image builds the image
# first; nothing is left in the engine afterwards, even when it fails.
load helpers

IMG=berth-e2e-busybox
TUSER=btask${BATS_ROOT_PID:-$$}  # one per run: the suite runs two at once

setup_file() {
    export SOCK=${DOCKER_HOST#unix://}
    busybox_image "$IMG"
    host_user_begin "$TUSER"
    export D=$(su "$TUSER" -c 'mktemp -d /tmp/btask.XXXXXX')
    export P=tk$$
    mkdir -p "$D/tool"
    cat > "$D/tool/Dockerfile" <<EOF
FROM $IMG
RUN echo built-by-berth > /built
EOF
    cat > "$D/berth.ini" <<EOF
[project]
name = $P

[hello]
recipe = task
image = $IMG
command = sh -c 'id -un; touch out.txt; exit 3'
description = say who I am

[echo]
recipe = task
image = $IMG
command = sh -c 'echo "[\$*]"' sh \${args} end
description = echo its arguments

[box]
recipe = task
image = $IMG
command = \${args}
description = run a command in the image, as you

[cat]
recipe = task
image = $IMG
command = cat

[whoami]
recipe = task
image = $IMG
command = sh -c 'echo home=\$HOME user=\$USER; id -gn; pwd; touch "\$HOME/x" && echo home-writable'
env = GREETING=hi

[tool]
recipe = task
build = ./tool
command = cat /built

[svc]
recipe = container
image = $IMG
user = host
command = sleep 1000

[slow]
recipe = task
image = $IMG
command = sleep 300
timeout = 1s

[asroot]
recipe = task
image = $IMG
user = 0
command = id -u
EOF
    chown -R "$TUSER" "$D"
}

teardown_file() {
    "$BERTH" -C "$D" --progress quiet down --rmi >/dev/null 2>&1 || true
    rm -rf "$D"
    host_user_end "$TUSER"
}

# as_user CMD...: berth run by the test user in the project folder.
as_user() {
    local q
    q=$(printf ' %q' "$@")
    su "$TUSER" -c "cd $D && DOCKER_HOST=$DOCKER_HOST $BERTH --progress quiet$q"
}

# Task containers of this file's projects still in the engine.
leftovers() {
    curl -sf --unix-socket "$SOCK" "http://e/containers/json?all=1" |
        python3 -c 'import json,sys; print(len([c for c in json.load(sys.stdin) if (c["Labels"] or {}).get("berth.kind")=="task" and (c["Labels"] or {}).get("berth.project","").startswith(sys.argv[1])]))' "$P"
}

@test "task as a non-root user: their name, a file owned by them, the exit code" {
    rm -f "$D/out.txt"
    run as_user box -- sh -c 'id -un; touch out.txt; exit 3'
    [ "$status" -eq 3 ]
    [ "${lines[0]}" = "$TUSER" ]
    [ "$(stat -c %U:%G "$D/out.txt")" = "$TUSER:$TUSER" ]
    [ "$(leftovers)" = 0 ]
}

@test "berth task NAME runs the command as declared, as the user" {
    rm -f "$D/out.txt"
    run as_user task hello
    [ "$status" -eq 3 ]
    [ "$output" = "$TUSER" ]
    [ "$(stat -c %U "$D/out.txt")" = "$TUSER" ]
}

@test "the user exists inside: HOME writable, group name, project folder as workdir" {
    run as_user task whoami
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "home=/home/$TUSER user=$TUSER" ]
    [ "${lines[1]}" = "$TUSER" ]
    [ "${lines[2]}" = "$D" ]
    [ "${lines[3]}" = "home-writable" ]
}

@test "under sudo the caller is SUDO_UID/SUDO_GID" {
    local uid gid
    uid=$(id -u "$TUSER"); gid=$(id -g "$TUSER")
    rm -f "$D/out.txt"
    run env SUDO_UID="$uid" SUDO_GID="$gid" SUDO_USER="$TUSER" "$BERTH" -C "$D" --progress quiet hello
    [ "$status" -eq 3 ]
    [ "$output" = "$TUSER" ]
    [ "$(stat -c %u:%g "$D/out.txt")" = "$uid:$gid" ]
}

@test "ARGS go where the word args stands, one word each" {
    run as_user echo 'a b' c
    [ "$status" -eq 0 ]
    [ "$output" = "[a b c end]" ]
    run as_user task echo -- x
    [ "$output" = "[x end]" ]
}

@test "stdin reaches the task" {
    run sh -c "printf 'line one\nline two\n' | su $TUSER -c 'cd $D && DOCKER_HOST=$DOCKER_HOST $BERTH --progress quiet task cat'"
    [ "$status" -eq 0 ]
    [ "$output" = "line one
line two" ]
}

@test "a terminal when the caller has one, none when not" {
    run python3 "$E2E_DIR/pty.py" -- "$BERTH" -C "$D" --progress quiet task box -- sh -c 'test -t 0 && echo tty-yes'
    [[ "$output" == *"tty-yes"* ]]
    run "$BERTH" -C "$D" --progress quiet box -- sh -c 'test -t 0 && echo tty-yes || echo tty-no' </dev/null
    [ "$output" = "tty-no" ]
}

@test "a task on a part's image builds the image first" {
    run as_user task tool
    [ "$status" -eq 0 ]
    [ "$output" = "built-by-berth" ]
}

@test "user = NAME runs as that user, not the caller" {
    run as_user asroot
    [ "$status" -eq 0 ]
    [ "$output" = "0" ]
}

@test "task --list and --help show the tasks with their descriptions" {
    run "$BERTH" -C "$D" task --list
    [ "$status" -eq 0 ]
    [[ "$output" == *"hello"*"say who I am"* ]]
    [[ "$output" == *"echo"*"echo its arguments"* ]]
    run "$BERTH" -C "$D" --help
    [[ "$output" == *"tasks of project $P"* ]]
    [[ "$output" == *"say who I am"* ]]
}

@test "an unknown task or command is a usage error naming the tasks" {
    run "$BERTH" -C "$D" task nosuch
    [ "$status" -eq 2 ]
    [[ "$output" == *"'nosuch' is no part of this project"*"hello"* ]]
    run "$BERTH" -C "$D" nosuch
    [ "$status" -eq 2 ]
    [[ "$output" == *"not a berth command or task"* ]]
}

@test "a task whose image is missing fails and leaves nothing" {
    cat > "$BATS_TEST_TMPDIR/berth.ini" <<EOF
[project]
name = ${P}m
[broken]
recipe = task
image = berth-e2e-no-such-image
command = true
EOF
    run "$BERTH" -C "$BATS_TEST_TMPDIR" --progress quiet task broken
    [ "$status" -eq 7 ]
    [[ "$output" == *"berth-e2e-no-such-image"* ]]
    [ "$(leftovers)" = 0 ]
}

@test "a task that fails to start leaves nothing" {
    run as_user hello -- /no/such/program
    [ "$status" -ne 0 ]
    [ "$(leftovers)" = 0 ]
}

@test "up makes what tasks need and leaves the tasks to berth task" {
    run "$BERTH" -C "$D" --progress plain plan
    [ "$status" -eq 0 ]
    [[ "$output" == *"hello"*"task on $IMG (runs on demand)"* ]]
    run "$BERTH" -C "$D" --progress plain up
    [ "$status" -eq 0 ]
    [ "$(leftovers)" = 0 ]
}

@test "user = host on a container: up runs it as the caller, who exists inside" {
    as_user up svc
    run "$BERTH" -C "$D" exec svc sh -c 'id -un; echo $HOME; touch $HOME/y && echo ok'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "$TUSER" ]
    [ "${lines[1]}" = "/home/$TUSER" ]
    [ "${lines[2]}" = "ok" ]
    # A second up changes nothing: the entries are no part of its config.
    run as_user plan svc
    [[ "$output" == *"nothing to do"* ]]
    as_user down svc
}

@test "run -i of a user = host part: the caller, who exists inside" {
    run as_user run -i -T svc -- sh -c 'id -un; echo $HOME'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "$TUSER" ]
    [ "${lines[1]}" = "/home/$TUSER" ]
}

@test "user = host where no container is made for the caller is refused at its line" {
    printf '[project]\nname = %sr\n[a]\nrecipe = assemble\nuser = host\n[c]\nrecipe = container\nimage = %s\nscript = true\nscript-user = host\n' "$P" "$IMG" > "$BATS_TEST_TMPDIR/berth.ini"
    run "$BERTH" -C "$BATS_TEST_TMPDIR" config
    [ "$status" -eq 3 ]
    [[ "$output" == *"berth.ini:5: part 'a': key 'user': 'host' is for the user of a container or task part"* ]]
    [[ "$output" == *"berth.ini:10: part 'c': key 'script-user': 'host' is for"* ]]
}

@test "a task's timeout stops it: exit 6, nothing left" {
    run timeout 60 "$BERTH" -C "$D" --progress quiet task slow
    [ "$status" -eq 6 ]
    [[ "$output" == *"timeout = 1s passed"* ]]
    [ "$(leftovers)" = 0 ]
}
