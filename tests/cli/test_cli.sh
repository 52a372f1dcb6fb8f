#!/usr/bin/env bash
# test_cli.sh - the `kws` command as a user meets it: exit codes, messages,
# and the files it writes. One CTest entry per section:
#
#   help          kws --help / help CMD / each CMD --help: exit 0, every long
#                 option of the command's getopt table listed, defaults shown;
#                 no command, an unknown command or option: non-zero + message
#   mfcc          raw s16le on stdin and a 16 kHz WAV written here (same
#                 samples, same CSV): 38 rows of 1 + (n - 512) / 256 columns;
#                 --window: 55 columns for short and long input; -o; --png
#                 (PNG signature); an espeak-ng WAV at 22.05 kHz (resampled;
#                 SKIPPED loudly when espeak-ng is missing)
#   mfcc_errors   garbage bytes, truncated header, missing file, folder, too
#                 short input, argument errors: non-zero, message naming it;
#                 a truncated data chunk: read with a notice
#   train_errors  missing --data folder, unknown word, nonexistent --net,
#                 wrong output count, --epochs 0, --lr abc, --snr 5, missing
#                 checkpoint on --resume: non-zero, a clear message, no model
#   train_eval    a tiny training run on the tone data set (>= 90 % test
#                 accuracy), its model, checkpoint, plots and feature cache;
#                 kws eval reproduces the test accuracy and writes its plots;
#                 --resume continues from the checkpoint; corrupted, truncated
#                 and empty models are refused by eval with the reason
#
# usage: test_cli.sh SECTION KWS_BINARY MAKE_DATA_BINARY SOURCE_DIR
set -u

section=${1:?section}
KWS=${2:?kws binary}
MAKE_DATA=${3:?data set generator}
SRC=${4:?source dir}
TINY="$SRC/models/tiny.kwsnet"
WORDS=alpha,beta,gamma,delta

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kws-cli-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME="$tmp/xdg-cache" # nothing may land in the real ~/.cache

. "$SRC/tests/cli/assert.sh"

# Counts: rows of a CSV file, and the distinct field counts of its rows.
csv_rows() { wc -l <"$1" | tr -d ' '; }
csv_cols() { awk -F, '{ print NF }' "$1" | sort -u | tr '\n' ' ' | sed 's/ $//'; }
# Every field is a finite decimal number.
csv_numeric() {
    awk -F, '{ for (i = 1; i <= NF; i++)
                 if ($i !~ /^-?[0-9]+(\.[0-9]+)?(e[-+][0-9]+)?$/) { bad = 1 } }
             END { exit bad }' "$1"
}
# check_csv DESCRIPTION FILE COLUMNS
check_csv() {
    local rows cols
    rows=$(csv_rows "$2")
    cols=$(csv_cols "$2")
    checks=$((checks + 1))
    [[ $rows == 38 ]] || fail "$1: $rows rows, expected 38"
    checks=$((checks + 1))
    [[ $cols == "$3" ]] || fail "$1: rows of $cols columns, expected $3"
    check "$1: every field numeric" csv_numeric "$2"
}

# A standalone SVG document: XML prolog, an <svg ...> element, ends in </svg>.

# Little-endian integers, and a 16 kHz mono 16-bit WAV around raw bytes.
le16() { printf "\\x$(printf %02x $(($1 & 255)))\\x$(printf %02x $((($1 >> 8) & 255)))"; }
le32() { le16 $(($1 & 65535)); le16 $((($1 >> 16) & 65535)); }
write_wav() { # OUT RAW
    local n
    n=$(stat -c %s "$2")
    {
        printf 'RIFF'; le32 $((36 + n)); printf 'WAVEfmt '; le32 16
        le16 1; le16 1; le32 16000; le32 32000; le16 2; le16 16
        printf 'data'; le32 "$n"; cat "$2"
    } >"$1"
}
# Deterministic non-silent s16le: a repeated text pattern, N bytes.
raw_bytes() { yes 'kws cli test 0123456789' | head -c "$1"; }
frames() { echo $((1 + ($1 - 512) / 256)); }

