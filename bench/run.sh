#!/usr/bin/env bash
# berth's benchmark: berth against docker-compose and against a raw-API
# baseline (bench/rawapi.c), on the same engine, for the same containers.
#
# For each N (default 10 50 200 busybox containers) and each of RUNS runs
# (default 3), each tool does, timed one by one (noop, ps and plan
# SHORT_REPS times each, default 5, as they take milliseconds):
#   up      from scratch (the network and N containers created and started)
#   noop    up again with nothing changed
#   ps      list the containers
#   plan    what up would change (docker-compose has no such command: n/a)
#   change  up after changing one part (one container's environment)
#   down    stop (each with its 10 s grace; the command exits on SIGTERM at
#           once) and remove everything
# The tools take turns (their order rotates from run to run) so that a
# burst of load on the machine does not fall on one tool only. Wall time is
# measured around each command; peak RSS with /usr/bin/time -f %M. Results:
# bench/results/results.md (medians, ratios, targets, the machine and
# engine), results.png (gnuplot), samples.csv (every measurement).
#
# usage: bench/run.sh [--sizes "10 50 200"] [--runs 3] [--short-reps 5] [--parallel 8]
#                     [--tools "berth compose raw"] [--out DIR] [--use-engine]
#
# Run as root (it may install Debian packages, and starts dockerd). By
# default it starts a private engine of its own (berth engine start) and
# stops it, by its pid, at the end; --use-engine uses the one DOCKER_HOST
# names instead (it must not hold containers of the projects bb*, bc*, br*).
# A step that takes more than 30 minutes stops the run (a hung tool).
# docker-compose runs with COMPOSE_PARALLEL_LIMIT=N+P (see tool_cmd).
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"
cd "$BERTH_ROOT"

SIZES="10 50 200" RUNS=3 SHORT_REPS=5 PARALLEL=8 TOOLS="berth compose raw" STEP_TIMEOUT=1800
OUT=$BERTH_ROOT/bench/results USE_ENGINE=0
while [ $# -gt 0 ]; do
    case $1 in
        --sizes) SIZES=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --short-reps) SHORT_REPS=$2; shift 2 ;;
        --parallel) PARALLEL=$2; shift 2 ;;
        --tools) TOOLS=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --use-engine) USE_ENGINE=1; shift ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done
[ "$RUNS" -ge 1 ] || die "--runs: at least 1"

START_TIME=$EPOCHREALTIME
install_packages "${BUILD_PACKAGES[@]}" "${ENGINE_PACKAGES[@]}" docker-compose time \
    gnuplot-nox python3
build build
BERTH=$BERTH_ROOT/build/berth

WORK=$(mktemp -d /tmp/berth-bench.XXXXXX)
ENGINE_DIR=
cleanup() {
    local rc=$?
    if [ -n "$ENGINE_DIR" ]; then
        say "stopping the private engine in $ENGINE_DIR"
        "$BERTH" engine stop --dir "$ENGINE_DIR" >/dev/null || rc=1
        rm -rf "$ENGINE_DIR"
    fi
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'say "failed at line $LINENO: $BASH_COMMAND"' ERR

say "building the raw-API baseline"
# shellcheck disable=SC2046 # pkg-config prints several words on purpose
cc -O2 -Wall -Wextra -Werror -o "$WORK/rawapi" bench/rawapi.c \
    $(pkg-config --cflags --libs libcurl jansson) -lpthread

if [ "$USE_ENGINE" = 1 ]; then
    [ -n "${DOCKER_HOST:-}" ] || die "--use-engine: DOCKER_HOST names no engine"
else
    ENGINE_DIR=$(mktemp -d /tmp/bench-engine.XXXXXX)
    say "starting a private engine in $ENGINE_DIR"
    out=$("$BERTH" engine start --dir "$ENGINE_DIR" --name "bench$$") ||
        die "could not start a private engine (see $ENGINE_DIR/dockerd.log)"
    export "${out?}"
fi
case $DOCKER_HOST in
    unix://*) SOCK=${DOCKER_HOST#unix://} ;;
    *) die "the benchmark needs a unix socket engine (DOCKER_HOST=unix://...)" ;;
esac
export DOCKER_HOST COMPOSE_HTTP_TIMEOUT=600
"$BERTH" info >/dev/null || die "no engine answers at $DOCKER_HOST"

api() { curl -sf --unix-socket "$SOCK" "$@"; }
urlq() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }

