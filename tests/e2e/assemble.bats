#!/usr/bin/env bats
# assemble parts against the real engine (issue 16.1, dockeroo's
# gentoo-build): a build container writes a tree; the assembled image holds
# exactly the copied paths, the layout with its owner, the script's change
# and the committed settings; a second up does nothing; a changed build
# script rebuilds, and plan says which input changed; a failing build fails
# the part with its output and leaves no container or temporary image.
load helpers

IMG=berth-e2e-busybox

setup_file() {
    export SOCK=${DOCKER_HOST#unix://}
    busybox_image "$IMG"
}

setup() {
    export P=tas$$x$BATS_TEST_NUMBER
    export D=$BATS_TEST_TMPDIR/p
    mkdir -p "$D/lay/etc"
    echo hello > "$D/lay/etc/motd"
    cat > "$D/berth.ini" <<EOF
[project]
name = $P

[tool]
recipe = assemble
build-image = $IMG
build-script =
    mkdir -p /out/bin /out/share/doc
    cp /bin/busybox /out/bin/
    echo doc > /out/share/doc/README
    echo one > /out/single
    echo building-now
copy =
    /out/bin/ /bin/
    /out/share /usr/share
    /out/single /etc/renamed
layout = lay
layout-uid = 1234
layout-gid = 99
script-shell = /bin/busybox sh
script = /bin/busybox mkdir -p /made && /bin/busybox touch /made/by-script
command = /bin/busybox sh
entrypoint = /bin/busybox
env = A=1
user = 1000
workdir = /made
labels = org.example.role=tool
expose = 9000
volumes = /data
EOF
}

teardown() {
    "$BERTH" -C "$D" --progress quiet down --rmi >/dev/null 2>&1 || true
}

api() {
    local path=$1
    shift
    curl -sf --unix-socket "$SOCK" "$@" "http://e$path"
}

# Containers and images of this test's project that are not its result.
leftovers() {
    api "/containers/json?all=1" | python3 -c '
import json, sys
print(len([c for c in json.load(sys.stdin) if (c["Labels"] or {}).get("berth.project") == sys.argv[1]]))' "$P"
    api "/images/json" | python3 -c '
import json, sys
print(len([i for i in json.load(sys.stdin) for t in (i["RepoTags"] or []) if t.startswith(sys.argv[1] + "-assemble")]))' "$P"
}

# The file list (with owners) of an image, from a container that never runs.
image_files() {
    local id
    id=$(api "/containers/create" -X POST -H 'Content-Type: application/json' \
        -d "{\"Image\":\"$1\",\"Cmd\":[\"x\"]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Id"])')
    api "/containers/$id/export" | tar --numeric-owner -tvf - | awk '{print $2, $6}'
    curl -sf --unix-socket "$SOCK" -X DELETE "http://e/containers/$id" >/dev/null
}

@test "the image holds the copied paths, the layout with its owner, the script's change" {
    run "$BERTH" -C "$D" --progress plain up
    [ "$status" -eq 0 ]
    [[ "$output" == *"building-now"* ]]
    run image_files "$P/tool"
    [ "$status" -eq 0 ]
    # What the engine puts in every container (mount points) aside:
    files=$(echo "$output" | grep -vE ' (\.dockerenv|dev/.*|dev/|proc/|sys/|etc/hosts|etc/hostname|etc/resolv\.conf|etc/mtab|etc/)$' | sort)
    [ "$files" = "$(printf '%s\n' '0/0 bin/' '0/0 bin/busybox' '0/0 etc/renamed' '0/0 made/' \
        '0/0 made/by-script' '0/0 usr/' '0/0 usr/share/' '0/0 usr/share/doc/' '0/0 usr/share/doc/README' \
        '1234/99 etc/motd' | sort)" ]
    [ "$(leftovers)" = "$(printf '0\n0')" ]
}

