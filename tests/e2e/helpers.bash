# Loaded by every .bats file: the binary under test and shared fixtures.
BERTH=${BERTH:-$BATS_TEST_DIRNAME/../../build/berth}
E2E_DIR=$BATS_TEST_DIRNAME

berth() { "$BERTH" "$@"; }

# A per-test project name, so tests never see each other's objects.
test_project() { echo "t$$_${BATS_TEST_NUMBER}"; }

# busybox_image NAME: an image holding Debian's busybox-static and its
# applet links, imported through the API with no registry (idempotent).
busybox_image() {
    local name=$1
    local sock=${DOCKER_HOST#unix://}
    if curl -sf --unix-socket "$sock" "http://e/images/$name/json" >/dev/null; then
        return 0
    fi
    local root
    root=$(mktemp -d)
    mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/data"
    cp /bin/busybox "$root/bin/busybox"
    local a
    for a in $("$root/bin/busybox" --list); do
        [ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
    done
    tar -C "$root" -cf "$root.tar" .
    curl -sf --unix-socket "$sock" -X POST -H 'Content-Type: application/x-tar' \
        --data-binary @"$root.tar" \
        "http://e/images/create?fromSrc=-&repo=${name%%:*}&tag=latest" >/dev/null
    rm -rf "$root" "$root.tar"
}

# start_fake_engine MODE: a misbehaving engine on a fresh socket; sets FAKE_SOCK.
start_fake_engine() {
    FAKE_SOCK=$(mktemp -u /tmp/berth-fake.XXXXXX).sock
    python3 "$E2E_DIR/fake_engine.py" "$FAKE_SOCK" "$1" > "$FAKE_SOCK.log" 2>&1 &
    FAKE_PID=$!
    local i
    for i in $(seq 100); do
        [ -S "$FAKE_SOCK" ] && return 0
        sleep 0.05
    done
    return 1
}

stop_fake_engine() {
    [ -n "${FAKE_PID:-}" ] && kill "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
    rm -f "$FAKE_SOCK" "$FAKE_SOCK.log"
    FAKE_PID=
}

# gone PID: no such process, or only its zombie (an exited process whose
# parent has not collected it; on a machine whose init does not reap, a
# stopped daemon stays a zombie).
gone() {
    local state
    state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
    [ -z "$state" ] || [ "$state" = Z ] || [ "$state" = X ]
}

# host_user_begin NAME: a non-root host user (made when missing) who reaches
# the engine at $DOCKER_HOST as the seed's users do, through the docker
# group; host_user_end NAME undoes it. State in $BATS_FILE_TMPDIR.
host_user_begin() {
    local user=$1 sock=${DOCKER_HOST#unix://}
    if ! id "$user" >/dev/null 2>&1; then
        useradd -m "$user"
        touch "$BATS_FILE_TMPDIR/made-user-$user"
    fi
    groupadd -f docker
    usermod -aG docker "$user"
    chgrp docker "$sock"
    chmod g+rw "$sock"
    # Passable, not readable. Left so by host_user_end: the suite's other
    # run may still be using its own user through the same engine.
    chmod o+x "${sock%/*}"
}

host_user_end() {
    local user=$1
    if [ -e "$BATS_FILE_TMPDIR/made-user-$user" ]; then
        userdel -r "$user" >/dev/null 2>&1 || true
    fi
}
