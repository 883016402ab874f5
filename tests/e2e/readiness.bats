#!/usr/bin/env bats
# Readiness driven by the engine's events: a dependent starts once the
# engine reports its dependency healthy (the engine's own timestamps say
# so), and berth waits on the event stream instead of looking at the
# container again and again (a tap on the socket counts its looks).
load helpers
load project_helpers

# Healthy at the first probe after /tmp/ok exists: two seconds after start.
# The start period keeps the failed probes before that from counting.
slow_pair() {
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[db]
recipe = container
image = $IMG
command = ["sh", "-c", "sleep 2; touch /tmp/ok; trap \"exit 0\" TERM; sleep 1000 & wait"]
healthcheck = test -f /tmp/ok
healthcheck-interval = 1s
healthcheck-start-period = 60s

[web]
recipe = container
image = $IMG
depends = db
command = $QUICK
EOF
}

# watch_events: the engine's start and health events of the project's
# containers, "timeNano action name" a line in $DIR/events, read as they
# come (the engine keeps only its last 256 events for later, and other
# tests' health probes push them out in seconds); stop_events ends it.
watch_events() {
    local f
    f=$(jq -cn --arg l "berth.project=$P" '{type: ["container"], label: [$l], event: ["start", "health_status"]}')
    curl -sfN --unix-socket "$SOCK" -G "http://e/events" --data-urlencode "since=$(date +%s)" \
        --data-urlencode "filters=$f" > "$DIR/events.json" 3>&- &
    EVPID=$!
}
stop_events() {
    sleep 1 # the last events written out
    kill "$EVPID"
    wait "$EVPID" || true
    jq -r '"\(.timeNano) \(.Action) \(.Actor.Attributes.name)"' < "$DIR/events.json"
}

@test "a dependent starts after the engine reports its dependency healthy, by the engine's clock" {
    slow_pair
    watch_events
    run berth -C "$DIR" up
    ev=$(stop_events)
    echo "$output"
    echo "$ev"
    [ "$status" -eq 0 ]
    [ "$(ins "containers/$P-db-main" .State.Health.Status)" = healthy ]
    healthy=$(awk -v n="$P-db-main" '$2 == "health_status:" && $3 == "healthy" && $4 == n {print $1; exit}' <<<"$ev")
    start=$(awk -v n="$P-web-main" '$2 == "start" && $3 == n {print $1; exit}' <<<"$ev")
    [ -n "$healthy" ] && [ -n "$start" ]
    [ "$start" -gt "$healthy" ]
}

@test "waiting for a healthcheck, berth looks at the container a few times, not every poll period" {
    slow_pair
    T=$(mktemp -d /tmp/btap.XXXXXX)
    python3 "$E2E_DIR/tap_proxy.py" "$T/s.sock" "$SOCK" "$T/log" >/dev/null 2>&1 3>&- &
    tap=$!
    for _ in $(seq 100); do [ -S "$T/s.sock" ] && break; sleep 0.1; done
    DOCKER_HOST=unix://$T/s.sock run berth -C "$DIR" up
    kill "$tap"
    wait "$tap" || true
    echo "$output"
    [ "$status" -eq 0 ]
    id=$(cid "$P-db-main")
    looks=$(grep -c "^GET /v[0-9.]*/containers/$id/json " "$T/log" || true)
    grep -c "^GET /v[0-9.]*/events" "$T/log" || true
    rm -rf "$T"
    # db turns healthy about 3 s after its start: polled every 200 ms that
    # is some 15 looks; woken by its health_status event it is two (the
    # first look, the one after the event), three if the slow safety poll
    # (every 5 s) falls in between.
    echo "looks at db while waiting: $looks"
    [ "$looks" -ge 1 ]
    [ "$looks" -le 4 ]
}

@test "the event stream cut while berth waits: it opens it again and the dependent still starts after the healthy event" {
    slow_pair
    T=$(mktemp -d /tmp/btap.XXXXXX)
    # the stream is cut 1 s after it is asked for; db turns healthy ~3 s after its start
    python3 "$E2E_DIR/tap_proxy.py" "$T/s.sock" "$SOCK" "$T/log" 1 >/dev/null 2>&1 3>&- &
    tap=$!
    for _ in $(seq 100); do [ -S "$T/s.sock" ] && break; sleep 0.1; done
    watch_events
    DOCKER_HOST=unix://$T/s.sock run berth -C "$DIR" up
    ev=$(stop_events)
    kill "$tap"
    wait "$tap" || true
    echo "$output"
    echo "$ev"
    streams=$(grep -c "^GET /v[0-9.]*/events" "$T/log" || true)
    rm -rf "$T"
    echo "event streams opened: $streams"
    [ "$status" -eq 0 ]
    [ "$streams" -ge 2 ]
    healthy=$(awk -v n="$P-db-main" '$2 == "health_status:" && $3 == "healthy" && $4 == n {print $1; exit}' <<<"$ev")
    start=$(awk -v n="$P-web-main" '$2 == "start" && $3 == n {print $1; exit}' <<<"$ev")
    [ -n "$healthy" ] && [ -n "$start" ]
    [ "$start" -gt "$healthy" ]
}

@test "Ctrl-C while up waits on the events: up stops, interrupted, the watch ends with it" {
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[db]
recipe = container
image = $IMG
command = $QUICK
healthcheck = false
healthcheck-interval = 1s
healthcheck-start-period = 600s
ready-timeout = 600s

[web]
recipe = container
image = $IMG
depends = db
command = $QUICK
EOF
    "$BERTH" -C "$DIR" --progress plain up > "$DIR/out" 2>&1 &
    pid=$!
    for _ in $(seq 600); do
        grep -q "db:main.*waiting" "$DIR/out" && break
        sleep 0.1
    done
    sleep 1
    kill -INT "$pid"
    # never healthy, a 600 s limit: only the interrupt ends it (a bound
    # far above any reaction, so no timing is asserted)
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; cat "$DIR/out"; false; fi
    rc=0
    wait "$pid" || rc=$?
    cat "$DIR/out"
    echo "exit $rc"
    [ "$rc" -eq 130 ]
    grep -q "interrupted" "$DIR/out"
    absent "containers/$P-web-main"
}
