#!/usr/bin/env bash
# Sets everything up and runs berth's whole test suite: installs what is
# missing (Debian packages), builds berth twice (plain, and with
# AddressSanitizer + UndefinedBehaviorSanitizer), runs the unit tests and the
# fuzz targets, then the end-to-end tests against a real engine with both
# binaries, then the Debian package (built, installed, used, purged). Uses
# the engine DOCKER_HOST or /var/run/docker.sock names if one answers;
# otherwise starts a private one and stops it at the end.
# Prints "N passed, N failed" last; exits non-zero if anything failed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$BERTH_ROOT"

FUZZ_SECONDS=${FUZZ_SECONDS:-10}
install_packages "${BUILD_PACKAGES[@]}" "${ENGINE_PACKAGES[@]}" "${PACKAGE_PACKAGES[@]}" bats \
    parallel python3 jq clang libclang-rt-14-dev docker-registry apache2-utils openssl git \
    e2fsprogs qemu-utils docker-compose iproute2 podman

build build
build build-asan -Db_sanitize=address,undefined -Db_lundef=false

passed=0 failed=0 failures=()
# count NAME: read TAP on stdin, echo it, add its results to the totals.
count() {
    local name=$1 line
    while IFS= read -r line; do
        printf '%s\n' "$line"
        case $line in
            "ok "*) passed=$((passed + 1)) ;;
            "not ok "*) failed=$((failed + 1)); failures+=("$name: ${line#not ok }") ;;
        esac
    done
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99

say "layers: tools/check-layers.sh"
if bash tools/check-layers.sh > build/layers.log 2>&1; then
    echo "ok - no lower layer of src/lib includes a higher one" | count layers
else
    cat build/layers.log
    echo "not ok - src/lib layering (tools/check-layers.sh)" | count layers
fi

for dir in build build-asan; do
    for t in "$dir"/test_*; do
        [ -f "$t" ] && [ -x "$t" ] || continue  # not meson's test_*.p folders
        say "unit: $t"
        set +e
        "$t" > "$t.tap" 2>&1; rc=$?
        set -e
        count "$t" < "$t.tap"
        # A crash or sanitizer report after the last TAP line is a failure too.
        if [ $rc -ne 0 ] && ! grep -q '^not ok' "$t.tap"; then
            failed=$((failed + 1)); failures+=("$t: exited $rc")
        fi
    done
done

# fuzz_all: build the fuzz targets and run each for FUZZ_SECONDS; TAP on
# stdout. CPU work, so it runs while the end-to-end tests wait on the engine.
# The fuzz targets run under AddressSanitizer and UndefinedBehaviorSanitizer:
# without them a read past an array (issue 13's crash) goes unseen.
fuzz_all() {
    CC=clang build build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
    for f in build-fuzz/fuzz_*; do
        [ -f "$f" ] && [ -x "$f" ] || continue
        # New inputs go to the build folder; tests/fuzz/seeds/NAME holds the
        # seeds, tests/fuzz/regress/NAME every input that once crashed a target
        # (the unit tests test_replay_NAME replay both in every build). A new
        # crash leaves its input in build-fuzz/crash-*: keep it in regress/.
        name=${f#build-fuzz/fuzz_}
        corpus="build-fuzz/corpus/$name" kept=()
        mkdir -p "$corpus"
        for d in "tests/fuzz/seeds/$name" "tests/fuzz/regress/$name"; do
            [ -d "$d" ] && kept+=("$d")
        done
        # -timeout: an input that runs for 10 s is a hang, and fails the run
        # (libFuzzer checks -max_total_time only between inputs).
        if "$f" -max_total_time="$FUZZ_SECONDS" -timeout=10 -artifact_prefix=build-fuzz/ "$corpus" \
                "${kept[@]}" > "$f.log" 2>&1; then
            echo "ok - $f ran ${FUZZ_SECONDS}s without a crash"
        else
            tail -20 "$f.log"
            echo "not ok - $f found a crash (see $f.log)"
        fi
    done
}

trap 'engine_down build/berth' EXIT
engine_up build/berth

# Both binaries at once, against the same engine: the tests wait mostly on
# the engine, and each test's objects carry a name of its own (pid and test
# number), so the two runs never see each other's. Halves the suite's time.
# Within each run, E2E_JOBS files at a time (GNU parallel under bats --jobs):
# most of a test's time is spent waiting on the engine, not on these 2 cores.
E2E_JOBS=${E2E_JOBS:-3}
say "fuzz targets, ${FUZZ_SECONDS}s each, in the background"
fuzz_all > build/fuzz.tap &
fuzz_pid=$!
say "end-to-end with build/berth and build-asan/berth, side by side, $E2E_JOBS files at a time each"
pids=()
for dir in build build-asan; do
    BERTH="$BERTH_ROOT/$dir/berth" bats --tap --timing --jobs "$E2E_JOBS" --no-parallelize-within-files \
        tests/e2e > "$dir/e2e.tap" 2>&1 &
    pids+=($!)
done
wait "${pids[@]}" || true
for dir in build build-asan; do
    say "end-to-end results of $dir/berth"
    count "e2e($dir)" < "$dir/e2e.tap"
done
say "fuzz results"
wait "$fuzz_pid" && fuzz_rc=0 || fuzz_rc=$?
count fuzz < build/fuzz.tap
if [ "$fuzz_rc" -ne 0 ]; then # the fuzz build failed (build() exits)
    failed=$((failed + 1)); failures+=("fuzz: exited $fuzz_rc (see above)")
fi

engine_down build/berth
trap - EXIT

# The Debian package: built once, installed with apt-get, used, purged. Once,
# not per binary: it installs /usr/bin/berth system-wide for the while (the
# e2e tests above run $BERTH, never a berth on PATH).
say "package: tests/package (tools/make-deb.sh, apt-get install, purge)"
bats --tap tests/package > build/package.tap 2>&1 || true
count package < build/package.tap

if [ ${#failures[@]} -gt 0 ]; then
    echo
    echo "failures:"
    printf '  %s\n' "${failures[@]}"
fi
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
