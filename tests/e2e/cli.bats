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

@test "berth version prints the version" {
    run berth version
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^berth\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
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