section_help() {
    expect_ok "kws --help" "$KWS" --help
    for cmd in mfcc train eval; do
        check "kws --help lists $cmd" grep -q "^  $cmd " "$tmp/out"
    done
    expect_ok "kws -h" "$KWS" -h
    check "kws -h prints the usage" grep -q '^usage: kws <command>' "$tmp/out"

    for cmd in mfcc train eval; do
        expect_ok "kws $cmd --help" "$KWS" "$cmd" --help
        check "kws $cmd --help prints a usage line" grep -q "^usage: kws $cmd" "$tmp/out"
        cp "$tmp/out" "$tmp/help_$cmd"
        # every long option of the command's getopt table is documented
        local opts
        opts=$(grep -oE '\{"[a-z][a-z-]*", *(required_argument|no_argument|[01]),' \
            "$SRC/src/cli/cmd_$cmd.c" | sed -E 's/^\{"([a-z-]*)".*/\1/')
        checks=$((checks + 1))
        [[ $(echo "$opts" | wc -w) -ge 4 ]] || fail "could not read the options of cmd_$cmd.c"
        for o in $opts; do
            check "kws $cmd --help lists --$o" grep -qE -- "--$o([ ,=]|$)" "$tmp/help_$cmd"
        done
        expect_ok "kws help $cmd" "$KWS" help "$cmd"
        check "kws help $cmd = kws $cmd --help" cmp -s "$tmp/out" "$tmp/help_$cmd"
    done
    # options a user relies on, with their defaults
    for o in --data --words --net --out --checkpoint --resume --epochs --batch --lr \
        --seed --no-augment --snr --cache --plots; do
        check "kws train --help lists $o" grep -q -- "$o" "$tmp/help_train"
    done
    check "train help: default epochs" grep -qE -- '--epochs N +\(30\)' "$tmp/help_train"
    check "train help: default batch" grep -qE -- '--batch N +\(64\)' "$tmp/help_train"
    check "train help: default lr" grep -qE -- '--lr X .*\(0\.001\)' "$tmp/help_train"
    check "train help: default net" grep -q -- 'models/paper.kwsnet' "$tmp/help_train"
    for o in --data --model --split --plots --cache --seed; do
        check "kws eval --help lists $o" grep -q -- "$o" "$tmp/help_eval"
    done
    for o in --out --png --window --quiet; do
        check "kws mfcc --help lists $o" grep -q -- "$o" "$tmp/help_mfcc"
    done

    checks=$((checks + 1))
    run "$KWS"
    ((rc != 0)) && grep -q '^usage: kws' "$tmp/err" || fail "kws without a command: status $rc"
    expect_fail "unknown command" "unknown command 'frobnicate'" "$KWS" frobnicate
    check "unknown command: usage follows" grep -q '^usage: kws' "$tmp/err"
    for cmd in mfcc train eval; do
        expect_fail "kws $cmd --frobnicate" "unrecognized option.*frobnicate" \
            "$KWS" "$cmd" --frobnicate
        check "kws $cmd --frobnicate points to --help" grep -q "kws $cmd --help" "$tmp/err"
    done
    expect_fail "train: stray argument" "unexpected argument 'extra'" \
        "$KWS" train --data "$tmp" extra
    expect_fail "eval: stray argument" "unexpected argument 'extra'" \
        "$KWS" eval --data "$tmp" --model m.kwsm extra
}

