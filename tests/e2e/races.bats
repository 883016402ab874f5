#!/usr/bin/env bats
# Another client racing berth on the same project (issue 13): containers
# started or stopped between berth's look and its act, and two berth
# processes at once. The races are real: tests/e2e/race_proxy.py passes
# berth's requests to the real engine, doing the same start/stop itself
# first, so the engine answers berth's request with its own 304.
load helpers
load project_helpers
load race_helpers

teardown() {
    race_teardown
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

# A project whose up takes a few seconds from a cold start: a bootstrap
# (work container, import, commit, temporary tag) and a container on it.
slow_project() {
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[base]
recipe = bootstrap
files =
    /bin/busybox /bin/busybox
    /bin/busybox /bin/sh
script = /bin/busybox --install -s /bin && sleep 3

[web]
recipe = container
image = $P/base
command = $QUICK
stop-timeout = 1s
EOF
}

networks_named() {
    api "http://e/networks" | jq --arg n "$P-default" '[.[] | select(.Name == $n)] | length'
}

# wait_lock_held PID: until the project's lock file names PID.
wait_lock_held() {
    local i
    for i in $(seq 200); do
        [ "$(cat "$DIR/.berth/lock" 2>/dev/null)" = "$1" ] && return 0
        sleep 0.05
    done
    return 1
}

@test "two ups at once: the second is refused, naming the first's pid; one network" {
    slow_project
    "$BERTH" -C "$DIR" --progress quiet up > "$DIR/first.out" 2>&1 &
    first=$!
    wait_lock_held "$first"
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 1 ]
    [ "$output" = "berth: another berth is converging this project (pid $first); wait for it with --wait-lock" ]
    wait "$first"
    [ "$(networks_named)" -eq 1 ]
    [ "$(ours)" = "$P-web-main running" ]
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    [[ "$output" == *"0 change(s)"* ]]
}

@test "up --wait-lock waits for the other up, then finds everything up to date" {
    slow_project
    "$BERTH" -C "$DIR" --progress quiet up > "$DIR/first.out" 2>&1 &
    first=$!
    wait_lock_held "$first"
    run berth -C "$DIR" --progress plain up --wait-lock
    [ "$status" -eq 0 ]
    [[ "$output" == *"waiting for pid $first, which is converging this project"* ]]
    [[ "$output" == *"0 change(s)"* ]]
    wait "$first"
    [ "$(networks_named)" -eq 1 ]
}

@test "two ups started together from a cold start: one brings the project up, the other is refused" {
    slow_project
    "$BERTH" -C "$DIR" --progress quiet up > "$DIR/a.out" 2>&1 &
    a=$!
    "$BERTH" -C "$DIR" --progress quiet up > "$DIR/b.out" 2>&1 &
    b=$!
    ra=0 rb=0
    wait "$a" || ra=$?
    wait "$b" || rb=$?
    # (before the lock, both failed: each removed the other's bootstrap
    # work container or temporary tag)
    [ $((ra + rb)) -eq 1 ]
    grep -q "another berth is converging this project (pid $a)" "$DIR/b.out" ||
        grep -q "another berth is converging this project (pid $b)" "$DIR/a.out"
    [ "$(networks_named)" -eq 1 ]
    [ "$(ours)" = "$P-web-main running" ]
    # no work container left behind
    [ -z "$(api 'http://e/containers/json?all=1' | jq -r --arg p "$P" '.[].Names[0] | select(contains($p) and (endswith("-main") | not))')" ]
}

@test "down while up runs: refused with the pid; down --wait-lock waits and removes everything" {
    slow_project
    "$BERTH" -C "$DIR" --progress quiet up > "$DIR/first.out" 2>&1 &
    first=$!
    wait_lock_held "$first"
    run berth -C "$DIR" down
    [ "$status" -eq 1 ]
    [[ "$output" == *"another berth is converging this project (pid $first)"* ]]
    run berth -C "$DIR" --progress plain down --wait-lock
    [ "$status" -eq 0 ]
    wait "$first"
    [ -z "$(ours)" ]
    absent "networks/$P-default"
}

@test "down -p NAME run from a folder that is no project leaves no .berth there" {
    two_containers
    berth -C "$DIR" --progress quiet up
    other=$(mktemp -d /tmp/btn.XXXXXX)
    run berth -C "$other" -p "$P" --progress plain down
    [ "$status" -eq 0 ]
    [ ! -e "$other/.berth" ]
    rm -rf "$other"
    [ -z "$(ours)" ]
}
