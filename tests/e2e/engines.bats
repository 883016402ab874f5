#!/usr/bin/env bats
# engine parts: a project names the engine its parts live on (`engine =`,
# `[project] engine`) by url, docker context or a private engine berth
# starts. The suite's engine (DOCKER_HOST) is engine A; the tests start
# engine B (and a private one) themselves and stop them by pid.
load helpers

setup_file() {
    export ENG_B=/tmp/e-engB.$$
    "$BERTH" engine start --dir "$ENG_B" >/dev/null
    DOCKER_HOST=unix://$ENG_B/docker.sock busybox_image berth-busybox
    busybox_image berth-busybox
}

teardown_file() {
    "$BERTH" engine stop --purge --dir "$ENG_B" >/dev/null 2>&1
    rm -rf "$ENG_B"
}

setup() {
    P=$(test_project)
    D=$(mktemp -d)
    SOCK_A=${DOCKER_HOST#unix://}
    SOCK_B=$ENG_B/docker.sock
}

teardown() {
    "$BERTH" -C "$D" down >/dev/null 2>&1 || true
    rm -rf "$D"
}

has_container() { curl -sf --unix-socket "$1" "http://e/containers/$2/json" >/dev/null; }

@test "[project] engine = PART: up, ps and down act on that engine, not on DOCKER_HOST's" {
    cat > "$D/berth.ini" <<INI
[project]
name = $P
engine = engine_b
[engine_b]
recipe = engine
url = unix://$SOCK_B
[box]
recipe = container
image = berth-busybox
command = sleep 300
INI
    run berth -C "$D" up
    [ "$status" -eq 0 ]
    has_container "$SOCK_B" "$P-box-main"
    ! has_container "$SOCK_A" "$P-box-main"
    run berth -C "$D" ps
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "PART"*"IMAGE"*"ENGINE"*"STATUS" ]]
    [[ "${lines[1]}" == "box   main      standard  running"*"berth-busybox  engine_b  Up "* ]]
    run berth -C "$D" ps --format json
    [[ "$output" == *'"engine": "engine_b"'* ]]
    # a second up makes no change
    run berth -C "$D" up
    [ "$status" -eq 0 ]
    [[ "$output" == *"0 change(s)"* ]]
    run berth -C "$D" down
    [ "$status" -eq 0 ]
    ! has_container "$SOCK_B" "$P-box-main"
}

@test "a part's own engine = PART beats the default" {
    cat > "$D/berth.ini" <<INI
[project]
name = $P
[engine_b]
recipe = engine
url = unix://$SOCK_B
[box]
recipe = container
image = berth-busybox
command = sleep 300
engine = engine_b
INI
    run berth -C "$D" up box
    [ "$status" -eq 0 ]
    has_container "$SOCK_B" "$P-box-main"
    ! has_container "$SOCK_A" "$P-box-main"
}

@test "an engine part with context = NAME uses the docker context's endpoint" {
    cfg=$(mktemp -d)
    sum=$(printf ctxb | sha256sum | cut -c1-64)
    mkdir -p "$cfg/contexts/meta/$sum"
    printf '{"Name":"ctxb","Metadata":{},"Endpoints":{"docker":{"Host":"unix://%s"}}}' "$SOCK_B" \
        > "$cfg/contexts/meta/$sum/meta.json"
    cat > "$D/berth.ini" <<INI
[project]
name = $P
engine = engine_b
[engine_b]
recipe = engine
context = ctxb
[box]
recipe = container
image = berth-busybox
command = sleep 300
INI
    DOCKER_CONFIG=$cfg run berth -C "$D" up
    [ "$status" -eq 0 ]
    has_container "$SOCK_B" "$P-box-main"
    DOCKER_CONFIG=$cfg run berth -C "$D" down
    [ "$status" -eq 0 ]
    ! has_container "$SOCK_B" "$P-box-main"
    rm -rf "$cfg"
}

@test "a private = true engine part: up starts it, down leaves it running, engine stop stops it" {
    priv=$(mktemp -d /tmp/bep.XXXXXX)
    cat > "$D/berth.ini" <<INI
[project]
name = $P
engine = mine
[mine]
recipe = engine
private = true
dir = $priv
[box]
recipe = container
image = berth-busybox
command = sleep 300
INI
    run berth engine status --dir "$priv"
    [ "$status" -eq 1 ]
    # the image must be there for the container: the engine starts, then the
    # image is imported into it, then up runs again
    run berth -C "$D" up
    [[ "$output" != *"is not a usable engine address"* ]]
    run berth engine status --dir "$priv"
    [ "$status" -eq 0 ]
    [[ "$output" == *running* ]]
    DOCKER_HOST=unix://$priv/docker.sock busybox_image berth-busybox
    run berth -C "$D" up
    [ "$status" -eq 0 ]
    has_container "$priv/docker.sock" "$P-box-main"
    run berth -C "$D" down
    [ "$status" -eq 0 ]
    ! has_container "$priv/docker.sock" "$P-box-main"
    run berth engine status --dir "$priv"
    [ "$status" -eq 0 ]
    run berth engine stop --purge --dir "$priv"
    [ "$status" -eq 0 ]
    run berth engine status --dir "$priv"
    [ "$status" -eq 1 ]
    rm -rf "$priv"
}

@test "an engine part that does not answer fails with an error naming the part" {
    cat > "$D/berth.ini" <<INI
[project]
name = $P
engine = gone
[gone]
recipe = engine
url = unix:///tmp/nonexistent-$$/docker.sock
[box]
recipe = container
image = berth-busybox
INI
    run berth -C "$D" up
    [ "$status" -eq 4 ]
    [[ "$output" == *"engine part 'gone' ($D/berth.ini:4)"* ]]
}

@test "parts on two engines in one run: up, plan, ps and down act on each part's own engine" {
    cat > "$D/berth.ini" <<INI
[project]
name = $P
[engine_b]
recipe = engine
url = unix://$SOCK_B
[a]
recipe = container
image = berth-busybox
command = sleep 300
[b]
recipe = container
image = berth-busybox
command = sleep 300
engine = engine_b
INI
    # plan groups the changes by engine
    run berth -C "$D" plan
    [ "$status" -eq 0 ]
    [[ "$output" == *"changes on engine engine_b ("*"create    b:main"* ]]
    [[ "$output" == *"changes on engine unix://$SOCK_A ("*"create    a:main"* ]]
    run berth -C "$D" up
    [ "$status" -eq 0 ]
    has_container "$SOCK_A" "$P-a-main"
    ! has_container "$SOCK_B" "$P-a-main"
    has_container "$SOCK_B" "$P-b-main"
    ! has_container "$SOCK_A" "$P-b-main"
    run berth -C "$D" ps
    [ "$status" -eq 0 ]
    [[ "$output" == *"a     main      standard  running"*"unix://$SOCK_A"* ]]
    [[ "$output" == *"b     main      standard  running"*"engine_b"* ]]
    run berth -C "$D" up
    [ "$status" -eq 0 ]
    [[ "$output" == *"0 change(s)"* ]]
    # one engine's parts as targets
    run berth -C "$D" stop b
    [ "$status" -eq 0 ]
    run berth -C "$D" ps -a b
    [[ "$output" == *"b     main      standard  exited"*"engine_b"* ]]
    run berth -C "$D" down
    [ "$status" -eq 0 ]
    ! has_container "$SOCK_A" "$P-a-main"
    ! has_container "$SOCK_B" "$P-b-main"
}
