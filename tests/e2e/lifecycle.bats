#!/usr/bin/env bats
# ps, stop, start, restart, down against the real engine. Containers are made
# straight through the API (labelled as `up` labels them), so these tests do
# not depend on `up`. Each test has its own project name; teardown removes
# everything named after it or labelled with it, even when a test fails.
load helpers

IMG=berth-e2e-busybox

setup() {
    P=$(test_project)
    SOCK=${DOCKER_HOST#unix://}
    DIR=$(mktemp -d /tmp/btl.XXXXXX)
    busybox_image "$IMG"
    printf '[project]\nname = %s\n\n[web]\nrecipe = container\nimage = %s\ninstances = one two\n\n[db]\nrecipe = container\nimage = %s\n' \
        "$P" "$IMG" "$IMG" > "$DIR/berth.ini"
}

teardown() {
    local kind id
    for kind in containers networks volumes images; do
        for id in $(leftovers "$kind"); do
            case $kind in
            containers) api -X DELETE "http://e/containers/$id?force=1" ;;
            *) api -X DELETE "http://e/$kind/$id" ;;
            esac
        done
    done
    rm -rf "$DIR" "${OUTSIDE:-}"
}

api() { curl -sf --unix-socket "$SOCK" "$@"; }
# The project's container stops since unix time $1, from the engine's
# events: "parallel" when every SIGTERM came before the first death, then
# "grace S" per container: seconds from its SIGTERM to its death.
stops() {
    api -G "http://e/events" --data-urlencode "since=$1" --data-urlencode "until=$(($(date +%s) + 1))" \
        --data-urlencode "filters={\"type\":[\"container\"],\"label\":[\"berth.project=$P\"]}" |
        python3 -c '
import json, sys
term, die = {}, {}
for line in sys.stdin:
    e = json.loads(line)
    who, t = e["Actor"]["ID"], e["timeNano"] / 1e9
    if e["Action"] == "kill" and e["Actor"]["Attributes"].get("signal") == "15":
        term.setdefault(who, t)
    elif e["Action"] == "die" and who in term:
        die.setdefault(who, t)
if term and die and max(term.values()) < min(die.values()):
    print("parallel")
for who in die:
    print("grace %.3f" % (die[who] - term[who]))
'
}

# Ids (names for volumes) of objects named after the project or labelled with it.
leftovers() {
    local path=$1
    [ "$1" = containers ] && path='containers/json?all=1'
    [ "$1" = images ] && path='images/json'
    api "http://e/$path" | python3 -c '
import json, sys
p, kind = sys.argv[1], sys.argv[2]
d = json.load(sys.stdin)
if kind == "volumes": d = d["Volumes"] or []
for o in d:
    names = o.get("Names") or [o.get("Name") or ""]
    names += o.get("RepoTags") or []
    lab = o.get("Labels") or {}
    if lab.get("berth.project") == p or any(n.lstrip("/").startswith((p + "-", p + "/")) for n in names):
        print(o["Name"] if kind == "volumes" else o["Id"])
' "$P" "$1"
}

# ctr INSTANCE [start|create] [EXTRA-LABELS-JSON] [PART]: a labelled container P-PART-INSTANCE.
# Its shell leaves at once on SIGTERM, so stops are quick.
ctr() {
    local inst=$1 how=${2:-start} extra=${3:-} part=${4:-web}
    local labels="\"berth.project\":\"$P\",\"berth.part\":\"$part\",\"berth.instance\":\"$inst\",\"berth.instance-type\":\"standard\",\"berth.kind\":\"container\",\"berth.stop-timeout\":\"1\"${extra:+,$extra}"
    api -X POST -H 'Content-Type: application/json' \
        -d "{\"Image\":\"$IMG\",\"Cmd\":[\"sh\",\"-c\",\"trap 'exit 0' TERM; sleep 1000 & wait\"],\"Labels\":{$labels},\"HostConfig\":{\"NetworkMode\":\"none\"}}" \
        "http://e/containers/create?name=$P-$part-$inst" >/dev/null
    [ "$how" = create ] || api -X POST "http://e/containers/$P-$part-$inst/start" >/dev/null
}

