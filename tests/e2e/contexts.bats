#!/usr/bin/env bats
# docker contexts, written the way the docker CLI writes them (a meta.json
# under contexts/meta/<sha256 of the name>/), select the engine berth talks
# to: --context, DOCKER_CONTEXT, currentContext in config.json — and
# DOCKER_HOST beats the latter two, as it does for the docker CLI.
load helpers

setup() {
    CFG=$(mktemp -d /tmp/bctx.XXXXXX)
    export DOCKER_CONFIG=$CFG
    ENGINE_SOCK=${DOCKER_HOST#unix://}
}

teardown() { rm -rf "$CFG"; }

# make_context NAME HOST: as `docker context create NAME --docker host=HOST`.
make_context() {
    local sum
    sum=$(printf '%s' "$1" | sha256sum | cut -c1-64)
    mkdir -p "$CFG/contexts/meta/$sum"
    printf '{"Name":"%s","Metadata":{"Description":"made by a test"},"Endpoints":{"docker":{"Host":"%s","SkipTLSVerify":false}}}' \
        "$1" "$2" > "$CFG/contexts/meta/$sum/meta.json"
}

@test "--context NAME talks to that context's engine, and info says which context" {
    make_context work "unix://$ENGINE_SOCK"
    run env -u DOCKER_HOST "$BERTH" --context work info
    [ "$status" -eq 0 ]
    [[ "$output" == *"context:        work (from --context)"* ]]
    [[ "$output" == *"address:        unix://$ENGINE_SOCK"* ]]
    [[ "$output" == *"engine:         Docker"* ]]
    run env -u DOCKER_HOST "$BERTH" --context work info --format json
    [ "$status" -eq 0 ]
    [[ "$output" == *"\"context\": \"work\""* ]]
}

@test "--context beats DOCKER_HOST" {
    make_context work "unix://$ENGINE_SOCK"
    DOCKER_HOST=unix:///nonexistent/docker.sock run berth --context work info
    [ "$status" -eq 0 ]
    [[ "$output" == *"address:        unix://$ENGINE_SOCK"* ]]
}

@test "DOCKER_CONTEXT selects the context when DOCKER_HOST is unset" {
    make_context work "unix://$ENGINE_SOCK"
    run env -u DOCKER_HOST DOCKER_CONTEXT=work "$BERTH" info
    [ "$status" -eq 0 ]
    [[ "$output" == *"context:        work (from DOCKER_CONTEXT)"* ]]
    [[ "$output" == *"address:        unix://$ENGINE_SOCK"* ]]
}

@test "currentContext in config.json is used; DOCKER_CONTEXT and DOCKER_HOST beat it" {
    make_context work "unix://$ENGINE_SOCK"
    make_context gone "unix:///nonexistent/docker.sock"
    printf '{"auths":{},"currentContext":"work"}' > "$CFG/config.json"
    run env -u DOCKER_HOST "$BERTH" info
    [ "$status" -eq 0 ]
    [[ "$output" == *"context:        work (from currentContext in $CFG/config.json)"* ]]
    # DOCKER_CONTEXT beats the configured one
    run env -u DOCKER_HOST DOCKER_CONTEXT=gone "$BERTH" info
    [ "$status" -eq 4 ]
    [[ "$output" == *"no engine at unix:///nonexistent/docker.sock (from docker context 'gone' (from DOCKER_CONTEXT))"* ]]
    # DOCKER_HOST beats both
    printf '{"currentContext":"gone"}' > "$CFG/config.json"
    run berth info
    [ "$status" -eq 0 ]
    [[ "$output" == *"context:        none"* ]]
    [[ "$output" == *"address:        $DOCKER_HOST"* ]]
}

@test "the context 'default' is the default address" {
    run env -u DOCKER_HOST "$BERTH" --context default info --format json
    # whatever runs at /var/run/docker.sock, berth names that address
    [[ "$output" == *"unix:///var/run/docker.sock"* ]]
}

@test "a project command acts on the context's engine" {
    make_context work "unix://$ENGINE_SOCK"
    busybox_image berth-busybox
    p=$(test_project)
    d=$(mktemp -d)
    cat > "$d/berth.ini" <<INI
[project]
name = $p
[box]
recipe = container
image = berth-busybox
command = sleep 300
INI
    run env -u DOCKER_HOST "$BERTH" --context work -C "$d" up
    [ "$status" -eq 0 ]
    run curl -sf --unix-socket "$ENGINE_SOCK" "http://e/containers/$p-box-main/json"
    [ "$status" -eq 0 ]
    # ps names the engine (no engine part: its address)
    run env -u DOCKER_HOST "$BERTH" --context work -C "$d" ps
    [[ "${lines[1]}" == "box "*"unix://$ENGINE_SOCK  Up "* ]]
    run env -u DOCKER_HOST DOCKER_CONTEXT=work "$BERTH" -C "$d" down
    [ "$status" -eq 0 ]
    run curl -sf --unix-socket "$ENGINE_SOCK" "http://e/containers/$p-box-main/json"
    [ "$status" -ne 0 ]
    rm -rf "$d"
}

@test "a context that does not exist, or --context with --engine, is a clear error" {
    run env -u DOCKER_HOST "$BERTH" --context nowhere info
    [ "$status" -eq 4 ]
    [[ "$output" == *"docker context 'nowhere' does not exist"* ]]
    [[ "$output" == *"/contexts/meta/"*"/meta.json"* ]]
    run berth --context nowhere --engine "$DOCKER_HOST" info
    [ "$status" -eq 2 ]
    [[ "$output" == *"--engine and --context both name the engine"* ]]
}
