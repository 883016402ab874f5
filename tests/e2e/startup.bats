#!/usr/bin/env bats
# Around a container's start: readiness (healthcheck, ready command) that
# dependents and `up --wait` wait for, with the last log lines of a failed
# one; layout and script; a master instance's links to containers outside
# the project; down waiting until everything is gone.
load helpers
load project_helpers

# A container that becomes ready (/tmp/ready) two seconds after it starts.
SLOW='["sh", "-c", "echo booting; sleep 2; touch /tmp/ready; trap \"exit 0\" TERM; sleep 1000 & wait"]'

@test "a dependent starts only once its dependency's ready command succeeds" {
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[db]
recipe = container
image = $IMG
command = $SLOW
ready = test -f /tmp/ready

[web]
recipe = container
image = $IMG
depends = db
command = $QUICK
EOF
    run berth -C "$DIR" --progress plain up
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"db:main"*"waiting"* ]]
    # web was created after db had made its file: db was ready first.
    ready_at=$(xc "$P-db-main" stat -c %Y /tmp/ready)
    created=$(ins "containers/$P-web-main" '.Created | sub("\\.[0-9]+Z$"; "Z") | fromdate')
    echo "ready $ready_at, web created $created"
    [ "$created" -ge "$ready_at" ]
}

@test "up --wait returns once the healthcheck says healthy; a second up --wait changes nothing" {
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[api]
recipe = container
image = $IMG
command = $SLOW
healthcheck = test -f /tmp/ready
healthcheck-interval = 1s
EOF
    run berth -C "$DIR" up --wait
    [ "$status" -eq 0 ]
    [ "$(ins "containers/$P-api-main" .State.Health.Status)" = healthy ]
    id=$(cid "$P-api-main")
    run berth -C "$DIR" up --wait
    [ "$status" -eq 0 ]
    [[ "$output" == *"0 change(s)"* ]]
    [ "$(cid "$P-api-main")" = "$id" ]
}

@test "a container never ready: exit 6 within --wait-timeout, its last log lines shown, removed" {
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[never]
recipe = container
image = $IMG
command = sh -c 'echo never-ready-marker; exec sleep 1000'
ready = false
stop-timeout = 1s
EOF
    SECONDS=0
    run berth -C "$DIR" up --wait-timeout 3s
    echo "$output"
    [ "$status" -eq 6 ]
    [ "$SECONDS" -lt 20 ]
    [[ "$output" == *"never:main"*"not ready within 3.0 s"* ]]
    [[ "$output" == *"| never-ready-marker"* ]]
    absent "containers/$P-never-main"
}

@test "unhealthy and stopped containers fail early with their output; --keep-failed leaves them" {
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[sick]
recipe = container
image = $IMG
command = sh -c 'echo sick-marker; exec sleep 1000'
healthcheck = sh -c 'echo probe-said-no; exit 1'
healthcheck-interval = 1s
stop-timeout = 1s

[dies]
recipe = container
image = $IMG
command = sh -c 'echo dying-marker >&2; sleep 1; exit 3'
ready = false
EOF
    SECONDS=0
    run berth -C "$DIR" up --wait --keep-failed
    echo "$output"
    [ "$status" -eq 1 ]
    [ "$SECONDS" -lt 40 ] # well before the 60 s ready-timeout
    [[ "$output" == *"sick:main"*"the container is unhealthy (last probe: probe-said-no)"* ]]
    [[ "$output" == *"| sick-marker"* ]]
    [[ "$output" == *"dies:main"*"the container stopped (exit code 3)"* ]]
    [[ "$output" == *"| dying-marker"* ]]
    [ "$(state "$P-sick-main")" = running ]
    [ "$(state "$P-dies-main")" = exited ]
}

@test "a container that stops just as its ready command is run: the error is its stop and exit code" {
    # The first exec is held 3 s on its way (as a loaded machine held it in a
    # CI run), and the container exits 1 s after its start: the engine
    # refuses the exec (409, not running). berth said "ready command: engine
    # said (HTTP 409)"; what happened is that the container stopped.
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[dies]
recipe = container
image = $IMG
command = sh -c 'echo dying-marker >&2; sleep 1; exit 3'
ready = false
EOF
    T=$(mktemp -d /tmp/btap.XXXXXX)
    HOLD_EXEC=3 python3 "$E2E_DIR/tap_proxy.py" "$T/s.sock" "${DOCKER_HOST#unix://}" "$T/log" >/dev/null 2>&1 3>&- &
    tap=$!
    for _ in $(seq 100); do [ -S "$T/s.sock" ] && break; sleep 0.1; done
    DOCKER_HOST=unix://$T/s.sock run berth -C "$DIR" --progress plain up --wait
    kill "$tap"
    wait "$tap" || true
    rm -rf "$T"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"dies:main"*"the container stopped (exit code 3)"* ]]
    [[ "$output" != *"HTTP 409"* ]]
}

