#!/usr/bin/env bash
# endless_audio.sh [HOURS] [BUILD] - `kws listen` on HOURS (default 3) of
# generated audio on stdin: tests/detect/make_endless_stream cycles (40 s of
# tone words over quiet noise; 6 s each of digital silence, full-scale square
# waves, DC offset, clipping, 0 dBFS white noise) fed through
# tests/detect/rss_feed, with the tiny 5-class model of the detect tests
# trained first (or MODEL=FILE; ENGINE=float|integer for listen --engine,
# default: listen's own choice). Prints: wall time and real-time factor;
# resident memory (VmRSS, sampled every minute of audio) every 10 minutes,
# the first sample (1 min) against the last (the end), and the peak; the
# NaN/Inf count of listen; hit rate and false alarms on the normal parts;
# detections per pathological segment; and whether the normal parts of the
# second, middle and last cycle give the detections of a run on them alone. The long version of tests/detect/test_endless_audio.sh.
#
# BUILD (default build) must hold kws and the test tools:
#   cmake --build build --target kws kws_test_make_tone_data \
#         kws_test_make_endless_stream kws_test_rss_feed
set -euo pipefail
hours=${1:-3}
build=${2:-build}
src=$(cd "$(dirname "$0")/.." && pwd)
KWS=$build/kws
GEN=$build/tests/detect/kws_test_make_endless_stream
FEED=$build/tests/detect/kws_test_rss_feed
for f in "$KWS" "$GEN" "$FEED" "$build/tests/cli/kws_test_make_tone_data"; do
    [[ -x $f ]] || { echo "endless_audio: $f missing (see the header of $0)" >&2; exit 1; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kws-endless-bench-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME="$tmp/xdg-cache"

model=${MODEL:-}
engine=()
[[ -n ${ENGINE:-} ]] && engine=(--engine "$ENGINE")
if [[ -z $model ]]; then
    "$build/tests/cli/kws_test_make_tone_data" "$tmp/data"
    sed 's/^dense 4$/dense 5/' "$src/models/tiny.kwsnet" >"$tmp/tiny5.kwsnet"
    "$KWS" train --data "$tmp/data" --words alpha,beta,gamma --unknown --silence \
        --net "$tmp/tiny5.kwsnet" --epochs 20 --shift-ms 300 --batch 16 --lr 0.01 --min-lr 0.001 \
        --seed 3 --threads 2 --cache none -o "$tmp/model.kwsm" >/dev/null 2>&1
    model=$tmp/model.kwsm
fi
cycles=$(awk -v h="$hours" 'BEGIN { c = int(h * 3600 / 70); if (c * 70 < h * 3600) c++; print c }')
hours_gen=$(awk -v c="$cycles" 'BEGIN { printf "%.2f", c * 70 / 3600 }')
echo "endless_audio: $cycles cycles of 70 s ($hours_gen h), model $model ${engine[*]}"

start=$(date +%s.%N)
"$GEN" --cycles "$cycles" --truth "$tmp/truth.tsv" |
    "$FEED" --every 1920000 -- "$KWS" listen -m "$model" "${engine[@]}" - >"$tmp/det.txt" 2>"$tmp/err"
end=$(date +%s.%N)
audio_s=$((cycles * 70))
awk -v a="$start" -v b="$end" -v s="$audio_s" \
    'BEGIN { printf "wall %.1f s for %d s of audio: %.0fx real time\n", b - a, s, s / (b - a) }'

grep '^kws listen:' "$tmp/err" | grep -v '^kws listen: -,' || true
echo "resident memory (VmRSS, VmHWM) every 10 min of audio:"
awk '/^rss_feed: fed/ && (++n % 10 == 1) {
        printf "  %7.0f s  %s kB  %s kB\n", $3 / 32000, $6, $9 }' "$tmp/err"
awk '/^rss_feed: fed/ { n++; if (n == 1) { t0 = $3 / 32000; r0 = $6 } t1 = $3 / 32000; r1 = $6 }
     END { printf "VmRSS %d kB at %.0f s of audio, %d kB at %.0f s (end): %+d kB\n",
                  r0, t0, r1, t1, r1 - r0 }' "$tmp/err"
sed -n 's/^rss_feed: end: peak \([0-9]*\) kB.*/peak RSS (ru_maxrss): \1 kB/p' "$tmp/err"

awk '{ m = $1 - 70 * int($1 / 70); if (m < 40) print }' "$tmp/det.txt" >"$tmp/normal.txt"
echo "normal parts: $("$KWS" streams score --truth "$tmp/truth.tsv" --detections "$tmp/normal.txt")"
"$GEN" --layout | awk 'NR > 1' >"$tmp/layout"
while read -r name from to; do
    n=$(awk -v a="$from" -v b="$to" '{ m = $1 - 70 * int($1 / 70); if (m >= a && m < b) n++ }
        END { print n + 0 }' "$tmp/det.txt")
    echo "detections in $name segments ($from..$to s of each cycle): $n"
done <"$tmp/layout"

# normal parts of chosen cycles against runs on them alone (1.5 .. 39 s)
window() {
    awk -v a="$2" -v b="$3" -v s="$4" '{ c = int($1 * 100 + 0.5) - int(s * 100 + 0.5)
        if (c >= a * 100 && c <= b * 100) print c, $3, $4 }' "$1"
}
for k in 1 $((cycles / 2)) $((cycles - 1)); do
    ((k >= 1 && k < cycles)) || continue
    "$GEN" --normal-only "$k" | "$KWS" listen -q -m "$model" "${engine[@]}" - >"$tmp/alone.txt"
    if cmp -s <(window "$tmp/alone.txt" 1.5 39 0) <(window "$tmp/det.txt" 1.5 39 $((70 * k))); then
        echo "cycle $k (from $((70 * k)) s):" \
            "$(window "$tmp/alone.txt" 1.5 39 0 | wc -l) detections, same as alone"
    else
        echo "cycle $k (from $((70 * k)) s): DIFFERENT from a run on it alone"
    fi
done
