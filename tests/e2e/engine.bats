#!/usr/bin/env bats
# The engine client against the real engine, and berth's own private engine.
load helpers

@test "berth info shows the real engine" {
    run berth info
    [ "$status" -eq 0 ]
    [[ "$output" == *"address:        $DOCKER_HOST"* ]]
    [[ "$output" == *"API version:    1."* ]]
    [[ "$output" == *"storage driver: "* ]]
}

@test "berth info --format json carries engine, API and counts" {
    run berth info --format json
    [ "$status" -eq 0 ]
    python3 - "$output" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
assert d["api_version"].startswith("1."), d
assert d["engine_version"], d
assert isinstance(d["containers"]["total"], int), d
assert isinstance(d["images"], int), d
assert d["os_type"] == "linux", d
PY
}

@test "info's counts follow the engine: they are the engine's own, before and after an import" {
    # Another test run may change the engine between the two reads: read
    # again (a few times) until both were taken in a quiet moment.
    same_as_engine() {
        local i got want
        for i in 1 2 3 4 5 6; do
            got=$(berth info --format json | jq -c '[.containers.total, .images]')
            want=$(curl -sf --unix-socket "${DOCKER_HOST#unix://}" http://e/info | jq -c '[.Containers, .Images]')
            [ "$got" = "$want" ] && return 0
            sleep 0.5
        done
        echo "berth says $got, the engine $want"
        return 1
    }
    same_as_engine
    busybox_image "berth-e2e-count-$$"
    same_as_engine
    curl -sf --unix-socket "${DOCKER_HOST#unix://}" -X DELETE "http://e/images/berth-e2e-count-$$" >/dev/null
}

@test "--engine beats DOCKER_HOST" {
    DOCKER_HOST=unix:///nonexistent/docker.sock run berth --engine "$DOCKER_HOST" info
    [ "$status" -eq 0 ]
}

@test "a second private engine: start, status, info, stop leaves no process" {
    dir=$(mktemp -d /tmp/bte.XXXXXX)
    run berth engine status --dir "$dir"
    [ "$status" -eq 1 ]
    [[ "$output" == "stopped"* ]]

    run berth engine start --dir "$dir" --name "e2e$$"
    [ "$status" -eq 0 ]
    [ "$output" = "export DOCKER_HOST=unix://$dir/docker.sock" ]
    # the README's recipe: eval'd, DOCKER_HOST reaches the next program
    [ "$(unset DOCKER_HOST; eval "$output"; sh -c 'echo "$DOCKER_HOST"')" = "unix://$dir/docker.sock" ]
    out=$(berth engine start --dir "$dir" --name "e2e$$" --format json 2>/dev/null)
    [ "$(jq -r .docker_host <<<"$out")" = "unix://$dir/docker.sock" ]
    [ "$(jq -r .state <<<"$out")" = "running" ]

    run berth engine status --dir "$dir" --format json
    [ "$status" -eq 0 ]
    [[ "$output" == *'"state": "running"'* ]]
    pid=$(cat "$dir/dockerd.pid")
    kill -0 "$pid"

    DOCKER_HOST=unix://$dir/docker.sock run berth info --format json
    [ "$status" -eq 0 ]
    [[ "$output" == *'"containers"'* ]]

    # starting again is harmless and says so
    run berth engine start --dir "$dir" --name "e2e$$"
    [ "$status" -eq 0 ]
    [[ "$output" == *"already running"* ]]

    # a running container: stop says what it waits for (the engine stops it first)
    DOCKER_HOST=unix://$dir/docker.sock busybox_image bbx
    curl -sf --unix-socket "$dir/docker.sock" -X POST -H 'Content-Type: application/json' \
        -d '{"Image":"bbx","Cmd":["sleep","1000"],"StopTimeout":1}' "http://e/containers/create?name=one" >/dev/null
    curl -sf --unix-socket "$dir/docker.sock" -X POST http://e/containers/one/start
    run berth engine stop --dir "$dir"
    [ "$status" -eq 0 ]
    [[ "$output" == *"stopping the engine (pid $pid): it stops its 1 running container(s) first"* ]]
    gone "$pid"
    if pgrep -f -- "$dir/" >/dev/null; then false; fi  # must fail
    run berth engine status --dir "$dir"
    [ "$status" -eq 1 ]
    rm -rf "$dir"
}

@test "engine stop --purge removes the engine's networks first: no bridge stays on the host" {
    dir=$(mktemp -d /tmp/bte.XXXXXX)
    run berth engine start --dir "$dir" --name "e2p$$"
    [ "$status" -eq 0 ]
    id=$(curl -sf --unix-socket "$dir/docker.sock" -X POST -H 'Content-Type: application/json' \
        -d '{"Name":"purged"}' http://e/networks/create | jq -r .Id)
    [ -e "/sys/class/net/br-${id:0:12}" ]
    run berth engine stop --purge --dir "$dir"
    [ "$status" -eq 0 ]
    [ ! -e "/sys/class/net/br-${id:0:12}" ]
    run berth engine start --purge --dir "$dir"
    [ "$status" -eq 2 ]
    [[ "$output" == *"--purge goes with stop"* ]]
    rm -rf "$dir"
}

@test "engine stop when nothing runs is not an error" {
    dir=$(mktemp -d /tmp/bte.XXXXXX)
    run berth engine stop --dir "$dir"
    [ "$status" -eq 0 ]
    [[ "$output" == *"was not running"* ]]
    rm -rf "$dir"
}

@test "engine start without dockerd installed names the package" {
    dir=$(mktemp -d /tmp/bte.XXXXXX)
    mkdir "$dir/bin"
    PATH="$dir/bin" run "$BERTH" engine start --dir "$dir"
    [ "$status" -eq 7 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == *"install Debian's docker.io package (apt-get install docker.io)"* ]]
    rm -rf "$dir"
}

@test "engine rejects a relative or over-long folder" {
    run berth engine start --dir relative/dir
    [ "$status" -eq 2 ]
    [[ "$output" == *"must be an absolute path"* ]]
    run berth engine start --dir "/tmp/$(printf 'x%.0s' $(seq 90))"
    [ "$status" -eq 2 ]
    [[ "$output" == *"too long for unix sockets"* ]]
}
