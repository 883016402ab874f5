#!/usr/bin/env bash
# The short commands against the engine's own floor: no-op `berth up`,
# `berth ps -a` and `berth plan` of N running containers (default 200),
# side by side with the single raw list call they are measured against (one
# `GET /containers/json?all=1` of the project's containers by curl, a whole
# process as berth is), in one run.
#
# Two shapes of the same N containers: "bare" (as bench/run.sh makes them:
# no volume, persistent_log = false) and "standard" (berth's standard
# instances as a new user gets them: /var/log kept on the host, the project
# network). Each shape is brought up once (not timed); then for each run
# (--runs) the commands take turns REPS times (--reps), their order rotating
# from one repetition to the next, so a burst of load from the ~7 others on
# the machine does not fall on one command only. Each sample is a whole
# process under bench/measure.c (wall, CPU, peak RSS) with the 1-minute load
# average. Also measured in the same turns: `curl --version` (a process that
# only loads libcurl: the start-up floor) and the engine's own answer time
# for the list (curl's timer, no process start).
#
# Ratios are taken within a run (berth's median over the raw call's median
# in that run), then their median over the runs. The goals (issue 20):
# no-op up and plan within 1.2x, ps within 1.1x of the raw list call.
# Results: bench/results/noop.md (and noop-samples.csv).
#
# usage: bench/noop.sh [--n 200] [--runs 3] [--reps 15] [--shapes "bare standard"]
#                      [--out DIR] [--work DIR] [--use-engine] [--before BERTH]
#
# --before BERTH: another berth binary (an earlier build) measured in the
# same turns (up-before, ps-before, plan-before), so that a change's effect
# is a ratio within one run too.
#
# By default it starts a private engine of its own (berth engine start) and
# stops it, by its pid, at the end. --use-engine uses the one DOCKER_HOST
# names (the projects noopbN and noopsN are brought up there and left, so
# a second run with the same --work DIR does not make them again).
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"
. "$(dirname "$0")/common.sh"
cd "$BERTH_ROOT"

N=200 RUNS=3 REPS=15 SHAPES="bare standard" OUT=$BERTH_ROOT/bench/results USE_ENGINE=0 WORK=
BEFORE=
while [ $# -gt 0 ]; do
    case $1 in
        --n) N=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --reps) REPS=$2; shift 2 ;;
        --shapes) SHAPES=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --work) WORK=$2; shift 2 ;;
        --use-engine) USE_ENGINE=1; shift ;;
        --before) BEFORE=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done
[ "$N" -ge 1 ] && [ "$RUNS" -ge 1 ] && [ "$REPS" -ge 1 ] 2>/dev/null ||
    die "--n, --runs, --reps: numbers of at least 1"

START_TIME=$EPOCHREALTIME
install_packages "${BUILD_PACKAGES[@]}" "${ENGINE_PACKAGES[@]}" python3
build build
BERTH=$BERTH_ROOT/build/berth

KEEP_WORK=1
if [ -z "$WORK" ]; then WORK=$(mktemp -d /tmp/berth-noop.XXXXXX); KEEP_WORK=0; fi
mkdir -p "$WORK"
ENGINE_DIR=
cleanup() {
    local rc=$?
    bench_engine_stop || rc=1
    [ "$KEEP_WORK" = 1 ] || rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'say "failed at line $LINENO: $BASH_COMMAND"' ERR

bench_measure

bench_engine noop
export DOCKER_HOST
urlq() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }

IMAGE=bench/busybox
bench_busybox_image "$IMAGE"
API=$(api http://e/version | python3 -c 'import json,sys; print(json.load(sys.stdin)["ApiVersion"])')

CMD="trap 'exit 0' TERM; sleep 2147483647 & wait"
proj() { case $1 in bare) echo "noopb$N" ;; standard) echo "noops$N" ;; esac; }

# gen SHAPE: the project of N parts s001.., one instance each.
gen() {
    local shape=$1 dir=$WORK/$1 i
    mkdir -p "$dir"
    {
        printf '[project]\nname = %s\n' "$(proj "$shape")"
        for i in $(seq 1 "$N"); do
            printf '\n[s%03d]\nrecipe = container\nimage = %s\n' "$i" "$IMAGE"
            printf 'command = ["sh", "-c", "%s"]\n' "$CMD"
            [ "$shape" = bare ] && printf 'persistent_log = false\n'
        done
    } > "$dir/berth.ini.new"
    # the same file is left as it is: its containers stay up to date
    if cmp -s "$dir/berth.ini.new" "$dir/berth.ini"; then rm "$dir/berth.ini.new"
    else mv "$dir/berth.ini.new" "$dir/berth.ini"; fi
}

