#!/usr/bin/env bash
# test_detect_cli.sh - `kws classify`, `kws listen` and `kws streams` as a user
# meets them, on the tone data set (tests/train/train_fixture.h) with a tiny
# model trained here in seconds: alpha, beta, gamma as commands, delta as
# _unknown_, background noise as _silence_.
#
#   classify  each word's held-out clips: top-1 is the word; --top; errors
#   listen    a stream of `kws streams make` (known words at known times): the
#             detections score hit rate 1.0 and 0 false alarms; the same
#             samples as raw s16le on stdin print the same lines, also when
#             stdin stops mid-sample; missing default model -> clear error
#   streams   make (deterministic per seed), score, eval (CSV + SVG curves;
#             hit rate 1.0 and 0 false alarms at the default threshold)
#
# usage: test_detect_cli.sh SECTION KWS_BINARY MAKE_DATA_BINARY SOURCE_DIR
set -u

section=${1:?section}
KWS=${2:?kws binary}
MAKE_DATA=${3:?data set generator}
SRC=${4:?source dir}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kws-detect-cli-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME="$tmp/xdg-cache"

. "$SRC/tests/cli/assert.sh"

# The data set and a 5-class tiny model trained on it.
setup() {
    train_tiny5_model
}

section_classify() {
    setup || return
    for w in alpha beta gamma; do
        for k in 08 11 15; do
            expect_ok "classify $w/spk$k" "$KWS" classify -m "$MODEL" \
                "$tmp/data/$w/spk${k}_nohash_0.wav"
            checks=$((checks + 1))
            [[ $(awk '{ print $4 }' "$tmp/out") == "$w" ]] ||
                fail "classify $w/spk$k: top-1 is not $w: $(cat "$tmp/out")"
        done
    done
    expect_ok "classify delta (unknown)" "$KWS" classify -m "$MODEL" "$tmp/data/delta/spk09_nohash_0.wav"
    check "delta is _unknown_" grep -q '(1.00 s):  _unknown_ ' "$tmp/out"
    expect_ok "classify --top 5, two clips" "$KWS" classify -m "$MODEL" --top 5 \
        "$tmp/data/alpha/spk09_nohash_0.wav" "$tmp/data/beta/spk09_nohash_0.wav"
    checks=$((checks + 1))
    [[ $(wc -l <"$tmp/out") == 2 && $(head -1 "$tmp/out" | tr -cd ',' | wc -c) == 4 ]] ||
        fail "classify --top 5: $(cat "$tmp/out")"
    # probabilities of one clip sum to 1
    checks=$((checks + 1))
    head -1 "$tmp/out" | sed 's/.*s)://' | tr ',' '\n' |
        awk '{ s += $2 } END { exit !(s > 0.995 && s < 1.005) }' || fail "top-5 does not sum to 1"
    expect_fail "classify: missing clip" "no-such\.wav" "$KWS" classify -m "$MODEL" "$tmp/no-such.wav"
    expect_fail "classify: missing model" "nope\.kwsm" "$KWS" classify -m "$tmp/nope.kwsm" \
        "$tmp/data/alpha/spk09_nohash_0.wav"
    expect_fail "classify: no clip" "no clip" "$KWS" classify -m "$MODEL"
    expect_fail "classify: --top 0" "--top.*'0'" "$KWS" classify -m "$MODEL" --top 0 x.wav
    if [[ ! -e "$SRC/models/default.kwsm" ]]; then
        (cd "$tmp" && "$KWS" classify "$tmp/data/alpha/spk09_nohash_0.wav") >"$tmp/out" 2>"$tmp/err"
        rc=$?
        checks=$((checks + 1))
        ((rc != 0)) && grep -q 'models/default.kwsm' "$tmp/err" && grep -q -- '--model' "$tmp/err" ||
            fail "classify without the default model: $(cat "$tmp/err")"
    fi
}

