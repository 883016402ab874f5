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
    # something answered, wrongly: an engine error (5), as for a missing
    # Api-Version, not "unreachable" (issue 13: plan then showed the order
    # and exited 0)
    [ "$status" -eq 5 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == *"what answers at unix://$FAKE_SOCK is not a Docker engine"* ]]
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

# ---- issue 13.6: each error names its real cause ----

# clean: no terminal control byte anywhere in $output but its line ends
# (ESC, BEL, NUL, the C1 CSI 0x9b...).
clean() {
    ! printf '%s' "$output" | LC_ALL=C tr -d '\n' | LC_ALL=C grep -q $'[\x01-\x1f\x7f\x9b]'
}

@test "an engine message with escape sequences and 10 MB of text: stripped and capped" {
    start_fake_engine escapes
    DOCKER_HOST=unix://$FAKE_SOCK run berth info
    [ "$status" -eq 5 ]
    [ "${#lines[@]}" -eq 1 ]
    clean
    [[ "$output" == *"boom"* ]]
    [ "${#output}" -lt 2000 ]
    [[ "$output" == *"more bytes not shown)"* ]]
    [[ "$output" != *TAIL* ]]
}

@test "an engine error body that is not JSON, with escape sequences: stripped" {
    start_fake_engine rawescapes
    DOCKER_HOST=unix://$FAKE_SOCK run berth info
    [ "$status" -eq 5 ]
    [ "${#lines[@]}" -eq 1 ]
    clean
    [[ "$output" == *"not json"* ]]
}

@test "an engine error with no message: the status and its meaning, not 'no message'" {
    start_fake_engine nomessage
    DOCKER_HOST=unix://$FAKE_SOCK run berth info
    [ "$status" -eq 5 ]
    [[ "$output" == *"HTTP 500 (Internal Server Error) with an empty body"* ]]
    [[ "$output" != *"no message"* ]]
}

@test "a stale socket (an engine killed left its file): connection refused, not 'localhost port 80'" {
    sock=$(mktemp -u /tmp/bstale.XXXXXX).sock
    python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$sock"
    DOCKER_HOST=unix://$sock run berth info
    rm -f "$sock"
    [ "$status" -eq 4 ]
    [[ "$output" == *"unix://$sock"* ]]
    [[ "$output" == *"nothing listens on that socket"* ]]
    [[ "$output" != *"localhost port 80"* ]]
}

@test "out of file descriptors: says so, not 'localhost port 80'" {
    dir=$(mktemp -d /tmp/btf.XXXXXX)
    printf '[v]\nrecipe = volume\n' > "$dir/berth.ini"
    start_fake_engine notjson
    # only 0, 1 and 2 open (bats holds more), and room for one more: the
    # dynamic loader opens the libraries one at a time; then whichever of
    # up's lock file or the engine's socket cannot open says why
    run bash -c 'for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done
                 ulimit -n 4; DOCKER_HOST=unix://$1 exec "$2" -C "$3" up' _ "$FAKE_SOCK" "$BERTH" "$dir"
    rm -rf "$dir"
    [ "$status" -eq 1 ]
    [[ "${output,,}" == *"too many open files"* ]]
    [[ "$output" != *"localhost port 80"* ]]
}

@test "a global option without its value: 'needs a value', not 'unknown option'" {
    for o in -C -f -p -s --engine --progress --parallel --set; do
        run berth "$o"
        [ "$status" -eq 2 ]
        [ "$output" = "berth: option '$o' needs a value (see 'berth --help')" ]
    done
}

@test "a user name and password in a tcp:// address: named, not 'port must be a number'" {
    DOCKER_HOST=tcp://u:p@h:1 run berth info
    [ "$status" -eq 4 ]
    [[ "$output" == *"'tcp://u:p@h:1' is not a usable engine address: berth takes no user name or password in the address"* ]]
    [[ "$output" != *"port must be a number"* ]]
}

@test "berth.ini a symbolic link loop: named, not 'no project here'" {
    dir=$(mktemp -d /tmp/btf.XXXXXX)
    ln -s "$dir/berth.ini" "$dir/berth.ini"
    run berth -C "$dir" config
    rm -rf "$dir"
    [ "$status" -eq 3 ]
    [[ "$output" == *"berth.ini"*"symbolic link"* ]]
    [[ "$output" != *"no project here"* ]]
}

@test "plan against an engine answering garbage: fails, naming it (no order-only exit 0)" {
    dir=$(mktemp -d /tmp/btf.XXXXXX)
    printf '[v]\nrecipe = volume\n' > "$dir/berth.ini"
    start_fake_engine garbage
    DOCKER_HOST=unix://$FAKE_SOCK run berth -C "$dir" plan
    [ "$status" -eq 5 ]
    [[ "$output" == *"not a Docker engine: its answer is not HTTP"* ]]
    # and with no engine at all, plan still shows the order
    DOCKER_HOST=unix://$dir/none.sock run berth -C "$dir" plan
    rm -rf "$dir"
    [ "$status" -eq 0 ]
    [[ "$output" == *"order only"* ]]
}

@test "an engine restarted at the same socket path is asked its version again, not taken for the one before" {
    export XDG_CACHE_HOME=$(mktemp -d /tmp/bcache.XXXXXX)
    start_fake_engine notjson
    sock=$FAKE_SOCK
    # the first engine answers /_ping with API 1.41: remembered for its socket
    DOCKER_HOST=unix://$sock run berth info
    [ "$status" -eq 5 ]
    grep -q " 1.41 - $sock\$" "$XDG_CACHE_HOME/berth/engine-api"
    # another engine at the same path, whose /_ping has no Api-Version
    kill "$FAKE_PID"; wait "$FAKE_PID" 2>/dev/null || true
    rm -f "$sock"
    python3 "$E2E_DIR/fake_engine.py" "$sock" noversion > "$sock.log" 2>&1 &
    FAKE_PID=$!
    for i in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
    DOCKER_HOST=unix://$sock run berth info
    rm -rf "$XDG_CACHE_HOME"
    [ "$status" -eq 5 ]
    [[ "$output" == *"without an Api-Version header"* ]]
}

@test "plan, an engine killed after it answered once (its socket left, its version remembered): the order only, exit 0" {
    dir=$(mktemp -d /tmp/btf.XXXXXX)
    printf '[v]\nrecipe = volume\n' > "$dir/berth.ini"
    export XDG_CACHE_HOME=$dir/cache
    mkdir -p "$XDG_CACHE_HOME/berth"
    sock=$dir/d.sock
    python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$sock"
    # what berth remembers of the engine that answered on this socket before
    python3 -c 'import os, sys; s = os.stat(sys.argv[1])
print(s.st_dev, s.st_ino, s.st_ctime_ns // 10**9, s.st_ctime_ns % 10**9, "1.41 -", sys.argv[1])' \
        "$sock" > "$XDG_CACHE_HOME/berth/engine-api"
    DOCKER_HOST=unix://$sock run berth -C "$dir" plan
    rm -rf "$dir"
    [ "$status" -eq 0 ]
    [[ "$output" == *"stage 1:"* ]]
    [[ "$output" == *"(order only: cannot reach the engine"*"nothing listens on that socket"* ]]
}
