#!/usr/bin/env bats
# berth owns exactly what it made. Labels are inherited (a container gets its
# image's labels, an image its parent's), so a container or image that
# someone else makes with the docker CLI from a berth image must never be
# listed, kept, recreated or removed as the project's. Each test makes the
# foreign object with /usr/bin/docker, as a user would.
load helpers
load project_helpers

DOCKER=/usr/bin/docker
dk() { "$DOCKER" -H "$DOCKER_HOST" "$@"; }

# A build part web_image (FROM the busybox image) and a container part web.
project() {
    mkdir -p "$DIR/web"
    printf 'FROM %s\nRUN echo hi > /hello\n' "$IMG" > "$DIR/web/Dockerfile"
    cat > "$DIR/berth.ini" <<EOF2
[project]
name = $P

[web_image]
recipe = build
source = web
$1

[web]
recipe = container
build = web_image
command = $QUICK
stop-timeout = 1s
EOF2
}

@test "ownership: a container docker run makes from a berth image is not the project's (ps, down)" {
    project
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    dk run -d --name "$P-mine" "$P/web_image" sleep 1000
    run berth -C "$DIR" ps -a --format json
    [ "$status" -eq 0 ]
    [ "$(jq -r '.[].name' <<<"$output")" = "$P-web-main" ]
    run berth -C "$DIR" --progress plain down
    [ "$status" -eq 0 ]
    [ "$(state "$P-mine")" = running ]
    absent "containers/$P-web-main"
    dk rm -f "$P-mine"
}

@test "ownership: a docker-run container holding an instance's name is refused by up, not recreated" {
    project
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    berth -C "$DIR" --progress quiet down
    dk run -d --name "$P-web-main" "$P/web_image" sleep 1000
    id=$(cid "$P-web-main")
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 1 ]
    [[ "$output" == *"a container named '$P-web-main' already exists and was not made by berth"* ]]
    [ "$(cid "$P-web-main")" = "$id" ]
    run berth -C "$DIR" ps -a --format json
    [ "$output" = "[]" ]
    dk rm -f "$P-web-main"
}

@test "ownership: a container of another project's image blocks this project as not made by berth" {
    project
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    Q=${P}q
    dk run -d --name "$Q-web-main" "$P/web_image" sleep 1000
    run berth -C "$DIR" -p "$Q" --progress plain up
    [ "$status" -eq 1 ]
    [[ "$output" == *"'$Q-web-main' already exists and was not made by berth"* ]]
    [[ "$output" != *"another berth project"* ]]
    dk rm -f "$Q-web-main"
}

@test "ownership: keep = true on an image does not keep the containers made from it" {
    project "keep = true"
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    run berth -C "$DIR" --progress plain down --rmi
    [ "$status" -eq 0 ]
    absent "containers/$P-web-main"
    exists "images/$P/web_image"
}

@test "ownership: down --rmi removes the project's image, not a child docker build made FROM it" {
    project
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    mkdir -p "$DIR/child"
    printf 'FROM %s/web_image\nRUN echo child > /child\n' "$P" > "$DIR/child/Dockerfile"
    DOCKER_BUILDKIT=0 dk build -q -t "$P-thirdparty/app:1" "$DIR/child"
    # and a container of that child, named like nothing of the project
    dk create --name "$P-third" "$P-thirdparty/app:1" sleep 1
    run berth -C "$DIR" --progress plain down --rmi
    [ "$status" -eq 0 ]
    exists "images/$P-thirdparty/app:1"
    exists "containers/$P-third"
    absent "images/$P/web_image"
    dk rm -f "$P-third"
    dk rmi "$P-thirdparty/app:1"
}

@test "ownership: an image's keep is its own, not inherited by the images built FROM it" {
    mkdir -p "$DIR/base" "$DIR/web"
    printf 'FROM %s\n' "$IMG" > "$DIR/base/Dockerfile"
    printf 'FROM %s/base_image\nRUN echo hi > /hello\n' "$P" > "$DIR/web/Dockerfile"
    cat > "$DIR/berth.ini" <<EOF2
[project]
name = $P

[base_image]
recipe = build
source = base
keep = true

[web_image]
recipe = build
source = web
EOF2
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    run berth -C "$DIR" --progress plain down --rmi
    [ "$status" -eq 0 ]
    [[ "$output" == *"kept image $P/base_image:latest"* ]]
    absent "images/$P/web_image"
    exists "images/$P/base_image"
    api -X DELETE "http://e/images/$P/base_image" >/dev/null
}

