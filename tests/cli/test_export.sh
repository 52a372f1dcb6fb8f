#!/usr/bin/env bash
# test_export.sh - `kws export` as a user meets it (the firmware built from
# its output is tests/device/device_m4_model.sh's job):
#
#   help      exit 0, every option listed with the default name
#   output    a tiny model trained here: NAME.h and NAME.c written, no
#             temporary files left, the report's numbers, macros with the
#             name in capitals, one parameter array per op field, NAME.c
#             compiles alone as strict C99 (-pedantic -Werror) with only the
#             kws headers; a second export overwrites cleanly
#   errors    no --out, bad --name, missing or garbage model, a model without
#             calibration ranges (its training checkpoint), an output folder
#             under a file, a missing clip, more than 64 clips, a stray
#             argument: non-zero, a "kws export: ..." message naming the
#             problem, nothing written
#
# usage: test_export.sh KWS_BINARY MAKE_DATA_BINARY SOURCE_DIR C_COMPILER
set -u

section=export
KWS=${1:?kws binary}
MAKE_DATA=${2:?data set generator}
SRC=${3:?source dir}
CC=${4:-cc}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kws-export-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME="$tmp/xdg-cache"

. "$SRC/tests/cli/assert.sh"

# ---- help -------------------------------------------------------------------
expect_ok "export --help" "$KWS" export --help
for opt in --model --out --name --clips --plan --help kws_model_data; do
    check "help lists $opt" grep -q -- "$opt" "$tmp/out"
done
expect_ok "kws --help lists export" "$KWS" --help
check "export in the command list" grep -q '^  export ' "$tmp/out"

# ---- a tiny model -------------------------------------------------------------
check "make the tone data set" "$MAKE_DATA" "$tmp/data"
sed 's/^dense 4$/dense 5/' "$SRC/models/tiny.kwsnet" >"$tmp/tiny5.kwsnet"
expect_ok "train the tiny model" "$KWS" train --data "$tmp/data" --words alpha,beta,gamma \
    --unknown --silence --net "$tmp/tiny5.kwsnet" --epochs 2 --batch 16 --lr 0.01 \
    --seed 3 --threads 2 --cache none -o "$tmp/model.kwsm"
MODEL=$tmp/model.kwsm
CLIP=$tmp/data/alpha/spk09_nohash_0.wav

# ---- output ---------------------------------------------------------------------
expect_ok "export with a name and a clip" "$KWS" export -m "$MODEL" -o "$tmp/gen/deep" \
    --name my_net --clips "$CLIP"
check "my_net.c written" test -s "$tmp/gen/deep/my_net.c"
check "my_net.h written" test -s "$tmp/gen/deep/my_net.h"
check "no temporary files left" test -z "$(ls "$tmp/gen/deep" | grep -v '^my_net\.[ch]$')"
check "report: parameter bytes and CRC" grep -qE '^parameters: [0-9]+ bytes in [0-9]+ arrays .*CRC-32 0x[0-9a-f]{8}$' "$tmp/out"
check "report: one clip" grep -q '^clips: 1 embedded' "$tmp/out"
H=$tmp/gen/deep/my_net.h C=$tmp/gen/deep/my_net.c
for mac in ARENA_SIZE MFCC_ARENA_SIZE IN_H IN_W N_CLASSES N_CLIPS PARAM_BYTES PARAM_CRC; do
    check "header defines MY_NET_$mac" grep -q "^#define MY_NET_$mac " "$H"
done
check "header declares the model" grep -q '^extern const kws_deployed_model my_net;$' "$H"
checks=$((checks + 1))
bytes=$(awk '/^parameters:/ { print $2 }' "$tmp/out")
[[ $(awk '/^#define MY_NET_PARAM_BYTES/ { print $3 }' "$H") == "$bytes" ]] ||
    fail "MY_NET_PARAM_BYTES differs from the report's $bytes"
