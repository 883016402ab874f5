#!/usr/bin/env bash
# The swarm scale check (issue 18): berth deploy against docker stack deploy
# of an equivalent stack file (written here), on a single-node swarm of a
# private engine this script starts and stops (by its pid).
#
# The platform: SERVICES services on the project's overlay network, one of
# them with REPLICAS tasks (default 30 services, one of 100 replicas: 129
# tasks), busybox sleeping, dnsrr endpoints (as berth makes them). For each
# tool, in turn, timed:
#   deploy   from scratch, until every task runs (the same external poll of
#            GET /tasks for both tools: docker stack deploy does not wait)
#   noop     deploy again with nothing changed (berth makes no writes;
#            docker stack deploy sends an update of every service)
#   update   deploy after changing one service's environment, until its new
#            task runs
#   down     berth down --swarm / docker stack rm, until no task container
#            is left
# Results: a table of medians and ratios (berth / docker) to stdout and to
# bench/results/swarm.md.
#
# usage: bench/swarm.sh [--services 30] [--replicas 100] [--runs 1] [--out FILE]
# Run as root, with the build in build/ (or BERTH=binary) and docker.io installed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SERVICES=30 REPLICAS=100 RUNS=1 OUT=$ROOT/bench/results/swarm.md
while [ $# -gt 0 ]; do
    case $1 in
        --services) SERVICES=$2; shift 2 ;;
        --replicas) REPLICAS=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
