#!/usr/bin/env bats
# Conventions users rely on: NO_COLOR, help for help, .dockerignore as
# docker reads it, each error said once, and a terminal view that never
# shows a line twice.
load helpers
load project_helpers

pty() { python3 "$E2E_DIR/pty.py" "$@"; }
screen() { python3 "$E2E_DIR/screen.py" "$@"; }

@test "help --help and help -h print help's usage" {
    for h in --help -h; do
        run berth help "$h"
        [ "$status" -eq 0 ]
        [[ "$output" == "usage: berth help [COMMAND]"* ]]
    done
    run berth help nosuch
    [ "$status" -eq 2 ]
}

# A build part whose output lines are long, a container part with two instances.
long_project() {
    mkdir -p "$DIR/img"
    printf 'FROM %s\nRUN echo a rather long line of build output that is wider than the terminal is\n' \
        "$IMG" > "$DIR/img/Dockerfile"
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[a_rather_long_image_name]
recipe = build
source = img
no-cache = true

[a]
recipe = container
build = a_rather_long_image_name
instances = one two
command = $QUICK
stop-timeout = 1s
EOF
}

@test "on a narrow terminal, up --force shows each line once" {
    long_project
    run berth -C "$DIR" --progress quiet up
    [ "$status" -eq 0 ]
    pty --cols 60 --rows 40 -- "$BERTH" -C "$DIR" up --force > "$DIR/out.raw"
    screen 60 < "$DIR/out.raw" > "$DIR/screen"
    [ "$(grep -c 'network (project)' "$DIR/screen")" -eq 1 ]
    [ "$(grep -c 'image a_rather_long_image_name' "$DIR/screen")" -eq 1 ]
    [ "$(grep -c 'a:one' "$DIR/screen")" -eq 1 ]
    [ "$(grep -c 'a:two' "$DIR/screen")" -eq 1 ]
    [ "$(grep -c 'change(s)' "$DIR/screen")" -eq 1 ]
}

@test "the progress view honours NO_COLOR" {
    long_project
    pty -- "$BERTH" -C "$DIR" up > "$DIR/with"
    [[ "$(cat "$DIR/with")" == *$'\033[32m'* ]]   # green marks on a terminal
    NO_COLOR=1 pty -- "$BERTH" -C "$DIR" up --force > "$DIR/without"
    [[ "$(cat "$DIR/without")" == *"✓"* ]]
    run grep -cP '\x1b\[[0-9;]*m' "$DIR/without"    # no colour at all
    [ "$output" = 0 ]
}

@test "--progress quiet says a failure once" {
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[a]
recipe = container
image = $IMG
command = ["no-such-program"]
EOF
    run berth -C "$DIR" --progress quiet up
    [ "$status" -ne 0 ]
    [ "$(grep -c 'no-such-program' <<<"$output")" -eq 1 ]
}

@test "an error names its subject once (image, copy part)" {
    mkdir -p "$DIR/img"
    printf 'FROM %s\n' "$IMG" > "$DIR/img/Dockerfile"
    printf '[\n' > "$DIR/img/.dockerignore"     # a malformed pattern
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[b]
recipe = build
source = img
EOF
    run berth -C "$DIR" --progress plain up
    [ "$status" -ne 0 ]
    [[ "$output" == *"image b"* ]]
    [[ "$output" != *"image b: image b"* ]]
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[src]
recipe = container
image = $IMG
command = $QUICK
stop-timeout = 1s

[dst]
recipe = container
image = $IMG
command = $QUICK
stop-timeout = 1s

[copy_part]
recipe = copy
container-from = src
container-to = dst
paths = /no/such/path /tmp/x
EOF
    run berth -C "$DIR" --progress plain up
    [ "$status" -ne 0 ]
    [[ "$output" == *"copy copy_part"* ]]
    [[ "$output" != *"copy copy_part: copy copy_part"* ]]
}

@test "a .dockerignore that lists the Dockerfile and itself still builds (docker sends both)" {
    mkdir -p "$DIR/img"
    printf 'FROM %s\nCOPY keep.txt /keep.txt\n' "$IMG" > "$DIR/img/Dockerfile"
    printf 'Dockerfile\n.dockerignore\nsecret.txt\n' > "$DIR/img/.dockerignore"
    echo kept > "$DIR/img/keep.txt"
    echo secret > "$DIR/img/secret.txt"
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[b]
recipe = build
source = img
EOF
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    exists "images/$P/b"
}

@test "the README's build line installs every package the build needs" {
    readme=$E2E_DIR/../../README.md
    line=$(grep -m1 '^apt-get install' "$readme")
    pkgs=$(sed -n '/^BUILD_PACKAGES=(/,/)/p' "$E2E_DIR/../../tools/lib.sh" | tr -d '()' | sed 's/BUILD_PACKAGES=//')
    for p in $pkgs; do
        [[ " $line " == *" $p "* ]] || { echo "README lacks $p"; false; }
    done
}
