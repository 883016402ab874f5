# What the benchmark scripts share, sourced after tools/lib.sh (say, die):
# the engine they measure on — a private one of their own, started here and
# stopped by its pid at the end, or with USE_ENGINE=1 the one DOCKER_HOST
# names — the measuring wrapper, and the busybox image every run uses,
# imported from this machine's /bin/busybox through the API (nothing is
# pulled). The caller sets BERTH and WORK first.

# bench_engine NAME: ENGINE_DIR (empty with USE_ENGINE=1), SOCK, and
# DOCKER_HOST exported; dies when no engine answers.
bench_engine() {
    if [ "${USE_ENGINE:-0}" = 1 ]; then
        [ -n "${DOCKER_HOST:-}" ] || die "--use-engine: DOCKER_HOST names no engine"
    else
        ENGINE_DIR=$(mktemp -d /tmp/be.XXXXXX) # short: a unix socket's path
        say "starting a private engine in $ENGINE_DIR"
        local out
        out=$("$BERTH" engine start --dir "$ENGINE_DIR" --name "$1$$") ||
            die "could not start a private engine (see $ENGINE_DIR/dockerd.log)"
        eval "$out" # export DOCKER_HOST=unix://.../docker.sock
    fi
    case $DOCKER_HOST in
        unix://*) SOCK=${DOCKER_HOST#unix://} ;;
        *) die "the benchmark needs a unix socket engine (DOCKER_HOST=unix://...)" ;;
    esac
    export DOCKER_HOST
    "$BERTH" info >/dev/null || die "no engine answers at $DOCKER_HOST"
}

# bench_engine_stop: the engine bench_engine started, if any; 1 when it
# could not be stopped.
bench_engine_stop() {
    [ -n "${ENGINE_DIR:-}" ] || return 0
    say "stopping the private engine in $ENGINE_DIR"
    local rc=0
    "$BERTH" engine stop --purge --dir "$ENGINE_DIR" >/dev/null || rc=1
    rm -rf "$ENGINE_DIR"
    ENGINE_DIR=
    return $rc
}

api() { curl -sf --unix-socket "$SOCK" "$@"; }

# bench_measure: $WORK/measure (wall, CPU and peak RSS of a command).
bench_measure() {
    cc -O2 -Wall -Wextra -Werror -o "$WORK/measure" "$BERTH_ROOT/bench/measure.c"
}

# bench_busybox_image NAME: Debian's busybox-static as image NAME:latest,
# as tests/e2e/helpers.bash makes it, unless the engine has it already.
bench_busybox_image() {
    api "http://e/images/$1/json" >/dev/null && return 0
    say "importing $1 from /bin/busybox"
    local root=$WORK/rootfs a
    mkdir -p "$root/bin" "$root/tmp"
    cp /bin/busybox "$root/bin/busybox"
    for a in $("$root/bin/busybox" --list); do
        [ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
    done
    tar -C "$root" -cf "$WORK/rootfs.tar" .
    api -X POST -H 'Content-Type: application/x-tar' --data-binary @"$WORK/rootfs.tar" \
        "http://e/images/create?fromSrc=-&repo=$1&tag=latest" >/dev/null
    rm -rf "$root" "$WORK/rootfs.tar"
}
