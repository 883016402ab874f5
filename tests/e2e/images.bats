#!/usr/bin/env bats
# Image parts without the engine's extra steps: berth's labels through one
# commit (no LABEL steps), and squash to one layer by export and import,
# on an engine without the experimental flag.
load helpers
load project_helpers

# LAYERS REF: how many layers an image has.
layers() { ins "images/$1" '.RootFS.Layers | length'; }
# The settings squash keeps, as one JSON line.
settings() {
    ins "images/$1" '.Config | {Cmd, Entrypoint, Env, WorkingDir, User, ExposedPorts, Volumes,
        Labels: (.Labels | with_entries(select(.key | startswith("berth.") | not)))} | tojson'
}

@test "the demo's builds show no LABEL steps; the labels are on the image all the same" {
    cp -r "$BATS_TEST_DIRNAME/../../examples/platform/." "$DIR/"
    sed -i "s|^FROM demo/|FROM $P/|" "$DIR/web/Dockerfile"
    run berth -C "$DIR" -p "$P" --progress plain up web_image
    [ "$status" -eq 0 ]
    [[ "$output" == *"image web_image | Step "* ]]
    [[ "$output" != *"LABEL berth."* ]]
    ! grep -q "Step .* LABEL" <<<"$output"
    # images carry their own keys (tests/e2e/ownership.bats says why)
    [ "$(ins "images/$P/web_image" '.Config.Labels["berth.image.project"]')" = "$P" ]
    [ "$(ins "images/$P/web_image" '.Config.Labels["berth.image.part"]')" = web_image ]
    [ "$(ins "images/$P/web_image" '.Config.Labels["berth.image.ref"]')" = "$P/web_image:latest" ]
    [ -n "$(ins "images/$P/web_image" '.Config.Labels["berth.build-hash"]')" ]
    # The labels added no layer: the base's one, and one per RUN/COPY step.
    steps=$(grep -cE '^(RUN|COPY|ADD)' "$DIR/web/Dockerfile")
    [ "$(layers "$P/web_image")" -eq $(( $(layers "$P/base") + steps )) ]
    # Unchanged: up to date, the same image.
    id=$(ins "images/$P/web_image" .Id)
    run berth -C "$DIR" -p "$P" --progress plain up web_image
    [ "$status" -eq 0 ]
    [[ "$output" == *" 0 change(s)"* ]]
    [ "$(ins "images/$P/web_image" .Id)" = "$id" ]
}

