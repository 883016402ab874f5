#!/usr/bin/env bats
# The command line itself: help, version, usage errors and exit codes.
load helpers

@test "berth --help lists every command and the exit codes" {
    run berth --help
    [ "$status" -eq 0 ]
    for c in config plan engine info version help; do
        [[ "$output" == *"  $c "* ]]
    done
    [[ "$output" == *"exit codes:"* ]]
}

@test "every command answers --help with its usage and exit 0" {
    for c in config plan engine info version; do
        run berth "$c" --help
        [ "$status" -eq 0 ]
        [[ "$output" == "usage: berth $c"* ]]
    done
}

@test "berth version prints the release, and what git says of the checkout it was built from" {
    release=$(sed -n "s/^  version : '\(.*\)',$/\1/p" "$E2E_DIR/../../meson.build")
    run berth version
    [ "$status" -eq 0 ]
    if git -C "$E2E_DIR" rev-parse --git-dir >/dev/null 2>&1; then
        # a commit (and -dirty), or a tag's description: as of the build
        [[ "$output" =~ ^berth\ $release\ \(git\ [0-9A-Za-z._-]+\)$ ]]
    else
        [ "$output" = "berth $release" ]
    fi
    run berth --version
    [ "$status" -eq 0 ]
    [[ "$output" == "berth $release"* ]]
}

@test "berth version --format json: release, git, engine API versions, library versions" {
    run berth version --format json
    [ "$status" -eq 0 ]
    release=$(sed -n "s/^  version : '\(.*\)',$/\1/p" "$E2E_DIR/../../meson.build")
    [ "$(jq -r .version <<< "$output")" = "$release" ]
    [ "$(jq -r .api.min <<< "$output")" = 1.40 ]
    [ "$(jq -r .api.max <<< "$output")" = 1.44 ]
    # the libraries as loaded: what the system's packages say
    curl_v=$(curl --version | awk 'NR==1 {print $2}')
    [ "$(jq -r .libraries.libcurl.version <<< "$output")" = "$curl_v" ]
    [[ "$(jq -r .libraries.jansson <<< "$output")" =~ ^2\.[0-9]+ ]]
    [[ "$(jq -r .libraries.yajl <<< "$output")" =~ ^2\.[0-9]+\.[0-9]+$ ]]
    [[ "$(jq -r .libraries.libarchive.version <<< "$output")" =~ ^3\.[0-9]+ ]]
    [[ "$(jq -r .libraries.openssl <<< "$output")" == OpenSSL* ]]
    run berth version --format yaml
    [ "$status" -eq 2 ]
    run berth version extra
    [ "$status" -eq 2 ]
}

@test "an unknown command is a usage error (exit 2) that names it" {
    run berth frobnicate
    [ "$status" -eq 2 ]
    [[ "$output" == *"'frobnicate' is not a berth command"* ]]
}

@test "an unknown option is a usage error (exit 2)" {
    run berth info --bogus
    [ "$status" -eq 2 ]
    [[ "$output" == *"unknown option '--bogus'"* ]]
    run berth --parallel zero info
    [ "$status" -eq 2 ]
    [[ "$output" == *"--parallel: 'zero'"* ]]
}

@test "--format accepts text and json only" {
    run berth info --format yaml
    [ "$status" -eq 2 ]
    [[ "$output" == *"use text or json"* ]]
}

@test "--format without its value says it needs one, for every command that has it" {
    for cmd in info version config ps "ps --swarm" plan "plan --swarm" logs; do
        run berth -C "$BATS_TEST_TMPDIR" $cmd --format
        [ "$status" -eq 2 ]
        [[ "$output" == *"option '--format' needs a value"* ]]
    done
}

@test "any option without its value says it needs one" {
    for args in "up --wait-timeout" "down --timeout" "stop -t" "logs --tail" "login -u" "exec -u" "import -o"; do
        run berth -C "$BATS_TEST_TMPDIR" $args
        [ "$status" -eq 2 ]
        [[ "$output" == *"needs a value"* ]]
    done
}
