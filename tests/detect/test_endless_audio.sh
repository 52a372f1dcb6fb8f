#!/usr/bin/env bash
# test_endless_audio.sh - `kws listen` on long, hostile input (the short
# version of bench/endless_audio.sh), with the tiny 5-class model of
# test_detect_cli.sh trained here on the tone data set.
#
#   stream  CYCLES (default 2) cycles of make_endless_stream (70 s each: 40 s
#           of tone words over quiet noise, then digital silence, full-scale
#           square waves, a DC offset, clipping, 0 dBFS white noise) as raw
#           s16le on stdin, through rss_feed: exit 0; every network run's
#           input and probabilities finite (the count of runs is the one the
#           stream length gives); resident memory after the last sample no
#           more than 1 MiB above the first sample (40 s in); no detection
#           in silence, square waves or white noise; every word of the
#           normal parts found and no false alarm there; and the detections
#           of each normal part after the first equal those of a run on
#           that part alone (1.5 s .. 39 s into it, times shifted by its
#           start)
#   edges   a normal part cut mid-frame (14 s + 100 samples) on stdin,
#           through a pipe in 999-byte writes; the same plus one odd byte;
#           the WAV of the part with its data chunk cut at the same place
#           (and at an odd byte); each: exit 0, the partial audio processed
#           (14.01 s), the notice that says why (odd byte, truncated data
#           chunk), and the detections of the whole part up to the cut.
#           A WAV with no sample left, and empty stdin: clear outcomes.
#           (The float network where listen has --engine: faster under ASan,
#           and input handling does not depend on it.)
#
# usage: test_endless_audio.sh SECTION KWS MAKE_DATA MAKE_STREAM RSS_FEED SOURCE_DIR
set -u

section=${1:?section}
KWS=${2:?kws binary}
MAKE_DATA=${3:?data set generator}
GEN=${4:?stream generator}
FEED=${5:?rss_feed}
SRC=${6:?source dir}
CYCLES=${KWS_ENDLESS_CYCLES:-2}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kws-endless-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME="$tmp/xdg-cache"

. "$SRC/tests/cli/assert.sh"

setup() {
    train_tiny5_model || return 1
    MODEL_ARGS=(-m "$MODEL")
}

# Network runs for N samples: one per MFCC column from the 55th on.
expected_runs() { echo $((($1 - 512) / 256 + 1 - 54)); }

# window FILE FROM TO SHIFT: detections with FROM <= time <= TO (seconds),
# times minus SHIFT, as "centiseconds label score" lines.
window() {
    awk -v a="$2" -v b="$3" -v s="$4" '{ c = int($1 * 100 + 0.5) - int(s * 100 + 0.5)
        if (c >= a * 100 && c <= b * 100) print c, $3, $4 }' "$1"
}

section_stream() {
    setup || return
    "$GEN" --cycles "$CYCLES" --truth "$tmp/truth.tsv" >"$tmp/stream.raw" ||
        { fail "generator"; return; }
    local bytes seconds
    bytes=$(stat -c %s "$tmp/stream.raw")
    seconds=$((bytes / 32000))
    run "$FEED" --every 1280000 -- "$KWS" listen -m "$MODEL" - <"$tmp/stream.raw"
    no_crash "listen on the stream"
    cp "$tmp/out" "$tmp/det.txt"
    cp "$tmp/err" "$tmp/listen.err"
    checks=$((checks + 1))
    ((rc == 0)) || fail "listen on the stream: status $rc: $(tail -3 "$tmp/err")"
    check "all audio processed" grep -qE "detections? in $seconds\.00 s of audio" "$tmp/err"
    check "features and scores finite in every run" grep -q \
        "^kws listen: $(expected_runs $((bytes / 2))) network runs, features and scores all finite" \
        "$tmp/err"
    checks=$((checks + 1))
    grep -q 'NaN or Inf' "$tmp/err" && fail "NaN or Inf: $(grep 'NaN or Inf' "$tmp/err")"

    # resident memory: first sample (40 s in) against the last (the end)
    local first last peak
    first=$(grep -m1 '^rss_feed: fed' "$tmp/err" | sed 's/.*VmRSS \([0-9]*\) kB.*/\1/')
    last=$(grep '^rss_feed: fed' "$tmp/err" | tail -1 | sed 's/.*VmRSS \([0-9]*\) kB.*/\1/')
    peak=$(sed -n 's/^rss_feed: end: peak \([0-9]*\) kB.*/\1/p' "$tmp/err")
    echo "RSS over $seconds s of audio: $first kB at 40 s, $last kB at the end, peak $peak kB"
    checks=$((checks + 1))
    [[ -n $first && -n $last ]] && ((last - first <= 1024)) ||
        fail "memory grows: VmRSS $first kB at 40 s, $last kB at $seconds s"

    # nothing in digital silence, square waves or white noise
    local fa
    fa=$(awk '{ m = $1 - 70 * int($1 / 70); if ((m >= 40 && m < 52) || m >= 64) print }' "$tmp/det.txt")
    checks=$((checks + 1))
    [[ -z $fa ]] || fail "detections in silence, square waves or white noise: $fa"
    # the normal parts: every word, no false alarm
    awk '{ m = $1 - 70 * int($1 / 70); if (m < 40) print }' "$tmp/det.txt" >"$tmp/det_normal.txt"
    expect_ok "score the normal parts" "$KWS" streams score --truth "$tmp/truth.tsv" \
        --detections "$tmp/det_normal.txt"
    echo "normal parts: $(cat "$tmp/out")"
    check "normal parts: hit rate 1, no false alarm" \
        grep -qE '^hit rate 1\.000 .*false alarms 0 ' "$tmp/out"

    # each normal part equals a run on it alone
    local k
    for ((k = 1; k < CYCLES; k++)); do # part 0 opens the stream: equal by causality
        "$GEN" --normal-only $k >"$tmp/n$k.raw"
        expect_ok "listen to normal part $k alone" "$KWS" listen -q -m "$MODEL" - <"$tmp/n$k.raw"
        window "$tmp/out" 1.5 39 0 >"$tmp/alone$k"
        window "$tmp/det.txt" 1.5 39 $((70 * k)) >"$tmp/inside$k"
        checks=$((checks + 1))
        if cmp -s "$tmp/alone$k" "$tmp/inside$k" && [[ -s $tmp/alone$k ]]; then
            echo "normal part $k: $(wc -l <"$tmp/alone$k") detections," \
                "the same alone and inside the stream"
        else
            fail "normal part $k: detections differ from a run on it alone:"
            diff "$tmp/alone$k" "$tmp/inside$k" | head -10 >&2
        fi
    done
}

