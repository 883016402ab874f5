#!/usr/bin/env bats
# The engine client over TCP with TLS, against a real dockerd
# listening on 127.0.0.1. Certificates are made here with openssl; the
# daemon is started with berth's own layout so `berth engine stop` stops it
# by its pid.
load helpers

setup_file() {
    export TLS_DIR=$(mktemp -d /tmp/btls.XXXXXX)
    local c=$TLS_DIR/certs
    mkdir -p "$c"
    (
        cd "$c"
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=berth-test-ca \
            -keyout ca-key.pem -out ca.pem
        openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server-key.pem \
            -out server.csr
        printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server.ext
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
            -extfile server.ext -out server-cert.pem
        openssl req -newkey rsa:2048 -nodes -subj /CN=client -keyout key.pem -out client.csr
        printf 'extendedKeyUsage=clientAuth\n' > client.ext
        openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
            -extfile client.ext -out cert.pem
    ) >/dev/null 2>&1
    # A free port on loopback for the TLS engine.
    TLS_PORT=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    export TLS_PORT
    dockerd --iptables=false --ip-masq=false --bridge=none --storage-driver=overlay2 \
        --data-root="$TLS_DIR/root" --exec-root="$TLS_DIR/exec" \
        --host="unix://$TLS_DIR/docker.sock" --host="tcp://127.0.0.1:$TLS_PORT" \
        --tlsverify --tlscacert="$c/ca.pem" --tlscert="$c/server-cert.pem" \
        --tlskey="$c/server-key.pem" --pidfile="$TLS_DIR/dockerd.pid" \
        --containerd-namespace="tls$$" --containerd-plugins-namespace="tls$$-p" \
        > "$TLS_DIR/dockerd.log" 2>&1 &
    local i
    for i in $(seq 150); do
        curl -sf --cacert "$c/ca.pem" --cert "$c/cert.pem" --key "$c/key.pem" \
            "https://127.0.0.1:$TLS_PORT/_ping" >/dev/null && break
        sleep 0.1
    done
}

teardown_file() {
    "$BERTH" engine stop --purge --dir "$TLS_DIR" >/dev/null 2>&1
    rm -rf "$TLS_DIR"
}

@test "tcp:// with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH reaches the engine over TLS" {
    DOCKER_HOST=tcp://127.0.0.1:$TLS_PORT DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$TLS_DIR/certs \
        run berth info --format json
    [ "$status" -eq 0 ]
    [[ "$output" == *"\"address\": \"tcp://127.0.0.1:$TLS_PORT\""* ]]
    [[ "$output" == *'"api_version": "1.'* ]]
}

@test "TLS with a CA that did not sign the engine's certificate is refused" {
    other=$(mktemp -d)
    cp "$TLS_DIR/certs/cert.pem" "$TLS_DIR/certs/key.pem" "$other/"
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other -keyout "$other/k.pem" \
        -out "$other/ca.pem" >/dev/null 2>&1
    DOCKER_HOST=tcp://127.0.0.1:$TLS_PORT DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$other \
        run berth info
    [ "$status" -eq 4 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == *"tcp://127.0.0.1:$TLS_PORT"* ]]
    rm -rf "$other"
}

@test "plain HTTP to a TLS engine is a clear error, not a hang" {
    DOCKER_HOST=tcp://127.0.0.1:$TLS_PORT run berth info
    [ "$status" -ne 0 ]
    [ "$status" -ne 139 ]
    [ "${#lines[@]}" -eq 1 ]
}

@test "the same engine over its unix socket, and berth engine stop stops it by pid" {
    DOCKER_HOST=unix://$TLS_DIR/docker.sock run berth info
    [ "$status" -eq 0 ]
    pid=$(cat "$TLS_DIR/dockerd.pid")
    run berth engine status --dir "$TLS_DIR"
    [ "$status" -eq 0 ]
    [[ "$output" == "running (pid $pid)"* ]]
}

