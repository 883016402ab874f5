#!/usr/bin/env bats
# berth deploy to a Docker Swarm (issue 18), on a single-node swarm made on
# the test engine by this file (and left at the end) when it is not a swarm
# member already: the demo deployed and its page fetched on 127.0.0.1, a
# second deploy that writes nothing, an env change rolled out in place, a bad
# image rolled back, secrets read in the container and shown nowhere, ps,
# logs and down of the deployed project.
load helpers
load project_helpers
load registry_helpers

api() { curl -sf --unix-socket "${DOCKER_HOST#unix://}" "$@"; }
apipost() { api -X POST -H 'Content-Type: application/json' -d "$2" "http://e$1"; }

# A port free for TCP and UDP, below 49152 (the engine takes data path ports
# from 1024 to 49151 only), for the swarm's own listeners.
free_port() {
    python3 - <<'PY'
import random, socket
while True:
    port = random.randint(20000, 49000)
    try:
        for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            s = socket.socket(socket.AF_INET, kind)
            s.bind(("0.0.0.0", port))
            s.close()
    except OSError:
        continue
    print(port)
    break
PY
}

setup_file() {
    # A swarm is the whole engine's state: this file makes one on an engine
    # of its own (the suite runs two binaries' tests against one engine at
    # once, and a swarm left or made by one run would pull the floor from
    # under the other). Stopped by its pid in teardown_file.
    SWARM_ENGINE_DIR=$(mktemp -d /tmp/bsw.XXXXXX)
    local out
    out=$("$BERTH" engine start --dir "$SWARM_ENGINE_DIR") || return 1
    eval "$out"   # export DOCKER_HOST=unix://.../docker.sock
    export SWARM_ENGINE_DIR DOCKER_HOST
    local state
    state=$(api http://e/info | jq -r .Swarm.LocalNodeState)
    if [ "$state" = active ]; then
        echo no > "$BATS_FILE_TMPDIR/made"
        return 0
    fi
    # Host-mode ports bind the address of the node's docker_gwbridge: made
    # first, bound to loopback, under a bridge name of this engine's own (the
    # host's interface names are shared by every engine on the machine).
    api -X DELETE http://e/networks/docker_gwbridge >/dev/null 2>&1 || true
    local br="bgw$$"
    echo "${br:0:15}" > "$BATS_FILE_TMPDIR/bridge"
    apipost /networks/create "{\"Name\":\"docker_gwbridge\",\"Driver\":\"bridge\",\"Options\":{
        \"com.docker.network.bridge.name\":\"${br:0:15}\",
        \"com.docker.network.bridge.enable_icc\":\"false\",
        \"com.docker.network.bridge.enable_ip_masquerade\":\"false\",
        \"com.docker.network.bridge.host_binding_ipv4\":\"127.0.0.1\"}}" >/dev/null
    # Its own loopback address and ports: other engines on this machine may
    # run swarms too (the gossip port, 7946, cannot be chosen).
    local addr="127.0.$((RANDOM % 200 + 20)).$((RANDOM % 200 + 20))"
    local port data
    port=$(free_port)
    data=$(free_port)
    apipost /swarm/init "{\"ListenAddr\":\"$addr:$port\",\"AdvertiseAddr\":\"$addr\",\"DataPathPort\":$data}" \
        >/dev/null
    echo yes > "$BATS_FILE_TMPDIR/made"
}

teardown_file() {
    stop_swarm
    "$BERTH" engine stop --purge --dir "$SWARM_ENGINE_DIR" >/dev/null 2>&1 || true
    # The bridge device of docker_gwbridge outlives its engine when the
    # engine could not remove it in time (seen under heavy load): it is this
    # file's by the name it was given.
    local br
    br=$(cat "$BATS_FILE_TMPDIR/bridge" 2>/dev/null) || true
    if [ -n "$br" ] && ip link show "$br" >/dev/null 2>&1; then
        ip link delete "$br" || true
    fi
    rm -rf "$SWARM_ENGINE_DIR"
}

stop_swarm() {
    if [ "$(cat "$BATS_FILE_TMPDIR/made" 2>/dev/null)" = yes ]; then
        api -X POST "http://e/swarm/leave?force=1" >/dev/null || true
        local i
        for i in $(seq 120); do
            api -X DELETE http://e/networks/docker_gwbridge >/dev/null 2>&1 && break
            sleep 0.25
        done
    fi
}

setup() {
    P=$(test_project)
    SOCK=${DOCKER_HOST#unix://}
    DIR=$(mktemp -d /tmp/bsw.XXXXXX)
    busybox_image "$IMG"
}

teardown() {
    berth -C "$DIR" -p "$P" down --swarm --volumes >/dev/null 2>&1 || true
    stop_registry
    if [ -n "${E2:-}" ]; then # the second engine of the two-node test
        curl -sf --unix-socket "$E2/docker.sock" -X POST "http://e/swarm/leave?force=1" >/dev/null 2>&1 || true
        local node
        for node in ${E2_NODE:-}; do
            for i in $(seq 40); do
                api -X DELETE "http://e/nodes/$node?force=1" >/dev/null 2>&1 && break
                sleep 0.25
            done
        done
        berth engine stop --purge --dir "$E2" >/dev/null 2>&1 || true
        rm -rf "$E2"
    fi
    local id
    for id in $(api "http://e/services" | jq -r --arg p "$P" '.[] | select(.Spec.Name | startswith($p + "-")) | .ID'); do
        api -X DELETE "http://e/services/$id" >/dev/null || true
    done
    berth -C "$DIR" -p "$P" down --volumes --yes --rmi >/dev/null 2>&1 || true
    rm -rf "$DIR"
}

service() { api "http://e/services/$P-$1" | jq -r "$2"; }
# The running task's container of a service (on this node).
task_container() {
    api "http://e/containers/json" | jq -r --arg s "$P-$1" \
        '.[] | select(.Labels["com.docker.swarm.service.name"] == $s) | .Id' | head -1
}
dexec() { /usr/bin/docker -H "$DOCKER_HOST" exec "$@"; }

# Engine events since $1 (unix seconds) about this project's objects: each is
# a write (service, network, secret, config, container, volume, image).
writes_since() {
    api "http://e/events?since=$1&until=$(date +%s)" | jq -s --arg p "$P" '
        def ours: startswith($p + "-") or startswith($p + "/");
        [.[] | select(((.Actor.Attributes.name // "") | ours)
                      or (.Actor.Attributes["berth.swarm.project"] // "") == $p
                      or (.Actor.Attributes["berth.project"] // "") == $p
                      or ((.Actor.Attributes["com.docker.swarm.service.name"] // "") | ours))]
        | length'
}

# The demo platform under this test's project name (its web image is built
# FROM <project>/base).
demo() {
    cp -r "$BATS_TEST_DIRNAME/../../examples/platform/." "$DIR/"
    sed -i "s|^FROM demo/base|FROM $P/base|" "$DIR/web/Dockerfile"
    grep -q "^FROM $P/base" "$DIR/web/Dockerfile"
}

@test "deploy the demo: the page on 127.0.0.1, links by service DNS name, a second deploy writes nothing" {
    demo
    run berth -C "$DIR" -p "$P" --progress plain deploy --wait
    [ "$status" -eq 0 ]
    [[ "$output" == *"every service has converged"* ]]
    [[ "$output" == *"$P: 6 change(s)"* ]]

    run berth -C "$DIR" -p "$P" ps --swarm --format json
    [ "$status" -eq 0 ]
    [ "$(jq -r '[.[].service] | sort | join(" ")' <<<"$output")" = "$P-store-master $P-web-one $P-web-published" ]
    [ "$(jq -r '[.[] | "\(.replicas.running)/\(.replicas.desired)"] | unique | join(" ")' <<<"$output")" = "1/1" ]
    [ "$(jq -r '.[] | select(.service == "'"$P"'-web-one") | .ports | length' <<<"$output")" = 0 ]
    port=$(jq -r '.[] | select(.instance == "published") | .ports[0]' <<<"$output")
    [[ "$port" =~ ^([0-9]+)-\>8080/tcp$ ]]
    port=${BASH_REMATCH[1]}
    run curl -sf "http://127.0.0.1:$port/"
    [ "$status" -eq 0 ]
    [[ "$output" == *"Hello from a berth platform"* ]]
    # published on loopback only
    run ss -Hltn "sport = :$port"
    [ -n "$output" ]
    [ -z "$(grep -v '127\.0\.0\.1:' <<<"$output")" ]

    # store fetches http://web:8080/ by its DNS name into its persistent /data
    cid=$(task_container store-master)
    for i in $(seq 40); do
        dexec "$cid" test -s /data/last-page.html && break
        sleep 0.5
    done
    run dexec "$cid" cat /data/last-page.html
    [[ "$output" == *"Hello from a berth platform"* ]]
    [ "$(api "http://e/volumes/$P-store-master-data" | jq -r '.Labels["berth.swarm.project"]')" = "$P" ]

    ids=$(api http://e/services | jq -c '[.[] | select(.Spec.Name | startswith("'"$P"'-")) | .ID] | sort')
    sleep 1
    t0=$(date +%s)
    run berth -C "$DIR" -p "$P" --progress plain deploy
    [ "$status" -eq 0 ]
    [[ "$output" == *"$P: 0 change(s), 6 up to date"* ]]
    sleep 1
    [ "$(writes_since "$t0")" = 0 ]
    [ "$(api http://e/services | jq -c '[.[] | select(.Spec.Name | startswith("'"$P"'-")) | .ID] | sort')" = "$ids" ]

    run berth -C "$DIR" -p "$P" plan --swarm
    [ "$status" -eq 0 ]
    [[ "$output" == *"nothing to do"* ]]

    # a target: the other instances are outside the run, not orphans
    run berth -C "$DIR" -p "$P" --progress plain deploy web:one
    [ "$status" -eq 0 ]
    [[ "$output" != *orphan* ]]
    [[ "$output" == *"$P: 0 change(s)"* ]]
}

@test "an env change: plan --swarm names it, deploy updates only that service, in place and rolling" {
    demo
    berth -C "$DIR" -p "$P" --progress quiet deploy --wait
    id=$(service store-master .ID)
    web_version=$(service web-one .Version.Index)
    printf 'env = MODE=two\n' >> "$DIR/berth.ini"

    run berth -C "$DIR" -p "$P" plan --swarm
    [ "$status" -eq 0 ]
    [[ "$output" == *"changes (1):"* ]]
    [[ "$output" =~ update\ +service\ store:master\ +changed:\ Env ]]

    run berth -C "$DIR" -p "$P" --progress plain deploy --wait
    [ "$status" -eq 0 ]
    [[ "$output" == *"$P: 1 change(s), 5 up to date"* ]]
    [ "$(service store-master .ID)" = "$id" ]
    [ "$(service store-master .UpdateStatus.State)" = completed ]
    [ "$(service web-one .Version.Index)" = "$web_version" ]
    cid=$(task_container store-master)
    [ "$(api "http://e/containers/$cid/json" | jq -r '.Config.Env[] | select(startswith("MODE="))')" = MODE=two ]

    # store leaves the project: an orphan, removed only when asked
    sed -i '/^\[store\]/,$d' "$DIR/berth.ini"
    run berth -C "$DIR" -p "$P" --progress plain deploy
    [ "$status" -eq 0 ]
    [[ "$output" == *"note: service $P-store-master: orphan"*"--remove-orphans"* ]]
    [ "$(service store-master .ID)" = "$id" ]
    run berth -C "$DIR" -p "$P" --progress plain deploy --remove-orphans
    [ "$status" -eq 0 ]
    run api "http://e/services/$P-store-master"
    [ "$status" -ne 0 ]
    [ "$(service web-one .Version.Index)" = "$web_version" ]
}

@test "cpus and memory: the service's spec and its task's cgroup have them; a memory change updates only that service, in place" {
    write() { # MEMORY of app
        cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[app]
recipe = container
image = $IMG
command = $QUICK
cpus = 0.5
memory = $1

[other]
recipe = container
image = $IMG
command = $QUICK
EOF
    }
    write 64m
    run berth -C "$DIR" --progress plain deploy --wait
    [ "$status" -eq 0 ]
    [ "$(service app-main '.Spec.TaskTemplate.Resources.Limits | "\(.NanoCPUs) \(.MemoryBytes)"')" = "500000000 67108864" ]
    [ "$(service other-main '.Spec.TaskTemplate.Resources.Limits // {} | length')" = 0 ]
    # what the task runs with: its container's cgroup, read from inside
    cid=$(task_container app-main)
    run dexec "$cid" sh -c 'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes'
    [ "$output" = 67108864 ]
    run dexec "$cid" sh -c 'cat /sys/fs/cgroup/cpu.max 2>/dev/null || echo "$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"'
    [ "$output" = "50000 100000" ]
    id=$(service app-main .ID)
    other_version=$(service other-main .Version.Index)

    write 96m
    run berth -C "$DIR" plan --swarm
    [ "$status" -eq 0 ]
    [[ "$output" == *"changes (1):"* ]]
    [[ "$output" =~ update\ +service\ app:main\ +changed:\ Limits.MemoryBytes ]]
    run berth -C "$DIR" --progress plain deploy --wait
    [ "$status" -eq 0 ]
    [[ "$output" == *"$P: 1 change(s), 2 up to date"* ]]
    [ "$(service app-main .ID)" = "$id" ]
    [ "$(service app-main .Spec.TaskTemplate.Resources.Limits.MemoryBytes)" = 100663296 ]
    [ "$(service other-main .Version.Index)" = "$other_version" ]
    cid=$(task_container app-main)
    [ "$(dexec "$cid" sh -c 'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes')" = 100663296 ]

    # a bad value: refused at load, nothing sent
    sed -i 's/^memory = .*/memory = 1k/' "$DIR/berth.ini"
    run berth -C "$DIR" deploy
    [ "$status" -eq 3 ]
    [[ "$output" == *"berth.ini:9: part 'app': key 'memory': '1k' is too small"* ]]
    [ "$(service app-main .Spec.TaskTemplate.Resources.Limits.MemoryBytes)" = 100663296 ]
}

@test "container settings reach the task: init, read-only, cap-add, extra-hosts, tmpfs; privileged and oneshot are refused with file:line" {
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[app]
recipe = container
image = $IMG
command = $QUICK
init = true
read-only = true
cap-drop = ALL
cap-add = NET_BIND_SERVICE
extra-hosts = db.example:10.1.2.3
tmpfs = /tmp:size=8m
EOF
    run berth -C "$DIR" --progress plain deploy --wait
    [ "$status" -eq 0 ]
    cid=$(task_container app-main)
    # PID 1 is the engine's init, the command runs under it
    run dexec "$cid" cat /proc/1/cmdline
    [[ "$output" == *init* ]]
    [[ "$output" != sh* ]]
    run dexec "$cid" touch /file-on-the-root
    [ "$status" -ne 0 ]
    [[ "$output" == *"Read-only file system"* ]]
    run dexec "$cid" grep -x '10.1.2.3[[:space:]]*db.example' /etc/hosts
    [ "$status" -eq 0 ]
    run dexec "$cid" grep ' /tmp tmpfs ' /proc/mounts
    [[ "$output" == *"size=8192k"* ]]
    dexec "$cid" touch /tmp/writable
    # the bounding set: NET_BIND_SERVICE (bit 10) only
    run dexec "$cid" grep CapBnd /proc/1/status
    [[ "$output" == *"0000000000000400" ]]

    # a second deploy writes nothing: the settings hash as they were sent
    sleep 1
    t0=$(date +%s)
    run berth -C "$DIR" --progress plain deploy
    [ "$status" -eq 0 ]
    [[ "$output" == *"$P: 0 change(s)"* ]]
    sleep 1
    [ "$(writes_since "$t0")" = 0 ]

    printf 'privileged = true\noneshot = true\n' >> "$DIR/berth.ini"
    sed -i 's|^tmpfs = .*|tmpfs = /tmp:size=8m,mode=750|' "$DIR/berth.ini"
    run berth -C "$DIR" deploy
    [ "$status" -eq 3 ]
    [[ "$output" == *"berth.ini:14: part 'app': key 'privileged': berth deploy cannot act on it"* ]]
    [[ "$output" == *"berth.ini:15: part 'app': key 'oneshot': berth deploy cannot act on it"* ]]
    # a swarm ignores a tmpfs mode (moby/swarmkit#3226): refused, not dropped
    [[ "$output" == *"berth.ini:13: part 'app': key 'tmpfs': berth deploy cannot act on 'mode=750'"* ]]
}

@test "a bad image: deploy --wait fails with the task's error, failure-action = rollback returns the previous spec" {
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[app]
recipe = container
image = $IMG
command = $QUICK
failure-action = rollback
update-parallelism = 1
update-delay = 1s
update-order = stop-first
EOF
    run berth -C "$DIR" --progress quiet deploy --wait
    [ "$status" -eq 0 ]
    image=$(service app-main .Spec.TaskTemplate.ContainerSpec.Image)
    hash=$(service app-main '.Spec.Labels["berth.config-hash"]')
    [[ "$image" == sha256:* ]]

    sed -i "s|^image = .*|image = $P/no-such-image:1|" "$DIR/berth.ini"
    run berth -C "$DIR" --progress quiet deploy --wait
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"service $P-app-main: update rolled back to the previous spec"* ]]
    [[ "$output" == *"No such image: $P/no-such-image:1"* ]]
    [ "$(service app-main .Spec.TaskTemplate.ContainerSpec.Image)" = "$image" ]
    [ "$(service app-main '.Spec.Labels["berth.config-hash"]')" = "$hash" ]
    [ "$(service app-main .Spec.UpdateConfig.FailureAction)" = rollback ]

    run berth -C "$DIR" ps --swarm --format json
    [ "$(jq -r '.[0].update' <<<"$output")" = rollback_completed ]
    [ "$(jq -r '.[0].replicas.running' <<<"$output")" = 1 ]
    [[ "$(jq -r '[.[0].tasks[].error // empty] | join(" ")' <<<"$output")" == *"No such image"* ]]
    [ "$(jq -r '[.[0].tasks[].node] | unique | length' <<<"$output")" = 1 ]
}

@test "a secret read in the container equals the file; it appears in no output" {
    secret="s3cr3t-$RANDOM-$RANDOM"
    printf '%s\n' "$secret" > "$DIR/db_password"
    printf 'listen_addresses = *\n' > "$DIR/app.conf"
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[db]
recipe = container
image = $IMG
command = $QUICK
secrets = db_password
configs = app.conf
EOF
    all=""
    run berth -C "$DIR" --progress plain deploy --wait
    [ "$status" -eq 0 ]
    all+=$output
    cid=$(task_container db-main)
    run dexec "$cid" cat /run/secrets/db_password
    [ "$output" = "$secret" ]
    run dexec "$cid" cat /app.conf
    [ "$output" = "listen_addresses = *" ]
    for cmd in "plan --swarm" "ps --swarm --format json" "logs --swarm" "config" "deploy" "deploy --wait"; do
        run berth -C "$DIR" --progress plain $cmd
        [ "$status" -eq 0 ]
        all+=$output
    done
    [[ "$all" != *"$secret"* ]]
    # nor in the service's spec, labels, or the secret object the engine shows
    [[ "$(api "http://e/services/$P-db-main")" != *"$secret"* ]]
    [[ "$(api "http://e/secrets")" != *"$secret"* ]]

    # a changed file: a new secret, the service updated to it, the old one removed by down
    printf 'other\n' > "$DIR/db_password"
    run berth -C "$DIR" --progress plain plan --swarm
    [[ "$output" == *"create    secret db_password"* ]]
    [[ "$output" =~ update\ +service\ db:main\ +changed:\ Secrets ]]
    berth -C "$DIR" --progress quiet deploy --wait
    cid=$(task_container db-main)
    [ "$(dexec "$cid" cat /run/secrets/db_password)" = other ]
    run berth -C "$DIR" down --swarm
    [ "$status" -eq 0 ]
    [ "$(api http://e/secrets | jq --arg p "$P" '[.[] | select(.Spec.Labels["berth.swarm.project"] == $p)] | length')" = 0 ]
    [ "$(api http://e/configs | jq --arg p "$P" '[.[] | select(.Spec.Labels["berth.swarm.project"] == $p)] | length')" = 0 ]
}

@test "replicas: one service of N tasks; ps --swarm, logs --swarm; down --swarm removes it all, keeps volumes unless --volumes" {
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[worker]
recipe = container
image = $IMG
instance-type = master
replicas = 3
command = ["sh", "-c", "echo hello from slot \$INSTANCE; trap 'exit 0' TERM; sleep 1000 & wait"]
EOF
    run berth -C "$DIR" --progress quiet deploy --wait
    [ "$status" -eq 0 ]
    run berth -C "$DIR" ps --swarm --format json
    [ "$(jq -r '.[0].service' <<<"$output")" = "$P-worker" ]
    [ "$(jq -r '.[0].replicas | "\(.running)/\(.desired)"' <<<"$output")" = 3/3 ]
    [ "$(jq -r '[.[0].tasks[] | select(.state == "running") | .name] | sort | join(" ")' <<<"$output")" = "$P-worker.1 $P-worker.2 $P-worker.3" ]
    [ "$(jq -r '.[0].tasks[0].node' <<<"$output")" = "$(api http://e/info | jq -r .Name)" ]
    run berth -C "$DIR" ps --swarm
    [[ "${lines[1]}" =~ ^$P-worker\ +3/3 ]]
    # each task its own persistent /data, by slot
    [ "$(api http://e/volumes | jq -r --arg p "$P" '[.Volumes[] | select(.Labels["berth.swarm.project"] == $p) | .Name] | sort | join(" ")')" = "$P-worker-1-data $P-worker-2-data $P-worker-3-data" ]
    for i in $(seq 20); do
        run berth -C "$DIR" logs --swarm
        [[ "$output" == *"hello from slot 3"* ]] && break
        sleep 0.5
    done
    [[ "$output" == *"$P-worker | hello from slot 1"* ]]
    [[ "$output" == *"hello from slot 2"* ]]

    run berth -C "$DIR" down --swarm
    [ "$status" -eq 0 ]
    run api "http://e/services/$P-worker"
    [ "$status" -ne 0 ]
    run api "http://e/networks/$P-default"
    [ "$status" -ne 0 ]
    [ "$(api "http://e/containers/json?all=1" | jq --arg p "$P" '[.[] | select(.Labels["berth.swarm.project"] == $p)] | length')" = 0 ]
    api "http://e/volumes/$P-worker-1-data" >/dev/null
    run berth -C "$DIR" down --swarm --volumes
    [ "$status" -eq 0 ]
    run api "http://e/volumes/$P-worker-1-data"
    [ "$status" -ne 0 ]
}

@test "what a swarm service cannot honour is refused with file:line; up refuses swarm-only keys" {
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[web]
recipe = container
image = $IMG
publish = 10.1.2.3
ports = 80
ready = ["true"]
replicas = 2
pull-policy = always
platform = linux/arm64
EOF
    run berth -C "$DIR" deploy
    [ "$status" -eq 3 ]
    [[ "$output" == *"berth.ini:7: part 'web': key 'publish': a swarm service cannot publish on 10.1.2.3"* ]]
    [[ "$output" == *"berth.ini:9: part 'web': key 'ready': berth deploy cannot act on it"* ]]
    [[ "$output" == *"berth.ini:11: part 'web': key 'pull-policy': berth deploy cannot act on 'always'"* ]]
    [[ "$output" == *"berth.ini:12: part 'web': key 'platform': berth deploy cannot act on it"* ]]
    run berth -C "$DIR" up
    [ "$status" -eq 3 ]
    [[ "$output" == *"berth.ini:10: part 'web': key 'replicas': only \`berth deploy\` (swarm services) acts on it"* ]]
    [ "$(api http://e/services | jq --arg p "$P" '[.[] | select(.Spec.Name | startswith($p))] | length')" = 0 ]
}

@test "two engines in one swarm on this machine: 2 replicas spread on both nodes, the image pulled from a registry with the push part's credentials; an overlay network cannot span them" {
    E2=$(mktemp -d /tmp/bs2.XXXXXX)
    run berth engine start --dir "$E2" --name "bs2x$$"
    [ "$status" -eq 0 ]
    api2() { curl -sf --unix-socket "$E2/docker.sock" "$@"; }
    # its docker_gwbridge under a bridge name of its own (one name per host)
    api2 -X POST -H 'Content-Type: application/json' -d "{\"Name\":\"docker_gwbridge\",\"Driver\":\"bridge\",
        \"Options\":{\"com.docker.network.bridge.name\":\"bgx$$\",
        \"com.docker.network.bridge.enable_icc\":\"false\",
        \"com.docker.network.bridge.host_binding_ipv4\":\"127.0.0.1\"}}" http://e/networks/create >/dev/null
    # the image reaches the second node from a registry, pulled with the
    # push part's credentials (which berth hands to the swarm)
    start_registry plain
    export REG_PASSWORD
    mkdir -p "$DIR/app"
    printf 'FROM %s\nRUN echo built > /v\n' "$IMG" > "$DIR/app/Dockerfile"
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[app_image]
recipe = build
source = app

[release]
recipe = push
image = \${app_image:image}
registry = $REG
username = $REG_USER
password = \${env:REG_PASSWORD}

[app]
recipe = container
build = app_image
linked = false
replicas = 2
command = $QUICK
EOF
    run berth --engine "unix://$E2/docker.sock" -C "$DIR" deploy
    [ "$status" -eq 1 ]
    [[ "$output" == *"is not part of a swarm (its state: inactive); make one with"* ]]

    manager=$(api http://e/info | jq -r '.Swarm.RemoteManagers[0].Addr')
    token=$(api http://e/swarm | jq -r .JoinTokens.Worker)
    addr="127.0.$((RANDOM % 200 + 20)).$((RANDOM % 200 + 20))"
    port=$(free_port)
    api2 -X POST -H 'Content-Type: application/json' \
        -d "{\"ListenAddr\":\"$addr:$port\",\"AdvertiseAddr\":\"$addr\",\"RemoteAddrs\":[\"$manager\"],\"JoinToken\":\"$token\"}" \
        http://e/swarm/join >/dev/null
    E2_NODE=$(api2 http://e/info | jq -r .Swarm.NodeID)
    for i in $(seq 60); do
        [ "$(api "http://e/nodes/$E2_NODE" | jq -r .Status.State)" = ready ] && break
        sleep 0.5
    done
    [ "$(api "http://e/nodes/$E2_NODE" | jq -r .Status.State)" = ready ]
    run berth --engine "unix://$E2/docker.sock" -C "$DIR" deploy
    [ "$status" -eq 1 ]
    [[ "$output" == *"is a swarm worker; berth deploy talks to a manager"* ]]
    run api2 "http://e/images/$P/app_image/json"
    [ "$status" -ne 0 ] # not there before the deploy

    run berth -C "$DIR" --progress quiet deploy --wait
    echo "$output"
    [ "$status" -eq 0 ]
    run berth -C "$DIR" ps --swarm --format json
    [ "$(jq -r '.[0].replicas | "\(.running)/\(.desired)"' <<<"$output")" = 2/2 ]
    [ "$(jq -r '[.[0].tasks[] | select(.state == "running") | .node_id] | unique | length' <<<"$output")" = 2 ]
    [[ "$(jq -r '[.[0].tasks[] | select(.state == "running") | .node_id] | join(" ")' <<<"$output")" == *"$E2_NODE"* ]]
    [[ "$(api2 "http://e/images/json" | jq -r '[.[].RepoDigests // [] | .[]] | join(" ")')" == *"$REG/$P/app_image@sha256:"* ]]
    [[ "$output" != *"$REG_PASSWORD"* ]]
    [[ "$(api "http://e/services/$P-app")" != *"$REG_PASSWORD"* ]]

    # On the project network (overlay, VXLAN), the second node's task is
    # refused: both engines share this host's network namespace, where the
    # VXLAN device of the same network (same id, same data path port, a
    # swarm-wide setting) can exist once. docs/swarm.md says so.
    sed -i '/^linked = false/d' "$DIR/berth.ini"
    run berth -C "$DIR" --progress quiet deploy --wait --wait-timeout 60s
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"error creating vxlan interface: file exists"* ]]
}

@test "deploy --wait waits for healthchecks: a healthy service converges, an unhealthy one fails with its healthcheck's output" {
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[good]
recipe = container
image = $IMG
command = $QUICK
healthcheck = ["sh", "-c", "test -e /tmp/up || { touch /tmp/up; false; }"]
healthcheck-interval = 1s
# a run may take more than the interval on a loaded machine (failed once at
# load 100 with "Health check exceeded timeout (1s)")
healthcheck-timeout = 30s

[bad]
recipe = container
image = $IMG
command = $QUICK
healthcheck = ["sh", "-c", "echo db not ready; exit 3"]
healthcheck-interval = 1s
healthcheck-timeout = 30s
EOF
    run berth -C "$DIR" --progress quiet deploy --wait --wait-timeout 90s
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"service $P-bad-main: 0 of 1 task(s) running; failed:"* ]]
    [[ "$output" == *"task $P-bad-main.1: complete: exited with code 0; unhealthy: its healthcheck exited 3: db not ready"* ]]
    [[ "$output" != *"$P-good-main"* ]]
    run berth -C "$DIR" ps --swarm --format json
    [ "$(jq -r '.[] | select(.service == "'"$P"'-good-main") | .replicas | "\(.running)/\(.desired)"' <<<"$output")" = 1/1 ]
    cid=$(task_container good-main)
    [ "$(api "http://e/containers/$cid/json" | jq -r .State.Health.Status)" = healthy ]
}

@test "an image a push part pushes runs by its registry digest (pullable on every node); a rebuilt one rolls out as a new digest" {
    start_registry plain
    mkdir -p "$DIR/app"
    printf 'FROM %s\nRUN echo one > /v\n' "$IMG" > "$DIR/app/Dockerfile"
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[app_image]
recipe = build
source = app

[release]
recipe = push
image = \${app_image:image}
registry = $REG
username = $REG_USER
password = \${env:REG_PASSWORD}

[app]
recipe = container
build = app_image
command = $QUICK
EOF
    export REG_PASSWORD
    run berth -C "$DIR" --progress quiet deploy --wait
    echo "$output"
    [ "$status" -eq 0 ]
    image=$(service app-main .Spec.TaskTemplate.ContainerSpec.Image)
    [[ "$image" == "$REG/$P/app_image@sha256:"* ]]
    # the registry holds that very manifest
    [ "$(curl -s -o /dev/null -w '%{http_code}' -u "$REG_USER:$REG_PASSWORD" \
          -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
          "http://$REG/v2/$P/app_image/manifests/${image#*@}")" = 200 ]
    id=$(service app-main .ID)

    printf 'FROM %s\nRUN echo two > /v\n' "$IMG" > "$DIR/app/Dockerfile"
    run berth -C "$DIR" --progress quiet deploy --wait
    echo "$output"
    [ "$status" -eq 0 ]
    new=$(service app-main .Spec.TaskTemplate.ContainerSpec.Image)
    [[ "$new" == "$REG/$P/app_image@sha256:"* ]]
    [ "$new" != "$image" ]
    [ "$(service app-main .ID)" = "$id" ]
    [ "$(dexec "$(task_container app-main)" cat /v)" = two ]
    [[ "$output" != *"$REG_PASSWORD"* ]]
}
