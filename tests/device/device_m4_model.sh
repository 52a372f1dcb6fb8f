#!/usr/bin/env bash
# device_m4_model.sh SOURCE_DIR WORK_DIR KWS MAKE_TONE_DATA HOST_CC "HOST_FLAGS" LIB...
#
# CTest device_m4_model: `kws export` -> firmware -> QEMU, compared bit for
# bit with the host, for every model variant:
#   - two tiny models trained here on the tone data set in seconds (float,
#     converted to int8; and binary-conv: packed binary conv and dense
#     weights), and every shipped models/*.kwsm;
#   - each is exported with three clips (two words, and a 15 s noise
#     recording, which export cuts to its middle second);
#   - host: device/m4/apps/kws_infer.c compiled with HOST_CC against the
#     host libraries (LIB...: kws_runtime, kws_frontend, kws_crc32,
#     kws_common_device of this build, sanitizers included) must exit 0:
#     every clip's logits equal those `kws export` computed with the
#     converter's model (kws classify's path);
#   - device (skipped, exit 77, without arm-none-eabi-gcc or QEMU): the same
#     app built for mps2-an386 runs under QEMU and prints exactly the host's
#     lines; built for stm32l496 it links (the MEMORY regions prove it fits);
#   - flash accounting, from the STM32L496 map file (scripts/mem_parts.sh):
#     the model's parameter arrays hold exactly the bytes `kws export`
#     reports and `kws analyze` counts as ROM, and flash(kws_infer) -
#     flash(kws_infer_base, the app without a model) - the test clips is
#     that ROM plus at most CODE_MARGIN bytes (runtime code, op table, CRC;
#     STREAM_MARGIN more for a model that streams: the app also links the
#     one-column runner, kws/stream.h, and checks it against the window);
#   - stack: the worst case over the call graph (-fcallgraph-info) fits the
#     reserved region, and the high-water mark the firmware paints and
#     measures under QEMU is no larger than that bound.
set -euo pipefail
SRC=$1 BASE=$2 KWS=$3 MAKE_DATA=$4 HOSTCC=$5 HOSTFLAGS=$6
shift 6
LIBS=("$@")
. "$SRC/tests/device/lib.sh"
CODE_MARGIN=${KWS_CODE_MARGIN:-32768}
STREAM_MARGIN=8192
STACK_SIZE=16384

rm -rf "$BASE"
mkdir -p "$BASE"
export XDG_CACHE_HOME="$BASE/xdg-cache"
fail=0
failed() { echo "FAIL [$1]: $2"; fail=1; }

# ---- models ------------------------------------------------------------------
"$MAKE_DATA" "$BASE/data" >/dev/null
sed 's/^dense 4$/dense 5/' "$SRC/models/tiny.kwsnet" >"$BASE/tiny5.kwsnet"
models=()
for q in float binary-conv; do
    m=$BASE/tiny-$q.kwsm
    if ! "$KWS" train --data "$BASE/data" --words alpha,beta,gamma --unknown --silence \
        --net "$BASE/tiny5.kwsnet" --quant $q --epochs 4 --shift-ms 300 --batch 16 --lr 0.01 \
        --min-lr 0.001 --seed 3 --threads 2 --cache none -o "$m" >"$BASE/train-$q.log" 2>&1; then
        tail -5 "$BASE/train-$q.log"
        echo "FAIL: training the tiny $q model"
        exit 1
    fi
    models+=("$m")