# tiny: 4 weight layers -> weight, bias, rq each (pool ops have none)
checks=$((checks + 1))
[[ $(grep -cE '^static const (int8_t|uint8_t|int32_t|int16_t|kws_requant) my_net_op[0-9]+_(weight|wbits|bias|rq|mul)\[' "$C") == 15 ]] ||
    fail "expected 15 parameter arrays in my_net.c"
check "the clip is embedded" grep -q '^static const int16_t my_net_clip0_pcm\[16000\] = {$' "$C"
check "its expected logits too" grep -q '^static const int32_t my_net_clip0_expect\[5\] = {$' "$C"
check "names the clip by folder and file" grep -q '"alpha/spk09_nohash_0.wav"' "$C"
expect_ok "my_net.c compiles alone as strict C99" "$CC" -std=c99 -pedantic -Wall -Wextra -Werror \
    -I"$SRC/include" -I"$tmp/gen/deep" -c "$C" -o "$tmp/my_net.o"
expect_ok "export again into the same folder, default name" "$KWS" export -m "$MODEL" -o "$tmp/gen/deep"
check "default name kws_model_data" test -s "$tmp/gen/deep/kws_model_data.c"
check "no clips: zero" grep -q '^#define KWS_MODEL_DATA_N_CLIPS 0$' "$tmp/gen/deep/kws_model_data.h"

# ---- errors -----------------------------------------------------------------------
# ---- memory plans: the small plan needs less arena, both give the same code
expect_ok "export, fast plan (default)" "$KWS" export -m "$MODEL" -o "$tmp/plan_fast"
fast_arena=$(sed -n 's/^#define KWS_MODEL_DATA_ARENA_SIZE \([0-9]*\).*/\1/p' "$tmp/plan_fast/kws_model_data.h")
expect_ok "export, small plan" "$KWS" export -m "$MODEL" -o "$tmp/plan_small" --plan small
check "report names the plan" grep -q '^arena: [0-9]* bytes (small plan' "$tmp/out"
small_arena=$(sed -n 's/^#define KWS_MODEL_DATA_ARENA_SIZE \([0-9]*\).*/\1/p' "$tmp/plan_small/kws_model_data.h")
check "small plan: an arena no larger ($small_arena <= $fast_arena)" test -n "$small_arena" -a "${small_arena:-1}" -le "${fast_arena:-0}"
expect_fail "--plan bogus" "--plan 'bogus': expected fast or small" "$KWS" export -m "$MODEL" -o "$tmp/e1" --plan bogus

expect_fail "no --out" "no output folder" "$KWS" export -m "$MODEL"
expect_fail "--name starting with a digit" "--name '9lives'" "$KWS" export -m "$MODEL" -o "$tmp/e1" --name 9lives
expect_fail "--name with a dash" "--name 'my-net'.*C identifier" "$KWS" export -m "$MODEL" -o "$tmp/e1" --name my-net
expect_fail "missing model" "nope\.kwsm" "$KWS" export -m "$tmp/nope.kwsm" -o "$tmp/e1"
head -c 100 /dev/urandom >"$tmp/garbage.kwsm"
expect_fail "garbage model" "garbage\.kwsm" "$KWS" export -m "$tmp/garbage.kwsm" -o "$tmp/e1"
expect_fail "model without calibration ranges" "calibration ranges.*--calibrate" \
    "$KWS" export -m "$MODEL.ckpt" -o "$tmp/e1"
: >"$tmp/afile"
expect_fail "output folder under a file" "afile" "$KWS" export -m "$MODEL" -o "$tmp/afile/out"
expect_fail "missing clip" "no-such\.wav" "$KWS" export -m "$MODEL" -o "$tmp/e1" --clips "$CLIP,$tmp/no-such.wav"
many=$(printf "$CLIP,%.0s" $(seq 65))
expect_fail "65 clips" "more than 64 clips" "$KWS" export -m "$MODEL" -o "$tmp/e1" --clips "${many%,}"
expect_fail "stray argument" "unexpected argument 'extra'" "$KWS" export -m "$MODEL" -o "$tmp/e1" extra
check "nothing written by the failures" test ! -e "$tmp/e1"

echo "test_export: $checks checks, $failures failed"
((failures == 0))
