#!/usr/bin/env bash
# bench/scale.sh: the project language at scale (issue 20, its fourth goal):
# `berth config` and `berth plan` of a generated project of N parts
# (bench/scale-gen.sh: substitutions of [vars], of the project, of a part's
# own keys and of another part's, links, a network and volumes) against an
# empty private engine, so that plan's time is the loader's and the plan's,
# not the engine's work. Goal: under 100 ms and 32 MB (peak RSS) each at
# N = 2000.
#
# For each N (--sizes, default 200 1000 2000) and each run (--runs, default
# 5), each binary (build/berth, and with --compare BIN another one, say the
# build of a commit before, side by side) runs config and plan --reps times
# (default 5), under bench/measure.c (wall, CPU, peak RSS from wait4, the
# 1-minute load); the binaries take turns and their order rotates from run
# to run. Ratios are taken within a run (median over median), then the
# median over runs. Once per N, plan runs under strace to count the
# requests it sends the engine (the goal: a fixed number, not one per part).
# Results: bench/results/scale.md (--out), with every sample in
# scale-samples.csv next to it.
#
# usage: bench/scale.sh [--sizes "200 1000 2000"] [--runs 5] [--reps 5]
#                       [--compare BIN] [--out FILE] [--use-engine]
# Run as root when packages are missing (it installs them) and to start the
# private engine (stopped by its pid at the end; --use-engine uses the one
# DOCKER_HOST names, which must hold nothing of the projects scale*).
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"
. "$(dirname "$0")/common.sh"
cd "$BERTH_ROOT"

SIZES="200 1000 2000" RUNS=5 REPS=5 COMPARE= OUT=$BERTH_ROOT/bench/results/scale.md
USE_ENGINE=0
while [ $# -gt 0 ]; do
    case $1 in
        --sizes) SIZES=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --reps) REPS=$2; shift 2 ;;
        --compare) COMPARE=$(realpath "$2"); shift 2 ;;
        --out) OUT=$(realpath -m "$2"); shift 2 ;;
        --use-engine) USE_ENGINE=1; shift ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done

install_packages "${BUILD_PACKAGES[@]}" "${ENGINE_PACKAGES[@]}" strace python3
build build
BERTH=$BERTH_ROOT/build/berth
[ -z "$COMPARE" ] || [ -x "$COMPARE" ] || die "--compare: $COMPARE is not a program"

