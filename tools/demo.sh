#!/usr/bin/env bash
# Sets everything up and runs the demo end to end: installs what is missing
# (Debian packages), builds berth, finds an engine (DOCKER_HOST, else
# /var/run/docker.sock, else a private one it starts), shows it, and stops
# what it started.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$BERTH_ROOT"

install_packages "${BUILD_PACKAGES[@]}" "${ENGINE_PACKAGES[@]}"
build build
BERTH=$BERTH_ROOT/build/berth

trap 'engine_down "$BERTH"' EXIT
engine_up "$BERTH"

say "berth info"
"$BERTH" info

engine_down "$BERTH"
trap - EXIT
say "demo done"