# The image every tool runs: Debian's busybox-static, imported through the
# API (no registry), as tests/e2e/helpers.bash makes it.
IMAGE=bench/busybox
if ! api "http://e/images/$IMAGE/json" >/dev/null; then
    say "importing $IMAGE from /bin/busybox"
    root=$WORK/rootfs
    mkdir -p "$root/bin" "$root/tmp"
    cp /bin/busybox "$root/bin/busybox"
    for a in $("$root/bin/busybox" --list); do
        [ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
    done
    tar -C "$root" -cf "$WORK/rootfs.tar" .
    api -X POST -H 'Content-Type: application/x-tar' --data-binary @"$WORK/rootfs.tar" \
        "http://e/images/create?fromSrc=-&repo=$IMAGE&tag=latest" >/dev/null
    rm -rf "$root" "$WORK/rootfs.tar"
fi

# A command that ends at once on SIGTERM: the shell waits on a background
# sleep, so the trap runs as soon as the signal arrives.
CMD="trap 'exit 0' TERM; sleep 2147483647 & wait"

# gen_berth N CHANGE: the berth project bbN, N parts s001..sNNN, one
# instance each; part CHANGE (0: none) gets one more environment entry.
gen_berth() {
    local n=$1 change=$2 dir=$WORK/berth-$1 i
    mkdir -p "$dir"
    {
        printf '[project]\nname = bb%s\n' "$n"
        for i in $(seq 1 "$n"); do
            printf '\n[s%03d]\nrecipe = container\nimage = %s\n' "$i" "$IMAGE"
            printf 'command = ["sh", "-c", "%s"]\n' "$CMD"
            # standard instances keep /var/log on the host; the other tools
            # mount nothing, so neither does berth here
            printf 'persistent_log = false\n'
            if [ "$i" = "$change" ]; then printf 'env = BENCH_CHANGE=1\n'; fi
        done
    } > "$dir/berth.ini"
}

# gen_compose N CHANGE: the same containers as compose project bcN, with
# the environment berth gives its instances.
gen_compose() {
    local n=$1 change=$2 dir=$WORK/compose-$1 i
    mkdir -p "$dir"
    {
        printf 'version: "2.4"\nservices:\n'
        for i in $(seq 1 "$n"); do
            printf '  s%03d:\n    image: %s\n' "$i" "$IMAGE"
            printf '    command: ["sh", "-c", "%s"]\n' "$CMD"
            printf '    environment:\n'
            printf '      - %s\n' "CONTAINER=$(printf 's%03d' "$i")" INSTANCE=main \
                INSTANCE_TYPE=standard PERSISTENT_DATA=false PERSISTENT_OPT=false \
                PERSISTENT_LOG=false SAFEMODE=false
            if [ "$i" = "$change" ]; then printf '      - BENCH_CHANGE=1\n'; fi
        done
    } > "$dir/docker-compose.yml"
}

# tool_cmd TOOL N OP [CHANGE]: the command line of one step.
tool_cmd() {
    local tool=$1 n=$2 op=$3 change=${4:-0}
    case $tool in
        berth)
            local b=("$BERTH" -C "$WORK/berth-$n" --parallel "$PARALLEL")
            case $op in
                up|noop|change) echo "${b[*]} up" ;;
                ps) echo "${b[*]} ps" ;;
                plan) echo "${b[*]} plan" ;;
                down) echo "${b[*]} down" ;;
            esac ;;
        compose)
            # Compose 1.x runs each service as a task holding one of
            # COMPOSE_PARALLEL_LIMIT slots (default 64) while its container's
            # create and start wait for another: above 64 services it
            # deadlocks (docker/compose#8161, #5864). N + P slots leave P for
            # the creates and starts, as berth and the raw baseline have.
            local c=(env COMPOSE_PARALLEL_LIMIT=$((n + PARALLEL)) docker-compose -p "bc$n"
                     -f "$WORK/compose-$n/docker-compose.yml")
            case $op in
                up|noop|change) echo "${c[*]} up -d" ;;
                ps) echo "${c[*]} ps" ;;
                plan) echo "" ;;  # no dry run in docker-compose
                down) echo "${c[*]} down" ;;
            esac ;;
        raw)
            local r=("$WORK/rawapi" "$SOCK" "br$n" "$n")
            case $op in
                up|noop) echo "${r[*]} up --parallel $PARALLEL" ;;
                change) echo "${r[*]} up --parallel $PARALLEL --change $change" ;;
                *) echo "${r[*]} $op --parallel $PARALLEL" ;;
            esac ;;
    esac
}

label_of() {
    case $1 in berth) echo "berth.project=bb$2" ;; compose) echo "com.docker.compose.project=bc$2" ;;
        raw) echo "bench.project=br$2" ;; esac
}

# running TOOL N: how many of the tool's containers run.
running() {
    local f
    f=$(urlq "{\"label\":[\"$(label_of "$1" "$2")\"],\"status\":[\"running\"]}")
    api "http://e/containers/json?filters=$f" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}
existing() {
    local f
    f=$(urlq "{\"label\":[\"$(label_of "$1" "$2")\"]}")
    api "http://e/containers/json?all=1&filters=$f" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}