WORK=$(mktemp -d /tmp/scale.XXXXXX)
ENGINE_DIR=
cleanup() {
    local rc=$?
    bench_engine_stop || rc=1
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_measure
bench_engine scale
export DOCKER_HOST
ENGINE_VERSION=$("$BERTH" version 2>/dev/null | tr '\n' ' ' | sed 's/ *$//')

tools=(berth)
[ -z "$COMPARE" ] || tools+=(before)
bin_of() { if [ "$1" = berth ]; then echo "$BERTH"; else echo "$COMPARE"; fi; }

SAMPLES=$WORK/samples.csv CALLS=$WORK/calls.csv
echo "n,tool,op,run,seconds,rss_kb,cpu_s,load1" > "$SAMPLES"
echo "n,tool,requests,what" > "$CALLS"

# measure TOOL N OP RUN: one sample of `berth config` or `berth plan`.
measure() {
    local tool=$1 n=$2 op=$3 run=$4 wall rss cpu rc
    if ! "$WORK/measure" "$WORK/m" "$(bin_of "$tool")" -C "$WORK/p$n" "$op" \
        > "$WORK/out" 2>&1; then
        tail -5 "$WORK/out" >&2
        die "$tool $op failed at N=$n"
    fi
    read -r wall rss cpu rc < "$WORK/m"
    printf '%s,%s,%s,%s,%s,%s,%s,%s\n' "$n" "$tool" "$op" "$run" "$wall" "$rss" "$cpu" \
        "$(cut -d' ' -f1 /proc/loadavg)" >> "$SAMPLES"
}

# requests TOOL N: the HTTP requests plan sends the engine, counted from
# what it writes on its sockets (strace), by method and path (an object's
# name in a path shown as {name}).
requests() {
    local tool=$1 n=$2
    strace -f -qq -e trace=write,sendto,sendmsg -s 200 -o "$WORK/strace" \
        "$(bin_of "$tool")" -C "$WORK/p$n" plan > /dev/null
    local what
    what=$(grep -oE '"(GET|POST|PUT|DELETE|HEAD) /[^ ?"]*' "$WORK/strace" |
        sed 's/^"//; s#/v1\.[0-9]*##; s#/scale[0-9]*-[^/]*#/{name}#' | sort | uniq -c | awk '{printf "%s%s %s x%s", (NR > 1 ? "; " : ""), $2, $3, $1}')
    printf '%s,%s,%s,"%s"\n' "$n" "$tool" \
        "$(grep -cE '"(GET|POST|PUT|DELETE|HEAD) /' "$WORK/strace")" "$what" >> "$CALLS"
}

for n in $SIZES; do
    bash bench/scale-gen.sh "$n" "$WORK/p$n"
    say "N = $n: $(grep -c '^\[' "$WORK/p$n/berth.ini") sections, $(wc -l < "$WORK/p$n/berth.ini") lines"
    for t in "${tools[@]}"; do requests "$t" "$n"; done
    for run in $(seq 1 "$RUNS"); do
        # rotate the order of the binaries from run to run
        order=("${tools[@]}")
        if [ $((run % 2)) -eq 0 ] && [ ${#tools[@]} -gt 1 ]; then order=(before berth); fi
        for t in "${order[@]}"; do
            for op in config plan; do
                for rep in $(seq 1 "$REPS"); do measure "$t" "$n" "$op" "$run"; done
            done
        done
        say "N = $n run $run done (load $(cut -d' ' -f1-3 /proc/loadavg))"
    done
done

mkdir -p "$(dirname "$OUT")"
cp "$SAMPLES" "${OUT%.md}-samples.csv"
python3 - "$SAMPLES" "$CALLS" "$OUT" "$ENGINE_VERSION" "$COMPARE" "$RUNS" "$REPS" <<'PY'
import csv, os, platform, statistics as st, subprocess, sys, time
samples, calls, out, engine, compare, runs, reps = sys.argv[1:8]
rows = list(csv.DictReader(open(samples)))
creq = list(csv.DictReader(open(calls)))
sizes = sorted({int(r["n"]) for r in rows})
tools = [t for t in ("before", "berth") if any(r["tool"] == t for r in rows)]
def sel(n, t, op, run=None):
    return [r for r in rows if int(r["n"]) == n and r["tool"] == t and r["op"] == op
            and (run is None or r["run"] == run)]
def med(rs, k):
    return st.median(float(r[k]) for r in rs)
cpu = "?"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip(); break
mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "?")
loads = [float(r["load1"]) for r in rows]
o = []
o.append("# The project language at scale: config and plan of N parts\n")
o.append("Written by `bench/scale.sh` on %s (issue 20, its fourth goal: under 100 ms "
         "and 32 MB of peak RSS each, at N = 2000, against an empty engine).\n"
         % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
o.append("* machine: %s, %d cores, %d MB of memory, %s %s" % (cpu, os.cpu_count(), int(mem) // 1024,
         platform.system(), platform.release()))
o.append("* engine: a private one with nothing in it; %s" % engine)
o.append("* load (1-minute average) during the run: min %.1f, median %.1f, max %.1f "
         "(the machine is shared: wall times are noisy, CPU times much less)" %
         (min(loads), st.median(loads), max(loads)))
o.append("* %s runs of %s repetitions per N, binaries alternating; `berth` is this "
         "build%s\n" % (runs, reps, "; `before` is %s" % compare if compare else ""))
o.append("The project (bench/scale-gen.sh N): a network, one volume per 50 containers, "
         "N - 1 - N/51 container parts; each substitutes `${vars:...}`, `${project:name}`, its "
         "own keys (`${:hostname}`), and part i substitutes two keys of part i/2 and links to it "
         "(a dependency tree of depth log2 N).\n")
o.append("## Medians\n")
o.append("| N | binary | op | wall ms | CPU ms | peak RSS MB | goal (N = 2000) |")
o.append("|---|---|---|---|---|---|---|")
for n in sizes:
    for t in tools:
        for op in ("config", "plan"):
            rs = sel(n, t, op)
            if not rs: continue
            w, c, m = med(rs, "seconds") * 1e3, med(rs, "cpu_s") * 1e3, med(rs, "rss_kb") / 1024
            goal = ""
            if n == 2000 and t == "berth":
                goal = "wall %s, CPU %s, RSS %s" % ("met" if w < 100 else "missed by %.0f ms" % (w - 100),
                                                    "met" if c < 100 else "missed by %.0f ms" % (c - 100),
                                                    "met" if m < 32 else "missed by %.1f MB" % (m - 32))
            o.append("| %d | %s | %s | %.0f | %.0f | %.1f | %s |" % (n, t, op, w, c, m, goal))
if "before" in tools:
    o.append("\n## berth over before, within each run (median over runs)\n")
    o.append("| N | op | wall | CPU | peak RSS |")
    o.append("|---|---|---|---|---|")
    for n in sizes:
        for op in ("config", "plan"):
            ratios = {"seconds": [], "cpu_s": [], "rss_kb": []}
            for run in sorted({r["run"] for r in rows}):
                a, b = sel(n, "berth", op, run), sel(n, "before", op, run)
                if a and b:
                    for k in ratios: ratios[k].append(med(a, k) / med(b, k))
            if ratios["seconds"]:
                o.append("| %d | %s | %.2f | %.2f | %.2f |" % (n, op, st.median(ratios["seconds"]),
                         st.median(ratios["cpu_s"]), st.median(ratios["rss_kb"])))
o.append("\n## Requests plan sends the empty engine\n")
o.append("| N | binary | requests | which |")
o.append("|---|---|---|---|")
for r in creq:
    o.append("| %s | %s | %s | %s |" % (r["n"], r["tool"], r["requests"], r["what"]))
o.append("")
open(out, "w").write("\n".join(o) + "\n")
PY
say "results: $OUT"
cat "$OUT"
