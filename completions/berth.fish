# fish completion for berth. Installed as
# /usr/share/fish/vendor_completions.d/berth.fish, or copy it to
# ~/.config/fish/completions/.
#
# Everything is asked of berth itself: `berth __complete WORD...` prints the
# candidates for the last word, and ":files" or ":dirs" when file or folder
# names fit too (see berth's bash completion).

function __berth_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l berth berth
    if string match -q -- '*/*' $tokens[1]; and test -x $tokens[1]
        set berth $tokens[1]
    end
    set -e tokens[1]
    for line in (command $berth __complete $tokens "$cur" 2>/dev/null)
        switch $line
            case :files
                __fish_complete_path "$cur"
            case :dirs
                __fish_complete_directories "$cur"
            case '*'
                echo $line
        end
    end
end

complete -c berth -f -a '(__berth_complete)'
