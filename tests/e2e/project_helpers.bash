# Loaded by the .bats files that bring projects up (after helpers.bash):
# a fresh project name and folder per test, a teardown that removes all it
# made, and short ways to ask the engine what a user would check.

IMG=berth-e2e-busybox
# A shell that leaves at once on SIGTERM, so stops are quick.
QUICK='["sh", "-c", "trap \"exit 0\" TERM; sleep 1000 & wait"]'

setup() {
    P=$(test_project)
    SOCK=${DOCKER_HOST#unix://}
    DIR=$(mktemp -d /tmp/btu.XXXXXX)
    busybox_image "$IMG"
}

teardown() {
    berth -C "$DIR" -p "$P" down --volumes --yes --rmi >/dev/null 2>&1 || true
    # Foreign objects made by the tests, and anything down missed.
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
    rm -rf "$DIR"
}

api() { curl -sf --unix-socket "$SOCK" "$@"; }

# Ids (names for volumes) of objects named after the project or labelled with it.
leftovers() {
    local path=$1
    [ "$1" = containers ] && path='containers/json?all=1'
    [ "$1" = images ] && path='images/json'
    api "http://e/$path" | jq -r --arg p "$P" --arg kind "$1" '
        (if $kind == "volumes" then .Volumes // [] else . end)[]
        | select((.Labels // {})["berth.project"] == $p
                 or any(((.Names // [.Name // ""]) + (.RepoTags // []))[];
                        ltrimstr("/") | startswith($p + "-") or startswith($p + "/")))
        | if $kind == "volumes" then .Name else .Id end'
}

# ins OBJECT JQ: JQ over the inspect answer of OBJECT (containers/NAME,
# images/NAME, exec/ID, ...).
ins() { api "http://e/$1/json" | jq -r "$2"; }
exists() { api "http://e/$1/json" >/dev/null 2>&1 || api "http://e/$1" >/dev/null 2>&1; }
# (A bare `! exists X` never fails a bats test: errexit ignores `!`.)
absent() { ! exists "$1"; }
cid() { ins "containers/$1" .Id; }
started() { ins "containers/$1" .State.StartedAt; }
state() { ins "containers/$1" .State.Status; }
ip_of() { ins "containers/$1" ".NetworkSettings.Networks[\"$P-default\"].IPAddress"; }
envof() { ins "containers/$1" ".Config.Env[] | select(startswith(\"$2=\")) | ltrimstr(\"$2=\")"; }

# The project's containers (by label), one "name state" a line, sorted.
ours() {
    api "http://e/containers/json?all=1" | jq -r --arg p "$P" '
        map(select((.Labels // {})["berth.project"] == $p)) | sort_by(.Names[0])[]
        | (.Names[0] | ltrimstr("/")) + " " + .State'
}

# xc CONTAINER ARG...: run a command in a running container; its output
# (stdout and stderr, through a terminal: no multiplexing) and exit code.
xc() {
    local c=$1 id
    shift
    id=$(jq -n '{AttachStdout: true, AttachStderr: true, Tty: true, Cmd: $ARGS.positional}' \
        --args -- "$@" | api -X POST -H 'Content-Type: application/json' -d @- \
        "http://e/containers/$c/exec" | jq -r .Id) || return 99
    api -X POST -H 'Content-Type: application/json' -d '{"Detach":false,"Tty":true}' \
        "http://e/exec/$id/start" | tr -d '\r'
    return "$(ins "exec/$id" .ExitCode)"
}

# After a run expected to fail: the failure is berth's own, not a
# sanitizer's (an ASan or UBSan report also exits non-zero).
no_sanitizer() { [[ "$output" != *Sanitizer* && "$output" != *"runtime error:"* ]]; }

# A build part's context: an image with /data seeded and a web page.
web_context() {
    mkdir -p "$DIR/web"
    printf 'FROM %s\nRUN mkdir -p /data /var/www && echo seeded > /data/initial.txt && echo "<h1>hello from berth</h1>" > /var/www/index.html\nEXPOSE 8080\n' \
        "$IMG" > "$DIR/web/Dockerfile"
}

