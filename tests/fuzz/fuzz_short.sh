#!/usr/bin/env bash
# fuzz_short.sh SOURCE_DIR BUILD_DIR
#
# CTest fuzz_short: builds the libFuzzer targets of fuzz/ with clang
# (-fsanitize=fuzzer,address,undefined) in BUILD_DIR, replays every
# regression input of tests/fuzz/regressions/<target>/ (inputs that once
# crashed a target, kept minimized), then runs each target for a fixed
# number of mutations from its seed corpus with a fixed seed, so the run is
# the same every time and takes seconds. Any crash, leak, timeout, sanitizer
# report or broken invariant fails the test. Without clang or the libFuzzer
# runtime it prints "SKIPPED: ..." and exits 77. The long campaign is
# bench/fuzz/run.sh.
set -uo pipefail
SRC=$1 BUILD=$2
. "$SRC/fuzz/targets.sh"

why=$(fuzz_missing) || { echo "SKIPPED: $why"; exit 77; }
mkdir -p "$BUILD"
echo "== building fuzz targets with clang in $BUILD"
fuzz_build "$SRC" "$BUILD" || { echo "FAIL: fuzz build"; exit 1; }
fuzz_env "$SRC"

# Mutations per target: a second or two each on one core; fuzz_wav decodes whole
# audio files through libsndfile and is ~30x slower per input than the rest.
runs_for() {
    case $1 in
        wav) echo 4000 ;;
        *) echo 100000 ;;
    esac
}

fail=0
for t in $fuzz_targets; do
    exe=$BUILD/fuzz_$t
    flags=$(fuzz_flags "$SRC" "$t")
    reg=$SRC/tests/fuzz/regressions/$t
    if [ -d "$reg" ] && [ -n "$(ls -A "$reg")" ]; then
        n=$(ls "$reg" | wc -l)
        # shellcheck disable=SC2086
        if "$exe" $flags "$reg"/* >"$BUILD/$t.regressions.log" 2>&1; then
            echo "   $t: $n regression input(s) pass"
        else
            echo "FAIL: $t: a regression input fails again"
            tail -40 "$BUILD/$t.regressions.log"
            fail=1
        fi
    fi
    work=$BUILD/work/$t
    rm -rf "$work"
    mkdir -p "$work"
    runs=$(runs_for "$t")
    # The first folder receives new inputs; the seeds are only read.
    # shellcheck disable=SC2086
    if "$exe" $flags -seed=1 -runs="$runs" -print_final_stats=1 \
        -artifact_prefix="$BUILD/$t-" "$work" "$SRC/fuzz/corpus/$t" >"$BUILD/$t.log" 2>&1; then
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$BUILD/$t.log")
        cov=$(grep -E '^#[0-9]+[[:space:]]' "$BUILD/$t.log" | tail -1 | sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\).*/cov \1, ft \2/p')
        echo "   $t: $execs executions, $cov, no findings"
    else
        echo "FAIL: fuzz_$t (log: $BUILD/$t.log; input saved with prefix $BUILD/$t-)"
        grep -E 'ERROR|SUMMARY|invariant|runtime error' "$BUILD/$t.log" | head -10
        tail -40 "$BUILD/$t.log"
        fail=1
    fi
done
[ $fail -eq 0 ] || exit 1
echo "fuzz_short: PASS"
