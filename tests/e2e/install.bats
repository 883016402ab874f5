#!/usr/bin/env bats
# berth engine install / uninstall: Debian's docker.io through apt.
#
# This machine's docker.io runs every engineer's private engines, so the
# uninstall -> install round trip runs only when BERTH_TEST_ENGINE_REINSTALL=1
# (on a machine of its own; it stops the suite's engine first and leaves
# docker.io installed). The other tests change nothing.
load helpers

@test "engine install when docker.io is installed and its engine runs: nothing to do" {
    dpkg-query -W -f='${Status}' docker.io | grep -q 'install ok installed' ||
        skip "docker.io is not installed here"
    [ "$(id -u)" -eq 0 ] || skip "needs root"
    # Without systemd the system engine is berth's own in the default
    # folder: point that folder at the suite's running engine.
    [ -d /run/systemd/system ] && skip "systemd runs the system engine here"
    dir=$(dirname "${DOCKER_HOST#unix://}")
    BERTH_ENGINE_DIR=$dir run berth engine install
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == "docker.io is installed and the engine at $DOCKER_HOST runs: nothing to do" ]]
}

@test "engine install when the engine is not running starts it and runs a container on it" {
    dpkg-query -W -f='${Status}' docker.io | grep -q 'install ok installed' ||
        skip "docker.io is not installed here"
    [ "$(id -u)" -eq 0 ] || skip "needs root"
    [ -d /run/systemd/system ] && skip "systemd runs the system engine here"
    dir=$(mktemp -d /tmp/binst.XXXXXX)
    BERTH_ENGINE_DIR=$dir run berth engine install
    [ "$status" -eq 0 ]
    [[ "$output" == *"starting the engine in $dir"* ]]
    [[ "$output" == *"docker.io is installed and the engine at unix://$dir/docker.sock ran a container from a local image"* ]]
    # the check leaves nothing behind
    run curl -sf --unix-socket "$dir/docker.sock" "http://e/containers/json?all=1"
    [ "$output" = "[]" ]
    run curl -sf --unix-socket "$dir/docker.sock" "http://e/images/berth-hello/json"
    [ "$status" -ne 0 ]
    BERTH_ENGINE_DIR=$dir run berth engine install
    [[ "$output" == *"nothing to do"* ]]
    "$BERTH" engine stop --purge --dir "$dir"
    rm -rf "$dir"
}

@test "engine install and uninstall as a user who is not root: exit 1, nothing changed" {
    [ "$(id -u)" -eq 0 ] || skip "needs root to make the user"
    # the suite runs two of these at once: either may make the user
    id berthnr >/dev/null 2>&1 || useradd -M -s /bin/sh berthnr || id berthnr >/dev/null
    before=$(dpkg-query -W -f='${Status} ${Version}' docker.io 2>/dev/null || true)
    run su berthnr -s /bin/sh -c "'$BERTH' engine install"
    [ "$status" -eq 1 ]
    [[ "$output" == *"engine install changes the system's packages and needs root"* ]]
    [[ "$output" == *"nothing was changed"* ]]
    run su berthnr -s /bin/sh -c "'$BERTH' engine uninstall --purge-data --yes"
    [ "$status" -eq 1 ]
    [[ "$output" == *"engine uninstall changes the system's packages and needs root"* ]]
    [ "$(dpkg-query -W -f='${Status} ${Version}' docker.io 2>/dev/null || true)" = "$before" ]
}

@test "--purge-data and --yes belong to uninstall" {
    run berth engine install --yes
    [ "$status" -eq 2 ]
    [[ "$output" == *"--purge-data and --yes go with uninstall"* ]]
}

@test "uninstall then install leaves docker.io installed and an engine that runs a container" {
    [ "${BERTH_TEST_ENGINE_REINSTALL:-}" = 1 ] ||
        skip "set BERTH_TEST_ENGINE_REINSTALL=1 to uninstall and reinstall docker.io here"
    dir=$(mktemp -d /tmp/binst.XXXXXX)
    export BERTH_ENGINE_DIR=$dir
    # the suite's own engine is stopped first: it runs from docker.io
    "$BERTH" engine stop --purge --dir "$(dirname "${DOCKER_HOST#unix://}")" || true
    run berth engine uninstall --yes
    [ "$status" -eq 0 ]
    [[ "$output" == *"docker.io uninstalled"* ]]
    ! dpkg-query -W -f='${Status}' docker.io 2>/dev/null | grep -q 'install ok installed'
    run berth engine install
    [ "$status" -eq 0 ]
    [[ "$output" == *"ran a container from a local image"* ]]
    run berth engine install
    [ "$status" -eq 0 ]
    [[ "$output" == *"nothing to do"* ]]
    "$BERTH" engine stop --purge --dir "$dir"
    rm -rf "$dir"
    "$BERTH" engine start --dir "$(dirname "${DOCKER_HOST#unix://}")"
}
