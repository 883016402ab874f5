#!/usr/bin/env bats
# One project across two engines (issue 17): each part acts on its own
# engine in one run. The test starts two private engines of its own (A and
# B) and stops them by pid. An image built on A and used on B is moved by
# berth (images/get -> images/load); a container on B linked to one on A
# reaches A's published port at A's host-address: an address of this host
# that B's containers reach (the host's own non-loopback address: B's
# containers route to it through B's bridge, and it is local to the host, so
# the published port bound on it answers).
load helpers
load registry_helpers

setup_file() {
    export ME_A=/tmp/mea.$$ ME_B=/tmp/meb.$$
    "$BERTH" engine start --dir "$ME_A" >/dev/null
    "$BERTH" engine start --dir "$ME_B" >/dev/null
    DOCKER_HOST=unix://$ME_A/docker.sock busybox_image berth-busybox
    DOCKER_HOST=unix://$ME_B/docker.sock busybox_image berth-busybox
    # the host's first global non-loopback IPv4 address that is not a bridge's
    HOSTIP=$(ip -4 -o addr show scope global | awk '$2 !~ /^(br-|docker|veth)/ {print $4}' |
             cut -d/ -f1 | head -1)
    export HOSTIP
}

teardown_file() {
    "$BERTH" engine stop --purge --dir "$ME_A" >/dev/null 2>&1
    "$BERTH" engine stop --purge --dir "$ME_B" >/dev/null 2>&1
    rm -rf "$ME_A" "$ME_B"
}

setup() {
    [ -n "$HOSTIP" ] || skip "this host has no non-loopback IPv4 address"
    P=$(test_project)
    D=$(mktemp -d)
    SOCK_A=$ME_A/docker.sock
    SOCK_B=$ME_B/docker.sock
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("",0)); print(s.getsockname()[1])')
    mkdir -p "$D/web"
    cat > "$D/web/Dockerfile" <<DF
FROM berth-busybox
RUN mkdir -p /www && echo "hello from engine A" > /www/index.html
DF
    cat > "$D/berth.ini" <<INI
[project]
name = $P
[eng_a]
recipe = engine
url = unix://$SOCK_A
host-address = $HOSTIP
[eng_b]
recipe = engine
url = unix://$SOCK_B
[webimg]
recipe = build
source = web
engine = eng_a
[web]
recipe = container
build = webimg
engine = eng_a
command = httpd -f -p 8080 -h /www
ports = $HOSTIP:$PORT:8080
publish_ports = true
[client]
recipe = container
build = webimg
engine = eng_b
links = web
command = sleep 300
INI
}

teardown() {
    if [ -n "${FOLLOW:-}" ]; then # a follow a failed test left running
        kill -INT "$FOLLOW" 2>/dev/null || true
        wait "$FOLLOW" 2>/dev/null || true
    fi
    "$BERTH" -C "$D" down >/dev/null 2>&1 || true
    rm -rf "$D"
    stop_registry # a test's own registry, by its pid
}

api() { curl -sf --unix-socket "$1" "http://e$2"; }
has_container() { api "$1" "/containers/$2/json" >/dev/null; }
# id and creation time of a container: what a second up must leave alone
ident() { api "$1" "/containers/$2/json" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["Id"], j["Created"])'; }
image_id() { api "$1" "/images/$2/json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Id"])'; }