@test "ownership: images labelled by an older berth (berth.project) are still the project's, their children not" {
    project
    mkdir -p "$DIR/old" "$DIR/child"
    printf 'FROM %s\nLABEL berth.project=%s berth.part=web_image berth.kind=image berth.build-hash=x\n' \
        "$IMG" "$P" > "$DIR/old/Dockerfile"
    DOCKER_BUILDKIT=0 dk build -q -t "$P/web_image" "$DIR/old"
    printf 'FROM %s/web_image\nRUN echo child > /child\n' "$P" > "$DIR/child/Dockerfile"
    DOCKER_BUILDKIT=0 dk build -q -t "$P-thirdparty/app:1" "$DIR/child"
    run berth -C "$DIR" --progress plain down --rmi
    [ "$status" -eq 0 ]
    absent "images/$P/web_image"
    exists "images/$P-thirdparty/app:1"
    dk rmi "$P-thirdparty/app:1"
}

@test "ownership: down --rmi removes the previous builds of a part, not an untagged child built FROM one" {
    project
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    v1=$(ins "images/$P/web_image" .Id)
    printf 'FROM %s\nRUN echo v2 > /hello\n' "$IMG" > "$DIR/web/Dockerfile"
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    v2=$(ins "images/$P/web_image" .Id)
    [ "$v1" != "$v2" ]
    exists "images/$v1"            # the previous build, untagged now
    mkdir -p "$DIR/child"
    printf 'FROM %s/web_image\nRUN echo child > /child\n' "$P" > "$DIR/child/Dockerfile"
    child=$(DOCKER_BUILDKIT=0 dk build -q "$DIR/child")   # no tag
    run berth -C "$DIR" --progress plain down --rmi
    [ "$status" -eq 0 ]
    absent "images/$v1"
    absent "images/$P/web_image"
    exists "images/$child"
    dk rmi "$child"
}

@test "ownership: down --rmi removes berth's tag of an image, not a tag a user gave it" {
    project
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    dk tag "$P/web_image" "$P-mine/web:1"
    run berth -C "$DIR" --progress plain down --rmi
    [ "$status" -eq 0 ]
    absent "images/$P/web_image"
    exists "images/$P-mine/web:1"
    dk rmi "$P-mine/web:1"
}

@test "ownership: logs -f does not follow a container with the project's labels but not an instance's name" {
    project
    sed -i 's|^command = .*|command = ["sh", "-c", "echo hello from web; trap \\"exit 0\\" TERM; sleep 1000 \& wait"]|' "$DIR/berth.ini"
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    out=$BATS_TEST_TMPDIR/follow.out
    "$BERTH" -C "$DIR" logs -f >"$out" 2>&1 &
    follow=$!
    for i in $(seq 100); do grep -q "hello from web" "$out" && break; sleep 0.1; done
    # labels as a commit of berth's container would give them, another name
    dk run -d --name "$P-intruder" --label "berth.project=$P" --label berth.part=web \
        --label berth.instance=main "$IMG" sh -c 'echo intruder speaking; sleep 100'
    berth -C "$DIR" restart -t 1 web    # a start the follower does see
    for i in $(seq 100); do [ "$(grep -c "hello from web" "$out")" -ge 2 ] && break; sleep 0.1; done
    kill -INT "$follow"
    wait "$follow" || true
    [ "$(grep -c "hello from web" "$out")" -ge 2 ]
    ! grep -q "intruder" "$out" || { cat "$out"; false; }
    dk rm -f "$P-intruder"
}

@test "ownership: down removes a bootstrap's work container a killed up left, not a container of the bootstrapped image" {
    cat > "$DIR/berth.ini" <<EOF2
[project]
name = $P

[base]
recipe = bootstrap
files =
    /bin/busybox /bin/busybox
    /bin/busybox /bin/sh
script = /bin/busybox --install -s /bin && sleep 3
EOF2
    run berth -C "$DIR" --progress quiet up
    [ "$status" -eq 0 ]
    # a container of the bootstrapped image, named like nothing of berth's
    dk run -d --name "$P-mine" "$P/base" sleep 1000
    # an up killed while the bootstrap's script runs leaves its work container
    sed -i 's/sleep 3/sleep 30/' "$DIR/berth.ini"
    "$BERTH" -C "$DIR" --progress quiet up &
    pid=$!
    for i in $(seq 100); do exists "containers/$P-base-bootstrap" && break; sleep 0.1; done
    kill -9 "$pid"
    wait "$pid" || true
    exists "containers/$P-base-bootstrap"
    run berth -C "$DIR" --progress plain down
    [ "$status" -eq 0 ]
    absent "containers/$P-base-bootstrap"
    [ "$(state "$P-mine")" = running ]
    dk rm -f "$P-mine"
}
