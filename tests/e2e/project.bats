#!/usr/bin/env bats
# The project language through the real binary: `berth config` and `berth
# plan` on the examples, and bad projects failing with exit code 3 and a
# FILE:LINE message. No engine is needed: nothing here talks to one.
BERTH=${BERTH:-$BATS_TEST_DIRNAME/../../build/berth}
EXAMPLES=$BATS_TEST_DIRNAME/../../examples

berth() { "$BERTH" "$@"; }

setup() {
    WORK=$(mktemp -d /tmp/berth-e2e-project.XXXXXX)
    # An unreachable engine: config and plan must not need one.
    export DOCKER_HOST=unix:///nonexistent/docker.sock
}

teardown() {
    rm -rf "$WORK"
}

# bad_project TEXT: a folder holding berth.ini with TEXT; cd's into it.
bad_project() {
    mkdir -p "$WORK/p"
    printf '%b' "$1" > "$WORK/p/berth.ini"
    cd "$WORK/p"
}

# ---- the zero-config example -------------------------------------------

@test "config: the DockerOps folder example resolves without a project file" {
    run berth -C "$EXAMPLES/dockerops" config
    [ "$status" -eq 0 ]
    [[ "$output" == *"(container folders only)"* ]]
    [[ "$output" == *"[base_image]"*"recipe = build"*"image = dockerops/base"* ]]
    [[ "$output" == *"[web]"*"build = web_image"* ]]
    [[ "$output" == *"# image = dockerops/web"* ]]
    # instance types: web's instances one, two and master (folder berth.ini)
    [[ "$output" == *"[web:two]"*"instance-type = standard"*"publish_ports = true"* ]]
    [[ "$output" == *"[web:master]"*"instance-type = master"*"persistent_data = true"* ]]
    [[ "$output" == *"[worker:main]"*"persistent_log = true"* ]]
}

@test "plan: the DockerOps example builds in FROM order, in stages" {
    run berth -C "$EXAMPLES/dockerops" plan
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "project dockerops: 6 parts in 4 stages"* ]]
    [[ "$output" == *"stage 1:"*"base_image"*"stage 2:"*"base "*"web_image"*"stage 3:"*"web "*"worker_image"*"stage 4:"*"worker "* ]]
    [[ "$output" == *"dockerops-web-master (master)"* ]]
}

@test "plan --format json: stages hold the parts a target needs" {
    run berth -C "$EXAMPLES/dockerops" plan --format json worker
    [ "$status" -eq 0 ]
    run jq -r '[.stages[] | (.stage|tostring) + ":" + ([.parts[].name] | join(","))] | join(" ")' <<<"$output"
    [ "$output" = "1:base_image 2:web_image 3:worker_image 4:worker" ]
}

@test "config --format json: instances carry their type and properties" {
    run berth -C "$EXAMPLES/dockerops" config --format json web
    [ "$status" -eq 0 ]
    [ "$(jq -r '.parts | length' <<<"$output")" = 1 ]
    [ "$(jq -r '.parts[0].instances[2] | .type + " " + .container' <<<"$output")" = "master dockerops-web-master" ]
    [ "$(jq -r '.parts[0].instances[0].persistent_log' <<<"$output")" = true ]
    [ "$(jq -r '.parts[0].entrypoint_local | endswith("containers/web/entrypoint-local.sh")' <<<"$output")" = true ]
}

# ---- the everything example --------------------------------------------

@test "config: every part kind, with secrets masked" {
    cd "$EXAMPLES/everything"
    run berth config
    [ "$status" -eq 0 ]
    for kind in build bootstrap container network volume copy pull push assemble diskimage task engine; do
        [[ "$output" == *"# $kind part, from berth.ini:"* ]]
    done
    [[ "$output" == *"password = ********"* ]]
    [[ "$output" != *"change-me"* ]]
    [[ "$output" == *"env ="*"DB_HOST=database"* ]]
    [[ "$output" == *"[shell:safemode]"*"instance-type = safemode"*"linked = false"* ]]
}

@test "config --format json masks the password too" {
    run berth -C "$EXAMPLES/everything" config --format json release
    [ "$status" -eq 0 ]
    [ "$(jq -r '.parts[0].settings.password' <<<"$output")" = "********" ]
    [[ "$output" != *"change-me"* ]]
}

@test "plan: the everything example in dependency order" {
    run berth -C "$EXAMPLES/everything" plan
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == "project everything: 17 parts in 7 stages"* ]]
    [[ "$output" == *"stage 1:"*"local "*"engine"*"stage 2:"*"base "*"stage 3:"*"app_image"*"publish "*"stage 4:"*"busybox"*"stage 6:"*"web "*"stage 7:"*"seed "* ]]
}

@test "config output loads back as the same project" {
    for ex in dockerops everything; do
        cp -r "$EXAMPLES/$ex" "$WORK/$ex"
        berth -C "$WORK/$ex" config > "$WORK/$ex/resolved.ini"
        run berth -C "$WORK/$ex" -f resolved.ini config
        [ "$status" -eq 0 ]
        diff <(grep -v '^#' "$WORK/$ex/resolved.ini") <(grep -v '^#' <<<"$output")
    done
}

