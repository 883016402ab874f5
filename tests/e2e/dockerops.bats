#!/usr/bin/env bats
# DockerOps projects and habits (issue 14), against the real engine: a
# project made of DockerOps folders only (a dockerops-base folder, a
# non-executable entrypoint-local.sh, a #UDP_EXPOSE line), `build`,
# instances made on the fly (up web:nodea, run web:two), ps with IPs,
# berth ip, down of one instance.
load helpers

IMG=berth-e2e-busybox

setup_file() {
    export P=tdo$$
    export D=$(mktemp -d /tmp/bdo.XXXXXX)
    export SOCK=${DOCKER_HOST#unix://}
    busybox_image "$IMG"
    mkdir -p "$D/containers/dockerops-base" "$D/containers/web"
    cat > "$D/containers/dockerops-base/Dockerfile" <<EOF
FROM $IMG
RUN echo base > /base-was-here
CMD ["sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"]
EOF
    cat > "$D/containers/web/Dockerfile" <<EOF
FROM $P/dockerops-base
#UDP_EXPOSE 53
EOF
    # DockerOps ran it with a shell: no execute bit here.
    printf 'echo local-ran > /tmp/elocal\n' > "$D/containers/web/entrypoint-local.sh"
    chmod 644 "$D/containers/web/entrypoint-local.sh"
}

teardown_file() {
    "$BERTH" -C "$D" -p "$P" down --volumes --yes --rmi >/dev/null 2>&1 || true
    rm -rf "$D"
}

# The socket proxy of the user = host test, stopped by its pid even when
# the test fails.
teardown() {
    if [ -n "${PX:-}" ]; then
        kill "$PX" 2>/dev/null || true
        wait "$PX" 2>/dev/null || true
    fi
}

b() { "$BERTH" -C "$D" -p "$P" "$@"; }
absent() { ! curl -sf --unix-socket "$SOCK" "http://e/containers/$1/json" >/dev/null; }
inspect() { curl -sf --unix-socket "$SOCK" "http://e/containers/$1/json"; }
id_of() { inspect "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Id"])'; }

@test "a dockerops-base folder: part dockerops_base, image <project>/dockerops-base; config shows it" {
    run b config
    [ "$status" -eq 0 ]
    [[ "$output" == *"[dockerops_base_image]"* ]]
    [[ "$output" == *"image = $P/dockerops-base"* ]]
    [[ "$output" == *"containers/dockerops-base"* ]]
}

@test "build: only images, in FROM order; a second build changes nothing; --force rebuilds" {
    run b --progress plain build
    [ "$status" -eq 0 ]
    [[ "$output" == *"2 change(s)"* ]]
    curl -sf --unix-socket "$SOCK" "http://e/images/$P/dockerops-base/json" >/dev/null
    curl -sf --unix-socket "$SOCK" "http://e/images/$P/web/json" >/dev/null
    absent "$P-web-main"
    run b --progress plain build
    [ "$status" -eq 0 ]
    [[ "$output" == *"0 change(s), 2 up to date"* ]]
    run b --progress plain build --force web
    [ "$status" -eq 0 ]
    [[ "$output" == *"2 change(s)"* ]]
    absent "$P-web-main"
}

@test "up: entrypoint-local.sh without the execute bit runs with sh; hostname <container>-<instance>" {
    run b up web
    [ "$status" -eq 0 ]
    run b exec web -- cat /tmp/elocal
    [ "$output" = "local-ran" ]
    run b exec web -- hostname
    [ "$output" = "web-main" ]
}

@test "#UDP_EXPOSE 53 publishes 53/udp on a published instance, on 127.0.0.1" {
    run b up web:published
    [ "$status" -eq 0 ]
    run b ps web:published
    [[ "$output" == *"127.0.0.1:"*"->53/udp"* ]]
    b down web:published
}

@test "up web:nodea makes it on the fly; up keeps it unchanged, no orphan; down web:nodea removes only it" {
    run b up web:nodea
    [ "$status" -eq 0 ]
    id=$(id_of "$P-web-nodea")
    run b --progress plain up
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" != *"orphan"* ]]
    [ -z "$(printf '%s\n' "$output" | grep -E '^web:nodea +(creating|recreat|removing)')" ]
    [ -n "$(printf '%s\n' "$output" | grep -E '^web:nodea +done')" ]
    [ "$(id_of "$P-web-nodea")" = "$id" ]
    run b ps web
    [[ "$output" == *"nodea"*"standard"*"running"* ]]
    run b plan
    [[ "$output" == *"$P-web-nodea (standard)"* ]]
    run b config web:nodea
    [[ "$output" == *"(made on the fly"*"[web:nodea]"* ]]
    run b down web:nodea
    [ "$status" -eq 0 ]
    absent "$P-web-nodea"
    inspect "$P-web-main" >/dev/null
}

