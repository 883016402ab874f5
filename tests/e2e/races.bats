#!/usr/bin/env bats
# Another client racing berth on the same project (issue 13): containers
# started or stopped between berth's look and its act, and two berth
# processes at once. The races are real: tests/e2e/race_proxy.py passes
# berth's requests to the real engine, doing the same start/stop itself
# first, so the engine answers berth's request with its own 304.
load helpers
load project_helpers

# start_race ACTION: a racing proxy in front of the engine; sets RACE_HOST.
start_race() {
    RACE_SOCK=$(mktemp -u /tmp/brace.XXXXXX).sock
    python3 "$E2E_DIR/race_proxy.py" "$RACE_SOCK" "$SOCK" "$1" 2>"$RACE_SOCK.err" &
    RACE_PID=$!
    local i
    for i in $(seq 100); do
        [ -S "$RACE_SOCK" ] && break
        sleep 0.05
    done
    RACE_HOST=unix://$RACE_SOCK
}

stop_race() {
    if [ -n "${RACE_PID:-}" ]; then
        kill "$RACE_PID" 2>/dev/null || true
        wait "$RACE_PID" 2>/dev/null || true
    fi
    rm -f "${RACE_SOCK:-}" "${RACE_SOCK:-}.log" "${RACE_SOCK:-}.err"
    RACE_PID=
    return 0
}

teardown() {
    stop_race
    berth -C "$DIR" -p "$P" down --volumes --yes --rmi >/dev/null 2>&1 || true
    local kind id
    for kind in containers networks volumes images; do
        for id in $(leftovers "$kind"); do
            case $kind in
            containers) api -X DELETE "http://e/containers/$id?force=1" ;;
            images) api -X DELETE "http://e/images/$id?force=1" ;;
            *) api -X DELETE "http://e/$kind/$id" ;;
            esac
        done
    done
    rm -rf "$DIR"
}

two_containers() {
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[web]
recipe = container
image = $IMG
command = $QUICK
stop-timeout = 1s
instances = one two
EOF
}

@test "stop: a container that stopped meanwhile (engine answers 304) is stopped, not a failure" {
    two_containers
    berth -C "$DIR" --progress quiet up
    start_race stop
    run berth -C "$DIR" --engine "$RACE_HOST" --progress plain stop
    [ "$status" -eq 0 ]
    no_sanitizer
    grep -q "raced stop" "$RACE_SOCK.log"  # the race did happen
    [ "$(ours)" = "$P-web-one exited
$P-web-two exited" ]
}

@test "down: a container that stopped meanwhile is removed, and so is the network" {
    two_containers
    berth -C "$DIR" --progress quiet up
    start_race stop
    run berth -C "$DIR" --engine "$RACE_HOST" --progress plain down --yes
    [ "$status" -eq 0 ]
    no_sanitizer
    grep -q "raced stop" "$RACE_SOCK.log"
    [ -z "$(ours)" ]
    absent "networks/$P-default"
    # and the next up works
    stop_race
    run berth -C "$DIR" --progress quiet up
    [ "$status" -eq 0 ]
}

@test "up: a stopped container started meanwhile (engine answers 304) is up to date, not a failure" {
    two_containers
    berth -C "$DIR" --progress quiet up
    berth -C "$DIR" --progress quiet stop
    start_race start
    run berth -C "$DIR" --engine "$RACE_HOST" --progress plain up
    [ "$status" -eq 0 ]
    no_sanitizer
    grep -q "raced start" "$RACE_SOCK.log"
    [ "$(ours)" = "$P-web-one running
$P-web-two running" ]
}

@test "start: a container started meanwhile is started, not a failure" {
    two_containers
    berth -C "$DIR" --progress quiet up
    berth -C "$DIR" --progress quiet stop
    start_race start
    run berth -C "$DIR" --engine "$RACE_HOST" --progress plain start
    [ "$status" -eq 0 ]
    no_sanitizer
    [ "$(ours)" = "$P-web-one running
$P-web-two running" ]
}
