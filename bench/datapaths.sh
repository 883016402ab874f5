#!/usr/bin/env bash
# The data paths (issue 20, part 3): berth cp, logs and exec against the
# docker CLI (Debian's docker.io, /usr/bin/docker), on the same engine, in
# the same run, the tools taking turns (their order alternating from one
# repetition to the next, so a burst of load from elsewhere does not fall on
# one tool only). Each command runs under bench/measure.c: wall time, CPU
# (user + system, its children included) and peak RSS from wait4.
#
# Steps (REPS repetitions of each per run, EXEC_REPS for exec):
#   cp-in-file    a 1 GiB file, host -> container   berth cp / docker cp
#   cp-out-file   the same file, container -> host
#   cp-in-tree    a folder of 20,000 small files (100 folders of 200 files
#                 of 1 KiB), host -> container
#   cp-out-tree   the same folder, container -> host
#   logs          50 containers of 20,000 lines each (1,000,000 lines):
#                 `berth logs` (all of them, merged in time order) against
#                 `docker logs` of each container one after another
#   exec          `exec true` in a running container: the round trip
# Between repetitions what a copy wrote is removed (not timed). The goals
# (issue 20): cp ≤ 0.8× docker both ways for both shapes, with a bounded
# peak RSS; logs ≤ 1.0×; exec ≤ 0.8×. Ratios are taken within a run (berth's
# median over docker's median), then the median over runs.
#
# Results: bench/results/datapaths.md (machine, engine, load, medians,
# ratios, goals) and bench/results/datapaths.csv (every sample).
#
# usage: bench/datapaths.sh [--runs 3] [--reps 5] [--exec-reps 21]
#                           [--steps "cp-in-file cp-out-file cp-in-tree cp-out-tree logs exec"]
#                           [--out DIR] [--use-engine] [--berth PATH]
# Run as root, with berth built in build/ (meson setup build && ninja -C
# build) and docker.io installed. By default it starts a private engine
# (berth engine start) and stops it by its pid at the end; --use-engine
# uses the one DOCKER_HOST names. --berth: another binary than build/berth
# (say, a copy of the one before a change).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=3 REPS=5 EXEC_REPS=21 OUT=$ROOT/bench/results USE_ENGINE=0 BERTH=$ROOT/build/berth
STEPS="cp-in-file cp-out-file cp-in-tree cp-out-tree logs exec"
while [ $# -gt 0 ]; do
    case $1 in
        --runs) RUNS=$2; shift 2 ;;
        --reps) REPS=$2; shift 2 ;;
        --exec-reps) EXEC_REPS=$2; shift 2 ;;
        --steps) STEPS=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --use-engine) USE_ENGINE=1; shift ;;
        --berth) BERTH=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
DOCKER=/usr/bin/docker
[ -x "$BERTH" ] || { echo "build berth first (meson setup build && ninja -C build)" >&2; exit 1; }
[ -x "$DOCKER" ] || { echo "needs the docker CLI of docker.io (apt-get install docker.io)" >&2; exit 1; }
START=$EPOCHREALTIME

WORK=$(mktemp -d /tmp/bdp.XXXXXX)
EDIR=
P=bdp$$
cleanup() {
    local rc=$?
    "$BERTH" -C "$WORK/proj" -p "$P" down --yes >/dev/null 2>&1 || true
    if [ -n "$EDIR" ]; then
        "$BERTH" engine stop --purge --dir "$EDIR" >/dev/null 2>&1 || rc=1
    fi
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ "$USE_ENGINE" = 0 ]; then
    EDIR=$WORK/e
    eval "$("$BERTH" engine start --dir "$EDIR" --name bdp$$)"
