#!/usr/bin/env bats
# Crashes at a chosen step (issue 13): berth or the engine is killed with
# SIGKILL at a given request (tests/e2e/race_proxy.py, kill-client and
# kill-pid), then a plain `up` must converge from whatever state that left,
# and `down --rmi` must remove everything the killed run made.
load helpers
load project_helpers
load race_helpers

teardown() {
    race_teardown
    # a private engine a test started
    if [ -n "${EDIR:-}" ]; then
        "$BERTH" engine stop --purge --dir "$EDIR" >/dev/null 2>&1 || true
        rm -rf "$EDIR"
    fi
    rm -rf "$DIR"
}

# up_killed_at REGEX: an up through a proxy that kills it (SIGKILL) when it
# sends a request whose line matches REGEX; the kill must have happened.
up_killed_at() {
    start_race "kill-client:$1"
    run berth -C "$DIR" --engine "$RACE_HOST" --progress plain up
    echo "$output" # (shown when the test fails)
    cat "$RACE_SOCK.log"
    [ "$status" -eq 137 ]
    grep -q "^killed " "$RACE_SOCK.log"
    stop_race
}

bootstrap_project() {
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[base]
recipe = bootstrap
files =
    /bin/busybox /bin/busybox
    /bin/busybox /bin/sh
script = /bin/busybox --install -s /bin

[web]
recipe = container
image = $P/base
command = $QUICK
stop-timeout = 1s
EOF
}

# Everything carrying the project's label or name, one "kind name" a line.
remains() {
    local kind
    for kind in containers images; do
        leftovers "$kind" | sed "s/^/$kind /"
    done
}

@test "berth killed between create and network join: the next up makes the container whole" {
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[front]
recipe = network

[back]
recipe = network

[web]
recipe = container
image = $IMG
command = $QUICK
networks = front back
stop-timeout = 1s
EOF
    up_killed_at 'POST /v[0-9.]+/networks/[^ ]+/connect'
    [ "$(state "$P-web-main")" = created ]
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    no_sanitizer
    [ "$(state "$P-web-main")" = running ]
    run ins "containers/$P-web-main" '.NetworkSettings.Networks | keys | join(" ")'
    echo "networks: $output"
    [ "$output" = "$P-back $P-default $P-front" ]
}

@test "berth killed before a start: the container left 'created' is made anew and started" {
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[web]
recipe = container
image = $IMG
command = $QUICK
stop-timeout = 1s
EOF
    up_killed_at 'POST /v[0-9.]+/containers/[^/]+/start'
    [ "$(state "$P-web-main")" = created ]
    run berth -C "$DIR" plan
    [[ "$output" == *"recreate"*"never started (left by an interrupted run)"* ]]
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    [ "$(state "$P-web-main")" = running ]
}

@test "berth killed after a bootstrap's commit: the next up removes its work container and temporary tag" {
    bootstrap_project
    up_killed_at 'DELETE /v[0-9.]+/containers/'
    exists "containers/$P-base-bootstrap"
    exists "images/$P-bootstrap:base"
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    no_sanitizer
    absent "containers/$P-base-bootstrap"
    absent "images/$P-bootstrap:base"
    [ "$(ours)" = "$P-web-main running" ]
    # and the next up has nothing left to do
    run berth -C "$DIR" --progress plain up
    [[ "$output" == *"0 change(s)"* ]]
}

@test "berth killed mid-bootstrap, then down --rmi: nothing of the project remains" {
    bootstrap_project
    up_killed_at 'POST /v[0-9.]+/commit'
    exists "containers/$P-base-bootstrap"
    exists "images/$P-bootstrap:base"
    run berth -C "$DIR" --progress plain down --rmi
    [ "$status" -eq 0 ]
    no_sanitizer
    [ -z "$(remains)" ]
}

@test "berth killed right after the import: the temporary image carries the project's labels" {
    bootstrap_project
    up_killed_at 'POST /v[0-9.]+/containers/create'
    exists "images/$P-bootstrap:base"
    [ "$(ins "images/$P-bootstrap:base" '.Config.Labels["berth.image.project"]')" = "$P" ]
    [ "$(ins "images/$P-bootstrap:base" '.Config.Labels["berth.image.ref"]')" = "$P-bootstrap:base" ]
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    absent "images/$P-bootstrap:base"
    [ "$(ours)" = "$P-web-main running" ]
    # the temporary labels never reach the image made from it
    [ "$(ins "images/$P/base" '.Config.Labels["berth.image.ref"]')" = "$P/base:latest" ]
    [ "$(ins "images/$P/base" '.Config.Labels["berth.kind"]')" = null ]
}

@test "the engine killed at a container's start and restarted: up converges" {
    EDIR=$(mktemp -d /tmp/bek.XXXXXX)
    "$BERTH" engine start --dir "$EDIR" --name "k$$" >/dev/null
    SOCK=$EDIR/docker.sock
    export DOCKER_HOST=unix://$SOCK
    busybox_image "$IMG"
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[web]
recipe = container
image = $IMG
command = $QUICK
instances = one two three
stop-timeout = 1s
EOF
    start_race "kill-pid:$EDIR/dockerd.pid:POST /v[0-9.]+/containers/[^/]+/start" "$SOCK"
    run berth -C "$DIR" --engine "$RACE_HOST" --progress plain up
    echo "$output"
    [ "$status" -ne 0 ]
    grep -q "^killed " "$RACE_SOCK.log"
    stop_race
    # dockerd is gone (its containerd and shims may live on)
    for i in $(seq 100); do
        curl -s --unix-socket "$SOCK" http://e/_ping >/dev/null || break
        sleep 0.1
    done
    "$BERTH" engine start --dir "$EDIR" --name "k$$" >/dev/null
    run berth -C "$DIR" --progress plain up
    echo "$output"
    [ "$status" -eq 0 ]
    no_sanitizer
    [ "$(ours)" = "$P-web-one running
$P-web-three running
$P-web-two running" ]
    run berth -C "$DIR" --progress plain down
    [ "$status" -eq 0 ]
    [ -z "$(ours)" ]
}