section_mfcc() {
    # raw s16le through stdin: 8000 samples
    raw_bytes 16000 >"$tmp/a.raw"
    expect_ok "mfcc raw stdin" "$KWS" mfcc - <"$tmp/a.raw"
    check_csv "mfcc raw stdin" "$tmp/out" "$(frames 8000)"
    check "mfcc summary names the frames" grep -q -- '-> 38 x 30 MFCC' "$tmp/err"
    cp "$tmp/out" "$tmp/a_stdin.csv"

    # an odd byte at the end is dropped with a notice
    { cat "$tmp/a.raw"; printf 'x'; } >"$tmp/odd.raw"
    expect_ok "mfcc raw stdin, odd length" "$KWS" mfcc - <"$tmp/odd.raw"
    check "odd length: same CSV" cmp -s "$tmp/out" "$tmp/a_stdin.csv"
    check "odd length: notice" grep -qi 'odd number of bytes' "$tmp/err"

    # the same samples in a 16 kHz WAV give the same matrix
    write_wav "$tmp/a.wav" "$tmp/a.raw"
    expect_ok "mfcc WAV" "$KWS" mfcc -q -o "$tmp/a_wav.csv" "$tmp/a.wav"
    check "mfcc -q: nothing on stderr" test ! -s "$tmp/err"
    check "mfcc -o: nothing on stdout" test ! -s "$tmp/out"
    check "WAV and raw stdin give the same CSV" cmp -s "$tmp/a_wav.csv" "$tmp/a_stdin.csv"

    # another length: 12345 samples
    raw_bytes 24690 >"$tmp/b.raw"
    write_wav "$tmp/b.wav" "$tmp/b.raw"
    expect_ok "mfcc WAV 12345 samples" "$KWS" mfcc --png "$tmp/b.png" "$tmp/b.wav"
    check_csv "mfcc WAV 12345 samples" "$tmp/out" "$(frames 12345)"
    check "--png writes a PNG" is_png "$tmp/b.png"

    # --window: exactly the 55 columns the network sees, for short and long input
    expect_ok "mfcc --window, 0.5 s" "$KWS" mfcc --window - <"$tmp/a.raw"
    check_csv "mfcc --window, 0.5 s" "$tmp/out" 55
    raw_bytes 64000 >"$tmp/c.raw"
    expect_ok "mfcc --window, 2 s" "$KWS" mfcc --window --png "$tmp/c.png" - <"$tmp/c.raw"
    check_csv "mfcc --window, 2 s" "$tmp/out" 55
    check "--window --png writes a PNG" is_png "$tmp/c.png"
    expect_ok "mfcc 2 s" "$KWS" mfcc - <"$tmp/c.raw"
    check_csv "mfcc 2 s" "$tmp/out" "$(frames 32000)"

    # a real WAV from a speech synthesizer: 22.05 kHz, resampled to 16 kHz
    if command -v espeak-ng >/dev/null 2>&1 &&
        espeak-ng -w "$tmp/es.wav" "keyword spotting" 2>/dev/null && [[ -s $tmp/es.wav ]]; then
        local rate bytes n16 want
        rate=$(od -An -tu4 -j24 -N4 "$tmp/es.wav" | tr -d ' ')
        bytes=$(od -An -tu4 -j40 -N4 "$tmp/es.wav" | tr -d ' ')
        n16=$((bytes / 2 * 16000 / rate))
        want=$(frames "$n16")
        expect_ok "mfcc espeak-ng WAV" "$KWS" mfcc --png "$tmp/es.png" "$tmp/es.wav"
        local cols
        cols=$(csv_cols "$tmp/out")
        checks=$((checks + 1))
        [[ $(csv_rows "$tmp/out") == 38 ]] || fail "espeak-ng WAV: not 38 rows"
        checks=$((checks + 1))
        ((cols >= want - 1 && cols <= want + 1)) ||
            fail "espeak-ng WAV ($rate Hz, $n16 samples at 16 kHz): $cols columns, expected $want +- 1"
        check "espeak-ng WAV: source rate reported" grep -q "source $rate Hz" "$tmp/err"
        check "espeak-ng --png" is_png "$tmp/es.png"
        expect_ok "mfcc --window espeak-ng WAV" "$KWS" mfcc --window "$tmp/es.wav"
        check_csv "mfcc --window espeak-ng WAV" "$tmp/out" 55
    else
        echo "SKIPPED [$section]: espeak-ng is not installed; the resampled-WAV checks did not run"
    fi
}

