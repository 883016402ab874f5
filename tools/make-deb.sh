#!/usr/bin/env bash
# tools/make-deb.sh [OUTDIR]: build berth's Debian package into OUTDIR
# (default: dist/) with `dpkg-buildpackage -us -uc -b` from debian/, then
# check it with lintian (its findings fail the build, but for the overrides
# in debian/berth.lintian-overrides, each of which says why).
#
# The package is built in a copy of the source tree as it is now (committed
# or not, less what git ignores), so that the tree you work in gets no build
# folders and its parent folder no .changes; the copy keeps what
# `git describe` says of the tree, for `berth version`, and a build that is
# not the release's tag gets a package version of its own (below). Installs the Debian
# packages the build needs when they are missing (as root). Prints the path
# of the .deb last. Set DEB_BUILD_OPTIONS=nocheck to skip the unit tests
# the package build runs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$BERTH_ROOT"
out=$(mkdir -p "${1:-dist}" && cd "${1:-dist}" && pwd)

install_packages "${BUILD_PACKAGES[@]}" "${PACKAGE_PACKAGES[@]}"

# One release number, two places: meson.build says it to berth, the
# changelog to dpkg. Refuse to build a package that disagrees with itself.
release=$(sed -n "s/^  version : '\(.*\)',$/\1/p" meson.build)
deb_version=$(dpkg-parsechangelog -l debian/changelog -S Version)
[ "${deb_version%%-*}" = "$release" ] ||
    die "debian/changelog says $deb_version, meson.build $release: add a changelog entry (dch -v $release)"

work=$(mktemp -d /tmp/berth-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
src=$work/berth-$release
mkdir -p "$src"
if git rev-parse --show-toplevel >/dev/null 2>&1; then
    # what git tracks or would track, as it is now; not files deleted since
    git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do
            [ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"
        done | tar --null -T - -cf - | tar -C "$src" -xf -
    tools/git-version.sh "$BERTH_ROOT" > "$src/.git-version" || rm -f "$src/.git-version"
    # A build between releases gets a version of its own, so that apt
    # upgrades one such build to the next: after the release's tag
    # (vX.Y.Z) it sorts above the release (X.Y.Z+gitN.HASH), before the tag
    # below it (X.Y.Z~gitN.HASH); N counts the commits, so later is higher.
    describe=$(cat "$src/.git-version" 2>/dev/null || true)
    if [ -n "$describe" ] && [ "$describe" != "v$release" ]; then
        sep='~'
        case $describe in "v$release-"*) sep='+' ;; esac
        version=$release${sep}git$(git rev-list --count HEAD).$(git rev-parse --short HEAD)
        case $describe in *-dirty) version=$version.dirty ;; esac
        maintainer=$(dpkg-parsechangelog -l debian/changelog -S Maintainer)
        { printf 'berth (%s) unstable; urgency=medium\n\n' "$version"
          printf '  * A build of %s, from git %s.\n\n' "$release" "$describe"
          printf ' -- %s  %s\n\n' "$maintainer" "$(date -R)"
          cat debian/changelog; } > "$src/debian/changelog"
    fi
else
    tar --exclude='./build*' --exclude=./dist -cf - . | tar -C "$src" -xf -
fi

say "building the package (log: $out/build.log)"
if ! (cd "$src" && dpkg-buildpackage -us -uc -b) > "$out/build.log" 2>&1; then
    tail -40 "$out/build.log"
    die "dpkg-buildpackage failed (see $out/build.log)"
fi
changes=$(ls "$work"/berth_*.changes)
if command -v lintian >/dev/null; then
    say "lintian $(basename "$changes")"
    # --fail-on warning: a warning or error fails; info and pedantic notes are shown
    lintian --info --display-info --fail-on error,warning "$changes" | tee "$out/lintian.log" ||
        die "lintian found problems (above)"
fi
rm -f "$out"/berth_*.deb "$out"/berth-dbgsym_*.deb
cp "$work"/berth_*.deb "$work"/berth-dbgsym_*.deb "$out"/ 2>/dev/null || cp "$work"/berth_*.deb "$out"/
ls "$out"/berth_*.deb