@test "one project on two engines: build and serve on A, a linked client on B fetches through the link; ps, a no-op up, down" {
    run berth -C "$D" --progress plain up
    echo "$output"
    [ "$status" -eq 0 ]
    has_container "$SOCK_A" "$P-web-main"
    ! has_container "$SOCK_B" "$P-web-main"
    has_container "$SOCK_B" "$P-client-main"
    ! has_container "$SOCK_A" "$P-client-main"
    # the image built on A was moved to B, the same image
    [ "$(image_id "$SOCK_A" "$P/webimg")" = "$(image_id "$SOCK_B" "$P/webimg")" ]
    ! api "$SOCK_B" "/images/json" | grep -q '"RepoTags":\[\]'
    # the link resolves to A's host-address, as a hosts entry and the env
    run berth -C "$D" exec client cat /etc/hosts
    [[ "$output" == *"$HOSTIP"*"web"* ]]
    run berth -C "$D" exec client sh -c 'echo $WEB_CONTAINER_IP'
    [ "$output" = "$HOSTIP" ]
    # an HTTP fetch through the link name, from B to A's published port
    run berth -C "$D" exec client wget -q -O - "http://web:$PORT/index.html"
    [ "$status" -eq 0 ] || { ip -4 route; berth -C "$D" exec client ip route; }
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "hello from engine A" ]
    # ps shows both engines
    run berth -C "$D" ps
    [ "$status" -eq 0 ]
    [[ "$output" == *"client"*"main"*"eng_b"*"Up "* ]]
    [[ "$output" == *"web"*"main"*"eng_a"*"Up "* ]]
    # a second up writes nothing on either engine
    local wa cb
    wa=$(ident "$SOCK_A" "$P-web-main")
    cb=$(ident "$SOCK_B" "$P-client-main")
    local since
    since=$(date +%s.%N) # (the fetch above may end in this same second)
    run berth -C "$D" --progress plain up
    [ "$status" -eq 0 ]
    [[ "$output" == *"0 change(s)"* ]]
    [[ "$output" != *"moving"* ]]
    [ "$(ident "$SOCK_A" "$P-web-main")" = "$wa" ]
    [ "$(ident "$SOCK_B" "$P-client-main")" = "$cb" ]
    local until
    until=$(( $(date +%s) + 1 ))
    # no event on either engine's containers, images, networks or volumes
    for s in "$SOCK_A" "$SOCK_B"; do
        ev=$(curl -s --max-time 5 --unix-socket "$s" "http://e/events?since=$since&until=$until")
        echo "events on $s: $ev"
        [ -z "$ev" ]
    done
    # down empties both
    run berth -C "$D" down
    [ "$status" -eq 0 ]
    ! has_container "$SOCK_A" "$P-web-main"
    ! has_container "$SOCK_B" "$P-client-main"
    [ "$(api "$SOCK_A" "/containers/json?all=1&filters=%7B%22label%22%3A%5B%22berth.project%3D$P%22%5D%7D")" = "[]" ]
    [ "$(api "$SOCK_B" "/containers/json?all=1&filters=%7B%22label%22%3A%5B%22berth.project%3D$P%22%5D%7D")" = "[]" ]
    [ "$(api "$SOCK_A" "/networks?filters=%7B%22label%22%3A%5B%22berth.project%3D$P%22%5D%7D")" = "[]" ]
    [ "$(api "$SOCK_B" "/networks?filters=%7B%22label%22%3A%5B%22berth.project%3D$P%22%5D%7D")" = "[]" ]
}

@test "plan groups the changes by engine and names the image move" {
    run berth -C "$D" plan
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"changes on engine eng_a ("*"build"*"image webimg"*"create    web:main"* ]]
    [[ "$output" == *"changes on engine eng_b ("*"move      image webimg to eng_b"*"create    client:main"* ]]
}

@test "engine B stopped: up fails B's parts naming engine part and address, and still converges A's" {
    "$BERTH" engine stop --dir "$ME_B" >/dev/null
    run berth -C "$D" --progress plain up
    echo "$output"
    "$BERTH" engine start --dir "$ME_B" >/dev/null
    [ "$status" -ne 0 ]
    [[ "$output" == *"engine part 'eng_b' ($D/berth.ini:"*") at unix://$SOCK_B"* ]]
    has_container "$SOCK_A" "$P-web-main"
    [ "$(api "$SOCK_A" "/containers/$P-web-main/json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["State"]["Status"])')" = running ]
    ! has_container "$SOCK_B" "$P-client-main"
}

@test "a link across engines to an engine part without host-address, or to a part publishing no port, is refused with file:line" {
    sed -i '/^host-address/d' "$D/berth.ini"
    run berth -C "$D" up
    [ "$status" -eq 3 ]
    [[ "$output" == *"berth.ini:"*"link to 'web' on engine part 'eng_a'"*"has no host-address"* ]]
    ! has_container "$SOCK_A" "$P-web-main"
    sed -i "s/^url = unix:\/\/$(echo "$SOCK_A" | sed 's/\//\\\//g')$/&\nhost-address = $HOSTIP/; /^publish_ports = /d" "$D/berth.ini"
    run berth -C "$D" up
    [ "$status" -eq 3 ]
    [[ "$output" == *"berth.ini:"*"link to 'web', which lives on another engine and publishes no port"* ]]
    ! has_container "$SOCK_A" "$P-web-main"
}

