#!/usr/bin/env bash
# bench/scale-gen.sh N DIR: write DIR/berth.ini, a project of N parts for
# bench/scale.sh (deterministic: the same N gives the same file, byte for
# byte). Every part uses the language as a large project does:
#   [vars]      values the parts substitute (${vars:key})
#   net         a network part every container joins
#   data01..    one volume part per 50 containers, mounted by them
#   p0001..     container parts; part i (i > 1) substitutes a key of part
#               i/2 (${p0003:network-aliases}: a dependency, a tree of
#               depth log2 N) and links to it; every one substitutes keys
#               of its own (${:key}), of [vars] and of the project
# N counts all the parts: the network, the volumes and the containers.
set -euo pipefail
n=${1:?usage: scale-gen.sh N DIR} dir=${2:?usage: scale-gen.sh N DIR}
[ "$n" -ge 10 ] 2>/dev/null || { echo "scale-gen.sh: N is a number of at least 10" >&2; exit 2; }
nvol=$(( (n - 1) / 51 + 1 ))   # one volume for about 50 containers
nc=$(( n - 1 - nvol ))         # containers: the rest after net and the volumes
mkdir -p "$dir"
awk -v nc="$nc" -v nvol="$nvol" 'BEGIN {
    print "[project]\nname = scale" (nc + nvol + 1) "\n"
    print "[vars]\nimage = bench/busybox\ndomain = scale.test\ngrace = 7s"
    print "greeting = hello from ${project:name}\n"
    print "[net]\nrecipe = network\n"
    for (v = 1; v <= nvol; v++)
        printf "[data%02d]\nrecipe = volume\nname = ${project:name}-data%02d\n\n", v, v
    for (i = 1; i <= nc; i++) {
        p = sprintf("p%04d", i)
        printf "[%s]\nrecipe = container\nimage = ${vars:image}\n", p
        print "command = [\"sh\", \"-c\", \"sleep 1000\"]"
        print "networks = net"
        printf "network-aliases = %s.${vars:domain}\n", p
        printf "hostname = %s\n", p
        printf "stop-timeout = ${vars:grace}\n"
        printf "volumes = data%02d:/data/%s\n", (i - 1) % nvol + 1, p
        print "env ="
        print "    SELF=${:hostname}"
        print "    GREETING=${vars:greeting}"
        print "    WHERE=${project:name}/${:hostname}"
        if (i > 1) {
            up = sprintf("p%04d", int(i / 2))
            printf "    UPSTREAM=${%s:network-aliases}\n", up
            printf "    UPSTREAM_GRACE=${%s:stop-timeout}\n", up
            printf "links = %s upstream\n", up
        }
        print "labels = tier=t" (i % 7) "\n"
    }
}' > "$dir/berth.ini"