SAMPLES=$WORK/samples.csv
echo "n,tool,op,run,seconds,rss_kb,load1" > "$SAMPLES"

# measure TOOL N OP RUN CMDLINE: time one command (its output to a log),
# record wall seconds, peak RSS and the 1-minute load.
measure() {
    local tool=$1 n=$2 op=$3 run=$4 cmdline=$5
    local log=$WORK/log.$tool.$n.$op t0 t1 rss
    # shellcheck disable=SC2086 # cmdline: words made by tool_cmd, no user input
    t0=$EPOCHREALTIME
    if ! timeout -k 10 "$STEP_TIMEOUT" /usr/bin/time -f %M -o "$WORK/rss" $cmdline > "$log" 2>&1; then
        tail -20 "$log" >&2
        die "$tool $op (N=$n, run $run) failed: $cmdline"
    fi
    t1=$EPOCHREALTIME
    rss=$(tail -1 "$WORK/rss")
    local us=$(( (${t1/./} - ${t0/./}) ))
    printf '%s,%s,%s,%s,%d.%06d,%s,%s\n' "$n" "$tool" "$op" "$run" $((us / 1000000)) \
        $((us % 1000000)) "$rss" "$(cut -d' ' -f1 /proc/loadavg)" >> "$SAMPLES"
    printf '    %-8s %-7s %8.3f s %7d KB\n' "$tool" "$op" "$(( us / 1000 ))e-3" "$rss" >&2
}

check() {
    local what=$1 got=$2 want=$3
    [ "$got" = "$want" ] || die "check failed: $what: $got, expected $want"
}

bench_tool() {
    local tool=$1 n=$2 run=$3 op
    case $tool in
        berth) gen_berth "$n" 0 ;;
        compose) gen_compose "$n" 0 ;;
    esac
    check "$tool N=$n: containers before up" "$(existing "$tool" "$n")" 0
    measure "$tool" "$n" up "$run" "$(tool_cmd "$tool" "$n" up)"
    check "$tool N=$n: running after up" "$(running "$tool" "$n")" "$n"
    # the short steps cost nothing to repeat: SHORT_REPS samples per run
    local rep c
    for rep in $(seq 1 "$SHORT_REPS"); do
        for op in noop ps plan; do
            c=$(tool_cmd "$tool" "$n" $op)
            if [ -n "$c" ]; then measure "$tool" "$n" $op "$run" "$c"; fi
        done
    done
    case $tool in
        berth) gen_berth "$n" 1 ;;
        compose) gen_compose "$n" 1 ;;
    esac
    measure "$tool" "$n" change "$run" "$(tool_cmd "$tool" "$n" change 1)"
    check "$tool N=$n: running after change" "$(running "$tool" "$n")" "$n"
    measure "$tool" "$n" down "$run" "$(tool_cmd "$tool" "$n" down)"
    check "$tool N=$n: containers after down" "$(existing "$tool" "$n")" 0
}

read -ra tools <<< "$TOOLS"
for n in $SIZES; do
    for run in $(seq 1 "$RUNS"); do
        say "N=$n, run $run of $RUNS (load $(cut -d' ' -f1-3 /proc/loadavg))"
        # rotate the order: run 1 berth compose raw, run 2 compose raw berth, ...
        k=$(( (run - 1) % ${#tools[@]} ))
        for tool in "${tools[@]:k}" "${tools[@]:0:k}"; do
            bench_tool "$tool" "$n" "$run"
        done
    done
done

# The floor under every short command here: a program that only loads
# Debian's libcurl (berth and rawapi both link it) and exits.
cat > "$WORK/floor.c" <<'EOF'
#include <curl/curl.h>
int main(void) { return curl_version() == NULL; }
EOF
cc -O2 -o "$WORK/floor" "$WORK/floor.c" $(pkg-config --cflags --libs libcurl)
for run in $(seq 1 5); do
    measure libcurl-exe 0 start "$run" "$WORK/floor"
    measure berth-version 0 start "$run" "$BERTH version"
done

say "writing the results to $OUT"
mkdir -p "$OUT"
cp "$SAMPLES" "$OUT/samples.csv"
api http://e/version > "$WORK/version.json"
api http://e/info > "$WORK/info.json"
ELAPSED=$(( (${EPOCHREALTIME/./} - ${START_TIME/./}) / 1000000 ))
python3 bench/report.py --samples "$OUT/samples.csv" --version "$WORK/version.json" \
    --info "$WORK/info.json" --berth "$("$BERTH" version)" --parallel "$PARALLEL" \
    --runs "$RUNS" --short_reps "$SHORT_REPS" --elapsed "$ELAPSED" --compose "$(docker-compose version --short)" \
    --out "$OUT"
gnuplot "$OUT/plot.gp"
rm -f "$OUT/plot.gp"
say "done in ${ELAPSED}s: $OUT/results.md, $OUT/results.png"
