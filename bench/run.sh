#!/usr/bin/env bash
# berth's benchmark: berth against docker-compose and against a raw-API
# baseline (bench/rawapi.c), on the same engine, for the same containers.
#
# For each N (default 10 50 200 busybox containers) and each of its runs
# (--runs, one number per N or one for all; default 5 5 3), each tool does, timed one by one (noop, ps and plan
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
# measured around each command, peak RSS and CPU time from wait4 (the RSS
# /usr/bin/time -f %M reports; bench/measure.c). Results:
# bench/results/results.md (medians, ratios, targets, the machine and
# engine), results.png (gnuplot), samples.csv (every measurement).
#
# usage: bench/run.sh [--sizes "10 50 200"] [--runs "5 5 3"] [--short-reps 5] [--parallel 8]
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
. "$(dirname "$0")/common.sh"
cd "$BERTH_ROOT"

SIZES="10 50 200" RUNS="5 5 3" SHORT_REPS=5 PARALLEL=8 TOOLS="berth compose raw" STEP_TIMEOUT=1800
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
for r in $RUNS; do [ "$r" -ge 1 ] 2>/dev/null || die "--runs: numbers of at least 1"; done

START_TIME=$EPOCHREALTIME
install_packages "${BUILD_PACKAGES[@]}" "${ENGINE_PACKAGES[@]}" docker-compose \
    gnuplot-nox python3
build build
BERTH=$BERTH_ROOT/build/berth

WORK=$(mktemp -d /tmp/berth-bench.XXXXXX)
ENGINE_DIR=
cleanup() {
    local rc=$?
    # an interrupted run keeps what it measured
    if [ $rc -ne 0 ] && [ -s "$WORK/samples.csv" ]; then
        mkdir -p "$OUT" && cp "$WORK/samples.csv" "$OUT/samples.partial.csv" &&
            say "the samples so far: $OUT/samples.partial.csv"
    fi
    bench_engine_stop || rc=1
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'say "failed at line $LINENO: $BASH_COMMAND"' ERR

say "building the raw-API baseline and the measuring wrapper"
bench_measure
# shellcheck disable=SC2046 # pkg-config prints several words on purpose
cc -O2 -Wall -Wextra -Werror -o "$WORK/rawapi" bench/rawapi.c \
    $(pkg-config --cflags --libs libcurl jansson) -lpthread

bench_engine bench
export DOCKER_HOST COMPOSE_HTTP_TIMEOUT=600

urlq() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }

# The image every tool runs: Debian's busybox-static, imported through the
# API (no registry), as tests/e2e/helpers.bash makes it.
IMAGE=bench/busybox
bench_busybox_image "$IMAGE"

# A command that ends at once on SIGTERM: the shell waits on a background
# sleep, so the trap runs as soon as the signal arrives.
CMD="trap 'exit 0' TERM; sleep 2147483647 & wait"

# Each run of each tool has projects of its own (bb10r1, bc10r1, br10r1,
# ...): a network the engine fails to remove (dockerd 20.10 sometimes keeps
# endpoints of removed containers) cannot get in the way of the next run.
proj() {
    case $1 in berth) echo "bb$2r$3" ;; compose) echo "bc$2r$3" ;; raw) echo "br$2r$3" ;; esac
}

# gen_berth N RUN CHANGE: the berth project, N parts s001..sNNN, one
# instance each; part CHANGE (0: none) gets one more environment entry.
gen_berth() {
    local n=$1 run=$2 change=$3 dir=$WORK/berth-$1-$2 i
    mkdir -p "$dir"
    {
        printf '[project]\nname = %s\n' "$(proj berth "$n" "$run")"
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

# gen_compose N RUN CHANGE: the same containers as a compose project, with
# the environment berth gives its instances.
gen_compose() {
    local n=$1 run=$2 change=$3 dir=$WORK/compose-$1-$2 i
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

# tool_cmd TOOL N RUN OP: the command line of one step.
tool_cmd() {
    local tool=$1 n=$2 run=$3 op=$4
    case $tool in
        berth)
            local b=("$BERTH" -C "$WORK/berth-$n-$run" --parallel "$PARALLEL")
            case $op in
                up|noop|change) echo "${b[*]} up" ;;
                ps) echo "${b[*]} ps" ;;
                plan) echo "${b[*]} plan" ;;
                down) echo "${b[*]} down" ;;
            esac ;;
        compose)
            # Compose 1.x runs each service of up as a task holding one of
            # COMPOSE_PARALLEL_LIMIT slots (default 64) while its container's
            # create and start wait for another: above 64 services it
            # deadlocks (docker/compose#8161, #5864). N + P slots leave P for
            # the creates and starts, as berth and the raw baseline have;
            # down's stops and removals are not nested: P slots.
            local limit=$((n + PARALLEL))
            [ "$op" = down ] && limit=$PARALLEL
            local c=(env COMPOSE_PARALLEL_LIMIT=$limit docker-compose -p "$(proj compose "$n" "$run")"
                     -f "$WORK/compose-$n-$run/docker-compose.yml")
            case $op in
                up|noop|change) echo "${c[*]} up -d" ;;
                ps) echo "${c[*]} ps" ;;
                plan) echo "" ;;  # no dry run in docker-compose
                down) echo "${c[*]} down" ;;
            esac ;;
        raw)
            local r=("$WORK/rawapi" "$SOCK" "$(proj raw "$n" "$run")" "$n")
            case $op in
                up|noop) echo "${r[*]} up --parallel $PARALLEL" ;;
                change) echo "${r[*]} up --parallel $PARALLEL --change 1" ;;
                *) echo "${r[*]} $op --parallel $PARALLEL" ;;
            esac ;;
    esac
}

