#!/usr/bin/env bats
# Shell completion: `berth __complete` and the bash, zsh and fish scripts in
# completions/ that call it, through the binary under test ($BERTH, found as
# `berth` on PATH, as the installed scripts find it). No engine needed.
load helpers

setup() {
    WORK=$(mktemp -d /tmp/berth-e2e-compl.XXXXXX)
    mkdir -p "$WORK/bin" "$WORK/proj/sub"
    ln -s "$BERTH" "$WORK/bin/berth"
    COMPL=$E2E_DIR/../../completions
    cat > "$WORK/proj/berth.ini" <<'INI'
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
instances = main

[backend]
recipe = network

[test]
recipe = task
image = busybox:latest
command = sh -c true
INI
}

teardown() { rm -rf "$WORK"; }

# complete WORD...: what berth __complete offers, on one line
complete_words() { (cd "$WORK/proj" && "$BERTH" __complete "$@" | tr '\n' ' '); }

@test "__complete offers commands, global options and their values" {
    [ "$(complete_words u)" = "up " ]
    # every command berth --help lists, in its order
    listed=$("$BERTH" --help | sed -n '/^commands:/,/^$/s/^  \([a-z]*\) .*/\1/p' | tr '\n' ' ')
    [[ "$listed" == "up config plan "*" help " ]]
    [ "$(complete_words "")" = "$listed" ]
    [ "$(complete_words --pa)" = "--parallel " ]
    [ "$(complete_words --con)" = "--context " ]
    [ "$(complete_words --progress "")" = "auto tty plain json quiet " ]
    [ "$(complete_words -C "")" = ":dirs " ]
    [ "$(complete_words -f "")" = ":files " ]
    # hidden commands stay hidden
    [[ "$(complete_words _)" != *__complete* ]]
}

@test "__complete offers a command's options, and the values of its option arguments" {
    [ "$(complete_words up --re)" = "--remove-orphans " ]
    # every option of down --help, short and long, in its order
    [[ "$(complete_words down -)" == "--volumes --include-kept -y --yes --rmi -t --timeout --wait-timeout "* ]]
    [ "$(complete_words down -)" = "$("$BERTH" down --help | sed -n '/^options:/,$p' |
        grep -oE '^  (-[a-zA-Z], )?--?[a-z][a-z-]*' | tr -d ',' | xargs -n1 | tr '\n' ' ')" ]
    [ "$(complete_words ps --format "")" = "text json " ]
    [ "$(complete_words ps --format=j)" = "--format=json " ]
    [ "$(complete_words --progress=p)" = "--progress=plain " ]
    [ "$(complete_words engine "")" = "start stop status install uninstall " ]
    [ "$(complete_words engine --dir "")" = ":dirs " ]
    [ "$(complete_words help pl)" = "plan " ]
}

@test "__complete offers the project's parts and instances as targets, as each command takes them" {
    [ "$(complete_words up "")" = "all web web:one web:two worker worker:main db db:main backend test " ]
    [ "$(complete_words up w)" = "web web:one web:two worker worker:main " ]
    [ "$(complete_words up web:)" = "web:one web:two " ]
    # several targets: still targets; an option's value is no target
    [ "$(complete_words stop -t 5 web:one d)" = "db db:main " ]
    # exec and run take one container, no 'all', no network; after it, nothing
    [ "$(complete_words exec "")" = "web web:one web:two worker worker:main db db:main " ]
    [ "$(complete_words exec web:one "")" = "" ]
    [ "$(complete_words exec -u 1000 web:one -- "")" = "" ]
    [ "$(complete_words run -i w)" = "web web:one web:two worker worker:main " ]
    # cp: host files, or a container side
    [ "$(complete_words cp w)" = ":files web: web:one: web:two: worker: worker:main: " ]
    [ "$(complete_words cp ./site/ web:)" = "web: web:one: web:two: " ]
    [ "$(complete_words cp web:one:/e)" = "" ]
}

@test "__complete offers the project's tasks to berth task" {
    [[ " $(complete_words "") " == *" task "* ]] || skip "this berth has no task command"
    [ "$(complete_words task "")" = "test " ]
}