section_mfcc_errors() {
    raw_bytes 4000 >"$tmp/a.raw"
    write_wav "$tmp/a.wav" "$tmp/a.raw"
    yes 'this is not a wav file' | head -c 3000 >"$tmp/garbage.wav"
    expect_fail "garbage bytes" "garbage\.wav" "$KWS" mfcc "$tmp/garbage.wav"
    head -c 20 "$tmp/a.wav" >"$tmp/trunc_header.wav"
    expect_fail "truncated header" "trunc_header\.wav.*truncated" "$KWS" mfcc "$tmp/trunc_header.wav"
    : >"$tmp/empty.wav"
    expect_fail "empty file" "empty\.wav" "$KWS" mfcc "$tmp/empty.wav"
    expect_fail "missing file" "no-such\.wav" "$KWS" mfcc "$tmp/no-such.wav"
    mkdir "$tmp/folder.wav"
    expect_fail "folder" "folder\.wav.*director" "$KWS" mfcc "$tmp/folder.wav"
    expect_fail "too short raw input" "too short" "$KWS" mfcc - < <(raw_bytes 100)
    expect_fail "no audio argument" "exactly one AUDIO" "$KWS" mfcc
    expect_fail "two audio arguments" "exactly one AUDIO" "$KWS" mfcc "$tmp/a.wav" "$tmp/a.wav"
    expect_fail "unwritable -o" "nofolder/x\.csv" "$KWS" mfcc -o "$tmp/nofolder/x.csv" "$tmp/a.wav"
    expect_fail "unwritable --png" "nofolder/x\.png" \
        "$KWS" mfcc -q --png "$tmp/nofolder/x.png" "$tmp/a.wav"

    # a data chunk shorter than its header says: the samples there, and a notice
    head -c $((44 + 2000)) "$tmp/a.wav" >"$tmp/short_data.wav"
    le32 999999 | dd of="$tmp/short_data.wav" bs=1 seek=40 conv=notrunc status=none
    expect_ok "truncated data chunk" "$KWS" mfcc "$tmp/short_data.wav"
    check_csv "truncated data chunk" "$tmp/out" "$(frames 1000)"
    check "truncated data chunk: notice" grep -qi 'notice' "$tmp/err"
}

# targs OUT [more options]: sets the array T to the options of a quick run
# on the tone data set (later options override earlier ones).
targs() {
    local out=$1
    shift
    T=(--data "$tmp/data" --words "$WORDS" --net "$TINY" --epochs 5 --batch 16 --lr 0.01
        --min-lr 0.001 --seed 3 --threads 2 --cache "$tmp/cache" -o "$out" "$@")
}

section_train_errors() {
    check "make the tone data set" "$MAKE_DATA" "$tmp/data"
    local out="$tmp/run/model.kwsm"
    targs "$out"
    expect_fail "train: missing --data folder" "$tmp/no-data" \
        "$KWS" train "${T[@]}" --data "$tmp/no-data"
    expect_fail "train: missing --data folder (first root)" "$tmp/no-data" \
        "$KWS" train --data "$tmp/no-data" --net "$TINY" --cache none -o "$out"
    expect_fail "train: word without a folder" "zeta" \
        "$KWS" train --data "$tmp/data" --words alpha,beta,gamma,zeta --net "$TINY" \
        --cache none -o "$out"
    targs "$out" --net "$tmp/no-such.kwsnet"
    expect_fail "train: nonexistent --net" "no-such\.kwsnet" "$KWS" train "${T[@]}"
    targs "$out" --words alpha,beta,gamma
    expect_fail "train: outputs vs classes" "4 outputs.*3 classes" "$KWS" train "${T[@]}"
    targs "$out" --epochs 0
    expect_fail "train: --epochs 0" "--epochs.*'0'" "$KWS" train "${T[@]}"
    targs "$out" --epochs x
    expect_fail "train: --epochs x" "--epochs.*'x'" "$KWS" train "${T[@]}"
    targs "$out" --lr abc
    expect_fail "train: --lr abc" "--lr.*'abc'" "$KWS" train "${T[@]}"
    targs "$out" --lr -1
    expect_fail "train: --lr -1" "--lr.*'-1'" "$KWS" train "${T[@]}"
    targs "$out" --snr 5
    expect_fail "train: --snr 5" "--snr.*LO:HI.*'5'" "$KWS" train "${T[@]}"
    targs "$out" --snr 20:5
    expect_fail "train: --snr 20:5" "--snr.*'20:5'" "$KWS" train "${T[@]}"
    targs "$out" --batch 0
    expect_fail "train: --batch 0" "--batch.*'0'" "$KWS" train "${T[@]}"
    targs "$out" --optimizer rmsprop
    expect_fail "train: --optimizer" "--optimizer.*'rmsprop'" "$KWS" train "${T[@]}"
    targs "$out" --words alpha,alpha,beta,gamma
    expect_fail "train: duplicate word" "\"alpha\" given twice" "$KWS" train "${T[@]}"
    expect_fail "train: no --data" "--data DIR is required" "$KWS" train --net "$TINY" -o "$out"
    targs "$out" --resume
    expect_fail "train: --resume without checkpoint" "model\.kwsm\.ckpt" "$KWS" train "${T[@]}"
    check "failed runs wrote no model" test ! -e "$out"
    check "failed runs wrote no checkpoint" test ! -e "$out.ckpt"
    check "failed runs wrote no plots" test -z "$(find "$tmp/run" -name '*.svg' 2>/dev/null)"
    check "nothing in the default cache" test ! -e "$XDG_CACHE_HOME"
}

