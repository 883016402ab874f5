#!/usr/bin/env bats
# Compose files as a project source (issue 19), against the real engine:
# a folder holding only compose.yaml (and what it builds) goes up, answers,
# stays put on a second up, and comes down; berth import writes the same
# project as berth.ini; mistakes are exit 3 at FILE:LINE:COLUMN before any
# engine contact.
load helpers
load project_helpers

# web (built here) <- app <- db, each waiting for the one before to be healthy;
# db and web share a named volume; web publishes 8080 and reads a secret.
write_project() {
    mkdir -p "$DIR/web"
    printf 'FROM %s\nRUN mkdir -p /www && echo "<h1>hello from compose</h1>" > /www/index.html\n' \
        "$IMG" > "$DIR/web/Dockerfile"
    printf 's3cret-token\n' > "$DIR/token.txt"
    printf 'GREETING=from-dotenv\n' > "$DIR/.env"
    cat > "$DIR/compose.yaml" <<EOF
name: $P
x-quick: &quick
  stop_grace_period: 1s
services:
  db:
    <<: *quick
    image: $IMG
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 1; echo ready > /data/ready; echo db-is-ready; sleep 1000 & wait"]
    volumes:
      - shared:/data
    healthcheck:
      test: ["CMD", "test", "-f", "/data/ready"]
      interval: 1s
  app:
    <<: *quick
    image: $IMG
    # Fails at once unless db was healthy (its file written) before it started.
    command: sh -c 'test -f /data/ready || exit 1; trap "exit 0" TERM; sleep 1000 & wait'
    volumes: [shared:/data]
    depends_on:
      db:
        condition: service_healthy
    healthcheck:
      test: test -f /data/ready
      interval: 1s
  web:
    <<: *quick
    build: ./web
    command: httpd -f -p 8080 -h /www
    environment:
      GREETING: \${GREETING}
    ports:
      - "8080"
    secrets:
      - token
    depends_on:
      app:
        condition: service_healthy
volumes:
  shared: {}
secrets:
  token:
    file: ./token.txt
EOF
}

