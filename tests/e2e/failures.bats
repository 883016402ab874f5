#!/usr/bin/env bats
# Failures are failures: a container that exits during up fails up, naming it,
# its exit code and its last log lines; an object already gone is no error
# for down. Each test has its own project; teardown removes what it made.
load helpers
load project_helpers

@test "up fails when a container exits during it: its name, exit code and last log lines" {
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[ok]
recipe = container
image = $IMG
command = $QUICK
stop-timeout = 1s

[bad]
recipe = container
image = $IMG
command = ["sh", "-c", "echo cannot open the database >&2; exit 3"]
EOF
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 1 ]
    [[ "$output" == *"bad:main is not running: it exited with code 3"* ]]
    [[ "$output" == *"cannot open the database"* ]]
    [[ "$output" != *"ok:main is not running"* ]]
    [ "$(state "$P-ok-main")" = running ]
    # --wait too
    run berth -C "$DIR" --progress plain up --wait
    [ "$status" -eq 1 ]
    [[ "$output" == *"bad:main is not running: it exited with code 3"* ]]
}

@test "up fails when entrypoint-local.sh fails, with its exit code and last lines" {
    # (Without its execute bit it runs with sh, as DockerOps ran it:
    # dockerops.bats. Here it runs, and fails.)
    mkdir -p "$DIR/containers/web"
    printf 'FROM %s\nCMD ["sleep", "1000"]\n' "$IMG" > "$DIR/containers/web/Dockerfile"
    printf '#!/bin/sh\necho local setup broke\nexit 5\n' > "$DIR/containers/web/entrypoint-local.sh"
    chmod 755 "$DIR/containers/web/entrypoint-local.sh"
    run berth -C "$DIR" -p "$P" --progress plain up
    [ "$status" -eq 1 ]
    [[ "$output" == *"web:"*" is not running: it exited with code 5"* ]]
    [[ "$output" == *"local setup broke"* ]]
}

@test "a part declared oneshot may exit 0, and is not run again by the next up; a non-zero exit still fails, however late" {
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[init]
recipe = container
image = $IMG
command = ["sh", "-c", "echo initialised"]
oneshot = true
EOF
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    started1=$(started "$P-init-main")
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    [ "$(started "$P-init-main")" = "$started1" ]
    # up waits for a job's end: one that fails after the settle look still fails up
    sed -i 's/echo initialised/sleep 1.5; exit 4/' "$DIR/berth.ini"
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 1 ]
    [[ "$output" == *"init:main: it exited with code 4"* ]]
}

@test "oneshot with a restart policy other than no is refused with file:line" {
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[init]
recipe = container
image = $IMG
restart = always
oneshot = true
EOF
    run berth -C "$DIR" plan
    [ "$status" -eq 3 ]
    [[ "$output" == *"berth.ini:8: part 'init': key 'oneshot'"*"restart = no"* ]]
}

@test "down --rmi: an image already gone is no error (the docker CLI removing the same images at once)" {
    mkdir -p "$DIR/da" "$DIR/db" "$DIR/dc"
    for x in a b c; do printf 'FROM %s\nRUN echo %s > /x\n' "$IMG" "$x" > "$DIR/d$x/Dockerfile"; done
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[a]
recipe = container
build = ./da
command = $QUICK
instances = one two three
stop-timeout = 1s

[b]
recipe = container
build = ./db
command = $QUICK
instances = one two three
stop-timeout = 1s

[c]
recipe = container
build = ./dc
command = $QUICK
instances = one two three
stop-timeout = 1s

[vol]
recipe = volume
EOF
    for round in 1 2 3; do
        run berth -C "$DIR" --progress quiet up
        [ "$status" -eq 0 ] || { echo "# round $round, up: $output" >&3; false; }
        # Two berths cannot race (one up or down of a project at a time:
        # races.bats); anyone else can: the docker CLI removes the project's
        # images (the defect: "HTTP 500: unrecognized image ID") while berth
        # removes the containers, then the images.
        /usr/bin/docker -H "$DOCKER_HOST" rmi -f "$P/a" "$P/b" "$P/c" > "$DIR/cli.log" 2>&1 &
        pid=$!
        run berth -C "$DIR" --progress plain down --rmi --volumes --yes
        wait "$pid" || true
        [ "$status" -eq 0 ] || { echo "# $output" >&3; false; }
        [ -z "$(ours)" ]
        absent "images/$P/a"; absent "images/$P/c"
    done
}