done
for m in "$SRC"/models/*.kwsm; do
    [ -e "$m" ] && models+=("$m")
done
clips=$BASE/data/alpha/spk09_nohash_0.wav,$BASE/data/gamma/spk10_nohash_0.wav
clips=$clips,$BASE/data/_background_noise_/hum.wav
n_clips=3

# ---- host: export, the app on the host ---------------------------------------
for m in "${models[@]}"; do
    label=$(basename "$m" .kwsm)
    W=$BASE/$label
    mkdir -p "$W"
    echo "== $label: kws export"
    if ! "$KWS" export --model "$m" --out "$W/export" --clips "$clips" >"$W/export.txt" 2>&1; then
        sed 's/^/   /' "$W/export.txt"
        failed "$label" "kws export"
        continue
    fi
    sed 's/^/   /' "$W/export.txt"
    # shellcheck disable=SC2086
    if ! "$HOSTCC" -std=c99 -O2 -g $HOSTFLAGS -Wall -Wextra -Werror -ffp-contract=off \
        -DKWS_INFER_HOST -DKWS_INFER_MODEL=kws_model_data -DKWS_INFER_PREFIX=KWS_MODEL_DATA \
        -I"$SRC/include" -I"$SRC" -I"$SRC/device/m4" -I"$W/export" \
        "$SRC/device/m4/apps/kws_infer.c" "$W/export/kws_model_data.c" "${LIBS[@]}" -lm \
        -o "$W/kws_infer_host" 2>"$W/host_cc.txt"; then
        sed 's/^/   /' "$W/host_cc.txt"
        failed "$label" "host build of the exported model"
        continue
    fi
    rc=0
    "$W/kws_infer_host" >"$W/host.out" 2>"$W/host.err" || rc=$?
    sed 's/^/   host: /' "$W/host.out"
    [ -s "$W/host.err" ] && sed 's/^/   host stderr: /' "$W/host.err"
    [ $rc -eq 0 ] || failed "$label" "host app exited with $rc"
    ok=$(grep -c '^clip .*, expect ok$' "$W/host.out" || true)
    [ "$ok" -eq $n_clips ] || failed "$label" "host: $ok of $n_clips clips give the logits kws export computed"
done

# The app refuses a damaged model before running it: one weight changed in
# the source (the CRC), one op's input channels changed (kws_imodel_check).
W=$BASE/$(basename "${models[0]}" .kwsm)
damaged() { # DESCRIPTION SED_SCRIPT EXPECTED_MESSAGE
    rm -rf "$BASE/damaged"
    cp -r "$W/export" "$BASE/damaged"
    sed -i "$2" "$BASE/damaged/kws_model_data.c"
    if cmp -s "$W/export/kws_model_data.c" "$BASE/damaged/kws_model_data.c"; then
        failed damaged "$1: the edit changed nothing"
        return
    fi
    # shellcheck disable=SC2086
    "$HOSTCC" -std=c99 -O2 $HOSTFLAGS -ffp-contract=off -DKWS_INFER_HOST \
        -I"$SRC/include" -I"$SRC" -I"$SRC/device/m4" -I"$BASE/damaged" \
        "$SRC/device/m4/apps/kws_infer.c" "$BASE/damaged/kws_model_data.c" "${LIBS[@]}" -lm \
        -o "$BASE/damaged/app" || { failed damaged "$1: does not build"; return; }
    rc=0
    "$BASE/damaged/app" >"$BASE/damaged/out" 2>&1 || rc=$?
    echo "   $1: exit $rc: $(head -1 "$BASE/damaged/out")"
    [ $rc -eq 2 ] && grep -q "$3" "$BASE/damaged/out" && ! grep -q '^clip ' "$BASE/damaged/out" ||
        failed damaged "$1: expected exit 2 and '$3' before any clip runs"
}
echo "== damaged models"
damaged "one weight changed" '/_op0_weight\[/{n;s/^\( *-\?[0-9]\+\),/\1 ^ 1,/}' "parameter CRC-32 differs"
damaged "op 2 input channels changed" '/{ \/\* 2: /,/in_c = /s/\.in_c = \([0-9]\+\)/.in_c = 1\1/' \
    "op 2 fails kws_imodel_check: shape mismatch"
[ $fail -eq 0 ] || { echo "device_m4_model: FAIL (host part)"; exit 1; }

# ---- device ---------------------------------------------------------------------
need_cross
need_qemu
CROSS=${CROSS:-arm-none-eabi-}
# One build folder for all models: the library is compiled once per board;
# the model's own objects are rebuilt when MODEL_DIR changes (Makefile).
BUILD=$BASE/m4

# flash = text + data of an image (arm-none-eabi-size, Berkeley format)
flash_of() { "${CROSS}size" "$1" | awk 'NR == 2 { print $1 + $2 }'; }
part_of() { awk -F'\t' -v r="$2" -v p="$3" '$1 == r && $2 == p { print $3; f = 1 } END { if (!f) print 0 }' "$1"; }

for m in "${models[@]}"; do
    label=$(basename "$m" .kwsm)
    W=$BASE/$label
    echo "== $label: firmware"
    for board in mps2-an386 stm32l496; do
        if ! m4make BOARD=$board MODEL_DIR="$W/export" infer infer-base >"$W/make-$board.txt" 2>&1; then
            sed 's/^/   /' "$W/make-$board.txt" | tail -20
            failed "$label" "firmware does not build or link for $board"
            continue 2
        fi
    done
    # QEMU: the same lines as the host
    rc=0
    run_firmware "$BUILD/mps2-an386/kws_infer.elf" "$W/device.out" "${KWS_QEMU_TIMEOUT:-300}" \
        '^@region ' || rc=$?
    [ $rc -eq 0 ] || failed "$label" "firmware exited with status $rc under QEMU"
    grep -v -E '^(@region |stack: )' "$W/device.out" >"$W/device.cmp" || true
    if ! cmp -s "$W/host.out" "$W/device.cmp"; then
        diff "$W/host.out" "$W/device.cmp" | sed 's/^/   /' | head -20
        failed "$label" "QEMU output differs from the host's"
    else
        echo "   QEMU output equals the host's, bit for bit ($(wc -l <"$W/host.out") lines)"
    fi

    # stack: call-graph bound <= reserved, measured high-water <= bound
    if ! m4make BOARD=stm32l496 MODEL_DIR="$W/export" infer-stack >"$W/stack.txt" 2>&1; then
        failed "$label" "stack bound (make infer-stack)"
    fi
    sed 's/^/   /' "$W/stack.txt"
    bound=$(awk '/^worst-case stack/ { print $5 }' "$W/stack.txt")
    used=$(awk '/^stack: / { print $2 }' "$W/device.out")
    if [ -z "$bound" ] || [ -z "$used" ] || [ "$used" -gt "$bound" ] || [ "$bound" -gt $STACK_SIZE ]; then
        failed "$label" "stack: measured ${used:-?} B, bound ${bound:-?} B, reserved $STACK_SIZE B"
    else
        echo "   stack: measured $used B <= call-graph bound $bound B <= reserved $STACK_SIZE B"
    fi

    # flash accounting on the real target's image
    elf=$BUILD/stm32l496/kws_infer.elf base=$BUILD/stm32l496/kws_infer_base.elf
    "$SRC/device/m4/scripts/mem_parts.sh" "$SRC" "${elf%.elf}.map" >"$W/parts.tsv"
    params=$(part_of "$W/parts.tsv" flash model_params)
    clips_b=$(part_of "$W/parts.tsv" flash test_clips)
    exported=$(awk '/^parameters:/ { print $2 }' "$W/export.txt")
    # kws analyze: the model as written; a float model runs with int8 weights
    if "$KWS" analyze --model "$m" | grep -qE ' (conv2d|dense) f32'; then
        rom=$("$KWS" analyze --model "$m" --quant int8 | awk '/^ROM/ { gsub(",", "", $2); print $2 }')
    else
        rom=$("$KWS" analyze --model "$m" | awk '/^ROM/ { gsub(",", "", $2); print $2 }')
    fi
    fa=$(flash_of "$elf") fb=$(flash_of "$base")
    delta=$((fa - fb - clips_b))
    echo "   flash: kws_infer $fa B, without a model $fb B, test clips $clips_b B"
    echo "   model parameters in the map $params B, kws export $exported B, kws analyze ROM $rom B"
    echo "   flash(kws_infer) - flash(base) - clips = $delta B = ROM + $((delta - rom)) B of code and tables"
    [ "$params" = "$exported" ] && [ "$params" = "$rom" ] ||
        failed "$label" "parameter bytes: map $params, export $exported, analyze $rom"
    margin=$CODE_MARGIN
    grep -q '_STREAM_SIZE [1-9]' "$W/export/kws_model_data.h" && margin=$((margin + STREAM_MARGIN))
    [ "$delta" -ge "$rom" ] && [ "$delta" -le $((rom + margin)) ] ||
        failed "$label" "flash delta $delta B is not ROM $rom B + at most $margin B"
done
[ $fail -eq 0 ] && echo "device_m4_model: PASS (${#models[@]} models: host = QEMU bit for bit, fits the STM32L496)"
exit $fail
