#!/usr/bin/env bash
# Readiness (issue 20, part 2): a chain of CHAIN parts (default 5), each
# with a healthcheck of interval 1 s, each depending on the one before and
# started only once it is healthy; the time from `up` until the last one is
# healthy, berth against docker-compose 1.29 (`depends_on: {condition:
# service_healthy}`, file format 2.4), on the same engine, in one run.
#
# The readiness time is taken from the engine's own clock: from just before
# the tool is started (CLOCK_REALTIME, the engine's clock on this host) to
# the engine's `health_status: healthy` event of the last part, so no poll
# of the benchmark's own adds to it. The events also split it, per link:
#   react   the dependent's `start` event minus its dependency's
#           `health_status: healthy` event: how long the tool took to see
#           the dependency healthy and start the next (create + start)
#           (split at the dependent's `create` event)
#   engine  the part's healthy event minus its start event: the engine's
#           first probe, one interval after the start, and its run
# bench/measure.c times the command itself (wall, CPU, peak RSS; berth's
# `up` returns once the last part has started, as compose's `up -d` does).
# The tools take turns, the first one alternating from run to run; ratios
# are taken within a run, then their median over the runs.
# Results: bench/results/readiness.md (medians, ratios, the goal, the
# machine, the load) and readiness.csv (every sample).
#
# --before BIN adds a third tool, another berth binary (one built from an
# older commit: the readiness polled every 200 ms before the event stream),
# on the same chain, in the same turns: the change's before and after.
#
# usage: bench/readiness.sh [--chain 5] [--runs 9] [--interval 1s] [--before BIN]
#                           [--out DIR] [--use-engine]
# Run as root, with berth built in build/ (meson setup build && ninja -C
# build) and docker-compose installed. It starts a private engine of its
# own (stopped by its pid at the end); --use-engine uses DOCKER_HOST's.
set -euo pipefail
. "$(dirname "$0")/../tools/lib.sh"
. "$(dirname "$0")/common.sh"
cd "$BERTH_ROOT"

CHAIN=5 RUNS=9 INTERVAL=1s OUT=$BERTH_ROOT/bench/results USE_ENGINE=0 BEFORE=
while [ $# -gt 0 ]; do
    case $1 in
        --chain) CHAIN=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --interval) INTERVAL=$2; shift 2 ;;
        --before) BEFORE=$(realpath "$2"); shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --use-engine) USE_ENGINE=1; shift ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done
BERTH=${BERTH:-$BERTH_ROOT/build/berth} # $BERTH: another binary (a copy, while build/ is rebuilt)
[ -x "$BERTH" ] || die "build berth first (meson setup build && ninja -C build)"
command -v docker-compose >/dev/null || install_packages docker-compose
command -v jq >/dev/null || install_packages jq

WORK=$(mktemp -d /tmp/brd.XXXXXX)
ENGINE_DIR='' EVPID=''
cleanup() {
    local rc=$?
    [ -z "$EVPID" ] || kill "$EVPID" 2>/dev/null || true
    bench_engine_stop || rc=1
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_measure
bench_engine brd
export DOCKER_HOST COMPOSE_HTTP_TIMEOUT=600

IMAGE=bench/busybox
bench_busybox_image "$IMAGE"
CMD="trap 'exit 0' TERM; sleep 2147483647 & wait"

# The same chain for both: s1 <- s2 <- ... each healthy once `true` runs
# (the first probe, one interval after its start; 3 retries; a probe may
# take 10 s: on a loaded machine `true` in a container took more than 1 s),
# on one network of the project.
mkdir -p "$WORK/berth" "$WORK/compose"
{
    printf '[project]\nname = rb%s\n' "$$"
    for i in $(seq 1 "$CHAIN"); do
        printf '\n[s%d]\nrecipe = container\nimage = %s\n' "$i" "$IMAGE"
        printf 'command = ["sh", "-c", "%s"]\npersistent_log = false\n' "$CMD"
        printf 'healthcheck = true\nhealthcheck-interval = %s\nhealthcheck-timeout = 10s\n' "$INTERVAL"
        [ "$i" = 1 ] || printf 'depends = s%d\n' $((i - 1))
    done
} > "$WORK/berth/berth.ini"
{
    printf 'version: "2.4"\nservices:\n'
    for i in $(seq 1 "$CHAIN"); do
        printf '  s%d:\n    image: %s\n    command: ["sh", "-c", "%s"]\n' "$i" "$IMAGE" "$CMD"
        printf '    healthcheck:\n      test: ["CMD", "true"]\n'
        printf '      interval: %s\n      timeout: 10s\n      retries: 3\n' "$INTERVAL"
        [ "$i" = 1 ] || printf '    depends_on:\n      s%d:\n        condition: service_healthy\n' $((i - 1))
    done
} > "$WORK/compose/docker-compose.yml"

# "before" runs the same project file under a project name of its own.
sed "s/^name = rb$$/name = rp$$/" "$WORK/berth/berth.ini" > "$WORK/before.ini"
mkdir -p "$WORK/before" && mv "$WORK/before.ini" "$WORK/before/berth.ini"
up_cmd() {
    case $1 in
        berth) echo "$BERTH -C $WORK/berth --progress quiet up" ;;
        before) echo "$BEFORE -C $WORK/before --progress quiet up" ;;
        compose) echo "docker-compose -f $WORK/compose/docker-compose.yml -p rc$$ up -d" ;;
    esac
}
down_cmd() {
    case $1 in
        berth) "$BERTH" -C "$WORK/berth" --progress quiet down --yes >/dev/null 2>&1 ;;
        before) "$BERTH" -C "$WORK/before" --progress quiet down --yes >/dev/null 2>&1 ;;
        compose) docker-compose -f "$WORK/compose/docker-compose.yml" -p "rc$$" down -t 1 >/dev/null 2>&1 ;;
    esac
}
name_of() { # TOOL I: the container of part I
    case $1 in berth) echo "rb$$-s$2-main" ;; before) echo "rp$$-s$2-main" ;; compose) echo "rc$$_s$2_1" ;; esac
}
label_of() {
    case $1 in berth) echo "berth.project=rb$$" ;; before) echo "berth.project=rp$$" ;; compose) echo "com.docker.compose.project=rc$$" ;; esac
}