SAMPLES=$WORK/noop-samples.csv
echo "shape,tool,run,seconds,rss_kb,cpu_s,load1" > "$SAMPLES"

# measure SHAPE TOOL RUN CMD...: one whole-process sample.
measure() {
    local shape=$1 tool=$2 run=$3 wall rss cpu rc; shift 3
    if ! "$WORK/measure" "$WORK/m" "$@" > "$WORK/out.$tool" 2>&1; then
        tail -5 "$WORK/out.$tool" >&2
        die "$tool failed ($shape, run $run): $*"
    fi
    read -r wall rss cpu rc < "$WORK/m"
    printf '%s,%s,%s,%s,%s,%s,%s\n' "$shape" "$tool" "$run" "$wall" "$rss" "$cpu" \
        "$(cut -d' ' -f1 /proc/loadavg)" >> "$SAMPLES"
}

for shape in $SHAPES; do
    gen "$shape"
    p=$(proj "$shape")
    say "$shape: $N containers up ($p, not timed)"
    "$BERTH" -C "$WORK/$shape" up > "$WORK/up.$shape.log" 2>&1 ||
        { tail -5 "$WORK/up.$shape.log"; die "up of $shape failed"; }
    filter=$(urlq "{\"label\":[\"berth.project=$p\"]}")
    url="http://e/v$API/containers/json?all=1&filters=$filter"
    # What each step must show: a no-op is a no-op, ps lists N containers,
    # and the raw call returns N of them.
    "$BERTH" -C "$WORK/$shape" up 2>&1 | grep -q "$p: 0 change(s)" ||
        die "$shape: up is not a no-op"
    "$BERTH" -C "$WORK/$shape" plan | grep -q "nothing to do" || die "$shape: plan has changes"
    [ "$("$BERTH" -C "$WORK/$shape" ps -a | tail -n +2 | wc -l)" = "$N" ] || die "$shape: ps"
    [ "$(api "$url" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = "$N" ] ||
        die "$shape: the raw list call"
    tools=(raw up ps plan curl-start)
    [ -z "$BEFORE" ] || tools+=(up-before ps-before plan-before)
    for run in $(seq 1 "$RUNS"); do
        say "$shape, run $run of $RUNS (load $(cut -d' ' -f1-3 /proc/loadavg))"
        for rep in $(seq 1 "$REPS"); do
            k=$(( (rep - 1) % ${#tools[@]} ))
            for tool in "${tools[@]:k}" "${tools[@]:0:k}"; do
                case $tool in
                    raw) measure "$shape" raw "$run" curl -sf --unix-socket "$SOCK" -o /dev/null "$url" ;;
                    up) measure "$shape" up "$run" "$BERTH" -C "$WORK/$shape" up ;;
                    ps) measure "$shape" ps "$run" "$BERTH" -C "$WORK/$shape" ps -a ;;
                    plan) measure "$shape" plan "$run" "$BERTH" -C "$WORK/$shape" plan ;;
                    curl-start) measure "$shape" curl-start "$run" curl --version ;;
                    up-before) measure "$shape" up-before "$run" "$BEFORE" -C "$WORK/$shape" up ;;
                    ps-before) measure "$shape" ps-before "$run" "$BEFORE" -C "$WORK/$shape" ps -a ;;
                    plan-before) measure "$shape" plan-before "$run" "$BEFORE" -C "$WORK/$shape" plan ;;
                esac
            done
            # the engine's own time for the list (curl's timer: no process start)
            printf '%s,engine,%s,%s,0,0,%s\n' "$shape" "$run" \
                "$(api -o /dev/null -w '%{time_total}' "$url")" \
                "$(cut -d' ' -f1 /proc/loadavg)" >> "$SAMPLES"
        done
    done
done

if [ "$USE_ENGINE" = 1 ] && [ "$KEEP_WORK" = 0 ]; then
    for shape in $SHAPES; do "$BERTH" -C "$WORK/$shape" down >/dev/null 2>&1 || true; done
fi

mkdir -p "$OUT"
cp "$SAMPLES" "$OUT/noop-samples.csv"
api http://e/version > "$WORK/version.json"
ELAPSED=$(( (${EPOCHREALTIME/./} - ${START_TIME/./}) / 1000000 ))
python3 bench/noop-report.py --samples "$OUT/noop-samples.csv" --version "$WORK/version.json" \
    --berth "$("$BERTH" version | head -1)" --before "${BEFORE:+$("$BEFORE" version | head -1)}" --n "$N" --runs "$RUNS" --reps "$REPS" \
    --elapsed "$ELAPSED" --out "$OUT/noop.md"
say "done in ${ELAPSED}s: $OUT/noop.md"