# Two containers on busybox (already on both engines), a on A and b on B,
# each writing three lines to stdout (interleaved in time with the other's)
# and one to stderr; $1: more keys for b.
two_engine_project() {
    cat > "$D/berth.ini" <<INI
[project]
name = $P
[eng_a]
recipe = engine
url = unix://$SOCK_A
[eng_b]
recipe = engine
url = unix://$SOCK_B
[a]
recipe = container
image = berth-busybox
engine = eng_a
command = sh -c "trap 'exit 0' TERM; for i in 1 2 3; do echo A-\$i X=\$X; sleep 0.2; done; echo A-err >&2; sleep 1000 & wait"
[b]
recipe = container
image = berth-busybox
engine = eng_b
command = sh -c "trap 'exit 0' TERM; for i in 1 2 3; do echo B-\$i X=\$X; sleep 0.2; done; echo B-err >&2; sleep 1000 & wait"
$1
INI
}

# until FILE has N lines matching PATTERN (30 s: a bound under load, not a
# measure)
wait_grep() {
    local i
    for i in $(seq 600); do
        [ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
        sleep 0.05
    done
    echo "waited for $3 x '$2' in:"; cat "$1"
    return 1
}

@test "logs reads each container from its own engine: both engines' lines, prefixed, merged by time" {
    two_engine_project
    run berth -C "$D" up
    echo "$output"
    [ "$status" -eq 0 ]
    local out=$BATS_TEST_TMPDIR/l.out err=$BATS_TEST_TMPDIR/l.err i
    for i in $(seq 300); do
        berth -C "$D" logs --no-color >"$out" 2>"$err" || true
        [ "$(grep -c 'B-err' "$err")" -eq 1 ] && [ "$(grep -c 'A-err' "$err")" -eq 1 ] && break
        sleep 0.1
    done
    cat "$out" "$err"
    berth -C "$D" logs --no-color >"$out" 2>"$err"
    [ "$(grep -c '^a:main | A-[123] X=$' "$out")" -eq 3 ]
    [ "$(grep -c '^b:main | B-[123] X=$' "$out")" -eq 3 ]
    [ "$(wc -l < "$out")" -eq 6 ]
    grep -q '^a:main | A-err$' "$err"
    grep -q '^b:main | B-err$' "$err"
    # merged by the engines' timestamps: the lines come in time order
    berth -C "$D" logs --no-color -t >"$out" 2>/dev/null
    cat "$out"
    awk '{print $3}' "$out" | sort -c
    # one target on each engine, and one alone
    run berth -C "$D" logs --no-color b
    [ "$status" -eq 0 ]
    [[ "$output" == *"b:main | B-3"* ]]
    [[ "$output" != *"A-"* ]]
    run berth -C "$D" logs --no-color --format json a b
    [ "$status" -eq 0 ]
    [ "$(grep -c '"part":"a"' <<<"$output")" -eq 4 ]
    [ "$(grep -c '"part":"b"' <<<"$output")" -eq 4 ]
}

@test "logs -f follows containers on both engines, restarts and re-creations on B, until Ctrl-C" {
    two_engine_project
    run berth -C "$D" up
    [ "$status" -eq 0 ]
    local out=$BATS_TEST_TMPDIR/f.out err=$BATS_TEST_TMPDIR/f.err
    "$BERTH" -C "$D" logs -f --no-color >"$out" 2>"$err" &
    FOLLOW=$!
    wait_grep "$out" '^a:main | A-3 X=$' 1
    wait_grep "$out" '^b:main | B-3 X=$' 1
    # a restart on B: its stream re-opened, its new lines shown once
    berth -C "$D" restart -t 1 b >/dev/null 2>&1
    wait_grep "$out" '^b:main | B-3 X=$' 2
    # a new container on B (env changed): found by B's own event stream
    berth -C "$D" -s b.env=X=1 up b >/dev/null 2>&1
    wait_grep "$out" '^b:main | B-3 X=1$' 1
    # and A's too
    berth -C "$D" -s a.env=X=2 up a >/dev/null 2>&1
    wait_grep "$out" '^a:main | A-3 X=2$' 1
    kill -INT "$FOLLOW"
    local rc=0
    wait "$FOLLOW" || rc=$?
    FOLLOW=
    cat "$out" "$err"
    [ "$rc" -eq 0 ]
    [ "$(grep -c '^b:main | B-[123] X=$' "$out")" -eq 6 ]
    [ "$(grep -c '^b:main | B-[123] X=1$' "$out")" -eq 3 ]
    [ "$(grep -c '^a:main | A-[123] X=$' "$out")" -eq 3 ]
    [ "$(grep -c '^a:main | A-[123] X=2$' "$out")" -eq 3 ]
}

@test "logs -f ends with an error naming the engine whose event stream ended (engine B stopped)" {
    two_engine_project
    run berth -C "$D" up
    [ "$status" -eq 0 ]
    local out=$BATS_TEST_TMPDIR/s.out err=$BATS_TEST_TMPDIR/s.err
    "$BERTH" -C "$D" logs -f --no-color >"$out" 2>"$err" &
    FOLLOW=$!
    wait_grep "$out" '^a:main | A-3 X=$' 1
    wait_grep "$out" '^b:main | B-3 X=$' 1
    "$BERTH" engine stop --dir "$ME_B" >/dev/null
    local rc=0
    wait "$FOLLOW" || rc=$?
    FOLLOW=
    "$BERTH" engine start --dir "$ME_B" >/dev/null
    cat "$out" "$err"
    [ "$rc" -ne 0 ]
    grep -q "the engine at unix://$SOCK_B" "$err"
}

@test "cp: a container side on either engine to and from the host, and container A to container B across engines" {
    two_engine_project
    run berth -C "$D" up
    [ "$status" -eq 0 ]
    local h=$BATS_TEST_TMPDIR/h
    mkdir -p "$h/tree/sub"
    echo "from the host" > "$h/tree/sub/f.txt"
    chmod 640 "$h/tree/sub/f.txt"
    # host -> B, B -> host
    run berth -C "$D" cp "$h/tree" b:/tmp/
    echo "$output"
    [ "$status" -eq 0 ]
    run api "$SOCK_B" "/containers/$P-b-main/archive?path=/tmp/tree/sub/f.txt"
    [ "$status" -eq 0 ]
    [ "$(berth -C "$D" exec b cat /tmp/tree/sub/f.txt)" = "from the host" ]
    run berth -C "$D" exec a ls /tmp/tree
    [ "$status" -ne 0 ] # only B got it
    mkdir "$h/back"
    run berth -C "$D" cp b:/tmp/tree/ "$h/back"
    [ "$status" -eq 0 ]
    [ "$(cat "$h/back/sub/f.txt")" = "from the host" ]
    [ "$(stat -c %a "$h/back/sub/f.txt")" = 640 ]
    # A -> B: streamed from A's archive into B's, renamed on the way
    berth -C "$D" exec a sh -c 'mkdir -p /srv/data/deep && echo "made on A" > /srv/data/deep/x && chmod 604 /srv/data/deep/x'
    run berth -C "$D" cp a:/srv/data b:/tmp/copied
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(berth -C "$D" exec b cat /tmp/copied/deep/x)" = "made on A" ]
    [ "$(berth -C "$D" exec b stat -c %a /tmp/copied/deep/x)" = 604 ]
    # B -> A: a file into a folder
    run berth -C "$D" cp b:/tmp/tree/sub/f.txt a:/srv/
    [ "$status" -eq 0 ]
    [ "$(berth -C "$D" exec a cat /srv/f.txt)" = "from the host" ]
    # a missing source on B is named as B's container's path
    run berth -C "$D" cp b:/nope a:/srv/
    [ "$status" -ne 0 ]
    [[ "$output" == *"b:main:/nope does not exist"* ]]
}

# [project] registry with its login: images move through it.
registry_keys() {
    sed -i "s|^name = $P\$|&\nregistry = $1\nregistry-username = $REG_USER\nregistry-password = \${env:MOVE_PW}|" "$D/berth.ini"
}

@test "with [project] registry, an image built on A moves to B through the registry (pushed from A, pulled on B); a second up moves nothing; the login is never shown" {
    start_registry plain
    export MOVE_PW=$REG_PASSWORD
    export DOCKER_CONFIG=$BATS_TEST_TMPDIR/docker-config # no login but the project's
    registry_keys "$REG"
    local all=$BATS_TEST_TMPDIR/all-output
    run berth -C "$D" plan
    printf '%s\n' "$output" >> "$all"
    [ "$status" -eq 0 ]
    [[ "$output" == *"move      image webimg to eng_b"*"through $REG"* ]]
    run berth -C "$D" --progress plain up
    printf '%s\n' "$output" >> "$all"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"image webimg to eng_b"*"pushing"* ]]
    [[ "$output" == *"image webimg to eng_b"*"pulling"* ]]
    [[ "$output" != *"MB moved"* ]] # not streamed
    # the registry holds it, under the project's name
    [ "$(curl -sf -u "$REG_USER:$REG_PASSWORD" "http://$REG/v2/$P/webimg/tags/list" | jq -c .tags)" = '["latest"]' ]
    # the same image on both engines, under the part's name; no REGISTRY/ tag left on either
    [ "$(image_id "$SOCK_A" "$P/webimg")" = "$(image_id "$SOCK_B" "$P/webimg")" ]
    ! api "$SOCK_A" /images/json | grep -qF "$REG/"
    ! api "$SOCK_B" /images/json | grep -qF "$REG/"
    has_container "$SOCK_B" "$P-client-main"
    run berth -C "$D" exec client cat /www/index.html
    [ "$output" = "hello from engine A" ]
    # a second up moves nothing
    run berth -C "$D" --progress plain up
    printf '%s\n' "$output" >> "$all"
    [ "$status" -eq 0 ]
    [[ "$output" == *"0 change(s)"* ]]
    [[ "$output" != *"moving"* ]]
    [[ "$output" != *"pushing"* ]]
    run berth -C "$D" config
    printf '%s\n' "$output" >> "$all"
    [[ "$output" == *"registry = $REG"* ]]
    run berth -C "$D" ps
    printf '%s\n' "$output" >> "$all"
    # the login: in no output, no label, nothing berth wrote
    ! grep -qF "$REG_PASSWORD" "$all"
    local s
    for s in "$SOCK_A" "$SOCK_B"; do
        ! api "$s" "/containers/json?all=1" | grep -qF "$REG_PASSWORD"
        ! api "$s" "/images/json" | grep -qF "$REG_PASSWORD"
        ! api "$s" "/images/$P/webimg/json" | grep -qF "$REG_PASSWORD"
    done
    ! grep -rqF "$REG_PASSWORD" "$D/.berth" 2>/dev/null
}

