# A real registry for pull/push tests: Debian's docker-registry (the
# distribution registry, v2) on 127.0.0.1 with htpasswd auth, plain HTTP or
# TLS with a CA made here. Started by the test file, stopped by its pid.
# The engine treats 127.0.0.0/8 registries as insecure-allowed, so plain
# HTTP works; with TLS, the engine is given the CA under its certs.d folder.

REG_USER=${REG_USER:-berthuser}
REG_PASSWORD=${REG_PASSWORD:-s3cret-Pa55-$$-xyzzy}

# free_port: a TCP port nothing listens on now.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_registry [plain|tls|readonly]: sets REG_DIR, REG_PORT, REG (host:port),
# REG_PID. readonly: plain, and refuses every write (pushes fail inside the
# engine's 200 stream).
start_registry() {
    local mode=${1:-plain}
    REG_DIR=$(mktemp -d /tmp/berth-reg.XXXXXX)
    REG_PORT=$(free_port)
    REG=127.0.0.1:$REG_PORT
    htpasswd -Bbn "$REG_USER" "$REG_PASSWORD" > "$REG_DIR/htpasswd" 2>/dev/null
    local tls="" ro=""
    [ "$mode" = readonly ] && ro=", maintenance: {readonly: {enabled: true}}"
    if [ "$mode" = tls ]; then
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=berth-test-ca \
            -keyout "$REG_DIR/ca.key" -out "$REG_DIR/ca.crt" 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
            -keyout "$REG_DIR/server.key" -out "$REG_DIR/server.csr" 2>/dev/null
        printf 'subjectAltName=IP:127.0.0.1\n' > "$REG_DIR/san.ext"
        openssl x509 -req -in "$REG_DIR/server.csr" -CA "$REG_DIR/ca.crt" -CAkey "$REG_DIR/ca.key" \
            -CAcreateserial -days 2 -extfile "$REG_DIR/san.ext" -out "$REG_DIR/server.crt" 2>/dev/null
        tls="  tls: {certificate: $REG_DIR/server.crt, key: $REG_DIR/server.key}"
        # The engine trusts a registry's CA from certs.d/HOST:PORT/ca.crt.
        mkdir -p "/etc/docker/certs.d/$REG"
        cp "$REG_DIR/ca.crt" "/etc/docker/certs.d/$REG/ca.crt"
    fi
    cat > "$REG_DIR/config.yml" <<YML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $REG_DIR/data}, delete: {enabled: true}$ro}
http:
  addr: $REG
  secret: berth-test-secret
$tls
auth: {htpasswd: {realm: berth-test, path: $REG_DIR/htpasswd}}
YML
    docker-registry serve "$REG_DIR/config.yml" > "$REG_DIR/log" 2>&1 &
    REG_PID=$!
    local scheme=http i
    [ "$mode" = tls ] && scheme=https
    for i in $(seq 100); do
        # 401 without credentials: it is up and asks for them.
        if [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$REG_DIR/ca.crt" "$scheme://$REG/v2/" 2>/dev/null)" = 401 ]; then
            return 0
        fi
        sleep 0.1
    done
    cat "$REG_DIR/log" >&2
    return 1
}

stop_registry() {
    if [ -n "${REG_PID:-}" ]; then
        kill "$REG_PID" 2>/dev/null
        wait "$REG_PID" 2>/dev/null || true
    fi
    [ -n "${REG:-}" ] && rm -rf "/etc/docker/certs.d/$REG"
    [ -n "${REG_DIR:-}" ] && rm -rf "$REG_DIR"
    REG_PID=
}

# dockercli ARGS...: the docker CLI (docker.io) on the private engine, with
# its own config folder (DOCKER_CONFIG, as the test sets it).
dockercli() { /usr/bin/docker -H "$DOCKER_HOST" "$@"; }