@test "-s beats the files, -p names the project" {
    run berth -C "$EXAMPLES/dockerops" -p mine -s web:two.publish_ports=false -s web.instance-type=safemode config web:two
    [ "$status" -eq 0 ]
    [[ "$output" == *"# container mine-web-two,"* ]]
    [[ "$output" == *"instance-type = safemode"*"publish_ports = false"* ]]
    [[ "$output" != *"[web:one]"* ]]
}

@test "--help, and --format is checked" {
    run berth config --help
    [ "$status" -eq 0 ]
    [[ "$output" == "usage: berth config"* ]]
    run berth plan --help
    [ "$status" -eq 0 ]
    [[ "$output" == "usage: berth plan"* ]]
    run berth -C "$EXAMPLES/dockerops" plan --format yaml
    [ "$status" -eq 2 ]
    [[ "$output" == *"'yaml' is not a format"* ]]
}

@test "an unknown target is a usage error with a suggestion" {
    run berth -C "$EXAMPLES/dockerops" plan wbe web:tow
    [ "$status" -eq 2 ]
    [[ "$output" == *"target 'wbe': no part 'wbe' in project 'dockerops' (did you mean 'web'?)"* ]]
    [[ "$output" == *"target 'web:tow': part 'web' has no instance 'tow' (did you mean 'two'?)"* ]]
}

# ---- bad projects: exit 3, FILE:LINE ------------------------------------

@test "unknown key: file, line, part, key and the nearest key" {
    bad_project '[web]\nrecipe = container\nimgae = busybox\n'
    run berth config
    [ "$status" -eq 3 ]
    [[ "$output" == *"berth.ini:3: part 'web': key 'imgae': unknown key (did you mean 'image'?)"* ]]
}

@test "every problem of the file in one run, sorted, with a count" {
    bad_project '[web]\nrecipe = container\nimage = busybox\ntty = maybe\nports = 99999\n[Web2]\n[net]\nrecipe = network\nsubnet = 10.0.0.0/24\ngateway = 10.1.0.1\n'
    run berth plan
    [ "$status" -eq 3 ]
    [ "${lines[0]}" = "berth: berth.ini:4: part 'web': key 'tty': 'maybe' is not a boolean (use true, false, yes, no, 1 or 0)" ]
    [[ "${lines[1]}" == "berth.ini:5: part 'web': key 'ports': '99999' is not a port mapping"* ]]
    [[ "${lines[2]}" == "berth.ini:6: invalid part name 'Web2'"* ]]
    [[ "${lines[3]}" == "berth.ini:10: part 'net': key 'gateway': '10.1.0.1' is outside the subnet 10.0.0.0/24" ]]
    [ "${lines[4]}" = "4 problems found" ]
}

@test "duplicate section and unterminated substitution" {
    bad_project '[v]\nrecipe = volume\nname = ${:x\n[v]\n'
    run berth config
    [ "$status" -eq 3 ]
    [[ "$output" == *"berth.ini:3: part 'v': key 'name': unterminated substitution '\${:x' (close it with '}'"* ]]
    [[ "$output" == *"berth.ini:4: section [v] appears twice (first at line 1; merge the two)"* ]]
}

@test "a substitution cycle names the chain" {
    bad_project '[a]\nrecipe = volume\nname = ${b:name}\n[b]\nrecipe = volume\nname = ${a:name}\n'
    run berth config
    [ "$status" -eq 3 ]
    [[ "$output" == *"berth.ini:3: part 'a': key 'name': substitution cycle: a:name -> b:name -> a:name"* ]]
}

@test "a dependency cycle names every part in it" {
    bad_project '[a]\nrecipe = volume\ndepends = b\n[b]\nrecipe = volume\ndepends = c\n[c]\nrecipe = volume\ndepends = a\n'
    run berth plan
    [ "$status" -eq 3 ]
    [[ "$output" == *"berth.ini:3: part 'a': key 'depends': dependency cycle: a -> b -> c -> a"* ]]
}

@test "a reference to a missing part suggests the nearest" {
    bad_project '[backend]\nrecipe = network\n[web]\nrecipe = container\nimage = busybox\nnetworks = bakend\n'
    run berth config
    [ "$status" -eq 3 ]
    [[ "$output" == *"berth.ini:6: part 'web': key 'networks': no part 'bakend' in this project (did you mean 'backend'?)"* ]]
}

@test "a bad -s is reported against the command line" {
    run berth -C "$EXAMPLES/dockerops" -s web.tty=perhaps config
    [ "$status" -eq 3 ]
    [[ "$output" == *"command line:1: part 'web': key 'tty': 'perhaps' is not a boolean"* ]]
}

@test "zero-config: a FROM line naming no sibling, with the Dockerfile's line" {
    mkdir -p "$WORK/shop/containers/base" "$WORK/shop/containers/web"
    echo 'FROM busybox' > "$WORK/shop/containers/base/Dockerfile"
    printf '# web\nFROM shop/bse\n' > "$WORK/shop/containers/web/Dockerfile"
    run berth -C "$WORK/shop" plan
    [ "$status" -eq 3 ]
    [[ "$output" == *"containers/web/Dockerfile:2: part 'web_image': FROM shop/bse: no part of this project makes that image (did you mean 'shop/base'?)"* ]]
}

@test "an empty folder is not a project" {
    run berth -C "$WORK" config
    [ "$status" -eq 3 ]
    [[ "$output" == *"no project here"* ]]
}