# partial WHAT NOTICE-ERE: checks a run on audio cut at 14 s + 100 samples
# ($tmp/out, $tmp/err, $rc) against $tmp/expect.txt; no notice if NOTICE-ERE
# is empty.
partial() {
    no_crash "$1"
    checks=$((checks + 1))
    ((rc == 0)) || fail "$1: status $rc: $(tail -2 "$tmp/err")"
    check "$1: the partial audio processed" grep -q 'detections\? in 14\.01 s of audio' "$tmp/err"
    check "$1: its network runs" grep -q "^kws listen: $(expected_runs 224100) network runs" "$tmp/err"
    check "$1: the detections up to the cut" cmp -s "$tmp/out" "$tmp/expect.txt"
    if [[ -n $2 ]]; then
        check "$1: notice" grep -qE "^kws listen: notice: .*$2" "$tmp/err"
        echo "$1: $(grep '^kws listen: notice' "$tmp/err")"
    else
        check "$1: no notice" bash -c "! grep -q notice '$tmp/err'"
    fi
}

section_edges() {
    setup || return
    # input handling does not depend on the network: the float one is faster
    if "$KWS" listen --help | grep -q -- '--engine'; then
        MODEL_ARGS=(-m "$MODEL" --engine float)
    fi
    "$GEN" --normal-only 0 >"$tmp/n0.raw" && "$GEN" --normal-only 0 --wav >"$tmp/n0.wav" ||
        { fail "generator"; return; }
    expect_ok "the whole part" "$KWS" listen -q "${MODEL_ARGS[@]}" "$tmp/n0.wav" || return
    cp "$tmp/out" "$tmp/whole.txt"
    local cut=448200 # 14 s + 100 samples: in the middle of a frame
    # the detections of the whole part whose window ended before the cut
    awk '$1 + 0.5 < 14.00625' "$tmp/whole.txt" >"$tmp/expect.txt"
    checks=$((checks + 1))
    (($(wc -l <"$tmp/expect.txt") >= 3)) ||
        fail "too few detections before the cut: $(cat "$tmp/whole.txt")"

    head -c $cut "$tmp/n0.raw" | dd bs=999 status=none |
        "$KWS" listen "${MODEL_ARGS[@]}" - >"$tmp/out" 2>"$tmp/err"
    rc=$?
    partial "stdin closed mid-frame" ""
    { head -c $cut "$tmp/n0.raw"; printf x; } | dd bs=999 status=none |
        "$KWS" listen "${MODEL_ARGS[@]}" - >"$tmp/out" 2>"$tmp/err"
    rc=$?
    partial "stdin closed mid-sample" "stdin: odd number of bytes; the last one was dropped"
    head -c $((44 + cut)) "$tmp/n0.wav" >"$tmp/short.wav"
    run "$KWS" listen "${MODEL_ARGS[@]}" "$tmp/short.wav"
    partial "WAV data chunk shorter than its header" \
        "short\.wav: data chunk truncated \(header says 1280000 bytes, file has $cut\)"
    head -c $((44 + cut + 1)) "$tmp/n0.wav" >"$tmp/short_odd.wav"
    run "$KWS" listen "${MODEL_ARGS[@]}" "$tmp/short_odd.wav"
    partial "WAV data chunk cut mid-sample" \
        "short_odd\.wav: data chunk truncated \(header says 1280000 bytes, file has $((cut + 1))\)"

    head -c 44 "$tmp/n0.wav" >"$tmp/empty.wav"
    expect_fail "WAV without samples" "empty\.wav: no audio samples \(data chunk truncated" \
        "$KWS" listen "${MODEL_ARGS[@]}" "$tmp/empty.wav"
    expect_ok "empty stdin" "$KWS" listen "${MODEL_ARGS[@]}" - </dev/null
    check "empty stdin: zero seconds" grep -q '0 detections in 0\.00 s of audio' "$tmp/err"
}

case $section in
stream | edges) "section_$section" ;;
*)
    echo "test_endless_audio.sh: unknown section '$section'" >&2
    exit 2
    ;;
esac
echo "test_endless_audio_$section: $checks checks, $failures failed"
((failures == 0))
