#!/usr/bin/env bats
# The names a run will create, checked against objects that are not the
# project's without asking the engine for each one (issue 20: a plan of
# 2,000 parts sent 5,900 requests to an empty engine), and a name taken by
# someone else after berth looked still told as such, never adopted.
# tests/e2e/race_proxy.py passes berth's requests to the real engine and logs
# them; with occupy-* it takes a name just before berth's first create.
load helpers
load project_helpers
load race_helpers

teardown() {
    race_teardown
    rm -rf "$DIR"
}

# db (instances one..four, persistent data) and app, linked to db.
linked() {
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[db]
recipe = container
image = $IMG
command = $QUICK
stop-timeout = 1s
instances = one two three four
persistent_data = true

[app]
recipe = container
image = $IMG
command = $QUICK
stop-timeout = 1s
links = db
EOF
}

# The requests the proxy forwarded that ask for one object by name.
by_name() {
    grep -E '^request GET /v[0-9.]+/(containers/[^/?]+/json|volumes/[^/?]+|networks/[^/?]+)$' \
        "$RACE_SOCK.log" || true
}

@test "plan against an engine holding none of the project asks for no object by name" {
    linked
    start_race none
    run berth -C "$DIR" --engine "$RACE_HOST" plan
    [ "$status" -eq 0 ]
    no_sanitizer
    [[ "$output" == *"db:one"*"create"* ]]
    [[ "$output" == *"app"*"create"* ]]
    [[ "$output" == *"volume $P-db-one-data"*"create"* ]]
    echo "# asked by name: $(by_name | wc -l)" >&3
    [ -z "$(by_name)" ]
}

@test "a second up asks for no linked container by name: the list carries its address" {
    linked
    run berth -C "$DIR" --progress quiet up
    [ "$status" -eq 0 ]
    want=$(ip_of "$P-db-one")
    [ -n "$want" ]
    [ "$(envof "$P-app-main" DB_CONTAINER_IP)" = "$want" ]
    before=$(ours)
    start_race none
    run berth -C "$DIR" --engine "$RACE_HOST" --progress plain up
    [ "$status" -eq 0 ]
    no_sanitizer
    [ "$(ours)" = "$before" ]
    [[ "$output" != *"recreate"* ]]
    [ -z "$(by_name)" ]
}

@test "a foreign container that takes a name after berth looked: up fails naming it, leaving it alone" {
    linked
    start_race "occupy-container:$P-db-one:$IMG"
    run berth -C "$DIR" --engine "$RACE_HOST" --progress plain up
    echo "$output"; grep -v "^request" "$RACE_SOCK.log" || true # (shown when it fails)
    [ "$status" -ne 0 ]
    no_sanitizer
    grep -q "occupied $P-db-one" "$RACE_SOCK.log" # the race did happen
    [[ "$output" == *"a container named '$P-db-one' already exists and was not made by berth"* ]]
    # still there, still nobody's
    [ "$(ins "containers/$P-db-one" '.Config.Labels["berth.project"] // "none"')" = none ]
}

@test "a foreign volume that takes a name after berth looked: up fails naming it, never uses it" {
    linked
    start_race "occupy-volume:$P-db-one-data"
    run berth -C "$DIR" --engine "$RACE_HOST" --progress plain up
    echo "$output"; grep -v "^request" "$RACE_SOCK.log" || true # (shown when it fails)
    [ "$status" -ne 0 ]
    no_sanitizer
    grep -q "occupied $P-db-one-data" "$RACE_SOCK.log"
    [[ "$output" == *"a volume named '$P-db-one-data' already exists and was not made by berth"* ]]
    [ "$(api "http://e/volumes/$P-db-one-data" | jq -r '.Labels["berth.project"] // "none"')" = none ]
    # no container of the project mounts it
    api "http://e/containers/json?all=1" | jq -e --arg v "$P-db-one-data" \
        '[.[] | select(any(.Mounts[]?; .Name == $v))] | length == 0'
}