@test "a registry named but not answering fails the move, naming it; nothing streams around it" {
    registry_keys "127.0.0.1:$(free_port)"
    export MOVE_PW=unused-pw DOCKER_CONFIG=$BATS_TEST_TMPDIR/docker-config
    run berth -C "$D" --progress plain up
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"pushing image $P/webimg to 127.0.0.1:"* ]]
    ! has_container "$SOCK_B" "$P-client-main"
    ! api "$SOCK_B" "/images/$P/webimg/json" >/dev/null
    [[ "$output" != *"unused-pw"* ]]
}

@test "[project] registry: a name that is no registry, or a login without registry or half a login, is refused with file:line" {
    sed -i "s|^name = $P\$|&\nregistry = myregistry|" "$D/berth.ini"
    run berth -C "$D" plan
    [ "$status" -eq 3 ]
    [[ "$output" == *"berth.ini:3: "*"'myregistry' is not a registry"* ]]
    sed -i "s|^registry = myregistry|registry = http://127.0.0.1:5000|" "$D/berth.ini"
    run berth -C "$D" plan
    [ "$status" -eq 3 ]
    [[ "$output" == *"berth.ini:3: "*"is not a registry"* ]]
    sed -i "s|^registry = .*|registry-username = me|" "$D/berth.ini"
    run berth -C "$D" plan
    [ "$status" -eq 3 ]
    [[ "$output" == *"berth.ini:3: "*"registry-username without registry"* ]]
    sed -i "s|^registry-username = me|registry = localhost:5000/moves\nregistry-username = me|" "$D/berth.ini"
    run berth -C "$D" plan
    [ "$status" -eq 3 ]
    [[ "$output" == *"berth.ini:4: "*"registry-username needs registry-password"* ]]
    sed -i "/^registry-username = me/d" "$D/berth.ini"
    run berth -C "$D" plan
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"through localhost:5000/moves"* ]]
}