@test "__complete reads the project of -C DIR, and completes no target from a broken one" {
    cd /
    run "$BERTH" __complete -C "$WORK/proj" up d
    [ "$status" -eq 0 ]
    [ "$output" = "db"$'\n'"db:main" ]
    run "$BERTH" __complete -C"$WORK/proj" --engine=unix:///nowhere exec -uroot d
    [ "$output" = "db"$'\n'"db:main" ]
    echo "[broken" > "$WORK/proj/sub/berth.ini"
    run "$BERTH" __complete -C "$WORK/proj/sub" up ""
    [ "$status" -eq 0 ]
    [ "$output" = "" ]
}

# bash_complete LINE: the candidates the bash script gives for LINE (the
# cursor at its end), split into words as bash does (':' breaks words),
# with bash-completion loaded when it is installed, as on a user's machine.
bash_complete() {
    (cd "$WORK/proj" && PATH="$WORK/bin:$PATH" bash --norc --noprofile -c '
        [ -f /usr/share/bash-completion/bash_completion ] && [ -z "$NO_BASH_COMPLETION" ] &&
            . /usr/share/bash-completion/bash_completion
        . "$1"
        COMP_LINE=$2 COMP_POINT=${#2}
        COMP_WORDS=() w=
        # split as readline does: blanks end a word, ":" and "=" are words of their own
        for ((i = 0; i < ${#2}; i++)); do
            c=${2:i:1}
            if [[ $c == " " ]]; then [[ $w ]] && COMP_WORDS+=("$w"); w=
            elif [[ $c == [:=] ]]; then [[ $w ]] && COMP_WORDS+=("$w"); COMP_WORDS+=("$c"); w=
            else w+=$c; fi
        done
        [[ $w || $2 == *" " ]] && COMP_WORDS+=("$w")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        _berth
        echo "${COMPREPLY[*]}"' bash "$COMPL/berth.bash" "$1")
}

@test "bash: berth u<TAB> is up, berth up w<TAB> the project's parts, web:<TAB> its instances" {
    [ "$(bash_complete "berth u")" = "up" ]
    [ "$(bash_complete "berth up w")" = "web web:one web:two worker worker:main" ]
    # bash breaks the word at ':': the script gives only what follows it
    [ "$(bash_complete "berth up web:")" = "one two" ]
    [ "$(bash_complete "berth up web:t")" = "two" ]
    [ "$(bash_complete "berth --progress p")" = "plain" ]
    [ "$(bash_complete "berth ps --format=j")" = "json" ]
    [ "$(bash_complete "berth -C su")" = "sub" ]
    # cp: files and folders (with their '/'), and container sides
    [ "$(bash_complete "berth cp s")" = "sub" ]   # bash adds the / (-o filenames)
    [ "$(bash_complete "berth cp ./sub/ web:")" = " one: two:" ]
    # the same without bash-completion installed
    export NO_BASH_COMPLETION=1
    [ "$(bash_complete "berth u")" = "up" ]
    [ "$(bash_complete "berth up ")" = "all web web:one web:two worker worker:main db db:main backend test" ]
    [ "$(bash_complete "berth up web:t")" = "two" ]
}

@test "zsh: the _berth function offers what berth __complete says" {
    command -v zsh >/dev/null || skip "zsh is not installed"
    # compadd and _files stand in for zsh's completion system: they print
    # what the script hands them
    run env PATH="$WORK/bin:$PATH" zsh -f -c '
        cd "$2"
        compadd() { local s=" "; [[ $1 == -S ]] && { s=""; shift 2; }; shift; print -r -- "add[$s] $*"; }
        _files() { print -r -- "_files $*"; }
        fpath=("$1" $fpath); autoload -Uz _berth  # as compinit loads it
        words=(berth up w); CURRENT=3; _berth
        words=(berth cp wo); CURRENT=3; _berth
        words=(berth -C ""); CURRENT=3; _berth' zsh "$COMPL" "$WORK/proj"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "add[ ] web web:one web:two worker worker:main" ]
    [ "${lines[1]}" = "add[] worker: worker:main:" ]
    [ "${lines[2]}" = "_files " ]
    [ "${lines[3]}" = "_files -/" ]
}

@test "fish: complete -C offers what berth __complete says" {
    command -v fish >/dev/null || skip "fish is not installed"
    run env PATH="$WORK/bin:$PATH" fish --no-config -c '
        cd $argv[2]; source $argv[1]
        complete -C"berth u"; complete -C"berth up web:"; complete -C"berth -C su"' "$COMPL/berth.fish" "$WORK/proj"
    [ "$status" -eq 0 ]
    [ "$output" = "up"$'\n'"web:one"$'\n'"web:two"$'\n'"sub/	Directory" ]
}