state() { api "http://e/containers/$1/json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["State"]["Status"])'; }
exists() { api "http://e/$1/$2" >/dev/null; }

@test "lifecycle commands answer --help with their usage" {
    for c in ps down clean stop start restart; do
        run berth "$c" --help
        [ "$status" -eq 0 ]
        [[ "$output" == "usage: berth "* ]]
    done
    run berth help stop
    [[ "$output" == *"-t, --timeout SECONDS"* ]]
}

@test "ps shows running containers; -a the stopped ones too, sorted by part and instance" {
    ctr two
    ctr one
    ctr three create
    ctr one start '' db
    run berth -C "$DIR" ps
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "PART"*"INSTANCE"*"TYPE"*"STATE"*"HEALTH"*"IP"*"PORTS"*"IMAGE"*"STATUS" ]]
    [ "${#lines[@]}" -eq 4 ]
    [[ "${lines[1]}" == "db "*"one "*"standard"*"running"* ]]
    [[ "${lines[2]}" == "web "*"one "*"running"*"$IMG"*"Up "* ]]
    [[ "${lines[3]}" == "web "*"two "* ]]
    [[ "$output" != *three* ]]
    run berth -C "$DIR" ps -a
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 5 ]
    [[ "${lines[3]}" == "web "*"three "*"created"* ]]
    run berth -C "$DIR" ps web:two
    [ "${#lines[@]}" -eq 2 ]
    [[ "${lines[1]}" == "web "*"two "* ]]
}

@test "ps --format json holds every field" {
    ctr one
    ctr two create
    run berth -C "$DIR" ps -a --format json
    [ "$status" -eq 0 ]
    python3 - "$output" "$P" "$IMG" <<'PY'
import json, sys
rows, p, img = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
assert [r["instance"] for r in rows] == ["one", "two"], rows
for r in rows:
    for k in ("id", "name", "part", "instance", "type", "state", "health", "ports", "image", "status"):
        assert k in r, (k, r)
one, two = rows
assert one["name"] == p + "-web-one" and len(one["id"]) == 64, one
assert one["state"] == "running" and one["status"].startswith("Up"), one
assert two["state"] == "created", two
assert one["health"] is None and one["ports"] == [] and one["image"] == img, one
assert one["type"] == "standard", one
PY
}

@test "ps shows published ports and health from the one list call" {
    api -X POST -H 'Content-Type: application/json' \
        -d "{\"Name\":\"$P-default\",\"Labels\":{\"berth.project\":\"$P\"}}" \
        http://e/networks/create >/dev/null
    api -X POST -H 'Content-Type: application/json' \
        -d "{\"Image\":\"$IMG\",\"Cmd\":[\"sleep\",\"1000\"],\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{}},\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Interval\":200000000},\"Labels\":{\"berth.project\":\"$P\",\"berth.part\":\"web\",\"berth.instance\":\"one\"},\"HostConfig\":{\"NetworkMode\":\"$P-default\",\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"\"}]}}}" \
        "http://e/containers/create?name=$P-web-one" >/dev/null
    api -X POST "http://e/containers/$P-web-one/start" >/dev/null
    for i in $(seq 50); do
        [[ "$(berth -C "$DIR" ps)" == *healthy* ]] && break
        sleep 0.1
    done
    run berth -C "$DIR" ps
    [ "$status" -eq 0 ]
    [[ "${lines[1]}" =~ \ healthy\ +[0-9.]+\ +53/udp,127\.0\.0\.1:[0-9]+-\>80/tcp\  ]]
    [[ "${lines[1]}" == *" Up "* && "${lines[1]}" != *"(healthy)"* ]]
    run berth -C "$DIR" ps --format json
    python3 - "$output" <<'PY'
import json, sys
r, = json.loads(sys.argv[1])
assert r["health"] == "healthy", r
assert r["ports"][0] == "53/udp" and r["ports"][1].startswith("127.0.0.1:"), r
assert r["type"] == "", r
PY
}

@test "stop web:one stops only it; start brings it back" {
    ctr one
    ctr two
    run berth -C "$DIR" --progress plain stop web:one
    [ "$status" -eq 0 ]
    [[ "$output" == *"web:one"*"stopped"* ]]
    [ "$(state "$P-web-one")" = exited ]
    [ "$(state "$P-web-two")" = running ]
    run berth -C "$DIR" --progress plain start
    [ "$status" -eq 0 ]
    [[ "$output" == *"web:one"*"started"* ]]
    [[ "$output" != *"web:two"* ]] # already running: nothing to do
    [ "$(state "$P-web-one")" = running ]
    run berth -C "$DIR" start
    [ "$status" -eq 0 ]
    [[ "$output" == *"nothing to start"* ]]
}