fi
export DOCKER_HOST
SOCK=${DOCKER_HOST#unix://}
api() { curl -sf --unix-socket "$SOCK" "$@"; }
say() { printf '==> %s\n' "$*" >&2; }

cc -O2 -Wall -Wextra -Werror -o "$WORK/measure" bench/measure.c

say "image, project, data"
LOGS_N=50 LOGS_LINES=20000
ROOTFS=$WORK/rootfs
mkdir -p "$ROOTFS/bin" "$ROOTFS/tmp" "$ROOTFS/data"
cp /bin/busybox "$ROOTFS/bin/"
for a in $("$ROOTFS/bin/busybox" --list); do [ "$a" = busybox ] || ln -sf busybox "$ROOTFS/bin/$a"; done
printf '#!/bin/sh\nawk '"'"'BEGIN { for (i = 1; i <= %d; i++) print "line " i " of the log, with some text to make it sixty bytes" }'"'"'\n' \
    "$LOGS_LINES" > "$ROOTFS/bin/lines"
chmod 755 "$ROOTFS/bin/lines"
tar -C "$ROOTFS" -cf "$WORK/rootfs.tar" .
api -X POST -H 'Content-Type: application/x-tar' --data-binary @"$WORK/rootfs.tar" \
    "http://e/images/create?fromSrc=-&repo=bdpbb&tag=latest" >/dev/null
rm -rf "$ROOTFS" "$WORK/rootfs.tar"

# box: the copies and exec; lg: 50 instances writing 20,000 lines each
# (/bin/lines, in the image).
mkdir -p "$WORK/proj"
CMD="trap 'exit 0' TERM; sleep 100000 & wait"
{
    printf '[box]\nrecipe = container\nimage = bdpbb\npersistent_log = false\n'
    printf 'command = ["sh", "-c", "%s"]\n\n' "$CMD"
    printf '[lg]\nrecipe = container\nimage = bdpbb\npersistent_log = false\ninstances ='
    for i in $(seq -w 1 $LOGS_N); do printf ' i%s' "$i"; done
    printf '\ncommand = ["sh", "-c", "lines; %s"]\n' "$CMD"
} > "$WORK/proj/berth.ini"
"$BERTH" -C "$WORK/proj" -p "$P" --progress quiet up >/dev/null
BOX=$P-box-main
LG=()
for i in $(seq -w 1 $LOGS_N); do LG+=("$P-lg-i$i"); done
# until every lg container has written its lines
for c in "${LG[@]}"; do
    until [ "$(api "http://e/containers/$c/logs?stdout=1&tail=1" | tail -c 20 | grep -c 'sixty bytes')" = 1 ]; do
        sleep 0.5
    done
done

DATA=$WORK/data
mkdir -p "$DATA/tree"
head -c $((1024 * 1024 * 1024)) > "$DATA/big" < <(yes 'a line of a big file, the same again and again')
python3 - "$DATA/tree" <<'PY'
import os, sys
for d in range(1, 101):
    os.mkdir(f"{sys.argv[1]}/d{d:03}")
    for f in range(1, 201):
        with open(f"{sys.argv[1]}/d{d:03}/f{f:03}", "wb") as out:
            out.write(os.urandom(1024))
PY
# the sources of the copies out, inside the container
"$DOCKER" cp "$DATA/big" "$BOX:/data/big"
"$DOCKER" cp "$DATA/tree" "$BOX:/data/tree"
OUTDIR=$WORK/out
mkdir -p "$OUTDIR"
# The engine's own floor (tool "engine", no client work): curl sending a
# tar made beforehand (of a file or folder named "in", unpacked in /tmp),
# and receiving the engine's tar into /dev/null; the logs of each lg
# container one after the other, into /dev/null. No exec floor: a client
# makes three calls there, curl would be three processes.
tar -C "$DATA" -cf "$WORK/big-in.tar" --transform 's,^big,in,' big
tar -C "$DATA" -cf "$WORK/tree-in.tar" --transform 's,^tree,in,' tree
engine_put() { curl -sf --unix-socket "$SOCK" -T "$1" "http://e/containers/$BOX/archive?path=/tmp"; }
engine_get() { curl -sf --unix-socket "$SOCK" -o /dev/null "http://e/containers/$BOX/archive?path=$1"; }
engine_logs() {
    local c
    for c in "$@"; do
        curl -sf --unix-socket "$SOCK" -o /dev/null "http://e/containers/$c/logs?stdout=1&stderr=1" || return 1
    done
}
export -f engine_put engine_get engine_logs
export SOCK BOX

SAMPLES=$WORK/datapaths.csv
echo "run,step,tool,rep,seconds,rss_kb,cpu_s,rc,load1" > "$SAMPLES"
# sample RUN STEP TOOL REP CMD...: measure one command
sample() {
    local run=$1 step=$2 tool=$3 rep=$4
    shift 4
    local rc=0
    "$WORK/measure" "$WORK/m" "$@" >/dev/null 2>&1 || rc=$?
    [ "$rc" = 0 ] || { echo "$tool $step failed ($rc): $*" >&2; "$@" >/dev/null || true; exit 1; }
    read -r wall rss cpu mrc < "$WORK/m"
    echo "$run,$step,$tool,$rep,$wall,$rss,$cpu,$mrc,$(cut -d' ' -f1 /proc/loadavg)" >> "$SAMPLES"
}
wipe_box() { "$DOCKER" exec "$BOX" rm -rf /tmp/in >/dev/null; }
wipe_host() { rm -rf "${OUTDIR:?}"/*; }
docker_logs_all() { # every lg container's logs, one after the other
    local c
    for c in "$@"; do "$DOCKER" logs "$c" || return 1; done
}
export -f docker_logs_all
export DOCKER

# one_rep RUN STEP TOOL REP
one_rep() {
    local run=$1 step=$2 tool=$3 rep=$4
    case $step,$tool in
        cp-in-file,berth) sample "$@" "$BERTH" -C "$WORK/proj" -p "$P" cp "$DATA/big" box:/tmp/in; wipe_box ;;
        cp-in-file,docker) sample "$@" "$DOCKER" cp "$DATA/big" "$BOX:/tmp/in"; wipe_box ;;
        cp-out-file,berth) sample "$@" "$BERTH" -C "$WORK/proj" -p "$P" cp box:/data/big "$OUTDIR/big"; wipe_host ;;
        cp-out-file,docker) sample "$@" "$DOCKER" cp "$BOX:/data/big" "$OUTDIR/big"; wipe_host ;;
        cp-in-tree,berth) sample "$@" "$BERTH" -C "$WORK/proj" -p "$P" cp "$DATA/tree" box:/tmp/in; wipe_box ;;
        cp-in-tree,docker) sample "$@" "$DOCKER" cp "$DATA/tree" "$BOX:/tmp/in"; wipe_box ;;
        cp-out-tree,berth) sample "$@" "$BERTH" -C "$WORK/proj" -p "$P" cp box:/data/tree "$OUTDIR/tree"; wipe_host ;;
        cp-out-tree,docker) sample "$@" "$DOCKER" cp "$BOX:/data/tree" "$OUTDIR/tree"; wipe_host ;;
        logs,berth) sample "$@" "$BERTH" -C "$WORK/proj" -p "$P" logs lg ;;
        logs,docker) sample "$@" bash -c 'docker_logs_all "$@"' docker_logs_all "${LG[@]}" ;;
        cp-in-file,engine) sample "$@" bash -c 'engine_put "$1"' x "$WORK/big-in.tar"; wipe_box ;;
        cp-out-file,engine) sample "$@" bash -c 'engine_get /data/big' ;;
        cp-in-tree,engine) sample "$@" bash -c 'engine_put "$1"' x "$WORK/tree-in.tar"; wipe_box ;;
        cp-out-tree,engine) sample "$@" bash -c 'engine_get /data/tree' ;;
        logs,engine) sample "$@" bash -c 'engine_logs "$@"' engine_logs "${LG[@]}" ;;
        exec,berth) sample "$@" "$BERTH" -C "$WORK/proj" -p "$P" exec -T -n box true ;;
        exec,docker) sample "$@" "$DOCKER" exec "$BOX" true ;;
    esac
}

sync
for run in $(seq 1 "$RUNS"); do
    for step in $STEPS; do
        say "run $run of $RUNS: $step (load $(cut -d' ' -f1-3 /proc/loadavg))"
        reps=$REPS
        [ "$step" = exec ] && reps=$EXEC_REPS
        for rep in $(seq 1 "$reps"); do
            case $(((rep + run) % 3)) in # the order rotates
                0) order="berth docker engine" ;;
                1) order="docker engine berth" ;;
                *) order="engine berth docker" ;;
            esac
            [ "$step" = exec ] && order=${order/engine/}
            for tool in $order; do one_rep "$run" "$step" "$tool" "$rep"; done
        done
    done
done

mkdir -p "$OUT"
cp "$SAMPLES" "$OUT/datapaths.csv"
python3 bench/datapaths.py --samples "$SAMPLES" --out "$OUT/datapaths.md" \
    --version "$(api http://e/version | python3 -c 'import json, sys; v = json.load(sys.stdin); print("Docker", v["Version"] + ", API", v["ApiVersion"])')" \
    --engine "$([ "$USE_ENGINE" = 1 ] && echo "the one DOCKER_HOST names, --use-engine" || echo "private, started by this run")" \
    --docker "$("$DOCKER" --version)" \
    --berth "$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src || echo +changes)" \
    --runs "$RUNS" --reps "$REPS" --exec-reps "$EXEC_REPS" \
    --elapsed "$(echo "$EPOCHREALTIME - $START" | bc)"
cat "$OUT/datapaths.md"