BERTH=${BERTH:-$ROOT/build/berth} # BERTH=...: a copy, so that build/ can be rebuilt meanwhile
DOCKER=/usr/bin/docker
[ -x "$BERTH" ] || { echo "build berth first (meson setup build && ninja -C build)" >&2; exit 1; }
[ -x "$DOCKER" ] || { echo "needs the docker CLI (apt-get install docker.io)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/bsb.XXXXXX)
EDIR=$WORK/e
cleanup() {
    # Leave the swarm first: its docker_gwbridge (a bridge on the host) can
    # only be removed then, and --purge removes the networks left.
    if [ -n "${SOCK:-}" ]; then
        curl -sf --unix-socket "$SOCK" -X POST "http://e/swarm/leave?force=1" >/dev/null 2>&1 || true
        for _ in $(seq 120); do
            curl -sf --unix-socket "$SOCK" -X DELETE http://e/networks/docker_gwbridge >/dev/null 2>&1 && break
            sleep 0.25
        done
    fi
    "$BERTH" engine stop --purge --dir "$EDIR" >/dev/null 2>&1 || true
    # The bridge device under the name given above outlives its engine when
    # the engine could not remove it in time (seen after the full-size run,
    # load about 100): it is this script's by its name.
    if ip link show "bgb$$" >/dev/null 2>&1; then
        echo "docker_gwbridge (bgb$$) was left on the host: removed" >&2
        ip link delete "bgb$$" || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
eval "$("$BERTH" engine start --dir "$EDIR" --name bsb$$)"
export DOCKER_HOST
SOCK=${DOCKER_HOST#unix://}
api() { curl -sf --unix-socket "$SOCK" "$@"; }

# The swarm: docker_gwbridge on loopback under its own bridge name, then init
# on a loopback address and ports of its own (other engines may run swarms).
api -X POST -H 'Content-Type: application/json' -d "{\"Name\":\"docker_gwbridge\",\"Driver\":\"bridge\",
  \"Options\":{\"com.docker.network.bridge.name\":\"bgb$$\",\"com.docker.network.bridge.enable_icc\":\"false\",
  \"com.docker.network.bridge.host_binding_ipv4\":\"127.0.0.1\"}}" http://e/networks/create >/dev/null
ADDR=127.0.$((RANDOM % 200 + 20)).$((RANDOM % 200 + 20))
PORT=$((20000 + RANDOM % 20000))
api -X POST -H 'Content-Type: application/json' \
    -d "{\"ListenAddr\":\"$ADDR:$PORT\",\"AdvertiseAddr\":\"$ADDR\",\"DataPathPort\":$((PORT + 1))}" \
    http://e/swarm/init >/dev/null

# The image: busybox, imported (no registry).
ROOTFS=$WORK/rootfs
mkdir -p "$ROOTFS/bin"
cp /bin/busybox "$ROOTFS/bin/"
for a in $("$ROOTFS/bin/busybox" --list); do [ "$a" = busybox ] || ln -sf busybox "$ROOTFS/bin/$a"; done
tar -C "$ROOTFS" -cf "$WORK/rootfs.tar" .
api -X POST -H 'Content-Type: application/x-tar' --data-binary @"$WORK/rootfs.tar" \
    "http://e/images/create?fromSrc=-&repo=benchbb&tag=latest" >/dev/null

# The same platform, twice: berth.ini and stack.yml.
write_files() { # MODE (the env value of s1)
    local d=$WORK/berth i
    mkdir -p "$d"
    {
        printf '[project]\nname = bs\n'
        for i in $(seq 1 "$SERVICES"); do
            printf '\n[s%d]\nrecipe = container\nimage = benchbb\n' "$i"
            printf 'command = ["sh", "-c", "trap \\"exit 0\\" TERM; sleep 100000 & wait"]\n'
            printf 'stop-timeout = 2s\n'
            if [ "$i" = 1 ]; then printf 'env = MODE=%s\n' "$1"; fi
            if [ "$i" = 2 ]; then printf 'replicas = %d\n' "$REPLICAS"; fi
        done
    } > "$d/berth.ini"
    {
        printf 'version: "3.8"\nservices:\n'
        for i in $(seq 1 "$SERVICES"); do
            printf '  s%d:\n    image: benchbb:latest\n' "$i"
            printf '    command: ["sh", "-c", "trap \\"exit 0\\" TERM; sleep 100000 & wait"]\n'
            printf '    stop_grace_period: 2s\n'
            if [ "$i" = 1 ]; then printf '    environment:\n      MODE: "%s"\n' "$1"; fi
            printf '    deploy:\n      endpoint_mode: dnsrr\n'
            if [ "$i" = 2 ]; then printf '      replicas: %d\n' "$REPLICAS"; fi
        done
    } > "$WORK/stack.yml"
}

TOTAL=$((SERVICES - 1 + REPLICAS))
# Until N tasks run (from the current specs), or none is left (N = 0).
until_tasks() {
    local want=$1 n
    while :; do
        if [ "$want" -eq 0 ]; then
            n=$(api "http://e/containers/json?all=1" | jq '[.[] | select(.Labels["com.docker.swarm.service.name"] // "" | startswith("bs"))] | length')
        else
            n=$(api "http://e/tasks?filters=%7B%22desired-state%22%3A%5B%22running%22%5D%7D" |
                jq '[.[] | select(.Status.State == "running")] | length')
        fi
        [ "$n" -eq "$want" ] && return 0
        sleep 0.2
    done
}
# Until s1's running task has MODE=value.
until_mode() {
    while :; do
        api "http://e/containers/json" | jq -r '.[] | select((.Labels["com.docker.swarm.service.name"] // "") | test("^bs[-_]s1(-main)?$")) | .Id' |
            while read -r id; do api "http://e/containers/$id/json" | jq -r '.Config.Env[]'; done |
            grep -qx "MODE=$1" && return 0
        sleep 0.2
    done
}
now() { date +%s.%N; }
load1() { cut -d' ' -f1 /proc/loadavg; }
declare -A T L
step() { # TOOL STEP CMD...: time CMD and what follows it in the same call
    local tool=$1 name=$2 t0
    shift 2
    t0=$(now)
    "$@"
    T[$tool,$name]+="$(echo "$(now) - $t0" | bc) "
    # The machine's 1-minute load average as the step ends: the machine is
    # shared, and a figure means little without it.
    L[$tool,$name]+="$(load1) "
}
berth_deploy() { "$BERTH" -C "$WORK/berth" --progress quiet deploy >/dev/null; }
stack_deploy() { "$DOCKER" stack deploy --resolve-image never -c "$WORK/stack.yml" bs >/dev/null 2>&1; }

for run in $(seq 1 "$RUNS"); do
    write_files one
    step berth deploy eval 'berth_deploy && until_tasks $TOTAL'
    step berth noop berth_deploy
    write_files two
    step berth update eval 'berth_deploy && until_mode two'
    step berth down eval '"$BERTH" -C "$WORK/berth" --progress quiet down --swarm >/dev/null && until_tasks 0'
    api "http://e/networks/bs-default" >/dev/null 2>&1 && api -X DELETE "http://e/networks/bs-default" >/dev/null || true

    write_files one
    step docker deploy eval 'stack_deploy && until_tasks $TOTAL'
    step docker noop stack_deploy
    write_files two
    step docker update eval 'stack_deploy && until_mode two'
    step docker down eval '"$DOCKER" stack rm bs >/dev/null && until_tasks 0'
    sleep 2 # the stack's network goes a moment after its tasks
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
span() { tr ' ' '\n' | grep . | sort -g | sed -n '1p;$p' | paste -sd- | sed 's/-/ to /; s/^\([^ ]*\) to \1$/\1/'; }
{
    echo "## berth deploy vs docker stack deploy ($SERVICES services, one of $REPLICAS replicas: $TOTAL tasks; single node; $RUNS run(s))"
    echo
    echo "$(date -u +%F), $(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM, Linux $(uname -r), $(api http://e/version | jq -r '"Docker \(.Version), API \(.ApiVersion)"'), berth $(git -C "$ROOT" rev-parse --short HEAD)"
    echo
    echo "| step | berth | docker stack | berth/docker | load (berth; docker) |"
    echo "|---|--:|--:|--:|--:|"
    for s in deploy noop update down; do
        b=$(echo "${T[berth,$s]}" | median)
        d=$(echo "${T[docker,$s]}" | median)
        printf '| %s | %.2f s | %.2f s | %.2f× | %s; %s |\n' "$s" "$b" "$d" "$(echo "$b / $d" | bc -l)" \
            "$(echo "${L[berth,$s]}" | span)" "$(echo "${L[docker,$s]}" | span)"
    done
    echo
    echo "Medians of $RUNS run(s). load: the machine's 1-minute load average as each step ended (lowest to highest over the runs)."
} | tee "$OUT"
