#!/usr/bin/env bash
# The parity corpus: every folder under cases/ is a Compose project; its
# optional `args` file holds parity.py's options for it (-f FILE, --profile
# NAME, --env NAME=VALUE). Each must read the same in berth as in
# docker-compose 1.29 (parity.py). BERTH names the binary (default: build/berth).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
BERTH=${BERTH:-$here/../../build/berth}
fail=0 n=0
for dir in "$here"/cases/*/; do
    dir=${dir%/}
    args=()
    [ -f "$dir/args" ] && read -ra args < "$dir/args"
    n=$((n + 1))
    if ! python3 "$here/parity.py" --berth "$BERTH" "${args[@]}" "$dir"; then
        fail=$((fail + 1))
    fi
done
echo "$((n - fail)) of $n Compose projects read alike by berth and docker-compose"
[ "$fail" -eq 0 ]