@test "-s web:nodeb.instance-type is remembered: the next up leaves it as it is" {
    run b -s web:nodeb.instance-type=published up web:nodeb
    [ "$status" -eq 0 ]
    id=$(id_of "$P-web-nodeb")
    run b ps web:nodeb
    [[ "$output" == *"nodeb"*"published"*"->53/udp"* ]]
    run b --progress plain up
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" != *"recreat"* ]]
    [ "$(id_of "$P-web-nodeb")" = "$id" ]
    run b ps web:nodeb
    [[ "$output" == *"nodeb"*"published"*"->53/udp"* ]]
    b down web:nodeb
}

@test "run web:two brings up a standard instance (DockerOps' run)" {
    run b run web:two
    [ "$status" -eq 0 ]
    run b ps web:two
    [[ "$output" == *"two"*"standard"*"running"* ]]
    b down web:two
}

@test "ps shows each instance's IP; berth ip prints it" {
    b up web
    run b ps --format json web:main
    ip=$(printf '%s' "$output" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ip"])')
    want=$(inspect "$P-web-main" | python3 -c "import json,sys; print(json.load(sys.stdin)['NetworkSettings']['Networks']['$P-default']['IPAddress'])")
    [ -n "$want" ]
    [ "$ip" = "$want" ]
    run b ps web:main
    [[ "$output" == *" $want "* ]]
    run b ip web:main
    [ "$status" -eq 0 ]
    [ "$output" = "$want" ]
}

# A project of DockerOps folders only, with build.conf and run.conf (two
# instances, one linked to the other): build, up, ps with IPs, ssh, down.
@test "run.conf and build.conf: build, up, ps with IPs, ssh through a terminal, down" {
    local R=tdr$$ E
    E=$(mktemp -d /tmp/bdr.XXXXXX)
    mkdir -p "$E/containers/dockerops-base" "$E/containers/db" "$E/containers/web"
    printf 'FROM %s\nCMD ["sh", "-c", "trap \\"exit 0\\" TERM; sleep 1000 & wait"]\n' "$IMG" \
        > "$E/containers/dockerops-base/Dockerfile"
    printf 'FROM %s/dockerops-base\n' "$R" > "$E/containers/db/Dockerfile"
    printf 'FROM %s/dockerops-base\n' "$R" > "$E/containers/web/Dockerfile"
    echo '["dockerops-base", "db", "web"]' > "$E/build.conf"
    cat > "$E/run.conf" <<'EOF'
[
  {"container": "db", "instance": "one", "sleep": 1, "env_vars": {"ROLE": "db"}},
  {"container": "web", "instance": "nodea",
   "links": [{"name": "database", "container": "db", "instance": "one"}],
   "env_vars": {"ROLE": "web"}}
]
EOF
    r() { "$BERTH" -C "$E" -p "$R" "$@"; }
    run r --progress plain build
    [ "$status" -eq 0 ]
    [[ "$output" == *"3 change(s)"* ]]
    # build.conf's order: base, then db, then web (one after the other)
    [[ "$(printf '%s\n' "$output" | grep -E '^image [a-z_]+ +done' | awk '{print $2}' | tr '\n' ' ')" == "dockerops_base_image db_image web_image " ]]
    run r up
    [ "$status" -eq 0 ]
    run r ps
    [ "$status" -eq 0 ]
    [[ "$output" == *"db "*"one "*"standard"*"running"* ]]
    [[ "$output" == *"web "*"nodea "*"standard"*"running"* ]]
    dbip=$(r ip db:one)
    [[ "$dbip" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]]
    [[ "$output" == *" $dbip "* ]]
    run r exec web:nodea -- sh -c 'echo "$ROLE $DATABASE_CONTAINER_IP"'
    [ "$output" = "web $dbip" ]
    run python3 "$E2E_DIR/pty.py" 'expect:# ' 'send:echo "R=$ROLE H=$(hostname)"\r' \
        'expect:R=web H=web-nodea' 'send:exit\r' -- "$BERTH" -C "$E" -p "$R" ssh web:nodea
    [ "$status" -eq 0 ]
    [[ "$output" == *"R=web H=web-nodea"* ]]
    run r down --yes --volumes --rmi
    echo "$output"
    [ "$status" -eq 0 ]
    absent "$R-web-nodea"
    absent "$R-db-one"
    rm -rf "$E"
}

# run.conf decides what runs, as in DockerOps: up starts exactly its
# instances; a folder it does not name is built (something is FROM it) but
# its instance starts only when a target names it.
@test "run.conf decides what up runs: folders it does not name start only when named" {
    local R=tdq$$ E
    E=$(mktemp -d /tmp/bdq.XXXXXX)
    mkdir -p "$E/containers/dockerops-base" "$E/containers/db" "$E/containers/web"
    printf 'FROM %s\nCMD ["sh", "-c", "trap \\"exit 0\\" TERM; sleep 1000 & wait"]\n' "$IMG" \
        > "$E/containers/dockerops-base/Dockerfile"
    printf 'FROM %s/dockerops-base\n' "$R" > "$E/containers/db/Dockerfile"
    printf 'FROM %s/dockerops-base\n' "$R" > "$E/containers/web/Dockerfile"
    echo '[{"container": "db", "instance": "one"}]' > "$E/run.conf"
    r() { "$BERTH" -C "$E" -p "$R" "$@"; }
    run r config
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"[db:one]"* ]]
    [[ "$output" != *"[db:main]"* ]]
    # web and dockerops_base: shown, and said not to be started by up
    [[ "$output" == *"[web]"* ]]
    [[ "$output" == *"# [web:main] is not started by \`berth up\`: run.conf does not name web (\`berth up web\` starts it)"* ]]
    [[ "$output" == *"# [dockerops_base:main] is not started by \`berth up\`"* ]]
    run r plan
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"db:one"* ]]
    [[ "$output" != *"web:main"* ]]
    [[ "$output" != *"dockerops_base:main"* ]]
    run r up
    echo "$output"
    [ "$status" -eq 0 ]
    inspect "$R-db-one" >/dev/null
    absent "$R-web-main"
    absent "$R-dockerops_base-main"
    # named by a target, web's instance starts; the next up keeps it as it
    # is, and it is no orphan
    run r up web
    [ "$status" -eq 0 ]
    local id
    id=$(id_of "$R-web-main")
    run r up
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" != *"orphan"* ]]
    [ "$(id_of "$R-web-main")" = "$id" ]
    absent "$R-dockerops_base-main"
    run r ps
    [[ "$output" == *"web "*"main "*"running"* ]]
    run r down --yes --volumes --rmi
    [ "$status" -eq 0 ]
    absent "$R-web-main"
    absent "$R-db-one"
    rm -rf "$E"
}