label_of() {
    case $1 in berth) echo "berth.project=$(proj "$@")" ;;
        compose) echo "com.docker.compose.project=$(proj "$@")" ;;
        raw) echo "bench.project=$(proj "$@")" ;; esac
}

# count TOOL N RUN [running]: how many of the run's containers exist (run).
count() {
    local f
    if [ "${4:-}" = running ]; then
        f=$(urlq "{\"label\":[\"$(label_of "$1" "$2" "$3")\"],\"status\":[\"running\"]}")
    else
        f=$(urlq "{\"label\":[\"$(label_of "$1" "$2" "$3")\"]}")
    fi
    api "http://e/containers/json?all=1&filters=$f" |
        python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}

# force_clean TOOL N RUN: after a failed step, remove what the run left,
# through the API (containers by force, then networks; errors ignored).
force_clean() {
    local f id
    f=$(urlq "{\"label\":[\"$(label_of "$1" "$2" "$3")\"]}")
    for id in $(api "http://e/containers/json?all=1&filters=$f" |
                python3 -c 'import json,sys; [print(c["Id"]) for c in json.load(sys.stdin)]'); do
        api -X DELETE "http://e/containers/$id?force=1" >/dev/null || true
    done
    for id in $(api "http://e/networks?filters=$f" |
                python3 -c 'import json,sys; [print(c["Id"]) for c in json.load(sys.stdin)]'); do
        api -X DELETE "http://e/networks/$id" >/dev/null || true
    done
}

SAMPLES=$WORK/samples.csv
FAILURES=$WORK/failures.txt
echo "n,tool,op,run,seconds,rss_kb,cpu_s,load1" > "$SAMPLES"
: > "$FAILURES"

# measure TOOL N OP RUN CMDLINE: run one command (its output to a log)
# under bench/measure.c, and record its wall seconds, peak RSS (what
# /usr/bin/time -f %M reports), CPU time (user + system: what the tool
# itself costs, much less sensitive than wall time to the load of others)
# and the 1-minute load. A command that fails is recorded in failures.txt
# with the end of its output, and makes measure fail.
measure() {
    local tool=$1 n=$2 op=$3 run=$4 cmdline=$5
    local log=$WORK/log.$tool.$n.$op wall rss cpu rc
    # shellcheck disable=SC2086 # cmdline: words made by tool_cmd, no user input
    if ! timeout -k 10 "$STEP_TIMEOUT" "$WORK/measure" "$WORK/m" $cmdline > "$log" 2>&1; then
        tail -5 "$log" >&2
        say "FAILED: $tool $op (N=$n, run $run): $cmdline"
        printf '%s %s N=%s run %s: %s\n' "$tool" "$op" "$n" "$run" "$(tail -1 "$log")" \
            >> "$FAILURES"
        return 1
    fi
    read -r wall rss cpu rc < "$WORK/m"
    printf '%s,%s,%s,%s,%s,%s,%s,%s\n' "$n" "$tool" "$op" "$run" "$wall" "$rss" "$cpu" \
        "$(cut -d' ' -f1 /proc/loadavg)" >> "$SAMPLES"
    printf '    %-8s %-7s %9.3f s %7d KB %7.3f s CPU\n' "$tool" "$op" "$wall" "$rss" "$cpu" >&2
}

# check WHAT GOT WANT: a state the step must have left; else a failure.
check() {
    [ "$2" = "$3" ] && return 0
    say "FAILED: check: $1: $2, expected $3"
    printf 'check %s: %s, expected %s\n' "$1" "$2" "$3" >> "$FAILURES"
    return 1
}

# engine_list N RUN: one sample of the engine's answer time for the list of
# the raw project's containers (tool "engine", op "list").
engine_list() {
    local f t
    f=$(urlq "{\"label\":[\"$(label_of raw "$1" "$2")\"]}")
    t=$(api -o /dev/null -w '%{time_total}' "http://e/containers/json?all=1&filters=$f")
    printf '%s,engine,list,%s,%s,0,0,%s\n' "$1" "$2" "$t" "$(cut -d' ' -f1 /proc/loadavg)" \
        >> "$SAMPLES"
}