# The "accuracy ..." line of a confusion printout, without the mean loss.
accuracy_line() { grep -m1 '^accuracy ' "$1" | sed 's/, mean loss.*//'; }

section_train_eval() {
    check "make the tone data set" "$MAKE_DATA" "$tmp/data"
    local out="$tmp/run/model.kwsm"
    targs "$out"
    expect_ok "kws train" "$KWS" train "${T[@]}"
    cp "$tmp/out" "$tmp/train.out"
    cp "$tmp/err" "$tmp/train.err"
    check "train: the resolved configuration" grep -q 'epochs 5, batch 16, adam lr 0.01' "$tmp/train.err"
    checks=$((checks + 1))
    [[ $(grep -cE '^epoch +[0-9]+/5 ' "$tmp/train.err") == 5 ]] ||
        fail "train: not 5 epoch lines on stderr"
    check "train: test confusion printed" grep -q '^test split, best model' "$tmp/train.out"
    local acc
    acc=$(accuracy_line "$tmp/train.out")
    checks=$((checks + 1))
    [[ $acc =~ ^accuracy\ ([0-9.]+)\ %\ \(32\ samples\)$ ]] && awk -v a="${BASH_REMATCH[1]}" \
        'BEGIN { exit !(a >= 90) }' || fail "train: test accuracy line '$acc', want >= 90 % of 32"
    for w in alpha beta gamma delta; do
        check "train: class $w in the printout" grep -q "^$w " "$tmp/train.out"
    done
    check "train: model" test -s "$out"
    check "train: checkpoint" test -s "$out.ckpt"
    check "train: no temporary file left" test ! -e "$out.tmp"
    check "train: loss curve" is_svg "$tmp/run/model_loss.svg"
    check "train: accuracy curve" is_svg "$tmp/run/model_accuracy.svg"
    check "train: confusion SVG" is_svg "$tmp/run/model_confusion_test.svg"
    check "train: confusion PNG" is_png "$tmp/run/model_confusion_test.png"
    for w in alpha beta gamma delta; do
        check "train: confusion SVG names $w" grep -q ">$w<" "$tmp/run/model_confusion_test.svg"
    done
    check "train: feature cache written" test -n "$(find "$tmp/cache" -name 'features-*.kwsf')"

    # eval reproduces the test accuracy, from the cache, and writes its plots
    expect_ok "kws eval" "$KWS" eval --data "$tmp/data" --model "$out" --cache "$tmp/cache" \
        --plots "$tmp/ev_"
    checks=$((checks + 1))
    [[ $(accuracy_line "$tmp/out") == "$acc" ]] ||
        fail "eval: '$(accuracy_line "$tmp/out")' differs from train's '$acc'"
    check "eval: names model and split" grep -q "model.kwsm on .*(test split, 32 clips" "$tmp/out"
    check "eval: confusion SVG" is_svg "$tmp/ev_confusion_test.svg"
    check "eval: confusion PNG" is_png "$tmp/ev_confusion_test.png"
    check "eval: loss curve" is_svg "$tmp/ev_loss.svg"
    check "eval: accuracy curve" is_svg "$tmp/ev_accuracy.svg"
    expect_ok "kws eval --split val" "$KWS" eval --data "$tmp/data" -m "$out" --split val \
        --cache none --plots "$tmp/ev_"
    check "eval val: 32 clips" grep -q '^accuracy [0-9.]* % (32 samples)' "$tmp/out"
    check "eval val: confusion SVG" is_svg "$tmp/ev_confusion_val.svg"
    # the integer model the device runs: converted, run, and near the float accuracy
    expect_ok "kws eval --integer" "$KWS" eval --data "$tmp/data" -m "$out" --integer \
        --cache none --plots "$tmp/ev_"
    check "eval --integer: reports the integer model" grep -q '^integer model (int8 activations' "$tmp/out"
    int_acc=$(sed -n 's/^float\/QAT \([0-9.]*\) % -> integer \([0-9.]*\) %.*/\2/p' "$tmp/out")
    check "eval --integer: integer accuracy >= 80 % ($int_acc)" \
        awk -v a="${int_acc:-0}" 'BEGIN { exit !(a >= 80) }'
    expect_fail "eval: --split bogus" "--split.*'bogus'" \
        "$KWS" eval --data "$tmp/data" -m "$out" --split bogus
    expect_fail "eval: no --model" "--data and --model are required" \
        "$KWS" eval --data "$tmp/data"

    # resume: one more epoch from the checkpoint
    targs "$out" --epochs 6 --resume
    expect_ok "kws train --resume" "$KWS" train "${T[@]}"
    check "resume: from epoch 5" grep -q "resumed from .*model.kwsm.ckpt after epoch 5" "$tmp/err"
    checks=$((checks + 1))
    [[ $(grep -cE '^epoch +[0-9]+/6 ' "$tmp/err") == 1 ]] || fail "resume: not one epoch run"

    # damaged models
    local size mid byte
    size=$(stat -c %s "$out")
    cp "$out" "$tmp/flipped.kwsm"
    mid=$((size / 2))
    byte=$(od -An -tu1 -j"$mid" -N1 "$out" | tr -d ' ')
    printf "\\x$(printf %02x $((byte ^ 0x40)))" |
        dd of="$tmp/flipped.kwsm" bs=1 seek="$mid" conv=notrunc status=none
    check "flipped model has the same size" test "$(stat -c %s "$tmp/flipped.kwsm")" = "$size"
    expect_fail "eval: corrupted model" "flipped\.kwsm.*checksum" \
        "$KWS" eval --data "$tmp/data" --model "$tmp/flipped.kwsm" --cache none
    head -c "$mid" "$out" >"$tmp/half.kwsm"
    expect_fail "eval: truncated model" "half\.kwsm.*(truncated|bytes)" \
        "$KWS" eval --data "$tmp/data" --model "$tmp/half.kwsm" --cache none
    head -c 16 "$out" >"$tmp/stub.kwsm"
    expect_fail "eval: truncated header" "stub\.kwsm.*truncated" \
        "$KWS" eval --data "$tmp/data" --model "$tmp/stub.kwsm" --cache none
    : >"$tmp/empty.kwsm"
    expect_fail "eval: empty model" "empty\.kwsm" \
        "$KWS" eval --data "$tmp/data" --model "$tmp/empty.kwsm" --cache none
    expect_fail "eval: missing model" "no-such\.kwsm" \
        "$KWS" eval --data "$tmp/data" --model "$tmp/no-such.kwsm" --cache none
    expect_fail "eval: a network description as model" "tiny\.kwsnet" \
        "$KWS" eval --data "$tmp/data" --model "$TINY" --cache none
    check "no plots for refused models" test -z "$(find "$tmp" -maxdepth 1 -name 'flipped_*')"
}

case $section in
help | mfcc | mfcc_errors | train_errors | train_eval) "section_$section" ;;
*)
    echo "test_cli.sh: unknown section '$section'" >&2
    exit 2
    ;;
esac
echo "test_cli_$section: $checks checks, $failures failed"
((failures == 0))
