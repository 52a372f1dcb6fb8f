#!/usr/bin/env bash
# kill_resume.sh [SEEDS] [KILLS] [BUILD] - the kill-and-resume test of
# tests/train/test_kill_resume.sh (section kill_resume) for kill seeds
# 1..SEEDS (default 20), a 16-epoch run and up to KILLS SIGKILLs each
# (default 12; fewer when the run completes first): per seed, the
# runs, kills and checks, and whether the final weights equal the
# uninterrupted run's; then the totals. BUILD (default build) holds kws and
# tests/cli/kws_test_make_tone_data.
set -uo pipefail
seeds=${1:-20}
kills=${2:-12}
build=${3:-build}
src=$(cd "$(dirname "$0")/.." && pwd)
total_kills=0 total_runs=0 failed=0
for ((s = 1; s <= seeds; s++)); do
    out=$(KWS_KILL_SEED=$s KWS_KILLS=$kills KWS_KILL_EPOCHS=16 \
        bash "$src/tests/train/test_kill_resume.sh" kill_resume \
        "$build/kws" "$build/tests/cli/kws_test_make_tone_data" "$src" 2>&1)
    rc=$?
    runs=$(sed -n 's/^\([0-9]*\) runs, \([0-9]*\) kills$/\1/p' <<<"$out")
    k=$(sed -n 's/^\([0-9]*\) runs, \([0-9]*\) kills$/\2/p' <<<"$out")
    resumes=$(grep -c '^run [0-9]*: from epoch [1-9]' <<<"$out")
    echo "seed $s: ${runs:-?} runs, ${k:-?} kills, $resumes resumes from a checkpoint;" \
        "$(tail -1 <<<"$out")"
    ((rc == 0)) || { failed=$((failed + 1)); grep FAIL <<<"$out" | head -5; }
    total_runs=$((total_runs + ${runs:-0}))
    total_kills=$((total_kills + ${k:-0}))
done
echo "kill_resume: $seeds seeds, $total_kills kills, $total_runs runs; $failed seeds failed" \
    "(final weights, optimizer state and history bit-identical to the uninterrupted run in the others)"
((failed == 0))