@test "an engine part's timeout bounds its first contact: an engine that takes the connection and never answers fails its parts, naming the part and its timeout" {
    # a TCP listener that never accepts: the kernel takes the connection,
    # nothing ever answers (the default wait for a first answer is 15 s)
    python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1]); sys.stdout.flush(); time.sleep(300)' > "$BATS_TEST_TMPDIR/port" &
    local mute=$! i
    for i in $(seq 50); do [ -s "$BATS_TEST_TMPDIR/port" ] && break; sleep 0.1; done
    cat >> "$D/berth.ini" <<INI
[mute]
recipe = engine
url = tcp://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/port")
timeout = 1s
[lost]
recipe = container
image = berth-busybox
engine = mute
command = sleep 300
INI
    run timeout 60 "$BERTH" -C "$D" --progress plain up lost
    kill "$mute"; wait "$mute" 2>/dev/null || true
    echo "$output"
    [ "$status" -ne 0 ]
    [ "$status" -ne 124 ]
    [[ "$output" == *"engine part 'mute' ($D/berth.ini:"*"timeout = 1s"* ]]
}

@test "a network or volume part that names its engine is made there too, besides on the engines of the parts that use it" {
    two_engine_project
    cat >> "$D/berth.ini" <<INI
[net]
recipe = network
engine = eng_b
[vol]
recipe = volume
engine = eng_b
INI
    sed -i "/^engine = eng_a/a networks = net\nvolumes = vol:/data" "$D/berth.ini"
    run berth -C "$D" plan
    echo "$output"
    [ "$status" -eq 0 ]
    # (the engines' sections come in no fixed order)
    local e
    for e in eng_a eng_b; do
        run_section=$(awk -v e="$e" 'index($0, "changes on engine " e " (") == 1 {on = 1; next}
                                     on && /^$/ {on = 0} on' <<<"$output")
        [[ "$run_section" == *"create    network net "* ]]
        [[ "$run_section" == *"create    volume vol "* ]]
    done
    run berth -C "$D" up
    [ "$status" -eq 0 ]
    api "$SOCK_A" "/networks/$P-net" >/dev/null
    api "$SOCK_B" "/networks/$P-net" >/dev/null
    api "$SOCK_A" "/volumes/$P-vol" >/dev/null
    api "$SOCK_B" "/volumes/$P-vol" >/dev/null
    run berth -C "$D" down --volumes --yes
    echo "$output"
    [ "$status" -eq 0 ]
    ! api "$SOCK_B" "/networks/$P-net" >/dev/null
    ! api "$SOCK_B" "/volumes/$P-vol" >/dev/null
    ! api "$SOCK_A" "/networks/$P-net" >/dev/null
    ! api "$SOCK_A" "/volumes/$P-vol" >/dev/null
}

@test "a copy part copies from a container on A into one on B, each read on its own engine; a copy part's own engine is refused with file:line" {
    two_engine_project
    cat >> "$D/berth.ini" <<INI
[carry]
recipe = copy
container-from = a
container-to = b
paths = /etc/hostname /tmp/a-hostname
INI
    run berth -C "$D" --progress plain up
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(berth -C "$D" exec b cat /tmp/a-hostname)" = "$(berth -C "$D" exec a cat /etc/hostname)" ]
    run berth -C "$D" plan
    [ "$status" -eq 0 ]
    [[ "$output" == *"nothing to do"* ]]
    echo "engine = eng_a" >> "$D/berth.ini"
    run berth -C "$D" plan
    echo "$output"
    [ "$status" -eq 3 ]
    [[ "$output" == *"berth.ini:$(grep -n '^engine = eng_a$' "$D/berth.ini" | tail -1 | cut -d: -f1): "*"a copy part acts on the engines of its containers"* ]]
}

@test "engine B stopped: logs shows A's lines and fails naming B; cp to B's container names B, not a missing container" {
    two_engine_project
    run berth -C "$D" up
    [ "$status" -eq 0 ]
    local out=$BATS_TEST_TMPDIR/d.out i
    for i in $(seq 300); do
        berth -C "$D" logs --no-color a >"$out" 2>/dev/null || true
        [ "$(grep -c '^a:main | A-[123]' "$out")" -eq 3 ] && break
        sleep 0.1
    done
    "$BERTH" engine stop --dir "$ME_B" >/dev/null
    run berth -C "$D" logs --no-color
    local logs_status=$status logs_output=$output
    run berth -C "$D" cp "$BATS_TEST_TMPDIR" b:/tmp/
    local cp_status=$status cp_output=$output
    "$BERTH" engine start --dir "$ME_B" >/dev/null
    echo "$logs_output"; echo "$cp_output"
    [ "$logs_status" -ne 0 ]
    [ "$(grep -c '^a:main | A-[123] X=$' <<<"$logs_output")" -eq 3 ]
    [[ "$logs_output" == *"engine part 'eng_b' ($D/berth.ini:"*") at unix://$SOCK_B"* ]]
    [ "$cp_status" -ne 0 ]
    [[ "$cp_output" == *"engine part 'eng_b'"* ]]
    [[ "$cp_output" != *"run 'berth up"* ]]
}