@test "layout is copied in with its owner, the script runs after start; both apply again only when changed" {
    mkdir -p "$DIR/lay/etc/app"
    echo first > "$DIR/lay/etc/app/conf"
    chmod 640 "$DIR/lay/etc/app/conf"
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[web]
recipe = container
image = $IMG
command = $QUICK
layout = lay
layout-uid = 1234
layout-gid = 55
script = cat /etc/app/conf > /tmp/seen; echo script-ran-marker; date +%s%N >> /tmp/runs
EOF
    run berth -C "$DIR" --progress plain up
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"web:main | script-ran-marker"* ]]
    [ "$(xc "$P-web-main" stat -c '%u:%g %a' /etc/app/conf)" = "1234:55 640" ]
    [ "$(xc "$P-web-main" cat /tmp/seen)" = first ]
    id=$(cid "$P-web-main")
    # Unchanged: no recreate, the script does not run again.
    run berth -C "$DIR" up
    [ "$status" -eq 0 ]
    [ "$(cid "$P-web-main")" = "$id" ]
    [ "$(xc "$P-web-main" sh -c 'wc -l < /tmp/runs')" -eq 1 ]
    # The layout changed: plan says so, up makes the container anew with it.
    echo second > "$DIR/lay/etc/app/conf"
    run berth -C "$DIR" plan
    [[ "$output" == *"recreate  web:main"*"changed: layout"* ]]
    run berth -C "$DIR" up
    [ "$status" -eq 0 ]
    [ "$(cid "$P-web-main")" != "$id" ]
    [ "$(xc "$P-web-main" cat /tmp/seen)" = second ]
}

@test "a failing script fails up with its output and leaves no container" {
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[web]
recipe = container
image = $IMG
command = $QUICK
script = echo script-marker; echo oops >&2; exit 4
EOF
    run berth -C "$DIR" up
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"web:main: script: the script exited with 4"* ]]
    [[ "$output" == *"| script-marker"* ]]
    [[ "$output" == *"| oops"* ]]
    absent "containers/$P-web-main"
}

@test "a master instance takes a link's address from the environment or its hosts-file, and leaves the linked part alone" {
    printf '# addresses outside\n10.7.7.7  database db.example\n' > "$DIR/hosts"
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[db]
recipe = container
image = $IMG
command = $QUICK

[web]
recipe = container
image = $IMG
instances = one master
links = db database
hosts-file = hosts
command = $QUICK
EOF
    run berth -C "$DIR" up web:master
    [ "$status" -eq 0 ]
    absent "containers/$P-db-main"
    [ "$(envof "$P-web-master" DATABASE_CONTAINER_IP)" = 10.7.7.7 ]
    [[ "$(xc "$P-web-master" cat /etc/hosts)" == *"10.7.7.7"*"database"* ]]
    # The environment beats the file; the address is part of the desired state.
    DATABASE_CONTAINER_IP=10.1.2.3 run berth -C "$DIR" up web:master
    [ "$status" -eq 0 ]
    [ "$(envof "$P-web-master" DATABASE_CONTAINER_IP)" = 10.1.2.3 ]
    DATABASE_CONTAINER_IP=not-an-ip run berth -C "$DIR" up web:master
    [ "$status" -eq 2 ]
    [[ "$output" == *"DATABASE_CONTAINER_IP in the environment: link 'database': 'not-an-ip' is not an IP"* ]]
    absent "containers/$P-db-main" # not brought up for a link that fails anyway
    # A standard instance links to the project's own db.
    run berth -C "$DIR" up web:one
    [ "$status" -eq 0 ]
    [ "$(envof "$P-web-one" DATABASE_CONTAINER_IP)" = "$(ip_of "$P-db-main")" ]
}

@test "down returns once every object is gone from the engine" {
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[a]
recipe = container
image = $IMG
instances = one two three
command = $QUICK
EOF
    run berth -C "$DIR" up
    [ "$status" -eq 0 ]
    run berth -C "$DIR" down --wait-timeout 20s
    [ "$status" -eq 0 ]
    [ -z "$(ours)" ]
    absent "networks/$P-default"
    run berth -C "$DIR" down --wait-timeout 0
    [ "$status" -eq 2 ]
}