SAMPLES=$OUT/readiness.csv
mkdir -p "$OUT"
echo "run,tool,ready_s,wall_s,cpu_s,rss_kb,react_ms,engine_ms,first_start_ms,to_create_ms,create_to_start_ms,load" > "$SAMPLES"

# one TOOL RUN: up, until the last part is healthy; the figures from the events.
one() {
    local tool=$1 run=$2 last i st ev
    last=$(name_of "$tool" "$CHAIN")
    down_cmd "$tool" || true
    # The events are read as they come (the engine keeps only its last 256
    # for later: the health probes' exec events push them out in seconds),
    # from t0 on (since: the few ms before curl is connected are replayed).
    local f
    f=$(jq -cn --arg l "$(label_of "$tool")" '{type: ["container"], label: [$l], event: ["create", "start", "health_status"]}')
    local t0=$EPOCHREALTIME
    curl -sfN --unix-socket "$SOCK" -G "http://e/events" --data-urlencode "since=$t0" \
        --data-urlencode "filters=$f" > "$WORK/events" &
    EVPID=$!
    # shellcheck disable=SC2046 # the command line is split on purpose
    "$WORK/measure" "$WORK/m" $(up_cmd "$tool") >/dev/null 2>"$WORK/err" ||
        die "$tool up failed: $(cat "$WORK/err")"
    for i in $(seq 600); do
        st=$(api "http://e/containers/$last/json" | jq -r '.State.Health.Status' || true)
        [ "$st" = healthy ] && break
        sleep 0.1
    done
    [ "$st" = healthy ] || die "$tool: $last not healthy after 60 s"
    sleep 0.5 # its event written out
    kill "$EVPID" && wait "$EVPID" || true
    EVPID=
    ev=$(jq -r '"\(.timeNano) \(.Action) \(.Actor.Attributes.name)"' < "$WORK/events")
    read -r wall rss cpu _ < "$WORK/m"
    # ready: last healthy - t0; react/engine: medians over the links
    awk -v t0="$t0" -v n="$CHAIN" -v tool="$tool" -v run="$run" -v wall="$wall" -v rss="$rss" \
        -v cpu="$cpu" -v load="$(cut -d' ' -f1 /proc/loadavg)" -v b="$(name_of "$tool" X)" '
        function idx(name,   s) { s = name; sub(/^.*[-_]s/, "", s); sub(/[-_].*$/, "", s); return s + 0 }
        $2 == "create" && !(idx($3) in made) { made[idx($3)] = $1 }
        $2 == "start" && !(idx($3) in start) { start[idx($3)] = $1 }
        $2 == "health_status:" && $3 == "healthy" && !(idx($4) in healthy) { healthy[idx($4)] = $1 }
        function med(a, k,   i, j, t) {
            for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
            return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
        END {
            split(t0, p, "."); t0ns = p[1] * 1e9 + substr(p[2] "000000000", 1, 9)
            for (i = 2; i <= n; i++) r[i - 1] = (start[i] - healthy[i - 1]) / 1e6
            for (i = 1; i <= n; i++) g[i] = (healthy[i] - start[i]) / 1e6
            for (i = 2; i <= n; i++) c[i - 1] = (made[i] - healthy[i - 1]) / 1e6
            for (i = 2; i <= n; i++) s[i - 1] = (start[i] - made[i]) / 1e6
            printf "%d,%s,%.3f,%.3f,%.3f,%d,%.1f,%.1f,%.1f,%.1f,%.1f,%s\n", run, tool,
                (healthy[n] - t0ns) / 1e9, wall, cpu, rss, med(r, n - 1), med(g, n),
                (start[1] - t0ns) / 1e6, med(c, n - 1), med(s, n - 1), load }' <<<"$ev" >> "$SAMPLES"
    tail -1 "$SAMPLES" >&2
    down_cmd "$tool" || true
}

say "chain of $CHAIN, healthcheck interval $INTERVAL, $RUNS runs (load $(cut -d' ' -f1-3 /proc/loadavg))"
TOOLS=(berth compose)
[ -z "$BEFORE" ] || TOOLS+=(before)
for run in $(seq 1 "$RUNS"); do
    # the first tool rotates from run to run
    k=$(((run - 1) % ${#TOOLS[@]}))
    for tool in "${TOOLS[@]:k}" "${TOOLS[@]:0:k}"; do one "$tool" "$run"; done
done

python3 - "$SAMPLES" "$OUT/readiness.md" "$CHAIN" "$INTERVAL" "$RUNS" \
    "$(api http://e/version | jq -r '"Docker \(.Version), API \(.ApiVersion)"')" \
    "$("$BERTH" version | head -1 | sed 's/^berth //')" "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" \
    "$(docker-compose version --short)" "${BEFORE:+$("$BEFORE" version | head -1)}" <<'EOF'
import csv, statistics as st, sys, datetime
samples, out, chain, interval, runs, engine, rev, cores, cpu, compose, before = sys.argv[1:]
rows = list(csv.DictReader(open(samples)))
by = {}
for r in rows:
    by.setdefault(r["run"], {})[r["tool"]] = r
tools = ["berth", "compose"] + (["before"] if before else [])
def med(tool, k):
    return st.median(float(r[k]) for r in rows if r["tool"] == tool)
def ratio(a, b, k):
    """a over b within each run, then the median over the runs"""
    return st.median(float(v[a][k]) / float(v[b][k]) for v in by.values() if a in v and b in v)
loads = sorted(float(r["load"]) for r in rows)
head = {"berth": "berth", "compose": "docker-compose", "before": "berth before"}
L = []
L.append(f"## Readiness: a chain of {chain} parts, healthcheck interval {interval} (berth vs docker-compose {compose})")
L.append("")
L.append(f"{datetime.date.today()}, {cores} cores ({cpu}), {engine}, berth {rev}"
         + (f" (before: {before})" if before else "")
         + f"; {runs} runs, the tools taking turns; 1-minute load average {loads[0]:.1f} to {loads[-1]:.1f} "
         f"(median {st.median(loads):.1f}) during the run.")
L.append("")
L.append("| | " + " | ".join(head[t] for t in tools) + " | berth/compose |" + (" berth/before |" if before else ""))
L.append("|---|" + "--:|" * (len(tools) + 1 + bool(before)))
def row(label, k, fmt, ratios=False, bold=False):
    cells = [fmt(med(t, k)) for t in tools]
    rs = [f"{ratio('berth', 'compose', k):.2f}×"] + ([f"{ratio('berth', 'before', k):.2f}×"] if before else [])
    if not ratios:
        rs = [""] * len(rs)
    if bold:
        rs = [f"**{x}**" for x in rs]
    L.append(f"| {label} | " + " | ".join(cells + rs) + " |")
sec = lambda v: f"{v:.2f} s"
ms = lambda v: f"{v:.0f} ms"
row("**`up` to the last part healthy** (engine's events)", "ready_s", sec, True, True)
row("the `up` command itself (wall)", "wall_s", sec, True)
row("its CPU time", "cpu_s", lambda v: f"{v:.3f} s")
row("its peak RSS", "rss_kb", lambda v: f"{v / 1024:.1f} MB")
row("`up` to the first part's start", "first_start_ms", ms)
row("per link: dependency healthy → dependent started (the tool)", "react_ms", ms, True)
row("… of which: dependency healthy → dependent created", "to_create_ms", ms, True)
row("… and: created → started", "create_to_start_ms", ms, True)
row("per link: started → healthy (the engine's first probe)", "engine_ms", ms)
L.append("")
goal = 0.8
r = ratio("berth", "compose", "ready_s")
L.append(f"Goal: ≤ {goal}× compose — {'met' if r <= goal else 'not met'} ({r:.2f}×).")
L.append("")
L.append("Medians over the runs; the ratios are taken within each run, then their median. "
         "Every sample: `readiness.csv`. Made by `bash bench/readiness.sh` "
         f"(--chain {chain} --runs {runs} --interval {interval}"
         + (" --before BIN" if before else "") + ").")
open(out, "w").write("\n".join(L) + "\n")
print("\n".join(L))
EOF