@test "exec over TLS: the hijacked stream carries stdin, stdout, stderr and the exit code" {
    DOCKER_HOST=unix://$TLS_DIR/docker.sock busybox_image berth-e2e-busybox
    local d
    d=$(mktemp -d /tmp/btlsx.XXXXXX)
    printf '[c]\nrecipe = container\nimage = berth-e2e-busybox\ncommand = sh -c "trap \\"exit 0\\" TERM; sleep 1000 & wait"\n' \
        > "$d/berth.ini"
    export DOCKER_HOST=tcp://127.0.0.1:$TLS_PORT DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$TLS_DIR/certs
    berth -C "$d" -p tlsx --progress quiet up
    run bash -c "printf 'l1\nl2\n' | '$BERTH' -C '$d' -p tlsx exec c -- sh -c 'wc -l; echo err >&2; exit 3' 2>'$d/err'"
    [ "$status" -eq 3 ]
    [ "$output" -eq 2 ]
    [ "$(cat "$d/err")" = err ]
    run berth -C "$d" -p tlsx exec -t c -- tty
    [[ "$output" == /dev/pts/* ]]
    berth -C "$d" -p tlsx --progress quiet down
    rm -rf "$d"
}

@test "a docker context with a TLS endpoint (contexts/tls/<sha256>/docker) reaches the engine" {
    cfg=$(mktemp -d)
    sum=$(printf tlsctx | sha256sum | cut -c1-64)
    mkdir -p "$cfg/contexts/meta/$sum" "$cfg/contexts/tls/$sum/docker"
    printf '{"Name":"tlsctx","Metadata":{},"Endpoints":{"docker":{"Host":"tcp://127.0.0.1:%s","SkipTLSVerify":false}}}' \
        "$TLS_PORT" > "$cfg/contexts/meta/$sum/meta.json"
    cp "$TLS_DIR/certs/ca.pem" "$TLS_DIR/certs/cert.pem" "$TLS_DIR/certs/key.pem" \
        "$cfg/contexts/tls/$sum/docker/"
    run env -u DOCKER_HOST DOCKER_CONFIG="$cfg" "$BERTH" --context tlsctx info
    [ "$status" -eq 0 ]
    [[ "$output" == *"context:        tlsctx (from --context)"* ]]
    [[ "$output" == *"address:        tcp://127.0.0.1:$TLS_PORT"* ]]
    # without the TLS material the engine refuses the plain connection
    rm -rf "$cfg/contexts/tls"
    run env -u DOCKER_HOST DOCKER_CONFIG="$cfg" DOCKER_CONTEXT=tlsctx "$BERTH" info
    [ "$status" -ne 0 ]
    rm -rf "$cfg"
}

@test "an engine part with a tcp:// url and its TLS files (tls-ca, tls-cert, tls-key) reaches the engine" {
    d=$(mktemp -d)
    cat > "$d/berth.ini" <<INI
[project]
name = tlspart
engine = secure
[secure]
recipe = engine
url = tcp://127.0.0.1:$TLS_PORT
tls-verify = true
tls-ca = $TLS_DIR/certs/ca.pem
tls-cert = $TLS_DIR/certs/cert.pem
tls-key = $TLS_DIR/certs/key.pem
[box]
recipe = container
image = berth-busybox
command = sleep 300
INI
    run env -u DOCKER_HOST "$BERTH" -C "$d" ps
    [ "$status" -eq 0 ]
    run env -u DOCKER_HOST "$BERTH" -C "$d" plan
    [[ "$output" == *"box:main"* ]]
    [[ "$output" != *"did not answer"* ]]
    # https://HOST:PORT is the same endpoint with TLS
    sed -i "s|^url = .*|url = https://127.0.0.1:$TLS_PORT|" "$d/berth.ini"
    run env -u DOCKER_HOST "$BERTH" -C "$d" ps
    [ "$status" -eq 0 ]
    # without the client certificate the engine refuses berth
    sed -i '/^tls-cert\|^tls-key/d' "$d/berth.ini"
    run env -u DOCKER_HOST "$BERTH" -C "$d" ps
    [ "$status" -ne 0 ]
    [[ "$output" == *"engine part 'secure'"* ]]
    rm -rf "$d"
}
