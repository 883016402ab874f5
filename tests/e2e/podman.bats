#!/usr/bin/env bats
# The demo on Podman (issue 12, point 16): Debian's podman (4.3) serves the
# Docker API; berth runs examples/platform against it through the real
# binary: up, a no-op up, plan, ps, exec, cp, logs and down. The API service
# is this file's own: a private socket, storage and network folder, started
# here and stopped by its pid. Skipped only when podman cannot be installed.
load helpers

setup_file() {
    if ! command -v podman >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y podman >/dev/null 2>&1 || true
    fi
    command -v podman >/dev/null || return 0
    # One Podman run at a time on this machine (the suite runs two builds
    # side by side): rootful Podman services share machine-wide state (their
    # shared-memory locks) even with storage of their own. Held until
    # teardown_file.
    exec 9>/tmp/berth-e2e-podman.lock
    flock -w 1200 9 || true
    export PODDIR=$(mktemp -d /tmp/bpod.XXXXXX)
    # crun and the default limits fail on these machines (GUIDE §6)
    cat > "$PODDIR/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PODDIR/events.log"
tmp_dir = "$PODDIR/tmp"
[network]
network_config_dir = "$PODDIR/net"
EOF
    mkdir -p "$PODDIR/net"
    # In a network namespace of its own: its bridges and firewall rules
    # (rootful netavark writes iptables NAT rules) never touch the host's,
    # and two runs never pick the same bridge. berth reaches it by its socket.
    CONTAINERS_CONF=$PODDIR/containers.conf unshare --net sh -c \
        'ip link set lo up && exec podman --root "$1/root" --runroot "$1/run" system service --time=0 "unix://$1/podman.sock"' \
        sh "$PODDIR" > "$PODDIR/log" 2>&1 9>&- &
    echo $! > "$PODDIR/pid"
    local i
    for i in $(seq 100); do
        curl -sf --unix-socket "$PODDIR/podman.sock" http://d/_ping >/dev/null && break
        sleep 0.1
    done
    # The demo's own name: its Dockerfile says FROM demo/base. This engine,
    # its storage and its networks are this file's alone.
    export PODP=demo
    export PODDEMO=$PODDIR/demo
    cp -r "$BATS_TEST_DIRNAME/../../examples/platform" "$PODDEMO"
    rm -rf "$PODDEMO/.berth"
}

teardown_file() {
    [ -n "${PODDIR:-}" ] || return 0
    DOCKER_HOST=unix://$PODDIR/podman.sock "$BERTH" -C "$PODDEMO" -p "$PODP" \
        down --volumes --yes --rmi >/dev/null 2>&1 || true
    local pid
    pid=$(cat "$PODDIR/pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do gone "$pid" && break; sleep 0.1; done
    # the overlay mounts of its storage, then the folder
    awk -v d="$PODDIR/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r |
        xargs -r -n1 umount 2>/dev/null || true
    rm -rf "$PODDIR" 2>/dev/null || true
    flock -u 9 2>/dev/null || true
    exec 9>&-
}

setup() {
    command -v podman >/dev/null || skip "podman cannot be installed here"
    export DOCKER_HOST=unix://$PODDIR/podman.sock
}

pb() { berth -C "$PODDEMO" -p "$PODP" "$@"; }

@test "podman: the engine is Podman 4.x" {
    run berth info --format json
    [ "$status" -eq 0 ]
    [ "$(jq -r .podman <<<"$output")" = true ]
    [[ "$(jq -r .engine_version <<<"$output")" == 4.* ]]
}

@test "podman: the demo comes up, a second up changes nothing, plan agrees, ps shows it" {
    run pb --progress plain up
    echo "# $output" | tail -5 >&3
    [ "$status" -eq 0 ]
    run pb --progress plain up
    [ "$status" -eq 0 ]
    [[ "$output" == *"$PODP: 0 change(s), 6 up to date"* ]]
    run pb plan
    [ "$status" -eq 0 ]
    [[ "$output" == *"nothing to do"* ]]
    run pb ps --format json
    [ "$status" -eq 0 ]
    [ "$(jq -r '[.[] | .part + ":" + .instance + " " + .state] | sort | join(",")' <<<"$output")" = \
        "store:master running,web:one running,web:published running" ]
    [[ "$(jq -r '.[] | select(.instance == "published") | .ports[]' <<<"$output")" == 127.0.0.1:*"->8080/tcp" ]]
    # the bootstrap's temporary image is gone, whatever name Podman gave it
    run curl -sf --unix-socket "$PODDIR/podman.sock" http://d/v1.41/images/json
    [[ "$output" != *"$PODP-bootstrap"* ]]
}

@test "podman: a restart of web recreates nobody" {
    run pb restart web
    [ "$status" -eq 0 ]
    run pb plan
    [[ "$output" == *"nothing to do"* ]]
}

@test "podman: exec, cp both ways, logs" {
    run pb exec web:one -- sh -c 'echo out; echo err >&2; exit 3'
    [ "$status" -eq 3 ]
    [[ "$output" == *out*err* ]]
    echo "from the host" > "$PODDIR/f.txt"
    run pb cp "$PODDIR/f.txt" web:one:/tmp/f.txt
    [ "$status" -eq 0 ]
    run pb exec web:one -- cat /tmp/f.txt
    [ "$output" = "from the host" ]
    run pb cp web:one:/tmp/f.txt store:master:/tmp/g.txt
    [ "$status" -eq 0 ]
    run pb cp store:master:/tmp/g.txt "$PODDIR/g.txt"
    [ "$status" -eq 0 ]
    [ "$(cat "$PODDIR/g.txt")" = "from the host" ]
    run pb exec web:one -- sh -c 'echo hello-from-podman > /proc/1/fd/1'
    [ "$status" -eq 0 ]
    run pb logs web:one
    [ "$status" -eq 0 ]
    [[ "$output" == *"web:one | hello-from-podman"* ]]
}

@test "podman: store reached web through the link, into its persistent data" {
    local i
    for i in $(seq 40); do
        [ -s "$PODDEMO/.berth/data/store/master/data/last-page.html" ] && break
        sleep 0.5
    done
    [ -s "$PODDEMO/.berth/data/store/master/data/last-page.html" ]
}

@test "podman: down removes it all" {
    run pb down --volumes --yes --rmi
    [ "$status" -eq 0 ]
    run curl -sf --unix-socket "$PODDIR/podman.sock" 'http://d/v1.41/containers/json?all=1'
    [ "$(jq length <<<"$output")" = 0 ]
    run curl -sf --unix-socket "$PODDIR/podman.sock" http://d/v1.41/images/json
    [[ "$output" != *"$PODP/"* ]]
    run pb ps -a --format json
    [ "$output" = "[]" ]
}