@test "a folder with only compose.yaml: up, the page on 127.0.0.1, healthy chain, volume, secret; no-op up; down" {
    write_project
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    [ "$(ours)" = "$P-app-1 running
$P-db-1 running
$P-web-1 running" ]

    # The port is published on 127.0.0.1 only (Compose would use 0.0.0.0).
    run berth -C "$DIR" ps --format json
    [ "$status" -eq 0 ]
    ports=$(jq -r '.[] | select(.part == "web") | .ports[]' <<<"$output")
    [[ "$ports" =~ ^127\.0\.0\.1:([0-9]+)-\>8080/tcp$ ]]
    run curl -sf "http://127.0.0.1:${BASH_REMATCH[1]}/"
    [ "$status" -eq 0 ]
    [ "$output" = "<h1>hello from compose</h1>" ]

    # .env interpolated; the secret mounted read-only where Compose puts it;
    # web reaches app by its service name on the project's network.
    [ "$(envof "$P-web-1" GREETING)" = from-dotenv ]
    run xc "$P-web-1" cat /run/secrets/token
    [ "$status" -eq 0 ]
    [ "$output" = s3cret-token ]
    run xc "$P-web-1" sh -c 'echo x > /run/secrets/token'
    [ "$status" -ne 0 ]
    run xc "$P-web-1" ping -c1 -W2 app
    [ "$status" -eq 0 ]
    # The named volume is the project's, shared by db and app.
    run xc "$P-app-1" cat /data/ready
    [ "$output" = ready ]
    [ "$(api "http://e/volumes/$P-shared" | jq -r '.Labels["berth.project"]')" = "$P" ]
    # db became healthy before app started, app before web.
    [ "$(ins "containers/$P-db-1" .State.Health.Status)" = healthy ]
    [ "$(ins "containers/$P-app-1" .State.Health.Status)" = healthy ]

    # A second up makes no engine writes.
    before=$(for c in db-1 app-1 web-1; do echo "$(cid "$P-$c") $(started "$P-$c")"; done)
    t0=$(date +%s.%N)
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    [[ "$output" == *"$P: 0 change(s), "* ]]
    t1=$(date +%s.%N)
    after=$(for c in db-1 app-1 web-1; do echo "$(cid "$P-$c") $(started "$P-$c")"; done)
    [ "$before" = "$after" ]
    run api "http://e/events?since=$t0&until=$t1"
    [ "$status" -eq 0 ]
    # (the engine's own healthcheck runs are no writes of berth's)
    [ "$(jq -r --arg p "$P" 'select(.Actor.Attributes | tostring | contains($p))
        | select(.Action | test("^(exec_(create|start|die)|health_status)") | not)
        | "\(.Type) \(.Action) \(.Actor.Attributes.name)"' <<<"$output")" = "" ]

    run berth -C "$DIR" plan
    [ "$status" -eq 0 ]
    [[ "$output" == *"nothing to do"* ]]

    # logs and exec work on the same model.
    run berth -C "$DIR" logs db
    [ "$status" -eq 0 ]
    [[ "$output" == *"db-is-ready"* ]]
    run berth -C "$DIR" exec web echo hi-from-exec
    [ "$status" -eq 0 ]
    [[ "$output" == *hi-from-exec* ]]

    run berth -C "$DIR" down --volumes --yes
    [ "$status" -eq 0 ]
    [ "$(ours)" = "" ]
    absent "volumes/$P-shared"
    absent "networks/$P-default"
}

@test "berth.ini beside compose.yaml adds to and overrides it" {
    write_project
    cat > "$DIR/berth.ini" <<EOF
[web]
env = GREETING=from-berth-ini
instances = one two
EOF
    run berth -C "$DIR" config --format json
    [ "$status" -eq 0 ]
    [ "$(jq -r '.parts[] | select(.name == "web") | .settings.env[]' <<<"$output")" = "GREETING=from-berth-ini" ]
    [ "$(jq -r '.parts[] | select(.name == "web") | [.instances[].name] | join(" ")' <<<"$output")" = "one two" ]
}

@test "compose mistakes: exit 3 with FILE:LINE:COLUMN and the key, and no engine contact" {
    local dead=unix:///tmp/berth-no-engine-here.sock
    printf 'services:\n  web:\n    image: "busybox\n    tty: true\n' > "$DIR/compose.yaml"
    run berth -C "$DIR" --engine "$dead" up
    [ "$status" -eq 3 ]
    [[ "$output" == *"compose.yaml:4:"*"not valid YAML"* ]]

    printf 'services:\n  web:\n    image: busybox\n    container_name: web\n    colour: blue\n' > "$DIR/compose.yaml"
    run berth -C "$DIR" --engine "$dead" up
    [ "$status" -eq 3 ]
    [[ "$output" == *"compose.yaml:4:5: part 'web': key 'container_name': berth does not support container_name"* ]]
    [[ "$output" == *"compose.yaml:5:5: part 'web': key 'colour': not a key of a Compose service"* ]]

    printf 'services:\n  web:\n    image: busybox\n    tty: maybe\n    ports: 8080\n' > "$DIR/compose.yaml"
    run berth -C "$DIR" --engine "$dead" up
    [ "$status" -eq 3 ]
    [[ "$output" == *"compose.yaml:4:10: part 'web': key 'tty': must be true or false, not 'maybe'"* ]]
    [[ "$output" == *"compose.yaml:5:12: part 'web': key 'ports': must be a list, not a single value"* ]]

    printf 'services:\n  web:\n    image: busybox\n    command: ${CMD:?set CMD first}\n' > "$DIR/compose.yaml"
    run env -u CMD "$BERTH" -C "$DIR" --engine "$dead" up
    [ "$status" -eq 3 ]
    [[ "$output" == *"compose.yaml:4:14: part 'web': required variable CMD is missing a value: set CMD first"* ]]
    CMD=true run berth -C "$DIR" config
    [ "$status" -eq 0 ]
}

@test "berth import writes the berth.ini of the same project: config of both is the same" {
    write_project
    run berth -C "$DIR" import
    [ "$status" -eq 0 ]
    [ "$output" = "wrote $DIR/berth.ini" ]
    grep -q '^# service web, from compose.yaml:' "$DIR/berth.ini"
    # Interpolation is done, and a '$' of the project is written '$$'.
    grep -q '^env = GREETING=from-dotenv$' "$DIR/berth.ini"
    grep -q 'trap .exit 0. TERM' "$DIR/berth.ini"
    from_compose=$(berth -C "$DIR" -f compose.yaml config | grep -v '^#')
    from_ini=$(berth -C "$DIR" -f berth.ini config | grep -v '^#')
    [ -n "$from_ini" ]
    [ "$from_compose" = "$from_ini" ]
    strip='del(.file) | .parts[] |= del(.file, .line)'
    [ "$(berth -C "$DIR" -f compose.yaml config --format json | jq "$strip")" = \
      "$(berth -C "$DIR" -f berth.ini config --format json | jq "$strip")" ]
    # An existing berth.ini is not replaced unless asked.
    run berth -C "$DIR" import
    [ "$status" -eq 2 ]
    [[ "$output" == *"berth.ini exists"* ]]
    run berth -C "$DIR" import --force
    [ "$status" -eq 0 ]
}

@test "cap_add, cap_drop, init, read_only, tmpfs, expose, stdin_open, extra_hosts, cpus, mem_limit and the healthcheck's timings reach the engine" {
    cat > "$DIR/compose.yaml" <<YAML
name: $P
services:
  box:
    image: $IMG
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"]
    stop_grace_period: 1s
    cap_add: [NET_ADMIN]
    cap_drop: [MKNOD]
    init: true
    read_only: true
    tmpfs: /scratch
    expose: ["9000"]
    stdin_open: true
    cpus: 0.5
    mem_limit: 64m
    extra_hosts:
      - "db.outside:10.0.0.5"
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
      timeout: 2s
      retries: 4
      start_period: 3s
YAML
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    c=containers/$P-box-1
    [ "$(api "http://e/$c/json" | jq -c '[.HostConfig.CapAdd, .HostConfig.CapDrop, .HostConfig.Init, .HostConfig.ReadonlyRootfs]')" = \
      '[["NET_ADMIN"],["MKNOD"],true,true]' ]
    [ "$(api "http://e/$c/json" | jq -c '[.HostConfig.NanoCpus, .HostConfig.Memory]')" = '[500000000,67108864]' ]
    [ "$(api "http://e/$c/json" | jq -c '.Config.Healthcheck | [.Interval, .Timeout, .Retries, .StartPeriod]')" = \
      '[1000000000,2000000000,4,3000000000]' ]
    # expose: exposed, not published
    [ "$(api "http://e/$c/json" | jq -c '[.Config.ExposedPorts, .HostConfig.PortBindings, .Config.OpenStdin]')" = \
      '[{"9000/tcp":{}},null,true]' ]
    # What a user checks from inside: the name resolves, / is read-only, the tmpfs is not.
    run xc "$P-box-1" sh -c 'grep db.outside /etc/hosts'
    [[ "$output" == *"10.0.0.5"*"db.outside"* ]]
    run xc "$P-box-1" sh -c 'touch /x'
    [ "$status" -ne 0 ]
    run xc "$P-box-1" sh -c 'touch /scratch/x && echo ok'
    [ "$status" -eq 0 ]
    [ "$output" = ok ]
    # and nothing changes on a second up
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    [[ "$output" == *"$P: 0 change(s), "* ]]
}

@test "a fixed address on a network of the file (ipv4_address), and aliases there" {
    cat > "$DIR/compose.yaml" <<YAML
name: $P
services:
  db:
    image: $IMG
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"]
    stop_grace_period: 1s
    networks:
      back:
        ipv4_address: 10.231.7.50
        aliases: [database]
  app:
    image: $IMG
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"]
    stop_grace_period: 1s
    networks: [back]
networks:
  back:
    ipam:
      config:
        - subnet: 10.231.7.0/24
YAML
    # A fixed subnet: the suite's other run makes the same network at the
    # same time on the same engine; one at a time (held until the test ends).
    exec 9>/tmp/berth-e2e-compose-subnet.lock
    flock 9
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    [ "$(ins "containers/$P-db-1" ".NetworkSettings.Networks[\"$P-back\"].IPAddress")" = 10.231.7.50 ]
    run xc "$P-app-1" sh -c 'ping -c1 -W2 database | head -1'
    [ "$status" -eq 0 ]
    [[ "$output" == *"10.231.7.50"* ]]
    run berth -C "$DIR" --progress plain up
    [[ "$output" == *"$P: 0 change(s), "* ]]
    # two instances cannot share one address
    run berth -C "$DIR" -s db.instances="1 2" config
    [ "$status" -eq 3 ]
    [[ "$output" == *"key 'network-addresses': a fixed address fits one container"* ]]
}

@test "depends_on service_completed_successfully: the job runs to completion first, and is up to date after" {
    cat > "$DIR/compose.yaml" <<YAML
name: $P
services:
  migrate:
    image: $IMG
    command: ["sh", "-c", "sleep 1; echo migrated > /data/done"]
    volumes: [shared:/data]
  web:
    image: $IMG
    # Fails at once unless the job finished before it started.
    command: ["sh", "-c", "test -f /data/done || exit 1; trap 'exit 0' TERM; sleep 1000 & wait"]
    stop_grace_period: 1s
    volumes: [shared:/data]
    depends_on:
      migrate:
        condition: service_completed_successfully
volumes:
  shared:
YAML
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    [ "$(ours)" = "$P-migrate-1 exited
$P-web-1 running" ]
    [ "$(ins "containers/$P-migrate-1" .State.ExitCode)" = 0 ]
    # The job is not run again: a second up changes nothing.
    started=$(started "$P-migrate-1")
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    [[ "$output" == *"$P: 0 change(s), "* ]]
    [ "$(started "$P-migrate-1")" = "$started" ]

    # A job that fails stops up, with its exit code, before web is made anew.
    berth -C "$DIR" down --volumes --yes >/dev/null
    sed -i 's|echo migrated > /data/done"|echo migration failed; exit 3"|' "$DIR/compose.yaml"
    run berth -C "$DIR" --progress plain up
    [ "$status" -ne 0 ]
    [[ "$output" == *"migrate:1"*"exited with code 3"* ]]
    [[ "$output" == *"migration failed"* ]]
    absent "containers/$P-web-1"
}

@test "examples/compose: a Compose project whose base image a berth.ini beside it bootstraps" {
    cp -r "$E2E_DIR/../../examples/compose/." "$DIR/"
    # the example names its base image; the suite's other run uses it too
    sed -i "s|composedemo/base|$P/base|g" "$DIR/compose.yaml" "$DIR/berth.ini" "$DIR/web/Dockerfile"
    GREETING=hi-from-test run berth -C "$DIR" -p "$P" --progress plain up
    [ "$status" -eq 0 ]
    [ "$(ours)" = "$P-cache-1 running
$P-web-1 running" ]
    run berth -C "$DIR" -p "$P" ps --format json
    port=$(jq -r '.[] | select(.part == "web") | .ports[]' <<<"$output")
    [[ "$port" =~ ^127\.0\.0\.1:([0-9]+)-\>8080/tcp$ ]]
    run curl -sf "http://127.0.0.1:${BASH_REMATCH[1]}/"
    [ "$output" = "hi-from-test from the cache" ]
    run berth -C "$DIR" -p "$P" import -o -
    [ "$status" -eq 0 ]
    # The base image of the berth.ini beside it is part of the one file.
    [[ "$output" == *"[cache]"*"[web_image]"*"[web]"*"# from berth.ini:3"*"[base]"* ]]
    berth -C "$DIR" -p "$P" import -o imported.ini
    [ "$(berth -C "$DIR" -p "$P" config | grep -v '^#')" = \
      "$(berth -C "$DIR" -p "$P" -f imported.ini config | grep -v '^#')" ]
}