@test "squash: one layer, the same Config, the container runs the same command; unchanged stays up to date" {
    mkdir -p "$DIR/app"
    cat > "$DIR/app/Dockerfile" <<EOF
FROM $IMG
RUN mkdir -p /srv/x && echo one > /srv/x/one
RUN echo two > /srv/x/two && rm /srv/x/one
ENV GREETING=hello PATH=/bin:/usr/bin
WORKDIR /srv/x
EXPOSE 8080/tcp
VOLUME /data
LABEL mine=yes
CMD ["sh", "-c", "echo \$GREETING; ls"]
EOF
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[layered]
recipe = build
source = app

[flat]
recipe = build
source = app
squash = true

[boot]
recipe = bootstrap
files =
    /bin/busybox /bin/busybox
    /bin/busybox /bin/sh
script = /bin/busybox mkdir -p /made && /bin/busybox touch /made/by-script
command = ["/bin/busybox", "ls", "/made"]
squash = true
EOF
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    [[ "$output" == *"image flat"*"squashing"* ]]
    [ "$(layers "$P/flat")" -eq 1 ]
    [ "$(layers "$P/layered")" -gt 1 ]
    [ "$(layers "$P/boot")" -eq 1 ]
    [ "$(settings "$P/flat")" = "$(settings "$P/layered")" ]
    [ "$(ins "images/$P/flat" .Config.Labels.mine)" = yes ]
    [ "$(ins "images/$P/flat" '.Config.Labels["berth.image.part"]')" = flat ]
    # The same command, the same output, the same files.
    a=$(/usr/bin/docker -H "$DOCKER_HOST" run --rm "$P/layered")
    b=$(/usr/bin/docker -H "$DOCKER_HOST" run --rm "$P/flat")
    [ "$a" = "hello
two" ]
    [ "$a" = "$b" ]
    [ "$(/usr/bin/docker -H "$DOCKER_HOST" run --rm "$P/boot")" = by-script ]
    # No work containers or temporary images left.
    [ -z "$(api "http://e/containers/json?all=1" | jq -r --arg p "$P" '.[] | select(.Labels["berth.project"] == $p or .Labels["berth.bootstrap"] == $p) | .Id')" ]
    absent "images/$P-squash:flat"
    # Unchanged: nothing is rebuilt.
    id=$(ins "images/$P/flat" .Id)
    run berth -C "$DIR" --progress plain up
    [[ "$output" == *" 0 change(s)"* ]]
    [ "$(ins "images/$P/flat" .Id)" = "$id" ]
}

@test "squash of a 1 GiB image stays under 64 MiB of berth's memory" {
    mkdir -p "$DIR/big"
    cat > "$DIR/big/Dockerfile" <<EOF
FROM $IMG
RUN dd if=/dev/urandom of=/big bs=1M count=1024 2>/dev/null
EOF
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[big]
recipe = build
source = big
squash = true
EOF
    run /usr/bin/time -f 'maxrss=%M' "$BERTH" -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    [ "$(layers "$P/big")" -eq 1 ]
    [[ "$output" =~ maxrss=([0-9]+) ]]
    echo "peak RSS: ${BASH_REMATCH[1]} KiB"
    [ "${BASH_REMATCH[1]}" -lt 65536 ]
    [ "$(ins "images/$P/big" .Size)" -gt 1000000000 ]
}

# serve_git DIR: git daemon on 127.0.0.1 exporting DIR's repositories; sets
# GIT_PORT and GIT_PID (stopped by stop_bg).
serve_git() {
    GIT_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    git daemon --base-path="$1" --export-all --listen=127.0.0.1 --port="$GIT_PORT" --reuseaddr \
        "$1" > "$DIR/git-daemon.log" 2>&1 &
    GIT_PID=$!
    local i
    for i in $(seq 100); do
        git ls-remote "git://127.0.0.1:$GIT_PORT/repo.git" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

stop_bg() { [ -n "${1:-}" ] && kill "$1" 2>/dev/null && wait "$1" 2>/dev/null || true; }

@test "a git repository served on 127.0.0.1 is a build source; a new commit rebuilds, the same one does not" {
    mkdir -p "$DIR/srv/repo.git" "$DIR/work"
    git init -q --bare "$DIR/srv/repo.git"
    git -C "$DIR/work" init -q
    printf 'FROM %s\nCOPY msg /msg\nCMD ["cat", "/msg"]\n' "$IMG" > "$DIR/work/Dockerfile"
    echo first > "$DIR/work/msg"
    git -C "$DIR/work" add -A
    git -C "$DIR/work" -c user.name=t -c user.email=t@t commit -qm one
    git -C "$DIR/work" push -q "$DIR/srv/repo.git" HEAD:master
    serve_git "$DIR/srv"
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[app]
recipe = build
source = git://127.0.0.1:$GIT_PORT/repo.git
EOF
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    [ "$(/usr/bin/docker -H "$DOCKER_HOST" run --rm "$P/app")" = first ]
    run berth -C "$DIR" --progress plain up
    [[ "$output" == *" 0 change(s)"* ]]
    echo second > "$DIR/work/msg"
    git -C "$DIR/work" -c user.name=t -c user.email=t@t commit -qam two
    git -C "$DIR/work" push -q "$DIR/srv/repo.git" HEAD:master
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    [[ "$output" == *" 1 change(s)"* ]]
    [ "$(/usr/bin/docker -H "$DOCKER_HOST" run --rm "$P/app")" = second ]
    # A ref that is not there: a clear error, nothing built.
    sed -i "s|repo.git|repo.git#nosuchbranch|" "$DIR/berth.ini"
    run berth -C "$DIR" --progress plain up
    [ "$status" -ne 0 ]
    [[ "$output" == *"no ref 'nosuchbranch'"* ]]
    stop_bg "$GIT_PID"
}

@test "an archive served over http on 127.0.0.1 is a build source, hashed by its content" {
    mkdir -p "$DIR/ctx" "$DIR/www"
    printf 'FROM %s\nCOPY msg /msg\nCMD ["cat", "/msg"]\n' "$IMG" > "$DIR/ctx/Dockerfile"
    echo served > "$DIR/ctx/msg"
    tar -C "$DIR/ctx" -czf "$DIR/www/ctx.tar.gz" .
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    python3 -m http.server --bind 127.0.0.1 --directory "$DIR/www" "$port" > "$DIR/http.log" 2>&1 &
    pid=$!
    for i in $(seq 100); do curl -sf "http://127.0.0.1:$port/ctx.tar.gz" >/dev/null && break; sleep 0.1; done
    cat > "$DIR/berth.ini" <<EOF
[project]
name = $P

[app]
recipe = build
source = http://127.0.0.1:$port/ctx.tar.gz
EOF
    run berth -C "$DIR" --progress plain up
    [ "$status" -eq 0 ]
    [ "$(/usr/bin/docker -H "$DOCKER_HOST" run --rm "$P/app")" = served ]
    run berth -C "$DIR" --progress plain up
    [[ "$output" == *" 0 change(s)"* ]]
    stop_bg "$pid"
}
