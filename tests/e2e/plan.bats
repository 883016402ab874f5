#!/usr/bin/env bats
# `plan` says what `up` will do, exactly (issue 12, points 4-6): cascades
# (a rebuilt base rebuilds its children and recreates their containers), no
# over-prediction (a linked container's new address recreates nobody), steps
# that would fail are shown as such in a whole plan, and a property test:
# after random edits, the actions plan lists are the actions up performs.
load helpers
load project_helpers

# The (subject action) pairs plan --format json lists as changes, sorted.
plan_actions() {
    berth -C "$DIR" plan --format json "$@" |
        jq -r '.actions[] | select(.action != "none" and .action != "skip") | .subject + " " + .action' |
        sort
}

# The same, for what up performs (its "action" progress events).
up_actions() {
    berth -C "$DIR" --progress json up "$@" 2>&1 >/dev/null |
        jq -r 'select(.event == "action") | .subject + " " + .state' | sort
}

# A bootstrapped base, a web image built FROM it, web (linked) and store
# (linked to web), both with quick-stopping shells.
project() {
    mkdir -p "$DIR/web"
    printf 'FROM %s/base\nRUN echo web > /web.txt\n' "$P" > "$DIR/web/Dockerfile"
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[base]
recipe = bootstrap
files =
    /bin/busybox /bin/busybox
    /bin/busybox /bin/sh
script = /bin/busybox --install -s /bin && echo 1 > /etc/base-version
command = $QUICK

[web_image]
recipe = build
source = web

[web]
recipe = container
build = web_image
instances = one two
env = V=1
stop-timeout = 1s

[store]
recipe = container
image = $P/base
links = web
instances = master
env = V=1
stop-timeout = 1s
EOF
}

@test "plan lists the whole cascade: a changed base script rebuilds its children and recreates their containers" {
    project
    run berth -C "$DIR" up
    [ "$status" -eq 0 ]
    sed -i 's/echo 1 > /echo 2 > /' "$DIR/berth.ini"
    planned=$(plan_actions)
    echo "# planned: $planned" >&3
    [ "$planned" = "image base build
image web_image build
store:master recreate
web:one recreate
web:two recreate" ]
    done_=$(up_actions)
    [ "$done_" = "$planned" ]
    # a changed Dockerfile: the image and its containers, nothing else
    echo 'RUN echo more > /more.txt' >> "$DIR/web/Dockerfile"
    planned=$(plan_actions)
    [ "$planned" = "image web_image build
web:one recreate
web:two recreate" ]
    [ "$(up_actions)" = "$planned" ]
    [ -z "$(plan_actions)" ]
}

@test "a linked container made anew recreates nobody: plan and up agree" {
    project
    run berth -C "$DIR" up
    [ "$status" -eq 0 ]
    store=$(cid "$P-store-master")
    api -X DELETE "http://e/containers/$P-web-one?force=1"
    planned=$(plan_actions)
    echo "# planned: $planned" >&3
    [ "$planned" = "web:one create" ]
    [ "$(up_actions)" = "$planned" ]
    [ "$(cid "$P-store-master")" = "$store" ]
    # a restart (which may give web another address) changes nothing either
    run berth -C "$DIR" restart web
    [ "$status" -eq 0 ]
    [ -z "$(plan_actions)" ]
    [ -z "$(up_actions)" ]
}

@test "plan shows the whole plan with the steps that would fail, then exits non-zero" {
    project
    run berth -C "$DIR" up
    [ "$status" -eq 0 ]
    cat >> "$DIR/berth.ini" <<EOF

[ghost]
recipe = container
image = $P/nonexistent
pull-policy = never
command = $QUICK

[net]
recipe = network

[arch]
recipe = bootstrap
archives = $DIR/root.tar sha256:0000000000000000000000000000000000000000000000000000000000000000
EOF
    tar -C /bin -cf "$DIR/root.tar" busybox
    run berth -C "$DIR" up net
    [ "$status" -eq 0 ]
    sed -i 's/^recipe = network$/recipe = network\ninternal = true/' "$DIR/berth.ini"
    sed -i 's/echo 1 > /echo 3 > /' "$DIR/berth.ini"
    run berth -C "$DIR" plan
    echo "# $output" >&3
    [ "$status" -eq 1 ]
    # the steps that would work are there
    [[ "$output" == *"build     image base"* ]]
    [[ "$output" == *"recreate  store:master"* ]]
    # and each failing one, with why
    [[ "$output" == *"ghost:main"*"would fail: "*"$P/nonexistent"* ]]
    [[ "$output" == *"network net"*"would fail: "*"network '$P-net' changed"* ]]
    [[ "$output" == *"image arch"*"would fail: "*"sha256"* ]]
    [[ "$output" == *"3 steps would fail"* ]]
    run berth -C "$DIR" plan --format json
    [ "$status" -eq 1 ]
    [ "$(jq -r '[.actions[] | select(.action == "fail")] | length' <<<"$output")" = 3 ]
    [ "$(jq -r '.would_fail' <<<"$output")" = 3 ]
}

@test "property: after each of 30 random edits, plan's actions are exactly up's" {
    project
    run berth -C "$DIR" up
    [ "$status" -eq 0 ]
    local seed=${PLAN_SEED:-$$} round edit n planned done_
    RANDOM=$seed
    echo "# seed $seed (PLAN_SEED=$seed reproduces it)" >&3
    local instances="one two"
    for round in $(seq 30); do
        n=$((RANDOM % 8))
        case $n in
        0) edit="env of web"; sed -i "/^\[web\]/,/^\[/ s/^env = V=.*/env = V=$round/" "$DIR/berth.ini" ;;
        1) edit="Dockerfile"; echo "RUN echo $round > /r.txt" >> "$DIR/web/Dockerfile" ;;
        2) edit="bootstrap script"; sed -i "s/echo [0-9]* > \/etc\/base-version/echo $round > \/etc\/base-version/" "$DIR/berth.ini" ;;
        3) if [ "$instances" = "one two" ]; then instances="one two three"; else instances="one two"; fi
           edit="instances = $instances"; sed -i "s/^instances = one two.*/instances = $instances/" "$DIR/berth.ini" ;;
        4) edit="keep of store"
           if grep -q '^keep = true' "$DIR/berth.ini"; then sed -i '/^keep = true/d' "$DIR/berth.ini"
           else sed -i "/^\[store\]/a keep = true" "$DIR/berth.ini"; fi ;;
        5) edit="web:one removed out of band"; api -X DELETE "http://e/containers/$P-web-one?force=1" || true ;;
        6) edit="store:master stopped out of band"; api -X POST "http://e/containers/$P-store-master/stop?t=0" >/dev/null || true ;;
        7) edit="env of store"; sed -i "/^\[store\]/,\$ s/^env = V=.*/env = V=$round/" "$DIR/berth.ini" ;;
        esac
        planned=$(plan_actions --remove-orphans)
        done_=$(up_actions --remove-orphans)
        echo "# round $round: $edit: $(echo $planned | tr '\n' ' ')" >&3
        if [ "$planned" != "$done_" ]; then
            echo "# plan said: $planned" >&3
            echo "# up did:    $done_" >&3
            return 1
        fi
        # and up leaves nothing to do
        [ -z "$(plan_actions)" ]
    done
    berth -C "$DIR" -s store.keep=false up >/dev/null 2>&1 || true
}
