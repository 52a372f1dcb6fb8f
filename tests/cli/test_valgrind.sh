#!/usr/bin/env bash
# test_valgrind.sh - the main `kws` subcommands under valgrind memcheck, on
# inputs small enough for its ~50x slowdown: no invalid read or write, no use
# of uninitialized values, no definitely or indirectly lost block, and every
# command exits 0. Commands: mfcc (WAV with --window and --png, raw stdin),
# train (2 epochs on a 2-word, 12-clip subset of the tone data set, with a
# feature cache) and --resume for a third, eval --integer, classify, analyze (model;
# network with --quant all), streams make / eval / score, listen (WAV and
# stdin), synth (one clip per engine and word; engines missing are left out).
# Third-party suppressions, if any are needed, live in valgrind.supp.
#
# Release build only: valgrind cannot run an AddressSanitizer binary, so in
# the ASan build (SANITIZE = ON, or __asan_ symbols in the binary) it prints
# SKIPPED and exits 77, as it does without valgrind.
#
# usage: test_valgrind.sh KWS_BINARY MAKE_DATA_BINARY SOURCE_DIR [SANITIZE]
set -u

KWS=${1:?kws binary}
MAKE_DATA=${2:?data set generator}
SRC=${3:?source dir}
SANITIZE=${4:-OFF}
section=valgrind

if [[ $SANITIZE == ON ]] || grep -qa '__asan_' "$KWS"; then
    echo "SKIPPED: valgrind cannot run an AddressSanitizer build (run in the Release build)"
    exit 77
fi
if ! command -v valgrind >/dev/null; then
    echo "SKIPPED: valgrind not installed (scripts/install-deps.sh test installs it)"
    exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kws-valgrind-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME="$tmp/xdg-cache"
export OPENBLAS_NUM_THREADS=1 # no BLAS thread pool to wait for under valgrind

. "$SRC/tests/cli/assert.sh"

VG=(valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --num-callers=30
    --suppressions="$SRC/tests/cli/valgrind.supp")

# vg DESCRIPTION COMMAND ARGS...: kws COMMAND under memcheck; exit 0, no report.
vg() {
    local what=$1 t0=$SECONDS
    shift
    checks=$((checks + 1))
    "${VG[@]}" "$KWS" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if ((rc == 99)) || grep -q '^==[0-9]*==' "$tmp/err"; then
        fail "$what: valgrind reports (status $rc):"
        grep '^==[0-9]*==' "$tmp/err" | head -60 >&2
    elif ((rc != 0)); then
        fail "$what: status $rc: $(tail -3 "$tmp/err")"
    else
        echo "clean: kws $what ($((SECONDS - t0)) s)"
    fi
}

# A tiny data set: alpha and beta of the tone set, 4 training, 1 validation
# and 1 test clip each.
check "make the tone data set" "$MAKE_DATA" "$tmp/full" || exit 1
D=$tmp/data
mkdir -p "$D/_background_noise_"
cp "$tmp/full/_background_noise_/white.wav" "$D/_background_noise_/"
for w in alpha beta; do
    mkdir -p "$D/$w"
    for k in 00 08 16 17 18 19; do cp "$tmp/full/$w/spk${k}_nohash_0.wav" "$D/$w/"; done
    echo "$w/spk00_nohash_0.wav" >>"$D/validation_list.txt"
    echo "$w/spk08_nohash_0.wav" >>"$D/testing_list.txt"
done
sed 's/^dense 4$/dense 2/' "$SRC/models/tiny.kwsnet" >"$tmp/tiny2.kwsnet"
M=$tmp/m/model.kwsm
CLIP=$D/alpha/spk08_nohash_0.wav

vg "mfcc --window --png" mfcc --window --png "$tmp/mfcc.png" -o "$tmp/mfcc.csv" "$CLIP"
tail -c +45 "$CLIP" >"$tmp/clip.raw"
vg "mfcc (stdin)" mfcc -o "$tmp/mfcc2.csv" - <"$tmp/clip.raw"

TRAIN=(train --data "$D" --words alpha,beta --net "$tmp/tiny2.kwsnet" --batch 4 --lr 0.01 --seed 1
    --threads 1 --cache "$tmp/cache" -o "$M")
vg "train" "${TRAIN[@]}" --epochs 2
vg "train --resume" "${TRAIN[@]}" --epochs 3 --resume
check "train: a model" test -s "$M"
vg "eval --integer" eval --data "$D" --model "$M" --integer --cache "$tmp/cache" --plots "$tmp/ev_"
vg "classify --top 2" classify -m "$M" --top 2 "$CLIP" "$D/beta/spk08_nohash_0.wav"
vg "analyze --model" analyze --model "$M"
vg "analyze --net --quant all" analyze --net "$SRC/models/paper.kwsnet" --quant all

vg "streams make" streams make --data "$D" -m "$M" -o "$tmp/s/s.wav" --minutes 0.1 --seed 2
vg "streams eval" streams eval --stream "$tmp/s/s.wav" --truth "$tmp/s/s.tsv" -m "$M" \
    -o "$tmp/s/curve" --thresholds 0.5:0.9:3
vg "listen (WAV)" listen -m "$M" "$tmp/s/s.wav"
cp "$tmp/out" "$tmp/det.txt"
vg "streams score" streams score --truth "$tmp/s/s.tsv" --detections "$tmp/det.txt"
{ tail -c +45 "$tmp/s/s.wav"; printf x; } >"$tmp/s.raw"
vg "listen (stdin, odd byte)" listen -m "$M" - <"$tmp/s.raw"

engines=()
for e in espeak flite; do
    "$KWS" synth --words yes --per-word 1 --engines $e -o "$tmp/probe-$e" -q >/dev/null 2>&1 &&
        engines+=("$e")
done
if ((${#engines[@]})); then
    list=$(IFS=,; echo "${engines[*]}")
    vg "synth ($list)" synth --words yes,no --per-word 1 --engines "$list" -o "$tmp/synth" -q
else
    echo "synth: not tested (no TTS engine works here)"
fi

echo "test_valgrind: $checks checks, $failures failed"
((failures == 0))
