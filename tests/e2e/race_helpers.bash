# Loaded by the .bats files that put tests/e2e/race_proxy.py between berth
# and the real engine: to race berth (start/stop first) or to crash at a
# chosen request (kill-client:REGEX, kill-pid:PIDFILE:REGEX).

# start_race ACTION [ENGINE_SOCKET]: a proxy in front of the engine; sets
# RACE_HOST, RACE_SOCK (its log is $RACE_SOCK.log).
start_race() {
    RACE_SOCK=$(mktemp -u /tmp/brace.XXXXXX).sock
    python3 "$E2E_DIR/race_proxy.py" "$RACE_SOCK" "${2:-$SOCK}" "$1" 2>"$RACE_SOCK.err" &
    RACE_PID=$!
    local i
    for i in $(seq 100); do
        [ -S "$RACE_SOCK" ] && break
        sleep 0.05
    done
    RACE_HOST=unix://$RACE_SOCK
}

stop_race() {
    if [ -n "${RACE_PID:-}" ]; then
        kill "$RACE_PID" 2>/dev/null || true
        wait "$RACE_PID" 2>/dev/null || true
    fi
    rm -f "${RACE_SOCK:-}" "${RACE_SOCK:-}.log" "${RACE_SOCK:-}.err"
    RACE_PID=
    return 0
}

# race_teardown: the proxy stopped, then whatever of project $P a killed or
# raced berth left (down first, then any labelled leftover by its id).
race_teardown() {
    stop_race
    berth -C "$DIR" -p "$P" down --volumes --yes --rmi >/dev/null 2>&1 || true
    local kind id
    for kind in containers networks volumes images; do
        for id in $(leftovers "$kind"); do
            case $kind in
            containers) api -X DELETE "http://e/containers/$id?force=1" ;;
            images) api -X DELETE "http://e/images/$id?force=1" ;;
            *) api -X DELETE "http://e/$kind/$id" ;;
            esac
        done
    done
}
