#!/usr/bin/env bats
# Bad addresses and misbehaving engines: one clear line, a documented exit
# code, no crash and no hang. The binary under test may be the ASan build,
# which turns any leak or memory error into a failing exit code.
load helpers

teardown() { stop_fake_engine; }

@test "DOCKER_HOST pointing at nothing: exit 4, names the address and the fix" {
    DOCKER_HOST=unix:///nonexistent/docker.sock run berth info
    [ "$status" -eq 4 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == *"unix:///nonexistent/docker.sock"* ]]
    [[ "$output" == *"berth engine start"* ]]
}

@test "DOCKER_HOST pointing at a file that is not a socket: exit 4" {
    DOCKER_HOST=unix:///etc/hostname run berth info
    [ "$status" -eq 4 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == *"not a unix socket"* ]]
}

@test "malformed DOCKER_HOST values: exit 4 with the accepted forms" {
    for h in "foo://bar" "tcp://" "tcp://host:99999" "tcp://host:abc" "relative/path" \
             "unix://relative" "ssh://user@host"; do
        DOCKER_HOST=$h run berth info
        [ "$status" -eq 4 ]
        [ "${#lines[@]}" -eq 1 ]
        [[ "$output" == *"'$h' is not a usable engine address"* ]]
        [[ "$output" == *"unix:///path/to/docker.sock or tcp://host:port"* ]]
    done
}

@test "a TCP address where nothing listens: exit 4" {
    DOCKER_HOST=tcp://127.0.0.1:1 run berth info
    [ "$status" -eq 4 ]
    [[ "$output" == *"cannot reach the engine at tcp://127.0.0.1:1"* ]]
}

@test "a socket that answers garbage: a clear error, not a crash" {
    start_fake_engine garbage
    DOCKER_HOST=unix://$FAKE_SOCK run berth info
    [ "$status" -eq 4 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == *"unix://$FAKE_SOCK"* ]]
}

@test "an engine that never answers: the timeout applies" {
    start_fake_engine hang
    SECONDS=0
    DOCKER_HOST=unix://$FAKE_SOCK BERTH_ENGINE_TIMEOUT=1 run berth info
    [ "$status" -eq 6 ]
    [[ "$output" == *"did not answer in time"* ]]
    [ "$SECONDS" -lt 10 ]
}

@test "a response larger than the cap: a clear error" {
    start_fake_engine huge
    DOCKER_HOST=unix://$FAKE_SOCK run berth info
    [ "$status" -eq 5 ]
    [[ "$output" == *"sent more than the 64 MiB this request allows"* ]]
}

@test "an answer that is not JSON: a clear error" {
    start_fake_engine notjson
    DOCKER_HOST=unix://$FAKE_SOCK run berth info
    [ "$status" -eq 5 ]
    [[ "$output" == *"answer is not JSON"* ]]
}

@test "JSON of the wrong shape: a clear error" {
    start_fake_engine wrongshape
    DOCKER_HOST=unix://$FAKE_SOCK run berth info
    [ "$status" -eq 5 ]
    [[ "$output" == *"not an object"* ]]
}

@test "an answer cut off mid-body: a clear error" {
    start_fake_engine cutoff
    DOCKER_HOST=unix://$FAKE_SOCK run berth info
    [ "$status" -eq 4 ]
    [[ "$output" == *"lost the engine at unix://$FAKE_SOCK"* ]]
}

@test "something that is not a Docker engine (no Api-Version): a clear error" {
    start_fake_engine noversion
    DOCKER_HOST=unix://$FAKE_SOCK run berth info
    [ "$status" -eq 5 ]
    [[ "$output" == *"without an Api-Version header"* ]]
}

@test "the engine stopped in the middle of a session: a clear error, not a hang" {
    dir=$(mktemp -d /tmp/bte.XXXXXX)
    berth engine start --dir "$dir" --name "f$$" >/dev/null
    DOCKER_HOST=unix://$dir/docker.sock run berth info
    [ "$status" -eq 0 ]
    # dockerd dies hard: its socket file stays behind, nothing answers it
    kill -9 "$(cat "$dir/dockerd.pid")"
    sleep 0.5
    SECONDS=0
    DOCKER_HOST=unix://$dir/docker.sock BERTH_ENGINE_TIMEOUT=5 run berth info
    [ "$status" -eq 4 ]
    [[ "$output" == *"unix://$dir/docker.sock"* ]]
    [ "$SECONDS" -lt 10 ]
    berth engine stop --dir "$dir"
    if pgrep -f -- "$dir/" >/dev/null; then false; fi  # must fail
    rm -rf "$dir"
}
