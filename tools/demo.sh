#!/usr/bin/env bash
# Sets everything up and runs the demo end to end: installs what is missing
# (Debian packages), builds berth, finds an engine (DOCKER_HOST, else
# /var/run/docker.sock, else a private one it starts), brings up the platform
# of examples/platform, shows it working, tears it down, and stops what it
# started.
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

# The platform of examples/platform: a base image bootstrapped from Debian's
# busybox-static, a web server built FROM it, a master linked to web.
P=(-C "$BERTH_ROOT/examples/platform")
trap '"$BERTH" "${P[@]}" down --volumes --yes || true; engine_down "$BERTH"' EXIT
say "berth up: build and start the platform"
"$BERTH" "${P[@]}" up
say "berth up again: nothing changed, so nothing is done"
"$BERTH" "${P[@]}" up
say "berth plan"
"$BERTH" "${P[@]}" plan
say "berth ps"
"$BERTH" "${P[@]}" ps

port=$("$BERTH" "${P[@]}" ps --format json |
       sed -n 's/.*"\(127\.0\.0\.1:[0-9]*\)->8080\/tcp".*/\1/p' | head -1)
[ -n "$port" ] || die "web's published port is not in ps"
say "GET http://$port/ (web:published, bound to 127.0.0.1)"
curl -fsS "http://$port/"

data="$BERTH_ROOT/examples/platform/.berth/data/store/master/data"
for _ in $(seq 30); do [ -s "$data/last-page.html" ] && break; sleep 0.5; done
say "store:master fetched web through the link into its persistent /data:"
ls -l "$data"
[ -s "$data/last-page.html" ] || die "store did not reach web"

say "berth down --volumes --yes"
"$BERTH" "${P[@]}" down --volumes --yes
trap 'engine_down "$BERTH"' EXIT

engine_down "$BERTH"
trap - EXIT
say "demo done"
