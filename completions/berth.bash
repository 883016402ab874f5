# bash completion for berth. Installed as
# /usr/share/bash-completion/completions/berth (loaded on first use of
# berth by bash-completion), or source it from ~/.bashrc.
#
# Everything is asked of berth itself: `berth __complete WORD...` prints the
# candidates for the last word (commands, options and their values, parts
# and instances of the project in the current folder, or of -C DIR), and a
# line ":files" or ":dirs" when file or folder names fit too.

_berth()
{
    local cur words cword
    if declare -F _get_comp_words_by_ref >/dev/null; then
        # web:two and --format=json are one word to berth, though ':' and
        # '=' break words in bash
        _get_comp_words_by_ref -n =: cur words cword
    else
        # without bash-completion: the line up to the cursor, split at blanks
        local line=${COMP_LINE:0:COMP_POINT}
        read -ra words <<< "$line"
        [[ $line == *[[:space:]] || ${#words[@]} -eq 0 ]] && words+=("")
        cword=$((${#words[@]} - 1)) cur=${words[cword]}
    fi
    local out line files=
    # the berth being completed, when it is a path (./build/berth)
    local berth=berth
    [[ ${words[0]} == */* && -x ${words[0]} ]] && berth=${words[0]}
    out=$(command "$berth" __complete "${words[@]:1:cword}" 2>/dev/null) || return 0
    COMPREPLY=()
    while IFS= read -r line; do
        case $line in
            :files) files=f ;;
            :dirs) files=d ;;
            ?*) COMPREPLY+=("$line") ;;
        esac
    done <<< "$out"
    if [[ $files ]]; then
        # -o filenames would quote the ':' of cp's "web:" as "web\:": with
        # such candidates, folders get their '/' here instead
        local f colon=
        [[ ${COMPREPLY[*]} == *:* ]] && colon=1
        while IFS= read -r f; do
            [[ $f ]] || continue
            [[ $colon && -d $f ]] && f+=/
            COMPREPLY+=("$f")
        done < <(compgen -"$files" -- "$cur")
        [[ $colon ]] || compopt -o filenames 2>/dev/null
    fi
    # targets and cp's "web:" hold ':', "--format=json" '=': bash, which
    # breaks words there, must be given only what follows the last of them
    local breaks=${COMP_WORDBREAKS//[^:=]/}
    if [[ $breaks && $cur == *["$breaks"]* ]]; then
        local prefix=${cur%"${cur##*["$breaks"]}"} i
        for i in "${!COMPREPLY[@]}"; do
            COMPREPLY[i]=${COMPREPLY[i]#"$prefix"}
        done
    fi
    # "web:" continues with an instance or a path, "dir/" with a file: no
    # space after it
    if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *[:/] ]]; then
        compopt -o nospace 2>/dev/null
    fi
    return 0
}
complete -F _berth berth
