#!/usr/bin/env bats
# The Debian package, as a user gets it: built once by tools/make-deb.sh
# (or BERTH_DEB=path/to/berth_*.deb), installed with apt-get, used from PATH
# (berth version, man -w berth-up, Tab completion through the installed
# scripts), purged, and nothing of it left. Installs /usr/bin/berth system
# wide for the while: run as root, and on a machine where berth is not
# installed otherwise (it refuses to touch one that is). tools/test.sh runs
# it once, apart from tests/e2e (which run two binaries side by side).

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
APT=(env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=300)

setup_file() {
    [ "$(id -u)" -eq 0 ] || { echo "run as root: the test installs a package" >&2; return 1; }
    if dpkg-query -W -f='${Status}' berth 2>/dev/null | grep -q installed || [ -e /usr/bin/berth ]; then
        echo "berth is installed on this machine already: this test would replace and purge it" >&2
        return 1
    fi
    if grep -rqs '^path-exclude.*/usr/share/man' /etc/dpkg/dpkg.cfg.d; then
        echo "dpkg on this machine leaves out manual pages (path-exclude in /etc/dpkg/dpkg.cfg.d)" >&2
        return 1
    fi
    if [ -z "${BERTH_DEB:-}" ]; then
        # the suite ran the unit tests already: the package build need not
        DEB_BUILD_OPTIONS=nocheck bash "$ROOT/tools/make-deb.sh" "$BATS_FILE_TMPDIR/dist" >&2
        BERTH_DEB=$(ls "$BATS_FILE_TMPDIR"/dist/berth_*.deb)
    fi
    export BERTH_DEB
}

teardown_file() {
    # a failed test must not leave the package installed
    if dpkg-query -W -f='${Status}' berth 2>/dev/null | grep -q installed; then
        "${APT[@]}" purge berth >/dev/null 2>&1 || true
    fi
}

# A project whose parts start with w.
project() {
    mkdir -p "$BATS_FILE_TMPDIR/proj"
    cat > "$BATS_FILE_TMPDIR/proj/berth.ini" <<'INI'
[web]
recipe = container
image = busybox:latest
instances = one two

[worker]
recipe = container
image = busybox:latest

[db]
recipe = container
image = busybox:latest
INI
    echo "$BATS_FILE_TMPDIR/proj"
}

@test "apt-get install ./berth_*.deb installs berth with its dependencies declared" {
    cd "$(dirname "$BERTH_DEB")"
    run "${APT[@]}" install "./$(basename "$BERTH_DEB")"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [ "$(dpkg-query -W -f='${Status}' berth)" = "install ok installed" ]
    depends=$(dpkg-query -W -f='${Depends}' berth)
    for lib in libcurl4 libjansson4 libyajl2 libarchive13 libc6; do
        [[ "$depends" == *"$lib "* ]] || { echo "Depends lacks $lib: $depends"; false; }
    done
    [ "$(dpkg-query -W -f='${Recommends}' berth)" = docker.io ]
    dpkg -L berth > "$BATS_FILE_TMPDIR/files"
}

@test "berth version: the installed berth on PATH, with its release and the commit it was built from" {
    [ "$(command -v berth)" = /usr/bin/berth ]
    release=$(sed -n "s/^  version : '\(.*\)',$/\1/p" "$ROOT/meson.build")
    package_version=$(dpkg-query -W -f='${Version}' berth)
    run berth version
    [ "$status" -eq 0 ]
    if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1 &&
        [ "$(git -C "$ROOT" describe --always --tags)" != "v$release" ]; then
        [[ "$output" =~ ^berth\ $release\ \(git\ [0-9A-Za-z._-]+\)$ ]] || { echo "$output"; false; }
        # a build between releases: a package version of its own, with its commit
        commit=$(git -C "$ROOT" rev-parse --short HEAD)
        [[ "$package_version" =~ ^$release[~+]git[0-9]+\.$commit(\.dirty)?$ ]] ||
            { echo "package version $package_version"; false; }
        [[ "$output" == *"$commit"* ]]
    else
        [ "$package_version" = "$release" ]
        [[ "$output" == "berth $release"* ]]
    fi
}

@test "man -w berth-up, berth, berth.ini: the pages are where man looks" {
    [ "$(man -w berth-up)" = /usr/share/man/man1/berth-up.1.gz ]
    [ "$(man -w berth)" = /usr/share/man/man1/berth.1.gz ]
    [ "$(man -w 5 berth.ini)" = /usr/share/man/man5/berth.ini.5.gz ]
    # an alias's page: a link to its command's
    [ "$(readlink /usr/share/man/man1/berth-ssh.1.gz)" = berth-shell.1.gz ]
    man -w berth-ssh
    MANWIDTH=80 man berth-up | grep -q -- "--remove-orphans"
    MANWIDTH=80 man berth-ssh | grep -q "BERTH-SHELL"
}

@test "bash: the installed completion, loaded by bash-completion on demand: berth u<TAB>, berth up w<TAB>" {
    [ -f /usr/share/bash-completion/completions/berth ]
    cd "$(project)"
    # complete LINE: what Tab offers at the end of LINE in a bash that has
    # bash-completion (as an interactive Debian shell has): its loader finds
    # berth's script by the command's name, as it does on the first Tab
    complete_line() {
        bash --norc --noprofile -c '
            . /usr/share/bash-completion/bash_completion
            __load_completion berth || exit 9
            read -ra COMP_WORDS <<< "$1"
            [[ $1 == *" " ]] && COMP_WORDS+=("")
            COMP_LINE=$1 COMP_POINT=${#1} COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
            $(complete -p berth | sed "s/.*-F \([^ ]*\) .*/\1/")
            echo "${COMPREPLY[*]}"' bash "$1"
    }
    [ "$(complete_line "berth u")" = up ]
    [ "$(complete_line "berth up w")" = "web web:one web:two worker worker:main" ]
    [ "$(complete_line "berth down --vol")" = "--volumes" ]
}

@test "zsh and fish find the installed completion in their vendor folders" {
    [ -f /usr/share/zsh/vendor-completions/_berth ]
    [ -f /usr/share/fish/vendor_completions.d/berth.fish ]
    cd "$(project)"
    if command -v zsh >/dev/null; then
        zsh -f -c 'print -l $fpath' | grep -qx /usr/share/zsh/vendor-completions
    fi
    if command -v fish >/dev/null; then
        # a fish with no configuration of a user's (--no-config would skip
        # the vendor folders too)
        mkdir -p "$BATS_FILE_TMPDIR/home"
        [ "$(HOME=$BATS_FILE_TMPDIR/home XDG_CONFIG_HOME=$BATS_FILE_TMPDIR/home/.config \
             fish -c 'complete -C"berth up wo"')" = "worker"$'\n'"worker:main" ]
    fi
}

@test "apt-get purge berth leaves nothing of it" {
    run "${APT[@]}" purge berth
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    run dpkg -L berth
    [ "$status" -ne 0 ]
    ! dpkg-query -W -f='${Status}' berth 2>/dev/null | grep -q installed
    [ -s "$BATS_FILE_TMPDIR/files" ]
    left=0
    while IFS= read -r f; do
        # the folders it shared with other packages stay; its own files go
        if [ -e "$f" ] && [ ! -d "$f" ] || [ -L "$f" ]; then
            echo "left: $f"; left=1
        fi
    done < "$BATS_FILE_TMPDIR/files"
    [ "$left" -eq 0 ]
    [ ! -e /usr/share/doc/berth ]
    ! command -v berth
}