@test "the committed settings are the image's Config" {
    "$BERTH" -C "$D" --progress quiet up
    run sh -c "curl -sf --unix-socket $SOCK http://e/images/$P/tool/json | python3 -c '
import json, sys
c = json.load(sys.stdin)[\"Config\"]
print(c[\"Cmd\"], c[\"Entrypoint\"], c[\"Env\"], c[\"User\"], c[\"WorkingDir\"])
print(sorted(c[\"ExposedPorts\"]), sorted(c[\"Volumes\"]), c[\"Labels\"][\"org.example.role\"])'"
    [ "${lines[0]}" = "['/bin/busybox', 'sh'] ['/bin/busybox'] ['A=1'] 1000 /made" ]
    [ "${lines[1]}" = "['9000/tcp'] ['/data'] tool" ]
}

@test "a second up does nothing; a changed build-script rebuilds and plan says why" {
    "$BERTH" -C "$D" --progress quiet up
    run "$BERTH" -C "$D" plan
    [[ "$output" == *"nothing to do"* ]]
    id1=$(api "/images/$P/tool/json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Id"])')
    run "$BERTH" -C "$D" --progress plain up
    [[ "$output" == *"0 change(s)"* ]]
    sed -i 's/echo one > \/out\/single/echo two > \/out\/single/' "$D/berth.ini"
    run "$BERTH" -C "$D" plan
    [[ "$output" == *"build"*"image tool"*"changed: build-script"* ]]
    "$BERTH" -C "$D" --progress quiet up
    id2=$(api "/images/$P/tool/json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Id"])')
    [ "$id1" != "$id2" ]
    # The layout's content is an input too.
    echo changed > "$D/lay/etc/motd"
    run "$BERTH" -C "$D" plan
    [[ "$output" == *"changed: layout"* ]]
}

@test "a failing build script fails the part with its output and leaves nothing" {
    sed -i 's/    echo building-now/    echo about-to-fail; exit 7/' "$D/berth.ini"
    run "$BERTH" -C "$D" --progress plain up
    [ "$status" -eq 1 ]
    [[ "$output" == *"the script exited with 7"*"about-to-fail"* ]]
    [ "$(leftovers)" = "$(printf '0\n0')" ]
    run api "/images/$P/tool/json"
    [ "$status" -ne 0 ]
}

@test "a failing assemble script leaves nothing; --keep-failed keeps the containers" {
    sed -i 's|^script = .*|script = /bin/busybox false|' "$D/berth.ini"
    run "$BERTH" -C "$D" --progress plain up
    [ "$status" -eq 1 ]
    [ "$(leftovers)" = "$(printf '0\n0')" ]
    run "$BERTH" -C "$D" --progress plain up --keep-failed
    [ "$status" -eq 1 ]
    [[ "$output" == *"kept for --keep-failed"* ]]
    [ "$(leftovers | head -1)" = 2 ]
    # The next up clears its own leftovers and tries again.
    sed -i 's|^script = .*|script = /bin/busybox true|' "$D/berth.ini"
    run "$BERTH" -C "$D" --progress plain up
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(leftovers)" = "$(printf '0\n0')" ]
}

@test "dockeroo's style: base-image, a build-command that stays up while the script runs in it" {
    cat > "$D/berth.ini" <<EOF
[project]
name = $P

[app]
recipe = assemble
builder = $IMG
base = $IMG
shell = /bin/sh
build-command = sleep 1000
build-env = WHAT=from-env
build-script-user = 0:0
build-script = mkdir -p /tmp/o && echo \$WHAT > /tmp/o/what && id -u > /tmp/o/uid
copy = /tmp/o/ /srv/
command = cat /srv/what
EOF
    run "$BERTH" -C "$D" config
    [[ "$output" == *"build-image = $IMG"* ]]
    [[ "$output" == *"base-image = $IMG"* ]]
    [[ "$output" == *"script-shell = /bin/sh"* ]]
    run "$BERTH" -C "$D" --progress plain up
    [ "$status" -eq 0 ]
    id=$(api "/containers/create" -X POST -H 'Content-Type: application/json' \
        -d "{\"Image\":\"$P/app\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Id"])')
    api "/containers/$id/start" -X POST
    api "/containers/$id/wait" -X POST >/dev/null
    run sh -c "curl -sf --unix-socket $SOCK 'http://e/containers/$id/logs?stdout=1' | tr -d '\000-\010'"
    curl -sf --unix-socket "$SOCK" -X DELETE "http://e/containers/$id" >/dev/null
    [[ "$output" == *"from-env"* ]]
    [ "$(image_files "$P/app" | grep -c 'srv/uid$')" = 1 ]
    [ "$(leftovers)" = "$(printf '0\n0')" ]
}

@test "squash on an assemble part is refused at its line" {
    printf 'squash = true\n' >> "$D/berth.ini"
    run "$BERTH" -C "$D" plan
    [ "$status" -eq 3 ]
    [[ "$output" == *"berth.ini:"*"squash"*"not supported"* ]]
}

@test "copy without build-image is refused at its line" {
    sed -i '/^build-image/d' "$D/berth.ini"
    run "$BERTH" -C "$D" plan
    [ "$status" -eq 3 ]
    [[ "$output" == *"berth.ini:"*"needs 'build-image'"* ]]
}

@test "down --rmi removes the assembled image unless keep" {
    "$BERTH" -C "$D" --progress quiet up
    "$BERTH" -C "$D" --progress quiet down --rmi
    run api "/images/$P/tool/json"
    [ "$status" -ne 0 ]
    printf 'keep = true\n' >> "$D/berth.ini"
    "$BERTH" -C "$D" --progress quiet up
    "$BERTH" -C "$D" --progress quiet down --rmi
    run api "/images/$P/tool/json"
    [ "$status" -eq 0 ]
    curl -sf --unix-socket "$SOCK" -X DELETE "http://e/images/$P/tool" >/dev/null
}

@test "dockeroo's Gentoo-only options are refused at their line, not ignored" {
    printf 'packages = sys-apps/busybox\n' >> "$D/berth.ini"
    run "$BERTH" -C "$D" plan
    [ "$status" -eq 3 ]
    [[ "$output" == *"berth.ini:"*"packages"* ]]
}

@test "a container a user makes from the assembled image is theirs: up, ps and down leave it" {
    "$BERTH" -C "$D" --progress quiet up
    api "/containers/create?name=$P-mine" -X POST -H 'Content-Type: application/json' \
        -d "{\"Image\":\"$P/tool\",\"Cmd\":[\"/bin/busybox\",\"sleep\",\"1000\"]}" >/dev/null
    api "/containers/$P-mine/start" -X POST
    run "$BERTH" -C "$D" --progress plain up
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" != *"$P-mine"* ]]
    [ "$(api "/containers/$P-mine/json" | jq -r .State.Status)" = running ]
    run "$BERTH" -C "$D" ps -a
    [[ "$output" != *"$P-mine"* ]]
    run "$BERTH" -C "$D" --progress plain down
    [ "$status" -eq 0 ]
    [ "$(api "/containers/$P-mine/json" | jq -r .State.Status)" = running ]
    # the image carries image keys: none that makes a container one of berth's instances
    [ "$(api "/images/$P/tool/json" | jq -c '.Config.Labels | [has("berth.instance"), has("berth.part"), has("berth.kind"), ."berth.image.part", ."berth.image.project"]')" = "[false,false,false,\"tool\",\"$P\"]" ]
    curl -sf --unix-socket "$SOCK" -X DELETE "http://e/containers/$P-mine?force=1" >/dev/null
}

@test "down --rmi removes an assembled image built on a base image berth made" {
    mkdir -p "$BATS_TEST_TMPDIR/root/bin"
    cp /bin/busybox "$BATS_TEST_TMPDIR/root/bin/"
    tar -C "$BATS_TEST_TMPDIR/root" -cf "$BATS_TEST_TMPDIR/root.tar" .
    printf '%s\n' '[project]' "name = $P" '' '[base]' 'recipe = bootstrap' "image = $P/base" \
        "archives = $BATS_TEST_TMPDIR/root.tar" '' '[app]' 'recipe = assemble' "build-image = $IMG" \
        'base-image = ${base:image}' 'build-script = mkdir -p /o && echo hi > /o/x' 'copy = /o/x /x' \
        > "$D/berth.ini"
    run "$BERTH" -C "$D" --progress plain up
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(api "/images/$P/app/json" | jq -r '.Config.Labels."berth.image.part"')" = app ]
    run "$BERTH" -C "$D" --progress plain down --rmi
    echo "$output"
    [ "$status" -eq 0 ]
    run api "/images/$P/app/json"
    [ "$status" -ne 0 ]
    run api "/images/$P/base/json"
    [ "$status" -ne 0 ]
}