section_listen() {
    setup || return
    expect_ok "streams make" "$KWS" streams make --data "$tmp/data" -m "$MODEL" \
        -o "$tmp/s/stream.wav" --minutes 1 --snr 20 --seed 5
    check "stream WAV" test -s "$tmp/s/stream.wav"
    check "truth TSV" test -s "$tmp/s/stream.tsv"
    # the targets of the truth: words other than _unknown_
    local targets
    targets=$(awk -F'\t' 'NR > 2 && $2 != "_unknown_"' "$tmp/s/stream.tsv" | wc -l)
    checks=$((checks + 1))
    ((targets >= 10)) || fail "only $targets target words in a minute"

    expect_ok "listen WAV" "$KWS" listen -m "$MODEL" "$tmp/s/stream.wav"
    cp "$tmp/out" "$tmp/det_wav.txt"
    # 600 ms at 16 ms hops = 37.5, rounded to 38
    check "listen: configuration on stderr" grep -q 'threshold 0.70, window 38 hops' "$tmp/err"
    check "listen: summary on stderr" grep -qE 'detections? in 60.00 s of audio' "$tmp/err"
    checks=$((checks + 1))
    grep -qvE '^[0-9]+\.[0-9]{2} s  [a-z_]+  [01]\.[0-9]{2}$' "$tmp/det_wav.txt" &&
        fail "listen: malformed lines: $(head -3 "$tmp/det_wav.txt")"
    expect_ok "streams score" "$KWS" streams score --truth "$tmp/s/stream.tsv" \
        --detections "$tmp/det_wav.txt"
    check "listen on the stream: hit rate 1, no false alarm" \
        grep -qE "^hit rate 1\.000 \(${targets}/${targets}\), false alarms 0 " "$tmp/out"
    [[ $failures == 0 ]] || { cat "$tmp/out"; head -50 "$tmp/det_wav.txt"; cat "$tmp/s/stream.tsv"; } >&2

    # the same samples as raw s16le on stdin
    tail -c +45 "$tmp/s/stream.wav" >"$tmp/stream.raw"
    expect_ok "listen stdin" "$KWS" listen -m "$MODEL" - <"$tmp/stream.raw"
    check "stdin prints the WAV's detections" cmp -s "$tmp/out" "$tmp/det_wav.txt"
    # stdin that stops mid-sample (odd byte), through a pipe in small writes
    { cat "$tmp/stream.raw"; printf 'x'; } | dd bs=1001 status=none |
        "$KWS" listen -m "$MODEL" - >"$tmp/out" 2>"$tmp/err"
    rc=$?
    no_crash "listen odd stdin"
    checks=$((checks + 1))
    ((rc == 0)) || fail "listen odd stdin: status $rc"
    check "odd stdin: same detections" cmp -s "$tmp/out" "$tmp/det_wav.txt"
    check "odd stdin: notice" grep -qi 'odd number of bytes' "$tmp/err"
    # the same with --stride 2: still every word, nothing else
    expect_ok "listen --stride 2" "$KWS" listen -m "$MODEL" --stride 2 -q "$tmp/s/stream.wav"
    check "listen -q: nothing on stderr" test ! -s "$tmp/err"
    cp "$tmp/out" "$tmp/det_s2.txt"
    expect_ok "score stride 2" "$KWS" streams score --truth "$tmp/s/stream.tsv" --detections - \
        <"$tmp/det_s2.txt"
    check "stride 2: hit rate 1, no false alarm" grep -q "^hit rate 1\.000 .*false alarms 0 " "$tmp/out"

    # silence: nothing
    head -c 320000 /dev/zero >"$tmp/zero.raw"
    expect_ok "listen silence" "$KWS" listen -m "$MODEL" - <"$tmp/zero.raw"
    check "silence: no detection" test ! -s "$tmp/out"
    check "silence: summary" grep -q '0 detections in 10.00 s' "$tmp/err"

    # errors
    expect_fail "listen: missing file" "no-such\.wav" "$KWS" listen -m "$MODEL" "$tmp/no-such.wav"
    expect_fail "listen: no input" "no input" "$KWS" listen -m "$MODEL"
    expect_fail "listen: --threshold 2" "--threshold.*'2'" "$KWS" listen -m "$MODEL" -t 2 -
    expect_fail "listen: --stride 0" "--stride.*'0'" "$KWS" listen -m "$MODEL" --stride 0 -
    expect_fail "listen: missing model" "nope\.kwsm" "$KWS" listen -m "$tmp/nope.kwsm" -
    if [[ ! -e "$SRC/models/default.kwsm" ]]; then
        (cd "$tmp" && "$KWS" listen - </dev/null) >"$tmp/out" 2>"$tmp/err"
        rc=$?
        checks=$((checks + 1))
        ((rc != 0)) && grep -q 'default model models/default.kwsm does not exist' "$tmp/err" &&
            grep -q -- '--model' "$tmp/err" || fail "listen without the default model: $(cat "$tmp/err")"
    fi
    expect_ok "listen --help" "$KWS" listen --help
    for o in --model --threshold --window-ms --refractory-ms --min-count --stride --quiet; do
        check "listen --help lists $o" grep -q -- "$o" "$tmp/out"
    done
}

