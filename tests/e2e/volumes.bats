#!/usr/bin/env bats
# Volumes: a container's anonymous volumes go with it (recreate, down); a
# project whose .berth/ data folder was deleted comes up again, its
# persistent folders made anew and seeded from the image.
load helpers
load project_helpers

# The names of the volumes mounted in CONTAINER without a name of their own.
anon_of() { ins "containers/$1" '.Mounts[] | select(.Type == "volume") | .Name' | grep -E '^[0-9a-f]{64}$'; }

@test "anonymous volumes go with their container: on recreate, and on down" {
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[web]
recipe = container
image = $IMG
command = $QUICK
volumes = /anon
env = V=1
stop-timeout = 1s
EOF
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    first=$(anon_of "$P-web-main")
    [ -n "$first" ]
    exists "volumes/$first"
    sed -i 's/V=1/V=2/' "$DIR/berth.ini"
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    [[ "$output" == *"recreate"* || "$output" == *"web:main"* ]]
    second=$(anon_of "$P-web-main")
    [ -n "$second" ] && [ "$second" != "$first" ]
    absent "volumes/$first"
    run berth -C "$DIR" --progress plain down
    [ "$status" -eq 0 ]
    absent "volumes/$second"
}

@test "a deleted .berth/ folder is made again by up, seeded from the image as on a first run" {
    mkdir -p "$DIR/web"
    printf 'FROM %s\nRUN mkdir -p /data && echo seeded > /data/initial.txt\n' "$IMG" > "$DIR/web/Dockerfile"
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[web_image]
recipe = build
source = web

[web]
recipe = container
build = web_image
command = $QUICK
instances = master
stop-timeout = 1s
EOF
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    data=$DIR/.berth/data/web/master/data
    [ "$(cat "$data/initial.txt")" = seeded ]
    # a fresh clone: the data folder is gone, the engine still has the volumes
    run berth -C "$DIR" --progress plain down
    [ "$status" -eq 0 ]
    rm -rf "$DIR/.berth"
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    [ "$(cat "$data/initial.txt")" = seeded ]
    [ "$(state "$P-web-master")" = running ]
    # deleted under a stopped container, which up starts again
    berth -C "$DIR" stop
    rm -rf "$DIR/.berth"
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    [ "$(state "$P-web-master")" = running ]
    [ -d "$data" ]
}