@test "run.conf: an unknown key is an error with the file, the object's index and the key" {
    local E
    E=$(mktemp -d /tmp/bdr.XXXXXX)
    mkdir -p "$E/containers/web"
    printf 'FROM %s\n' "$IMG" > "$E/containers/web/Dockerfile"
    echo '[{"container": "web"}, {"container": "web", "instance": "b", "portz": 1}]' > "$E/run.conf"
    run "$BERTH" -C "$E" config
    [ "$status" -eq 3 ]
    [[ "$output" == *"run.conf[1]: key 'portz': unknown key"* ]]
    rm -rf "$E"
}

# user = host, berth run by a non-root uid (through a socket proxy, as the
# test engine's folder is root's): the container writes /data as that uid,
# and that user reads and deletes the folder (down --volumes).
@test "user = host: persistent folders belong to the calling non-root user" {
    [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null || skip "needs root and setpriv to switch uid"
    local U=65534 E S
    E=$(mktemp -d /tmp/bdu.XXXXXX)
    chmod 755 "$E"
    S=$(mktemp -d /tmp/bdus.XXXXXX)
    chmod 755 "$S"
    python3 "$E2E_DIR/sockproxy.py" "$S/s.sock" "$SOCK" >/dev/null 2>&1 3>&- &
    PX=$!
    for i in $(seq 100); do [ -S "$S/s.sock" ] && break; sleep 0.05; done
    cat > "$E/berth.ini" <<EOF
[w]
recipe = container
image = $IMG
user = host
command = sh -c "id -u > /data/who && mkdir -p /data/sub && echo x > /data/sub/f && sleep 1000"

[w:main]
persistent_data = true
EOF
    chown -R "$U:$U" "$E"
    asu() { setpriv --reuid="$U" --regid="$U" --clear-groups env DOCKER_HOST="unix://$S/s.sock" "$@"; }
    run asu "$BERTH" -C "$E" -p tdu$$ up --wait
    [ "$status" -eq 0 ]
    for i in $(seq 50); do [ -f "$E/.berth/data/w/main/data/sub/f" ] && break; sleep 0.1; done
    [ "$(stat -c %u "$E/.berth/data/w/main/data")" = "$U" ]
    run asu cat "$E/.berth/data/w/main/data/who"
    [ "$output" = "$U" ]
    [ "$(stat -c %u "$E/.berth/data/w/main/data/sub/f")" = "$U" ]
    run asu "$BERTH" -C "$E" -p tdu$$ down --volumes --yes
    [ "$status" -eq 0 ]
    [ ! -e "$E/.berth/data/w/main/data" ]
    rm -rf "$E" "$S"
}