section_streams() {
    setup || return
    expect_ok "streams make" "$KWS" streams make --data "$tmp/data" -m "$MODEL" \
        -o "$tmp/a.wav" --minutes 0.5 --snr 20 --seed 9
    expect_ok "streams make again" "$KWS" streams make --data "$tmp/data" -m "$MODEL" \
        -o "$tmp/b.wav" --truth "$tmp/b_truth.tsv" --minutes 0.5 --snr 20 --seed 9
    check "make is deterministic (WAV)" cmp -s "$tmp/a.wav" "$tmp/b.wav"
    check "make is deterministic (truth)" cmp -s "$tmp/a.tsv" "$tmp/b_truth.tsv"
    check "truth: duration line" grep -q '^# kws streams truth: duration_s 30.000' "$tmp/a.tsv"
    check "truth: only test-split clips" \
        awk -F'\t' 'NR > 2 { split($3, p, "spk"); n = substr(p[2], 1, 2) + 0; if (n < 8 || n > 15) exit 1 }' \
        "$tmp/a.tsv"
    expect_ok "streams make --split val" "$KWS" streams make --data "$tmp/data" -m "$MODEL" \
        -o "$tmp/v.wav" --minutes 0.5 --snr 20 --seed 9 --split val
    check "truth: --split val takes only val-split clips" \
        awk -F'\t' 'NR > 2 { split($3, p, "spk"); n = substr(p[2], 1, 2) + 0; if (n > 7) exit 1 }' \
        "$tmp/v.tsv"
    expect_fail "make: bad --split" "--split" "$KWS" streams make --data "$tmp/data" -m "$MODEL" \
        -o "$tmp/x.wav" --split train
    expect_ok "streams eval" "$KWS" streams eval --stream "$tmp/a.wav" --truth "$tmp/a.tsv" \
        -m "$MODEL" -o "$tmp/ev/curve" --thresholds 0.5:0.9:5
    cp "$tmp/out" "$tmp/eval.out"
    check "eval: hit rate 1, no false alarm at 0.70" \
        grep -qE '^threshold 0\.70: hit rate 1\.000 .*false alarms 0 ' "$tmp/out"
    check "eval: CSV" test "$(wc -l <"$tmp/ev/curve.csv")" = 6
    check "eval: CSV header" grep -q '^threshold,hit_rate,hits,targets,false_alarms,false_alarms_per_hour$' \
        "$tmp/ev/curve.csv"
    check "eval: SVG threshold" is_svg "$tmp/ev/curve_threshold.svg"
    check "eval: SVG false alarms" is_svg "$tmp/ev/curve_false_alarms.svg"
    check "eval: SVG roc" is_svg "$tmp/ev/curve_roc.svg"
    # eval at the default threshold agrees with listen + score
    expect_ok "listen a" "$KWS" listen -q -m "$MODEL" "$tmp/a.wav"
    cp "$tmp/out" "$tmp/a_det.txt"
    expect_ok "score a" "$KWS" streams score --truth "$tmp/a.tsv" --detections "$tmp/a_det.txt"
    checks=$((checks + 1))
    [[ $(sed -n 's/^threshold 0.70: //p' "$tmp/eval.out") == "$(cat "$tmp/out")" ]] ||
        fail "listen + score ($(cat "$tmp/out")) differs from eval ($(cat "$tmp/eval.out"))"
    # --sweep-windows: the default window (600 ms) replayed gives the main result again;
    # a window of one hop (16 ms) is a different detector over the same scores
    expect_ok "eval --sweep-windows" "$KWS" streams eval --stream "$tmp/a.wav" --truth "$tmp/a.tsv" \
        -m "$MODEL" -o "$tmp/ev/sweep" --thresholds 0.5:0.9:5 --sweep-windows 16,600
    checks=$((checks + 1))
    [[ $(sed -n 's/^window 600 ms, threshold 0.70: //p' "$tmp/out") == \
        "$(sed -n 's/^threshold 0.70: //p' "$tmp/eval.out")" ]] ||
        fail "sweep at 600 ms differs from the main result: $(cat "$tmp/out")"
    check "sweep: a line for 16 ms" grep -qE '^window 16 ms, threshold 0\.70: hit rate' "$tmp/out"
    check "sweep: CSV rows" test "$(wc -l <"$tmp/ev/sweep_windows.csv")" = 11
    check "sweep: CSV = main CSV at 600 ms" cmp -s <(grep '^600,' "$tmp/ev/sweep_windows.csv" | cut -d, -f2-) \
        <(tail -n +2 "$tmp/ev/curve.csv")
    expect_fail "eval: bad --sweep-windows" "--sweep-windows" "$KWS" streams eval --stream "$tmp/a.wav" \
        --truth "$tmp/a.tsv" -m "$MODEL" --sweep-windows 100,x
    # a detection file with a wrong word and an extra one: counted as false alarms
    awk 'NR == 1 { $3 = "beta" } { print } END { print "1.00 s  alpha  0.99" }' "$tmp/a_det.txt" |
        sed 's/ /  /g' >"$tmp/bad_det.txt"
    expect_ok "score with errors" "$KWS" streams score --truth "$tmp/a.tsv" --detections "$tmp/bad_det.txt"
    check "score: misses and false alarms counted" grep -qE 'false alarms [1-9]' "$tmp/out"
    expect_fail "score: not a truth file" "duration_s" "$KWS" streams score --truth "$tmp/a_det.txt" \
        --detections "$tmp/a_det.txt"
    expect_fail "make: no --data" "--data and --out" "$KWS" streams make -m "$MODEL" -o x.wav
    expect_fail "make: bad --gap" "--gap" "$KWS" streams make --data "$tmp/data" -m "$MODEL" -o x.wav --gap 3
    expect_fail "streams: unknown sub" "unknown subcommand 'frob'" "$KWS" streams frob
    for s in make score eval; do
        expect_ok "streams $s --help" "$KWS" streams $s --help
    done
}

case $section in
classify | listen | streams) "section_$section" ;;
*)
    echo "test_detect_cli.sh: unknown section '$section'" >&2
    exit 2
    ;;
esac
echo "test_detect_cli_$section: $checks checks, $failures failed"
((failures == 0))
