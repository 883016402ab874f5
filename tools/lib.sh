# Shared by tools/test.sh and tools/demo.sh: install what is missing from
# Debian's packages, build berth, and find or start an engine.
# Sourced, not run. Every function prints what it does on stderr.

BERTH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# install_packages PKG...: apt-get install the ones not installed yet.
install_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || die "missing Debian packages: ${missing[*]} (run as root, or install them)"
    say "installing ${missing[*]}"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

BUILD_PACKAGES=(gcc libc6-dev pkg-config meson ninja-build libcurl4-openssl-dev
                libjansson-dev libarchive-dev libssl-dev libfyaml-dev libyajl-dev)
ENGINE_PACKAGES=(docker.io busybox-static curl ca-certificates)
# tools/make-deb.sh and its test: the package build, lintian, and what the
# test of the installed package uses (man -w, bash completion, zsh, fish)
PACKAGE_PACKAGES=(debhelper dpkg-dev lintian man-db bash-completion zsh fish)

# build DIR [meson options...]: configure once, then build.
build() {
    local dir=$1; shift
    if [ ! -f "$BERTH_ROOT/$dir/build.ninja" ]; then
        say "configuring $dir"
        meson setup "$BERTH_ROOT/$dir" "$BERTH_ROOT" "$@" >/dev/null
    elif [ $# -gt 0 ]; then
        # A folder set up before with other options (say, a fuzz build from
        # before it had sanitizers) gets these ones.
        meson configure "$BERTH_ROOT/$dir" "$@" >/dev/null
    fi
    say "building $dir"
    ninja -C "$BERTH_ROOT/$dir" >/dev/null || { ninja -C "$BERTH_ROOT/$dir"; die "build failed"; }
}

# engine_up BERTH: use the engine DOCKER_HOST or /var/run/docker.sock names
# when it answers; otherwise start a private one (stopped by engine_down).
STARTED_ENGINE_DIR=
engine_up() {
    local berth=$1
    if [ -n "${DOCKER_HOST:-}" ] && "$berth" info >/dev/null 2>&1; then
        say "using the engine at $DOCKER_HOST"
        return 0
    fi
    if [ -z "${DOCKER_HOST:-}" ] && [ -S /var/run/docker.sock ] &&
        DOCKER_HOST=unix:///var/run/docker.sock "$berth" info >/dev/null 2>&1; then
        export DOCKER_HOST=unix:///var/run/docker.sock
        say "using the engine at $DOCKER_HOST"
        return 0
    fi
    STARTED_ENGINE_DIR=$(mktemp -d /tmp/berth-engine.XXXXXX)
    say "starting a private engine in $STARTED_ENGINE_DIR"
    local out
    out=$("$berth" engine start --dir "$STARTED_ENGINE_DIR") ||
        die "could not start a private engine (see $STARTED_ENGINE_DIR/dockerd.log)"
    eval "$out"   # export DOCKER_HOST=unix://.../docker.sock
    say "DOCKER_HOST=$DOCKER_HOST"
}

# engine_down BERTH: stop the engine engine_up started, if it did, by its pid.
engine_down() {
    local berth=$1
    [ -n "$STARTED_ENGINE_DIR" ] || return 0
    say "stopping the private engine in $STARTED_ENGINE_DIR"
    # --purge: networks left in a deleted folder would keep their bridges
    # (and address ranges) on the host
    "$berth" engine stop --purge --dir "$STARTED_ENGINE_DIR" || return 1
    # Its data root holds overlay layers of root-owned files; all unmounted now.
    rm -rf "$STARTED_ENGINE_DIR"
    STARTED_ENGINE_DIR=
}