# bench_tool TOOL N RUN: the steps of one tool in one run. After a failure
# the rest of the tool's run is skipped and its objects are removed.
bench_tool() {
    local tool=$1 n=$2 run=$3 op rep c ok=1
    case $tool in
        berth) gen_berth "$n" "$run" 0 ;;
        compose) gen_compose "$n" "$run" 0 ;;
    esac
    if check "$tool N=$n run $run: containers before up" "$(count "$tool" "$n" "$run")" 0 &&
        measure "$tool" "$n" up "$run" "$(tool_cmd "$tool" "$n" "$run" up)" &&
        check "$tool N=$n run $run: running after up" \
            "$(count "$tool" "$n" "$run" running)" "$n"; then
        # the short steps cost nothing to repeat: SHORT_REPS samples per run
        for rep in $(seq 1 "$SHORT_REPS"); do
            for op in noop ps plan; do
                c=$(tool_cmd "$tool" "$n" "$run" $op)
                if [ -n "$c" ]; then measure "$tool" "$n" $op "$run" "$c" || { ok=0; break 2; }; fi
            done
        done
        # what the engine alone takes to answer the list every short step
        # starts with (curl's own timer: no process start in it)
        if [ "$tool" = raw ] && [ $ok = 1 ]; then
            for rep in $(seq 1 "$SHORT_REPS"); do engine_list "$n" "$run"; done
        fi
        case $tool in
            berth) gen_berth "$n" "$run" 1 ;;
            compose) gen_compose "$n" "$run" 1 ;;
        esac
        [ $ok = 1 ] &&
            measure "$tool" "$n" change "$run" "$(tool_cmd "$tool" "$n" "$run" change)" &&
            check "$tool N=$n run $run: running after change" \
                "$(count "$tool" "$n" "$run" running)" "$n" &&
            measure "$tool" "$n" down "$run" "$(tool_cmd "$tool" "$n" "$run" down)" &&
            check "$tool N=$n run $run: containers after down" "$(count "$tool" "$n" "$run")" 0 &&
            return 0
    fi
    force_clean "$tool" "$n" "$run"
    return 0
}

read -ra tools <<< "$TOOLS"
read -ra sizes <<< "$SIZES"
read -ra runs_per_size <<< "$RUNS"
for i in "${!sizes[@]}"; do
    n=${sizes[i]}
    runs=${runs_per_size[i]:-${runs_per_size[-1]}}
    for run in $(seq 1 "$runs"); do
        say "N=$n, run $run of $runs (load $(cut -d' ' -f1-3 /proc/loadavg))"
        # rotate the order: run 1 berth compose raw, run 2 compose raw berth, ...
        k=$(( (run - 1) % ${#tools[@]} ))
        for tool in "${tools[@]:k}" "${tools[@]:0:k}"; do
            bench_tool "$tool" "$n" "$run"
        done
    done
done

# The floor under every short command here: a program that only loads
# Debian's libcurl (berth and rawapi both link it) and exits, and one that
# loads the three libraries berth links (libcurl, jansson, libarchive).
cat > "$WORK/floor.c" <<'EOF'
#include <curl/curl.h>
int main(void) { return curl_version() == NULL; }
EOF
cat > "$WORK/floor-libs.c" <<'EOF'
#include <archive.h>
#include <curl/curl.h>
#include <jansson.h>
int main(void) { return !curl_version() || !archive_version_string() || !jansson_version_str(); }
EOF
# shellcheck disable=SC2046 # pkg-config prints several words on purpose
cc -O2 -o "$WORK/floor" "$WORK/floor.c" $(pkg-config --cflags --libs libcurl)
# shellcheck disable=SC2046
cc -O2 -o "$WORK/floor-libs" "$WORK/floor-libs.c" \
    $(pkg-config --cflags --libs libcurl jansson libarchive)
for run in $(seq 1 5); do
    measure libcurl-exe 0 start "$run" "$WORK/floor"
    measure libs-exe 0 start "$run" "$WORK/floor-libs"
    measure berth-version 0 start "$run" "$BERTH version"
done

say "writing the results to $OUT"
mkdir -p "$OUT"
cp "$SAMPLES" "$OUT/samples.csv"
cp "$FAILURES" "$OUT/failures.txt"
rm -f "$OUT/samples.partial.csv"
api http://e/version > "$WORK/version.json"
api http://e/info > "$WORK/info.json"
ELAPSED=$(( (${EPOCHREALTIME/./} - ${START_TIME/./}) / 1000000 ))
python3 bench/report.py --samples "$OUT/samples.csv" --version "$WORK/version.json" \
    --info "$WORK/info.json" --berth "$("$BERTH" version)" --parallel "$PARALLEL" \
    --runs "$RUNS" --sizes "$SIZES" --short_reps "$SHORT_REPS" --elapsed "$ELAPSED" --compose "$(docker-compose version --short)" \
    --failures "$OUT/failures.txt" --out "$OUT"
gnuplot "$OUT/plot.gp"
rm -f "$OUT/plot.gp"
say "done in ${ELAPSED}s: $OUT/results.md, $OUT/results.png"
