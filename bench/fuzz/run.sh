#!/usr/bin/env bash
# run.sh [SECONDS_PER_TARGET] [BUILD_DIR] - the long fuzzing campaign.
#
# Builds the libFuzzer targets of fuzz/ with clang in BUILD_DIR (default
# <repo>/build-fuzz), then runs every target for SECONDS_PER_TARGET seconds
# (default 300), FUZZ_PARALLEL targets at a time (default 2, one per core),
# each starting from its seed corpus plus what earlier campaigns found
# (BUILD_DIR/campaign/corpus/<target>, kept between runs). Prints per target
# the executions, the coverage at the end (cov: edges, ft: features, as
# libFuzzer counts them), the corpus size and the findings (crash, leak,
# timeout, out-of-memory inputs written to BUILD_DIR/campaign/artifacts/),
# then the totals. Exits 1 if anything was found.
#
#   bench/fuzz/run.sh 300             # 5 minutes per target, ~13 minutes on 2 cores
#   FUZZ_TARGETS="kwsm wav" bench/fuzz/run.sh 60
#
# Replay one finding:  BUILD_DIR/fuzz_<target> ARTIFACT
# Minimize it:         BUILD_DIR/fuzz_<target> -minimize_crash=1 -runs=100000 ARTIFACT
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SECONDS_PER_TARGET=${1:-300}
BUILD=${2:-$ROOT/build-fuzz}
PAR=${FUZZ_PARALLEL:-2}
. "$ROOT/fuzz/targets.sh"
TARGETS=${FUZZ_TARGETS:-$fuzz_targets}

why=$(fuzz_missing) || { echo "SKIPPED: $why"; exit 0; }
mkdir -p "$BUILD"
echo "== building fuzz targets with clang in $BUILD"
fuzz_build "$ROOT" "$BUILD" || exit 1
fuzz_env "$ROOT"
CAMP=$BUILD/campaign
mkdir -p "$CAMP/artifacts"

run_one() {
    local t=$1
    mkdir -p "$CAMP/corpus/$t"
    rm -f "$CAMP/artifacts/$t"-*
    # shellcheck disable=SC2046
    "$BUILD/fuzz_$t" $(fuzz_flags "$ROOT" "$t") -max_total_time="$SECONDS_PER_TARGET" \
        -print_final_stats=1 -artifact_prefix="$CAMP/artifacts/$t-" \
        "$CAMP/corpus/$t" "$ROOT/fuzz/corpus/$t" >"$CAMP/$t.log" 2>&1
    echo $? >"$CAMP/$t.rc"
}

echo "== fuzzing $TARGETS: ${SECONDS_PER_TARGET} s each, $PAR at a time (logs in $CAMP)"
start=$(date +%s)
running=0
for t in $TARGETS; do
    run_one "$t" &
    running=$((running + 1))
    if [ $running -ge "$PAR" ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait
wall=$(($(date +%s) - start))

printf '\n%-14s %12s %8s %8s %8s %8s %9s  %s\n' target execs exec/s cov ft corpus seconds findings
total=0 found=0
for t in $TARGETS; do
    log=$CAMP/$t.log
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+[[:space:]]' "$log" | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corp=$(sed -n 's/.* corp: \([^ ]*\).*/\1/p' <<<"$last")
    secs=$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | grep -oE '[0-9]+ second' | grep -oE '[0-9]+')
    arts=$(find "$CAMP/artifacts" -name "$t-*" | wc -l)
    rc=$(cat "$CAMP/$t.rc")
    if [ "$arts" -gt 0 ] || [ "$rc" != 0 ]; then
        what="$arts input(s): $(find "$CAMP/artifacts" -name "$t-*" -printf '%f ' | sed 's/-[0-9a-f]\{40\}//g')"
        found=$((found + 1))
    else
        what=none
    fi
    printf '%-14s %12s %8s %8s %8s %8s %9s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" \
        "${ft:-?}" "${corp:-?}" "${secs:-?}" "$what"
    total=$((total + ${execs:-0}))
done
printf '%-14s %12s\n' total "$total"
echo "wall time ${wall} s; sanitizers: address, undefined, leak (suppressions: fuzz/lsan.supp)"
[ $found -eq 0 ] || { echo "findings in $CAMP/artifacts"; exit 1; }
