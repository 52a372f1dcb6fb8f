#!/usr/bin/env bash
# test_analyze_cli.sh - `kws analyze` as a user meets it: the paper net in
# every mode side by side (exit 0, the rows, the paper's numbers and notes),
# a single mode, the CSV file, a .kwsm model, and argument errors (non-zero,
# a message naming the problem).
#
# usage: test_analyze_cli.sh KWS_BINARY SOURCE_DIR
set -u
KWS=${1:?kws binary}
SRC=${2:?source dir}
NET="$SRC/models/paper.kwsnet"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kws-analyze-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
checks=0
failures=0
fail() { failures=$((failures + 1)); echo "FAIL: $*" >&2; }
check() { checks=$((checks + 1)); "$@" || fail "$*"; }
has() { grep -qF -- "$2" "$1" || { echo "  '$2' not in $1" >&2; return 1; }; }

# every mode, side by side, with the CSV
checks=$((checks + 1))
"$KWS" analyze --net "$NET" --quant all --csv "$tmp/out/report.csv" >"$tmp/all.txt" 2>"$tmp/all.err" \
    || fail "analyze --quant all exit $?: $(cat "$tmp/all.err")"
for s in "== mode float ==" "== mode int8 ==" "== mode hybrid ==" "== mode int8-act ==" \
         "== mode binary-conv ==" "conv2d_1" "max_pooling2d_1" "batch_normalization_5" \
         "dense_2" "2,225,384" "KWS proposal FP32 (Keras)" "149.20" "0.076" \
         "555,898 weights+biases = 2,223,592 B (+448 BN floats = 2,225,384 B" "131,696 B" \
         "DOES NOT FIT" "target stm32l496"; do
    check has "$tmp/all.txt" "$s"
done
check test "$(grep -c '^layer,' "$tmp/out/report.csv")" -eq $((5 * 18))
check test "$(grep -c '^total,' "$tmp/out/report.csv")" -eq 5
check has "$tmp/out/report.csv" 'record,mode,id,name,op,shape,macc'
check test "$(awk -F, '{print NF}' "$tmp/out/report.csv" | sort -u)" = 21

# one mode; the default is the description as written
check "$KWS" analyze --net "$NET" --quant hybrid -t stm32l496 >"$tmp/h.txt"
check has "$tmp/h.txt" "== mode hybrid =="
check has "$tmp/h.txt" "dense b1+relu"
check "$KWS" analyze --net "$NET" >"$tmp/w.txt"
check has "$tmp/w.txt" "== mode as-written =="
check "$KWS" analyze --net "$NET" --csv - >"$tmp/c.txt"
check has "$tmp/c.txt" 'total,"as-written"'

# a .kwsm model, if one is around (models trained by the tests are not)
for m in "$SRC"/models/*.kwsm; do
    [ -f "$m" ] || continue
    check "$KWS" analyze --model "$m" --quant int8 >/dev/null
    break
done

# errors: non-zero and a message
err_case() {
    local want=$1; shift
    checks=$((checks + 1))
    if "$KWS" analyze "$@" >"$tmp/e.out" 2>"$tmp/e.err"; then
        fail "analyze $* succeeded"
    elif ! grep -qF -- "$want" "$tmp/e.err"; then
        fail "analyze $*: message lacks '$want': $(cat "$tmp/e.err")"
    fi
}
err_case "exactly one of --model or --net"
err_case "exactly one of --model or --net" --net "$NET" --model x.kwsm
err_case "unknown quantization mode 'int3'" --net "$NET" --quant int3
err_case "unknown target 'stm32f4'" --net "$NET" --target stm32f4
err_case "nope.kwsnet" --net "$tmp/nope.kwsnet"
err_case "nope.kwsm" --model "$tmp/nope.kwsm"
err_case "unexpected argument" --net "$NET" extra
err_case "see 'kws analyze --help'" --net "$NET" --bogus
printf 'input 1 38 55\nconv2d 16 kernal=3\n' >"$tmp/bad.kwsnet"
err_case "bad.kwsnet:2" --net "$tmp/bad.kwsnet"
check "$KWS" analyze --help >"$tmp/help.txt"
for o in --model --net --quant --target --csv --help; do check has "$tmp/help.txt" "$o"; done

echo "test_analyze_cli: $checks checks, $failures failed"
[ "$failures" -eq 0 ]
