#!/usr/bin/env bats
# keep = true: down leaves the object; -s PART.keep=false (like everywhere
# else) and down --include-kept (asks, or --yes) remove it.
load helpers
load project_helpers

project() {
    mkdir -p "$DIR/img"
    printf 'FROM %s\nRUN echo hi > /hello\n' "$IMG" > "$DIR/img/Dockerfile"
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[web_image]
recipe = build
source = img
keep = true

[web]
recipe = container
build = web_image
command = $QUICK
keep = true
stop-timeout = 1s

[db]
recipe = container
build = web_image
command = $QUICK
stop-timeout = 1s

[store]
recipe = volume
keep = true
EOF
}

@test "keep: down leaves kept objects; -s PART.keep=false down removes that part's" {
    project
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    run berth -C "$DIR" --progress plain down --volumes --yes --rmi
    [ "$status" -eq 0 ]
    [[ "$output" == *"kept container web:main"* ]]
    exists "containers/$P-web-main"
    absent "containers/$P-db-main"
    exists "volumes/$P-store"
    exists "images/$P/web_image"
    run berth -C "$DIR" -s web.keep=false --progress plain down
    [ "$status" -eq 0 ]
    absent "containers/$P-web-main"
    exists "volumes/$P-store"
    run berth -C "$DIR" -s store.keep=false -s web_image.keep=false --progress plain down --volumes --yes --rmi
    [ "$status" -eq 0 ]
    absent "volumes/$P-store"
    absent "images/$P/web_image"
}

@test "keep: down --include-kept removes kept objects too, asking first (or --yes)" {
    project
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    run berth -C "$DIR" down --include-kept < /dev/null
    [ "$status" -eq 2 ]
    [[ "$output" == *"--include-kept"*"--yes"* ]]
    exists "containers/$P-web-main"
    # on a terminal it asks; no removes nothing
    run python3 "$E2E_DIR/pty.py" 'expect:remove 1 object set keep = true\? \[y/N\]' 'send:n\r' \
        -- "$BERTH" -C "$DIR" down --include-kept
    [[ "$output" == *"not confirmed: nothing removed"* ]]
    exists "containers/$P-web-main"
    exists "containers/$P-db-main"
    run berth -C "$DIR" --progress plain down --include-kept --yes --volumes --rmi
    [ "$status" -eq 0 ]
    absent "containers/$P-web-main"
    absent "volumes/$P-store"
    absent "images/$P/web_image"
}