@test "stop runs in parallel, each container with its own grace; -t overrides it" {
    # PID 1 ignores SIGTERM: each stop takes its whole grace
    for i in a b c; do
        api -X POST -H 'Content-Type: application/json' \
            -d "{\"Image\":\"$IMG\",\"Cmd\":[\"sleep\",\"1000\"],\"Labels\":{\"berth.project\":\"$P\",\"berth.part\":\"web\",\"berth.instance\":\"$i\",\"berth.stop-timeout\":\"4\"},\"HostConfig\":{\"NetworkMode\":\"none\"}}" \
            "http://e/containers/create?name=$P-web-$i" >/dev/null
        api -X POST "http://e/containers/$P-web-$i/start" >/dev/null
    done
    t0=$(date +%s)
    run berth -C "$DIR" stop web
    [ "$status" -eq 0 ]
    [ "$(state "$P-web-c")" = exited ]
    # Read on the engine's own clock (its events), not berth's wall time,
    # which a loaded machine stretches: every SIGTERM is sent before the
    # first container dies (side by side, not one after another), and each
    # dies at least its 4 s grace after its SIGTERM.
    stops "$t0" | grep -q '^parallel$'
    [ "$(stops "$t0" | grep -c '^grace [0-9.]*$')" -eq 3 ]
    for g in $(stops "$t0" | sed -n 's/^grace //p'); do
        python3 -c "import sys; sys.exit(0 if float('$g') >= 3.9 else 1)"
    done
    berth -C "$DIR" start web
    t0=$(date +%s)
    run berth -C "$DIR" stop -t 0
    [ "$status" -eq 0 ]
    # killed at once, not after 4 s
    for g in $(stops "$t0" | sed -n 's/^grace //p'); do
        python3 -c "import sys; sys.exit(0 if float('$g') < 3.5 else 1)"
    done
}

