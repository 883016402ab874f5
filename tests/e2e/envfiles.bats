#!/usr/bin/env bats
# A container's env-files, as docker's --env-file reads them: NAME=VALUE
# lines, # comments and blank lines skipped, NAME alone taken from berth's
# environment; below the part's own env. The container sees them, a changed
# file recreates it (plan says why), a missing file or a wrong line is an
# error with file:line, and config shows the files, never their values.
load helpers

IMG=berth-e2e-busybox

setup_file() {
    export P=tef$$
    export D=$(mktemp -d /tmp/bef.XXXXXX)
    busybox_image "$IMG"
    cat > "$D/berth.ini" <<EOF
[w]
recipe = container
image = $IMG
command = sh -c "trap 'exit 0' TERM; sleep 1000 & wait"
env-files = a.env
    b.env
env = B=from-env-key
EOF
    printf '# a comment\n\nA=1\nB=from-file\n  SPACED= x y \nFROM_BERTH\nNOT_SET_ANYWHERE\nEQ=a=b\n' > "$D/a.env"
    printf 'A=2\nONLY_B=b\n' > "$D/b.env"
}

teardown_file() {
    "$BERTH" -C "$D" -p "$P" down --volumes --yes >/dev/null 2>&1 || true
    rm -rf "$D"
}

b() { FROM_BERTH=host-value "$BERTH" -C "$D" -p "$P" "$@"; }
id_of() {
    curl -sf --unix-socket "${DOCKER_HOST#unix://}" "http://e/containers/$1/json" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["Id"])'
}

@test "env-files: the container sees the files' values, below the part's env" {
    run b up
    echo "$output"
    [ "$status" -eq 0 ]
    run b exec w -- sh -c 'echo "A=$A B=$B S=[$SPACED] H=$FROM_BERTH EQ=$EQ O=$ONLY_B N=${NOT_SET_ANYWHERE-unset}"'
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "A=2 B=from-env-key S=[ x y ] H=host-value EQ=a=b O=b N=unset" ]
    # each name once: the later file's, and env's over the files'
    run b exec w -- sh -c 'env | grep -c "^A="; env | grep -c "^B="'
    [ "$output" = "$(printf '1\n1')" ]
}

@test "env-files: config shows the files, not their values" {
    run b config
    [ "$status" -eq 0 ]
    [[ "$output" == *"a.env"* ]]
    [[ "$output" != *"from-file"* ]]
    [[ "$output" != *"ONLY_B"* ]]
}

@test "env-files: unchanged, up leaves the container; a changed file recreates it, and plan says so" {
    local id
    id=$(id_of "$P-w-main")
    run b up
    [ "$status" -eq 0 ]
    [ "$(id_of "$P-w-main")" = "$id" ]
    printf 'A=3\nONLY_B=b\n' > "$D/b.env"
    run b plan
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"recreate"*"w:main"*"Env"* ]] || [[ "$output" == *"w:main"*"recreate"*"Env"* ]]
    run b up
    [ "$status" -eq 0 ]
    [ "$(id_of "$P-w-main")" != "$id" ]
    run b exec w -- sh -c 'echo "A=$A"'
    [ "$output" = "A=3" ]
    # FROM_BERTH is taken from berth's environment: another value, another container
    id=$(id_of "$P-w-main")
    run env FROM_BERTH=other "$BERTH" -C "$D" -p "$P" up
    [ "$status" -eq 0 ]
    [ "$(id_of "$P-w-main")" != "$id" ]
    run b up
    [ "$status" -eq 0 ]
}

@test "env-files: a missing file, or a line that is not NAME=VALUE, is an error with file:line" {
    mv "$D/b.env" "$D/b.env.away"
    run b up
    echo "$output"
    [ "$status" -eq 3 ]
    [[ "$output" == *"berth.ini:5"*"b.env"* ]]
    mv "$D/b.env.away" "$D/b.env"
    printf 'A=1\nBAD NAME=2\n' > "$D/b.env"
    run b up
    echo "$output"
    [ "$status" -eq 3 ]
    [[ "$output" == *"b.env:2"*"BAD NAME"* ]]
    printf 'A=3\nONLY_B=b\n' > "$D/b.env"
}
