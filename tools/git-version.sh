#!/bin/sh
# Prints what `git describe` says of the source tree ($1), for `berth version`.
# Only when $1 is itself the top of a git checkout: a source tree unpacked
# inside some other repository must not take that repository's description.
# Else the description tools/make-deb.sh saved in $1/.git-version, when any.
# Prints nothing (and meson's vcs_tag falls back to the release) otherwise.
root=$1
top=$(git -C "$root" rev-parse --show-toplevel 2>/dev/null) &&
    [ "$(cd "$top" && pwd -P)" = "$(cd "$root" && pwd -P)" ] &&
    exec git -C "$root" describe --always --dirty --tags
[ -f "$root/.git-version" ] && exec cat "$root/.git-version"
exit 1
