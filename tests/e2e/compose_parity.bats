#!/usr/bin/env bats
# The Compose corpus (tests/compose/cases, 33 projects): berth reads each as
# Debian's docker-compose 1.29 does (`docker-compose config`), and `berth
# import` of each writes a berth.ini that is the same project. No engine.
load helpers

@test "every Compose project of the corpus reads alike in berth and docker-compose, and imports to the same project" {
    command -v docker-compose >/dev/null || { echo "docker-compose is not installed (apt-get install docker-compose)"; return 1; }
    run env BERTH="$BERTH" bash "$E2E_DIR/../compose/run.sh"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"33 of 33 Compose projects read alike"* ]]
}