@test "restart stops and starts again" {
    ctr one
    ctr two create
    before=$(api "http://e/containers/$P-web-one/json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["State"]["StartedAt"])')
    run berth -C "$DIR" --progress plain restart
    [ "$status" -eq 0 ]
    [[ "$output" == *"web:one"*"restarted"* ]]
    [[ "$output" == *"web:two"*"restarted"* ]]
    after=$(api "http://e/containers/$P-web-one/json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["State"]["StartedAt"])')
    [ "$before" != "$after" ]
    [ "$(state "$P-web-one")" = running ]
    [ "$(state "$P-web-two")" = running ]
}

@test "down removes the project's containers and networks, and nothing unlabelled" {
    ctr one
    ctr two create
    ctr one start '' db
    api -X POST -H 'Content-Type: application/json' \
        -d "{\"Name\":\"$P-default\",\"Labels\":{\"berth.project\":\"$P\",\"berth.kind\":\"network\"}}" \
        http://e/networks/create >/dev/null
    # foreign: named like ours, but without labels
    api -X POST -H 'Content-Type: application/json' \
        -d "{\"Image\":\"$IMG\",\"Cmd\":[\"sleep\",\"1000\"],\"HostConfig\":{\"NetworkMode\":\"none\"}}" \
        "http://e/containers/create?name=$P-web-three" >/dev/null
    api -X POST -H 'Content-Type: application/json' -d "{\"Name\":\"$P-foreign\"}" \
        http://e/networks/create >/dev/null

    run berth -C "$DIR" down
    [ "$status" -eq 0 ]
    [[ "$output" == *"removed 3 containers, 1 network"* ]]
    if exists containers "$P-web-one/json"; then false; fi  # must fail
    if exists containers "$P-web-two/json"; then false; fi  # must fail
    if exists containers "$P-db-one/json"; then false; fi  # must fail
    if exists networks "$P-default"; then false; fi  # must fail
    exists containers "$P-web-three/json"
    exists networks "$P-foreign"

    run berth -C "$DIR" clean
    [ "$status" -eq 0 ]
    [[ "$output" == *"nothing to remove"* ]]
}

@test "down with a target removes only it and leaves the networks" {
    ctr one
    ctr two
    api -X POST -H 'Content-Type: application/json' \
        -d "{\"Name\":\"$P-default\",\"Labels\":{\"berth.project\":\"$P\"}}" \
        http://e/networks/create >/dev/null
    run berth -C "$DIR" down web:two
    [ "$status" -eq 0 ]
    [[ "$output" == *"removed 1 container"* ]]
    exists containers "$P-web-one/json"
    if exists containers "$P-web-two/json"; then false; fi  # must fail
    exists networks "$P-default"
}

@test "down honours keep (the project's setting; the label when the project does not load)" {
    # keep is the project's setting for a part in the project (so that -s
    # db.keep=false works), the berth.keep label otherwise
    printf 'keep = true\n' >> "$DIR/berth.ini"
    ctr one start '"berth.keep":"true"' db
    ctr two
    api -X POST -H 'Content-Type: application/json' \
        -d "{\"Name\":\"$P-kept\",\"Labels\":{\"berth.project\":\"$P\",\"berth.keep\":\"true\"}}" \
        http://e/networks/create >/dev/null
    run berth -C "$DIR" down
    [ "$status" -eq 0 ]
    [[ "$output" == *"kept container db:one (keep = true)"* ]]
    [[ "$output" == *"kept network $P-kept"* ]]
    [[ "$output" == *"removed 1 container"* ]]
    [ "$(state "$P-db-one")" = running ]
    if exists containers "$P-web-two/json"; then false; fi  # must fail
    exists networks "$P-kept"
    # without the project, the label decides
    run berth -C /nonexistent -p "$P" down
    [ "$status" -eq 0 ]
    [[ "$output" == *"kept container db:one (keep = true)"* ]]
}

@test "down --volumes refuses without a terminal unless --yes, then deletes volumes and data" {
    data="$DIR/.berth/data/web/one/data"
    mkdir -p "$data"
    echo precious > "$data/file"
    ctr one
    api -X POST -H 'Content-Type: application/json' \
        -d "{\"Name\":\"$P-vol\",\"Labels\":{\"berth.project\":\"$P\",\"berth.kind\":\"volume\"}}" \
        http://e/volumes/create >/dev/null
    api -X POST -H 'Content-Type: application/json' \
        -d "{\"Name\":\"$P-web-one-data\",\"DriverOpts\":{\"type\":\"none\",\"o\":\"bind\",\"device\":\"$data\"},\"Labels\":{\"berth.project\":\"$P\",\"berth.kind\":\"persistent\",\"berth.part\":\"web\",\"berth.instance\":\"one\"}}" \
        http://e/volumes/create >/dev/null
    api -X POST -H 'Content-Type: application/json' -d "{\"Name\":\"$P-foreignvol\"}" \
        http://e/volumes/create >/dev/null

    run berth -C "$DIR" down --volumes < /dev/null
    [ "$status" -eq 2 ]
    [[ "$output" == *"--yes"* ]]
    [ "$(state "$P-web-one")" = running ] # refused before touching anything
    exists volumes "$P-vol"

    run berth -C "$DIR" down --volumes --yes < /dev/null
    [ "$status" -eq 0 ]
    [[ "$output" == *"removed 1 container, 2 volumes"* ]]
    if exists volumes "$P-vol"; then false; fi  # must fail
    if exists volumes "$P-web-one-data"; then false; fi  # must fail
    [ ! -e "$data" ]
    [ -d "$DIR/.berth/data" ] # the data folder itself stays
    exists volumes "$P-foreignvol"
}

@test "down --volumes deletes no data folder outside the project's data folder" {
    OUTSIDE=$(mktemp -d /tmp/btl-outside.XXXXXX)
    outside=$OUTSIDE
    echo precious > "$outside/file"
    api -X POST -H 'Content-Type: application/json' \
        -d "{\"Name\":\"$P-web-one-data\",\"DriverOpts\":{\"type\":\"none\",\"o\":\"bind\",\"device\":\"$outside\"},\"Labels\":{\"berth.project\":\"$P\",\"berth.kind\":\"persistent\",\"berth.part\":\"web\",\"berth.instance\":\"one\"}}" \
        http://e/volumes/create >/dev/null
    run berth -C "$DIR" down --volumes -y
    [ "$status" -eq 1 ]
    [[ "$output" == *"not inside the project's data folder"* ]]
    [ -f "$outside/file" ]
}

@test "down --rmi removes the project's images, not others" {
    ctr one
    # labelled as berth labels the images it makes
    api -X POST "http://e/commit?container=$P-web-one&repo=$P/web&tag=latest&changes=LABEL%20berth.image.project%3D$P%20berth.image.ref%3D$P/web:latest" >/dev/null
    run berth -C "$DIR" down --rmi
    [ "$status" -eq 0 ]
    [[ "$output" == *"removed 1 container, 1 image"* ]]
    if exists images "$P/web/json"; then false; fi  # must fail
    exists images "$IMG/json"
}

@test "an unknown target is a usage error that suggests the nearest name" {
    ctr one
    run berth -C "$DIR" stop wbe
    [ "$status" -eq 2 ]
    [[ "$output" == *"did you mean 'web'"* ]]
    run berth -C "$DIR" ps web:noe
    [ "$status" -eq 2 ]
    [[ "$output" == *"did you mean 'one'"* ]]
    [ "$(state "$P-web-one")" = running ]
}

@test "orphans (labelled, no longer in the project) are still reachable by name" {
    ctr one start '' gone
    run berth -C "$DIR" ps gone
    [ "$status" -eq 0 ]
    [[ "${lines[1]}" == "gone "*"one "* ]]
    run berth -C "$DIR" down gone:one
    [ "$status" -eq 0 ]
    if exists containers "$P-gone-one/json"; then false; fi  # must fail
}

@test "a project that does not load: exit 3, but down -p NAME still cleans up" {
    ctr one
    echo '[web' > "$DIR/berth.ini"
    run berth -C "$DIR" ps
    [ "$status" -eq 3 ]
    run berth -C "$DIR" stop
    [ "$status" -eq 3 ]
    [ "$(state "$P-web-one")" = running ]
    run berth -C "$DIR" -p "$P" down
    [ "$status" -eq 0 ]
    [[ "$output" == *"did not load"* ]]
    if exists containers "$P-web-one/json"; then false; fi  # must fail
}
